//! Building workbooks and archives in code, for tests.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;

/// A zip archive of `(name, content)` entries, deflated.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        out.start_file(*name, options).expect("start entry");
        out.write_all(content).expect("write entry");
    }
    out.finish().expect("finish zip").into_inner()
}

/// Every entry of a zip archive, in order.
pub(crate) fn entries_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).expect("entry");
            let name = e.name().expect("name").into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).expect("inflate");
            (name, data)
        })
        .collect()
}

/// The archive with one entry's content replaced by `edit(content)`.
pub(crate) fn rewrite_entry(bytes: &[u8], name: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = entries_of(bytes)
        .into_iter()
        .map(|(n, data)| {
            if n == name {
                let text = String::from_utf8(data).expect("xml is utf-8");
                let edited = edit(&text);
                assert_ne!(edited, text, "the edit of {name} changed nothing");
                (n, edited.into_bytes())
            } else {
                (n, data)
            }
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&refs)
}

/// A small valid xlsx: sheet `Data` with a text, a number and a date.
pub(crate) fn small_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Data").expect("name");
    sheet.write_string(0, 0, "id").expect("write");
    sheet.write_string(0, 1, "amount").expect("write");
    sheet.write_string(1, 0, "p-1").expect("write");
    sheet.write_number(1, 1, 42.5).expect("write");
    book.save_to_buffer().expect("save")
}

/// A cell written by a test.
#[derive(Debug, Clone)]
pub(crate) enum W {
    /// Text.
    T(&'static str),
    /// Number.
    N(f64),
    /// Nothing.
    E,
}

/// A workbook of named sheets, each a grid of rows written from A1.
pub(crate) fn book(sheets: &[(&str, Vec<Vec<W>>)]) -> rust_xlsxwriter::Workbook {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    W::T(t) => {
                        sheet.write_string(r as u32, c as u16, *t).expect("write");
                    }
                    W::N(n) => {
                        sheet.write_number(r as u32, c as u16, *n).expect("write");
                    }
                    W::E => {}
                }
            }
        }
    }
    book
}
