//! Labels for human-readable output in English and Simplified Chinese, and the presentation
//! rounding rules.
//!
//! Rounding happens here and nowhere else: money is shown to 2 decimal places and rates as
//! percentages to 4 decimal places, both rounded half away from zero (as the spreadsheet
//! `ROUND` does). JSON output is never rounded.

use rust_decimal::{Decimal, RoundingStrategy};

/// The language of human-readable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Lang {
    /// English.
    En,
    /// 简体中文 (Simplified Chinese).
    Zh,
}

impl Lang {
    /// Picks the English or the Chinese text.
    pub(crate) fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// Money for display: 2 decimal places, half away from zero.
pub(crate) fn money(d: Decimal) -> String {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .to_string()
}

/// A rate for display as a percentage with 4 decimal places, half away from zero.
pub(crate) fn percent(d: Decimal) -> String {
    let p = (d * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    format!("{p}%")
}

/// A decimal at full precision without trailing zeros.
pub(crate) fn exact(d: Decimal) -> String {
    d.normalize().to_string()
}
