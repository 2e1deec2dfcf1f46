//! The one error type of `greenlight-rules`: a pack that cannot be loaded, or a rule that
//! failed while running. A verdict — even "not eligible" — is never an error.

use std::fmt;

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The pack id (or folder name before the id is known).
    pub pack: String,
    /// The file at fault, relative to the pack folder (`pack.toml`, `rules/x.rhai`, …).
    pub file: String,
    /// The rule id, when the error belongs to one rule.
    pub rule: Option<String>,
    /// Line and column in `file`, when known.
    pub position: Option<(usize, usize)>,
    /// The kind of failure.
    pub kind: RuleErrorKind,
    /// A one-line explanation.
    pub message: String,
}

/// Kinds of [`RuleError`]; part of the contract (machine codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleErrorKind {
    /// A pack file is missing, malformed or inconsistent.
    InvalidPack,
    /// A script does not compile.
    Compile,
    /// A script failed while running (type error, missing function, …).
    Runtime,
    /// A script hit a limit (operations, call depth, sizes, the time deadline).
    Limit,
    /// A script returned something that is not a verdict.
    NotAVerdict,
}

impl RuleErrorKind {
    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleErrorKind::InvalidPack => "invalid_pack",
            RuleErrorKind::Compile => "rule_compile_error",
            RuleErrorKind::Runtime => "rule_runtime_error",
            RuleErrorKind::Limit => "rule_limit_exceeded",
            RuleErrorKind::NotAVerdict => "rule_not_a_verdict",
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.pack, self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, " ({rule})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleError {}

impl RuleError {
    pub(crate) fn pack(pack: &str, file: &str, message: impl Into<String>) -> Self {
        RuleError {
            pack: pack.into(),
            file: file.into(),
            rule: None,
            position: None,
            kind: RuleErrorKind::InvalidPack,
            message: message.into(),
        }
    }
}
