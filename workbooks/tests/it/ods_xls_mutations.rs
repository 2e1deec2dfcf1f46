//! Seeded mutants of the ods and xls workbooks of `tests/fixtures` (saved by LibreOffice):
//! for ods, edits of `content.xml` and the other parts and of the archive; for xls, edits of
//! the bytes (bits flipped, the file cut, a range copied over another, the length fields of
//! BIFF records and of the compound file's header and directory set to odd values). Each
//! mutant is answered without a panic by a result or by an error that says where (a sheet,
//! a cell, an archive entry, or nothing for the whole file), and both imports give the same
//! answer.

use std::panic::{AssertUnwindSafe, catch_unwind};

use greenlight_workbooks::WorkbookLimits;

use crate::mutations::{Outcome, streamed, whole};
use crate::mutator::{Rng, element_starts, find_from, flip_bits, rezip, set_attribute, unzip};

/// Mutants per workbook: five workbooks.
const MUTANTS_PER_WORKBOOK: u64 = 50;

const FIXTURES: &[(&str, &[u8])] = &[
    (
        "led-street-lighting.ods",
        include_bytes!("../fixtures/led-street-lighting.ods"),
    ),
    ("Data.ods", include_bytes!("../fixtures/Data.ods")),
    (
        "city-pipeline-zh.ods",
        include_bytes!("../fixtures/city-pipeline-zh.ods"),
    ),
    (
        "led-street-lighting.xls",
        include_bytes!("../fixtures/led-street-lighting.xls"),
    ),
    ("Data.xls", include_bytes!("../fixtures/Data.xls")),
];

#[test]
fn mutated_ods_and_xls_workbooks_are_answered_and_both_imports_agree() {
    let limits = WorkbookLimits::default();
    let count = std::env::var("GREENLIGHT_ODS_XLS_MUTANTS")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(MUTANTS_PER_WORKBOOK);
    let mut refused: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let (mut read, mut total) = (0usize, 0usize);
    for (s, (file, original)) in FIXTURES.iter().enumerate() {
        let sheets = sheet_names(original);
        for n in 0..count {
            let seed = (s as u64) << 32 | n;
            let mut rng = Rng::new(seed);
            let (bytes, what) = if file.ends_with(".ods") {
                mutate_ods(original, &mut rng)
            } else {
                mutate_xls(original, &mut rng)
            };
            let context = format!("mutant {seed:#x} of {file}: {what}");
            let run = |f: fn(&[u8], &WorkbookLimits) -> Outcome| {
                catch_unwind(AssertUnwindSafe(|| f(&bytes, &limits)))
                    .unwrap_or_else(|_| panic!("the import panicked on {context}"))
            };
            let a = run(whole);
            let b = run(streamed);
            assert_eq!(a, b, "the two imports disagree on {context}");
            total += 1;
            match a {
                Outcome::Read { problems, .. } => {
                    read += 1;
                    for problem in problems {
                        assert!(
                            names_a_place(&problem.location, &sheets),
                            "{context}: problem {problem:?} names no sheet or cell"
                        );
                    }
                }
                Outcome::Refused(e) => {
                    assert!(!e.message.is_empty(), "{context}: {e:?}");
                    // A sheet the import looks for and does not find is named too.
                    assert!(
                        e.location.is_empty()
                            || e.code == "missing_sheet"
                            || names_a_place(&e.location, &sheets)
                            || is_part_name(&e.location),
                        "{context}: error {e:?} names no sheet, cell or part"
                    );
                    *refused.entry(e.code).or_default() += 1;
                }
            }
        }
    }
    // The test must not pass by refusing every mutant at the door.
    assert!(
        read >= total / 5,
        "{read} of {total} mutants read; refused: {refused:?}"
    );
    assert!(refused.len() >= 3, "refused: {refused:?}");
}

/// The sheets of the intact workbook, which a mutant's problem may name.
fn sheet_names(bytes: &[u8]) -> Vec<String> {
    greenlight_workbooks::safety::SafeWorkbook::open(bytes, &WorkbookLimits::default())
        .expect("the fixture opens")
        .sheet_names()
        .to_vec()
}

/// `Sheet`, `Sheet!A1`, `Sheet!7` or `Sheet!A1:B2` of a sheet of the workbook (a mutant may rename a
/// sheet, so any name followed by a cell is taken too).
fn names_a_place(location: &str, sheets: &[String]) -> bool {
    if sheets.iter().any(|s| s == location) {
        return true;
    }
    match location.rsplit_once('!') {
        Some((sheet, cell)) => {
            !sheet.is_empty()
                && cell.split(':').all(|c| {
                    // A cell (`B7`), a row (`7`) or a column (`B`).
                    let letters = c.bytes().take_while(u8::is_ascii_uppercase).count();
                    !c.is_empty() && c[letters..].bytes().all(|b| b.is_ascii_digit())
                })
        }
        None => false,
    }
}

/// A part's name as an error gives it: an archive entry (`content.xml`,
/// `META-INF/manifest.xml`, `manifest.rdf`) or the xls file's workbook stream.
fn is_part_name(location: &str) -> bool {
    location.contains('.')
        || location.contains('/')
        || location == "mimetype"
        || location == "Workbook"
}

/// One mutation of an ods workbook: an edit of the archive (one in ten), or one to three
/// edits of one part (`content.xml` most of the time).
fn mutate_ods(original: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let Some(mut entries) = unzip(original) else {
        return (original.to_vec(), "unchanged (not a zip)".into());
    };
    if rng.below(10) == 0 {
        return ods_zip_mutation(original, &mut entries, rng);
    }
    let parts: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].0.ends_with(".xml") || entries[i].0 == "mimetype")
        .collect();
    let content = entries.iter().position(|(n, _)| n == "content.xml");
    let at = match content {
        Some(c) if rng.below(10) < 8 => c,
        _ => *rng.pick(&parts),
    };
    let name = entries[at].0.clone();
    let mut what = Vec::new();
    for _ in 0..1 + rng.below(3) {
        what.push(ods_xml_mutation(&mut entries[at].1, rng));
    }
    // The `mimetype` entry stays first and stored, as the format asks (or not, now and then).
    let stored_all = rng.below(8) == 0;
    let bytes = rezip(&entries, &|i| stored_all || entries[i].0 == "mimetype");
    (bytes, format!("{name}: {}", what.join("; ")))
}

fn ods_zip_mutation(
    original: &[u8],
    entries: &mut Vec<(String, Vec<u8>)>,
    rng: &mut Rng,
) -> (Vec<u8>, String) {
    match rng.below(5) {
        0 => {
            let cut = rng.below(original.len());
            (original[..cut].to_vec(), format!("zip cut at byte {cut}"))
        }
        1 => {
            let mut bytes = original.to_vec();
            let flipped = flip_bits(&mut bytes, 4, rng);
            (bytes, format!("zip bytes flipped {flipped}"))
        }
        2 => {
            let i = rng.below(entries.len());
            let name = entries.remove(i).0;
            (
                rezip(entries, &|_| false),
                format!("zip entry {name} removed"),
            )
        }
        3 => {
            // Entries reordered: `mimetype` no longer first, or `content.xml` first.
            let i = rng.below(entries.len());
            let j = rng.below(entries.len());
            entries.swap(i, j);
            (
                rezip(entries, &|_| false),
                format!("zip entries {i} and {j} swapped"),
            )
        }
        _ => {
            // Another mimetype, or none in the entry.
            let mime = *rng.pick(&[
                "",
                "application/vnd.oasis.opendocument.text",
                "application/vnd.oasis.opendocument.spreadsheet-template",
                "application/vnd.oasis.opendocument.spreadsheetx",
            ]);
            if let Some(entry) = entries.iter_mut().find(|(n, _)| n == "mimetype") {
                entry.1 = mime.as_bytes().to_vec();
            }
            (
                rezip(entries, &|_| false),
                format!("mimetype set to {mime:?}"),
            )
        }
    }
}

/// Values written into an ods cell's attributes and text.
const ODD_VALUES: &[&str] = &[
    "",
    "1e400",
    "-1e400",
    "NaN",
    "inf",
    "-0",
    "0x10",
    " 12 ",
    "1,5",
    "99999999999999999999999999999999999999",
    "4.9e-324",
    "true",
    "false",
    "TRUE",
    "2",
    "2024-02-30",
    "2024-13-01T25:61:61",
    "-271821-04-20",
    "PT99999999H",
    "P1Y",
    "&amp;&lt;",
    "&bogus;",
    "&amp",
    "&#0;",
    "\u{4e2d}\u{6587}",
];

const VALUE_TYPES: &[&str] = &[
    "float",
    "percentage",
    "currency",
    "date",
    "time",
    "boolean",
    "string",
    "void",
    "",
    "Float",
    "number",
];

const COUNTS: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "",
    "x",
    "1024",
    "16384",
    "1048576",
    "1048577",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999",
];

const COUNT_ATTRIBUTES: &[&str] = &[
    "table:number-columns-repeated",
    "table:number-rows-repeated",
    "table:number-columns-spanned",
    "table:number-rows-spanned",
];

const ODS_ELEMENTS: &[&str] = &[
    "table:table-cell",
    "table:table-cell",
    "table:table-row",
    "table:table",
    "table:table-column",
    "table:covered-table-cell",
    "text:p",
    "office:spreadsheet",
    "style:style",
];

/// The end (exclusive) of the element at `start`: its `/>`, or the matching close tag; unlike
/// the xlsx mutator's first close tag, it counts nesting (elements of one name nest in ods: a
/// table in a cell's annotation, say).
fn element_end(xml: &[u8], start: usize, name: &[u8]) -> Option<usize> {
    let tag_end = find_from(xml, b">", start)?;
    if xml[tag_end - 1] == b'/' {
        return Some(tag_end + 1);
    }
    let mut close = b"</".to_vec();
    close.extend_from_slice(name);
    close.push(b'>');
    let mut depth = 1usize;
    let mut at = tag_end + 1;
    loop {
        let next_close = find_from(xml, &close, at)?;
        let opened = element_starts(&xml[at..next_close], name)
            .into_iter()
            .filter(|&p| {
                let gt = find_from(xml, b">", at + p).unwrap_or(next_close);
                xml[gt - 1] != b'/'
            })
            .count();
        depth += opened;
        depth -= 1;
        at = next_close + close.len();
        if depth == 0 {
            return Some(at);
        }
    }
}

fn ods_xml_mutation(xml: &mut Vec<u8>, rng: &mut Rng) -> String {
    let cells = element_starts(xml, b"table:table-cell");
    match rng.below(12) {
        0..=2 => {
            // An element deleted, duplicated, or moved after the next one of its name.
            let name = *rng.pick(ODS_ELEMENTS);
            let starts = element_starts(xml, name.as_bytes());
            if starts.is_empty() {
                return format!("no <{name}>");
            }
            let start = *rng.pick(&starts);
            let Some(end) = element_end(xml, start, name.as_bytes()) else {
                return format!("<{name}> without end");
            };
            match rng.below(3) {
                0 => {
                    xml.splice(start..end, []);
                    format!("deleted <{name}> at {start}")
                }
                1 => {
                    let copy = xml[start..end].to_vec();
                    xml.splice(end..end, copy);
                    format!("duplicated <{name}> at {start}")
                }
                _ => {
                    let Some(&next) = starts.iter().find(|&&s| s >= end) else {
                        return format!("no <{name}> after {start}");
                    };
                    let Some(next_end) = element_end(xml, next, name.as_bytes()) else {
                        return format!("<{name}> without end");
                    };
                    let moved = xml[start..end].to_vec();
                    xml.splice(next_end..next_end, moved);
                    xml.splice(start..end, []);
                    format!("moved <{name}> at {start} after the one at {next}")
                }
            }
        }
        3 | 4 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let attr = *rng.pick(COUNT_ATTRIBUTES);
            let value = *rng.pick(COUNTS);
            set_attribute(xml, start, attr, Some(value));
            format!("cell at {start} {attr}={value:?}")
        }
        5 => {
            let rows = element_starts(xml, b"table:table-row");
            if rows.is_empty() {
                return "no row".into();
            }
            let start = *rng.pick(&rows);
            let value = *rng.pick(COUNTS);
            set_attribute(xml, start, "table:number-rows-repeated", Some(value));
            format!("row at {start} repeated {value:?}")
        }
        6 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let kind = *rng.pick(VALUE_TYPES);
            let value = if rng.below(5) == 0 { None } else { Some(kind) };
            set_attribute(xml, start, "office:value-type", value);
            if rng.below(2) == 0 {
                set_attribute(xml, start, "calcext:value-type", value);
            }
            format!("cell at {start} value-type={value:?}")
        }
        7 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let attr = *rng.pick(&[
                "office:value",
                "office:date-value",
                "office:time-value",
                "office:boolean-value",
                "office:string-value",
                "table:formula",
            ]);
            let value = *rng.pick(ODD_VALUES);
            let value = if rng.below(6) == 0 { None } else { Some(value) };
            set_attribute(xml, start, attr, value);
            format!("cell at {start} {attr}={value:?}")
        }
        8 => {
            // The text of a paragraph.
            let paragraphs = element_starts(xml, b"text:p");
            if paragraphs.is_empty() {
                return "no paragraph".into();
            }
            let start = *rng.pick(&paragraphs);
            let Some(gt) = find_from(xml, b">", start) else {
                return "paragraph without end".into();
            };
            if xml[gt - 1] == b'/' {
                return "empty paragraph".into();
            }
            let Some(close) = find_from(xml, b"</text:p>", gt) else {
                return "paragraph without end".into();
            };
            let text = *rng.pick(ODD_VALUES);
            xml.splice(gt + 1..close, text.bytes());
            format!("paragraph at {start} set to {text:?}")
        }
        9 => {
            let cut = rng.below(xml.len() + 1);
            xml.truncate(cut);
            format!("cut at {cut}")
        }
        10 => {
            let mut set = Vec::new();
            for _ in 0..1 + rng.below(3) {
                if xml.is_empty() {
                    break;
                }
                let i = rng.below(xml.len());
                let byte = *rng.pick(&[b'<', b'>', b'"', b'/', b'&', b' ', b'0', b'9', 0xC3, 0]);
                xml[i] = byte;
                set.push(format!("{i}={byte:#x}"));
            }
            format!("bytes set {}", set.join(","))
        }
        _ => {
            // A sheet renamed: empty, repeated, or odd.
            let tables = element_starts(xml, b"table:table");
            if tables.is_empty() {
                return "no sheet".into();
            }
            let start = *rng.pick(&tables);
            let name = *rng.pick(&["", "Projects", "CashFlows", "Settings", "A!B", "&amp;"]);
            set_attribute(xml, start, "table:name", Some(name));
            format!("sheet at {start} named {name:?}")
        }
    }
}

/// One mutation of an xls workbook's bytes.
fn mutate_xls(original: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut bytes = original.to_vec();
    let records = biff_records(&bytes);
    let what = match rng.below(8) {
        0 => {
            format!("bits flipped {}", flip_bits(&mut bytes, 8, rng))
        }
        1 => {
            let cut = rng.below(bytes.len());
            bytes.truncate(cut);
            format!("cut at byte {cut}")
        }
        2 => {
            // A range copied over another (sectors of the compound file and records).
            let len = 1 + rng.below(600);
            let from = rng.below(bytes.len().saturating_sub(len).max(1));
            let to = rng.below(bytes.len().saturating_sub(len).max(1));
            let piece = bytes[from..(from + len).min(bytes.len())].to_vec();
            let end = (to + piece.len()).min(bytes.len());
            bytes[to..end].copy_from_slice(&piece[..end - to]);
            format!("{len} bytes at {from} copied to {to}")
        }
        3 | 4 if !records.is_empty() => {
            // A BIFF record's length field.
            let (at, kind, len) = *rng.pick(&records);
            let new = *rng.pick(&[0u16, 1, 2, 3, 5, 0xFFFF, 0x2020, len.wrapping_add(1)]);
            let new = if rng.below(4) == 0 {
                len.wrapping_sub(1)
            } else {
                new
            };
            bytes[at + 2..at + 4].copy_from_slice(&new.to_le_bytes());
            format!("record {kind:#06x} at {at}: length {len} set to {new}")
        }
        5 if !records.is_empty() => {
            // A field of a record's data: a cell's row or column, a count, an index.
            let (at, kind, len) = *rng.pick(&records);
            if len < 2 {
                return (bytes, format!("record {kind:#06x} at {at} too short"));
            }
            let offset = 2 * rng.below(usize::from(len / 2).min(8));
            let new = *rng.pick(&[0u16, 1, 0x00FF, 0x0100, 0x3FFF, 0x4000, 0x7FFF, 0xFFFF]);
            let field = at + 4 + offset;
            bytes[field..field + 2].copy_from_slice(&new.to_le_bytes());
            format!("record {kind:#06x} at {at}: field at +{offset} set to {new:#x}")
        }
        6 if !records.is_empty() => {
            // A record's type.
            let (at, kind, _) = *rng.pick(&records);
            let new = *rng.pick(&[
                0x0809u16, 0x000A, 0x00FC, 0x00FF, 0x003C, 0x0203, 0x00FD, 0x027E, 0x00BD, 0x0006,
                0x0207, 0x0085, 0x0200, 0x00E5, 0x0000,
            ]);
            bytes[at..at + 2].copy_from_slice(&new.to_le_bytes());
            format!("record {kind:#06x} at {at}: type set to {new:#06x}")
        }
        _ => {
            // A field of the compound file's header or of a directory entry: sector shift,
            // sector counts and starts, a stream's start or size.
            let header_fields = [
                0x1Eusize, 0x20, 0x2C, 0x30, 0x38, 0x3C, 0x40, 0x44, 0x48, 0x4C,
            ];
            let field = if rng.below(2) == 0 {
                *rng.pick(&header_fields)
            } else {
                match directory_entries(&bytes) {
                    entries if !entries.is_empty() => {
                        let entry = *rng.pick(&entries);
                        entry + *rng.pick(&[0x40usize, 0x42, 0x44, 0x48, 0x4C, 0x74, 0x78])
                    }
                    _ => *rng.pick(&header_fields),
                }
            };
            let new = *rng.pick(&[
                0u32,
                1,
                2,
                7,
                9,
                12,
                0x1000,
                0xFFFF,
                0x7FFF_FFFF,
                0xFFFF_FFFA,
                0xFFFF_FFFE,
                0xFFFF_FFFF,
            ]);
            let width =
                if field == 0x1E || field == 0x20 || field % 128 == 0x40 || field % 128 == 0x42 {
                    2
                } else {
                    4
                };
            if let Some(slot) = bytes.get_mut(field..field + width) {
                slot.copy_from_slice(&new.to_le_bytes()[..width]);
            }
            format!("compound file field at {field:#x} set to {new:#x}")
        }
    };
    (bytes, what)
}

/// The BIFF records of the workbook stream, walked from its first BOF in the file's bytes
/// (LibreOffice writes the stream's sectors in order): position, type and length, until
/// the walk leaves the records (a sector boundary that is not a record's, or the end).
fn biff_records(bytes: &[u8]) -> Vec<(usize, u16, u16)> {
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let Some(mut at) = (512..bytes.len().saturating_sub(4))
        .step_by(512)
        .find(|&at| u16_at(at) == Some(0x0809) && u16_at(at + 2) == Some(16))
    else {
        return Vec::new();
    };
    let mut records = Vec::new();
    while let (Some(kind), Some(len)) = (u16_at(at), u16_at(at + 2)) {
        if kind == 0 || at + 4 + usize::from(len) > bytes.len() || records.len() > 20_000 {
            break;
        }
        records.push((at, kind, len));
        at += 4 + usize::from(len);
    }
    records
}

/// The positions of the compound file's directory entries in the first directory sector.
fn directory_entries(bytes: &[u8]) -> Vec<usize> {
    let Some(start) = bytes
        .get(0x30..0x34)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return Vec::new();
    };
    let sector = (start + 1) * 512;
    (0..4)
        .map(|i| sector + 128 * i)
        .filter(|&e| e + 128 <= bytes.len())
        .collect()
}
