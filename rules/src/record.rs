//! The record a rule reads: the project's identity, its evidence fields and the figures the
//! appraisal computed, as typed values; `null` (absent) drives `insufficient_data`.

use std::collections::BTreeMap;

use greenlight_core::appraisal::{Appraisal, Figure};
use greenlight_core::decimal_text::DecimalText;
use greenlight_core::project::{EvidenceValue, ProjectInput};
use rhai::{Dynamic, ImmutableString, Map};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One value in a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// Yes / no.
    Bool(bool),
    /// A number, exact.
    Number(Decimal),
    /// A code or label (dates as `YYYY-MM-DD`).
    Text(String),
}

impl FieldValue {
    pub fn to_dynamic(&self) -> Dynamic {
        match self {
            FieldValue::Bool(b) => Dynamic::from_bool(*b),
            FieldValue::Number(d) => Dynamic::from_decimal(*d),
            // Straight into the script's string type, without an intermediate copy.
            FieldValue::Text(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        }
    }

    /// The value as text, for reports.
    pub fn display(&self) -> String {
        match self {
            FieldValue::Bool(b) => b.to_string(),
            // `Display`'s text, formed without a division per digit (`DecimalText`).
            FieldValue::Number(d) => DecimalText::of(&d.normalize()).as_str().to_owned(),
            FieldValue::Text(s) => s.clone(),
        }
    }

    /// [`FieldValue::display`] as a shared text; yes/no without allocating.
    pub fn shared_display(&self) -> crate::verdict::SharedStr {
        use crate::verdict::SharedStr;
        match self {
            FieldValue::Bool(true) => SharedStr::fixed("true"),
            FieldValue::Bool(false) => SharedStr::fixed("false"),
            FieldValue::Text(s) => s.as_str().into(),
            FieldValue::Number(_) => self.display().into(),
        }
    }
}

/// A project as the rules see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Record {
    /// Fields by name.
    pub fields: BTreeMap<String, FieldValue>,
}

impl Record {
    /// Sets a field.
    pub fn set(&mut self, name: &str, value: FieldValue) {
        self.fields.insert(name.to_owned(), value);
    }

    /// The record as a Rhai map (decimals stay decimals: a string "0" never meets a number).
    pub(crate) fn to_map(&self) -> Map {
        self.fields
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.to_dynamic()))
            .collect()
    }

    /// The project's record: identity, evidence, and (when given) computed figures —
    /// `abatement_tco2e_lifetime`, `abatement_tco2e_per_year` (typical year),
    /// `emission_reduction_pct` (typical year, relative to baseline), `npv`, `irr`, and every
    /// ICMA indicator by its key. Evidence wins over a computed figure of the same name.
    pub fn of(input: &ProjectInput, appraisal: Option<&Appraisal>) -> Record {
        let mut r = Record::default();
        let text = |s: &str| FieldValue::Text(s.to_owned());
        r.set("id", text(&input.id));
        r.set("activity", text(&input.activity));
        r.set(
            "sector",
            FieldValue::Text(
                serde_json::to_value(input.sector)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
        );
        for (name, v) in [
            ("country", &input.country),
            ("city", &input.city),
            ("region", &input.region),
        ] {
            if let Some(v) = v {
                r.set(name, text(v));
            }
        }
        if let Some(a) = appraisal {
            r.set("npv", FieldValue::Number(a.financial.npv));
            if let Some(irr) = a.financial.irr.selected {
                r.set("irr", FieldValue::Number(irr));
            }
            if let Some(e) = &a.emissions {
                r.set(
                    "abatement_tco2e_lifetime",
                    FieldValue::Number(e.lifetime.abatement),
                );
                r.set(
                    "abatement_tco2e_per_year",
                    FieldValue::Number(-e.typical_year.relative),
                );
                if e.typical_year.baseline > Decimal::ZERO {
                    let pct =
                        -e.typical_year.relative / e.typical_year.baseline * Decimal::ONE_HUNDRED;
                    r.set("emission_reduction_pct", FieldValue::Number(pct));
                }
                for ind in &e.indicators {
                    r.set(&ind.key, FieldValue::Number(ind.value));
                }
                if let Figure::Value(c) = &e.cost_per_tonne {
                    r.set("cost_per_tco2e", FieldValue::Number(c.cost_per_t));
                }
            }
        }
        for (name, v) in &input.evidence {
            let value = match v {
                EvidenceValue::Bool(b) => FieldValue::Bool(*b),
                EvidenceValue::Number(d) => FieldValue::Number(*d),
                EvidenceValue::Text(s) => FieldValue::Text(s.clone()),
            };
            r.set(name, value);
        }
        r
    }
}

/// A record with fields laid over it (the assessment date, earlier packs' verdicts): what one
/// evaluation reads, without copying the caller's record.
#[derive(Debug, Clone)]
pub(crate) struct RecordView<'a> {
    base: &'a Record,
    /// Fields set over the base, newest last; an entry hides the base's field of its name
    /// and any earlier entry of that name, as `Record::set` would replace them.
    over: Vec<(String, FieldValue)>,
}

impl<'a> RecordView<'a> {
    /// The record as it is.
    pub(crate) fn new(base: &'a Record) -> Self {
        RecordView {
            base,
            over: Vec::new(),
        }
    }

    /// Sets a field over the record.
    pub(crate) fn set(&mut self, name: &str, value: FieldValue) {
        self.over.push((name.to_owned(), value));
    }

    /// A field's value, as set last.
    pub(crate) fn get(&self, name: &str) -> Option<&FieldValue> {
        self.over
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .or_else(|| self.base.fields.get(name))
    }

    /// The record with its fields set over it, as a Rhai map.
    pub(crate) fn to_map(&self) -> Map {
        let mut map = self.base.to_map();
        for (name, value) in &self.over {
            map.insert(name.as_str().into(), value.to_dynamic());
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number's display is `Display`'s text of its normalised value.
    #[test]
    fn number_display_is_the_normalised_display_text() {
        for text in [
            "0",
            "0.000",
            "-0.0",
            "1.500",
            "-2.25",
            "100",
            "1e3",
            "0.0001000",
            "12345678901234567890.1200",
            "79228162514264337593543950335",
            "-0.0000000000000000000000000010",
        ] {
            let d: Decimal = text
                .parse()
                .or_else(|_| Decimal::from_scientific(text))
                .unwrap();
            assert_eq!(
                FieldValue::Number(d).display(),
                d.normalize().to_string(),
                "{text}"
            );
        }
    }
}
