//! Graded exercises for trainees: a catalogue of exercises embedded from `exercises/`, their
//! answer keys computed by the engine, and the grader that compares a trainee's answers with
//! the key and names the common mistake a wrong answer matches.
//!
//! A key is never typed in: each question says how the engine computes it (a JSON pointer into
//! the appraisal output of a project file, a calculator request, or a taxonomy's verdict). Each
//! named mistake is the same computation on a modified input or with another figure, so a
//! diagnosis is the engine's answer to the mistaken question, not a guess.

mod catalogue;
mod grade;
mod key;
mod workbook;

pub use catalogue::{Exercise, MISTAKE_NAMES, Mistake, Patch, Question, Tolerance, mistake_name};
pub use grade::{
    Answer, AnswerValue, Mistaken, QuestionResult, Report, Status, answers_from_json, check,
};
pub use key::{KeyAnswer, KeySpec, KeyValue, key, mistaken_value};
pub use workbook::{ANSWERS_SHEET, INPUTS_SHEET, answer_workbook, answers_from_sheet, inputs_rows};

use crate::Error;

/// What a course platform shows of an exercise: everything but the key and the mistakes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct ExerciseSummary {
    /// Position in the catalogue, from 1.
    pub number: u32,
    /// Stable id.
    pub id: String,
    /// Sector.
    pub sector: String,
    /// Skills practised.
    pub skills: Vec<String>,
    /// Title, English and Chinese.
    pub title: greenlight_core::trace::Text,
    /// Brief, English and Chinese.
    pub brief: greenlight_core::trace::Text,
    /// The questions: id, text and unit.
    pub questions: Vec<QuestionSummary>,
}

/// A question as shown to the trainee.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct QuestionSummary {
    /// Id, as in the answer workbook.
    pub id: String,
    /// The question, English and Chinese.
    pub text: greenlight_core::trace::Text,
    /// Unit of the answer.
    pub unit: String,
}

impl Exercise {
    /// The exercise without its key: for `GET /v1/exercises` and `GET /v1/exercises/{id}`.
    pub fn summary(&self) -> ExerciseSummary {
        ExerciseSummary {
            number: self.number,
            id: self.id.clone(),
            sector: self.sector.clone(),
            skills: self.skills.clone(),
            title: self.title.clone(),
            brief: self.brief.clone(),
            questions: self
                .questions
                .iter()
                .map(|q| QuestionSummary {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    unit: q.unit.clone(),
                })
                .collect(),
        }
    }
}

/// Every shipped exercise, in catalogue order (by number).
pub fn catalogue() -> Result<Vec<Exercise>, Error> {
    catalogue::load_embedded()
}

/// The exercise with this number (`3`) or id (`payback`).
pub fn find(selector: &str) -> Result<Exercise, Error> {
    let all = catalogue()?;
    let wanted = selector.trim();
    all.into_iter()
        .find(|e| e.id == wanted || wanted.parse::<u32>().is_ok_and(|n| n == e.number))
        .ok_or_else(|| {
            Error::new(
                "unknown_exercise",
                format!("no exercise numbered or named {wanted:?}; `greenlight exercise list` shows them"),
            )
        })
}

/// Grades a JSON answer document `{"exercise": "npv-led", "answers": {"q1": 0.84, …}}`; the
/// `exercise` argument, when given, wins over the document's. This is what
/// `POST /v1/exercises/{id}/check` with a JSON body calls.
pub fn check_json_text(
    text: &str,
    exercise: Option<&str>,
    registry: &greenlight_core::registry::Registry,
    judge: &dyn greenlight_core::batch::EligibilityJudge,
) -> Result<Report, Error> {
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::new("invalid_json", format!("not valid JSON: {e}")))?;
    let selector = match exercise {
        Some(s) => s.to_owned(),
        None => doc
            .get("exercise")
            .and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| {
                Error::new(
                    "missing_exercise",
                    "the document does not say which exercise it answers",
                )
                .at("/exercise")
            })?,
    };
    let ex = find(&selector)?;
    let answers = answers_from_json(&doc)?;
    check(&ex, &answers, registry, judge)
}

/// Grades an answer workbook: the `Answers` sheet (`id | question | value | unit`) read through
/// the safe reader; the exercise is `exercise` or else the id in `Inputs!B1`. This is what
/// `POST /v1/exercises/{id}/check` with an xlsx upload calls.
pub fn check_workbook(
    bytes: &[u8],
    exercise: Option<&str>,
    registry: &greenlight_core::registry::Registry,
    judge: &dyn greenlight_core::batch::EligibilityJudge,
) -> Result<Report, Error> {
    let (inputs_b1, sheet) = workbook::read_answer_sheets(bytes)?;
    let selector = match (exercise, inputs_b1) {
        (Some(s), _) => s.to_owned(),
        (None, Some(id)) => id,
        (None, None) => {
            return Err(Error::new(
                "missing_exercise",
                "the workbook does not say which exercise it answers; name it with --exercise",
            )
            .at(format!("{INPUTS_SHEET}!B1")));
        }
    };
    let ex = find(&selector)?;
    let answers = answers_from_sheet(&sheet)?;
    check(&ex, &answers, registry, judge)
}
