//! Benchmarks of the rule engine: every shipped pack on one project (the cost a portfolio pays
//! per project), each pack over a varied synthetic portfolio (pack evaluations per second on
//! one thread), and how long a runaway script runs before its limit stops it.

#[path = "common/portfolio.rs"]
mod portfolio;

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{EligibilityJudge, appraise_json, appraise_projects, plain_projects};
use greenlight_core::registry::Registry;
use greenlight_rules::pack::Pack;
use greenlight_rules::record::{FieldValue, Record};
use greenlight_rules::{EngineLimits, RuleSet};

fn main() {
    divan::main();
}

#[divan::bench]
fn all_shipped_packs_on_one_project(b: Bencher) {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let r = portfolio::renovated_building();
    b.bench(|| set.evaluate(black_box(&r), portfolio::DATE));
}

/// One "project evaluation" of issue #5's throughput target is one project under one pack:
/// the target of 100 000 per second per core is 10 µs each, which is what five packs in 50 µs
/// give. Each sample runs the whole synthetic portfolio (about 740 records) through one pack,
/// or through all five (`all`, five pack evaluations a record); divan's item rate is pack
/// evaluations per second on this one thread.
#[divan::bench(args = ["cn", "eu", "cbi", "cgt", "icma", "all"], sample_count = 30)]
fn portfolio_pack_evaluations(b: Bencher, taxonomy: &str) {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let records = portfolio::synthetic_portfolio(&set);
    let only = set
        .packs()
        .iter()
        .find(|p| p.meta.taxonomy == taxonomy)
        .map(|p| p.meta.id.clone());
    let per_record = if only.is_some() { 1 } else { set.packs().len() };
    b.counter(ItemsCount::new(records.len() * per_record))
        .bench(|| {
            for r in &records {
                black_box(set.evaluate_packs(black_box(r), portfolio::DATE, only.as_deref()));
            }
        });
}

/// What the service does for `POST /v1/appraisals` with one project (the LED example) and
/// no working: the request's projects read straight from its text (`plain_projects`), the
/// project appraised and judged under every shipped pack, and the answer written as compact
/// JSON (with `json_text`, as the service writes it). The HTTP layer itself is left out.
#[divan::bench]
fn one_project_request(b: Bencher) {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let registry = Registry::embedded().expect("registry loads");
    let options = AppraisalOptions { trace: false };
    let body = led_request_body();
    b.bench(|| {
        let judge: &dyn EligibilityJudge = &set;
        let projects = plain_projects(black_box(body.as_bytes())).expect("a plain batch");
        let output = appraise_projects(projects, &registry, &options, Some(judge)).expect("batch");
        greenlight_core::json_text::to_vec(&output)
            .expect("written")
            .len()
    });
}

/// The same request read as a document first (`serde_json::Value`, then `appraise_json`):
/// the path of a request with settings, and of every request before `plain_projects`.
#[divan::bench]
fn one_project_document_request(b: Bencher) {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let registry = Registry::embedded().expect("registry loads");
    let options = AppraisalOptions { trace: false };
    let body = led_request_body();
    b.bench(|| {
        let judge: &dyn EligibilityJudge = &set;
        let document: serde_json::Value = serde_json::from_str(black_box(&body)).expect("JSON");
        let output = appraise_json(document, &registry, &options, Some(judge)).expect("batch");
        greenlight_core::json_text::to_vec(&output)
            .expect("written")
            .len()
    });
}

/// The body `http/bench/wrk.sh` sends.
fn led_request_body() -> String {
    format!(
        "{{\"projects\": [{}]}}",
        include_str!("../../workbooks/examples/led-street-lighting.json")
    )
}

#[divan::bench]
fn runaway_script_until_stopped(b: Bencher) {
    let limits = EngineLimits::standard();
    let engine = greenlight_rules::engine::build(&limits);
    let files = vec![
        (
            "pack.toml".to_owned(),
            "id = \"bench\"\nname_en = \"b\"\nname_zh = \"b\"\nversion = \"0.0.1\"\ntaxonomy = \"icma\"\nsource_act = \"b\"\nedition = \"b\"\neffective_from = \"2020-01-01\"\nverification = \"b\"\n".to_owned(),
        ),
        (
            "rules/loop.rhai".to_owned(),
            "//! id: bench.loop\n//! title_en: b\n//! title_zh: b\n//! clause: b\n//! activities: b\n//! verification: U\n//! source: b\nlet x = 0; loop { x += 1; }\n".to_owned(),
        ),
        ("rules/loop.cases.yaml".to_owned(), "[]".to_owned()),
    ];
    let mut set = RuleSet::empty(limits);
    set.add(Pack::from_files(&files, "bench", &engine).expect("loads"))
        .expect("added");
    let mut r = Record::default();
    r.set("activity", FieldValue::Text("b".into()));
    b.bench(|| set.evaluate(black_box(&r), "2026-01-01"));
}
