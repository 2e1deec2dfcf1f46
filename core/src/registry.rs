//! The one registry of versioned reference data: discount-rate presets, shadow carbon price
//! paths, grid electricity emission factors, fuel factors and GWP sets.
//!
//! Each data set is one TOML file under `core/data/`, embedded in the binary with
//! `include_str!` so the crate stays free of file I/O. A user's own file arrives as text
//! ([`Registry::load_extra`]); the caller reads it from disk. Parsing is strict: unknown keys
//! are rejected and every value is a decimal *string* (`value = "80"`), because a TOML float
//! would pass through binary floating point before it reached a `Decimal`.
//!
//! Every value carries its provenance: unit, source (document, edition, table or page),
//! vintage, validity years, currency and price base year for money, a `verified` flag and a
//! sentence saying how it was verified. Results cite a set through [`DataRef`], which also
//! records where the set came from and whether the project overrode any of its values.
//!
//! File format (one set per file):
//!
//! ```toml
//! id = "eib-2020-carbon"           # unique key; lowercase letters, digits, '-', '_', '.'
//! version = "1.0.0"                # semver; a user file replaces a set only with another version
//! kind = "carbon_price_path"       # or "discount_schedule", "grid_emission_factor",
//!                                  # "fuel_factors", "gwp_set"; each kind has its own shape
//! title_en = "EIB shadow cost of carbon"
//! title_zh = "欧洲投资银行碳影子成本"
//! unit = "EUR/tCO2e"
//! currency = "EUR"                 # money kinds only, with price_base_year
//! price_base_year = 2016
//! vintage = 2020                   # publication year
//! valid_from = 2020                # first calendar year the set covers
//! valid_to = 2050                  # optional: last year covered
//! interpolation = "linear"         # or "none" (default): only where the source says so
//! extrapolation = "none"           # or "hold_last", or { growth = "0.0225" }
//! verified = false
//! verification = "how each value was checked"
//! notes = ["…"]
//!
//! [source]
//! document = "EIB Group Climate Bank Roadmap 2021-2025"
//! edition = "November 2020"
//! locator = "graph 'EIB shadow cost of carbon'"
//!
//! [[points]]                       # paths; schedules use [[bands]] {from_year, to_year, rate}
//! year = 2020
//! value = "80"
//! verified = false                 # optional per value; a set with one is itself unverified
//! note = "recalled"
//! ```
//!
//! The emission-factor kinds key each value by what it depends on:
//!
//! ```toml
//! kind = "grid_emission_factor"     # tCO2/MWh by region and year
//! factor_type = "average"          # or "operating_margin", "build_margin",
//!                                  # "generation_intensity"; one type per set
//! [[regions]]                      # region keys: "cn", "cn-north", "cn-beijing", "eu27", "de"
//! region = "cn-north"
//! name_en = "North China grid"
//! name_zh = "华北电网"
//! points = [{ year = 2021, value = "0.7120", verified = false }, { year = 2022, value = "0.6776" }]
//! ```
//!
//! `interpolation` and `extrapolation` apply to every region's points as they do to a path.
//!
//! ```toml
//! kind = "fuel_factors"             # per fuel: NCV per physical unit, gases per GJ
//! [[fuels]]
//! fuel = "diesel"
//! unit = "t"                       # the physical unit the NCV is per: "t", "m3", "l", "GJ"
//! ncv_gj_per_unit = "42.652"
//! co2_t_per_gj = "0.0741"          # either this, or carbon_t_per_gj and oxidation, from
//!                                  # which CO2 is derived as C × OF × 44/12
//! ch4_t_per_gj = "0.00001"         # optional, as is n2o_t_per_gj: a gas the source does not
//!                                  # give reads as zero
//! unverified = ["ch4", "n2o"]      # values not checked: ncv, co2, carbon, oxidation, ch4, n2o
//! ```
//!
//! Purchased heat is a row of a fuel set (`fuel = "purchased_heat"`, `unit = "GJ"`, NCV 1)
//! rather than a kind of its own: it is one number per GJ, looked up the same way as a fuel.
//!
//! ```toml
//! kind = "gwp_set"                  # GWP100 per gas
//! [[gases]]
//! gas = "ch4"                      # co2, ch4, ch4_fossil, ch4_biogenic, n2o, sf6, hfc-134a, …
//! value = "28"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::discount::{DiscountRate, RateBand};
use crate::error::{Error, Result, echo};
use crate::num::{add, div, mul, powi};

/// The embedded data files, by file name. Adding a set is adding a line here and a file.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "cn-ets-grid-default.toml",
        include_str!("../data/cn-ets-grid-default.toml"),
    ),
    (
        "cn-mee-2019-grid-bm.toml",
        include_str!("../data/cn-mee-2019-grid-bm.toml"),
    ),
    (
        "cn-mee-2019-grid-om.toml",
        include_str!("../data/cn-mee-2019-grid-om.toml"),
    ),
    (
        "cn-mee-nbs-grid-average.toml",
        include_str!("../data/cn-mee-nbs-grid-average.toml"),
    ),
    (
        "cn-ndrc-2006-sdr.toml",
        include_str!("../data/cn-ndrc-2006-sdr.toml"),
    ),
    (
        "cn-ndrc-2013-fuels.toml",
        include_str!("../data/cn-ndrc-2013-fuels.toml"),
    ),
    (
        "eea-2020-eu27-grid.toml",
        include_str!("../data/eea-2020-eu27-grid.toml"),
    ),
    (
        "eib-2020-carbon.toml",
        include_str!("../data/eib-2020-carbon.toml"),
    ),
    (
        "eu-480-2014-fdr.toml",
        include_str!("../data/eu-480-2014-fdr.toml"),
    ),
    (
        "eu-cba-2014-sdr-cohesion.toml",
        include_str!("../data/eu-cba-2014-sdr-cohesion.toml"),
    ),
    (
        "eu-cba-2014-sdr-other.toml",
        include_str!("../data/eu-cba-2014-sdr-other.toml"),
    ),
    (
        "ipcc-2006-fuels-commercial.toml",
        include_str!("../data/ipcc-2006-fuels-commercial.toml"),
    ),
    (
        "ipcc-ar4-gwp100.toml",
        include_str!("../data/ipcc-ar4-gwp100.toml"),
    ),
    (
        "ipcc-ar5-gwp100.toml",
        include_str!("../data/ipcc-ar5-gwp100.toml"),
    ),
    (
        "ipcc-ar6-gwp100.toml",
        include_str!("../data/ipcc-ar6-gwp100.toml"),
    ),
    (
        "jrc-2017-com-eu-grid.toml",
        include_str!("../data/jrc-2017-com-eu-grid.toml"),
    ),
    (
        "sdes-2022-eu-grid.toml",
        include_str!("../data/sdes-2022-eu-grid.toml"),
    ),
    (
        "uk-green-book-2022-stpr.toml",
        include_str!("../data/uk-green-book-2022-stpr.toml"),
    ),
    (
        "wb-2017-carbon-high.toml",
        include_str!("../data/wb-2017-carbon-high.toml"),
    ),
    (
        "wb-2017-carbon-low.toml",
        include_str!("../data/wb-2017-carbon-low.toml"),
    ),
];

/// What a data set holds. Each kind fixes the shape of its values (points or bands) and
/// whether it is money; new kinds are added as variants without touching existing files.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// A discount rate by bands of years from the base date (`[[bands]]`).
    DiscountSchedule,
    /// A shadow price of carbon by calendar year (`[[points]]`), in a currency and price base.
    CarbonPricePath,
    /// Grid electricity emission factors by region and year (`[[regions]]`), of one
    /// [`FactorType`].
    GridEmissionFactor,
    /// Calorific values and emission factors per fuel (`[[fuels]]`).
    FuelFactors,
    /// GWP100 values per gas (`[[gases]]`).
    GwpSet,
}

impl Kind {
    /// The kind as written in data files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DiscountSchedule => "discount_schedule",
            Kind::CarbonPricePath => "carbon_price_path",
            Kind::GridEmissionFactor => "grid_emission_factor",
            Kind::FuelFactors => "fuel_factors",
            Kind::GwpSet => "gwp_set",
        }
    }

    /// Whether the values are one path of yearly points.
    fn has_points(self) -> bool {
        matches!(self, Kind::CarbonPricePath)
    }

    /// Whether the values are money, which needs a currency and a price base year.
    fn is_money(self) -> bool {
        matches!(self, Kind::CarbonPricePath)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a path is read between two published points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// Only published years have a value.
    #[default]
    None,
    /// A straight line between neighbouring points; only where the source draws one.
    Linear,
}

/// How a path is read after its last point (and up to `valid_to`, if set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Extrapolation {
    /// A later year is an error naming the year and the set.
    #[default]
    None,
    /// The last value holds for every later year.
    HoldLast,
    /// The last value grows at this rate per year, compounded: `{ growth = "0.0225" }`.
    Growth(#[serde(deserialize_with = "exact_decimal")] Decimal),
}

/// Where a data set's text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Shipped inside the engine.
    Embedded,
    /// A user's file, by its display name (e.g. the file name).
    File(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded"),
            Origin::File(name) => f.write_str(name),
        }
    }
}

/// The publication a data set is taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Author and title of the document.
    pub document: String,
    /// Edition or date of publication.
    pub edition: String,
    /// Where in the document: table, page, article.
    pub locator: String,
}

/// One published value of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Calendar year.
    pub year: u32,
    /// The value, in the set's unit.
    #[serde(deserialize_with = "exact_decimal")]
    pub value: Decimal,
    /// `false` marks a value not checked against its source; absent means the set's flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Why this value stands out (e.g. "recalled").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a grid factor measures. Kept per set, so an average (consumption) factor can never
/// be read where a displacement margin is meant, or the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactorType {
    /// Emissions per MWh consumed from the grid: Scope 2 / consumption accounting.
    Average,
    /// CDM Tool 07 operating margin: the plants a project's output displaces now.
    OperatingMargin,
    /// CDM Tool 07 build margin: the plants a project's output displaces in future additions.
    BuildMargin,
    /// Emissions per MWh *generated* (no imports, no grid losses), as statistical offices
    /// publish it; close to, but not the same as, a consumption factor.
    GenerationIntensity,
}

impl FactorType {
    /// The type as written in data files.
    pub fn as_str(self) -> &'static str {
        match self {
            FactorType::Average => "average",
            FactorType::OperatingMargin => "operating_margin",
            FactorType::BuildMargin => "build_margin",
            FactorType::GenerationIntensity => "generation_intensity",
        }
    }
}

/// One region's published values in a grid set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Region key: `cn`, `cn-north`, `cn-beijing`, `eu27`, `de`, …
    pub region: String,
    /// Name in English.
    pub name_en: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Values by year, in increasing year order.
    pub points: Vec<Point>,
}

/// One fuel's factors as written in a fuel set; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuelRow {
    /// Fuel key, e.g. `diesel`.
    pub fuel: String,
    /// The physical unit the NCV is per: `t`, `m3`, `l`, or `GJ` for purchased heat.
    pub unit: String,
    /// Net calorific value, GJ per `unit`.
    #[serde(deserialize_with = "exact_decimal")]
    pub ncv_gj_per_unit: Decimal,
    /// CO2 per GJ, tonnes, as published.
    #[serde(
        default,
        deserialize_with = "exact_decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub co2_t_per_gj: Option<Decimal>,
    /// Carbon content, tonnes C per GJ, where the source gives CO2 as C × OF × 44/12.
    #[serde(
        default,
        deserialize_with = "exact_decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub carbon_t_per_gj: Option<Decimal>,
    /// Oxidation fraction, with `carbon_t_per_gj`.
    #[serde(
        default,
        deserialize_with = "exact_decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub oxidation: Option<Decimal>,
    /// CH4 per GJ, tonnes; absent where the source gives none.
    #[serde(
        default,
        deserialize_with = "exact_decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub ch4_t_per_gj: Option<Decimal>,
    /// N2O per GJ, tonnes; absent where the source gives none.
    #[serde(
        default,
        deserialize_with = "exact_decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub n2o_t_per_gj: Option<Decimal>,
    /// The values not checked against the source, by name: `ncv`, `co2`, `carbon`,
    /// `oxidation`, `ch4`, `n2o`. One field per name rather than one flag per row, because a
    /// row often mixes a firm CO2 factor with less certain CH4 and N2O.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
    /// Working or remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FuelRow {
    /// CO2 per GJ: as published, or derived as C × OF × 44/12.
    ///
    /// One division at the end keeps the result exact whenever it terminates.
    pub fn co2_per_gj(&self) -> Result<Decimal> {
        if let Some(co2) = self.co2_t_per_gj {
            return Ok(co2);
        }
        let what = format!("CO2 factor of {}", self.fuel);
        match (self.carbon_t_per_gj, self.oxidation) {
            (Some(c), Some(of)) => div(
                mul(mul(c, of, &what)?, Decimal::from(44), &what)?,
                Decimal::from(12),
                &what,
            ),
            // Validation refuses such a row; this keeps a hand-built one from panicking.
            _ => Err(Error::invalid(
                "/fuels",
                format!("{} gives no CO2 factor", self.fuel),
            )),
        }
    }

    /// Whether the CO2 factor is derived from carbon content and oxidation.
    pub fn co2_is_derived(&self) -> bool {
        self.co2_t_per_gj.is_none()
    }
}

/// One gas's GWP in a GWP set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasValue {
    /// Gas key: `co2`, `ch4`, `ch4_fossil`, `ch4_biogenic`, `n2o`, `sf6`, `hfc-134a`, …
    pub gas: String,
    /// GWP100, tonnes CO2e per tonne of gas.
    #[serde(deserialize_with = "exact_decimal")]
    pub value: Decimal,
    /// `false` marks a value not checked against its source; absent means the set's flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A value the project put in place of (or beside) a published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Override {
    /// Calendar year.
    pub year: u32,
    /// The project's value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub value: Decimal,
    /// The published value it replaced, if the year was published.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub published: Option<Decimal>,
}

/// The contents of one data file, as written. See the module documentation for the format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    /// Unique key of the set.
    pub id: String,
    /// Semantic version of the set's contents.
    pub version: String,
    /// What the set holds.
    pub kind: Kind,
    /// Title in English.
    pub title_en: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Unit of every value, e.g. `EUR/tCO2e`.
    pub unit: String,
    /// The publication.
    pub source: Source,
    /// Where the publication can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication year.
    pub vintage: u32,
    /// First calendar year the set applies to.
    pub valid_from: u32,
    /// Last calendar year the set applies to; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<u32>,
    /// ISO 4217 currency of money values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The year whose prices money values are expressed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_base_year: Option<u32>,
    /// Reading between points.
    #[serde(default)]
    pub interpolation: Interpolation,
    /// Reading after the last point.
    #[serde(default)]
    pub extrapolation: Extrapolation,
    /// Whether every value and the metadata were checked against the source.
    pub verified: bool,
    /// How the values were checked (quoted from the document, or recalled).
    pub verification: String,
    /// Remarks for the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Yearly values of a path, in increasing year order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<Point>,
    /// Bands of a discount schedule.
    #[serde(
        default,
        deserialize_with = "exact_bands",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bands: Vec<RateBand>,
    /// What a grid set's factors measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_type: Option<FactorType>,
    /// Regions of a grid set, each with its yearly values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Region>,
    /// Fuels of a fuel set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fuels: Vec<FuelRow>,
    /// Gases of a GWP set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gases: Vec<GasValue>,
}

/// A validated data set, with where it came from and any project overrides.
///
/// Derefs to its [`DataFile`] for the metadata (`set.id`, `set.unit`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DataSet {
    #[serde(flatten)]
    file: DataFile,
    origin: Origin,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    overrides: Vec<Override>,
}

/// How a result cites the data set it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataRef {
    /// The set's id.
    pub id: String,
    /// The set's version.
    pub version: String,
    /// Embedded, or the user's file.
    pub origin: Origin,
    /// Whether the set's values were all checked against the source.
    pub verified: bool,
    /// Whether the project replaced or added any value.
    pub overridden: bool,
    /// The project's values, by year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

impl std::ops::Deref for DataSet {
    type Target = DataFile;
    fn deref(&self) -> &DataFile {
        &self.file
    }
}

impl DataSet {
    /// Parses and validates one data file. `origin` names it in errors and in provenance.
    pub fn parse(text: &str, origin: Origin) -> Result<DataSet> {
        let name = origin.to_string();
        let file: DataFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let (line, column) = line_column(text, span.start);
                    format!(", line {line}, column {column}")
                })
                .unwrap_or_default();
            Error::invalid("", format!("{name}{at}: {}", e.message().trim_end()))
        })?;
        validate(&file, &name)?;
        Ok(DataSet {
            file,
            origin,
            overrides: Vec::new(),
        })
    }

    /// Where the set came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The values the project put in place, by year.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// The citation of this set for a result's provenance.
    pub fn data_ref(&self) -> DataRef {
        DataRef {
            id: self.file.id.clone(),
            version: self.file.version.clone(),
            origin: self.origin.clone(),
            verified: self.file.verified,
            overridden: !self.overrides.is_empty(),
            overrides: self.overrides.clone(),
        }
    }

    /// The value of a path for a calendar year.
    ///
    /// A published year gives its value; between points the set's interpolation applies,
    /// after the last point its extrapolation. A year before `valid_from`, after `valid_to`,
    /// or not covered by those rules is an `unknown_data` error naming the set and the year.
    pub fn value_at(&self, year: u32) -> Result<Decimal> {
        self.require_points("value_at")?;
        self.path_at(&self.file.points, year, &String::new)
    }

    /// Reads one path of points (a set's own, or one region's) under the set's rules.
    /// `at` gives what qualifies the subject in errors, e.g. ` in region cn-north`; it is
    /// formed only for an error or a computed value, never for a published year's read.
    fn path_at(&self, points: &[Point], year: u32, at: &dyn Fn() -> String) -> Result<Decimal> {
        let id = &self.file.id;
        let missing = |why: String| {
            Error::unknown_data(
                "/year",
                format!("{id} has no value for {year}{}: {why}", at()),
            )
        };
        if year < self.file.valid_from {
            return Err(missing(format!(
                "the set starts in {}",
                self.file.valid_from
            )));
        }
        if let Some(to) = self.file.valid_to
            && year > to
        {
            return Err(missing(format!("the set ends in {to}")));
        }
        let what = || format!("{id} in {year}{}", at());
        match points.binary_search_by_key(&year, |p| p.year) {
            Ok(i) => Ok(points[i].value),
            // Validation keeps every path non-empty; an empty one still errors, not panics.
            Err(_) if points.is_empty() => Err(missing("no year is published".into())),
            Err(0) => Err(missing(format!(
                "the first published year is {}",
                points[0].year
            ))),
            Err(i) if i == points.len() => {
                let last = &points[i - 1];
                match self.file.extrapolation {
                    Extrapolation::None => Err(missing(format!(
                        "the last published year is {} and the source gives no rule beyond it",
                        last.year
                    ))),
                    Extrapolation::HoldLast => Ok(last.value),
                    Extrapolation::Growth(rate) => {
                        let what = what();
                        let factor = powi(
                            add(Decimal::ONE, rate, &what)?,
                            i64::from(year - last.year),
                            &what,
                        )?;
                        mul(last.value, factor, &what)
                    }
                }
            }
            Err(i) => {
                let (a, b) = (&points[i - 1], &points[i]);
                match self.file.interpolation {
                    Interpolation::None => Err(missing(format!(
                        "published years around it are {} and {}, and the source gives no \
                         rule between them; supply the value as an override",
                        a.year, b.year
                    ))),
                    // One division at the end keeps the result exact whenever it terminates.
                    Interpolation::Linear => {
                        let what = what();
                        let span = Decimal::from(b.year - a.year);
                        let left = mul(a.value, Decimal::from(b.year - year), &what)?;
                        let right = mul(b.value, Decimal::from(year - a.year), &what)?;
                        div(add(left, right, &what)?, span, &what)
                    }
                }
            }
        }
    }

    /// The grid factor of `region` for calendar `year`, in the set's unit (tCO2/MWh or
    /// tCO2e/MWh; see [`DataFile::unit`]) and of the set's [`FactorType`].
    ///
    /// Only a published year has a value unless the file states an interpolation or
    /// extrapolation rule: a year after the last published one is an error unless the set
    /// says `hold_last`. An unknown region is an `unknown_data` error listing the known ones.
    pub fn grid_factor(&self, year: i32, region: &str) -> Result<Decimal> {
        self.require_kind(Kind::GridEmissionFactor)?;
        let id = &self.file.id;
        let found = self.file.regions.iter().find(|r| r.region == region);
        let Some(found) = found else {
            let known = self
                .file
                .regions
                .iter()
                .map(|r| r.region.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::unknown_data(
                "/region",
                format!(
                    "{id} has no region {}; known regions are {known}",
                    echo(region)
                ),
            ));
        };
        let at = || format!(" in region {}", echo(region));
        let Ok(year) = u32::try_from(year) else {
            return Err(Error::unknown_data(
                "/year",
                format!("{id} has no value for {year}{}: not a calendar year", at()),
            ));
        };
        self.path_at(&found.points, year, &at)
    }

    /// The factors of one fuel, with `source` set to the set's id.
    ///
    /// CO2 is the published factor or C × OF × 44/12 where the set gives carbon content and
    /// oxidation. CH4 or N2O the source does not give reads as zero: such a set counts only
    /// the gases it gives (China's enterprise guidelines count only CO2 from combustion), and
    /// its notes say so. An unknown fuel is an `unknown_data` error listing the known ones.
    pub fn fuel_factor(&self, fuel: &str) -> Result<crate::emissions::FuelFactor> {
        self.require_kind(Kind::FuelFactors)?;
        let id = &self.file.id;
        let Some(row) = self.file.fuels.iter().find(|r| r.fuel == fuel) else {
            return Err(Error::unknown_data(
                "/fuel",
                format!(
                    "{id} has no fuel {}; known fuels are {}",
                    echo(fuel),
                    self.fuel_keys().join(", ")
                ),
            ));
        };
        Ok(crate::emissions::FuelFactor {
            fuel: row.fuel.clone(),
            ncv_gj_per_unit: row.ncv_gj_per_unit,
            unit: row.unit.clone(),
            co2_t_per_gj: row.co2_per_gj().map_err(|e| Error {
                message: format!("{id}: {}", e.message),
                ..e
            })?,
            ch4_t_per_gj: row.ch4_t_per_gj.unwrap_or_default(),
            n2o_t_per_gj: row.n2o_t_per_gj.unwrap_or_default(),
            source: id.clone(),
        })
    }

    /// The fuel keys of a fuel set, in file order (empty for other kinds).
    pub fn fuel_keys(&self) -> Vec<&str> {
        self.file.fuels.iter().map(|r| r.fuel.as_str()).collect()
    }

    /// The set's GWPs for the three gases results are kept in, with `id` = the set's id.
    ///
    /// Fossil and biogenic CH4 take `ch4_fossil` and `ch4_biogenic` where the set splits
    /// methane, and the unspecified `ch4` value otherwise.
    pub fn gwp(&self) -> Result<crate::emissions::Gwp> {
        self.require_kind(Kind::GwpSet)?;
        Ok(crate::emissions::Gwp {
            id: self.file.id.clone(),
            ch4_fossil: self.gas_gwp("ch4_fossil")?,
            ch4_biogenic: self.gas_gwp("ch4_biogenic")?,
            n2o: self.gas_gwp("n2o")?,
        })
    }

    /// The GWP100 of one gas (`co2` is 1 in every set). `ch4_fossil` and `ch4_biogenic` fall
    /// back to `ch4` where the set has no split. An unknown gas lists the known ones.
    pub fn gas_gwp(&self, gas: &str) -> Result<Decimal> {
        self.require_kind(Kind::GwpSet)?;
        let find = |key: &str| self.file.gases.iter().find(|g| g.gas == key);
        let found = find(gas).or_else(|| {
            matches!(gas, "ch4_fossil" | "ch4_biogenic")
                .then(|| find("ch4"))
                .flatten()
        });
        match found {
            Some(g) => Ok(g.value),
            None if gas == "co2" => Ok(Decimal::ONE),
            None => Err(Error::unknown_data(
                "/gas",
                format!(
                    "{} has no GWP for {gas}; known gases are {}",
                    self.file.id,
                    self.file
                        .gases
                        .iter()
                        .map(|g| g.gas.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn require_kind(&self, kind: Kind) -> Result<()> {
        if self.file.kind == kind {
            Ok(())
        } else {
            Err(Error::invalid(
                "",
                format!("{} is a {}, not a {kind}", self.file.id, self.file.kind),
            ))
        }
    }

    /// The discount rate of a schedule, ready for [`crate::discount::discount_factors`].
    pub fn discount_rate(&self) -> Result<DiscountRate> {
        if self.file.kind != Kind::DiscountSchedule {
            return Err(Error::invalid(
                "",
                format!(
                    "{} is a {}, not a discount_schedule",
                    self.file.id, self.file.kind
                ),
            ));
        }
        Ok(DiscountRate::Bands {
            bands: self.file.bands.clone(),
        })
    }

    /// A copy with the project's values in place of (or beside) the published ones.
    ///
    /// Each `(year, value)` replaces the published value of that year or adds a point; a
    /// year outside the set's validity or given twice is an error pointing at it. The copy's
    /// [`DataRef`] lists every override with the value it replaced.
    pub fn with_overrides(&self, overrides: &[(u32, Decimal)]) -> Result<DataSet> {
        self.require_points("overrides by year")?;
        let mut out = self.clone();
        for (i, &(year, value)) in overrides.iter().enumerate() {
            let pointer = format!("/overrides/{i}");
            if overrides[..i].iter().any(|&(y, _)| y == year) {
                return Err(Error::invalid(
                    pointer,
                    format!("{year} is overridden twice"),
                ));
            }
            let before = year < self.file.valid_from;
            let after = self.file.valid_to.is_some_and(|to| year > to);
            if before || after {
                return Err(Error::invalid(
                    pointer,
                    format!(
                        "{year} is outside the years {} covers ({})",
                        self.file.id,
                        self.years_label()
                    ),
                ));
            }
            let points = &mut out.file.points;
            let published = match points.binary_search_by_key(&year, |p| p.year) {
                Ok(at) => Some(std::mem::replace(&mut points[at].value, value)),
                Err(at) => {
                    points.insert(
                        at,
                        Point {
                            year,
                            value,
                            verified: None,
                            note: Some("project override".into()),
                        },
                    );
                    None
                }
            };
            // A second override of the same year keeps the originally published value.
            match out.overrides.iter_mut().find(|o| o.year == year) {
                Some(o) => o.value = value,
                None => out.overrides.push(Override {
                    year,
                    value,
                    published,
                }),
            }
        }
        out.overrides.sort_by_key(|o| o.year);
        Ok(out)
    }

    fn require_points(&self, what: &str) -> Result<()> {
        if self.file.kind.has_points() {
            Ok(())
        } else {
            Err(Error::invalid(
                "",
                format!(
                    "{what} needs a path by year, but {} is a {}",
                    self.file.id, self.file.kind
                ),
            ))
        }
    }

    fn years_label(&self) -> String {
        match self.file.valid_to {
            Some(to) => format!("{}–{to}", self.file.valid_from),
            None => format!("{} onwards", self.file.valid_from),
        }
    }
}

/// All reference data, by id.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    sets: BTreeMap<String, DataSet>,
}

impl Registry {
    /// A registry with no data (for tests and tools that bring all their own files).
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// The data shipped with the engine. An error here is a defect of a shipped file.
    pub fn embedded() -> Result<Registry> {
        let mut registry = Registry::empty();
        for (name, text) in EMBEDDED {
            let set = DataSet::parse(text, Origin::Embedded).map_err(|e| Error {
                message: format!("embedded {name}: {}", e.message),
                ..e
            })?;
            if registry.sets.contains_key(&set.file.id) {
                return Err(Error::invalid(
                    "/id",
                    format!("embedded {name}: id {} is used twice", set.file.id),
                ));
            }
            registry.sets.insert(set.file.id.clone(), set);
        }
        Ok(registry)
    }

    /// Adds a user's data file. `origin` is its display name (e.g. the file name).
    ///
    /// A set whose id already exists replaces it only if its version differs: the same id at
    /// the same version is refused, so a result can never cite one version with two contents.
    pub fn load_extra(&mut self, text: &str, origin: &str) -> Result<()> {
        let set = DataSet::parse(text, Origin::File(origin.to_string()))?;
        if let Some(existing) = self.sets.get(&set.file.id)
            && existing.file.version == set.file.version
        {
            return Err(Error::invalid(
                "/version",
                format!(
                    "{origin}: {} version {} is already loaded from {}; give the file another \
                     version to replace it",
                    set.file.id, set.file.version, existing.origin
                ),
            ));
        }
        self.sets.insert(set.file.id.clone(), set);
        Ok(())
    }

    /// The set with this id; an unknown id is an error listing the known ids by kind.
    pub fn get(&self, id: &str) -> Result<&DataSet> {
        self.sets.get(id).ok_or_else(|| {
            let mut kinds: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
            for set in self.sets.values() {
                kinds.entry(set.file.kind).or_default().push(&set.file.id);
            }
            let known = kinds
                .iter()
                .map(|(kind, ids)| format!("{kind}: {}", ids.join(", ")))
                .collect::<Vec<_>>()
                .join("; ");
            Error::unknown_data(
                "/id",
                format!("unknown data set {}; known sets are {known}", echo(id)),
            )
        })
    }

    /// The set with this id, which must be of `kind`; the error lists the ids of that kind.
    pub fn get_kind(&self, id: &str, kind: Kind) -> Result<&DataSet> {
        match self.sets.get(id) {
            Some(set) if set.file.kind == kind => Ok(set),
            found => {
                let known = self
                    .list()
                    .filter(|s| s.file.kind == kind)
                    .map(|s| s.file.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let what = match found {
                    Some(set) => format!("{} is a {}, not a {kind}", echo(id), set.file.kind),
                    None => format!("unknown {kind} {}", echo(id)),
                };
                Err(Error::unknown_data(
                    "/id",
                    format!("{what}; known {kind} sets are {known}"),
                ))
            }
        }
    }

    /// Every set, in id order.
    pub fn list(&self) -> impl Iterator<Item = &DataSet> {
        self.sets.values()
    }
}

/// Checks what serde cannot: shapes per kind, ordering, years, versions.
fn validate(f: &DataFile, name: &str) -> Result<()> {
    let bad = |pointer: &str, msg: String| Err(Error::invalid(pointer, format!("{name}: {msg}")));
    let id_ok = !f.id.is_empty()
        && f.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if !id_ok {
        return bad(
            "/id",
            format!(
                "id {:?} must be lowercase letters, digits, '-', '_' or '.'",
                echo(&f.id)
            ),
        );
    }
    let parts: Vec<&str> = f.version.split('.').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad(
            "/version",
            format!("version {:?} must be MAJOR.MINOR.PATCH", echo(&f.version)),
        );
    }
    for (pointer, text) in [
        ("/title_en", &f.title_en),
        ("/title_zh", &f.title_zh),
        ("/unit", &f.unit),
        ("/verification", &f.verification),
        ("/source/document", &f.source.document),
    ] {
        if text.trim().is_empty() {
            return bad(pointer, "must not be empty".into());
        }
    }
    if let Some(to) = f.valid_to
        && to < f.valid_from
    {
        return bad(
            "/valid_to",
            format!("valid_to {to} is before valid_from {}", f.valid_from),
        );
    }
    if f.kind.is_money() {
        if f.currency
            .as_deref()
            .is_none_or(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return bad(
                "/currency",
                format!("a {} needs an ISO 4217 currency such as \"EUR\"", f.kind),
            );
        }
        if f.price_base_year.is_none() {
            return bad(
                "/price_base_year",
                format!("a {} needs a price_base_year", f.kind),
            );
        }
    }
    // Each kind holds exactly one shape of values; anything else in the file is a mistake.
    let shapes = [
        (
            "/points",
            "[[points]]",
            !f.points.is_empty(),
            Kind::CarbonPricePath,
        ),
        (
            "/bands",
            "[[bands]]",
            !f.bands.is_empty(),
            Kind::DiscountSchedule,
        ),
        (
            "/regions",
            "[[regions]]",
            !f.regions.is_empty(),
            Kind::GridEmissionFactor,
        ),
        (
            "/fuels",
            "[[fuels]]",
            !f.fuels.is_empty(),
            Kind::FuelFactors,
        ),
        ("/gases", "[[gases]]", !f.gases.is_empty(), Kind::GwpSet),
    ];
    for (pointer, table, present, owner) in shapes {
        if owner == f.kind && !present {
            return bad(
                pointer,
                format!("a {} needs at least one entry in {table}", f.kind),
            );
        }
        if owner != f.kind && present {
            return bad(pointer, format!("a {} holds no {table}", f.kind));
        }
    }
    let has_rules =
        f.interpolation != Interpolation::None || f.extrapolation != Extrapolation::None;
    if has_rules && !matches!(f.kind, Kind::CarbonPricePath | Kind::GridEmissionFactor) {
        return bad(
            "/interpolation",
            format!(
                "a {} has no interpolation or extrapolation: its values do not run by year",
                f.kind
            ),
        );
    }
    if (f.kind == Kind::GridEmissionFactor) != f.factor_type.is_some() {
        return bad(
            "/factor_type",
            format!(
                "factor_type belongs to grid_emission_factor sets only, and each one needs it \
                 (this is a {})",
                f.kind
            ),
        );
    }
    if let Extrapolation::Growth(rate) = f.extrapolation
        && rate <= Decimal::NEGATIVE_ONE
    {
        return bad(
            "/extrapolation/growth",
            "a growth rate must be greater than -1".into(),
        );
    }
    match f.kind {
        Kind::CarbonPricePath => validate_points(f, &f.points, "/points", name)?,
        Kind::GridEmissionFactor => {
            for (i, r) in f.regions.iter().enumerate() {
                let at = format!("/regions/{i}");
                if !key_ok(&r.region) {
                    return bad(
                        &format!("{at}/region"),
                        format!(
                            "region {:?} must be lowercase letters, digits, '-' or '_'",
                            echo(&r.region)
                        ),
                    );
                }
                if f.regions[..i].iter().any(|o| o.region == r.region) {
                    return bad(
                        &format!("{at}/region"),
                        format!("region {} is listed twice", r.region),
                    );
                }
                if r.points.is_empty() {
                    return bad(
                        &format!("{at}/points"),
                        "at least one point is needed".into(),
                    );
                }
                validate_points(f, &r.points, &format!("{at}/points"), name)?;
                for (j, p) in r.points.iter().enumerate() {
                    if p.value < Decimal::ZERO {
                        return bad(
                            &format!("{at}/points/{j}/value"),
                            "a grid factor cannot be negative".into(),
                        );
                    }
                }
            }
        }
        Kind::FuelFactors => {
            for (i, r) in f.fuels.iter().enumerate() {
                let at = format!("/fuels/{i}");
                if !key_ok(&r.fuel) {
                    return bad(
                        &format!("{at}/fuel"),
                        format!(
                            "fuel {:?} must be lowercase letters, digits, '-' or '_'",
                            echo(&r.fuel)
                        ),
                    );
                }
                if f.fuels[..i].iter().any(|o| o.fuel == r.fuel) {
                    return bad(
                        &format!("{at}/fuel"),
                        format!("fuel {} is listed twice", r.fuel),
                    );
                }
                if r.unit.trim().is_empty() {
                    return bad(&format!("{at}/unit"), "must not be empty".into());
                }
                if r.ncv_gj_per_unit <= Decimal::ZERO {
                    return bad(
                        &format!("{at}/ncv_gj_per_unit"),
                        "a calorific value must be positive".into(),
                    );
                }
                let derived = r.carbon_t_per_gj.is_some() || r.oxidation.is_some();
                let complete = r.carbon_t_per_gj.is_some() && r.oxidation.is_some();
                if r.co2_t_per_gj.is_some() == derived || (derived && !complete) {
                    return bad(
                        &format!("{at}/co2_t_per_gj"),
                        "give either co2_t_per_gj, or carbon_t_per_gj with oxidation".into(),
                    );
                }
                if r.oxidation
                    .is_some_and(|of| of <= Decimal::ZERO || of > Decimal::ONE)
                {
                    return bad(
                        &format!("{at}/oxidation"),
                        "an oxidation fraction lies in (0, 1]".into(),
                    );
                }
                for (field, v) in [
                    ("co2_t_per_gj", r.co2_t_per_gj),
                    ("carbon_t_per_gj", r.carbon_t_per_gj),
                    ("ch4_t_per_gj", r.ch4_t_per_gj),
                    ("n2o_t_per_gj", r.n2o_t_per_gj),
                ] {
                    if v.is_some_and(|v| v < Decimal::ZERO) {
                        return bad(
                            &format!("{at}/{field}"),
                            "an emission factor cannot be negative".into(),
                        );
                    }
                }
                for (j, u) in r.unverified.iter().enumerate() {
                    let given = match u.as_str() {
                        "ncv" => true,
                        "co2" => r.co2_t_per_gj.is_some(),
                        "carbon" => r.carbon_t_per_gj.is_some(),
                        "oxidation" => r.oxidation.is_some(),
                        "ch4" => r.ch4_t_per_gj.is_some(),
                        "n2o" => r.n2o_t_per_gj.is_some(),
                        _ => false,
                    };
                    if !given {
                        return bad(
                            &format!("{at}/unverified/{j}"),
                            format!(
                                "{:?} names no value of this row (ncv, co2, carbon, oxidation, \
                                 ch4, n2o)",
                                echo(u)
                            ),
                        );
                    }
                }
                if !r.unverified.is_empty() && f.verified {
                    return bad(
                        &format!("{at}/unverified"),
                        "an unverified value makes the set unverified: set verified = false".into(),
                    );
                }
            }
        }
        Kind::GwpSet => {
            for (i, g) in f.gases.iter().enumerate() {
                let at = format!("/gases/{i}");
                if !key_ok(&g.gas) {
                    return bad(
                        &format!("{at}/gas"),
                        format!(
                            "gas {:?} must be lowercase letters, digits, '-' or '_'",
                            echo(&g.gas)
                        ),
                    );
                }
                if f.gases[..i].iter().any(|o| o.gas == g.gas) {
                    return bad(
                        &format!("{at}/gas"),
                        format!("gas {} is listed twice", g.gas),
                    );
                }
                if g.value <= Decimal::ZERO {
                    return bad(&format!("{at}/value"), "a GWP must be positive".into());
                }
                if g.gas == "co2" && g.value != Decimal::ONE {
                    return bad(
                        &format!("{at}/value"),
                        "the GWP of CO2 is 1 by definition".into(),
                    );
                }
                if g.verified == Some(false) && f.verified {
                    return bad(
                        &format!("{at}/verified"),
                        "an unverified value makes the set unverified: set verified = false".into(),
                    );
                }
            }
            let has = |k: &str| f.gases.iter().any(|g| g.gas == k);
            let ch4 = has("ch4") || (has("ch4_fossil") && has("ch4_biogenic"));
            if !ch4 || !has("n2o") {
                return bad(
                    "/gases",
                    "a GWP set needs n2o and ch4 (or both ch4_fossil and ch4_biogenic)".into(),
                );
            }
        }
        Kind::DiscountSchedule => {
            DiscountRate::Bands {
                bands: f.bands.clone(),
            }
            .validate()
            .map_err(|e| Error {
                message: format!("{name}: {}", e.message),
                ..e
            })?;
        }
    }
    Ok(())
}

/// A key inside a set (region, fuel, gas): what a user can type without quoting.
fn key_ok(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

/// Years increase, lie within the set's validity, and an unverified value is not hidden
/// under a verified set.
fn validate_points(f: &DataFile, points: &[Point], pointer: &str, name: &str) -> Result<()> {
    let bad = |at: String, msg: String| Err(Error::invalid(at, format!("{name}: {msg}")));
    for (i, p) in points.iter().enumerate() {
        if i > 0 && p.year <= points[i - 1].year {
            return bad(
                format!("{pointer}/{i}/year"),
                "years must increase from one point to the next".into(),
            );
        }
        let outside = p.year < f.valid_from || f.valid_to.is_some_and(|to| p.year > to);
        if outside {
            return bad(
                format!("{pointer}/{i}/year"),
                format!("{} is outside valid_from..valid_to", p.year),
            );
        }
        if p.verified == Some(false) && f.verified {
            return bad(
                format!("{pointer}/{i}/verified"),
                "an unverified value makes the set unverified: set verified = false".into(),
            );
        }
    }
    Ok(())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut cut = offset.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let before = &text[..cut];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A decimal written as a string, so that it never passes through a binary float.
fn exact_decimal<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Decimal, D::Error> {
    struct Exact;
    impl Visitor<'_> for Exact {
        type Value = Decimal;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal written as a string, e.g. \"0.035\"")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Decimal, E> {
            v.trim()
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(v.trim()))
                .map_err(|_| E::custom(format!("{:?} is not a decimal number", echo(v))))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Decimal, E> {
            Err(E::custom(format!(
                "write the number as a string (\"{v}\") so it stays exact"
            )))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Decimal, E> {
            Err(E::custom(format!(
                "write the number as a string (\"{v}\") so it stays exact"
            )))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Decimal, E> {
            Err(E::custom(format!(
                "write the number as a string (\"{v}\") so it stays exact"
            )))
        }
    }
    d.deserialize_any(Exact)
}

/// An optional decimal written as a string; serde calls this only when the key is present.
fn exact_decimal_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Decimal>, D::Error> {
    exact_decimal(d).map(Some)
}

/// A band as written in a file: strict keys and an exact rate.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BandSpec {
    from_year: u32,
    to_year: Option<u32>,
    #[serde(deserialize_with = "exact_decimal")]
    rate: Decimal,
}

fn exact_bands<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<RateBand>, D::Error> {
    let specs = Vec::<BandSpec>::deserialize(d)?;
    Ok(specs
        .into_iter()
        .map(|b| RateBand {
            from_year: b.from_year,
            to_year: b.to_year,
            rate: b.rate,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discount::{Timing, discount_factors};
    use crate::error::ErrorCode;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn registry() -> Registry {
        Registry::embedded().expect("the embedded data parses")
    }

    #[test]
    fn embedded_registry_parses_and_lists_ids_in_order() {
        let r = registry();
        let ids: Vec<&str> = r.list().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "cn-ets-grid-default",
                "cn-mee-2019-grid-bm",
                "cn-mee-2019-grid-om",
                "cn-mee-nbs-grid-average",
                "cn-ndrc-2006-sdr",
                "cn-ndrc-2013-fuels",
                "eea-2020-eu27-grid",
                "eib-2020-carbon",
                "eu-480-2014-fdr",
                "eu-cba-2014-sdr-cohesion",
                "eu-cba-2014-sdr-other",
                "ipcc-2006-fuels-commercial",
                "ipcc-ar4-gwp100",
                "ipcc-ar5-gwp100",
                "ipcc-ar6-gwp100",
                "jrc-2017-com-eu-grid",
                "sdes-2022-eu-grid",
                "uk-green-book-2022-stpr",
                "wb-2017-carbon-high",
                "wb-2017-carbon-low",
            ]
        );
        for set in r.list() {
            assert_eq!(set.origin(), &Origin::Embedded);
        }
    }

    #[test]
    fn green_book_schedule_chains_factors() {
        let rate = registry()
            .get("uk-green-book-2022-stpr")
            .unwrap()
            .discount_rate()
            .unwrap();
        assert_eq!(rate, crate::discount::green_book_declining());
        let df = discount_factors(&rate, Timing::EndOfYear, 80).unwrap();
        // DF31 = DF30 / 1.03 and DF76 = DF75 / 1.025: a band's rate discounts only its own
        // years (Green Book, Annex A6).
        assert_eq!(df[31], df[30] / d("1.03"));
        assert_eq!(df[76], df[75] / d("1.025"));
        assert_eq!(df[30], df[29] / d("1.035"));
    }

    #[test]
    fn single_rate_presets() {
        let r = registry();
        for (id, rate) in [
            ("cn-ndrc-2006-sdr", "0.08"),
            ("eu-480-2014-fdr", "0.04"),
            ("eu-cba-2014-sdr-cohesion", "0.05"),
            ("eu-cba-2014-sdr-other", "0.03"),
        ] {
            let dr = r.get(id).unwrap().discount_rate().unwrap();
            assert_eq!(dr.rate_for_year(1), d(rate), "{id}");
            assert_eq!(dr.rate_for_year(500), d(rate), "{id}");
        }
        // The recalled EU social rates must say so wherever they are cited.
        assert!(
            !r.get("eu-cba-2014-sdr-cohesion")
                .unwrap()
                .data_ref()
                .verified
        );
        assert!(r.get("eu-480-2014-fdr").unwrap().data_ref().verified);
    }

    #[test]
    fn eib_path_interpolates_linearly() {
        let eib = registry().get("eib-2020-carbon").unwrap().clone();
        // 2025 is halfway from 80 (2020) to 250 (2030): (80 + 250) / 2 = 165.
        assert_eq!(eib.value_at(2025).unwrap(), d("165"));
        // 2040 is halfway from 250 (2030) to 800 (2050): (250 + 800) / 2 = 525.
        assert_eq!(eib.value_at(2040).unwrap(), d("525"));
        // 2031: 250 + (800 − 250) / 20 = 277.5.
        assert_eq!(eib.value_at(2031).unwrap(), d("277.5"));
        assert_eq!(eib.value_at(2050).unwrap(), d("800"));
        assert_eq!(eib.currency.as_deref(), Some("EUR"));
        assert_eq!(eib.price_base_year, Some(2016));
        assert!(!eib.data_ref().verified, "2020 = 80 is recalled");
    }

    #[test]
    fn out_of_range_years_are_errors_naming_set_and_year() {
        let r = registry();
        let eib = r.get("eib-2020-carbon").unwrap();
        for year in [2019, 2051] {
            let err = eib.value_at(year).unwrap_err();
            assert_eq!(err.code, ErrorCode::UnknownData);
            assert!(err.message.contains("eib-2020-carbon"), "{err}");
            assert!(err.message.contains(&year.to_string()), "{err}");
        }
        // The World Bank anchors have no rule between them.
        let wb = r.get("wb-2017-carbon-low").unwrap();
        assert_eq!(wb.value_at(2020).unwrap(), d("40"));
        assert_eq!(wb.value_at(2030).unwrap(), d("50"));
        let err = wb.value_at(2025).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownData);
        assert!(err.message.contains("2025") && err.message.contains("override"));
        // A schedule has no yearly path.
        let gb = r.get("uk-green-book-2022-stpr").unwrap();
        assert_eq!(
            gb.value_at(2030).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn unknown_id_lists_known_ids() {
        let r = registry();
        let err = r.get("eib-2019-carbon").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownData);
        assert!(err.message.contains("eib-2019-carbon"));
        assert!(
            err.message.contains(
                "carbon_price_path: eib-2020-carbon, wb-2017-carbon-high, wb-2017-carbon-low"
            ),
            "{err}"
        );
        let err = r
            .get_kind("eib-2020-carbon", Kind::DiscountSchedule)
            .unwrap_err();
        assert!(err.message.contains("is a carbon_price_path"), "{err}");
        assert!(err.message.contains("uk-green-book-2022-stpr"), "{err}");
        assert!(!err.message.contains("wb-2017"), "{err}");
    }

    const EXTRA: &str = r#"
id = "city-carbon"
version = "0.1.0"
kind = "carbon_price_path"
title_en = "City carbon value"
title_zh = "城市碳价值"
unit = "CNY/tCO2e"
currency = "CNY"
price_base_year = 2024
vintage = 2024
valid_from = 2024
extrapolation = { growth = "0.05" }
verified = true
verification = "adopted by the city council"

[source]
document = "City climate plan"
edition = "2024"
locator = "table 3"

[[points]]
year = 2024
value = "100"
"#;

    #[test]
    fn extra_file_loads_with_its_origin_and_grows() {
        let mut r = registry();
        r.load_extra(EXTRA, "city.toml").unwrap();
        let set = r.get("city-carbon").unwrap();
        assert_eq!(set.origin(), &Origin::File("city.toml".into()));
        // 100 × 1.05² = 110.25.
        assert_eq!(set.value_at(2026).unwrap(), d("110.25"));
        // The same id and version again is refused; another version replaces it.
        let err = r.load_extra(EXTRA, "copy.toml").unwrap_err();
        assert!(
            err.message.contains("already loaded from city.toml"),
            "{err}"
        );
        r.load_extra(&EXTRA.replace("0.1.0", "0.2.0"), "v2.toml")
            .unwrap();
        assert_eq!(r.get("city-carbon").unwrap().version, "0.2.0");
    }

    /// A user's data file is input too: a long id is repeated cut, as every value from the
    /// input is (its first 64 characters, `…` and its length in bytes).
    #[test]
    fn extra_file_with_a_long_bad_id_names_it_cut() {
        let mut r = registry();
        let id = "X".repeat(10_000);
        let err = r
            .load_extra(&EXTRA.replace("city-carbon", &id), "city.toml")
            .unwrap_err();
        assert_eq!(err.pointer, "/id");
        assert_eq!(
            err.message,
            format!(
                "city.toml: id \"{}\"… (10000 bytes) must be lowercase letters, digits, '-', '_' or '.'",
                "X".repeat(64)
            )
        );
    }

    #[test]
    fn extra_file_replaces_embedded_set_only_with_another_version() {
        let mut r = registry();
        let text = EMBEDDED
            .iter()
            .find(|(name, _)| *name == "eib-2020-carbon.toml")
            .unwrap()
            .1;
        assert!(r.load_extra(text, "eib.toml").is_err());
        // Whatever version is embedded, another one replaces it.
        let embedded = format!(
            "version = \"{}\"",
            r.get("eib-2020-carbon").unwrap().version
        );
        let other = text.replace(&embedded, "version = \"9.9.9\"");
        assert_ne!(other, text);
        r.load_extra(&other, "eib.toml").unwrap();
        let set = r.get("eib-2020-carbon").unwrap();
        assert_eq!(set.data_ref().origin, Origin::File("eib.toml".into()));
    }

    #[test]
    fn malformed_file_errors_with_line_and_column() {
        let mut r = registry();
        let text = EXTRA.replace("unit = \"CNY/tCO2e\"", "unit = \"CNY/tCO2e");
        let err = r.load_extra(&text, "city.toml").unwrap_err();
        assert!(
            err.message.starts_with("city.toml, line 7, column"),
            "{err}"
        );

        let err = r
            .load_extra(
                &EXTRA.replace("value = \"100\"", "value = 100.5"),
                "city.toml",
            )
            .unwrap_err();
        assert!(err.message.contains("line 23, column 9"), "{err}");
        assert!(err.message.contains("stays exact"), "{err}");

        let err = r
            .load_extra(&EXTRA.replace("unit =", "units ="), "city.toml")
            .unwrap_err();
        assert!(err.message.contains("line 7"), "{err}");
        assert!(err.message.contains("units"), "{err}");
    }

    #[test]
    fn invalid_content_errors_with_pointer() {
        let mut r = registry();
        let err = r
            .load_extra(&EXTRA.replace("currency = \"CNY\"\n", ""), "city.toml")
            .unwrap_err();
        assert_eq!(err.pointer, "/currency");
        let text = EXTRA.replace("verified = true", "verified = true\nnotes = []")
            + "\n[[points]]\nyear = 2023\nvalue = \"90\"\n";
        let err = r.load_extra(&text, "city.toml").unwrap_err();
        assert_eq!(err.pointer, "/points/1/year");
        let text =
            EXTRA.to_string() + "\n[[points]]\nyear = 2030\nvalue = \"1\"\nverified = false\n";
        let err = r.load_extra(&text, "city.toml").unwrap_err();
        assert_eq!(err.pointer, "/points/1/verified");
    }

    #[test]
    fn overrides_are_applied_and_recorded() {
        let r = registry();
        let eib = r.get("eib-2020-carbon").unwrap();
        let mine = eib
            .with_overrides(&[(2030, d("300")), (2025, d("170"))])
            .unwrap();
        assert_eq!(mine.value_at(2030).unwrap(), d("300"));
        assert_eq!(mine.value_at(2025).unwrap(), d("170"));
        // 2040 now runs from 300 (2030) to 800 (2050): (300 + 800) / 2 = 550.
        assert_eq!(mine.value_at(2040).unwrap(), d("550"));
        let cite = mine.data_ref();
        assert!(cite.overridden);
        assert_eq!(
            cite.overrides,
            [
                Override {
                    year: 2025,
                    value: d("170"),
                    published: None
                },
                Override {
                    year: 2030,
                    value: d("300"),
                    published: Some(d("250"))
                },
            ]
        );
        // The registry's copy is untouched.
        assert_eq!(eib.value_at(2030).unwrap(), d("250"));
        assert!(!eib.data_ref().overridden);
        // Outside the set's years, or twice, is refused with a pointer.
        let err = eib.with_overrides(&[(2060, d("1"))]).unwrap_err();
        assert_eq!(err.pointer, "/overrides/0");
        let err = eib
            .with_overrides(&[(2030, d("1")), (2030, d("2"))])
            .unwrap_err();
        assert_eq!(err.pointer, "/overrides/1");
        // A World Bank user fills the years the note's table would give.
        let wb = r.get("wb-2017-carbon-high").unwrap();
        let filled = wb.with_overrides(&[(2025, d("89.4"))]).unwrap();
        assert_eq!(filled.value_at(2025).unwrap(), d("89.4"));
    }

    #[test]
    fn data_ref_serialises_for_provenance() {
        let r = registry();
        let json = serde_json::to_value(r.get("wb-2017-carbon-low").unwrap().data_ref()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "wb-2017-carbon-low",
                "version": "1.0.1",
                "origin": "embedded",
                "verified": false,
                "overridden": false,
            })
        );
        let set = serde_json::to_value(r.get("eib-2020-carbon").unwrap()).unwrap();
        assert_eq!(set["points"][0]["verified"], false);
        assert_eq!(set["points"][1]["value"], "250");
        assert_eq!(set["origin"], "embedded");
    }

    #[test]
    fn every_embedded_file_parses_and_its_id_matches_its_file_name() {
        let r = registry();
        for (name, _) in EMBEDDED {
            let id = name.trim_end_matches(".toml");
            assert!(r.get(id).is_ok(), "{name}");
        }
        let kinds = |k: Kind| r.list().filter(|s| s.kind == k).count();
        assert_eq!(kinds(Kind::GridEmissionFactor), 7);
        assert_eq!(kinds(Kind::FuelFactors), 2);
        assert_eq!(kinds(Kind::GwpSet), 3);
    }

    #[test]
    fn china_average_grid_factors_read_back_exactly() {
        let r = registry();
        let set = r
            .get_kind("cn-mee-nbs-grid-average", Kind::GridEmissionFactor)
            .unwrap();
        assert_eq!(set.factor_type, Some(FactorType::Average));
        assert_eq!(set.unit, "tCO2/MWh");
        assert_eq!(set.grid_factor(2022, "cn").unwrap(), d("0.5366"));
        assert_eq!(set.grid_factor(2021, "cn").unwrap(), d("0.5568"));
        assert_eq!(set.grid_factor(2023, "cn").unwrap(), d("0.5306"));
        assert_eq!(set.grid_factor(2022, "cn-north").unwrap(), d("0.6776"));
        assert_eq!(set.grid_factor(2022, "cn-southwest").unwrap(), d("0.2268"));
        assert_eq!(set.grid_factor(2022, "cn-yunnan").unwrap(), d("0.1073"));
        // One-copy values are flagged, so the set as a whole is not verified.
        assert!(!set.data_ref().verified);
        let ets = r.get("cn-ets-grid-default").unwrap();
        assert_eq!(ets.grid_factor(2021, "cn").unwrap(), d("0.5810"));
        assert_eq!(ets.grid_factor(2022, "cn").unwrap(), d("0.5703"));
        // The 2023 notice is named in a press copy quoting 0.5703; 0.5810 has no named notice.
        let flags: Vec<_> = ets.regions[0]
            .points
            .iter()
            .map(|p| (p.year, p.verified))
            .collect();
        assert_eq!(flags, [(2021, Some(false)), (2022, None)]);
        assert!(!ets.data_ref().verified);
        let om = r.get("cn-mee-2019-grid-om").unwrap();
        let bm = r.get("cn-mee-2019-grid-bm").unwrap();
        assert_eq!(om.factor_type, Some(FactorType::OperatingMargin));
        assert_eq!(bm.factor_type, Some(FactorType::BuildMargin));
        // Wind/solar combined margin of North China, as the research note tabulates it:
        // 0.75 × 0.9419 + 0.25 × 0.4819 = 0.706425 + 0.120475 = 0.826900.
        let cm = d("0.75") * om.grid_factor(2019, "cn-north").unwrap()
            + d("0.25") * bm.grid_factor(2019, "cn-north").unwrap();
        assert_eq!(cm, d("0.8269"));
        let eea = r.get("eea-2020-eu27-grid").unwrap();
        assert_eq!(eea.grid_factor(1990, "eu27").unwrap(), d("0.510"));
        assert_eq!(eea.grid_factor(2018, "eu27").unwrap(), d("0.281"));
        assert_eq!(eea.unit, "tCO2e/MWh");
        assert!(eea.data_ref().verified);
        let jrc = r.get("jrc-2017-com-eu-grid").unwrap();
        assert_eq!(jrc.grid_factor(2013, "fr").unwrap(), d("0.083"));
        // SDES Key figures on climate, December 2022: 252 gCO2/kWh for the EU in 2020,
        // 252 ÷ 1000 = 0.252 tCO2/MWh; read in the publication, so the set is verified.
        let sdes = r.get("sdes-2022-eu-grid").unwrap();
        assert_eq!(sdes.grid_factor(2020, "eu27").unwrap(), d("0.252"));
        assert!(sdes.data_ref().verified);
    }

    #[test]
    fn grid_errors_name_the_set_the_region_and_the_year() {
        let r = registry();
        let set = r.get("cn-mee-nbs-grid-average").unwrap();
        let err = set.grid_factor(2022, "cn-atlantis").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownData);
        assert_eq!(err.pointer, "/region");
        assert!(err.message.contains("cn-mee-nbs-grid-average"), "{err}");
        assert!(err.message.contains("cn-atlantis"), "{err}");
        assert!(
            err.message
                .contains("known regions are cn, cn-north, cn-northeast"),
            "{err}"
        );
        // After the last published year: no hold_last, so an error, not 2023's value.
        let err = set.grid_factor(2024, "cn-north").unwrap_err();
        assert_eq!(
            (err.code, err.pointer.as_str()),
            (ErrorCode::UnknownData, "/year")
        );
        assert!(
            err.message
                .contains("cn-mee-nbs-grid-average has no value for 2024 in region cn-north"),
            "{err}"
        );
        let err = set.grid_factor(2020, "cn").unwrap_err();
        assert!(
            err.message.contains("2020") && err.message.contains("starts in 2021"),
            "{err}"
        );
        // A province published for one year only has no other year, inside the set's span.
        let err = set.grid_factor(2021, "cn-henan").unwrap_err();
        assert!(
            err.message.contains("first published year is 2023"),
            "{err}"
        );
        assert!(set.grid_factor(-5, "cn").is_err());
        // Between two anchors the EEA set states no rule.
        let eea = r.get("eea-2020-eu27-grid").unwrap();
        let err = eea.grid_factor(2000, "eu27").unwrap_err();
        assert!(err.message.contains("1990 and 2018"), "{err}");
        // Asking a grid set for a fuel, or a path for a grid factor, is the wrong kind.
        assert_eq!(
            set.fuel_factor("diesel").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            set.value_at(2022).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        let err = r
            .get("eib-2020-carbon")
            .unwrap()
            .grid_factor(2022, "cn")
            .unwrap_err();
        assert!(err.message.contains("not a grid_emission_factor"), "{err}");
    }

    const GRID: &str = r#"
id = "city-grid"
version = "0.1.0"
kind = "grid_emission_factor"
factor_type = "average"
title_en = "City grid"
title_zh = "城市电网"
unit = "tCO2/MWh"
vintage = 2024
valid_from = 2022
extrapolation = "hold_last"
verified = true
verification = "utility letter"

[source]
document = "City utility"
edition = "2024"
locator = "letter"

[[regions]]
region = "cn-city"
name_en = "City"
name_zh = "城市"
points = [{ year = 2022, value = "0.6" }, { year = 2023, value = "0.5" }]
"#;

    #[test]
    fn a_grid_set_that_says_hold_last_holds_and_bad_files_are_refused() {
        let mut r = registry();
        r.load_extra(GRID, "grid.toml").unwrap();
        let set = r.get("city-grid").unwrap();
        assert_eq!(set.grid_factor(2030, "cn-city").unwrap(), d("0.5"));
        assert!(set.grid_factor(2021, "cn-city").is_err());
        let refuse = |text: String| {
            Registry::empty()
                .load_extra(&text, "grid.toml")
                .unwrap_err()
        };
        let err = refuse(GRID.replace("factor_type = \"average\"\n", ""));
        assert_eq!(err.pointer, "/factor_type");
        let err = refuse(GRID.replace("\"average\"", "\"marginal\""));
        assert!(err.message.contains("line 5"), "{err}");
        let err = refuse(GRID.replace("\"0.5\" }", "\"0.5\", verified = false }"));
        assert_eq!(err.pointer, "/regions/0/points/1/verified");
        let err = refuse(GRID.replace("year = 2023", "year = 2021"));
        assert_eq!(err.pointer, "/regions/0/points/1/year");
        let err = refuse(GRID.replace("\"0.6\"", "0.6"));
        assert!(err.message.contains("stays exact"), "{err}");
        let err = refuse(
            GRID.to_string()
                + "\n[[regions]]\nregion = \"cn-city\"\nname_en = \"x\"\nname_zh = \"x\"\npoints = [{ year = 2022, value = \"1\" }]\n",
        );
        assert_eq!(err.pointer, "/regions/1/region");
        let err = refuse(GRID.to_string() + "\n[[points]]\nyear = 2022\nvalue = \"1\"\n");
        assert_eq!(err.pointer, "/points");
    }

    #[test]
    fn ipcc_fuel_factors_read_back_exactly() {
        let r = registry();
        let set = r
            .get_kind("ipcc-2006-fuels-commercial", Kind::FuelFactors)
            .unwrap();
        let diesel = set.fuel_factor("diesel").unwrap();
        // 43.0 TJ/Gg = 43.0 GJ/t; 74,100 kgCO2/TJ ÷ 1,000,000 = 0.0741 tCO2/GJ.
        assert_eq!(diesel.ncv_gj_per_unit, d("43.0"));
        assert_eq!(diesel.unit, "t");
        assert_eq!(diesel.co2_t_per_gj, d("0.0741"));
        // Table 2.4, oil products: CH4 10 kg/TJ, N2O 0.6 kg/TJ.
        assert_eq!(diesel.ch4_t_per_gj, d("0.00001"));
        assert_eq!(diesel.n2o_t_per_gj, d("0.0000006"));
        assert_eq!(diesel.source, "ipcc-2006-fuels-commercial");
        // 43.0 × 0.0741 = 3.1863 tCO2/t, the research note's 3.186.
        assert_eq!(diesel.ncv_gj_per_unit * diesel.co2_t_per_gj, d("3.1863"));
        let gas = set.fuel_factor("natural_gas").unwrap();
        assert_eq!(
            (gas.co2_t_per_gj, gas.ch4_t_per_gj),
            (d("0.0561"), d("0.000005"))
        );
        // Table 2.4 gives LPG the gaseous-fuel values, not the liquid oil products' 10 / 0.6:
        // CH4 5 kg/TJ ÷ 1,000,000 = 0.000005 t/GJ; N2O 0.1 kg/TJ = 0.0000001 t/GJ.
        let lpg = set.fuel_factor("lpg").unwrap();
        assert_eq!(
            (lpg.ch4_t_per_gj, lpg.n2o_t_per_gj),
            (d("0.000005"), d("0.0000001"))
        );
        assert_eq!(set.fuel_factor("lignite").unwrap().co2_t_per_gj, d("0.101"));
        assert_eq!(set.fuel_keys().len(), 11);
        // Table 2.4 read in two independent copies for these eight fuels (1.1.1); the other
        // coals' N2O was seen in one copy only, so the set as a whole stays unverified.
        let flags = |fuel: &str| {
            set.fuels
                .iter()
                .find(|r| r.fuel == fuel)
                .map(|r| r.unverified.clone())
                .unwrap()
        };
        for fuel in [
            "natural_gas",
            "diesel",
            "gasoline",
            "lpg",
            "residual_fuel_oil",
            "other_kerosene",
            "other_bituminous_coal",
            "coking_coal",
        ] {
            assert!(flags(fuel).is_empty(), "{fuel}");
        }
        for fuel in ["anthracite", "sub_bituminous_coal", "lignite"] {
            assert_eq!(flags(fuel), ["n2o"], "{fuel}");
        }
        assert!(
            !set.data_ref().verified,
            "three coals' N2O is from one copy"
        );
    }

    #[test]
    fn china_fuel_co2_is_derived_from_carbon_and_oxidation() {
        let r = registry();
        let set = r.get("cn-ndrc-2013-fuels").unwrap();
        let diesel = set.fuel_factor("diesel").unwrap();
        assert_eq!(diesel.ncv_gj_per_unit, d("42.652"));
        // 0.0202 tC/GJ × 0.98 × 44 / 12 = 0.871024 / 12 = 0.0725853̅ tCO2/GJ; per tonne
        // 42.652 × 0.0725853̅ = 3.0959096̅, which the guidelines print as 3.096.
        let per_t = diesel.ncv_gj_per_unit * diesel.co2_t_per_gj;
        assert_eq!(per_t.round_dp(4), d("3.0959"));
        assert_eq!(per_t.round_dp(3), d("3.096"));
        // The guidelines count only CO2: no CH4 or N2O, read as zero.
        assert_eq!((diesel.ch4_t_per_gj, diesel.n2o_t_per_gj), (d("0"), d("0")));
        // Natural gas per normal m3: 0.038931 × 0.0153 × 0.99 × 44/12 = 0.0021622 t = 2.162 kg.
        let gas = set.fuel_factor("natural_gas").unwrap();
        assert_eq!(gas.unit, "m3");
        assert_eq!(
            (gas.ncv_gj_per_unit * gas.co2_t_per_gj).round_dp(6),
            d("0.002162")
        );
        let heat = set.fuel_factor("purchased_heat").unwrap();
        assert_eq!((heat.unit.as_str(), heat.co2_t_per_gj), ("GJ", d("0.11")));
    }

    #[test]
    fn unknown_fuel_lists_the_known_fuels() {
        let r = registry();
        let err = r
            .get("cn-ndrc-2013-fuels")
            .unwrap()
            .fuel_factor("peat")
            .unwrap_err();
        assert_eq!(
            (err.code, err.pointer.as_str()),
            (ErrorCode::UnknownData, "/fuel")
        );
        assert!(
            err.message.contains(
                "cn-ndrc-2013-fuels has no fuel peat; known fuels are natural_gas, diesel, \
                 gasoline, lpg, purchased_heat"
            ),
            "{err}"
        );
    }

    const FUELS: &str = r#"
id = "city-fuels"
version = "0.1.0"
kind = "fuel_factors"
title_en = "City fuels"
title_zh = "城市燃料"
unit = "t/GJ"
vintage = 2024
valid_from = 2024
verified = false
verification = "supplier data"

[source]
document = "Supplier"
edition = "2024"
locator = "sheet"

[[fuels]]
fuel = "diesel"
unit = "t"
ncv_gj_per_unit = "43"
co2_t_per_gj = "0.074"
"#;

    #[test]
    fn malformed_fuel_rows_are_refused_with_pointers() {
        let refuse = |text: String| Registry::empty().load_extra(&text, "f.toml").unwrap_err();
        let err = refuse(FUELS.replace("co2_t_per_gj = \"0.074\"", "carbon_t_per_gj = \"0.02\""));
        assert_eq!(err.pointer, "/fuels/0/co2_t_per_gj");
        let err = refuse(FUELS.replace(
            "co2_t_per_gj = \"0.074\"",
            "co2_t_per_gj = \"0.074\"\ncarbon_t_per_gj = \"0.02\"\noxidation = \"1\"",
        ));
        assert_eq!(err.pointer, "/fuels/0/co2_t_per_gj");
        let err = refuse(FUELS.replace(
            "co2_t_per_gj = \"0.074\"",
            "carbon_t_per_gj = \"0.02\"\noxidation = \"1.2\"",
        ));
        assert_eq!(err.pointer, "/fuels/0/oxidation");
        let err = refuse(FUELS.replace("\"43\"", "\"0\""));
        assert_eq!(err.pointer, "/fuels/0/ncv_gj_per_unit");
        let err = refuse(FUELS.to_string() + "unverified = [\"ch4\"]\n");
        assert_eq!(err.pointer, "/fuels/0/unverified/0");
        let err = refuse(
            FUELS.replace("verified = false", "verified = true") + "unverified = [\"co2\"]\n",
        );
        assert_eq!(err.pointer, "/fuels/0/unverified");
        let err = refuse(FUELS.to_string() + "extra = \"1\"\n");
        assert!(err.message.contains("extra"), "{err}");
        let err = refuse(FUELS.replace(
            "kind = \"fuel_factors\"",
            "kind = \"fuel_factors\"\nextrapolation = \"hold_last\"",
        ));
        assert_eq!(err.pointer, "/interpolation");
    }

    #[test]
    fn gwp_sets_give_the_three_result_gases() {
        let r = registry();
        let ar5 = r
            .get_kind("ipcc-ar5-gwp100", Kind::GwpSet)
            .unwrap()
            .gwp()
            .unwrap();
        assert_eq!(ar5.id, "ipcc-ar5-gwp100");
        // AR5 has no methane split: 28 for both.
        assert_eq!(
            (ar5.ch4_fossil, ar5.ch4_biogenic, ar5.n2o),
            (d("28"), d("28"), d("265"))
        );
        let ar4 = r.get("ipcc-ar4-gwp100").unwrap().gwp().unwrap();
        assert_eq!(
            (ar4.ch4_fossil, ar4.ch4_biogenic, ar4.n2o),
            (d("25"), d("25"), d("298"))
        );
        let set = r.get("ipcc-ar6-gwp100").unwrap();
        let ar6 = set.gwp().unwrap();
        assert_eq!(
            (ar6.ch4_fossil, ar6.ch4_biogenic, ar6.n2o),
            (d("29.8"), d("27.0"), d("273"))
        );
        assert_eq!(set.gas_gwp("ch4").unwrap(), d("27.9"));
        assert_eq!(set.gas_gwp("sf6").unwrap(), d("25200"));
        assert_eq!(set.gas_gwp("co2").unwrap(), Decimal::ONE);
        // The R-410A blend is half HFC-32, half HFC-125: (771 + 3740) / 2 = 2255.5.
        let blend = (set.gas_gwp("hfc-32").unwrap() + set.gas_gwp("hfc-125").unwrap()) / d("2");
        assert_eq!(set.gas_gwp("r-410a").unwrap(), blend);
        let err = set.gas_gwp("hfc-404a").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownData);
        assert!(
            err.message
                .contains("ipcc-ar6-gwp100 has no GWP for hfc-404a"),
            "{err}"
        );
        assert!(
            err.message.contains("known gases are co2, ch4, ch4_fossil"),
            "{err}"
        );
        assert!(r.get("ipcc-ar5-gwp100").unwrap().data_ref().verified);
        assert_eq!(
            r.get("cn-ndrc-2013-fuels").unwrap().gwp().unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
}
