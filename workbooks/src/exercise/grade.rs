//! Grading: each answer against the key within the question's tolerance, and a wrong answer
//! against each of the question's mistakes.

use std::collections::BTreeMap;
use std::str::FromStr;

use greenlight_core::batch::EligibilityJudge;
use greenlight_core::registry::Registry;
use greenlight_core::trace::Text;
use rust_decimal::Decimal;
use serde::Serialize;

use super::catalogue::{Exercise, Question, mistake_name};
use super::key::{KeyValue, key, mistaken_value};
use crate::Error;

/// A trainee's answer to one question, as read from a cell or a JSON field.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Question id.
    pub id: String,
    /// The value.
    pub value: AnswerValue,
    /// Where the value was read, e.g. `Answers!C4` or `/answers/q2`.
    pub location: String,
    /// Where the question id was read, e.g. `Answers!A4` (the same as `location` in JSON).
    pub id_location: String,
}

/// What a cell or field held.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerValue {
    /// Nothing.
    Empty,
    /// A number, exactly as entered (a spreadsheet's number is read by its shortest decimal form).
    Number(Decimal),
    /// Text: a verdict or a project id, or a number typed as text (`"12.5"`, `"8.2%"`).
    Text(String),
}

/// How one question went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within tolerance of the key.
    Right,
    /// Outside tolerance.
    Wrong,
    /// No answer.
    Missing,
    /// An answer that cannot be read as the question's kind (text where a number is due).
    Unreadable,
}

/// A mistake a wrong answer matches.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Mistaken {
    /// Mistake id, e.g. `discounted_year0`.
    pub id: String,
    /// What the mistake is.
    pub name: Text,
    /// The step of the worked solution to revisit.
    pub step: Text,
    /// What the mistaken computation gives.
    pub value: KeyValue,
}

/// The grade of one question.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QuestionResult {
    /// Question id.
    pub id: String,
    /// Right, wrong, missing or unreadable.
    pub status: Status,
    /// Where the answer was read (empty when missing).
    pub location: String,
    /// The answer as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// The key; absent when the report was made with keys held back and the answer is not
    /// right (see [`Report::holding_keys_back`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<KeyValue>,
    /// Unit.
    pub unit: String,
    /// For a wrong answer, the common mistake it matches, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mistake: Option<Mistaken>,
}

/// The grade of a whole answer sheet.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// Exercise id.
    pub exercise: String,
    /// Exercise number.
    pub number: u32,
    /// Questions right.
    pub right: usize,
    /// Questions in the exercise.
    pub total: usize,
    /// One entry per question, in the exercise's order.
    pub questions: Vec<QuestionResult>,
}

impl Report {
    /// The report without the key of any question not answered right, for a grader whose
    /// trainees should find the answer themselves; the status, the mistake named and the step
    /// to revisit stay. A right answer shows its key, which the trainee already has.
    pub fn holding_keys_back(mut self) -> Self {
        for q in &mut self.questions {
            if q.status != Status::Right {
                q.expected = None;
            }
        }
        self
    }
}

/// Grades the answers. An answer to a question the exercise does not have, or two answers to
/// one question, reject the whole sheet (the error names both places); an empty or unreadable
/// answer is a result for that question.
pub fn check(
    exercise: &Exercise,
    answers: &[Answer],
    registry: &Registry,
    judge: &dyn EligibilityJudge,
) -> Result<Report, Error> {
    let mut by_id: BTreeMap<&str, &Answer> = BTreeMap::new();
    for a in answers {
        if exercise.question(&a.id).is_none() {
            return Err(Error::new(
                "unknown_question",
                format!(
                    "exercise {} has no question {:?} (its questions: {})",
                    exercise.id,
                    a.id,
                    exercise
                        .questions
                        .iter()
                        .map(|q| q.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .at(&a.id_location));
        }
        if let Some(first) = by_id.insert(&a.id, a) {
            return Err(Error::new(
                "duplicate_question",
                format!(
                    "question {:?} is answered twice, also at {}",
                    a.id, first.id_location
                ),
            )
            .at(&a.id_location));
        }
    }
    let keys = key(exercise, registry, judge)?;
    let mut results = Vec::with_capacity(keys.len());
    for (q, k) in exercise.questions.iter().zip(keys) {
        let answer = by_id.get(q.id.as_str()).copied();
        results.push(grade_one(exercise, q, k.value, answer, registry, judge)?);
    }
    Ok(Report {
        exercise: exercise.id.clone(),
        number: exercise.number,
        right: results.iter().filter(|r| r.status == Status::Right).count(),
        total: results.len(),
        questions: results,
    })
}

fn grade_one(
    exercise: &Exercise,
    q: &Question,
    expected: KeyValue,
    answer: Option<&Answer>,
    registry: &Registry,
    judge: &dyn EligibilityJudge,
) -> Result<QuestionResult, Error> {
    let mut result = QuestionResult {
        id: q.id.clone(),
        status: Status::Missing,
        location: answer.map(|a| a.location.clone()).unwrap_or_default(),
        given: None,
        expected: Some(expected.clone()),
        unit: q.unit.clone(),
        mistake: None,
    };
    let Some(answer) = answer else {
        return Ok(result);
    };
    result.given = match &answer.value {
        AnswerValue::Empty => None,
        AnswerValue::Number(d) => Some(d.to_string()),
        AnswerValue::Text(t) => Some(t.clone()),
    };
    let Some(given) = read_as(&answer.value, &expected) else {
        result.status = if answer.value == AnswerValue::Empty {
            Status::Missing
        } else {
            Status::Unreadable
        };
        return Ok(result);
    };
    if matches(q, &given, &expected) {
        result.status = Status::Right;
        return Ok(result);
    }
    result.status = Status::Wrong;
    // A unit slip is checked first: 10 for 0.10 is not a mistake of method.
    if q.unit == "fraction"
        && let (KeyValue::Number(g), KeyValue::Number(_)) = (&given, &expected)
        && let Some(scaled) = g.checked_div(Decimal::ONE_HUNDRED)
        && matches(q, &KeyValue::Number(scaled), &expected)
    {
        result.mistake = Some(Mistaken {
            id: "percent_for_fraction".into(),
            name: mistake_name("percent_for_fraction")
                .unwrap_or_else(|| Text::new("percent_for_fraction", "percent_for_fraction")),
            step: Text::new(
                "Units: write a rate as a fraction, e.g. 0.0485 for 4.85 % (or type 4.85%).",
                "单位：比率请以小数填写，如 4.85% 写作 0.0485（或直接输入 4.85%）。",
            ),
            value: KeyValue::Number(*g),
        });
        return Ok(result);
    }
    for m in &q.mistakes {
        let value = mistaken_value(exercise, q, m, registry, judge)?;
        if matches(q, &given, &value) {
            result.mistake = Some(Mistaken {
                id: m.id.clone(),
                name: mistake_name(&m.id).unwrap_or_else(|| Text::new(&m.id, &m.id)),
                step: m.step.clone(),
                value,
            });
            break;
        }
    }
    Ok(result)
}

/// The answer in the kind of the key: a number for a figure, a normalised word for a word;
/// `None` when it cannot be read so.
fn read_as(value: &AnswerValue, expected: &KeyValue) -> Option<KeyValue> {
    match (value, expected) {
        (AnswerValue::Empty, _) => None,
        (AnswerValue::Number(d), KeyValue::Number(_)) => Some(KeyValue::Number(*d)),
        (AnswerValue::Text(t), KeyValue::Number(_)) => parse_number(t).map(KeyValue::Number),
        (AnswerValue::Number(d), KeyValue::Text(_)) => Some(KeyValue::Text(d.to_string())),
        (AnswerValue::Text(t), KeyValue::Text(_)) => Some(KeyValue::Text(normalise_word(t))),
    }
}

/// A number typed as text: `1 234.5`, `1,234.5`, `8.2%` (a percentage is divided by 100).
fn parse_number(text: &str) -> Option<Decimal> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_'))
        .collect();
    if let Some(p) = t.strip_suffix('%') {
        return Decimal::from_str(p)
            .ok()
            .and_then(|d| d.checked_div(Decimal::ONE_HUNDRED));
    }
    Decimal::from_str(&t)
        .or_else(|_| Decimal::from_scientific(&t))
        .ok()
}

/// Verdicts in either language and with spaces or underscores become their wire names.
fn normalise_word(text: &str) -> String {
    let t = text.trim().to_lowercase().replace([' ', '-'], "_");
    match t.as_str() {
        "合格" | "符合" | "yes" => "eligible".into(),
        "不合格" | "不符合" | "no" => "not_eligible".into(),
        "数据不足" => "insufficient_data".into(),
        "需人工审核" => "needs_review".into(),
        _ => t,
    }
}

fn matches(q: &Question, given: &KeyValue, target: &KeyValue) -> bool {
    match (given, target) {
        (KeyValue::Number(g), KeyValue::Number(t)) => match q.tolerance {
            Some(tol) => tol.accepts(*g, *t),
            None => g == t,
        },
        (KeyValue::Text(g), KeyValue::Text(t)) => g.eq_ignore_ascii_case(t),
        _ => false,
    }
}

/// The answers of a JSON document `{"answers": {"q1": 0.84, "q2": "95214.58", "q3": null}}`
/// (the shape a course platform posts); each answer is placed at its JSON pointer.
pub fn answers_from_json(doc: &serde_json::Value) -> Result<Vec<Answer>, Error> {
    use serde_json::Value;
    let map = doc
        .get("answers")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Error::new(
                "invalid_answers",
                "expected an object {\"answers\": {\"<question id>\": <value>, …}}",
            )
            .at("/answers")
        })?;
    map.iter()
        .map(|(id, v)| {
            let location = format!("/answers/{}", id.replace('~', "~0").replace('/', "~1"));
            let value = match v {
                Value::Null => AnswerValue::Empty,
                Value::String(s) if s.trim().is_empty() => AnswerValue::Empty,
                Value::String(s) => AnswerValue::Text(s.clone()),
                Value::Number(n) => match Decimal::from_str(&n.to_string())
                    .or_else(|_| Decimal::from_scientific(&n.to_string()))
                {
                    Ok(d) => AnswerValue::Number(d),
                    Err(_) => AnswerValue::Text(n.to_string()),
                },
                Value::Bool(b) => AnswerValue::Text(b.to_string()),
                other => AnswerValue::Text(other.to_string()),
            };
            Ok(Answer {
                id: id.clone(),
                value,
                id_location: location.clone(),
                location,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_typed_as_text_are_read() {
        assert_eq!(parse_number("1,234.5"), Some(Decimal::new(12345, 1)));
        assert_eq!(parse_number(" 8.2% "), Some(Decimal::new(82, 3)));
        assert_eq!(parse_number("1e3"), Some(Decimal::new(1000, 0)));
        assert_eq!(parse_number("about ten"), None);
    }

    #[test]
    fn verdicts_are_read_in_either_language() {
        assert_eq!(normalise_word("Not eligible"), "not_eligible");
        assert_eq!(normalise_word("合格"), "eligible");
    }
}
