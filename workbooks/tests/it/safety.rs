//! Hostile and corrupt files, built in code. These run in-process: an abort inside the
//! reader would kill the test binary, so a clean `Err` here is the whole point.

use greenlight_workbooks::safety::{CellValue, cell_name};
use greenlight_workbooks::{Format, SafeWorkbook, WorkbookLimits, check_archive};

use crate::support::{rewrite_entry, small_xlsx, zip_of};

const XLS: &[u8] = include_bytes!("../fixtures/Data.xls");
const ODS: &[u8] = include_bytes!("../fixtures/Data.ods");

fn code_of(result: Result<impl std::fmt::Debug, greenlight_workbooks::Error>) -> (String, String) {
    let e = result.expect_err("the file must be rejected");
    (e.code.to_owned(), e.location)
}

#[test]
fn cell_names_follow_the_spreadsheet_alphabet() {
    assert_eq!(cell_name(0, 0), "A1");
    assert_eq!(cell_name(16, 3), "D17");
    assert_eq!(cell_name(0, 25), "Z1");
    assert_eq!(cell_name(0, 26), "AA1");
    assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
}

#[test]
fn a_valid_xlsx_is_read_cell_by_cell() {
    let mut book = SafeWorkbook::open(&small_xlsx(), &WorkbookLimits::default()).unwrap();
    assert_eq!(book.format(), Format::Xlsx);
    assert_eq!(book.sheet_names(), ["Data"]);
    let sheet = book.read_sheet("Data").unwrap();
    assert_eq!(sheet.cells.len(), 4);
    assert_eq!(sheet.get(1, 1).unwrap().value, CellValue::Number(42.5));
    assert_eq!(
        sheet.get(1, 0).unwrap().value,
        CellValue::Text("p-1".into())
    );
    assert_eq!(sheet.rows().count(), 2);
}

#[test]
fn xls_and_ods_made_by_libreoffice_are_read() {
    // Data.csv (`id,amount,date` / `p-1,42.5,2026-01-15`) converted by LibreOffice headless.
    for (bytes, format) in [(XLS, Format::Xls), (ODS, Format::Ods)] {
        let mut book = SafeWorkbook::open(bytes, &WorkbookLimits::default()).unwrap();
        assert_eq!(book.format(), format);
        let sheet = book.read_sheet("Data").unwrap();
        assert_eq!(
            sheet.get(1, 0).unwrap().value,
            CellValue::Text("p-1".into()),
            "{format:?}"
        );
        assert_eq!(
            sheet.get(1, 1).unwrap().value,
            CellValue::Number(42.5),
            "{format:?}"
        );
        let date = &sheet.get(1, 2).unwrap().value;
        let is_the_date = match date {
            CellValue::Date { ymd, .. } => *ymd == (2026, 1, 15),
            CellValue::DateIso(s) => s.starts_with("2026-01-15"),
            _ => false,
        };
        assert!(is_the_date, "{format:?}: {date:?}");
    }
}

#[test]
fn a_fake_shared_string_count_is_rejected_before_the_reader_reserves_it() {
    let hostile = rewrite_entry(&small_xlsx(), "xl/sharedStrings.xml", |xml| {
        let start = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = start + xml[start..].find('"').unwrap();
        format!("{}2000000000000{}", &xml[..start], &xml[end..])
    });
    let (code, location) = code_of(SafeWorkbook::open(&hostile, &WorkbookLimits::default()));
    assert_eq!(code, "too_many_shared_strings");
    assert_eq!(location, "xl/sharedStrings.xml");
}

#[test]
fn cells_at_a1_and_xfd1048576_stop_the_streaming_read() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_number(0, 0, 1.0).unwrap();
    sheet.write_number(1_048_575, 16_383, 2.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let mut wb = SafeWorkbook::open(&bytes, &WorkbookLimits::default()).unwrap();
    let (code, location) = code_of(wb.read_sheet("Sheet1"));
    assert_eq!(code, "cell_out_of_bounds");
    assert_eq!(location, "Sheet1!XFD1048576");
}

#[test]
fn a_sheet_inflating_past_the_cap_is_stopped_while_inflating() {
    // 8 MiB of zeros deflate to a few KB; the cap is 1 MiB.
    let zeros = vec![0u8; 8 << 20];
    let bomb = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    assert!(bomb.len() < 100_000, "the bomb is small: {}", bomb.len());
    let limits = WorkbookLimits {
        max_entry_inflated_bytes: 1 << 20,
        ..WorkbookLimits::default()
    };
    let (code, location) = code_of(check_archive(&bomb, &limits));
    assert_eq!(code, "entry_too_large");
    assert_eq!(location, "xl/worksheets/sheet1.xml");
    // The total cap holds even when each entry is under its own cap.
    let limits = WorkbookLimits {
        max_total_inflated_bytes: 4 << 20,
        ..WorkbookLimits::default()
    };
    assert_eq!(
        code_of(check_archive(&bomb, &limits)).0,
        "archive_too_large"
    );
}

#[test]
fn too_many_entries_are_rejected() {
    let names: Vec<String> = (0..1_001).map(|i| format!("x/{i}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"<a/>"[..])).collect();
    let (code, _) = code_of(check_archive(&zip_of(&entries), &WorkbookLimits::default()));
    assert_eq!(code, "too_many_entries");
}

#[test]
fn a_file_that_is_not_a_zip_is_not_a_workbook() {
    let (code, _) = code_of(check_archive(
        b"id,amount\np-1,42.5\n",
        &WorkbookLimits::default(),
    ));
    assert_eq!(code, "not_a_workbook");
    let other_zip = zip_of(&[("readme.txt", b"hello")]);
    assert_eq!(
        code_of(check_archive(&other_zip, &WorkbookLimits::default())).0,
        "not_a_workbook"
    );
}

#[test]
fn a_truncated_zip_is_corrupt() {
    let bytes = small_xlsx();
    let cut = &bytes[..bytes.len() / 2];
    let (code, _) = code_of(SafeWorkbook::open(cut, &WorkbookLimits::default()));
    assert_eq!(code, "corrupt_archive");
}

#[test]
fn an_ole_file_that_is_not_an_xls_is_refused_clearly() {
    let mut bogus = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bogus.resize(2048, 0);
    let (code, _) = code_of(SafeWorkbook::open(&bogus, &WorkbookLimits::default()));
    assert_eq!(code, "corrupt_archive");
    // An encrypted Office document (how a password-protected xlsx is stored) names its
    // `EncryptionInfo` stream in the directory.
    let name: Vec<u8> = "EncryptionInfo"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bogus.extend_from_slice(&name);
    let (code, _) = code_of(SafeWorkbook::open(&bogus, &WorkbookLimits::default()));
    assert_eq!(code, "password_protected");
}

#[test]
fn an_empty_file_and_an_empty_workbook() {
    assert_eq!(
        code_of(check_archive(b"", &WorkbookLimits::default())).0,
        "empty_file"
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet();
    let bytes = book.save_to_buffer().unwrap();
    let mut wb = SafeWorkbook::open(&bytes, &WorkbookLimits::default()).unwrap();
    assert!(wb.read_sheet("Sheet1").unwrap().cells.is_empty());
    assert_eq!(code_of(wb.read_sheet("Projects")).0, "missing_sheet");
}

#[test]
fn an_upload_above_the_size_limit_is_refused_unread() {
    let limits = WorkbookLimits {
        max_upload_bytes: 100,
        ..WorkbookLimits::default()
    };
    assert_eq!(
        code_of(check_archive(&small_xlsx(), &limits)).0,
        "file_too_large"
    );
}

#[test]
fn an_xls_cell_beyond_the_columns_is_found_before_the_reader_builds_its_grid() {
    // The fixture's LABELSST record of A2 (row 1, column 0) sits at byte 3702; its column
    // becomes 0x4000 (16 384), past the 512-column cap: the reader would otherwise
    // allocate rows × 16 384 cells.
    let mut hostile = XLS.to_vec();
    assert_eq!(&hostile[3702..3708], &[0xFD, 0x00, 0x0A, 0x00, 0x01, 0x00]);
    hostile[3708..3710].copy_from_slice(&0x4000u16.to_le_bytes());
    let (code, location) = code_of(check_archive(&hostile, &WorkbookLimits::default()));
    assert_eq!(code, "cell_out_of_bounds");
    assert_eq!(location, "Workbook!XFE2");
}

/// The fixture's records, as written by LibreOffice: CODEPAGE (type 0x0042, two bytes:
/// 1200, UTF-16) at byte 2200 and the sheet's DIMENSIONS (type 0x0200, fourteen bytes: rows
/// 0 to 2 and columns 0 to 3, each end one past the last) at byte 3602.
fn xls_with(at: usize, record: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut hostile = XLS.to_vec();
    assert_eq!(&hostile[at..at + record.len()], record);
    edit(&mut hostile);
    hostile
}

#[test]
fn an_xls_record_shorter_than_its_fields_is_refused_not_read_past_its_end() {
    // CODEPAGE said to be one byte long: the reader read its two-byte field past the record
    // (a panic: found by the xls mutants).
    let hostile = xls_with(2200, &[0x42, 0x00, 0x02, 0x00, 0xB0, 0x04], |b| b[2202] = 1);
    let (code, location) = code_of(check_archive(&hostile, &WorkbookLimits::default()));
    assert_eq!(
        (code.as_str(), location.as_str()),
        ("corrupt_workbook", "Workbook")
    );
    let (code, location) = code_of(SafeWorkbook::open(&hostile, &WorkbookLimits::default()));
    assert_eq!(
        (code.as_str(), location.as_str()),
        ("corrupt_workbook", "Workbook")
    );
}

#[test]
fn an_xls_dimensions_record_is_held_to_the_caps_before_the_reader_reserves_its_area() {
    let dimensions = [
        0x00, 0x02, 0x0E, 0x00, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0,
    ];
    // The first row after the last: the reader's height `last - first + 1` overflowed.
    let reversed = xls_with(3602, &dimensions, |b| b[3606] = 9);
    let (code, location) = code_of(check_archive(&reversed, &WorkbookLimits::default()));
    assert_eq!(
        (code.as_str(), location.as_str()),
        ("corrupt_workbook", "Workbook")
    );
    // The first column equal to the end: the width overflowed the same way.
    let empty_width = xls_with(3602, &dimensions, |b| b[3614] = 3);
    let (code, _) = code_of(check_archive(&empty_width, &WorkbookLimits::default()));
    assert_eq!(code, "corrupt_workbook");
    // 2³¹ rows declared: the reader reserved room for them all (2³¹ × 3 cells) before
    // reading the three cells there are.
    let tall = xls_with(3602, &dimensions, |b| {
        b[3610..3614].copy_from_slice(&0x8000_0000u32.to_le_bytes())
    });
    let (code, location) = code_of(check_archive(&tall, &WorkbookLimits::default()));
    assert_eq!(code, "cell_out_of_bounds");
    assert_eq!(location, "Workbook!C2147483648");
    // Within the row and column caps but above the cell cap.
    let wide = xls_with(3602, &dimensions, |b| {
        b[3610..3614].copy_from_slice(&1_000_000u32.to_le_bytes());
        b[3616..3618].copy_from_slice(&100u16.to_le_bytes());
    });
    let limits = WorkbookLimits {
        max_cells: 1_000,
        ..WorkbookLimits::default()
    };
    let (code, _) = code_of(check_archive(&wide, &limits));
    assert_eq!(code, "too_many_cells");
    // The fixture itself is read (the caps allow its declared area).
    check_archive(XLS, &limits).expect("the fixture passes");
}

#[test]
fn a_cell_beyond_the_caps_in_an_ods_sheet_of_empty_name_is_placed_by_the_sheet_number() {
    // Found by the ods mutants: the location was `!MWLQKWV30`, naming no sheet.
    let content = br#"<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Data"><table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>
<table:table table:name=""><table:table-row><table:table-cell table:number-columns-repeated="600"/><table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content),
    ]);
    let (code, location) = code_of(check_archive(&ods, &WorkbookLimits::default()));
    assert_eq!(code, "cell_out_of_bounds");
    // Column 601 is WC (23 × 26 + 3).
    assert_eq!(location, "sheet 2!WC1");
}

#[test]
fn ods_rows_are_counted_one_by_one_as_well_as_repeated() {
    // Three rows written out one by one (not as a repeat), each with a value: the third is
    // past a two-row cap. Rows advance at each closing row tag.
    let content = br#"<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Data">
<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content),
    ]);
    let two_rows = WorkbookLimits {
        max_rows: 2,
        ..WorkbookLimits::default()
    };
    let (code, location) = code_of(check_archive(&ods, &two_rows));
    assert_eq!(code, "cell_out_of_bounds");
    assert_eq!(location, "Data!A3");
}

#[test]
fn an_ods_cell_repeated_past_the_columns_is_rejected_before_expansion() {
    let content = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Data"><table:table-row table:number-rows-repeated="100000">
<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>
</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let hostile = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content),
    ]);
    let (code, location) = code_of(check_archive(&hostile, &WorkbookLimits::default()));
    assert_eq!(code, "cell_out_of_bounds");
    assert_eq!(location, "Data!XFD100000");
    // Spreadsheet programs end a sheet with empty rows repeated to the bottom of the grid
    // and empty cells repeated to the right; those have no value and pass.
    let content = br#"<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Data"><table:table-row><table:table-cell office:value-type="float" office:value="1"/>
<table:table-cell table:number-columns-repeated="16383"/></table:table-row>
<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let padded = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content),
    ]);
    assert_eq!(
        check_archive(&padded, &WorkbookLimits::default()).unwrap(),
        Format::Ods
    );
    assert_eq!(
        check_archive(ODS, &WorkbookLimits::default()).unwrap(),
        Format::Ods
    );
}

#[test]
fn an_xlsm_is_told_from_an_xlsx_by_its_content_types() {
    let xlsm = rewrite_entry(&small_xlsx(), "[Content_Types].xml", |xml| {
        xml.replace(
            "spreadsheetml.sheet.main+xml",
            "sheet.macroEnabled.main+xml",
        )
    });
    let mut book = SafeWorkbook::open(&xlsm, &WorkbookLimits::default()).unwrap();
    assert_eq!(book.format(), Format::Xlsm);
    assert_eq!(book.read_sheet("Data").unwrap().cells.len(), 4);
}

#[test]
fn a_shared_string_table_holding_more_items_than_it_declares_is_rejected() {
    // The header declares one string; the table holds eleven empty items, one more than
    // the limit allows.
    let hostile = rewrite_entry(&small_xlsx(), "xl/sharedStrings.xml", |_| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\">{}</sst>",
            "<si/>".repeat(11)
        )
    });
    let limits = WorkbookLimits {
        max_shared_strings: 10,
        ..WorkbookLimits::default()
    };
    let (code, location) = code_of(SafeWorkbook::open(&hostile, &limits));
    assert_eq!(code, "too_many_shared_strings");
    assert_eq!(location, "xl/sharedStrings.xml");
    // Ten items are within the limit.
    let within = rewrite_entry(&small_xlsx(), "xl/sharedStrings.xml", |_| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\">{}</sst>",
            "<si/>".repeat(10)
        )
    });
    assert!(check_archive(&within, &limits).is_ok());
}

/// A reference whose row or column number passes any sheet's (mutant: a cell's `r` set to
/// `A4294967297`, a row's to `4294967296`, a region's to `A1:XFE99999999999`) is refused by
/// the archive check, at its part: the calamine reader's `u32` arithmetic on references
/// overflowed on it (a panic in a debug build; in a release build `A4294967297` wrapped
/// onto `A1`, a cell read in another's place).
#[test]
fn a_reference_beyond_any_sheet_is_refused_before_a_reader_reads_it() {
    let sheet = "xl/worksheets/sheet1.xml";
    for (from, to) in [
        (r#"<c r="B2""#, r#"<c r="A4294967297""#),
        (r#"<c r="B2""#, r#"<c r='A4294967297'"#),
        (r#"<c r="B2""#, r#"<c r="ZZZZZZZZ2""#),
        (r#"<row r="2""#, r#"<row r="4294967296""#),
        (
            r#"<dimension ref="A1:B2""#,
            r#"<dimension ref="A1:XFE99999999999""#,
        ),
    ] {
        let bytes = rewrite_entry(&small_xlsx(), sheet, |xml| xml.replacen(from, to, 1));
        let e = greenlight_workbooks::import_workbook(&bytes, &WorkbookLimits::default())
            .expect_err("the file is refused");
        assert_eq!(
            (e.code, e.location.as_str()),
            ("reference_out_of_range", sheet),
            "{to}"
        );
        assert_eq!(
            code_of(check_archive(&bytes, &WorkbookLimits::default())),
            ("reference_out_of_range".to_owned(), sheet.to_owned()),
            "{to}"
        );
    }
    // The largest sheet's references, and numbers elsewhere, are not references.
    let largest = rewrite_entry(&small_xlsx(), sheet, |xml| {
        xml.replacen(r#"<c r="B2""#, r#"<c r="XFD1048576""#, 1)
            .replacen("<v>42.5</v>", "<v>99999999999999999999</v>", 1)
    });
    assert!(check_archive(&largest, &WorkbookLimits::default()).is_ok());
}

/// A cell's text is how the import's messages name what a cell holds: a cell of 32 767
/// characters (a spreadsheet's longest) came back whole in every message about it. It is
/// quoted with its first 64 characters, `…` and its length in bytes.
#[test]
fn a_long_cell_text_is_described_cut_to_64_characters() {
    let text = "€".repeat(32_767);
    assert_eq!(
        CellValue::Text(text).describe(),
        format!("\"{}\"… (98301 bytes)", "€".repeat(64))
    );
    assert_eq!(CellValue::Text("short".into()).describe(), "\"short\"");
}
