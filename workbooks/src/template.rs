//! The project template, empty or filled with projects, in English or Chinese, in the
//! portfolio layout (one sheet per kind of data) or the project-form layout (one sheet per
//! project). Every header, drop-down and input message comes from [`crate::fields`].
//!
//! Sheets are written in constant-memory mode (rows go to a temporary file as they are
//! written), so a portfolio of 100 000 projects does not sit in memory; rows, and cells
//! within a row, are therefore always written in order.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet,
};
use serde_json::{Map, Value};
use std::str::FromStr;

use crate::fields::{self, Field, Kind, SheetKind};
use crate::{Error, Lang};

/// How projects are laid out in the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Sheets Projects, CashFlows, Quantities, Evidence, Details, Settings and Help.
    #[default]
    Portfolio,
    /// One label–value sheet per project with its yearly cash-flow table, and Help.
    Form,
}

/// The rows that get drop-downs and input messages in an empty template.
const TEMPLATE_ROWS: u32 = 2_000;
/// The years of an empty template's yearly columns.
const TEMPLATE_YEARS: std::ops::RangeInclusive<i32> = 2025..=2060;

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::new(
        "write_failed",
        format!("the workbook could not be written: {e}"),
    )
}

/// The empty template.
pub fn write_template(lang: Lang, layout: Layout) -> Result<Vec<u8>, Error> {
    write_filled(&Value::Array(Vec::new()), lang, layout)
}

/// The template filled with a batch document: one project, an array of projects, or
/// `{"settings": {...}, "projects": [...]}`. What has no column of its own (assets,
/// financing, emissions, …) goes to the Details sheet by path, so the whole model is
/// written; importing the result gives the same projects back.
pub fn write_filled(document: &Value, lang: Lang, layout: Layout) -> Result<Vec<u8>, Error> {
    let (settings, projects) = split(document)?;
    let mut book = Workbook::new();
    // A fixed creation date keeps the bytes of a generated file stable.
    let created = ExcelDateTime::from_ymd(2026, 1, 1).map_err(xlsx_error)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("Greenlight project template")
            .set_creation_datetime(&created),
    );
    let styles = Styles::new();
    let years = year_span(&projects);
    match layout {
        Layout::Portfolio => {
            let mut cash = Vec::new();
            let mut quantities = Vec::new();
            let mut evidence = Vec::new();
            let mut details = Vec::new();
            let mut rows = Vec::new();
            for p in &projects {
                let (row, rest) = project_row(p);
                let id = p.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                rows.push(row);
                split_rest(
                    &id,
                    rest,
                    &mut cash,
                    &mut quantities,
                    &mut evidence,
                    &mut details,
                );
            }
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            table_sheet(sheet, SheetKind::Projects, lang, &styles, &[])?;
            for (r, row) in rows.iter().enumerate() {
                for (c, f) in fields::fields_of(SheetKind::Projects).enumerate() {
                    if let Some(v) = row.get(f.key) {
                        write_value(sheet, r as u32 + 1, c as u16, v, f.kind, &styles)?;
                    }
                }
            }
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            table_sheet(sheet, SheetKind::CashFlows, lang, &styles, &years)?;
            write_cash_rows(sheet, 1, &cash, &years, true, &styles)?;
            for (kind, rows) in [
                (SheetKind::Quantities, &quantities),
                (SheetKind::Evidence, &evidence),
                (SheetKind::Details, &details),
            ] {
                let sheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                table_sheet(sheet, kind, lang, &styles, &[])?;
                for (r, row) in rows.iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        write_value(sheet, r as u32 + 1, c as u16, v, Kind::Any, &styles)?;
                    }
                }
            }
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            settings_sheet(sheet, lang, &styles, &settings)?;
        }
        Layout::Form => {
            let empty = [Value::Object(Map::new())];
            let forms: &[Value] = if projects.is_empty() {
                &empty
            } else {
                &projects
            };
            for (i, p) in forms.iter().enumerate() {
                let sheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                form_sheet(sheet, i, p, lang, &styles, &years)?;
            }
        }
    }
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    help_sheet(sheet, lang, &styles)?;
    book.save_to_buffer().map_err(xlsx_error)
}

fn split(document: &Value) -> Result<(Map<String, Value>, Vec<Value>), Error> {
    let bad = || {
        Error::new(
            "invalid_projects",
            "expected a project, an array of projects or {\"settings\": …, \"projects\": […]}",
        )
    };
    match document {
        Value::Array(items) => Ok((Map::new(), items.clone())),
        Value::Object(map) if map.contains_key("projects") => {
            let projects = map
                .get("projects")
                .and_then(Value::as_array)
                .ok_or_else(bad)?
                .clone();
            let settings = match map.get("settings") {
                None => Map::new(),
                Some(Value::Object(s)) => s.clone(),
                Some(_) => return Err(bad()),
            };
            Ok((settings, projects))
        }
        Value::Object(_) => Ok((Map::new(), vec![document.clone()])),
        _ => Err(bad()),
    }
}

struct Styles {
    header: Format,
    date: Format,
    percent: Format,
    money: Format,
    wrap: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color("D9EAD3")
                .set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            percent: Format::new().set_num_format("0.00%"),
            money: Format::new().set_num_format("#,##0.00;[Red]-#,##0.00"),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

/// The years every cash-flow line of the projects touches, or the template's default span.
fn year_span(projects: &[Value]) -> Vec<i32> {
    let mut years: Vec<i32> = Vec::new();
    for p in projects {
        for line in p
            .get("cash_flows")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (a, b) = line_years(line);
            if let (Some(a), Some(b)) = (a, b) {
                years.extend([a, b]);
            }
        }
    }
    match (years.iter().min(), years.iter().max()) {
        (Some(a), Some(b)) if b - a <= 400 => (*a..=*b).collect(),
        _ => TEMPLATE_YEARS.collect(),
    }
}

fn line_years(line: &Value) -> (Option<i32>, Option<i32>) {
    let as_year = |v: &Value| v.as_i64().and_then(|y| i32::try_from(y).ok());
    if let Some(y) = line.get("year").and_then(as_year) {
        return (Some(y), Some(y));
    }
    let range = line.get("years").and_then(Value::as_array);
    (
        range.and_then(|r| r.first()).and_then(as_year),
        range.and_then(|r| r.get(1)).and_then(as_year),
    )
}

/// A pointer's value inside a project.
fn take_pointer(project: &mut Value, pointer: &str) -> Option<Value> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let parent = if parent.is_empty() {
        Some(&mut *project)
    } else {
        project.pointer_mut(parent)
    };
    parent?.as_object_mut()?.remove(last)
}

/// The Projects columns of a project by key, and the rest of it.
fn project_row(project: &Value) -> (Map<String, Value>, Value) {
    let mut rest = project.clone();
    let mut row = Map::new();
    // The sections a column took a value from.
    let mut taken_from = vec!["/timeline", "/finance"];
    for f in fields::fields_of(SheetKind::Projects) {
        if let Some(v) = take_pointer(&mut rest, f.pointer) {
            row.insert(f.key.to_owned(), v);
            if let Some((parent, _)) = f.pointer.rsplit_once('/')
                && !parent.is_empty()
                && !taken_from.contains(&parent)
            {
                taken_from.push(parent);
            }
        }
    }
    // A section left empty by its columns is not written to Details: there it would be `{}`,
    // laid over the columns' values on import. One that was empty to begin with (as
    // `"sensitivity": {}`, the analysis at its defaults) stays, since no column holds it.
    for parent in taken_from {
        if rest
            .pointer(parent)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            take_pointer(&mut rest, parent);
        }
    }
    (row, rest)
}

type Rows = Vec<Vec<Value>>;

/// Cash flows, quantities and evidence to their sheets' rows; everything else to Details.
fn split_rest(
    id: &str,
    mut rest: Value,
    cash: &mut Vec<(String, Value)>,
    quantities: &mut Rows,
    evidence: &mut Rows,
    details: &mut Rows,
) {
    let idv = Value::String(id.to_owned());
    if let Some(Value::Array(lines)) = take_pointer(&mut rest, "/cash_flows") {
        cash.extend(lines.into_iter().map(|l| (id.to_owned(), l)));
    }
    if let Some(Value::Object(qs)) = take_pointer(&mut rest, "/quantities") {
        for (name, q) in qs {
            let (a, b) = line_years(&q);
            quantities.push(vec![
                idv.clone(),
                Value::String(name),
                a.map(Value::from).unwrap_or(Value::Null),
                b.map(Value::from).unwrap_or(Value::Null),
                q.get("value").cloned().unwrap_or(Value::Null),
            ]);
        }
    }
    if let Some(Value::Object(ev)) = take_pointer(&mut rest, "/evidence") {
        for (key, v) in ev {
            evidence.push(vec![idv.clone(), Value::String(key), v]);
        }
    }
    let mut leaves = Vec::new();
    flatten(&rest, String::new(), &mut leaves);
    for (path, v) in leaves {
        details.push(vec![idv.clone(), Value::String(path), v]);
    }
}

/// Leaves of a JSON value by dotted path; an empty object or array is a leaf written as JSON.
fn flatten(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                flatten(x, join(k), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                flatten(x, join(&i.to_string()), out);
            }
        }
        Value::Object(_) | Value::Array(_) => {
            if !path.is_empty() {
                out.push((path, Value::String(v.to_string())));
            }
        }
        _ => {
            if !path.is_empty() {
                out.push((path, v.clone()));
            }
        }
    }
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// Writes a JSON value in a cell: numbers as numbers (exact to 15 significant digits,
/// otherwise as exact text), text as text, yes/no as booleans.
fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    v: &Value,
    kind: Kind,
    styles: &Styles,
) -> Result<(), Error> {
    let numeric = matches!(
        kind,
        Kind::Integer | Kind::Number | Kind::Money | Kind::Rate | Kind::Year
    ) || matches!(v, Value::Number(_));
    let result = match v {
        Value::Null => return Ok(()),
        Value::Bool(b) => sheet.write_boolean(row, col, *b).map(|_| ()),
        _ if numeric && decimal_of(v).is_some_and(exact_as_f64) => {
            let d = decimal_of(v).unwrap_or_default();
            let x = d.to_f64().unwrap_or_default();
            match kind {
                Kind::Rate => sheet.write_number_with_format(row, col, x, &styles.percent),
                Kind::Money => sheet.write_number_with_format(row, col, x, &styles.money),
                _ => sheet.write_number(row, col, x),
            }
            .map(|_| ())
        }
        Value::String(s) if kind == Kind::Date => match ExcelDateTime::parse_from_str(s) {
            Ok(d) => sheet
                .write_datetime_with_format(row, col, &d, &styles.date)
                .map(|_| ()),
            Err(_) => sheet.write_string(row, col, s).map(|_| ()),
        },
        Value::String(s) => sheet.write_string(row, col, s).map(|_| ()),
        other => sheet.write_string(row, col, other.to_string()).map(|_| ()),
    };
    result.map_err(xlsx_error)
}

/// Whether a decimal survives the trip through a double and back by the import's
/// shortest-text rule.
fn exact_as_f64(d: Decimal) -> bool {
    d.to_f64()
        .and_then(|x| Decimal::from_str(&format!("{x}")).ok())
        .is_some_and(|back| back == d)
}

fn limited(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn validation_for(field: &Field, lang: Lang) -> Result<DataValidation, Error> {
    let title = limited(lang.pick(field.en, field.zh), 32);
    let message = limited(lang.pick(field.help_en, field.help_zh), 255);
    let v = match field.kind {
        Kind::Enum(values) => DataValidation::new()
            .allow_list_strings(values)
            .map_err(xlsx_error)?,
        _ => DataValidation::new(),
    };
    v.set_input_title(&title)
        .and_then(|v| v.set_input_message(&message))
        .map_err(xlsx_error)
}

fn table_sheet(
    sheet: &mut Worksheet,
    kind: SheetKind,
    lang: Lang,
    styles: &Styles,
    years: &[i32],
) -> Result<(), Error> {
    let (en, zh) = kind.names();
    sheet.set_name(lang.pick(en, zh)).map_err(xlsx_error)?;
    let mut col = 0u16;
    for f in fields::fields_of(kind) {
        sheet
            .write_string_with_format(0, col, fields::header(f, lang), &styles.header)
            .map_err(xlsx_error)?;
        sheet.set_column_width(col, 18).map_err(xlsx_error)?;
        let v = validation_for(f, lang)?;
        sheet
            .add_data_validation(1, col, TEMPLATE_ROWS, col, &v)
            .map_err(xlsx_error)?;
        col += 1;
    }
    for y in years {
        sheet
            .write_number_with_format(0, col, f64::from(*y), &styles.header)
            .map_err(xlsx_error)?;
        sheet.set_column_width(col, 12).map_err(xlsx_error)?;
        col += 1;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}

/// One row per cash-flow line; `with_id` puts the project id first (portfolio layout).
fn write_cash_rows(
    sheet: &mut Worksheet,
    first_row: u32,
    lines: &[(String, Value)],
    years: &[i32],
    with_id: bool,
    styles: &Styles,
) -> Result<(), Error> {
    let offset = u16::from(!with_id);
    let year_col0 = fields::fields_of(SheetKind::CashFlows).count() as u16 - offset;
    for (r, (id, line)) in lines.iter().enumerate() {
        let row = first_row + r as u32;
        if with_id {
            sheet.write_string(row, 0, id).map_err(xlsx_error)?;
        }
        for (c, key) in [(1u16, "category"), (2, "label"), (3, "escalation")] {
            if let Some(v) = line.get(key) {
                let kind = if key == "escalation" {
                    Kind::Rate
                } else {
                    Kind::Text
                };
                write_value(sheet, row, c - offset, v, kind, styles)?;
            }
        }
        let (a, b) = line_years(line);
        let amount = line.get("amount").cloned().unwrap_or(Value::Null);
        if let (Some(a), Some(b)) = (a, b) {
            for y in a..=b {
                if let Some(i) = years.iter().position(|x| *x == y) {
                    write_value(
                        sheet,
                        row,
                        year_col0 + i as u16,
                        &amount,
                        Kind::Money,
                        styles,
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn settings_sheet(
    sheet: &mut Worksheet,
    lang: Lang,
    styles: &Styles,
    settings: &Map<String, Value>,
) -> Result<(), Error> {
    table_sheet(sheet, SheetKind::Settings, lang, styles, &[])?;
    sheet.set_column_width(0, 28).map_err(xlsx_error)?;
    let defaults = settings
        .get("defaults")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let mut row = 1u32;
    // The settings offered in every template, then any other Projects column the portfolio
    // gives a default for (inflation, the study period, …).
    let mut keys = vec![
        "currency",
        "price_base_year",
        "discount_rate",
        "discount_preset",
        "basis",
        "timing",
        "first_year",
        "sensitivity_variation",
    ];
    for f in fields::fields_of(SheetKind::Projects) {
        if !keys.contains(&f.key)
            && !matches!(f.key, "id" | "name")
            && defaults.pointer(f.pointer).is_some()
        {
            keys.push(f.key);
        }
    }
    refuse_unplaced_defaults(&defaults, &keys)?;
    for key in keys {
        let Some(f) = fields::fields_of(SheetKind::Projects).find(|f| f.key == key) else {
            continue;
        };
        sheet
            .write_string(row, 0, fields::header(f, lang))
            .map_err(xlsx_error)?;
        if let Some(v) = defaults.pointer(f.pointer) {
            write_value(sheet, row, 1, v, f.kind, styles)?;
        }
        if let Kind::Enum(values) = f.kind {
            let dv = DataValidation::new()
                .allow_list_strings(values)
                .map_err(xlsx_error)?;
            sheet
                .add_data_validation(row, 1, row, 1, &dv)
                .map_err(xlsx_error)?;
        }
        row += 1;
    }
    sheet
        .write_string(row, 0, "taxonomies")
        .map_err(xlsx_error)?;
    if let Some(Value::Array(t)) = settings.get("taxonomies") {
        let list: Vec<&str> = t.iter().filter_map(Value::as_str).collect();
        sheet
            .write_string(row, 1, list.join(", "))
            .map_err(xlsx_error)?;
    }
    Ok(())
}

/// An error naming the first default of the batch settings that no Settings row holds: the
/// sheet takes Projects columns only, and a default left out would be lost without a word.
fn refuse_unplaced_defaults(defaults: &Value, keys: &[&str]) -> Result<(), Error> {
    let mut rest = defaults.clone();
    for f in fields::fields_of(SheetKind::Projects).filter(|f| keys.contains(&f.key)) {
        take_pointer(&mut rest, f.pointer);
    }
    let Value::Object(sections) = rest else {
        return Ok(());
    };
    for (name, value) in sections {
        let left = match &value {
            Value::Object(m) => m.keys().next().map(|k| format!("{name}/{k}")),
            _ => Some(name.clone()),
        };
        if let Some(left) = left {
            return Err(Error::new(
                "setting_not_in_template",
                format!(
                    "the batch default settings/defaults/{} has no column in the template's Settings sheet (which takes Projects columns and taxonomies): give it in each project instead",
                    greenlight_core::error::echo(&left)
                ),
            ));
        }
    }
    Ok(())
}

fn form_sheet(
    sheet: &mut Worksheet,
    index: usize,
    project: &Value,
    lang: Lang,
    styles: &Styles,
    years: &[i32],
) -> Result<(), Error> {
    let id = project.get("id").and_then(Value::as_str).unwrap_or("");
    // A sheet name holds at most 31 characters and none of []:*?/\.
    let clean: String = id
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(24)
        .collect();
    let name = if clean.is_empty() {
        format!("{} {}", lang.pick("Project", "项目"), index + 1)
    } else {
        clean
    };
    sheet.set_name(&name).map_err(xlsx_error)?;
    sheet.set_column_width(0, 28).map_err(xlsx_error)?;
    sheet.set_column_width(1, 30).map_err(xlsx_error)?;
    let (row_values, rest) = project_row(project);
    let mut row = 0u32;
    for f in fields::fields_of(SheetKind::Projects) {
        sheet
            .write_string_with_format(row, 0, fields::header(f, lang), &styles.header)
            .map_err(xlsx_error)?;
        sheet
            .add_data_validation(row, 1, row, 1, &validation_for(f, lang)?)
            .map_err(xlsx_error)?;
        if let Some(v) = row_values.get(f.key) {
            write_value(sheet, row, 1, v, f.kind, styles)?;
        }
        row += 1;
    }
    row += 1;
    let mut col = 0u16;
    for f in fields::fields_of(SheetKind::CashFlows).filter(|f| f.key != "project_id") {
        sheet
            .write_string_with_format(row, col, fields::header(f, lang), &styles.header)
            .map_err(xlsx_error)?;
        if let Kind::Enum(values) = f.kind {
            let dv = DataValidation::new()
                .allow_list_strings(values)
                .map_err(xlsx_error)?;
            sheet
                .add_data_validation(row + 1, col, row + 200, col, &dv)
                .map_err(xlsx_error)?;
        }
        col += 1;
    }
    for y in years {
        sheet
            .write_number_with_format(row, col, f64::from(*y), &styles.header)
            .map_err(xlsx_error)?;
        col += 1;
    }
    let mut cash = Vec::new();
    let (mut q, mut e, mut d) = (Vec::new(), Vec::new(), Vec::new());
    split_rest(id, rest, &mut cash, &mut q, &mut e, &mut d);
    if !(q.is_empty() && e.is_empty() && d.is_empty()) {
        return Err(Error::new(
            "form_layout_incomplete",
            "the project form holds identity, timeline, finance and cash flows only: write projects with quantities, evidence or details in the portfolio layout",
        ));
    }
    write_cash_rows(sheet, row + 1, &cash, years, false, styles)
}

fn help_sheet(sheet: &mut Worksheet, lang: Lang, styles: &Styles) -> Result<(), Error> {
    sheet
        .set_name(lang.pick("Help", "帮助"))
        .map_err(xlsx_error)?;
    let headers = [
        ("Sheet", "工作表"),
        ("Key", "键"),
        ("English header", "英文表头"),
        ("Chinese header", "中文表头"),
        ("Unit", "单位"),
        ("Kind", "类型"),
        ("Required", "必填"),
        ("Help", "说明"),
        ("说明", "Help"),
    ];
    for (c, (en, zh)) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, lang.pick(en, zh), &styles.header)
            .map_err(xlsx_error)?;
    }
    for (c, w) in [14u16, 20, 22, 16, 8, 24, 8, 60, 60].iter().enumerate() {
        sheet.set_column_width(c as u16, *w).map_err(xlsx_error)?;
    }
    for (r, f) in fields::FIELDS.iter().enumerate() {
        let row = r as u32 + 1;
        let (en, zh) = f.sheet.names();
        let kind = match f.kind {
            Kind::Text => "text".to_owned(),
            Kind::Integer => "whole number".to_owned(),
            Kind::Number => "number".to_owned(),
            Kind::Money => "money".to_owned(),
            Kind::Rate => "rate".to_owned(),
            Kind::Year => "year".to_owned(),
            Kind::Date => "date".to_owned(),
            Kind::Bool => "yes/no".to_owned(),
            Kind::Any => "yes/no, number or text".to_owned(),
            Kind::Enum(values) => format!("one of: {}", values.join(", ")),
        };
        let (help_first, help_second) = match lang {
            Lang::En => (f.help_en, f.help_zh),
            Lang::Zh => (f.help_zh, f.help_en),
        };
        let cells = [
            lang.pick(en, zh).to_owned(),
            f.key.to_owned(),
            f.en.to_owned(),
            f.zh.to_owned(),
            f.unit.to_owned(),
            kind,
            if f.required {
                lang.pick("yes", "是")
            } else {
                lang.pick("no", "否")
            }
            .to_owned(),
            help_first.to_owned(),
            help_second.to_owned(),
        ];
        for (c, text) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, c as u16, text, &styles.wrap)
                .map_err(xlsx_error)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}
