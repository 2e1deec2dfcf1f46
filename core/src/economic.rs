//! The economic (social) view: the project's flows without transfers, plus the shadow value
//! of carbon avoided, avoided flood damage and other benefits, discounted at a social rate.
//!
//! Grants are transfers between parts of society and are left out (EU CBA Guide). Carbon
//! prices are converted explicitly: path value × deflator (path price base → project price
//! base, in the path's currency) × exchange rate (project currency per path currency), and,
//! for nominal projects, inflated from the price base year.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::appraisal::{Figure, RateChoice, rate_or_preset};
use crate::discount::{DiscountRate, discount_factors};
use crate::error::{Error, Result, or_at};
use crate::flood::{AvoidedDamage, avoided_damage};
use crate::metrics::{BenefitCost, benefit_cost, irr};
use crate::num::{add, mul, powi, sub};
use crate::project::{
    Basis, Category, EconomicInput, Period, ProjectInput, YearlyFlows, expand, expand_quantity,
};
use crate::registry::{DataRef, Kind, Registry};
use crate::roots::RootSet;
use crate::sensitivity::{EconomicBenefit, SensitivityView, Variable, view_of};

/// The economic view.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EconomicView {
    /// The social discount rate or schedule applied.
    pub discount_rate: DiscountRate,
    /// Where it came from: `input` or a data-set id.
    pub discount_source: String,
    /// Yearly economic flows.
    pub years: Vec<EconomicYear>,
    /// Economic net present value (ENPV).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub enpv: Decimal,
    /// Every economic rate of return (ERR), flagged.
    pub err: RootSet,
    /// Present value of economic benefits.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv_benefits: Decimal,
    /// Present value of economic costs, positive.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv_costs: Decimal,
    /// Economic benefit–cost ratios.
    pub benefit_cost: Figure<BenefitCost>,
    /// How carbon was valued, when emissions avoided were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carbon: Option<CarbonValuation>,
    /// Expected annual damage avoided, when flood curves were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flood: Option<AvoidedDamage>,
    /// Sensitivity of the ENPV to each category and benefit, when the project asks for the
    /// analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<SensitivityView>,
}

/// One year of the economic view, in project currency and prices.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EconomicYear {
    /// Calendar year.
    pub year: i32,
    /// Financial net flow less grants.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub financial_without_transfers: Decimal,
    /// Tonnes CO2e avoided.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub carbon_tco2e: Decimal,
    /// Shadow price of carbon, project currency per tonne.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub carbon_price: Decimal,
    /// `carbon_tco2e × carbon_price`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub carbon_value: Decimal,
    /// Expected annual damage avoided.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub avoided_damage: Decimal,
    /// Other economic benefits.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub other_benefits: Decimal,
    /// Economic net flow.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub net: Decimal,
    /// Social discount factor.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discount_factor: Decimal,
    /// `net × discount_factor`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_net: Decimal,
}

/// The shadow carbon price used and its conversion.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CarbonValuation {
    /// The path, with version, origin and any override.
    pub path: DataRef,
    /// Path currency and price base year.
    pub path_currency: String,
    /// Price base year of the path.
    pub path_price_base_year: u32,
    /// Project currency per unit of path currency (1 when they are the same).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub exchange_rate: Decimal,
    /// Price level of the project's price base year over the path's (1 when the same).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub deflator: Decimal,
    /// Tonnes avoided over the study period (undiscounted).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tonnes: Decimal,
}

/// The economic view and the data sets it used.
pub(crate) fn economic_view(
    input: &ProjectInput,
    econ: &EconomicInput,
    flows: &YearlyFlows,
    period: &Period,
    registry: &Registry,
    used: &mut Vec<DataRef>,
    computed_abatement: Option<&[Decimal]>,
) -> Result<EconomicView> {
    let n = period.len();
    let (rate, source) = match rate_or_preset(
        econ.discount_rate,
        econ.discount_preset.as_deref(),
        "/economic",
        registry,
        used,
    )? {
        RateChoice::Stated(r) => (DiscountRate::constant(r), "input".to_owned()),
        RateChoice::Preset(rate, id) => (rate, id),
    };
    let all = discount_factors(&rate, input.timeline.timing, period.periods())
        .map_err(|e| e.under("/economic"))?;
    let factors = &all[period.offset as usize..];

    let mut carbon_t = vec![Decimal::ZERO; n];
    let mut carbon_price = vec![Decimal::ZERO; n];
    let mut carbon = None;
    // Tonnes given in the economic input win; otherwise the emissions calculators' abatement
    // is valued whenever a carbon price path is named.
    let tonnes = match (&econ.emissions_avoided_tco2e, computed_abatement) {
        (Some(line), _) => Some(expand_quantity(
            line,
            period,
            "/economic/emissions_avoided_tco2e",
        )?),
        (None, Some(c)) if econ.carbon_price_path.is_some() => Some(c.to_vec()),
        _ => None,
    };
    if let Some(t) = tonnes {
        carbon_t = t;
        let Some(path_id) = &econ.carbon_price_path else {
            return Err(Error::missing(
                "/economic/carbon_price_path",
                "emissions avoided need a shadow carbon price path to be valued",
            ));
        };
        let base = registry
            .get_kind(path_id, Kind::CarbonPricePath)
            .map_err(|e| Error {
                pointer: "/economic/carbon_price_path".into(),
                ..e
            })?;
        let overrides: Vec<(u32, Decimal)> = econ
            .carbon_price_overrides
            .iter()
            .map(|o| (u32::try_from(o.year).unwrap_or(0), o.value))
            .collect();
        let owned;
        let path = if overrides.is_empty() {
            base
        } else {
            owned = base
                .with_overrides(&overrides)
                .map_err(|e| e.under("/economic/carbon_price_overrides"))?;
            &owned
        };
        let path_currency = path.currency.clone().unwrap_or_default();
        let exchange_rate = if path_currency == input.currency {
            econ.exchange_rate.unwrap_or(Decimal::ONE)
        } else {
            econ.exchange_rate.ok_or_else(|| {
                Error::missing(
                    "/economic/exchange_rate",
                    format!("{path_id} is in {path_currency}: give exchange_rate ({} per {path_currency})", input.currency),
                )
            })?
        };
        let path_base = path.price_base_year.unwrap_or(0);
        let deflator = if i64::from(path_base) == i64::from(input.price_base_year) {
            econ.deflator.unwrap_or(Decimal::ONE)
        } else {
            econ.deflator.ok_or_else(|| {
                Error::missing(
                    "/economic/deflator",
                    format!("{path_id} is in {path_base} prices: give deflator, the price level of {} over {path_base}", input.price_base_year),
                )
            })?
        };
        for (name, v) in [("exchange_rate", exchange_rate), ("deflator", deflator)] {
            if v <= Decimal::ZERO {
                return Err(Error::invalid(
                    format!("/economic/{name}"),
                    format!("{name} must be positive"),
                ));
            }
        }
        let conversion =
            mul(exchange_rate, deflator, "carbon price conversion").map_err(|e| Error {
                pointer: "/economic".into(),
                ..e
            })?;
        let growth = match input.finance.basis {
            Basis::Real => None,
            Basis::Nominal => Some(add(
                Decimal::ONE,
                input.finance.inflation.ok_or_else(|| {
                    Error::missing("/finance/inflation", "a nominal project needs inflation to express real carbon prices in current prices")
                })?,
                "1 + inflation",
            )?),
        };
        let mut tonnes = Decimal::ZERO;
        for i in 0..n {
            if carbon_t[i].is_zero() {
                continue;
            }
            let year = period.first_year + i as i32;
            let value = path
                .value_at(u32::try_from(year).unwrap_or(0))
                .map_err(|e| Error {
                    pointer: "/economic/carbon_price_path".into(),
                    ..e
                })?;
            // The price is converted by the view's exchange rate and deflator: an overflow
            // is theirs.
            let on_conversion = |e: Error| Error {
                pointer: "/economic".into(),
                ..e
            };
            let mut price = mul(value, conversion, "carbon price").map_err(on_conversion)?;
            if let Some(g) = growth {
                price = mul(
                    price,
                    powi(
                        g,
                        i64::from(year - input.price_base_year),
                        "inflation factor",
                    )?,
                    "carbon price",
                )
                .map_err(on_conversion)?;
            }
            carbon_price[i] = price;
            tonnes = add(tonnes, carbon_t[i], "tonnes avoided")?;
        }
        used.push(path.data_ref());
        carbon = Some(CarbonValuation {
            path: path.data_ref(),
            path_currency,
            path_price_base_year: path_base,
            exchange_rate,
            deflator,
            tonnes,
        });
    }

    let mut avoided = vec![Decimal::ZERO; n];
    let mut flood = None;
    if let Some(f) = &econ.flood {
        let result = avoided_damage(&f.without, &f.with).map_err(|e| e.under("/economic/flood"))?;
        let from = f
            .from_year
            .unwrap_or(input.timeline.start_year + input.timeline.construction_years as i32);
        let Some(start) = period.index(from) else {
            return Err(Error::invalid(
                "/economic/flood/from_year",
                format!(
                    "{from} is outside the study period {}–{}",
                    period.first_year, period.last_year
                ),
            ));
        };
        for a in &mut avoided[start..] {
            *a = result.avoided;
        }
        flood = Some(result);
    }

    let benefits = expand(
        &econ.benefits,
        &[],
        period,
        input.price_base_year,
        "/economic/benefits",
    )
    .map_err(|e| Error {
        pointer: e
            .pointer
            .replace("/economic/benefits/cash_flows", "/economic/benefits"),
        ..e
    })?;
    let other = benefits.net()?;

    let mut years = Vec::with_capacity(n);
    let (mut enpv, mut pv_b, mut pv_c) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    // Present values by variable, summed only for the sensitivity analysis: the categories
    // by `Category::index`, then the carbon value, the damage avoided and the other benefits.
    let mut by_variable = input.sensitivity.as_ref().map(|_| [Decimal::ZERO; 13]);
    let mut net_series = Vec::with_capacity(n);
    for i in 0..n {
        let mut fin = Decimal::ZERO;
        for c in Category::ALL {
            if c == Category::Grant {
                continue;
            }
            let v = flows.of(c)[i];
            fin = add(fin, v, "economic flow")?;
            let dv = mul(v, factors[i], "discounted flow")?;
            if dv.is_sign_negative() {
                pv_c = sub(pv_c, dv, "PV of costs")?;
            } else {
                pv_b = add(pv_b, dv, "PV of benefits")?;
            }
            if let Some(pv) = &mut by_variable {
                pv[c.index()] = add(pv[c.index()], dv, "present value")?;
            }
        }
        let carbon_value = mul(carbon_t[i], carbon_price[i], "carbon value")?;
        for (k, extra) in [carbon_value, avoided[i], other[i]].into_iter().enumerate() {
            let dv = mul(extra, factors[i], "discounted benefit")?;
            if dv.is_sign_negative() {
                pv_c = sub(pv_c, dv, "PV of costs")?;
            } else {
                pv_b = add(pv_b, dv, "PV of benefits")?;
            }
            if let Some(pv) = &mut by_variable {
                pv[10 + k] = add(pv[10 + k], dv, "present value")?;
            }
        }
        let net = add(
            add(
                add(fin, carbon_value, "economic net")?,
                avoided[i],
                "economic net",
            )?,
            other[i],
            "economic net",
        )?;
        let discounted = mul(net, factors[i], "discounted economic net")?;
        enpv = add(enpv, discounted, "ENPV")?;
        net_series.push(net);
        years.push(EconomicYear {
            year: period.first_year + i as i32,
            financial_without_transfers: fin,
            carbon_tco2e: carbon_t[i],
            carbon_price: carbon_price[i],
            carbon_value,
            avoided_damage: avoided[i],
            other_benefits: other[i],
            net,
            discount_factor: factors[i],
            discounted_net: discounted,
        });
    }
    let guess = rate.rate_for_year(1);
    let err = irr(&net_series, guess)?;
    let sensitivity = match (&input.sensitivity, by_variable) {
        (Some(settings), Some(pv)) => {
            // A row per category the view counts (grants are transfers) and per benefit that
            // has a value in some year.
            let categories = Category::ALL
                .into_iter()
                .filter(|c| *c != Category::Grant && flows.of(*c).iter().any(|v| !v.is_zero()))
                .map(|c| (Variable::Category(c), pv[c.index()]));
            let carbon_values: Vec<Decimal> = years.iter().map(|y| y.carbon_value).collect();
            let benefits = [
                (EconomicBenefit::CarbonValue, &carbon_values),
                (EconomicBenefit::AvoidedDamage, &avoided),
                (EconomicBenefit::OtherBenefits, &other),
            ]
            .into_iter()
            .enumerate()
            .filter(|(_, (_, series))| series.iter().any(|v| !v.is_zero()))
            .map(|(k, (b, _))| (Variable::Benefit(b), pv[10 + k]));
            Some(
                view_of(settings, enpv, categories.chain(benefits))
                    .map_err(or_at("/sensitivity"))?,
            )
        }
        _ => None,
    };
    Ok(EconomicView {
        discount_rate: rate,
        discount_source: source,
        years,
        enpv,
        err,
        pv_benefits: pv_b,
        pv_costs: pv_c,
        benefit_cost: benefit_cost(pv_b, pv_c)?.into(),
        carbon,
        flood,
        sensitivity,
    })
}
