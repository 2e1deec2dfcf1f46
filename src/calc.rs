//! `greenlight calc`: the financial calculator for people (one function per call) and for
//! corpora (`--batch`, one JSON request per line, one JSON answer per line).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use greenlight_core::calc::{CalcOutcome, CalcRequest, CalcResult, evaluate};
use greenlight_core::metrics::{Payback, PaybackBasis};
use greenlight_core::roots::{RootFlag, RootSet};
use serde_json::{Map, Value, json};

use crate::Outcome;
use crate::text::{Lang, exact, money, percent};

/// Arguments of `greenlight calc`.
#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    after_help = "Examples:\n  greenlight calc npv --rate 0.1 -10000 3000 4200 6800\n  greenlight calc irr -1000 300 400 500\n  greenlight calc xirr -10000@2008-01-01 2750@2008-03-01 4250@2008-10-30\n  greenlight calc pmt --rate 0.0066667 --nper 10 --pv 10000\n  greenlight calc --batch requests.jsonl > answers.jsonl"
)]
pub(crate) struct CalcCommand {
    /// The function: npv, irr, mirr, xnpv, xirr, pmt, pv, fv, rate or payback.
    #[arg(required_unless_present = "batch")]
    function: Option<String>,
    /// Cash flows in order; for xnpv and xirr each is AMOUNT@YYYY-MM-DD. Put options first.
    #[arg(allow_hyphen_values = true)]
    values: Vec<String>,
    /// Discount rate per period (npv, xnpv, pmt, pv, fv; payback: for the discounted payback).
    #[arg(long)]
    rate: Option<String>,
    /// Root to prefer when there are several (irr, xirr, rate); default 0.1.
    #[arg(long)]
    guess: Option<String>,
    /// npv: t0 (first value undiscounted, default) or spreadsheet (first value discounted).
    #[arg(long)]
    convention: Option<String>,
    /// mirr: rate at which outlays are financed.
    #[arg(long)]
    finance_rate: Option<String>,
    /// mirr: rate at which returns are reinvested.
    #[arg(long)]
    reinvest_rate: Option<String>,
    /// xnpv, xirr: act_365f (default), act_360 or 30_360.
    #[arg(long)]
    day_count: Option<String>,
    /// Number of periods (pmt, pv, fv, rate).
    #[arg(long)]
    nper: Option<String>,
    /// Payment per period (pv, fv, rate).
    #[arg(long)]
    pmt: Option<String>,
    /// Present value (pmt, fv, rate).
    #[arg(long)]
    pv: Option<String>,
    /// Future value (pmt, pv, rate).
    #[arg(long)]
    fv: Option<String>,
    /// Payment timing: 0 at period end (default), 1 at period start.
    #[arg(long = "type")]
    timing: Option<String>,
    /// Print the answer as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Evaluate a file of JSON requests, one per line (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "function")]
    batch: Option<PathBuf>,
}

pub(crate) fn run(cmd: CalcCommand, lang: Lang) -> anyhow::Result<Outcome> {
    if let Some(path) = &cmd.batch {
        return run_batch(path);
    }
    let name = cmd.function.clone().unwrap_or_default();
    let request = match request_from_args(&cmd, &name).and_then(|args| parse_request(&name, args)) {
        Ok(request) => request,
        Err(problem) => {
            eprintln!("greenlight calc {name}: {}", problem.display());
            return Ok(Outcome::Rejected);
        }
    };
    match evaluate(&request) {
        Ok(result) => {
            let mut out = io::stdout().lock();
            if cmd.json {
                serde_json::to_writer_pretty(&mut out, &result)?;
                writeln!(out)?;
            } else {
                write_human(&mut out, &request, &result, lang)?;
            }
            Ok(Outcome::Success)
        }
        Err(err) => {
            eprintln!("greenlight calc {name}: {err}");
            Ok(Outcome::Rejected)
        }
    }
}

/// A request that could not be read, with the machine code and the JSON pointer at fault.
#[derive(Debug)]
pub(crate) struct Problem {
    code: &'static str,
    pointer: String,
    message: String,
}

impl Problem {
    fn new(code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            code,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    fn display(&self) -> String {
        if self.pointer.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.pointer, self.message)
        }
    }

    fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.pointer.is_empty() {
            error["pointer"] = Value::String(self.pointer.clone());
        }
        error
    }
}

/// Builds the JSON arguments of a human call, so both modes share one parser and one set of
/// validation rules.
fn request_from_args(cmd: &CalcCommand, name: &str) -> Result<Map<String, Value>, Problem> {
    let mut args = Map::new();
    let mut put = |key: &str, v: &Option<String>| {
        if let Some(v) = v {
            args.insert(key.to_owned(), Value::String(v.clone()));
        }
    };
    put("rate", &cmd.rate);
    put("guess", &cmd.guess);
    put("convention", &cmd.convention);
    put("finance_rate", &cmd.finance_rate);
    put("reinvest_rate", &cmd.reinvest_rate);
    put("day_count", &cmd.day_count);
    put("nper", &cmd.nper);
    put("pmt", &cmd.pmt);
    put("pv", &cmd.pv);
    put("fv", &cmd.fv);
    put("type", &cmd.timing);
    if matches!(name, "xnpv" | "xirr") {
        let mut values = Vec::new();
        let mut dates = Vec::new();
        for (i, v) in cmd.values.iter().enumerate() {
            let (amount, date) = v.split_once('@').ok_or_else(|| {
                Problem::new(
                    "invalid_request",
                    format!("/values/{i}"),
                    format!("expected AMOUNT@YYYY-MM-DD, found {v:?}"),
                )
            })?;
            values.push(Value::String(amount.to_owned()));
            dates.push(Value::String(date.to_owned()));
        }
        args.insert("values".into(), Value::Array(values));
        args.insert("dates".into(), Value::Array(dates));
    } else if !cmd.values.is_empty() {
        args.insert(
            "values".into(),
            cmd.values.iter().cloned().map(Value::String).collect(),
        );
    }
    Ok(args)
}

/// Reads a request for function `name` from its JSON arguments, naming the argument at fault.
pub(crate) fn parse_request(name: &str, args: Map<String, Value>) -> Result<CalcRequest, Problem> {
    let value = Value::Object(args);
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(&value, &mut track);
    CalcRequest::from_args(name, de).map_err(|e| {
        Problem::new(
            "invalid_request",
            greenlight_core::batch::pointer_of(&track.path()),
            e.to_string(),
        )
    })
}

/// Answers one batch line.
pub(crate) fn answer_line(line: &str) -> Result<CalcResult, Problem> {
    if line.trim().is_empty() {
        return Err(Problem::new(
            "invalid_request",
            "",
            "empty line: expected a JSON object such as {\"fn\": \"npv\", …}",
        ));
    }
    let value: Value = serde_json::from_str(line)
        .map_err(|e| Problem::new("invalid_json", "", format!("not valid JSON: {e}")))?;
    let Value::Object(mut args) = value else {
        return Err(Problem::new(
            "invalid_request",
            "",
            "expected a JSON object such as {\"fn\": \"npv\", …}",
        ));
    };
    let name = match args.remove("fn") {
        Some(Value::String(name)) => name,
        Some(_) => {
            return Err(Problem::new(
                "invalid_request",
                "/fn",
                "fn must be a string naming the function",
            ));
        }
        None => {
            return Err(Problem::new(
                "invalid_request",
                "/fn",
                "missing fn: the function to evaluate",
            ));
        }
    };
    let request = parse_request(&name, args)?;
    evaluate(&request).map_err(|e| {
        let code = e.code.as_str();
        Problem {
            code,
            pointer: e.pointer.clone(),
            message: e.message,
        }
    })
}

/// One output line of `--batch`: the input line number, then its result or its error.
#[derive(serde::Serialize)]
struct BatchAnswer {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<CalcResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

fn run_batch(path: &PathBuf) -> anyhow::Result<Outcome> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(BufReader::new(io::stdin().lock()))
    } else {
        Box::new(BufReader::new(
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        ))
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut failures = 0usize;
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let answer = match line {
            Ok(line) => answer_line(&line),
            Err(e) => Err(Problem::new(
                "invalid_request",
                "",
                format!("unreadable line: {e}"),
            )),
        };
        let (result, error) = match answer {
            Ok(result) => (Some(result), None),
            Err(problem) => {
                failures += 1;
                (None, Some(problem.to_json()))
            }
        };
        serde_json::to_writer(
            &mut out,
            &BatchAnswer {
                line: n,
                result,
                error,
            },
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(if failures == 0 {
        Outcome::Success
    } else {
        Outcome::Rejected
    })
}

fn write_human(
    out: &mut impl Write,
    request: &CalcRequest,
    result: &CalcResult,
    lang: Lang,
) -> io::Result<()> {
    match (&result.outcome, request) {
        (CalcOutcome::Value { value: Some(v), .. }, CalcRequest::Mirr(_)) => {
            writeln!(
                out,
                "{}  {}",
                lang.pick("MIRR", "修正内部收益率 MIRR"),
                percent(*v)
            )?;
            writeln!(out, "{}  {}", lang.pick("exact", "精确值"), exact(*v))
        }
        (CalcOutcome::Value { value: Some(v), .. }, _) => {
            let label = match request {
                CalcRequest::Npv(a) => match a.convention {
                    greenlight_core::metrics::NpvConvention::T0 => lang.pick(
                        "NPV (first value at t = 0, undiscounted)",
                        "净现值 NPV（首笔现金流在 t = 0，不折现）",
                    ),
                    greenlight_core::metrics::NpvConvention::Spreadsheet => lang.pick(
                        "NPV (spreadsheet convention: first value discounted one period)",
                        "净现值 NPV（电子表格约定：首笔现金流折现一期）",
                    ),
                },
                CalcRequest::Xnpv(_) => lang.pick(
                    "XNPV (first date is the origin)",
                    "XNPV（以第一个日期为起点）",
                ),
                CalcRequest::Pmt(_) => lang.pick("payment per period (PMT)", "每期付款额 PMT"),
                CalcRequest::Pv(_) => lang.pick("present value (PV)", "现值 PV"),
                CalcRequest::Fv(_) => lang.pick("future value (FV)", "终值 FV"),
                _ => "",
            };
            writeln!(out, "{label}  {}", money(*v))?;
            writeln!(out, "{}  {}", lang.pick("exact", "精确值"), exact(*v))
        }
        (
            CalcOutcome::Value {
                value: None,
                finding,
            },
            _,
        ) => {
            let message = finding.as_ref().map_or("", |f| f.message.as_str());
            writeln!(out, "{}: {message}", lang.pick("no result", "无结果"))
        }
        (CalcOutcome::Roots(set), _) => write_roots(out, set, lang),
        (CalcOutcome::Payback { simple, discounted }, _) => {
            write_payback(out, simple, lang)?;
            if let Some(d) = discounted {
                write_payback(out, d, lang)?;
            }
            Ok(())
        }
    }
}

fn write_roots(out: &mut impl Write, set: &RootSet, lang: Lang) -> io::Result<()> {
    let flag = match set.flag {
        RootFlag::None => lang.pick("no root", "无解"),
        RootFlag::Unique => lang.pick("unique root", "唯一解"),
        RootFlag::Multiple => lang.pick("multiple roots", "多个解"),
    };
    writeln!(
        out,
        "{}  {flag} ({} {})",
        lang.pick("rate", "收益率"),
        set.sign_changes,
        lang.pick("sign change(s)", "次符号变化")
    )?;
    if let Some(s) = set.selected {
        writeln!(out, "{}  {}", lang.pick("selected", "选定"), percent(s))?;
    }
    for r in &set.roots {
        writeln!(
            out,
            "{}  {}  ({})",
            lang.pick("root", "根"),
            percent(*r),
            exact(*r)
        )?;
    }
    if let Some(reason) = &set.reason {
        writeln!(out, "{}  {reason}", lang.pick("note", "说明"))?;
    }
    Ok(())
}

fn write_payback(out: &mut impl Write, p: &Payback, lang: Lang) -> io::Result<()> {
    let basis = match p.basis {
        PaybackBasis::Simple => lang.pick("simple payback", "静态投资回收期"),
        PaybackBasis::Discounted => lang.pick(
            "discounted payback (from year 0)",
            "动态投资回收期（自第 0 年折现）",
        ),
    };
    match (p.year, p.interpolated) {
        (Some(y), Some(i)) => writeln!(
            out,
            "{basis}  {} {y}  ({} {})",
            lang.pick("year", "第"),
            lang.pick("interpolated", "插值"),
            i.round_dp(4).normalize()
        )?,
        _ => writeln!(
            out,
            "{basis}  {}",
            p.finding.as_ref().map_or("", |f| f.message.as_str())
        )?,
    }
    if p.turns_negative_later {
        writeln!(
            out,
            "  {}",
            lang.pick(
                "note: the cumulative flow turns negative again later",
                "说明：累计现金流之后再次为负"
            )
        )?;
    }
    Ok(())
}
