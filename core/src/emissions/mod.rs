//! Emissions abatement: the common frame every sector calculator reports in.
//!
//! `ER_y = BE_y − PE_y − LE_y` (baseline, project, leakage), by gas, per year of the study
//! period; CO2e is formed only at the end with a named GWP set, so the set used is always
//! explicit. Calculators are pure functions of unit-bearing inputs and a [`Context`] that
//! carries the per-year grid factor and the fuel factors resolved from the registry.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::num::{add, mul};
use crate::trace::TraceStep;

/// Tonnes of each greenhouse gas; CH4 is split because AR6 gives fossil and biogenic CH4
/// different GWPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct GasTonnes {
    /// Tonnes CO2.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub co2: Decimal,
    /// Tonnes fossil CH4 (gas leaks, fuel combustion).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ch4_fossil: Decimal,
    /// Tonnes biogenic CH4 (landfill, composting, digestion, wastewater).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ch4_biogenic: Decimal,
    /// Tonnes N2O.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub n2o: Decimal,
}

impl GasTonnes {
    /// Only CO2.
    pub fn co2(t: Decimal) -> Self {
        GasTonnes {
            co2: t,
            ..GasTonnes::default()
        }
    }

    /// Gas by gas sum.
    pub fn plus(self, o: GasTonnes) -> Result<GasTonnes> {
        Ok(GasTonnes {
            co2: sum(self.co2, o.co2, "CO2")?,
            ch4_fossil: sum(self.ch4_fossil, o.ch4_fossil, "CH4")?,
            ch4_biogenic: sum(self.ch4_biogenic, o.ch4_biogenic, "CH4")?,
            n2o: sum(self.n2o, o.n2o, "N2O")?,
        })
    }

    /// Gas by gas difference.
    pub fn minus(self, o: GasTonnes) -> Result<GasTonnes> {
        Ok(GasTonnes {
            co2: sum(self.co2, -o.co2, "CO2")?,
            ch4_fossil: sum(self.ch4_fossil, -o.ch4_fossil, "CH4")?,
            ch4_biogenic: sum(self.ch4_biogenic, -o.ch4_biogenic, "CH4")?,
            n2o: sum(self.n2o, -o.n2o, "N2O")?,
        })
    }

    /// Tonnes CO2e under a GWP set.
    pub fn co2e(&self, gwp: &Gwp) -> Result<Decimal> {
        let mut t = self.co2;
        for (m, g, what) in [
            (self.ch4_fossil, gwp.ch4_fossil, "CH4 CO2e"),
            (self.ch4_biogenic, gwp.ch4_biogenic, "CH4 CO2e"),
            (self.n2o, gwp.n2o, "N2O CO2e"),
        ] {
            if !m.is_zero() {
                t = add(t, mul(m, g, what)?, "CO2e")?;
            }
        }
        Ok(t)
    }
}

/// [`GasTonnes::co2e`] over the years of one series, reusing a gas's CO2e product while that
/// gas's tonnes are written exactly as in the year before (a fuel burnt at a steady rate gives
/// the same CH4 and N2O every year). The product is a function of the operands' digits and
/// scales only, so each result is the plain method's, bit for bit (tested).
pub(crate) struct Co2eSeries<'a> {
    gwp: &'a Gwp,
    /// Per gas (fossil CH4, biogenic CH4, N2O): the last tonnes, as written, and their product.
    last: [Option<([u8; 16], Decimal)>; 3],
}

impl<'a> Co2eSeries<'a> {
    pub(crate) fn new(gwp: &'a Gwp) -> Self {
        Co2eSeries {
            gwp,
            last: [None; 3],
        }
    }

    /// The CO2e of `g`, as `g.co2e(gwp)` gives it.
    pub(crate) fn co2e(&mut self, g: &GasTonnes) -> Result<Decimal> {
        let mut t = g.co2;
        for (slot, (m, f, what)) in self.last.iter_mut().zip([
            (g.ch4_fossil, self.gwp.ch4_fossil, "CH4 CO2e"),
            (g.ch4_biogenic, self.gwp.ch4_biogenic, "CH4 CO2e"),
            (g.n2o, self.gwp.n2o, "N2O CO2e"),
        ]) {
            if m.is_zero() {
                continue;
            }
            let written = m.serialize();
            let product = match slot {
                Some((w, p)) if *w == written => *p,
                _ => {
                    let p = mul(m, f, what)?;
                    *slot = Some((written, p));
                    p
                }
            };
            t = add(t, product, "CO2e")?;
        }
        Ok(t)
    }
}

/// `a + b`, skipping the decimal addition when either side is zero: most gases are zero in
/// most years, and an addition that aligns scales is not free.
fn sum(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    if b.is_zero() {
        Ok(a)
    } else if a.is_zero() {
        Ok(b)
    } else {
        add(a, b, what)
    }
}

/// GWP100 values of a set (CO2 = 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Gwp {
    /// The set's id, e.g. `ipcc-ar5-gwp100`.
    pub id: String,
    /// Fossil CH4.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ch4_fossil: Decimal,
    /// Biogenic (non-fossil) CH4.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ch4_biogenic: Decimal,
    /// N2O.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub n2o: Decimal,
}

/// One year of a calculator's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct YearGases {
    /// Baseline emissions BE: what would happen without the project.
    pub baseline: GasTonnes,
    /// Project emissions PE.
    pub project: GasTonnes,
    /// Leakage LE: emissions the project causes outside its boundary.
    pub leakage: GasTonnes,
}

/// An ICMA Harmonised Framework impact indicator a calculator reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ImpactIndicator {
    /// Indicator key with its unit, e.g. `energy_saved_mwh_per_year`, `capacity_installed_mw`.
    pub key: String,
    /// Its value (per year for `_per_year` keys, else a stock).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub value: Decimal,
}

/// What every sector calculator returns.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalculatorOutput {
    /// One entry per year of the study period, index 0 = first year.
    pub years: Vec<YearGases>,
    /// ICMA impact indicators.
    pub indicators: Vec<ImpactIndicator>,
    /// The working: activity × factor (× GWP later), with sources.
    pub steps: Vec<TraceStep>,
}

/// Factors for one fuel, resolved from the registry or given by the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FuelFactor {
    /// Fuel key, e.g. `diesel`, `natural_gas`.
    pub fuel: String,
    /// Net calorific value, GJ per unit of `unit`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ncv_gj_per_unit: Decimal,
    /// The physical unit the NCV is per: `t`, `m3`, `l` (litre).
    pub unit: String,
    /// CO2 per GJ of fuel, tonnes.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub co2_t_per_gj: Decimal,
    /// CH4 per GJ, tonnes (stationary or mobile as the set says); 0 when not given.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ch4_t_per_gj: Decimal,
    /// N2O per GJ, tonnes; 0 when not given.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub n2o_t_per_gj: Decimal,
    /// Data-set id it came from, or `input` (set by the engine for a project's own values).
    #[serde(default)]
    pub source: String,
}

/// Fuel factors by key.
pub trait FuelLookup {
    /// The factors of `fuel`, or an `unknown_data` error naming the known fuels.
    fn fuel(&self, fuel: &str) -> Result<FuelFactor>;
}

/// What a calculator needs besides its own inputs.
pub struct Context<'a> {
    /// Calendar year of index 0 of every yearly vector.
    pub first_year: i32,
    /// Number of years in the study period.
    pub years: usize,
    /// Grid electricity factor per year, tCO2/MWh, for electricity consumed or saved
    /// (a consumption/average factor, or a path).
    pub grid_t_per_mwh: &'a [Decimal],
    /// Grid factor per year for electricity *displaced by generation* (a combined margin
    /// where the project chose one; otherwise the same as `grid_t_per_mwh`).
    pub grid_displaced_t_per_mwh: &'a [Decimal],
    /// Where the grid factors came from (a data-set id or `input`), for the trace.
    pub grid_source: &'a str,
    /// Fuel factors.
    pub fuels: &'a dyn FuelLookup,
    /// Heat factor, tCO2 per GJ of purchased heat.
    pub heat_t_per_gj: Decimal,
    /// Whether the working is wanted: formatting it is a tenth of a portfolio appraisal, so
    /// calculators may skip it when it will be discarded.
    pub trace: bool,
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::energy::tests::assorted_decimals;
    use super::{Co2eSeries, GasTonnes, Gwp};

    // Series of yearly tonnes where each gas keeps its written value for a few years, changes
    // scale without changing value (`5` then `5.0`), or is zero: the reused products must be
    // exactly the plain method's.
    #[test]
    fn co2e_over_a_series_is_the_plain_co2e_bit_for_bit() {
        let values: Vec<Decimal> = assorted_decimals()
            .into_iter()
            .filter(|d| d.abs() < Decimal::from(1_000_000_000_000i64))
            .collect();
        let gwp = Gwp {
            id: "test".into(),
            ch4_fossil: Decimal::new(297, 1),
            ch4_biogenic: Decimal::from(28),
            n2o: Decimal::from(265),
        };
        let mut series = Co2eSeries::new(&gwp);
        let mut g = GasTonnes::default();
        for (i, v) in values.iter().enumerate() {
            match i % 7 {
                0 => g.co2 = *v,
                1 => g.ch4_fossil = *v,
                2 => g.n2o = *v,
                3 => g.ch4_biogenic = *v,
                4 => g.ch4_fossil *= Decimal::new(10, 1),
                5 => g.n2o = Decimal::ZERO,
                _ => {}
            }
            let plain = g.co2e(&gwp).expect("plain CO2e");
            let reused = series.co2e(&g).expect("series CO2e");
            assert_eq!(reused.serialize(), plain.serialize(), "{g:?}");
        }
    }
}

pub mod abatement;
pub mod cost;
pub mod energy;
pub mod factors;
pub mod grid;
pub mod transport;
pub mod waste;
