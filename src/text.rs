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
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // Always two places, so columns of money line up.
    r.rescale(2);
    r.to_string()
}

/// A rate for display as a percentage with 4 decimal places, half away from zero.
pub(crate) fn percent(d: Decimal) -> String {
    let mut p = (d * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(4);
    format!("{p}%")
}

/// A physical quantity (MWh, tonnes, passenger-km) for display: at most 3 decimal places,
/// half away from zero, without trailing zeros.
pub(crate) fn quantity(d: Decimal) -> String {
    d.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// A decimal at full precision without trailing zeros.
pub(crate) fn exact(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A finding in the output language: English keeps the engine's message (it may carry
/// figures); Chinese is the text of the stable code, carried in the finding itself.
pub(crate) fn finding(f: &greenlight_core::metrics::Finding, lang: Lang) -> String {
    if lang == Lang::En {
        return f.message.clone();
    }
    f.message_zh.clone()
}

/// Timing within the year, for display.
pub(crate) fn timing(t: greenlight_core::discount::Timing, lang: Lang) -> &'static str {
    use greenlight_core::discount::Timing;
    match t {
        Timing::EndOfYear => lang.pick("end of year", "年末"),
        Timing::MidYear => lang.pick("mid-year", "年中"),
        Timing::BeginningOfYear => lang.pick("beginning of year", "年初"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_show_at_most_three_places() {
        // 8 645 MWh / 3 years = 2 881.666… MWh, as the school retrofit's indicator divides.
        let per_year = Decimal::from(8645) / Decimal::from(3);
        assert_eq!(quantity(per_year), "2881.667");
        assert_eq!(quantity(Decimal::new(12_500, 1)), "1250");
        assert_eq!(quantity(Decimal::new(-25, 4)), "-0.003");
    }
}
