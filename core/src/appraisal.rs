//! The appraisal of one project: yearly table, financial view, lifecycle cost, trace and
//! provenance. Pure: the caller passes the project (and, where used, reference data).

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::discount::{
    DiscountRate, Timing, discount_factors, nominal_from_real, real_from_nominal,
};
use crate::economic::{EconomicView, economic_view};
use crate::emissions::abatement::{CostBasis, EmissionsView, GridPathTables, emissions_view};
use crate::error::{Error, Result, echo, or_at};
use crate::financing::{
    DebtSchedule, Dscr, EquityReturns, FundingGap, FundingGapInput, debt_schedule, dscr,
    equity_flows as equity_cash_flows, funding_gap,
};
use crate::metrics::{
    BenefitCost, Finding, Payback, PaybackBasis, airr, benefit_cost, irr, mirr_with,
    payback_with_cumulative, present_value, sir,
};
use crate::num::{add, div, mul, sub};
use crate::project::{
    Basis, Category, EscalationTables, FirstYear, FundingGapSettings, Period, ProjectInput, Sector,
    YearlyFlows, expand_quantity, expand_with,
};
use crate::provenance::{Provenance, input_hash};
use crate::registry::{DataRef, Kind, Registry};
use crate::roots::RootSet;
use crate::sensitivity::{OfNpv, SensitivityView, sensitivity_view, trace_sensitivity};
use crate::trace::{Text, TraceInput, TraceStep};

/// What to compute besides the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppraisalOptions {
    /// Build the worked solution of every figure (costs about as much as the figures).
    pub trace: bool,
}

/// The appraisal of one project.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Appraisal {
    /// Who and what was appraised.
    pub project: ProjectSummary,
    /// Every convention used, echoed.
    pub conventions: Conventions,
    /// The yearly table.
    pub years: Vec<YearRow>,
    /// Financial view of the project's own cash flows.
    pub financial: FinancialView,
    /// Lifecycle cost (ISO 15686-5, NIST Handbook 135).
    pub lifecycle_cost: LifecycleCost,
    /// Loan, debt service, DSCR, equity IRR and funding gap, when financing is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub financing: Option<FinancingView>,
    /// Emissions abatement and cost per tonne, when the project has emissions calculators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emissions: Option<EmissionsView>,
    /// The economic (social) view, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub economic: Option<EconomicView>,
    /// Sensitivity of the financial NPV to each cash-flow category, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<SensitivityView>,
    /// The working behind each figure (empty unless asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    /// Engine and data versions and the input hash.
    pub provenance: Provenance,
}

/// Identity of the appraised project.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ProjectSummary {
    /// Project id.
    pub id: String,
    /// Project name.
    pub name: String,
    /// Sector.
    pub sector: Sector,
    /// Activity.
    pub activity: String,
    /// Currency of every amount.
    pub currency: String,
    /// Price base year of every amount.
    pub price_base_year: i32,
}

/// The conventions of this appraisal.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Conventions {
    /// First and last calendar year of the study period.
    pub study_period: [i32; 2],
    /// How the first year is discounted.
    pub first_year: FirstYear,
    /// Timing of flows within each year.
    pub timing: Timing,
    /// Price basis of the cash flows (and of the discount rate applied).
    pub basis: Basis,
    /// The discount rate applied, in `basis`.
    pub discount_rate: DiscountRate,
    /// Where it came from: `input` or a data-set id.
    pub discount_source: String,
    /// The rate as stated in the input, before any real/nominal conversion.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub stated_rate: Option<Decimal>,
    /// The basis of the stated rate.
    pub stated_rate_basis: Basis,
    /// Inflation used for conversions, if given.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub inflation: Option<Decimal>,
    /// MIRR finance rate.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub finance_rate: Decimal,
    /// MIRR and AIRR reinvestment rate.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub reinvest_rate: Decimal,
    /// How figures are rounded: they are not; presentation rounds money to 2 places.
    pub rounding: String,
}

/// One row of the yearly table; every amount in project currency, signed (outflows negative).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct YearRow {
    /// Calendar year.
    pub year: i32,
    /// Discounting period index (0 = base date).
    pub period: u32,
    /// Discount factor applied.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discount_factor: Decimal,
    /// Investment.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub investment: Decimal,
    /// Replacements.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub replacement: Decimal,
    /// Operation, maintenance and repair.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub operation_maintenance: Decimal,
    /// Energy cost.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub energy: Decimal,
    /// Water cost.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub water: Decimal,
    /// Revenue.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub revenue: Decimal,
    /// Cost savings.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub savings: Decimal,
    /// Grants.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub grant: Decimal,
    /// Residual value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub residual_value: Decimal,
    /// Other flows.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub other: Decimal,
    /// Net flow.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub net: Decimal,
    /// Net flow × discount factor.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_net: Decimal,
    /// Cumulative net flow.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cumulative: Decimal,
    /// Cumulative discounted net flow.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cumulative_discounted: Decimal,
}

/// A figure, or the reason there is none.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Figure<T> {
    /// The figure.
    Value(T),
    /// Why there is none.
    None {
        /// The reason.
        finding: Finding,
    },
}

impl<T> From<std::result::Result<T, Finding>> for Figure<T> {
    fn from(r: std::result::Result<T, Finding>) -> Self {
        match r {
            Ok(v) => Figure::Value(v),
            Err(finding) => Figure::None { finding },
        }
    }
}

/// The financial view.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FinancialView {
    /// Net present value of the net flows.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub npv: Decimal,
    /// Every IRR, flagged, with the selected root.
    pub irr: RootSet,
    /// Modified IRR at the finance and reinvestment rates.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub mirr: Figure<Decimal>,
    /// Simple payback.
    pub payback: Payback,
    /// Discounted payback (discounted from the base date).
    pub discounted_payback: Payback,
    /// Present value of inflows (revenue, savings, grants, residual value, positive other).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv_inflows: Decimal,
    /// Present value of outflows, as a positive number.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv_outflows: Decimal,
    /// Benefit–cost ratios on inflows over outflows.
    pub benefit_cost: Figure<BenefitCost>,
    /// The NPV spread evenly over the periods after the base date.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub equivalent_annual_npv: Decimal,
}

/// Lifecycle cost: present values of costs, positive, with the residual value as a credit.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LifecycleCost {
    /// Investment.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub investment: Decimal,
    /// Replacements.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub replacement: Decimal,
    /// Residual value (subtracted).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub residual_value: Decimal,
    /// Energy.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub energy: Decimal,
    /// Water.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub water: Decimal,
    /// Operation, maintenance and repair.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub operation_maintenance: Decimal,
    /// `LCC = I + Repl − Res + E + W + OM&R`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub total: Decimal,
    /// Equivalent annual cost: LCC over the annuity factor of the periods after the base date.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub equivalent_annual_cost: Decimal,
    /// Comparison with the base case, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<LccComparison>,
    /// Levelised cost per unit of each quantity given (LCOE, cost of conserved energy, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levelised: Vec<LevelisedCost>,
}

/// Project against base case (NIST Handbook 135 supplementary measures).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LccComparison {
    /// LCC of the base case.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub base_case_total: Decimal,
    /// `NS = LCC_base − LCC_project`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub net_savings: Decimal,
    /// `SIR = ΔPV operational savings / ΔPV investment-related cost`.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub sir: Figure<Decimal>,
    /// `AIRR = (1 + reinvest rate)·SIR^(1/N) − 1`.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub airr: Figure<Decimal>,
}

/// A levelised cost per unit of a quantity.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LevelisedCost {
    /// The quantity's name, e.g. `electricity_generated_mwh`.
    pub quantity: String,
    /// What the figure is called.
    pub label: Text,
    /// `LCC / Σ quantityₜ·DFₜ`, in currency per unit of the quantity.
    #[serde(serialize_with = "crate::decimal_text::serialize_figure")]
    pub value: Figure<Decimal>,
}

/// The financing view.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FinancingView {
    /// The loan's debt schedule, by year index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loan: Option<DebtSchedule>,
    /// Debt-service cover by year: CFADS / debt service, with CFADS = revenue + savings +
    /// other − operation and maintenance − energy − water (before investment, replacement,
    /// grants and residual value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dscr: Option<Dscr>,
    /// Equity flows and IRR beside the project IRR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity: Option<EquityReturns>,
    /// EU funding gap: `R = (DIC − DNR)/DIC`, decision amount and grant, at the project's
    /// financial discount rate; cost savings count as revenue (Reg. 480/2014 Art. 15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding_gap: Option<FundingGap>,
}

/// The resolved discounting of a project.
struct Discounting {
    rate: DiscountRate,
    source: String,
    stated: Option<Decimal>,
    stated_basis: Basis,
    factors: Vec<Decimal>,
    /// [`annuity_factor`] of `factors`, formed once per table; `None` if it overflows (the
    /// appraisal then forms it again, to fail at the same step with the same error).
    annuity: Option<Decimal>,
}

/// A discount rate given directly or by a registry preset: exactly one of the two.
pub(crate) enum RateChoice {
    /// A constant rate from the input.
    Stated(Decimal),
    /// A preset schedule and its id.
    Preset(DiscountRate, String),
}

/// Reads `discount_rate` / `discount_preset` of the object at `at` (`/finance`, `/economic`),
/// recording a preset in `used`.
pub(crate) fn rate_or_preset(
    rate: Option<Decimal>,
    preset: Option<&str>,
    at: &str,
    registry: &Registry,
    used: &mut Vec<DataRef>,
) -> Result<RateChoice> {
    match (rate, preset) {
        (Some(r), None) => {
            if r <= Decimal::NEGATIVE_ONE {
                return Err(Error::invalid(
                    format!("{at}/discount_rate"),
                    "the discount rate must be greater than -1",
                ));
            }
            Ok(RateChoice::Stated(r))
        }
        (None, Some(id)) => {
            let set = registry
                .get_kind(id, Kind::DiscountSchedule)
                .map_err(|e| Error {
                    pointer: format!("{at}/discount_preset"),
                    ..e
                })?;
            used.push(set.data_ref());
            Ok(RateChoice::Preset(set.discount_rate()?, id.to_owned()))
        }
        (Some(_), Some(_)) => Err(Error::invalid(
            format!("{at}/discount_rate"),
            "give either discount_rate or discount_preset, not both",
        )),
        (None, None) => Err(Error::missing(
            format!("{at}/discount_rate"),
            "a discount rate (or discount_preset) is needed",
        )),
    }
}

/// Discount-factor tables already built, shared by the projects of a portfolio that have the
/// same rate, timing and study length (a portfolio has few distinct rates, and building a
/// table is a chain of full-precision products).
///
/// A table is looked up by equality of everything [`discount_factors`] reads, so a cached
/// table is the very vector a fresh call would build. At most [`FactorTables::CAPACITY`]
/// tables are kept; the oldest gives way. The yearly factors of stated grid paths of the
/// emissions view are kept here too, by the same rule.
#[derive(Debug, Default)]
pub struct FactorTables {
    tables: Vec<FactorTable>,
    next: usize,
    /// Grid-factor paths of the emissions view, shared the same way.
    grid: GridPathTables,
    /// Escalation chains of cash-flow lines, shared the same way.
    escalation: EscalationTables,
}

/// One shared table: its key (rate, timing, periods), the factors and their annuity factor.
type FactorTable = (DiscountRate, Timing, u32, Vec<Decimal>, Option<Decimal>);

impl FactorTables {
    /// How many distinct tables are kept.
    pub const CAPACITY: usize = 16;

    /// No tables yet.
    pub fn new() -> Self {
        FactorTables::default()
    }

    /// The factors of `rate` under `timing` for periods `0..=periods`, built once.
    pub fn factors(
        &mut self,
        rate: &DiscountRate,
        timing: Timing,
        periods: u32,
    ) -> Result<&[Decimal]> {
        Ok(self.factors_and_annuity(rate, timing, periods)?.0)
    }

    /// [`FactorTables::factors`] and their [`annuity_factor`] (`None` on overflow).
    fn factors_and_annuity(
        &mut self,
        rate: &DiscountRate,
        timing: Timing,
        periods: u32,
    ) -> Result<(&[Decimal], Option<Decimal>)> {
        let found = self
            .tables
            .iter()
            .position(|(r, t, n, _, _)| *t == timing && *n == periods && identical(r, rate));
        let slot = match found {
            Some(i) => i,
            None => {
                let table = discount_factors(rate, timing, periods)?;
                let annuity = annuity_factor(&table).ok();
                let entry = (rate.clone(), timing, periods, table, annuity);
                if self.tables.len() < Self::CAPACITY {
                    self.tables.push(entry);
                    self.tables.len() - 1
                } else {
                    let i = self.next;
                    self.tables[i] = entry;
                    self.next = (i + 1) % Self::CAPACITY;
                    i
                }
            }
        };
        let (_, _, _, table, annuity) = &self.tables[slot];
        Ok((table, *annuity))
    }
}

/// Whether two rates are written the same, digit for digit and scale for scale: `0.08` and
/// `0.080` are equal numbers but give factors of different scales, so they are different keys.
fn identical(a: &DiscountRate, b: &DiscountRate) -> bool {
    let same = |x: &Decimal, y: &Decimal| x.serialize() == y.serialize();
    match (a, b) {
        (DiscountRate::Constant { rate: x }, DiscountRate::Constant { rate: y }) => same(x, y),
        (DiscountRate::PerYear { rates: x }, DiscountRate::PerYear { rates: y }) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (DiscountRate::Bands { bands: x }, DiscountRate::Bands { bands: y }) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(x, y)| {
                    x.from_year == y.from_year && x.to_year == y.to_year && same(&x.rate, &y.rate)
                })
        }
        _ => false,
    }
}

/// `funding_gap` names its inputs as the fields of `FundingGapInput`; in an appraisal the
/// present values among them (and the eligible cost, unless given) are computed from the
/// project's cash flows and are not in the document, so an error about one of them is placed
/// on the settings that asked for the method, saying where the figure came from.
fn place_gap_error(e: Error, settings: &FundingGapSettings) -> Error {
    let computed = match e.pointer.strip_prefix("/financing/funding_gap/") {
        Some(
            "discounted_investment_cost" | "discounted_revenues" | "discounted_operating_costs",
        ) => true,
        Some("eligible_cost") => settings.eligible_cost.is_none(),
        _ => false,
    };
    if !computed {
        return e;
    }
    Error {
        pointer: "/financing/funding_gap".into(),
        message: format!("{}, as computed from the project's cash flows", e.message),
        ..e
    }
}

fn resolve_discounting(
    input: &ProjectInput,
    period: &Period,
    registry: &Registry,
    used: &mut Vec<DataRef>,
    tables: &mut FactorTables,
) -> Result<Discounting> {
    let f = &input.finance;
    let stated_basis = f.rate_basis.unwrap_or(f.basis);
    let choice = rate_or_preset(
        f.discount_rate,
        f.discount_preset.as_deref(),
        "/finance",
        registry,
        used,
    )?;
    let (rate, stated, source) = match choice {
        RateChoice::Stated(r) => {
            let applied = if stated_basis == f.basis {
                r
            } else {
                let i = f.inflation.ok_or_else(|| {
                    Error::missing(
                        "/finance/inflation",
                        "inflation is needed to convert the discount rate between real and nominal",
                    )
                })?;
                match f.basis {
                    Basis::Real => real_from_nominal(r, i).map_err(|e| e.under("/finance"))?,
                    Basis::Nominal => nominal_from_real(r, i).map_err(|e| e.under("/finance"))?,
                }
            };
            (DiscountRate::constant(applied), Some(r), "input".to_owned())
        }
        RateChoice::Preset(rate, id) => {
            if stated_basis != f.basis {
                return Err(Error::invalid(
                    "/finance/rate_basis",
                    "a discount preset is used as published; convert the flows instead of the preset",
                ));
            }
            (rate, None, id)
        }
    };
    let (factors, annuity) = tables
        .factors_and_annuity(&rate, input.timeline.timing, period.periods())
        .map_err(|e| e.under("/finance"))?;
    Ok(Discounting {
        factors: factors.to_vec(),
        annuity,
        rate,
        source,
        stated,
        stated_basis,
    })
}

/// PV of investment-related and operational cost of a set of flows, and its LCC.
struct LccParts {
    investment: Decimal,
    replacement: Decimal,
    residual: Decimal,
    energy: Decimal,
    water: Decimal,
    om: Decimal,
}

impl LccParts {
    fn of(pv: &CategoryPv) -> Self {
        LccParts {
            investment: -pv.get(Category::Investment),
            replacement: -pv.get(Category::Replacement),
            residual: pv.get(Category::ResidualValue),
            energy: -pv.get(Category::Energy),
            water: -pv.get(Category::Water),
            om: -pv.get(Category::OperationMaintenance),
        }
    }

    fn investment_related(&self) -> Result<Decimal> {
        sub(
            add(self.investment, self.replacement, "LCC")?,
            self.residual,
            "LCC",
        )
    }

    fn operational(&self) -> Result<Decimal> {
        add(add(self.energy, self.water, "LCC")?, self.om, "LCC")
    }

    fn total(&self) -> Result<Decimal> {
        add(self.investment_related()?, self.operational()?, "LCC")
    }
}

/// Appraises one project.
pub fn appraise(
    input: &ProjectInput,
    registry: &Registry,
    options: &AppraisalOptions,
) -> Result<Appraisal> {
    appraise_with(input, registry, options, &mut FactorTables::new())
}

/// Appraises one project, taking its discount factors from `tables` (and adding them there),
/// so a portfolio builds one table per distinct rate; the result is the same as [`appraise`].
pub fn appraise_with(
    input: &ProjectInput,
    registry: &Registry,
    options: &AppraisalOptions,
    tables: &mut FactorTables,
) -> Result<Appraisal> {
    validate_identity(input)?;
    let period = input.timeline.period()?;
    let mut used = Vec::new();
    let disc = resolve_discounting(input, &period, registry, &mut used, tables)?;
    let off = period.offset as usize;
    // factors[i] discounts calendar-year index i.
    let factors: Vec<Decimal> = disc.factors[off..].to_vec();
    let flows = expand_with(
        &input.cash_flows,
        &input.assets,
        &period,
        input.price_base_year,
        "",
        &mut tables.escalation,
    )?;
    // A sum over the project's amounts that leaves the decimal range belongs to no single
    // amount: it is placed on the lines the amounts come from.
    let amounts = if input.cash_flows.is_empty() && !input.assets.is_empty() {
        "/assets"
    } else {
        "/cash_flows"
    };
    let on_amounts = or_at(amounts);
    let net = flows.net().map_err(on_amounts)?;

    let mut years = Vec::with_capacity(period.len());
    let (mut cumulative, mut cumulative_discounted) = (Decimal::ZERO, Decimal::ZERO);
    let mut discounted = Vec::with_capacity(period.len());
    // The running sums, kept for the paybacks (the same sums `payback_of` would form).
    let mut running = Vec::with_capacity(period.len());
    let mut running_discounted = Vec::with_capacity(period.len());
    for (i, &n) in net.iter().enumerate() {
        let dn = mul(n, factors[i], "discounted net flow").map_err(on_amounts)?;
        discounted.push(dn);
        cumulative = add(cumulative, n, "cumulative flow").map_err(on_amounts)?;
        cumulative_discounted =
            add(cumulative_discounted, dn, "cumulative discounted flow").map_err(on_amounts)?;
        running.push(cumulative);
        running_discounted.push(cumulative_discounted);
        let at = |c: Category| flows.of(c)[i];
        years.push(YearRow {
            year: period.first_year + i as i32,
            period: (i + off) as u32,
            discount_factor: factors[i],
            investment: at(Category::Investment),
            replacement: at(Category::Replacement),
            operation_maintenance: at(Category::OperationMaintenance),
            energy: at(Category::Energy),
            water: at(Category::Water),
            revenue: at(Category::Revenue),
            savings: at(Category::Savings),
            grant: at(Category::Grant),
            residual_value: at(Category::ResidualValue),
            other: at(Category::Other),
            net: n,
            discounted_net: dn,
            cumulative,
            cumulative_discounted,
        });
    }
    let npv = cumulative_discounted;

    let rate1 = disc.rate.rate_for_year(1);
    let finance_rate = input.finance.finance_rate.unwrap_or(rate1);
    let reinvest_rate = input.finance.reinvest_rate.unwrap_or(rate1);
    // A study period has at least two years (one of construction, one of operation).
    let irr_set = irr(&net, rate1).map_err(on_amounts)?;
    // MIRR compounds over the period indices, so with a discounted first year the series is
    // shifted by one period (a leading zero), as the spreadsheet would see it.
    let mirr_series: Vec<Decimal> = std::iter::repeat_n(Decimal::ZERO, off)
        .chain(net.iter().copied())
        .collect();
    // With a constant rate, end-of-year timing and the discount rate as finance rate, the
    // discount factors are exactly MIRR's finance factors (same chain of products).
    let finance_factors = match (&disc.rate, input.timeline.timing) {
        (DiscountRate::Constant { rate }, Timing::EndOfYear)
            if rate.serialize() == finance_rate.serialize() =>
        {
            Some(disc.factors.as_slice())
        }
        _ => None,
    };
    let mirr_value: Figure<Decimal> =
        mirr_with(&mirr_series, finance_rate, finance_factors, reinvest_rate)
            // A rate is named under the finance section; a sum or ratio of the flows that
            // leaves the decimal range comes from the amounts.
            .map_err(|e| {
                if e.pointer.is_empty() {
                    e.under(amounts)
                } else {
                    e.under("/finance")
                }
            })?
            .into();
    let simple =
        payback_with_cumulative(&net, &running, PaybackBasis::Simple).map_err(on_amounts)?;
    let discounted_pb =
        payback_with_cumulative(&discounted, &running_discounted, PaybackBasis::Discounted)
            .map_err(on_amounts)?;

    let category_pv = CategoryPv::of(&flows, &factors).map_err(on_amounts)?;
    let (pv_in, pv_out) = category_pv.in_out().map_err(on_amounts)?;
    let bc: Figure<BenefitCost> = benefit_cost(pv_in, pv_out).map_err(on_amounts)?.into();
    let annuity = match disc.annuity {
        Some(annuity) => annuity,
        None => annuity_factor(&disc.factors).map_err(or_at("/finance"))?,
    };
    let eanpv = if annuity.is_zero() {
        Decimal::ZERO
    } else {
        div(npv, annuity, "equivalent annual NPV").map_err(on_amounts)?
    };

    let parts = LccParts::of(&category_pv);
    let lcc_total = parts.total().map_err(on_amounts)?;
    let eac = if annuity.is_zero() {
        Decimal::ZERO
    } else {
        div(lcc_total, annuity, "equivalent annual cost").map_err(on_amounts)?
    };
    let comparison = match &input.base_case {
        None => None,
        Some(base) => Some(
            (|| -> Result<LccComparison> {
                let base_flows = expand_with(
                    &base.cash_flows,
                    &base.assets,
                    &period,
                    input.price_base_year,
                    "/base_case",
                    &mut tables.escalation,
                )?;
                let base_parts = LccParts::of(&CategoryPv::of(&base_flows, &factors)?);
                let base_total = base_parts.total()?;
                let savings = sub(
                    base_parts.operational()?,
                    parts.operational()?,
                    "operational savings",
                )?;
                let added = sub(
                    parts.investment_related()?,
                    base_parts.investment_related()?,
                    "added investment",
                )?;
                let sir_value = sir(savings, added)?;
                let n_years = period.periods();
                let airr_value: Figure<Decimal> = match &sir_value {
                    Ok(s) => airr(*s, reinvest_rate, n_years.max(1))?.into(),
                    Err(f) => Figure::None { finding: f.clone() },
                };
                Ok(LccComparison {
                    base_case_total: base_total,
                    net_savings: sub(base_total, lcc_total, "net savings")?,
                    sir: sir_value.into(),
                    airr: airr_value,
                })
            })()
            // The comparison's sums and ratios are of the base case beside the project.
            .map_err(or_at("/base_case"))?,
        ),
    };
    let mut levelised = Vec::new();
    for (name, line) in &input.quantities {
        let at = format!("/quantities/{}", name.replace('~', "~0").replace('/', "~1"));
        let series = expand_quantity(line, &period, &at)?;
        let pv_q = present_value(&series, &factors).map_err(or_at(&at))?;
        let value: Figure<Decimal> = if pv_q > Decimal::ZERO {
            Figure::Value(div(lcc_total, pv_q, "levelised cost").map_err(or_at(&at))?)
        } else {
            Figure::None {
                finding: Finding::new("no_quantity", "the discounted quantity is zero"),
            }
        };
        levelised.push(LevelisedCost {
            quantity: name.clone(),
            label: levelised_label(name),
            value,
        });
    }

    let financing = match &input.financing {
        None => None,
        Some(fi) => Some(
            financing_view(
                fi,
                &flows,
                &net,
                &category_pv,
                &period,
                &irr_set,
                rate1,
                amounts,
            )
            .map_err(or_at("/financing"))?,
        ),
    };
    let mut emission_steps = Vec::new();
    let emissions = match &input.emissions {
        None => None,
        Some(e) => {
            let net_cost: Vec<Decimal> = net.iter().map(|v| -*v).collect();
            let basis = CostBasis {
                net_cost: &net_cost,
                factors: &factors,
                annuity,
                npv,
            };
            Some(
                emissions_view(
                    e,
                    &period,
                    &basis,
                    registry,
                    &mut used,
                    &mut emission_steps,
                    options.trace,
                    &mut tables.grid,
                )
                // Figures of the whole view (cost per tonne, the footprint) that no calculator
                // names.
                .map_err(or_at("/emissions"))?,
            )
        }
    };
    let abatement: Option<Vec<Decimal>> = emissions
        .as_ref()
        .map(|e| e.years.iter().map(|y| y.abatement).collect());
    let economic = match &input.economic {
        None => None,
        Some(econ) => Some(
            economic_view(
                input,
                econ,
                &flows,
                &period,
                registry,
                &mut used,
                abatement.as_deref(),
            )
            // The view's sums (costs, benefits, carbon value) belong to no single field of it.
            .map_err(|e| {
                if e.pointer.is_empty() {
                    e.under("/economic")
                } else {
                    e
                }
            })?,
        ),
    };
    let sensitivity = match &input.sensitivity {
        None => None,
        Some(settings) => Some(
            sensitivity_view(settings, npv, &flows, &category_pv).map_err(or_at("/sensitivity"))?,
        ),
    };
    let lifecycle_cost = LifecycleCost {
        investment: parts.investment,
        replacement: parts.replacement,
        residual_value: parts.residual,
        energy: parts.energy,
        water: parts.water,
        operation_maintenance: parts.om,
        total: lcc_total,
        equivalent_annual_cost: eac,
        comparison,
        levelised,
    };
    let financial = FinancialView {
        npv,
        irr: irr_set,
        mirr: mirr_value,
        payback: simple,
        discounted_payback: discounted_pb,
        pv_inflows: pv_in,
        pv_outflows: pv_out,
        benefit_cost: bc,
        equivalent_annual_npv: eanpv,
    };
    let conventions = Conventions {
        study_period: [period.first_year, period.last_year],
        first_year: input.timeline.first_year,
        timing: input.timeline.timing,
        basis: input.finance.basis,
        discount_rate: disc.rate.clone(),
        discount_source: disc.source.clone(),
        stated_rate: disc.stated,
        stated_rate_basis: disc.stated_basis,
        inflation: input.finance.inflation,
        finance_rate,
        reinvest_rate,
        rounding: "figures are exact decimals, not rounded; presentation rounds money to 2 places and percentages to 4, half away from zero".into(),
    };
    let trace = if options.trace {
        {
            let mut steps = build_trace(input, &conventions, &financial, &lifecycle_cost);
            trace_financing(&mut steps, input, financing.as_ref());
            trace_emissions(&mut steps, input, emissions.as_ref(), emission_steps);
            trace_economic(&mut steps, input, economic.as_ref());
            if let (Some(settings), Some(view)) = (&input.sensitivity, &sensitivity) {
                trace_sensitivity(
                    &mut steps,
                    settings,
                    view,
                    &input.currency,
                    OfNpv::Financial,
                );
            }
            steps
        }
    } else {
        Vec::new()
    };
    Ok(Appraisal {
        project: ProjectSummary {
            id: input.id.clone(),
            name: input.name.clone(),
            sector: input.sector,
            activity: input.activity.clone(),
            currency: input.currency.clone(),
            price_base_year: input.price_base_year,
        },
        conventions,
        years,
        financial,
        lifecycle_cost,
        financing,
        emissions,
        economic,
        sensitivity,
        trace,
        provenance: Provenance::new(input_hash(input), used),
    })
}

fn sum_series(parts: &[&[Decimal]], n: usize) -> Result<Vec<Decimal>> {
    let mut out = vec![Decimal::ZERO; n];
    for series in parts {
        for (acc, v) in out.iter_mut().zip(series.iter()) {
            *acc = add(*acc, *v, "yearly sum")?;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn financing_view(
    fi: &crate::project::FinancingInput,
    flows: &YearlyFlows,
    net: &[Decimal],
    category_pv: &CategoryPv,
    period: &Period,
    project_irr: &RootSet,
    guess: Decimal,
    amounts: &str,
) -> Result<FinancingView> {
    let n = period.len();
    let investment_total = -flows
        .of(Category::Investment)
        .iter()
        .try_fold(Decimal::ZERO, |a, v| add(a, *v, "total investment"))
        .map_err(or_at(amounts))?;
    let (mut loan, mut cover, mut equity) = (None, None, None);
    if let Some(l) = &fi.loan {
        // The schedule, its cover and the equity's flows and return are the loan's figures:
        // a value out of range there comes from its amount, rate and tenor beside the flows.
        let on_loan = or_at("/financing/loan");
        let schedule = debt_schedule(l, investment_total, (n - 1) as u32).map_err(on_loan)?;
        let cfads = sum_series(
            &[
                flows.of(Category::Revenue),
                flows.of(Category::Savings),
                flows.of(Category::Other),
                flows.of(Category::OperationMaintenance),
                flows.of(Category::Energy),
                flows.of(Category::Water),
            ],
            n,
        )
        .map_err(or_at(amounts))?;
        cover = Some(dscr(&cfads, &schedule).map_err(on_loan)?);
        // The project IRR is already known; only the equity flows need a new root search.
        let equity_flows = equity_cash_flows(net, &schedule).map_err(on_loan)?;
        let equity_irr = irr(&equity_flows, guess).map_err(on_loan)?;
        equity = Some(EquityReturns {
            equity_flows,
            project_irr: project_irr.clone(),
            equity_irr,
        });
        loan = Some(schedule);
    }
    let gap = match &fi.funding_gap {
        None => None,
        Some(settings) => {
            let pv = |cs: &[Category]| -> Result<Decimal> {
                cs.iter()
                    .try_fold(Decimal::ZERO, |acc, c| {
                        add(acc, category_pv.get(*c), "present value")
                    })
                    .map_err(or_at(amounts))
            };
            let input = FundingGapInput {
                discounted_investment_cost: -pv(&[Category::Investment])?,
                discounted_revenues: pv(&[Category::Revenue, Category::Savings])?,
                discounted_operating_costs: -pv(&[
                    Category::OperationMaintenance,
                    Category::Energy,
                    Category::Water,
                    Category::Replacement,
                ])?,
                discounted_residual_value: pv(&[Category::ResidualValue])?,
                eligible_cost: settings.eligible_cost.unwrap_or(investment_total),
                max_cofinancing_rate: settings.max_cofinancing_rate,
            };
            Some(funding_gap(&input).map_err(|e| place_gap_error(e, settings))?)
        }
    };
    Ok(FinancingView {
        loan,
        dscr: cover,
        equity,
        funding_gap: gap,
    })
}

/// Present values by category, computed once per appraisal and shared by the financial view,
/// the lifecycle cost and the funding gap (each product of an amount and a factor is the
/// expensive part of an appraisal, so none is formed twice).
pub(crate) struct CategoryPv {
    pv: [Decimal; 10],
    /// PV of `other` flows split by sign, the only category with both.
    other_in: Decimal,
    other_out: Decimal,
}

impl CategoryPv {
    pub(crate) fn of(flows: &YearlyFlows, factors: &[Decimal]) -> Result<Self> {
        let mut pv = [Decimal::ZERO; 10];
        let (mut other_in, mut other_out) = (Decimal::ZERO, Decimal::ZERO);
        for (c, series) in Category::ALL.iter().zip(&flows.by_category) {
            let slot = &mut pv[c.index()];
            for (v, f) in series.iter().zip(factors) {
                if v.is_zero() {
                    continue;
                }
                let d = mul(*v, *f, "discounted flow")?;
                *slot = add(*slot, d, "present value")?;
                if *c == Category::Other {
                    if d.is_sign_negative() {
                        other_out = sub(other_out, d, "PV of outflows")?;
                    } else {
                        other_in = add(other_in, d, "PV of inflows")?;
                    }
                }
            }
        }
        Ok(CategoryPv {
            pv,
            other_in,
            other_out,
        })
    }

    /// PV of one category, signed as the flows are.
    pub(crate) fn get(&self, c: Category) -> Decimal {
        self.pv[c.index()]
    }

    /// PV of inflows and of outflows (positive).
    fn in_out(&self) -> Result<(Decimal, Decimal)> {
        let (mut pv_in, mut pv_out) = (self.other_in, self.other_out);
        for c in Category::ALL {
            match c.sign() {
                1 => pv_in = add(pv_in, self.get(c), "PV of inflows")?,
                -1 => pv_out = sub(pv_out, self.get(c), "PV of outflows")?,
                _ => {}
            }
        }
        Ok((pv_in, pv_out))
    }
}

/// `Σ DFₜ` over the periods after the base date: the annuity factor of the schedule (UPV
/// for a constant rate), which turns a present value into an equal amount per period.
fn annuity_factor(all_factors: &[Decimal]) -> Result<Decimal> {
    all_factors
        .iter()
        .skip(1)
        .try_fold(Decimal::ZERO, |acc, f| add(acc, *f, "annuity factor"))
}

fn levelised_label(name: &str) -> Text {
    if name.contains("generated") || name.contains("produced") {
        Text::new(
            "levelised cost of energy produced (LCOE)",
            "平准化发电成本 (LCOE)",
        )
    } else if name.contains("saved") {
        Text::new("levelised cost of conserved energy", "平准化节能成本")
    } else {
        Text::new(
            format!("levelised cost per unit of {name}"),
            format!("单位 {name} 平准化成本"),
        )
    }
}

fn validate_identity(input: &ProjectInput) -> Result<()> {
    if input.id.trim().is_empty() {
        return Err(Error::missing("/id", "the project needs an id"));
    }
    let c = &input.currency;
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "/currency",
            format!(
                "expected an ISO 4217 code such as CNY or EUR, got {:?}",
                echo(c)
            ),
        ));
    }
    if !(1800..=2500).contains(&input.price_base_year) {
        return Err(Error::invalid(
            "/price_base_year",
            format!(
                "{} is not a plausible price base year",
                input.price_base_year
            ),
        ));
    }
    Ok(())
}

fn build_trace(
    input: &ProjectInput,
    conv: &Conventions,
    fin: &FinancialView,
    lcc: &LifecycleCost,
) -> Vec<TraceStep> {
    let cur = input.currency.as_str();
    let rate = conv.discount_rate.rate_for_year(1);
    let mut steps = Vec::new();
    let mut rate_inputs = vec![TraceInput::new(
        "r_stated",
        conv.stated_rate
            .map(|r| r.normalize().to_string())
            .unwrap_or_default(),
        "1/year",
        "input:/finance/discount_rate",
    )];
    let (formula, note) = if conv.stated_rate_basis == conv.basis {
        ("r = r_stated".to_owned(), None)
    } else {
        rate_inputs.push(TraceInput::new(
            "i",
            conv.inflation.unwrap_or_default().normalize(),
            "1/year",
            "input:/finance/inflation",
        ));
        let f = match conv.basis {
            Basis::Real => "r_real = (1 + r_nominal) / (1 + i) − 1",
            Basis::Nominal => "r_nominal = (1 + r_real) · (1 + i) − 1",
        };
        (
            f.to_owned(),
            Some(Text::new(
                "exact Fisher relation, not r ≈ n − i",
                "精确费雪公式，而非 r ≈ n − i",
            )),
        )
    };
    steps.push(TraceStep {
        id: "conventions.discount_rate".into(),
        title: Text::new("discount rate applied", "采用的折现率"),
        formula,
        inputs: rate_inputs,
        result: rate.normalize().to_string(),
        unit: "1/year".into(),
        note,
    });
    let timing_formula = match conv.timing {
        Timing::EndOfYear => "DF_p = 1 / (1 + r)^p, p = period index",
        Timing::MidYear => "DF_p = 1 / (1 + r)^(p − 0.5) for p ≥ 1",
        Timing::BeginningOfYear => "DF_p = 1 / (1 + r)^(p − 1) for p ≥ 1",
    };
    steps.push(TraceStep {
        id: "conventions.discount_factors".into(),
        title: Text::new(
            "discount factors (see the yearly table)",
            "折现系数（见逐年表）",
        ),
        formula: timing_formula.into(),
        inputs: vec![TraceInput::new(
            "r",
            rate.normalize(),
            "1/year",
            "computed:conventions.discount_rate",
        )],
        result: "years[].discount_factor".into(),
        unit: "1".into(),
        note: Some(match conv.first_year {
            FirstYear::Undiscounted => Text::new(
                "the first year is the base date (p = 0), undiscounted",
                "首年为基准日（p = 0），不折现",
            ),
            FirstYear::Discounted => Text::new(
                "the first year is discounted one period (p = 1)",
                "首年折现一期（p = 1）",
            ),
        }),
    });
    steps.push(TraceStep {
        id: "financial.npv".into(),
        title: Text::new("financial net present value (FNPV)", "财务净现值 (FNPV)"),
        formula: "NPV = Σ_y net_y · DF_y".into(),
        inputs: vec![
            TraceInput::new("net_y", "years[].net", cur, "computed:yearly table"),
            TraceInput::new(
                "DF_y",
                "years[].discount_factor",
                "1",
                "computed:conventions.discount_factors",
            ),
        ],
        result: fin.npv.to_string(),
        unit: cur.into(),
        note: None,
    });
    let irr_note = fin
        .irr
        .reason
        .as_ref()
        .map(|r| Text::new(r.clone(), r.clone()));
    steps.push(TraceStep {
        id: "financial.irr".into(),
        title: Text::new(
            "financial internal rate of return (FIRR), every root",
            "财务内部收益率 (FIRR)，全部解",
        ),
        formula: "Σ_y net_y · (1 + IRR)^(−p_y) = 0, every real root above −100 %".into(),
        inputs: vec![TraceInput::new(
            "net_y",
            "years[].net",
            cur,
            "computed:yearly table",
        )],
        result: format!(
            "roots [{}], {} selected",
            fin.irr
                .roots
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            fin.irr
                .selected
                .map(|r| r.to_string())
                .unwrap_or_else(|| "none".into())
        ),
        unit: "1/year".into(),
        note: irr_note,
    });
    steps.push(TraceStep {
        id: "financial.mirr".into(),
        title: Text::new(
            "modified internal rate of return (MIRR)",
            "修正内部收益率 (MIRR)",
        ),
        formula: "MIRR = (FV of inflows at r_reinvest / −PV of outflows at r_finance)^(1/N) − 1"
            .into(),
        inputs: vec![
            TraceInput::new(
                "r_finance",
                conv.finance_rate.normalize(),
                "1/year",
                "input:/finance/finance_rate (default: discount rate)",
            ),
            TraceInput::new(
                "r_reinvest",
                conv.reinvest_rate.normalize(),
                "1/year",
                "input:/finance/reinvest_rate (default: discount rate)",
            ),
        ],
        result: figure_text(&fin.mirr),
        unit: "1/year".into(),
        note: None,
    });
    for (id, p, en, zh) in [
        (
            "financial.payback",
            &fin.payback,
            "simple payback",
            "静态投资回收期",
        ),
        (
            "financial.discounted_payback",
            &fin.discounted_payback,
            "discounted payback (from the base date)",
            "动态投资回收期（自基准日折现）",
        ),
    ] {
        steps.push(TraceStep {
            id: id.into(),
            title: Text::new(en, zh),
            formula:
                "T = first year with cumulative ≥ 0; interpolated = (T − 1) + |cum_(T−1)| / flow_T"
                    .into(),
            inputs: vec![TraceInput::new(
                "cum_y",
                if id.ends_with("discounted_payback") {
                    "years[].cumulative_discounted"
                } else {
                    "years[].cumulative"
                },
                cur,
                "computed:yearly table",
            )],
            result: match (p.year, p.interpolated) {
                (Some(y), Some(i)) => format!("year index {y}, interpolated {i}"),
                _ => "not reached".into(),
            },
            unit: "years".into(),
            note: p
                .finding
                .as_ref()
                .map(|f| Text::new(f.message.clone(), f.message.clone())),
        });
    }
    steps.push(TraceStep {
        id: "lifecycle_cost.total".into(),
        title: Text::new("lifecycle cost (LCC)", "全生命周期成本 (LCC)"),
        formula: "LCC = I + Repl − Res + E + W + OM&R (present values)".into(),
        inputs: vec![
            TraceInput::new("I", lcc.investment, cur, "computed:PV of investment"),
            TraceInput::new("Repl", lcc.replacement, cur, "computed:PV of replacements"),
            TraceInput::new(
                "Res",
                lcc.residual_value,
                cur,
                "computed:PV of residual value",
            ),
            TraceInput::new("E", lcc.energy, cur, "computed:PV of energy"),
            TraceInput::new("W", lcc.water, cur, "computed:PV of water"),
            TraceInput::new(
                "OM&R",
                lcc.operation_maintenance,
                cur,
                "computed:PV of operation and maintenance",
            ),
        ],
        result: lcc.total.to_string(),
        unit: cur.into(),
        note: None,
    });
    steps.push(TraceStep {
        id: "lifecycle_cost.equivalent_annual_cost".into(),
        title: Text::new("equivalent annual cost (EAC)", "等额年成本 (EAC)"),
        formula: "EAC = LCC / Σ_(p≥1) DF_p  (= LCC · CRF for a constant rate)".into(),
        inputs: vec![TraceInput::new(
            "LCC",
            lcc.total,
            cur,
            "computed:lifecycle_cost.total",
        )],
        result: lcc.equivalent_annual_cost.to_string(),
        unit: format!("{cur}/year"),
        note: None,
    });
    if let Some(c) = &lcc.comparison {
        steps.push(TraceStep {
            id: "lifecycle_cost.comparison".into(),
            title: Text::new("net savings, SIR and AIRR against the base case", "相对基准方案的净节约、SIR 与 AIRR"),
            formula: "NS = LCC_base − LCC; SIR = ΔPV(E + W + OM&R) / ΔPV(I + Repl − Res); AIRR = (1 + r)·SIR^(1/N) − 1".into(),
            inputs: vec![
                TraceInput::new("LCC_base", c.base_case_total, cur, "computed:base case"),
                TraceInput::new("LCC", lcc.total, cur, "computed:lifecycle_cost.total"),
                TraceInput::new("r", conv.reinvest_rate.normalize(), "1/year", "input:/finance/reinvest_rate (default: discount rate)"),
            ],
            result: format!("NS {}, SIR {}, AIRR {}", c.net_savings, figure_text(&c.sir), figure_text(&c.airr)),
            unit: cur.into(),
            note: None,
        });
    }
    for l in &lcc.levelised {
        steps.push(TraceStep {
            id: format!("lifecycle_cost.levelised.{}", l.quantity),
            title: l.label.clone(),
            formula: "LC = LCC / Σ_y q_y · DF_y (quantities discounted too)".into(),
            inputs: vec![
                TraceInput::new("LCC", lcc.total, cur, "computed:lifecycle_cost.total"),
                TraceInput::new(
                    "q_y",
                    format!("quantities.{}", l.quantity),
                    "",
                    format!("input:/quantities/{}", l.quantity),
                ),
            ],
            result: figure_text(&l.value),
            unit: format!("{cur}/unit"),
            note: None,
        });
    }
    steps
}

fn roots_text(set: &RootSet) -> String {
    format!(
        "roots [{}], {} selected",
        set.roots
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        set.selected
            .map(|r| r.to_string())
            .unwrap_or_else(|| "none".into())
    )
}

fn trace_financing(steps: &mut Vec<TraceStep>, input: &ProjectInput, fin: Option<&FinancingView>) {
    let Some(fin) = fin else { return };
    let cur = input.currency.as_str();
    if let (Some(loan), Some(l)) = (
        &fin.loan,
        input.financing.as_ref().and_then(|f| f.loan.as_ref()),
    ) {
        let formula = match loan.level_payment {
            Some(_) => {
                "payment = P · r / (1 − (1 + r)^−n) after the grace years (spreadsheet PMT); interest = r · opening balance"
            }
            None => "principal = P / n each repayment year; interest = r · opening balance",
        };
        steps.push(TraceStep {
            id: "financing.loan".into(),
            title: Text::new(
                "loan debt service (see financing.loan.years)",
                "贷款还本付息（见 financing.loan.years）",
            ),
            formula: formula.into(),
            inputs: vec![
                TraceInput::new("P", loan.principal, cur, "input:/financing/loan"),
                TraceInput::new(
                    "r",
                    l.rate.normalize(),
                    "1/year",
                    "input:/financing/loan/rate",
                ),
                TraceInput::new(
                    "tenor",
                    l.tenor_years,
                    "years",
                    "input:/financing/loan/tenor_years",
                ),
                TraceInput::new(
                    "grace",
                    l.grace_years,
                    "years",
                    "input:/financing/loan/grace_years",
                ),
            ],
            result: loan
                .level_payment
                .map_or_else(|| "linear repayment".to_owned(), |p| p.to_string()),
            unit: format!("{cur}/year"),
            note: None,
        });
    }
    if let Some(d) = &fin.dscr {
        steps.push(TraceStep {
            id: "financing.dscr".into(),
            title: Text::new("debt-service cover ratio (DSCR)", "偿债备付率 (DSCR)"),
            formula: "DSCR_y = CFADS_y / debt service_y; CFADS = revenue + savings + other − O&M − energy − water".into(),
            inputs: vec![TraceInput::new("CFADS_y, debt service_y", "financing.dscr.years", cur, "computed:yearly table and loan")],
            result: format!("min {}, average {}", d.min.map(|v| v.to_string()).unwrap_or_default(), d.average.map(|v| v.to_string()).unwrap_or_default()),
            unit: "1".into(),
            note: None,
        });
    }
    if let Some(eq) = &fin.equity {
        steps.push(TraceStep {
            id: "financing.equity_irr".into(),
            title: Text::new(
                "equity IRR beside project IRR",
                "资本金内部收益率与项目内部收益率",
            ),
            formula:
                "equity_y = net_y + drawdown_y − debt service_y; Σ equity_y (1 + IRR_e)^−p = 0"
                    .into(),
            inputs: vec![TraceInput::new(
                "equity_y",
                "financing.equity.equity_flows",
                cur,
                "computed:financing.loan",
            )],
            result: roots_text(&eq.equity_irr),
            unit: "1/year".into(),
            note: None,
        });
    }
    if let Some(g) = &fin.funding_gap {
        steps.push(TraceStep {
            id: "financing.funding_gap".into(),
            title: Text::new("EU funding gap and grant", "欧盟资金缺口与补助"),
            formula: "DNR = PV(revenue + savings) − PV(operating costs incl. replacement) + PV(residual); R = (DIC − DNR)/DIC; DA = EC · R; grant = DA · max rate".into(),
            inputs: vec![TraceInput::new("DNR", g.discounted_net_revenue, cur, "computed:yearly table")],
            result: format!("R {}, decision amount {}, grant {}", g.rate, g.decision_amount, g.eu_grant),
            unit: cur.into(),
            note: None,
        });
    }
}

fn trace_emissions(
    steps: &mut Vec<TraceStep>,
    input: &ProjectInput,
    view: Option<&EmissionsView>,
    calculator_steps: Vec<TraceStep>,
) {
    let Some(e) = view else { return };
    let cur = input.currency.as_str();
    steps.extend(calculator_steps);
    steps.push(TraceStep {
        id: "emissions.abatement".into(),
        title: Text::new(
            "emissions abated (see emissions.years)",
            "减排量（见 emissions.years）",
        ),
        formula: "ER_y = BE_y − PE_y − LE_y; tCO2e = CO2 + CH4·GWP_CH4 + N2O·GWP_N2O".into(),
        inputs: vec![
            TraceInput::new(
                "GWP_CH4 (fossil, biogenic)",
                format!("{}, {}", e.gwp.ch4_fossil, e.gwp.ch4_biogenic),
                "1",
                e.gwp.id.clone(),
            ),
            TraceInput::new("GWP_N2O", e.gwp.n2o, "1", e.gwp.id.clone()),
            TraceInput::new(
                "grid factor",
                e.grid_source.clone(),
                "tCO2/MWh",
                e.grid_source.clone(),
            ),
        ],
        result: e.lifetime.abatement.to_string(),
        unit: "tCO2e over the study period".into(),
        note: None,
    });
    let cpt = match &e.cost_per_tonne {
        Figure::Value(c) => c.cost_per_t.to_string(),
        Figure::None { finding } => format!("none: {}", finding.message),
    };
    steps.push(TraceStep {
        id: "emissions.cost_per_tonne".into(),
        title: Text::new("levelised cost per tonne abated", "平准化单位减排成本"),
        formula: "cost/t = Σ_y net cost_y · DF_y / Σ_y ER_y · DF_y (tonnes discounted too)".into(),
        inputs: vec![
            TraceInput::new("net cost_y", "−years[].net", cur, "computed:yearly table"),
            TraceInput::new("ER_y", "emissions.years[].abatement", "tCO2e", "computed:emissions.abatement"),
        ],
        result: cpt,
        unit: format!("{cur}/tCO2e"),
        note: Some(Text::new(
            "negative means a net saving; dividing by undiscounted tonnes gives a lower, non-levelised figure (also reported)",
            "负值表示净节约；除以未折现减排量得到较低的非平准化数值（亦一并给出）",
        )),
    });
}

fn trace_economic(steps: &mut Vec<TraceStep>, input: &ProjectInput, econ: Option<&EconomicView>) {
    let Some(e) = econ else { return };
    let cur = input.currency.as_str();
    if let Some(c) = &e.carbon {
        steps.push(TraceStep {
            id: "economic.carbon".into(),
            title: Text::new("shadow value of carbon avoided", "减排量的碳影子价值"),
            formula: "value_y = tCO2e_y · path_y · deflator · exchange rate (· (1 + i)^(y − base) for nominal projects)".into(),
            inputs: vec![
                TraceInput::new("path", format!("{} {}", c.path.id, c.path.version), &format!("{}/tCO2e, {} prices", c.path_currency, c.path_price_base_year), c.path.id.clone()),
                TraceInput::new("deflator", c.deflator.normalize(), "1", "input:/economic/deflator"),
                TraceInput::new("exchange rate", c.exchange_rate.normalize(), &format!("{cur}/{}", c.path_currency), "input:/economic/exchange_rate"),
                TraceInput::new("tCO2e", c.tonnes, "tCO2e", "input:/economic/emissions_avoided_tco2e"),
            ],
            result: "economic.years[].carbon_value".into(),
            unit: cur.into(),
            note: (!c.path.verified).then(|| Text::new("some values of this path are not verified against the source", "该路径部分数值未经来源核实")),
        });
    }
    if let Some(f) = &e.flood {
        steps.push(TraceStep {
            id: "economic.flood".into(),
            title: Text::new("expected annual damage avoided", "年期望损失减少额"),
            formula:
                "EAD = Σ ½(D_i + D_(i+1))(P_i − P_(i+1)) + tail; avoided = EAD_without − EAD_with"
                    .into(),
            inputs: vec![
                TraceInput::new(
                    "EAD_without",
                    f.without.ead,
                    cur,
                    "input:/economic/flood/without",
                ),
                TraceInput::new("EAD_with", f.with.ead, cur, "input:/economic/flood/with"),
            ],
            result: f.avoided.to_string(),
            unit: format!("{cur}/year"),
            note: None,
        });
    }
    steps.push(TraceStep {
        id: "economic.enpv".into(),
        title: Text::new("economic net present value (ENPV)", "经济净现值 (ENPV)"),
        formula: "ENPV = Σ_y (financial_y − grants_y + carbon_y + avoided damage_y + other benefits_y) · SDF_y".into(),
        inputs: vec![TraceInput::new("social discount", e.discount_rate.rate_for_year(1).normalize(), "1/year", e.discount_source.clone())],
        result: e.enpv.to_string(),
        unit: cur.into(),
        note: Some(Text::new("grants are transfers and are left out", "补助属于转移支付，不计入")),
    });
    steps.push(TraceStep {
        id: "economic.err".into(),
        title: Text::new(
            "economic rate of return (ERR), every root",
            "经济内部收益率 (EIRR)，全部解",
        ),
        formula: "Σ_y economic net_y · (1 + ERR)^−p = 0".into(),
        inputs: vec![TraceInput::new(
            "economic net_y",
            "economic.years[].net",
            cur,
            "computed:economic.enpv",
        )],
        result: roots_text(&e.err),
        unit: "1/year".into(),
        note: None,
    });
    if let (Some(settings), Some(view)) = (&input.sensitivity, &e.sensitivity) {
        trace_sensitivity(steps, settings, view, cur, OfNpv::Economic);
    }
}

fn figure_text(f: &Figure<Decimal>) -> String {
    match f {
        Figure::Value(v) => v.to_string(),
        Figure::None { finding } => format!("none: {}", finding.message),
    }
}
