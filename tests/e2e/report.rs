//! `greenlight appraise --format xlsx`: the results workbook as a user writes it, and the
//! example city pipeline.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};

use crate::{LED, greenlight, stderr};

fn summary(bytes: &[u8], name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    book.worksheet_range(name).expect("the summary sheet")
}

/// The value in column `col` of the Summary row of project `id`.
fn cell<'r>(range: &'r Range<Data>, id: &str, col: u32) -> &'r Data {
    let (h, _) = range.end().expect("a non-empty sheet");
    let row = (0..=h)
        .find(|r| matches!(range.get_value((*r, 1)), Some(Data::String(s)) if s == id))
        .unwrap_or_else(|| panic!("no Summary row for {id}"));
    range.get_value((row, col)).expect("a cell")
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        other => panic!("expected a number, found {other:?}"),
    }
}

#[test]
fn xlsx_needs_an_output_file() {
    let out = greenlight(&["appraise", "--format", "xlsx", LED], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--output"), "{}", stderr(&out));
}

#[test]
fn xlsx_results_workbook_written_to_a_file() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("led-results.xlsx");
    let _ = std::fs::remove_file(&path);
    let out = greenlight(
        &[
            "appraise",
            "--format",
            "xlsx",
            "-o",
            path.to_str().expect("a UTF-8 path"),
            LED,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let bytes = std::fs::read(&path).expect("the workbook was written");
    let s = summary(&bytes, "Summary");
    // NPV 372 848.8278… by hand (core/tests/it/appraisal.rs).
    assert!((number(cell(&s, "cn-dz-led-01", 7)) - 372_848.827_8).abs() < 0.001);
    // IRR 10.3919 %, written as a rate with a percentage format.
    assert!((number(cell(&s, "cn-dz-led-01", 8)) - 0.103_919).abs() < 5e-7);
}

#[test]
fn xlsx_to_a_pipe_in_chinese() {
    let out = greenlight(
        &[
            "--lang", "zh", "appraise", "--format", "xlsx", "-o", "-", LED,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"PK"));
    let s = summary(&out.stdout, "汇总");
    assert!((number(cell(&s, "cn-dz-led-01", 7)) - 372_848.827_8).abs() < 0.001);
}
