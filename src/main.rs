//! `greenlight`: the command-line interface of the Greenlight appraisal engine.
//!
//! Exit codes (documented in the README):
//! 0 success (findings such as "no IRR" are successes); 1 a file could not be read or
//! written; 2 the command line is malformed; 3 the input was rejected (every problem is
//! printed on stderr, one line each; in batch mode, at least one line was answered with an
//! error).

mod appraise;
mod bench;
mod calc;
mod exercise;
mod factors;
mod rules;
mod serve;
mod template;
mod text;
mod workbook;

use std::process::ExitCode;

/// The allocator for every thread of the process: the workbook readers, the appraising
/// workers and the service's runtime threads allocate and free small blocks from several
/// threads at once, where the C library's allocator spends its time consolidating arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

use crate::text::Lang;

/// Greenlight appraises urban green projects: lifecycle cost, NPV, IRR, abatement and
/// green-bond eligibility.
#[derive(Debug, Parser)]
#[command(name = "greenlight", version, about, propagate_version = true)]
struct Cli {
    /// Language of human-readable output.
    #[arg(long, global = true, value_enum, default_value_t = Lang::En)]
    lang: Lang,
    /// An extra reference-data file (TOML) to load beside the embedded sets; repeatable.
    #[arg(long = "data", global = true, value_name = "FILE")]
    data: Vec<std::path::PathBuf>,
    /// A rule-pack folder (or a folder of packs) to load beside the shipped packs; a pack with
    /// the id of a shipped one replaces it. Repeatable.
    #[arg(long = "rules", global = true, value_name = "DIR")]
    rules: Vec<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Appraise projects from a JSON file or a workbook (xlsx, xlsm, xls, ods): NPV, IRR,
    /// MIRR, payback, lifecycle cost.
    Appraise(appraise::AppraiseCommand),
    /// Write the project workbook template, empty or filled with projects from JSON.
    Template(template::TemplateCommand),
    /// Green-bond rule packs: list, test cases, check a project.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Reference data: discount presets, shadow carbon prices (list, show ID).
    #[command(subcommand)]
    Factors(factors::FactorsCommand),
    /// Portfolio benchmark: appraise a seeded synthetic portfolio and report throughput.
    Bench(bench::BenchCommand),
    /// Financial calculator: npv, irr, mirr, xnpv, xirr, pmt, pv, fv, rate, payback.
    Calc(Box<calc::CalcCommand>),
    /// Graded exercises: list, show N, key N, workbook N, check FILE.xlsx.
    #[command(subcommand)]
    Exercise(exercise::ExerciseCommand),
    /// The HTTP appraisal service: JSON API under /v1, OpenAPI at /openapi.json, web page at /.
    Serve(serve::ServeCommand),
}

/// How a command ended, mapped to the documented exit codes.
pub(crate) enum Outcome {
    Success,
    Rejected,
}

/// The embedded reference data plus the user's files, in the order given.
fn load_registry(
    files: &[std::path::PathBuf],
) -> anyhow::Result<greenlight_core::registry::Registry> {
    use anyhow::Context;
    let mut registry = greenlight_core::registry::Registry::embedded()
        .context("the embedded reference data is damaged")?;
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        registry
            .load_extra(&text, &name)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    }
    Ok(registry)
}

/// The shipped rule packs plus the user's folders, in the order given.
fn load_rules(dirs: &[std::path::PathBuf]) -> anyhow::Result<greenlight_rules::RuleSet> {
    let mut set = greenlight_rules::RuleSet::shipped(greenlight_rules::EngineLimits::standard())
        .map_err(|e| anyhow::anyhow!("the shipped rule packs are damaged: {e}"))?;
    for dir in dirs {
        set.load_dir(dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(set)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Appraise(cmd) => load_registry(&cli.data)
            .and_then(|r| load_rules(&cli.rules).map(|rules| (r, rules)))
            .and_then(|(r, rules)| appraise::run(cmd, &r, &rules, cli.lang)),
        Command::Rules(cmd) => load_registry(&cli.data)
            .and_then(|r| load_rules(&cli.rules).map(|rules| (r, rules)))
            .and_then(|(r, rules)| rules::run(cmd, &r, &rules, cli.lang)),
        Command::Bench(cmd) => load_registry(&cli.data).and_then(|r| bench::run(cmd, &r)),
        Command::Factors(cmd) => {
            load_registry(&cli.data).and_then(|r| factors::run(cmd, &r, cli.lang))
        }
        Command::Calc(cmd) => calc::run(*cmd, cli.lang),
        Command::Exercise(cmd) => load_registry(&cli.data)
            .and_then(|r| load_rules(&cli.rules).map(|rules| (r, rules)))
            .and_then(|(r, rules)| exercise::run(cmd, &r, &rules, cli.lang)),
        Command::Serve(cmd) => load_registry(&cli.data)
            .and_then(|r| load_rules(&cli.rules).map(|rules| (r, rules)))
            .and_then(|(r, rules)| serve::run(cmd, r, rules)),
        Command::Template(cmd) => template::run(cmd, cli.lang),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(3),
        Err(err) => {
            eprintln!("greenlight: {err:#}");
            ExitCode::from(1)
        }
    }
}
