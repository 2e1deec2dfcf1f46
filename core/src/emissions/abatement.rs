//! A project's emissions: its calculators run over the study period with the grid, fuel and
//! GWP data chosen for it, summed into baseline, project, leakage and abatement per year, the
//! IFI/EIB footprint of a typical year, the ICMA indicators and cost per tonne.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cost::{CostPerTonne, CostPerTonneBasis};
use super::energy::{
    BuildingEfficiencyInput, DistrictHeatingInput, RooftopPvInput, StreetLightingInput,
    WastewaterInput, WaterSupplyInput, building_efficiency, district_heating, rooftop_pv,
    street_lighting, wastewater, water_supply,
};
use super::factors::FuelTable;
use super::grid::{
    AfterLast, CreditingPeriod, GridPath, MarginProjectType, MarginWeights, combined_margin, yearly,
};
use super::transport::{
    BusElectrificationInput, ModalShiftInput, bus_electrification, modal_shift,
};
use super::waste::{
    AnaerobicDigestionInput, CompostingInput, LandfillGasInput, RecyclingInput, WasteToEnergyInput,
    anaerobic_digestion, composting, landfill_gas_capture, recycling, waste_to_energy,
};
use super::{
    CalculatorOutput, Co2eSeries, Context, FuelFactor, FuelLookup, GasTonnes, Gwp, ImpactIndicator,
};
use crate::appraisal::Figure;
use crate::error::{Error, Result, or_at};
use crate::num::{add, div, sub};
use crate::project::Period;
use crate::registry::{DataRef, Kind, Registry};
use crate::trace::TraceStep;

/// The GWP set used when a project names none: AR5, as UNFCCC/Paris reporting uses.
pub const DEFAULT_GWP_SET: &str = "ipcc-ar5-gwp100";
/// The fuel factors used when a project names none: IPCC 2006 defaults.
pub const DEFAULT_FUEL_SET: &str = "ipcc-2006-fuels-commercial";

/// The emissions part of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmissionsInput {
    /// GWP100 set from the registry (default `ipcc-ar5-gwp100`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gwp_set: Option<String>,
    /// Grid factor for electricity consumed or saved, tCO2/MWh per year.
    #[serde(deserialize_with = "crate::objects::tagged")]
    pub grid: GridPath,
    /// Grid factor for electricity displaced by generation (PV, landfill gas, waste to
    /// energy); default: `grid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_displaced: Option<DisplacedGrid>,
    /// Fuel factors from the registry (default `ipcc-2006-fuels-commercial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel_set: Option<String>,
    /// The project's own fuel factors; they replace the set's for the same fuel and are
    /// recorded in the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fuel_overrides: Vec<FuelFactor>,
    /// Purchased-heat factor, tCO2/GJ (needed only by calculators that use heat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub heat_t_per_gj: Option<Decimal>,
    /// The sector calculators of the project, each under its name.
    pub calculators: Vec<CalculatorInput>,
}

/// The grid factor for displaced electricity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DisplacedGrid {
    /// A path of its own.
    Path(#[serde(deserialize_with = "crate::objects::tagged")] GridPath),
    /// A combined margin `w_OM·OM + w_BM·BM` (CDM Tool 07) of two paths.
    CombinedMargin {
        /// Operating margin.
        #[serde(deserialize_with = "crate::objects::tagged")]
        operating_margin: GridPath,
        /// Build margin.
        #[serde(deserialize_with = "crate::objects::tagged")]
        build_margin: GridPath,
        /// Tool 07 project type for the default weights.
        project_type: MarginProjectType,
        /// Crediting period for the default weights.
        #[serde(default = "first_period")]
        crediting_period: CreditingPeriod,
        /// Weights replacing the Tool 07 defaults.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        weights: Option<MarginWeights>,
    },
}

fn first_period() -> CreditingPeriod {
    CreditingPeriod::First
}

/// One sector calculator with its input, written `{"<name>": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CalculatorInput {
    /// Building energy efficiency and retrofit, by carrier.
    BuildingEfficiency(BuildingEfficiencyInput),
    /// Rooftop PV.
    RooftopPv(RooftopPvInput),
    /// LED street lighting.
    StreetLighting(StreetLightingInput),
    /// District heating: fuel switch and network losses.
    DistrictHeating(DistrictHeatingInput),
    /// Water supply: leakage reduction and pumping.
    WaterSupply(WaterSupplyInput),
    /// Wastewater treatment: energy and methane.
    Wastewater(WastewaterInput),
    /// Bus fleet electrification.
    BusElectrification(BusElectrificationInput),
    /// Modal shift and BRT.
    ModalShift(ModalShiftInput),
    /// Landfill gas capture at an existing site (CDM Tool 04, application A).
    LandfillGasCapture(LandfillGasInput),
    /// Composting of diverted waste (application B).
    Composting(CompostingInput),
    /// Anaerobic digestion of diverted waste (application B).
    AnaerobicDigestion(AnaerobicDigestionInput),
    /// Waste to energy (application B).
    WasteToEnergy(WasteToEnergyInput),
    /// Recycling and material recovery (application B).
    Recycling(RecyclingInput),
}

impl CalculatorInput {
    /// The calculator's wire name.
    pub fn name(&self) -> &'static str {
        match self {
            CalculatorInput::BuildingEfficiency(_) => "building_efficiency",
            CalculatorInput::RooftopPv(_) => "rooftop_pv",
            CalculatorInput::StreetLighting(_) => "street_lighting",
            CalculatorInput::DistrictHeating(_) => "district_heating",
            CalculatorInput::WaterSupply(_) => "water_supply",
            CalculatorInput::Wastewater(_) => "wastewater",
            CalculatorInput::BusElectrification(_) => "bus_electrification",
            CalculatorInput::ModalShift(_) => "modal_shift",
            CalculatorInput::LandfillGasCapture(_) => "landfill_gas_capture",
            CalculatorInput::Composting(_) => "composting",
            CalculatorInput::AnaerobicDigestion(_) => "anaerobic_digestion",
            CalculatorInput::WasteToEnergy(_) => "waste_to_energy",
            CalculatorInput::Recycling(_) => "recycling",
        }
    }

    fn run(&self, ctx: &Context) -> Result<CalculatorOutput> {
        match self {
            CalculatorInput::BuildingEfficiency(i) => building_efficiency(i, ctx),
            CalculatorInput::RooftopPv(i) => rooftop_pv(i, ctx),
            CalculatorInput::StreetLighting(i) => street_lighting(i, ctx),
            CalculatorInput::DistrictHeating(i) => district_heating(i, ctx),
            CalculatorInput::WaterSupply(i) => water_supply(i, ctx),
            CalculatorInput::Wastewater(i) => wastewater(i, ctx),
            CalculatorInput::BusElectrification(i) => bus_electrification(i, ctx),
            CalculatorInput::ModalShift(i) => modal_shift(i, ctx),
            CalculatorInput::LandfillGasCapture(i) => landfill_gas_capture(i, ctx),
            CalculatorInput::Composting(i) => composting(i, ctx),
            CalculatorInput::AnaerobicDigestion(i) => anaerobic_digestion(i, ctx),
            CalculatorInput::WasteToEnergy(i) => waste_to_energy(i, ctx),
            CalculatorInput::Recycling(i) => recycling(i, ctx),
        }
    }
}

/// The emissions view of an appraisal.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EmissionsView {
    /// The GWP100 set applied to CH4 and N2O.
    pub gwp: Gwp,
    /// Where the grid factors came from: `input` or `<set>:<region>`.
    pub grid_source: String,
    /// Where the displaced-generation factors came from.
    pub grid_displaced_source: String,
    /// Per year, tCO2e.
    pub years: Vec<EmissionsYear>,
    /// Sums over the study period, tCO2e.
    pub lifetime: EmissionsTotals,
    /// IFI/EIB footprint of one typical year of operation (the first operating year).
    pub typical_year: Footprint,
    /// Lifetime abatement by calculator.
    pub by_calculator: Vec<CalculatorSummary>,
    /// ICMA impact indicators, summed over calculators by key.
    pub indicators: Vec<ImpactIndicator>,
    /// Cost per tonne abated, levelised at the financial discount rate.
    pub cost_per_tonne: Figure<CostPerTonne>,
    /// The same over undiscounted tonnes: not a levelised figure, shown because simple
    /// abatement cost curves use it.
    pub cost_per_undiscounted_tonne: Figure<CostPerTonne>,
    /// `EAC / average annual abatement`, EAC being the present value of net cost spread over
    /// the periods after the base date.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub annualised_cost_per_tonne: Figure<Decimal>,
    /// Fuel factors the project replaced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fuel_overrides: Vec<String>,
}

/// One year, tCO2e.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EmissionsYear {
    /// Calendar year.
    pub year: i32,
    /// Grid factor applied to electricity consumed or saved, tCO2/MWh.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub grid_t_per_mwh: Decimal,
    /// Baseline emissions BE.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline: Decimal,
    /// Project emissions PE.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project: Decimal,
    /// Leakage LE.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub leakage: Decimal,
    /// `ER = BE − PE − LE`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub abatement: Decimal,
}

/// Sums over the study period, tCO2e.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EmissionsTotals {
    /// Baseline.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline: Decimal,
    /// Project.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub project: Decimal,
    /// Leakage.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub leakage: Decimal,
    /// Abatement.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub abatement: Decimal,
}

/// The IFI/EIB footprint of one standard year of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Footprint {
    /// The year taken as typical.
    pub year: i32,
    /// Absolute emissions AE = project emissions (+ leakage), tCO2e/yr.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub absolute: Decimal,
    /// Baseline emissions BLE, tCO2e/yr.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub baseline: Decimal,
    /// Relative emissions RE = AE − BLE (negative = avoided), tCO2e/yr.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub relative: Decimal,
}

/// One calculator's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CalculatorSummary {
    /// Calculator name.
    pub calculator: String,
    /// Lifetime abatement, tCO2e.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub abatement: Decimal,
}

/// A grid path as yearly factors, resolving a published series through the registry.
fn path_years(
    path: &GridPath,
    period: &Period,
    registry: &Registry,
    used: &mut Vec<DataRef>,
    grid_tables: &mut GridPathTables,
    at: &str,
) -> Result<(Vec<Decimal>, String)> {
    match path {
        GridPath::Published {
            set,
            region,
            after_last,
        } => {
            let data = registry
                .get_kind(set, Kind::GridEmissionFactor)
                .map_err(|e| Error {
                    pointer: format!("{at}/set"),
                    ..e
                })?;
            let last = data
                .regions
                .iter()
                .find(|r| &r.region == region)
                .and_then(|r| r.points.last())
                .map(|p| p.year);
            // The set's values for the region: a year it does not give is named at the region.
            let factor = |year: i32| {
                data.grid_factor(year, region).map_err(|e| Error {
                    pointer: format!("{at}/region"),
                    ..e
                })
            };
            let mut out = Vec::with_capacity(period.len());
            for i in 0..period.len() {
                let year = period.first_year + i as i32;
                let beyond = last.filter(|l| i64::from(year) > i64::from(*l));
                let value = match (beyond, after_last) {
                    (Some(l), Some(AfterLast::Hold)) => factor(l as i32)?,
                    (Some(l), Some(AfterLast::Decline { rate })) => {
                        if *rate > Decimal::ONE || *rate < Decimal::ZERO {
                            return Err(Error::invalid(
                                format!("{at}/after_last/decline/rate"),
                                "a decline rate must be between 0 and 1",
                            ));
                        }
                        let keep = sub(Decimal::ONE, *rate, "grid decline")?;
                        let n = i64::from(year) - i64::from(l);
                        crate::num::mul(
                            factor(l as i32)?,
                            crate::num::powi(keep, n, "grid decline")?,
                            "grid decline",
                        )
                        .map_err(|e| e.under(at))?
                    }
                    _ => factor(year)?,
                };
                out.push(value);
            }
            push_unique(used, data.data_ref());
            let extension = match after_last {
                None => String::new(),
                Some(AfterLast::Hold) => " held after the last published year".into(),
                Some(AfterLast::Decline { rate }) => {
                    format!(", −{rate}/yr after the last published year")
                }
            };
            Ok((out, format!("{set}:{region}{extension}")))
        }
        other => Ok((
            grid_tables
                .yearly(other, period.first_year, period.len())
                .map_err(|e| e.under(at))?,
            "input".into(),
        )),
    }
}

/// The fuel table keys the project's overrides by fuel (`/fuel_overrides/natural_gas`); the
/// input lists them, so its pointer names the entry's index (`/fuel_overrides/2`): the last
/// entry for that fuel, the one the table keeps.
fn override_by_index(e: Error, overrides: &[FuelFactor]) -> Error {
    let Some(rest) = e.pointer.strip_prefix("/fuel_overrides/") else {
        return e;
    };
    let found = overrides.iter().enumerate().rev().find_map(|(i, f)| {
        let field = rest.strip_prefix(f.fuel.as_str())?;
        (field.is_empty() || field.starts_with('/')).then(|| format!("/fuel_overrides/{i}{field}"))
    });
    match found {
        Some(pointer) => Error { pointer, ..e },
        None => e,
    }
}

/// The fuel table, noting whether any calculator asked it for a factor.
struct RecordingFuels<'a> {
    table: &'a FuelTable<'a>,
    asked: std::cell::Cell<bool>,
}

impl FuelLookup for RecordingFuels<'_> {
    fn fuel(&self, fuel: &str) -> Result<FuelFactor> {
        self.asked.set(true);
        self.table.fuel(fuel)
    }
}

/// Yearly grid factors of stated paths (constant, linear, compound, points) already expanded,
/// shared by the projects of a portfolio: a compound path is a chain of full-precision
/// products, and a portfolio has few distinct paths.
///
/// A path is looked up by its canonical JSON (every decimal with its digits and scale) and
/// the first year and length of the period, which is everything [`yearly`] reads, so a cached
/// vector is the very vector a fresh call would build. Published paths are not kept: they
/// depend on the registry and record the data set they use. At most
/// [`GridPathTables::CAPACITY`] paths are kept; the oldest gives way.
#[derive(Debug, Default)]
pub(crate) struct GridPathTables {
    paths: Vec<(String, i32, usize, Vec<Decimal>)>,
    next: usize,
}

impl GridPathTables {
    /// How many distinct paths are kept.
    pub(crate) const CAPACITY: usize = 16;

    /// `yearly(path, first_year, years)`, expanded once per distinct key.
    fn yearly(&mut self, path: &GridPath, first_year: i32, years: usize) -> Result<Vec<Decimal>> {
        let Ok(key) = serde_json::to_string(path) else {
            return yearly(path, first_year, years);
        };
        if let Some((.., v)) = self
            .paths
            .iter()
            .find(|(k, f, n, _)| *f == first_year && *n == years && *k == key)
        {
            return Ok(v.clone());
        }
        let v = yearly(path, first_year, years)?;
        let entry = (key, first_year, years, v.clone());
        if self.paths.len() < Self::CAPACITY {
            self.paths.push(entry);
        } else {
            self.paths[self.next] = entry;
            self.next = (self.next + 1) % Self::CAPACITY;
        }
        Ok(v)
    }
}

/// No cost per tonne: the project does not abate (never a negative cost per tonne).
fn not_abating<T>(what: &str, t: Decimal) -> Figure<T> {
    Figure::None {
        finding: super::cost::not_abating(what, t),
    }
}

fn push_unique(used: &mut Vec<DataRef>, r: DataRef) {
    if !used.iter().any(|u| u.id == r.id) {
        used.push(r);
    }
}

/// Runs every calculator and sums the results.
/// The financial series cost per tonne is computed from.
pub(crate) struct CostBasis<'a> {
    /// Net cost per year (outflows positive).
    pub net_cost: &'a [Decimal],
    /// Financial discount factor per year.
    pub factors: &'a [Decimal],
    /// `Σ DF` over the periods after the base date.
    pub annuity: Decimal,
    /// The NPV of the net flows, `Σ net × DF` summed from the first year, whose negation is
    /// the present value of `net_cost` (see `emissions_view`).
    pub npv: Decimal,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn emissions_view(
    input: &EmissionsInput,
    period: &Period,
    cost: &CostBasis,
    registry: &Registry,
    used: &mut Vec<DataRef>,
    steps: &mut Vec<TraceStep>,
    trace: bool,
    grid_tables: &mut GridPathTables,
) -> Result<EmissionsView> {
    let gwp_id = input.gwp_set.as_deref().unwrap_or(DEFAULT_GWP_SET);
    let gwp_set = registry.get_kind(gwp_id, Kind::GwpSet).map_err(|e| Error {
        pointer: "/emissions/gwp_set".into(),
        ..e
    })?;
    let gwp = gwp_set.gwp()?;
    push_unique(used, gwp_set.data_ref());
    let (grid, grid_source) = path_years(
        &input.grid,
        period,
        registry,
        used,
        grid_tables,
        "/emissions/grid",
    )?;
    let (displaced, displaced_source) = match &input.grid_displaced {
        None => (grid.clone(), grid_source.clone()),
        Some(DisplacedGrid::Path(p)) => path_years(
            p,
            period,
            registry,
            used,
            grid_tables,
            "/emissions/grid_displaced/path",
        )?,
        Some(DisplacedGrid::CombinedMargin {
            operating_margin,
            build_margin,
            project_type,
            crediting_period,
            weights,
        }) => {
            let at = "/emissions/grid_displaced/combined_margin";
            let (om, om_src) = path_years(
                operating_margin,
                period,
                registry,
                used,
                grid_tables,
                &format!("{at}/operating_margin"),
            )?;
            let (bm, bm_src) = path_years(
                build_margin,
                period,
                registry,
                used,
                grid_tables,
                &format!("{at}/build_margin"),
            )?;
            let w = match weights {
                Some(w) => {
                    w.validate()
                        .map_err(|e| e.under(&format!("{at}/weights")))?;
                    *w
                }
                None => MarginWeights::tool07(*project_type, *crediting_period),
            };
            let cm = om
                .iter()
                .zip(&bm)
                .map(|(o, b)| combined_margin(*o, *b, &w))
                .collect::<Result<Vec<_>>>()?;
            (
                cm,
                format!(
                    "combined margin {}·OM({om_src}) + {}·BM({bm_src})",
                    w.om, w.bm
                ),
            )
        }
    };
    let fuel_id = input.fuel_set.as_deref().unwrap_or(DEFAULT_FUEL_SET);
    let fuel_set = registry
        .get_kind(fuel_id, Kind::FuelFactors)
        .map_err(|e| Error {
            pointer: "/emissions/fuel_set".into(),
            ..e
        })?;
    let overrides = input
        .fuel_overrides
        .iter()
        .map(|f| (f.fuel.clone(), f.clone()))
        .collect();
    let table = FuelTable::with_overrides(fuel_set, overrides)
        .map_err(|e| override_by_index(e, &input.fuel_overrides).under("/emissions"))?;
    let fuels = RecordingFuels {
        table: &table,
        asked: std::cell::Cell::new(false),
    };
    let ctx = Context {
        first_year: period.first_year,
        years: period.len(),
        grid_t_per_mwh: &grid,
        grid_displaced_t_per_mwh: &displaced,
        grid_source: &grid_source,
        fuels: &fuels,
        heat_t_per_gj: input.heat_t_per_gj.unwrap_or_default(),
        trace,
    };

    let n = period.len();
    let mut be = vec![GasTonnes::default(); n];
    let mut pe = vec![GasTonnes::default(); n];
    let mut le = vec![GasTonnes::default(); n];
    let mut by_calculator = Vec::new();
    let mut indicators: BTreeMap<String, Decimal> = BTreeMap::new();
    // Sums over the calculators' tonnes belong to no one calculator.
    let on_calculators = or_at("/emissions/calculators");
    for (i, calc) in input.calculators.iter().enumerate() {
        let out = calc
            .run(&ctx)
            .map_err(|e| e.under(&format!("/emissions/calculators/{i}/{}", calc.name())))?;
        let mut abated = Decimal::ZERO;
        let several = input.calculators.len() > 1;
        for (y, g) in out.years.iter().enumerate().take(n) {
            if i == 0 {
                (be[y], pe[y], le[y]) = (g.baseline, g.project, g.leakage);
            } else {
                be[y] = be[y].plus(g.baseline).map_err(on_calculators)?;
                pe[y] = pe[y].plus(g.project).map_err(on_calculators)?;
                le[y] = le[y].plus(g.leakage).map_err(on_calculators)?;
            }
            // With one calculator its share is the total, summed below once.
            if several {
                let er = g
                    .baseline
                    .minus(g.project)
                    .and_then(|t| t.minus(g.leakage))
                    .and_then(|t| t.co2e(&gwp))
                    .map_err(on_calculators)?;
                abated = add(abated, er, "abatement").map_err(on_calculators)?;
            }
        }
        for ind in &out.indicators {
            let slot = indicators.entry(ind.key.clone()).or_default();
            *slot = add(*slot, ind.value, "indicator").map_err(on_calculators)?;
        }
        if trace {
            steps.extend(out.steps);
        }
        by_calculator.push(CalculatorSummary {
            calculator: calc.name().to_owned(),
            abatement: abated,
        });
    }
    // The fuel set is cited only when a calculator read a fuel factor from it.
    if fuels.asked.get() {
        push_unique(used, table.data_ref());
    }

    let mut years = Vec::with_capacity(n);
    let mut tonnes = Vec::with_capacity(n);
    let mut totals = EmissionsTotals {
        baseline: Decimal::ZERO,
        project: Decimal::ZERO,
        leakage: Decimal::ZERO,
        abatement: Decimal::ZERO,
    };
    let (mut be_co2e, mut pe_co2e, mut le_co2e) = (
        Co2eSeries::new(&gwp),
        Co2eSeries::new(&gwp),
        Co2eSeries::new(&gwp),
    );
    for y in 0..n {
        let (b, p, l) = (
            be_co2e.co2e(&be[y]).map_err(on_calculators)?,
            pe_co2e.co2e(&pe[y]).map_err(on_calculators)?,
            le_co2e.co2e(&le[y]).map_err(on_calculators)?,
        );
        let er = sub(b, p, "abatement")
            .and_then(|t| sub(t, l, "abatement"))
            .map_err(on_calculators)?;
        totals.baseline = add(totals.baseline, b, "baseline").map_err(on_calculators)?;
        totals.project = add(totals.project, p, "project").map_err(on_calculators)?;
        totals.leakage = add(totals.leakage, l, "leakage").map_err(on_calculators)?;
        totals.abatement = add(totals.abatement, er, "abatement").map_err(on_calculators)?;
        tonnes.push(er);
        years.push(EmissionsYear {
            year: period.first_year + y as i32,
            grid_t_per_mwh: grid[y],
            baseline: b,
            project: p,
            leakage: l,
            abatement: er,
        });
    }
    if let [only] = by_calculator.as_mut_slice() {
        only.abatement = totals.abatement;
    }
    // The first operating year stands for "one standard year of operation" (EIB); the
    // construction years before it have no operating footprint.
    let typical = years
        .iter()
        .find(|y| !y.baseline.is_zero() || !y.project.is_zero())
        .copied()
        .unwrap_or(years[n - 1]);
    let absolute = add(typical.project, typical.leakage, "absolute emissions")?;
    let typical_year = Footprint {
        year: typical.year,
        absolute,
        baseline: typical.baseline,
        relative: sub(absolute, typical.baseline, "relative emissions")?,
    };
    let (net_cost, factors, annuity) = (cost.net_cost, cost.factors, cost.annuity);
    // One present value of cost and of tonnes serves all three conventions. The cost's is the
    // NPV negated: each product and each rounded sum is symmetric in sign, so the digits and
    // scale are the same (tested); only a zero could differ in its sign, so it is summed anew.
    let pv_cost = if cost.npv.is_zero() {
        crate::metrics::present_value(net_cost, factors)?
    } else {
        -cost.npv
    };
    let pv_tonnes = crate::metrics::present_value(&tonnes, factors)?;
    let per_tonne = |basis, tonnes_co2e: Decimal, levelised| -> Result<CostPerTonne> {
        Ok(CostPerTonne {
            basis,
            cost_per_t: div(pv_cost, tonnes_co2e, "cost per tonne")?,
            cost: pv_cost,
            tonnes_co2e,
            levelised,
        })
    };
    let cost_per_tonne = if pv_tonnes > Decimal::ZERO {
        Figure::Value(per_tonne(CostPerTonneBasis::Levelised, pv_tonnes, true)?)
    } else {
        not_abating("the discounted abatement", pv_tonnes)
    };
    let cost_per_undiscounted_tonne = if totals.abatement > Decimal::ZERO {
        Figure::Value(per_tonne(
            CostPerTonneBasis::UndiscountedTonnes,
            totals.abatement,
            false,
        )?)
    } else {
        not_abating("the abatement", totals.abatement)
    };
    let operating = tonnes.iter().filter(|t| !t.is_zero()).count();
    let annualised_cost_per_tonne =
        if totals.abatement <= Decimal::ZERO || operating == 0 || annuity.is_zero() {
            not_abating("the abatement", totals.abatement)
        } else {
            let eac = div(pv_cost, annuity, "equivalent annual cost")?;
            let annual = div(
                totals.abatement,
                Decimal::from(operating as u64),
                "annual abatement",
            )?;
            Figure::Value(div(eac, annual, "annualised cost per tonne")?)
        };
    Ok(EmissionsView {
        gwp,
        grid_source,
        grid_displaced_source: displaced_source,
        years,
        lifetime: totals,
        typical_year,
        by_calculator,
        indicators: indicators
            .into_iter()
            .map(|(key, value)| ImpactIndicator { key, value })
            .collect(),
        cost_per_tonne,
        cost_per_undiscounted_tonne,
        annualised_cost_per_tonne,
        fuel_overrides: input
            .fuel_overrides
            .iter()
            .map(|f| f.fuel.clone())
            .collect(),
    })
}
