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
mod text;

use std::process::ExitCode;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Appraise projects from a JSON file: NPV, IRR, MIRR, payback, lifecycle cost.
    Appraise(appraise::AppraiseCommand),
    /// Portfolio benchmark: appraise a seeded synthetic portfolio and report throughput.
    Bench(bench::BenchCommand),
    /// Financial calculator: npv, irr, mirr, xnpv, xirr, pmt, pv, fv, rate, payback.
    Calc(Box<calc::CalcCommand>),
}

/// How a command ended, mapped to the documented exit codes.
pub(crate) enum Outcome {
    Success,
    Rejected,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Appraise(cmd) => appraise::run(cmd, cli.lang),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Calc(cmd) => calc::run(*cmd, cli.lang),
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
