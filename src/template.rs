//! `greenlight template`: the project template, empty or filled with projects from JSON.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use greenlight_workbooks::template::{Layout, write_filled, write_template};

use crate::Outcome;
use crate::text::Lang;

/// Arguments of `greenlight template`.
#[derive(Debug, Args)]
pub(crate) struct TemplateCommand {
    /// Layout: one sheet per kind of data (portfolio) or one sheet per project (form).
    #[arg(long, value_enum, default_value_t = LayoutArg::Portfolio)]
    layout: LayoutArg,
    /// Projects to write into the template: a JSON file with one project, an array, or
    /// {"settings": ..., "projects": [...]}.
    #[arg(long, value_name = "FILE")]
    fill: Option<PathBuf>,
    /// The workbook to write (.xlsx).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LayoutArg {
    /// Projects, CashFlows, Quantities, Evidence, Details, Settings and Help sheets.
    Portfolio,
    /// A label–value form and a yearly table per project.
    Form,
}

pub(crate) fn run(cmd: TemplateCommand, lang: Lang) -> anyhow::Result<Outcome> {
    let lang = match lang {
        Lang::En => greenlight_workbooks::Lang::En,
        Lang::Zh => greenlight_workbooks::Lang::Zh,
    };
    let layout = match cmd.layout {
        LayoutArg::Portfolio => Layout::Portfolio,
        LayoutArg::Form => Layout::Form,
    };
    let written = match &cmd.fill {
        None => write_template(lang, layout),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let document: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!(
                        "greenlight template: {}: not valid JSON: {e}",
                        path.display()
                    );
                    return Ok(Outcome::Rejected);
                }
            };
            write_filled(&document, lang, layout)
        }
    };
    let bytes = match written {
        Ok(b) => b,
        Err(e) => {
            eprintln!("greenlight template: {e}");
            return Ok(Outcome::Rejected);
        }
    };
    std::fs::write(&cmd.output, bytes)
        .with_context(|| format!("cannot write {}", cmd.output.display()))?;
    Ok(Outcome::Success)
}
