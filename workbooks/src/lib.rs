//! Excel import (safe, streaming) and export (template, results workbook).
//!
//! Every byte of an uploaded workbook is untrusted: the archive is checked before any
//! spreadsheet reader sees it, and sheets are read only by streaming, within typed limits.

mod error;
pub mod exercise;
pub mod fields;
pub mod import;
pub mod limits;
pub mod pipeline;
pub mod report;
pub mod safety;
mod scan;
pub mod template;

pub use error::Error;
pub use import::{
    ImportSink, ImportSummary, ImportedProject, ImportedWorkbook, ProjectLocator, SettingsLocator,
    import_workbook, import_workbook_streamed,
};
pub use limits::WorkbookLimits;
pub use pipeline::{WorkbookAppraisal, WorkbookRun, appraise_workbook};
pub use report::{ReportOptions, results_workbook};
pub use safety::{Format, SafeWorkbook, check_archive};

/// The language of headers, labels and explanations written into a workbook. Import accepts
/// headers in either language, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The English or the Chinese text, by language.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}
