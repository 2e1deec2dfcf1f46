//! The results workbook: an appraised batch written as an Excel file with a summary per
//! project, yearly cash-flow and emissions tables, eligibility clause by clause, the working
//! behind each figure, provenance, and native Excel charts.
//!
//! **Numbers.** Every figure reaches this module as a `Decimal` and is written as an Excel
//! number with a number format (money `#,##0.00`, rates `0.00%`), never as text. Excel stores
//! numbers as IEEE doubles, so `Decimal` becomes `f64` here and only here, at the presentation
//! boundary: the workbook shows about 15 significant digits, the JSON output keeps them all.
//! A figure that does not exist (no IRR, payback never reached) is written as the finding's
//! text in the same cell, so nothing is dropped and nothing reads as zero.
//!
//! **Memory.** Every sheet is written in rust_xlsxwriter's constant-memory mode (rows stream
//! to a temporary file in order), so a portfolio of 10 000 projects × 30 years does not hold
//! millions of cells in memory.
//!
//! **Determinism.** The document's creation date is fixed ([`CREATION_DATE`]) and the archive
//! entries carry no time stamp, so the same output gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use greenlight_core::appraisal::{Appraisal, Figure};
use greenlight_core::batch::AppraisalOutput;
use greenlight_core::eligibility::{UsedValue, Verdict};
use greenlight_core::metrics::{Finding, Payback};
use greenlight_core::project::Category;
use greenlight_core::roots::{RootFlag, RootSet};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartFont, ChartLegendPosition, ChartType, DocProperties,
    ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use crate::{Error, Lang};

/// The creation date written into every results workbook (`docProps/core.xml`), fixed so that
/// the same input gives the same bytes. The file's real date is the file system's business.
pub const CREATION_DATE: (u16, u8, u8) = (2000, 1, 1);

/// How many projects get their own cumulative cash-flow chart. Beyond this a chart per project
/// makes the file slow to open and no one reads a hundred charts; the yearly table of every
/// project is still written, and the sheet says how many charts there are.
pub const MAX_CASH_FLOW_CHARTS: usize = 50;

/// What to write besides the results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Language of sheet names, headers and labels.
    pub lang: Lang,
    /// The title at the top of the Summary sheet and in the document properties; a default
    /// title in `lang` when absent.
    pub title: Option<String>,
    /// The name of the file the projects came from, shown in Summary and Provenance.
    pub source_name: Option<String>,
}

/// The sheet names, valid in Excel (at most 31 characters, none of `[]:*?/\`).
struct SheetNames {
    summary: &'static str,
    cash_flows: &'static str,
    emissions: &'static str,
    mac: &'static str,
    eligibility: &'static str,
    sensitivity: &'static str,
    working: &'static str,
    provenance: &'static str,
}

impl SheetNames {
    fn of(lang: Lang) -> SheetNames {
        match lang {
            Lang::En => SheetNames {
                summary: "Summary",
                cash_flows: "Cash flows",
                emissions: "Emissions",
                mac: "MAC curve",
                eligibility: "Eligibility",
                sensitivity: "Sensitivity",
                working: "Working",
                provenance: "Provenance",
            },
            Lang::Zh => SheetNames {
                summary: "汇总",
                cash_flows: "现金流量",
                emissions: "排放",
                mac: "边际减排成本曲线",
                eligibility: "合格性",
                sensitivity: "敏感性分析",
                working: "计算过程",
                provenance: "来源",
            },
        }
    }
}

/// The cell formats of the workbook.
struct Formats {
    title: Format,
    header: Format,
    bold: Format,
    money: Format,
    percent: Format,
    ratio: Format,
    years: Format,
    year: Format,
    factor: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(0xDDEBF7),
            bold: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            percent: Format::new().set_num_format("0.00%"),
            ratio: Format::new().set_num_format("0.0000"),
            years: Format::new().set_num_format("0.00"),
            year: Format::new().set_num_format("0"),
            factor: Format::new().set_num_format("0.00000000"),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

/// A `Decimal` as an Excel number. Every `Decimal` (at most about 7.9e28) lies in the range
/// of `f64`; the conversion rounds to the nearest double.
fn excel_number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// Writes the results workbook of an appraised batch: every project of `output`, appraised or
/// not, in input order.
///
/// Sheets: Summary, Cash flows, Emissions, MAC curve, Eligibility, Working (only when some
/// project carries a trace), Provenance. Charts: a cumulative cash-flow line chart per project
/// (the first [`MAX_CASH_FLOW_CHARTS`]) in Cash flows, and the portfolio's marginal abatement
/// cost curve in MAC curve when any project abates.
pub fn results_workbook(
    output: &AppraisalOutput,
    options: &ReportOptions,
) -> Result<Vec<u8>, Error> {
    let lang = options.lang;
    let names = SheetNames::of(lang);
    let fmt = Formats::new();
    let title = options.title.clone().unwrap_or_else(|| {
        lang.pick("Greenlight appraisal results", "Greenlight 项目评估结果")
            .to_owned()
    });

    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(CREATION_DATE.0, CREATION_DATE.1, CREATION_DATE.2)
        .map_err(|e| write_error(e, ""))?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author("Greenlight")
            .set_creation_datetime(&created),
    );

    let ctx = Context {
        lang,
        fmt: &fmt,
        output,
    };

    let ws = new_sheet(&mut workbook, names.summary)?;
    ctx.summary(ws, &title, options.source_name.as_deref())
        .map_err(|e| write_error(e, names.summary))?;

    let ws = new_sheet(&mut workbook, names.cash_flows)?;
    ctx.cash_flows(ws, names.cash_flows)
        .map_err(|e| write_error(e, names.cash_flows))?;

    let ws = new_sheet(&mut workbook, names.emissions)?;
    ctx.emissions(ws)
        .map_err(|e| write_error(e, names.emissions))?;

    let ws = new_sheet(&mut workbook, names.mac)?;
    ctx.mac(ws, names.mac)
        .map_err(|e| write_error(e, names.mac))?;

    let ws = new_sheet(&mut workbook, names.eligibility)?;
    ctx.eligibility(ws)
        .map_err(|e| write_error(e, names.eligibility))?;

    if output.results.iter().any(|r| {
        r.appraisal
            .as_ref()
            .is_some_and(|a| a.sensitivity.is_some())
    }) {
        let ws = new_sheet(&mut workbook, names.sensitivity)?;
        ctx.sensitivity(ws)
            .map_err(|e| write_error(e, names.sensitivity))?;
    }

    let traced = output
        .results
        .iter()
        .any(|r| r.appraisal.as_ref().is_some_and(|a| !a.trace.is_empty()));
    if traced {
        let ws = new_sheet(&mut workbook, names.working)?;
        ctx.working(ws).map_err(|e| write_error(e, names.working))?;
    }

    let ws = new_sheet(&mut workbook, names.provenance)?;
    ctx.provenance(ws, options.source_name.as_deref())
        .map_err(|e| write_error(e, names.provenance))?;

    workbook.save_to_buffer().map_err(|e| write_error(e, ""))
}

fn write_error(e: XlsxError, sheet: &str) -> Error {
    match e {
        XlsxError::RowColumnLimitError => Error::new(
            "sheet_too_large",
            "the portfolio does not fit in one Excel sheet (at most 1,048,576 rows): split it into several files",
        ),
        e => Error::new("write_failed", format!("cannot write the results workbook: {e}")),
    }
    .at(sheet)
}

fn new_sheet<'w>(workbook: &'w mut Workbook, name: &str) -> Result<&'w mut Worksheet, Error> {
    let ws = workbook
        .add_worksheet_with_constant_memory()
        .map_err(|e| write_error(e, name))?;
    ws.set_name(name).map_err(|e| write_error(e, name))?;
    Ok(ws)
}

type Written = Result<(), XlsxError>;

struct Context<'a> {
    lang: Lang,
    fmt: &'a Formats,
    output: &'a AppraisalOutput,
}

impl Context<'_> {
    fn pick<'s>(&self, en: &'s str, zh: &'s str) -> &'s str {
        self.lang.pick(en, zh)
    }

    /// Column headers in the workbook's language, from (English, Chinese) pairs.
    fn labels(&self, pairs: &[(&str, &str)]) -> Vec<String> {
        pairs
            .iter()
            .map(|(en, zh)| self.pick(en, zh).to_owned())
            .collect()
    }

    fn headers(&self, ws: &mut Worksheet, row: u32, headers: &[String]) -> Written {
        for (col, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, h, &self.fmt.header)?;
        }
        Ok(())
    }

    fn money(&self, ws: &mut Worksheet, row: u32, col: u16, d: Decimal) -> Written {
        ws.write_number_with_format(row, col, excel_number(d), &self.fmt.money)?;
        Ok(())
    }

    fn percent(&self, ws: &mut Worksheet, row: u32, col: u16, d: Decimal) -> Written {
        ws.write_number_with_format(row, col, excel_number(d), &self.fmt.percent)?;
        Ok(())
    }

    fn text(&self, ws: &mut Worksheet, row: u32, col: u16, s: &str) -> Written {
        if !s.is_empty() {
            ws.write_string(row, col, s)?;
        }
        Ok(())
    }

    /// The selected root as a rate, or what the root set says instead.
    fn roots(&self, ws: &mut Worksheet, row: u32, col: u16, r: &RootSet) -> Written {
        match (r.flag, r.selected) {
            (RootFlag::Unique, Some(v)) => self.percent(ws, row, col, v),
            (RootFlag::Multiple, _) => {
                let all: Vec<String> = r.roots.iter().map(|v| percent_text(*v)).collect();
                let label = self.pick("several roots, judge by NPV", "多个解，以净现值判断");
                self.text(ws, row, col, &format!("{label}: {}", all.join(", ")))
            }
            _ => {
                let label = self.pick("no IRR", "无内部收益率");
                match (&r.reason, self.lang) {
                    (Some(reason), Lang::En) => {
                        self.text(ws, row, col, &format!("{label}: {reason}"))
                    }
                    _ => self.text(ws, row, col, label),
                }
            }
        }
    }

    fn finding(&self, ws: &mut Worksheet, row: u32, col: u16, f: &Finding) -> Written {
        self.text(ws, row, col, &finding_text(f, self.lang))
    }

    fn figure_percent(
        &self,
        ws: &mut Worksheet,
        row: u32,
        col: u16,
        f: &Figure<Decimal>,
    ) -> Written {
        match f {
            Figure::Value(v) => self.percent(ws, row, col, *v),
            Figure::None { finding } => self.finding(ws, row, col, finding),
        }
    }

    fn payback(&self, ws: &mut Worksheet, row: u32, col: u16, p: &Payback) -> Written {
        let years = p.interpolated.or(p.year.map(Decimal::from));
        match (years, &p.finding) {
            (Some(y), _) => {
                ws.write_number_with_format(row, col, excel_number(y), &self.fmt.years)?;
                Ok(())
            }
            (None, Some(f)) => self.finding(ws, row, col, f),
            (None, None) => Ok(()),
        }
    }

    /// The taxonomies judged in the batch, in order of first appearance.
    fn taxonomies(&self) -> Vec<String> {
        let mut seen = Vec::<String>::new();
        for r in &self.output.results {
            for t in r.eligibility.iter().flat_map(|e| &e.taxonomies) {
                if !seen.iter().any(|s| t.taxonomy == *s) {
                    seen.push(t.taxonomy.to_string());
                }
            }
        }
        seen
    }

    fn summary(&self, ws: &mut Worksheet, title: &str, source: Option<&str>) -> Written {
        let f = self.fmt;
        ws.write_string_with_format(0, 0, title, &f.title)?;
        if let Some(s) = source {
            ws.write_string(1, 0, format!("{}: {s}", self.pick("input", "输入文件")))?;
        }
        let appraised = self
            .output
            .results
            .iter()
            .filter(|r| r.appraisal.is_some())
            .count();
        ws.write_string(
            2,
            0,
            match self.lang {
                Lang::En => format!(
                    "{} projects: {appraised} appraised, {} not appraised (listed with their errors)",
                    self.output.results.len(),
                    self.output.results.len() - appraised
                ),
                Lang::Zh => format!(
                    "共 {} 个项目：已评估 {appraised} 个，未评估 {} 个（列出错误）",
                    self.output.results.len(),
                    self.output.results.len() - appraised
                ),
            },
        )?;
        let taxonomies = self.taxonomies();
        let mut headers = self.labels(&[
            ("#", "序号"),
            ("Project id", "项目编号"),
            ("Name", "项目名称"),
            ("Sector", "行业"),
            ("Activity", "活动"),
            ("Currency", "币种"),
            ("Status", "状态"),
            ("Financial NPV", "财务净现值 FNPV"),
            ("IRR", "财务内部收益率 FIRR"),
            ("MIRR", "修正内部收益率 MIRR"),
            ("Payback (years)", "静态投资回收期（年）"),
            ("Discounted payback (years)", "动态投资回收期（年）"),
            ("Benefit–cost ratio", "效益费用比 BCR"),
            ("Lifecycle cost (LCC)", "全生命周期成本 LCC"),
            ("Economic NPV (ENPV)", "经济净现值 ENPV"),
            ("Economic rate of return (ERR)", "经济内部收益率 EIRR"),
            ("Economic benefit–cost ratio", "经济效益费用比 EBCR"),
            ("Lifetime abatement (tCO2e)", "全生命周期减排量 (tCO2e)"),
            (
                "Cost per tonne, levelised (per tCO2e)",
                "单位减排成本，平准化（每吨 CO2e）",
            ),
        ]);
        for t in &taxonomies {
            headers.push(format!(
                "{} {}",
                self.pick("Eligibility", "合格性"),
                t.to_uppercase()
            ));
        }
        headers.push(
            self.pick("Errors (where: what)", "错误（位置：说明）")
                .to_owned(),
        );
        let header_row = 4;
        self.headers(ws, header_row, &headers)?;
        ws.set_freeze_panes(header_row + 1, 2)?;
        ws.set_row_height(header_row, 45)?;
        for (col, width) in [(0u16, 5.0), (1, 18.0), (2, 36.0), (3, 14.0), (4, 24.0)] {
            ws.set_column_width(col, width)?;
        }
        ws.set_column_range_width(5, headers.len() as u16 - 2, 16.0)?;
        ws.set_column_width(headers.len() as u16 - 1, 60.0)?;

        for (i, r) in self.output.results.iter().enumerate() {
            let row = header_row + 1 + i as u32;
            ws.write_number(row, 0, r.index as f64)?;
            match &r.appraisal {
                Some(a) => self.summary_row(ws, row, a)?,
                None => {
                    self.text(ws, row, 1, r.id.as_deref().unwrap_or(""))?;
                    self.text(ws, row, 6, self.pick("not appraised", "未评估"))?;
                }
            }
            let verdicts: BTreeMap<&str, Verdict> = r
                .eligibility
                .iter()
                .flat_map(|e| &e.taxonomies)
                .map(|t| (t.taxonomy.as_str(), t.verdict))
                .collect();
            for (k, t) in taxonomies.iter().enumerate() {
                if let Some(v) = verdicts.get(t.as_str()) {
                    self.text(ws, row, 19 + k as u16, verdict_text(*v, self.lang))?;
                }
            }
            let errors: Vec<String> = r
                .errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {} ({})",
                        pointer_or_root(&e.pointer),
                        e.message,
                        e.code
                    )
                })
                .collect();
            self.text(ws, row, 19 + taxonomies.len() as u16, &errors.join("; "))?;
        }
        Ok(())
    }

    fn summary_row(&self, ws: &mut Worksheet, row: u32, a: &Appraisal) -> Written {
        let p = &a.project;
        self.text(ws, row, 1, &p.id)?;
        self.text(ws, row, 2, &p.name)?;
        self.text(ws, row, 3, &wire_name(&p.sector))?;
        self.text(ws, row, 4, &p.activity)?;
        self.text(ws, row, 5, &p.currency)?;
        self.text(ws, row, 6, self.pick("appraised", "已评估"))?;
        let fin = &a.financial;
        self.money(ws, row, 7, fin.npv)?;
        self.roots(ws, row, 8, &fin.irr)?;
        self.figure_percent(ws, row, 9, &fin.mirr)?;
        self.payback(ws, row, 10, &fin.payback)?;
        self.payback(ws, row, 11, &fin.discounted_payback)?;
        match &fin.benefit_cost {
            Figure::Value(b) => {
                ws.write_number_with_format(row, 12, excel_number(b.bcr), &self.fmt.ratio)?;
            }
            Figure::None { finding } => self.finding(ws, row, 12, finding)?,
        }
        self.money(ws, row, 13, a.lifecycle_cost.total)?;
        if let Some(e) = &a.economic {
            self.money(ws, row, 14, e.enpv)?;
            self.roots(ws, row, 15, &e.err)?;
            match &e.benefit_cost {
                Figure::Value(b) => {
                    ws.write_number_with_format(row, 16, excel_number(b.bcr), &self.fmt.ratio)?;
                }
                Figure::None { finding } => self.finding(ws, row, 16, finding)?,
            }
        }
        if let Some(e) = &a.emissions {
            self.money(ws, row, 17, e.lifetime.abatement)?;
            match &e.cost_per_tonne {
                Figure::Value(c) => self.money(ws, row, 18, c.cost_per_t)?,
                Figure::None { finding } => self.finding(ws, row, 18, finding)?,
            }
        }
        Ok(())
    }

    fn cash_flows(&self, ws: &mut Worksheet, sheet: &str) -> Written {
        let f = self.fmt;
        // The categories' columns in the order of `Category::ALL`, as the yearly rows hold them.
        let mut headers: Vec<String> = self.labels(&[
            ("Year", "年份"),
            ("Period", "期"),
            ("Discount factor", "折现系数"),
        ]);
        headers.extend(Category::ALL.iter().map(|c| {
            let label = c.label();
            self.pick(&label.en, &label.zh).to_owned()
        }));
        headers.extend(self.labels(&[
            ("Net cash flow", "净现金流"),
            ("Discounted net cash flow", "折现净现金流"),
            ("Cumulative", "累计净现金流"),
            ("Cumulative discounted", "累计折现净现金流"),
        ]));
        ws.set_column_range_width(0, 1, 8.0)?;
        ws.set_column_range_width(2, 16, 15.0)?;
        let appraised = self
            .output
            .results
            .iter()
            .filter(|r| r.appraisal.is_some())
            .count();
        let note = match self.lang {
            Lang::En => format!(
                "Yearly cash flows, one block per appraised project, in each project's currency. Cumulative cash-flow charts beside the first {} of {appraised} blocks.",
                appraised.min(MAX_CASH_FLOW_CHARTS)
            ),
            Lang::Zh => format!(
                "逐年现金流量，每个已评估项目一个区块，以项目币种计。前 {} 个区块（共 {appraised} 个）旁附累计现金流量图。",
                appraised.min(MAX_CASH_FLOW_CHARTS)
            ),
        };
        ws.write_string_with_format(0, 0, note, &f.bold)?;
        let mut row = 2u32;
        let mut charts = 0usize;
        for a in self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
        {
            let p = &a.project;
            ws.write_string_with_format(
                row,
                0,
                format!("{} — {} ({})", p.id, p.name, p.currency),
                &f.bold,
            )?;
            self.headers(ws, row + 1, &headers)?;
            let first = row + 2;
            for (k, y) in a.years.iter().enumerate() {
                let r = first + k as u32;
                ws.write_number_with_format(r, 0, f64::from(y.year), &f.year)?;
                ws.write_number(r, 1, f64::from(y.period))?;
                ws.write_number_with_format(r, 2, excel_number(y.discount_factor), &f.factor)?;
                // A category with nothing in a year is left blank, as officers lay out cash
                // flows (and half the cells of a large portfolio are such zeros); the net and
                // cumulative columns are always written.
                for (col, v) in [
                    y.investment,
                    y.replacement,
                    y.operation_maintenance,
                    y.energy,
                    y.water,
                    y.revenue,
                    y.savings,
                    y.grant,
                    y.residual_value,
                    y.other,
                ]
                .into_iter()
                .enumerate()
                {
                    if !v.is_zero() {
                        self.money(ws, r, 3 + col as u16, v)?;
                    }
                }
                for (col, v) in [
                    y.net,
                    y.discounted_net,
                    y.cumulative,
                    y.cumulative_discounted,
                ]
                .into_iter()
                .enumerate()
                {
                    self.money(ws, r, 13 + col as u16, v)?;
                }
            }
            let last = first + a.years.len().saturating_sub(1) as u32;
            let charted = charts < MAX_CASH_FLOW_CHARTS && !a.years.is_empty();
            if charted {
                charts += 1;
                let mut chart = Chart::new(ChartType::Line);
                chart.title().set_name(&format!(
                    "{} — {}",
                    p.id,
                    self.pick("cumulative cash flow", "累计现金流量")
                ));
                for (col, en, zh) in [
                    (15u16, "Cumulative", "累计"),
                    (16, "Cumulative discounted", "累计折现"),
                ] {
                    chart
                        .add_series()
                        .set_name(self.pick(en, zh))
                        .set_categories((sheet, first, 0, last, 0))
                        .set_values((sheet, first, col, last, col));
                }
                chart.title().set_font(ChartFont::new().set_size(11));
                chart
                    .x_axis()
                    .set_name(self.pick("Year", "年份"))
                    .set_label_position(ChartAxisLabelPosition::Low);
                chart.legend().set_position(ChartLegendPosition::Bottom);
                chart
                    .y_axis()
                    .set_name(p.currency.as_str())
                    .set_num_format("#,##0");
                chart.set_width(560).set_height(300);
                ws.insert_chart(row, 18, &chart)?;
            }
            // A blank row after the block, and room for the chart beside a short one.
            row = if charted {
                (last + 2).max(row + 17)
            } else {
                last + 2
            };
        }
        Ok(())
    }

    fn emissions(&self, ws: &mut Worksheet) -> Written {
        let f = self.fmt;
        let headers: Vec<String> = self.labels(&[
            ("Year", "年份"),
            ("Grid factor (tCO2/MWh)", "电网排放因子 (tCO2/MWh)"),
            ("Baseline (tCO2e)", "基准排放 (tCO2e)"),
            ("Project (tCO2e)", "项目排放 (tCO2e)"),
            ("Leakage (tCO2e)", "泄漏 (tCO2e)"),
            ("Abatement (tCO2e)", "减排量 (tCO2e)"),
        ]);
        ws.set_column_width(0, 14.0)?;
        ws.set_column_range_width(1, 5, 18.0)?;
        ws.write_string_with_format(
            0,
            0,
            self.pick(
                "Yearly emissions, one block per project with an emissions calculation",
                "逐年排放，每个有排放计算的项目一个区块",
            ),
            &f.bold,
        )?;
        let mut row = 2u32;
        for a in self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
        {
            let Some(e) = &a.emissions else { continue };
            ws.write_string_with_format(
                row,
                0,
                format!(
                    "{} — {} ({}, {})",
                    a.project.id, a.project.name, e.gwp.id, e.grid_source
                ),
                &f.bold,
            )?;
            self.headers(ws, row + 1, &headers)?;
            row += 2;
            for y in &e.years {
                ws.write_number_with_format(row, 0, f64::from(y.year), &f.year)?;
                ws.write_number_with_format(row, 1, excel_number(y.grid_t_per_mwh), &f.ratio)?;
                for (col, v) in [y.baseline, y.project, y.leakage, y.abatement]
                    .into_iter()
                    .enumerate()
                {
                    self.money(ws, row, 2 + col as u16, v)?;
                }
                row += 1;
            }
            ws.write_string_with_format(row, 0, self.pick("Lifetime", "合计"), &f.bold)?;
            let l = &e.lifetime;
            for (col, v) in [l.baseline, l.project, l.leakage, l.abatement]
                .into_iter()
                .enumerate()
            {
                self.money(ws, row, 2 + col as u16, v)?;
            }
            row += 2;
        }
        Ok(())
    }

    /// One row per cash-flow category of each project with a sensitivity analysis.
    fn sensitivity(&self, ws: &mut Worksheet) -> Written {
        let f = self.fmt;
        let headers: Vec<String> = self.labels(&[
            ("Project", "项目"),
            ("Category", "现金流类别"),
            ("Present value", "现值"),
            ("Variation ±", "变化幅度 ±"),
            ("NPV, category −", "类别减少时净现值"),
            ("NPV, category +", "类别增加时净现值"),
            ("Elasticity", "敏感度系数"),
            ("Switching value", "临界点"),
            ("NPV of the", "净现值口径"),
        ]);
        ws.set_column_width(0, 18.0)?;
        ws.set_column_range_width(1, 8, 18.0)?;
        ws.write_string_with_format(
            0,
            0,
            self.pick(
                "Sensitivity of the financial NPV, and of the economic NPV where there is an economic view, to each cash-flow category and economic benefit (switching value: the change of the variable that brings the NPV to zero)",
                "财务净现值（有经济分析时还有经济净现值）对各类现金流与经济效益的敏感性（临界点：使净现值降为零的该变量变化）",
            ),
            &f.bold,
        )?;
        self.headers(ws, 2, &headers)?;
        let mut row = 3u32;
        for a in self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
        {
            let views = [
                (
                    a.sensitivity.as_ref(),
                    self.pick("financial view", "财务分析"),
                ),
                (
                    a.economic.as_ref().and_then(|e| e.sensitivity.as_ref()),
                    self.pick("economic view", "经济分析"),
                ),
            ];
            for (s, of) in views {
                let Some(s) = s else { continue };
                for v in &s.variables {
                    ws.write_string(row, 0, &a.project.id)?;
                    ws.write_string(row, 1, self.pick(&v.label.en, &v.label.zh))?;
                    self.money(ws, row, 2, v.present_value)?;
                    self.percent(ws, row, 3, s.variation)?;
                    self.money(ws, row, 4, v.npv_down)?;
                    self.money(ws, row, 5, v.npv_up)?;
                    match &v.elasticity {
                        Figure::Value(e) => {
                            ws.write_number_with_format(row, 6, excel_number(*e), &f.ratio)?;
                        }
                        Figure::None { finding } => self.finding(ws, row, 6, finding)?,
                    }
                    self.figure_percent(ws, row, 7, &v.switching_value)?;
                    ws.write_string(row, 8, of)?;
                    row += 1;
                }
            }
        }
        Ok(())
    }

    fn mac(&self, ws: &mut Worksheet, sheet: &str) -> Written {
        let f = self.fmt;
        ws.set_column_width(0, 22.0)?;
        ws.set_column_range_width(1, 7, 16.0)?;
        let Some(curve) = &self.output.mac_curve else {
            ws.write_string(
                0,
                0,
                self.pick(
                    "No project reports abatement: there is no marginal abatement cost curve.",
                    "没有项目产生减排：无边际减排成本曲线。",
                ),
            )?;
            return Ok(());
        };
        let currency = self.common_currency();
        ws.write_string_with_format(
            0,
            0,
            self.pick(
                "Marginal abatement cost curve: projects sorted by levelised cost per tonne; bar width = lifetime tonnes abated",
                "边际减排成本曲线：项目按平准化单位减排成本排序；柱宽 = 全生命周期减排量",
            ),
            &f.bold,
        )?;
        let cost_header = match &currency {
            Some(c) => format!(
                "{} ({c}/tCO2e)",
                self.pick("Cost per tonne", "单位减排成本")
            ),
            None => self
                .pick(
                    "Cost per tonne (project currency/tCO2e)",
                    "单位减排成本（项目币种/tCO2e）",
                )
                .to_owned(),
        };
        let headers: Vec<String> = vec![
            self.pick("Project", "项目").to_owned(),
            cost_header.clone(),
            self.pick("Tonnes (tCO2e)", "减排量 (tCO2e)").to_owned(),
            self.pick("From (tCO2e)", "起点 (tCO2e)").to_owned(),
            self.pick("To (tCO2e)", "终点 (tCO2e)").to_owned(),
            String::new(),
            self.pick("Chart x (tCO2e)", "图横坐标 (tCO2e)").to_owned(),
            self.pick("Chart y (per tCO2e)", "图纵坐标（每吨）")
                .to_owned(),
        ];
        self.headers(ws, 2, &headers)?;
        // Excel has no bar of variable width, so each bar is drawn as the outline of its
        // rectangle: four corner points per bar, joined by straight lines in a scatter chart.
        let first = 3u32;
        let steps: Vec<(Decimal, Decimal)> = curve
            .bars
            .iter()
            .flat_map(|b| {
                [
                    (b.cumulative_from_t, Decimal::ZERO),
                    (b.cumulative_from_t, b.cost_per_t),
                    (b.cumulative_to_t, b.cost_per_t),
                    (b.cumulative_to_t, Decimal::ZERO),
                ]
            })
            .collect();
        // The step points share rows with the bars table (rows are written in order).
        for (k, (x, y)) in steps.iter().enumerate() {
            let row = first + k as u32;
            if let Some(b) = curve.bars.get(k) {
                self.text(ws, row, 0, &b.project_id)?;
                self.money(ws, row, 1, b.cost_per_t)?;
                self.money(ws, row, 2, b.tonnes_co2e)?;
                self.money(ws, row, 3, b.cumulative_from_t)?;
                self.money(ws, row, 4, b.cumulative_to_t)?;
            }
            self.money(ws, row, 6, *x)?;
            self.money(ws, row, 7, *y)?;
        }
        let last_step = first + steps.len() as u32;
        let mut below = last_step + 1;
        ws.write_string_with_format(
            below,
            0,
            self.pick("Total (tCO2e)", "合计 (tCO2e)"),
            &f.bold,
        )?;
        self.money(ws, below, 2, curve.total_tonnes_co2e)?;
        below += 1;
        if let Some(finding) = &curve.finding {
            self.finding(ws, below, 0, finding)?;
            below += 1;
        }
        for x in &curve.excluded {
            let reason = finding_text(&x.finding, self.lang);
            ws.write_string(
                below,
                0,
                format!(
                    "{} {}: {reason}",
                    self.pick("not on the curve:", "未列入曲线："),
                    x.project_id
                ),
            )?;
            below += 1;
        }
        if !curve.bars.is_empty() {
            let mut chart = Chart::new(ChartType::ScatterStraight);
            chart
                .title()
                .set_name(self.pick("Marginal abatement cost curve", "边际减排成本曲线"));
            chart
                .add_series()
                .set_name(cost_header.as_str())
                .set_categories((sheet, first, 6, last_step - 1, 6))
                .set_values((sheet, first, 7, last_step - 1, 7));
            chart.legend().set_hidden();
            chart
                .x_axis()
                .set_name(self.pick("Cumulative abatement (tCO2e)", "累计减排量 (tCO2e)"))
                .set_num_format("#,##0")
                .set_label_position(ChartAxisLabelPosition::Low);
            chart
                .y_axis()
                .set_name(cost_header.as_str())
                .set_num_format("#,##0");
            chart.set_width(720).set_height(400);
            ws.insert_chart(2, 9, &chart)?;
        }
        Ok(())
    }

    /// The one currency of the projects on the MAC curve, if they share one.
    fn common_currency(&self) -> Option<String> {
        let currencies: BTreeSet<&str> = self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
            .filter(|a| a.emissions.is_some())
            .map(|a| a.project.currency.as_str())
            .collect();
        match currencies.len() {
            1 => currencies.into_iter().next().map(str::to_owned),
            _ => None,
        }
    }

    fn eligibility(&self, ws: &mut Worksheet) -> Written {
        let f = self.fmt;
        let headers: Vec<String> = self.labels(&[
            ("Project id", "项目编号"),
            ("Taxonomy", "分类标准"),
            ("Pack", "规则包"),
            ("Taxonomy verdict", "分类结论"),
            ("Rule", "规则"),
            ("Clause", "条款"),
            ("Title", "标题"),
            ("Clause verdict", "条款结论"),
            ("Reason", "理由"),
            ("Thresholds", "阈值"),
            ("Values compared", "比较的输入值"),
            ("Missing data", "缺少的数据"),
            ("Verification", "核实状态"),
            ("Rule error", "规则错误"),
        ]);
        ws.write_string_with_format(
            0,
            0,
            self.pick(
                "Green-bond eligibility, clause by clause",
                "绿色债券合格性，逐条款",
            ),
            &f.bold,
        )?;
        self.headers(ws, 2, &headers)?;
        ws.set_freeze_panes(3, 1)?;
        for (col, width) in [
            (0u16, 18.0),
            (1, 9.0),
            (2, 22.0),
            (3, 14.0),
            (4, 26.0),
            (5, 22.0),
            (6, 36.0),
            (7, 14.0),
            (8, 60.0),
            (9, 40.0),
            (10, 40.0),
            (11, 20.0),
            (12, 12.0),
            (13, 30.0),
        ] {
            ws.set_column_width(col, width)?;
        }
        let mut row = 3u32;
        let mut disagreements = Vec::new();
        for r in &self.output.results {
            let Some(e) = &r.eligibility else { continue };
            let id = r.id.as_deref().unwrap_or("");
            for t in &e.taxonomies {
                let pack_reason = self.pick(&t.reason_en, &t.reason_zh);
                if t.clauses.is_empty() {
                    self.text(ws, row, 0, id)?;
                    self.text(ws, row, 1, &t.taxonomy)?;
                    self.text(ws, row, 2, &format!("{} {}", t.pack, t.version))?;
                    self.text(ws, row, 3, verdict_text(t.verdict, self.lang))?;
                    self.text(ws, row, 8, pack_reason)?;
                    row += 1;
                }
                for c in &t.clauses {
                    self.text(ws, row, 0, id)?;
                    self.text(ws, row, 1, &t.taxonomy)?;
                    self.text(ws, row, 2, &format!("{} {}", t.pack, t.version))?;
                    self.text(ws, row, 3, verdict_text(t.verdict, self.lang))?;
                    self.text(ws, row, 4, &c.rule)?;
                    self.text(ws, row, 5, &c.clause)?;
                    self.text(ws, row, 6, self.pick(&c.title_en, &c.title_zh))?;
                    self.text(ws, row, 7, verdict_text(c.verdict, self.lang))?;
                    self.text(ws, row, 8, self.pick(&c.reason_en, &c.reason_zh))?;
                    self.text(ws, row, 9, &used_values(&c.thresholds))?;
                    self.text(ws, row, 10, &used_values(&c.inputs))?;
                    self.text(ws, row, 11, &c.missing.join(", "))?;
                    self.text(ws, row, 12, &c.verification)?;
                    self.text(ws, row, 13, c.error.as_deref().unwrap_or(""))?;
                    row += 1;
                }
            }
            for d in &e.disagreements {
                disagreements.push((id, d));
            }
        }
        if !disagreements.is_empty() {
            row += 1;
            ws.write_string_with_format(
                row,
                0,
                self.pick("Where the taxonomies disagree", "分类标准之间的分歧"),
                &f.bold,
            )?;
            row += 1;
            let headers: Vec<String> = self.labels(&[
                ("Project id", "项目编号"),
                ("Taxonomies", "分类标准"),
                ("Verdicts", "结论"),
                ("", ""),
                ("", ""),
                ("", ""),
                ("", ""),
                ("", ""),
                ("Explanation", "说明"),
            ]);
            self.headers(ws, row, &headers)?;
            row += 1;
            for (id, d) in disagreements {
                self.text(ws, row, 0, id)?;
                self.text(ws, row, 1, &d.taxonomies.join(" / "))?;
                self.text(
                    ws,
                    row,
                    2,
                    &format!(
                        "{} / {}",
                        verdict_text(d.verdicts[0], self.lang),
                        verdict_text(d.verdicts[1], self.lang)
                    ),
                )?;
                self.text(ws, row, 8, self.pick(&d.explanation_en, &d.explanation_zh))?;
                row += 1;
            }
        }
        Ok(())
    }

    fn working(&self, ws: &mut Worksheet) -> Written {
        let f = self.fmt;
        let headers: Vec<String> = self.labels(&[
            ("Step", "步骤"),
            ("What", "内容"),
            ("Formula / input", "公式 / 输入"),
            ("Value", "数值"),
            ("Unit", "单位"),
            ("Source / note", "来源 / 说明"),
        ]);
        ws.set_column_width(0, 6.0)?;
        ws.set_column_width(1, 40.0)?;
        ws.set_column_width(2, 50.0)?;
        ws.set_column_width(3, 20.0)?;
        ws.set_column_width(4, 14.0)?;
        ws.set_column_width(5, 50.0)?;
        ws.write_string_with_format(
            0,
            0,
            self.pick(
                "The working behind each figure: formula, inputs with units and sources, result",
                "每个数字的计算过程：公式、输入（单位与来源）、结果",
            ),
            &f.bold,
        )?;
        let mut row = 2u32;
        for a in self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
        {
            if a.trace.is_empty() {
                continue;
            }
            ws.write_string_with_format(
                row,
                0,
                format!("{} — {}", a.project.id, a.project.name),
                &f.bold,
            )?;
            self.headers(ws, row + 1, &headers)?;
            row += 2;
            for (i, s) in a.trace.iter().enumerate() {
                ws.write_number_with_format(row, 0, (i + 1) as f64, &f.bold)?;
                ws.write_string_with_format(row, 1, self.pick(&s.title.en, &s.title.zh), &f.bold)?;
                ws.write_string_with_format(row, 2, &s.formula, &f.wrap)?;
                self.number_or_text(ws, row, 3, &s.result)?;
                self.text(ws, row, 4, &s.unit)?;
                if let Some(n) = &s.note {
                    self.text(ws, row, 5, self.pick(&n.en, &n.zh))?;
                }
                row += 1;
                for inp in &s.inputs {
                    self.text(ws, row, 1, self.pick("  input", "  输入"))?;
                    self.text(ws, row, 2, &inp.name)?;
                    self.number_or_text(ws, row, 3, &inp.value)?;
                    self.text(ws, row, 4, &inp.unit)?;
                    self.text(ws, row, 5, &inp.source)?;
                    row += 1;
                }
            }
            row += 1;
        }
        Ok(())
    }

    /// A trace value: a number when it is one, so it can be reused in a formula; the text as
    /// written otherwise (a list, a date).
    fn number_or_text(&self, ws: &mut Worksheet, row: u32, col: u16, s: &str) -> Written {
        match s.parse::<Decimal>() {
            Ok(d) => {
                ws.write_number(row, col, excel_number(d))?;
                Ok(())
            }
            Err(_) => self.text(ws, row, col, s),
        }
    }

    fn provenance(&self, ws: &mut Worksheet, source: Option<&str>) -> Written {
        let f = self.fmt;
        ws.set_column_width(0, 34.0)?;
        ws.set_column_range_width(1, 5, 24.0)?;
        ws.write_string_with_format(0, 0, self.pick("Provenance", "来源与版本"), &f.title)?;
        let mut row = 2u32;
        let engine: BTreeSet<&str> = self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
            .map(|a| a.provenance.engine_version.as_str())
            .collect();
        ws.write_string_with_format(row, 0, self.pick("Engine version", "引擎版本"), &f.bold)?;
        let engine: Vec<&str> = engine.into_iter().collect();
        self.text(ws, row, 1, &engine.join(", "))?;
        row += 1;
        if let Some(s) = source {
            ws.write_string_with_format(row, 0, self.pick("Input file", "输入文件"), &f.bold)?;
            self.text(ws, row, 1, s)?;
            row += 1;
        }

        row += 1;
        ws.write_string_with_format(
            row,
            0,
            self.pick("Reference data sets", "参考数据集"),
            &f.bold,
        )?;
        row += 1;
        let headers: Vec<String> = self.labels(&[
            ("Data set", "数据集"),
            ("Version", "版本"),
            ("Origin", "来源"),
            ("Verified against source", "已与原始资料核对"),
            ("Projects using it", "使用项目数"),
            ("Overridden by", "被以下项目覆盖"),
        ]);
        self.headers(ws, row, &headers)?;
        row += 1;
        let mut sets: BTreeMap<DataSetKey, DataSetUse> = BTreeMap::new();
        for a in self
            .output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
        {
            for d in &a.provenance.data {
                let entry = sets
                    .entry((d.id.clone(), d.version.clone(), d.origin.to_string()))
                    .or_insert((d.verified, 0, Vec::new()));
                entry.0 &= d.verified;
                entry.1 += 1;
                if d.overridden {
                    entry.2.push(a.project.id.clone());
                }
            }
        }
        for ((id, version, origin), (verified, used, overridden)) in &sets {
            self.text(ws, row, 0, id)?;
            self.text(ws, row, 1, version)?;
            self.text(ws, row, 2, origin)?;
            self.text(
                ws,
                row,
                3,
                if *verified {
                    self.pick("yes", "是")
                } else {
                    self.pick("no", "否")
                },
            )?;
            ws.write_number(row, 4, *used as f64)?;
            self.text(ws, row, 5, &overridden.join(", "))?;
            row += 1;
        }

        row += 1;
        ws.write_string_with_format(row, 0, self.pick("Rule packs", "规则包"), &f.bold)?;
        row += 1;
        let headers: Vec<String> = self.labels(&[
            ("Pack", "规则包"),
            ("Version", "版本"),
            ("Taxonomy", "分类标准"),
            ("Content hash", "内容哈希"),
        ]);
        self.headers(ws, row, &headers)?;
        row += 1;
        let packs: BTreeSet<(&str, &str, &str, &str)> = self
            .output
            .results
            .iter()
            .filter_map(|r| r.eligibility.as_ref())
            .flat_map(|e| &e.taxonomies)
            .map(|t| {
                (
                    t.pack.as_str(),
                    t.version.as_str(),
                    t.taxonomy.as_str(),
                    t.content_hash.as_str(),
                )
            })
            .collect();
        for (pack, version, taxonomy, hash) in packs {
            self.text(ws, row, 0, pack)?;
            self.text(ws, row, 1, version)?;
            self.text(ws, row, 2, taxonomy)?;
            self.text(ws, row, 3, hash)?;
            row += 1;
        }

        row += 1;
        ws.write_string_with_format(row, 0, self.pick("Inputs", "输入"), &f.bold)?;
        row += 1;
        let headers = self.labels(&[
            ("#", "序号"),
            ("Project id", "项目编号"),
            (
                "Input hash (SHA-256 of the canonical project JSON)",
                "输入哈希（项目规范 JSON 的 SHA-256）",
            ),
        ]);
        self.headers(ws, row, &headers)?;
        row += 1;
        for r in &self.output.results {
            ws.write_number(row, 0, r.index as f64)?;
            self.text(ws, row, 1, r.id.as_deref().unwrap_or(""))?;
            match &r.appraisal {
                Some(a) => self.text(ws, row, 2, &a.provenance.input_hash)?,
                None => self.text(ws, row, 2, self.pick("not appraised", "未评估"))?,
            }
            row += 1;
        }
        Ok(())
    }
}

/// A reference data set as provenance names it: id, version, origin.
type DataSetKey = (String, String, String);

/// How a batch used a data set: verified (in every project), projects using it, projects
/// overriding it.
type DataSetUse = (bool, usize, Vec<String>);

/// A JSON pointer as shown to people: the empty pointer is the whole document.
fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// `name = value unit (clause)` for each value, separated by semicolons.
fn used_values(values: &[UsedValue]) -> String {
    values
        .iter()
        .map(|v| {
            let mut s = format!("{} = {}", v.name, v.value);
            if !v.unit.is_empty() {
                s.push(' ');
                s.push_str(&v.unit);
            }
            if !v.clause.is_empty() {
                s.push_str(&format!(" ({})", v.clause));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A rate as text with two decimals of a percent, half away from zero, e.g. `12.35%`.
fn percent_text(rate: Decimal) -> String {
    let pct = (rate * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{pct:.2}%")
}

/// The serde wire name of a unit enum such as `Sector`.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn verdict_text(v: Verdict, lang: Lang) -> &'static str {
    match v {
        Verdict::Eligible => lang.pick("eligible", "合格"),
        Verdict::NotEligible => lang.pick("not eligible", "不合格"),
        Verdict::InsufficientData => lang.pick("insufficient data", "数据不足"),
        Verdict::NeedsReview => lang.pick("needs review", "需人工审核"),
    }
}

/// A finding in the workbook's language: the engine's English message, or the Chinese text of
/// its code (`Finding::message_zh`, as the command line shows it).
fn finding_text(f: &Finding, lang: Lang) -> String {
    if lang == Lang::En {
        return f.message.clone();
    }
    f.message_zh.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_past_the_row_limit_is_a_named_error_with_its_sheet() {
        let e = write_error(XlsxError::RowColumnLimitError, "Cash flows");
        assert_eq!(e.code, "sheet_too_large");
        assert_eq!(e.location, "Cash flows");
        assert!(e.message.contains("1,048,576"));
    }

    #[test]
    fn rates_as_text_round_half_away_from_zero() {
        // 0.123450 → 12.345 % → 12.35 %; −0.0000499 → −0.00499 % → 0.00 % (no negative zero).
        assert_eq!(percent_text(Decimal::new(12345, 5)), "12.35%");
        assert_eq!(percent_text(Decimal::new(-499, 7)), "0.00%");
        assert_eq!(percent_text(Decimal::new(2, 1)), "20.00%");
    }
}
