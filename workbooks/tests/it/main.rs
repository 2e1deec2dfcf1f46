//! Integration tests of the workbooks crate.

mod import;
mod mutations;
mod mutator;
mod ods_xls_mutations;
mod round_trip;
mod safety;
mod start;
mod support;
