//! Rule packs: one folder per taxonomy, loaded strictly.
//!
//! ```text
//! <pack>/pack.toml          id, names, version, taxonomy, source act and edition, dates
//! <pack>/parameters.toml    thresholds with legal meaning: value, unit, clause, dates
//! <pack>/rules/<r>.rhai     one rule; a `//!` header of `key: value` lines documents it
//! <pack>/rules/<r>.cases.yaml   cases run through the real engine
//! ```
//!
//! Unknown keys are refused everywhere and every problem names the file and line.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use greenlight_core::error::echo;
use rhai::{AST, Dynamic, Engine, EvalAltResult, ImmutableString, Map, OptimizationLevel, Scope};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::engine::{DEADLINE_TOKEN, EngineLimits, eval_rule, within_deadline};
use crate::error::{RuleError, RuleErrorKind};
use crate::record::{FieldValue, Record, RecordView};
use crate::verdict::{ClauseVerdict, PackVerdict, SharedStr, UsedValue, Verdict};

/// `pack.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
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
    #[serde(default)]
    pub effective_until: Option<String>,
    /// How the pack's criteria were checked against the source.
    pub verification: String,
}

/// One parameter entry in `parameters.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Name scripts read it by (`params.<name>`).
    pub name: String,
    /// A number, as a decimal string.
    #[serde(default)]
    pub value: Option<String>,
    /// A code or label.
    #[serde(default)]
    pub text: Option<String>,
    /// A list of codes.
    #[serde(default)]
    pub list: Option<Vec<String>>,
    /// Unit of `value`.
    #[serde(default)]
    pub unit: String,
    /// The clause giving it legal meaning.
    pub clause: String,
    /// First day this value applies (`YYYY-MM-DD`), inclusive.
    #[serde(default)]
    pub effective_from: Option<String>,
    /// Last day it applies, inclusive.
    #[serde(default)]
    pub effective_until: Option<String>,
    /// V, P, R or U.
    pub verification: String,
    /// Where it is written.
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterFile {
    #[serde(default)]
    parameters: Vec<Parameter>,
}

/// The documentation header of a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleHeader {
    /// Rule id, e.g. `eu.2021_2139.7_2.sc`.
    pub id: String,
    /// What it checks, English.
    pub title_en: String,
    /// What it checks, Chinese.
    pub title_zh: String,
    /// The clause it encodes.
    pub clause: String,
    /// Activities it applies to (the project's `activity`).
    pub activities: Vec<String>,
    /// Record fields it reads.
    pub inputs: Vec<String>,
    /// Parameters it reads.
    pub parameters: Vec<String>,
    /// V, P, R or U.
    pub verification: String,
    /// The source text.
    pub source: String,
    /// Free text after the key lines.
    pub doc: String,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its header.
    pub header: RuleHeader,
    /// File name within the pack (`rules/x.rhai`).
    pub file: String,
    ast: AST,
    /// The header's texts as every clause output of this rule shows them, shared.
    texts: ClauseTexts,
}

/// A rule's header texts, made once at load and shared by every clause output of the rule.
#[derive(Debug, Clone)]
struct ClauseTexts {
    id: SharedStr,
    clause: SharedStr,
    title_en: SharedStr,
    title_zh: SharedStr,
    verification: SharedStr,
    /// The names of `RuleHeader::inputs`, in order.
    inputs: Vec<SharedStr>,
}

impl ClauseTexts {
    fn of(header: &RuleHeader) -> ClauseTexts {
        ClauseTexts {
            id: header.id.as_str().into(),
            clause: header.clause.as_str().into(),
            title_en: header.title_en.as_str().into(),
            title_zh: header.title_zh.as_str().into(),
            verification: header.verification.as_str().into(),
            inputs: header.inputs.iter().map(|n| n.as_str().into()).collect(),
        }
    }
}

/// A pack's texts as every pack verdict shows them, shared.
#[derive(Debug, Clone)]
struct PackTexts {
    id: SharedStr,
    version: SharedStr,
    content_hash: SharedStr,
    taxonomy: SharedStr,
}

/// One case of a `.cases.yaml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// The record fields (numbers are exact decimals; `null` means absent).
    pub record: BTreeMap<String, serde_yaml::Value>,
    /// Date the criteria are evaluated at (default: the pack's `effective_from`).
    #[serde(default)]
    pub assessment_date: Option<String>,
    /// The verdict the rule must give.
    pub expect: String,
}

/// A loaded pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// `pack.toml`.
    pub meta: PackMeta,
    /// Parameters in file order.
    pub parameters: Vec<Parameter>,
    /// Rules in file-name order.
    pub rules: Vec<Rule>,
    /// Cases by rule file.
    pub cases: BTreeMap<String, Vec<Case>>,
    /// `sha256:` of every file, in path order.
    pub content_hash: String,
    /// Where it came from: `embedded` or a folder name.
    pub origin: String,
    /// Parameter values parsed at load, in `parameters` order.
    parsed_params: Vec<Dynamic>,
    /// The parameters and rules of every evaluation when no parameter is dated.
    undated_params: Option<Arc<ParamSet>>,
    /// `meta`'s and `content_hash`'s texts as every pack verdict shows them.
    texts: PackTexts,
    /// The parameter set of the last date asked for, when parameters are dated.
    dated_cache: Arc<Mutex<Option<DatedSet>>>,
    /// Every parameter set built so far, by which entries of `parameters` are in force: dates
    /// with the same entries in force share one set of compiled rules.
    param_sets: Arc<Mutex<Vec<KeyedSet>>>,
}

/// A parameter set with the assessment date it was last asked for.
type DatedSet = (String, Arc<ParamSet>);

/// A parameter set with which entries of `Pack::parameters` are in force in it.
type KeyedSet = (Vec<bool>, Arc<ParamSet>);

/// The parameters in force at some date and the pack's rules compiled against them.
///
/// Each rule is re-optimised with the parameters as constants, so a threshold read
/// (`params.x`) is a literal in the tree instead of a map lookup on every run, and calls with
/// constant arguments only (a verdict with a fixed reason) are made once here. Scripts still
/// find `params` in scope at run time, with the same values, for whatever was not folded.
#[derive(Debug)]
pub(crate) struct ParamSet {
    /// The parameters as a shared Rhai map.
    pub(crate) map: Dynamic,
    /// The rules' trees for these parameters, in `Pack::rules` order.
    asts: Vec<AST>,
    /// The thresholds each rule names, as its clause output shows them, in `Pack::rules`
    /// order; `None` for a name no entry in force gives (its text names the date).
    thresholds: Vec<Vec<Option<UsedValue>>>,
}

impl ParamSet {
    /// The set of the entries of `parameters` marked in `in_force`, whose values are `map`.
    fn new(
        engine: &Engine,
        rules: &[Rule],
        parameters: &[Parameter],
        in_force: &[bool],
        map: Map,
    ) -> ParamSet {
        let mut scope = Scope::new();
        scope.push("p", Map::new());
        scope.push_constant("params", map.clone());
        let asts = rules
            .iter()
            .map(|r| engine.optimize_ast(&scope, r.ast.clone(), OptimizationLevel::Full))
            .collect();
        // The first entry of a name in force, as `Pack::parameter_at` finds it at a date.
        let entry = |name: &str| {
            parameters
                .iter()
                .zip(in_force)
                .find(|(p, used)| **used && p.name == name)
                .map(|(p, _)| p)
        };
        let thresholds = rules
            .iter()
            .map(|rule| {
                rule.header
                    .parameters
                    .iter()
                    .map(|name| entry(name).map(|p| threshold(name, p)))
                    .collect()
            })
            .collect();
        ParamSet {
            map: Dynamic::from_map(map).into_shared(),
            asts,
            thresholds,
        }
    }
}

/// A parameter entry as a clause's output shows it.
fn threshold(name: &str, p: &Parameter) -> UsedValue {
    UsedValue {
        name: name.into(),
        value: p
            .value
            .clone()
            .or_else(|| p.text.clone())
            .or_else(|| p.list.as_ref().map(|l| l.join(", ")))
            .unwrap_or_default()
            .into(),
        unit: p.unit.as_str().into(),
        clause: p.clause.as_str().into(),
    }
}

fn toml_error(pack: &str, file: &str, text: &str, e: &toml::de::Error) -> RuleError {
    let position = e.span().map(|s| line_col(text, s.start));
    RuleError {
        position,
        ..RuleError::pack(pack, file, e.message().to_owned())
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

/// Parses the `//!` header of a rule; unknown keys and missing required keys are errors.
fn parse_header(pack: &str, file: &str, src: &str) -> Result<RuleHeader, RuleError> {
    let mut h = RuleHeader::default();
    let mut doc = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        let rest = rest.trim();
        let err = |m: String| RuleError {
            position: Some((i + 1, 1)),
            ..RuleError::pack(pack, file, m)
        };
        match rest.split_once(':') {
            Some((key, value)) if doc.is_empty() && !key.contains(' ') => {
                let value = value.trim().to_owned();
                let list = || {
                    value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                };
                match key {
                    "id" => h.id = value,
                    "title_en" => h.title_en = value,
                    "title_zh" => h.title_zh = value,
                    "clause" => h.clause = value,
                    "activities" => h.activities = list(),
                    "inputs" => h.inputs = list(),
                    "parameters" => h.parameters = list(),
                    "verification" => h.verification = value,
                    "source" => h.source = value,
                    other => {
                        return Err(err(format!("unknown header key {:?}", echo(other))));
                    }
                }
            }
            _ => doc.push(rest.to_owned()),
        }
    }
    for (key, v) in [
        ("id", &h.id),
        ("title_en", &h.title_en),
        ("title_zh", &h.title_zh),
        ("clause", &h.clause),
        ("verification", &h.verification),
        ("source", &h.source),
    ] {
        if v.is_empty() {
            return Err(RuleError {
                position: Some((1, 1)),
                ..RuleError::pack(pack, file, format!("the header lacks `{key}:`"))
            });
        }
    }
    if h.activities.is_empty() {
        return Err(RuleError {
            position: Some((1, 1)),
            ..RuleError::pack(pack, file, "the header lacks `activities:`")
        });
    }
    if !["V", "P", "R", "U"].contains(&h.verification.as_str()) {
        return Err(RuleError::pack(
            pack,
            file,
            format!(
                "verification must be V, P, R or U, got {:?}",
                h.verification
            ),
        ));
    }
    h.doc = doc.join("\n").trim().to_owned();
    Ok(h)
}

/// Whether a rule applies to an activity (or to every one, `*`).
fn applies(rule: &Rule, activity: &str) -> bool {
    rule.header
        .activities
        .iter()
        .any(|a| a == activity || a == "*")
}

/// How many variables [`rule_inputs`] declares.
const RULE_INPUTS: usize = 2;

/// The scope a rule runs in: the record as `p` and the parameters as `params`. Shared values:
/// one record and one parameter map serve every rule of the pack without copying; as
/// constants, no rule can change what the next one reads.
fn rule_inputs(record: &Dynamic, params: &Dynamic) -> Scope<'static> {
    // Room for a rule's own variables, so the scope is not regrown while the rules run.
    let mut scope = Scope::with_capacity(32);
    scope.push_constant_dynamic("p", record.clone());
    scope.push_constant_dynamic("params", params.clone());
    scope
}

thread_local! {
    /// An empty scope with room for a pack's rules, kept on the thread between packs so its
    /// storage is allocated once per thread rather than once per pack evaluation.
    static SPARE_SCOPE: std::cell::Cell<Option<Scope<'static>>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` in the scope [`rule_inputs`] makes, built in this thread's spare scope when it has
/// one. The scope is emptied before it is kept, so no value of one evaluation outlives it.
fn with_rule_inputs<T>(
    record: &Dynamic,
    params: &Dynamic,
    f: impl FnOnce(&mut Scope<'static>) -> T,
) -> T {
    let Some(mut scope) = SPARE_SCOPE.with(std::cell::Cell::take) else {
        let mut scope = rule_inputs(record, params);
        let out = f(&mut scope);
        keep_spare(scope);
        return out;
    };
    scope.push_constant_dynamic("p", record.clone());
    scope.push_constant_dynamic("params", params.clone());
    let out = f(&mut scope);
    keep_spare(scope);
    out
}

/// Empties `scope` and keeps it as this thread's spare.
fn keep_spare(mut scope: Scope<'static>) {
    scope.clear();
    SPARE_SCOPE.with(|spare| spare.set(Some(scope)));
}

/// A scope declaring the variables every rule reads, for strict compilation. They are
/// pushed as plain variables, never constants: the optimiser would fold a constant empty map
/// into every comparison.
fn rule_scope() -> Scope<'static> {
    let mut scope = Scope::new();
    scope.push("p", Map::new());
    scope.push("params", Map::new());
    scope
}

impl Pack {
    /// Loads a pack from its files as `(path relative to the pack folder, text)`.
    pub fn from_files(
        files: &[(String, String)],
        origin: &str,
        engine: &Engine,
    ) -> Result<Pack, RuleError> {
        let folder = origin.to_owned();
        let get = |name: &str| {
            files
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, t)| t.as_str())
        };
        let meta_text = get("pack.toml")
            .ok_or_else(|| RuleError::pack(&folder, "pack.toml", "missing pack.toml"))?;
        let meta: PackMeta = toml::from_str(meta_text)
            .map_err(|e| toml_error(&folder, "pack.toml", meta_text, &e))?;
        let id = meta.id.clone();
        if !["cn", "eu", "cbi", "cgt", "icma"].contains(&meta.taxonomy.as_str()) {
            return Err(RuleError::pack(
                &id,
                "pack.toml",
                format!(
                    "taxonomy must be cn, eu, cbi, cgt or icma, got {:?}",
                    meta.taxonomy
                ),
            ));
        }
        let parameters = match get("parameters.toml") {
            None => Vec::new(),
            Some(text) => {
                let file: ParameterFile = toml::from_str(text)
                    .map_err(|e| toml_error(&id, "parameters.toml", text, &e))?;
                for p in &file.parameters {
                    let given = [p.value.is_some(), p.text.is_some(), p.list.is_some()]
                        .iter()
                        .filter(|b| **b)
                        .count();
                    if given != 1 {
                        return Err(RuleError::pack(
                            &id,
                            "parameters.toml",
                            format!(
                                "parameter {} needs exactly one of value, text or list",
                                p.name
                            ),
                        ));
                    }
                    if let Some(v) = &p.value {
                        v.parse::<Decimal>().map_err(|_| {
                            RuleError::pack(
                                &id,
                                "parameters.toml",
                                format!(
                                    "parameter {}: {:?} is not a decimal number",
                                    p.name,
                                    echo(v)
                                ),
                            )
                        })?;
                    }
                }
                file.parameters
            }
        };
        let mut rules = Vec::new();
        let mut cases = BTreeMap::new();
        let mut paths: Vec<&(String, String)> = files.iter().collect();
        paths.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, text) in &paths {
            if let Some(stem) = path
                .strip_prefix("rules/")
                .and_then(|p| p.strip_suffix(".rhai"))
            {
                let header = parse_header(&id, path, text)?;
                for name in &header.parameters {
                    if !parameters.iter().any(|p| &p.name == name) {
                        return Err(RuleError {
                            rule: Some(header.id.clone()),
                            ..RuleError::pack(
                                &id,
                                path,
                                format!("parameter {name} is not in parameters.toml"),
                            )
                        });
                    }
                }
                let ast = engine
                    .compile_with_scope(&rule_scope(), text.as_str())
                    .map_err(|e| {
                        let pos = e.position();
                        RuleError {
                            pack: id.clone(),
                            file: path.clone(),
                            rule: Some(header.id.clone()),
                            position: pos.line().map(|l| (l, pos.position().unwrap_or(0))),
                            kind: RuleErrorKind::Compile,
                            message: e.to_string(),
                        }
                    })?;
                let cases_name = format!("rules/{stem}.cases.yaml");
                let Some(case_text) = get(&cases_name) else {
                    return Err(RuleError {
                        rule: Some(header.id.clone()),
                        ..RuleError::pack(
                            &id,
                            path,
                            format!("no cases file {cases_name} beside the rule"),
                        )
                    });
                };
                let parsed: Vec<Case> = serde_yaml::from_str(case_text).map_err(|e| {
                    let position = e.location().map(|l| (l.line(), l.column()));
                    RuleError {
                        position,
                        ..RuleError::pack(&id, &cases_name, e.to_string())
                    }
                })?;
                cases.insert(path.clone(), parsed);
                rules.push(Rule {
                    texts: ClauseTexts::of(&header),
                    header,
                    file: path.clone(),
                    ast,
                });
            } else if path.ends_with(".cases.yaml") {
                let rule_path = path.replace(".cases.yaml", ".rhai");
                if get(&rule_path).is_none() {
                    return Err(RuleError::pack(
                        &id,
                        path,
                        format!("cases without a rule {rule_path}"),
                    ));
                }
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for r in &rules {
            if !ids.insert(r.header.id.clone()) {
                return Err(RuleError::pack(
                    &id,
                    &r.file,
                    format!("rule id {} is used twice", r.header.id),
                ));
            }
        }
        let content_hash = hash_files(&paths);
        let parsed_params: Vec<Dynamic> = parameters
            .iter()
            .map(|p| match (&p.value, &p.text, &p.list) {
                (Some(v), _, _) => Dynamic::from_decimal(v.parse().unwrap_or_default()),
                (_, Some(t), _) => Dynamic::from(t.clone()),
                (_, _, Some(l)) => {
                    Dynamic::from_array(l.iter().cloned().map(Dynamic::from).collect())
                }
                _ => Dynamic::UNIT,
            })
            .collect();
        // Parameters without dates are the same at every assessment date: one shared set.
        let undated_params = parameters
            .iter()
            .all(|p| p.effective_from.is_none() && p.effective_until.is_none())
            .then(|| {
                let map: Map = parameters
                    .iter()
                    .zip(&parsed_params)
                    .map(|(p, v)| (p.name.as_str().into(), v.clone()))
                    .collect();
                let in_force = vec![true; parameters.len()];
                Arc::new(ParamSet::new(engine, &rules, &parameters, &in_force, map))
            });
        let texts = PackTexts {
            id: meta.id.as_str().into(),
            version: meta.version.as_str().into(),
            content_hash: content_hash.as_str().into(),
            taxonomy: meta.taxonomy.as_str().into(),
        };
        Ok(Pack {
            texts,
            meta,
            parameters,
            rules,
            cases,
            content_hash,
            origin: origin.to_owned(),
            parsed_params,
            undated_params,
            dated_cache: Default::default(),
            param_sets: Default::default(),
        })
    }

    /// The thresholds a rule names, as in force at `date`, for its clause output.
    #[cfg(test)]
    fn thresholds_at(&self, rule: &Rule, date: &str) -> Vec<UsedValue> {
        rule.header
            .parameters
            .iter()
            .map(|name| match self.parameter_at(name, date) {
                Some(p) => threshold(name, p),
                None => not_in_force(name, date),
            })
            .collect()
    }

    /// The thresholds of the rule at `index` of `rules` from its parameter set, as
    /// `thresholds_at` gives them at `date`.
    fn thresholds_in(params: &ParamSet, index: usize, rule: &Rule, date: &str) -> Vec<UsedValue> {
        params.thresholds[index]
            .iter()
            .zip(&rule.header.parameters)
            .map(|(t, name)| match t {
                Some(t) => t.clone(),
                None => not_in_force(name, date),
            })
            .collect()
    }

    /// Whether a parameter entry is in force at `date`.
    fn in_force(p: &Parameter, date: &str) -> bool {
        p.effective_from.as_deref().is_none_or(|f| f <= date)
            && p.effective_until.as_deref().is_none_or(|u| date <= u)
    }

    /// The entry of parameter `name` in force at `date`.
    #[cfg(test)]
    fn parameter_at(&self, name: &str, date: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name && Pack::in_force(p, date))
    }

    /// The parameters in force at `date` with the rules compiled for them. Values are parsed
    /// once at load; a pack without dated parameters has one set, and a dated pack builds a set
    /// per distinct choice of entries in force, when first asked, and remembers the set of the
    /// last date asked for, since a portfolio is usually assessed at one date.
    pub(crate) fn params_at(&self, engine: &Engine, date: &str) -> Arc<ParamSet> {
        if let Some(undated) = &self.undated_params {
            return undated.clone();
        }
        if let Ok(cache) = self.dated_cache.lock()
            && let Some((d, set)) = cache.as_ref()
            && d == date
        {
            return set.clone();
        }
        let in_force: Vec<bool> = self
            .parameters
            .iter()
            .map(|p| Pack::in_force(p, date))
            .collect();
        let known = self.param_sets.lock().ok().and_then(|sets| {
            sets.iter()
                .find(|(key, _)| *key == in_force)
                .map(|(_, set)| set.clone())
        });
        let set = known.unwrap_or_else(|| {
            let map: Map = self
                .parameters
                .iter()
                .zip(&self.parsed_params)
                .zip(&in_force)
                .filter(|(_, used)| **used)
                .map(|((p, v), _)| (p.name.as_str().into(), v.clone()))
                .collect();
            let set = Arc::new(ParamSet::new(
                engine,
                &self.rules,
                &self.parameters,
                &in_force,
                map,
            ));
            if let Ok(mut sets) = self.param_sets.lock() {
                sets.push((in_force, set.clone()));
            }
            set
        });
        if let Ok(mut cache) = self.dated_cache.lock() {
            *cache = Some((date.to_owned(), set.clone()));
        }
        set
    }

    /// The rules that apply to an activity.
    pub fn rules_for<'a>(&'a self, activity: &'a str) -> impl Iterator<Item = &'a Rule> {
        self.rules.iter().filter(move |r| applies(r, activity))
    }

    /// Evaluates every applicable rule; a failing rule becomes a `needs_review` clause with
    /// its error, and the others still run.
    pub fn evaluate(
        &self,
        engine: &Engine,
        limits: &EngineLimits,
        record: &Record,
        date: &str,
    ) -> PackVerdict {
        let map = Dynamic::from_map(record.to_map()).into_shared();
        self.evaluate_shared(engine, None, limits, &RecordView::new(record), &map, date)
    }

    /// As [`Pack::evaluate`], with the record already converted to a shared Rhai map (so a
    /// set of packs converts it once), and with the engine's id when its rules may keep the
    /// thread's function-resolution cache (see [`crate::engine::eval_rule`]).
    pub(crate) fn evaluate_shared(
        &self,
        engine: &Engine,
        engine_id: Option<u64>,
        limits: &EngineLimits,
        record: &RecordView<'_>,
        map: &Dynamic,
        date: &str,
    ) -> PackVerdict {
        let activity = match record.get("activity") {
            Some(FieldValue::Text(a)) => a.clone(),
            _ => String::new(),
        };
        // A pack with no rule for the activity needs neither its parameters nor a scope: its
        // verdict is the one `combine` gives for no clause.
        if !self.rules.iter().any(|rule| applies(rule, &activity)) {
            return self.verdict(Vec::new(), &activity);
        }
        let params = self.params_at(engine, date);
        let clauses: Vec<ClauseVerdict> = with_rule_inputs(map, &params.map, |scope| {
            self.rules
                .iter()
                .zip(&params.asts)
                .enumerate()
                .filter(|(_, (rule, _))| applies(rule, &activity))
                .map(|(index, (rule, ast))| {
                    let result = self.run_in(engine, engine_id, limits, rule, ast, scope);
                    let inputs = rule
                        .texts
                        .inputs
                        .iter()
                        .map(|name| UsedValue {
                            name: name.clone(),
                            value: record
                                .get(name)
                                .map_or(SharedStr::fixed("null"), FieldValue::shared_display),
                            unit: SharedStr::default(),
                            clause: SharedStr::default(),
                        })
                        .collect();
                    let thresholds = Pack::thresholds_in(&params, index, rule, date);
                    let h = &rule.texts;
                    match result {
                        Ok((verdict, reason_en, reason_zh, missing)) => ClauseVerdict {
                            rule: h.id.clone(),
                            clause: h.clause.clone(),
                            title_en: h.title_en.clone(),
                            title_zh: h.title_zh.clone(),
                            verdict,
                            reason_en,
                            reason_zh,
                            missing,
                            inputs,
                            thresholds,
                            verification: h.verification.clone(),
                            error: None,
                        },
                        Err(e) => ClauseVerdict {
                            rule: h.id.clone(),
                            clause: h.clause.clone(),
                            title_en: h.title_en.clone(),
                            title_zh: h.title_zh.clone(),
                            verdict: Verdict::NeedsReview,
                            reason_en: format!("the rule failed: {e}"),
                            reason_zh: format!("规则运行失败：{e}"),
                            missing: Vec::new(),
                            inputs,
                            thresholds,
                            verification: h.verification.clone(),
                            error: Some(e.to_string()),
                        },
                    }
                })
                .collect()
        });
        self.verdict(clauses, &activity)
    }

    /// The pack's verdict on an activity from its clauses' verdicts (none when no rule
    /// applies), with the pack's identity.
    fn verdict(&self, clauses: Vec<ClauseVerdict>, activity: &str) -> PackVerdict {
        let (verdict, reason_en, reason_zh) = combine(&clauses, activity, &self.meta);
        PackVerdict {
            pack: self.texts.id.clone(),
            version: self.texts.version.clone(),
            content_hash: self.texts.content_hash.clone(),
            taxonomy: self.texts.taxonomy.clone(),
            verdict,
            reason_en,
            reason_zh,
            clauses,
        }
    }

    /// Runs the rule at `index` of `rules` with the parameters in force at `date`:
    /// `(verdict, reason_en, reason_zh, missing)` or the error.
    pub(crate) fn run(
        &self,
        engine: &Engine,
        limits: &EngineLimits,
        index: usize,
        record: &Dynamic,
        date: &str,
    ) -> Result<(Verdict, String, String, Vec<String>), RuleError> {
        let params = self.params_at(engine, date);
        self.run_in(
            engine,
            None,
            limits,
            &self.rules[index],
            &params.asts[index],
            &mut rule_inputs(record, &params.map),
        )
    }

    /// [`Pack::run`] in a scope made by [`rule_inputs`], left as it was found, so the rules
    /// of a pack share one scope.
    #[allow(clippy::too_many_arguments)]
    fn run_in(
        &self,
        engine: &Engine,
        engine_id: Option<u64>,
        limits: &EngineLimits,
        rule: &Rule,
        ast: &AST,
        scope: &mut Scope<'static>,
    ) -> Result<(Verdict, String, String, Vec<String>), RuleError> {
        let out: Result<Dynamic, Box<EvalAltResult>> =
            within_deadline(limits.deadline, || eval_rule(engine, engine_id, scope, ast));
        // Drop the rule's own variables: the next rule starts from `p` and `params` alone.
        scope.rewind(RULE_INPUTS);
        let err = |kind, position: Option<(usize, usize)>, message: String| RuleError {
            pack: self.meta.id.clone(),
            file: rule.file.clone(),
            rule: Some(rule.header.id.clone()),
            position,
            kind,
            message,
        };
        let value = out.map_err(|e| {
            let pos = e.position();
            let position = pos.line().map(|l| (l, pos.position().unwrap_or(0)));
            let kind = match *e {
                EvalAltResult::ErrorTooManyOperations(..)
                | EvalAltResult::ErrorStackOverflow(..)
                | EvalAltResult::ErrorDataTooLarge(..) => RuleErrorKind::Limit,
                EvalAltResult::ErrorTerminated(ref token, _)
                    if token.to_string() == DEADLINE_TOKEN =>
                {
                    RuleErrorKind::Limit
                }
                _ => RuleErrorKind::Runtime,
            };
            let message = match (kind, &*e) {
                (RuleErrorKind::Limit, EvalAltResult::ErrorTerminated(..)) => {
                    format!("stopped at the {:?} deadline", limits.deadline)
                }
                _ => e.to_string(),
            };
            err(kind, position, message)
        })?;
        let not_a_verdict = || {
            err(
                RuleErrorKind::NotAVerdict,
                None,
                format!(
                    "the rule returned {} instead of a verdict (eligible, not_eligible, insufficient_data or needs_review)",
                    value.type_name()
                ),
            )
        };
        let Some(map) = value.read_lock::<Map>() else {
            return Err(not_a_verdict());
        };
        // Strings are read as they are; anything else is shown as the script would print it.
        let text = |k: &str| {
            map.get(k)
                .map_or_else(String::new, |v| match v.read_lock::<ImmutableString>() {
                    Some(s) => s.as_str().to_owned(),
                    None => v.to_string(),
                })
        };
        let verdict = map
            .get("verdict")
            .and_then(|v| match v.read_lock::<ImmutableString>() {
                Some(s) => Verdict::parse(s.as_str()),
                None => Verdict::parse(&v.to_string()),
            })
            .ok_or_else(not_a_verdict)?;
        // Names that are strings are copied as they are; anything else is shown as the script
        // would print it.
        let missing = map
            .get("missing")
            .and_then(|m| m.read_lock::<rhai::Array>())
            .map(|a| {
                a.iter()
                    .map(|d| match d.read_lock::<ImmutableString>() {
                        Some(s) => s.as_str().to_owned(),
                        None => d.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok((verdict, text("reason_en"), text("reason_zh"), missing))
    }
}

/// A threshold no entry in force gives at `date`.
fn not_in_force(name: &str, date: &str) -> UsedValue {
    UsedValue {
        name: name.into(),
        value: format!("not in force on {date}").into(),
        unit: SharedStr::default(),
        clause: SharedStr::default(),
    }
}

/// Conjunction of the applicable clauses: any `not_eligible` fails, then a review flag, then
/// missing data; all eligible passes. No applicable clause means the taxonomy does not cover
/// the activity.
fn combine(
    clauses: &[ClauseVerdict],
    activity: &str,
    meta: &PackMeta,
) -> (Verdict, String, String) {
    if clauses.is_empty() {
        let (reason_en, reason_zh) = no_activity_reasons(activity, meta);
        return (Verdict::NotEligible, reason_en, reason_zh);
    }
    let worst = |v: Verdict| clauses.iter().find(|c| c.verdict == v);
    for v in [
        Verdict::NotEligible,
        Verdict::NeedsReview,
        Verdict::InsufficientData,
    ] {
        if let Some(c) = worst(v) {
            return (
                v,
                concat(&[&c.rule, ": ", &c.reason_en]),
                concat(&[&c.rule, "：", &c.reason_zh]),
            );
        }
    }
    let ids: Vec<&str> = clauses.iter().map(|c| c.rule.as_str()).collect();
    (
        Verdict::Eligible,
        concat(&["every applicable clause is met: ", &ids.join(", ")]),
        concat(&["所有适用条款均满足：", &ids.join("、")]),
    )
}

/// A pack's reasons for an activity none of its rules covers, naming the activity quoted and
/// escaped as `{:?}` of [`echo`] writes it. An activity of at most `ECHO_CHARS` bytes of
/// printable ASCII other than `"` and `\\` (every shipped activity name) is written as it is
/// between quotes, which is what the escaping gives for it, without the formatter; any
/// other goes through `format!`.
fn no_activity_reasons(activity: &str, meta: &PackMeta) -> (String, String) {
    let plain = activity.len() <= greenlight_core::error::ECHO_CHARS
        && activity
            .bytes()
            .all(|b| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return (
            concat(&[
                &meta.name_en,
                " has no activity covering \"",
                activity,
                "\"",
            ]),
            concat(&["《", &meta.name_zh, "》未涵盖活动 \"", activity, "\""]),
        );
    }
    (
        format!(
            "{} has no activity covering {:?}",
            meta.name_en,
            echo(activity)
        ),
        format!("《{}》未涵盖活动 {:?}", meta.name_zh, echo(activity)),
    )
}

/// The pieces one after the other, in a string allocated once at its length (what `format!`
/// gives for plain text, without growing the string piece by piece).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// SHA-256 over file paths and contents, in path order (the core crate's hasher).
fn hash_files(files: &[&(String, String)]) -> String {
    let mut joined = String::new();
    for (path, text) in files {
        joined.push_str(path);
        joined.push('\0');
        joined.push_str(text);
        joined.push('\0');
    }
    greenlight_core::provenance::sha256_hex(joined.as_bytes())
}

impl Pack {
    /// The pack's reference page in Markdown, generated from `pack.toml`, the parameters and
    /// the rules' `//!` headers (a test keeps the committed `REFERENCE.md` current).
    pub fn reference_markdown(&self) -> String {
        let m = &self.meta;
        let mut s = String::new();
        let esc = |t: &str| t.replace('|', "\\|");
        s.push_str(&format!("# {} — {}\n\n", m.name_en, m.name_zh));
        s.push_str("Generated from the pack's files; do not edit by hand.\n\n");
        s.push_str(&format!(
            "- Pack id: `{}`, version {}, taxonomy `{}`.\n",
            m.id, m.version, m.taxonomy
        ));
        s.push_str(&format!("- Source: {}, {}.\n", m.source_act, m.edition));
        let until = m
            .effective_until
            .as_deref()
            .map_or_else(String::new, |u| format!(" until {u}"));
        s.push_str(&format!("- In force from {}{until}.\n", m.effective_from));
        s.push_str(&format!("- Verification: {}\n\n", m.verification));
        s.push_str("Verification marks: V verified against a retrieved text; P partly verified; R recalled, not retrieved; U uncertain.\n\n");
        s.push_str("## Parameters\n\n| name | value | unit | clause | in force | mark |\n|---|---|---|---|---|---|\n");
        for p in &self.parameters {
            let v = p
                .value
                .clone()
                .or_else(|| p.text.clone())
                .or_else(|| p.list.as_ref().map(|l| l.join(", ")))
                .unwrap_or_default();
            let dates = match (&p.effective_from, &p.effective_until) {
                (None, None) => "always".to_owned(),
                (f, u) => format!(
                    "{}–{}",
                    f.as_deref().unwrap_or(""),
                    u.as_deref().unwrap_or("")
                ),
            };
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                p.name,
                esc(&v),
                esc(&p.unit),
                esc(&p.clause),
                dates,
                p.verification
            ));
        }
        s.push_str("\n## Rules\n");
        for r in &self.rules {
            let h = &r.header;
            s.push_str(&format!(
                "\n### `{}` — {}\n\n{}\n\n",
                h.id, h.title_en, h.title_zh
            ));
            s.push_str(&format!(
                "- Clause: {}\n- Activities: {}\n",
                h.clause,
                h.activities.join(", ")
            ));
            if !h.inputs.is_empty() {
                s.push_str(&format!(
                    "- Inputs: {}\n",
                    h.inputs
                        .iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !h.parameters.is_empty() {
                s.push_str(&format!(
                    "- Thresholds: {}\n",
                    h.parameters
                        .iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s.push_str(&format!(
                "- Verification: {}\n- Source: {}\n- File: `{}`, {} cases\n",
                h.verification,
                h.source,
                r.file,
                self.cases.get(&r.file).map_or(0, Vec::len)
            ));
            if !h.doc.is_empty() {
                s.push_str(&format!("\n{}\n", h.doc));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_for_an_uncovered_activity_are_the_formatted_ones() {
        let meta: PackMeta = toml::from_str(
            "id = \"t\"\nname_en = \"Test act\"\nname_zh = \"测试\"\nversion = \"0.0.1\"\ntaxonomy = \"eu\"\nsource_act = \"t\"\nedition = \"t\"\neffective_from = \"2020-01-01\"\nverification = \"t\"\n",
        )
        .expect("pack.toml");
        let long = "a".repeat(64);
        let longer = "a".repeat(65);
        for activity in [
            "street_lighting",
            "",
            "a b ~ ' /",
            "with \"quote\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "\u{1}",
            "\u{7f}",
            "café",
            "路灯",
            &long,
            &longer,
        ] {
            let formatted = (
                format!(
                    "{} has no activity covering {:?}",
                    meta.name_en,
                    echo(activity)
                ),
                format!("《{}》未涵盖活动 {:?}", meta.name_zh, echo(activity)),
            );
            assert_eq!(
                no_activity_reasons(activity, &meta),
                formatted,
                "{activity:?}"
            );
        }
        // Written out for the usual case.
        assert_eq!(
            no_activity_reasons("street_lighting", &meta).0,
            "Test act has no activity covering \"street_lighting\""
        );
    }

    use super::*;
    use crate::record::FieldValue;
    use crate::{EngineLimits, RuleSet, yaml_value};

    /// Every case of every shipped rule gives the same verdict, reasons and missing fields
    /// through the tree compiled with the parameters as constants as through the tree
    /// compiled at load, at the case's date and at dates on either side of each parameter's
    /// validity; and the thresholds kept with the parameter set are those looked up at the
    /// date.
    #[test]
    fn parameter_folded_rules_answer_as_the_rules_compiled_at_load() {
        let set = RuleSet::shipped(EngineLimits::standard()).expect("shipped packs load");
        let mut compared = 0;
        for pack in set.packs() {
            let mut dates: Vec<String> = vec![pack.meta.effective_from.clone()];
            for p in &pack.parameters {
                dates.extend(p.effective_from.iter().cloned());
                dates.extend(p.effective_until.iter().cloned());
            }
            dates.push("2099-12-31".to_owned());
            for (index, rule) in pack.rules.iter().enumerate() {
                for case in pack.cases.get(&rule.file).into_iter().flatten() {
                    let mut record = Record::default();
                    for (k, v) in &case.record {
                        if let Ok(Some(value)) = yaml_value(v) {
                            record.set(k, value);
                        }
                    }
                    let mut case_dates = dates.clone();
                    case_dates.extend(case.assessment_date.iter().cloned());
                    for date in &case_dates {
                        record.set("assessment_date", FieldValue::Text(date.clone()));
                        let map = Dynamic::from_map(record.to_map()).into_shared();
                        let params = pack.params_at(&set.engine, date);
                        assert_eq!(
                            Pack::thresholds_in(&params, index, rule, date),
                            pack.thresholds_at(rule, date),
                            "thresholds of {} at {date}",
                            rule.file
                        );
                        // The folded tree through the thread's kept resolution cache, the
                        // load-time tree through a fresh one, as `eval_ast_with_scope` does.
                        let folded = pack.run_in(
                            &set.engine,
                            Some(set.engine_id),
                            &set.limits,
                            rule,
                            &params.asts[index],
                            &mut rule_inputs(&map, &params.map),
                        );
                        let plain = pack.run_in(
                            &set.engine,
                            None,
                            &set.limits,
                            rule,
                            &rule.ast,
                            &mut rule_inputs(&map, &params.map),
                        );
                        match (folded, plain) {
                            (Ok(a), Ok(b)) => {
                                assert_eq!(a, b, "{} {} {date}", rule.file, case.name)
                            }
                            (Err(a), Err(b)) => assert_eq!(
                                a.to_string(),
                                b.to_string(),
                                "{} {} {date}",
                                rule.file,
                                case.name
                            ),
                            (a, b) => {
                                panic!("{} {} {date}: {a:?} against {b:?}", rule.file, case.name)
                            }
                        }
                        compared += 1;
                    }
                }
            }
        }
        // Five packs of several rules with a few cases each, each at several dates.
        assert!(compared > 500, "only {compared} comparisons");
    }
}
