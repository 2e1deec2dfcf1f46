//! End-to-end tests of the `greenlight` binary, run as a user would run it.

mod appraise;
mod calc;
mod exercises;
mod report;
mod rules;
mod serve;
mod snapshots;
mod workbook;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The shipped LED street-lighting example (the README's main command).
pub(crate) const LED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/led-street-lighting.json"
);

/// The shipped flood-wall example, with financing and an economic view.
pub(crate) const FLOOD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/flood-wall.json"
);

/// Runs the binary with `args` and `stdin`, returning its output.
pub(crate) fn greenlight(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the greenlight binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the input");
    child
        .wait_with_output()
        .expect("the greenlight binary finishes")
}

/// Standard output as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard error as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}
