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
/// figures); Chinese maps the stable code.
pub(crate) fn finding(f: &greenlight_core::metrics::Finding, lang: Lang) -> String {
    if lang == Lang::En {
        return f.message.clone();
    }
    let zh = match f.code.as_str() {
        "never_paid_back" => "累计现金流在计算期末仍为负，投资未能回收",
        "no_outlay" => "累计现金流从未为负，无需回收投资",
        "no_negative_flow" => "MIRR 需要至少一笔负现金流（投资）",
        "no_positive_flow" => "MIRR 需要至少一笔正现金流（收益）",
        "zero_costs" => "费用现值为零，比率无定义",
        "no_added_investment" => "备选方案无需追加投资，SIR 无定义（请比较净节约）",
        "sir_not_positive" => "SIR 为零或负值，AIRR 无定义",
        "no_quantity" => "折现后的数量为零，平准化成本无定义",
        "no_debt_service" => "该年无还本付息，DSCR 无定义",
        "no_funding_gap" => "折现净收入不低于折现投资成本：无资金缺口",
        "negative_net_revenue" => "折现净收入为负：缺口率按 100% 计",
        "no_threshold_event" => "损失曲线未从零损失的起始事件开始，年期望损失可能被低估",
        "damage_falls" => "更稀遇事件的损失反而下降，请检查曲线",
        "damage_increases" => "项目使年期望损失增加",
        "tail_rules_differ" => "有无项目两条曲线的尾部规则不同，结果不可比",
        "not_abating" => "项目未产生减排，单位减排成本无定义",
        _ => return f.message.clone(),
    };
    zh.to_owned()
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
