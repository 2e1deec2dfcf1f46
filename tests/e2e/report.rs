//! `greenlight appraise --format xlsx`: the results workbook as a user writes it, and the
//! example city pipeline.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};

use crate::{LED, greenlight, stderr};

fn summary(bytes: &[u8], name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    book.worksheet_range(name).expect("the summary sheet")
}

/// The value in column `col` of the Summary row of project `id`.
fn cell<'r>(range: &'r Range<Data>, id: &str, col: u32) -> &'r Data {
    let (h, _) = range.end().expect("a non-empty sheet");
    let row = (0..=h)
        .find(|r| matches!(range.get_value((*r, 1)), Some(Data::String(s)) if s == id))
        .unwrap_or_else(|| panic!("no Summary row for {id}"));
    range.get_value((row, col)).expect("a cell")
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        other => panic!("expected a number, found {other:?}"),
    }
}

#[test]
fn xlsx_needs_an_output_file() {
    let out = greenlight(&["appraise", "--format", "xlsx", LED], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--output"), "{}", stderr(&out));
}

#[test]
fn xlsx_results_workbook_written_to_a_file() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("led-results.xlsx");
    let _ = std::fs::remove_file(&path);
    let out = greenlight(
        &[
            "appraise",
            "--format",
            "xlsx",
            "-o",
            path.to_str().expect("a UTF-8 path"),
            LED,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let bytes = std::fs::read(&path).expect("the workbook was written");
    let s = summary(&bytes, "Summary");
    // NPV 372 848.8278… by hand (core/tests/it/appraisal.rs).
    assert!((number(cell(&s, "cn-dz-led-01", 7)) - 372_848.827_8).abs() < 0.001);
    // IRR 10.3919 %, written as a rate with a percentage format.
    assert!((number(cell(&s, "cn-dz-led-01", 8)) - 0.103_919).abs() < 5e-7);
}

#[test]
fn xlsx_to_a_pipe_in_chinese() {
    let out = greenlight(
        &[
            "--lang", "zh", "appraise", "--format", "xlsx", "-o", "-", LED,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"PK"));
    let s = summary(&out.stdout, "汇总");
    assert!((number(cell(&s, "cn-dz-led-01", 7)) - 372_848.827_8).abs() < 0.001);
}

const CITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/city-pipeline.json"
);
const CITY_EU: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/city-pipeline-eu.json"
);

/// Annuity factor `Σ_{t=1..n} (1+r)^−t = (1 − (1+r)^−n) / r`.
fn annuity(r: f64, n: i32) -> f64 {
    (1.0 - (1.0 + r).powi(-n)) / r
}

fn appraise_json(path: &str) -> serde_json::Value {
    let out = crate::greenlight(&["appraise", "--format", "json", path], "");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&crate::stdout(&out)).expect("JSON output")
}

/// The result for project `id`.
fn project<'v>(v: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

/// A decimal string of the JSON output as f64.
fn f(v: &serde_json::Value) -> f64 {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, found {v}"))
        .parse()
        .expect("a number")
}

#[test]
fn the_city_pipeline_appraises_without_errors_and_matches_hand_calculations() {
    let v = appraise_json(CITY);
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    for r in results {
        assert!(r["errors"].is_null(), "{}", r["errors"]);
        assert!(r["appraisal"].is_object());
        // Both the China catalogue and the EU taxonomy judge every project.
        let taxonomies: Vec<&str> = r["eligibility"]["taxonomies"]
            .as_array()
            .expect("taxonomies")
            .iter()
            .filter_map(|t| t["taxonomy"].as_str())
            .collect();
        assert!(taxonomies.contains(&"cn") && taxonomies.contains(&"eu"));
    }

    // LED street lights, 6 % real, 2026 undiscounted: −1 200 000 − 2 800 000 in 2026; then
    // 15 years of 959 400 savings − 40 000 O&M (the luminaires' replacement in 2041 is offset
    // by its full residual value in the same year).
    // NPV = −4 000 000 + 919 400 · 9.7122490 = 4 929 441.72.
    let led = &project(&v, "cn-zp-led-streetlights")["appraisal"];
    let npv = -4_000_000.0 + 919_400.0 * annuity(0.06, 15);
    assert!((f(&led["financial"]["npv"]) - npv).abs() < 0.01);
    assert!((npv - 4_929_441.72).abs() < 0.01);

    // Flood wall: −90 M + 60 M grant in 2026, −60 M in 2027, −1.5 M a year 2028–2050.
    // NPV = −30 M − 60 M/1.06 − 1.5 M · (a(24) − 1/1.06) = −104 014 215.5.
    let wall = &project(&v, "cn-zp-flood-wall")["appraisal"];
    let npv = -30e6 - 60e6 / 1.06 - 1.5e6 * (annuity(0.06, 24) - 1.0 / 1.06);
    assert!((f(&wall["financial"]["npv"]) - npv).abs() < 0.01);
    // Expected annual damage by the trapezoid rule in probability, tail extended:
    // without = 2.0 + 4.0 + 6.3 + 3.75 + 4.5 (tail 450 M × 0.01) = 20.55 M;
    // with = 0.3 + 0.6 (tail) = 0.9 M; avoided = 19.65 M a year.
    assert_eq!(f(&wall["economic"]["flood"]["avoided"]), 19_650_000.0);

    // Rooftop PV: 3 000 kWp × 1 180 kWh/kWp, 0.5 %/yr degradation over 24 years (2027–2050),
    // North China grid 2023 factor 0.6361 t/MWh held: 3 540 MWh · (1 − 0.995^24)/0.005
    // · 0.6361 = 51 046.6 tCO2e.
    let pv = &project(&v, "cn-zp-rooftop-pv")["appraisal"];
    let tonnes = 3_540.0 * (1.0 - 0.995f64.powi(24)) / 0.005 * 0.6361;
    assert!((f(&pv["emissions"]["lifetime"]["abatement"]) - tonnes).abs() < 0.01);

    // Water leakage: 2 000 000 m³ × 0.30 kWh/m³ = 600 MWh × 0.6361 = 381.66 t a year, 20
    // years: 7 633.2 tCO2e.
    let water = &project(&v, "cn-zp-water-leakage")["appraisal"];
    assert_eq!(f(&water["emissions"]["lifetime"]["abatement"]), 7_633.2);

    // Every project with an emissions calculation is on the MAC curve: all but the wall.
    assert_eq!(v["mac_curve"]["bars"].as_array().expect("bars").len(), 6);
}

#[test]
fn the_city_pipeline_results_workbook() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("city-results.xlsx");
    let out = greenlight(
        &[
            "appraise",
            "--format",
            "xlsx",
            "-o",
            path.to_str().expect("a UTF-8 path"),
            CITY,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&path).expect("the workbook was written");
    let s = summary(&bytes, "Summary");
    let npv = -4_000_000.0 + 919_400.0 * annuity(0.06, 15);
    assert!((number(cell(&s, "cn-zp-led-streetlights", 7)) - npv).abs() < 0.01);
    // The flood wall has no IRR (only outflows after the first year) and says so.
    assert!(matches!(cell(&s, "cn-zp-flood-wall", 8), Data::String(t) if t.starts_with("no IRR")));
    let mac = summary(&bytes, "MAC curve");
    // Six bars: rows 4–9 (1-based) name a project each; row 10 is empty.
    let named = (3..20)
        .take_while(|r| matches!(mac.get_value((*r, 0)), Some(Data::String(_))))
        .count();
    assert_eq!(named, 6);
}

#[test]
fn the_eu_city_pipeline_appraises_without_errors() {
    let v = appraise_json(CITY_EU);
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| r["errors"].is_null()));
    // LED street lights at the EU 4 % financial rate: −2 000 000 + 304 720 · a(4 %, 15)
    // = −2 000 000 + 304 720 · 11.1183874 = 1 387 995.02.
    let led = &project(&v, "eu-hn-led-streetlights")["appraisal"];
    let npv = -2_000_000.0 + 304_720.0 * annuity(0.04, 15);
    assert!((f(&led["financial"]["npv"]) - npv).abs() < 0.01);
    assert_eq!(led["project"]["currency"], "EUR");
}
