//! The one registry of versioned reference data: discount-rate presets and shadow carbon
//! price paths today; grid and fuel emission factors and GWP sets slot in as further kinds.
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
//! kind = "carbon_price_path"       # or "discount_schedule"; later kinds add their own shapes
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

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::discount::{DiscountRate, RateBand};
use crate::error::{Error, Result};
use crate::num::{add, div, mul, powi};

/// The embedded data files, by file name. Adding a set is adding a line here and a file.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "cn-ndrc-2006-sdr.toml",
        include_str!("../data/cn-ndrc-2006-sdr.toml"),
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
}

impl Kind {
    /// The kind as written in data files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DiscountSchedule => "discount_schedule",
            Kind::CarbonPricePath => "carbon_price_path",
        }
    }

    /// Whether the values are held as yearly points (otherwise as rate bands).
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

/// A value the project put in place of (or beside) a published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Override {
    /// Calendar year.
    pub year: u32,
    /// The project's value.
    pub value: Decimal,
    /// The published value it replaced, if the year was published.
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
        let id = &self.file.id;
        let missing = |why: String| {
            Error::unknown_data("/year", format!("{id} has no value for {year}: {why}"))
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
        let points = &self.file.points;
        let what = format!("{id} in {year}");
        match points.binary_search_by_key(&year, |p| p.year) {
            Ok(i) => Ok(points[i].value),
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
                        let span = Decimal::from(b.year - a.year);
                        let left = mul(a.value, Decimal::from(b.year - year), &what)?;
                        let right = mul(b.value, Decimal::from(year - a.year), &what)?;
                        div(add(left, right, &what)?, span, &what)
                    }
                }
            }
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
                format!("unknown data set {id}; known sets are {known}"),
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
                    Some(set) => format!("{id} is a {}, not a {kind}", set.file.kind),
                    None => format!("unknown {kind} {id}"),
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
                f.id
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
            format!("version {:?} must be MAJOR.MINOR.PATCH", f.version),
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
    if f.kind.has_points() {
        if !f.bands.is_empty() {
            return bad(
                "/bands",
                format!("a {} holds [[points]], not bands", f.kind),
            );
        }
        if f.points.is_empty() {
            return bad("/points", "at least one point is needed".into());
        }
        for (i, p) in f.points.iter().enumerate() {
            if i > 0 && p.year <= f.points[i - 1].year {
                return bad(
                    &format!("/points/{i}/year"),
                    "years must increase from one point to the next".into(),
                );
            }
            let outside = p.year < f.valid_from || f.valid_to.is_some_and(|to| p.year > to);
            if outside {
                return bad(
                    &format!("/points/{i}/year"),
                    format!("{} is outside valid_from..valid_to", p.year),
                );
            }
            if p.verified == Some(false) && f.verified {
                return bad(
                    &format!("/points/{i}/verified"),
                    "an unverified value makes the set unverified: set verified = false".into(),
                );
            }
        }
        if let Extrapolation::Growth(rate) = f.extrapolation
            && rate <= Decimal::NEGATIVE_ONE
        {
            return bad(
                "/extrapolation/growth",
                "a growth rate must be greater than -1".into(),
            );
        }
    } else {
        if !f.points.is_empty() {
            return bad(
                "/points",
                format!("a {} holds [[bands]], not points", f.kind),
            );
        }
        if f.interpolation != Interpolation::None || f.extrapolation != Extrapolation::None {
            return bad(
                "/interpolation",
                format!(
                    "a {} has no interpolation or extrapolation: its last band continues",
                    f.kind
                ),
            );
        }
        DiscountRate::Bands {
            bands: f.bands.clone(),
        }
        .validate()
        .map_err(|e| Error {
            message: format!("{name}: {}", e.message),
            ..e
        })?;
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
                .map_err(|_| E::custom(format!("{v:?} is not a decimal number")))
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
                "cn-ndrc-2006-sdr",
                "eib-2020-carbon",
                "eu-480-2014-fdr",
                "eu-cba-2014-sdr-cohesion",
                "eu-cba-2014-sdr-other",
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

    #[test]
    fn extra_file_replaces_embedded_set_only_with_another_version() {
        let mut r = registry();
        let text = EMBEDDED
            .iter()
            .find(|(name, _)| *name == "eib-2020-carbon.toml")
            .unwrap()
            .1;
        assert!(r.load_extra(text, "eib.toml").is_err());
        r.load_extra(
            &text.replace("version = \"1.0.0\"", "version = \"1.1.0\""),
            "eib.toml",
        )
        .unwrap();
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
                "version": "1.0.0",
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
}
