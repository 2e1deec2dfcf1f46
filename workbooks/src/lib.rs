//! Excel import (safe, streaming) and export (template, results workbook).
//!
//! Every byte of an uploaded workbook is untrusted: the archive is checked before any
//! spreadsheet reader sees it, and sheets are read only by streaming, within typed limits.

mod error;

pub use error::Error;
