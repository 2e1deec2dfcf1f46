//! One-at-a-time sensitivity of the financial NPV to each cash-flow category: the NPV with
//! the category's flows changed by the tested variation either way, the elasticity of the NPV
//! to the category and its switching value.
//!
//! The NPV is a sum of present values by category, so changing every flow of a category by
//! the same share `s` changes the NPV by exactly `s · PV_c`:
//!
//! - `NPV∓ = NPV ∓ v · PV_c` (the category's flows times `1 ∓ v`);
//! - elasticity `E = PV_c / NPV`: the relative change of the NPV per relative change of the
//!   category (the Chinese method's 敏感度系数, `(ΔA/A) / (ΔF/F)`);
//! - switching value `SV = −NPV / PV_c`: the relative change of the category that brings the
//!   NPV to zero ("by how much a variable would have to fall, if it is a benefit, or rise, if
//!   it is a cost, to make it not worth undertaking": HM Treasury, *The Green Book*, 2003,
//!   §5.70; the Chinese method's 临界点).
//!
//! Each is exact from the figures the appraisal already has; no flow is discounted again.
//! The discount rate is not a category: its switching value is the IRR.
//!
//! The economic view gets the same analysis of its ENPV, at the social discount rate, over
//! the categories it counts (all but grants, which are transfers) and its own benefits: the
//! carbon value, the expected annual damage avoided and the other benefits.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::appraisal::{CategoryPv, Figure};
use crate::error::{Error, Result};
use crate::metrics::Finding;
use crate::num::{add, checked_div, mul, sub};
use crate::project::{Category, SensitivityInput, YearlyFlows};
use crate::trace::{Text, TraceInput, TraceStep};

/// The variation tested when none is given: ±1 %.
pub const DEFAULT_VARIATION: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// The sensitivity of an NPV (the financial NPV, or the ENPV in the economic view) to each of
/// its variables.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SensitivityView {
    /// The relative change tested on each variable, e.g. `"0.01"` for ±1 %.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub variation: Decimal,
    /// The NPV analysed, as appraised.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub npv: Decimal,
    /// One row per variable with a flow, the largest present value (in size) first.
    pub variables: Vec<SensitiveVariable>,
}

/// What a row of the analysis changes: a cash-flow category, or a benefit only the economic
/// view has. Written as its name (`"savings"`, `"carbon_value"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Variable {
    /// Every flow of a cash-flow category.
    Category(Category),
    /// A benefit of the economic view.
    Benefit(EconomicBenefit),
}

/// The benefits of the economic view besides the financial flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EconomicBenefit {
    /// Emissions avoided times the shadow carbon price.
    CarbonValue,
    /// Expected annual damage avoided (flood protection).
    AvoidedDamage,
    /// The other economic benefits given.
    OtherBenefits,
}

impl EconomicBenefit {
    /// The name in English and Chinese.
    pub fn label(self) -> Text {
        match self {
            EconomicBenefit::CarbonValue => Text::new("Carbon value", "碳减排价值"),
            EconomicBenefit::AvoidedDamage => Text::new("Flood damage avoided", "避免的洪灾损失"),
            EconomicBenefit::OtherBenefits => Text::new("Other economic benefits", "其他经济效益"),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            EconomicBenefit::CarbonValue => "carbon_value",
            EconomicBenefit::AvoidedDamage => "avoided_damage",
            EconomicBenefit::OtherBenefits => "other_benefits",
        }
    }
}

impl Variable {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Variable::Category(c) => c.as_str(),
            Variable::Benefit(b) => b.as_str(),
        }
    }

    /// The name in English and Chinese.
    pub fn label(self) -> Text {
        match self {
            Variable::Category(c) => c.label(),
            Variable::Benefit(b) => b.label(),
        }
    }
}

/// How the NPV depends on one variable.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SensitiveVariable {
    /// The category, or the economic benefit.
    pub variable: Variable,
    /// Its name in English and Chinese.
    pub label: Text,
    /// Present value of its flows, signed as the flows are.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub present_value: Decimal,
    /// The NPV with every flow of the category times `1 − variation`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub npv_down: Decimal,
    /// The NPV with every flow of the category times `1 + variation`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub npv_up: Decimal,
    /// Relative change of the NPV per relative change of the category: `PV / NPV`.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub elasticity: Figure<Decimal>,
    /// Relative change of the category that brings the NPV to zero: `−NPV / PV` (e.g.
    /// `"0.25"`: the flows 25 % larger; `"-0.2"`: 20 % smaller).
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub switching_value: Figure<Decimal>,
}

/// The variation asked for, checked: above 0 and at most 1.
fn variation_of(input: &SensitivityInput) -> Result<Decimal> {
    let v = input.variation.unwrap_or(DEFAULT_VARIATION);
    if v <= Decimal::ZERO || v > Decimal::ONE {
        return Err(Error::invalid(
            "/sensitivity/variation",
            format!(
                "expected a relative change above 0 and at most 1, e.g. \"0.01\" for ±1 %, got {v}"
            ),
        ));
    }
    Ok(v)
}

/// The sensitivity view of a project whose financial NPV is `npv`, from its flows (which
/// categories have any) and their present values.
pub(crate) fn sensitivity_view(
    input: &SensitivityInput,
    npv: Decimal,
    flows: &YearlyFlows,
    pv: &CategoryPv,
) -> Result<SensitivityView> {
    let rows = Category::ALL
        .into_iter()
        .filter(|c| flows.of(*c).iter().any(|v| !v.is_zero()))
        .map(|c| (Variable::Category(c), pv.get(c)));
    view_of(input, npv, rows)
}

/// The view of an NPV that is the sum of the present values in `rows`, one for each variable
/// with a flow (a variable without one adds nothing to the NPV and gets no row).
pub(crate) fn view_of(
    input: &SensitivityInput,
    npv: Decimal,
    rows: impl IntoIterator<Item = (Variable, Decimal)>,
) -> Result<SensitivityView> {
    let variation = variation_of(input)?;
    let mut variables = Vec::new();
    for (variable, present_value) in rows {
        let change = mul(variation, present_value, "sensitivity change")?;
        variables.push(SensitiveVariable {
            variable,
            label: variable.label(),
            present_value,
            npv_down: sub(npv, change, "NPV with the variable decreased")?,
            npv_up: add(npv, change, "NPV with the variable increased")?,
            elasticity: ratio(present_value, npv, "npv_zero", || {
                "the NPV is zero, so its relative change is undefined".to_owned()
            }),
            switching_value: ratio(-npv, present_value, "no_present_value", || {
                format!(
                    "the flows of {} have a present value of zero, so no change of them moves the NPV",
                    variable.as_str()
                )
            }),
        });
    }
    // The tornado order: the variable that moves the NPV most first; ties keep the order of
    // the rows (the sort is stable).
    variables.sort_by_key(|v| std::cmp::Reverse(v.present_value.abs()));
    Ok(SensitivityView {
        variation,
        npv,
        variables,
    })
}

/// `numerator / denominator`, or the finding `code` when the denominator is zero; a quotient
/// beyond the decimal range is a finding too, not an error of the whole appraisal.
fn ratio(
    numerator: Decimal,
    denominator: Decimal,
    code: &str,
    why_zero: impl FnOnce() -> String,
) -> Figure<Decimal> {
    if denominator.is_zero() {
        return Figure::None {
            finding: Finding::new(code, why_zero()),
        };
    }
    match checked_div(numerator, denominator) {
        Some(q) => Figure::Value(q),
        None => Figure::None {
            finding: Finding::new(
                "out_of_range",
                format!("{numerator} / {denominator} is beyond the decimal range"),
            ),
        },
    }
}

/// Which NPV a view is of, for its working: the financial NPV or the ENPV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OfNpv {
    Financial,
    Economic,
}

/// The working of each row: one step per variable.
pub(crate) fn trace_sensitivity(
    steps: &mut Vec<TraceStep>,
    input: &SensitivityInput,
    view: &SensitivityView,
    currency: &str,
    of: OfNpv,
) {
    let (prefix, npv_step, pv_of, npv_en, npv_zh) = match of {
        OfNpv::Financial => (
            "sensitivity",
            "financial.npv",
            "PV of",
            "the NPV",
            "财务净现值",
        ),
        OfNpv::Economic => (
            "economic.sensitivity",
            "economic.enpv",
            "economic PV of",
            "the ENPV",
            "经济净现值",
        ),
    };
    let variation_source = if input.variation.is_some() {
        "input:/sensitivity/variation"
    } else {
        "default (±1 %)"
    };
    for v in &view.variables {
        let text = |f: &Figure<Decimal>| match f {
            Figure::Value(d) => d.to_string(),
            Figure::None { finding } => finding.message.clone(),
        };
        steps.push(TraceStep {
            id: format!("{prefix}.{}", v.variable.as_str()),
            title: Text::new(
                format!("sensitivity of {npv_en} to {}", v.label.en.to_lowercase()),
                format!("{npv_zh}对{}的敏感性", v.label.zh),
            ),
            formula: "SV = −NPV / PV;  E = PV / NPV;  NPV∓ = NPV ∓ v · PV".into(),
            inputs: vec![
                TraceInput::new("NPV", view.npv, currency, format!("computed:{npv_step}")),
                TraceInput::new(
                    "PV",
                    v.present_value,
                    currency,
                    format!("computed:{pv_of} {}", v.variable.as_str()),
                ),
                TraceInput::new("v", view.variation, "1", variation_source),
            ],
            result: text(&v.switching_value),
            unit: "1".into(),
            note: Some(Text::new(
                format!(
                    "SV is the relative change of the category's flows that brings the NPV to zero; E = {}, the relative change of the NPV per relative change of the flows; NPV− = {} and NPV+ = {} {currency}, with the flows changed by −v and +v",
                    text(&v.elasticity),
                    v.npv_down,
                    v.npv_up
                ),
                format!(
                    "临界点 SV 为使财务净现值降为零的该类现金流相对变化；敏感度系数 E = {}，为净现值相对变化与该类现金流相对变化之比；该类现金流变化 −v、+v 时净现值分别为 {} 和 {} {currency}",
                    text(&v.elasticity),
                    v.npv_down,
                    v.npv_up
                ),
            )),
        });
    }
}
