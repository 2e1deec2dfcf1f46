//! The answer workbook of an exercise: sheet `Inputs` (the exercise, then every input of its
//! project files by JSON pointer) and sheet `Answers` (`id | question | value | unit`, the value
//! left blank for the trainee).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;

use super::catalogue::Exercise;
use super::grade::{Answer, AnswerValue};
use crate::{Error, Lang};

/// The sheet the grader reads.
pub const ANSWERS_SHEET: &str = "Answers";
/// The sheet holding the exercise's inputs; `B1` holds the exercise id.
pub const INPUTS_SHEET: &str = "Inputs";

/// The rows of the `Inputs` sheet below its header: (file, JSON pointer, value), every leaf of
/// every project file in document order.
pub fn inputs_rows(exercise: &Exercise) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for (file, text) in &exercise.files {
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        flatten(&doc, String::new(), &mut |p, v| {
            rows.push((file.clone(), p, v));
        });
    }
    rows
}

fn flatten(v: &Value, pointer: String, out: &mut dyn FnMut(String, String)) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                flatten(
                    x,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(x, format!("{pointer}/{i}"), out);
            }
        }
        Value::String(s) => out(pointer, s.clone()),
        other => out(pointer, other.to_string()),
    }
}

/// The answer workbook, as bytes. The document properties are fixed, so the same exercise and
/// language always give the same bytes (a test keeps the committed files current that way).
pub fn answer_workbook(exercise: &Exercise, lang: Lang) -> Result<Vec<u8>, Error> {
    let err = |e: rust_xlsxwriter::XlsxError| Error::new("write_failed", e.to_string());
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(lang.pick(&exercise.title.en, &exercise.title.zh))
            .set_author("Greenlight")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let pick = |t: &greenlight_core::trace::Text| lang.pick(&t.en, &t.zh).to_owned();

    let inputs = wb.add_worksheet().set_name(INPUTS_SHEET).map_err(err)?;
    inputs
        .write_string_with_format(0, 0, lang.pick("exercise", "练习"), &bold)
        .map_err(err)?;
    inputs.write_string(0, 1, &exercise.id).map_err(err)?;
    inputs
        .write_string(0, 2, pick(&exercise.title))
        .map_err(err)?;
    inputs
        .write_string_with_format(1, 0, lang.pick("brief", "说明"), &bold)
        .map_err(err)?;
    inputs
        .write_string(1, 1, pick(&exercise.brief))
        .map_err(err)?;
    let header = [
        lang.pick("file", "文件"),
        lang.pick("JSON pointer", "JSON 指针"),
        lang.pick("value", "数值"),
    ];
    for (c, h) in header.iter().enumerate() {
        inputs
            .write_string_with_format(3, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (i, (file, pointer, value)) in inputs_rows(exercise).iter().enumerate() {
        let r = 4 + i as u32;
        inputs.write_string(r, 0, file).map_err(err)?;
        inputs.write_string(r, 1, pointer).map_err(err)?;
        inputs.write_string(r, 2, value).map_err(err)?;
    }
    inputs.set_column_width(1, 48).map_err(err)?;
    inputs.set_column_width(2, 24).map_err(err)?;

    let answers = wb.add_worksheet().set_name(ANSWERS_SHEET).map_err(err)?;
    let header = [
        "id",
        lang.pick("question", "问题"),
        lang.pick("value", "答案"),
        lang.pick("unit", "单位"),
    ];
    for (c, h) in header.iter().enumerate() {
        answers
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (i, q) in exercise.questions.iter().enumerate() {
        let r = 1 + i as u32;
        answers.write_string(r, 0, &q.id).map_err(err)?;
        answers.write_string(r, 1, pick(&q.text)).map_err(err)?;
        answers.write_string(r, 3, &q.unit).map_err(err)?;
    }
    answers.set_column_width(1, 80).map_err(err)?;
    answers.set_column_width(2, 18).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

/// A cell of the `Answers` sheet as the reader gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    /// Nothing.
    Empty,
    /// A number (a spreadsheet stores IEEE doubles).
    Number(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An error value such as `#DIV/0!`.
    Error(String),
}

/// The spreadsheet name of column `c` (from 0) and row `r` (from 0), e.g. `C4`.
pub(crate) fn cell_name(r: u32, c: u32) -> String {
    let mut col = String::new();
    let mut n = c + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        col.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    format!("{col}{}", r + 1)
}

/// The answers of the `Answers` sheet, given its rows from the first (the header): column A is
/// the question id, column C the value. Blank rows are skipped; a row with a value but no id is
/// an error at its id cell.
pub fn answers_from_rows(rows: &[Vec<SheetCell>]) -> Result<Vec<Answer>, crate::Error> {
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(1) {
        let r = r as u32;
        let cell = |c: usize| row.get(c).cloned().unwrap_or(SheetCell::Empty);
        let id = match cell(0) {
            SheetCell::Text(t) => t.trim().to_owned(),
            SheetCell::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let value_cell = cell(2);
        if id.is_empty() {
            if value_cell == SheetCell::Empty {
                continue;
            }
            return Err(crate::Error::new(
                "missing_question_id",
                "a value without a question id in column A",
            )
            .at(format!("{ANSWERS_SHEET}!{}", cell_name(r, 0))));
        }
        let location = format!("{ANSWERS_SHEET}!{}", cell_name(r, 2));
        let value = match value_cell {
            SheetCell::Empty => AnswerValue::Empty,
            SheetCell::Number(n) if n.is_finite() => {
                // The shortest decimal that reads back as the stored double: what the trainee typed.
                match rust_decimal::Decimal::from_str_exact(&n.to_string())
                    .or_else(|_| rust_decimal::Decimal::from_scientific(&format!("{n:e}")))
                {
                    Ok(d) => AnswerValue::Number(d),
                    Err(_) => AnswerValue::Text(n.to_string()),
                }
            }
            SheetCell::Number(n) => AnswerValue::Text(n.to_string()),
            SheetCell::Text(t) if t.trim().is_empty() => AnswerValue::Empty,
            SheetCell::Text(t) => AnswerValue::Text(t),
            SheetCell::Bool(b) => AnswerValue::Text(b.to_string()),
            SheetCell::Error(e) => AnswerValue::Text(e),
        };
        out.push(Answer {
            id,
            value,
            location,
        });
    }
    Ok(out)
}

/// `Inputs!B1` (the exercise id, when the sheet exists) and the rows of the `Answers` sheet.
pub(crate) fn read_answer_sheets(
    _bytes: &[u8],
) -> Result<(Option<String>, Vec<Vec<SheetCell>>), crate::Error> {
    Err(crate::Error::new(
        "unsupported_format",
        "answer workbooks are read once the safe workbook reader is in place; send the answers as JSON",
    ))
}
