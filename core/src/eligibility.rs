//! Green-bond eligibility verdicts: per clause and per taxonomy, with the thresholds and inputs
//! used and the reason in English and Chinese. The rule engine lives in `greenlight-rules`; these
//! are its results, part of the appraisal contract.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An immutable text shared between results instead of copied into each.
///
/// Most texts of a verdict are fixed when a pack loads (rule ids, clauses, titles, threshold
/// names, values and units) and repeat in every project's result; sharing them makes a
/// result cheap to build and to free. It reads, compares, serialises and documents itself
/// (JSON Schema) exactly as a `String` does.
#[derive(Clone)]
pub struct SharedStr(Repr);

#[derive(Clone)]
enum Repr {
    Fixed(&'static str),
    Shared(Arc<str>),
}

impl SharedStr {
    /// A text fixed in the program; no allocation.
    pub const fn fixed(text: &'static str) -> SharedStr {
        SharedStr(Repr::Fixed(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Fixed(text) => text,
            Repr::Shared(text) => text,
        }
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::fixed("")
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> Self {
        if text.is_empty() {
            return SharedStr::default();
        }
        SharedStr(Repr::Shared(text.into()))
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> Self {
        if text.is_empty() {
            return SharedStr::default();
        }
        SharedStr(Repr::Shared(text.into()))
    }
}

impl From<SharedStr> for String {
    fn from(text: SharedStr) -> Self {
        text.as_str().to_owned()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SharedStr::from)
    }
}

// Documented as the `String` it serialises as, so the published schemas do not change.
impl JsonSchema for SharedStr {
    fn inline_schema() -> bool {
        String::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        String::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

/// The four answers a rule gives.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The criteria are met.
    Eligible,
    /// A criterion is not met.
    NotEligible,
    /// A field the criterion needs is missing.
    InsufficientData,
    /// The legal text is unresolved (or a rule failed): a person must decide.
    NeedsReview,
}

impl Verdict {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Eligible => "eligible",
            Verdict::NotEligible => "not_eligible",
            Verdict::InsufficientData => "insufficient_data",
            Verdict::NeedsReview => "needs_review",
        }
    }

    /// A verdict from its wire name.
    pub fn parse(s: &str) -> Option<Verdict> {
        Some(match s {
            "eligible" => Verdict::Eligible,
            "not_eligible" => Verdict::NotEligible,
            "insufficient_data" => Verdict::InsufficientData,
            "needs_review" => Verdict::NeedsReview,
            _ => return None,
        })
    }
}

/// A value a rule used: an input field or a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UsedValue {
    /// Field or parameter name.
    pub name: SharedStr,
    /// Its value as text (`null` when absent).
    pub value: SharedStr,
    /// Unit, for thresholds.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub unit: SharedStr,
    /// Clause the threshold comes from, for thresholds.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub clause: SharedStr,
}

/// One clause's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClauseVerdict {
    /// Rule id, e.g. `eu.2021_2139.7_2.sc`.
    pub rule: SharedStr,
    /// The clause of the source act.
    pub clause: SharedStr,
    /// What the rule checks, English.
    pub title_en: SharedStr,
    /// What the rule checks, Chinese.
    pub title_zh: SharedStr,
    /// The answer.
    pub verdict: Verdict,
    /// Why, in English.
    pub reason_en: String,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Fields that were missing, when the answer is `insufficient_data`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The inputs the rule declares, with the values it saw.
    pub inputs: Vec<UsedValue>,
    /// The thresholds the rule declares, with their values at the assessment date.
    pub thresholds: Vec<UsedValue>,
    /// How well the clause's text was verified (V, P, R or U).
    pub verification: SharedStr,
    /// Set when the rule failed to run; the verdict is then `needs_review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One taxonomy's answer for a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackVerdict {
    /// Pack id.
    pub pack: SharedStr,
    /// Pack version.
    pub version: SharedStr,
    /// `sha256:` of the pack's files, so a result names exactly the rules it ran.
    pub content_hash: SharedStr,
    /// Taxonomy key: `cn`, `eu`, `cbi`, `cgt`, `icma`.
    pub taxonomy: SharedStr,
    /// The overall answer: every applicable clause must be eligible.
    pub verdict: Verdict,
    /// Why, in English.
    pub reason_en: String,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// The clauses that applied to the project's activity.
    pub clauses: Vec<ClauseVerdict>,
}

/// Where two taxonomies disagree on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Disagreement {
    /// The two taxonomies, e.g. `eu` and `cn`.
    pub taxonomies: [String; 2],
    /// Their verdicts.
    pub verdicts: [Verdict; 2],
    /// Why, in English: each side's reason.
    pub explanation_en: String,
    /// Why, in Chinese.
    pub explanation_zh: String,
}

/// Every taxonomy's answer for one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Eligibility {
    /// The date time-limited criteria were evaluated at.
    pub assessment_date: String,
    /// One entry per pack, in pack order.
    pub taxonomies: Vec<PackVerdict>,
    /// Where the EU Taxonomy and China's Catalogue give different verdicts, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<Disagreement>,
}
