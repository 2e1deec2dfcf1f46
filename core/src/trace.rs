//! The working behind every reported figure: formula, inputs with units and sources, result,
//! in English and Chinese. Both languages are carried in every result, so the JSON of an
//! appraisal does not depend on the language asked for; renderers pick one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A text in English and Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Text {
    /// English.
    pub en: String,
    /// 简体中文.
    pub zh: String,
}

impl Text {
    /// A text from its two languages.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Text {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

/// One step of a worked solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TraceStep {
    /// Which figure this explains, e.g. `financial.npv`.
    pub id: String,
    /// What the figure is.
    pub title: Text,
    /// The formula applied, in plain notation.
    pub formula: String,
    /// The inputs, with units and sources.
    pub inputs: Vec<TraceInput>,
    /// The result at full precision.
    pub result: String,
    /// The unit of the result.
    pub unit: String,
    /// A remark on conventions or on why there is no figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

impl TraceStep {
    /// A placeholder for a step whose working was not asked for.
    pub fn untraced(id: &str) -> Self {
        TraceStep {
            id: id.to_owned(),
            title: Text::new("", ""),
            formula: String::new(),
            inputs: Vec::new(),
            result: String::new(),
            unit: String::new(),
            note: None,
        }
    }
}

/// One input of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TraceInput {
    /// Name or symbol.
    pub name: String,
    /// Value at full precision (a list is summarised, the yearly table holds the detail).
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Where it came from: `input:/json/pointer`, `computed:<step id>`, or a data-set id.
    pub source: String,
}

impl TraceInput {
    /// An input with its name, value, unit and source.
    pub fn new(name: &str, value: impl ToString, unit: &str, source: impl Into<String>) -> Self {
        TraceInput {
            name: name.to_owned(),
            value: value.to_string(),
            unit: unit.to_owned(),
            source: source.into(),
        }
    }
}
