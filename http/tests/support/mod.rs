//! Building test workbooks, shared by the service's test files.

use std::io::{Cursor, Read, Write};

/// The archive with one entry replaced.
pub(crate) fn rewrite_entry(bytes: &[u8], name: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut edited = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let entry_name = entry.name().expect("name").into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("inflate");
        if entry_name == name {
            data = edit(&String::from_utf8(data).expect("xml is UTF-8")).into_bytes();
            edited = true;
        }
        out.start_file(entry_name, options).expect("start entry");
        out.write_all(&data).expect("write entry");
    }
    assert!(edited, "no entry {name}");
    out.finish().expect("finish zip").into_inner()
}
