//! Financial metrics on yearly cash-flow series: NPV, IRR, MIRR, payback, ratios and
//! levelised figures.
//!
//! `values[t]` is the net flow of year `t`; year 0 is the base date. Every function states its
//! convention in its name or arguments, and results that are undefined for the data (no IRR,
//! payback never reached, a ratio over zero) are findings, not errors.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::discount::crf;
use crate::error::{Error, Result};
use crate::num::{add, div, mul, nth_root, sub};
use crate::roots::{RootSet, rate_roots};

/// Where the first value of an NPV series sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NpvConvention {
    /// The first value is at t = 0 and is not discounted (appraisal practice).
    #[default]
    T0,
    /// The first value is discounted one period, as the spreadsheet `NPV()` function does.
    Spreadsheet,
}

/// A metric that has no value for the data given, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// A stable code, e.g. `never_paid_back`.
    pub code: String,
    /// A one-line explanation.
    pub message: String,
    /// The same in Chinese, for every reader of the JSON (the page among them): the text of
    /// the code, which names the case (the English message may also carry figures), or the
    /// English message for a code without one.
    #[serde(default)]
    pub message_zh: String,
}

impl Finding {
    /// The Chinese text of a finding code, shared by the command line, the results workbook
    /// and the JSON; `None` for a code without one.
    pub fn chinese_text(code: &str) -> Option<&'static str> {
        let zh = match code {
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
            "no_abating_projects" => "没有项目产生正的减排量，无法绘制边际减排成本曲线",
            "npv_zero" => "财务净现值为零，其相对变化无定义",
            "no_present_value" => "该类现金流现值为零，其变化不影响净现值",
            "out_of_range" => "比值超出十进制数的表示范围",
            _ => return None,
        };
        Some(zh)
    }

    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Finding {
            code: code.to_owned(),
            message_zh: Finding::chinese_text(code).map_or_else(|| message.clone(), str::to_owned),
            message,
        }
    }
}

fn check_rate(rate: Decimal, pointer: &str) -> Result<Decimal> {
    if rate <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            pointer,
            format!("the rate must be greater than -1 (−100 %), got {rate}"),
        ));
    }
    add(Decimal::ONE, rate, "1 + rate")
}

fn check_values(values: &[Decimal], at_least: usize) -> Result<()> {
    if values.len() < at_least {
        let what = if at_least == 1 {
            "one value is"
        } else {
            "two values are"
        };
        return Err(Error::missing(
            "/values",
            format!("at least {what} needed, got {}", values.len()),
        ));
    }
    Ok(())
}

/// Net present value at a constant rate.
///
/// Computed as `Σ vₜ · dfₜ` with `df₀ = 1` and `dfₜ = dfₜ₋₁ / (1+r)`, exact to about 1e-26
/// relative; rounding to cents is left to presentation.
pub fn npv(rate: Decimal, values: &[Decimal], convention: NpvConvention) -> Result<Decimal> {
    check_values(values, 1)?;
    let growth = check_rate(rate, "/rate")?;
    let v = div(Decimal::ONE, growth, "discount factor")?;
    let mut df = match convention {
        NpvConvention::T0 => Decimal::ONE,
        NpvConvention::Spreadsheet => v,
    };
    let mut total = Decimal::ZERO;
    for value in values {
        total = add(total, mul(*value, df, "discounted flow")?, "NPV")?;
        df = mul(df, v, "discount factor")?;
    }
    Ok(total)
}

/// Present value of yearly values under precomputed discount factors (`factors[t]` for year `t`).
pub fn present_value(values: &[Decimal], factors: &[Decimal]) -> Result<Decimal> {
    if factors.len() < values.len() {
        return Err(Error::invalid(
            "/values",
            "more yearly values than discount factors",
        ));
    }
    let mut total = Decimal::ZERO;
    for (value, df) in values.iter().zip(factors) {
        total = add(total, mul(*value, *df, "discounted flow")?, "present value")?;
    }
    Ok(total)
}

/// Internal rate of return: every real root above −100 %, a flag and the selected root.
pub fn irr(values: &[Decimal], guess: Decimal) -> Result<RootSet> {
    check_values(values, 2)?;
    rate_roots(values, None, guess)
}

/// Modified IRR as the spreadsheet `MIRR(values; finance_rate; reinvest_rate)`:
/// `(FV of positive flows at the reinvestment rate / −PV of negative flows at the finance
/// rate)^(1/n) − 1`, with `n` the number of values less one.
pub fn mirr(
    values: &[Decimal],
    finance_rate: Decimal,
    reinvest_rate: Decimal,
) -> Result<std::result::Result<Decimal, Finding>> {
    mirr_with(values, finance_rate, None, reinvest_rate)
}

/// [`mirr`], with the finance-rate factors `1/(1+f)ᵗ` already built when the caller has them:
/// they must be the chain `df₀ = 1`, `dfₜ = dfₜ₋₁ · (1/(1+f))` that `mirr` forms itself (the
/// end-of-year factors of a constant rate `f`, as [`crate::discount::discount_factors`]
/// builds them), so the result is the same to the last digit.
pub(crate) fn mirr_with(
    values: &[Decimal],
    finance_rate: Decimal,
    finance_factors: Option<&[Decimal]>,
    reinvest_rate: Decimal,
) -> Result<std::result::Result<Decimal, Finding>> {
    check_values(values, 2)?;
    let fin = check_rate(finance_rate, "/finance_rate")?;
    let reinv = check_rate(reinvest_rate, "/reinvest_rate")?;
    let n = values.len() - 1;
    let mut pv_negative = Decimal::ZERO;
    let mut fv_positive = Decimal::ZERO;
    match finance_factors.filter(|f| f.len() >= values.len()) {
        Some(factors) => {
            for (value, df) in values.iter().zip(factors) {
                if value.is_sign_negative() {
                    pv_negative = add(
                        pv_negative,
                        mul(*value, *df, "PV of negative flows")?,
                        "PV of negative flows",
                    )?;
                }
            }
        }
        None => {
            let (v_fin, mut df_fin) = (div(Decimal::ONE, fin, "finance discount")?, Decimal::ONE);
            for value in values {
                if value.is_sign_negative() {
                    pv_negative = add(
                        pv_negative,
                        mul(*value, df_fin, "PV of negative flows")?,
                        "PV of negative flows",
                    )?;
                }
                df_fin = mul(df_fin, v_fin, "finance discount")?;
            }
        }
    }
    // Horner's rule compounds each positive flow to year n at the reinvestment rate.
    for value in values {
        fv_positive = mul(fv_positive, reinv, "FV of positive flows")?;
        if value.is_sign_positive() && !value.is_zero() {
            fv_positive = add(fv_positive, *value, "FV of positive flows")?;
        }
    }
    if pv_negative.is_zero() {
        return Ok(Err(Finding::new(
            "no_negative_flow",
            "MIRR needs at least one negative value (an outlay)",
        )));
    }
    if fv_positive.is_zero() {
        return Ok(Err(Finding::new(
            "no_positive_flow",
            "MIRR needs at least one positive value (a return)",
        )));
    }
    let ratio = div(fv_positive, -pv_negative, "MIRR ratio")?;
    if ratio.is_zero() {
        // The inflows are so small beside the outlays that their ratio rounds to zero: its
        // root, and so the MIRR, cannot be told from any other tiny ratio's.
        return Err(Error {
            code: crate::error::ErrorCode::Overflow,
            pointer: String::new(),
            message: format!(
                "MIRR ratio (compounded inflows {fv_positive} over discounted outlays {}) is below the smallest decimal step (1e-28)",
                -pv_negative
            ),
        });
    }
    let root = nth_root(ratio, n as u32, "MIRR")?;
    Ok(Ok(sub(root, Decimal::ONE, "MIRR")?))
}

/// When cumulative (discounted) net flows first reach zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Payback {
    /// `simple` (undiscounted) or `discounted` (discounted from year 0, which is undiscounted).
    pub basis: PaybackBasis,
    /// The first year `T` whose cumulative flow is ≥ 0 (FEMP/E3 style), if ever.
    pub year: Option<u32>,
    /// `(T − 1) + |cum_{T−1}| / flow_T`: the fractional year, assuming even flow within year T.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub interpolated: Option<Decimal>,
    /// The cumulative flow falls below zero again after `year` (e.g. a late replacement).
    pub turns_negative_later: bool,
    /// Why there is no payback, when `year` is absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// Whether payback is measured on plain or discounted flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaybackBasis {
    /// Undiscounted flows (静态投资回收期).
    Simple,
    /// Flows discounted to year 0 (动态投资回收期).
    Discounted,
}

/// Simple payback (`factors` = `None`) or discounted payback with `factors[t]` for year `t`.
pub fn payback(values: &[Decimal], factors: Option<&[Decimal]>) -> Result<Payback> {
    match factors {
        None => payback_of(values, PaybackBasis::Simple),
        Some(f) => {
            if f.len() < values.len() {
                return Err(Error::invalid(
                    "/values",
                    "more values than discount factors",
                ));
            }
            let discounted = values
                .iter()
                .zip(f)
                .map(|(v, df)| mul(*v, *df, "discounted flow"))
                .collect::<Result<Vec<_>>>()?;
            payback_of(&discounted, PaybackBasis::Discounted)
        }
    }
}

/// Payback of flows that are already on the stated basis (discounted when `basis` says so).
pub fn payback_of(flows: &[Decimal], basis: PaybackBasis) -> Result<Payback> {
    payback_by(flows, basis, |_, previous, flow| {
        add(previous, flow, "cumulative flow")
    })
}

/// [`payback_of`] given the running sums of the flows, `cumulative[t] = Σ flows[..=t]` formed
/// by [`add`] from zero as `payback_of` forms them: the yearly table of an appraisal has them
/// already, so they are not summed a second time.
pub(crate) fn payback_with_cumulative(
    flows: &[Decimal],
    cumulative: &[Decimal],
    basis: PaybackBasis,
) -> Result<Payback> {
    debug_assert_eq!(flows.len(), cumulative.len());
    payback_by(flows, basis, |t, _, _| Ok(cumulative[t]))
}

/// The payback of `flows`, with `running(t, cumulative before t, flow t)` giving the
/// cumulative flow through year `t`.
fn payback_by(
    flows: &[Decimal],
    basis: PaybackBasis,
    mut running: impl FnMut(usize, Decimal, Decimal) -> Result<Decimal>,
) -> Result<Payback> {
    check_values(flows, 1)?;
    let mut cumulative = Decimal::ZERO;
    let mut found: Option<(u32, Decimal)> = None;
    let mut turns_negative_later = false;
    let mut ever_negative = false;
    for (t, &flow) in flows.iter().enumerate() {
        let previous = cumulative;
        cumulative = running(t, cumulative, flow)?;
        if cumulative.is_sign_negative() && !cumulative.is_zero() {
            ever_negative = true;
            if found.is_some() {
                turns_negative_later = true;
            }
        } else if found.is_none() && ever_negative {
            let fraction = if flow.is_zero() {
                Decimal::ZERO
            } else {
                div(previous.abs(), flow, "payback fraction")?
            };
            let t = t as u32;
            found = Some((t, add(Decimal::from(t - 1), fraction, "payback")?));
        }
    }
    match found {
        Some((year, interpolated)) => Ok(Payback {
            basis,
            year: Some(year),
            interpolated: Some(interpolated),
            turns_negative_later,
            finding: None,
        }),
        None if !ever_negative => Ok(Payback {
            basis,
            year: Some(0),
            interpolated: Some(Decimal::ZERO),
            turns_negative_later: false,
            finding: Some(Finding::new(
                "no_outlay",
                "the cumulative flow is never negative: nothing to pay back",
            )),
        }),
        None => Ok(Payback {
            basis,
            year: None,
            interpolated: None,
            turns_negative_later: false,
            finding: Some(Finding::new(
                "never_paid_back",
                format!(
                    "the cumulative flow is still negative after year {}",
                    flows.len() - 1
                ),
            )),
        }),
    }
}

/// Benefit–cost ratios, both labelled because tools disagree on which one "BCR" means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BenefitCost {
    /// `PV benefits / PV costs` (EU CBA Guide, Green Book).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub bcr: Decimal,
    /// `(PV benefits − PV costs) / PV costs`, i.e. `bcr − 1` (NIST E3's "BCR").
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub net_bcr: Decimal,
}

/// BCR and net BCR from present values of gross benefits and gross costs (both ≥ 0).
pub fn benefit_cost(
    pv_benefits: Decimal,
    pv_costs: Decimal,
) -> Result<std::result::Result<BenefitCost, Finding>> {
    if pv_costs.is_zero() {
        return Ok(Err(Finding::new(
            "zero_costs",
            "the present value of costs is zero, so no ratio is defined",
        )));
    }
    let bcr = div(pv_benefits, pv_costs, "BCR")?;
    Ok(Ok(BenefitCost {
        bcr,
        net_bcr: sub(bcr, Decimal::ONE, "net BCR")?,
    }))
}

/// Savings-to-investment ratio (NIST Handbook 135): `PV of net operational savings /
/// PV of additional investment-related cost` (investment + replacements − residual value).
pub fn sir(
    pv_savings: Decimal,
    pv_added_investment: Decimal,
) -> Result<std::result::Result<Decimal, Finding>> {
    if pv_added_investment <= Decimal::ZERO {
        return Ok(Err(Finding::new(
            "no_added_investment",
            "the alternative needs no additional investment, so SIR is undefined (compare net savings instead)",
        )));
    }
    Ok(Ok(div(pv_savings, pv_added_investment, "SIR")?))
}

/// Adjusted internal rate of return (NIST Handbook 135): `(1 + r) · SIR^(1/N) − 1`, with `r`
/// the reinvestment rate (FEMP: the discount rate) and `N` the study period in years.
pub fn airr(
    sir: Decimal,
    reinvest_rate: Decimal,
    years: u32,
) -> Result<std::result::Result<Decimal, Finding>> {
    let growth = check_rate(reinvest_rate, "/reinvest_rate")?;
    if years == 0 {
        return Err(Error::invalid(
            "/years",
            "the study period must be at least one year",
        ));
    }
    if sir <= Decimal::ZERO {
        return Ok(Err(Finding::new(
            "sir_not_positive",
            "AIRR is undefined when SIR is zero or negative",
        )));
    }
    let root = nth_root(sir, years, "AIRR")?;
    Ok(Ok(sub(mul(growth, root, "AIRR")?, Decimal::ONE, "AIRR")?))
}

/// Equivalent annual cost: a present value spread over years 1..N, `PV · CRF(d, N)`.
pub fn equivalent_annual(pv: Decimal, rate: Decimal, years: u32) -> Result<Decimal> {
    mul(pv, crf(rate, years)?, "equivalent annual amount")
}

/// A levelised cost: `Σ costₜ·dfₜ / Σ quantityₜ·dfₜ` — LCOE when the quantity is energy
/// produced, the levelised cost of conserved energy when it is energy saved. The quantity is
/// discounted too, which is what makes the figure a constant real price.
pub fn levelised_cost(
    costs: &[Decimal],
    quantities: &[Decimal],
    factors: &[Decimal],
) -> Result<std::result::Result<Decimal, Finding>> {
    let pv_cost = present_value(costs, factors)?;
    let pv_quantity = present_value(quantities, factors)?;
    if pv_quantity <= Decimal::ZERO {
        return Ok(Err(Finding::new(
            "no_quantity",
            "the discounted quantity is zero or negative, so no levelised cost is defined",
        )));
    }
    Ok(Ok(div(pv_cost, pv_quantity, "levelised cost")?))
}
