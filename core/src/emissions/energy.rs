//! Energy-sector calculators: building efficiency by carrier, rooftop PV, LED street lighting,
//! district heating, water supply and wastewater treatment.
//!
//! Every calculator takes annual quantities for a typical full year of operation, the calendar
//! years they apply to (`years: [first, last]`, inside the study period), and the [`Context`];
//! it returns one [`YearGases`] per year of the study period (zero outside the active years),
//! the ICMA impact indicators that apply and the working. The helpers at the top are shared
//! with the transport calculators.

use std::ops::RangeInclusive;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CalculatorOutput, Context, FuelFactor, GasTonnes, ImpactIndicator, YearGases};
use crate::error::{Error, Result};
use crate::num::{add, div, mul, powi, sub};
use crate::trace::{Text, TraceInput, TraceStep};

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// GJ per MWh.
pub(super) const GJ_PER_MWH: Decimal = Decimal::from_parts(36, 0, 0, false, 1);

/// The study-period indices of `years`, or an error on `/years` when the range is reversed or
/// leaves the study period.
pub(super) fn active_years(years: [i32; 2], ctx: &Context) -> Result<RangeInclusive<usize>> {
    let [a, b] = years;
    if a > b {
        return Err(Error::invalid(
            "/years",
            format!("the first year {a} is after the last year {b}"),
        ));
    }
    let last = i64::from(ctx.first_year) + ctx.years as i64 - 1;
    for y in [a, b] {
        if i64::from(y) < i64::from(ctx.first_year) || i64::from(y) > last {
            return Err(Error::invalid(
                "/years",
                format!("{y} is outside the study period {}–{last}", ctx.first_year),
            ));
        }
    }
    Ok((a - ctx.first_year) as usize..=(b - ctx.first_year) as usize)
}

/// A quantity that cannot be negative.
pub(super) fn non_negative(v: Decimal, pointer: impl std::fmt::Display) -> Result<Decimal> {
    if v < Decimal::ZERO {
        return Err(Error::invalid(
            pointer.to_string(),
            format!("this quantity cannot be negative, got {v}"),
        ));
    }
    Ok(v)
}

/// A quantity that must be strictly positive (a divisor or a size).
pub(super) fn positive(v: Decimal, pointer: &str) -> Result<Decimal> {
    if v <= Decimal::ZERO {
        return Err(Error::invalid(
            pointer,
            format!("this value must be greater than zero, got {v}"),
        ));
    }
    Ok(v)
}

/// An efficiency in (0, 1].
pub(super) fn efficiency(v: Decimal, pointer: &str) -> Result<Decimal> {
    if v <= Decimal::ZERO || v > Decimal::ONE {
        return Err(Error::invalid(
            pointer,
            format!("an efficiency must be greater than 0 and at most 1, got {v}"),
        ));
    }
    Ok(v)
}

/// A loss or saving fraction in [0, 1): a fraction of 1 would divide by zero or leave nothing.
pub(super) fn fraction(v: Decimal, pointer: &str) -> Result<Decimal> {
    if v < Decimal::ZERO || v >= Decimal::ONE {
        return Err(Error::invalid(
            pointer,
            format!("a fraction must be at least 0 and less than 1, got {v}"),
        ));
    }
    Ok(v)
}

/// A yearly factor vector of the context, checked to cover the study period.
pub(super) fn yearly<'a>(v: &'a [Decimal], ctx: &Context, what: &str) -> Result<&'a [Decimal]> {
    if v.len() < ctx.years {
        return Err(Error::missing(
            "",
            format!(
                "the {what} has {} years of values but the study period has {}",
                v.len(),
                ctx.years
            ),
        ));
    }
    Ok(v)
}

/// Summary of a yearly factor over the active years for a trace input: one value when it is
/// constant, otherwise the first and last.
pub(super) fn summary(v: &[Decimal], range: &RangeInclusive<usize>, first_year: i32) -> String {
    let (a, b) = (*range.start(), *range.end());
    if v[a..=b].iter().all(|x| *x == v[a]) {
        v[a].to_string()
    } else {
        format!(
            "{} ({}) … {} ({})",
            v[a],
            first_year + a as i32,
            v[b],
            first_year + b as i32
        )
    }
}

/// Zero results for every year of the study period.
pub(super) fn zero_years(ctx: &Context) -> Vec<YearGases> {
    vec![YearGases::default(); ctx.years]
}

/// Which side of `ER = BE − PE − LE` a term goes to.
#[derive(Clone, Copy)]
pub(super) enum Side {
    Baseline,
    Project,
    Leakage,
}

/// Adds `f(i)` to `side` of every active year `i`; returns the sum over those years, for the
/// trace.
pub(super) fn book(
    years: &mut [YearGases],
    range: &RangeInclusive<usize>,
    side: Side,
    f: impl FnMut(usize) -> Result<GasTonnes>,
) -> Result<GasTonnes> {
    book_totalled(years, range, side, true, f)
}

/// [`book`], summing the total only when `total` is asked for (it feeds only the working).
pub(super) fn book_totalled(
    years: &mut [YearGases],
    range: &RangeInclusive<usize>,
    side: Side,
    total_wanted: bool,
    mut f: impl FnMut(usize) -> Result<GasTonnes>,
) -> Result<GasTonnes> {
    let mut total = GasTonnes::default();
    for i in range.clone() {
        let g = f(i)?;
        let slot = match side {
            Side::Baseline => &mut years[i].baseline,
            Side::Project => &mut years[i].project,
            Side::Leakage => &mut years[i].leakage,
        };
        *slot = slot.plus(g)?;
        if total_wanted {
            total = total.plus(g)?;
        }
    }
    Ok(total)
}

/// Books grid electricity `mwh` per year on `side` at the yearly factor `grid` (optionally
/// grossed up for T&D losses), and returns the trace step.
#[allow(clippy::too_many_arguments)]
pub(super) fn book_electricity(
    years: &mut [YearGases],
    range: &RangeInclusive<usize>,
    side: Side,
    mwh: Decimal,
    mwh_source: &str,
    grid: &[Decimal],
    ctx: &Context,
    tdl: Option<Decimal>,
    id: &str,
    title: impl FnOnce() -> Text,
) -> Result<TraceStep> {
    let gross = match tdl {
        Some(l) => sub(Decimal::ONE, l, "1 − TDL")?,
        None => Decimal::ONE,
    };
    let total = book_totalled(years, range, side, ctx.trace, |i| {
        let t = mul(mwh, grid[i], "electricity emissions")?;
        let t = match tdl {
            None => divided_by_one(t),
            Some(_) => div(t, gross, "T&D gross-up")?,
        };
        Ok(GasTonnes::co2(t))
    })?;
    if !ctx.trace {
        return Ok(TraceStep::untraced(id));
    }
    let mut inputs = vec![
        TraceInput::new("E", mwh, "MWh/yr", mwh_source),
        TraceInput::new(
            "EF_grid,y",
            summary(grid, range, ctx.first_year),
            "tCO2/MWh",
            ctx.grid_source,
        ),
    ];
    let formula = if let Some(l) = tdl {
        inputs.push(TraceInput::new(
            "TDL",
            l,
            "fraction",
            "input:/transmission_loss_fraction",
        ));
        "Σ_y E × EF_grid,y ÷ (1 − TDL)"
    } else {
        "Σ_y E × EF_grid,y"
    };
    Ok(step(
        id,
        title(),
        formula,
        inputs,
        total.co2,
        "CO2",
        range,
        ctx,
    ))
}

/// `t ÷ 1` as `rust_decimal` gives it, without dividing: the dividend itself, or an unsigned
/// zero of scale 0 for any zero (tested against the division).
fn divided_by_one(t: Decimal) -> Decimal {
    if t.is_zero() { Decimal::ZERO } else { t }
}

/// A step whose result is a sum over the active years, in tonnes of `gas`.
#[allow(clippy::too_many_arguments)]
pub(super) fn step(
    id: &str,
    title: Text,
    formula: &str,
    inputs: Vec<TraceInput>,
    result: Decimal,
    gas: &str,
    range: &RangeInclusive<usize>,
    ctx: &Context,
) -> TraceStep {
    TraceStep {
        id: id.to_owned(),
        title,
        formula: formula.to_owned(),
        inputs,
        result: result.to_string(),
        unit: format!(
            "t{gas} over {}–{}",
            ctx.first_year + *range.start() as i32,
            ctx.first_year + *range.end() as i32
        ),
        note: None,
    }
}

/// The step `make` forms when the trace is asked for; without it, `TraceStep::untraced(id)`,
/// so that no title, formula or input text is formed for working nobody reads.
pub(super) fn traced(ctx: &Context, id: &str, make: impl FnOnce() -> TraceStep) -> TraceStep {
    if ctx.trace {
        make()
    } else {
        TraceStep::untraced(id)
    }
}

/// An indicator.
pub(super) fn indicator(key: &str, value: Decimal) -> ImpactIndicator {
    ImpactIndicator {
        key: key.to_owned(),
        value,
    }
}

/// The factors of `fuel`, the lookup's error re-anchored on the field that named the fuel.
pub(super) fn fuel_factor(ctx: &Context, fuel: &str, pointer: &str) -> Result<FuelFactor> {
    ctx.fuels.fuel(fuel).map_err(|e| Error {
        pointer: pointer.to_owned(),
        ..e
    })
}

/// Gases from burning `gj` of a fuel: CO2, fossil CH4 and N2O by the factor's per-GJ values.
/// The fuel factors carry no biogenic flag, so combustion CH4 is booked as fossil.
pub(super) fn combustion(gj: Decimal, f: &FuelFactor) -> Result<GasTonnes> {
    Ok(GasTonnes {
        co2: mul(gj, f.co2_t_per_gj, "fuel CO2")?,
        ch4_fossil: mul(gj, f.ch4_t_per_gj, "fuel CH4")?,
        ch4_biogenic: Decimal::ZERO,
        n2o: mul(gj, f.n2o_t_per_gj, "fuel N2O")?,
    })
}

/// Converts `q` from unit `from` to the fuel factor's unit (`t`, `m3`, `l`). Litres and m3
/// convert by 1000; volume and mass need the density in kg/L (1 kg/L = 1 t/m3), given at
/// `density_pointer`.
pub(super) fn to_factor_unit(
    q: Decimal,
    from: &str,
    f: &FuelFactor,
    density: Option<Decimal>,
    fuel_pointer: &str,
    density_pointer: &str,
) -> Result<Decimal> {
    let thousand = Decimal::ONE_THOUSAND;
    let to = f.unit.as_str();
    if from == to {
        return Ok(q);
    }
    let rho = || -> Result<Decimal> {
        match density {
            Some(d) => positive(d, density_pointer),
            None => Err(Error::missing(
                density_pointer,
                format!(
                    "the factors of {} are per {to}: give density_kg_per_l to convert from {from}",
                    f.fuel
                ),
            )),
        }
    };
    let what = "fuel unit conversion";
    match (from, to) {
        ("l", "m3") => div(q, thousand, what),
        ("m3", "l") => mul(q, thousand, what),
        ("l", "t") => div(mul(q, rho()?, what)?, thousand, what),
        ("t", "l") => div(mul(q, thousand, what)?, rho()?, what),
        ("m3", "t") => mul(q, rho()?, what),
        ("t", "m3") => div(q, rho()?, what),
        _ => Err(Error::invalid(
            fuel_pointer,
            format!(
                "the factors of {} are per {to}, which cannot be converted from {from}",
                f.fuel
            ),
        )),
    }
}

/// A fuel used per year, in exactly one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuelUse {
    /// Fuel key known to the fuel factors, e.g. `natural_gas`, `diesel`.
    pub fuel: String,
    /// Tonnes per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub quantity_t: Option<Decimal>,
    /// Cubic metres per year (normal m3 for gases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub quantity_m3: Option<Decimal>,
    /// Litres per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub quantity_l: Option<Decimal>,
    /// Energy content per year, GJ on a net calorific value basis (no NCV is then applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub energy_gj: Option<Decimal>,
    /// Density, kg per litre, when the quantity's unit differs from the unit of the fuel
    /// factors by volume versus mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub density_kg_per_l: Option<Decimal>,
}

impl FuelUse {
    /// GJ per year and the factors, with the quantity checked; `pointer` names this entry.
    pub(super) fn resolve(&self, ctx: &Context, pointer: &str) -> Result<(Decimal, FuelFactor)> {
        let given: Vec<(&str, Decimal)> = [
            ("t", self.quantity_t),
            ("m3", self.quantity_m3),
            ("l", self.quantity_l),
            ("gj", self.energy_gj),
        ]
        .into_iter()
        .filter_map(|(u, v)| v.map(|v| (u, v)))
        .collect();
        let [(unit, q)] = given[..] else {
            return Err(Error::invalid(
                format!("{pointer}/quantity_t"),
                "give exactly one of quantity_t, quantity_m3, quantity_l and energy_gj",
            ));
        };
        let field = match unit {
            "gj" => "energy_gj".to_owned(),
            u => format!("quantity_{u}"),
        };
        non_negative(q, format!("{pointer}/{field}"))?;
        let f = fuel_factor(ctx, &self.fuel, &format!("{pointer}/fuel"))?;
        let gj = if unit == "gj" {
            q
        } else {
            let in_unit = to_factor_unit(
                q,
                unit,
                &f,
                self.density_kg_per_l,
                &format!("{pointer}/fuel"),
                &format!("{pointer}/density_kg_per_l"),
            )?;
            mul(in_unit, f.ncv_gj_per_unit, "fuel energy")?
        };
        Ok((gj, f))
    }
}

/// Books the combustion of `gj` per year of fuel `f` on `side` and returns the trace step.
#[allow(clippy::too_many_arguments)]
pub(super) fn book_fuel(
    years: &mut [YearGases],
    range: &RangeInclusive<usize>,
    side: Side,
    gj: Decimal,
    gj_source: &str,
    f: &FuelFactor,
    ctx: &Context,
    id: &str,
    title: impl FnOnce() -> Text,
) -> Result<TraceStep> {
    let g = combustion(gj, f)?;
    let total = book_totalled(years, range, side, ctx.trace, |_| Ok(g))?;
    if !ctx.trace {
        return Ok(TraceStep::untraced(id));
    }
    let co2e_note = Text::new(
        format!(
            "result is CO2; CH4 {} t and N2O {} t over the same years are in the yearly table",
            total.ch4_fossil, total.n2o
        ),
        format!(
            "结果为CO2；同期CH4 {} t、N2O {} t见逐年表",
            total.ch4_fossil, total.n2o
        ),
    );
    let mut s = step(
        id,
        title(),
        "Σ_y FC × NCV × EF (CO2, CH4, N2O per GJ)",
        vec![
            TraceInput::new("FC × NCV", gj, "GJ/yr", gj_source),
            TraceInput::new("EF_CO2", f.co2_t_per_gj, "tCO2/GJ", f.source.clone()),
            TraceInput::new("EF_CH4", f.ch4_t_per_gj, "tCH4/GJ", f.source.clone()),
            TraceInput::new("EF_N2O", f.n2o_t_per_gj, "tN2O/GJ", f.source.clone()),
        ],
        total.co2,
        "CO2",
        range,
        ctx,
    );
    s.note = Some(co2e_note);
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Building energy efficiency / retrofit (AMS-II.E form)
// ---------------------------------------------------------------------------------------------

/// Energy used by a building (or a portfolio of buildings) per year, by carrier.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierUse {
    /// Grid electricity, MWh per year.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub electricity_mwh: Decimal,
    /// Purchased (district) heat, GJ per year.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub heat_gj: Decimal,
    /// Fuels burnt on site per year (natural gas in m3 or GJ, oil in litres, coal in tonnes …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fuels: Vec<FuelUse>,
}

/// Input of [`building_efficiency`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildingEfficiencyInput {
    /// First and last calendar year (inclusive) the savings apply to, inside the study period.
    pub years: [i32; 2],
    /// Consumption per year without the project (metered, weather-normalised).
    #[serde(deserialize_with = "crate::objects::one")]
    pub baseline: CarrierUse,
    /// Consumption per year with the project.
    #[serde(deserialize_with = "crate::objects::one")]
    pub project: CarrierUse,
}

/// Building energy efficiency or retrofit, by carrier (AMS-II.E form):
/// `E = EC × EF_grid,y + Σ FC × NCV × EF + Q_heat × EF_heat` for baseline and project.
///
/// Reports `energy_saved_mwh_per_year`: final energy, fuels and heat converted at 3.6 GJ/MWh
/// (negative when the project uses more final energy, e.g. a switch to heat pumps counted
/// only by its electricity).
pub fn building_efficiency(
    input: &BuildingEfficiencyInput,
    ctx: &Context,
) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let grid = yearly(ctx.grid_t_per_mwh, ctx, "grid factor")?;
    let mut years = zero_years(ctx);
    let mut steps = Vec::new();
    let mut final_mwh = [Decimal::ZERO; 2];
    for (k, (name, side, use_)) in [
        ("baseline", Side::Baseline, &input.baseline),
        ("project", Side::Project, &input.project),
    ]
    .into_iter()
    .enumerate()
    {
        let (en, zh) = if k == 0 {
            ("baseline", "基准")
        } else {
            ("project", "项目")
        };
        let el = non_negative(
            use_.electricity_mwh,
            format_args!("/{name}/electricity_mwh"),
        )?;
        let heat = non_negative(use_.heat_gj, format_args!("/{name}/heat_gj"))?;
        let mut energy = el;
        // Labels feed only the working; a portfolio run without it skips formatting them.
        let label = |make: &dyn Fn() -> (String, String, Text)| {
            if ctx.trace {
                make()
            } else {
                (String::new(), String::new(), Text::new("", ""))
            }
        };
        if !el.is_zero() {
            let (source, id, title) = label(&|| {
                (
                    format!("input:/{name}/electricity_mwh"),
                    format!("emissions.building.{name}.electricity"),
                    Text::new(
                        format!("{en} emissions from grid electricity"),
                        format!("{zh}电网电力排放"),
                    ),
                )
            });
            steps.push(book_electricity(
                &mut years,
                &range,
                side,
                el,
                &source,
                grid,
                ctx,
                None,
                &id,
                || title,
            )?);
        }
        for (j, fu) in use_.fuels.iter().enumerate() {
            // The entry's pointer is put in front only if resolving fails.
            let (gj, f) = fu
                .resolve(ctx, "")
                .map_err(|e| e.under(&format!("/{name}/fuels/{j}")))?;
            energy = add(energy, div(gj, GJ_PER_MWH, "fuel MWh")?, "final energy")?;
            let (source, id, title) = label(&|| {
                (
                    format!("input:/{name}/fuels/{j}"),
                    format!("emissions.building.{name}.fuel.{j}"),
                    Text::new(
                        format!("{en} emissions from {}", f.fuel),
                        format!("{zh}燃料（{}）排放", f.fuel),
                    ),
                )
            });
            steps.push(book_fuel(
                &mut years,
                &range,
                side,
                gj,
                &source,
                &f,
                ctx,
                &id,
                || title,
            )?);
        }
        if !heat.is_zero() {
            let t = mul(heat, ctx.heat_t_per_gj, "heat emissions")?;
            let total = book(&mut years, &range, side, |_| Ok(GasTonnes::co2(t)))?;
            let id = format!("emissions.building.{name}.heat");
            steps.push(traced(ctx, &id, || {
                step(
                    &id,
                    Text::new(
                        format!("{en} emissions from purchased heat"),
                        format!("{zh}外购热力排放"),
                    ),
                    "Σ_y Q_heat × EF_heat",
                    vec![
                        TraceInput::new("Q_heat", heat, "GJ/yr", format!("input:/{name}/heat_gj")),
                        TraceInput::new("EF_heat", ctx.heat_t_per_gj, "tCO2/GJ", "context:heat"),
                    ],
                    total.co2,
                    "CO2",
                    &range,
                    ctx,
                )
            }));
            energy = add(energy, div(heat, GJ_PER_MWH, "heat MWh")?, "final energy")?;
        }
        final_mwh[k] = energy;
    }
    Ok(CalculatorOutput {
        years,
        indicators: vec![indicator(
            "energy_saved_mwh_per_year",
            sub(final_mwh[0], final_mwh[1], "energy saved")?,
        )],
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// Rooftop PV (AMS-I.D / I.F form)
// ---------------------------------------------------------------------------------------------

/// Input of [`rooftop_pv`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RooftopPvInput {
    /// First and last calendar year (inclusive) of generation, inside the study period; the
    /// first is the first full year of operation.
    pub years: [i32; 2],
    /// Installed peak capacity, kWp (DC, at standard test conditions).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub capacity_kwp: Decimal,
    /// Net AC energy delivered in the first year per kWp installed, kWh/kWp/yr (after
    /// inverter, wiring, soiling and temperature losses).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub specific_yield_kwh_per_kwp: Decimal,
    /// Loss of output per year, as a fraction (e.g. `0.005`); compounded, so year n of
    /// operation yields `(1 − d)^n` of the first. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub degradation_per_year: Decimal,
}

/// Rooftop PV: `EG_y = P × Y × (1 − d)^(y − first)`, baseline `BE_y = EG_y × EF_displaced,y`,
/// project emissions 0.
///
/// Reports `capacity_installed_mw` (peak, DC) and `renewable_energy_generated_mwh_per_year`,
/// the mean over the active years (equal to the first year without degradation).
pub fn rooftop_pv(input: &RooftopPvInput, ctx: &Context) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let grid = yearly(ctx.grid_displaced_t_per_mwh, ctx, "displaced grid factor")?;
    let kwp = positive(input.capacity_kwp, "/capacity_kwp")?;
    let yield_ = non_negative(
        input.specific_yield_kwh_per_kwp,
        "/specific_yield_kwh_per_kwp",
    )?;
    let d = fraction(input.degradation_per_year, "/degradation_per_year")?;
    let first_mwh = div(
        mul(kwp, yield_, "PV generation")?,
        Decimal::ONE_THOUSAND,
        "PV generation",
    )?;
    let keep = sub(Decimal::ONE, d, "1 − degradation")?;
    let mut years = zero_years(ctx);
    let mut generated = Decimal::ZERO;
    let start = *range.start();
    let total = book(&mut years, &range, Side::Baseline, |i| {
        let eg = mul(
            first_mwh,
            powi(keep, (i - start) as i64, "degradation")?,
            "PV generation",
        )?;
        generated = add(generated, eg, "PV generation")?;
        Ok(GasTonnes::co2(mul(eg, grid[i], "displaced emissions")?))
    })?;
    let n = Decimal::from(range.end() - start + 1);
    let id = "emissions.pv.baseline.displaced";
    let steps = vec![traced(ctx, id, || {
        step(
            id,
            Text::new(
                "grid electricity displaced by PV generation",
                "光伏发电替代的电网电量排放",
            ),
            "Σ_y P × Y × (1 − d)^(y − first) ÷ 1000 × EF_displaced,y",
            vec![
                TraceInput::new("P", kwp, "kWp", "input:/capacity_kwp"),
                TraceInput::new(
                    "Y",
                    yield_,
                    "kWh/kWp/yr",
                    "input:/specific_yield_kwh_per_kwp",
                ),
                TraceInput::new("d", d, "fraction/yr", "input:/degradation_per_year"),
                TraceInput::new("EG_first", first_mwh, "MWh/yr", "computed"),
                TraceInput::new(
                    "EF_displaced,y",
                    summary(grid, &range, ctx.first_year),
                    "tCO2/MWh",
                    ctx.grid_source,
                ),
            ],
            total.co2,
            "CO2",
            &range,
            ctx,
        )
    })];
    Ok(CalculatorOutput {
        years,
        indicators: vec![
            indicator(
                "capacity_installed_mw",
                div(kwp, Decimal::ONE_THOUSAND, "capacity")?,
            ),
            indicator(
                "renewable_energy_generated_mwh_per_year",
                div(generated, n, "mean generation")?,
            ),
        ],
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// LED street lighting (AMS-II.L form)
// ---------------------------------------------------------------------------------------------

/// A group of identical luminaires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LuminaireGroup {
    /// Number of luminaires.
    pub count: u32,
    /// Power drawn by one luminaire, W, including ballast or driver.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub power_w: Decimal,
}

/// Input of [`street_lighting`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreetLightingInput {
    /// First and last calendar year (inclusive) of operation, inside the study period.
    pub years: [i32; 2],
    /// Luminaires replaced (the baseline), by group.
    pub baseline_luminaires: Vec<LuminaireGroup>,
    /// Luminaires installed (the project), by group.
    pub project_luminaires: Vec<LuminaireGroup>,
    /// Burning hours per year, the same for baseline and project (AMS-II.L), at most 8 760.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub operating_hours_per_year: Decimal,
    /// Optional technical (T&D) loss fraction of the grid: emissions are grossed up by
    /// `1 ÷ (1 − TDL)`. Default none: AMS-II.L itself applies no gross-up, and some lighting
    /// methodologies do; leave it out unless the appraisal follows one of those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub transmission_loss_fraction: Option<Decimal>,
}

/// LED street lighting (AMS-II.L): `BE_y = Σ N_BL × P_BL × O × EF_grid,y`,
/// `PE_y = Σ N_PJ × P_PJ × O × EF_grid,y` (W·h → MWh by 10⁻⁶), optionally ÷ (1 − TDL).
///
/// Reports `energy_saved_mwh_per_year` at the meter (without the loss gross-up).
pub fn street_lighting(input: &StreetLightingInput, ctx: &Context) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let grid = yearly(ctx.grid_t_per_mwh, ctx, "grid factor")?;
    let hours = non_negative(input.operating_hours_per_year, "/operating_hours_per_year")?;
    if hours > Decimal::from(8760) {
        return Err(Error::invalid(
            "/operating_hours_per_year",
            format!("a year has at most 8760 hours, got {hours}"),
        ));
    }
    let tdl = input
        .transmission_loss_fraction
        .map(|l| fraction(l, "/transmission_loss_fraction"))
        .transpose()?;
    let mut years = zero_years(ctx);
    let mut steps = Vec::new();
    let mut mwh = [Decimal::ZERO; 2];
    for (k, (name, side, groups)) in [
        ("baseline", Side::Baseline, &input.baseline_luminaires),
        ("project", Side::Project, &input.project_luminaires),
    ]
    .into_iter()
    .enumerate()
    {
        let mut w = Decimal::ZERO;
        for (j, g) in groups.iter().enumerate() {
            let p = non_negative(g.power_w, format!("/{name}_luminaires/{j}/power_w"))?;
            w = add(
                w,
                mul(Decimal::from(g.count), p, "lighting load")?,
                "lighting load",
            )?;
        }
        // W × h = Wh; ÷ 10⁶ = MWh.
        let e = div(
            mul(w, hours, "lighting energy")?,
            Decimal::from(1_000_000),
            "lighting energy",
        )?;
        mwh[k] = e;
        let (en, zh) = if k == 0 {
            ("baseline", "基准")
        } else {
            ("project", "项目")
        };
        // The title, the load and hours as inputs and the formula are formed only for a
        // traced step: an untraced one is `TraceStep::untraced`, as every calculator's.
        let mut s = book_electricity(
            &mut years,
            &range,
            side,
            e,
            "computed",
            grid,
            ctx,
            tdl,
            &format!("emissions.lighting.{name}"),
            || {
                Text::new(
                    format!("{en} luminaires: electricity emissions"),
                    format!("{zh}灯具用电排放"),
                )
            },
        )?;
        if ctx.trace {
            s.inputs.splice(
                0..0,
                [
                    TraceInput::new("Σ N × P", w, "W", format!("input:/{name}_luminaires")),
                    TraceInput::new("O", hours, "h/yr", "input:/operating_hours_per_year"),
                ],
            );
            s.formula = format!("E = Σ N × P × O ÷ 10⁶; {}", s.formula);
        }
        steps.push(s);
    }
    Ok(CalculatorOutput {
        years,
        indicators: vec![indicator(
            "energy_saved_mwh_per_year",
            sub(mwh[0], mwh[1], "energy saved")?,
        )],
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// District heating: fuel switch, heat pumps and network losses
// ---------------------------------------------------------------------------------------------

/// How the heat is produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HeatSource {
    /// A fuel-fired boiler or heat-only plant.
    Boiler {
        /// Fuel key known to the fuel factors, e.g. `natural_gas`, `other_bituminous_coal`.
        fuel: String,
        /// Seasonal thermal efficiency on the net calorific value, in (0, 1].
        efficiency: Decimal,
    },
    /// An electric heat pump on grid electricity.
    HeatPump {
        /// Seasonal coefficient of performance (heat out ÷ electricity in), > 0; may exceed 1.
        cop: Decimal,
    },
}

/// One side (baseline or project) of a heat supply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeatSupply {
    /// The heat source.
    pub source: HeatSource,
    /// Share of the heat produced that is lost in the network, in [0, 1). Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub network_loss_fraction: Decimal,
}

/// Input of [`district_heating`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrictHeatingInput {
    /// First and last calendar year (inclusive) of operation, inside the study period.
    pub years: [i32; 2],
    /// Heat delivered to consumers per year, GJ (the same service in both cases).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub heat_delivered_gj: Decimal,
    /// Heat supply without the project.
    pub baseline: HeatSupply,
    /// Heat supply with the project.
    pub project: HeatSupply,
}

/// District heating: heat produced `Q_gen = Q_delivered ÷ (1 − loss)`; a boiler burns
/// `Q_gen ÷ η` GJ of fuel (× EF per GJ), a heat pump draws `Q_gen ÷ COP ÷ 3.6` MWh (× EF_grid,y).
///
/// Reports `energy_saved_mwh_per_year`: fuel and electricity into heat production,
/// baseline minus project, fuel at 3.6 GJ/MWh.
pub fn district_heating(input: &DistrictHeatingInput, ctx: &Context) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let q = non_negative(input.heat_delivered_gj, "/heat_delivered_gj")?;
    let mut years = zero_years(ctx);
    let mut steps = Vec::new();
    let mut energy = [Decimal::ZERO; 2];
    for (k, (name, side, supply)) in [
        ("baseline", Side::Baseline, &input.baseline),
        ("project", Side::Project, &input.project),
    ]
    .into_iter()
    .enumerate()
    {
        let (en, zh) = if k == 0 {
            ("baseline", "基准")
        } else {
            ("project", "项目")
        };
        let loss = fraction(
            supply.network_loss_fraction,
            &format!("/{name}/network_loss_fraction"),
        )?;
        let q_gen = div(q, sub(Decimal::ONE, loss, "1 − loss")?, "heat produced")?;
        // The working's inputs, formed only for a traced step.
        let gen_input = || {
            [
                TraceInput::new("Q_delivered", q, "GJ/yr", "input:/heat_delivered_gj"),
                TraceInput::new(
                    "loss",
                    loss,
                    "fraction",
                    format!("input:/{name}/network_loss_fraction"),
                ),
            ]
        };
        match &supply.source {
            HeatSource::Boiler {
                fuel,
                efficiency: eta,
            } => {
                let eta = efficiency(*eta, &format!("/{name}/source/boiler/efficiency"))?;
                let f = fuel_factor(ctx, fuel, &format!("/{name}/source/boiler/fuel"))?;
                let gj = div(q_gen, eta, "boiler fuel")?;
                energy[k] = div(gj, GJ_PER_MWH, "fuel MWh")?;
                let mut s = book_fuel(
                    &mut years,
                    &range,
                    side,
                    gj,
                    "computed",
                    &f,
                    ctx,
                    &format!("emissions.heating.{name}.boiler"),
                    || {
                        Text::new(
                            format!("{en} heat from a {} boiler", f.fuel),
                            format!("{zh}{}锅炉供热排放", f.fuel),
                        )
                    },
                )?;
                if ctx.trace {
                    s.inputs.splice(
                        0..0,
                        gen_input().into_iter().chain([TraceInput::new(
                            "η",
                            eta,
                            "fraction",
                            format!("input:/{name}/source/boiler/efficiency"),
                        )]),
                    );
                    s.formula = format!("FC × NCV = Q_delivered ÷ (1 − loss) ÷ η; {}", s.formula);
                }
                steps.push(s);
            }
            HeatSource::HeatPump { cop } => {
                let cop = positive(*cop, &format!("/{name}/source/heat_pump/cop"))?;
                let grid = yearly(ctx.grid_t_per_mwh, ctx, "grid factor")?;
                let mwh = div(div(q_gen, cop, "heat pump")?, GJ_PER_MWH, "heat pump")?;
                energy[k] = mwh;
                let mut s = book_electricity(
                    &mut years,
                    &range,
                    side,
                    mwh,
                    "computed",
                    grid,
                    ctx,
                    None,
                    &format!("emissions.heating.{name}.heat_pump"),
                    || {
                        Text::new(
                            format!("{en} heat from a heat pump on grid electricity"),
                            format!("{zh}电网电力热泵供热排放"),
                        )
                    },
                )?;
                if ctx.trace {
                    s.inputs.splice(
                        0..0,
                        gen_input().into_iter().chain([TraceInput::new(
                            "COP",
                            cop,
                            "-",
                            format!("input:/{name}/source/heat_pump/cop"),
                        )]),
                    );
                    s.formula = format!("E = Q_delivered ÷ (1 − loss) ÷ COP ÷ 3.6; {}", s.formula);
                }
                steps.push(s);
            }
        }
    }
    Ok(CalculatorOutput {
        years,
        indicators: vec![indicator(
            "energy_saved_mwh_per_year",
            sub(energy[0], energy[1], "energy saved")?,
        )],
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// Water supply: leakage reduction and pumping efficiency
// ---------------------------------------------------------------------------------------------

/// A pump station upgrade: `E = ρ g V H ÷ η` (wire-to-water).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PumpUpgrade {
    /// Volume pumped per year with the project, m3.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub volume_m3: Decimal,
    /// Total dynamic head, m.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub head_m: Decimal,
    /// Wire-to-water efficiency of the old pumps, in (0, 1].
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline_efficiency: Decimal,
    /// Wire-to-water efficiency of the new pumps, in (0, 1].
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project_efficiency: Decimal,
}

/// Input of [`water_supply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaterSupplyInput {
    /// First and last calendar year (inclusive) of operation, inside the study period.
    pub years: [i32; 2],
    /// Water no longer lost to leaks per year, m3. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub leakage_reduction_m3: Decimal,
    /// Electricity to produce and deliver one m3 in the baseline system, kWh/m3 (treatment
    /// and pumping). Required when `leakage_reduction_m3` is not zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub specific_energy_kwh_per_m3: Option<Decimal>,
    /// A pump efficiency upgrade, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pumping: Option<PumpUpgrade>,
}

/// Water density, kg/m3, and standard gravity, m/s², for the hydraulic power.
const RHO_WATER: Decimal = Decimal::ONE_THOUSAND;
const G: Decimal = Decimal::from_parts(980_665, 0, 0, false, 5);

/// Water supply: leakage `ΔE = ΔV × SEC` (booked as baseline electricity: water the old
/// network had to produce), plus pumping `E = ρ g V H ÷ η ÷ 3.6·10⁹` MWh for the old (baseline)
/// and new (project) pumps; all at EF_grid,y. The leakage volume is valued at the baseline
/// SEC and the pump upgrade only on the project volume, so the two are not counted twice.
///
/// Reports `water_saved_m3_per_year` and `energy_saved_mwh_per_year`.
pub fn water_supply(input: &WaterSupplyInput, ctx: &Context) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let grid = yearly(ctx.grid_t_per_mwh, ctx, "grid factor")?;
    let leak = non_negative(input.leakage_reduction_m3, "/leakage_reduction_m3")?;
    let mut years = zero_years(ctx);
    let mut steps = Vec::new();
    let mut saved = Decimal::ZERO;
    if !leak.is_zero() {
        let sec = match input.specific_energy_kwh_per_m3 {
            Some(s) => non_negative(s, "/specific_energy_kwh_per_m3")?,
            None => {
                return Err(Error::missing(
                    "/specific_energy_kwh_per_m3",
                    "the energy per m3 is needed to value a leakage reduction",
                ));
            }
        };
        let mwh = div(
            mul(leak, sec, "leakage energy")?,
            Decimal::ONE_THOUSAND,
            "MWh",
        )?;
        saved = mwh;
        let mut s = book_electricity(
            &mut years,
            &range,
            Side::Baseline,
            mwh,
            "computed",
            grid,
            ctx,
            None,
            "emissions.water.baseline.leakage",
            || {
                Text::new(
                    "electricity to produce the water lost to leaks (avoided)",
                    "漏损水量的制水与输水用电（避免）",
                )
            },
        )?;
        if ctx.trace {
            s.inputs.splice(
                0..0,
                [
                    TraceInput::new("ΔV", leak, "m3/yr", "input:/leakage_reduction_m3"),
                    TraceInput::new("SEC", sec, "kWh/m3", "input:/specific_energy_kwh_per_m3"),
                ],
            );
            s.formula = format!("E = ΔV × SEC ÷ 1000; {}", s.formula);
        }
        steps.push(s);
    }
    if let Some(p) = &input.pumping {
        let v = non_negative(p.volume_m3, "/pumping/volume_m3")?;
        let h = non_negative(p.head_m, "/pumping/head_m")?;
        // ρ g V H in J; ÷ 3.6·10⁹ J/MWh.
        let hydraulic = div(
            mul(
                mul(mul(RHO_WATER, G, "pumping")?, v, "pumping")?,
                h,
                "pumping",
            )?,
            Decimal::from(3_600_000_000u64),
            "pumping",
        )?;
        let mut pump_mwh = [Decimal::ZERO; 2];
        for (k, (name, side, eta)) in [
            ("baseline", Side::Baseline, p.baseline_efficiency),
            ("project", Side::Project, p.project_efficiency),
        ]
        .into_iter()
        .enumerate()
        {
            let ptr = format!("/pumping/{name}_efficiency");
            let eta = efficiency(eta, &ptr)?;
            let mwh = div(hydraulic, eta, "pumping")?;
            pump_mwh[k] = mwh;
            let mut s = book_electricity(
                &mut years,
                &range,
                side,
                mwh,
                "computed",
                grid,
                ctx,
                None,
                &format!("emissions.water.{name}.pumping"),
                || {
                    Text::new(
                        format!("{name} pumps: electricity emissions"),
                        if k == 0 {
                            "基准泵站用电排放"
                        } else {
                            "项目泵站用电排放"
                        },
                    )
                },
            )?;
            if ctx.trace {
                s.inputs.splice(
                    0..0,
                    [
                        TraceInput::new("ρ", RHO_WATER, "kg/m3", "constant"),
                        TraceInput::new("g", G, "m/s2", "constant"),
                        TraceInput::new("V", v, "m3/yr", "input:/pumping/volume_m3"),
                        TraceInput::new("H", h, "m", "input:/pumping/head_m"),
                        TraceInput::new("η", eta, "fraction", format!("input:{ptr}")),
                    ],
                );
                s.formula = format!("E = ρ g V H ÷ η ÷ 3.6e9; {}", s.formula);
            }
            steps.push(s);
        }
        saved = add(
            saved,
            sub(pump_mwh[0], pump_mwh[1], "pumping")?,
            "energy saved",
        )?;
    }
    Ok(CalculatorOutput {
        years,
        indicators: vec![
            indicator("water_saved_m3_per_year", leak),
            indicator("energy_saved_mwh_per_year", saved),
        ],
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// Wastewater treatment (IPCC 2006 Vol. 5 Ch. 6)
// ---------------------------------------------------------------------------------------------

/// Input of [`wastewater`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WastewaterInput {
    /// First and last calendar year (inclusive) of operation, inside the study period.
    pub years: [i32; 2],
    /// Plant electricity without the project, MWh per year. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline_electricity_mwh: Decimal,
    /// Plant electricity with the project, MWh per year. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project_electricity_mwh: Decimal,
    /// Organic load treated per year (TOW), kg BOD; give this or `tow_kg_cod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub tow_kg_bod: Option<Decimal>,
    /// Organic load treated per year (TOW), kg COD; give this or `tow_kg_bod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub tow_kg_cod: Option<Decimal>,
    /// Maximum CH4 producing capacity B_o, kg CH4 per kg of the load's basis. Default IPCC
    /// 2006: 0.6 per kg BOD, 0.25 per kg COD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub bo_kg_ch4_per_kg: Option<Decimal>,
    /// Methane correction factor of the baseline treatment, in [0, 1] (IPCC 2006 Table 6.3,
    /// e.g. 0.8 anaerobic reactor or deep lagoon, 0.3 poorly managed aerobic).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline_mcf: Decimal,
    /// Methane correction factor of the project treatment, in [0, 1] (e.g. 0 well-managed
    /// aerobic plant).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project_mcf: Decimal,
    /// CH4 recovered and destroyed (flared or used) in the baseline, kg per year. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline_ch4_recovered_kg: Decimal,
    /// CH4 recovered and destroyed in the project, kg per year. Default 0.
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project_ch4_recovered_kg: Decimal,
}

/// Wastewater treatment: electricity `E × EF_grid,y` and `CH4 = TOW × B_o × MCF − R`
/// (IPCC 2006 Vol. 5 Ch. 6, Eq. 6.1), booked as biogenic CH4, for baseline and project.
/// Recovered CH4 is taken as fully destroyed; flare efficiency and N2O are not modelled.
///
/// Reports `energy_saved_mwh_per_year`.
pub fn wastewater(input: &WastewaterInput, ctx: &Context) -> Result<CalculatorOutput> {
    let range = active_years(input.years, ctx)?;
    let (tow, basis, field) = match (input.tow_kg_bod, input.tow_kg_cod) {
        (Some(t), None) => (t, "BOD", "tow_kg_bod"),
        (None, Some(t)) => (t, "COD", "tow_kg_cod"),
        _ => {
            return Err(Error::invalid(
                "/tow_kg_bod",
                "give exactly one of tow_kg_bod and tow_kg_cod",
            ));
        }
    };
    let tow = non_negative(tow, format!("/{field}"))?;
    let (bo, bo_source) = match input.bo_kg_ch4_per_kg {
        Some(b) => (positive(b, "/bo_kg_ch4_per_kg")?, "input:/bo_kg_ch4_per_kg"),
        None if basis == "BOD" => (Decimal::new(6, 1), "ipcc-2006-v5-ch6"),
        None => (Decimal::new(25, 2), "ipcc-2006-v5-ch6"),
    };
    let mut years = zero_years(ctx);
    let mut steps = Vec::new();
    let mut el = [Decimal::ZERO; 2];
    for (k, (name, side, e, mcf, rec)) in [
        (
            "baseline",
            Side::Baseline,
            input.baseline_electricity_mwh,
            input.baseline_mcf,
            input.baseline_ch4_recovered_kg,
        ),
        (
            "project",
            Side::Project,
            input.project_electricity_mwh,
            input.project_mcf,
            input.project_ch4_recovered_kg,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let (en, zh) = if k == 0 {
            ("baseline", "基准")
        } else {
            ("project", "项目")
        };
        let e = non_negative(e, format!("/{name}_electricity_mwh"))?;
        el[k] = e;
        if !e.is_zero() {
            let grid = yearly(ctx.grid_t_per_mwh, ctx, "grid factor")?;
            // The source is an input of the working only.
            let source = if ctx.trace {
                format!("input:/{name}_electricity_mwh")
            } else {
                String::new()
            };
            steps.push(book_electricity(
                &mut years,
                &range,
                side,
                e,
                &source,
                grid,
                ctx,
                None,
                &format!("emissions.wastewater.{name}.electricity"),
                || {
                    Text::new(
                        format!("{en} plant electricity"),
                        format!("{zh}污水厂用电排放"),
                    )
                },
            )?);
        }
        let mcf_ptr = format!("/{name}_mcf");
        if mcf < Decimal::ZERO || mcf > Decimal::ONE {
            return Err(Error::invalid(
                &mcf_ptr,
                format!("a methane correction factor is between 0 and 1, got {mcf}"),
            ));
        }
        let rec_ptr = format!("/{name}_ch4_recovered_kg");
        let rec = non_negative(rec, &rec_ptr)?;
        let generated_kg = mul(mul(tow, bo, "wastewater CH4")?, mcf, "wastewater CH4")?;
        if rec > generated_kg {
            return Err(Error::invalid(
                &rec_ptr,
                format!(
                    "{rec} kg CH4 recovered exceeds the {generated_kg} kg the load can generate (TOW × B_o × MCF)"
                ),
            ));
        }
        let ch4_t = div(
            sub(generated_kg, rec, "wastewater CH4")?,
            Decimal::ONE_THOUSAND,
            "wastewater CH4",
        )?;
        let g = GasTonnes {
            ch4_biogenic: ch4_t,
            ..GasTonnes::default()
        };
        let total = book(&mut years, &range, side, |_| Ok(g))?;
        let id = format!("emissions.wastewater.{name}.ch4");
        steps.push(traced(ctx, &id, || {
            step(
                &id,
                Text::new(
                    format!("{en} methane from treatment (biogenic)"),
                    format!("{zh}污水处理甲烷排放（生物源）"),
                ),
                "Σ_y (TOW × B_o × MCF − R) ÷ 1000",
                vec![
                    TraceInput::new(
                        "TOW",
                        tow,
                        &format!("kg {basis}/yr"),
                        format!("input:/{field}"),
                    ),
                    TraceInput::new("B_o", bo, &format!("kg CH4/kg {basis}"), bo_source),
                    TraceInput::new("MCF", mcf, "fraction", format!("input:{mcf_ptr}")),
                    TraceInput::new("R", rec, "kg CH4/yr", format!("input:{rec_ptr}")),
                ],
                total.ch4_biogenic,
                "CH4",
                &range,
                ctx,
            )
        }));
    }
    Ok(CalculatorOutput {
        years,
        indicators: vec![indicator(
            "energy_saved_mwh_per_year",
            sub(el[0], el[1], "energy saved")?,
        )],
        steps,
    })
}

/// Test fixtures shared with the transport tests: a six-year study period (2025–2030) and a
/// handful of fuels with IPCC 2006 and China-guideline factors (emissions.md §2.1, §2.2).
#[cfg(test)]
pub(super) mod fixtures {
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::super::{Context, FuelFactor, FuelLookup};
    use crate::error::{Error, Result};

    pub(crate) struct TestFuels;

    fn factor(
        fuel: &str,
        ncv: Decimal,
        unit: &str,
        co2: Decimal,
        ch4: Decimal,
        n2o: Decimal,
    ) -> FuelFactor {
        FuelFactor {
            fuel: fuel.to_owned(),
            ncv_gj_per_unit: ncv,
            unit: unit.to_owned(),
            co2_t_per_gj: co2,
            ch4_t_per_gj: ch4,
            n2o_t_per_gj: n2o,
            source: "test-set".to_owned(),
        }
    }

    impl FuelLookup for TestFuels {
        fn fuel(&self, fuel: &str) -> Result<FuelFactor> {
            match fuel {
                // China NCV 389.31 GJ/10⁴ Nm3; IPCC CO2 56 100 kg/TJ; residential CH4 5, N2O 0.1 kg/TJ.
                "natural_gas" => Ok(factor(
                    fuel,
                    dec!(0.038931),
                    "m3",
                    dec!(0.0561),
                    dec!(0.000005),
                    dec!(0.0000001),
                )),
                // IPCC 43.0 GJ/t at 0.835 kg/L; 74 100 kg/TJ; road transport CH4 and N2O 3.9 kg/TJ.
                "diesel" => Ok(factor(
                    fuel,
                    dec!(0.0359050),
                    "l",
                    dec!(0.0741),
                    dec!(0.0000039),
                    dec!(0.0000039),
                )),
                // The same diesel per tonne.
                "diesel_t" => Ok(factor(
                    fuel,
                    dec!(43.0),
                    "t",
                    dec!(0.0741),
                    dec!(0.0000039),
                    dec!(0.0000039),
                )),
                // China guideline diesel: NCV 42.652 GJ/t, carbon 20.2 tC/TJ, oxidation 0.98.
                "diesel_cn" => Ok(factor(
                    fuel,
                    dec!(42.652),
                    "t",
                    dec!(20.2) * dec!(0.98) * dec!(44) / dec!(12) / dec!(1000),
                    Decimal::ZERO,
                    Decimal::ZERO,
                )),
                // IPCC other bituminous coal, energy industries CH4 1, N2O 1.5 kg/TJ.
                "coal" => Ok(factor(
                    fuel,
                    dec!(25.8),
                    "t",
                    dec!(0.0946),
                    dec!(0.000001),
                    dec!(0.0000015),
                )),
                "odd" => Ok(factor(
                    fuel,
                    dec!(1),
                    "kwh",
                    dec!(0.1),
                    Decimal::ZERO,
                    Decimal::ZERO,
                )),
                _ => Err(Error::unknown_data(
                    "/fuel",
                    format!(
                        "no factors for fuel {fuel}; known: natural_gas, diesel, diesel_t, diesel_cn, coal"
                    ),
                )),
            }
        }
    }

    /// A declining grid path, tCO2/MWh, 2025–2030.
    pub(crate) const PATH: [Decimal; 6] = [
        dec!(0.60),
        dec!(0.58),
        dec!(0.56),
        dec!(0.54),
        dec!(0.52),
        dec!(0.50),
    ];
    /// A constant grid factor, tCO2/MWh.
    pub(crate) const FLAT: [Decimal; 6] = [dec!(0.5703); 6];
    /// A constant displaced (combined margin) factor, tCO2/MWh.
    pub(crate) const MARGIN: [Decimal; 6] = [dec!(0.8); 6];

    pub(crate) fn ctx<'a>(grid: &'a [Decimal], displaced: &'a [Decimal]) -> Context<'a> {
        Context {
            first_year: 2025,
            years: 6,
            grid_t_per_mwh: grid,
            grid_displaced_t_per_mwh: displaced,
            grid_source: "test-grid",
            fuels: &TestFuels,
            heat_t_per_gj: dec!(0.11),
            trace: true,
        }
    }

    /// Equal to within 1e-20 (divisions round at the 28th digit).
    pub(crate) fn close(a: Decimal, b: Decimal) {
        assert!((a - b).abs() <= dec!(1e-20), "{a} != {b}");
    }
}

#[cfg(test)]
pub(super) mod tests {
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::fixtures::{FLAT, MARGIN, PATH, close, ctx};
    use super::*;
    use crate::error::ErrorCode;

    /// Decimals of every scale and sign, zeros of several scales among them, from a fixed
    /// linear congruential sequence.
    pub(crate) fn assorted_decimals() -> Vec<Decimal> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x
        };
        let mut out = vec![
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(0, 7),
            Decimal::new(-0, 28),
        ];
        for _ in 0..4_000 {
            let hi = u128::from(next()) << 32 | u128::from(next() >> 32);
            let mantissa = hi >> (next() % 96) as u32;
            let scale = (next() % 29) as u32;
            let m = i128::try_from(mantissa).unwrap_or(0);
            let d = Decimal::from_i128_with_scale(m, scale);
            out.push(if next() & 1 == 1 { -d } else { d });
        }
        out
    }

    #[test]
    fn dividing_by_one_is_skipped_bit_for_bit() {
        for t in assorted_decimals() {
            let divided = t.checked_div(Decimal::ONE).expect("t ÷ 1 fits");
            assert_eq!(divided_by_one(t).serialize(), divided.serialize(), "{t:?}");
        }
    }

    fn gas(fuel: &str, m3: Decimal) -> FuelUse {
        FuelUse {
            fuel: fuel.to_owned(),
            quantity_t: None,
            quantity_m3: Some(m3),
            quantity_l: None,
            energy_gj: None,
            density_kg_per_l: None,
        }
    }

    fn building() -> BuildingEfficiencyInput {
        BuildingEfficiencyInput {
            years: [2026, 2029],
            baseline: CarrierUse {
                electricity_mwh: dec!(1200),
                heat_gj: dec!(5000),
                fuels: vec![gas("natural_gas", dec!(150000))],
            },
            project: CarrierUse {
                electricity_mwh: dec!(800),
                heat_gj: dec!(3000),
                fuels: vec![gas("natural_gas", dec!(90000))],
            },
        }
    }

    // Hand calculation (Python decimal, 40 digits), grid path 0.60, 0.58, … 0.50 from 2025:
    //   gas GJ: 150 000 m3 × 0.038931 GJ/m3 = 5 839.65 (baseline), 90 000 × 0.038931 = 3 503.79
    //   BE_2026 = 1 200 × 0.58 + 5 839.65 × 0.0561 + 5 000 × 0.11 = 696 + 327.604365 + 550
    //           = 1 573.604365 tCO2; BE_2029 = 1 200 × 0.52 + … = 1 501.604365
    //   PE_2026 = 800 × 0.58 + 3 503.79 × 0.0561 + 3 000 × 0.11 = 990.562619; PE_2029 = 942.562619
    //   CH4 BL = 5 839.65 × 5e-6 = 0.02919825 t; N2O BL = 5 839.65 × 1e-7 = 0.000583965 t
    //   saved = (1 200 + 5 839.65/3.6 + 5 000/3.6) − (800 + 3 503.79/3.6 + 3 000/3.6)
    //         = 1 604.40555… MWh
    #[test]
    fn building_by_carrier_matches_hand_calculation() {
        let c = ctx(&PATH, &PATH);
        let out = building_efficiency(&building(), &c).unwrap();
        assert_eq!(out.years.len(), 6);
        assert_eq!(out.years[0], YearGases::default());
        assert_eq!(out.years[5], YearGases::default());
        assert_eq!(out.years[1].baseline.co2, dec!(1573.604365));
        assert_eq!(out.years[4].baseline.co2, dec!(1501.604365));
        assert_eq!(out.years[1].project.co2, dec!(990.562619));
        assert_eq!(out.years[4].project.co2, dec!(942.562619));
        assert_eq!(out.years[1].baseline.ch4_fossil, dec!(0.02919825));
        assert_eq!(out.years[1].baseline.n2o, dec!(0.000583965));
        assert_eq!(out.years[1].project.ch4_fossil, dec!(0.01751895));
        assert_eq!(out.indicators[0].key, "energy_saved_mwh_per_year");
        close(out.indicators[0].value, dec!(1604.405555555555555555555556));
        let el = &out.steps[0];
        assert_eq!(el.id, "emissions.building.baseline.electricity");
        assert_eq!(el.inputs[1].source, "test-grid");
        assert_eq!(el.inputs[1].value, "0.58 (2026) … 0.52 (2029)");
        // Four years: 1 200 × (0.58 + 0.56 + 0.54 + 0.52) = 2 640.
        assert_eq!(el.result, "2640.00");
        assert_eq!(out.steps[1].inputs[1].source, "test-set");
    }

    #[test]
    fn gas_in_m3_or_gj_gives_the_same_emissions() {
        let c = ctx(&PATH, &PATH);
        let mut by_gj = building();
        by_gj.baseline.fuels[0] = FuelUse {
            quantity_m3: None,
            energy_gj: Some(dec!(5839.65)),
            ..gas("natural_gas", Decimal::ZERO)
        };
        let a = building_efficiency(&building(), &c).unwrap();
        let b = building_efficiency(&by_gj, &c).unwrap();
        assert_eq!(a.years, b.years);
    }

    #[test]
    fn litres_convert_to_a_per_tonne_factor_by_density() {
        // 1 000 L of diesel at 0.835 kg/L = 0.835 t × 43.0 GJ/t = 35.905 GJ, the same as
        // 1 000 L × 0.035905 GJ/L of the per-litre factor; × 0.0741 = 2.6605605 tCO2.
        let c = ctx(&FLAT, &FLAT);
        let oil = |fuel: &str, density: Option<Decimal>| BuildingEfficiencyInput {
            years: [2025, 2025],
            baseline: CarrierUse {
                fuels: vec![FuelUse {
                    fuel: fuel.to_owned(),
                    quantity_t: None,
                    quantity_m3: None,
                    quantity_l: Some(dec!(1000)),
                    energy_gj: None,
                    density_kg_per_l: density,
                }],
                ..CarrierUse::default()
            },
            project: CarrierUse::default(),
        };
        let per_l = building_efficiency(&oil("diesel", None), &c).unwrap();
        let per_t = building_efficiency(&oil("diesel_t", Some(dec!(0.835))), &c).unwrap();
        assert_eq!(per_l.years[0].baseline.co2, dec!(2.6605605));
        assert_eq!(per_t.years[0].baseline.co2, dec!(2.6605605));
        let e = building_efficiency(&oil("diesel_t", None), &c).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingArgument);
        assert_eq!(e.pointer, "/baseline/fuels/0/density_kg_per_l");
        let e = building_efficiency(&oil("odd", None), &c).unwrap_err();
        assert_eq!(e.pointer, "/baseline/fuels/0/fuel");
        assert!(e.message.contains("kwh"), "{}", e.message);
    }

    #[test]
    fn building_bad_inputs_name_the_field() {
        let c = ctx(&PATH, &PATH);
        let mut i = building();
        i.project.fuels[0].fuel = "peat".to_owned();
        let e = building_efficiency(&i, &c).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownData);
        assert_eq!(e.pointer, "/project/fuels/0/fuel");
        assert!(e.message.contains("peat"));

        let mut i = building();
        i.baseline.electricity_mwh = dec!(-1);
        let e = building_efficiency(&i, &c).unwrap_err();
        assert_eq!(e.pointer, "/baseline/electricity_mwh");

        let mut i = building();
        i.project.fuels[0].quantity_m3 = Some(dec!(-5));
        assert_eq!(
            building_efficiency(&i, &c).unwrap_err().pointer,
            "/project/fuels/0/quantity_m3"
        );

        let mut i = building();
        i.project.fuels[0].energy_gj = Some(dec!(5));
        assert_eq!(
            building_efficiency(&i, &c).unwrap_err().pointer,
            "/project/fuels/0/quantity_t"
        );

        for years in [[2024, 2026], [2026, 2031], [2028, 2027]] {
            let mut i = building();
            i.years = years;
            let e = building_efficiency(&i, &c).unwrap_err();
            assert_eq!(
                (e.code, e.pointer.as_str()),
                (ErrorCode::InvalidArgument, "/years")
            );
        }

        let short = [dec!(0.5); 3];
        let e = building_efficiency(&building(), &ctx(&short, &short)).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingArgument);

        let mut i = building();
        i.baseline.electricity_mwh = Decimal::MAX;
        assert_eq!(
            building_efficiency(&i, &c).unwrap_err().code,
            ErrorCode::Overflow
        );
    }

    #[test]
    fn input_rejects_unknown_fields() {
        let j = r#"{"years":[2025,2026],"baseline":{"electricity_kwh":"5"},"project":{}}"#;
        assert!(serde_json::from_str::<BuildingEfficiencyInput>(j).is_err());
        let j = r#"{"years":[2025,2026],"baseline":{"electricity_mwh":"5"},"project":{}}"#;
        let i: BuildingEfficiencyInput = serde_json::from_str(j).unwrap();
        assert_eq!(i.baseline.electricity_mwh, dec!(5));
    }

    fn pv() -> RooftopPvInput {
        RooftopPvInput {
            years: [2025, 2027],
            capacity_kwp: dec!(66),
            specific_yield_kwh_per_kwp: dec!(1461.46),
            degradation_per_year: Decimal::ZERO,
        }
    }

    // Published example: Firstgreen rooftop PV estimate (firstgreen.co, "How much energy could
    // that system deliver?"): 66 kWp × 1 898 kWh/m2 GHI × 0.77 derating = 96 456 kWh
    // (96.5 MWh). The specific yield is 1 898 × 0.77 = 1 461.46 kWh/kWp, so
    // 66 × 1 461.46 ÷ 1 000 = 96.45636 MWh. Displaced at 0.8 tCO2/MWh: 77.165088 tCO2.
    #[test]
    fn pv_reproduces_the_published_yield() {
        let c = ctx(&FLAT, &MARGIN);
        let out = rooftop_pv(&pv(), &c).unwrap();
        let mwh = out
            .indicators
            .iter()
            .find(|i| i.key == "renewable_energy_generated_mwh_per_year")
            .unwrap()
            .value;
        assert_eq!(mwh, dec!(96.45636));
        assert_eq!((mwh * dec!(1000)).round(), dec!(96456));
        assert_eq!(out.indicators[0].key, "capacity_installed_mw");
        assert_eq!(out.indicators[0].value, dec!(0.066));
        // The displaced (margin) factor is used, not the consumption factor 0.5703.
        assert_eq!(out.years[0].baseline.co2, dec!(77.165088));
        assert_eq!(out.years[0].project, GasTonnes::default());
        assert_eq!(out.years[3], YearGases::default());
    }

    // Degradation 0.5 %/yr compounded (hand calculation, Python decimal):
    //   96.45636 × 0.995 = 95.9740782; × 0.995² = 95.494207809
    //   × 0.8 = 76.77926256 and 76.3953662472 tCO2; mean of the three years 95.974882003 MWh.
    #[test]
    fn pv_degrades_by_compounding() {
        let c = ctx(&FLAT, &MARGIN);
        let mut i = pv();
        i.degradation_per_year = dec!(0.005);
        let out = rooftop_pv(&i, &c).unwrap();
        assert_eq!(out.years[1].baseline.co2, dec!(76.77926256));
        assert_eq!(out.years[2].baseline.co2, dec!(76.3953662472));
        assert_eq!(out.indicators[1].value, dec!(95.974882003));
        // 77.165088 + 76.77926256 + 76.3953662472 over the three years.
        assert_eq!(
            out.steps[0].result.parse::<Decimal>().unwrap(),
            dec!(230.3397168072)
        );
    }

    #[test]
    fn pv_bad_inputs_name_the_field() {
        let c = ctx(&FLAT, &MARGIN);
        for (f, ptr) in [
            (
                (|i: &mut RooftopPvInput| i.capacity_kwp = dec!(0)) as fn(&mut RooftopPvInput),
                "/capacity_kwp",
            ),
            (
                |i| i.specific_yield_kwh_per_kwp = dec!(-1),
                "/specific_yield_kwh_per_kwp",
            ),
            (
                |i| i.degradation_per_year = dec!(1),
                "/degradation_per_year",
            ),
            (
                |i| i.degradation_per_year = dec!(-0.01),
                "/degradation_per_year",
            ),
            (|i| i.years = [2020, 2027], "/years"),
        ] {
            let mut i = pv();
            f(&mut i);
            assert_eq!(rooftop_pv(&i, &c).unwrap_err().pointer, ptr);
        }
    }

    fn lighting() -> StreetLightingInput {
        StreetLightingInput {
            years: [2025, 2030],
            baseline_luminaires: vec![LuminaireGroup {
                count: 80,
                power_w: dec!(312.5),
            }],
            project_luminaires: vec![LuminaireGroup {
                count: 80,
                power_w: dec!(125),
            }],
            operating_hours_per_year: dec!(4160),
            transmission_loss_fraction: None,
        }
    }

    // Published figures: Highways News, "Analysis shows the environmental value of switching to
    // LED street lighting": a 125 W LED lamp uses 520 kWh a year (so 4 160 h), two lamps every
    // 40 m make 80 a mile and 41 600 kWh a year, and the traditional lamps draw 2.5 times as
    // much (312.5 W, 104 000 kWh). Emissions here at 0.5703 tCO2/MWh (hand calculation):
    //   BE = 104 × 0.5703 = 59.3112; PE = 41.6 × 0.5703 = 23.72448 tCO2; saved 62.4 MWh.
    //   With TDL 10 %: 59.3112 ÷ 0.9 = 65.9013333…, 23.72448 ÷ 0.9 = 26.3605333…
    #[test]
    fn lighting_reproduces_the_published_consumption() {
        let c = ctx(&FLAT, &MARGIN);
        let out = street_lighting(&lighting(), &c).unwrap();
        let one = street_lighting(
            &StreetLightingInput {
                project_luminaires: vec![LuminaireGroup {
                    count: 1,
                    power_w: dec!(125),
                }],
                ..lighting()
            },
            &c,
        )
        .unwrap();
        // One LED lamp: 520 kWh = 0.52 MWh a year; saving = 104 − 0.52.
        assert_eq!(one.indicators[0].value, dec!(103.48));
        assert_eq!(out.indicators[0].value, dec!(62.4));
        assert_eq!(out.years[0].baseline.co2, dec!(59.3112));
        assert_eq!(out.years[5].project.co2, dec!(23.72448));
        assert_eq!(out.steps[0].inputs[0].value, "25000.0");

        let mut i = lighting();
        i.transmission_loss_fraction = Some(dec!(0.1));
        let out = street_lighting(&i, &c).unwrap();
        close(
            out.years[0].baseline.co2,
            dec!(65.90133333333333333333333333),
        );
        close(
            out.years[0].project.co2,
            dec!(26.36053333333333333333333333),
        );
        // The indicator stays at the meter.
        assert_eq!(out.indicators[0].value, dec!(62.4));
    }

    /// Without the trace, the lighting calculator books the same tonnes and indicator (the
    /// hand figures above) and leaves its steps as `TraceStep::untraced` gives them, as every
    /// calculator does; with it, the load and hours lead the step's inputs and formula.
    #[test]
    fn lighting_without_trace_books_the_same_and_forms_no_working() {
        let traced = ctx(&FLAT, &MARGIN);
        let untraced = Context {
            trace: false,
            ..ctx(&FLAT, &MARGIN)
        };
        for tdl in [None, Some(dec!(0.1))] {
            let input = StreetLightingInput {
                transmission_loss_fraction: tdl,
                ..lighting()
            };
            let with = street_lighting(&input, &traced).unwrap();
            let without = street_lighting(&input, &untraced).unwrap();
            assert_eq!(without.years, with.years);
            assert_eq!(without.indicators, with.indicators);
            assert_eq!(without.indicators[0].value, dec!(62.4));
            assert_eq!(
                without.steps,
                vec![
                    TraceStep::untraced("emissions.lighting.baseline"),
                    TraceStep::untraced("emissions.lighting.project"),
                ]
            );
            assert_eq!(with.steps[0].inputs[0].name, "Σ N × P");
            assert_eq!(with.steps[0].inputs[1].value, "4160");
            assert!(with.steps[1].formula.starts_with("E = Σ N × P × O ÷ 10⁶; "));
        }
    }

    /// `c` without the trace.
    pub(crate) fn without_trace<'a>(c: Context<'a>) -> Context<'a> {
        Context { trace: false, ..c }
    }

    /// A run without the trace books the traced run's tonnes and indicators, and its steps are
    /// the placeholders `TraceStep::untraced` gives for `ids`: no title, formula, inputs,
    /// result or unit was formed. The traced run's steps carry their working.
    pub(crate) fn books_the_same_without_working(
        with: &CalculatorOutput,
        without: &CalculatorOutput,
        ids: &[&str],
    ) {
        assert_eq!(without.years, with.years);
        assert_eq!(without.indicators, with.indicators);
        let placeholders: Vec<TraceStep> = ids.iter().map(|id| TraceStep::untraced(id)).collect();
        assert_eq!(without.steps, placeholders);
        assert_eq!(with.steps.len(), ids.len());
        for s in &with.steps {
            assert!(!s.formula.is_empty() && !s.inputs.is_empty(), "{}", s.id);
            assert!(!s.title.en.is_empty() && !s.result.is_empty(), "{}", s.id);
        }
    }

    /// The building calculator without the trace: the hand figures of
    /// `building_by_carrier_matches_hand_calculation`, its purchased heat included, and no
    /// working (the electricity and fuel placeholders carry no id either: their ids are part of
    /// the working's labels).
    #[test]
    fn building_without_trace_books_the_same_and_forms_no_working() {
        let with = building_efficiency(&building(), &ctx(&PATH, &PATH)).unwrap();
        let without = building_efficiency(&building(), &without_trace(ctx(&PATH, &PATH))).unwrap();
        books_the_same_without_working(
            &with,
            &without,
            &[
                "",
                "",
                "emissions.building.baseline.heat",
                "",
                "",
                "emissions.building.project.heat",
            ],
        );
        // 1 200 × 0.58 + 150 000 m3 gas + 5 000 GJ × 0.11 (heat 550 t).
        assert_eq!(without.years[1].baseline.co2, dec!(1573.604365));
        assert_eq!(without.years[4].project.co2, dec!(942.562619));
        close(
            without.indicators[0].value,
            dec!(1604.405555555555555555555556),
        );
        assert_eq!(with.steps[2].inputs[0].source, "input:/baseline/heat_gj");
    }

    #[test]
    fn pv_without_trace_books_the_same_and_forms_no_working() {
        let with = rooftop_pv(&pv(), &ctx(&FLAT, &MARGIN)).unwrap();
        let without = rooftop_pv(&pv(), &without_trace(ctx(&FLAT, &MARGIN))).unwrap();
        books_the_same_without_working(&with, &without, &["emissions.pv.baseline.displaced"]);
        // The published yield of `pv_reproduces_the_published_yield`.
        assert_eq!(without.indicators[1].value, dec!(96.45636));
        assert_eq!(without.years[0].baseline.co2, dec!(77.165088));
    }

    #[test]
    fn district_heating_without_trace_books_the_same_and_forms_no_working() {
        let gas = HeatSource::Boiler {
            fuel: "natural_gas".to_owned(),
            efficiency: dec!(0.92),
        };
        for (project, figure) in [
            (gas, dec!(69333.02621615754052093427163)),
            (
                HeatSource::HeatPump { cop: dec!(3) },
                dec!(183104.6428233129000392427502),
            ),
        ] {
            let pump = matches!(project, HeatSource::HeatPump { .. });
            let input = heating(project, dec!(0.08));
            let with = district_heating(&input, &ctx(&PATH, &PATH)).unwrap();
            let without = district_heating(&input, &without_trace(ctx(&PATH, &PATH))).unwrap();
            let project_id = if pump {
                "emissions.heating.project.heat_pump"
            } else {
                "emissions.heating.project.boiler"
            };
            books_the_same_without_working(
                &with,
                &without,
                &["emissions.heating.baseline.boiler", project_id],
            );
            // The hand figures of `district_heating_fuel_switch_and_heat_pump`.
            close(without.indicators[0].value, figure);
            close(
                without.years[0].baseline.co2,
                dec!(79495.79831932773109243697479),
            );
            assert_eq!(with.steps[1].inputs[0].name, "Q_delivered");
        }
    }

    #[test]
    fn water_supply_without_trace_books_the_same_and_forms_no_working() {
        let with = water_supply(&water(), &ctx(&FLAT, &MARGIN)).unwrap();
        let without = water_supply(&water(), &without_trace(ctx(&FLAT, &MARGIN))).unwrap();
        books_the_same_without_working(
            &with,
            &without,
            &[
                "emissions.water.baseline.leakage",
                "emissions.water.baseline.pumping",
                "emissions.water.project.pumping",
            ],
        );
        // The hand figures of `water_leakage_and_pumping`.
        close(
            without.years[2].baseline.co2,
            dec!(1951.402422727272727272727273),
        );
        close(
            without.indicators[1].value,
            dec!(1242.456565656565656565656566),
        );
        assert!(with.steps[0].formula.starts_with("E = ΔV × SEC ÷ 1000; "));
    }

    #[test]
    fn wastewater_without_trace_books_the_same_and_forms_no_working() {
        let with = wastewater(&ww(), &ctx(&FLAT, &MARGIN)).unwrap();
        let without = wastewater(&ww(), &without_trace(ctx(&FLAT, &MARGIN))).unwrap();
        books_the_same_without_working(
            &with,
            &without,
            &[
                "emissions.wastewater.baseline.electricity",
                "emissions.wastewater.baseline.ch4",
                "emissions.wastewater.project.electricity",
                "emissions.wastewater.project.ch4",
            ],
        );
        // The hand figures of `wastewater_methane_and_electricity`.
        assert_eq!(without.years[2].baseline.ch4_biogenic, dec!(700.8));
        assert_eq!(without.years[2].project.co2, dec!(1425.75));
        assert_eq!(without.indicators[0].value, dec!(-2000));
        assert_eq!(with.steps[1].inputs[1].source, "ipcc-2006-v5-ch6");
    }

    #[test]
    fn lighting_bad_inputs_name_the_field() {
        let c = ctx(&FLAT, &MARGIN);
        let mut i = lighting();
        i.project_luminaires[0].power_w = dec!(-125);
        assert_eq!(
            street_lighting(&i, &c).unwrap_err().pointer,
            "/project_luminaires/0/power_w"
        );
        let mut i = lighting();
        i.operating_hours_per_year = dec!(8761);
        assert_eq!(
            street_lighting(&i, &c).unwrap_err().pointer,
            "/operating_hours_per_year"
        );
        let mut i = lighting();
        i.transmission_loss_fraction = Some(dec!(1));
        assert_eq!(
            street_lighting(&i, &c).unwrap_err().pointer,
            "/transmission_loss_fraction"
        );
    }

    fn heating(project: HeatSource, loss: Decimal) -> DistrictHeatingInput {
        DistrictHeatingInput {
            years: [2025, 2030],
            heat_delivered_gj: dec!(500000),
            baseline: HeatSupply {
                source: HeatSource::Boiler {
                    fuel: "coal".to_owned(),
                    efficiency: dec!(0.70),
                },
                network_loss_fraction: dec!(0.15),
            },
            project: HeatSupply {
                source: project,
                network_loss_fraction: loss,
            },
        }
    }

    // Hand calculation (Python decimal, 40 digits), 500 000 GJ delivered:
    //   baseline coal boiler η 0.70, loss 15 %: 500 000 ÷ 0.85 ÷ 0.70 = 840 336.134453… GJ coal
    //     CO2 × 0.0946 = 79 495.798319327731092436974790; CH4 × 1e-6 = 0.840336134…;
    //     N2O × 1.5e-6 = 1.260504201…
    //   project gas boiler η 0.92, loss 8 %: 500 000 ÷ 0.92 ÷ 0.92 = 590 737.240075… GJ gas
    //     CO2 × 0.0561 = 33 140.359168241965973534971645
    //   project heat pump COP 3, loss 8 %: 500 000 ÷ 0.92 ÷ 3 ÷ 3.6 = 50 322.061191626… MWh
    //     at 0.58 (2026) = 29 186.795491143317230273752013 tCO2
    //   energy saved: (840 336.13… − 590 737.24…) ÷ 3.6 = 69 333.026216157540520934271629 MWh;
    //     heat pump: 840 336.13… ÷ 3.6 − 50 322.06… = 183 104.642823312900039242750240 MWh
    #[test]
    fn district_heating_fuel_switch_and_heat_pump() {
        let c = ctx(&PATH, &PATH);
        let gas = HeatSource::Boiler {
            fuel: "natural_gas".to_owned(),
            efficiency: dec!(0.92),
        };
        let out = district_heating(&heating(gas, dec!(0.08)), &c).unwrap();
        close(
            out.years[0].baseline.co2,
            dec!(79495.79831932773109243697479),
        );
        close(
            out.years[0].baseline.ch4_fossil,
            dec!(0.840336134453781512605042017),
        );
        close(
            out.years[0].baseline.n2o,
            dec!(1.260504201680672268907563025),
        );
        close(
            out.years[3].project.co2,
            dec!(33140.35916824196597353497165),
        );
        close(out.indicators[0].value, dec!(69333.02621615754052093427163));

        let hp = HeatSource::HeatPump { cop: dec!(3) };
        let out = district_heating(&heating(hp, dec!(0.08)), &c).unwrap();
        close(
            out.years[1].project.co2,
            dec!(29186.79549114331723027375201),
        );
        close(out.indicators[0].value, dec!(183104.6428233129000392427502));
    }

    #[test]
    fn heat_pump_converts_gj_to_mwh() {
        // 3.6 GJ of heat at COP 1 is 1 MWh of electricity: 0.60 tCO2 in 2025.
        let c = ctx(&PATH, &PATH);
        let mut i = heating(HeatSource::HeatPump { cop: dec!(1) }, Decimal::ZERO);
        i.heat_delivered_gj = dec!(3.6);
        let out = district_heating(&i, &c).unwrap();
        assert_eq!(out.years[0].project.co2, dec!(0.60));
    }

    #[test]
    fn district_heating_bad_inputs_name_the_field() {
        let c = ctx(&PATH, &PATH);
        let boiler = |eta| HeatSource::Boiler {
            fuel: "natural_gas".to_owned(),
            efficiency: eta,
        };
        for eta in [dec!(0), dec!(1.2), dec!(-0.5)] {
            let e = district_heating(&heating(boiler(eta), Decimal::ZERO), &c).unwrap_err();
            assert_eq!(e.pointer, "/project/source/boiler/efficiency");
        }
        // A COP above 1 is normal; zero is not.
        assert!(
            district_heating(
                &heating(HeatSource::HeatPump { cop: dec!(4.5) }, Decimal::ZERO),
                &c
            )
            .is_ok()
        );
        let e = district_heating(
            &heating(HeatSource::HeatPump { cop: dec!(0) }, Decimal::ZERO),
            &c,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/project/source/heat_pump/cop");
        let e = district_heating(&heating(boiler(dec!(0.9)), dec!(1)), &c).unwrap_err();
        assert_eq!(e.pointer, "/project/network_loss_fraction");
        let mut i = heating(boiler(dec!(0.9)), Decimal::ZERO);
        i.baseline.source = HeatSource::Boiler {
            fuel: "lignite".to_owned(),
            efficiency: dec!(0.8),
        };
        let e = district_heating(&i, &c).unwrap_err();
        assert_eq!(
            (e.code, e.pointer.as_str()),
            (ErrorCode::UnknownData, "/baseline/source/boiler/fuel")
        );
        let mut i = heating(boiler(dec!(0.9)), Decimal::ZERO);
        i.heat_delivered_gj = dec!(-1);
        assert_eq!(
            district_heating(&i, &c).unwrap_err().pointer,
            "/heat_delivered_gj"
        );
    }

    #[test]
    fn heat_source_reads_externally_tagged() {
        let j = r#"{"source":{"heat_pump":{"cop":"3.2"}},"network_loss_fraction":"0.1"}"#;
        let s: HeatSupply = serde_json::from_str(j).unwrap();
        assert_eq!(s.source, HeatSource::HeatPump { cop: dec!(3.2) });
        let j = r#"{"source":{"heat_pump":{"cop":"3.2","efficiency":"1"}}}"#;
        assert!(serde_json::from_str::<HeatSupply>(j).is_err());
    }

    fn water() -> WaterSupplyInput {
        WaterSupplyInput {
            years: [2025, 2030],
            leakage_reduction_m3: dec!(1000000),
            specific_energy_kwh_per_m3: Some(dec!(0.45)),
            pumping: Some(PumpUpgrade {
                volume_m3: dec!(10000000),
                head_m: dec!(60),
                baseline_efficiency: dec!(0.55),
                project_efficiency: dec!(0.75),
            }),
        }
    }

    // Hand calculation (Python decimal, 40 digits):
    //   leakage: 1 000 000 m3 × 0.45 kWh/m3 ÷ 1 000 = 450 MWh
    //   hydraulic: 1 000 kg/m3 × 9.80665 m/s2 × 10⁷ m3 × 60 m ÷ 3.6·10⁹ J/MWh = 1 634.441666… MWh
    //   ÷ 0.55 = 2 971.712121… MWh (old pumps), ÷ 0.75 = 2 179.255555… MWh (new pumps)
    //   BE = (450 + 2 971.712121…) × 0.5703 = 1 951.402422727272727272727273 tCO2
    //   PE = 2 179.255555… × 0.5703 = 1 242.829443333333333333333333 tCO2
    //   saved = 450 + 2 971.712121… − 2 179.255555… = 1 242.456565656565656565656566 MWh
    #[test]
    fn water_leakage_and_pumping() {
        let c = ctx(&FLAT, &MARGIN);
        let out = water_supply(&water(), &c).unwrap();
        close(
            out.years[2].baseline.co2,
            dec!(1951.402422727272727272727273),
        );
        close(
            out.years[2].project.co2,
            dec!(1242.829443333333333333333333),
        );
        assert_eq!(out.indicators[0].value, dec!(1000000));
        close(out.indicators[1].value, dec!(1242.456565656565656565656566));
    }

    #[test]
    fn water_bad_inputs_name_the_field() {
        let c = ctx(&FLAT, &MARGIN);
        let mut i = water();
        i.specific_energy_kwh_per_m3 = None;
        assert_eq!(
            water_supply(&i, &c).unwrap_err().pointer,
            "/specific_energy_kwh_per_m3"
        );
        let mut i = water();
        i.leakage_reduction_m3 = dec!(-1);
        assert_eq!(
            water_supply(&i, &c).unwrap_err().pointer,
            "/leakage_reduction_m3"
        );
        let mut i = water();
        i.pumping.as_mut().unwrap().project_efficiency = dec!(1.1);
        assert_eq!(
            water_supply(&i, &c).unwrap_err().pointer,
            "/pumping/project_efficiency"
        );
        let mut i = water();
        i.pumping.as_mut().unwrap().baseline_efficiency = dec!(0);
        assert_eq!(
            water_supply(&i, &c).unwrap_err().pointer,
            "/pumping/baseline_efficiency"
        );
        let mut i = water();
        i.pumping.as_mut().unwrap().head_m = dec!(-3);
        assert_eq!(water_supply(&i, &c).unwrap_err().pointer, "/pumping/head_m");
    }

    fn ww() -> WastewaterInput {
        WastewaterInput {
            years: [2027, 2030],
            baseline_electricity_mwh: dec!(500),
            project_electricity_mwh: dec!(2500),
            tow_kg_bod: Some(dec!(1460000)),
            tow_kg_cod: None,
            bo_kg_ch4_per_kg: None,
            baseline_mcf: dec!(0.8),
            project_mcf: dec!(0.8),
            baseline_ch4_recovered_kg: Decimal::ZERO,
            project_ch4_recovered_kg: dec!(600000),
        }
    }

    // Hand calculation, IPCC 2006 Vol. 5 Ch. 6 Eq. 6.1 with Table 6.3 MCFs:
    //   TOW = 100 000 people × 40 g BOD/person/day × 365 ÷ 1 000 = 1 460 000 kg BOD/yr
    //   baseline deep anaerobic lagoon MCF 0.8: 1 460 000 × 0.6 × 0.8 = 700 800 kg = 700.8 t CH4
    //   project anaerobic reactor MCF 0.8 recovering 600 000 kg: 700 800 − 600 000 = 100.8 t
    //   electricity at 0.5703: 500 → 285.15 tCO2, 2 500 → 1 425.75 tCO2; saved −2 000 MWh
    //   COD basis: 3 000 000 kg COD × 0.25 × 0.8 = 600 t CH4
    #[test]
    fn wastewater_methane_and_electricity() {
        let c = ctx(&FLAT, &MARGIN);
        let out = wastewater(&ww(), &c).unwrap();
        assert_eq!(out.years[1], YearGases::default());
        let y = out.years[2];
        assert_eq!(y.baseline.ch4_biogenic, dec!(700.8));
        assert_eq!(y.project.ch4_biogenic, dec!(100.8));
        assert_eq!(y.baseline.ch4_fossil, Decimal::ZERO);
        assert_eq!(y.baseline.co2, dec!(285.15));
        assert_eq!(y.project.co2, dec!(1425.75));
        assert_eq!(out.indicators[0].value, dec!(-2000));

        let mut i = ww();
        i.tow_kg_bod = None;
        i.tow_kg_cod = Some(dec!(3000000));
        i.project_ch4_recovered_kg = Decimal::ZERO;
        let out = wastewater(&i, &c).unwrap();
        assert_eq!(out.years[5].baseline.ch4_biogenic, dec!(600));
        let ch4 = out
            .steps
            .iter()
            .find(|s| s.id == "emissions.wastewater.baseline.ch4")
            .unwrap();
        assert_eq!(ch4.inputs[1].value, "0.25");
        assert_eq!(ch4.unit, "tCH4 over 2027–2030");
    }

    #[test]
    fn wastewater_bad_inputs_name_the_field() {
        let c = ctx(&FLAT, &MARGIN);
        let mut i = ww();
        i.tow_kg_cod = Some(dec!(1));
        assert_eq!(wastewater(&i, &c).unwrap_err().pointer, "/tow_kg_bod");
        let mut i = ww();
        i.tow_kg_bod = Some(dec!(-1));
        assert_eq!(wastewater(&i, &c).unwrap_err().pointer, "/tow_kg_bod");
        let mut i = ww();
        i.project_mcf = dec!(1.5);
        assert_eq!(wastewater(&i, &c).unwrap_err().pointer, "/project_mcf");
        let mut i = ww();
        i.project_ch4_recovered_kg = dec!(700801);
        assert_eq!(
            wastewater(&i, &c).unwrap_err().pointer,
            "/project_ch4_recovered_kg"
        );
        let mut i = ww();
        i.bo_kg_ch4_per_kg = Some(dec!(0));
        assert_eq!(wastewater(&i, &c).unwrap_err().pointer, "/bo_kg_ch4_per_kg");
    }
}
