//! The one error type of `greenlight-workbooks`.
//!
//! A workbook problem always says where it is: a sheet and cell (`CashFlows!D17`), a sheet,
//! or the archive entry at fault. Findings about projects (not eligible, no IRR) are never
//! errors; they travel in the appraisal results.

use std::fmt;

/// Why a workbook could not be read or written, or what is wrong in one of its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// A stable machine code, e.g. `entry_too_large`, `expected_number`. Never renamed.
    pub code: &'static str,
    /// Where: `Sheet!A1`, `Sheet`, or an archive entry such as `xl/sharedStrings.xml`;
    /// empty when the problem concerns the whole file.
    pub location: String,
    /// A lowercase, one-line explanation without a trailing period.
    pub message: String,
}

impl Error {
    /// A problem with the whole file.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error {
            code,
            location: String::new(),
            message: message.into(),
        }
    }

    /// The same problem, placed at `location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = location.into();
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

impl std::error::Error for Error {}
