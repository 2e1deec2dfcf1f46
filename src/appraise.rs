//! `greenlight appraise`: appraise one project or a batch of projects from a JSON file.
//!
//! The file holds one project object, an array of projects, or `{"projects": [...]}`. Each
//! project is read and appraised on its own, so a bad project is reported with its reason
//! and never stops the others.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use greenlight_core::appraisal::{Appraisal, AppraisalOptions, Figure, FinancingView};
use greenlight_core::batch::{AppraisalOutput, InputError, ProjectOutcome, appraise_json_text};
use greenlight_core::economic::EconomicView;
use greenlight_core::emissions::abatement::EmissionsView;
use greenlight_core::emissions::cost::MacCurve;
use greenlight_core::registry::Registry;
use greenlight_core::roots::RootFlag;
use greenlight_core::sensitivity::SensitivityView;
use rust_decimal::Decimal;

use crate::Outcome;
use crate::text::{self, Lang, money, percent};

/// Arguments of `greenlight appraise`.
#[derive(Debug, Args)]
pub(crate) struct AppraiseCommand {
    /// A project JSON file (one project, an array, or {"settings": ..., "projects": [...]}),
    /// or a workbook in the template's layout (xlsx, xlsm, xls, ods; detected by content);
    /// `-` for stdin.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Show the working behind every figure, step by step (with xlsx: the Working sheet).
    #[arg(long)]
    explain: bool,
    /// Write the output to this file instead of standard output; required for xlsx (`-` for
    /// standard output, which must then not be a terminal).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        required_if_eq("format", "xlsx")
    )]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary table per project.
    Table,
    /// The full appraisal as JSON (schema: core/schemas/appraisal-output.schema.json).
    Json,
    /// The results workbook (Excel): summary, yearly tables, eligibility, working, provenance
    /// and charts.
    Xlsx,
}

pub(crate) fn run(
    cmd: AppraiseCommand,
    registry: &Registry,
    rules: &greenlight_rules::RuleSet,
    lang: Lang,
) -> anyhow::Result<Outcome> {
    let bytes = if cmd.file.as_os_str() == "-" {
        let mut b = Vec::new();
        io::Read::read_to_end(&mut io::stdin(), &mut b)?;
        b
    } else {
        std::fs::read(&cmd.file).with_context(|| format!("cannot read {}", cmd.file.display()))?
    };
    let options = AppraisalOptions { trace: cmd.explain };
    let to_stdout = cmd.output.as_deref().is_none_or(|p| p.as_os_str() == "-");
    if cmd.format == Format::Xlsx && to_stdout && io::stdout().is_terminal() {
        // A malformed command line, as clap reports it (exit code 2).
        clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "an xlsx workbook is binary: write it to a file with -o FILE, not to a terminal\n",
        )
        .exit();
    }
    let mut sink = OutputSink {
        format: cmd.format,
        lang,
        explain: cmd.explain,
        output: cmd.output.as_deref(),
        out: None,
        partial: None,
        written: 0,
        collected: Vec::new(),
        errors: Vec::new(),
    };
    // A workbook is recognised by its content, whatever the file is called.
    let (result, problems) = if greenlight_workbooks::safety::is_workbook(&bytes) {
        // Each outcome is rendered (table or JSON text) by the worker that appraised it, so
        // formatting is spread over the workers too; this thread only writes the bytes in
        // order.
        let (format, explain) = (cmd.format, cmd.explain);
        let buffers = TextBuffers::default();
        let render = |o: ProjectOutcome| -> anyhow::Result<Rendered> {
            Ok(Rendered::of(format, lang, explain, o, buffers.take())?)
        };
        let run = crate::workbook::appraise_workbook(
            &bytes,
            registry,
            &options,
            Some(rules),
            crate::workbook::default_workers(),
            &render,
            &mut |rendered| {
                buffers.give(sink.take(rendered)?);
                Ok(())
            },
        );
        match run? {
            Ok(run) => (run.result, run.problems),
            Err(e) => {
                eprintln!("greenlight appraise: {}: {e}", cmd.file.display());
                return Ok(Outcome::Rejected);
            }
        }
    } else {
        let text = String::from_utf8(bytes).with_context(|| {
            format!(
                "{} is neither a workbook nor UTF-8 JSON",
                cmd.file.display()
            )
        })?;
        match appraise_json_text(&text, registry, &options, Some(rules)) {
            Ok(output) => {
                for o in output.results {
                    sink.outcome(o)?;
                }
                (Ok(output.mac_curve), Vec::new())
            }
            Err(e) => (Err(e), Vec::new()),
        }
    };
    for p in &problems {
        eprintln!("greenlight appraise: {}: {p}", cmd.file.display());
    }
    let mac_curve = match result {
        Ok(mac_curve) => mac_curve,
        Err(e) => {
            let at = e.location.as_deref().unwrap_or(e.pointer.as_str());
            eprintln!(
                "greenlight appraise: {}: {}{}",
                cmd.file.display(),
                if at.is_empty() {
                    String::new()
                } else {
                    format!("{at}: ")
                },
                e.message
            );
            return Ok(Outcome::Rejected);
        }
    };
    let source_name = cmd
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let errors = sink.finish(mac_curve, source_name)?;
    let mut rejected = !problems.is_empty();
    for e in &errors {
        rejected = true;
        match &e.location {
            Some(at) => eprintln!(
                "greenlight appraise: {}: {at}: {} ({})",
                cmd.file.display(),
                e.message,
                e.pointer
            ),
            None => eprintln!(
                "greenlight appraise: {}: {}: {}",
                cmd.file.display(),
                e.pointer,
                e.message
            ),
        }
    }
    Ok(if rejected {
        Outcome::Rejected
    } else {
        Outcome::Success
    })
}

/// Writes outcomes as they come: the table and JSON are written project by project (JSON
/// with the bytes `serde_json::to_writer_pretty` gives for the whole output), the results
/// workbook, whose Summary and MAC curve sheets need every project, at the end. The output
/// is created with the first outcome, so a batch-level error leaves no file behind.
///
/// A file named with `-o` is written under a temporary name beside it and renamed when the
/// output is complete, so a run that stops midway (a workbook found unreadable partway
/// through) never leaves a file that looks like a finished result; the partial file is
/// removed. On standard output, what was written stays written; the exit code tells.
struct OutputSink<'a> {
    format: Format,
    lang: Lang,
    explain: bool,
    output: Option<&'a std::path::Path>,
    out: Option<Box<dyn Write + Send>>,
    /// The temporary file being written for `output`, until it is renamed.
    partial: Option<std::path::PathBuf>,
    written: usize,
    /// Outcomes kept for the results workbook only.
    collected: Vec<ProjectOutcome>,
    /// Every outcome's errors, reported after the output.
    errors: Vec<InputError>,
}

impl OutputSink<'_> {
    fn out(&mut self) -> anyhow::Result<&mut Box<dyn Write + Send>> {
        if self.out.is_none() {
            let to_stdout = self.output.is_none_or(|p| p.as_os_str() == "-");
            let out: Box<dyn Write + Send> = match self.output {
                // A device or pipe (`-o /dev/null`) is written as it is.
                Some(path) if !to_stdout && std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
                    Box::new(io::BufWriter::new(
                        std::fs::OpenOptions::new()
                            .write(true)
                            .open(path)
                            .with_context(|| format!("cannot write {}", path.display()))?,
                    ))
                }
                Some(path) if !to_stdout => {
                    let partial = partial_path(path);
                    let file = std::fs::File::create(&partial)
                        .with_context(|| format!("cannot write {}", partial.display()))?;
                    self.partial = Some(partial);
                    Box::new(io::BufWriter::new(file))
                }
                _ => Box::new(io::BufWriter::new(io::stdout())),
            };
            self.out = Some(out);
        }
        Ok(self.out.as_mut().expect("created above"))
    }

    fn outcome(&mut self, o: ProjectOutcome) -> anyhow::Result<()> {
        let rendered = Rendered::of(self.format, self.lang, self.explain, o, Vec::new())?;
        self.take(rendered)?;
        Ok(())
    }

    /// Takes the next outcome, rendered; gives its text buffer back for reuse.
    fn take(&mut self, rendered: Rendered) -> anyhow::Result<Vec<u8>> {
        self.errors.extend(rendered.errors);
        let first = self.written == 0;
        self.written += 1;
        match self.format {
            Format::Xlsx => self.collected.extend(rendered.outcome.map(|o| *o)),
            Format::Json => {
                let out = self.out()?;
                out.write_all(json_separator(first))?;
                out.write_all(&rendered.text)?;
            }
            Format::Table => {
                self.out()?.write_all(&rendered.text)?;
            }
        }
        Ok(rendered.text)
    }

    /// Ends the output; gives every outcome's errors.
    fn finish(
        mut self,
        mac_curve: Option<MacCurve>,
        source_name: Option<String>,
    ) -> anyhow::Result<Vec<InputError>> {
        let name = output_name(self.output);
        match self.format {
            Format::Xlsx => {
                let options = greenlight_workbooks::ReportOptions {
                    lang: match self.lang {
                        Lang::En => greenlight_workbooks::Lang::En,
                        Lang::Zh => greenlight_workbooks::Lang::Zh,
                    },
                    title: None,
                    source_name,
                };
                let output = AppraisalOutput {
                    results: std::mem::take(&mut self.collected),
                    mac_curve,
                };
                let bytes = greenlight_workbooks::results_workbook(&output, &options)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                self.out()?
                    .write_all(&bytes)
                    .with_context(|| format!("cannot write {name}"))?;
            }
            Format::Json => {
                let written = self.written;
                write_json_end(self.out()?, written, mac_curve.as_ref())?;
            }
            Format::Table => {
                self.out()?;
            }
        }
        let mut out = self.out.take().expect("created above");
        out.flush()
            .with_context(|| format!("cannot write {name}"))?;
        drop(out);
        if let (Some(partial), Some(path)) = (self.partial.take(), self.output) {
            std::fs::rename(&partial, path).with_context(|| {
                format!("cannot move {} to {}", partial.display(), path.display())
            })?;
        }
        Ok(std::mem::take(&mut self.errors))
    }
}

impl Drop for OutputSink<'_> {
    /// A run that ended before `finish` leaves no partial file behind.
    fn drop(&mut self) {
        drop(self.out.take());
        if let Some(partial) = self.partial.take() {
            let _ = std::fs::remove_file(partial);
        }
    }
}

/// The temporary name `path` is written under: hidden, beside it (so the rename stays on
/// one file system), and naming the process so two runs do not share it.
fn partial_path(path: &std::path::Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

/// An outcome as the output takes it: its table, or its JSON as nested in the streamed
/// document (after [`json_separator`]); for the results workbook, written from the outcomes
/// at the end, the outcome itself. Rendering can happen on the thread that appraised it.
struct Rendered {
    text: Vec<u8>,
    /// The outcome, kept for the results workbook only (boxed: it is large, and moved
    /// between threads).
    outcome: Option<Box<ProjectOutcome>>,
    /// Its errors, reported after the output.
    errors: Vec<InputError>,
}

impl Rendered {
    /// Room for most outcomes' text at once (a 30-year project: about 1 KB of table, 30 KB
    /// of JSON), so the text is not copied as it grows.
    const TABLE_BYTES: usize = 4 << 10;
    const JSON_BYTES: usize = 48 << 10;

    /// The outcome rendered into `text` (emptied first).
    fn of(
        format: Format,
        lang: Lang,
        explain: bool,
        mut o: ProjectOutcome,
        mut text: Vec<u8>,
    ) -> io::Result<Self> {
        text.clear();
        match format {
            Format::Table => {
                text.reserve(Self::TABLE_BYTES);
                write_outcome_table(&mut text, &o, lang, explain)?;
            }
            Format::Json => {
                text.reserve(Self::JSON_BYTES);
                write_pretty_indented(&mut text, &o, 2)?;
            }
            Format::Xlsx => {
                let errors = o.errors.clone();
                return Ok(Rendered {
                    text,
                    outcome: Some(Box::new(o)),
                    errors,
                });
            }
        }
        Ok(Rendered {
            text,
            errors: std::mem::take(&mut o.errors),
            outcome: None,
        })
    }
}

/// Text buffers the output has written, kept for the next outcomes' rendering: a buffer
/// allocated for every outcome on a worker and freed on the writing thread cost more than
/// formatting a table (each large allocation makes the allocator sweep its lists of small
/// free blocks, and a block freed on another thread goes back under a lock). At most as many
/// are kept as outcomes can be in flight.
#[derive(Default)]
struct TextBuffers(std::sync::Mutex<Vec<Vec<u8>>>);

impl TextBuffers {
    const KEPT: usize = 512;

    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut kept| kept.pop())
            .unwrap_or_default()
    }

    fn give(&self, text: Vec<u8>) {
        if let Ok(mut kept) = self.0.lock()
            && kept.len() < Self::KEPT
        {
            kept.push(text);
        }
    }
}

/// What comes before an outcome in the streamed JSON document (`first`: the document
/// begins here).
fn json_separator(first: bool) -> &'static [u8] {
    if first {
        b"{\n  \"results\": [\n    "
    } else {
        b",\n    "
    }
}

/// The end of the streamed JSON document, after `written` outcomes.
fn write_json_end(out: &mut dyn Write, written: usize, mac: Option<&MacCurve>) -> io::Result<()> {
    if written == 0 {
        out.write_all(b"{\n  \"results\": []")?;
    } else {
        out.write_all(b"\n  ]")?;
    }
    if let Some(mac) = mac {
        out.write_all(b",\n  \"mac_curve\": ")?;
        let mut text = Vec::new();
        write_pretty_indented(&mut text, mac, 1)?;
        out.write_all(&text)?;
    }
    out.write_all(b"\n}\n")
}

/// `value` as `serde_json::to_writer_pretty` writes it when nested `level` deep in a
/// pretty document (two spaces a level), appended to `out`.
fn write_pretty_indented(
    out: &mut Vec<u8>,
    value: &impl serde::Serialize,
    level: usize,
) -> io::Result<()> {
    greenlight_core::json_text::write_pretty_nested(out, value, level).map_err(io::Error::other)
}

fn write_outcome_table(
    out: &mut dyn Write,
    r: &ProjectOutcome,
    lang: Lang,
    explain: bool,
) -> io::Result<()> {
    match &r.appraisal {
        Some(a) => {
            write_table(out, a, lang)?;
            if let Some(e) = &r.eligibility {
                write_eligibility(out, e, explain, lang)?;
            }
            if explain {
                write_explain(out, a, lang)?;
            }
        }
        None => {
            writeln!(
                out,
                "#{} {}: {}",
                r.index,
                r.id.as_deref().unwrap_or("?"),
                lang.pick("not appraised", "未评估")
            )?;
        }
    }
    Ok(())
}

fn output_name(path: Option<&std::path::Path>) -> String {
    path.map_or_else(|| "standard output".to_owned(), |p| p.display().to_string())
}

fn flag_text(flag: RootFlag, lang: Lang) -> &'static str {
    match flag {
        RootFlag::None => lang.pick("no IRR", "无内部收益率"),
        RootFlag::Unique => lang.pick("unique", "唯一解"),
        RootFlag::Multiple => lang.pick("several roots: judge by NPV", "多个解：以净现值判断"),
    }
}

fn figure_percent(f: &Figure<Decimal>, lang: Lang) -> String {
    match f {
        Figure::Value(v) => percent(*v),
        Figure::None { finding } => format!("— ({})", text::finding(finding, lang)),
    }
}

pub(crate) fn write_table(out: &mut dyn Write, a: &Appraisal, lang: Lang) -> io::Result<()> {
    let p = &a.project;
    let c = &a.conventions;
    let cur = p.currency.as_str();
    writeln!(out, "{}  {}", p.id, p.name)?;
    writeln!(
        out,
        "  {} {}–{} · {} {} {} · {} {} · {}",
        lang.pick("study period", "计算期"),
        c.study_period[0],
        c.study_period[1],
        cur,
        p.price_base_year,
        lang.pick("prices", "年价格"),
        lang.pick("discount rate", "折现率"),
        percent(c.discount_rate.rate_for_year(1)),
        text::timing(c.timing, lang),
    )?;
    let f = &a.financial;
    row(
        out,
        lang.pick("NPV", "财务净现值 FNPV"),
        format!("{} {cur}", money(f.npv)),
    )?;
    let irr = match f.irr.selected {
        Some(r) => format!("{} ({})", percent(r), flag_text(f.irr.flag, lang)),
        None => format!("— ({})", flag_text(f.irr.flag, lang)),
    };
    row(out, lang.pick("IRR", "财务内部收益率 FIRR"), irr)?;
    if f.irr.roots.len() > 1 {
        let roots: Vec<String> = f.irr.roots.iter().map(|r| percent(*r)).collect();
        row(out, lang.pick("  all roots", "  全部解"), roots.join(", "))?;
    }
    row(
        out,
        lang.pick("MIRR", "修正内部收益率 MIRR"),
        figure_percent(&f.mirr, lang),
    )?;
    for (label, pb) in [
        (lang.pick("payback", "静态投资回收期"), &f.payback),
        (
            lang.pick("discounted payback", "动态投资回收期"),
            &f.discounted_payback,
        ),
    ] {
        let text = match (pb.year, pb.interpolated) {
            (Some(y), Some(i)) => format!(
                "{} {y} ({} {})",
                lang.pick("year", "第"),
                lang.pick("interpolated", "插值"),
                i.round_dp(2)
            ),
            _ => pb
                .finding
                .as_ref()
                .map_or_else(String::new, |f| text::finding(f, lang)),
        };
        row(out, label, text)?;
    }
    let bcr = match &f.benefit_cost {
        Figure::Value(b) => format!(
            "{} ({} {})",
            b.bcr.round_dp(4),
            lang.pick("net", "净"),
            b.net_bcr.round_dp(4)
        ),
        Figure::None { finding } => text::finding(finding, lang),
    };
    row(out, lang.pick("benefit–cost ratio", "效益费用比 BCR"), bcr)?;
    let l = &a.lifecycle_cost;
    row(
        out,
        lang.pick("lifecycle cost (LCC)", "全生命周期成本 LCC"),
        format!("{} {cur}", money(l.total)),
    )?;
    row(
        out,
        lang.pick("equivalent annual cost", "等额年成本"),
        format!("{} {cur}", money(l.equivalent_annual_cost)),
    )?;
    if let Some(cmp) = &l.comparison {
        row(
            out,
            lang.pick("net savings vs base case", "相对基准方案净节约"),
            format!("{} {cur}", money(cmp.net_savings)),
        )?;
        let sir = match &cmp.sir {
            Figure::Value(v) => v.round_dp(4).to_string(),
            Figure::None { finding } => text::finding(finding, lang),
        };
        row(out, "SIR", sir)?;
        row(out, "AIRR", figure_percent(&cmp.airr, lang))?;
    }
    for lv in &l.levelised {
        let label = match lang {
            Lang::En => lv.label.en.as_str(),
            Lang::Zh => lv.label.zh.as_str(),
        };
        let v = match &lv.value {
            Figure::Value(v) => format!("{} {cur}/{}", money(*v), unit_of(&lv.quantity)),
            Figure::None { finding } => text::finding(finding, lang),
        };
        row(out, label, v)?;
    }
    if let Some(fin) = &a.financing {
        write_financing(out, fin, cur, lang)?;
    }
    if let Some(e) = &a.emissions {
        write_emissions(out, e, cur, lang)?;
    }
    if let Some(e) = &a.economic {
        write_economic(out, e, cur, lang)?;
    }
    if let Some(s) = &a.sensitivity {
        write_sensitivity(
            out,
            s,
            cur,
            [
                lang.pick("sensitivity of the NPV", "财务净现值敏感性分析"),
                "NPV",
            ],
            lang,
        )?;
    }
    if let Some(s) = a.economic.as_ref().and_then(|e| e.sensitivity.as_ref()) {
        write_sensitivity(
            out,
            s,
            cur,
            [
                lang.pick("sensitivity of the ENPV", "经济净现值敏感性分析"),
                "ENPV",
            ],
            lang,
        )?;
    }
    writeln!(
        out,
        "  {} {}",
        lang.pick("input", "输入"),
        a.provenance.input_hash
    )
}

/// One line of the table: `"  {label:<34} {value}"`, written piece by piece rather than
/// through the formatter (a line per figure, some 25 per project). The label is padded with
/// spaces to 34 characters counted as the formatter counts them, by `char`.
fn row(out: &mut dyn Write, label: &str, value: String) -> io::Result<()> {
    const SPACES: [u8; 34] = [b' '; 34];
    let pad = SPACES.len().saturating_sub(label.chars().count());
    out.write_all(b"  ")?;
    out.write_all(label.as_bytes())?;
    out.write_all(&SPACES[..pad])?;
    out.write_all(b" ")?;
    out.write_all(value.as_bytes())?;
    out.write_all(b"\n")
}

fn write_financing(
    out: &mut dyn Write,
    fin: &FinancingView,
    cur: &str,
    lang: Lang,
) -> io::Result<()> {
    if let Some(loan) = &fin.loan {
        let service = loan.level_payment.map_or_else(
            || lang.pick("linear repayment", "等额本金").to_owned(),
            |p| format!("{} {cur}/{}", money(p), lang.pick("year", "年")),
        );
        row(
            out,
            lang.pick("loan", "贷款"),
            format!("{} {cur}, {service}", money(loan.principal)),
        )?;
    }
    if let Some(d) = &fin.dscr {
        row(
            out,
            lang.pick("minimum DSCR", "最低偿债备付率"),
            d.min
                .map_or_else(|| "—".to_owned(), |m| m.round_dp(2).to_string()),
        )?;
    }
    if let Some(eq) = &fin.equity {
        let v = eq.equity_irr.selected.map_or_else(
            || format!("— ({})", flag_text(eq.equity_irr.flag, lang)),
            percent,
        );
        row(out, lang.pick("equity IRR", "资本金内部收益率"), v)?;
    }
    if let Some(g) = &fin.funding_gap {
        row(
            out,
            lang.pick("funding-gap rate R", "资金缺口率 R"),
            percent(g.rate),
        )?;
        row(
            out,
            lang.pick("EU grant", "欧盟补助"),
            format!("{} {cur}", money(g.eu_grant)),
        )?;
    }
    Ok(())
}

fn write_emissions(
    out: &mut dyn Write,
    e: &EmissionsView,
    cur: &str,
    lang: Lang,
) -> io::Result<()> {
    let t = |d: Decimal| d.round_dp(1).to_string();
    row(
        out,
        lang.pick("emissions abated (lifetime)", "全生命周期减排量"),
        format!(
            "{} tCO2e ({}–{}, {})",
            t(e.lifetime.abatement),
            e.years[0].year,
            e.years[e.years.len() - 1].year,
            e.gwp.id
        ),
    )?;
    row(
        out,
        lang.pick(
            "typical year (EIB): AE / BE / RE",
            "典型年 (EIB)：绝对/基准/相对排放",
        ),
        format!(
            "{} / {} / {} tCO2e ({})",
            t(e.typical_year.absolute),
            t(e.typical_year.baseline),
            t(e.typical_year.relative),
            e.typical_year.year
        ),
    )?;
    let cpt = match &e.cost_per_tonne {
        Figure::Value(c) => format!("{} {cur}/tCO2e", money(c.cost_per_t)),
        Figure::None { finding } => text::finding(finding, lang),
    };
    row(
        out,
        lang.pick("cost per tonne (levelised)", "单位减排成本（平准化）"),
        cpt,
    )?;
    for ind in &e.indicators {
        row(out, &ind.key, text::quantity(ind.value))?;
    }
    Ok(())
}

fn write_economic(out: &mut dyn Write, e: &EconomicView, cur: &str, lang: Lang) -> io::Result<()> {
    row(
        out,
        lang.pick("economic NPV (ENPV)", "经济净现值 ENPV"),
        format!("{} {cur}", money(e.enpv)),
    )?;
    let err = e.err.selected.map_or_else(
        || format!("— ({})", flag_text(e.err.flag, lang)),
        |r| format!("{} ({})", percent(r), flag_text(e.err.flag, lang)),
    );
    row(
        out,
        lang.pick("economic rate of return (ERR)", "经济内部收益率 EIRR"),
        err,
    )?;
    if let Figure::Value(b) = &e.benefit_cost {
        row(
            out,
            lang.pick("economic benefit–cost ratio", "经济效益费用比"),
            b.bcr.round_dp(4).to_string(),
        )?;
    }
    if let Some(c) = &e.carbon {
        row(
            out,
            lang.pick("emissions avoided", "减排量"),
            format!("{} tCO2e ({})", c.tonnes.normalize(), c.path.id),
        )?;
    }
    if let Some(f) = &e.flood {
        row(
            out,
            lang.pick("expected annual damage avoided", "年期望损失减少"),
            format!("{} {cur}/{}", money(f.avoided), lang.pick("year", "年")),
        )?;
    }
    Ok(())
}

fn write_sensitivity(
    out: &mut dyn Write,
    s: &SensitivityView,
    cur: &str,
    [title, npv_name]: [&str; 2],
    lang: Lang,
) -> io::Result<()> {
    row(
        out,
        title,
        format!(
            "{} ±{}",
            lang.pick("each category's flows", "各类现金流变化"),
            percent(s.variation)
        ),
    )?;
    for v in &s.variables {
        let label = lang.pick(&v.label.en, &v.label.zh);
        let switching = match &v.switching_value {
            Figure::Value(sv) => percent(*sv),
            Figure::None { finding } => text::finding(finding, lang),
        };
        let elasticity = match &v.elasticity {
            Figure::Value(e) => e.round_dp(4).to_string(),
            Figure::None { finding } => text::finding(finding, lang),
        };
        row(
            out,
            &format!("  {label}"),
            format!(
                "{} {switching} · {} {elasticity} · {} {} / {} {cur}",
                lang.pick("switching value", "临界点"),
                lang.pick("elasticity", "敏感度系数"),
                npv_name,
                money(v.npv_down),
                money(v.npv_up)
            ),
        )?;
    }
    Ok(())
}

/// The unit carried at the end of a quantity's name, e.g. `mwh` → `MWh`.
fn unit_of(name: &str) -> String {
    let suffix = name.rsplit('_').next().unwrap_or(name);
    match suffix {
        "mwh" => "MWh".into(),
        "kwh" => "kWh".into(),
        "gj" => "GJ".into(),
        "m3" => "m³".into(),
        "tco2e" => "tCO2e".into(),
        "t" => "t".into(),
        other => other.into(),
    }
}

pub(crate) fn write_explain(out: &mut dyn Write, a: &Appraisal, lang: Lang) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "  {}",
        lang.pick(
            "Worked solution: the yearly table, then each figure step by step (formula, inputs with units and sources, result)",
            "解题步骤：先列逐年现金流量表，再逐项给出公式、输入（含单位与来源）和结果"
        )
    )?;
    writeln!(out)?;
    writeln!(out, "  {}", lang.pick("Yearly table", "逐年现金流量表"))?;
    writeln!(
        out,
        "  {:>6} {:>3} {:>12} {:>16} {:>16} {:>16} {:>18}",
        lang.pick("year", "年份"),
        "p",
        "DF",
        lang.pick("net", "净现金流"),
        lang.pick("discounted", "折现值"),
        lang.pick("cumulative", "累计"),
        lang.pick("cum. discounted", "累计折现"),
    )?;
    for y in &a.years {
        writeln!(
            out,
            "  {:>6} {:>3} {:>12} {:>16} {:>16} {:>16} {:>18}",
            y.year,
            y.period,
            y.discount_factor.round_dp(8),
            money(y.net),
            money(y.discounted_net),
            money(y.cumulative),
            money(y.cumulative_discounted)
        )?;
    }
    for (i, s) in a.trace.iter().enumerate() {
        let title = match lang {
            Lang::En => &s.title.en,
            Lang::Zh => &s.title.zh,
        };
        writeln!(out)?;
        writeln!(out, "  {}. {title}", i + 1)?;
        writeln!(out, "     {}: {}", lang.pick("formula", "公式"), s.formula)?;
        for inp in &s.inputs {
            writeln!(
                out,
                "     {} = {} {}  [{}]",
                inp.name, inp.value, inp.unit, inp.source
            )?;
        }
        writeln!(
            out,
            "     {}: {}",
            lang.pick("result", "结果"),
            result_text(&s.result, &s.unit, &a.project.currency, lang)
        )?;
        if let Some(n) = &s.note {
            writeln!(
                out,
                "     {}: {}",
                lang.pick("note", "说明"),
                if lang == Lang::En { &n.en } else { &n.zh }
            )?;
        }
    }
    writeln!(out)
}

/// A step's result as a trainee reads it: money rounded to 2 places and a rate per year as a
/// percentage, each followed by the exact figure; anything else as it stands.
fn result_text(result: &str, unit: &str, currency: &str, lang: Lang) -> String {
    use std::str::FromStr;
    let Ok(d) = rust_decimal::Decimal::from_str(result) else {
        return format!("{result} {unit}");
    };
    let exact = lang.pick("exact", "精确值");
    if unit == currency {
        format!("{} {unit} ({exact} {result})", money(d))
    } else if unit == "1/year" {
        format!("{}% ({exact} {result})", crate::text::percent(d))
    } else {
        format!("{result} {unit}")
    }
}

/// Every taxonomy's verdict with its reason; with `explain`, each clause with its thresholds
/// and the inputs it compared.
pub(crate) fn write_eligibility(
    out: &mut dyn Write,
    e: &greenlight_core::eligibility::Eligibility,
    explain: bool,
    lang: Lang,
) -> io::Result<()> {
    writeln!(
        out,
        "  {} ({} {})",
        lang.pick("green-bond eligibility", "绿色债券合格性"),
        lang.pick("assessed at", "评估日期"),
        e.assessment_date
    )?;
    for t in &e.taxonomies {
        let reason = if lang == Lang::En {
            &t.reason_en
        } else {
            &t.reason_zh
        };
        writeln!(
            out,
            "    {:<6} {:<18} {reason}",
            t.taxonomy,
            verdict_text(t.verdict, lang)
        )?;
        if explain {
            for c in &t.clauses {
                let r = if lang == Lang::En {
                    &c.reason_en
                } else {
                    &c.reason_zh
                };
                writeln!(
                    out,
                    "           {} [{}] {}",
                    c.rule,
                    c.verification,
                    verdict_text(c.verdict, lang)
                )?;
                writeln!(
                    out,
                    "             {}: {}",
                    lang.pick("clause", "条款"),
                    c.clause
                )?;
                for th in &c.thresholds {
                    writeln!(
                        out,
                        "             {} {} = {} {} ({})",
                        lang.pick("threshold", "阈值"),
                        th.name,
                        th.value,
                        th.unit,
                        th.clause
                    )?;
                }
                // Inputs the rule read but the project did not give are listed once, so the
                // values actually compared stand out.
                let mut absent = Vec::new();
                for i in &c.inputs {
                    if i.value == "null" {
                        absent.push(i.name.as_str());
                        continue;
                    }
                    writeln!(
                        out,
                        "             {} {} = {}",
                        lang.pick("input", "输入"),
                        i.name,
                        i.value
                    )?;
                }
                if !absent.is_empty() {
                    writeln!(
                        out,
                        "             {}: {}",
                        lang.pick("not given", "未提供"),
                        absent.join(", ")
                    )?;
                }
                writeln!(out, "             {}: {r}", lang.pick("comparison", "比较"))?;
            }
        }
    }
    for d in &e.disagreements {
        let why = if lang == Lang::En {
            &d.explanation_en
        } else {
            &d.explanation_zh
        };
        writeln!(
            out,
            "    {} {} / {}: {why}",
            lang.pick("disagree:", "分歧："),
            d.taxonomies[0],
            d.taxonomies[1]
        )?;
    }
    Ok(())
}

fn verdict_text(v: greenlight_core::eligibility::Verdict, lang: Lang) -> &'static str {
    use greenlight_core::eligibility::Verdict;
    match v {
        Verdict::Eligible => lang.pick("eligible", "合格"),
        Verdict::NotEligible => lang.pick("not eligible", "不合格"),
        Verdict::InsufficientData => lang.pick("insufficient data", "数据不足"),
        Verdict::NeedsReview => lang.pick("needs review", "需人工审核"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table line written piece by piece is the formatter's `"  {label:<34} {value}\n"`,
    /// for short, exact-width, longer and Chinese labels (wider in bytes than in `char`s).
    #[test]
    fn table_lines_are_the_formatted_lines() {
        let labels = [
            "",
            "NPV",
            "  all roots",
            "財務淨現值",
            "财务净现值 FNPV",
            "修正内部收益率 MIRR",
            "exactly thirty-four characters lon",
            "a label longer than the thirty-four characters of the column",
        ];
        for label in labels {
            for value in ["", "1,234.50 EUR", "— (无内部收益率)"] {
                let mut ours = Vec::new();
                row(&mut ours, label, value.to_owned()).expect("written");
                let theirs = format!("  {label:<34} {value}\n");
                assert_eq!(String::from_utf8(ours).expect("UTF-8"), theirs);
            }
        }
    }

    /// The streamed JSON document against serde_json's own pretty printing of the whole
    /// output (the bytes `greenlight appraise --format json` gave before streaming), on the
    /// shipped examples and exercises (MAC curves, eligibility under the five packs, with
    /// and without the trace), on an empty batch and on a project that is not read.
    #[test]
    fn streamed_json_has_the_bytes_of_the_whole_document() {
        let registry = Registry::embedded().expect("the embedded registry loads");
        let rules =
            greenlight_rules::RuleSet::shipped(greenlight_rules::engine::EngineLimits::standard())
                .expect("the shipped packs load");
        let documents = [
            include_str!("../workbooks/examples/city-pipeline.json"),
            include_str!("../workbooks/examples/city-pipeline-eu.json"),
            include_str!("../workbooks/examples/flood-wall.json"),
            include_str!("../workbooks/examples/led-street-lighting.json"),
            include_str!("../workbooks/exercises/07-landfill-gas/project.json"),
            include_str!("../workbooks/exercises/08-cost-per-tonne/projects.json"),
            include_str!("../workbooks/exercises/10-eligibility-cn-eu/project.json"),
            include_str!("../workbooks/exercises/11-green-bond/projects.json"),
            include_str!("../workbooks/exercises/12-economic-grant/project.json"),
            "[]",
            r#"{"projects": [{"id": "bad"}]}"#,
        ];
        for (text, trace) in documents
            .iter()
            .flat_map(|text| [(*text, false), (*text, true)])
        {
            let output =
                appraise_json_text(text, &registry, &AppraisalOptions { trace }, Some(&rules))
                    .expect("the batch is read");
            let mut expected = serde_json::to_vec_pretty(&output).expect("serialises");
            expected.push(b'\n');
            let mut streamed = Vec::new();
            // As the output takes each outcome: the separator, then the text its worker
            // rendered.
            for (i, o) in output.results.iter().enumerate() {
                let rendered = Rendered::of(Format::Json, Lang::En, false, o.clone(), Vec::new())
                    .expect("renders");
                streamed.extend_from_slice(json_separator(i == 0));
                streamed.extend_from_slice(&rendered.text);
            }
            write_json_end(
                &mut streamed,
                output.results.len(),
                output.mac_curve.as_ref(),
            )
            .expect("writes");
            assert_eq!(
                String::from_utf8(streamed).expect("UTF-8"),
                String::from_utf8(expected).expect("UTF-8")
            );
            // The compact form, as the service answers.
            assert!(
                greenlight_core::json_text::to_vec(&output).expect("writes")
                    == serde_json::to_vec(&output).expect("serialises")
            );
        }
    }

    fn sink(path: &std::path::Path) -> OutputSink<'_> {
        OutputSink {
            format: Format::Json,
            lang: Lang::En,
            explain: false,
            output: Some(path),
            out: None,
            partial: None,
            written: 0,
            collected: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Files in `dir`, by name.
    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A run that stops after some outcomes were written (as when a workbook turns out
    /// unreadable partway through) leaves neither the output file nor its partial file; a
    /// finished run leaves the output alone, complete.
    #[test]
    fn an_output_file_appears_only_when_complete() {
        let registry = Registry::embedded().expect("the embedded registry loads");
        let text = include_str!("../workbooks/examples/led-street-lighting.json");
        let output = appraise_json_text(text, &registry, &AppraisalOptions { trace: false }, None)
            .expect("the example is read");
        let dir =
            std::env::temp_dir().join(format!("greenlight-output-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("results.json");

        let mut stopped = sink(&path);
        stopped.outcome(output.results[0].clone()).expect("writes");
        assert_eq!(names(&dir).len(), 1, "the partial file while writing");
        assert!(!path.exists());
        drop(stopped);
        assert!(names(&dir).is_empty(), "left behind: {:?}", names(&dir));

        let mut finished = sink(&path);
        finished.outcome(output.results[0].clone()).expect("writes");
        finished.finish(None, None).expect("finishes");
        assert_eq!(names(&dir), vec!["results.json".to_owned()]);
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
        assert_eq!(written["results"][0]["id"], "cn-dz-led-01");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
