//! Solid waste: landfill methane by the first-order-decay (FOD) model of CDM Tool 04
//! ("Emissions from solid waste disposal sites"), and the calculators built on it.
//!
//! The model, yearly form (Tool 04 eq. 1 without the GWP, which the frame applies):
//!
//! ```text
//! CH4_y = φ · (1 − f) · (1 − OX) · 16/12 · F · DOC_f · MCF
//!         · Σ_{x ≤ y} Σ_j W_j,x · DOC_j · e^(−k_j·(y − x)) · (1 − e^(−k_j))
//! ```
//!
//! in tonnes of biogenic CH4. Waste disposed in year `x = y` already emits `(1 − e^(−k))` of
//! its decomposable carbon that year, so the first year of a stream is never zero. This is
//! the CDM convention; the IPCC 2006 Waste Model delays decay by a year and has no φ, so the
//! two are not mixed here.
//!
//! The double sum is evaluated by carrying, per waste type, the undecayed stock
//! `S_y = S_{y−1} · e^(−k) + W_y`, so that `Σ_{x≤y} W_x e^(−k(y−x)) = S_y`: linear in the
//! number of years instead of quadratic, with `e^(−k)` computed once per type.
//!
//! Calculators:
//! - [`landfill_gas_capture`]: Application A, capture and flaring or use of landfill gas at
//!   an existing site (AMS-III.G / ACM0001, ex-ante), with electricity displacing the grid.
//! - [`composting`] (AMS-III.F), [`anaerobic_digestion`] (AMS-III.AO), [`waste_to_energy`]
//!   and [`recycling`]: Application B, waste kept out of the disposal site.

use rust_decimal::{Decimal, MathematicalOps};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::energy::traced;
use super::{CalculatorOutput, Context, GasTonnes, ImpactIndicator, YearGases};
use crate::error::{Error, Result};
use crate::num::{add, div, mul, sub};
use crate::trace::{Text, TraceInput, TraceStep};

/// How many years, from the earliest disposal to the end of the study period, the model
/// follows. Two millennia are far beyond any landfill record and keep the work bounded.
const MAX_SPAN_YEARS: i64 = 2000;

/// A waste category with its own degradable carbon and decay rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WasteType {
    /// Food, beverages and tobacco.
    Food,
    /// Garden and park waste (non-food putrescibles).
    Garden,
    /// Paper and cardboard.
    Paper,
    /// Wood, wood products and straw.
    Wood,
    /// Textiles (decays at the paper rate).
    Textiles,
    /// Glass, plastic, metal and other inert waste: no degradable carbon.
    Inert,
    /// Mixed municipal solid waste without composition data; its DOC has no default here and
    /// must be given.
    BulkMsw,
}

const ALL_TYPES: [WasteType; 7] = [
    WasteType::Food,
    WasteType::Garden,
    WasteType::Paper,
    WasteType::Wood,
    WasteType::Textiles,
    WasteType::Inert,
    WasteType::BulkMsw,
];

impl WasteType {
    fn key(self) -> &'static str {
        match self {
            WasteType::Food => "food",
            WasteType::Garden => "garden",
            WasteType::Paper => "paper",
            WasteType::Wood => "wood",
            WasteType::Textiles => "textiles",
            WasteType::Inert => "inert",
            WasteType::BulkMsw => "bulk_msw",
        }
    }
}

/// Climate zone of the disposal site, which sets the default decay rates (IPCC 2006 Vol.5
/// Table 3.3). It is set by mean annual temperature (MAT) and precipitation (MAP, or MAP/PET),
/// not by latitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClimateZone {
    /// Boreal or temperate (MAT ≤ 20 °C), dry (MAP/PET < 1).
    BorealTemperateDry,
    /// Boreal or temperate (MAT ≤ 20 °C), wet (MAP/PET > 1); most of eastern China.
    BorealTemperateWet,
    /// Tropical (MAT > 20 °C), dry (MAP < 1000 mm).
    TropicalDry,
    /// Tropical (MAT > 20 °C), wet (MAP ≥ 1000 mm); e.g. Guangzhou, Shenzhen.
    TropicalWet,
}

impl ClimateZone {
    fn is_wet(self) -> bool {
        matches!(
            self,
            ClimateZone::BorealTemperateWet | ClimateZone::TropicalWet
        )
    }
}

/// Kind of disposal site, which sets the default MCF and OX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteType {
    /// Managed, anaerobic: MCF 1.0.
    ManagedAnaerobic,
    /// Managed, semi-aerobic: MCF 0.5.
    ManagedSemiAerobic,
    /// Unmanaged, deep (≥ 5 m) and/or high water table: MCF 0.8.
    UnmanagedDeep,
    /// Unmanaged, shallow (< 5 m): MCF 0.4.
    UnmanagedShallow,
    /// Not categorised: MCF 0.6.
    Uncategorised,
}

/// Which application of Tool 04 a calculation is; it sets the default φ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tool04Application {
    /// Application A: the project mitigates methane of an existing site (ex-ante only).
    ExistingSite,
    /// Application B: the project keeps waste out of a site (composting, digestion,
    /// incineration, recycling).
    AvoidedDisposal,
}

/// Tonnes of one waste type disposed, or kept from disposal, year by year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasteStream {
    /// The waste type.
    pub waste_type: WasteType,
    /// Calendar year of `tonnes[0]`; may be before the study period (waste already in place).
    pub first_year: i32,
    /// Wet tonnes in `first_year`, `first_year + 1`, … (≥ 0). Years after the study period
    /// are ignored.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub tonnes: Vec<Decimal>,
}

/// Site- or project-specific DOC or decay rate for one waste type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasteTypeParameters {
    /// The waste type.
    pub waste_type: WasteType,
    /// Degradable organic carbon, fraction of wet weight (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub doc: Option<Decimal>,
    /// Decay rate k, per year (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub k_per_year: Option<Decimal>,
}

/// A disposal site and the waste it receives (Application A) or would have received
/// (Application B). Every factor left out takes the default named on its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwdsModel {
    /// The waste, by type and year. A type may appear in several streams.
    pub streams: Vec<WasteStream>,
    /// Climate zone: sets the default `k_j`, and φ under Application B.
    pub climate_zone: ClimateZone,
    /// Site type: sets the default MCF and OX.
    pub site_type: SiteType,
    /// Model correction factor φ (0–1). Default by application: A (existing site) 0.75 [R:
    /// Tool 04 v07/v08, recalled]; B (avoided disposal) 0.85 in wet zones, 0.80 in dry zones
    /// [S: one public AD-project parameter file pairing them with the humid and dry k values].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub phi: Option<Decimal>,
    /// `f`: fraction of the methane captured and flared or used at the site in the baseline
    /// (0–1). Default 0 (no capture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub baseline_capture_fraction: Option<Decimal>,
    /// OX, fraction of methane oxidised in the cover (0 ≤ OX < 1). Default 0.1 for managed
    /// sites (covered with oxidising material), 0 otherwise [S: a public ACM0022
    /// implementation of the IPCC 2006 Vol.5 values].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub ox: Option<Decimal>,
    /// F, fraction of methane in landfill gas by volume (0–1). Default 0.5 [F: IPCC 2006
    /// Vol.5; US EPA 40 CFR 98 Table HH-1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub ch4_fraction_in_gas: Option<Decimal>,
    /// DOC_f, fraction of DOC that decomposes (0–1). Default 0.5 [F: IPCC 2006 Vol.5; US EPA
    /// 40 CFR 98 Table HH-1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub doc_f: Option<Decimal>,
    /// MCF, methane correction factor (0–1). Default by site type, IPCC 2006 Vol.5 Table
    /// 3.1: managed anaerobic 1.0 [F]; unmanaged deep 0.8 and shallow 0.4 [S]; managed
    /// semi-aerobic 0.5 and uncategorised 0.6 [R].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub mcf: Option<Decimal>,
    /// Overrides of DOC_j and k_j. Defaults: DOC_j (wet) food 0.15, garden 0.20, paper 0.40,
    /// wood 0.43, textiles 0.24, inert 0 [F: IPCC 2006 Vol.5 Table 2.4; US EPA 40 CFR 98
    /// Table HH-1]; bulk MSW has no default. k_j by climate zone, IPCC 2006 Vol.5 Table 3.3
    /// [F boreal/temperate columns, S tropical columns and bulk MSW].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waste_types: Vec<WasteTypeParameters>,
}

/// Methane of a disposal site, year by year, with the parameters as applied.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SwdsMethane {
    /// Tonnes biogenic CH4 emitted in each year of the study period (index 0 = first year),
    /// after φ, baseline capture `f` and oxidation OX.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub ch4_t: Vec<Decimal>,
    /// Every factor used, with its value and where it came from (input or default with its
    /// confidence tag).
    pub parameters: Vec<TraceInput>,
}

// Default values with their sources. The tag in brackets is the confidence of the value:
// F firm (seen in a primary text or two independent copies), S one secondary copy citing
// the source, R recalled from the standard reference and not re-read: check before release.
const SRC_DOC: &str = "default:ipcc-2006-v5-t2.4-doc-wet [F]";
const SRC_K_TEMPERATE: &str = "default:ipcc-2006-v5-t3.3-k [F]";
const SRC_K_TROPICAL: &str = "default:ipcc-2006-v5-t3.3-k [S]";
const SRC_K_BULK: &str = "default:ipcc-2006-v5-t3.3-k-bulk-msw [S]";
const SRC_DOC_F: &str = "default:ipcc-2006-v5-doc-f [F]";
const SRC_F: &str = "default:ipcc-2006-v5-ch4-fraction [F]";
const SRC_F_CAPTURE: &str = "default:no-baseline-capture";
const SRC_PHI_A: &str = "default:cdm-tool04-phi-application-a [R]";
const SRC_PHI_B: &str = "default:cdm-tool04-phi-application-b [S]";

fn default_doc(t: WasteType) -> Option<Decimal> {
    match t {
        WasteType::Food => Some(Decimal::new(15, 2)),
        WasteType::Garden => Some(Decimal::new(20, 2)),
        WasteType::Paper => Some(Decimal::new(40, 2)),
        WasteType::Wood => Some(Decimal::new(43, 2)),
        WasteType::Textiles => Some(Decimal::new(24, 2)),
        WasteType::Inert => Some(Decimal::ZERO),
        WasteType::BulkMsw => None,
    }
}

/// Default k (per year) and its source; inert waste has none because it has no DOC.
fn default_k(t: WasteType, zone: ClimateZone) -> Option<(Decimal, &'static str)> {
    use ClimateZone::*;
    // Columns: boreal/temperate dry, boreal/temperate wet, tropical dry, tropical wet.
    let (row, source): ([i64; 4], &str) = match t {
        WasteType::Paper | WasteType::Textiles => ([40, 60, 45, 70], SRC_K_TEMPERATE),
        WasteType::Wood => ([20, 30, 25, 35], SRC_K_TEMPERATE),
        WasteType::Garden => ([50, 100, 65, 170], SRC_K_TEMPERATE),
        WasteType::Food => ([60, 185, 85, 400], SRC_K_TEMPERATE),
        WasteType::BulkMsw => ([50, 90, 65, 170], SRC_K_BULK),
        WasteType::Inert => return None,
    };
    let (i, source) = match zone {
        BorealTemperateDry => (0, source),
        BorealTemperateWet => (1, source),
        TropicalDry => (
            2,
            if t == WasteType::BulkMsw {
                source
            } else {
                SRC_K_TROPICAL
            },
        ),
        TropicalWet => (
            3,
            if t == WasteType::BulkMsw {
                source
            } else {
                SRC_K_TROPICAL
            },
        ),
    };
    Some((Decimal::new(row[i], 3), source))
}

fn default_mcf(site: SiteType) -> (Decimal, &'static str) {
    match site {
        SiteType::ManagedAnaerobic => (Decimal::ONE, "default:ipcc-2006-v5-t3.1-mcf [F]"),
        SiteType::UnmanagedDeep => (Decimal::new(8, 1), "default:ipcc-2006-v5-t3.1-mcf [S]"),
        SiteType::UnmanagedShallow => (Decimal::new(4, 1), "default:ipcc-2006-v5-t3.1-mcf [S]"),
        SiteType::ManagedSemiAerobic => (Decimal::new(5, 1), "default:ipcc-2006-v5-t3.1-mcf [R]"),
        SiteType::Uncategorised => (Decimal::new(6, 1), "default:ipcc-2006-v5-t3.1-mcf [R]"),
    }
}

fn default_ox(site: SiteType) -> (Decimal, &'static str) {
    match site {
        SiteType::ManagedAnaerobic | SiteType::ManagedSemiAerobic => {
            (Decimal::new(1, 1), "default:ipcc-2006-v5-ox-managed [S]")
        }
        _ => (Decimal::ZERO, "default:ipcc-2006-v5-ox-unmanaged [S]"),
    }
}

fn default_phi(app: Tool04Application, zone: ClimateZone) -> (Decimal, &'static str) {
    match app {
        Tool04Application::ExistingSite => (Decimal::new(75, 2), SRC_PHI_A),
        Tool04Application::AvoidedDisposal if zone.is_wet() => (Decimal::new(85, 2), SRC_PHI_B),
        Tool04Application::AvoidedDisposal => (Decimal::new(80, 2), SRC_PHI_B),
    }
}

/// A fraction checked to lie in `[0, 1]` (or `[0, 1)` when `below_one`).
fn fraction(value: Decimal, pointer: &str, name: &str, below_one: bool) -> Result<Decimal> {
    let above = if below_one {
        value >= Decimal::ONE
    } else {
        value > Decimal::ONE
    };
    if value < Decimal::ZERO || above {
        let range = if below_one { "[0, 1)" } else { "[0, 1]" };
        return Err(Error::invalid(
            pointer,
            format!("{name} must lie in {range}, got {value}"),
        ));
    }
    Ok(value)
}

/// A parameter as used: the input when given, else the default.
struct Param {
    value: Decimal,
    source: String,
}

fn param(
    given: Option<Decimal>,
    default: (Decimal, &str),
    base: &str,
    field: &str,
    name: &str,
    below_one: bool,
) -> Result<Param> {
    match given {
        Some(v) => Ok(Param {
            value: fraction(v, &format!("/{field}"), name, below_one)?,
            source: format!("input:{base}/{field}"),
        }),
        None => Ok(Param {
            value: default.0,
            source: default.1.to_owned(),
        }),
    }
}

/// The site factors common to all waste types, and `Σ_j DOC_j (1 − e^(−k_j)) S_j,y`.
struct Fod {
    phi: Param,
    f: Param,
    ox: Param,
    f_ch4: Param,
    doc_f: Param,
    mcf: Param,
    /// One entry per year of the period.
    decay_sum: Vec<Decimal>,
    /// Name, value, unit, source of each type's DOC and k, and its tonnes.
    type_inputs: Vec<TraceInput>,
}

impl Fod {
    /// `φ (1 − OX) 16/12 F DOC_f MCF × decay sum`, i.e. methane before baseline capture.
    fn before_capture(&self) -> Result<Vec<Decimal>> {
        let w = "landfill methane";
        let mut c = mul(self.phi.value, sub(Decimal::ONE, self.ox.value, w)?, w)?;
        c = mul(c, self.f_ch4.value, w)?;
        c = mul(c, self.doc_f.value, w)?;
        c = mul(c, self.mcf.value, w)?;
        self.decay_sum
            .iter()
            .map(|s| {
                // 16/12 last: the ratio does not terminate in decimal, so it is applied as
                // ×16 then ÷12 to keep the rounding to a single step.
                let m = mul(mul(*s, c, w)?, Decimal::from(16), w)?;
                div(m, Decimal::from(12), w)
            })
            .collect()
    }

    fn parameters(&self) -> Vec<TraceInput> {
        let mut p = vec![
            TraceInput::new("φ", self.phi.value, "1", self.phi.source.clone()),
            TraceInput::new("f", self.f.value, "1", self.f.source.clone()),
            TraceInput::new("OX", self.ox.value, "1", self.ox.source.clone()),
            TraceInput::new("F", self.f_ch4.value, "1", self.f_ch4.source.clone()),
            TraceInput::new("DOC_f", self.doc_f.value, "1", self.doc_f.source.clone()),
            TraceInput::new("MCF", self.mcf.value, "1", self.mcf.source.clone()),
        ];
        p.extend(self.type_inputs.iter().cloned());
        p
    }
}

fn fod(
    model: &SwdsModel,
    application: Tool04Application,
    first_year: i32,
    years: usize,
    base: &str,
    trace: bool,
) -> Result<Fod> {
    if years == 0 {
        return Err(Error::invalid(
            "",
            "the study period must be at least one year",
        ));
    }
    if years as i64 > MAX_SPAN_YEARS {
        return Err(Error::invalid(
            "",
            format!(
                "the model follows at most {MAX_SPAN_YEARS} years, got a {years}-year study period"
            ),
        ));
    }
    let phi = param(
        model.phi,
        default_phi(application, model.climate_zone),
        base,
        "phi",
        "φ",
        false,
    )?;
    let f = param(
        model.baseline_capture_fraction,
        (Decimal::ZERO, SRC_F_CAPTURE),
        base,
        "baseline_capture_fraction",
        "the baseline capture fraction f",
        false,
    )?;
    let ox = param(
        model.ox,
        default_ox(model.site_type),
        base,
        "ox",
        "OX",
        true,
    )?;
    let f_ch4 = param(
        model.ch4_fraction_in_gas,
        (Decimal::new(5, 1), SRC_F),
        base,
        "ch4_fraction_in_gas",
        "F",
        false,
    )?;
    let doc_f = param(
        model.doc_f,
        (Decimal::new(5, 1), SRC_DOC_F),
        base,
        "doc_f",
        "DOC_f",
        false,
    )?;
    let mcf = param(
        model.mcf,
        default_mcf(model.site_type),
        base,
        "mcf",
        "MCF",
        false,
    )?;

    for (i, o) in model.waste_types.iter().enumerate() {
        if let Some(j) = model.waste_types[..i]
            .iter()
            .position(|p| p.waste_type == o.waste_type)
        {
            return Err(Error::invalid(
                format!("/waste_types/{i}/waste_type"),
                format!(
                    "{} is given twice (entries {j} and {i})",
                    o.waste_type.key()
                ),
            ));
        }
    }

    let first = i64::from(first_year);
    let last = first + years as i64 - 1;
    let mut start = first;
    for (i, s) in model.streams.iter().enumerate() {
        for (t, w) in s.tonnes.iter().enumerate() {
            if *w < Decimal::ZERO {
                return Err(Error::invalid(
                    format!("/streams/{i}/tonnes/{t}"),
                    format!("tonnes of waste must not be negative, got {w}"),
                ));
            }
        }
        if !s.tonnes.is_empty() {
            start = start.min(i64::from(s.first_year));
            if last - start + 1 > MAX_SPAN_YEARS {
                return Err(Error::invalid(
                    format!("/streams/{i}/first_year"),
                    format!(
                        "the model follows at most {MAX_SPAN_YEARS} years from the first disposal to the end of the study period"
                    ),
                ));
            }
        }
    }
    let span = (last - start + 1) as usize;

    let mut decay_sum = vec![Decimal::ZERO; years];
    let mut type_inputs = Vec::new();
    for wt in ALL_TYPES {
        let streams: Vec<(usize, &WasteStream)> = model
            .streams
            .iter()
            .enumerate()
            .filter(|(_, s)| s.waste_type == wt)
            .collect();
        if streams.is_empty() {
            continue;
        }
        let over = model
            .waste_types
            .iter()
            .enumerate()
            .find(|(_, o)| o.waste_type == wt);
        let key = wt.key();
        let doc = match (
            over.and_then(|(i, o)| o.doc.map(|d| (i, d))),
            default_doc(wt),
        ) {
            (Some((i, d)), _) => Param {
                value: fraction(
                    d,
                    &format!("/waste_types/{i}/doc"),
                    &format!("DOC of {key}"),
                    false,
                )?,
                source: format!("input:{base}/waste_types/{i}/doc"),
            },
            (None, Some(d)) => Param {
                value: d,
                source: SRC_DOC.to_owned(),
            },
            (None, None) => {
                return Err(Error::missing(
                    format!("/streams/{}/waste_type", streams[0].0),
                    format!("{key} has no default DOC: give one under waste_types"),
                ));
            }
        };
        // Yearly tonnes of this type over [start, last]; later years are outside the period.
        let mut w = vec![Decimal::ZERO; span];
        let mut in_period = Decimal::ZERO;
        for (i, s) in &streams {
            for (t, tonnes) in s.tonnes.iter().enumerate() {
                let year = i64::from(s.first_year) + t as i64;
                if year > last {
                    break;
                }
                let at = (year - start) as usize;
                w[at] = add(w[at], *tonnes, "tonnes of waste")
                    .map_err(|e| e.under(&format!("/streams/{i}/tonnes/{t}")))?;
                if year >= first {
                    in_period = add(in_period, *tonnes, "tonnes of waste")?;
                }
            }
        }
        // The type's inputs feed only the working; the sums above are formed either way.
        if trace {
            type_inputs.push(TraceInput::new(
                &format!("W_{key} (study period)"),
                in_period,
                "t",
                format!("input:{base}/streams"),
            ));
            type_inputs.push(TraceInput::new(
                &format!("DOC_{key}"),
                doc.value,
                "1",
                doc.source,
            ));
        }
        if doc.value.is_zero() {
            // No degradable carbon: no methane whatever the decay rate.
            continue;
        }
        let k = match (
            over.and_then(|(i, o)| o.k_per_year.map(|k| (i, k))),
            default_k(wt, model.climate_zone),
        ) {
            (Some((i, k)), _) => {
                if k < Decimal::ZERO {
                    return Err(Error::invalid(
                        format!("/waste_types/{i}/k_per_year"),
                        format!("the decay rate k must not be negative, got {k}"),
                    ));
                }
                Param {
                    value: k,
                    source: format!("input:{base}/waste_types/{i}/k_per_year"),
                }
            }
            (None, Some((k, source))) => Param {
                value: k,
                source: source.to_owned(),
            },
            (None, None) => {
                return Err(Error::missing(
                    format!("/streams/{}/waste_type", streams[0].0),
                    format!("{key} has no default decay rate: give k_per_year under waste_types"),
                ));
            }
        };
        if trace {
            type_inputs.push(TraceInput::new(
                &format!("k_{key}"),
                k.value,
                "1/year",
                k.source,
            ));
        }
        // e^(−k) only fails to compute when e^k overflows (k above about 66), where
        // e^(−k) is below the decimal resolution: all carbon decays in the first year.
        let decay = (-k.value).checked_exp().unwrap_or(Decimal::ZERO);
        let what = "landfill methane";
        let released = mul(doc.value, sub(Decimal::ONE, decay, what)?, what)?;
        let mut stock = Decimal::ZERO;
        for (at, tonnes) in w.iter().enumerate() {
            stock = add(mul(stock, decay, what)?, *tonnes, what)?;
            let year = start + at as i64;
            if year >= first {
                let i = (year - first) as usize;
                decay_sum[i] = add(decay_sum[i], mul(stock, released, what)?, what)?;
            }
        }
    }
    Ok(Fod {
        phi,
        f,
        ox,
        f_ch4,
        doc_f,
        mcf,
        decay_sum,
        type_inputs,
    })
}

/// Tonnes of biogenic CH4 a disposal site emits in each year `first_year ..
/// first_year + years`, from the waste of `model` (CDM Tool 04, yearly FOD).
///
/// Waste disposed before the period counts (its methane continues), so does every year after
/// disposal stops; waste of years after the period is ignored. Multiply by a GWP for CO2e.
///
/// Errors (pointers relative to the model): a factor outside its range, negative tonnes, a
/// waste type given twice under `waste_types`, bulk MSW without DOC, an empty study period,
/// a first disposal more than 2000 years before the period ends.
pub fn swds_methane(
    model: &SwdsModel,
    application: Tool04Application,
    first_year: i32,
    years: usize,
) -> Result<SwdsMethane> {
    let fod = fod(model, application, first_year, years, "", true)?;
    let before = fod.before_capture()?;
    let keep = sub(Decimal::ONE, fod.f.value, "1 − f")?;
    let ch4_t = before
        .iter()
        .map(|m| mul(*m, keep, "landfill methane"))
        .collect::<Result<Vec<_>>>()?;
    Ok(SwdsMethane {
        ch4_t,
        parameters: fod.parameters(),
    })
}

const FOD_FORMULA: &str =
    "CH4_y = φ·(1−f)·(1−OX)·16/12·F·DOC_f·MCF·Σ_{x≤y} Σ_j W_j,x·DOC_j·e^(−k_j·(y−x))·(1−e^(−k_j))";

fn sum(values: &[Decimal], what: &str) -> Result<Decimal> {
    values
        .iter()
        .try_fold(Decimal::ZERO, |acc, v| add(acc, *v, what))
}

fn mean(values: &[Decimal], what: &str) -> Result<Decimal> {
    // The period is never empty here: `fod` rejects zero years first.
    div(sum(values, what)?, Decimal::from(values.len()), what)
}

/// A per-year input: none (zero every year), one value (every year) or one per year.
fn per_year(values: &[Decimal], years: usize, pointer: &str, name: &str) -> Result<Vec<Decimal>> {
    for (i, v) in values.iter().enumerate() {
        if *v < Decimal::ZERO {
            return Err(Error::invalid(
                format!("{pointer}/{i}"),
                format!("{name} must not be negative, got {v}"),
            ));
        }
    }
    match values.len() {
        0 => Ok(vec![Decimal::ZERO; years]),
        1 => Ok(vec![values[0]; years]),
        n if n == years => Ok(values.to_vec()),
        n => Err(Error::invalid(
            pointer,
            format!(
                "give one value for every year or one per year of the {years}-year study period, got {n}"
            ),
        )),
    }
}

fn grid<'a>(ctx: &Context<'a>) -> Result<&'a [Decimal]> {
    ctx.grid_displaced_t_per_mwh
        .get(..ctx.years)
        .ok_or_else(|| {
            Error::missing(
                "",
                format!(
                    "the displaced-electricity grid factor covers {} years of the {}-year study period",
                    ctx.grid_displaced_t_per_mwh.len(),
                    ctx.years
                ),
            )
        })
}

/// `MWh_y × EF_y` per year, and its trace step; `None` when no electricity is given.
fn displaced_electricity(
    mwh: &[Decimal],
    ctx: &Context<'_>,
    pointer: &str,
) -> Result<Option<(Vec<Decimal>, TraceStep, Decimal)>> {
    if mwh.is_empty() {
        return Ok(None);
    }
    let mwh = per_year(mwh, ctx.years, pointer, "electricity exported")?;
    let ef = grid(ctx)?;
    let co2 = mwh
        .iter()
        .zip(ef)
        .map(|(e, f)| mul(*e, *f, "grid CO2 displaced"))
        .collect::<Result<Vec<_>>>()?;
    // The sums are the working's, formed with or without it for the errors they can give.
    let eg = sum(&mwh, "MWh")?;
    let displaced = sum(&co2, "grid CO2 displaced")?;
    let id = "emissions.waste.grid_displaced";
    let step = traced(ctx, id, || TraceStep {
        id: id.into(),
        title: Text::new(
            "grid CO2 displaced by electricity exported",
            "上网电量替代的电网CO2排放",
        ),
        formula: "BE_elec,y = EG_y × EF_grid,displaced,y".into(),
        inputs: vec![
            TraceInput::new("EG (study period)", eg, "MWh", format!("input:{pointer}")),
            TraceInput::new(
                "EF_grid,displaced,y",
                "per year",
                "tCO2/MWh",
                ctx.grid_source,
            ),
        ],
        result: displaced.to_string(),
        unit: "tCO2 (study period)".into(),
        note: None,
    });
    let mean_mwh = mean(&mwh, "MWh")?;
    Ok(Some((co2, step, mean_mwh)))
}

/// The first-order-decay step of `ch4`; `working` gives its title, inputs and note, asked
/// for only with the trace. The sum is formed either way, for the error it can give.
fn fod_step(
    ctx: &Context<'_>,
    id: &str,
    ch4: &[Decimal],
    working: impl FnOnce() -> (Text, Vec<TraceInput>, Option<Text>),
) -> Result<TraceStep> {
    let total = sum(ch4, "landfill methane")?;
    Ok(traced(ctx, id, || {
        let (title, params, note) = working();
        TraceStep {
            id: id.into(),
            title,
            formula: FOD_FORMULA.into(),
            inputs: params,
            result: total.to_string(),
            unit: "t CH4 (study period; years[] hold each year)".into(),
            note,
        }
    }))
}

/// Capture and flaring or use of landfill gas at an existing site (Tool 04 Application A;
/// AMS-III.G / ACM0001, ex-ante).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LandfillGasInput {
    /// The site and the waste in it, including waste disposed before the study period.
    /// `baseline_capture_fraction` is the gas the site would flare anyway (e.g. by regulation).
    pub site: SwdsModel,
    /// Fraction of the methane generated that the project's collection system captures (0–1).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub capture_efficiency: Decimal,
    /// Fraction of the captured methane destroyed by flaring or use (0–1). No default: a flare's
    /// efficiency is measured or taken from CDM Tool 06.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub destruction_efficiency: Decimal,
    /// Electricity generated from the gas and exported, MWh: none, one value for every year, or
    /// one per year of the study period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub electricity_exported_mwh: Vec<Decimal>,
}

/// Landfill gas capture at an existing site.
///
/// With `G_y` the site's methane before any capture (Tool 04 with `f = 0`), `f` the baseline
/// capture fraction, `η_c` the capture efficiency and `η_d` the destruction efficiency:
/// `BE_y = G_y·(1 − f)` CH4 plus the grid CO2 of the electricity exported; `PE_y =
/// G_y·(1 − η_c·η_d)` CH4. So `ER_y = G_y·(η_c·η_d − f)`, the methane the project destroys
/// beyond the baseline, as in ACM0001. `G_y` already carries `(1 − OX)`, which is ACM0001's
/// `(1 − OX_top_layer)` on the destroyed gas: captured gas would otherwise have crossed the
/// cover.
///
/// Indicators: `ch4_captured_t_per_year` (`η_c·G_y/(1 − OX)`, gas collected below the cover,
/// averaged over the period) and `energy_generated_mwh_per_year` when electricity is given.
pub fn landfill_gas_capture(
    input: &LandfillGasInput,
    ctx: &Context<'_>,
) -> Result<CalculatorOutput> {
    let capture = fraction(
        input.capture_efficiency,
        "/capture_efficiency",
        "the capture efficiency",
        false,
    )?;
    let destruction = fraction(
        input.destruction_efficiency,
        "/destruction_efficiency",
        "the destruction efficiency",
        false,
    )?;
    let fod = fod(
        &input.site,
        Tool04Application::ExistingSite,
        ctx.first_year,
        ctx.years,
        "/site",
        ctx.trace,
    )
    .map_err(|e| e.under("/site"))?;
    let w = "landfill methane";
    let g = fod.before_capture()?;
    let destroyed = mul(capture, destruction, w)?;
    let keep_bl = sub(Decimal::ONE, fod.f.value, w)?;
    let keep_pj = sub(Decimal::ONE, destroyed, w)?;
    let below_cover = sub(Decimal::ONE, fod.ox.value, w)?;
    let electricity = displaced_electricity(
        &input.electricity_exported_mwh,
        ctx,
        "/electricity_exported_mwh",
    )?;

    let mut years = Vec::with_capacity(ctx.years);
    let mut captured = Vec::with_capacity(ctx.years);
    for (i, gi) in g.iter().enumerate() {
        let grid_co2 = electricity.as_ref().map_or(Decimal::ZERO, |e| e.0[i]);
        years.push(YearGases {
            baseline: GasTonnes {
                co2: grid_co2,
                ch4_biogenic: mul(*gi, keep_bl, w)?,
                ..GasTonnes::default()
            },
            project: GasTonnes {
                ch4_biogenic: mul(*gi, keep_pj, w)?,
                ..GasTonnes::default()
            },
            leakage: GasTonnes::default(),
        });
        captured.push(div(mul(*gi, capture, w)?, below_cover, w)?);
    }

    let mut steps = vec![fod_step(ctx, "emissions.waste.swds_ch4", &g, || {
        let mut params = fod.parameters();
        // f does not enter G_y; it is listed in the baseline step instead.
        params.retain(|p| p.name != "f");
        (
            Text::new(
                "landfill methane before capture, G_y (CDM Tool 04, first-order decay, f = 0)",
                "捕集前的填埋场甲烷 G_y（CDM工具04，一阶衰减，f = 0）",
            ),
            params,
            None,
        )
    })?];
    let baseline: Vec<Decimal> = years.iter().map(|y| y.baseline.ch4_biogenic).collect();
    // The sums are the working's, formed with or without it for the errors they can give.
    let baseline = sum(&baseline, w)?;
    let id = "emissions.waste.baseline_ch4";
    steps.push(traced(ctx, id, || TraceStep {
        id: id.into(),
        title: Text::new(
            "baseline methane emitted by the site",
            "基准线情景下填埋场排放的甲烷",
        ),
        formula: "BE_CH4,y = G_y × (1 − f)".into(),
        inputs: vec![
            TraceInput::new(
                "G_y",
                "per year",
                "t CH4",
                "computed:emissions.waste.swds_ch4",
            ),
            TraceInput::new("f", fod.f.value, "1", fod.f.source.clone()),
        ],
        result: baseline.to_string(),
        unit: "t CH4 (study period)".into(),
        note: None,
    }));
    let project: Vec<Decimal> = years.iter().map(|y| y.project.ch4_biogenic).collect();
    let project = sum(&project, w)?;
    let id = "emissions.waste.project_ch4";
    steps.push(traced(ctx, id, || TraceStep {
        id: id.into(),
        title: Text::new(
            "methane still emitted with gas capture",
            "实施填埋气捕集后仍排放的甲烷",
        ),
        formula: "PE_CH4,y = G_y × (1 − η_c × η_d)".into(),
        inputs: vec![
            TraceInput::new(
                "G_y",
                "per year",
                "t CH4",
                "computed:emissions.waste.swds_ch4",
            ),
            TraceInput::new("η_c", capture, "1", "input:/capture_efficiency"),
            TraceInput::new("η_d", destruction, "1", "input:/destruction_efficiency"),
        ],
        result: project.to_string(),
        unit: "t CH4 (study period)".into(),
        note: Some(Text::new(
            "ER = G × (η_c·η_d − f): the methane destroyed beyond what the baseline destroys",
            "减排量 = G × (η_c·η_d − f)：超出基准线销毁量的甲烷销毁量",
        )),
    }));
    let mut indicators = vec![ImpactIndicator {
        key: "ch4_captured_t_per_year".into(),
        value: mean(&captured, w)?,
    }];
    if let Some((_, step, mwh)) = electricity {
        steps.push(step);
        indicators.push(ImpactIndicator {
            key: "energy_generated_mwh_per_year".into(),
            value: mwh,
        });
    }
    Ok(CalculatorOutput {
        years,
        indicators,
        steps,
    })
}

/// Baseline methane of waste kept from disposal, the tonnes treated in each year of the
/// period, and the steps and indicators every Application B calculator shares.
struct Avoided {
    years: Vec<YearGases>,
    treated_t: Vec<Decimal>,
    steps: Vec<TraceStep>,
    indicators: Vec<ImpactIndicator>,
}

fn avoided(diverted: &SwdsModel, ctx: &Context<'_>) -> Result<Avoided> {
    let fod = fod(
        diverted,
        Tool04Application::AvoidedDisposal,
        ctx.first_year,
        ctx.years,
        "/diverted",
        ctx.trace,
    )
    .map_err(|e| e.under("/diverted"))?;
    let w = "landfill methane";
    let keep = sub(Decimal::ONE, fod.f.value, w)?;
    let ch4 = fod
        .before_capture()?
        .iter()
        .map(|m| mul(*m, keep, w))
        .collect::<Result<Vec<_>>>()?;
    let mut treated_t = vec![Decimal::ZERO; ctx.years];
    let first = i64::from(ctx.first_year);
    for s in &diverted.streams {
        for (t, tonnes) in s.tonnes.iter().enumerate() {
            let year = i64::from(s.first_year) + t as i64;
            if year >= first && year < first + ctx.years as i64 {
                let i = (year - first) as usize;
                treated_t[i] = add(treated_t[i], *tonnes, "tonnes treated")?;
            }
        }
    }
    let years = ch4
        .iter()
        .map(|m| YearGases {
            baseline: GasTonnes {
                ch4_biogenic: *m,
                ..GasTonnes::default()
            },
            ..YearGases::default()
        })
        .collect();
    let steps = vec![fod_step(ctx, "emissions.waste.swds_ch4", &ch4, || {
        (
            Text::new(
                "landfill methane avoided (CDM Tool 04 Application B, first-order decay)",
                "避免的填埋场甲烷（CDM工具04应用B，一阶衰减）",
            ),
            fod.parameters(),
            Some(Text::new(
                "waste diverted in a year keeps emitting in the baseline for decades; every year of the study period counts the methane of all earlier diversion",
                "某年转移的废弃物在基准线情景下会持续排放数十年；研究期每年都计入此前全部转移量的甲烷",
            )),
        )
    })?];
    let indicators = vec![ImpactIndicator {
        key: "waste_diverted_t_per_year".into(),
        value: mean(&treated_t, "tonnes treated")?,
    }];
    Ok(Avoided {
        years,
        treated_t,
        steps,
        indicators,
    })
}

/// A process emission factor in g per kg wet waste (= kg per t), as tonnes per tonne, with its
/// source.
fn process_factor(
    given: Option<Decimal>,
    default: Decimal,
    default_source: &str,
    field: &str,
) -> Result<(Decimal, String)> {
    match given {
        Some(v) if v < Decimal::ZERO => Err(Error::invalid(
            format!("/{field}"),
            format!("an emission factor must not be negative, got {v}"),
        )),
        Some(v) => Ok((v, format!("input:/{field}"))),
        None => Ok((default, default_source.to_owned())),
    }
}

/// `t waste × g/kg ÷ 1000` per year: tonnes of gas.
fn process_gas(treated: &[Decimal], g_per_kg: Decimal) -> Result<Vec<Decimal>> {
    treated
        .iter()
        .map(|t| {
            div(
                mul(*t, g_per_kg, "process emissions")?,
                Decimal::from(1000),
                "process emissions",
            )
        })
        .collect()
}

/// Composting of waste that would have gone to a disposal site (AMS-III.F).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompostingInput {
    /// The waste composted, by type and year, and the site it would have gone to.
    pub diverted: SwdsModel,
    /// CH4 from composting, g per kg wet waste. Default 4 [R: IPCC 2006 Vol.5 Table 4.1,
    /// central value; range 0.03–8 F].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub ch4_g_per_kg_wet: Option<Decimal>,
    /// N2O from composting, g per kg wet waste. Default 0.3 [S: IPCC 2006 Vol.5 Table 4.1;
    /// range 0.06–0.6 F].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub n2o_g_per_kg_wet: Option<Decimal>,
}

/// Composting: baseline landfill methane avoided, less the process CH4 and N2O of composting
/// (`t × g/kg ÷ 1000`), counted in the year the waste is treated. Energy use of the plant
/// and transport are not included.
pub fn composting(input: &CompostingInput, ctx: &Context<'_>) -> Result<CalculatorOutput> {
    let (ch4_f, ch4_src) = process_factor(
        input.ch4_g_per_kg_wet,
        Decimal::from(4),
        "default:ipcc-2006-v5-t4.1-composting-ch4 [R]",
        "ch4_g_per_kg_wet",
    )?;
    let (n2o_f, n2o_src) = process_factor(
        input.n2o_g_per_kg_wet,
        Decimal::new(3, 1),
        "default:ipcc-2006-v5-t4.1-composting-n2o [S]",
        "n2o_g_per_kg_wet",
    )?;
    let mut a = avoided(&input.diverted, ctx)?;
    let ch4 = process_gas(&a.treated_t, ch4_f)?;
    let n2o = process_gas(&a.treated_t, n2o_f)?;
    for (i, y) in a.years.iter_mut().enumerate() {
        y.project.ch4_biogenic = ch4[i];
        y.project.n2o = n2o[i];
    }
    // The sums are the working's, formed with or without it for the errors they can give.
    let treated = sum(&a.treated_t, "tonnes treated")?;
    let ch4_total = sum(&ch4, "process emissions")?;
    let n2o_total = sum(&n2o, "process emissions")?;
    let id = "emissions.waste.process";
    a.steps.push(traced(ctx, id, || TraceStep {
        id: id.into(),
        title: Text::new("CH4 and N2O from composting", "堆肥过程的CH4和N2O排放"),
        formula: "PE_CH4,y = W_y × EF_CH4 / 1000; PE_N2O,y = W_y × EF_N2O / 1000".into(),
        inputs: vec![
            TraceInput::new(
                "W (study period)",
                treated,
                "t wet",
                "input:/diverted/streams",
            ),
            TraceInput::new("EF_CH4", ch4_f, "g/kg wet", ch4_src),
            TraceInput::new("EF_N2O", n2o_f, "g/kg wet", n2o_src),
        ],
        result: format!("CH4 {ch4_total}; N2O {n2o_total}"),
        unit: "t (study period)".into(),
        note: None,
    }));
    Ok(CalculatorOutput {
        years: a.years,
        indicators: a.indicators,
        steps: a.steps,
    })
}

/// Anaerobic digestion of waste that would have gone to a disposal site (AMS-III.AO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnaerobicDigestionInput {
    /// The waste digested, by type and year, and the site it would have gone to.
    pub diverted: SwdsModel,
    /// CH4 leaking from digestion, g per kg wet waste. Default 0.8 [R: IPCC 2006 Vol.5 Table
    /// 4.1, central value; range 0–8 F]. N2O is taken as negligible, as the table does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub ch4_g_per_kg_wet: Option<Decimal>,
    /// Electricity from the biogas exported to the grid, MWh: none, one value for every year,
    /// or one per year of the study period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub electricity_exported_mwh: Vec<Decimal>,
    /// Heat from the biogas displacing purchased heat, GJ: none, one value, or one per year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub heat_exported_gj: Vec<Decimal>,
}

/// Anaerobic digestion: baseline landfill methane avoided plus the grid electricity and heat
/// the biogas displaces (`MWh × EF_grid,displaced,y`, `GJ × EF_heat`), less the digester's
/// CH4 leakage counted in the year of treatment.
pub fn anaerobic_digestion(
    input: &AnaerobicDigestionInput,
    ctx: &Context<'_>,
) -> Result<CalculatorOutput> {
    let (ch4_f, ch4_src) = process_factor(
        input.ch4_g_per_kg_wet,
        Decimal::new(8, 1),
        "default:ipcc-2006-v5-t4.1-digestion-ch4 [R]",
        "ch4_g_per_kg_wet",
    )?;
    let heat = per_year(
        &input.heat_exported_gj,
        ctx.years,
        "/heat_exported_gj",
        "heat exported",
    )?;
    let electricity = displaced_electricity(
        &input.electricity_exported_mwh,
        ctx,
        "/electricity_exported_mwh",
    )?;
    let mut a = avoided(&input.diverted, ctx)?;
    let ch4 = process_gas(&a.treated_t, ch4_f)?;
    let heat_co2 = heat
        .iter()
        .map(|h| mul(*h, ctx.heat_t_per_gj, "heat CO2 displaced"))
        .collect::<Result<Vec<_>>>()?;
    for (i, y) in a.years.iter_mut().enumerate() {
        y.project.ch4_biogenic = ch4[i];
        let grid_co2 = electricity.as_ref().map_or(Decimal::ZERO, |e| e.0[i]);
        y.baseline.co2 = add(grid_co2, heat_co2[i], "CO2 displaced")?;
    }
    // The sums are the working's, formed with or without it for the errors they can give.
    let treated = sum(&a.treated_t, "tonnes treated")?;
    let ch4_total = sum(&ch4, "process emissions")?;
    let id = "emissions.waste.process";
    a.steps.push(traced(ctx, id, || TraceStep {
        id: id.into(),
        title: Text::new("CH4 leaking from digestion", "厌氧消化过程的甲烷泄漏"),
        formula: "PE_CH4,y = W_y × EF_CH4 / 1000".into(),
        inputs: vec![
            TraceInput::new(
                "W (study period)",
                treated,
                "t wet",
                "input:/diverted/streams",
            ),
            TraceInput::new("EF_CH4", ch4_f, "g/kg wet", ch4_src),
        ],
        result: ch4_total.to_string(),
        unit: "t CH4 (study period)".into(),
        note: None,
    }));
    if let Some((_, step, mwh)) = electricity {
        a.steps.push(step);
        a.indicators.push(ImpactIndicator {
            key: "energy_generated_mwh_per_year".into(),
            value: mwh,
        });
    }
    if !input.heat_exported_gj.is_empty() {
        let q = sum(&heat, "GJ")?;
        let displaced = sum(&heat_co2, "heat CO2 displaced")?;
        let id = "emissions.waste.heat_displaced";
        a.steps.push(traced(ctx, id, || TraceStep {
            id: id.into(),
            title: Text::new("CO2 of purchased heat displaced", "替代外购热力的CO2排放"),
            formula: "BE_heat,y = Q_y × EF_heat".into(),
            inputs: vec![
                TraceInput::new("Q (study period)", q, "GJ", "input:/heat_exported_gj"),
                TraceInput::new(
                    "EF_heat",
                    ctx.heat_t_per_gj,
                    "tCO2/GJ",
                    "context:heat_t_per_gj",
                ),
            ],
            result: displaced.to_string(),
            unit: "tCO2 (study period)".into(),
            note: None,
        }));
        a.indicators.push(ImpactIndicator {
            key: "heat_generated_gj_per_year".into(),
            value: mean(&heat, "GJ")?,
        });
    }
    Ok(CalculatorOutput {
        years: a.years,
        indicators: a.indicators,
        steps: a.steps,
    })
}

/// Incineration with energy recovery of waste that would have gone to a disposal site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasteToEnergyInput {
    /// The waste incinerated, by type and year, and the site it would have gone to. Plastics
    /// belong here as `inert` (no landfill methane) and again below for their fossil CO2.
    pub diverted: SwdsModel,
    /// Electricity exported to the grid, MWh: none, one value for every year, or one per year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub electricity_exported_mwh: Vec<Decimal>,
    /// Plastics incinerated, wet tonnes: none, one value for every year, or one per year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub plastics_incinerated_t: Vec<Decimal>,
    /// Fossil carbon per tonne of plastics (dry matter × carbon × fossil fraction × oxidation),
    /// t C/t. Default 0.75 = 1.0 × 0.75 × 1.0 × 1.0 [R: IPCC 2006 Vol.5 Table 2.4 plastics and
    /// Table 5.2 oxidation factor].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub plastics_fossil_carbon_t_per_t: Option<Decimal>,
}

/// Waste-to-energy: baseline landfill methane avoided plus the grid CO2 of the electricity
/// exported, less the fossil CO2 of the plastics burnt (`t × C × 44/12`). CH4 and N2O from
/// the stack and the auxiliary fuel are not included.
pub fn waste_to_energy(input: &WasteToEnergyInput, ctx: &Context<'_>) -> Result<CalculatorOutput> {
    let carbon = match input.plastics_fossil_carbon_t_per_t {
        Some(c) => (
            fraction(
                c,
                "/plastics_fossil_carbon_t_per_t",
                "the fossil carbon content",
                false,
            )?,
            "input:/plastics_fossil_carbon_t_per_t".to_owned(),
        ),
        None => (
            Decimal::new(75, 2),
            "default:ipcc-2006-v5-t2.4-plastics-fossil-carbon [R]".to_owned(),
        ),
    };
    let plastics = per_year(
        &input.plastics_incinerated_t,
        ctx.years,
        "/plastics_incinerated_t",
        "plastics incinerated",
    )?;
    let electricity = displaced_electricity(
        &input.electricity_exported_mwh,
        ctx,
        "/electricity_exported_mwh",
    )?;
    let mut a = avoided(&input.diverted, ctx)?;
    let w = "fossil CO2";
    let fossil = plastics
        .iter()
        .map(|t| {
            // 44/12 does not terminate: ×44 then ÷12, one rounding.
            let c = mul(mul(*t, carbon.0, w)?, Decimal::from(44), w)?;
            div(c, Decimal::from(12), w)
        })
        .collect::<Result<Vec<_>>>()?;
    for (i, y) in a.years.iter_mut().enumerate() {
        y.baseline.co2 = electricity.as_ref().map_or(Decimal::ZERO, |e| e.0[i]);
        y.project.co2 = fossil[i];
    }
    if !input.plastics_incinerated_t.is_empty() {
        // The sums are the working's, formed with or without it for the errors they can give.
        let burnt = sum(&plastics, "tonnes")?;
        let fossil_total = sum(&fossil, w)?;
        let id = "emissions.waste.fossil_co2";
        a.steps.push(traced(ctx, id, || TraceStep {
            id: id.into(),
            title: Text::new("fossil CO2 of plastics incinerated", "焚烧塑料的化石源CO2"),
            formula: "PE_CO2,y = W_plastics,y × FC × 44/12".into(),
            inputs: vec![
                TraceInput::new(
                    "W_plastics (study period)",
                    burnt,
                    "t",
                    "input:/plastics_incinerated_t",
                ),
                TraceInput::new("FC", carbon.0, "t C/t", carbon.1),
            ],
            result: fossil_total.to_string(),
            unit: "tCO2 (study period)".into(),
            note: None,
        }));
    }
    if let Some((_, step, mwh)) = electricity {
        a.steps.push(step);
        a.indicators.push(ImpactIndicator {
            key: "energy_generated_mwh_per_year".into(),
            value: mwh,
        });
    }
    Ok(CalculatorOutput {
        years: a.years,
        indicators: a.indicators,
        steps: a.steps,
    })
}

/// Recycling or material recovery of waste that would have gone to a disposal site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecyclingInput {
    /// The waste recovered, by type and year, and the site it would have gone to.
    pub diverted: SwdsModel,
}

/// Recycling: the landfill methane avoided only. Upstream savings of recycled material and
/// the energy of sorting are outside this boundary.
pub fn recycling(input: &RecyclingInput, ctx: &Context<'_>) -> Result<CalculatorOutput> {
    let a = avoided(&input.diverted, ctx)?;
    Ok(CalculatorOutput {
        years: a.years,
        indicators: a.indicators,
        steps: a.steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emissions::energy::tests::books_the_same_without_working;
    use crate::emissions::{FuelFactor, FuelLookup};
    use rust_decimal_macros::dec;

    struct NoFuels;
    impl FuelLookup for NoFuels {
        fn fuel(&self, fuel: &str) -> Result<FuelFactor> {
            Err(Error::unknown_data("/fuel", format!("no fuel {fuel}")))
        }
    }

    fn ctx<'a>(first_year: i32, years: usize, grid: &'a [Decimal]) -> Context<'a> {
        Context {
            first_year,
            years,
            grid_t_per_mwh: grid,
            grid_displaced_t_per_mwh: grid,
            grid_source: "input",
            fuels: &NoFuels,
            heat_t_per_gj: dec!(0.11),
            trace: true,
        }
    }

    fn stream(waste_type: WasteType, first_year: i32, tonnes: &[i64]) -> WasteStream {
        WasteStream {
            waste_type,
            first_year,
            tonnes: tonnes.iter().map(|t| Decimal::from(*t)).collect(),
        }
    }

    fn model(streams: Vec<WasteStream>, zone: ClimateZone) -> SwdsModel {
        SwdsModel {
            streams,
            climate_zone: zone,
            site_type: SiteType::ManagedAnaerobic,
            phi: None,
            baseline_capture_fraction: None,
            ox: None,
            ch4_fraction_in_gas: None,
            doc_f: None,
            mcf: None,
            waste_types: vec![],
        }
    }

    fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
        (a - b).abs() <= tol
    }

    /// `e^x` for `x ≤ 0`; zero where `e^(−x)` overflows (below the decimal resolution).
    fn exp(x: Decimal) -> Decimal {
        x.checked_exp().unwrap_or(Decimal::ZERO)
    }

    /// Three waste types diverted 2025–2029, followed to 2032 (three years after diversion
    /// stops), boreal/temperate wet defaults, managed anaerobic site, Application B:
    /// φ 0.85, f 0, OX 0.1, F 0.5, DOC_f 0.5, MCF 1; DOC food 0.15, paper 0.40, wood 0.43;
    /// k food 0.185, paper 0.06, wood 0.03.
    ///
    /// Expected values computed independently by the double sum of Tool 04 eq. 1 (not the
    /// stock recursion used here), in Python's `decimal` at 50 digits:
    ///
    /// ```text
    /// from decimal import Decimal as D, getcontext
    /// getcontext().prec = 50
    /// phi, f, ox, F, docf, mcf = D("0.85"), D(0), D("0.1"), D("0.5"), D("0.5"), D(1)
    /// types = {"food":  (D("0.15"), D("0.185"), [1000, 1200, 1100, 0, 900]),
    ///          "paper": (D("0.40"), D("0.06"),  [300, 250, 400, 350, 0]),
    ///          "wood":  (D("0.43"), D("0.03"),  [50, 0, 80, 60, 40])}
    /// c = phi * (1 - f) * (1 - ox) * D(16) / D(12) * F * docf * mcf
    /// for y in range(2025, 2033):
    ///     s = D(0)
    ///     for doc, k, w in types.values():
    ///         for i, t in enumerate(w):
    ///             x = 2025 + i
    ///             if x <= y:
    ///                 s += D(t) * doc * (-k * (y - x)).exp() * (1 - (-k).exp())
    ///     print(y, +(c * s).quantize(D("1e-24")))
    /// ```
    ///
    /// A check by hand of 2025: (150 × 0.168893 + 120 × 0.058235 + 21.5 × 0.029554) × 0.255
    /// = 32.958 × 0.255 = 8.4043 t CH4.
    #[test]
    fn three_types_over_eight_years_match_an_independent_calculation() {
        let m = model(
            vec![
                stream(WasteType::Food, 2025, &[1000, 1200, 1100, 0, 900]),
                stream(WasteType::Paper, 2025, &[300, 250, 400, 350, 0]),
                stream(WasteType::Wood, 2025, &[50, 0, 80, 60, 40]),
            ],
            ClimateZone::BorealTemperateWet,
        );
        let r = swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 8).unwrap();
        let expected = [
            dec!(8.404298777298486948374612),
            dec!(16.441941421691123953563491),
            dec!(23.778468771667135088244413),
            dec!(22.685808455420420382170780),
            dec!(25.669060669455183951768659),
            dec!(22.174311178860763466004777),
            dec!(19.223676777774261157469798),
            dec!(16.727861933562029230075113),
        ];
        assert_eq!(r.ch4_t.len(), 8);
        for (got, want) in r.ch4_t.iter().zip(expected) {
            // 28-digit decimal arithmetic through a recursion of a few steps: agreement to
            // 1e-20 t is far below any reported precision.
            assert!(close(*got, want, dec!(1e-20)), "{got} vs {want}");
        }
        let phi = r.parameters.iter().find(|p| p.name == "φ").unwrap();
        assert_eq!(phi.value, "0.85");
        assert!(phi.source.contains("[S]"));
    }

    /// Over an unbounded horizon every deposit releases all its decomposable carbon:
    /// `Σ_{y≥x} e^(−k(y−x))·(1 − e^(−k)) = 1`, so the total is
    /// `φ(1−f)(1−OX)·16/12·F·DOC_f·MCF·Σ_j W_j·DOC_j`.
    ///
    /// Over `H` years the sum is exactly `1 − e^(−kH)`. With the slowest default decay
    /// (wood, temperate dry, k = 0.02) and H = 2000, the missing tail is e^(−40) ≈ 4.2e-18
    /// of the total; the tolerance 1e-15 × total covers it and the rounding of 2000 steps of
    /// 28-digit arithmetic (about 1e-24), and still fails on any error of a whole year's term.
    #[test]
    fn long_horizon_sum_reaches_the_infinite_horizon_identity() {
        let mut m = model(
            vec![
                stream(WasteType::Food, 2000, &[700]),
                stream(WasteType::Paper, 2000, &[200, 100]),
                stream(WasteType::Wood, 2001, &[90]),
            ],
            ClimateZone::BorealTemperateDry,
        );
        m.baseline_capture_fraction = Some(dec!(0.2));
        m.site_type = SiteType::UnmanagedDeep; // MCF 0.8, OX 0
        let r = swds_methane(&m, Tool04Application::AvoidedDisposal, 2000, 2000).unwrap();
        let total: Decimal = r.ch4_t.iter().sum();
        // φ 0.80 (dry, Application B), f 0.2, OX 0, F 0.5, DOC_f 0.5, MCF 0.8.
        let c = dec!(0.80) * dec!(0.8) * dec!(1) * dec!(16) / dec!(12)
            * dec!(0.5)
            * dec!(0.5)
            * dec!(0.8);
        let w_doc = dec!(700) * dec!(0.15) + dec!(300) * dec!(0.40) + dec!(90) * dec!(0.43);
        let limit = c * w_doc;
        assert!(
            close(total, limit, limit * dec!(1e-15)),
            "{total} vs {limit}"
        );
        // The truncated form holds to rounding: the horizon is 2000 years for the 2000
        // deposits and 1999 for the 2001 ones.
        let h = |k: Decimal, n: i64| Decimal::ONE - exp(-k * Decimal::from(n));
        let truncated = c
            * (dec!(700) * dec!(0.15) * h(dec!(0.06), 2000)
                + dec!(200) * dec!(0.40) * h(dec!(0.04), 2000)
                + dec!(100) * dec!(0.40) * h(dec!(0.04), 1999)
                + dec!(90) * dec!(0.43) * h(dec!(0.02), 1999));
        assert!(
            close(total, truncated, dec!(1e-20)),
            "{total} vs {truncated}"
        );
    }

    /// One type, W tonnes every year from the first year: the geometric sum gives
    /// `CH4_y = C·W·DOC·(1 − e^(−k·y))` for the y-th year (y = 1, 2, …); one deposit alone
    /// gives `C·W·DOC·e^(−k·n)·(1 − e^(−k))` n years later.
    #[test]
    fn one_type_matches_the_closed_forms() {
        let m = model(
            vec![stream(WasteType::Garden, 2030, &[500; 15])],
            ClimateZone::TropicalWet,
        );
        let r = swds_methane(&m, Tool04Application::AvoidedDisposal, 2030, 15).unwrap();
        // φ 0.85, OX 0.1, MCF 1, F 0.5, DOC_f 0.5; garden DOC 0.20, k 0.17 (tropical wet).
        let c = dec!(0.85) * dec!(0.9) * dec!(16) / dec!(12) * dec!(0.25);
        for (i, got) in r.ch4_t.iter().enumerate() {
            let y = Decimal::from(i as i64 + 1);
            let want = c * dec!(500) * dec!(0.20) * (Decimal::ONE - exp(dec!(-0.17) * y));
            assert!(close(*got, want, dec!(1e-20)), "year {y}: {got} vs {want}");
        }

        let one = model(
            vec![stream(WasteType::Food, 2030, &[1000])],
            ClimateZone::TropicalDry,
        );
        let r = swds_methane(&one, Tool04Application::ExistingSite, 2030, 12).unwrap();
        // φ 0.75 (Application A), food DOC 0.15, k 0.085 (tropical dry).
        let c = dec!(0.75) * dec!(0.9) * dec!(16) / dec!(12) * dec!(0.25);
        for (n, got) in r.ch4_t.iter().enumerate() {
            let n = Decimal::from(n as i64);
            let want = c * dec!(150) * exp(dec!(-0.085) * n) * (Decimal::ONE - exp(dec!(-0.085)));
            assert!(close(*got, want, dec!(1e-20)), "n = {n}: {got} vs {want}");
        }
    }

    #[test]
    fn waste_before_the_period_counts_and_waste_after_it_does_not() {
        let before = model(
            vec![stream(WasteType::Paper, 2010, &[100; 10])],
            ClimateZone::BorealTemperateWet,
        );
        let both = model(
            vec![
                stream(WasteType::Paper, 2010, &[100; 10]),
                stream(WasteType::Paper, 2030, &[999]),
            ],
            ClimateZone::BorealTemperateWet,
        );
        let a = swds_methane(&before, Tool04Application::ExistingSite, 2025, 5).unwrap();
        let b = swds_methane(&both, Tool04Application::ExistingSite, 2025, 5).unwrap();
        assert!(a.ch4_t.iter().all(|m| *m > Decimal::ZERO));
        assert_eq!(a.ch4_t, b.ch4_t);
        // Decline after disposal stopped in 2019: each year is e^(−0.06) times the last.
        let ratio = a.ch4_t[1] / a.ch4_t[0];
        assert!(close(ratio, exp(dec!(-0.06)), dec!(1e-24)));
    }

    #[test]
    fn inputs_out_of_range_are_errors_naming_the_field() {
        let mut m = model(
            vec![stream(WasteType::Food, 2025, &[1, -1])],
            ClimateZone::TropicalWet,
        );
        let e = swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 3).unwrap_err();
        assert_eq!(e.pointer, "/streams/0/tonnes/1");

        m.streams = vec![stream(WasteType::BulkMsw, 2025, &[1])];
        let e = swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 3).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::MissingArgument);
        assert_eq!(e.pointer, "/streams/0/waste_type");

        m.waste_types = vec![WasteTypeParameters {
            waste_type: WasteType::BulkMsw,
            doc: Some(dec!(0.17)),
            k_per_year: None,
        }];
        assert!(swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 3).is_ok());

        m.ox = Some(dec!(1));
        let e = swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 3).unwrap_err();
        assert_eq!(e.pointer, "/ox");
        m.ox = None;

        m.waste_types.push(WasteTypeParameters {
            waste_type: WasteType::BulkMsw,
            doc: None,
            k_per_year: Some(dec!(-0.1)),
        });
        let e = swds_methane(&m, Tool04Application::AvoidedDisposal, 2025, 3).unwrap_err();
        assert_eq!(e.pointer, "/waste_types/1/waste_type");

        // A decay rate whose e^k overflows releases everything in the first year.
        let fast = SwdsModel {
            waste_types: vec![WasteTypeParameters {
                waste_type: WasteType::Food,
                doc: None,
                k_per_year: Some(dec!(1000)),
            }],
            ..model(
                vec![stream(WasteType::Food, 2025, &[100])],
                ClimateZone::TropicalWet,
            )
        };
        let r = swds_methane(&fast, Tool04Application::AvoidedDisposal, 2025, 2).unwrap();
        let c = dec!(0.85) * dec!(0.9) * dec!(16) / dec!(12) * dec!(0.25);
        assert!(close(r.ch4_t[0], c * dec!(15), dec!(1e-24)));
        assert_eq!(r.ch4_t[1], Decimal::ZERO);

        let far = model(
            vec![stream(WasteType::Food, -5000, &[1])],
            ClimateZone::TropicalWet,
        );
        let e = swds_methane(&far, Tool04Application::AvoidedDisposal, 2025, 3).unwrap_err();
        assert_eq!(e.pointer, "/streams/0/first_year");

        let huge = model(
            vec![stream(WasteType::Food, 2025, &[])],
            ClimateZone::TropicalWet,
        );
        let e = swds_methane(&huge, Tool04Application::AvoidedDisposal, 2025, 0).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidArgument);
        // Extreme tonnages overflow into an error, never a panic.
        let big = WasteStream {
            waste_type: WasteType::Food,
            first_year: 2025,
            tonnes: vec![Decimal::MAX, Decimal::MAX],
        };
        let e = swds_methane(
            &model(vec![big], ClimateZone::TropicalWet),
            Tool04Application::AvoidedDisposal,
            2025,
            3,
        )
        .unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Overflow);
    }

    #[test]
    fn landfill_gas_capture_destroys_the_share_beyond_the_baseline() {
        let mut site = model(
            vec![stream(WasteType::Food, 2015, &[10_000; 10])],
            ClimateZone::BorealTemperateWet,
        );
        site.baseline_capture_fraction = Some(dec!(0.1));
        let g = {
            let mut no_f = site.clone();
            no_f.baseline_capture_fraction = None;
            swds_methane(&no_f, Tool04Application::ExistingSite, 2025, 3)
                .unwrap()
                .ch4_t
        };
        let grid = [dec!(0.58), dec!(0.57), dec!(0.56)];
        let input = LandfillGasInput {
            site,
            capture_efficiency: dec!(0.6),
            destruction_efficiency: dec!(0.9),
            electricity_exported_mwh: vec![dec!(2000)],
        };
        let out = landfill_gas_capture(&input, &ctx(2025, 3, &grid)).unwrap();
        for (i, y) in out.years.iter().enumerate() {
            assert_eq!(y.baseline.ch4_biogenic, g[i] * dec!(0.9));
            assert_eq!(y.project.ch4_biogenic, g[i] * dec!(0.46));
            assert_eq!(y.baseline.co2, dec!(2000) * grid[i]);
            // ER = G × (0.54 − 0.1).
            let er = y.baseline.minus(y.project).unwrap().ch4_biogenic;
            assert!(close(er, g[i] * dec!(0.44), dec!(1e-22)));
        }
        let captured = out
            .indicators
            .iter()
            .find(|i| i.key == "ch4_captured_t_per_year")
            .unwrap();
        let want = (g[0] + g[1] + g[2]) * dec!(0.6) / dec!(0.9) / dec!(3);
        assert!(close(captured.value, want, dec!(1e-20)));
        let mwh = out
            .indicators
            .iter()
            .find(|i| i.key == "energy_generated_mwh_per_year")
            .unwrap();
        assert_eq!(mwh.value, dec!(2000));
        let phi = out.steps[0].inputs.iter().find(|p| p.name == "φ").unwrap();
        assert_eq!(
            (phi.value.as_str(), phi.source.contains("[R]")),
            ("0.75", true)
        );

        let mut bad = input.clone();
        bad.site.phi = Some(dec!(1.2));
        let e = landfill_gas_capture(&bad, &ctx(2025, 3, &grid)).unwrap_err();
        assert_eq!(e.pointer, "/site/phi");
        let mut bad = input.clone();
        bad.electricity_exported_mwh = vec![dec!(1), dec!(2)];
        let e = landfill_gas_capture(&bad, &ctx(2025, 3, &grid)).unwrap_err();
        assert_eq!(e.pointer, "/electricity_exported_mwh");
        let e = landfill_gas_capture(&input, &ctx(2025, 3, &grid[..2])).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::MissingArgument);
    }

    #[test]
    fn composting_subtracts_process_ch4_and_n2o_in_the_year_of_treatment() {
        let diverted = model(
            vec![stream(WasteType::Food, 2025, &[10_000, 10_000])],
            ClimateZone::BorealTemperateDry,
        );
        let baseline = swds_methane(&diverted, Tool04Application::AvoidedDisposal, 2025, 4)
            .unwrap()
            .ch4_t;
        let input = CompostingInput {
            diverted,
            ch4_g_per_kg_wet: None,
            n2o_g_per_kg_wet: None,
        };
        let out = composting(&input, &ctx(2025, 4, &[])).unwrap();
        // 10 000 t × 4 g/kg = 40 t CH4; × 0.3 g/kg = 3 t N2O; none after treatment stops.
        let pe: Vec<_> = out
            .years
            .iter()
            .map(|y| (y.project.ch4_biogenic, y.project.n2o))
            .collect();
        assert_eq!(
            pe,
            [
                (dec!(40), dec!(3)),
                (dec!(40), dec!(3)),
                (dec!(0), dec!(0)),
                (dec!(0), dec!(0))
            ]
        );
        let be: Vec<_> = out.years.iter().map(|y| y.baseline.ch4_biogenic).collect();
        assert_eq!(be, baseline);
        assert!(
            be[3] > Decimal::ZERO,
            "avoided methane continues after diversion stops"
        );
        let diverted_t = out
            .indicators
            .iter()
            .find(|i| i.key == "waste_diverted_t_per_year")
            .unwrap();
        assert_eq!(diverted_t.value, dec!(5000));
        let e = composting(
            &CompostingInput {
                n2o_g_per_kg_wet: Some(dec!(-1)),
                ..input
            },
            &ctx(2025, 4, &[]),
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/n2o_g_per_kg_wet");
    }

    /// Every waste calculator without the trace books the traced run's tonnes and indicators
    /// and forms no working: hand figures below; the placeholders are `TraceStep::untraced`.
    #[test]
    fn waste_calculators_without_trace_book_the_same_and_form_no_working() {
        let diverted = model(
            vec![
                stream(WasteType::Food, 2025, &[10_000, 10_000]),
                stream(WasteType::Inert, 2025, &[500, 500]),
            ],
            ClimateZone::TropicalWet,
        );
        let grid = [dec!(0.5), dec!(0.4)];
        let traced = ctx(2025, 2, &grid);
        let untraced = Context {
            trace: false,
            ..ctx(2025, 2, &grid)
        };
        let both = |run: &dyn Fn(&Context<'_>) -> Result<CalculatorOutput>| {
            (run(&traced).unwrap(), run(&untraced).unwrap())
        };

        let input = CompostingInput {
            diverted: diverted.clone(),
            ch4_g_per_kg_wet: None,
            n2o_g_per_kg_wet: None,
        };
        let (with, without) = both(&|c| composting(&input, c));
        books_the_same_without_working(
            &with,
            &without,
            &["emissions.waste.swds_ch4", "emissions.waste.process"],
        );
        // 10 500 t × 4 g/kg = 42 t CH4; × 0.3 g/kg = 3.15 t N2O.
        assert_eq!(without.years[0].project.ch4_biogenic, dec!(42));
        assert_eq!(without.years[1].project.n2o, dec!(3.15));
        assert_eq!(without.indicators[0].value, dec!(10500));
        // The traced first-order-decay step lists each waste type's tonnes, DOC and k.
        assert!(
            with.steps[0]
                .inputs
                .iter()
                .any(|i| i.name.starts_with("k_"))
        );

        let input = AnaerobicDigestionInput {
            diverted: diverted.clone(),
            ch4_g_per_kg_wet: None,
            electricity_exported_mwh: vec![dec!(300), dec!(200)],
            heat_exported_gj: vec![dec!(1000)],
        };
        let (with, without) = both(&|c| anaerobic_digestion(&input, c));
        books_the_same_without_working(
            &with,
            &without,
            &[
                "emissions.waste.swds_ch4",
                "emissions.waste.process",
                "emissions.waste.grid_displaced",
                "emissions.waste.heat_displaced",
            ],
        );
        // 300 MWh × 0.5 + 1 000 GJ × 0.11 = 150 + 110 t CO2; 200 × 0.4 + 110 = 190.
        assert_eq!(without.years[0].baseline.co2, dec!(260));
        assert_eq!(without.years[1].baseline.co2, dec!(190));

        let input = WasteToEnergyInput {
            diverted: diverted.clone(),
            electricity_exported_mwh: vec![dec!(900)],
            plastics_incinerated_t: vec![dec!(120)],
            plastics_fossil_carbon_t_per_t: None,
        };
        let (with, without) = both(&|c| waste_to_energy(&input, c));
        books_the_same_without_working(
            &with,
            &without,
            &[
                "emissions.waste.swds_ch4",
                "emissions.waste.fossil_co2",
                "emissions.waste.grid_displaced",
            ],
        );
        // 120 t × 0.75 t C/t × 44/12 = 330 t CO2; 900 MWh × 0.5 = 450 t.
        assert_eq!(without.years[0].project.co2, dec!(330));
        assert_eq!(without.years[0].baseline.co2, dec!(450));

        let input = RecyclingInput {
            diverted: diverted.clone(),
        };
        let (with, without) = both(&|c| recycling(&input, c));
        books_the_same_without_working(&with, &without, &["emissions.waste.swds_ch4"]);

        let mut site = diverted;
        site.baseline_capture_fraction = Some(dec!(0.1));
        let input = LandfillGasInput {
            site,
            capture_efficiency: dec!(0.6),
            destruction_efficiency: dec!(0.9),
            electricity_exported_mwh: vec![dec!(2000)],
        };
        let (with, without) = both(&|c| landfill_gas_capture(&input, c));
        books_the_same_without_working(
            &with,
            &without,
            &[
                "emissions.waste.swds_ch4",
                "emissions.waste.baseline_ch4",
                "emissions.waste.project_ch4",
                "emissions.waste.grid_displaced",
            ],
        );
        // 2 000 MWh × 0.5 and × 0.4.
        assert_eq!(without.years[0].baseline.co2, dec!(1000));
        assert_eq!(without.years[1].baseline.co2, dec!(800));

        // The model's own parameters, which are its output, keep every type's inputs.
        let m = swds_methane(&input.site, Tool04Application::ExistingSite, 2025, 2).unwrap();
        assert!(m.parameters.iter().any(|i| i.name.starts_with("DOC_")));
    }

    #[test]
    fn digestion_incineration_and_recycling_share_the_avoided_methane() {
        let diverted = model(
            vec![
                stream(WasteType::Food, 2025, &[2000, 2000]),
                stream(WasteType::Inert, 2025, &[500, 500]),
            ],
            ClimateZone::TropicalWet,
        );
        let grid = [dec!(0.5), dec!(0.4)];
        let c = ctx(2025, 2, &grid);
        let recycled = recycling(
            &RecyclingInput {
                diverted: diverted.clone(),
            },
            &c,
        )
        .unwrap();
        let ad = anaerobic_digestion(
            &AnaerobicDigestionInput {
                diverted: diverted.clone(),
                ch4_g_per_kg_wet: None,
                electricity_exported_mwh: vec![dec!(300), dec!(200)],
                heat_exported_gj: vec![dec!(1000)],
            },
            &c,
        )
        .unwrap();
        let wte = waste_to_energy(
            &WasteToEnergyInput {
                diverted,
                electricity_exported_mwh: vec![dec!(900)],
                plastics_incinerated_t: vec![dec!(120)],
                plastics_fossil_carbon_t_per_t: None,
            },
            &c,
        )
        .unwrap();
        for i in 0..2 {
            let be = recycled.years[i].baseline.ch4_biogenic;
            assert_eq!(ad.years[i].baseline.ch4_biogenic, be);
            assert_eq!(wte.years[i].baseline.ch4_biogenic, be);
            assert_eq!(recycled.years[i].project, GasTonnes::default());
        }
        // Digestion: 2500 t × 0.8 g/kg = 2 t CH4; 300 MWh × 0.5 + 1000 GJ × 0.11 = 260 t CO2.
        assert_eq!(ad.years[0].project.ch4_biogenic, dec!(2));
        assert_eq!(ad.years[0].baseline.co2, dec!(260));
        assert_eq!(ad.years[1].baseline.co2, dec!(190));
        // Incineration: 120 t × 0.75 × 44/12 = 330 t fossil CO2; 900 MWh × 0.4 = 360 t.
        assert_eq!(wte.years[1].project.co2.round_dp(20), dec!(330));
        assert_eq!(wte.years[1].baseline.co2, dec!(360));
        let keys: Vec<_> = ad.indicators.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "waste_diverted_t_per_year",
                "energy_generated_mwh_per_year",
                "heat_generated_gj_per_year"
            ]
        );
    }
}
