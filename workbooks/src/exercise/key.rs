//! Computing a question's key, or a mistake's value, with the engine.

use std::str::FromStr;

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{EligibilityJudge, appraise_json};
use greenlight_core::calc::{CalcRequest, evaluate};
use greenlight_core::registry::Registry;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalogue::{Exercise, Mistake, Patch, Question};
use crate::Error;

/// How the engine computes a key. Exactly one source: `project` (appraised as a batch, with
/// eligibility; read by `pointer`, `sum` or `taxonomy`) or `calc` (a calculator request; read
/// by `pointer`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The project file, appraised as a batch (one project, an array or `{"projects": …}`).
    #[serde(default)]
    pub project: Option<String>,
    /// A calculator request, as `greenlight calc --batch` reads it.
    #[serde(default)]
    pub calc: Option<toml::Value>,
    /// Changes to the project before appraisal.
    #[serde(default)]
    pub patch: Vec<Patch>,
    /// JSON pointer into the batch output (`/results/0/appraisal/financial/npv`) or the
    /// calculator result (`/roots/0`).
    #[serde(default)]
    pub pointer: Option<String>,
    /// Signed pointers added up: `"+/a"`, `"-/b"`.
    #[serde(default)]
    pub sum: Option<Vec<String>>,
    /// With `pointer`: the length of the array there rather than its value.
    #[serde(default)]
    pub count: bool,
    /// The first project's verdict under this taxonomy (`cn`, `eu`, …).
    #[serde(default)]
    pub taxonomy: Option<String>,
}

/// A computed key: a number or a word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum KeyValue {
    /// A figure at full precision.
    Number(Decimal),
    /// A verdict (`eligible`, `not_eligible`, …) or a project id.
    Text(String),
}

impl std::fmt::Display for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyValue::Number(d) => write!(f, "{d}"),
            KeyValue::Text(t) => write!(f, "{t}"),
        }
    }
}

/// One question's key.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct KeyAnswer {
    /// Question id.
    pub id: String,
    /// The key.
    pub value: KeyValue,
    /// Unit.
    pub unit: String,
}

/// Every question's key, in order.
pub fn key(
    exercise: &Exercise,
    registry: &Registry,
    judge: &dyn EligibilityJudge,
) -> Result<Vec<KeyAnswer>, Error> {
    exercise
        .questions
        .iter()
        .map(|q| {
            Ok(KeyAnswer {
                id: q.id.clone(),
                value: compute(exercise, q, &q.key, registry, judge)?,
                unit: q.unit.clone(),
            })
        })
        .collect()
}

/// The value a mistake gives for its question: the key's computation with the mistake's changes.
pub fn mistaken_value(
    exercise: &Exercise,
    question: &Question,
    mistake: &Mistake,
    registry: &Registry,
    judge: &dyn EligibilityJudge,
) -> Result<KeyValue, Error> {
    let mut spec = question.key.clone();
    spec.patch.extend(mistake.patch.iter().cloned());
    if let Some(p) = &mistake.pointer {
        spec.pointer = Some(p.clone());
        spec.sum = None;
    }
    if let Some(s) = &mistake.sum {
        spec.sum = Some(s.clone());
        spec.pointer = None;
    }
    if let Some(c) = &mistake.calc {
        spec.calc = Some(c.clone());
    }
    if let Some(t) = &mistake.taxonomy {
        spec.taxonomy = Some(t.clone());
    }
    compute(exercise, question, &spec, registry, judge)
}

fn compute(
    exercise: &Exercise,
    question: &Question,
    spec: &KeySpec,
    registry: &Registry,
    judge: &dyn EligibilityJudge,
) -> Result<KeyValue, Error> {
    let at = format!("{}/exercise.toml", exercise.folder);
    let fail = |msg: String| {
        Error::new(
            "invalid_exercise",
            format!("question {}: {msg}", question.id),
        )
        .at(&at)
    };
    let output: Value = if let Some(calc) = &spec.calc {
        let request: CalcRequest = serde_json::to_value(calc)
            .and_then(serde_json::from_value)
            .map_err(|e| fail(format!("calculator request: {e}")))?;
        let result = evaluate(&request).map_err(|e| fail(format!("calculator: {e}")))?;
        serde_json::to_value(result).map_err(|e| fail(e.to_string()))?
    } else if let Some(file) = &spec.project {
        let doc = patched(exercise, file, &spec.patch).map_err(fail)?;
        let out = appraise_json(
            doc,
            registry,
            &AppraisalOptions { trace: false },
            Some(judge),
        )
        .map_err(|e| fail(format!("{}: {}", e.pointer, e.message)))?;
        if let Some(bad) = out.results.iter().find(|r| !r.errors.is_empty()) {
            let e = &bad.errors[0];
            return Err(fail(format!("{file}{}: {}", e.pointer, e.message)));
        }
        serde_json::to_value(out).map_err(|e| fail(e.to_string()))?
    } else {
        return Err(fail(
            "the key names neither a project nor a calculation".into(),
        ));
    };
    if let Some(taxonomy) = &spec.taxonomy {
        let verdict = output
            .pointer("/results/0/eligibility/taxonomies")
            .and_then(Value::as_array)
            .and_then(|ts| {
                ts.iter()
                    .find(|t| t.get("taxonomy").and_then(Value::as_str) == Some(taxonomy))
            })
            .and_then(|t| t.get("verdict"))
            .and_then(Value::as_str)
            .ok_or_else(|| fail(format!("no verdict under taxonomy {taxonomy:?}")))?;
        return Ok(KeyValue::Text(verdict.to_owned()));
    }
    if let Some(terms) = &spec.sum {
        let mut total = Decimal::ZERO;
        for term in terms {
            let (sign, pointer) = match term.split_at_checked(1) {
                Some(("+", p)) => (Decimal::ONE, p),
                Some(("-", p)) => (Decimal::NEGATIVE_ONE, p),
                _ => return Err(fail(format!("sum term {term:?} must start with + or -"))),
            };
            match read(&output, pointer).map_err(&fail)? {
                KeyValue::Number(d) => total += sign * d,
                KeyValue::Text(_) => return Err(fail(format!("{pointer} is not a number"))),
            }
        }
        return Ok(KeyValue::Number(total));
    }
    let pointer = spec
        .pointer
        .as_deref()
        .ok_or_else(|| fail("the key has no pointer, sum or taxonomy".into()))?;
    if spec.count {
        let n = output
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(Vec::len)
            .ok_or_else(|| fail(format!("{pointer} is not a list")))?;
        return Ok(KeyValue::Number(Decimal::from(n)));
    }
    read(&output, pointer).map_err(fail)
}

fn read(output: &Value, pointer: &str) -> Result<KeyValue, String> {
    match output.pointer(pointer) {
        Some(Value::String(s)) => Ok(Decimal::from_str(s)
            .map(KeyValue::Number)
            .unwrap_or_else(|_| KeyValue::Text(s.clone()))),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string())
            .map(KeyValue::Number)
            .map_err(|e| format!("{pointer}: {e}")),
        Some(Value::Bool(b)) => Ok(KeyValue::Text(b.to_string())),
        Some(_) => Err(format!("{pointer} is not a figure")),
        None => Err(format!("nothing at {pointer} in the output")),
    }
}

/// The project file with the changes applied.
fn patched(exercise: &Exercise, file: &str, patches: &[Patch]) -> Result<Value, String> {
    let text = exercise
        .files
        .get(file)
        .ok_or_else(|| format!("no project file {file:?}"))?;
    let mut doc: Value =
        serde_json::from_str(text).map_err(|e| format!("{file} is not JSON: {e}"))?;
    for p in patches {
        if p.file.as_deref().is_some_and(|f| f != file) {
            continue;
        }
        let (parent, last) = p
            .pointer
            .rsplit_once('/')
            .ok_or_else(|| format!("patch pointer {:?} must start with /", p.pointer))?;
        let last = last.replace("~1", "/").replace("~0", "~");
        let target = doc
            .pointer_mut(parent)
            .ok_or_else(|| format!("patch: nothing at {parent} in {file}"))?;
        let value = match &p.value {
            Some(v) => Some(serde_json::to_value(v).map_err(|e| e.to_string())?),
            None => None,
        };
        match (target, value) {
            (Value::Object(map), Some(v)) => {
                map.insert(last, v);
            }
            (Value::Object(map), None) => {
                map.remove(&last);
            }
            (Value::Array(items), v) => {
                let i: usize = last
                    .parse()
                    .map_err(|_| format!("patch: {last:?} is not an index"))?;
                if i >= items.len() {
                    return Err(format!("patch: no element {i} at {parent}"));
                }
                match v {
                    Some(v) => items[i] = v,
                    None => {
                        items.remove(i);
                    }
                }
            }
            _ => return Err(format!("patch: {parent} is not an object or a list")),
        }
    }
    Ok(doc)
}
