//! Integration tests of the workbooks crate.

mod import;
mod safety;
mod support;
