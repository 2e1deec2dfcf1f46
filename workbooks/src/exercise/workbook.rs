//! The answer workbook of an exercise: sheet `Inputs` (the exercise, then every input of its
//! project files by JSON pointer) and sheet `Answers` (`id | question | value | unit`, the value
//! left blank for the trainee).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;

use super::catalogue::Exercise;
use super::grade::{Answer, AnswerValue};
use crate::WorkbookLimits;
use crate::safety::{CellValue, SafeWorkbook, Sheet, cell_name};
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

/// The answers of the `Answers` sheet: column A is the question id, column C the value, row 1
/// the header. Rows without an id or a value are skipped; a value without an id is an error at
/// its id cell, since the grader cannot tell which question it answers.
pub fn answers_from_sheet(sheet: &Sheet) -> Result<Vec<Answer>, crate::Error> {
    let mut out = Vec::new();
    for (r, _) in sheet.rows() {
        if r == 0 {
            continue;
        }
        let id = match sheet.get(r, 0).map(|c| &c.value) {
            Some(CellValue::Text(t)) => t.trim().to_owned(),
            Some(CellValue::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let value_cell = sheet.get(r, 2).map(|c| c.value.clone());
        if id.is_empty() {
            if value_cell.is_none() || value_cell == Some(CellValue::Empty) {
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
            None | Some(CellValue::Empty) => AnswerValue::Empty,
            Some(CellValue::Number(n)) if n.is_finite() => {
                // The shortest decimal that reads back as the stored double: what was typed.
                match rust_decimal::Decimal::from_str_exact(&n.to_string())
                    .or_else(|_| rust_decimal::Decimal::from_scientific(&format!("{n:e}")))
                {
                    Ok(d) => AnswerValue::Number(d),
                    Err(_) => AnswerValue::Text(n.to_string()),
                }
            }
            Some(CellValue::Text(t)) if t.trim().is_empty() => AnswerValue::Empty,
            Some(CellValue::Text(t)) => AnswerValue::Text(t),
            Some(other) => AnswerValue::Text(other.describe()),
        };
        out.push(Answer {
            id,
            value,
            location,
            id_location: format!("{ANSWERS_SHEET}!{}", cell_name(r, 0)),
        });
    }
    Ok(out)
}

/// `Inputs!B1` (the exercise id, when the sheet exists) and the `Answers` sheet, read through
/// the safe reader.
pub(crate) fn read_answer_sheets(bytes: &[u8]) -> Result<(Option<String>, Sheet), crate::Error> {
    let mut wb = SafeWorkbook::open(bytes, &WorkbookLimits::default())?;
    let names = wb.sheet_names().to_vec();
    if !names.iter().any(|n| n == ANSWERS_SHEET) {
        return Err(crate::Error::new(
            "missing_sheet",
            format!(
                "the workbook has no sheet named {ANSWERS_SHEET} (its sheets: {})",
                names.join(", ")
            ),
        )
        .at(ANSWERS_SHEET));
    }
    let exercise = if names.iter().any(|n| n == INPUTS_SHEET) {
        match wb.read_sheet(INPUTS_SHEET)?.get(0, 1).map(|c| &c.value) {
            Some(CellValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            Some(CellValue::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    } else {
        None
    };
    Ok((exercise, wb.read_sheet(ANSWERS_SHEET)?))
}
