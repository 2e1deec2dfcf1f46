//! The request and answer types of the API that are not already part of the core contract
//! (`AppraisalOutput`, `CalcRequest`, `CalcResult`, `DataSet`, `Eligibility` come from
//! `greenlight-core`). They derive `JsonSchema`, so the OpenAPI document describes them.

use greenlight_core::batch::{AppraisalOutput, BatchSettings, InputError};
use greenlight_core::calc::CalcRequest;
use greenlight_core::eligibility::Eligibility;
use greenlight_core::project::ProjectInput;
use greenlight_rules::pack::Pack;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A batch of projects to appraise.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppraisalRequest {
    /// Settings of the whole batch: defaults merged under every project, the taxonomies to
    /// report. Read by the engine, so a problem is located under `/settings`.
    #[serde(default)]
    #[schemars(with = "Option<BatchSettings>")]
    pub settings: Option<Map<String, Value>>,
    /// The projects. Each is read and appraised on its own: a bad project gets its own
    /// errors (with JSON pointers into this request) and the others are still appraised.
    #[schemars(with = "Vec<ProjectInput>")]
    pub projects: Vec<Value>,
}

/// Query parameters of `POST /v1/appraisals`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppraisalQuery {
    /// Include the working behind every figure (the trace), step by step.
    #[serde(default)]
    pub explain: bool,
    /// Language of the results workbook; without it, `Accept-Language` decides (`zh…` gives
    /// Chinese, anything else English).
    #[serde(default)]
    pub lang: Option<ApiLang>,
}

/// A language of the results workbook and the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiLang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

/// Projects whose green-bond eligibility is wanted.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRequest {
    /// The projects, as for an appraisal (eligibility reads appraised figures too).
    #[schemars(with = "Vec<ProjectInput>")]
    pub projects: Vec<Value>,
}

/// Eligibility per project, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EligibilityOutput {
    /// One entry per project.
    pub results: Vec<EligibilityOutcome>,
}

/// One project's verdicts, or why it could not be judged.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EligibilityOutcome {
    /// Position in the input, from 0.
    pub index: usize,
    /// The project id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every taxonomy's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<Eligibility>,
    /// What is wrong with the project, each with its JSON pointer into the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InputError>,
}

/// The arguments of a calculator function: the `CalcRequest` of that function, whose `fn`
/// may be left out (the path names the function).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct CalcArguments(#[schemars(with = "CalcRequest")] pub Map<String, Value>);

/// Path of `/v1/calc/{fn}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CalcPath {
    /// The function: npv, irr, mirr, xnpv, xirr, pmt, pv, fv, rate, payback.
    #[serde(rename = "fn")]
    pub function: String,
}

/// Path of an item by id.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct IdPath {
    /// The id, as the list shows it.
    pub id: String,
}

/// Path of `/v1/templates/{lang}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LangPath {
    /// `en` or `zh`.
    pub lang: String,
}

/// Query of `GET /v1/templates/{lang}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// How projects are laid out.
    #[serde(default)]
    pub layout: TemplateLayout,
}

/// How projects are laid out in the template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateLayout {
    /// One row per project, with sheets for cash flows, quantities, evidence and details.
    #[default]
    Portfolio,
    /// One sheet per project.
    Form,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: String,
    /// Engine version.
    pub version: String,
}

/// A loaded rule pack, as `greenlight rules list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RulePackSummary {
    /// Stable id, e.g. `eu-taxonomy-2021-2139`.
    pub id: String,
    /// English name.
    pub name_en: String,
    /// Chinese name.
    pub name_zh: String,
    /// Semantic version of the pack.
    pub version: String,
    /// `cn`, `eu`, `cbi`, `cgt` or `icma`.
    pub taxonomy: String,
    /// The act or standard the rules encode.
    pub source_act: String,
    /// Its edition.
    pub edition: String,
    /// First day the pack applies (`YYYY-MM-DD`).
    pub effective_from: String,
    /// Last day, if any.
    pub effective_until: Option<String>,
    /// How the pack's criteria were checked against the source.
    pub verification: String,
    /// Number of rules.
    pub rule_count: usize,
    /// `sha256:` of every file of the pack.
    pub content_hash: String,
    /// `embedded`, or the folder it was loaded from.
    pub origin: String,
}

/// A rule pack with its parameters and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RulePackDetail {
    /// The pack.
    #[serde(flatten)]
    pub pack: RulePackSummary,
    /// Every threshold with legal meaning, in file order.
    pub parameters: Vec<RuleParameter>,
    /// Every rule, in file order.
    pub rules: Vec<RuleSummary>,
}

/// One parameter of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RuleParameter {
    /// Name the rules read it by.
    pub name: String,
    /// A number, as a decimal string.
    pub value: Option<String>,
    /// A code or label.
    pub text: Option<String>,
    /// A list of codes.
    pub list: Option<Vec<String>>,
    /// Unit of `value`.
    pub unit: String,
    /// The clause giving it legal meaning.
    pub clause: String,
    /// First day this value applies, inclusive.
    pub effective_from: Option<String>,
    /// Last day it applies, inclusive.
    pub effective_until: Option<String>,
    /// Verification mark: V, P, R or U.
    pub verification: String,
    /// Where it is written.
    pub source: String,
}

/// One rule of a pack, from its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RuleSummary {
    /// Rule id.
    pub id: String,
    /// English title.
    pub title_en: String,
    /// Chinese title.
    pub title_zh: String,
    /// The clause it encodes.
    pub clause: String,
    /// Activities it applies to.
    pub activities: Vec<String>,
    /// Record fields it reads.
    pub inputs: Vec<String>,
    /// Parameters it reads.
    pub parameters: Vec<String>,
    /// Verification mark.
    pub verification: String,
    /// Where the criterion is written.
    pub source: String,
}

impl RulePackSummary {
    /// The summary of a loaded pack.
    pub fn of(p: &Pack) -> Self {
        let m = &p.meta;
        RulePackSummary {
            id: m.id.clone(),
            name_en: m.name_en.clone(),
            name_zh: m.name_zh.clone(),
            version: m.version.clone(),
            taxonomy: m.taxonomy.clone(),
            source_act: m.source_act.clone(),
            edition: m.edition.clone(),
            effective_from: m.effective_from.clone(),
            effective_until: m.effective_until.clone(),
            verification: m.verification.clone(),
            rule_count: p.rules.len(),
            content_hash: p.content_hash.clone(),
            origin: p.origin.clone(),
        }
    }
}

impl RulePackDetail {
    /// The whole description of a loaded pack.
    pub fn of(p: &Pack) -> Self {
        RulePackDetail {
            pack: RulePackSummary::of(p),
            parameters: p
                .parameters
                .iter()
                .map(|q| RuleParameter {
                    name: q.name.clone(),
                    value: q.value.clone(),
                    text: q.text.clone(),
                    list: q.list.clone(),
                    unit: q.unit.clone(),
                    clause: q.clause.clone(),
                    effective_from: q.effective_from.clone(),
                    effective_until: q.effective_until.clone(),
                    verification: q.verification.clone(),
                    source: q.source.clone(),
                })
                .collect(),
            rules: p
                .rules
                .iter()
                .map(|r| {
                    let h = &r.header;
                    RuleSummary {
                        id: h.id.clone(),
                        title_en: h.title_en.clone(),
                        title_zh: h.title_zh.clone(),
                        clause: h.clause.clone(),
                        activities: h.activities.clone(),
                        inputs: h.inputs.clone(),
                        parameters: h.parameters.clone(),
                        verification: h.verification.clone(),
                        source: h.source.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// The answer of `POST /v1/appraisals` as JSON: the appraisal output (the CLI's
/// `--format json`), plus, for a workbook upload, the cell problems that kept projects out.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AppraisalReport {
    /// Results per project, and the MAC curve.
    #[serde(flatten)]
    pub output: AppraisalOutput,
    /// Problems found while reading an uploaded workbook, each with its sheet and cell; the
    /// projects they concern are left out of `results` and named here. Absent for JSON input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<WorkbookProblem>,
}

/// A problem in an uploaded workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WorkbookProblem {
    /// Machine code, e.g. `expected_number`, `project_rejected`.
    pub code: String,
    /// `Sheet!A1`, a sheet, or null for the whole file.
    pub location: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl WorkbookProblem {
    /// The problem as the workbook reader reported it.
    pub fn of(e: &greenlight_workbooks::Error) -> Self {
        WorkbookProblem {
            code: e.code.to_owned(),
            location: (!e.location.is_empty()).then(|| e.location.clone()),
            message: e.message.clone(),
        }
    }
}

/// A trainee's answers to an exercise, as a course platform posts them to
/// `POST /v1/exercises/{id}/check`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseCheckRequest {
    /// The exercise answered, id or number, as in the CLI's answer file; optional, and when
    /// given it must name the exercise of the path.
    #[serde(default)]
    #[schemars(with = "Option<ExerciseSelector>")]
    pub exercise: Option<Value>,
    /// One entry per question id (`q1`, `q2`, …): a number, a number typed as text
    /// (`"79031.45"`, `"8.2%"`), a word (`"eligible"`, a project id) or null for no answer.
    /// An answer is located at `/answers/<id>` in the report and in errors.
    pub answers: Map<String, Value>,
}

/// Query of `GET /v1/exercises/{id}/workbook`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseWorkbookQuery {
    /// Language of the workbook; English when left out.
    #[serde(default)]
    pub lang: Option<ApiLang>,
}

/// Query of `POST /v1/exercises/{id}/check`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseCheckQuery {
    /// Show the key of every question, answered right or not. Off by default: a trainee
    /// learns which answers are wrong, the mistake each matches and the step to revisit, and
    /// keeps working; the course platform decides when keys are shown.
    #[serde(default)]
    pub reveal_keys: bool,
}

/// An exercise named by id (`lifecycle-pumps`) or number (`3`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ExerciseSelector {
    /// The exercise id.
    Id(String),
    /// The exercise number.
    Number(u32),
}
