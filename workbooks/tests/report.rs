//! The results workbook, read back with calamine and checked against figures worked out by
//! hand (in the comments), not against the engine that produced them.

use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader, Xlsx};
use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{AppraisalOutput, appraise_json_text};
use greenlight_core::registry::Registry;
use greenlight_rules::{EngineLimits, RuleSet};
use greenlight_workbooks::{Lang, ReportOptions, results_workbook};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// The two shipped examples and a project that cannot be appraised (a cash flow outside its
/// study period), as one batch.
fn batch_text() -> String {
    let led = std::fs::read_to_string(format!("{EXAMPLES}/led-street-lighting.json")).unwrap();
    let flood = std::fs::read_to_string(format!("{EXAMPLES}/flood-wall.json")).unwrap();
    let broken = r#"{
      "id": "broken-01", "name": "Bad year", "currency": "CNY", "price_base_year": 2025,
      "sector": "lighting", "activity": "street_lighting",
      "timeline": { "start_year": 2026, "analysis_years": 5 },
      "finance": { "discount_rate": "0.06" },
      "cash_flows": [ { "category": "investment", "year": 2040, "amount": "-100" } ]
    }"#;
    format!("[{led}, {flood}, {broken}]")
}

fn appraised(trace: bool) -> AppraisalOutput {
    let registry = Registry::embedded().unwrap();
    let rules = RuleSet::shipped(EngineLimits::standard()).unwrap();
    appraise_json_text(
        &batch_text(),
        &registry,
        &AppraisalOptions { trace },
        Some(&rules),
    )
    .unwrap()
}

fn workbook(output: &AppraisalOutput, lang: Lang) -> Vec<u8> {
    results_workbook(
        output,
        &ReportOptions {
            lang,
            title: None,
            source_name: Some("examples.json".into()),
        },
    )
    .unwrap()
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
}

/// The row whose column `col` holds `text`.
fn row_of(range: &Range<Data>, col: u32, text: &str) -> u32 {
    let (h, _) = range.end().unwrap();
    (0..=h)
        .find(|r| matches!(range.get_value((*r, col)), Some(Data::String(s)) if s == text))
        .unwrap_or_else(|| panic!("no row with {text:?} in column {col}"))
}

fn number(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        other => panic!("expected a number at ({row}, {col}), found {other:?}"),
    }
}

fn string(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("expected text at ({row}, {col}), found {other:?}"),
    }
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    text
}

/// The flood wall, by hand: 4 % real (EU 480/2014), year 2026 is period 0 and undiscounted.
/// 2026: −5 000 000 investment + 1 500 000 grant = −3 500 000; 2027–2056: −50 000 a year.
/// NPV = −3 500 000 − 50 000 · (1 − 1.04^−30) / 0.04 = −3 500 000 − 50 000 · 17.29203330
///     = −4 364 601.67.
/// LCC = 5 000 000 + 864 601.67 = 5 864 601.67 (a grant is not a cost).
fn flood_wall_npv() -> f64 {
    -3_500_000.0 - 50_000.0 * (1.0 - 1.04f64.powi(-30)) / 0.04
}

#[test]
fn summary_holds_every_project_with_hand_checked_figures() {
    let bytes = workbook(&appraised(false), Lang::En);
    let names = sheet_names(&bytes);
    assert_eq!(
        names,
        [
            "Summary",
            "Cash flows",
            "Emissions",
            "MAC curve",
            "Eligibility",
            "Provenance"
        ]
    );
    let s = sheet(&bytes, "Summary");
    assert_eq!(string(&s, 4, 7), "Financial NPV");
    let flood = row_of(&s, 1, "eu-flood-wall");
    assert!((number(&s, flood, 7) - flood_wall_npv()).abs() < 0.01);
    assert!((number(&s, flood, 7) - (-4_364_601.67)).abs() < 0.01);
    assert!((number(&s, flood, 13) - 5_864_601.67).abs() < 0.01);
    // Only outflows after year 0: no rate makes the NPV zero, and the cell says so.
    assert!(string(&s, flood, 8).starts_with("no IRR"));
    assert_eq!(string(&s, flood, 6), "appraised");
    assert_eq!(string(&s, flood, 5), "EUR");

    // The broken project is listed with the pointer of its bad cash flow, not dropped.
    let broken = row_of(&s, 1, "broken-01");
    assert_eq!(string(&s, broken, 6), "not appraised");
    let (_, last_col) = s.end().unwrap();
    let errors = string(&s, broken, last_col);
    assert!(errors.starts_with("/2/cash_flows/0"), "{errors}");
    assert_eq!(number(&s, broken, 0), 2.0);

    // LED street lighting has emissions: lifetime abatement and a cost per tonne.
    let led = row_of(&s, 1, "cn-dz-led-01");
    assert!(number(&s, led, 17) > 0.0);
    assert!(matches!(s.get_value((led, 18)), Some(Data::Float(_))));
    // Every taxonomy judged gets a column, with a verdict for both appraised projects.
    let header = |c: u32| string(&s, 4, c);
    let cn = (19..last_col)
        .find(|c| header(*c) == "Eligibility CN")
        .unwrap();
    assert!(!string(&s, led, cn).is_empty());
}

#[test]
fn cash_flow_block_and_its_chart() {
    let bytes = workbook(&appraised(false), Lang::En);
    let cf = sheet(&bytes, "Cash flows");
    let title = row_of(&cf, 0, "eu-flood-wall — River flood wall, old town (EUR)");
    assert_eq!(string(&cf, title + 1, 15), "Cumulative");
    // Year 2036 is the eleventh row of the block: −3 500 000 − 10 · 50 000 = −4 000 000.
    let y2036 = title + 2 + 10;
    assert_eq!(number(&cf, y2036, 0), 2036.0);
    assert!((number(&cf, y2036, 15) - (-4_000_000.0)).abs() < 1e-6);
    // Discount factor of period 10 at 4 %: 1.04^−10 = 0.675564169.
    assert!((number(&cf, y2036, 2) - 0.675_564_169).abs() < 1e-8);

    // Charts: a cumulative cash-flow chart per appraised project, then the MAC curve.
    let led_title = row_of(
        &cf,
        0,
        "cn-dz-led-01 — LED street lighting, district 3 (CNY)",
    );
    let led_years = 16; // 2026–2041
    let chart1 = zip_entry(&bytes, "xl/charts/chart1.xml");
    assert!(chart1.contains("<c:lineChart>"), "{chart1}");
    let first = led_title + 3; // 1-based row of the block's first year
    let last = first + led_years - 1;
    assert!(
        chart1.contains(&format!("'Cash flows'!$P${first}:$P${last}")),
        "{chart1}"
    );
    assert!(chart1.contains(&format!("'Cash flows'!$A${first}:$A${last}")));
    let chart2 = zip_entry(&bytes, "xl/charts/chart2.xml");
    assert!(chart2.contains(&format!(
        "'Cash flows'!$P${}:$P${}",
        title + 3,
        title + 3 + 30
    )));
    let chart3 = zip_entry(&bytes, "xl/charts/chart3.xml");
    assert!(chart3.contains("<c:scatterChart>"), "{chart3}");
    // One abating project (the flood wall's abatement is an economic input, not a calculation):
    // four corner points, rows 4–7 of columns G and H.
    assert!(chart3.contains("'MAC curve'!$G$4:$G$7"), "{chart3}");
    assert!(chart3.contains("'MAC curve'!$H$4:$H$7"), "{chart3}");
}

#[test]
fn mac_curve_steps_trace_the_bars() {
    let output = appraised(false);
    let bytes = workbook(&output, Lang::En);
    let mac = sheet(&bytes, "MAC curve");
    assert_eq!(string(&mac, 3, 0), "cn-dz-led-01");
    let cost = number(&mac, 3, 1);
    let tonnes = number(&mac, 3, 2);
    // The bar's corners: (0, 0), (0, c), (t, c), (t, 0).
    let corners = [(0.0, 0.0), (0.0, cost), (tonnes, cost), (tonnes, 0.0)];
    for (k, (x, y)) in corners.iter().enumerate() {
        assert_eq!(number(&mac, 3 + k as u32, 6), *x);
        assert_eq!(number(&mac, 3 + k as u32, 7), *y);
    }
    // The tonnes on the curve are the Summary's lifetime abatement of the project.
    let s = sheet(&bytes, "Summary");
    let led = row_of(&s, 1, "cn-dz-led-01");
    assert_eq!(number(&s, led, 17), tonnes);
}

#[test]
fn eligibility_provenance_and_working() {
    let output = appraised(true);
    let bytes = workbook(&output, Lang::En);
    assert!(sheet_names(&bytes).contains(&"Working".to_owned()));
    let el = sheet(&bytes, "Eligibility");
    let led = row_of(&el, 0, "cn-dz-led-01");
    assert!(!string(&el, led, 1).is_empty());
    assert!(
        !string(&el, led, 8).is_empty(),
        "a clause carries its reason"
    );

    let p = sheet(&bytes, "Provenance");
    let packs = row_of(&p, 0, "Rule packs");
    assert!(string(&p, packs + 2, 3).starts_with("sha256:"));
    let inputs = row_of(&p, 0, "Inputs");
    let broken = row_of(&p, 1, "broken-01");
    assert!(broken > inputs);
    assert_eq!(string(&p, broken, 2), "not appraised");
    let flood = row_of(&p, 1, "eu-flood-wall");
    assert!(string(&p, flood, 2).starts_with("sha256:"));
    let fdr = row_of(&p, 0, "eu-480-2014-fdr");
    assert_eq!(string(&p, fdr, 3), "yes");

    let w = sheet(&bytes, "Working");
    let flood = row_of(&w, 0, "eu-flood-wall — River flood wall, old town");
    // Some step of the flood wall's working reports its NPV as a number.
    let (h, _) = w.end().unwrap();
    let npv_found = (flood..=h).any(|r| {
        matches!(w.get_value((r, 3)), Some(Data::Float(v)) if (v - flood_wall_npv()).abs() < 0.01)
    });
    assert!(npv_found);
}

#[test]
fn chinese_labels_and_valid_sheet_names() {
    let bytes = workbook(&appraised(true), Lang::Zh);
    let names = sheet_names(&bytes);
    assert_eq!(
        names,
        [
            "汇总",
            "现金流量",
            "排放",
            "边际减排成本曲线",
            "合格性",
            "计算过程",
            "来源"
        ]
    );
    for n in &names {
        assert!(n.chars().count() <= 31);
        assert!(!n.contains(['[', ']', ':', '*', '?', '/', '\\']));
    }
    let s = sheet(&bytes, "汇总");
    assert_eq!(string(&s, 4, 7), "财务净现值 FNPV");
    let broken = row_of(&s, 1, "broken-01");
    assert_eq!(string(&s, broken, 6), "未评估");
    let flood = row_of(&s, 1, "eu-flood-wall");
    assert!((number(&s, flood, 7) - flood_wall_npv()).abs() < 0.01);
    assert_eq!(string(&s, flood, 8), "无内部收益率");
    let chart1 = zip_entry(&bytes, "xl/charts/chart1.xml");
    // A name without spaces needs no quotes in a reference.
    assert!(chart1.contains("现金流量!$P$"), "{chart1}");
}

#[test]
fn same_output_same_bytes() {
    let output = appraised(false);
    let a = workbook(&output, Lang::En);
    let b = workbook(&output, Lang::En);
    assert!(a == b, "two writes of the same output differ");
    let core = zip_entry(&a, "docProps/core.xml");
    assert!(core.contains("2000-01-01T00:00:00Z"), "{core}");
}

#[test]
fn a_batch_without_abatement_has_no_mac_chart() {
    let registry = Registry::embedded().unwrap();
    let flood = std::fs::read_to_string(format!("{EXAMPLES}/flood-wall.json")).unwrap();
    let output =
        appraise_json_text(&flood, &registry, &AppraisalOptions { trace: false }, None).unwrap();
    let bytes = workbook(&output, Lang::En);
    let mac = sheet(&bytes, "MAC curve");
    assert!(string(&mac, 0, 0).starts_with("No project reports abatement"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    assert!(archive.by_name("xl/charts/chart1.xml").is_ok());
    assert!(archive.by_name("xl/charts/chart2.xml").is_err());
}

/// HM Treasury, *The Green Book* (2003), Box 15: £1 million for savings of £150 000 a year
/// over 10 years at 3.5 %; NPV £247 000, and −£168 000 with a third less savings. By hand:
/// PV(savings) = 150 000 · (1 − 1.035⁻¹⁰) / 0.035 = 1 247 490.80; NPV = 247 490.80;
/// switching values −NPV / PV: savings −0.198391, investment +0.247491; NPV with the savings a
/// third lower −168 339.47, a third higher 663 321.06.
#[test]
fn a_sensitivity_analysis_has_its_own_sheet_with_the_hand_checked_figures() {
    let registry = Registry::embedded().unwrap();
    let project = r#"{
      "id": "gb-box-15", "name": "IT system", "currency": "GBP", "price_base_year": 2025,
      "sector": "buildings", "activity": "other",
      "timeline": { "start_year": 2025, "construction_years": 1, "analysis_years": 10 },
      "finance": { "discount_rate": "0.035" },
      "cash_flows": [
        { "category": "investment", "year": 2025, "amount": "-1000000" },
        { "category": "savings", "years": [2026, 2035], "amount": "150000" }
      ],
      "sensitivity": { "variation": "0.3333333333333333333333333333" }
    }"#;
    let output =
        appraise_json_text(project, &registry, &AppraisalOptions { trace: false }, None).unwrap();
    let bytes = workbook(&output, Lang::En);
    assert!(sheet_names(&bytes).contains(&"Sensitivity".to_owned()));
    let s = sheet(&bytes, "Sensitivity");
    assert_eq!(string(&s, 2, 7), "Switching value");
    let savings = row_of(&s, 1, "Savings");
    assert_eq!(string(&s, savings, 0), "gb-box-15");
    assert!((number(&s, savings, 2) - 1_247_490.80).abs() < 0.01);
    assert!((number(&s, savings, 3) - 1.0 / 3.0).abs() < 1e-12);
    assert!((number(&s, savings, 4) - (-168_339.47)).abs() < 0.01);
    assert!((number(&s, savings, 4) - (-168_000.0)).abs() < 500.0);
    assert!((number(&s, savings, 5) - 663_321.06).abs() < 0.01);
    assert!((number(&s, savings, 7) - (-0.198391)).abs() < 1e-6);
    assert_eq!(string(&s, savings, 8), "financial view");
    let investment = row_of(&s, 1, "Investment");
    assert!((number(&s, investment, 7) - 0.247491).abs() < 1e-6);
    // The larger present value first.
    assert!(savings < investment);
    let zh = workbook(&output, Lang::Zh);
    let s = sheet(&zh, "敏感性分析");
    assert_eq!(string(&s, 2, 7), "临界点");
    row_of(&s, 1, "节约");
    // Without the section, no sheet.
    assert!(
        !sheet_names(&workbook(&appraised(false), Lang::En)).contains(&"Sensitivity".to_owned())
    );
}
