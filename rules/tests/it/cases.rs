//! Every `.cases.yaml` of every shipped pack, run through the real engine; all failures are
//! reported together. `GREENLIGHT_PACK=<id>` runs one pack.

use greenlight_rules::{EngineLimits, RuleSet};

#[test]
fn every_shipped_case_gives_its_expected_verdict() {
    let set = RuleSet::shipped(EngineLimits::standard())
        .unwrap_or_else(|e| panic!("the shipped packs load: {e}"));
    let only = std::env::var("GREENLIGHT_PACK").ok();
    let report = set.run_cases(only.as_deref());
    assert!(report.run > 0, "no case ran");
    let lines: Vec<String> = report
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} {} «{}»: expected {}, got {}",
                f.pack, f.rule, f.case, f.expected, f.got
            )
        })
        .collect();
    assert!(
        lines.is_empty(),
        "{} of {} cases failed:\n{}",
        lines.len(),
        report.run,
        lines.join("\n")
    );
}

#[test]
fn every_rule_has_positive_negative_boundary_and_missing_data_cases() {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let mut gaps = Vec::new();
    for pack in set.packs() {
        for rule in &pack.rules {
            let cases = pack.cases.get(&rule.file).cloned().unwrap_or_default();
            let has = |v: &str| cases.iter().any(|c| c.expect == v);
            let boundary = cases
                .iter()
                .any(|c| c.name.contains("bound") || c.name.contains("exactly"));
            if !(has("eligible") || has("needs_review"))
                || !has("not_eligible") && !has("needs_review")
                || !has("insufficient_data")
                || !boundary
            {
                gaps.push(format!("{} {}", pack.meta.id, rule.header.id));
            }
        }
    }
    assert!(
        gaps.is_empty(),
        "rules lacking a positive, negative, boundary (name says \"bound\" or \"exactly\") or missing-data case:\n{}",
        gaps.join("\n")
    );
}
