//! The one error type of `greenlight-core`.
//!
//! Errors are for inputs the engine cannot work with (a rate at −100 %, an empty series,
//! an amount that overflows). Outcomes that are answers in their own right — no IRR, a
//! payback that is never reached — are findings in the result types, not errors.

use std::fmt;

/// Why a calculation could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// A stable machine code, e.g. `invalid_argument`.
    pub code: ErrorCode,
    /// The argument or field at fault, as a JSON pointer into the request (e.g. `/values/3`);
    /// empty when the problem is not tied to one field.
    pub pointer: String,
    /// A lowercase, one-line explanation without a trailing period.
    pub message: String,
}

/// Machine codes of [`Error`]. They are part of the public contract: never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An argument is outside the domain of the function (rate ≤ −100 %, nper 0, …).
    InvalidArgument,
    /// A required argument is missing or a list is too short.
    MissingArgument,
    /// An intermediate or final value does not fit the 96-bit decimal range.
    Overflow,
    /// Reference data that the registry does not hold: an unknown data set, or a year that a
    /// set does not cover.
    UnknownData,
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::MissingArgument => "missing_argument",
            ErrorCode::Overflow => "overflow",
            ErrorCode::UnknownData => "unknown_data",
        }
    }
}

impl Error {
    /// An argument outside the function's domain.
    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::InvalidArgument,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// A missing argument or a list that is too short.
    pub fn missing(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::MissingArgument,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// A value beyond the decimal range, with what was being computed.
    pub fn overflow(what: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::Overflow,
            pointer: String::new(),
            message: format!("{} exceeds the decimal range (about ±7.9e28)", what.into()),
        }
    }

    /// Reference data the registry does not hold (an unknown set, an uncovered year).
    pub fn unknown_data(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::UnknownData,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The same error, re-anchored under a parent pointer (e.g. `/projects/2`).
    pub fn under(mut self, parent: &str) -> Self {
        self.pointer = format!("{parent}{}", self.pointer);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// An error that names no field placed at `section`, the part of the input whose values the
/// failing computation read (ARCHITECTURE.md, "Where a late error points").
pub(crate) fn or_at(section: &str) -> impl Fn(Error) -> Error + Copy + '_ {
    move |e| {
        if e.pointer.is_empty() {
            e.under(section)
        } else {
            e
        }
    }
}

/// How many characters of a value from the input an error message repeats.
pub const ECHO_CHARS: usize = 64;

/// A value from the input as an error message repeats it: whole when it has at most
/// [`ECHO_CHARS`] characters, else its first [`ECHO_CHARS`] characters, `…` and its length in
/// bytes (`abc…… (1048576 bytes)`), so a megabyte id comes back a line long, once per error.
/// `Display` shows the text as it is, `Debug` quoted and escaped as `{:?}` would.
///
/// Every message that repeats text from the input goes through this, or through
/// [`echo_within`] for messages another library wrote.
pub fn echo(value: &str) -> Echo<'_> {
    Echo(value)
}

/// See [`echo`].
#[derive(Clone, Copy)]
pub struct Echo<'a>(&'a str);

impl Echo<'_> {
    /// The shown part and whether it is cut.
    fn head(&self) -> (&str, bool) {
        match self.0.char_indices().nth(ECHO_CHARS) {
            Some((end, _)) => (&self.0[..end], true),
            None => (self.0, false),
        }
    }
}

impl fmt::Display for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head() {
            (head, true) => write!(f, "{head}… ({} bytes)", self.0.len()),
            (all, false) => f.write_str(all),
        }
    }
}

impl fmt::Debug for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head() {
            (head, true) => write!(f, "{head:?}… ({} bytes)", self.0.len()),
            (all, false) => write!(f, "{all:?}"),
        }
    }
}

/// `message`, written by another library (serde's "unknown variant `…`", "invalid value:
/// string \"…\""), with `value` repeated in it, as it is or quoted and escaped, cut as
/// [`echo`] cuts it. A short value leaves the message as it is.
pub fn echo_within(message: String, value: &str) -> String {
    if value.chars().nth(ECHO_CHARS).is_none() {
        return message;
    }
    let quoted = format!("{value:?}");
    if message.contains(&quoted) {
        return message.replace(&quoted, &format!("{:?}", echo(value)));
    }
    if message.contains(value) {
        return message.replace(value, &echo(value).to_string());
    }
    message
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
