//! The project: the public input contract of the appraisal (`ProjectInput`), its validation
//! and its expansion into yearly series.
//!
//! Calendar years on input, period indices inside: year `y` is period `p = y − start_year`
//! (first year undiscounted, the default) or `p = y − start_year + 1` (first year discounted
//! one period, as the spreadsheet `NPV()` and China's 2006 method, whose base point is the
//! start of the first construction year). The study period covers the construction years
//! and then `analysis_years` operating years.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::discount::Timing;
use crate::error::{Error, Result};
use crate::financing::Loan;
use crate::flood::DamageCurve;
use crate::num::{add, mul, powi};

/// The longest analysis period accepted, in operating years.
pub const MAX_ANALYSIS_YEARS: u32 = 200;

/// The longest construction period accepted, in years.
pub const MAX_CONSTRUCTION_YEARS: u32 = 50;

/// One urban green project, as a finance officer describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// A stable identifier, unique within a portfolio, e.g. `cn-dz-led-01`.
    pub id: String,
    /// A human name, e.g. "LED street lighting, district 3".
    pub name: String,
    /// City, e.g. "Dezhou".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country, ISO 3166-1 alpha-2, e.g. `CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Region or grid region, e.g. `north_china`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Currency of every amount, ISO 4217, e.g. `CNY` or `EUR`.
    pub currency: String,
    /// The year whose prices the amounts are stated in (constant prices when `basis` is real).
    pub price_base_year: i32,
    /// The urban sector.
    pub sector: Sector,
    /// The activity within the sector, e.g. `street_lighting_led`.
    pub activity: String,
    /// Start, construction and analysis period, and timing within the year.
    #[serde(deserialize_with = "crate::objects::one")]
    pub timeline: Timeline,
    /// Discount rate and price basis of the financial view.
    #[serde(deserialize_with = "crate::objects::one")]
    pub finance: FinanceInput,
    /// Cash-flow lines of the project.
    #[serde(default, deserialize_with = "crate::objects::list")]
    pub cash_flows: Vec<CashFlowLine>,
    /// Components with a service life: they generate their investment, replacements and
    /// residual value.
    #[serde(
        default,
        deserialize_with = "crate::objects::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assets: Vec<Asset>,
    /// The alternative the project replaces (business as usual), for lifecycle-cost comparison.
    #[serde(
        default,
        deserialize_with = "crate::objects::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_case: Option<BaseCase>,
    /// Loan financing (debt service, DSCR, equity IRR) and the EU funding-gap method.
    #[serde(
        default,
        deserialize_with = "crate::objects::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub financing: Option<FinancingInput>,
    /// The economic (social) view: social discount rate, shadow carbon price, avoided damages.
    #[serde(
        default,
        deserialize_with = "crate::objects::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub economic: Option<EconomicInput>,
    /// Emissions: grid, fuel and GWP data and the sector calculators that give baseline,
    /// project and leakage emissions per year.
    #[serde(
        default,
        deserialize_with = "crate::objects::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub emissions: Option<crate::emissions::abatement::EmissionsInput>,
    /// One-at-a-time sensitivity of the financial NPV to each cash-flow category: switching
    /// values and elasticities (`{}` for the defaults).
    #[serde(
        default,
        deserialize_with = "crate::objects::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub sensitivity: Option<SensitivityInput>,
    /// Physical quantities by name; the unit is part of the name (`_mwh`, `_m3`, `_tco2e`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub quantities: BTreeMap<String, QuantityLine>,
    /// The date time-limited taxonomy criteria are evaluated at (default: 1 January of the
    /// start year, the appraisal's base date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment_date: Option<crate::dated::Date>,
    /// Evidence for taxonomy criteria, by field name (e.g. `cn_lighting_products_compliant`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: BTreeMap<String, EvidenceValue>,
}

/// The urban sectors of EU–China eco-city cooperation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Green buildings: new construction, renovation, acquisition.
    Buildings,
    /// Green transport: public transport, vehicles, cycling, charging.
    Transport,
    /// Public and street lighting.
    Lighting,
    /// Renewable energy such as rooftop PV.
    Energy,
    /// District heating and cooling.
    Heating,
    /// Water supply.
    Water,
    /// Wastewater collection and treatment.
    Wastewater,
    /// Solid waste.
    Waste,
    /// Flood prevention and sponge city.
    FloodProtection,
    /// Low-carbon planning, urban greening and anything else.
    Other,
}

/// The time model of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    /// First year of construction (the base year).
    pub start_year: i32,
    /// Years of construction, at least 1.
    #[serde(default = "one")]
    pub construction_years: u32,
    /// Operating years after construction, 1 to 200.
    pub analysis_years: u32,
    /// Where within each year flows occur (after the first period).
    #[serde(default)]
    pub timing: Timing,
    /// Whether the first year's flows are undiscounted (default) or discounted one period.
    #[serde(default)]
    pub first_year: FirstYear,
}

fn one() -> u32 {
    1
}

/// How the first year of the study period is discounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FirstYear {
    /// The first year's flows sit at the base date, t = 0 (appraisal practice, FEMP).
    #[default]
    Undiscounted,
    /// The first year's flows are discounted one period (spreadsheet `NPV()`; China 2006 method).
    Discounted,
}

/// Whether amounts are in constant prices of the price base year or in current prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Constant prices of `price_base_year`; discount with a real rate.
    #[default]
    Real,
    /// Current (inflated) prices; discount with a nominal rate.
    Nominal,
}

/// The financial discounting of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinanceInput {
    /// The discount rate, e.g. `"0.06"`; give this or `discount_preset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub discount_rate: Option<Decimal>,
    /// A discount schedule from the data registry, e.g. `uk-green-book-2022-declining`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_preset: Option<String>,
    /// The price basis of the cash flows.
    #[serde(default)]
    pub basis: Basis,
    /// The basis the discount rate is stated in, when it differs from `basis`; it is then
    /// converted by the exact Fisher relation, which needs `inflation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_basis: Option<Basis>,
    /// General inflation per year, for real ↔ nominal conversion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub inflation: Option<Decimal>,
    /// MIRR finance rate (default: the discount rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub finance_rate: Option<Decimal>,
    /// MIRR and AIRR reinvestment rate (default: the discount rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub reinvest_rate: Option<Decimal>,
}

/// What a cash-flow line is, which fixes its sign and its lifecycle-cost component.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Initial investment (outflow, negative).
    Investment,
    /// Replacement of components (outflow, negative).
    Replacement,
    /// Operation, maintenance and repair (outflow, negative).
    OperationMaintenance,
    /// Energy cost (outflow, negative).
    Energy,
    /// Water cost (outflow, negative).
    Water,
    /// Revenue such as fares or tariffs (inflow, positive).
    Revenue,
    /// Cost savings such as avoided energy bills (inflow, positive).
    Savings,
    /// Grants and subsidies received (inflow, positive; a transfer, left out of the economic view).
    Grant,
    /// Residual value at the end of the study period (inflow, positive).
    ResidualValue,
    /// Anything else, either sign.
    Other,
}

impl Category {
    /// All categories, in reporting order.
    pub const ALL: [Category; 10] = [
        Category::Investment,
        Category::Replacement,
        Category::OperationMaintenance,
        Category::Energy,
        Category::Water,
        Category::Revenue,
        Category::Savings,
        Category::Grant,
        Category::ResidualValue,
        Category::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Investment => "investment",
            Category::Replacement => "replacement",
            Category::OperationMaintenance => "operation_maintenance",
            Category::Energy => "energy",
            Category::Water => "water",
            Category::Revenue => "revenue",
            Category::Savings => "savings",
            Category::Grant => "grant",
            Category::ResidualValue => "residual_value",
            Category::Other => "other",
        }
    }

    /// The name in English and Chinese, as the yearly table's columns are headed.
    pub fn label(self) -> crate::trace::Text {
        let (en, zh) = match self {
            Category::Investment => ("Investment", "投资"),
            Category::Replacement => ("Replacement", "更新"),
            Category::OperationMaintenance => ("Operation and maintenance", "运行维护"),
            Category::Energy => ("Energy", "能源"),
            Category::Water => ("Water", "水"),
            Category::Revenue => ("Revenue", "收入"),
            Category::Savings => ("Savings", "节约"),
            Category::Grant => ("Grant", "补助"),
            Category::ResidualValue => ("Residual value", "残值"),
            Category::Other => ("Other", "其他"),
        };
        crate::trace::Text::new(en, zh)
    }

    /// The sign a line of this category must have: −1 outflow, +1 inflow, 0 either.
    pub fn sign(self) -> i8 {
        match self {
            Category::Investment
            | Category::Replacement
            | Category::OperationMaintenance
            | Category::Energy
            | Category::Water => -1,
            Category::Revenue | Category::Savings | Category::Grant | Category::ResidualValue => 1,
            Category::Other => 0,
        }
    }

    pub(crate) fn index(self) -> usize {
        Category::ALL.iter().position(|c| *c == self).unwrap_or(9)
    }
}

/// One cash-flow line: an amount in one year or in every year of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CashFlowLine {
    /// What the line is.
    pub category: Category,
    /// A short description, e.g. "LED luminaires".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The single year of the flow; give this or `years`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// First and last year (inclusive) of a recurring flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<[i32; 2]>,
    /// The amount per year in `price_base_year` prices; outflows negative, inflows positive.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub amount: Decimal,
    /// Escalation per year from the price base year: the amount in year `y` is
    /// `amount · (1 + escalation)^(y − price_base_year)` (NIST Handbook 135 convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub escalation: Option<Decimal>,
}

/// A component with a service life (NIST Handbook 135, ISO 15686-5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// What it is, e.g. "LED luminaires".
    pub name: String,
    /// Cost of one installation in `price_base_year` prices, a positive number.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cost: Decimal,
    /// Year of the first installation (an investment flow).
    pub year: i32,
    /// Service life in years; also the replacement cycle.
    pub service_life_years: u32,
    /// Replace at the end of each service life within the study period. Absent: replace
    /// whenever a cycle ends inside the period. `true` insists on replacement, so a cycle
    /// longer than the period is an error; `false` never replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
    /// Escalation of its cost per year from the price base year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub escalation: Option<Decimal>,
}

/// The alternative the project is compared with in the lifecycle-cost comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseCase {
    /// Its cash-flow lines (same categories and years as the project).
    #[serde(default, deserialize_with = "crate::objects::list")]
    pub cash_flows: Vec<CashFlowLine>,
    /// Its components with service lives.
    #[serde(default, deserialize_with = "crate::objects::list")]
    pub assets: Vec<Asset>,
}

/// How the project is financed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinancingInput {
    /// A loan for part of the investment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan: Option<Loan>,
    /// The EU funding-gap method (Cohesion Policy; Reg. (EU) 480/2014 Arts 15–19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_gap: Option<FundingGapSettings>,
}

/// Settings of the funding-gap method; the present values come from the appraisal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingGapSettings {
    /// Eligible cost EC (default: the undiscounted investment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub eligible_cost: Option<Decimal>,
    /// Maximum co-financing rate of the priority axis, 0–1.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub max_cofinancing_rate: Decimal,
}

/// Settings of the sensitivity analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityInput {
    /// The relative change tested on each category's flows, above 0 and at most 1 (default
    /// `"0.01"`, ±1 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub variation: Option<Decimal>,
}

/// The economic (social) view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EconomicInput {
    /// The social discount rate; give this or `discount_preset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub discount_rate: Option<Decimal>,
    /// A social discount preset from the data registry, e.g. `cn-ndrc-2006-sdr-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_preset: Option<String>,
    /// A shadow carbon price path from the data registry, e.g. `eib-2021-shadow-carbon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon_price_path: Option<String>,
    /// Per-year overrides of the carbon price path, in the path's currency and prices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carbon_price_overrides: Vec<YearValue>,
    /// Units of project currency per unit of the path's currency (e.g. CNY per EUR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub exchange_rate: Option<Decimal>,
    /// Price level of the project's price base year over the path's price base year, in the
    /// path's currency (e.g. 1.25 for 25 % inflation from 2016 to 2025).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub deflator: Option<Decimal>,
    /// Emissions avoided per year, tonnes CO2e (until the emissions calculators provide them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emissions_avoided_tco2e: Option<QuantityLine>,
    /// Other economic benefits (e.g. time savings, health), as cash-flow lines of category
    /// `other` or `savings` (positive amounts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefits: Vec<CashFlowLine>,
    /// Flood protection: expected annual damage avoided, from damage–exceedance curves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood: Option<FloodInput>,
}

/// Damage–exceedance curves without and with the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FloodInput {
    /// Without the project.
    pub without: DamageCurve,
    /// With the project.
    pub with: DamageCurve,
    /// First year the protection works (default: the first operating year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_year: Option<i32>,
}

/// A value for one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearValue {
    /// The year.
    pub year: i32,
    /// The value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub value: Decimal,
}

/// A physical quantity in one year or each year of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityLine {
    /// The single year; give this or `years`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// First and last year (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<[i32; 2]>,
    /// The quantity per year, zero or more, in the unit the name carries.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub value: Decimal,
}

// Read as the untagged enum it is written as (a yes/no, else a decimal, else a text), by a
// visitor of its own: serde's untagged reading buffers the value and forms an error for each
// variant that does not fit before the one that does (two for a text, one for a number); here
// the value's kind picks the reading at once. The results and errors are serde's (a unit test
// compares both on every kind of value). The doc comment below is the schema's description.
/// Evidence for a taxonomy criterion: a yes/no, a number or a text.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EvidenceValue {
    /// Evidence provided and true, or false.
    Bool(bool),
    /// A measured or declared figure.
    Number(Decimal),
    /// A code or a label.
    Text(String),
}

/// serde's message for a value that fits no variant of the untagged [`EvidenceValue`].
const NO_EVIDENCE_VARIANT: &str = "data did not match any variant of untagged enum EvidenceValue";

impl<'de> Deserialize<'de> for EvidenceValue {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        // serde reads an untagged enum's value as "any" value, and so does this.
        deserializer.deserialize_any(EvidenceVisitor)
    }
}

/// The variants tried in serde's order: `bool` takes only a yes/no; `Decimal` (its own
/// reading, given the same value) takes a number or a text it parses; `String` takes a text
/// (or bytes that are UTF-8). Nothing takes null, a list, a map, an option or a newtype.
struct EvidenceVisitor;

impl EvidenceVisitor {
    fn number<E: serde::de::Error>(
        read: std::result::Result<Decimal, E>,
    ) -> std::result::Result<EvidenceValue, E> {
        read.map(EvidenceValue::Number)
            .map_err(|_| E::custom(NO_EVIDENCE_VARIANT))
    }

    fn text<E: serde::de::Error>(value: &str) -> Option<EvidenceValue> {
        use serde::de::IntoDeserializer;
        let read: std::result::Result<Decimal, E> =
            <Decimal as Deserialize>::deserialize(value.into_deserializer());
        read.ok().map(EvidenceValue::Number)
    }
}

impl<'de> serde::de::Visitor<'de> for EvidenceVisitor {
    type Value = EvidenceValue;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("untagged enum EvidenceValue")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<EvidenceValue, E> {
        Ok(EvidenceValue::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<EvidenceValue, E> {
        use serde::de::IntoDeserializer;
        Self::number(<Decimal as Deserialize>::deserialize(v.into_deserializer()))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<EvidenceValue, E> {
        use serde::de::IntoDeserializer;
        Self::number(<Decimal as Deserialize>::deserialize(v.into_deserializer()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<EvidenceValue, E> {
        use serde::de::IntoDeserializer;
        Self::number(<Decimal as Deserialize>::deserialize(v.into_deserializer()))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<EvidenceValue, E> {
        Ok(Self::text::<E>(v).unwrap_or_else(|| EvidenceValue::Text(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<EvidenceValue, E> {
        Ok(Self::text::<E>(&v).unwrap_or(EvidenceValue::Text(v)))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<EvidenceValue, E> {
        // `Decimal` takes no bytes; `String` takes them when they are UTF-8.
        std::str::from_utf8(v)
            .map(|s| EvidenceValue::Text(s.to_owned()))
            .map_err(|_| E::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<EvidenceValue, E> {
        Err(E::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<EvidenceValue, E> {
        Err(E::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        _deserializer: D,
    ) -> std::result::Result<EvidenceValue, D::Error> {
        Err(serde::de::Error::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        _deserializer: D,
    ) -> std::result::Result<EvidenceValue, D::Error> {
        Err(serde::de::Error::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        _seq: A,
    ) -> std::result::Result<EvidenceValue, A::Error> {
        Err(serde::de::Error::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        _map: A,
    ) -> std::result::Result<EvidenceValue, A::Error> {
        Err(serde::de::Error::custom(NO_EVIDENCE_VARIANT))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        _data: A,
    ) -> std::result::Result<EvidenceValue, A::Error> {
        // serde's buffer of an untagged value refuses an enum with this message.
        Err(serde::de::Error::custom(
            "untagged and internally tagged enums do not support enum input",
        ))
    }
}

/// The study period resolved from a [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First calendar year.
    pub first_year: i32,
    /// Last calendar year.
    pub last_year: i32,
    /// Period index of the first year (0 or 1).
    pub offset: u32,
}

impl Period {
    /// Number of calendar years in the study period.
    pub fn len(&self) -> usize {
        (self.last_year - self.first_year + 1) as usize
    }

    /// Always false: a period has at least one year.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The highest period index, for discount factors.
    pub fn periods(&self) -> u32 {
        self.len() as u32 - 1 + self.offset
    }

    /// Index into the yearly arrays of calendar year `y`, if inside the period.
    pub fn index(&self, y: i32) -> Option<usize> {
        (self.first_year..=self.last_year)
            .contains(&y)
            .then(|| (y - self.first_year) as usize)
    }
}

impl ProjectInput {
    /// The assessment date for eligibility, `YYYY-MM-DD`.
    pub fn assessment_date_text(&self) -> String {
        self.assessment_date.map_or_else(
            || format!("{:04}-01-01", self.timeline.start_year),
            |d| d.to_string(),
        )
    }
}

impl Timeline {
    /// Validates the time model and resolves the study period.
    pub fn period(&self) -> Result<Period> {
        if self.construction_years == 0 || self.construction_years > MAX_CONSTRUCTION_YEARS {
            return Err(Error::invalid(
                "/timeline/construction_years",
                format!(
                    "the construction period must be 1 to {MAX_CONSTRUCTION_YEARS} years, got {}",
                    self.construction_years
                ),
            ));
        }
        if self.analysis_years == 0 || self.analysis_years > MAX_ANALYSIS_YEARS {
            return Err(Error::invalid(
                "/timeline/analysis_years",
                format!(
                    "the analysis period must be 1 to {MAX_ANALYSIS_YEARS} operating years, got {}",
                    self.analysis_years
                ),
            ));
        }
        if !(1800..=2500).contains(&self.start_year) {
            return Err(Error::invalid(
                "/timeline/start_year",
                format!("{} is not a plausible start year", self.start_year),
            ));
        }
        let span = (self.construction_years + self.analysis_years) as i32;
        Ok(Period {
            first_year: self.start_year,
            last_year: self.start_year + span - 1,
            offset: match self.first_year {
                FirstYear::Undiscounted => 0,
                FirstYear::Discounted => 1,
            },
        })
    }
}

/// Yearly amounts by category over the study period.
#[derive(Debug, Clone, PartialEq)]
pub struct YearlyFlows {
    /// `by_category[c][i]`: category `Category::ALL[c]` in year index `i`.
    pub by_category: [Vec<Decimal>; 10],
}

impl YearlyFlows {
    fn zeros(n: usize) -> Self {
        YearlyFlows {
            by_category: std::array::from_fn(|_| vec![Decimal::ZERO; n]),
        }
    }

    /// The series of one category.
    pub fn of(&self, c: Category) -> &[Decimal] {
        &self.by_category[c.index()]
    }

    /// Net flow per year (sum over categories).
    pub fn net(&self) -> Result<Vec<Decimal>> {
        let n = self.by_category[0].len();
        let mut net = vec![Decimal::ZERO; n];
        for series in &self.by_category {
            for (acc, v) in net.iter_mut().zip(series) {
                // Adding a zero to a nonzero sum gives the sum unchanged (`checked_add`
                // returns it as it is), so most categories of most years cost no addition.
                // A zero sum takes the added zero's scale and sign, so it is still added.
                if !v.is_zero() || acc.is_zero() {
                    *acc = add(*acc, *v, "net flow")?;
                }
            }
        }
        Ok(net)
    }

    fn add_at(&mut self, c: Category, i: usize, v: Decimal) -> Result<()> {
        let slot = &mut self.by_category[c.index()][i];
        *slot = add(*slot, v, "yearly amount")?;
        Ok(())
    }
}

/// Years a line covers, checked against the study period.
pub(crate) fn line_years(
    year: Option<i32>,
    years: Option<[i32; 2]>,
    period: &Period,
    pointer: &str,
) -> Result<std::ops::RangeInclusive<i32>> {
    let range = match (year, years) {
        (Some(y), None) => y..=y,
        (None, Some([a, b])) if a <= b => a..=b,
        (None, Some([a, b])) => {
            return Err(Error::invalid(
                format!("{pointer}/years"),
                format!("the first year {a} is after the last year {b}"),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                format!("{pointer}/year"),
                "give either year or years, not both",
            ));
        }
        (None, None) => {
            return Err(Error::missing(
                format!("{pointer}/year"),
                "give the year of the flow, or years: [first, last]",
            ));
        }
    };
    for y in [*range.start(), *range.end()] {
        if period.index(y).is_none() {
            let field = if year.is_some() { "year" } else { "years" };
            return Err(Error::invalid(
                format!("{pointer}/{field}"),
                format!(
                    "{y} is outside the study period {}–{}",
                    period.first_year, period.last_year
                ),
            ));
        }
    }
    Ok(range)
}

/// Expands cash-flow lines and assets into yearly series by category.
pub(crate) fn expand(
    lines: &[CashFlowLine],
    assets: &[Asset],
    period: &Period,
    price_base_year: i32,
    pointer: &str,
) -> Result<YearlyFlows> {
    expand_with(
        lines,
        assets,
        period,
        price_base_year,
        pointer,
        &mut EscalationTables::default(),
    )
}

/// [`expand`] with the escalation chains of earlier projects at hand (see
/// [`EscalationTables`]).
pub(crate) fn expand_with(
    lines: &[CashFlowLine],
    assets: &[Asset],
    period: &Period,
    price_base_year: i32,
    pointer: &str,
    escalation: &mut EscalationTables,
) -> Result<YearlyFlows> {
    let mut flows = YearlyFlows::zeros(period.len());
    // Pointers are built only on error: formatting them for every line was a measurable share
    // of a whole appraisal.
    for (i, line) in lines.iter().enumerate() {
        expand_line(line, period, price_base_year, &mut flows, escalation)
            .map_err(|e| e.under(&format!("{pointer}/cash_flows/{i}")))?;
    }
    for (i, asset) in assets.iter().enumerate() {
        expand_asset(asset, period, price_base_year, &mut flows)
            .map_err(|e| e.under(&format!("{pointer}/assets/{i}")))?;
    }
    Ok(flows)
}

/// `1 + escalation`, checked.
fn growth_of(escalation: Option<Decimal>) -> Result<Decimal> {
    match escalation {
        None => Ok(Decimal::ONE),
        Some(e) if e <= Decimal::NEGATIVE_ONE => Err(Error::invalid(
            "/escalation",
            "escalation must be greater than -1",
        )),
        Some(e) => add(Decimal::ONE, e, "1 + escalation"),
    }
}

/// Escalation chains already formed, shared by the lines of a portfolio with the same
/// escalation, first exponent and number of years: `(1+e)^k` by powers, then one product by
/// `1+e` per later year, exactly as [`expand_line`] forms them (a portfolio has few distinct
/// escalation rates).
///
/// A chain is looked up by the bytes of `1+e` (digits and scale), the first exponent and the
/// length, so a cached chain is the very sequence a fresh one would be. A chain that
/// overflows keeps the factors formed before the failure, and the line fails at the same
/// step with the same error. At most [`EscalationTables::CAPACITY`] chains are kept; the
/// oldest gives way.
#[derive(Debug, Default)]
pub(crate) struct EscalationTables {
    chains: Vec<EscalationChain>,
    next: usize,
}

/// `(bytes of 1+e, first exponent, years, factors)`: the factors of the years and the one
/// after the last (formed, and so able to overflow, as the plain loop forms it).
type EscalationChain = ([u8; 16], i64, usize, Vec<Decimal>);

impl EscalationTables {
    /// How many distinct chains are kept.
    pub(crate) const CAPACITY: usize = 64;

    /// The chain of `growth` from exponent `first` over `years` years: `years + 1` factors,
    /// or fewer when forming the next one overflowed.
    fn chain(&mut self, growth: Decimal, first: i64, years: usize) -> &[Decimal] {
        let key = growth.serialize();
        let found = self
            .chains
            .iter()
            .position(|(g, f, n, _)| *g == key && *f == first && *n == years);
        let slot = match found {
            Some(i) => i,
            None => {
                let mut factors = Vec::with_capacity(years + 1);
                let mut factor = powi(growth, first, "escalation factor").ok();
                while let Some(f) = factor {
                    factors.push(f);
                    if factors.len() > years {
                        break;
                    }
                    factor = mul(f, growth, "escalation factor").ok();
                }
                let entry = (key, first, years, factors);
                if self.chains.len() < Self::CAPACITY {
                    self.chains.push(entry);
                    self.chains.len() - 1
                } else {
                    let i = self.next;
                    self.chains[i] = entry;
                    self.next = (i + 1) % Self::CAPACITY;
                    i
                }
            }
        };
        &self.chains[slot].3
    }
}

fn expand_line(
    line: &CashFlowLine,
    period: &Period,
    price_base_year: i32,
    flows: &mut YearlyFlows,
    escalation: &mut EscalationTables,
) -> Result<()> {
    let sign = line.category.sign();
    if (sign < 0 && line.amount > Decimal::ZERO) || (sign > 0 && line.amount < Decimal::ZERO) {
        let (what, how) = if sign < 0 {
            ("an outflow", "negative")
        } else {
            ("an inflow", "positive")
        };
        return Err(Error::invalid(
            "/amount",
            format!(
                "{} is {what}: enter it as a {how} amount",
                line.category.as_str()
            ),
        ));
    }
    let years = line_years(line.year, line.years, period, "")?;
    let growth = growth_of(line.escalation)?;
    if growth != Decimal::ONE {
        // The chain below, formed once per distinct escalation, start and length.
        let first = i64::from(*years.start() - price_base_year);
        let count = years.clone().count();
        let factors = escalation.chain(growth, first, count);
        for (k, y) in years.enumerate() {
            // A missing factor is one whose forming overflowed; the plain loop fails there.
            let factor = *factors
                .get(k)
                .ok_or_else(|| Error::overflow("escalation factor"))?;
            let idx = period.index(y).expect("checked by line_years");
            flows.add_at(
                line.category,
                idx,
                mul(line.amount, factor, "escalated amount")?,
            )?;
            if factors.len() <= k + 1 {
                return Err(Error::overflow("escalation factor"));
            }
        }
        return Ok(());
    }
    // The factor for the first year by powers, then one multiplication per later year.
    let mut factor = powi(
        growth,
        i64::from(*years.start() - price_base_year),
        "escalation factor",
    )?;
    // Without escalation the factor is 1 (scale 0), and a non-zero amount times it is the
    // amount itself, digits, scale and sign (`num::checked_mul`, as `rust_decimal`); a zero
    // amount is still multiplied, as the product of a zero has no sign and scale 0.
    let unit = factor.serialize() == Decimal::ONE.serialize() && !line.amount.is_zero();
    for y in years {
        let idx = period.index(y).expect("checked by line_years");
        let amount = if unit {
            line.amount
        } else {
            mul(line.amount, factor, "escalated amount")?
        };
        flows.add_at(line.category, idx, amount)?;
        if growth != Decimal::ONE {
            factor = mul(factor, growth, "escalation factor")?;
        }
    }
    Ok(())
}

/// An asset's installation, replacements on its cycle and residual value at the end of the
/// study period, prorated linearly by remaining service life (NIST Handbook 135).
fn expand_asset(
    asset: &Asset,
    period: &Period,
    price_base_year: i32,
    flows: &mut YearlyFlows,
) -> Result<()> {
    if asset.cost < Decimal::ZERO {
        return Err(Error::invalid(
            "/cost",
            "the cost of an asset is a positive number",
        ));
    }
    if asset.service_life_years == 0 {
        return Err(Error::invalid(
            "/service_life_years",
            "the service life must be at least one year",
        ));
    }
    let Some(first) = period.index(asset.year) else {
        return Err(Error::invalid(
            "/year",
            format!(
                "{} is outside the study period {}–{}",
                asset.year, period.first_year, period.last_year
            ),
        ));
    };
    let life = asset.service_life_years as usize;
    if asset.replace == Some(true) && life >= period.len() - first {
        // An explicit request that cannot be honoured is almost always a typing error in the
        // period or the life; say so rather than silently booking no replacement.
        return Err(Error::invalid(
            "/service_life_years",
            format!(
                "the replacement cycle of {life} years is longer than the {} years left in the study period: no replacement would occur; leave replace out or check the period",
                period.len() - first - 1
            ),
        ));
    }
    let growth = growth_of(asset.escalation)?;
    let cost_in = |idx: usize| -> Result<Decimal> {
        let y = period.first_year + idx as i32;
        mul(
            asset.cost,
            powi(growth, i64::from(y - price_base_year), "escalation factor")?,
            "asset cost",
        )
    };
    flows.add_at(Category::Investment, first, -cost_in(first)?)?;
    let mut installed = first;
    if asset.replace != Some(false) {
        let mut next = first + life;
        while next < period.len() {
            flows.add_at(Category::Replacement, next, -cost_in(next)?)?;
            installed = next;
            next += life;
        }
    }
    // An asset installed in year k enters service at the end of year k and is replaced at
    // k + life; by the end of the study period it has served (last index − k) years.
    let used = period.len() - 1 - installed;
    if used < life {
        let remaining = Decimal::from((life - used) as u64);
        let fraction = remaining / Decimal::from(life as u64);
        let last = period.len() - 1;
        flows.add_at(
            Category::ResidualValue,
            last,
            mul(cost_in(installed)?, fraction, "residual value")?,
        )?;
    }
    Ok(())
}

/// Expands a quantity line into yearly values (zero elsewhere); negative values are errors.
pub(crate) fn expand_quantity(
    line: &QuantityLine,
    period: &Period,
    pointer: &str,
) -> Result<Vec<Decimal>> {
    if line.value < Decimal::ZERO {
        return Err(Error::invalid(
            format!("{pointer}/value"),
            format!("a physical quantity cannot be negative, got {}", line.value),
        ));
    }
    let mut series = vec![Decimal::ZERO; period.len()];
    for y in line_years(line.year, line.years, period, pointer)? {
        series[period.index(y).expect("checked by line_years")] = line.value;
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    /// serde's own reading of the untagged enum, the reference for `EvidenceValue`'s visitor
    /// (the same name, so the same message).
    mod derived {
        use rust_decimal::Decimal;
        use serde::Deserialize;

        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)]
        pub(super) enum EvidenceValue {
            Bool(bool),
            Number(Decimal),
            Text(String),
        }
    }

    #[test]
    fn evidence_reads_as_the_derived_untagged_enum() {
        use serde::Deserialize;
        use std::collections::BTreeMap;

        fn ours(v: &super::EvidenceValue) -> String {
            match v {
                super::EvidenceValue::Bool(b) => format!("bool {b}"),
                super::EvidenceValue::Number(d) => format!("number {d} scale {}", d.scale()),
                super::EvidenceValue::Text(t) => format!("text {t:?}"),
            }
        }
        fn theirs(v: &derived::EvidenceValue) -> String {
            match v {
                derived::EvidenceValue::Bool(b) => format!("bool {b}"),
                derived::EvidenceValue::Number(d) => format!("number {d} scale {}", d.scale()),
                derived::EvidenceValue::Text(t) => format!("text {t:?}"),
            }
        }
        let values = [
            "true",
            "false",
            "0",
            "-0",
            "1",
            "-7",
            "18446744073709551615",
            "-9223372036854775808",
            "1.5",
            "0.1",
            "1e5",
            "-2.5e-3",
            "1e300",
            "123456789012345678901234567890",
            "\"0.5\"",
            "\"-12\"",
            "\"1e5\"",
            "\"GB 37478\"",
            "\"\"",
            "\"true\"",
            "\" 1\"",
            "\"1.\"",
            "\"NaN\"",
            "\"caf\\u00e9 \\\"x\\\"\"",
            "\"79228162514264337593543950336\"",
            "null",
            "[]",
            "[1]",
            "{}",
            "{\"a\": 1}",
            "[[1, [2]], {\"b\": [null]}]",
        ];
        for text in values {
            let doc = format!("{{\"evidence\": {{\"k\": {text}}}}}");
            // From the text.
            let a = serde_json::from_str::<BTreeMap<String, BTreeMap<String, super::EvidenceValue>>>(
                &doc,
            );
            let b = serde_json::from_str::<
                BTreeMap<String, BTreeMap<String, derived::EvidenceValue>>,
            >(&doc);
            match (&a, &b) {
                (Ok(a), Ok(b)) => assert_eq!(
                    ours(&a["evidence"]["k"]),
                    theirs(&b["evidence"]["k"]),
                    "{text}"
                ),
                (Err(_), Err(_)) => {}
                _ => panic!("{text}: {a:?} against {b:?}"),
            }
            // From a document, with the pointer of the problem as the service reads it.
            let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
            let read = |track: &mut serde_path_to_error::Track| {
                let de = serde_path_to_error::Deserializer::new(&value, track);
                BTreeMap::<String, BTreeMap<String, super::EvidenceValue>>::deserialize(de)
            };
            let read_derived = |track: &mut serde_path_to_error::Track| {
                let de = serde_path_to_error::Deserializer::new(&value, track);
                BTreeMap::<String, BTreeMap<String, derived::EvidenceValue>>::deserialize(de)
            };
            let (mut ta, mut tb) = (
                serde_path_to_error::Track::new(),
                serde_path_to_error::Track::new(),
            );
            match (read(&mut ta), read_derived(&mut tb)) {
                (Ok(a), Ok(b)) => assert_eq!(
                    ours(&a["evidence"]["k"]),
                    theirs(&b["evidence"]["k"]),
                    "{text}"
                ),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "{text}");
                    assert_eq!(ta.path().to_string(), tb.path().to_string(), "{text}");
                }
                (a, b) => panic!("{text}: {a:?} against {b:?}"),
            }
        }
        // The kinds of value each reading gives, written out.
        let read = |text: &str| ours(&serde_json::from_str::<super::EvidenceValue>(text).unwrap());
        assert_eq!(read("true"), "bool true");
        assert_eq!(read("2"), "number 2 scale 0");
        assert_eq!(read("\"0.50\""), "number 0.50 scale 2");
        assert_eq!(read("\"GB 37478\""), "text \"GB 37478\"");
        assert!(serde_json::from_str::<super::EvidenceValue>("null").is_err());
    }

    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::{
        CashFlowLine, Category, EscalationTables, Period, YearlyFlows, expand_line, growth_of,
        line_years,
    };
    use crate::error::Result;
    use crate::num::{mul, powi};

    /// The plain expansion of a line, one product per year, that the shared chains stand for.
    fn expand_line_plain(
        line: &CashFlowLine,
        period: &Period,
        price_base_year: i32,
        flows: &mut YearlyFlows,
    ) -> Result<()> {
        let years = line_years(line.year, line.years, period, "")?;
        let growth = growth_of(line.escalation)?;
        let mut factor = powi(
            growth,
            i64::from(*years.start() - price_base_year),
            "escalation factor",
        )?;
        for y in years {
            let idx = period.index(y).expect("checked by line_years");
            flows.add_at(
                line.category,
                idx,
                mul(line.amount, factor, "escalated amount")?,
            )?;
            if growth != Decimal::ONE {
                factor = mul(factor, growth, "escalation factor")?;
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        // Lines expanded through shared chains give the flows (and the errors) of the plain
        // loop, digit for digit and scale for scale; several lines share one table, and some
        // escalations overflow within, or just after, their years.
        #[test]
        fn shared_escalation_chains_give_the_plain_expansion(
            lines in prop::collection::vec(
                (
                    0usize..3,
                    0i32..12,
                    0i32..40,
                    1i64..1_000_000_000_000,
                    prop_oneof![
                        4 => (-300i64..900, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s)),
                        1 => (1i64..30).prop_map(|k| Decimal::new(10i64.pow((k % 12) as u32), 0)),
                    ],
                ),
                1..6,
            ),
            base_offset in -5i32..5,
        ) {
            let period = Period { first_year: 2020, last_year: 2070, offset: 0 };
            let base = 2020 + base_offset;
            let mut tables = EscalationTables::default();
            for (category, from, span, cents, escalation) in lines {
                let category = [Category::Savings, Category::Revenue, Category::Other][category];
                let first = 2020 + from;
                let line = CashFlowLine {
                    category,
                    label: None,
                    year: None,
                    years: Some([first, (first + span).min(period.last_year)]),
                    amount: Decimal::new(cents, 2),
                    escalation: Some(escalation),
                };
                let (mut shared, mut plain) = (YearlyFlows::zeros(period.len()), YearlyFlows::zeros(period.len()));
                let a = expand_line(&line, &period, base, &mut shared, &mut tables);
                let b = expand_line_plain(&line, &period, base, &mut plain);
                prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
                for (x, y) in shared.by_category.iter().zip(&plain.by_category) {
                    let x: Vec<_> = x.iter().map(|d| d.serialize()).collect();
                    let y: Vec<_> = y.iter().map(|d| d.serialize()).collect();
                    prop_assert_eq!(x, y);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        // Lines without escalation (none, or a zero escalation of any scale) take their amount
        // as it is when the factor is exactly 1: the flows are the plain loop's products, digit,
        // scale and sign, for amounts of every scale and sign, zeros and negative zeros
        // included.
        #[test]
        fn unescalated_amounts_give_the_plain_products(
            mantissa in prop_oneof![1 => Just(0i64), 6 => any::<i64>()],
            scale in 0u32..=28,
            negative_zero in any::<bool>(),
            escalation in prop_oneof![1 => Just(None), 1 => (0u32..4).prop_map(|s| Some(Decimal::new(0, s)))],
            base_offset in -5i32..5,
        ) {
            let period = Period { first_year: 2020, last_year: 2050, offset: 0 };
            let mut amount = Decimal::new(mantissa, scale);
            if mantissa == 0 && negative_zero {
                amount.set_sign_negative(true);
            }
            let line = CashFlowLine {
                category: Category::Other,
                label: None,
                year: None,
                years: Some([2021, 2040]),
                amount,
                escalation,
            };
            let mut tables = EscalationTables::default();
            let (mut fast, mut plain) = (YearlyFlows::zeros(period.len()), YearlyFlows::zeros(period.len()));
            let a = expand_line(&line, &period, 2020 + base_offset, &mut fast, &mut tables);
            let b = expand_line_plain(&line, &period, 2020 + base_offset, &mut plain);
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
            for (x, y) in fast.by_category.iter().zip(&plain.by_category) {
                let x: Vec<_> = x.iter().map(|d| d.serialize()).collect();
                let y: Vec<_> = y.iter().map(|d| d.serialize()).collect();
                prop_assert_eq!(x, y);
            }
        }
    }

    /// A chain whose factor after the last year overflows (10²⁹ from 10⁰ over 29 years): the
    /// plain loop forms it and fails, and so must the shared chain, also when reused.
    #[test]
    fn an_overflow_just_after_the_last_year_fails_as_the_plain_loop_does() {
        let period = Period {
            first_year: 2020,
            last_year: 2070,
            offset: 0,
        };
        let line = CashFlowLine {
            category: Category::Savings,
            label: None,
            year: None,
            years: Some([2020, 2048]),
            amount: Decimal::new(1, 2),
            escalation: Some(Decimal::from(9)),
        };
        let mut tables = EscalationTables::default();
        let mut plain = YearlyFlows::zeros(period.len());
        let expected = format!("{:?}", expand_line_plain(&line, &period, 2020, &mut plain));
        assert!(expected.contains("escalation factor"), "{expected}");
        for _ in 0..2 {
            let mut shared = YearlyFlows::zeros(period.len());
            let got = expand_line(&line, &period, 2020, &mut shared, &mut tables);
            assert_eq!(format!("{got:?}"), expected);
            assert_eq!(shared, plain);
        }
    }
}
