//! Integration tests of the workbooks crate.

mod safety;
mod support;
