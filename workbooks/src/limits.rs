//! The typed limits every uploaded workbook is read within.

/// Bounds on an uploaded workbook, checked before and while it is read. A file beyond any
/// of them is rejected with an [`Error`](crate::Error) naming the limit; none is ever
/// trusted from the file's own declarations.
///
/// The defaults admit the template filled with 100 000 projects × 30 years and reject the
/// known hostile shapes (fake shared-string counts, corner cells at `XFD1048576`, deflate
/// bombs) in milliseconds and a few megabytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookLimits {
    /// Largest file accepted, in bytes (default 64 MiB). The only bound on an `.xls`
    /// beyond the row and column caps, since BIFF files are not compressed.
    pub max_upload_bytes: u64,
    /// Most entries in the zip archive (default 1 000; the template has about 20).
    pub max_zip_entries: usize,
    /// Most bytes one archive entry may inflate to, counted while inflating, never read
    /// from the declared size (default 512 MiB: a 100 000-project cash-flow sheet of
    /// 30 years is about 330 MiB of XML).
    pub max_entry_inflated_bytes: u64,
    /// Most bytes all entries together may inflate to (default 1 GiB).
    pub max_total_inflated_bytes: u64,
    /// Most bytes `xl/sharedStrings.xml` may inflate to (default 64 MiB), since the
    /// reader loads every shared string into memory when the workbook is opened.
    pub max_shared_strings_bytes: u64,
    /// Most shared strings, declared by `count` or `uniqueCount` or held by the table
    /// (default 1 000 000).
    pub max_shared_strings: u64,
    /// Most rows in a sheet: a cell below this row is rejected (default 1 048 576,
    /// the spreadsheet grid).
    pub max_rows: u32,
    /// Most columns in a sheet: a cell right of this column is rejected (default 512,
    /// enough for a label block and 200 years).
    pub max_columns: u32,
    /// Most non-empty cells read from one workbook (default 20 000 000).
    pub max_cells: u64,
    /// Most sheets in a workbook (default 256).
    pub max_sheets: usize,
}

impl Default for WorkbookLimits {
    fn default() -> Self {
        WorkbookLimits {
            max_upload_bytes: 64 << 20,
            max_zip_entries: 1_000,
            max_entry_inflated_bytes: 512 << 20,
            max_total_inflated_bytes: 1 << 30,
            max_shared_strings_bytes: 64 << 20,
            max_shared_strings: 1_000_000,
            max_rows: 1_048_576,
            max_columns: 512,
            max_cells: 20_000_000,
            max_sheets: 256,
        }
    }
}
