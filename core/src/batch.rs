//! Appraising a batch of projects from JSON: each project is read and appraised on its own,
//! so one bad project is reported with its reason and never stops the others. Shared by the
//! CLI and the HTTP service.
//!
//! A batch is one project, an array of projects, or `{"settings": {...}, "projects": [...]}`
//! where the optional [`BatchSettings`] hold portfolio defaults merged under every project
//! (the project's own values win) and the taxonomies to report.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::appraisal::{Appraisal, AppraisalOptions, FactorTables, Figure, appraise_with};
use crate::eligibility::Eligibility;
use crate::emissions::cost::{MacCurve, MacInput, MacRow, TonnesBasis, mac_curve};
use crate::project::ProjectInput;
use crate::registry::Registry;

/// The answer for a batch: one entry per input project, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AppraisalOutput {
    /// One entry per project.
    pub results: Vec<ProjectOutcome>,
    /// The marginal abatement cost curve of the projects that report emissions: bars sorted
    /// by levelised cost per tonne, width = lifetime tonnes abated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_curve: Option<MacCurve>,
}

/// The appraisal of one project, or why it could not be appraised.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ProjectOutcome {
    /// Position in the input, from 0.
    pub index: usize,
    /// The project id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The appraisal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appraisal: Option<Appraisal>,
    /// Green-bond eligibility under every loaded taxonomy, when a judge was supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<Eligibility>,
    /// What is wrong with the project, each with its JSON pointer into the input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InputError>,
}

/// Judges the eligibility of an appraised project; the rule engine implements it, so this
/// crate stays free of any scripting engine.
pub trait EligibilityJudge: Sync {
    /// Every taxonomy's verdict for the project.
    fn judge(&self, input: &ProjectInput, appraisal: &Appraisal) -> Eligibility;
}

/// One problem with the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InputError {
    /// Machine code: `invalid_json`, `invalid_request`, `invalid_argument`, `missing_argument`,
    /// `overflow`.
    pub code: String,
    /// JSON pointer into the input document.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Where the value came from when the document was read from a workbook
    /// (`CashFlows!D17`); absent for JSON input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Portfolio settings of a batch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    /// Fields of a project shared by the portfolio (e.g. `currency`, `price_base_year`,
    /// `finance`, `timeline.timing`), merged under every project: objects merge key by key,
    /// and any value the project gives itself, including an array, wins whole.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub defaults: serde_json::Map<String, Value>,
    /// The taxonomies to report, by key (`cn`, `eu`, `cbi`, `cgt`, `icma`) or pack id;
    /// absent means every loaded taxonomy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomies: Option<Vec<String>>,
}

/// `base` merged under `over`: objects key by key, recursively; anything else in `over`
/// replaces `base`.
pub fn merge_under(base: &Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(mut o)) => {
            for (k, bv) in b {
                // A key the project gives keeps its place and its key; only objects on both
                // sides need merging, anything else the project gives wins as it is.
                match o.get_mut(k) {
                    Some(ov) => {
                        if bv.is_object() && ov.is_object() {
                            let taken = ov.take();
                            *ov = merge_under(bv, taken);
                        }
                    }
                    None => {
                        o.insert(k.clone(), bv.clone());
                    }
                }
            }
            Value::Object(o)
        }
        (_, over) => over,
    }
}

/// Keeps only the named taxonomies (by key or pack id); disagreements are kept only when
/// both sides of them, China's Catalogue and the EU Taxonomy, are kept.
fn keep_taxonomies(e: &mut Eligibility, keep: &[String]) {
    let wanted = |key: &str, pack: &str| keep.iter().any(|k| k == key || k == pack);
    e.taxonomies.retain(|t| wanted(&t.taxonomy, &t.pack));
    let has = |key: &str| e.taxonomies.iter().any(|t| t.taxonomy == key);
    if !(has("cn") && has("eu")) {
        e.disagreements.clear();
    }
}

/// Appraises every project in a JSON text holding one project, an array of projects, or
/// `{"projects": [...]}`. Pointers are relative to that text. A text that is not JSON, or
/// whose `projects` is not an array, is an error of the whole batch.
pub fn appraise_json_text(
    text: &str,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
) -> Result<AppraisalOutput, InputError> {
    let value: Value = serde_json::from_str(text).map_err(|e| InputError {
        code: "invalid_json".into(),
        pointer: String::new(),
        message: format!("not valid JSON: {e}"),
        location: None,
    })?;
    appraise_json(value, registry, options, judge)
}

/// As [`appraise_json_text`], from parsed JSON.
pub fn appraise_json(
    value: Value,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
) -> Result<AppraisalOutput, InputError> {
    let mut settings = BatchSettings::default();
    let (items, base): (Vec<Value>, Option<&str>) = match value {
        Value::Array(items) => (items, Some("")),
        Value::Object(mut map) if map.contains_key("projects") => {
            if let Some(s) = map.remove("settings") {
                settings = parse_settings(&s)?;
            }
            if let Some(other) = map.keys().find(|k| *k != "projects") {
                return Err(InputError {
                    code: "invalid_request".into(),
                    pointer: format!("/{other}"),
                    message: format!(
                        "unknown field `{}` beside `projects`, expected `settings`",
                        crate::error::echo(other)
                    ),
                    location: None,
                });
            }
            match map.remove("projects") {
                Some(Value::Array(items)) => (items, Some("/projects")),
                _ => {
                    return Err(InputError {
                        code: "invalid_request".into(),
                        pointer: "/projects".into(),
                        message: "projects must be an array of project objects".into(),
                        location: None,
                    });
                }
            }
        }
        other => (vec![other], None),
    };
    let mut batch = BatchAppraiser::of(ProjectAppraiser::with_settings(
        settings, registry, options, judge,
    ));
    let results: Vec<ProjectOutcome> = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let prefix = base.map_or_else(String::new, |b| format!("{b}/{index}"));
            batch.appraise(item, &prefix)
        })
        .collect();
    let mac_curve = batch.finish()?;
    Ok(AppraisalOutput { results, mac_curve })
}

/// The projects of a request that is `{"projects": [...]}` and nothing else, each project an
/// object, read straight from the text into [`ProjectInput`]s without the `serde_json::Value`
/// document that [`appraise_json`] reads: for [`appraise_projects`], which then gives what
/// [`appraise_json`] gives for the document of the same text.
///
/// `None` when the text is anything else (settings, another key, a key twice, a project that
/// does not read, a value that would be skipped unread, not JSON): the caller then reads the
/// text as a document and appraises it with [`appraise_json`], which finds and reports the
/// problem as before. Reading from the text gives the values reading through a `Value` gives:
/// serde_json's one parser forms every string and number either way, and no value is skipped
/// unchecked (see `strict`).
pub fn plain_projects(text: &[u8]) -> Option<Vec<ProjectInput>> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let PlainBatch(projects) = PlainBatch::deserialize(crate::strict::Strict(&mut de)).ok()?;
    de.end().ok()?;
    Some(projects)
}

/// Appraises projects already read (by [`plain_projects`]) as [`appraise_json`] appraises
/// `{"projects": [...]}` holding them: no settings, errors under `/projects/<index>`.
pub fn appraise_projects(
    projects: Vec<ProjectInput>,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
) -> Result<AppraisalOutput, InputError> {
    let mut tables = FactorTables::new();
    let mut mac = MacRows::default();
    let results: Vec<ProjectOutcome> = projects
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            // A project read from an object has its `id`, the text `appraise_value` takes.
            let id = Some(input.id.clone());
            let outcome = appraise_read(
                index,
                id,
                Ok(input),
                || format!("/projects/{index}"),
                registry,
                options,
                judge,
                &mut tables,
            );
            mac.add(&outcome);
            outcome
        })
        .collect();
    let mac_curve = mac.curve()?;
    Ok(AppraisalOutput { results, mac_curve })
}

/// `{"projects": [...]}` with nothing beside it, read from a map only (a derived struct would
/// also read an array), each project through `objects::list` (objects only).
struct PlainBatch(Vec<ProjectInput>);

impl<'de> Deserialize<'de> for PlainBatch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PlainBatchVisitor)
    }
}

struct PlainBatchVisitor;

impl<'de> serde::de::Visitor<'de> for PlainBatchVisitor {
    type Value = PlainBatch;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object holding `projects` only")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<PlainBatch, A::Error> {
        use serde::de::Error as _;
        let mut projects = None;
        while let Some(key) = map.next_key::<&str>()? {
            if key != "projects" || projects.is_some() {
                return Err(A::Error::custom("not a plain batch"));
            }
            projects = Some(map.next_value_seed(ProjectList)?);
        }
        projects
            .map(PlainBatch)
            .ok_or_else(|| A::Error::custom("not a plain batch"))
    }
}

/// The value of `projects`: an array of project objects.
struct ProjectList;

impl<'de> serde::de::DeserializeSeed<'de> for ProjectList {
    type Value = Vec<ProjectInput>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Vec<ProjectInput>, D::Error> {
        crate::objects::list(deserializer)
    }
}

/// Appraises the projects of a batch one at a time, as they arrive, keeping only what the
/// portfolio's MAC curve needs (a few figures per abating project): the streaming form of
/// [`appraise_json`], which is built on it, so both give the same outcomes.
///
/// Each project is given as JSON with the pointer prefix its errors are to carry
/// (`/projects/7`); outcomes are numbered in the order the projects are given.
///
/// It is a [`ProjectAppraiser`], one [`FactorTables`] and the [`MacRows`]: to appraise on
/// several threads, use those parts directly (the appraiser shared, tables per thread, the
/// rows gathered in order).
pub struct BatchAppraiser<'a> {
    projects: ProjectAppraiser<'a>,
    /// Projects of a batch usually share a few discount rates: one factor table per rate.
    tables: FactorTables,
    mac: MacRows,
    next_index: usize,
}

impl<'a> BatchAppraiser<'a> {
    /// A batch with the settings of `{"settings": ...}` (`None`: no settings). Settings that
    /// cannot be read are an error of the whole batch, with a pointer under `/settings`.
    pub fn new(
        settings: Option<&Value>,
        registry: &'a Registry,
        options: &'a AppraisalOptions,
        judge: Option<&'a dyn EligibilityJudge>,
    ) -> Result<Self, InputError> {
        ProjectAppraiser::new(settings, registry, options, judge).map(Self::of)
    }

    fn of(projects: ProjectAppraiser<'a>) -> Self {
        BatchAppraiser {
            projects,
            tables: FactorTables::new(),
            mac: MacRows::default(),
            next_index: 0,
        }
    }

    /// Appraises the next project: the settings' defaults merged under it, then parsed,
    /// appraised and judged. Its errors carry `prefix` before their pointer.
    pub fn appraise(&mut self, item: Value, prefix: &str) -> ProjectOutcome {
        let index = self.next_index;
        self.next_index += 1;
        let outcome = self
            .projects
            .appraise(index, item, prefix, &mut self.tables);
        self.mac.add(&outcome);
        outcome
    }

    /// The MAC curve of the projects appraised so far, or none when none abates.
    pub fn finish(self) -> Result<Option<MacCurve>, InputError> {
        self.mac.curve()
    }
}

/// What every project of a batch is appraised with: the settings (defaults merged under
/// each project, taxonomies kept), the registry, the options and the judge. It keeps
/// nothing between projects, so threads share it by reference, each with its own
/// [`FactorTables`].
pub struct ProjectAppraiser<'a> {
    settings: BatchSettings,
    defaults: Value,
    registry: &'a Registry,
    options: &'a AppraisalOptions,
    judge: Option<&'a dyn EligibilityJudge>,
}

impl<'a> ProjectAppraiser<'a> {
    /// As [`BatchAppraiser::new`].
    pub fn new(
        settings: Option<&Value>,
        registry: &'a Registry,
        options: &'a AppraisalOptions,
        judge: Option<&'a dyn EligibilityJudge>,
    ) -> Result<Self, InputError> {
        let settings = match settings {
            Some(s) => parse_settings(s)?,
            None => BatchSettings::default(),
        };
        Ok(Self::with_settings(settings, registry, options, judge))
    }

    fn with_settings(
        settings: BatchSettings,
        registry: &'a Registry,
        options: &'a AppraisalOptions,
        judge: Option<&'a dyn EligibilityJudge>,
    ) -> Self {
        let defaults = Value::Object(settings.defaults.clone());
        ProjectAppraiser {
            settings,
            defaults,
            registry,
            options,
            judge,
        }
    }

    /// Appraises the project numbered `index` (its position in the batch): the settings'
    /// defaults merged under it, then parsed, appraised and judged, with `tables` kept by
    /// the caller across the projects it appraises. Its errors carry `prefix` before their
    /// pointer.
    pub fn appraise(
        &self,
        index: usize,
        item: Value,
        prefix: &str,
        tables: &mut FactorTables,
    ) -> ProjectOutcome {
        let item = match (&self.defaults, item) {
            (Value::Object(d), item @ Value::Object(_)) if !d.is_empty() => {
                merge_under(&self.defaults, item)
            }
            (_, item) => item,
        };
        let mut outcome = appraise_value(
            index,
            &item,
            prefix,
            self.registry,
            self.options,
            self.judge,
            tables,
        );
        if let (Some(keep), Some(e)) = (&self.settings.taxonomies, &mut outcome.eligibility) {
            keep_taxonomies(e, keep);
        }
        outcome
    }
}

/// The MAC curve's rows, gathered project by project. Outcomes must be added in their
/// order in the batch: a repeated id is labelled by its position from its second time on.
#[derive(Default)]
pub struct MacRows {
    seen: std::collections::BTreeSet<String>,
    rows: Vec<MacRow>,
}

/// What the MAC curve takes from one project's outcome (its id, cost per tonne and tonnes
/// abated over its life), so the outcome itself need not be kept or moved to where the rows
/// are gathered.
#[derive(Debug, Clone, PartialEq)]
pub struct MacEntry {
    index: usize,
    id: String,
    cost_per_t: rust_decimal::Decimal,
    tonnes_co2e: rust_decimal::Decimal,
}

impl MacEntry {
    /// The outcome's entry, when it has a cost per tonne.
    pub fn of(r: &ProjectOutcome) -> Option<MacEntry> {
        let e = r.appraisal.as_ref()?.emissions.as_ref()?;
        // A project that does not abate has no cost per tonne and no place on the curve;
        // its own result says why.
        let Figure::Value(c) = &e.cost_per_tonne else {
            return None;
        };
        Some(MacEntry {
            index: r.index,
            id: r.appraisal.as_ref()?.project.id.clone(),
            cost_per_t: c.cost_per_t,
            tonnes_co2e: e.lifetime.abatement,
        })
    }
}

impl Extend<MacEntry> for MacRows {
    fn extend<I: IntoIterator<Item = MacEntry>>(&mut self, entries: I) {
        for entry in entries {
            self.push(entry);
        }
    }
}

impl MacRows {
    /// Adds the outcome's row, when it has a cost per tonne.
    pub fn add(&mut self, r: &ProjectOutcome) {
        if let Some(entry) = MacEntry::of(r) {
            self.push(entry);
        }
    }

    /// Adds the row of an outcome taken apart where it was appraised.
    pub fn push(&mut self, entry: MacEntry) {
        // Ids should be unique in a batch, but a repeated id must not cost the others
        // their curve: later repeats are labelled by their position.
        let MacEntry {
            index,
            id,
            cost_per_t,
            tonnes_co2e,
        } = entry;
        let project_id = if self.seen.contains(&id) {
            format!("{id} (#{index})")
        } else {
            self.seen.insert(id.clone());
            id
        };
        self.rows.push(MacRow {
            project_id,
            cost_per_t,
            tonnes_co2e,
        });
    }

    /// The curve of the rows added, or none when no project abates.
    pub fn curve(self) -> Result<Option<MacCurve>, InputError> {
        if self.rows.is_empty() {
            return Ok(None);
        }
        mac_curve(&MacInput {
            tonnes_basis: TonnesBasis::Lifetime,
            rows: self.rows,
        })
        .map(Some)
        .map_err(|e| InputError {
            code: e.code.as_str().into(),
            pointer: e.pointer,
            message: e.message,
            location: None,
        })
    }
}

fn parse_settings(value: &Value) -> Result<BatchSettings, InputError> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    crate::objects::one::<_, BatchSettings>(de).map_err(|e| {
        let pointer = pointer_of(&track.path());
        InputError {
            code: "invalid_request".into(),
            message: echo_read_value(e.to_string(), value, &pointer),
            pointer: format!("/settings{pointer}"),
            location: None,
        }
    })
}

/// Reads one project, naming the JSON pointer of the first problem.
pub fn parse_project(value: &Value) -> Result<ProjectInput, InputError> {
    // Recording the path of every value read costs about as much as the read itself, and
    // almost every project reads without a problem: the path is recorded only when the
    // plain read fails, by reading again, which fails at the same place with the same
    // message.
    ProjectInput::deserialize(value).or_else(|_| parse_project_tracked(value))
}

fn parse_project_tracked(value: &Value) -> Result<ProjectInput, InputError> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    ProjectInput::deserialize(de).map_err(|e| {
        let message = e.to_string();
        let pointer = pointer_of(&track.path());
        let pointer = crate::tagged::field_at_fault(value, &pointer, &message).unwrap_or(pointer);
        InputError {
            code: "invalid_request".into(),
            message: echo_read_value(message, value, &pointer),
            pointer,
            location: None,
        }
    })
}

/// serde's message about the value at `pointer` in `document` (a string it repeats, or a key
/// it names as unknown), with that text cut as [`crate::error::echo`] cuts it.
fn echo_read_value(message: String, document: &Value, pointer: &str) -> String {
    let message = match document.pointer(pointer) {
        Some(Value::String(s)) => crate::error::echo_within(message, s),
        _ => message,
    };
    match pointer.rsplit_once('/') {
        Some((_, key)) => {
            crate::error::echo_within(message, &key.replace("~1", "/").replace("~0", "~"))
        }
        None => message,
    }
}

/// A `serde_path_to_error` path as a JSON pointer (`/cash_flows/3/amount`).
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => pointer.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    pointer
}

fn appraise_value(
    index: usize,
    item: &Value,
    prefix: &str,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    tables: &mut FactorTables,
) -> ProjectOutcome {
    let id = item.get("id").and_then(Value::as_str).map(str::to_owned);
    appraise_read(
        index,
        id,
        parse_project(item),
        || prefix.to_owned(),
        registry,
        options,
        judge,
        tables,
    )
}

/// The outcome of a project as read (`id` as the input gives it, when it does), its errors
/// under the pointer prefix `prefix` gives.
#[allow(clippy::too_many_arguments)]
fn appraise_read(
    index: usize,
    id: Option<String>,
    read: Result<ProjectInput, InputError>,
    prefix: impl FnOnce() -> String,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    tables: &mut FactorTables,
) -> ProjectOutcome {
    let outcome = read.and_then(|input| {
        appraise_with(&input, registry, options, tables)
            .map(|a| {
                let eligibility = judge.map(|j| j.judge(&input, &a));
                (a, eligibility)
            })
            .map_err(|e| InputError {
                code: e.code.as_str().into(),
                pointer: e.pointer,
                message: e.message,
                location: None,
            })
    });
    match outcome {
        Ok((a, eligibility)) => ProjectOutcome {
            index,
            id,
            appraisal: Some(a),
            eligibility,
            errors: Vec::new(),
        },
        Err(mut e) => {
            e.pointer = format!("{}{}", prefix(), e.pointer);
            ProjectOutcome {
                index,
                id,
                appraisal: None,
                eligibility: None,
                errors: vec![e],
            }
        }
    }
}
