//! Reading an untrusted workbook within bounded time and memory.
//!
//! The API, stable for every reader of uploaded workbooks:
//!
//! - [`check_archive`]`(bytes, &limits) -> Result<Format, Error>`: detects the format by
//!   content (never by name) and rejects a hostile or corrupt file before any spreadsheet
//!   reader sees it;
//! - [`SafeWorkbook::open`]`(bytes, &limits)` runs that check and opens the workbook (on a
//!   copy of the bytes; [`SafeWorkbook::open_in_place`] reads the caller's bytes in place);
//!   [`SafeWorkbook::sheet_names`] lists its sheets; [`SafeWorkbook::read_sheet`] reads one
//!   sheet into a sparse [`Sheet`] (non-empty cells only, with formulas and merged regions),
//!   and [`SafeWorkbook::for_each_row`] streams it row by row without keeping it;
//! - [`cell_name`]`(row, col)` spells a zero-based position as `A1`.
//!
//! Why each step exists (all measured on crafted files):
//!
//! - zip formats (xlsx, xlsm, ods): the entry count is bounded, and every entry is inflated
//!   through `Read::take` into a counter with per-entry and total caps, because declared sizes
//!   lie and a 4 MB file can inflate to gigabytes;
//! - `xl/sharedStrings.xml`: its first 4 KB are read and a `count` or `uniqueCount` above the
//!   limit is rejected, because the xlsx reader reserves memory for the declared count when
//!   the workbook is opened, and an allocation failure aborts the process;
//! - xlsx sheets are read only by the streaming cell reader, never into a dense range, and
//!   reading stops at the first cell beyond the row or column cap: two cells at `A1` and
//!   `XFD1048576` would otherwise ask for a 549 GB grid;
//! - ods and xls readers build dense grids of whole sheets when the workbook is opened, so
//!   the bounding box of the non-empty cells is found first by a scan of our own
//!   (`content.xml` tags for ods; the BIFF cell records of the `Workbook` stream for xls)
//!   and a cell beyond the caps is rejected before the reader allocates anything.

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsx};

use crate::Error;
use crate::limits::WorkbookLimits;
pub use crate::scan::{read_plain_sheet, sheet_is_plain};

/// A workbook format, detected from the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros (the macros are never run or read).
    Xlsm,
    /// Excel 97–2003 binary workbook (BIFF8 in an OLE compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

impl Format {
    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Whether `bytes` start like a workbook (a zip archive or an OLE compound file), to tell a
/// workbook from JSON by content; [`check_archive`] then says whether it really is one.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC)
}

/// Detects the format of `bytes` and checks the file against `limits` without building any
/// spreadsheet structure. Every rejection is an [`Error`] with a stable code:
/// `file_too_large`, `empty_file`, `not_a_workbook`, `corrupt_archive`, `too_many_entries`,
/// `entry_too_large`, `archive_too_large`, `too_many_shared_strings`, `password_protected`,
/// `unsupported_format`, `cell_out_of_bounds`, `too_many_cells`.
pub fn check_archive(bytes: &[u8], limits: &WorkbookLimits) -> Result<Format, Error> {
    if bytes.len() as u64 > limits.max_upload_bytes {
        return Err(Error::new(
            "file_too_large",
            format!(
                "the file has {} bytes, above the limit of {} bytes",
                bytes.len(),
                limits.max_upload_bytes
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::new("empty_file", "the file is empty"));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        check_zip(bytes, limits)
    } else if bytes.starts_with(OLE_MAGIC) {
        check_ole(bytes, limits)?;
        Ok(Format::Xls)
    } else {
        Err(Error::new(
            "not_a_workbook",
            "not a workbook: expected an xlsx, xlsm, xls or ods file (the content, not the name, is checked)",
        ))
    }
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::new(
        "corrupt_archive",
        format!("the file is damaged or truncated: {e}"),
    )
}

fn check_zip(bytes: &[u8], limits: &WorkbookLimits) -> Result<Format, Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if zip.len() > limits.max_zip_entries {
        return Err(Error::new(
            "too_many_entries",
            format!(
                "the archive has {} entries, above the limit of {}",
                zip.len(),
                limits.max_zip_entries
            ),
        ));
    }
    let mut names = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut mimetype = Vec::new();
    let mut content_types = Vec::new();
    for index in 0..zip.len() {
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(m))
                if m == zip::result::ZipError::PASSWORD_REQUIRED =>
            {
                return Err(password_protected());
            }
            Err(e) => return Err(corrupt(e)),
        };
        let name = entry.name().map_err(corrupt)?.into_owned();
        let head = check_entry(&mut entry, &name, limits, &mut buffer, &mut total)?;
        match name.as_str() {
            "mimetype" => mimetype = head,
            "[Content_Types].xml" => content_types = head,
            _ => {}
        }
        names.push(name);
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if mimetype.starts_with(ODS_MIME) && has("content.xml") {
        check_ods_content(&mut zip, limits)?;
        return Ok(Format::Ods);
    }
    if has("xl/workbook.xml") {
        let macros = contains(&content_types, b"macroEnabled") || has("xl/vbaProject.bin");
        return Ok(if macros { Format::Xlsm } else { Format::Xlsx });
    }
    if has("xl/workbook.bin") {
        return Err(Error::new(
            "unsupported_format",
            "an xlsb (binary) workbook: save it as xlsx and upload again",
        ));
    }
    if has("EncryptedPackage") {
        return Err(password_protected());
    }
    Err(Error::new(
        "not_a_workbook",
        "a zip archive that is not a workbook (no xl/workbook.xml and no ods content)",
    ))
}

/// Inflates one entry under the check's rules and returns its first 4 KiB: the per-entry cap
/// (the shared-strings cap for `xl/sharedStrings.xml`), the running `total` against the
/// archive cap, and for the shared-string table its items counted as they inflate and the
/// counts its header declares.
fn check_entry(
    entry: &mut impl Read,
    name: &str,
    limits: &WorkbookLimits,
    buffer: &mut [u8],
    total: &mut u64,
) -> Result<Vec<u8>, Error> {
    let shared_strings = name == "xl/sharedStrings.xml";
    let cap = if shared_strings {
        limits.max_shared_strings_bytes
    } else {
        limits.max_entry_inflated_bytes
    };
    // Read one byte past the cap, so an entry of exactly the cap passes and a larger
    // one is caught without inflating the rest.
    let mut limited = entry.take(cap.saturating_add(1));
    let mut size: u64 = 0;
    let mut head = Vec::new();
    // The header's counts can understate what the table holds: its items are counted
    // as they inflate, so a table of millions of empty items is refused before a reader
    // builds it.
    let mut items = shared_strings.then(ItemCount::default);
    // XML parts are also measured for their longest stretch without a `>`: a reader holds
    // an element (a tag, or a text between tags) whole, so one that never ends would cost
    // memory and time as large as the entry. Reported once the entry has inflated within
    // its caps, so a deflate bomb is still refused as too large.
    let xml = name.ends_with(".xml") || name.ends_with(".rels");
    let mut open = OpenElement::default();
    let mut references = References::default();
    loop {
        let n = limited
            .read(buffer)
            .map_err(|e| corrupt(e).at(name.to_owned()))?;
        if n == 0 {
            break;
        }
        if head.len() < 4096 {
            let room = 4096 - head.len();
            head.extend_from_slice(&buffer[..n.min(room)]);
        }
        if let Some(items) = &mut items {
            items.feed(&buffer[..n]);
            if items.count > limits.max_shared_strings {
                return Err(too_many_shared_strings(
                    format!(
                        "the table holds more than {} items",
                        limits.max_shared_strings
                    ),
                    limits,
                ));
            }
        }
        if xml {
            open.feed(&buffer[..n]);
            // The shared strings hold no reference a reader parses.
            if !shared_strings {
                references.feed(&buffer[..n]);
            }
        }
        size += n as u64;
        if size > cap {
            return Err(entry_too_large(name, cap));
        }
        *total += n as u64;
        if *total > limits.max_total_inflated_bytes {
            return Err(Error::new(
                "archive_too_large",
                format!(
                    "the archive inflates to more than {} bytes",
                    limits.max_total_inflated_bytes
                ),
            ));
        }
    }
    if shared_strings {
        check_shared_strings_header(&head, limits)?;
    }
    if open.longest > MAX_OPEN_ELEMENT_BYTES as u64 {
        return Err(element_too_large(name));
    }
    if let Some(reference) = references.beyond {
        return Err(reference_out_of_range(name, &reference));
    }
    Ok(head)
}

/// A row or column number no sheet can reach, and past which the calamine reader's `u32`
/// arithmetic on references would overflow (a panic in a debug build, in a release build a
/// silent wrap onto another cell: `A4294967297` read as `A1`).
const MAX_REFERENCE_NUMBER: u64 = 1 << 31;

/// A part holding a cell reference beyond [`MAX_REFERENCE_NUMBER`].
pub(crate) fn reference_out_of_range(entry: &str, reference: &str) -> Error {
    Error::new(
        "reference_out_of_range",
        format!(
            "the cell reference {reference:?} is beyond any sheet's rows and columns: the file is damaged or was not written by a spreadsheet program"
        ),
    )
    .at(entry.to_owned())
}

/// Finds, in a part fed in pieces of any size, the first value of a reference attribute
/// (`r`, `ref`, `sqref`; quoted either way, as XML allows) whose row or column number, read
/// as the calamine reader reads it (letters in base 26, then digits; any other byte starts
/// the next reference of a range or list), passes [`MAX_REFERENCE_NUMBER`].
#[derive(Debug, Default)]
struct References {
    /// The last bytes seen outside a value, newest in the low byte.
    recent: u64,
    /// The closing quote of the reference value being read, if any.
    quote: Option<u8>,
    column: u64,
    row: u64,
    /// The value read so far (its first 32 bytes), for the message.
    text: String,
    beyond: Option<String>,
}

impl References {
    /// Reads the next piece. Outside a reference value only quotes matter (the bytes before
    /// a quote say whether a reference value opens), so the scan jumps from quote to quote
    /// with a vectorised search, keeping the last eight bytes before each; inside a value,
    /// a few bytes long, it goes byte by byte. [`References::feed_bytewise`] is the same
    /// machine one byte at a time, against which a test compares it.
    fn feed(&mut self, piece: &[u8]) {
        if self.beyond.is_some() {
            return;
        }
        let mut at = 0;
        while at < piece.len() {
            if let Some(q) = self.quote {
                // A value just opened whose end is in this piece, with at most six letters
                // and nine digits, cannot pass the bound (six letters name a column below
                // 26⁷, nine digits a row below 10⁹): it is stepped over whole. What the
                // machine would have left of it (the last reference read, its text) is
                // cleared when the next value opens, so only the closing quote counts.
                if self.column == 0
                    && self.row == 0
                    && self.text.is_empty()
                    && let Some(end) = memchr::memchr(q, &piece[at..])
                    && piece[at..at + end]
                        .iter()
                        .filter(|b| b.is_ascii_alphabetic())
                        .count()
                        <= 6
                    && piece[at..at + end]
                        .iter()
                        .filter(|b| b.is_ascii_digit())
                        .count()
                        <= 9
                {
                    self.quote = None;
                    self.recent = u64::from(q);
                    at += end + 1;
                    continue;
                }
                self.byte(piece[at]);
                at += 1;
                if self.beyond.is_some() {
                    return;
                }
                continue;
            }
            let (before, quote) = match memchr::memchr2(b'"', b'\'', &piece[at..]) {
                Some(p) => (&piece[at..at + p], Some(at + p)),
                None => (&piece[at..], None),
            };
            // Only the last eight bytes before the quote are kept, as shifting each in
            // would keep them.
            let tail = &before[before.len().saturating_sub(8)..];
            for &b in tail {
                self.recent = self.recent << 8 | u64::from(b);
            }
            match quote {
                Some(i) => {
                    self.byte(piece[i]);
                    at = i + 1;
                }
                None => return,
            }
        }
    }

    /// [`References::feed`] one byte at a time.
    #[cfg(test)]
    fn feed_bytewise(&mut self, piece: &[u8]) {
        for &b in piece {
            if self.beyond.is_some() {
                return;
            }
            self.byte(b);
        }
    }

    /// One byte of the machine.
    fn byte(&mut self, b: u8) {
        match self.quote {
            Some(q) if b == q => {
                self.quote = None;
                self.recent = u64::from(b);
            }
            Some(_) => {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' if self.row == 0 => {
                        self.column =
                            self.column * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1;
                    }
                    b'0'..=b'9' => self.row = self.row * 10 + u64::from(b - b'0'),
                    _ => {
                        self.column = 0;
                        self.row = 0;
                    }
                }
                if self.text.len() < 32 {
                    self.text.push(char::from(b));
                }
                if self.column > MAX_REFERENCE_NUMBER || self.row > MAX_REFERENCE_NUMBER {
                    let mut text = std::mem::take(&mut self.text);
                    if text.len() >= 32 {
                        text.push('…');
                    }
                    self.beyond = Some(text);
                }
            }
            None => {
                self.recent = self.recent << 8 | u64::from(b);
                if b == b'"' || b == b'\'' {
                    // ` r="`, ` ref="`, `sqref="`: the name and `=` before the quote.
                    let before = self.recent >> 8;
                    let r = before & 0xFF_FFFF;
                    let is_r = r & 0xFFFF == u64::from_be_bytes([0, 0, 0, 0, 0, 0, b'r', b'='])
                        && matches!((r >> 16) as u8, b' ' | b'\t' | b'\n' | b'\r');
                    let f = before & 0xFFFF_FFFF;
                    let is_ref = f & 0xFF_FFFF
                        == u64::from_be_bytes([0, 0, 0, 0, 0, b'e', b'f', b'='])
                        && matches!((f >> 24) as u8, b'r')
                        && matches!((before >> 32) as u8, b' ' | b'\t' | b'\n' | b'\r' | b'q');
                    if is_r || is_ref {
                        self.quote = Some(b);
                        self.column = 0;
                        self.row = 0;
                        self.text.clear();
                    }
                }
            }
        }
    }
}

/// The longest element (a tag, a text between tags, or for the quick pass a cell from `<c`
/// to `</c>`) a reader is let hold while it waits for the element's end. A cell of the most
/// text a spreadsheet cell can hold (32 767 characters, each escaped to at most ten bytes) is
/// about 320 KiB.
pub(crate) const MAX_OPEN_ELEMENT_BYTES: usize = 8 << 20;

/// An archive entry that inflates past `cap` bytes.
pub(crate) fn entry_too_large(entry: &str, cap: u64) -> Error {
    Error::new(
        "entry_too_large",
        format!("the entry inflates to more than {cap} bytes"),
    )
    .at(entry.to_owned())
}

/// An XML part whose element runs past [`MAX_OPEN_ELEMENT_BYTES`].
pub(crate) fn element_too_large(entry: &str) -> Error {
    Error::new(
        "element_too_large",
        format!(
            "an XML element runs past {} MiB without ending (a cell holds at most 32 767 characters): the file is damaged or was not written by a spreadsheet program",
            MAX_OPEN_ELEMENT_BYTES >> 20
        ),
    )
    .at(entry.to_owned())
}

/// The longest stretch without a `>` in a part fed in pieces of any size. Only each piece's
/// first and last `>` are looked for: a stretch inside one piece is shorter than the piece,
/// and the pieces (64 KiB) are far shorter than the limit.
#[derive(Debug, Default)]
struct OpenElement {
    /// Bytes since the last `>`.
    since_close: u64,
    longest: u64,
}

impl OpenElement {
    fn feed(&mut self, piece: &[u8]) {
        match piece.iter().position(|&b| b == b'>') {
            Some(first) => {
                self.longest = self.longest.max(self.since_close + first as u64);
                let last = piece.iter().rposition(|&b| b == b'>').unwrap_or(first);
                self.since_close = (piece.len() - last - 1) as u64;
            }
            None => self.since_close += piece.len() as u64,
        }
        self.longest = self.longest.max(self.since_close);
    }
}

/// Whether the entries `names` of a zip archive, each found by name as a reader finds it,
/// pass the rules [`check_archive`] applies to them (the entry count, each entry's cap, the
/// shared-string counts), with the archive cap on their sum. It is the part of the check a
/// reader of those entries alone depends on, so it lets that reader start before the whole
/// archive is checked; it reports nothing, since the whole check, run anyway, names the
/// first failure in entry order. An absent entry passes.
pub(crate) fn entries_pass_check(bytes: &[u8], limits: &WorkbookLimits, names: &[&str]) -> bool {
    if bytes.len() as u64 > limits.max_upload_bytes || !bytes.starts_with(ZIP_MAGIC) {
        return false;
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    if zip.len() > limits.max_zip_entries {
        return false;
    }
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for name in names {
        let mut entry = match zip.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => continue,
            Err(_) => return false,
        };
        if check_entry(&mut entry, name, limits, &mut buffer, &mut total).is_err() {
            return false;
        }
    }
    true
}

fn password_protected() -> Error {
    Error::new(
        "password_protected",
        "the workbook is password-protected or encrypted: remove the password (File, Info, Protect Workbook) and save it again",
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The value of `attr="digits"` in `text`, if present; `u64::MAX` when the digits overflow.
fn attribute_number(text: &[u8], attr: &[u8]) -> Option<u64> {
    let mut pattern = Vec::with_capacity(attr.len() + 2);
    pattern.push(b' ');
    pattern.extend_from_slice(attr);
    pattern.extend_from_slice(b"=\"");
    let start = text.windows(pattern.len()).position(|w| w == pattern)? + pattern.len();
    let mut value: u64 = 0;
    for &b in &text[start..] {
        if !b.is_ascii_digit() {
            break;
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .unwrap_or(u64::MAX);
    }
    Some(value)
}

fn check_shared_strings_header(head: &[u8], limits: &WorkbookLimits) -> Result<(), Error> {
    for attr in [&b"count"[..], &b"uniqueCount"[..]] {
        if let Some(n) = attribute_number(head, attr)
            && n > limits.max_shared_strings
        {
            return Err(too_many_shared_strings(
                format!(
                    "{} declares {n} shared strings",
                    String::from_utf8_lossy(attr)
                ),
                limits,
            ));
        }
    }
    Ok(())
}

fn too_many_shared_strings(what: String, limits: &WorkbookLimits) -> Error {
    Error::new(
        "too_many_shared_strings",
        format!("{what}, above the limit of {}", limits.max_shared_strings),
    )
    .at("xl/sharedStrings.xml")
}

/// Counts the items (`<si>`, `<si/>`, `<si …>`, with or without a namespace prefix) of a
/// shared-string table fed in pieces of any size: a small state machine over the opening
/// tags, so a piece may end anywhere. It may count more than a reader finds (an item inside
/// a comment), never fewer, so a table it passes holds at most that many.
#[derive(Debug, Default)]
struct ItemCount {
    count: u64,
    state: TagState,
}

/// Where the count stands in an opening tag's name.
#[derive(Debug, Default, Clone, Copy)]
enum TagState {
    /// Outside a tag name.
    #[default]
    Outside,
    /// Just after `<`.
    Open,
    /// In a name that is not (yet) `si`: a prefix or another tag.
    Other,
    /// Just after a prefix's `:`.
    Local,
    /// After `s`.
    S,
    /// After `si`: an item if the name ends here.
    Si,
}

impl ItemCount {
    fn feed(&mut self, piece: &[u8]) {
        use TagState::*;
        for &b in piece {
            let name_char = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
            self.state = match (self.state, b) {
                (_, b'<') => Open,
                (Open | Local, b's') => S,
                (S, b'i') => Si,
                (Si, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') => {
                    self.count += 1;
                    Outside
                }
                (Other | S | Si, b':') => Local,
                (Open | Other | S | Si, _) if name_char => Other,
                _ => Outside,
            };
        }
    }
}

/// Tracks the bounding box of non-empty cells while scanning a file, and rejects the first
/// cell beyond the caps.
struct Bounds<'a> {
    limits: &'a WorkbookLimits,
    sheet: String,
    cells: u64,
}

impl Bounds<'_> {
    fn cell(&mut self, last_row: u64, last_col: u64, count: u64) -> Result<(), Error> {
        if last_row >= u64::from(self.limits.max_rows)
            || last_col >= u64::from(self.limits.max_columns)
        {
            return Err(out_of_bounds(
                &self.sheet,
                last_row.min(u64::from(u32::MAX)) as u32,
                last_col.min(u64::from(u32::MAX)) as u32,
                self.limits,
            ));
        }
        self.cells = self.cells.saturating_add(count);
        if self.cells > self.limits.max_cells {
            return Err(too_many_cells(self.limits));
        }
        Ok(())
    }

    /// A declared area whose last cell is (`last_row`, `last_col`), of `count` cells, for
    /// which a reader reserves room: within the caps, and counted apart from the cells.
    fn area(&mut self, last_row: u64, last_col: u64, count: u64) -> Result<(), Error> {
        let cells = self.cells;
        self.cells = 0;
        let checked = self.cell(last_row, last_col, count);
        self.cells = cells;
        checked
    }
}

pub(crate) fn out_of_bounds(sheet: &str, row: u32, col: u32, limits: &WorkbookLimits) -> Error {
    Error::new(
        "cell_out_of_bounds",
        format!(
            "a cell beyond the limits of {} rows and {} columns",
            limits.max_rows, limits.max_columns
        ),
    )
    .at(format!("{sheet}!{}", cell_name(row, col)))
}

pub(crate) fn too_many_cells(limits: &WorkbookLimits) -> Error {
    Error::new(
        "too_many_cells",
        format!(
            "the workbook has more than {} non-empty cells",
            limits.max_cells
        ),
    )
}

/// Scans `content.xml` of an ods file tag by tag, tracking row and column positions with
/// their repeat counts, so a cell with a value beyond the caps (or a repeat count that would
/// expand into one) is rejected before the reader expands the sheet.
fn check_ods_content(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    limits: &WorkbookLimits,
) -> Result<(), Error> {
    let entry = zip.by_name("content.xml").map_err(corrupt)?;
    let mut reader = entry.take(limits.max_entry_inflated_bytes);
    let mut bounds = Bounds {
        limits,
        sheet: String::from("content.xml"),
        cells: 0,
    };
    let mut sheets = 0usize;
    for_each_ods_cell(&mut reader, |event| {
        match event {
            OdsEvent::Sheet(tag) => {
                sheets += 1;
                if sheets > limits.max_sheets {
                    return Err(too_many_sheets(limits));
                }
                // A sheet without a name (or with an empty one) is named by its place.
                bounds.sheet = attribute_text(tag, b"table:name")
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| format!("sheet {sheets}"));
            }
            OdsEvent::Cell(cell) if contains(cell.tag, b"office:value-type") => {
                bounds.cell(
                    cell.row.saturating_add(cell.rows - 1),
                    cell.col.saturating_add(cell.columns - 1),
                    cell.rows.saturating_mul(cell.columns),
                )?;
            }
            OdsEvent::Cell(_) => {}
        }
        Ok(())
    })
}

/// What [`for_each_ods_cell`] meets in `content.xml`.
enum OdsEvent<'a> {
    /// The start of a sheet (`table:table`), with its tag.
    Sheet(&'a [u8]),
    /// A cell, placed.
    Cell(OdsCell<'a>),
}

/// A cell (or covered cell) of an ods sheet with its zero-based position and the block it
/// stands for: `rows` repeated rows of `columns` repeated columns.
struct OdsCell<'a> {
    tag: &'a [u8],
    row: u64,
    col: u64,
    rows: u64,
    columns: u64,
}

/// Walks the tags of an ods `content.xml`, tracking row and column positions with their
/// repeat counts (rows advance at each closing row tag, or at a self-closing row), and
/// calls `f` at each sheet and each cell.
fn for_each_ods_cell(
    reader: &mut impl Read,
    mut f: impl FnMut(OdsEvent<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let (mut row, mut col, mut rows_repeated) = (0u64, 0u64, 1u64);
    for_each_tag(reader, |tag, name_end, self_closing| {
        match &tag[..name_end] {
            b"table:table" => {
                row = 0;
                f(OdsEvent::Sheet(tag))?;
            }
            b"table:table-row" => {
                rows_repeated = attribute_number(tag, b"table:number-rows-repeated")
                    .unwrap_or(1)
                    .max(1);
                col = 0;
                if self_closing {
                    row = row.saturating_add(rows_repeated);
                }
            }
            b"/table:table-row" => row = row.saturating_add(rows_repeated),
            b"table:table-cell" | b"table:covered-table-cell" => {
                let columns = attribute_number(tag, b"table:number-columns-repeated")
                    .unwrap_or(1)
                    .max(1);
                f(OdsEvent::Cell(OdsCell {
                    tag,
                    row,
                    col,
                    rows: rows_repeated,
                    columns,
                }))?;
                col = col.saturating_add(columns);
            }
            _ => {}
        }
        Ok(())
    })
}

/// Calls `f` with every tag of an XML stream (the text between `<` and `>`, truncated at
/// 4 KiB: the attributes read come early), the length of its name and whether it closes
/// itself. Text between tags is skipped.
fn for_each_tag(
    reader: &mut impl Read,
    mut f: impl FnMut(&[u8], usize, bool) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut tag: Vec<u8> = Vec::with_capacity(256);
    let mut in_tag = false;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buffer).map_err(corrupt)?;
        if n == 0 {
            return Ok(());
        }
        for &b in &buffer[..n] {
            if !in_tag {
                if b == b'<' {
                    in_tag = true;
                    tag.clear();
                }
                continue;
            }
            if b != b'>' {
                if tag.len() < 4096 {
                    tag.push(b);
                }
                continue;
            }
            in_tag = false;
            // A closing tag's name keeps its leading `/`.
            let name_end = tag
                .iter()
                .skip(1)
                .position(|c| c.is_ascii_whitespace() || *c == b'/')
                .map_or(tag.len(), |p| p + 1);
            let self_closing = tag.last() == Some(&b'/');
            f(&tag, name_end, self_closing)?;
        }
    }
}

/// The merged regions of the ods sheet `name`, from `content.xml` (the reader does not give
/// them): a cell spanning more than one column or row starts one. Positions come from the
/// same walk as the bounds check.
fn ods_merged_regions(
    bytes: &[u8],
    limits: &WorkbookLimits,
    name: &str,
) -> Result<Vec<Region>, Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let entry = zip.by_name("content.xml").map_err(corrupt)?;
    let mut reader = entry.take(limits.max_entry_inflated_bytes);
    let mut regions = Vec::new();
    let mut in_sheet = false;
    let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    for_each_ods_cell(&mut reader, |event| {
        match event {
            OdsEvent::Sheet(tag) => {
                in_sheet = attribute_text(tag, b"table:name").as_deref() == Some(name);
            }
            OdsEvent::Cell(cell) if in_sheet => {
                let columns =
                    attribute_number(cell.tag, b"table:number-columns-spanned").unwrap_or(1);
                let rows = attribute_number(cell.tag, b"table:number-rows-spanned").unwrap_or(1);
                if (columns > 1 || rows > 1) && regions.len() < limits.max_cells as usize {
                    regions.push(Region {
                        start: (to_u32(cell.row), to_u32(cell.col)),
                        end: (
                            to_u32(cell.row.saturating_add(rows.max(1) - 1)),
                            to_u32(cell.col.saturating_add(columns.max(1) - 1)),
                        ),
                    });
                }
            }
            OdsEvent::Cell(_) => {}
        }
        Ok(())
    })?;
    Ok(regions)
}

fn attribute_text(tag: &[u8], attr: &[u8]) -> Option<String> {
    let mut pattern = attr.to_vec();
    pattern.extend_from_slice(b"=\"");
    let start = tag.windows(pattern.len()).position(|w| w == pattern)? + pattern.len();
    let end = tag[start..].iter().position(|b| *b == b'"')? + start;
    Some(String::from_utf8_lossy(&tag[start..end]).into_owned())
}

fn too_many_sheets(limits: &WorkbookLimits) -> Error {
    Error::new(
        "too_many_sheets",
        format!("the workbook has more than {} sheets", limits.max_sheets),
    )
}

/// Checks an OLE compound file: an encrypted Office document (which is how a
/// password-protected xlsx is stored) is named as such; otherwise the BIFF cell records of
/// the `Workbook` stream are scanned for cells beyond the caps and for a shared-string
/// count above the limit, since the xls reader builds dense sheets when it opens the file.
fn check_ole(bytes: &[u8], limits: &WorkbookLimits) -> Result<(), Error> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    if contains(bytes, &utf16("EncryptionInfo")) || contains(bytes, &utf16("EncryptedPackage")) {
        return Err(password_protected());
    }
    let stream = ole_stream(bytes, "Workbook")
        .or_else(|| ole_stream(bytes, "Book"))
        .ok_or_else(|| {
            Error::new(
                "corrupt_archive",
                "an OLE compound file without a readable workbook stream: the file is damaged, or it is encrypted (remove the password and save it again)",
            )
        })?;
    scan_biff(&stream, limits)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The bytes of a named stream of an OLE compound file (only streams held in regular
/// sectors, which is where a workbook stream of 4 KB or more lives), or `None` when the
/// file is not well formed. Every chain is bounded by the number of sectors in the file.
fn ole_stream(bytes: &[u8], wanted: &str) -> Option<Vec<u8>> {
    let sector_shift = u16_at(bytes, 0x1E)?;
    if !(7..=16).contains(&sector_shift) {
        return None;
    }
    let sector_size = 1usize << sector_shift;
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(sector_size)?;
        bytes.get(start..start.checked_add(sector_size)?)
    };
    let max_sectors = bytes.len() / sector_size + 1;
    // The FAT: its sector ids are in the header's DIFAT (109 entries) and its DIFAT chain.
    let mut fat_sectors = Vec::new();
    for i in 0..109 {
        let id = u32_at(bytes, 0x4C + 4 * i)?;
        if id < 0xFFFF_FFFA {
            fat_sectors.push(id);
        }
    }
    let mut difat = u32_at(bytes, 0x44)?;
    let mut hops = 0;
    while difat < 0xFFFF_FFFA && hops < max_sectors {
        let s = sector(difat)?;
        let per = sector_size / 4 - 1;
        for i in 0..per {
            let id = u32_at(s, 4 * i)?;
            if id < 0xFFFF_FFFA {
                fat_sectors.push(id);
            }
        }
        difat = u32_at(s, 4 * per)?;
        hops += 1;
    }
    let mut fat = Vec::new();
    for id in fat_sectors.into_iter().take(max_sectors) {
        let s = sector(id)?;
        fat.extend(
            s.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
    }
    let chain = |start: u32| -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut id = start;
        let mut hops = 0;
        while id < 0xFFFF_FFFA {
            if hops > max_sectors {
                return None;
            }
            out.extend_from_slice(sector(id)?);
            id = *fat.get(id as usize)?;
            hops += 1;
        }
        Some(out)
    };
    let directory = chain(u32_at(bytes, 0x30)?)?;
    let mini_cutoff = u32_at(bytes, 0x38)? as usize;
    for entry in directory.chunks_exact(128) {
        let name_len = usize::from(u16_at(entry, 0x40)?).min(64);
        let name: Vec<u16> = entry[..name_len.saturating_sub(2)]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        if String::from_utf16_lossy(&name) == wanted && entry[0x42] == 2 {
            let start = u32_at(entry, 0x74)?;
            let size = u32_at(entry, 0x78)? as usize;
            let mut data = if size < mini_cutoff {
                // A small stream lives in 64-byte sectors of the mini stream, which is the
                // root entry's stream; the mini FAT chains them.
                let root = directory.get(..128)?;
                let mini_stream = chain(u32_at(root, 0x74)?)?;
                let mini_fat: Vec<u32> = chain(u32_at(bytes, 0x3C)?)?
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let mut out = Vec::new();
                let mut id = start;
                let mut hops = 0;
                while id < 0xFFFF_FFFA {
                    if hops > mini_fat.len() {
                        return None;
                    }
                    let at = (id as usize).checked_mul(64)?;
                    out.extend_from_slice(mini_stream.get(at..at + 64)?);
                    id = *mini_fat.get(id as usize)?;
                    hops += 1;
                }
                out
            } else {
                chain(start)?
            };
            if data.len() < size {
                return None;
            }
            data.truncate(size);
            return Some(data);
        }
    }
    None
}

/// Scans BIFF8 records: cell records carry their row and column first; `MULRK` and
/// `MULBLANK` end with their last column; `SST` declares its string counts.
fn scan_biff(stream: &[u8], limits: &WorkbookLimits) -> Result<(), Error> {
    let mut bounds = Bounds {
        limits,
        sheet: String::from("Workbook"),
        cells: 0,
    };
    let mut at = 0usize;
    while let (Some(kind), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let data = stream.get(at + 4..at + 4 + usize::from(len)).unwrap_or(&[]);
        if data.len() < biff_fixed_length(kind, data) {
            return Err(short_record(kind, at));
        }
        match kind {
            // NUMBER, LABELSST, RK, BOOLERR, LABEL, RSTRING, FORMULA, BLANK
            0x0203 | 0x00FD | 0x027E | 0x0205 | 0x0204 | 0x00D6 | 0x0006 | 0x0201 => {
                if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                    bounds.cell(u64::from(r), u64::from(c), 1)?;
                }
            }
            // MULRK, MULBLANK
            0x00BD | 0x00BE => {
                if let (Some(r), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    u16_at(data, data.len().saturating_sub(2)),
                ) {
                    let count = u64::from(last.saturating_sub(first)) + 1;
                    bounds.cell(u64::from(r), u64::from(last.max(first)), count)?;
                }
            }
            // DIMENSIONS: the xls reader reserves room for the declared area before it reads
            // a cell, so an area beyond the caps (or reversed) is refused here.
            0x0200 => {
                let (first_row, last_row, first_col, last_col) = match data.len() {
                    10 => (
                        u64::from(u16_at(data, 0).unwrap_or(0)),
                        u64::from(u16_at(data, 2).unwrap_or(0)),
                        u64::from(u16_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u64::from(u32_at(data, 0).unwrap_or(0)),
                        u64::from(u32_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 8).unwrap_or(0)),
                        u64::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    // The reader refuses other lengths itself.
                    _ => (0, 0, 0, 0),
                };
                // Both ends are one past the last row and column; an empty sheet says 0. The
                // reader forms the area's height and width by subtractions that overflow
                // when the first row or column is not before the end.
                if last_row > 0 && last_col > 0 {
                    if first_row >= last_row {
                        return Err(short_record(kind, at));
                    }
                    // The reader takes a first column past 0xFF or past the last as 0.
                    let first_col = if first_col > 0xFF || last_col < first_col {
                        0
                    } else {
                        first_col
                    };
                    if first_col >= last_col {
                        return Err(short_record(kind, at));
                    }
                    let area = (last_row - first_row).saturating_mul(last_col - first_col);
                    bounds.area(last_row - 1, last_col - 1, area)?;
                }
            }
            // SST
            0x00FC => {
                let total = u32_at(data, 0).unwrap_or(0);
                let unique = u32_at(data, 4).unwrap_or(0);
                let declared = u64::from(total.max(unique));
                if declared > limits.max_shared_strings {
                    return Err(Error::new(
                        "too_many_shared_strings",
                        format!(
                            "the workbook declares {declared} shared strings, above the limit of {}",
                            limits.max_shared_strings
                        ),
                    ));
                }
            }
            _ => {}
        }
        at += 4 + usize::from(len);
    }
    Ok(())
}

/// The least length of a BIFF record of type `kind` whose fields the xls reader reads
/// without checking the record's length (it would index past the record's end: a panic),
/// `data` being the record's bytes as far as they go. Other records: 0.
fn biff_fixed_length(kind: u16, data: &[u8]) -> usize {
    match kind {
        // FILEPASS, CODEPAGE, DATEMODE, BOF, EXTERNSHEET: a 16-bit field first.
        0x002F | 0x0042 | 0x0022 | 0x0809 | 0x0017 => 2,
        // BOUNDSHEET8: stream position, visibility, type, then the name.
        0x0085 => 6,
        // LBL (a defined name): fixed fields, then the name and its formula of `cce` bytes.
        0x0018 => 14 + u16_at(data, 4).map_or(0, usize::from),
        // MERGECELLS: a count, then eight bytes per region.
        0x00E5 => 2 + 8 * u16_at(data, 0).map_or(0, usize::from),
        _ => 0,
    }
}

/// A BIFF record the xls reader would read past its end, or whose fields contradict each
/// other.
fn short_record(kind: u16, at: usize) -> Error {
    Error::new(
        "corrupt_workbook",
        format!(
            "the record of type {kind:#06x} at byte {at} of the workbook stream is shorter than its fields say, or its fields contradict each other: the file is damaged"
        ),
    )
    .at("Workbook")
}

/// The value of one cell, as read; conversion to the project's types happens in the
/// importer, once.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// A text cell (shared or inline string).
    Text(String),
    /// A number cell, as the file stores it (an IEEE double).
    Number(f64),
    /// A boolean cell.
    Bool(bool),
    /// A cell formatted as a date: its serial number and its calendar date.
    Date {
        /// The serial number as stored (days in the workbook's date system, the fraction
        /// being the time of day); below 1 in the 1900 system means before 1900.
        serial: f64,
        /// Year, month, day.
        ymd: (u16, u8, u8),
    },
    /// A date or date-time in ISO 8601, as ods stores it.
    DateIso(String),
    /// A duration (ISO 8601 text or days), kept for the message when one is misplaced.
    Duration(String),
    /// An error value such as `#DIV/0!`.
    Error(String),
    /// A formula cell that has no cached result.
    Empty,
}

impl CellValue {
    /// How the value reads in a message: text is quoted.
    pub fn describe(&self) -> String {
        match self {
            CellValue::Text(s) => format!("{:?}", greenlight_core::error::echo(s)),
            CellValue::Number(n) => format!("{n}"),
            CellValue::Bool(b) => format!("{b}"),
            CellValue::Date { ymd, .. } => format!("date {:04}-{:02}-{:02}", ymd.0, ymd.1, ymd.2),
            CellValue::DateIso(s) => format!("date {}", greenlight_core::error::echo(s)),
            CellValue::Duration(s) => format!("duration {}", greenlight_core::error::echo(s)),
            CellValue::Error(e) => format!("error {}", greenlight_core::error::echo(e)),
            CellValue::Empty => String::from("an empty cell"),
        }
    }
}

/// One non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Row, from 0.
    pub row: u32,
    /// Column, from 0.
    pub col: u32,
    /// The value (for a formula, its cached result).
    pub value: CellValue,
    /// The formula text without `=`, when the cell holds a formula.
    pub formula: Option<String>,
}

/// A merged region, zero-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Top-left (row, col).
    pub start: (u32, u32),
    /// Bottom-right (row, col).
    pub end: (u32, u32),
}

/// A sheet read sparsely: its non-empty cells in row-major order, and its merged regions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// Non-empty cells sorted by (row, col).
    pub cells: Vec<Cell>,
    /// Merged regions.
    pub merged: Vec<Region>,
}

impl Sheet {
    /// The cell at a zero-based position, if non-empty.
    pub fn get(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells
            .binary_search_by(|c| (c.row, c.col).cmp(&(row, col)))
            .ok()
            .map(|i| &self.cells[i])
    }

    /// The non-empty cells grouped by row, in order.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &[Cell])> {
        self.cells
            .chunk_by(|a, b| a.row == b.row)
            .map(|row| (row[0].row, row))
    }

    /// `Sheet!A1` for a zero-based position.
    pub fn at(&self, row: u32, col: u32) -> String {
        format!("{}!{}", self.name, cell_name(row, col))
    }
}

/// A zero-based position as a cell name: `(0, 0)` is `A1`, `(16, 3)` is `D17`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        u64::from(row) + 1
    )
}

/// The file's bytes, shared by every reader opened on them: the caller's, borrowed, or a
/// copy the workbook owns.
#[derive(Clone)]
enum Bytes<'b> {
    Borrowed(&'b [u8]),
    Owned(std::sync::Arc<[u8]>),
}

impl AsRef<[u8]> for Bytes<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(bytes) => bytes,
            Bytes::Owned(bytes) => bytes,
        }
    }
}

enum Inner<'b> {
    Xlsx(Box<Xlsx<Cursor<Bytes<'b>>>>),
    Xls(Box<Xls<Cursor<Bytes<'b>>>>),
    Ods(Box<Ods<Cursor<Bytes<'b>>>>),
}

/// A workbook opened after [`check_archive`] passed, read within its limits.
pub struct SafeWorkbook<'b> {
    format: Format,
    limits: WorkbookLimits,
    names: Vec<String>,
    inner: Inner<'b>,
    bytes: Bytes<'b>,
    /// Cells read from the workbook, shared by every reader opened on it with
    /// [`SafeWorkbook::reopen`], so the cell cap holds for the workbook as a whole.
    cells_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for SafeWorkbook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafeWorkbook")
            .field("format", &self.format)
            .field("sheets", &self.names)
            .finish()
    }
}

fn reader_error(e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    if text.to_ascii_lowercase().contains("password") {
        return password_protected();
    }
    Error::new(
        "corrupt_workbook",
        format!("the workbook could not be read: {text}"),
    )
}

impl SafeWorkbook<'static> {
    /// Checks `bytes` with [`check_archive`] and opens the workbook on a copy of them.
    pub fn open(bytes: &[u8], limits: &WorkbookLimits) -> Result<SafeWorkbook<'static>, Error> {
        let format = check_archive(bytes, limits)?;
        Self::open_checked(
            Bytes::Owned(bytes.into()),
            limits,
            format,
            Default::default(),
        )
    }
}

impl<'b> SafeWorkbook<'b> {
    /// As [`SafeWorkbook::open`], reading the caller's bytes in place: opening a large file
    /// copies nothing, and the workbook lives no longer than the bytes.
    pub fn open_in_place(
        bytes: &'b [u8],
        limits: &WorkbookLimits,
    ) -> Result<SafeWorkbook<'b>, Error> {
        let format = check_archive(bytes, limits)?;
        Self::open_checked(Bytes::Borrowed(bytes), limits, format, Default::default())
    }

    /// Another reader of the same workbook, to read a second sheet at the same time (on
    /// another thread); it shares the bytes and the count of cells read.
    pub fn reopen(&self) -> Result<SafeWorkbook<'b>, Error> {
        Self::open_checked(
            self.bytes.clone(),
            &self.limits,
            self.format,
            self.cells_read.clone(),
        )
    }

    fn open_checked(
        bytes: Bytes<'b>,
        limits: &WorkbookLimits,
        format: Format,
        cells_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<SafeWorkbook<'b>, Error> {
        let cursor = Cursor::new(bytes.clone());
        let inner = match format {
            Format::Xlsx | Format::Xlsm => {
                Inner::Xlsx(Box::new(Xlsx::new(cursor).map_err(reader_error)?))
            }
            // The xls reader parses every record when it opens the file, and indexes some
            // records' fields without checking their length. `scan_biff` refuses the records
            // known to do so; a panic on another damaged record is still an answer about
            // the file, not the end of the import.
            Format::Xls => {
                let opened = quietly(|| Xls::new(cursor)).ok_or_else(|| {
                    Error::new(
                        "corrupt_workbook",
                        "the workbook could not be read: a record of the workbook stream is damaged",
                    )
                    .at("Workbook")
                })?;
                Inner::Xls(Box::new(opened.map_err(reader_error)?))
            }
            Format::Ods => Inner::Ods(Box::new(Ods::new(cursor).map_err(reader_error)?)),
        };
        let names = match &inner {
            Inner::Xlsx(w) => w.sheet_names(),
            Inner::Xls(w) => w.sheet_names(),
            Inner::Ods(w) => w.sheet_names(),
        };
        if names.len() > limits.max_sheets {
            return Err(too_many_sheets(limits));
        }
        Ok(SafeWorkbook {
            format,
            limits: limits.clone(),
            names,
            inner,
            bytes,
            cells_read,
        })
    }

    /// The limits it is read within.
    pub(crate) fn limits(&self) -> &WorkbookLimits {
        &self.limits
    }

    /// The count of cells read from this workbook, shared by every reader opened on it.
    pub(crate) fn cells_counter(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.cells_read.clone()
    }

    /// The detected format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The sheet names, in workbook order.
    pub fn sheet_names(&self) -> &[String] {
        &self.names
    }

    /// Reads a sheet into a sparse [`Sheet`], within the limits.
    pub fn read_sheet(&mut self, name: &str) -> Result<Sheet, Error> {
        let mut cells = Vec::new();
        self.for_each_row(name, |row| {
            cells.extend_from_slice(row);
            Ok(())
        })?;
        cells.sort_by_key(|c| (c.row, c.col));
        let merged = self.merged_regions(name)?;
        Ok(Sheet {
            name: name.to_owned(),
            cells,
            merged,
        })
    }

    /// The merged regions of a sheet.
    pub fn merged_regions(&mut self, name: &str) -> Result<Vec<Region>, Error> {
        let dims = match &mut self.inner {
            Inner::Xlsx(w) => w.merge_cells_by_sheet_name(name).map_err(reader_error)?,
            Inner::Xls(w) => w.merge_cells_by_sheet_name(name).map_err(reader_error)?,
            // The ods reader does not expose them: read from the sheet's XML.
            Inner::Ods(_) => return ods_merged_regions(self.bytes.as_ref(), &self.limits, name),
        };
        Ok(dims
            .into_iter()
            .map(|d| Region {
                start: d.start,
                end: d.end,
            })
            .collect())
    }

    /// Streams a sheet row by row (each call gets one row's non-empty cells in column
    /// order), stopping with an error at the first cell beyond the limits or at the first
    /// error `f` returns. Rows come in file order, which is top to bottom in files written by
    /// spreadsheet programs.
    pub fn for_each_row(
        &mut self,
        name: &str,
        mut f: impl FnMut(&[Cell]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !self.names.iter().any(|n| n == name) {
            return Err(Error::new(
                "missing_sheet",
                format!("no sheet named {name:?}"),
            ));
        }
        let limits = self.limits.clone();
        let mut row: Vec<Cell> = Vec::new();
        let cells_read = self.cells_read.clone();
        let mut push = |cell: Cell, row: &mut Vec<Cell>| -> Result<(), Error> {
            if cell.row >= limits.max_rows || cell.col >= limits.max_columns {
                return Err(out_of_bounds(name, cell.row, cell.col, &limits));
            }
            let read = cells_read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if read > limits.max_cells {
                return Err(too_many_cells(&limits));
            }
            if row.first().is_some_and(|c| c.row != cell.row) {
                f(row)?;
                row.clear();
            }
            row.push(cell);
            Ok(())
        };
        match &mut self.inner {
            Inner::Xlsx(w) => {
                let mut reader = w.worksheet_cells_reader(name).map_err(reader_error)?;
                while let Some(cell) = reader
                    .next_cell_with_formula()
                    .map_err(|e| reader_error(e).at(name.to_owned()))?
                {
                    let value = from_data_ref(cell.value);
                    let formula = cell.formula.filter(|f| !f.is_empty());
                    if value.is_none() && formula.is_none() {
                        continue;
                    }
                    push(
                        Cell {
                            row: cell.pos.0,
                            col: cell.pos.1,
                            value: value.unwrap_or(CellValue::Empty),
                            formula,
                        },
                        &mut row,
                    )?;
                }
            }
            Inner::Xls(w) => {
                let range = w.worksheet_range(name).map_err(reader_error)?;
                let formulas = w.worksheet_formula(name).map_err(reader_error)?;
                dense_cells(&range, &formulas, |c| push(c, &mut row))?;
            }
            Inner::Ods(w) => {
                let range = w.worksheet_range(name).map_err(reader_error)?;
                let formulas = w.worksheet_formula(name).map_err(reader_error)?;
                dense_cells(&range, &formulas, |c| push(c, &mut row))?;
            }
        }
        if !row.is_empty() {
            f(&row)?;
        }
        Ok(())
    }
}

/// The non-empty cells of an already-built (and pre-checked) range, with their formulas.
fn dense_cells(
    range: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
    mut push: impl FnMut(Cell) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut formula_at = std::collections::BTreeMap::new();
    for (r, c, f) in formulas.used_cells() {
        if !f.is_empty() {
            let (r0, c0) = formulas.start().unwrap_or((0, 0));
            formula_at.insert((r as u32 + r0, c as u32 + c0), f.clone());
        }
    }
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut seen = std::collections::BTreeSet::new();
    for (r, c, data) in range.used_cells() {
        let pos = (r as u32 + r0, c as u32 + c0);
        let formula = formula_at.get(&pos).cloned();
        let value = match (
            from_data(data),
            formula.as_deref().and_then(constant_boolean),
        ) {
            (Some(CellValue::Number(n)), Some(b)) if n == f64::from(u8::from(b)) => {
                Some(CellValue::Bool(b))
            }
            (value, _) => value,
        };
        if value.is_none() && formula.is_none() {
            continue;
        }
        seen.insert(pos);
        push(Cell {
            row: pos.0,
            col: pos.1,
            value: value.unwrap_or(CellValue::Empty),
            formula,
        })?;
    }
    // Formulas whose cell has no cached value at all.
    for (pos, formula) in formula_at {
        if !seen.contains(&pos) {
            push(Cell {
                row: pos.0,
                col: pos.1,
                value: CellValue::Empty,
                formula: Some(formula),
            })?;
        }
    }
    Ok(())
}

/// The boolean a formula stands for when it is the constant `TRUE()` or `FALSE()` (with or
/// without the parentheses, a leading `=` or the OpenFormula `of:` prefix, any case).
/// LibreOffice keeps a yes/no cell it converted from xlsx as the formula `TRUE()` whose
/// result is the number 1 (an ods stores `of:=TRUE()` with a float value), so without this
/// such a flag would read as 1.
fn constant_boolean(formula: &str) -> Option<bool> {
    let f = formula.trim();
    let f = f.strip_prefix("of:").unwrap_or(f);
    let f = f.strip_prefix('=').unwrap_or(f).trim();
    let f = f.strip_suffix("()").unwrap_or(f);
    if f.eq_ignore_ascii_case("TRUE") {
        Some(true)
    } else if f.eq_ignore_ascii_case("FALSE") {
        Some(false)
    } else {
        None
    }
}

fn date_value(d: &calamine::ExcelDateTime) -> CellValue {
    if d.is_duration() {
        return CellValue::Duration(format!("{} days", d.as_f64()));
    }
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    CellValue::Date {
        serial: d.as_f64(),
        ymd: (y, m, day),
    }
}

fn from_data_ref(value: DataRef<'_>) -> Option<CellValue> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::Int(i) => CellValue::Number(i as f64),
        DataRef::Float(f) => CellValue::Number(f),
        DataRef::String(s) => CellValue::Text(s),
        DataRef::SharedString(s) => CellValue::Text(s.to_owned()),
        DataRef::Bool(b) => CellValue::Bool(b),
        DataRef::DateTime(d) => date_value(&d),
        DataRef::DateTimeIso(s) => CellValue::DateIso(s),
        DataRef::DurationIso(s) => CellValue::Duration(s),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    })
}

fn from_data(value: &Data) -> Option<CellValue> {
    Some(match value {
        Data::Empty => return None,
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(f) => CellValue::Number(*f),
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(d) => date_value(d),
        Data::DateTimeIso(s) => CellValue::DateIso(s.clone()),
        Data::DurationIso(s) => CellValue::Duration(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    })
}

/// A panic hook as the process's panic hooks are stored.
type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

thread_local! {
    /// Whether the current thread is inside [`quietly`].
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, answering a panic inside it as `None`, without the panic's report on stderr.
///
/// The report is written by the process's panic hook, which cannot be scoped to a call, so
/// [`quiet_hook`] is installed once, on first use, over the hook that was there. The damaged
/// file is answered with an error of its own; the report would only repeat the reader's
/// internals on the service's stderr beside that answer.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| std::panic::set_hook(quiet_hook(std::panic::take_hook())));
    let was_quiet = QUIET.with(|q| q.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    outcome.ok()
}

/// A hook that stays silent for a panic on a thread inside [`quietly`] and hands every other
/// panic to `previous`.
fn quiet_hook(previous: PanicHook) -> PanicHook {
    Box::new(move |info| {
        if !QUIET.with(std::cell::Cell::get) {
            previous(info);
        }
    })
}

#[cfg(test)]
mod tests {
    /// A panic inside `quietly` is an answer (`None`) and reaches no hook; a panic outside it
    /// on the same thread still reaches the hook that was there before. The counting hook is
    /// set under `quiet_hook` here, since `quietly` installs its own only once per process.
    #[test]
    fn a_panic_inside_quietly_is_none_and_not_reported() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static REPORTED_HERE: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static THIS_TEST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        THIS_TEST.with(|t| t.set(true));
        // Counts this test thread's reports; other tests' threads go on to the hook before.
        let before = std::panic::take_hook();
        std::panic::set_hook(super::quiet_hook(Box::new(move |info| {
            if THIS_TEST.with(std::cell::Cell::get) {
                REPORTED_HERE.fetch_add(1, Ordering::SeqCst);
            } else {
                before(info);
            }
        })));
        assert_eq!(super::quietly(|| 7), Some(7));
        assert_eq!(super::quietly(|| -> u8 { panic!("damaged record") }), None);
        assert_eq!(REPORTED_HERE.load(Ordering::SeqCst), 0);
        let outside = std::panic::catch_unwind(|| -> u8 { panic!("a fault of ours") });
        assert!(outside.is_err());
        assert_eq!(REPORTED_HERE.load(Ordering::SeqCst), 1);
    }

    use super::{ItemCount, References, constant_boolean};

    /// The scan that jumps from quote to quote finds what the byte-by-byte machine finds, in
    /// the same state, whatever the text and wherever it is cut into pieces: texts of
    /// attributes, reference values (some far beyond any sheet), quotes of both kinds and
    /// bytes around them.
    #[test]
    fn references_are_found_as_by_the_machine_byte_by_byte() {
        let mut next = crate::scan::tests::xorshift(0x005e_ed0f_2026);
        let words: [&[u8]; 19] = [
            b"<c r=\"",
            b" r='",
            b" ref=\"",
            b" sqref=\"",
            b"\tr=\"",
            b"\"",
            b"'",
            b"> <v>",
            b"A1",
            b"XFD1048576",
            b"ABCDEF123456789",
            b"ABCDEFG1",
            b"1234567890",
            b"A4294967297",
            b"ZZZZZZZ1",
            b"9999999999",
            b" s=\"3\" t=\"n\"",
            b":B",
            b"qr=\"",
        ];
        let (mut found, mut compared) = (0, 0);
        for _ in 0..4000 {
            let mut text = Vec::new();
            for _ in 0..(next() % 40) {
                text.extend_from_slice(words[(next() % words.len() as u64) as usize]);
            }
            let (mut jumping, mut bytewise) = (References::default(), References::default());
            let mut at = 0;
            while at < text.len() {
                let end = (at + 1 + (next() % 24) as usize).min(text.len());
                jumping.feed(&text[at..end]);
                bytewise.feed_bytewise(&text[at..end]);
                at = end;
            }
            let shown = String::from_utf8_lossy(&text);
            assert_eq!(jumping.beyond, bytewise.beyond, "{shown}");
            if jumping.beyond.is_none() {
                assert_eq!(
                    (jumping.recent, jumping.quote),
                    (bytewise.recent, bytewise.quote),
                    "{shown}"
                );
                // Within a value the reference read so far must agree too; after its end
                // what is left of it is cleared when the next value opens.
                if jumping.quote.is_some() {
                    assert_eq!(
                        (jumping.column, jumping.row, &jumping.text),
                        (bytewise.column, bytewise.row, &bytewise.text),
                        "{shown}"
                    );
                }
            } else {
                found += 1;
            }
            compared += 1;
        }
        // Both outcomes must be common, or the test compares little.
        assert!(
            found > 500 && compared - found > 500,
            "{found} of {compared}"
        );
    }

    #[test]
    fn constant_boolean_formulas_are_their_booleans() {
        for (formula, expected) in [
            ("TRUE()", Some(true)),
            ("=true()", Some(true)),
            ("of:=TRUE()", Some(true)),
            ("FALSE", Some(false)),
            (" =False() ", Some(false)),
            ("TRUE()+0", None),
            ("NOT(TRUE())", None),
            ("1", None),
            ("", None),
        ] {
            assert_eq!(constant_boolean(formula), expected, "{formula:?}");
        }
    }

    fn count_in_pieces(xml: &[u8], piece: usize) -> u64 {
        let mut items = ItemCount::default();
        for chunk in xml.chunks(piece) {
            items.feed(chunk);
        }
        items.count
    }

    #[test]
    fn shared_string_items_are_counted_whatever_the_piece_size() {
        // Written out: a declared table, four items (one empty, one with attributes, one
        // prefixed, one plain) and tags that are not items (`<sst`, `<sis>`, a text `si`).
        let xml = b"<sst count=\"1\"><si/><si a=\"1\"><t>si</t></si><x:si><x:t>b</x:t></x:si><si><t>c</t></si><sis/></sst>";
        for piece in 1..=xml.len() {
            assert_eq!(count_in_pieces(xml, piece), 4, "pieces of {piece} bytes");
        }
    }
}
