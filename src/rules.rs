//! `greenlight rules list | test [DIR] | check FILE`: the green-bond rule packs.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use greenlight_core::appraisal::{AppraisalOptions, appraise};
use greenlight_core::batch::parse_project;
use greenlight_core::registry::Registry;
use greenlight_rules::record::Record;
use greenlight_rules::{EngineLimits, RuleSet};

use crate::Outcome;
use crate::text::Lang;

/// Subcommands of `greenlight rules`.
#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// The loaded packs: id, version, taxonomy, rules, content hash.
    List,
    /// Run the cases of the loaded packs (or only of the packs in DIR) through the engine.
    Test {
        /// A pack folder or a folder of packs to test instead of the loaded ones.
        dir: Option<PathBuf>,
    },
    /// Appraise a project and show every clause's verdict.
    Check {
        /// A project JSON file.
        file: PathBuf,
        /// Only this pack.
        #[arg(long)]
        pack: Option<String>,
    },
}

pub(crate) fn run(
    cmd: RulesCommand,
    registry: &Registry,
    rules: &RuleSet,
    lang: Lang,
) -> anyhow::Result<Outcome> {
    let mut out = io::stdout().lock();
    match cmd {
        RulesCommand::List => {
            for p in rules.packs() {
                let name = if lang == Lang::En {
                    &p.meta.name_en
                } else {
                    &p.meta.name_zh
                };
                writeln!(
                    out,
                    "{:<24} {:<7} {:<5} {:>3} {} {name}",
                    p.meta.id,
                    p.meta.version,
                    p.meta.taxonomy,
                    p.rules.len(),
                    lang.pick("rules", "条规则")
                )?;
                writeln!(out, "{:<24} {}  ({})", "", p.content_hash, p.origin)?;
            }
            Ok(Outcome::Success)
        }
        RulesCommand::Test { dir } => {
            let owned;
            let set = match dir {
                Some(d) => {
                    let mut s = RuleSet::empty(EngineLimits::standard());
                    if let Err(e) = s.load_dir(&d) {
                        eprintln!("greenlight rules test: {e}");
                        return Ok(Outcome::Rejected);
                    }
                    owned = s;
                    &owned
                }
                None => rules,
            };
            let report = set.run_cases(None);
            for f in &report.failures {
                writeln!(
                    out,
                    "FAIL {} {} «{}»\n  - expected: {}\n  + got:      {}",
                    f.pack, f.rule, f.case, f.expected, f.got
                )?;
            }
            writeln!(
                out,
                "{} passed, {} failed",
                report.run - report.failures.len(),
                report.failures.len()
            )?;
            Ok(if report.failures.is_empty() {
                Outcome::Success
            } else {
                Outcome::Rejected
            })
        }
        RulesCommand::Check { file, pack } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!(
                        "greenlight rules check: {}: not valid JSON: {e}",
                        file.display()
                    );
                    return Ok(Outcome::Rejected);
                }
            };
            let input = match parse_project(&value) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!(
                        "greenlight rules check: {}: {}: {}",
                        file.display(),
                        e.pointer,
                        e.message
                    );
                    return Ok(Outcome::Rejected);
                }
            };
            let appraisal = match appraise(&input, registry, &AppraisalOptions { trace: false }) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("greenlight rules check: {}: {e}", file.display());
                    return Ok(Outcome::Rejected);
                }
            };
            let e = rules.evaluate_packs(
                &Record::of(&input, Some(&appraisal)),
                &input.assessment_date_text(),
                pack.as_deref(),
            );
            writeln!(out, "{}  {}", input.id, input.name)?;
            crate::appraise::write_eligibility(&mut out, &e, true, lang)?;
            Ok(Outcome::Success)
        }
    }
}
