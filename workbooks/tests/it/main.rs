//! Integration tests of the workbooks crate.

mod import;
mod round_trip;
mod safety;
mod start;
mod support;
