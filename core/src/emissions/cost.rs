//! Cost per tonne of CO2e abated, under a named convention, and marginal abatement cost
//! (MAC) curves.
//!
//! Three conventions are in use and give different numbers for the same project, so every
//! figure carries its [`CostPerTonneBasis`]:
//! - **levelised**: `Σ C_t·DF_t / Σ ER_t·DF_t`, tonnes discounted like money — a constant
//!   real price per tonne that recovers the costs;
//! - **annualised**: `EAC / ER_annual` with `EAC = CAPEX·CRF(r, n) + ΔOPEX − savings`, for
//!   constant annual abatement; equal to the levelised figure when costs and tonnes are
//!   constant;
//! - **undiscounted tonnes**: `Σ C_t·DF_t / Σ ER_t`, common in simple MAC curves; lower than
//!   the levelised figure and flagged as not levelised.
//!
//! A negative cost per tonne is a net saving. When the project does not abate (tonnes ≤ 0)
//! there is no cost per tonne: the result is a `not_abating` finding, never a negative figure
//! that would read as a saving.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::discount::crf;
use crate::error::{Error, Result};
use crate::metrics::{Finding, present_value};
use crate::num::{add, div, mul, sub};

/// The convention of a cost per tonne.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostPerTonneBasis {
    /// `Σ C_t·DF_t / Σ ER_t·DF_t`.
    Levelised,
    /// `(CAPEX·CRF + ΔOPEX − savings) / ER_annual`.
    Annualised,
    /// `Σ C_t·DF_t / Σ ER_t`: tonnes not discounted; not a levelised figure.
    UndiscountedTonnes,
}

/// A cost per tonne with the two terms it divides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CostPerTonne {
    /// The convention.
    pub basis: CostPerTonneBasis,
    /// Money per tCO2e; negative is a net saving.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cost_per_t: Decimal,
    /// The numerator: present value of net costs (levelised, undiscounted tonnes) or the
    /// equivalent annual cost (annualised), money.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cost: Decimal,
    /// The denominator: discounted tonnes, undiscounted tonnes or tonnes per year, tCO2e.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tonnes_co2e: Decimal,
    /// Whether the figure is levelised (tonnes and money on the same discounted footing):
    /// false only for `undiscounted_tonnes`.
    pub levelised: bool,
}

pub(crate) fn not_abating(what: &str, tonnes: Decimal) -> Finding {
    Finding::new(
        "not_abating",
        format!(
            "{what} is {tonnes} tCO2e: the project does not abate, so no cost per tonne is defined"
        ),
    )
}

fn check_series(net_cost: &[Decimal], tonnes: &[Decimal], factors: &[Decimal]) -> Result<()> {
    if net_cost.is_empty() {
        return Err(Error::missing("/net_cost", "at least one year is needed"));
    }
    if tonnes.len() != net_cost.len() {
        return Err(Error::invalid(
            "/tonnes_co2e",
            format!(
                "{} years of tonnes for {} years of costs: give both for the same years",
                tonnes.len(),
                net_cost.len()
            ),
        ));
    }
    if factors.len() != net_cost.len() {
        return Err(Error::invalid(
            "/factors",
            format!(
                "{} discount factors for {} years of costs: give one per year",
                factors.len(),
                net_cost.len()
            ),
        ));
    }
    Ok(())
}

/// Levelised cost per tonne, `Σ C_t·DF_t / Σ ER_t·DF_t`.
///
/// `net_cost[t]` is the net cost of year `t` (costs less savings and revenues; CAPEX in the
/// year it is spent), `tonnes_co2e[t]` the abatement of year `t`, `factors[t]` its discount
/// factor (e.g. from [`crate::discount::discount_factors`]); the three cover the same years.
/// A finding `not_abating` when the discounted tonnes are ≤ 0.
pub fn levelised_cost_per_tonne(
    net_cost: &[Decimal],
    tonnes_co2e: &[Decimal],
    factors: &[Decimal],
) -> Result<std::result::Result<CostPerTonne, Finding>> {
    check_series(net_cost, tonnes_co2e, factors)?;
    let cost = present_value(net_cost, factors)?;
    let tonnes = present_value(tonnes_co2e, factors)?;
    if tonnes <= Decimal::ZERO {
        return Ok(Err(not_abating("the discounted abatement", tonnes)));
    }
    Ok(Ok(CostPerTonne {
        basis: CostPerTonneBasis::Levelised,
        cost_per_t: div(cost, tonnes, "cost per tonne")?,
        cost,
        tonnes_co2e: tonnes,
        levelised: true,
    }))
}

/// Cost per undiscounted tonne, `Σ C_t·DF_t / Σ ER_t` — not levelised (flagged so): it
/// understates the price per tonne whenever the rate is positive and abatement comes later
/// than the costs. Same arguments and finding as [`levelised_cost_per_tonne`].
pub fn undiscounted_tonnes_cost_per_tonne(
    net_cost: &[Decimal],
    tonnes_co2e: &[Decimal],
    factors: &[Decimal],
) -> Result<std::result::Result<CostPerTonne, Finding>> {
    check_series(net_cost, tonnes_co2e, factors)?;
    let cost = present_value(net_cost, factors)?;
    let tonnes = tonnes_co2e
        .iter()
        .try_fold(Decimal::ZERO, |acc, t| add(acc, *t, "tonnes abated"))?;
    if tonnes <= Decimal::ZERO {
        return Ok(Err(not_abating("the total abatement", tonnes)));
    }
    Ok(Ok(CostPerTonne {
        basis: CostPerTonneBasis::UndiscountedTonnes,
        cost_per_t: div(cost, tonnes, "cost per tonne")?,
        cost,
        tonnes_co2e: tonnes,
        levelised: false,
    }))
}

/// The terms of the annualised (equivalent annual cost) form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnualisedCostInput {
    /// Investment at the base date (t = 0), money.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub capex: Decimal,
    /// Discount rate per year (> −1).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Years over which the investment is annualised (≥ 1).
    pub years: u32,
    /// Change in operating cost per year, money (positive = more cost).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub delta_opex_per_year: Decimal,
    /// Energy and other savings per year, money.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub savings_per_year: Decimal,
    /// Abatement per year, tCO2e, constant over the years.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tonnes_co2e_per_year: Decimal,
}

/// Annualised cost per tonne: `(CAPEX·CRF(r, n) + ΔOPEX − savings) / ER_annual`, with
/// `CRF = r(1+r)^n / ((1+r)^n − 1)` (`1/n` at r = 0). A finding `not_abating` when the
/// annual abatement is ≤ 0.
pub fn annualised_cost_per_tonne(
    input: &AnnualisedCostInput,
) -> Result<std::result::Result<CostPerTonne, Finding>> {
    if input.years == 0 {
        return Err(Error::invalid(
            "/years",
            "the annualisation period must be at least one year",
        ));
    }
    let factor = crf(input.rate, input.years)?;
    let w = "equivalent annual cost";
    let mut eac = mul(input.capex, factor, w)?;
    eac = add(eac, input.delta_opex_per_year, w)?;
    eac = sub(eac, input.savings_per_year, w)?;
    let tonnes = input.tonnes_co2e_per_year;
    if tonnes <= Decimal::ZERO {
        return Ok(Err(not_abating("the annual abatement", tonnes)));
    }
    Ok(Ok(CostPerTonne {
        basis: CostPerTonneBasis::Annualised,
        cost_per_t: div(eac, tonnes, "cost per tonne")?,
        cost: eac,
        tonnes_co2e: tonnes,
        levelised: true,
    }))
}

/// Whether the widths of a MAC curve are tonnes per year or over the lifetime; one curve
/// never mixes the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TonnesBasis {
    /// tCO2e per year.
    Annual,
    /// tCO2e over the project's life.
    Lifetime,
}

/// One project offered to a MAC curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MacRow {
    /// Project id, unique within the curve.
    pub project_id: String,
    /// Cost per tCO2e (under one convention for the whole curve), money.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cost_per_t: Decimal,
    /// Abatement, tCO2e, on the curve's tonnes basis.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tonnes_co2e: Decimal,
}

/// The projects of a MAC curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MacInput {
    /// Annual or lifetime tonnes.
    pub tonnes_basis: TonnesBasis,
    /// The projects, in any order.
    pub rows: Vec<MacRow>,
}

/// One bar of a MAC curve: width = tonnes, height = cost per tonne.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MacBar {
    /// Project id.
    pub project_id: String,
    /// Height, money per tCO2e.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cost_per_t: Decimal,
    /// Width, tCO2e.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tonnes_co2e: Decimal,
    /// Cumulative tonnes at the bar's left edge.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cumulative_from_t: Decimal,
    /// Cumulative tonnes at its right edge.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cumulative_to_t: Decimal,
}

/// A project left off the curve, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MacExclusion {
    /// Project id.
    pub project_id: String,
    /// Why it has no bar.
    pub finding: Finding,
}

/// A MAC curve: bars from the cheapest to the dearest tonne.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MacCurve {
    /// Annual or lifetime tonnes.
    pub tonnes_basis: TonnesBasis,
    /// Bars by ascending cost per tonne; equal costs by project id.
    pub bars: Vec<MacBar>,
    /// Total width, tCO2e.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub total_tonnes_co2e: Decimal,
    /// Projects without a bar (tonnes ≤ 0).
    pub excluded: Vec<MacExclusion>,
    /// Set when no project abates, so there is no curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// Builds a MAC curve: rows with positive tonnes sorted by cost per tonne (ties by project id,
/// so the order never depends on the input order), each bar placed after the previous one.
///
/// Errors: an empty or repeated project id (pointer `/rows/{i}/project_id`).
pub fn mac_curve(input: &MacInput) -> Result<MacCurve> {
    let mut kept: Vec<&MacRow> = Vec::with_capacity(input.rows.len());
    let mut excluded = Vec::new();
    let mut ids: Vec<(&str, usize)> = Vec::with_capacity(input.rows.len());
    for (i, row) in input.rows.iter().enumerate() {
        if row.project_id.is_empty() {
            return Err(Error::missing(
                format!("/rows/{i}/project_id"),
                "every row needs a project id",
            ));
        }
        ids.push((row.project_id.as_str(), i));
        if row.tonnes_co2e <= Decimal::ZERO {
            excluded.push(MacExclusion {
                project_id: row.project_id.clone(),
                finding: not_abating("the abatement", row.tonnes_co2e),
            });
        } else {
            kept.push(row);
        }
    }
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::invalid(
            format!("/rows/{}/project_id", w[1].1.max(w[0].1)),
            format!(
                "the project id {} is given twice (rows {} and {})",
                w[0].0,
                w[0].1.min(w[1].1),
                w[0].1.max(w[1].1)
            ),
        ));
    }
    kept.sort_by(|a, b| {
        a.cost_per_t
            .cmp(&b.cost_per_t)
            .then_with(|| a.project_id.cmp(&b.project_id))
    });
    let mut cumulative = Decimal::ZERO;
    let mut bars = Vec::with_capacity(kept.len());
    for row in kept {
        let from = cumulative;
        cumulative = add(cumulative, row.tonnes_co2e, "cumulative tonnes")?;
        bars.push(MacBar {
            project_id: row.project_id.clone(),
            cost_per_t: row.cost_per_t,
            tonnes_co2e: row.tonnes_co2e,
            cumulative_from_t: from,
            cumulative_to_t: cumulative,
        });
    }
    let finding = bars.is_empty().then(|| {
        Finding::new(
            "no_abating_projects",
            "no project abates a positive tonnage, so there is no curve",
        )
    });
    Ok(MacCurve {
        tonnes_basis: input.tonnes_basis,
        bars,
        total_tonnes_co2e: cumulative,
        excluded,
        finding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discount::{DiscountRate, Timing, discount_factors};
    use rust_decimal_macros::dec;

    fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
        (a - b).abs() <= tol
    }

    /// CAPEX 1000 at t = 0, net costs 100, 120, 90 and tonnes 50, 60, 40 in years 1–3, at 5 %.
    /// Multiplying numerator and denominator by 1.05³ = 1.157625:
    /// costs 1000 × 1.157625 + 100 × 1.1025 + 120 × 1.05 + 90 = 1483.875,
    /// tonnes 50 × 1.1025 + 60 × 1.05 + 40 = 158.125,
    /// levelised = 1483.875 / 158.125 = 9.38418972332015810276679841897…;
    /// undiscounted tonnes: PV costs 1281.82701652089407191448 / 150 = 8.54551344347262714609…
    #[test]
    fn levelised_and_undiscounted_by_hand() {
        let df =
            discount_factors(&DiscountRate::constant(dec!(0.05)), Timing::EndOfYear, 3).unwrap();
        let cost = [dec!(1000), dec!(100), dec!(120), dec!(90)];
        let tonnes = [dec!(0), dec!(50), dec!(60), dec!(40)];
        let l = levelised_cost_per_tonne(&cost, &tonnes, &df)
            .unwrap()
            .unwrap();
        assert_eq!(l.basis, CostPerTonneBasis::Levelised);
        assert!(l.levelised);
        assert!(close(
            l.cost_per_t,
            dec!(1483.875) / dec!(158.125),
            dec!(1e-24)
        ));
        assert!(close(
            l.cost_per_t,
            dec!(9.384189723320158102766798419),
            dec!(1e-24)
        ));
        assert!(close(
            l.cost,
            dec!(1281.827016520894071914480078),
            dec!(1e-22)
        ));

        let u = undiscounted_tonnes_cost_per_tonne(&cost, &tonnes, &df)
            .unwrap()
            .unwrap();
        assert_eq!(u.basis, CostPerTonneBasis::UndiscountedTonnes);
        assert!(!u.levelised);
        assert_eq!(u.tonnes_co2e, dec!(150));
        assert!(close(
            u.cost_per_t,
            dec!(8.545513443472627146096533852),
            dec!(1e-24)
        ));
        assert!(u.cost_per_t < l.cost_per_t);
    }

    /// CAPEX 10 000, 6 %, 10 years, ΔOPEX 500, savings 200, 250 t a year:
    /// CRF = 0.06 × 1.06¹⁰ / (1.06¹⁰ − 1) = 0.135867958220383819774734829825,
    /// EAC = 1358.67958220383819774734829825 + 300 = 1658.67958220383819774734829825,
    /// cost/t = 6.63471832881535279098939319300.
    #[test]
    fn annualised_by_hand() {
        let input = AnnualisedCostInput {
            capex: dec!(10000),
            rate: dec!(0.06),
            years: 10,
            delta_opex_per_year: dec!(500),
            savings_per_year: dec!(200),
            tonnes_co2e_per_year: dec!(250),
        };
        let a = annualised_cost_per_tonne(&input).unwrap().unwrap();
        assert_eq!(a.basis, CostPerTonneBasis::Annualised);
        assert!(close(
            a.cost,
            dec!(1658.679582203838197747348298),
            dec!(1e-22)
        ));
        assert!(close(
            a.cost_per_t,
            dec!(6.634718328815352790989393193),
            dec!(1e-24)
        ));
        // Savings larger than costs: a negative cost per tonne is a net saving, allowed.
        let saving = AnnualisedCostInput {
            savings_per_year: dec!(5000),
            ..input
        };
        assert!(
            annualised_cost_per_tonne(&saving)
                .unwrap()
                .unwrap()
                .cost_per_t
                < Decimal::ZERO
        );
        let none = AnnualisedCostInput {
            tonnes_co2e_per_year: dec!(0),
            ..input
        };
        assert_eq!(
            annualised_cost_per_tonne(&none).unwrap().unwrap_err().code,
            "not_abating"
        );
        let zero_years = AnnualisedCostInput { years: 0, ..input };
        assert_eq!(
            annualised_cost_per_tonne(&zero_years).unwrap_err().pointer,
            "/years"
        );
    }

    /// With CAPEX at t = 0 and constant costs C and tonnes Q in years
    /// 1..n, `(CAPEX + C·UPV) / (Q·UPV) = (CAPEX·CRF + C) / Q` since CRF = 1/UPV.
    #[test]
    fn levelised_equals_annualised_when_costs_and_tonnes_are_constant() {
        for (rate, n) in [
            (dec!(0.06), 10u32),
            (dec!(0.035), 30),
            (dec!(0), 7),
            (dec!(0.12), 1),
        ] {
            let df = discount_factors(&DiscountRate::constant(rate), Timing::EndOfYear, n).unwrap();
            let mut cost = vec![dec!(25000)];
            cost.extend(std::iter::repeat_n(dec!(800) - dec!(300), n as usize));
            let mut tonnes = vec![dec!(0)];
            tonnes.extend(std::iter::repeat_n(dec!(410), n as usize));
            let l = levelised_cost_per_tonne(&cost, &tonnes, &df)
                .unwrap()
                .unwrap();
            let a = annualised_cost_per_tonne(&AnnualisedCostInput {
                capex: dec!(25000),
                rate,
                years: n,
                delta_opex_per_year: dec!(800),
                savings_per_year: dec!(300),
                tonnes_co2e_per_year: dec!(410),
            })
            .unwrap()
            .unwrap();
            // Both sides round at the 28th digit in a few dozen operations.
            assert!(
                close(l.cost_per_t, a.cost_per_t, dec!(1e-20)),
                "{rate} {n}: {} vs {}",
                l.cost_per_t,
                a.cost_per_t
            );
        }
    }

    #[test]
    fn not_abating_is_a_finding_and_bad_series_are_errors() {
        let df = [dec!(1), dec!(0.9)];
        let r =
            levelised_cost_per_tonne(&[dec!(100), dec!(10)], &[dec!(5), dec!(-10)], &df).unwrap();
        // 5 − 9 = −4 discounted tonnes: no figure, never −25 per tonne.
        assert_eq!(r.unwrap_err().code, "not_abating");
        let r =
            undiscounted_tonnes_cost_per_tonne(&[dec!(100), dec!(10)], &[dec!(0), dec!(0)], &df)
                .unwrap();
        assert_eq!(r.unwrap_err().code, "not_abating");
        let e = levelised_cost_per_tonne(&[dec!(1)], &[dec!(1), dec!(2)], &df[..1]).unwrap_err();
        assert_eq!(e.pointer, "/tonnes_co2e");
        let e = levelised_cost_per_tonne(&[dec!(1)], &[dec!(1)], &df).unwrap_err();
        assert_eq!(e.pointer, "/factors");
        let e = levelised_cost_per_tonne(&[], &[], &[]).unwrap_err();
        assert_eq!(e.pointer, "/net_cost");
    }

    #[test]
    fn mac_curve_sorts_by_cost_then_id_and_accumulates_widths() {
        let row = |id: &str, c, t| MacRow {
            project_id: id.into(),
            cost_per_t: c,
            tonnes_co2e: t,
        };
        let input = MacInput {
            tonnes_basis: TonnesBasis::Annual,
            rows: vec![
                row("pv-roof", dec!(35), dec!(1200)),
                row("led", dec!(-40), dec!(300)),
                row("bus", dec!(120), dec!(800)),
                row("compost", dec!(35), dec!(500)),
                row("idle", dec!(10), dec!(0)),
            ],
        };
        let curve = mac_curve(&input).unwrap();
        let order: Vec<_> = curve
            .bars
            .iter()
            .map(|b| {
                (
                    b.project_id.as_str(),
                    b.cumulative_from_t,
                    b.cumulative_to_t,
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                ("led", dec!(0), dec!(300)),
                ("compost", dec!(300), dec!(800)),
                ("pv-roof", dec!(800), dec!(2000)),
                ("bus", dec!(2000), dec!(2800)),
            ]
        );
        assert_eq!(curve.total_tonnes_co2e, dec!(2800));
        assert_eq!(curve.excluded.len(), 1);
        assert_eq!(curve.excluded[0].finding.code, "not_abating");
        assert!(curve.finding.is_none());

        let mut reversed = input.clone();
        reversed.rows.reverse();
        assert_eq!(mac_curve(&reversed).unwrap().bars, curve.bars);

        let mut dup = input.clone();
        dup.rows.push(row("bus", dec!(1), dec!(1)));
        assert_eq!(mac_curve(&dup).unwrap_err().pointer, "/rows/5/project_id");
        let empty = MacInput {
            tonnes_basis: TonnesBasis::Lifetime,
            rows: vec![row("idle", dec!(1), dec!(-3))],
        };
        assert_eq!(
            mac_curve(&empty).unwrap().finding.unwrap().code,
            "no_abating_projects"
        );
    }
}
