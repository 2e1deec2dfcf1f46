//! The records the rule benchmarks run on: the renovated building of the first benchmark, and
//! a synthetic portfolio built from the shipped packs' own cases, so it covers every activity
//! the packs encode with complete, incomplete and failing evidence in several countries.

use std::collections::{BTreeMap, BTreeSet};

use greenlight_rules::RuleSet;
use greenlight_rules::record::{FieldValue, Record};
use rust_decimal::Decimal;

/// The assessment date every benchmark evaluates at.
pub(crate) const DATE: &str = "2026-01-01";

/// A renovated school in Dezhou with the evidence the packs read.
pub(crate) fn renovated_building() -> Record {
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

/// A case's YAML value as a record field (`None` for null and anything else).
fn field(v: &serde_yaml::Value) -> Option<FieldValue> {
    match v {
        serde_yaml::Value::Bool(b) => Some(FieldValue::Bool(*b)),
        serde_yaml::Value::Number(n) => n.to_string().parse().ok().map(FieldValue::Number),
        serde_yaml::Value::String(s) => Some(FieldValue::Text(s.clone())),
        _ => None,
    }
}

/// The synthetic portfolio. For each activity some rule covers: the project with the union of
/// the evidence of every case expected `eligible` for that activity in any pack (complete
/// evidence), the same with every other field left out (incomplete), the same with every
/// yes/no flipped (failing), and each case record of that activity as it stands (the minimal
/// evidence one clause needs). Countries rotate through CN, DE, FR, NL and IT. The earlier
/// packs' verdicts (`verdict_cn`, `verdict_eu`, `verdict_cbi`, `verdict_cgt`) are filled in
/// by evaluating the whole set once, so a pack evaluated alone reads what it would read after
/// the packs before it, as in a full evaluation.
pub(crate) fn synthetic_portfolio(set: &RuleSet) -> Vec<Record> {
    let mut complete: BTreeMap<String, Record> = BTreeMap::new();
    let mut minimal: Vec<Record> = Vec::new();
    let mut activities = BTreeSet::new();
    for pack in set.packs() {
        for rule in &pack.rules {
            for a in rule.header.activities.iter().filter(|a| *a != "*") {
                activities.insert(a.clone());
            }
            for case in pack.cases.get(&rule.file).into_iter().flatten() {
                let Some(FieldValue::Text(activity)) = case.record.get("activity").and_then(field)
                else {
                    continue;
                };
                let mut record = Record::default();
                for (k, v) in &case.record {
                    if k.starts_with("verdict_") || k == "assessment_date" {
                        continue;
                    }
                    if let Some(value) = field(v) {
                        record.set(k, value);
                    }
                }
                if case.expect == "eligible" {
                    let union = complete.entry(activity.clone()).or_default();
                    for (k, v) in &record.fields {
                        union.set(k, v.clone());
                    }
                }
                minimal.push(record);
            }
        }
    }
    let mut records = Vec::new();
    for activity in &activities {
        let mut full = complete.get(activity).cloned().unwrap_or_default();
        full.set("activity", FieldValue::Text(activity.clone()));
        let mut incomplete = Record::default();
        for (i, (k, v)) in full.fields.iter().enumerate() {
            if i % 2 == 0 || k == "activity" {
                incomplete.set(k, v.clone());
            }
        }
        let mut failing = full.clone();
        for v in failing.fields.values_mut() {
            if let FieldValue::Bool(b) = v {
                *b = !*b;
            }
        }
        records.extend([full, incomplete, failing]);
    }
    records.extend(minimal);
    let countries = ["CN", "DE", "FR", "NL", "IT"];
    for (i, r) in records.iter_mut().enumerate() {
        r.set(
            "country",
            FieldValue::Text(countries[i % countries.len()].to_owned()),
        );
        let eligibility = set.evaluate(r, DATE);
        for t in eligibility
            .taxonomies
            .iter()
            .filter(|t| t.taxonomy != "icma")
        {
            r.set(
                &format!("verdict_{}", t.taxonomy),
                FieldValue::Text(t.verdict.as_str().to_owned()),
            );
        }
    }
    records
}
