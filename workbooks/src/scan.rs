//! A quick pass over one xlsx sheet's XML that reads only what the streamed import must know
//! before it reads the sheet for real: the merged regions (written after the cells, at the
//! end of the sheet) and, for every row, the text of one key column (the project id), so the
//! import knows the last row of each project and can appraise a project as soon as its rows
//! are read.
//!
//! The pass inflates the sheet once through `Read::take` under the workbook limits and looks
//! at tags only: `<row r>`, `<c r t s>`, `<v>`, `<f>`, `<is><t>`, `<mergeCell ref>`. It never
//! guesses: a key cell it cannot read exactly as the cell reader does (a formula, a styled
//! number that may be a date, a boolean, an error, an escaped character) makes the key
//! column [`Keys::Inexact`], and the import then keeps every project until the sheet ends.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use crate::Error;
use crate::limits::WorkbookLimits;
use crate::safety::{CellValue, Region};

/// What the pass found.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SheetScan {
    /// Merged regions, zero-based and inclusive.
    pub merged: Vec<Region>,
    /// The key column's text in each row after the header.
    pub keys: Keys,
    /// Keys named by more than one row.
    pub repeated: std::collections::HashSet<String>,
    /// Whether every cell is one [`Archive::read_rows`] reads exactly as the calamine
    /// reader does (shared or inline text, plain numbers, no formula), so the sheet can be
    /// read by it.
    pub plain: bool,
}

/// The rows of each key, when every key cell could be read exactly.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Keys {
    /// No key was asked for, or the sheet has no header naming it.
    #[default]
    None,
    /// The last zero-based row naming each key.
    Exact(HashMap<String, u32>),
    /// Some key cell could not be read exactly.
    Inexact,
}

/// A cell as the pass sees it: text (shared or inline, unescaped) or a plain number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanValue {
    /// A string cell.
    Text(String),
    /// A number cell without a style, as the file writes it.
    Number(f64),
    /// Anything the pass does not read exactly.
    Other,
}

/// Finds the key column from the header: called with each of the first 20 non-empty rows
/// (column, value) until it names the key column.
pub(crate) type HeaderRule<'a> = &'a dyn Fn(&[(u32, ScanValue)]) -> Option<u32>;

/// The zip path of each sheet, by name, and the shared strings (`None` where a string holds
/// something the pass does not unescape exactly).
pub(crate) struct Archive<'b> {
    bytes: &'b [u8],
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    sheets: Vec<(String, String)>,
    /// Shared by every reader opened with [`Archive::reopen`].
    shared: Option<std::sync::Arc<Vec<Option<String>>>>,
    /// By cell style index: whether a number in that style is a plain number to the calamine
    /// reader (not a date, time or duration).
    plain_styles: Vec<bool>,
    limits: WorkbookLimits,
}

impl<'b> Archive<'b> {
    /// Opens an xlsx archive already passed by `check_archive`; `None` when its layout is not
    /// the usual one (the import then does without the pass).
    pub(crate) fn open(bytes: &'b [u8], limits: &WorkbookLimits) -> Option<Archive<'b>> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let workbook = read_entry(&mut zip, "xl/workbook.xml", limits.max_entry_inflated_bytes)?;
        let rels = read_entry(
            &mut zip,
            "xl/_rels/workbook.xml.rels",
            limits.max_entry_inflated_bytes,
        )?;
        let mut targets = HashMap::new();
        for tag in tags(&rels, b"Relationship") {
            let id = attribute(tag, b"Id")?;
            let target = attribute(tag, b"Target")?;
            targets.insert(id, target);
        }
        let mut sheets = Vec::new();
        for tag in tags(&workbook, b"sheet") {
            let name = attribute(tag, b"name")?;
            let id = attribute(tag, b"r:id")?;
            let target = targets.get(&id)?;
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_owned(),
                None => format!("xl/{target}"),
            };
            sheets.push((name, path));
        }
        let shared = match read_entry(
            &mut zip,
            "xl/sharedStrings.xml",
            limits.max_shared_strings_bytes,
        ) {
            Some(xml) => Some(std::sync::Arc::new(shared_strings(&xml))),
            None if zip.index_for_name("xl/sharedStrings.xml").is_none() => {
                Some(std::sync::Arc::new(Vec::new()))
            }
            None => None,
        };
        let plain_styles = read_entry(&mut zip, "xl/styles.xml", limits.max_entry_inflated_bytes)
            .map(|xml| plain_styles(&xml))
            .unwrap_or_default();
        Some(Archive {
            bytes,
            zip,
            sheets,
            shared,
            plain_styles,
            limits: limits.clone(),
        })
    }

    /// Another reader of the same archive, sharing its shared strings, for another thread.
    pub(crate) fn reopen(&self) -> Option<Archive<'b>> {
        Some(Archive {
            bytes: self.bytes,
            zip: zip::ZipArchive::new(Cursor::new(self.bytes)).ok()?,
            sheets: self.sheets.clone(),
            shared: self.shared.clone(),
            plain_styles: self.plain_styles.clone(),
            limits: self.limits.clone(),
        })
    }

    /// Scans the sheet named `name`; `None` when it cannot (the import does without).
    pub(crate) fn scan(
        &mut self,
        name: &str,
        header: Option<HeaderRule<'_>>,
    ) -> Result<Option<SheetScan>, Error> {
        let Some((_, path)) = self.sheets.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        let Ok(entry) = self.zip.by_name(path) else {
            return Ok(None);
        };
        let cap = self.limits.max_entry_inflated_bytes;
        let mut reader = entry.take(cap.saturating_add(1));
        let mut scanner = Scanner {
            max_rows: self.limits.max_rows,
            max_columns: self.limits.max_columns,
            beyond: false,
            plain_styles: &self.plain_styles,
            plain: true,
            shared: self.shared.as_deref().map(Vec::as_slice),
            header,
            key_col: None,
            rows_seen: 0,
            row: 0,
            col: None,
            row_cells: Vec::new(),
            row_of_cells: None,
            keys: HashMap::new(),
            repeated: Default::default(),
            exact: true,
            merged: Vec::new(),
        };
        let mut buffer: Vec<u8> = Vec::with_capacity(1 << 18);
        let mut chunk = vec![0u8; 1 << 17];
        let mut inflated: u64 = 0;
        loop {
            let n = reader
                .read(&mut chunk)
                .map_err(|e| Error::new("corrupt_archive", format!("the file is damaged: {e}")))?;
            inflated += n as u64;
            if inflated > cap {
                return Err(Error::new(
                    "entry_too_large",
                    format!("the entry inflates to more than {cap} bytes"),
                )
                .at(path.clone()));
            }
            if n == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..n]);
            let used = scanner.feed(&buffer, false);
            buffer.drain(..used);
        }
        scanner.feed(&buffer, true);
        scanner.end_row();
        let keys = match (scanner.key_col, scanner.exact) {
            (None, true) => Keys::None,
            (_, false) => Keys::Inexact,
            (Some(_), true) => Keys::Exact(scanner.keys),
        };
        Ok(Some(SheetScan {
            merged: scanner.merged,
            keys,
            repeated: scanner.repeated,
            plain: scanner.plain && self.shared.is_some(),
        }))
    }
}

fn read_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, cap: u64) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    entry.take(cap).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The opening tags named `name` in `xml` (attributes text up to `>`).
fn tags<'x>(xml: &'x [u8], name: &'x [u8]) -> impl Iterator<Item = &'x [u8]> + 'x {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + xml.get(at..)?.iter().position(|&b| b == b'<')?;
            let end = start + xml[start..].iter().position(|&b| b == b'>')?;
            at = end + 1;
            let tag = &xml[start + 1..end];
            if tag.starts_with(name)
                && tag
                    .get(name.len())
                    .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
            {
                return Some(tag);
            }
        }
    })
}

/// An attribute's unescaped value inside a tag's text.
fn attribute(tag: &[u8], name: &[u8]) -> Option<String> {
    let raw = attribute_raw(tag, name)?;
    unescape(raw)
}

fn attribute_raw<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let mut i = 0;
    while i + name.len() < tag.len() {
        let rest = &tag[i..];
        let before_ok = i > 0 && tag[i - 1].is_ascii_whitespace();
        if before_ok && rest.starts_with(name) {
            let mut j = name.len();
            while rest.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            if rest.get(j) == Some(&b'=') {
                j += 1;
                while rest.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                let quote = *rest.get(j)?;
                if quote != b'"' && quote != b'\'' {
                    return None;
                }
                let value = &rest[j + 1..];
                let end = value.iter().position(|&b| b == quote)?;
                return Some(&value[..end]);
            }
        }
        i += 1;
    }
    None
}

/// XML text with its five named entities and character references replaced; `None` for an
/// unknown entity or for the `_xHHHH_` escapes spreadsheet programs write for control
/// characters, which the pass leaves to the cell reader.
fn unescape(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.contains("_x") {
        return None;
    }
    if !text.contains('&') {
        return Some(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';')? + at;
        let entity = &rest[at + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The text of an `<si>` or `<is>` element: its `<t>` runs, phonetic runs (`<rPh>`) left out,
/// each run trimmed of ASCII white space unless it says `xml:space="preserve"` (as the cell
/// reader does); `None` for character data sections and carriage returns, which XML
/// readers normalise.
fn string_item(xml: &[u8]) -> Option<String> {
    if find(xml, b"<![CDATA[").is_some() || xml.contains(&b'\r') {
        return None;
    }
    let mut out = String::new();
    let mut at = 0;
    while let Some(p) = xml[at..].iter().position(|&b| b == b'<') {
        let start = at + p;
        let end = start + xml[start..].iter().position(|&b| b == b'>')?;
        let tag = &xml[start + 1..end];
        at = end + 1;
        if tag.starts_with(b"rPh") && !tag.ends_with(b"/") {
            let close = find(&xml[at..], b"</rPh>")?;
            at += close + 6;
        } else if (tag == b"t" || tag.starts_with(b"t ")) && !tag.ends_with(b"/") {
            let close = find(&xml[at..], b"</t>")?;
            let text = unescape(&xml[at..at + close])?;
            if attribute_raw(tag, b"xml:space") == Some(b"preserve") {
                out.push_str(&text);
            } else {
                out.push_str(text.trim_matches([' ', '\t', '\r', '\n']));
            }
            at += close + 4;
        }
    }
    Some(out)
}

fn shared_strings(xml: &[u8]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = find(&xml[at..], b"<si") {
        let start = at + p;
        let Some(gt) = xml[start..].iter().position(|&b| b == b'>') else {
            break;
        };
        if xml[start + gt - 1] == b'/' {
            out.push(None);
            at = start + gt + 1;
            continue;
        }
        let body = start + gt + 1;
        let Some(close) = find(&xml[body..], b"</si>") else {
            break;
        };
        let item = &xml[body..body + close];
        out.push(find(item, b"<t").and_then(|_| string_item(item)));
        at = body + close + 5;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut at = 0;
    while let Some(p) = haystack.get(at..)?.iter().position(|&b| b == first) {
        let i = at + p;
        if haystack[i..].starts_with(needle) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// `B17` → (16, 1), zero-based.
pub(crate) fn parse_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let mut col: u32 = 0;
    for &b in &r[..letters] {
        col = col.checked_mul(26)?.checked_add(u32::from(b - b'A') + 1)?;
    }
    let row: u32 = std::str::from_utf8(&r[letters..]).ok()?.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

struct Scanner<'s> {
    max_rows: u32,
    max_columns: u32,
    /// A cell beyond the row or column cap was met: nothing more is kept (the reader will
    /// reject the sheet), so a hostile sheet cannot grow the pass's maps.
    beyond: bool,
    plain_styles: &'s [bool],
    /// Whether every cell so far is plain (see [`SheetScan::plain`]).
    plain: bool,
    shared: Option<&'s [Option<String>]>,
    header: Option<HeaderRule<'s>>,
    key_col: Option<u32>,
    rows_seen: u32,
    /// The current row, zero-based.
    row: u32,
    /// The last cell's column in the row, for cells without `r`.
    col: Option<u32>,
    row_cells: Vec<(u32, ScanValue)>,
    row_of_cells: Option<u32>,
    keys: HashMap<String, u32>,
    repeated: std::collections::HashSet<String>,
    exact: bool,
    merged: Vec<Region>,
}

impl Scanner<'_> {
    /// Reads the complete elements at the front of `xml`; returns how many bytes it used.
    fn feed(&mut self, xml: &[u8], last: bool) -> usize {
        let mut at = 0;
        loop {
            let Some(p) = xml[at..].iter().position(|&b| b == b'<') else {
                return xml.len();
            };
            let start = at + p;
            let Some(gt) = xml[start..].iter().position(|&b| b == b'>') else {
                return if last { xml.len() } else { start };
            };
            let end = start + gt;
            let tag = &xml[start + 1..end];
            let name_len = tag
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/')
                .unwrap_or(tag.len());
            match &tag[..name_len] {
                b"row" => {
                    self.end_row();
                    self.row = match attribute_raw(tag, b"r").and_then(|r| {
                        std::str::from_utf8(r)
                            .ok()?
                            .parse::<u32>()
                            .ok()?
                            .checked_sub(1)
                    }) {
                        Some(r) => r,
                        None if self.rows_seen == 0 && self.row_of_cells.is_none() => 0,
                        None => self.row + 1,
                    };
                    self.col = None;
                    at = end + 1;
                }
                b"c" => {
                    let self_closing = tag.ends_with(b"/");
                    let (row, col) = match attribute_raw(tag, b"r").and_then(parse_ref) {
                        Some(rc) => rc,
                        None => (self.row, self.col.map_or(0, |c| c + 1)),
                    };
                    self.col = Some(col);
                    if self_closing {
                        at = end + 1;
                        continue;
                    }
                    let body = end + 1;
                    let Some(close) = find(&xml[body..], b"</c>") else {
                        return if last { xml.len() } else { start };
                    };
                    self.cell(tag, row, col, &xml[body..body + close]);
                    at = body + close + 4;
                }
                b"mergeCell" => {
                    if let Some((a, b)) = attribute_raw(tag, b"ref").and_then(|r| {
                        let text = std::str::from_utf8(r).ok()?;
                        let (a, b) = text.split_once(':').unwrap_or((text, text));
                        Some((parse_ref(a.as_bytes())?, parse_ref(b.as_bytes())?))
                    }) {
                        self.merged.push(Region { start: a, end: b });
                    }
                    at = end + 1;
                }
                _ => at = end + 1,
            }
        }
    }

    fn cell(&mut self, tag: &[u8], row: u32, col: u32, body: &[u8]) {
        if self.plain && plain_cell(tag, body, self.shared, self.plain_styles).is_err() {
            self.plain = false;
        }
        if row >= self.max_rows || col >= self.max_columns {
            self.beyond = true;
            self.exact = false;
        }
        if self.beyond {
            return;
        }
        let wanted = match self.key_col {
            None => self.rows_seen < 20,
            Some(k) => k == col,
        };
        if !wanted {
            return;
        }
        let value = self.value(tag, body);
        let Some(value) = value else { return };
        if self.row_of_cells.is_some_and(|r| r != row) {
            self.end_row();
        }
        self.row_of_cells = Some(row);
        self.row_cells.push((col, value));
    }

    /// The cell's value; `None` for an empty cell (no value and no formula).
    fn value(&self, tag: &[u8], body: &[u8]) -> Option<ScanValue> {
        let kind = attribute_raw(tag, b"t").unwrap_or(b"n");
        let formula = find(body, b"<f").is_some();
        let v = find(body, b"<v>").and_then(|s| {
            let rest = &body[s + 3..];
            find(rest, b"</v>").map(|e| &rest[..e])
        });
        Some(match kind {
            b"s" => {
                let index: usize = std::str::from_utf8(v?).ok()?.trim().parse().ok()?;
                match self.shared.and_then(|s| s.get(index)) {
                    Some(Some(text)) if !formula => ScanValue::Text(text.clone()),
                    _ => ScanValue::Other,
                }
            }
            b"inlineStr" => match find(body, b"<is>") {
                Some(s) if !formula => {
                    let rest = &body[s + 4..];
                    match find(rest, b"</is>").and_then(|e| string_item(&rest[..e])) {
                        Some(text) => ScanValue::Text(text),
                        None => ScanValue::Other,
                    }
                }
                _ if v.is_none() && !formula => return None,
                _ => ScanValue::Other,
            },
            b"n" => {
                let Some(v) = v else {
                    return formula.then_some(ScanValue::Other);
                };
                let styled = attribute_raw(tag, b"s").is_some_and(|s| s != b"0");
                match std::str::from_utf8(v)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                {
                    Some(n) if !formula && !styled => ScanValue::Number(n),
                    _ => ScanValue::Other,
                }
            }
            _ => {
                if v.is_none() && !formula {
                    return None;
                }
                ScanValue::Other
            }
        })
    }

    fn key(&mut self, key: String, row: u32) {
        if self.keys.contains_key(&key) {
            self.repeated.insert(key.clone());
        }
        self.keys.insert(key, row);
    }

    fn end_row(&mut self) {
        let Some(row) = self.row_of_cells.take() else {
            return;
        };
        let cells = std::mem::take(&mut self.row_cells);
        match self.key_col {
            None => {
                if let Some(header) = self.header
                    && self.rows_seen < 20
                {
                    self.key_col = header(&cells);
                }
                self.rows_seen += 1;
            }
            Some(_) => {
                self.rows_seen += 1;
                match cells.first().map(|c| &c.1) {
                    None => {}
                    Some(ScanValue::Text(t)) => {
                        let t = t.trim();
                        if !t.is_empty() {
                            self.key(t.to_owned(), row);
                        }
                    }
                    Some(ScanValue::Number(n)) => match crate::import::decimal_from_f64(*n) {
                        Some(d) => self.key(d.normalize().to_string(), row),
                        None => self.exact = false,
                    },
                    Some(ScanValue::Other) => self.exact = false,
                }
            }
        }
    }
}

/// The value the calamine reader gives a plain cell (shared or inline text, a boolean, a
/// number in a plain number format, no formula) (`Ok(None)`: an empty cell it skips), or
/// `Err` when the cell is not plain.
fn plain_cell(
    tag: &[u8],
    body: &[u8],
    shared: Option<&[Option<String>]>,
    plain_styles: &[bool],
) -> Result<Option<CellValue>, ()> {
    if find(body, b"<f").is_some() {
        return Err(());
    }
    let v = match find(body, b"<v>") {
        Some(s) => {
            let rest = &body[s + 3..];
            Some(&rest[..find(rest, b"</v>").ok_or(())?])
        }
        None if find(body, b"<v").is_some() => return Err(()),
        None => None,
    };
    match attribute_raw(tag, b"t") {
        Some(b"s") => {
            let Some(v) = v else { return Ok(None) };
            let index: usize = std::str::from_utf8(v)
                .map_err(|_| ())?
                .parse()
                .map_err(|_| ())?;
            match shared.and_then(|s| s.get(index)) {
                Some(Some(text)) => Ok(Some(CellValue::Text(text.clone()))),
                _ => Err(()),
            }
        }
        Some(b"inlineStr") => {
            let start = find(body, b"<is>").ok_or(())?;
            let rest = &body[start + 4..];
            let end = find(rest, b"</is>").ok_or(())?;
            if find(&rest[..end], b"<t").is_none() {
                return Err(());
            }
            string_item(&rest[..end])
                .map(|t| Some(CellValue::Text(t)))
                .ok_or(())
        }
        Some(b"b") => {
            let Some(v) = v else { return Ok(None) };
            match v {
                b"1" => Ok(Some(CellValue::Bool(true))),
                b"0" => Ok(Some(CellValue::Bool(false))),
                _ => Err(()),
            }
        }
        None | Some(b"n") => {
            let Some(v) = v else { return Ok(None) };
            if let Some(style) = attribute_raw(tag, b"s") {
                let index: usize = std::str::from_utf8(style)
                    .map_err(|_| ())?
                    .parse()
                    .map_err(|_| ())?;
                if !plain_styles.get(index).copied().unwrap_or(false) {
                    return Err(());
                }
            }
            let text = std::str::from_utf8(v).map_err(|_| ())?;
            if text.is_empty()
                || !text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                return Err(());
            }
            text.parse::<f64>()
                .map(|n| Some(CellValue::Number(n)))
                .map_err(|_| ())
        }
        _ => Err(()),
    }
}

/// By cell style (`cellXfs` index): whether its number format is a plain number format to
/// the calamine reader (built-in formats other than dates and times; custom formats by
/// [`custom_format_is_plain`]).
fn plain_styles(xml: &[u8]) -> Vec<bool> {
    let mut custom: HashMap<String, bool> = HashMap::new();
    for tag in tags(xml, b"numFmt") {
        let (Some(id), Some(code)) = (attribute(tag, b"numFmtId"), attribute(tag, b"formatCode"))
        else {
            continue;
        };
        custom.insert(id, custom_format_is_plain(&code));
    }
    let Some(start) = find(xml, b"<cellXfs") else {
        return Vec::new();
    };
    let end = find(&xml[start..], b"</cellXfs>").map_or(xml.len(), |e| start + e);
    tags(&xml[start..end], b"xf")
        .map(|tag| {
            let id = attribute(tag, b"numFmtId").unwrap_or_else(|| "0".into());
            match custom.get(&id) {
                Some(plain) => *plain,
                None => matches!(id.parse::<u16>(), Ok(0..=13 | 37..=44 | 48 | 49)),
            }
        })
        .collect()
}

/// Whether the calamine reader takes a number in this custom format as a plain number: the
/// same scan of the format's first section as its `detect_custom_number_format` (date and
/// time letters outside quotes, escapes and brackets; `AM/PM`; `[h]`-style durations).
fn custom_format_is_plain(format: &str) -> bool {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for c in format.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', ..) => quoted = true,
            (';', ..) => return true,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return false,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return false,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return false;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    true
}

impl Archive<'_> {
    /// Reads a plain sheet (one whose [`SheetScan::plain`] is true) row by row, as
    /// `SafeWorkbook::for_each_row` does with the calamine reader: each call gets one row's
    /// non-empty cells in column order; the first cell beyond the row or column cap, or past
    /// the count of cells the workbook may have (`cells_read`, shared with the other
    /// readers), stops the read with its error. Inflates through `Read::take` under the
    /// entry cap.
    pub(crate) fn read_rows(
        &mut self,
        name: &str,
        cells_read: &std::sync::atomic::AtomicU64,
        mut f: impl FnMut(&[crate::safety::Cell]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Some((_, path)) = self.sheets.iter().find(|(n, _)| n == name) else {
            return Err(Error::new(
                "missing_sheet",
                format!("no sheet named {name:?}"),
            ));
        };
        let path = path.clone();
        let entry = self
            .zip
            .by_name(&path)
            .map_err(|e| Error::new("corrupt_archive", format!("the file is damaged: {e}")))?;
        let cap = self.limits.max_entry_inflated_bytes;
        let mut reader = entry.take(cap.saturating_add(1));
        let limits = self.limits.clone();
        let shared = self.shared.as_deref().map(Vec::as_slice);
        let styles = &self.plain_styles;
        let mut state = RowReader {
            row: 0,
            col: None,
            rows_started: false,
            cells: Vec::new(),
        };
        let mut buffer: Vec<u8> = Vec::with_capacity(1 << 18);
        let mut chunk = vec![0u8; 1 << 17];
        let mut inflated: u64 = 0;
        let mut last = false;
        loop {
            if !last {
                let n = reader.read(&mut chunk).map_err(|e| {
                    Error::new("corrupt_archive", format!("the file is damaged: {e}"))
                })?;
                inflated += n as u64;
                if inflated > cap {
                    return Err(Error::new(
                        "entry_too_large",
                        format!("the entry inflates to more than {cap} bytes"),
                    )
                    .at(path));
                }
                if n == 0 {
                    last = true;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            let mut at = 0;
            loop {
                let Some(p) = buffer[at..].iter().position(|&b| b == b'<') else {
                    at = buffer.len();
                    break;
                };
                let start = at + p;
                let Some(gt) = buffer[start..].iter().position(|&b| b == b'>') else {
                    at = start;
                    break;
                };
                let end = start + gt;
                let tag = &buffer[start + 1..end];
                let name_len = tag
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || *b == b'/')
                    .unwrap_or(tag.len());
                match &tag[..name_len] {
                    b"row" => {
                        let r = attribute_raw(tag, b"r").and_then(|r| {
                            std::str::from_utf8(r)
                                .ok()?
                                .parse::<u32>()
                                .ok()?
                                .checked_sub(1)
                        });
                        state.row = match r {
                            Some(r) => r,
                            None if !state.rows_started => 0,
                            None => state.row + 1,
                        };
                        state.rows_started = true;
                        state.col = None;
                        at = end + 1;
                    }
                    b"c" => {
                        let (row, col) = match attribute_raw(tag, b"r").and_then(parse_ref) {
                            Some(rc) => rc,
                            None => (state.row, state.col.map_or(0, |c| c + 1)),
                        };
                        state.col = Some(col);
                        let (body, next) = if tag.ends_with(b"/") {
                            (&buffer[end..end], end + 1)
                        } else {
                            let body = end + 1;
                            match find(&buffer[body..], b"</c>") {
                                Some(close) => (&buffer[body..body + close], body + close + 4),
                                None if last => {
                                    return Err(Error::new(
                                        "corrupt_workbook",
                                        "the workbook could not be read: a cell is not closed",
                                    )
                                    .at(name.to_owned()));
                                }
                                None => {
                                    at = start;
                                    break;
                                }
                            }
                        };
                        let value = plain_cell(tag, body, shared, styles).map_err(|()| {
                            Error::new("corrupt_workbook", "the workbook changed while it was read")
                        })?;
                        at = next;
                        let Some(value) = value else { continue };
                        if row >= limits.max_rows || col >= limits.max_columns {
                            return Err(crate::safety::out_of_bounds(name, row, col, &limits));
                        }
                        let read =
                            cells_read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        if read > limits.max_cells {
                            return Err(crate::safety::too_many_cells(&limits));
                        }
                        if state.cells.first().is_some_and(|c| c.row != row) {
                            f(&state.cells)?;
                            state.cells.clear();
                        }
                        state.cells.push(crate::safety::Cell {
                            row,
                            col,
                            value,
                            formula: None,
                        });
                    }
                    _ => at = end + 1,
                }
            }
            buffer.drain(..at);
            if last {
                break;
            }
        }
        if !state.cells.is_empty() {
            f(&state.cells)?;
        }
        Ok(())
    }
}

/// Reads a sheet of an xlsx file (already passed by `check_archive`) with our reader when
/// it is plain, giving each row's cells to `f`; `Ok(false)` when the sheet is not plain or
/// the archive's layout is not the usual one. For benchmarks and comparisons with
/// `SafeWorkbook::for_each_row`.
pub fn read_plain_sheet(
    bytes: &[u8],
    limits: &WorkbookLimits,
    name: &str,
    f: impl FnMut(&[crate::safety::Cell]) -> Result<(), Error>,
) -> Result<bool, Error> {
    let Some(mut archive) = Archive::open(bytes, limits) else {
        return Ok(false);
    };
    match archive.scan(name, None)? {
        Some(scan) if scan.plain => {}
        _ => return Ok(false),
    }
    archive.read_rows(name, &Default::default(), f)?;
    Ok(true)
}

/// The quick pass alone over a sheet of an xlsx file: whether it is plain. For benchmarks.
pub fn sheet_is_plain(bytes: &[u8], limits: &WorkbookLimits, name: &str) -> Result<bool, Error> {
    let Some(mut archive) = Archive::open(bytes, limits) else {
        return Ok(false);
    };
    Ok(archive.scan(name, None)?.is_some_and(|scan| scan.plain))
}

struct RowReader {
    row: u32,
    col: Option<u32>,
    rows_started: bool,
    cells: Vec<crate::safety::Cell>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_entities() {
        assert_eq!(parse_ref(b"A1"), Some((0, 0)));
        assert_eq!(parse_ref(b"D17"), Some((16, 3)));
        assert_eq!(parse_ref(b"AA3"), Some((2, 26)));
        assert_eq!(parse_ref(b"A0"), None);
        assert_eq!(
            unescape(b"a &amp; b &#233;&#x4E2D;").as_deref(),
            Some("a & b é中")
        );
        assert_eq!(unescape(b"a_x000D_b"), None);
        assert_eq!(
            string_item(
                b"<r><t>ab</t></r><r><t xml:space=\"preserve\"> c</t></r><rPh><t>x</t></rPh>"
            )
            .as_deref(),
            Some("ab c")
        );
    }

    /// Every sheet both readers can read is read the same by both (each row's cells, values
    /// and positions): the shipped templates, examples and answer workbooks, and workbooks
    /// written from the example portfolios in both layouts and languages (inline strings)
    /// and by rust_xlsxwriter's default writer (shared strings, a date, a formula, styles).
    #[test]
    fn the_own_reader_reads_plain_sheets_as_calamine_does() {
        use crate::safety::{Cell, SafeWorkbook};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for dir in ["templates", "examples"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("the folder is there") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "xlsx") {
                    files.push((
                        path.display().to_string(),
                        std::fs::read(&path).expect("read"),
                    ));
                }
            }
        }
        for entry in std::fs::read_dir(root.join("exercises")).expect("the folder is there") {
            let path = entry.expect("an entry").path().join("answers.xlsx");
            if path.exists() {
                files.push((
                    path.display().to_string(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
        for json in [
            "city-pipeline.json",
            "city-pipeline-eu.json",
            "led-street-lighting.json",
        ] {
            let text = std::fs::read_to_string(root.join("examples").join(json)).expect("read");
            let document: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            for lang in [crate::Lang::En, crate::Lang::Zh] {
                for layout in [
                    crate::template::Layout::Portfolio,
                    crate::template::Layout::Form,
                ] {
                    // The form layout refuses projects it cannot hold; those are skipped.
                    if let Ok(bytes) = crate::template::write_filled(&document, lang, layout) {
                        files.push((format!("{json} {lang:?} {layout:?}"), bytes));
                    }
                }
            }
        }
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let money = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_string(0, 0, "Project id").expect("written");
        sheet
            .write_string(1, 0, "  spaced & <odd> \u{4e2d}  ")
            .expect("written");
        sheet
            .write_number_with_format(1, 1, -3152754.13, &money)
            .expect("written");
        sheet.write_number(1, 2, 0.1).expect("written");
        sheet.write_number(2, 3, 1e-7).expect("written");
        sheet.write_boolean(3, 0, true).expect("written");
        sheet
            .write_number_with_format(4, 0, 46000.0, &date)
            .expect("written");
        sheet.write_formula(5, 0, "=1+1").expect("written");
        files.push(("written".into(), book.save_to_buffer().expect("saved")));

        let limits = WorkbookLimits::default();
        let (mut compared, mut plain_cells) = (0, 0);
        for (file, bytes) in &files {
            let mut book = SafeWorkbook::open(bytes, &limits).expect("the workbook opens");
            let mut archive = Archive::open(bytes, &limits).expect("the archive opens");
            for name in book.sheet_names().to_vec() {
                let scan = archive.scan(&name, None).expect("scanned").expect("found");
                let mut theirs: Vec<Vec<Cell>> = Vec::new();
                book.for_each_row(&name, |cells| {
                    theirs.push(cells.to_vec());
                    Ok(())
                })
                .expect("calamine reads it");
                if !scan.plain {
                    continue;
                }
                let mut ours: Vec<Vec<Cell>> = Vec::new();
                archive
                    .read_rows(&name, &Default::default(), |cells| {
                        ours.push(cells.to_vec());
                        Ok(())
                    })
                    .expect("our reader reads it");
                assert_eq!(ours, theirs, "{file}: {name}");
                compared += 1;
                plain_cells += ours.iter().map(Vec::len).sum::<usize>();
            }
        }
        // The test must not pass by comparing nothing: most sheets are plain.
        assert!(compared >= 100, "{compared} sheets compared");
        assert!(plain_cells >= 10_000, "{plain_cells} cells compared");
    }

    /// Our reader keeps the limits the calamine path keeps: the first cell beyond the row or
    /// column cap stops it with its cell name, the cell cap counts the cells of every reader
    /// of the workbook, and an entry inflating past its cap stops it with the entry's name.
    #[test]
    fn the_own_reader_keeps_the_limits() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for row in 0..12u32 {
            sheet.write_number(row, 0, f64::from(row)).expect("written");
            sheet.write_string(row, 1, "text").expect("written");
        }
        let bytes = book.save_to_buffer().expect("saved");
        let read = |limits: WorkbookLimits, already: u64| {
            let mut archive = Archive::open(&bytes, &limits).expect("opens");
            assert!(
                archive
                    .scan("Sheet1", None)
                    .expect("scans")
                    .expect("found")
                    .plain
            );
            let counter = std::sync::atomic::AtomicU64::new(already);
            archive.read_rows("Sheet1", &counter, |_| Ok(()))
        };
        assert!(read(WorkbookLimits::default(), 0).is_ok());
        let rows = WorkbookLimits {
            max_rows: 10,
            ..WorkbookLimits::default()
        };
        // The pass keeps nothing past the caps, so a hostile sheet cannot grow its maps.
        let first_column = |_: &[(u32, ScanValue)]| Some(0);
        let mut archive = Archive::open(&bytes, &rows).expect("opens");
        let scan = archive.scan("Sheet1", Some(&first_column)).expect("scans");
        assert_eq!(scan.expect("found").keys, Keys::Inexact);
        let mut archive = Archive::open(&bytes, &WorkbookLimits::default()).expect("opens");
        let scan = archive.scan("Sheet1", Some(&first_column)).expect("scans");
        let Some(SheetScan {
            keys: Keys::Exact(last),
            ..
        }) = scan
        else {
            panic!("the keys are read");
        };
        // Row 1 is the header; rows 2 to 12 hold the numbers 1 to 11 as keys.
        assert_eq!(last.len(), 11);
        assert_eq!(last.get("11"), Some(&11));
        let e = read(rows, 0).expect_err("row 11 is beyond the cap");
        assert_eq!(
            (e.code, e.location.as_str()),
            ("cell_out_of_bounds", "Sheet1!A11")
        );
        let columns = WorkbookLimits {
            max_columns: 1,
            ..WorkbookLimits::default()
        };
        let e = read(columns, 0).expect_err("column B is beyond the cap");
        assert_eq!(
            (e.code, e.location.as_str()),
            ("cell_out_of_bounds", "Sheet1!B1")
        );
        let cells = WorkbookLimits {
            max_cells: 30,
            ..WorkbookLimits::default()
        };
        // 24 cells here after 10 read by another reader of the same workbook.
        let e = read(cells, 10).expect_err("34 cells are beyond the cap");
        assert_eq!(e.code, "too_many_cells");
        let inflated = WorkbookLimits {
            max_entry_inflated_bytes: 200,
            ..WorkbookLimits::default()
        };
        let mut archive = Archive::open(&bytes, &WorkbookLimits::default()).expect("opens");
        archive.limits = inflated;
        let e = archive
            .read_rows("Sheet1", &Default::default(), |_| Ok(()))
            .expect_err("the sheet inflates past 200 bytes");
        assert_eq!(
            (e.code, e.location.as_str()),
            ("entry_too_large", "xl/worksheets/sheet1.xml")
        );
    }
}
