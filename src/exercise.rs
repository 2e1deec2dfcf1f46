//! `greenlight exercise list | show N | key N | workbook N | check FILE.xlsx`: graded exercises.
//!
//! Exit codes: 0 when the answer workbook was graded, whatever the marks; 3 when it was
//! rejected (no `Answers` sheet, an unknown or repeated question id, a damaged file); 1 when it
//! could not be read at all.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use greenlight_core::registry::Registry;
use greenlight_rules::RuleSet;
use greenlight_workbooks::exercise::{self, Report, Status};

use crate::Outcome;
use crate::text::Lang;

/// Subcommands of `greenlight exercise`.
#[derive(Debug, Subcommand)]
pub(crate) enum ExerciseCommand {
    /// Every exercise: number, id, skills, title.
    List,
    /// The brief and the questions of exercise N (number or id).
    Show {
        /// Exercise number or id.
        exercise: String,
    },
    /// The worked solution of exercise N: each project appraised step by step, then the key.
    Solution {
        /// Exercise number or id.
        exercise: String,
    },
    /// The answer key of exercise N, computed by the engine.
    Key {
        /// Exercise number or id.
        exercise: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the blank answer workbook of exercise N.
    Workbook {
        /// Exercise number or id.
        exercise: String,
        /// Where to write it.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Grade an answer workbook (sheet `Answers`: id | question | value | unit), or a JSON
    /// answer document `{"exercise": N, "answers": {"q1": …}}`.
    Check {
        /// The filled-in answer workbook (.xlsx) or a JSON answer document (.json).
        file: PathBuf,
        /// The exercise, when the workbook's `Inputs!B1` does not say (number or id).
        #[arg(long)]
        exercise: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn to_workbook_lang(lang: Lang) -> greenlight_workbooks::Lang {
    match lang {
        Lang::En => greenlight_workbooks::Lang::En,
        Lang::Zh => greenlight_workbooks::Lang::Zh,
    }
}

pub(crate) fn run(
    cmd: ExerciseCommand,
    registry: &Registry,
    rules: &RuleSet,
    lang: Lang,
) -> anyhow::Result<Outcome> {
    let mut out = io::stdout().lock();
    let pick = |t: &greenlight_core::trace::Text| lang.pick(&t.en, &t.zh).to_owned();
    match cmd {
        ExerciseCommand::List => {
            for e in exercise::catalogue()? {
                writeln!(
                    out,
                    "{:>2}  {:<24} {:<40} {}",
                    e.number,
                    e.id,
                    e.skills.join(","),
                    pick(&e.title)
                )?;
            }
        }
        ExerciseCommand::Show { exercise: sel } => {
            let Some(e) = find(&sel)? else {
                return Ok(Outcome::Rejected);
            };
            writeln!(out, "{}. {}", e.number, pick(&e.title))?;
            writeln!(out)?;
            writeln!(out, "{}", pick(&e.brief))?;
            writeln!(out)?;
            writeln!(
                out,
                "{}: {}",
                lang.pick("project files", "项目文件"),
                e.files.keys().cloned().collect::<Vec<_>>().join(", ")
            )?;
            writeln!(out)?;
            for q in &e.questions {
                let tolerance = match q.tolerance {
                    Some(exercise::Tolerance::Absolute(t)) => format!(", ±{t}"),
                    Some(exercise::Tolerance::Relative(r)) => {
                        format!(
                            ", ±{}%",
                            (r * rust_decimal::Decimal::ONE_HUNDRED).normalize()
                        )
                    }
                    None => String::new(),
                };
                writeln!(
                    out,
                    "  {:<4} {} [{}{tolerance}]",
                    q.id,
                    pick(&q.text),
                    q.unit
                )?;
            }
        }
        ExerciseCommand::Solution { exercise: sel } => {
            let Some(e) = find(&sel)? else {
                return Ok(Outcome::Rejected);
            };
            writeln!(out, "{}. {}", e.number, pick(&e.title))?;
            let options = greenlight_core::appraisal::AppraisalOptions { trace: true };
            let projects: std::collections::BTreeSet<&str> = e
                .questions
                .iter()
                .filter_map(|q| q.key.project.as_deref())
                .collect();
            for file in projects {
                let text = &e.files[file];
                let output = greenlight_core::batch::appraise_json_text(
                    text,
                    registry,
                    &options,
                    Some(rules),
                )
                .map_err(|err| anyhow::anyhow!("{file}: {}", err.message))?;
                writeln!(out)?;
                writeln!(out, "── {file} ──")?;
                for r in &output.results {
                    if let Some(a) = &r.appraisal {
                        crate::appraise::write_table(&mut out, a, lang)?;
                        if let Some(el) = &r.eligibility {
                            crate::appraise::write_eligibility(&mut out, el, true, lang)?;
                        }
                        crate::appraise::write_explain(&mut out, a, lang)?;
                    }
                }
            }
            let calcs: Vec<_> = e
                .questions
                .iter()
                .filter_map(|q| q.key.calc.as_ref().map(|c| (q, c)))
                .collect();
            if !calcs.is_empty() {
                writeln!(out)?;
                writeln!(out, "── {} ──", lang.pick("calculator", "计算器"))?;
                for (q, c) in calcs {
                    writeln!(out, "  {:<4} {}", q.id, serde_json::to_string(c)?)?;
                    let request: greenlight_core::calc::CalcRequest =
                        serde_json::from_value(serde_json::to_value(c)?)?;
                    let result = greenlight_core::calc::evaluate(&request)
                        .map_err(|err| anyhow::anyhow!("{}: {err}", q.id))?;
                    writeln!(out, "       → {}", serde_json::to_string(&result)?)?;
                }
            }
            writeln!(out)?;
            writeln!(out, "{}", lang.pick("Key", "答案"))?;
            for (q, k) in e.questions.iter().zip(exercise::key(&e, registry, rules)?) {
                writeln!(
                    out,
                    "  {:<4} {} {}  — {}",
                    k.id,
                    shown(&k.value),
                    k.unit,
                    pick(&q.text)
                )?;
            }
        }
        ExerciseCommand::Key {
            exercise: sel,
            json,
        } => {
            let Some(e) = find(&sel)? else {
                return Ok(Outcome::Rejected);
            };
            let key = exercise::key(&e, registry, rules)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &key)?;
                writeln!(out)?;
            } else {
                for k in &key {
                    writeln!(out, "  {:<4} {} {}", k.id, shown(&k.value), k.unit)?;
                }
            }
        }
        ExerciseCommand::Workbook {
            exercise: sel,
            out: path,
        } => {
            let Some(e) = find(&sel)? else {
                return Ok(Outcome::Rejected);
            };
            let bytes = exercise::answer_workbook(&e, to_workbook_lang(lang))?;
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        ExerciseCommand::Check {
            file,
            exercise: sel,
            json,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let graded = if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                match String::from_utf8(bytes) {
                    Ok(text) => exercise::check_json_text(&text, sel.as_deref(), registry, rules),
                    Err(_) => Err(greenlight_workbooks::Error::new(
                        "invalid_json",
                        "the file is not UTF-8 text",
                    )),
                }
            } else {
                exercise::check_workbook(&bytes, sel.as_deref(), registry, rules)
            };
            match graded {
                Ok(report) => {
                    if json {
                        serde_json::to_writer_pretty(&mut out, &report)?;
                        writeln!(out)?;
                    } else {
                        write_report(&mut out, &report, lang)?;
                    }
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(Outcome::Rejected);
                }
            }
        }
    }
    Ok(Outcome::Success)
}

/// The exercise, or `None` after saying on stderr that there is no such exercise.
fn find(selector: &str) -> anyhow::Result<Option<exercise::Exercise>> {
    match exercise::find(selector) {
        Ok(e) => Ok(Some(e)),
        Err(e) if e.code == "unknown_exercise" => {
            eprintln!("greenlight: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A key for display: figures to 6 decimal places without trailing zeros (the JSON report
/// carries full precision).
fn shown(v: &exercise::KeyValue) -> String {
    match v {
        exercise::KeyValue::Number(d) => d.round_dp(6).normalize().to_string(),
        exercise::KeyValue::Text(t) => t.clone(),
    }
}

fn write_report(out: &mut impl Write, r: &Report, lang: Lang) -> io::Result<()> {
    writeln!(
        out,
        "{} {} ({}): {}/{} {}",
        lang.pick("exercise", "练习"),
        r.number,
        r.exercise,
        r.right,
        r.total,
        lang.pick("right", "正确")
    )?;
    for q in &r.questions {
        let status = match q.status {
            Status::Right => lang.pick("right", "正确"),
            Status::Wrong => lang.pick("wrong", "错误"),
            Status::Missing => lang.pick("missing", "未作答"),
            Status::Unreadable => lang.pick("unreadable", "无法读取"),
        };
        let at = if q.location.is_empty() {
            String::new()
        } else {
            format!(" [{}]", q.location)
        };
        match q.status {
            Status::Right => writeln!(out, "  {:<4} {status}{at}", q.id)?,
            Status::Missing => writeln!(out, "  {:<4} {status}{at}", q.id)?,
            Status::Unreadable => writeln!(
                out,
                "  {:<4} {status}{at}: {:?} {}",
                q.id,
                q.given.as_deref().unwrap_or(""),
                lang.pick(
                    "is not a value of this question's kind",
                    "不是本题所需类型的数值"
                )
            )?,
            Status::Wrong => {
                writeln!(
                    out,
                    "  {:<4} {status}{at}: {} {} {} {}",
                    q.id,
                    q.given.as_deref().unwrap_or(""),
                    lang.pick("given; expected", "；应为"),
                    q.expected.as_ref().map_or_else(String::new, shown),
                    q.unit
                )?;
                if let Some(m) = &q.mistake {
                    writeln!(
                        out,
                        "       {}: {}",
                        lang.pick("likely mistake", "可能的错误"),
                        lang.pick(&m.name.en, &m.name.zh)
                    )?;
                    writeln!(
                        out,
                        "       {}: {}",
                        lang.pick("revisit", "请复习"),
                        lang.pick(&m.step.en, &m.step.zh)
                    )?;
                }
            }
        }
    }
    Ok(())
}
