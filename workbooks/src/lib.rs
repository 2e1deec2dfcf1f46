//! Excel import (safe, streaming) and export (template, results workbook).
//!
//! The crate is laid out in the workspace now so that dependency edges are fixed from the
//! start (`core` ← `workbooks`); its reader and writer arrive with the workbook work.
