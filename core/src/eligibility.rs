//! Green-bond eligibility verdicts: per clause and per taxonomy, with the thresholds and inputs
//! used and the reason in English and Chinese. The rule engine lives in `greenlight-rules`; these
//! are its results, part of the appraisal contract.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    pub name: String,
    /// Its value as text (`null` when absent).
    pub value: String,
    /// Unit, for thresholds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// Clause the threshold comes from, for thresholds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub clause: String,
}

/// One clause's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClauseVerdict {
    /// Rule id, e.g. `eu.2021_2139.7_2.sc`.
    pub rule: String,
    /// The clause of the source act.
    pub clause: String,
    /// What the rule checks, English.
    pub title_en: String,
    /// What the rule checks, Chinese.
    pub title_zh: String,
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
    pub verification: String,
    /// Set when the rule failed to run; the verdict is then `needs_review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One taxonomy's answer for a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackVerdict {
    /// Pack id.
    pub pack: String,
    /// Pack version.
    pub version: String,
    /// `sha256:` of the pack's files, so a result names exactly the rules it ran.
    pub content_hash: String,
    /// Taxonomy key: `cn`, `eu`, `cbi`, `cgt`, `icma`.
    pub taxonomy: String,
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
