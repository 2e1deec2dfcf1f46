// Seeded mutations of xlsx workbooks, at the XML level inside the archive and at the zip
// level. Shared by the import's mutation test (`tests/it/mutations.rs`) and the readers'
// comparison in `scan::tests` (through `include!`), so it uses only the standard library
// and `zip`.

/// A small xorshift generator: the same seed gives the same mutants on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        // Zero is xorshift's fixed point; any other start works.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Every entry of an archive, in order, or `None` when it is not a readable zip.
pub(crate) fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).ok()?;
        let name = entry.name().ok()?.into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        entries.push((name, data));
    }
    Some(entries)
}

/// An archive of the entries, each stored or deflated as `stored` says.
pub(crate) fn rezip(entries: &[(String, Vec<u8>)], stored: &dyn Fn(usize) -> bool) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, (name, data)) in entries.iter().enumerate() {
        let method = if stored(i) {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        out.start_file(name.as_str(), options).expect("start entry");
        out.write_all(data).expect("write entry");
    }
    out.finish().expect("finish zip").into_inner()
}

/// Texts written into numbers, text runs and references.
const ODD_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "-0",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "0x10",
    " 12 ",
    "12 ",
    "+5",
    ".5",
    "5.",
    "1e",
    "1e-400",
    "1_000",
    "1,5",
    "",
    " ",
    "99999999999999999999999999999999999999999999999999999999999999999999",
    "0.000000000000000000000000000000000000000000000000000000000000000001",
    "123456789012345678901234567890.123456789",
    "4.9e-324",
    "1.7976931348623157e308",
    "TRUE",
    "1",
    "0",
    "2",
    "#N/A",
    "12%",
    "&#49;&#50;",
    "1&amp;2",
];

const ODD_TEXTS: &[&str] = &[
    "",
    " ",
    "&amp;&lt;&gt;&quot;&apos;",
    "&#x41;&#66;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&bogus;",
    "&amp",
    "_x000D_",
    "_x005F_x0041_",
    "_x0041",
    "_xZZZZ_",
    "a_x000A_b",
    "<![CDATA[p-1]]>",
    "<![CDATA[<v>1</v>]]>",
    "<![CDATA[unterminated",
    "p-1",
    "p-2",
    "Project id",
    "investment",
    "  spaced  ",
    "\u{4e2d}\u{6587}",
    "\u{0}",
    "<",
    "]]>",
];

const CELL_TYPES: &[&str] = &[
    "s",
    "str",
    "inlineStr",
    "b",
    "e",
    "n",
    "d",
    "",
    "S",
    "inline",
    "x",
];

const ODD_REFS: &[&str] = &[
    "A1",
    "A0",
    "",
    "a1",
    "1A",
    "XFD1048576",
    "XFE1",
    "A1048577",
    "A4294967295",
    "A99999999999999999999",
    "ZZZZZZZZ1",
    "AZ1",
    "TU2",
    "B$2",
    "$A$1",
    "A1:B2",
    " B2",
    "B2 ",
    "\u{4e2d}1",
];

/// One mutation of the workbook `original` (an xlsx's bytes) chosen by `rng`: the mutant's
/// bytes and what was done, for the failure message.
pub(crate) fn mutate(original: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let Some(mut entries) = unzip(original) else {
        return (original.to_vec(), "unchanged (not a zip)".into());
    };
    let kind = rng.below(100);
    if kind < 8 {
        return zip_mutation(original, &mut entries, rng);
    }
    // Sheets most of the time, since the fast paths read them; the other parts too.
    let xml: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].0.ends_with(".xml") || entries[i].0.ends_with(".rels"))
        .collect();
    let sheets: Vec<usize> = xml
        .iter()
        .copied()
        .filter(|&i| entries[i].0.starts_with("xl/worksheets/"))
        .collect();
    let at = if !sheets.is_empty() && rng.below(10) < 7 {
        *rng.pick(&sheets)
    } else if !xml.is_empty() {
        *rng.pick(&xml)
    } else {
        return (original.to_vec(), "unchanged (no XML part)".into());
    };
    let name = entries[at].0.clone();
    // One to three edits of the same part, so mutations combine.
    let mut what = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let text = &mut entries[at].1;
        what.push(xml_mutation(text, rng));
    }
    let stored = rng.below(4) == 0;
    let bytes = rezip(&entries, &|_| stored);
    let method = if stored { "stored" } else { "deflated" };
    (bytes, format!("{name} ({method}): {}", what.join("; ")))
}

fn zip_mutation(
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
            // A second entry of the same name: written under a placeholder of the same
            // length, then renamed in the local and central headers (the CRC does not
            // cover names).
            let i = rng.below(entries.len());
            let (name, data) = entries[i].clone();
            let mut placeholder = name.clone().into_bytes();
            let last = placeholder.len() - 1;
            placeholder[last] = if placeholder[last] == b'#' {
                b'%'
            } else {
                b'#'
            };
            let placeholder = String::from_utf8(placeholder).unwrap_or_else(|_| name.clone());
            let mut changed = data.clone();
            if !changed.is_empty() && rng.below(2) == 0 {
                let j = rng.below(changed.len());
                changed.truncate(j);
            }
            let before = rng.below(2) == 0;
            let copy = (placeholder.clone(), changed);
            if before {
                entries.insert(i, copy);
            } else {
                entries.insert(i + 1, copy);
            }
            let mut bytes = rezip(entries, &|_| false);
            replace_all(&mut bytes, placeholder.as_bytes(), name.as_bytes());
            let side = if before { "before" } else { "after" };
            (bytes, format!("zip entry {name} duplicated {side}"))
        }
        3 => {
            let i = rng.below(entries.len());
            let name = entries.remove(i).0;
            (
                rezip(entries, &|_| false),
                format!("zip entry {name} removed"),
            )
        }
        _ => {
            let seed = rng.next();
            let bytes = rezip(entries, &|i| (seed >> (i % 64)) & 1 == 1);
            (
                bytes,
                format!("zip rewritten, stored where bit i of {seed:#x}"),
            )
        }
    }
}

fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    debug_assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
}

/// Flips one bit in each of 1 to `at_most` random bytes (a byte may be drawn twice); the
/// edits as `byte^bit`, comma-separated.
pub(crate) fn flip_bits(bytes: &mut [u8], at_most: usize, rng: &mut Rng) -> String {
    let mut flipped = Vec::new();
    for _ in 0..1 + rng.below(at_most) {
        let i = rng.below(bytes.len());
        let bit = 1u8 << rng.below(8);
        bytes[i] ^= bit;
        flipped.push(format!("{i}^{bit}"));
    }
    flipped.join(",")
}

pub(crate) fn find_from(xml: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > xml.len() {
        return None;
    }
    xml[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Start positions of every `<name` followed by a space, `>` or `/`.
pub(crate) fn element_starts(xml: &[u8], name: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(p) = find_from(xml, b"<", i) {
        let rest = &xml[p + 1..];
        if rest.starts_with(name)
            && matches!(
                rest.get(name.len()),
                Some(b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r')
            )
        {
            starts.push(p);
        }
        i = p + 1;
    }
    starts
}

/// The end (exclusive) of the element starting at `start`: its `/>` or its first `</name>`.
fn element_end(xml: &[u8], start: usize, name: &[u8]) -> Option<usize> {
    let tag_end = find_from(xml, b">", start)?;
    if xml[tag_end - 1] == b'/' {
        return Some(tag_end + 1);
    }
    let mut close = b"</".to_vec();
    close.extend_from_slice(name);
    close.push(b'>');
    find_from(xml, &close, tag_end).map(|p| p + close.len())
}

/// A random element among those named in the part: (name, start, end).
fn some_element(xml: &[u8], rng: &mut Rng) -> Option<(&'static [u8], usize, usize)> {
    const NAMES: &[&[u8]] = &[
        b"c",
        b"c",
        b"c",
        b"row",
        b"v",
        b"t",
        b"si",
        b"f",
        b"is",
        b"sheet",
        b"mergeCell",
        b"Relationship",
        b"xf",
        b"numFmt",
        b"sheetData",
        b"dimension",
        b"cols",
    ];
    for _ in 0..4 {
        let name = *rng.pick(NAMES);
        let starts = element_starts(xml, name);
        if starts.is_empty() {
            continue;
        }
        let start = *rng.pick(&starts);
        if let Some(end) = element_end(xml, start, name) {
            return Some((name, start, end));
        }
    }
    None
}

fn splice(xml: &mut Vec<u8>, range: std::ops::Range<usize>, with: &[u8]) {
    xml.splice(range, with.iter().copied());
}

/// Sets (or adds, or removes when `value` is `None`) an attribute in the tag at `start`.
pub(crate) fn set_attribute(xml: &mut Vec<u8>, start: usize, attr: &str, value: Option<&str>) {
    let Some(tag_end) = find_from(xml, b">", start) else {
        return;
    };
    let tag = &xml[start..tag_end];
    let needle = format!(" {attr}=\"");
    if let Some(p) = find_from(tag, needle.as_bytes(), 0) {
        let value_start = start + p + needle.len();
        let Some(q) = find_from(xml, b"\"", value_start) else {
            return;
        };
        match value {
            Some(v) => splice(xml, value_start..q, v.as_bytes()),
            None => splice(xml, start + p..q + 1, b""),
        }
    } else if let Some(v) = value {
        let name_end = start
            + tag
                .iter()
                .position(|b| matches!(b, b' ' | b'/' | b'>'))
                .unwrap_or(tag.len());
        splice(
            xml,
            name_end..name_end,
            format!(" {attr}=\"{v}\"").as_bytes(),
        );
    }
}

/// Replaces the text between the first `<open...>` and `</close>` inside `range`.
fn set_content(xml: &mut Vec<u8>, range: std::ops::Range<usize>, open: &[u8], to: &str) -> bool {
    let Some(p) = find_from(&xml[..range.end], open, range.start) else {
        return false;
    };
    let Some(gt) = find_from(xml, b">", p) else {
        return false;
    };
    if xml[gt - 1] == b'/' {
        return false;
    }
    let mut close = b"</".to_vec();
    close.extend_from_slice(&open[1..]);
    close.push(b'>');
    let Some(q) = find_from(&xml[..range.end], &close, gt) else {
        return false;
    };
    splice(xml, gt + 1..q, to.as_bytes());
    true
}

fn xml_mutation(xml: &mut Vec<u8>, rng: &mut Rng) -> String {
    let cells = element_starts(xml, b"c");
    let op = rng.below(17);
    match op {
        0 | 1 => {
            let Some((name, start, end)) = some_element(xml, rng) else {
                return "nothing to delete".into();
            };
            splice(xml, start..end, b"");
            format!("deleted <{}> at {start}", String::from_utf8_lossy(name))
        }
        2 => {
            let Some((name, start, end)) = some_element(xml, rng) else {
                return "nothing to duplicate".into();
            };
            let copy = xml[start..end].to_vec();
            splice(xml, end..end, &copy);
            format!("duplicated <{}> at {start}", String::from_utf8_lossy(name))
        }
        3 => {
            // Swaps an element with the next element of the same name.
            let Some((name, start, end)) = some_element(xml, rng) else {
                return "nothing to swap".into();
            };
            let starts = element_starts(xml, name);
            let Some(&next) = starts.iter().find(|&&s| s >= end) else {
                return "no later element to swap with".into();
            };
            let Some(next_end) = element_end(xml, next, name) else {
                return "no later element to swap with".into();
            };
            let a = xml[start..end].to_vec();
            let b = xml[next..next_end].to_vec();
            let between = xml[end..next].to_vec();
            let mut joined = b;
            joined.extend_from_slice(&between);
            joined.extend_from_slice(&a);
            splice(xml, start..next_end, &joined);
            format!(
                "swapped <{}> at {start} and {next}",
                String::from_utf8_lossy(name)
            )
        }
        4 | 5 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let t = *rng.pick(CELL_TYPES);
            let value = if rng.below(6) == 0 { None } else { Some(t) };
            set_attribute(xml, start, "t", value);
            format!("cell at {start} t={value:?}")
        }
        6 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let Some(end) = element_end(xml, start, b"c") else {
                return "cell without end".into();
            };
            let Some(gt) = find_from(xml, b">", start) else {
                return "cell without end".into();
            };
            if xml[gt - 1] == b'/' {
                return "cell already empty".into();
            }
            let mut tag = xml[start..gt].to_vec();
            tag.extend_from_slice(b"/>");
            splice(xml, start..end, &tag);
            format!("cell at {start} emptied")
        }
        7 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let r = *rng.pick(ODD_REFS);
            let value = if rng.below(5) == 0 { None } else { Some(r) };
            set_attribute(xml, start, "r", value);
            format!("cell at {start} r={value:?}")
        }
        8 => {
            let rows = element_starts(xml, b"row");
            if rows.is_empty() {
                return "no row".into();
            }
            let start = *rng.pick(&rows);
            let r = *rng.pick(&["0", "1", "", "1048576", "1048577", "4294967296", "x", "2"]);
            let value = if rng.below(5) == 0 { None } else { Some(r) };
            set_attribute(xml, start, "r", value);
            format!("row at {start} r={value:?}")
        }
        9 if !cells.is_empty() => {
            let start = *rng.pick(&cells);
            let Some(end) = element_end(xml, start, b"c") else {
                return "cell without end".into();
            };
            let number = *rng.pick(ODD_NUMBERS);
            if set_content(xml, start..end, b"<v", number) {
                format!("cell at {start} <v>{number}</v>")
            } else {
                "cell without <v>".into()
            }
        }
        10 => {
            // Text runs of shared strings and inline cells.
            let runs = element_starts(xml, b"t");
            if runs.is_empty() {
                return "no text run".into();
            }
            let start = *rng.pick(&runs);
            let Some(end) = element_end(xml, start, b"t") else {
                return "run without end".into();
            };
            let text = *rng.pick(ODD_TEXTS);
            set_content(xml, start..end, b"<t", text);
            format!("run at {start} <t>{text}</t>")
        }
        11 => {
            // A namespace prefix on every element of one name, declared or not.
            let name = *rng.pick(&["c", "row", "v", "t", "si", "sheetData", "is"]);
            let prefix = *rng.pick(&["x", "main"]);
            let mut from = format!("<{name} ").into_bytes();
            let mut to = format!("<{prefix}:{name} ").into_bytes();
            let text = String::from_utf8_lossy(xml).into_owned();
            let mut edited = text.replace(
                std::str::from_utf8(&from).unwrap_or(""),
                std::str::from_utf8(&to).unwrap_or(""),
            );
            from = format!("<{name}>").into_bytes();
            to = format!("<{prefix}:{name}>").into_bytes();
            edited = edited.replace(
                std::str::from_utf8(&from).unwrap_or(""),
                std::str::from_utf8(&to).unwrap_or(""),
            );
            edited = edited.replace(&format!("</{name}>"), &format!("</{prefix}:{name}>"));
            let declared = rng.below(2) == 0;
            if declared && let Some(p) = edited.find("xmlns=\"") {
                let end = edited[p + 7..].find('"').map(|q| p + 7 + q);
                if let Some(end) = end {
                    let uri = edited[p + 7..end].to_owned();
                    edited.insert_str(end + 1, &format!(" xmlns:{prefix}=\"{uri}\""));
                }
            }
            *xml = edited.into_bytes();
            format!("prefix {prefix}: on <{name}> (declared: {declared})")
        }
        12 if !cells.is_empty() => {
            // Attribute order reversed, quotes changed, or space added in a cell tag.
            let start = *rng.pick(&cells);
            let Some(gt) = find_from(xml, b">", start) else {
                return "cell without end".into();
            };
            let selfclosing = xml[gt - 1] == b'/';
            let inner_end = if selfclosing { gt - 1 } else { gt };
            let tag = String::from_utf8_lossy(&xml[start + 2..inner_end]).into_owned();
            let attributes: Vec<&str> = tag.split_whitespace().collect();
            let rewritten = match rng.below(3) {
                0 => attributes
                    .iter()
                    .rev()
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
                1 => attributes.join(" ").replace('"', "'"),
                _ => attributes.join(" \n\t ").replace('=', " = "),
            };
            let tail = if selfclosing { " />" } else { ">" };
            let new = format!("<c {rewritten}{tail}");
            splice(xml, start..gt + 1, new.as_bytes());
            format!("cell tag at {start} rewritten as {new}")
        }
        13 => {
            // White space between or inside tags.
            let i = rng.below(xml.len() + 1);
            let ws = *rng.pick(&[" ", "\n", "\r\n", "\t", "  \n  "]);
            splice(xml, i..i, ws.as_bytes());
            format!("white space {ws:?} at {i}")
        }
        14 => {
            let cut = rng.below(xml.len() + 1);
            xml.truncate(cut);
            format!("cut at {cut}")
        }
        15 => {
            let mut flipped = Vec::new();
            for _ in 0..1 + rng.below(3) {
                if xml.is_empty() {
                    break;
                }
                let i = rng.below(xml.len());
                let byte = *rng.pick(&[
                    b'<', b'>', b'"', b'/', b'&', b' ', b'0', b'9', 0xC3, 0x80, 0,
                ]);
                xml[i] = byte;
                flipped.push(format!("{i}={byte:#x}"));
            }
            format!("bytes set {}", flipped.join(","))
        }
        _ => {
            // A row far away, a cell of a huge column, or a run out of order.
            let Some(p) = find_from(xml, b"</sheetData>", 0) else {
                return "no sheetData".into();
            };
            let row = *rng.pick(&["1", "2", "3", "1048576", "1048577", "600", "40"]);
            let col = *rng.pick(&["A", "B", "E", "TS", "TT", "XFD", "XFE"]);
            let t = *rng.pick(&["", " t=\"inlineStr\"", " t=\"str\"", " t=\"b\""]);
            let body = match t {
                " t=\"inlineStr\"" => "<is><t>p-1</t></is>",
                _ => "<v>1</v>",
            };
            let new = format!("<row r=\"{row}\"><c r=\"{col}{row}\"{t}>{body}</c></row>");
            splice(xml, p..p, new.as_bytes());
            format!("added {new}")
        }
    }
}
