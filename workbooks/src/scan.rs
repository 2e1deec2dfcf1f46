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
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// The cells with a value the reader will count against the workbook's cell cap, when
    /// the sheet is plain and no cell lies beyond the row and column caps (`None`
    /// otherwise): a workbook holding more than the cap allows is then refused before its
    /// first project is handed on, rather than when the reader reaches the cell.
    pub cells: Option<u64>,
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
    /// The entries [`Archive::open`] reads, besides the sheets a pass reads later.
    pub(crate) const ENTRIES: [&'static str; 4] = [
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
    ];

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
            // A table whose items calamine might count otherwise is not used: every cell of
            // shared text is then left to calamine.
            Some(xml) if !shared_table_is_sound(&xml) => None,
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

    /// The names of the sheets, in workbook order, as `xl/workbook.xml` spells them.
    pub(crate) fn sheet_names(&self) -> impl Iterator<Item = &str> {
        self.sheets.iter().map(|(name, _)| name.as_str())
    }

    /// Scans the sheet named `name`; `None` when it cannot (the import does without).
    pub(crate) fn scan(
        &mut self,
        name: &str,
        header: Option<HeaderRule<'_>>,
    ) -> Result<Option<SheetScan>, Error> {
        self.scan_until(name, header, &AtomicBool::new(false))
    }

    /// [`Archive::scan`], given up (`Ok(None)`) once `stop` is set: a pass started before the
    /// archive check ended is not finished for a file the check rejects.
    pub(crate) fn scan_until(
        &mut self,
        name: &str,
        header: Option<HeaderRule<'_>>,
        stop: &AtomicBool,
    ) -> Result<Option<SheetScan>, Error> {
        let Some((_, path)) = self.sheets.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        let Ok(entry) = self.zip.by_name(path) else {
            return Ok(None);
        };
        let cap = self.limits.max_entry_inflated_bytes;
        let mut reader = entry.take(cap.saturating_add(1));
        let mut scanner = Scanner::new(
            &self.limits,
            &self.plain_styles,
            self.shared.as_deref().map(Vec::as_slice),
            header,
        );
        let mut window = Window::new();
        let mut inflated: u64 = 0;
        let mut utf8 = Utf8Check::default();
        loop {
            let n = window
                .fill(&mut reader)
                .map_err(|e| Error::new("corrupt_archive", format!("the file is damaged: {e}")))?;
            inflated += n as u64;
            if inflated > cap {
                return Err(crate::safety::entry_too_large(path, cap));
            }
            if n == 0 {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let used = scanner.feed(window.data(), false);
            utf8.feed(&window.data()[..used]);
            window.consume(used);
            // What is left is one element not yet closed. `feed` searches it from its start
            // again after every read, so an element without end would cost time growing
            // with the square of its length (a sheet of one 500 MiB tag took minutes).
            if window.data().len() > crate::safety::MAX_OPEN_ELEMENT_BYTES {
                return Err(crate::safety::element_too_large(path));
            }
        }
        scanner.feed(window.data(), true);
        utf8.feed(window.data());
        if !utf8.is_valid() {
            // Calamine refuses a part that is not UTF-8; our reader would read around it.
            scanner.unusual();
        }
        if scanner.open_reference {
            // A part ending in text with an `&` and no `;` after it.
            scanner.unusual();
        }
        if scanner.sheet_data != SheetData::After {
            // A part cut before `</sheetData>` (calamine refuses it) or without one.
            scanner.unusual();
        }
        scanner.end_row();
        scanner.end_run();
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
            cells: (scanner.plain && self.shared.is_some() && !scanner.beyond)
                .then_some(scanner.cells),
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

/// The raw value of the first `name=` (white space allowed around `=`) that follows white
/// space in a tag's text; `None` when the first such has no quoted value.
fn attribute_raw<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let first = *name.first()?;
    // Position 0 never qualifies: an attribute follows white space.
    let mut i = 1;
    while i + name.len() < tag.len() {
        let rest = &tag[i..];
        // The first byte is compared before the rest, so most positions cost one comparison.
        if rest[0] == first && tag[i - 1].is_ascii_whitespace() && starts_with(rest, name) {
            let mut j = name.len();
            while rest.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            if rest.get(j) == Some(&b'=') {
                return quoted_value(rest, j + 1);
            }
        }
        i += 1;
    }
    None
}

/// The value in quotes after optional white space from `rest[j]` on; `None` without quotes or
/// without the closing one.
fn quoted_value(rest: &[u8], mut j: usize) -> Option<&[u8]> {
    while rest.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    let quote = *rest.get(j)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &rest[j + 1..];
    let end = value.iter().position(|&b| b == quote)?;
    Some(&value[..end])
}

/// The attributes `keys` of a tag (after its `<`, opening or closing) as calamine's reader
/// takes them, or `Err` where it refuses the tag: the attributes after the name are walked
/// pair by pair (a name is everything up to `=`, less trailing white space; the value must be
/// quoted) until as many pairs naming one of `keys` have been met as there are keys, a later
/// pair of a name replacing an earlier one. The readers of plain sheets take the first pair
/// of each name and look at no other, so a sheet whose tags they read otherwise is left to
/// calamine (a pair without `=` or quotes, a name given twice).
fn calamine_attributes<'t, const N: usize>(
    tag: &'t [u8],
    keys: [&[u8]; N],
) -> Result<[Option<&'t [u8]>; N], ()> {
    let tag = tag.strip_suffix(b"/").unwrap_or(tag);
    let mut at = tag
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(tag.len());
    let mut values = [None; N];
    let mut found = 0;
    loop {
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if at >= tag.len() {
            return Ok(values);
        }
        let name_start = at;
        at += memchr::memchr(b'=', &tag[at..]).ok_or(())?;
        let name = tag[name_start..at].trim_ascii_end();
        at += 1;
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let quote = *tag
            .get(at)
            .filter(|&&q| q == b'"' || q == b'\'')
            .ok_or(())?;
        at += 1;
        let end = memchr::memchr(quote, &tag[at..]).map_or(tag.len(), |e| at + e);
        let value = &tag[at..end];
        at = (end + 1).min(tag.len());
        if let Some(k) = keys.iter().position(|&key| key == name) {
            values[k] = Some(value);
            found += 1;
            if found == N {
                return Ok(values);
            }
        }
    }
}

/// The attributes of a cell tag the readers use.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct CellTag<'t> {
    /// The reference (`B17`).
    r: Option<&'t [u8]>,
    /// The style index.
    s: Option<&'t [u8]>,
    /// The type.
    t: Option<&'t [u8]>,
}

/// `r`, `s` and `t` of a cell tag, each as [`attribute_raw`] gives it.
fn cell_tag(tag: &[u8]) -> CellTag<'_> {
    usual_cell_tag(tag).unwrap_or_else(|| any_cell_tag(tag))
}

/// [`cell_tag`] for a tag written the usual way, read pair by pair: the element's name, then
/// `name="value"` pairs, each after white space (white space allowed around `=`), no white
/// space inside a value, and an optional `/` at the end; `None` for any other tag.
///
/// Why it gives what [`attribute_raw`] gives: in such a tag, white space lies only between
/// the pairs and around their `=`, so the positions after white space hold a pair's first
/// letter, more white space, `=`, a quote or the closing `/`. Of those only a pair's first
/// letter can be `r`, `s` or `t`, and [`attribute_raw`] stops there exactly when the pair's
/// name is that one letter (a longer name goes on with neither white space nor `=`); it then
/// reads the same quoted value. So each is the value of the first pair of that name.
fn usual_cell_tag(tag: &[u8]) -> Option<CellTag<'_>> {
    let white = |i: usize| tag.get(i).is_some_and(u8::is_ascii_whitespace);
    let mut found: [Option<&[u8]>; 3] = [None; 3];
    let mut decided = [false; 3];
    let mut i = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    loop {
        let separated = white(i);
        while white(i) {
            i += 1;
        }
        match tag.get(i) {
            None => break,
            Some(b'/') if i + 1 == tag.len() => break,
            _ if !separated => return None,
            _ => {}
        }
        let name_start = i;
        while tag
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'"' | b'\'' | b'/'))
        {
            i += 1;
        }
        let name = &tag[name_start..i];
        while white(i) {
            i += 1;
        }
        if name.is_empty() || tag.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        while white(i) {
            i += 1;
        }
        let quote = *tag.get(i)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value = &tag[i + 1..];
        let end = value.iter().position(|&b| b == quote)?;
        let value = &value[..end];
        if value.iter().any(u8::is_ascii_whitespace) {
            return None;
        }
        let k = match name {
            b"r" => 0,
            b"s" => 1,
            b"t" => 2,
            _ => 3,
        };
        if k < 3 && !decided[k] {
            decided[k] = true;
            found[k] = Some(value);
        }
        i += 1 + end + 1;
    }
    let [r, s, t] = found;
    Some(CellTag { r, s, t })
}

/// [`cell_tag`] for any tag, in one walk instead of one per name: each attribute is decided
/// at the first position where [`attribute_raw`] would stop for it, and no later position
/// changes it.
fn any_cell_tag(tag: &[u8]) -> CellTag<'_> {
    // `None` while undecided.
    let mut found: [Option<Option<&[u8]>>; 3] = [None; 3];
    let mut i = 1;
    while i + 1 < tag.len() {
        if tag[i - 1].is_ascii_whitespace() {
            let k = match tag[i] {
                b'r' => 0,
                b's' => 1,
                b't' => 2,
                _ => 3,
            };
            if let Some(slot) = found.get_mut(k).filter(|f| f.is_none()) {
                let rest = &tag[i..];
                let mut j = 1;
                while rest.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if rest.get(j) == Some(&b'=') {
                    *slot = Some(quoted_value(rest, j + 1));
                    if found.iter().all(Option::is_some) {
                        break;
                    }
                }
            }
        }
        i += 1;
    }
    let [r, s, t] = found.map(Option::flatten);
    CellTag { r, s, t }
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
                // Digits only (the parsers also take a sign), and never the character 0,
                // which XML does not permit: calamine refuses such a reference.
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    let decimal = entity.strip_prefix('#')?;
                    if !decimal.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    decimal.parse().ok()?
                };
                if code == 0 {
                    return None;
                }
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
    // The usual item, one run `<t>text</t>` with nothing to unescape: what the loop below
    // gives for it, formed without the intermediate copy.
    if let Some(inner) = xml
        .strip_prefix(b"<t>")
        .and_then(|r| r.strip_suffix(b"</t>"))
        && !inner.iter().any(|&b| matches!(b, b'<' | b'&' | b'\r'))
    {
        if holds_escape(inner) {
            return None;
        }
        let text = std::str::from_utf8(inner).ok()?;
        return Some(trim_run(text).to_owned());
    }
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
                out.push_str(trim_run(&text));
            }
            at += close + 4;
        }
    }
    Some(out)
}

/// Whether `text` holds `_x`, the start of the escapes spreadsheet programs write for
/// control characters: `str::contains("_x")` on the bytes, without setting up a substring
/// search for a text of a few bytes.
fn holds_escape(text: &[u8]) -> bool {
    text.windows(2).any(|pair| pair == b"_x")
}

/// A `<t>` run trimmed of ASCII white space as the cell reader trims it; a run whose first
/// and last bytes are not white space is returned as it is.
fn trim_run(text: &str) -> &str {
    let white = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(z)) if !white(a) && !white(z) => text,
        _ => text.trim_matches([' ', '\t', '\r', '\n']),
    }
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

/// The elements of a text item, in the shared-string table or inline in a cell: its text,
/// its runs with their properties, and phonetic runs.
const TEXT_ELEMENTS: &[&[u8]] = &[
    b"t",
    b"r",
    b"rPr",
    b"rPh",
    b"phoneticPr",
    b"rFont",
    b"charset",
    b"family",
    b"b",
    b"i",
    b"strike",
    b"outline",
    b"shadow",
    b"condense",
    b"extend",
    b"color",
    b"sz",
    b"u",
    b"vertAlign",
    b"scheme",
];

/// Whether a shared-string table is written so that our reading of its items is
/// calamine's: UTF-8, every tag's quotes closed, and every tag naming an element of the
/// table (the table, items, runs and their properties, phonetic runs) or the declaration,
/// so the items are where both readers find them.
fn shared_table_is_sound(xml: &[u8]) -> bool {
    const KNOWN: &[&[u8]] = &[b"?xml", b"sst", b"si"];
    if std::str::from_utf8(xml).is_err() {
        return false;
    }
    let mut open: Vec<&[u8]> = Vec::new();
    let mut at = 0;
    while let Some(p) = xml[at..].iter().position(|&b| b == b'<') {
        let start = at + p;
        let Some(gt) = xml[start..].iter().position(|&b| b == b'>') else {
            return false;
        };
        let tag = &xml[start + 1..start + gt];
        let tag = tag.strip_suffix(b"?").unwrap_or(tag);
        let name = xml_name(tag);
        if !quotes_close(tag) || !(KNOWN.contains(&name) || TEXT_ELEMENTS.contains(&name)) {
            return false;
        }
        // Elements nest: each end tag closes the latest open element.
        if tag.starts_with(b"/") {
            if open.pop() != Some(name) {
                return false;
            }
        } else if !tag.ends_with(b"/") && name != b"?xml" {
            open.push(name);
        }
        at = start + gt + 1;
    }
    open.is_empty()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut at = 0;
    while let Some(p) = haystack.get(at..)?.iter().position(|&b| b == first) {
        let i = at + p;
        if starts_with(&haystack[i..], needle) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// Where the first `</c>` begins in `xml`, the text after a cell's opening tag. The usual
/// cell, `<v>…</v></c>`, is closed at the first `<` after its `<v>` followed by `/v></c>`:
/// the only `<` before it is the `<v>`'s own, so no `</c>` begins earlier.
fn cell_close(xml: &[u8]) -> Option<usize> {
    if let Some(value) = xml.strip_prefix(b"<v>")
        && let Some(lt) = value.iter().position(|&b| b == b'<')
        && starts_with(&value[lt..], b"</v></c>")
    {
        return Some(3 + lt + 4);
    }
    find(xml, b"</c>")
}

/// `haystack.starts_with(needle)` for the short needles of the tag scans, compared in place
/// rather than through a library call per candidate.
#[inline]
fn starts_with(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack.iter().zip(needle).all(|(a, b)| a == b)
}

/// Text with its leading and trailing white space (as `str::trim` sees it) removed; text
/// whose first and last bytes are ASCII and not white space is returned as it is without
/// decoding it from both ends. (Every non-ASCII white space character is encoded in bytes of
/// 0x80 and above, and an ASCII byte is always a whole character.)
pub(crate) fn trim(text: &str) -> &str {
    let clear = |b: u8| b.is_ascii() && !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&a), Some(&z)) if clear(a) && clear(z) => text,
        _ => text.trim(),
    }
}

/// A run of `u32` digits as `str::parse::<u32>` reads them (an optional `+`, at least one
/// digit, no overflow), without checking the bytes as UTF-8 first.
fn parse_u32(text: &[u8]) -> Option<u32> {
    let digits = text.strip_prefix(b"+").unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(n)
}

/// A shared-string or style index: digits only. Calamine reads any other text (`+5`) as
/// index 0, so such a cell is not plain and is left to it.
fn parse_index(text: &[u8]) -> Option<u32> {
    if text.first() == Some(&b'+') {
        return None;
    }
    parse_u32(text)
}

/// Whether a text is made of digits, signs, `.`, `e` and `E` only and `str::parse::<f64>`
/// accepts it: `[+-]? (d+ | d+ . d* | d* . d+) ([eE] [+-]? d+)?`, the parser's grammar
/// without the words `inf`, `infinity` and `nan`.
fn is_float_text(text: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while text.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if matches!(text.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if text.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(text.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(text.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == text.len()
}

/// `B17` → (16, 1), zero-based.
pub(crate) fn parse_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let mut col: u32 = 0;
    for &b in &r[..letters] {
        col = col.checked_mul(26)?.checked_add(u32::from(b - b'A') + 1)?;
    }
    let row = parse_u32(&r[letters..])?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// Consecutive rows naming one key, not yet entered in [`Scanner::keys`].
struct KeyRun {
    key: String,
    last_row: u32,
    /// Whether more than one row of the run names it.
    repeated: bool,
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
    /// The plain cells with a value so far (see [`SheetScan::cells`]).
    cells: u64,
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
    /// The key of the latest rows, entered in `keys` when another key comes.
    run: Option<KeyRun>,
    repeated: std::collections::HashSet<String>,
    exact: bool,
    merged: Vec<Region>,
    /// Where the pass is in the sheet: cells count only inside `<sheetData>`.
    sheet_data: SheetData,
    /// An `&` in the text between tags whose `;` has not come yet (the text was cut by the
    /// end of the bytes read so far).
    open_reference: bool,
    /// Elements open (cells written the usual way left out: they close themselves).
    depth: u32,
}

/// Whether a tag (after its `<`, opening or closing) names with a prefix (`x:c`) an element
/// calamine's cell reader reads by its local name: the passes and our reader know the
/// usual names only.
fn is_prefixed_cell_element(tag: &[u8]) -> bool {
    let name = xml_name(tag);
    let Some(colon) = name.iter().position(|&b| b == b':') else {
        return false;
    };
    matches!(
        &name[colon + 1..],
        b"sheetData" | b"row" | b"c" | b"v" | b"f" | b"is" | b"t" | b"r" | b"dimension"
    )
}

/// A tag's name as an XML reader takes it (after its `<`, opening or closing): up to the
/// first white space, the `/` of an empty element left out. A `/` inside (`<c/r="A1">`)
/// makes another name than the one the passes see.
fn xml_name(tag: &[u8]) -> &[u8] {
    let tag = tag.strip_prefix(b"/").unwrap_or(tag);
    let tag = tag.strip_suffix(b"/").unwrap_or(tag);
    let len = tag
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(tag.len());
    &tag[..len]
}

/// A tag calamine reads otherwise than the passes and our reader would: a name with a `/`
/// inside or none, a comment, a character data section or a declaration (`<!`), or a
/// prefixed cell element.
fn is_unusual_tag(tag: &[u8]) -> bool {
    let name = xml_name(tag);
    name.is_empty()
        || name.contains(&b'/')
        || name.starts_with(b"!")
        || is_prefixed_cell_element(tag)
}

/// Whether every tag in a cell's body names an element a cell holds (value, formula, inline
/// text and its runs with their properties). Calamine refuses a cell holding another element,
/// or a tag whose name does not follow its `<` (`<\nv>`), where the readers of plain cells
/// would skip it; `<![CDATA[` and comments are left to calamine too.
fn body_has_known_elements(body: &[u8]) -> bool {
    const KNOWN: &[&[u8]] = &[b"v", b"f", b"is"];
    let mut at = 0;
    while let Some(p) = body[at..].iter().position(|&b| b == b'<') {
        let tag = &body[at + p + 1..];
        let tag = tag.strip_prefix(b"/").unwrap_or(tag);
        let name_len = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
            .unwrap_or(tag.len());
        let name = &tag[..name_len];
        if !(KNOWN.contains(&name) || TEXT_ELEMENTS.contains(&name)) {
            return false;
        }
        at += p + 1;
    }
    true
}

/// Whether a tag (after its `<`) closes `<sheetData>` as calamine's reader takes it: the
/// name after `</`, less trailing white space, is `sheetData`.
fn closes_sheet_data(tag: &[u8]) -> bool {
    tag.strip_prefix(b"/")
        .is_some_and(|name| name.trim_ascii_end() == b"sheetData")
}

/// Whether every element opened in a cell's body is closed there, and no closing tag comes
/// before its opening one: otherwise the pass's count of open elements would not follow the
/// XML reader's, so such a cell is left to calamine.
fn is_balanced(body: &[u8]) -> bool {
    let mut open = 0u32;
    let mut at = 0;
    while let Some(p) = memchr::memchr(b'<', &body[at..]) {
        let tag = &body[at + p + 1..];
        let end = memchr::memchr(b'>', tag).unwrap_or(tag.len());
        match tag.first() {
            Some(b'/') if open == 0 => return false,
            Some(b'/') => open -= 1,
            Some(b'?' | b'!') => {}
            _ if tag[..end].ends_with(b"/") => {}
            _ => open += 1,
        }
        at += p + 1;
    }
    open == 0
}

/// Whether some `&` in `bytes` is not closed by a `;` before the next `&` or `<` or the end:
/// the XML reader under calamine refuses one in text (see [`Scanner::text`]). Also true of
/// one in a quoted value, which that reader lets through; a cell holding one is left to
/// calamine all the same, which reads it as it would.
fn has_bare_ampersand(bytes: &[u8]) -> bool {
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'&', &bytes[at..]) {
        let after = at + i + 1;
        match memchr::memchr3(b';', b'&', b'<', &bytes[after..]) {
            Some(j) if bytes[after + j] == b';' => at = after + j + 1,
            _ => return true,
        }
    }
    false
}

/// Whether every quoted value in a tag (after its `<`, before its first `>`) is closed.
fn quotes_close(tag: &[u8]) -> bool {
    let mut open: Option<u8> = None;
    for &b in tag {
        match open {
            Some(q) if b == q => open = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => open = Some(b),
            None => {}
        }
    }
    open.is_none()
}

/// Whether text fed in pieces of any size is UTF-8: a character cut by the end of a piece
/// is completed from the next.
#[derive(Debug, Default)]
struct Utf8Check {
    /// The start of a character cut by the end of the last piece, and its length.
    pending: ([u8; 4], usize),
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, mut piece: &[u8]) {
        if self.invalid {
            return;
        }
        let (start, n) = &mut self.pending;
        while *n > 0 {
            let Some((&b, rest)) = piece.split_first() else {
                return;
            };
            start[*n] = b;
            *n += 1;
            piece = rest;
            match std::str::from_utf8(&start[..*n]) {
                Ok(_) => *n = 0,
                Err(e) if e.error_len().is_some() => {
                    self.invalid = true;
                    return;
                }
                Err(_) => {}
            }
        }
        match std::str::from_utf8(piece) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => {
                let cut = &piece[e.valid_up_to()..];
                start[..cut.len()].copy_from_slice(cut);
                *n = cut.len();
            }
            Err(_) => self.invalid = true,
        }
    }

    fn is_valid(&self) -> bool {
        !self.invalid && self.pending.1 == 0
    }
}

/// Where a pass is relative to the sheet's `<sheetData>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetData {
    Before,
    Inside,
    After,
}

impl<'s> Scanner<'s> {
    fn new(
        limits: &WorkbookLimits,
        plain_styles: &'s [bool],
        shared: Option<&'s [Option<String>]>,
        header: Option<HeaderRule<'s>>,
    ) -> Scanner<'s> {
        Scanner {
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
            beyond: false,
            plain_styles,
            plain: true,
            cells: 0,
            shared,
            header,
            key_col: None,
            rows_seen: 0,
            row: 0,
            col: None,
            row_cells: Vec::new(),
            row_of_cells: None,
            keys: HashMap::new(),
            run: None,
            repeated: Default::default(),
            exact: true,
            merged: Vec::new(),
            sheet_data: SheetData::Before,
            open_reference: false,
            depth: 0,
        }
    }
}

impl Scanner<'_> {
    /// Reads the complete elements at the front of `xml`; returns how many bytes it used.
    fn feed(&mut self, xml: &[u8], last: bool) -> usize {
        let mut at = 0;
        loop {
            let Some(p) = xml[at..].iter().position(|&b| b == b'<') else {
                self.text(&xml[at..]);
                return xml.len();
            };
            let start = at + p;
            if p > 0 {
                // Text between tags: in a sheet usually none, or white space.
                self.text(&xml[at..start]);
            }
            if self.open_reference {
                // The text ends at this `<` inside a reference.
                self.open_reference = false;
                self.unusual();
            }
            // A cell written the usual way is cut in one walk into what the general path
            // below finds in it: its place, its attributes and its body.
            if let Some(frame) = usual_cell_frame(&xml[start..]) {
                self.col = Some(frame.col);
                self.usual_cell(&frame);
                at = start + frame.len;
                continue;
            }
            let Some(gt) = xml[start..].iter().position(|&b| b == b'>') else {
                return if last { xml.len() } else { start };
            };
            let end = start + gt;
            let tag = &xml[start + 1..end];
            if !quotes_close(tag) || is_unusual_tag(tag) {
                // The tag's `>` is inside a quoted value (calamine reads past it), or a name
                // calamine reads otherwise.
                self.unusual();
            }
            // The XML reader under calamine refuses a closing tag with no element open.
            match tag.first() {
                Some(b'/') if self.depth == 0 => self.unusual(),
                Some(b'/') => self.depth -= 1,
                Some(b'?' | b'!') => {}
                _ if tag.ends_with(b"/") => {}
                _ => self.depth += 1,
            }
            let name_len = tag
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/')
                .unwrap_or(tag.len());
            match &tag[..name_len] {
                b"row" => {
                    self.end_row();
                    let r = attribute_raw(tag, b"r");
                    // A row written `<row r="…` (the usual way) gives calamine's reader the
                    // same first pair, `r`, up to the same quote, and it reads no further.
                    if !tag.starts_with(b"row r=\"") && calamine_attributes(tag, [b"r"]) != Ok([r])
                    {
                        self.unusual();
                    }
                    let number = r.and_then(|r| parse_u32(r)?.checked_sub(1));
                    if r.is_some() && number.is_none() {
                        // Calamine refuses a row number it cannot read, or reads it otherwise.
                        self.unusual();
                    }
                    self.row = match number {
                        Some(r) => r,
                        None if self.rows_seen == 0 && self.row_of_cells.is_none() => 0,
                        None => self.row + 1,
                    };
                    self.col = None;
                    at = end + 1;
                }
                b"c" => {
                    if self.sheet_data != SheetData::Inside {
                        self.unusual();
                    }
                    let self_closing = tag.ends_with(b"/");
                    let attributes = cell_tag(tag);
                    let CellTag { r, s, t } = attributes;
                    if calamine_attributes(tag, [b"r", b"s", b"t"]) != Ok([r, s, t]) {
                        self.unusual();
                    }
                    let place = attributes.r.and_then(parse_ref);
                    if attributes.r.is_some() && place.is_none() {
                        // Calamine refuses a reference it cannot read (`A1:B2`, `A0`), or
                        // reads it otherwise (`a1`).
                        self.unusual();
                    }
                    let (row, col) = match place {
                        Some(rc) => rc,
                        None => (self.row, self.col.map_or(0, |c| c + 1)),
                    };
                    self.col = Some(col);
                    if self_closing {
                        // Checked as a cell with an empty body, as the reader reads it: a
                        // number, text or boolean without a value is an empty cell, but
                        // inline text or a formula's string without one is not plain.
                        if self.plain {
                            self.count_plain(plain_value(
                                &attributes,
                                b"",
                                self.shared,
                                self.plain_styles,
                                false,
                            ));
                        }
                        at = end + 1;
                        continue;
                    }
                    let body = end + 1;
                    let Some(close) = cell_close(&xml[body..]) else {
                        if last {
                            return xml.len();
                        }
                        // The cell is read again, whole, from its `<c` with the next bytes.
                        self.depth -= 1;
                        return start;
                    };
                    self.cell(&attributes, row, col, &xml[body..body + close]);
                    // The cell's `</c>`.
                    self.depth -= 1;
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
                b"sheetData" => {
                    // A second `<sheetData>`: calamine reads the first only.
                    if self.sheet_data != SheetData::Before {
                        self.unusual();
                    }
                    self.sheet_data = if tag.ends_with(b"/") {
                        SheetData::After
                    } else {
                        SheetData::Inside
                    };
                    at = end + 1;
                }
                b"" if tag.starts_with(b"/sheetData") => {
                    if closes_sheet_data(tag) {
                        self.sheet_data = SheetData::After;
                    } else {
                        // Another name (`</sheetData9<pageMargins …>`), which does not end
                        // calamine's reading.
                        self.unusual();
                    }
                    at = end + 1;
                }
                b"dimension" => {
                    // Calamine's reader refuses a dimension it cannot read.
                    let reference = attribute_raw(tag, b"ref");
                    let readable = calamine_attributes(tag, [b"ref"]) == Ok([reference])
                        && reference.is_some_and(|r| {
                            let mut parts = r.split(|&b| b == b':');
                            parts.next().and_then(parse_ref).is_some()
                                && parts.next().is_none_or(|b| parse_ref(b).is_some())
                                && parts.next().is_none()
                        });
                    if !readable {
                        self.unusual();
                    }
                    at = end + 1;
                }
                _ => {
                    if is_unusual_tag(tag) {
                        self.unusual();
                    }
                    at = end + 1;
                }
            }
        }
    }

    /// Text between tags, whole or a piece of it cut by the end of the bytes read so far. An
    /// `&` must open a reference closed by `;` before the next `&` or `<`, as the XML reader
    /// under calamine requires (it refuses the sheet otherwise, wherever the text is: before
    /// the cells, between rows or cells, in a cell beside its value); the passes and our
    /// reader skip such text, so a sheet holding a bare `&` is left to calamine.
    fn text(&mut self, mut text: &[u8]) {
        loop {
            if self.open_reference {
                match memchr::memchr2(b';', b'&', text) {
                    Some(i) => {
                        self.open_reference = false;
                        if text[i] == b'&' {
                            self.unusual();
                        }
                        text = &text[i + 1..];
                    }
                    None => return,
                }
            }
            match memchr::memchr(b'&', text) {
                Some(i) => {
                    self.open_reference = true;
                    text = &text[i + 1..];
                }
                None => return,
            }
        }
    }

    /// Something calamine reads otherwise than our reader and this pass would: the sheet is
    /// left to calamine, and its keys to the reading.
    fn unusual(&mut self) {
        self.plain = false;
        self.exact = false;
    }

    fn cell(&mut self, tag: &CellTag<'_>, row: u32, col: u32, body: &[u8]) {
        if !body_has_known_elements(body) || has_bare_ampersand(body) || !is_balanced(body) {
            self.unusual();
        }
        if self.plain {
            self.count_plain(plain_value(
                tag,
                body,
                self.shared,
                self.plain_styles,
                false,
            ));
        }
        if self.wants(row, col) {
            let value = scan_value(tag, body, self.shared);
            self.keep(row, col, value);
        }
    }

    /// [`Scanner::cell`] for a cell written the usual way, checked and read from its frame
    /// ([`usual_frame_is_plain`], and inline text by its one run) instead of by the general
    /// searches of its body.
    fn usual_cell(&mut self, frame: &UsualFrame<'_>) {
        if self.sheet_data != SheetData::Inside {
            // Calamine reads the cells of `<sheetData>` only.
            self.unusual();
        }
        if self.plain {
            // A usual cell always has a value: plain, it is counted.
            if usual_frame_is_plain(frame, self.shared, self.plain_styles) {
                self.cells += 1;
            } else {
                self.plain = false;
            }
        }
        if self.wants(frame.row, frame.col) {
            let value = usual_frame_value(frame, self.shared);
            self.keep(frame.row, frame.col, value);
        }
    }

    /// Notes what [`plain_value`] found of a cell: not plain, empty (the reader skips it), or
    /// a value the reader counts.
    fn count_plain(&mut self, value: Result<PlainValue<'_>, ()>) {
        match value {
            Ok(PlainValue::Empty) => {}
            Ok(_) => self.cells += 1,
            Err(()) => self.plain = false,
        }
    }

    /// Whether the pass keeps the value of the cell at (`row`, `col`): the key column's, or
    /// every cell's in the first rows while the header is sought; none past the caps.
    fn wants(&mut self, row: u32, col: u32) -> bool {
        if row >= self.max_rows || col >= self.max_columns {
            self.beyond = true;
            self.exact = false;
        }
        if self.beyond {
            return false;
        }
        match self.key_col {
            None => self.rows_seen < 20,
            Some(k) => k == col,
        }
    }

    /// Keeps a wanted cell's value (`None`: an empty cell) in its row.
    fn keep(&mut self, row: u32, col: u32, value: Option<ScanValue>) {
        let Some(value) = value else { return };
        if self.row_of_cells.is_some_and(|r| r != row) {
            self.end_row();
        }
        self.row_of_cells = Some(row);
        self.row_cells.push((col, value));
    }

    /// Notes that `row` names `key`. A project's rows usually follow each other, so the key
    /// of the rows just read is held apart and entered in `keys` once, when another key comes
    /// or the sheet ends: one lookup per run of rows rather than one per row.
    fn key(&mut self, key: &str, row: u32) {
        if let Some(run) = &mut self.run
            && run.key == key
        {
            run.last_row = row;
            run.repeated = true;
            return;
        }
        self.end_run();
        self.run = Some(KeyRun {
            key: key.to_owned(),
            last_row: row,
            repeated: false,
        });
    }

    /// Enters the run of rows of one key in `keys` (and in `repeated` when more than one row
    /// names the key).
    fn end_run(&mut self) {
        let Some(run) = self.run.take() else {
            return;
        };
        match self.keys.entry(run.key) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                self.repeated.insert(seen.key().clone());
                seen.insert(run.last_row);
            }
            std::collections::hash_map::Entry::Vacant(new) => {
                if run.repeated {
                    self.repeated.insert(new.key().clone());
                }
                new.insert(run.last_row);
            }
        }
    }

    fn end_row(&mut self) {
        let Some(row) = self.row_of_cells.take() else {
            return;
        };
        // Put back (emptied) below, so the row's buffer is reused.
        let mut cells = std::mem::take(&mut self.row_cells);
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
                        let t = trim(t);
                        if !t.is_empty() {
                            self.key(t, row);
                        }
                    }
                    Some(ScanValue::Number(n)) => match crate::import::decimal_from_f64(*n) {
                        Some(d) => self.key(&d.normalize().to_string(), row),
                        None => self.exact = false,
                    },
                    Some(ScanValue::Other) => self.exact = false,
                }
            }
        }
        cells.clear();
        self.row_cells = cells;
    }
}

/// A cell's value as the quick pass reads it; `None` for an empty cell (no value and no formula).
fn scan_value(
    tag: &CellTag<'_>,
    body: &[u8],
    shared: Option<&[Option<String>]>,
) -> Option<ScanValue> {
    let kind = tag.t.unwrap_or(b"n");
    let formula = find(body, b"<f").is_some();
    let v = find(body, b"<v>").and_then(|s| {
        let rest = &body[s + 3..];
        find(rest, b"</v>").map(|e| &rest[..e])
    });
    Some(match kind {
        b"s" => {
            let v = v?;
            if v.is_empty() {
                return None;
            }
            // Calamine reads an index it cannot parse as 0: not a key the pass can know.
            let Some(index) = parse_index(v) else {
                return Some(ScanValue::Other);
            };
            match shared.and_then(|s| s.get(index as usize)) {
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
            let styled = tag.s.is_some_and(|s| s != b"0");
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

/// [`scan_value`] of a cell written the usual way: inline text by its one run (no formula,
/// the one item `scan_value` finds in `<is><t>…</t></is>`), any other by [`scan_value`].
fn usual_frame_value(
    frame: &UsualFrame<'_>,
    shared: Option<&[Option<String>]>,
) -> Option<ScanValue> {
    if frame.tag.t == Some(b"inlineStr") {
        return Some(match string_item(&frame.body[4..frame.body.len() - 5]) {
            Some(text) => ScanValue::Text(text),
            None => ScanValue::Other,
        });
    }
    scan_value(&frame.tag, frame.body, shared)
}

/// A plain cell's value as it lies in the sheet's XML, before it is made a [`CellValue`].
enum PlainValue<'x> {
    /// An empty cell the calamine reader skips.
    Empty,
    /// Shared text.
    Shared(&'x str),
    /// Inline text, formed only when asked for (see [`plain_cell`]).
    Inline(Option<String>),
    Bool(bool),
    /// A number's text, which `str::parse::<f64>` accepts.
    Number(&'x [u8]),
}

/// The value the calamine reader gives a plain cell (shared or inline text, a boolean, a
/// number in a plain number format, no formula) (`Ok(None)`: an empty cell it skips), or
/// `Err` when the cell is not plain.
fn plain_cell(
    tag: &CellTag<'_>,
    body: &[u8],
    shared: Option<&[Option<String>]>,
    plain_styles: &[bool],
) -> Result<Option<CellValue>, ()> {
    Ok(match plain_value(tag, body, shared, plain_styles, true)? {
        PlainValue::Empty => None,
        PlainValue::Shared(text) => Some(CellValue::Text(text.to_owned())),
        PlainValue::Inline(text) => Some(CellValue::Text(text.ok_or(())?)),
        PlainValue::Bool(b) => Some(CellValue::Bool(b)),
        PlainValue::Number(text) => {
            let text = std::str::from_utf8(text).map_err(|_| ())?;
            Some(CellValue::Number(text.parse::<f64>().map_err(|_| ())?))
        }
    })
}

/// Whether a cell is plain (see [`plain_cell`]), decided as [`plain_cell`] decides it but
/// without forming its value: the general path the frame's checks are tested against.
#[cfg(test)]
fn is_plain_cell(
    tag: &CellTag<'_>,
    body: &[u8],
    shared: Option<&[Option<String>]>,
    plain_styles: &[bool],
) -> bool {
    plain_value(tag, body, shared, plain_styles, false).is_ok()
}

/// The checks of [`plain_cell`]; inline text is formed only when `inline_text` asks for it
/// (its checks are made either way).
fn plain_value<'x>(
    tag: &CellTag<'_>,
    body: &'x [u8],
    shared: Option<&'x [Option<String>]>,
    plain_styles: &[bool],
    inline_text: bool,
) -> Result<PlainValue<'x>, ()> {
    // The usual body, `<v>…</v>` with no other tag in it: what the general search below
    // finds in it (no `<f`, the value between the first `<v>` and the first `</v>`).
    let v = if let Some(inner) = body
        .strip_prefix(b"<v>")
        .and_then(|r| r.strip_suffix(b"</v>"))
        && !inner.contains(&b'<')
    {
        Some(inner)
    } else {
        if find(body, b"<f").is_some() {
            return Err(());
        }
        match find(body, b"<v>") {
            Some(s) => {
                let rest = &body[s + 3..];
                Some(&rest[..find(rest, b"</v>").ok_or(())?])
            }
            None if find(body, b"<v").is_some() => return Err(()),
            None => None,
        }
    };
    // Calamine reads inline text whatever the cell's type says.
    if tag.t != Some(b"inlineStr") && find(body, b"<is").is_some() {
        return Err(());
    }
    match tag.t {
        Some(b"s") => {
            let Some(v) = v else {
                return Ok(PlainValue::Empty);
            };
            let index = parse_index(v).ok_or(())? as usize;
            match shared.and_then(|s| s.get(index)) {
                Some(Some(text)) => Ok(PlainValue::Shared(text)),
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
            let text = string_item(&rest[..end]).ok_or(())?;
            Ok(PlainValue::Inline(inline_text.then_some(text)))
        }
        Some(b"b") => {
            let Some(v) = v else {
                return Ok(PlainValue::Empty);
            };
            match v {
                b"1" => Ok(PlainValue::Bool(true)),
                b"0" => Ok(PlainValue::Bool(false)),
                _ => Err(()),
            }
        }
        None | Some(b"n") => {
            let Some(v) = v else {
                return Ok(PlainValue::Empty);
            };
            if let Some(style) = tag.s {
                let index = parse_index(style).ok_or(())? as usize;
                if !plain_styles.get(index).copied().unwrap_or(false) {
                    return Err(());
                }
            }
            // Digits, signs, `.`, `e` and `E` only, in a form the parser accepts (so not the
            // words `inf` and `nan`, which the calamine reader does not give as numbers).
            if !is_float_text(v) {
                return Err(());
            }
            Ok(PlainValue::Number(v))
        }
        _ => Err(()),
    }
}

/// [`is_plain_cell`] of a cell written the usual way, from what its frame already holds: the
/// value between `<v>` and `</v>` (which holds no `<`, so `plain_value` takes it without its
/// searches), the style's index as read in the walk, and for inline text the one run, whose
/// text is checked as [`string_item`] checks it without being copied.
fn usual_frame_is_plain(
    frame: &UsualFrame<'_>,
    shared: Option<&[Option<String>]>,
    plain_styles: &[bool],
) -> bool {
    let body = frame.body;
    match frame.tag.t {
        Some(b"inlineStr") => {
            // `<is><t>text</t></is>`: `string_item`'s quick path for a run with nothing to
            // unescape, else the item itself.
            let item = &body[4..body.len() - 5];
            let text = &item[3..item.len() - 4];
            if text.iter().any(|&b| matches!(b, b'&' | b'\r')) {
                return string_item(item).is_some();
            }
            !holds_escape(text) && std::str::from_utf8(text).is_ok()
        }
        t => {
            let v = &body[3..body.len() - 4];
            match t {
                Some(b"s") => matches!(
                    parse_index(v).and_then(|i| shared?.get(i as usize)),
                    Some(Some(_))
                ),
                Some(b"b") => v == b"1" || v == b"0",
                _ => {
                    // No `t`, or `n` (the frame admits no other type).
                    (frame.tag.s.is_none() || plain_styles.get(frame.style as usize) == Some(&true))
                        && is_float_text(v)
                }
            }
        }
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
        self.read_rows_owned(name, cells_read, |cells| f(cells))
    }

    /// As [`Archive::read_rows`], each call getting the row's cells to keep: `f` may take
    /// them (the reader then starts the next row in a new vector).
    pub(crate) fn read_rows_owned(
        &mut self,
        name: &str,
        cells_read: &std::sync::atomic::AtomicU64,
        mut f: impl FnMut(&mut Vec<crate::safety::Cell>) -> Result<(), Error>,
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
        let mut window = Window::new();
        let mut inflated: u64 = 0;
        let mut last = false;
        let mut finished = false;
        loop {
            if !last {
                let n = window.fill(&mut reader).map_err(|e| {
                    Error::new("corrupt_archive", format!("the file is damaged: {e}"))
                })?;
                inflated += n as u64;
                if inflated > cap {
                    return Err(crate::safety::entry_too_large(&path, cap));
                }
                if n == 0 {
                    last = true;
                }
            }
            let buffer = window.data();
            let mut at = 0;
            loop {
                let Some(p) = buffer[at..].iter().position(|&b| b == b'<') else {
                    at = buffer.len();
                    break;
                };
                let start = at + p;
                // A cell written the usual way is read in one walk; any other tag, or a cell
                // cut by the end of the buffer, takes the general path.
                let (row, col, value, next) = if let Some(cell) =
                    usual_cell(&buffer[start..], shared, styles)
                {
                    (cell.row, cell.col, cell.value, start + cell.len)
                } else {
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
                            let r =
                                attribute_raw(tag, b"r").and_then(|r| parse_u32(r)?.checked_sub(1));
                            state.row = match r {
                                Some(r) => r,
                                None if !state.rows_started => 0,
                                None => state.row + 1,
                            };
                            state.rows_started = true;
                            state.col = None;
                            at = end + 1;
                            continue;
                        }
                        b"c" => {
                            let attributes = cell_tag(tag);
                            let (row, col) = match attributes.r.and_then(parse_ref) {
                                Some(rc) => rc,
                                None => (state.row, state.col.map_or(0, |c| c + 1)),
                            };
                            let (body, next) = if tag.ends_with(b"/") {
                                (&buffer[end..end], end + 1)
                            } else {
                                let body = end + 1;
                                match cell_close(&buffer[body..]) {
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
                            let value = plain_cell(&attributes, body, shared, styles);
                            (row, col, value, next)
                        }
                        b"" if closes_sheet_data(tag) => {
                            // Calamine's reader ends here; the pass made sure nothing after
                            // it is a cell.
                            at = buffer.len();
                            finished = true;
                            break;
                        }
                        _ => {
                            at = end + 1;
                            continue;
                        }
                    }
                };
                state.col = Some(col);
                let value = value.map_err(|()| {
                    Error::new("corrupt_workbook", "the workbook changed while it was read")
                })?;
                at = next;
                let Some(value) = value else { continue };
                if row >= limits.max_rows || col >= limits.max_columns {
                    return Err(crate::safety::out_of_bounds(name, row, col, &limits));
                }
                let read = cells_read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if read > limits.max_cells {
                    return Err(crate::safety::too_many_cells(&limits));
                }
                if state.cells.first().is_some_and(|c| c.row != row) {
                    f(&mut state.cells)?;
                    state.cells.clear();
                }
                state.cells.push(crate::safety::Cell {
                    row,
                    col,
                    value,
                    formula: None,
                });
            }
            if finished {
                break;
            }
            if last && at < buffer.len() {
                // A tag the part ends inside: calamine's reader refuses such a part, and so
                // does this one, rather than read the rows before the cut as the sheet.
                return Err(Error::new(
                    "corrupt_workbook",
                    "the workbook could not be read: the sheet ends inside a tag",
                )
                .at(name.to_owned()));
            }
            window.consume(at);
            if last {
                break;
            }
        }
        if !state.cells.is_empty() {
            f(&mut state.cells)?;
        }
        Ok(())
    }
}

/// A cell [`usual_cell`] read: its place, its value as [`plain_cell`] gives it, and the
/// length of its XML from `<c` to the end of `</c>`.
struct UsualCell {
    row: u32,
    col: u32,
    value: Result<Option<CellValue>, ()>,
    len: usize,
}

/// A cell written the way spreadsheet programs usually write one, read in one walk: `xml`
/// begins with `<c r="B17"`, then optionally ` s="3"` and ` t="s"` (or `n`, `b`,
/// `inlineStr`), `>`, then `<v>value</v></c>`, or for inline text `<is><t>text</t></is></c>`,
/// the value and the text holding no `<`. `None` for anything else, including a cell the
/// buffer ends inside.
///
/// Why it reads what the general path reads: such a tag is what [`usual_cell_tag`] reads
/// pair by pair (its `r` read by [`parse_ref`]: one to three capital letters, then a row
/// number from 1 of at most nine digits, so neither overflows), the first `>` is the tag's
/// end, and the first `</c>` after it the one found here ([`cell_close`]), since the body
/// holds no other `<`; the value is then formed by [`plain_cell`] from the same attributes
/// and body, a plain number by [`simple_f64`] when it can be.
fn usual_cell(
    xml: &[u8],
    shared: Option<&[Option<String>]>,
    plain_styles: &[bool],
) -> Option<UsualCell> {
    let frame = usual_cell_frame(xml)?;
    let UsualFrame {
        row,
        col,
        ref tag,
        style,
        body,
        len,
    } = frame;
    let value = if tag.t == Some(b"inlineStr") {
        // `plain_value` finds no `<f` or `<v` in such a body and reads the one item
        // (`<t>…</t>` inside `<is>…</is>`).
        string_item(&body[4..body.len() - 5])
            .map(|text| Some(CellValue::Text(text)))
            .ok_or(())
    } else {
        let v = &body[3..body.len() - 4];
        // What `plain_value` gives for the usual body `<v>…</v>`, without its searches; a
        // number it would parse in full goes to it.
        match tag.t {
            Some(b"s") => match parse_index(v).and_then(|i| shared?.get(i as usize)) {
                Some(Some(text)) => Ok(Some(CellValue::Text(text.clone()))),
                _ => Err(()),
            },
            None | Some(b"n")
                if tag.s.is_none() || plain_styles.get(style as usize) == Some(&true) =>
            {
                match simple_f64(v) {
                    Some(x) => Ok(Some(CellValue::Number(x))),
                    None => plain_cell(tag, body, shared, plain_styles),
                }
            }
            _ => plain_cell(tag, body, shared, plain_styles),
        }
    };
    Some(UsualCell {
        row,
        col,
        value,
        len,
    })
}

/// The parts of a cell [`usual_cell`] reads, before its value: its place, its attributes, its
/// body (from after the tag's `>` to before `</c>`, as the general path cuts it) and the
/// length of its XML from `<c` to the end of `</c>`. `None` for a cell not written the usual
/// way (see [`usual_cell`]).
struct UsualFrame<'x> {
    row: u32,
    col: u32,
    tag: CellTag<'x>,
    /// The style index `s` names (0 when none).
    style: u32,
    body: &'x [u8],
    len: usize,
}

fn usual_cell_frame(xml: &[u8]) -> Option<UsualFrame<'_>> {
    let rest = xml.strip_prefix(b"<c r=\"")?;
    // The reference, read as `parse_ref` reads it: one to three letters cannot overflow the
    // column, nine digits cannot overflow the row.
    let mut i = 0;
    let mut col: u32 = 0;
    while let Some(&b) = rest.get(i)
        && b.is_ascii_uppercase()
        && i < 3
    {
        col = col * 26 + u32::from(b - b'A') + 1;
        i += 1;
    }
    let letters = i;
    let mut row: u32 = 0;
    while let Some(&b) = rest.get(i)
        && b.is_ascii_digit()
        && i - letters < 9
    {
        row = row * 10 + u32::from(b - b'0');
        i += 1;
    }
    if letters == 0 || i == letters || row == 0 || rest.get(i) != Some(&b'"') {
        return None;
    }
    let (row, col) = (row - 1, col - 1);
    let r = &rest[..i];
    i += 1;
    // The style, as `parse_u32` reads it: one to nine digits.
    let mut s = None;
    let mut style: u32 = 0;
    if starts_with(&rest[i..], b" s=\"") {
        i += 4;
        let start = i;
        while let Some(&b) = rest.get(i)
            && b.is_ascii_digit()
            && i - start < 9
        {
            style = style * 10 + u32::from(b - b'0');
            i += 1;
        }
        if i == start || rest.get(i) != Some(&b'"') {
            return None;
        }
        s = Some(&rest[start..i]);
        i += 1;
    }
    let mut t = None;
    if starts_with(&rest[i..], b" t=\"") {
        let start = i + 4;
        // The value up to the first quote, one of the usual types: decided by its first
        // letter and the quote after the type it names.
        let value = &rest[start..];
        let kind: &[u8] = match value.first()? {
            b's' => b"s",
            b'n' => b"n",
            b'b' => b"b",
            b'i' => b"inlineStr",
            _ => return None,
        };
        if !starts_with(value, kind) || value.get(kind.len()) != Some(&b'"') {
            return None;
        }
        t = Some(&value[..kind.len()]);
        i = start + kind.len() + 1;
    }
    if rest.get(i) != Some(&b'>') {
        return None;
    }
    let body_start = i + 1;
    let body = &rest[body_start..];
    let tag = CellTag { r: Some(r), s, t };
    let body_len = if t == Some(b"inlineStr") {
        let text = body.strip_prefix(b"<is><t>")?;
        let lt = position_of_lt(text)?;
        if !starts_with(&text[lt..], b"</t></is></c>") {
            return None;
        }
        7 + lt + 9
    } else {
        let v = body.strip_prefix(b"<v>")?;
        let lt = position_of_lt(v)?;
        if v[lt..].first_chunk::<8>() != Some(b"</v></c>") {
            return None;
        }
        3 + lt + 4
    };
    Some(UsualFrame {
        row,
        col,
        tag,
        style,
        body: &body[..body_len],
        len: 6 + body_start + body_len + 4,
    })
}

/// `bytes.iter().position(|&b| b == b'<')`, eight bytes at a time.
///
/// Why it finds the same byte: in `x = word ^ "<<<<<<<<"` a byte is zero exactly where the
/// word holds `<`, and `(x - 0x01…01) & !x & 0x80…80` sets the high bit of the lowest zero
/// byte and of no byte below it (a borrow starts only at a zero byte and runs upwards), so
/// the lowest set bit, read little-endian, marks the first `<`.
fn position_of_lt(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LTS: u64 = ONES * b'<' as u64;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*chunk) ^ LTS;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'<').map(|p| at + p)
}

/// `str::parse::<f64>` of a decimal `-?d+(.d+)?` of at most 15 digits, by one division
/// (Clinger's fast path); `None` for any other text.
///
/// Why it is the parser's value: the digits as an integer `m < 10¹⁵ < 2⁵³` and the power
/// `10ˢ` (`s ≤ 15`) are both exact doubles, so their quotient, rounded once to the nearest
/// double (ties to even) as IEEE division rounds, is the decimal's correctly rounded value,
/// which is what the parser returns; a minus sign is exact, `-0` included.
fn simple_f64(text: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut count = 0;
    let mut point = None;
    for (i, &b) in digits.iter().enumerate() {
        if b.is_ascii_digit() {
            m = m * 10 + u64::from(b - b'0');
            count += 1;
        } else if b == b'.' && point.is_none() && i > 0 && i + 1 < digits.len() {
            point = Some(i);
        } else {
            return None;
        }
    }
    if count > 15 {
        return None;
    }
    let scale = point.map_or(0, |p| digits.len() - p - 1);
    #[allow(clippy::cast_precision_loss)] // m < 10^15 < 2^53: exact
    let x = m as f64 / POWERS[scale];
    Some(if negative { -x } else { x })
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

/// Inflated bytes not yet used, read straight into a buffer kept for the whole entry, so
/// each byte is not copied from a separate chunk and only the unused tail is moved when
/// room is made.
struct Window {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl Window {
    /// Room made before each read.
    const ROOM: usize = 1 << 17;

    fn new() -> Window {
        Window {
            bytes: vec![0; 2 * Window::ROOM],
            start: 0,
            end: 0,
        }
    }

    /// The bytes read and not yet used.
    fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Marks the first `n` bytes of [`Window::data`] used.
    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    /// One read from `reader` after the data (at least [`Window::ROOM`] bytes of room, the
    /// unused tail moved to the front or the buffer grown by as much); `Ok(0)` at the end.
    fn fill(&mut self, reader: &mut impl Read) -> std::io::Result<usize> {
        if self.bytes.len() - self.end < Window::ROOM {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.bytes.len() - self.end < Window::ROOM {
                self.bytes.resize(self.end + Window::ROOM, 0);
            }
        }
        let n = reader.read(&mut self.bytes[self.end..])?;
        self.end += n;
        Ok(n)
    }
}

struct RowReader {
    row: u32,
    col: Option<u32>,
    rows_started: bool,
    cells: Vec<crate::safety::Cell>,
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// A small deterministic generator for the comparisons below (and the import's).
    pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// Random short texts over `alphabet`, with the edge cases first.
    fn texts(alphabet: &[u8], edge: &[&str], count: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut next = xorshift(seed);
        let mut out: Vec<Vec<u8>> = edge.iter().map(|t| t.as_bytes().to_vec()).collect();
        for _ in 0..count {
            let len = (next() % 9) as usize;
            out.push(
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect(),
            );
        }
        out
    }

    /// One division gives the parser's double, bit for bit, for every text it takes (amounts
    /// as spreadsheets write them, random digit strings up to 15 digits, zeros and signs),
    /// and it takes the amounts; texts of other shapes go to the parser.
    #[test]
    fn simple_decimals_are_read_as_the_parser_reads_them() {
        let edge = [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "1",
            "-1",
            "0.1",
            "0.024",
            "476065.87",
            "-3152754.13",
            "999999999999999",
            "99999999999999.9",
            "0.000000000000001",
            "9007199254740993",
            "1e5",
            ".5",
            "5.",
            "+5",
            "1.2.3",
            "--1",
            "",
            "-",
            "1234567890123456",
        ];
        let mut next = xorshift(0x5eed_f00d);
        let mut cases: Vec<Vec<u8>> = edge.iter().map(|t| t.as_bytes().to_vec()).collect();
        cases.extend(texts(b"0123456789.-", &[], 50_000, 11));
        for _ in 0..200_000 {
            let digits = 1 + (next() % 15) as usize;
            let mut text: Vec<u8> = (0..digits).map(|_| b'0' + (next() % 10) as u8).collect();
            let point = (next() % (digits as u64 + 1)) as usize;
            if point > 0 && point < digits {
                text.insert(point, b'.');
            }
            if next().is_multiple_of(2) {
                text.insert(0, b'-');
            }
            cases.push(text);
        }
        let mut taken = 0;
        for text in &cases {
            let parsed = std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<f64>().ok());
            if let Some(x) = simple_f64(text) {
                taken += 1;
                let y = parsed.expect("taken only where the parser reads it");
                assert_eq!(
                    x.to_bits(),
                    y.to_bits(),
                    "{}",
                    String::from_utf8_lossy(text)
                );
            }
        }
        for usual in ["476065.87", "-3152754.13", "0.024", "2046", "-0"] {
            assert!(simple_f64(usual.as_bytes()).is_some(), "{usual}");
        }
        for other in [
            "1e5",
            ".5",
            "5.",
            "+5",
            "1234567890123456",
            "0.0000000000000001",
        ] {
            assert!(simple_f64(other.as_bytes()).is_none(), "{other}");
        }
        assert!(taken > 150_000, "{taken} taken");
    }

    /// The one-walk reading of a usual cell gives the general path's place, value and end,
    /// on cells of every type the reader meets, with and without styles (plain and not),
    /// shared and inline text (escapes, spaces, a `_x` escape), numbers of every form, odd
    /// attribute orders and spellings, self-closed cells, and every cell cut short at each
    /// length (as the end of a buffer cuts it).
    #[test]
    fn usual_cells_are_read_and_cut_as_by_the_general_path() {
        type Read = (Option<(u32, u32)>, Result<Option<CellValue>, ()>, usize);
        // The general path of `Archive::read_rows_owned` for one cell at the start of `xml`:
        // `None` where it waits for more bytes.
        fn general(xml: &[u8], shared: &[Option<String>], styles: &[bool]) -> Option<Read> {
            let end = xml.iter().position(|&b| b == b'>')?;
            let tag = &xml[1..end];
            let attributes = cell_tag(tag);
            let place = attributes.r.and_then(parse_ref);
            let (body, next) = if tag.ends_with(b"/") {
                (&xml[end..end], end + 1)
            } else {
                let close = cell_close(&xml[end + 1..])?;
                (&xml[end + 1..end + 1 + close], end + 1 + close + 4)
            };
            Some((
                place,
                plain_cell(&attributes, body, Some(shared), styles),
                next,
            ))
        }
        let shared: Vec<Option<String>> = vec![
            Some("bench-000000".into()),
            Some("investment".into()),
            None,
            Some(" spaced ".into()),
        ];
        let styles = [true, true, false, true];
        let tags = [
            r#"<c r="A2""#,
            r#"<c r="F2" s="3""#,
            r#"<c r="AB17" s="2""#,
            r#"<c r="XFD1048576" s="1""#,
            r#"<c r="A2" t="s""#,
            r#"<c r="B9" s="1" t="s""#,
            r#"<c r="C3" t="n""#,
            r#"<c r="C3" s="0" t="b""#,
            r#"<c r="D4" t="inlineStr""#,
            r#"<c r="D4" s="3" t="inlineStr""#,
            r#"<c r="E5" t="str""#,
            r#"<c r="E5" t="e""#,
            r#"<c r="A0""#,
            r#"<c r="a1""#,
            r#"<c r="AAAA1""#,
            r#"<c r="A1234567890""#,
            r#"<c r="A+1""#,
            r#"<c r="A1" s="""#,
            r#"<c r="A1" s="x""#,
            r#"<c r="A1" s="99""#,
            r#"<c r="A1" s="+1""#,
            r#"<c r="A1" s="1234567890""#,
            r#"<c r="B2" s="1" t="b""#,
            r#"<c r="B2" t="inlineStr" s="1""#,
            r#"<c r="A1" t="s" s="1""#,
            r#"<c r="A1"  s="1""#,
            r#"<c r='A1'"#,
            r#"<c s="1" r="A1""#,
            r#"<c r="A1" s="1" r="B1""#,
            r#"<c r="A1" t="nn""#,
            r#"<c r="A1" t="bs""#,
            r#"<c r="A1" t="inline""#,
            r#"<c r="A1" t="inlineStrs""#,
            r#"<c r="A1" t="""#,
            r#"<c r="A1" t="S""#,
        ];
        let bodies = [
            "<v>476065.87</v></c>",
            "<v>-3152754.13</v></c>",
            "<v>0.024</v></c>",
            "<v>-0</v></c>",
            "<v>1</v></c>",
            "<v>0</v></c>",
            "<v>3</v></c>",
            "<v>2</v></c>",
            "<v>17</v></c>",
            "<v>1e-7</v></c>",
            "<v>1.0000000000000002</v></c>",
            "<v>inf</v></c>",
            "<v></v></c>",
            "<v>12</v><f>A1</f></c>",
            "<f>1+1</f><v>2</v></c>",
            "<is><t>bench-000000</t></is></c>",
            "<is><t> spaced &amp; &lt;odd&gt; </t></is></c>",
            "<is><t>a_x000D_b</t></is></c>",
            "<is><t xml:space=\"preserve\"> kept </t></is></c>",
            "<is><t>中文</t></is></c>",
            "<is><t></t></is></c>",
            "<is><r><t>two</t></r><r><t> runs</t></r></is></c>",
            "</c>",
            "<v>5</v></c >",
        ];
        let mut usual = 0;
        for tag in tags {
            for body in bodies {
                for closed in [true, false] {
                    let xml = if closed {
                        format!("{tag}/><c r=\"Z9\"><v>1</v></c>")
                    } else {
                        format!("{tag}>{body}<c r=\"Z9\"><v>1</v></c>")
                    };
                    let xml = xml.as_bytes();
                    for cut in 0..=xml.len() {
                        let part = &xml[..cut];
                        let Some(ours) = usual_cell(part, Some(&shared), &styles) else {
                            continue;
                        };
                        usual += 1;
                        let label = String::from_utf8_lossy(part);
                        let theirs = general(part, &shared, &styles).expect(&label);
                        assert_eq!(Some((ours.row, ours.col)), theirs.0, "{label}");
                        assert_eq!(ours.value, theirs.1, "{label}");
                        assert_eq!(ours.len, theirs.2, "{label}");
                        // The frame the quick pass uses: the general path's cut of the same
                        // cell (its attributes and its body).
                        let frame = usual_cell_frame(part).expect(&label);
                        let end = part.iter().position(|&b| b == b'>').expect(&label);
                        let attributes = cell_tag(&part[1..end]);
                        let close = cell_close(&part[end + 1..]).expect(&label);
                        assert_eq!(
                            (frame.tag.r, frame.tag.s, frame.tag.t),
                            (attributes.r, attributes.s, attributes.t),
                            "{label}"
                        );
                        assert_eq!(frame.body, &part[end + 1..end + 1 + close], "{label}");
                        assert_eq!(frame.len, end + 1 + close + 4, "{label}");
                        // The quick pass's check and value from the frame are the general ones.
                        for table in [Some(shared.as_slice()), None] {
                            assert_eq!(
                                usual_frame_is_plain(&frame, table, &styles),
                                is_plain_cell(&attributes, frame.body, table, &styles),
                                "{label}"
                            );
                            assert_eq!(
                                usual_frame_value(&frame, table),
                                scan_value(&attributes, frame.body, table),
                                "{label}"
                            );
                        }
                    }
                }
            }
        }
        // Many of these are usual cells: the comparison is not empty.
        assert!(usual > 500, "{usual} usual cells");
    }

    /// The search eight bytes at a time finds the first `<` that a plain search finds, in
    /// random texts of every length up to 40 with `<` and bytes near it in value.
    #[test]
    fn the_first_lt_is_found_as_by_a_plain_search() {
        let mut next = xorshift(0x5eed);
        let alphabet = [
            b'<', b'=', b';', b'>', b'\0', 0x01, 0x3d, 0xbc, 0xff, b'a', b'7',
        ];
        let mut found = 0;
        for _ in 0..200_000 {
            let len = (next() % 41) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    if next().is_multiple_of(6) {
                        b'<'
                    } else {
                        alphabet[(next() % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            let plain = text.iter().position(|&b| b == b'<');
            found += usize::from(plain.is_some());
            assert_eq!(position_of_lt(&text), plain, "{text:?}");
        }
        assert!(found > 100_000, "{found} texts hold a `<`");
    }

    /// The escape test is the substring search it stands for, over random short texts of
    /// `_`, `x` and other bytes.
    #[test]
    fn escapes_are_found_as_by_a_substring_search() {
        let mut next = xorshift(0xe5c);
        let alphabet = [b'_', b'x', b'X', b'0', 0xc3, b' '];
        for _ in 0..100_000 {
            let len = (next() % 12) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let plain = String::from_utf8_lossy(&text).contains("_x");
            assert_eq!(holds_escape(&text), plain, "{text:?}");
        }
    }

    /// The number check without parsing accepts exactly the texts of digits, signs, `.`, `e`
    /// and `E` that `str::parse::<f64>` accepts, over random short texts of those bytes and
    /// of others (the parser's words among them).
    #[test]
    fn float_texts_are_those_the_parser_accepts() {
        let edge = [
            "", "1", "-1", "+1", ".", "1.", ".1", "-.1", "+.", "1e5", "1e", "e5", "1e+5", "1e-",
            "1.5E-3", "--1", "1-", "1e5e5", "1.2.3", "-0", "00.00e00", "inf", "-inf", "NaN",
            "infinity", " 1", "1 ", "1_000",
        ];
        let mut accepted = 0;
        let samples = texts(b"0123456789+-.eE", &edge, 200_000, 7)
            .into_iter()
            .chain(texts(b"01.e-+infatyIN x_", &[], 200_000, 8));
        for text in samples {
            let allowed = text
                .iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
            let parsed = std::str::from_utf8(&text)
                .expect("ASCII")
                .parse::<f64>()
                .is_ok();
            assert_eq!(
                is_float_text(&text),
                allowed && parsed,
                "{:?}",
                String::from_utf8_lossy(&text)
            );
            accepted += usize::from(allowed && parsed);
        }
        assert!(accepted > 1_000, "{accepted}");
    }

    /// Row numbers and indexes read as `str::parse::<u32>` reads them.
    #[test]
    fn digits_are_read_as_the_parser_reads_them() {
        let edge = [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "4294967295",
            "4294967296",
            "007",
            "1+",
        ];
        for text in texts(b"0123456789+-a", &edge, 100_000, 11) {
            let expected = std::str::from_utf8(&text)
                .expect("ASCII")
                .parse::<u32>()
                .ok();
            assert_eq!(
                parse_u32(&text),
                expected,
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    /// The trims with their shortcut give what the library's trims give.
    #[test]
    fn trims_are_the_library_trims() {
        let edge = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{3000}",
            "\u{1c}a\u{1f}",
            "中",
            "\t\n",
        ];
        let mut next = xorshift(3);
        let pieces = [
            "a", " ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{a0}", "\u{2003}", "中", "\u{1c}", "_",
        ];
        let mut samples: Vec<String> = edge.iter().map(|t| (*t).to_owned()).collect();
        for _ in 0..50_000 {
            let len = next() % 6;
            samples.push(
                (0..len)
                    .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                    .collect(),
            );
        }
        for text in samples {
            assert_eq!(trim(&text), text.trim(), "{text:?}");
            assert_eq!(
                trim_run(&text),
                text.trim_matches([' ', '\t', '\r', '\n']),
                "{text:?}"
            );
        }
    }

    /// The window hands on every byte once and in order, whatever the sizes of the reads and
    /// of the parts used, including parts longer than its room.
    #[test]
    fn the_window_hands_on_every_byte_once() {
        struct Trickle<'a> {
            bytes: &'a [u8],
            next: Box<dyn FnMut() -> u64>,
        }
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = ((self.next)() as usize % 70_000)
                    .max(1)
                    .min(out.len())
                    .min(self.bytes.len());
                out[..n].copy_from_slice(&self.bytes[..n]);
                self.bytes = &self.bytes[n..];
                Ok(n)
            }
        }
        let mut next = xorshift(23);
        let input: Vec<u8> = (0..1_500_000).map(|_| (next() % 251) as u8).collect();
        let mut reader = Trickle {
            bytes: &input,
            next: Box::new(xorshift(29)),
        };
        let mut window = Window::new();
        let mut used = Vec::new();
        let mut choose = xorshift(31);
        loop {
            let n = window.fill(&mut reader).expect("reads");
            let data = window.data();
            // Sometimes nothing, sometimes all, sometimes a part (so tails build up).
            let take = match choose() % 4 {
                0 => 0,
                1 => data.len(),
                _ => (choose() as usize) % (data.len() + 1),
            };
            used.extend_from_slice(&data[..take]);
            window.consume(take);
            if n == 0 {
                used.extend_from_slice(window.data());
                break;
            }
        }
        assert_eq!(used, input);
    }

    /// The shortcut for the usual cell finds the cell's end where the plain search does.
    #[test]
    fn cells_close_where_the_plain_search_finds() {
        let edge = [
            "<v>1</v></c>",
            "<v>1</v></c><c>",
            "<v></v></c>",
            "<v>1</v>",
            "<v>1</c>",
            "<v>1</v></",
            "<f>1</f><v>2</v></c>",
            "</c>",
            "",
            "<v><v>1</v></c>",
        ];
        for piece in texts(b"<v/c>1f", &edge, 200_000, 19) {
            // As it is, and as the value of a usual cell followed by more.
            let usual = [b"<v>".as_slice(), &piece, b"</v></c>", &piece].concat();
            for text in [piece, usual] {
                assert_eq!(
                    cell_close(&text),
                    find(&text, b"</c>"),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    /// The shortcut for a single plain run gives what the general reading of an item gives.
    #[test]
    fn a_single_run_is_read_as_any_item() {
        /// `string_item` without its shortcut.
        fn general(xml: &[u8]) -> Option<String> {
            let wrapped = [b"<r>".as_slice(), xml, b"</r>"].concat();
            string_item(&wrapped)
        }
        let mut next = xorshift(5);
        let pieces = [
            "a", " ", "\t", "\n", "\r", "&amp;", "&", "_x000D_", "_x", "中", "<b/>", "é",
        ];
        for _ in 0..50_000 {
            let len = next() % 6;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let xml = format!("<t>{text}</t>");
            assert_eq!(
                string_item(xml.as_bytes()),
                general(xml.as_bytes()),
                "{xml:?}"
            );
        }
        assert_eq!(string_item(b"<t> a b </t>").as_deref(), Some("a b"));
        assert_eq!(string_item(b"<t>a_x000D_</t>"), None);
    }

    /// The attribute search reads tags as the plain search did: the first `name=` that
    /// follows white space, its quoted value, `None` without one.
    #[test]
    fn attributes_are_found_as_by_a_plain_search() {
        fn plain(tag: &[u8], name: &[u8]) -> Option<Vec<u8>> {
            let mut i = 0;
            while i + name.len() < tag.len() {
                let rest = &tag[i..];
                if i > 0 && tag[i - 1].is_ascii_whitespace() && rest.starts_with(name) {
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
                        return Some(value[..end].to_vec());
                    }
                }
                i += 1;
            }
            None
        }
        let edge = [
            "c r=\"A1\" s=\"3\" t=\"s\"",
            "c t='n' r = \"B2\"",
            "c rs=\"1\" r=\"C3\"",
            "c x=\"a r='Z9'\" r=\"A1\"",
            "c r=A1 r=\"B1\"",
            "c r=\"unterminated",
            "c\tr=\"A1\"",
            "c r",
            "c r=",
        ];
        let mut tags = texts(b"crst= \"'A1\t", &edge, 100_000, 13);
        // Tags written the usual way and near it, for the pair-by-pair reading.
        let pairs = [
            " r=\"A1\"",
            " s=\"3\"",
            " t=\"s\"",
            " rs=\"1\"",
            "  r = 'B2'",
            " t=\"inlineStr\"",
            " x=\"a r='Z9'\"",
            " s=\"\"",
            "r=\"C3\"",
            " r=\"A 1\"",
            " t",
            " =\"1\"",
            " r=\"D4",
            "/",
            " /",
            "\tt\t=\t\"n\"",
        ];
        let mut next = xorshift(17);
        for _ in 0..100_000 {
            let count = next() % 5;
            let mut tag = b"c".to_vec();
            for _ in 0..count {
                tag.extend_from_slice(pairs[(next() % pairs.len() as u64) as usize].as_bytes());
            }
            tags.push(tag);
        }
        let usual = tags.iter().filter(|t| usual_cell_tag(t).is_some()).count();
        assert!(usual > 10_000, "{usual} tags read pair by pair");
        for tag in tags {
            let attributes = cell_tag(&tag);
            assert_eq!(
                [attributes.r, attributes.s, attributes.t].map(|a| a.map(<[u8]>::to_vec)),
                [b"r".as_slice(), b"s", b"t"].map(|name| plain(&tag, name)),
                "{:?}",
                String::from_utf8_lossy(&tag)
            );
            for name in [b"r".as_slice(), b"s", b"t", b"rs"] {
                assert_eq!(
                    attribute_raw(&tag, name).map(<[u8]>::to_vec),
                    plain(&tag, name),
                    "{:?} {:?}",
                    String::from_utf8_lossy(&tag),
                    String::from_utf8_lossy(name)
                );
            }
        }
    }

    /// Every sheet both readers can read is read the same by both (each row's cells, values
    /// and positions): the shipped templates, examples and answer workbooks, and workbooks
    /// written from the example portfolios in both layouts and languages (inline strings)
    /// and by rust_xlsxwriter's default writer (shared strings, a date, a formula, styles).
    /// The shipped templates, examples and answer workbooks, and workbooks written from the
    /// example portfolios in both layouts and languages.
    fn shipped_and_filled_workbooks() -> Vec<(String, Vec<u8>)> {
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
        files
    }

    #[test]
    fn the_own_reader_reads_plain_sheets_as_calamine_does() {
        use crate::safety::{Cell, SafeWorkbook};
        let mut files = shipped_and_filled_workbooks();
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
        let (mut compared, mut plain_cells) = (0, 0u64);
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
                // The pass counts the cells the reader counts against the cell cap.
                let read = ours.iter().map(Vec::len).sum::<usize>() as u64;
                assert_eq!(scan.cells, Some(read), "{file}: {name}: cells counted");
                compared += 1;
                plain_cells += read;
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

    /// The mutations of `tests/it/mutator.rs`, shared with the import's mutation test.
    mod mutator {
        include!("../tests/it/mutator.rs");
    }

    /// Our reader of one sheet, or calamine's: each row's cells, or the error that stopped it.
    type Rows = Result<Vec<Vec<crate::safety::Cell>>, Error>;

    /// A sheet's name, the rows our reader and calamine's read, and the cells the pass counted.
    type Compared = (String, Rows, Rows, Option<u64>);

    /// Both readers on every sheet of a workbook the quick pass calls plain: the rows each
    /// reads, and the cells the pass counted; `None` when the file does not open.
    fn both_readers(bytes: &[u8], limits: &WorkbookLimits) -> Option<Vec<Compared>> {
        let mut book = crate::safety::SafeWorkbook::open(bytes, limits).ok()?;
        let mut archive = Archive::open(bytes, limits)?;
        let mut compared = Vec::new();
        for name in book.sheet_names().to_vec() {
            let Ok(Some(scan)) = archive.scan(&name, None) else {
                continue;
            };
            if !scan.plain {
                continue;
            }
            let mut theirs = Vec::new();
            let theirs = book
                .for_each_row(&name, |cells| {
                    theirs.push(cells.to_vec());
                    Ok(())
                })
                .map(|()| theirs);
            let mut ours = Vec::new();
            let ours = archive
                .read_rows(&name, &Default::default(), |cells| {
                    ours.push(cells.to_vec());
                    Ok(())
                })
                .map(|()| ours);
            compared.push((name, ours, theirs, scan.cells));
        }
        Some(compared)
    }

    /// Seeded mutants of the shipped and filled workbooks (elements deleted, duplicated and
    /// swapped, cell types and references changed, odd numbers and escapes, prefixes, quotes,
    /// white space, parts cut, bytes changed, stored entries, duplicated entries): on every
    /// sheet the quick pass calls plain, our reader reads what calamine reads, or fails where
    /// calamine fails, and the pass counts the cells read. Each failure names the mutant.
    #[test]
    fn the_own_reader_reads_mutated_plain_sheets_as_calamine_does() {
        let limits = WorkbookLimits::default();
        let files = shipped_and_filled_workbooks();
        let (mut sheets, mut mutants) = (0usize, 0usize);
        // More (and other) seeds for hunting: `GREENLIGHT_READER_MUTANTS=2000`,
        // `GREENLIGHT_READER_MUTANT_FROM=24`.
        let from = std::env::var("GREENLIGHT_READER_MUTANT_FROM")
            .ok()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        let count = std::env::var("GREENLIGHT_READER_MUTANTS")
            .ok()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(24);
        for (s, (file, original)) in files.iter().enumerate() {
            for n in from..from + count {
                let seed = (s as u64) << 32 | n;
                let mut rng = mutator::Rng::new(seed);
                let (bytes, what) = mutator::mutate(original, &mut rng);
                let Some(compared) = std::panic::catch_unwind(|| both_readers(&bytes, &limits))
                    .unwrap_or_else(|_| {
                        panic!("a reader panicked on mutant {seed:#x} of {file}: {what}")
                    })
                else {
                    continue;
                };
                mutants += 1;
                for (name, ours, theirs, counted) in compared {
                    let context = format!("mutant {seed:#x} of {file}: {what}: sheet {name}");
                    match (&ours, &theirs) {
                        (Ok(ours), Ok(theirs)) => {
                            if let Some(i) = (0..ours.len().max(theirs.len()))
                                .find(|&i| ours.get(i) != theirs.get(i))
                            {
                                panic!(
                                    "{context}: row {i} read as {:?} by ours, {:?} by calamine",
                                    ours.get(i),
                                    theirs.get(i)
                                );
                            }
                            let read = ours.iter().map(Vec::len).sum::<usize>() as u64;
                            // `None`: the pass met a cell beyond the caps and counts
                            // nothing (the import then does not refuse early).
                            if let Some(counted) = counted {
                                assert_eq!(counted, read, "{context}: cells counted");
                            }
                        }
                        (Err(_), Err(_)) => {}
                        _ => panic!(
                            "{context}: ours {:?}, calamine's {:?}",
                            ours.as_ref().map(Vec::len),
                            theirs.as_ref().map(Vec::len)
                        ),
                    }
                    sheets += 1;
                }
            }
        }
        // The test must not pass by comparing nothing.
        assert!(mutants >= 300, "{mutants} mutants opened");
        assert!(sheets >= 1000, "{sheets} plain sheets compared");
    }

    /// A bare `&` in the text between tags leaves the sheet to calamine, and a reference
    /// closed by `;` does not, wherever the bytes read so far end: the sheet is fed in pieces
    /// of every size, as the pass is fed from the inflating part.
    #[test]
    fn a_bare_ampersand_in_text_is_found_wherever_the_pieces_end() {
        let sheet = |text: &str, cell: &str| {
            format!(
                "<worksheet><sheetViews>{text}</sheetViews><sheetData><row r=\"1\">{text}\
                 <c r=\"A1\">{cell}<v>1</v></c>{text}</row>{text}</sheetData></worksheet>{text}"
            )
        };
        let limits = WorkbookLimits::default();
        let cases = [
            (sheet("", ""), true),
            (sheet(" &amp; &#38; &lt; ", ""), true),
            (sheet("&amp;&unknown;", ""), true),
            (sheet("a & b", ""), false),
            (sheet("&amp", ""), false),
            (sheet("&amp &lt;", ""), false),
            (sheet("", "&amp"), false),
            (sheet("", "&amp;"), true),
        ];
        for (xml, plain) in cases {
            for piece in 1..=xml.len() {
                let mut scanner = Scanner::new(&limits, &[], None, None);
                let mut pending: Vec<u8> = Vec::new();
                for chunk in xml.as_bytes().chunks(piece) {
                    pending.extend_from_slice(chunk);
                    let used = scanner.feed(&pending, false);
                    pending.drain(..used);
                }
                scanner.feed(&pending, true);
                let found = scanner.plain && !scanner.open_reference;
                assert_eq!(found, plain, "{xml} in pieces of {piece}");
            }
        }
        // Only the first and last text: the end of the part is checked by the pass's caller.
        let mut scanner = Scanner::new(&limits, &[], None, None);
        scanner.feed(b"<sheetData></sheetData>&amp", true);
        assert!(scanner.open_reference);
    }

    /// The mutants the test above found read otherwise by our reader than by calamine, each
    /// written by hand into a small sheet (`A1` "id", `B1` "amount", `A2` "p-1", `B2` 42.5,
    /// `A3` "p-2", `B3` 7): either the pass leaves the sheet to calamine, or both readers
    /// read the same rows, or both refuse it. Before the fixes our reader read each one
    /// (rows before a cut, a cell after `</sheetData>` or outside it, a cell of an
    /// unreadable reference placed after its neighbour, a run inside a shared-string cell
    /// skipped, text that is not UTF-8, a tag whose quote runs past its `>`) where calamine
    /// refused the sheet or read other cells.
    #[test]
    fn hand_made_mutants_are_read_as_calamine_reads_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Data").expect("named");
        sheet.write_string(0, 0, "id").expect("written");
        sheet.write_string(0, 1, "amount").expect("written");
        sheet.write_string(1, 0, "p-1").expect("written");
        sheet.write_number(1, 1, 42.5).expect("written");
        sheet.write_string(2, 0, "p-2").expect("written");
        sheet.write_number(2, 1, 7.0).expect("written");
        let original = book.save_to_buffer().expect("saved");
        let entries = mutator::unzip(&original).expect("a zip");
        let part = |name: &str| {
            let (_, xml) = entries.iter().find(|(n, _)| n == name).expect("the part");
            String::from_utf8(xml.clone()).expect("UTF-8")
        };
        let xml = part("xl/worksheets/sheet1.xml");
        let shared_xml = part("xl/sharedStrings.xml");
        let after_data = xml.find("</sheetData>").expect("sheet data");
        let cut_inside_row_3 = xml.as_bytes()[..xml.find(r#"<c r="B3""#).expect("B3") + 5].to_vec();
        let edits: Vec<(&str, Vec<u8>)> = vec![
            ("the part cut inside a tag of row 3", cut_inside_row_3),
            (
                "the part cut after row 2",
                xml.as_bytes()[..xml.find(r#"<row r="3""#).expect("row 3")].to_vec(),
            ),
            (
                "a cell after </sheetData>",
                format!(
                    "{}</sheetData><c r=\"C1\"><v>5</v></c>{}",
                    &xml[..after_data],
                    &xml[after_data + "</sheetData>".len()..]
                )
                .into_bytes(),
            ),
            (
                "a second <sheetData>",
                format!(
                    "{}</sheetData><sheetData><row r=\"9\"><c r=\"A9\"><v>5</v></c></row>{}",
                    &xml[..after_data],
                    &xml[after_data..]
                )
                .into_bytes(),
            ),
            (
                "a cell of reference A1:B2",
                xml.replacen(r#"r="B2""#, r#"r="A1:B2""#, 1).into_bytes(),
            ),
            (
                "a cell of reference A0",
                xml.replacen(r#"r="B2""#, r#"r="A0""#, 1).into_bytes(),
            ),
            (
                "a row of number x",
                xml.replacen(r#"<row r="2""#, r#"<row r="x""#, 1)
                    .into_bytes(),
            ),
            (
                "prefixed cells",
                xml.replace("<c ", "<x:c ")
                    .replace("</c>", "</x:c>")
                    .into_bytes(),
            ),
            (
                "a value tag written <\\nv>",
                xml.replacen("<v>42.5</v>", "<\nv>42.5</v>", 1).into_bytes(),
            ),
            (
                "inline text in a shared-string cell",
                xml.replacen(r#"t="s"><v>0</v>"#, r#"t="s"><is><t>x</t></is>"#, 1)
                    .into_bytes(),
            ),
            (
                "a byte that is not UTF-8 in a tag",
                xml.replacen("<row ", "<row \u{80}", 1).into_bytes(),
            ),
            (
                "a quote closed past the tag's >",
                xml.replacen(r#"r="B2">"#, r#"r="B2>"#, 1).into_bytes(),
            ),
            (
                "a dimension calamine cannot read",
                xml.replacen(r#"ref="A1:B3""#, "ref=\"A1:\nB3\"", 1)
                    .into_bytes(),
            ),
            (
                "a shared-string index written +1",
                xml.replacen(r#"t="s"><v>2</v>"#, r#"t="s"><v>+1</v>"#, 1)
                    .into_bytes(),
            ),
            (
                "a cell inside a comment",
                xml.replacen("</row>", r#"<!-- <c r="C1"><v>5</v></c> --></row>"#, 1)
                    .into_bytes(),
            ),
            (
                "a row tag with a name without = before r",
                xml.replacen(r#"<row r="2""#, r#"<row x r="5""#, 1)
                    .into_bytes(),
            ),
            (
                "a row tag with an unquoted value before r",
                xml.replacen(r#"<row r="2""#, r#"<row x=2 r="2""#, 1)
                    .into_bytes(),
            ),
            (
                "a cell tag naming r twice",
                xml.replacen(r#"<c r="B2""#, r#"<c r="B2" r="C2""#, 1)
                    .into_bytes(),
            ),
            (
                "a cell tag naming r, then s twice, before t",
                xml.replacen(r#"<c r="A2" t="s""#, r#"<c r="A2" s="0" s="0" t="s""#, 1)
                    .into_bytes(),
            ),
            (
                "a cell tag with a name without = before r",
                xml.replacen(r#"<c r="B2""#, r#"<c x r="C2""#, 1)
                    .into_bytes(),
            ),
            (
                "</sheetData> run into the next tag",
                xml.replacen("</sheetData><", "</sheetData9<", 1)
                    .into_bytes(),
            ),
            (
                "a closing tag with no element open",
                xml.replacen("<sheetData>", "<sheetData></x></y></z>", 1)
                    .into_bytes(),
            ),
            (
                "a cell closing an element it did not open",
                xml.replacen("<v>42.5</v>", "<v>42.5</v></v></v></v>", 1)
                    .into_bytes(),
            ),
            (
                "a bare & in the text of <sheetViews>",
                xml.replacen("<sheetViews>", "<sheetViews>a & b", 1)
                    .into_bytes(),
            ),
            (
                "a bare & between rows",
                xml.replacen("</row>", "</row>&", 1).into_bytes(),
            ),
            (
                "a bare & between cells",
                xml.replacen("</c>", "</c>&amp &lt;", 1).into_bytes(),
            ),
            (
                "a bare & in a cell before its value",
                xml.replacen("<v>42.5</v>", "&<v>42.5</v>", 1).into_bytes(),
            ),
            (
                "a bare & at the end of a row's text",
                xml.replacen("</row>", "&</row>", 1).into_bytes(),
            ),
            (
                "a bare & in inline text",
                xml.replacen(
                    r#"<c r="A2" t="s"><v>2</v></c>"#,
                    r#"<c r="A2" t="inlineStr"><is><t>p&1</t></is></c>"#,
                    1,
                )
                .into_bytes(),
            ),
            (
                "a bare & in a number",
                xml.replacen("<v>42.5</v>", "<v>42&5</v>", 1).into_bytes(),
            ),
            (
                "inline text holding the character reference &#0;",
                xml.replacen(
                    r#"<c r="A2" t="s"><v>2</v></c>"#,
                    r#"<c r="A2" t="inlineStr"><is><t>p&#0;1</t></is></c>"#,
                    1,
                )
                .into_bytes(),
            ),
        ];
        let limits = WorkbookLimits::default();
        let mut disagreements = Vec::new();
        for (what, edited) in edits {
            let entry = if what.starts_with("the shared strings") {
                "xl/sharedStrings.xml"
            } else {
                "xl/worksheets/sheet1.xml"
            };
            assert!(
                edited != xml.as_bytes() && edited != shared_xml.as_bytes(),
                "{what}: the edit changed nothing"
            );
            let mut edited = edited;
            // `\u{80}` stands for the lone byte 0x80.
            if what.contains("UTF-8") {
                let at = edited
                    .windows(2)
                    .position(|w| w == [0xC2, 0x80])
                    .expect("marked");
                edited.remove(at);
            }
            let mutant: Vec<(String, Vec<u8>)> = entries
                .iter()
                .map(|(n, d)| {
                    let d = if n == entry {
                        edited.clone()
                    } else {
                        d.clone()
                    };
                    (n.clone(), d)
                })
                .collect();
            let bytes = mutator::rezip(&mutant, &|_| false);
            let compared = both_readers(&bytes, &limits).expect("the file opens");
            for (name, ours, theirs, _) in compared {
                match (&ours, &theirs) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (Err(_), Err(_)) => {}
                    _ => disagreements.push(format!(
                        "{what}: {name}: ours {ours:?}, calamine's {theirs:?}"
                    )),
                }
            }
        }
        assert!(disagreements.is_empty(), "{disagreements:#?}");
        // A shared-string table whose items calamine may count otherwise (mutants: a `<` of
        // `</t>` set to `>`, a `/` inside `<si>`) is not used, so no cell is read from it by
        // a position the two readers disagree on.
        assert!(shared_table_is_sound(shared_xml.as_bytes()));
        for damaged in [
            shared_xml.replacen("amount</t>", "amount>/t>", 1),
            shared_xml.replacen("<si>", "<si/t>", 1),
            shared_xml.replacen("<si>", "<!-- --><si>", 1),
            shared_xml.replacen("</sst>", "", 1),
        ] {
            assert_ne!(damaged, shared_xml);
            assert!(!shared_table_is_sound(damaged.as_bytes()), "{damaged}");
        }
    }
}
