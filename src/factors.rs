//! `greenlight factors list | show ID`: the versioned reference data the engine carries
//! (and any user file loaded with `--data`), with sources.

use std::io::{self, Write};

use clap::Subcommand;
use greenlight_core::registry::{DataSet, Kind, Origin, Registry};

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
                    "{:<28} {:<7} {:<20} {:<12} {title}{verified}",
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
            if let Some(t) = set.factor_type {
                writeln!(
                    out,
                    "  {}: {}",
                    lang.pick("factor type", "因子类型"),
                    t.as_str()
                )?;
            }
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
            match set.kind {
                Kind::GridEmissionFactor => grid_table(&mut out, set, lang)?,
                Kind::FuelFactors => fuel_rows(&mut out, set, lang)?,
                Kind::GwpSet => {
                    for g in &set.gases {
                        let flag = if g.verified == Some(false) {
                            lang.pick("  (not verified)", "  （未核实）")
                        } else {
                            ""
                        };
                        writeln!(out, "    {:<14} {:>10}{flag}", g.gas, g.value)?;
                    }
                }
                _ => {}
            }
            for note in &set.notes {
                writeln!(out, "  {}: {note}", lang.pick("note", "说明"))?;
            }
        }
    }
    Ok(Outcome::Success)
}

/// Regions down, years across; a value not checked is starred, a year not published is a dash.
fn grid_table(out: &mut impl Write, set: &DataSet, lang: Lang) -> io::Result<()> {
    let mut years: Vec<u32> = set
        .regions
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.year))
        .collect();
    years.sort_unstable();
    years.dedup();
    let width = set
        .regions
        .iter()
        .map(|r| r.region.len())
        .max()
        .unwrap_or(0)
        .max(6);
    write!(out, "    {:<width$}", lang.pick("region", "地区"))?;
    for y in &years {
        write!(out, " {y:>9}")?;
    }
    writeln!(out)?;
    let mut starred = false;
    for r in &set.regions {
        write!(out, "    {:<width$}", r.region)?;
        for y in &years {
            let cell = match r.points.iter().find(|p| p.year == *y) {
                Some(p) if p.verified == Some(false) => {
                    starred = true;
                    format!("{}*", p.value)
                }
                Some(p) => format!("{} ", p.value),
                None => "— ".to_owned(),
            };
            write!(out, " {cell:>9}")?;
        }
        let name = if lang == Lang::En {
            &r.name_en
        } else {
            &r.name_zh
        };
        writeln!(out, "  {name}")?;
    }
    if starred {
        writeln!(out, "    {}", lang.pick("* not verified", "* 未核实"))?;
    }
    Ok(())
}

/// One row per fuel: NCV with its unit, then the gases per GJ; derived CO2 shows its parts.
fn fuel_rows(out: &mut impl Write, set: &DataSet, lang: Lang) -> io::Result<()> {
    writeln!(
        out,
        "    {:<22} {:>10} {:<7} {:>12} {:>12} {:>12}",
        lang.pick("fuel", "燃料"),
        "NCV",
        "GJ/…",
        "CO2 t/GJ",
        "CH4 t/GJ",
        "N2O t/GJ"
    )?;
    let dash = || "—".to_owned();
    for row in &set.fuels {
        let co2 = match row.co2_per_gj() {
            Ok(v) => v.round_dp(8).normalize().to_string(),
            Err(_) => dash(),
        };
        write!(
            out,
            "    {:<22} {:>10} {:<7} {:>12} {:>12} {:>12}",
            row.fuel,
            row.ncv_gj_per_unit,
            row.unit,
            co2,
            row.ch4_t_per_gj.map_or_else(dash, |v| v.to_string()),
            row.n2o_t_per_gj.map_or_else(dash, |v| v.to_string()),
        )?;
        if let (Some(c), Some(of)) = (row.carbon_t_per_gj, row.oxidation) {
            write!(out, "  = {c} tC/GJ × {of} × 44/12")?;
        }
        if !row.unverified.is_empty() {
            write!(
                out,
                "  ({}: {})",
                lang.pick("not verified", "未核实"),
                row.unverified.join(", ")
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
