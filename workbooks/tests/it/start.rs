//! The start of an import: the quick pass over CashFlows begins before the archive check has
//! inflated every entry, so a hostile file must still be rejected with the error the check
//! gives on its own (the first failure in entry order), whichever entry is at fault and
//! whether or not the pass was started.

use std::io::Cursor;

use greenlight_workbooks::{Error, WorkbookLimits, check_archive, import_workbook};

use crate::support::{entries_of, zip_of};

const CITY: &[u8] = include_bytes!("../../examples/city-pipeline.xlsx");

const MIB: usize = 1 << 20;

/// Limits small enough that a few MiB of zeros break them.
fn limits() -> WorkbookLimits {
    WorkbookLimits {
        max_entry_inflated_bytes: 4 * MIB as u64,
        max_total_inflated_bytes: 6 * MIB as u64,
        max_shared_strings: 1_000,
        ..WorkbookLimits::default()
    }
}

/// The example workbook with some entries replaced and others added at the end.
fn city_with(replaced: &[(&str, Vec<u8>)], added: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut entries = entries_of(CITY);
    for (name, data) in replaced {
        let entry = entries
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("the example has {name}"));
        entry.1 = data.clone();
    }
    entries.extend(added.iter().map(|(n, d)| (n.to_string(), d.clone())));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&refs)
}

/// The archive with sixteen bytes in the middle of one entry's deflated data flipped.
fn damaged(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let entry = zip.by_name(name).expect("the entry");
    let header = entry.header_start() as usize;
    let size = entry.compressed_size() as usize;
    drop(entry);
    // The local header: 30 bytes, then the name and the extra field, whose lengths are the
    // two little-endian u16 at offsets 26 and 28.
    let field = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
    let data = header + 30 + field(header + 26) + field(header + 28);
    let mut out = bytes.to_vec();
    for b in &mut out[data + size / 2..(data + size / 2 + 16).min(data + size)] {
        *b ^= 0xA5;
    }
    out
}

fn import_error(bytes: &[u8]) -> Error {
    import_workbook(bytes, &limits()).expect_err("the file must be rejected")
}

#[test]
fn a_hostile_file_is_rejected_through_the_import_with_the_checks_own_error() {
    let zeros = |n: usize| vec![0u8; n];
    let sst = |count: &str| {
        format!(
            "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{count}\" uniqueCount=\"{count}\"><si><t>a</t></si></sst>"
        )
        .into_bytes()
    };
    // In the example, Projects is sheet1.xml and CashFlows sheet2.xml; the entry order is
    // [Content_Types].xml, _rels/.rels, xl/_rels/workbook.xml.rels, the theme,
    // xl/styles.xml, xl/workbook.xml, the seven sheets, then the document properties, and
    // added entries come last. Each case names the error expected, worked out from that
    // order and the limits above.
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            // The pass starts on the very sheet that is too large.
            "CashFlows inflates past the entry cap",
            city_with(&[("xl/worksheets/sheet2.xml", zeros(5 * MIB))], &[]),
            "entry_too_large",
            "xl/worksheets/sheet2.xml",
        ),
        (
            // 3.5 MiB then 3 MiB: each under its cap, the total past 6 MiB within CashFlows.
            "Projects and CashFlows together pass the archive cap",
            city_with(
                &[
                    ("xl/worksheets/sheet1.xml", zeros(7 * MIB / 2)),
                    ("xl/worksheets/sheet2.xml", zeros(3 * MIB)),
                ],
                &[],
            ),
            "archive_too_large",
            "",
        ),
        (
            // CashFlows is valid; an entry after it is not.
            "an entry after CashFlows is too large",
            city_with(&[], &[("xl/media/image1.bin", zeros(5 * MIB))]),
            "entry_too_large",
            "xl/media/image1.bin",
        ),
        (
            // The pass cannot start: the shared strings fail the check.
            "a shared-string table declares too many strings",
            city_with(&[], &[("xl/sharedStrings.xml", sst("5000000000"))]),
            "too_many_shared_strings",
            "xl/sharedStrings.xml",
        ),
        (
            // A large CashFlows comes first in entry order, so its error wins over the
            // shared strings' one.
            "CashFlows too large before a bad shared-string table",
            city_with(
                &[("xl/worksheets/sheet2.xml", zeros(5 * MIB))],
                &[("xl/sharedStrings.xml", sst("5000000000"))],
            ),
            "entry_too_large",
            "xl/worksheets/sheet2.xml",
        ),
        (
            "the styles inflate past the entry cap",
            city_with(&[("xl/styles.xml", zeros(5 * MIB))], &[]),
            "entry_too_large",
            "xl/styles.xml",
        ),
    ];
    for (what, bytes, code, location) in cases {
        let checked = check_archive(&bytes, &limits()).expect_err(what);
        assert_eq!(
            (checked.code, checked.location.as_str()),
            (code, location),
            "{what}"
        );
        assert_eq!(import_error(&bytes), checked, "{what}");
    }
}

#[test]
fn a_damaged_entry_is_reported_as_the_check_reports_it() {
    for name in [
        "xl/workbook.xml",
        "xl/worksheets/sheet2.xml",
        "xl/styles.xml",
        "docProps/app.xml",
    ] {
        let bytes = damaged(CITY, name);
        let checked = check_archive(&bytes, &limits()).expect_err(name);
        assert_eq!(
            (checked.code, checked.location.as_str()),
            ("corrupt_archive", name),
            "{name}"
        );
        assert_eq!(import_error(&bytes), checked, "{name}");
    }
}

/// A sheet whose first cell holds `len` bytes of text and never ends.
fn unending_cell(len: usize) -> Vec<u8> {
    let mut sheet = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>".to_vec();
    sheet.resize(sheet.len() + len, b'a');
    sheet
}

/// A CashFlows sheet that is one cell whose text never ends: the quick pass holds an open
/// element at most 8 MiB long and rejects the sheet there, instead of searching the growing
/// element from its start after every read (which took minutes for a 500 MiB element).
#[test]
fn an_element_that_never_closes_is_rejected_at_its_sheet() {
    let bytes = city_with(&[("xl/worksheets/sheet2.xml", unending_cell(9 * MIB))], &[]);
    let error = import_workbook(&bytes, &WorkbookLimits::default()).expect_err("rejected");
    assert_eq!(
        (error.code, error.location.as_str()),
        ("element_too_large", "xl/worksheets/sheet2.xml"),
        "{error:?}"
    );
    assert!(error.message.contains("8 MiB"), "{}", error.message);
}

/// The same in a sheet no quick pass reads (Settings, read by the cell reader, which would
/// hold the whole text): the archive check measures every XML part's longest stretch
/// without a `>` and refuses it, before any reader starts.
#[test]
fn an_element_that_never_closes_is_refused_by_the_archive_check() {
    let bytes = city_with(&[("xl/worksheets/sheet6.xml", unending_cell(9 * MIB))], &[]);
    let checked = check_archive(&bytes, &WorkbookLimits::default()).expect_err("refused");
    assert_eq!(
        (checked.code, checked.location.as_str()),
        ("element_too_large", "xl/worksheets/sheet6.xml")
    );
    let imported = import_workbook(&bytes, &WorkbookLimits::default()).expect_err("rejected");
    assert_eq!(imported, checked);
    // 7 MiB of text with its element closed passes the check (the reader then judges it).
    let mut sheet = b"<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>".to_vec();
    sheet.resize(sheet.len() + 7 * MIB, b'a');
    sheet.extend_from_slice(b"</t></is></c></row></sheetData></worksheet>");
    let bytes = city_with(&[("xl/worksheets/sheet6.xml", sheet)], &[]);
    assert!(check_archive(&bytes, &WorkbookLimits::default()).is_ok());
}
