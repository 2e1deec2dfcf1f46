//! `greenlight-rules`: green-bond eligibility as data.
//!
//! One sandboxed Rhai engine ([`engine::build`]) runs rule packs ([`pack::Pack`]), one folder
//! per taxonomy, over a project's [`record::Record`] and gives [`verdict::Eligibility`]:
//! per taxonomy and clause, `eligible | not_eligible | insufficient_data | needs_review` with
//! the thresholds and inputs used and the reason in English and Chinese, plus where the
//! taxonomies disagree. Packs ship embedded; users may load their own from a folder.

// Errors are rare (a pack that does not load, a rule that fails) and carry their location
// for the user; boxing them would only move the allocation.
#![allow(clippy::result_large_err)]

pub mod engine;
pub mod error;
pub mod pack;
pub mod record;

/// The verdict types, defined with the appraisal contract in `greenlight-core`.
pub use greenlight_core::eligibility as verdict;

use std::path::Path;

use rhai::Engine;

pub use crate::engine::EngineLimits;
pub use crate::error::{RuleError, RuleErrorKind};
use crate::pack::Pack;
use crate::record::{FieldValue, Record, RecordView};
use crate::verdict::{Disagreement, Eligibility, PackVerdict};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// Compiled packs and the engine that runs them; `Send + Sync`, built once and shared.
pub struct RuleSet {
    engine: Engine,
    /// Ties the function-resolution cache a thread keeps between rules to this engine.
    engine_id: u64,
    limits: EngineLimits,
    packs: Vec<Pack>,
}

/// One case that did not give its expected verdict (or failed to run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFailure {
    /// Pack id.
    pub pack: String,
    /// Rule id.
    pub rule: String,
    /// Case name.
    pub case: String,
    /// Expected verdict.
    pub expected: String,
    /// What came instead (a verdict with its reason, or an error).
    pub got: String,
}

/// The outcome of running cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseReport {
    /// Cases run.
    pub run: usize,
    /// Those that failed.
    pub failures: Vec<CaseFailure>,
}

impl RuleSet {
    /// No packs yet.
    pub fn empty(limits: EngineLimits) -> Self {
        RuleSet {
            engine: engine::build(&limits),
            engine_id: engine::engine_id(),
            limits,
            packs: Vec::new(),
        }
    }

    /// The packs that ship with the engine.
    pub fn shipped(limits: EngineLimits) -> Result<Self, RuleError> {
        let mut set = RuleSet::empty(limits);
        let mut folders: Vec<&str> = embedded::EMBEDDED.iter().map(|(p, _, _)| *p).collect();
        folders.dedup();
        for folder in folders {
            let files: Vec<(String, String)> = embedded::EMBEDDED
                .iter()
                .filter(|(p, _, _)| *p == folder)
                .map(|(_, path, text)| ((*path).to_owned(), (*text).to_owned()))
                .collect();
            set.add(Pack::from_files(&files, folder, &set.engine)?)?;
        }
        Ok(set)
    }

    /// Loads a pack folder (with `pack.toml`) or a folder of pack folders.
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let name = dir.display().to_string();
        if dir.join("pack.toml").is_file() {
            let files = read_pack(dir)?;
            let pack = Pack::from_files(&files, &name, &self.engine)?;
            return self.add(pack);
        }
        let entries = std::fs::read_dir(dir)
            .map_err(|e| RuleError::pack(&name, "", format!("cannot read the folder: {e}")))?;
        let mut dirs: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("pack.toml").is_file())
            .collect();
        dirs.sort();
        if dirs.is_empty() {
            return Err(RuleError::pack(
                &name,
                "",
                "no pack.toml here or in its sub-folders",
            ));
        }
        for d in dirs {
            self.load_dir(&d)?;
        }
        Ok(())
    }

    /// Adds a pack; one with the id of a loaded pack replaces it (a user's edited copy).
    pub fn add(&mut self, pack: Pack) -> Result<(), RuleError> {
        self.packs.retain(|p| p.meta.id != pack.meta.id);
        self.packs.push(pack);
        Ok(())
    }

    /// The loaded packs.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// Every pack's verdict for a record at `assessment_date` (`YYYY-MM-DD`), and where the
    /// taxonomies disagree.
    pub fn evaluate(&self, record: &Record, assessment_date: &str) -> Eligibility {
        self.evaluate_packs(record, assessment_date, None)
    }

    /// As [`RuleSet::evaluate`], limited to the pack with this id when one is given.
    pub fn evaluate_packs(
        &self,
        record: &Record,
        assessment_date: &str,
        only: Option<&str>,
    ) -> Eligibility {
        // The date and the earlier verdicts are laid over the caller's record rather than
        // copied into a clone of it.
        let mut record = RecordView::new(record);
        record.set(
            "assessment_date",
            FieldValue::Text(assessment_date.to_owned()),
        );
        // Taxonomies defined on top of others (the Common Ground, ICMA's reference taxonomy)
        // run last and read the earlier verdicts as `verdict_<taxonomy>` fields.
        let rank = |t: &str| match t {
            "cn" => 0,
            "eu" => 1,
            "cbi" => 2,
            "cgt" => 3,
            _ => 4,
        };
        let mut order: Vec<&Pack> = self
            .packs
            .iter()
            .filter(|p| only.is_none_or(|id| p.meta.id == id))
            .collect();
        order.sort_by_key(|p| rank(&p.meta.taxonomy));
        let mut taxonomies: Vec<PackVerdict> = Vec::with_capacity(order.len());
        let mut map = rhai::Dynamic::from_map(record.to_map()).into_shared();
        for pack in order {
            let v = pack.evaluate_shared(
                &self.engine,
                Some(self.engine_id),
                &self.limits,
                &record,
                &map,
                assessment_date,
            );
            let field = pack::concat(&["verdict_", &v.taxonomy]);
            let value = FieldValue::Text(v.verdict.as_str().to_owned());
            if let Some(mut m) = map.write_lock::<rhai::Map>() {
                m.insert(field.as_str().into(), value.to_dynamic());
            }
            record.set(&field, value);
            taxonomies.push(v);
        }
        let disagreements = disagreements(&taxonomies);
        Eligibility {
            assessment_date: assessment_date.to_owned(),
            taxonomies,
            disagreements,
        }
    }

    /// Runs the cases of every pack (or of one), each through the real engine.
    pub fn run_cases(&self, only: Option<&str>) -> CaseReport {
        let mut report = CaseReport::default();
        for pack in self
            .packs
            .iter()
            .filter(|p| only.is_none_or(|id| p.meta.id == id))
        {
            for (index, rule) in pack.rules.iter().enumerate() {
                for case in pack.cases.get(&rule.file).into_iter().flatten() {
                    report.run += 1;
                    let mut record = Record::default();
                    let mut bad = None;
                    for (k, v) in &case.record {
                        match yaml_value(v) {
                            Ok(Some(val)) => record.set(k, val),
                            Ok(None) => {}
                            Err(m) => bad = Some(format!("field {k}: {m}")),
                        }
                    }
                    let date = case
                        .assessment_date
                        .clone()
                        .unwrap_or_else(|| pack.meta.effective_from.clone());
                    record.set("assessment_date", FieldValue::Text(date.clone()));
                    let fail = |got: String| CaseFailure {
                        pack: pack.meta.id.clone(),
                        rule: rule.header.id.clone(),
                        case: case.name.clone(),
                        expected: case.expect.clone(),
                        got,
                    };
                    if let Some(m) = bad {
                        report.failures.push(fail(m));
                        continue;
                    }
                    let map = rhai::Dynamic::from_map(record.to_map()).into_shared();
                    match pack.run(&self.engine, &self.limits, index, &map, &date) {
                        Ok((v, _, _, _)) if v.as_str() == case.expect => {}
                        Ok((v, en, _, _)) => {
                            report.failures.push(fail(format!("{} ({en})", v.as_str())))
                        }
                        Err(e) => report.failures.push(fail(format!("error: {e}"))),
                    }
                }
            }
        }
        report
    }
}

/// A YAML case value as a record field; numbers go through their text so `0.1` stays 0.1.
fn yaml_value(v: &serde_yaml::Value) -> Result<Option<FieldValue>, String> {
    Ok(match v {
        serde_yaml::Value::Null => None,
        serde_yaml::Value::Bool(b) => Some(FieldValue::Bool(*b)),
        serde_yaml::Value::Number(n) => {
            let text = n.to_string();
            let d = text
                .parse::<rust_decimal::Decimal>()
                .or_else(|_| rust_decimal::Decimal::from_scientific(&text))
                .map_err(|_| format!("{text} is not a decimal number"))?;
            Some(FieldValue::Number(d))
        }
        serde_yaml::Value::String(s) => Some(FieldValue::Text(s.clone())),
        other => {
            return Err(format!(
                "expected a number, a boolean, a text or null, got {other:?}"
            ));
        }
    })
}

/// Reads every file of a pack folder as `(relative path, text)`.
fn read_pack(dir: &Path) -> Result<Vec<(String, String)>, RuleError> {
    let name = dir.display().to_string();
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| RuleError::pack(&name, "", format!("cannot read {}: {e}", d.display())))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with(".md") {
                continue;
            }
            let meta = std::fs::metadata(&path)
                .map_err(|e| RuleError::pack(&name, &rel, e.to_string()))?;
            // A rule pack is text; refuse anything large enough to be something else.
            if meta.len() > 1024 * 1024 {
                return Err(RuleError::pack(&name, &rel, "file larger than 1 MiB"));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| {
                RuleError::pack(&name, &rel, format!("not readable as UTF-8 text: {e}"))
            })?;
            files.push((rel, text));
        }
    }
    Ok(files)
}

/// Where the EU Taxonomy and China's Catalogue disagree — the comparison finance officers in
/// EU–China city partnerships ask for — with each side's reason. Other pairs can be read off
/// the verdicts; listing every pair would bury this one.
fn disagreements(taxonomies: &[PackVerdict]) -> Vec<Disagreement> {
    let (Some(eu), Some(cn)) = (
        taxonomies.iter().find(|t| t.taxonomy == "eu"),
        taxonomies.iter().find(|t| t.taxonomy == "cn"),
    ) else {
        return Vec::new();
    };
    if eu.verdict == cn.verdict {
        return Vec::new();
    }
    vec![Disagreement {
        taxonomies: ["eu".to_owned(), "cn".to_owned()],
        verdicts: [eu.verdict, cn.verdict],
        explanation_en: format!("EU: {} — China: {}", eu.reason_en, cn.reason_en),
        explanation_zh: format!("欧盟：{} —— 中国：{}", eu.reason_zh, cn.reason_zh),
    }]
}

impl greenlight_core::batch::EligibilityJudge for RuleSet {
    fn judge(
        &self,
        input: &greenlight_core::project::ProjectInput,
        appraisal: &greenlight_core::appraisal::Appraisal,
    ) -> Eligibility {
        self.evaluate(
            &Record::of(input, Some(appraisal)),
            &input.assessment_date_text(),
        )
    }
}
