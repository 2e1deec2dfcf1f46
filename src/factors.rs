//! `greenlight factors list | show ID`: the versioned reference data the engine carries
//! (and any user file loaded with `--data`), with sources.

use std::io::{self, Write};

use clap::Subcommand;
use greenlight_core::registry::{Origin, Registry};

use crate::Outcome;
use crate::text::Lang;

/// Subcommands of `greenlight factors`.
#[derive(Debug, Subcommand)]
pub(crate) enum FactorsCommand {
    /// One line per data set: id, version, kind, unit, title, verified.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every field and value of one data set, with its source.
    Show {
        /// The data-set id, as `factors list` prints it.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::Embedded => "embedded".into(),
        Origin::File(name) => format!("file {name}"),
    }
}

pub(crate) fn run(cmd: FactorsCommand, registry: &Registry, lang: Lang) -> anyhow::Result<Outcome> {
    let mut out = io::stdout().lock();
    match cmd {
        FactorsCommand::List { json } => {
            if json {
                let sets: Vec<_> = registry.list().collect();
                serde_json::to_writer_pretty(&mut out, &sets)?;
                writeln!(out)?;
                return Ok(Outcome::Success);
            }
            for set in registry.list() {
                let title = if lang == Lang::En {
                    &set.title_en
                } else {
                    &set.title_zh
                };
                let verified = if set.verified {
                    ""
                } else {
                    lang.pick("  [not fully verified]", "  [未完全核实]")
                };
                writeln!(
                    out,
                    "{:<28} {:<7} {:<18} {:<12} {title}{verified}",
                    set.id,
                    set.version,
                    set.kind.as_str(),
                    set.unit
                )?;
            }
        }
        FactorsCommand::Show { id, json } => {
            let set = match registry.get(&id) {
                Ok(set) => set,
                Err(e) => {
                    eprintln!("greenlight factors show: {}", e.message);
                    return Ok(Outcome::Rejected);
                }
            };
            if json {
                serde_json::to_writer_pretty(&mut out, set)?;
                writeln!(out)?;
                return Ok(Outcome::Success);
            }
            writeln!(
                out,
                "{} {}  ({})",
                set.id,
                set.version,
                origin_text(set.origin())
            )?;
            writeln!(
                out,
                "  {}",
                if lang == Lang::En {
                    &set.title_en
                } else {
                    &set.title_zh
                }
            )?;
            writeln!(
                out,
                "  {}: {}",
                lang.pick("kind", "类型"),
                set.kind.as_str()
            )?;
            writeln!(out, "  {}: {}", lang.pick("unit", "单位"), set.unit)?;
            if let (Some(c), Some(y)) = (&set.currency, set.price_base_year) {
                writeln!(
                    out,
                    "  {}: {c}, {y} {}",
                    lang.pick("prices", "价格"),
                    lang.pick("prices", "年价格")
                )?;
            }
            writeln!(
                out,
                "  {}: {}, {}; {}",
                lang.pick("source", "来源"),
                set.source.document,
                set.source.edition,
                set.source.locator
            )?;
            if let Some(url) = &set.url {
                writeln!(out, "  url: {url}")?;
            }
            let validity = set.valid_to.map_or_else(
                || format!("{}–", set.valid_from),
                |to| format!("{}–{to}", set.valid_from),
            );
            writeln!(
                out,
                "  {}: {}, {}: {validity}",
                lang.pick("vintage", "发布年份"),
                set.vintage,
                lang.pick("valid", "有效期")
            )?;
            writeln!(
                out,
                "  {}: {} — {}",
                lang.pick("verified", "已核实"),
                set.verified,
                set.verification
            )?;
            for p in &set.points {
                let flag = if p.verified == Some(false) {
                    lang.pick("  (not verified)", "  （未核实）")
                } else {
                    ""
                };
                writeln!(out, "    {}  {}{flag}", p.year, p.value)?;
            }
            for b in &set.bands {
                let to = b.to_year.map_or_else(|| "…".to_owned(), |t| t.to_string());
                writeln!(out, "    {}–{to}  {}", b.from_year, b.rate)?;
            }
            for note in &set.notes {
                writeln!(out, "  {}: {note}", lang.pick("note", "说明"))?;
            }
        }
    }
    Ok(Outcome::Success)
}
