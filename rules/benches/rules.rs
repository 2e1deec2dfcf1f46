//! Benchmarks of the rule engine: every shipped pack on one project (the cost a portfolio pays
//! per project), and how long a runaway script runs before its limit stops it.

use divan::{Bencher, black_box};
use greenlight_rules::pack::Pack;
use greenlight_rules::record::{FieldValue, Record};
use greenlight_rules::{EngineLimits, RuleSet};
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

/// A renovated school in Dezhou with the evidence the packs read.
fn record() -> Record {
    let mut r = Record::default();
    let text = |s: &str| FieldValue::Text(s.to_owned());
    r.set("activity", text("building_renovation"));
    r.set("sector", text("buildings"));
    r.set("country", text("CN"));
    r.set("ped_reduction_pct", FieldValue::Number(Decimal::new(35, 0)));
    r.set("major_renovation_epbd_compliant", FieldValue::Bool(false));
    r.set("cn_retrofit_meets_energy_standard", FieldValue::Bool(true));
    r.set("cn_green_building_star", FieldValue::Number(Decimal::ONE));
    r.set("eu_dnsh_met", FieldValue::Bool(true));
    r.set("eu_min_safeguards_met", FieldValue::Bool(true));
    r.set("issuer_reference_taxonomy", text("EU"));
    r
}

#[divan::bench]
fn all_shipped_packs_on_one_project(b: Bencher) {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let r = record();
    b.bench(|| set.evaluate(black_box(&r), "2026-01-01"));
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
