//! The golden corpus: `core/tests/golden/cases.jsonl`, computed independently by LibreOffice
//! Calc (spreadsheet functions) and mpmath at 50 digits (every real root). See the README
//! beside it for how it was made and where the spreadsheet is wrong.
//!
//! Every case is checked and every failure reported together, so one run shows the whole
//! picture. `GREENLIGHT_CASE_FILTER=irr` runs only cases whose id contains `irr`.

use greenlight_core::calc::{CalcOutcome, CalcRequest, evaluate};
use greenlight_core::roots::RootFlag;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    group: String,
    request: CalcRequest,
    expected: Expected,
    tolerance: Decimal,
    reference: String,
    spreadsheet: serde_json::Value,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum Expected {
    Value { value: Decimal },
    Roots { roots: Vec<Decimal>, flag: RootFlag },
}

fn check(case: &Case) -> Result<(), String> {
    let result = evaluate(&case.request).map_err(|e| format!("error {e}"))?;
    let close = |a: Decimal, b: Decimal| (a - b).abs() <= case.tolerance;
    match (&case.expected, &result.outcome) {
        (
            Expected::Value { value },
            CalcOutcome::Value {
                value: Some(actual),
                ..
            },
        ) => {
            if close(*actual, *value) {
                Ok(())
            } else {
                Err(format!("value {actual}, expected {value}"))
            }
        }
        (Expected::Roots { roots, flag }, CalcOutcome::Roots(set)) => {
            let same = set.flag == *flag
                && set.roots.len() == roots.len()
                && set.roots.iter().zip(roots).all(|(a, b)| close(*a, *b));
            if same {
                Ok(())
            } else {
                Err(format!(
                    "roots {:?} ({:?}), expected {:?} ({:?})",
                    set.roots, set.flag, roots, flag
                ))
            }
        }
        (expected, outcome) => Err(format!("outcome {outcome:?}, expected {expected:?}")),
    }
}

#[test]
fn golden_corpus_matches_the_independent_references() {
    let text = include_str!("../golden/cases.jsonl");
    let filter = std::env::var("GREENLIGHT_CASE_FILTER").unwrap_or_default();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut groups = std::collections::BTreeMap::<String, usize>::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("cases.jsonl line {}: {e}", i + 1));
        assert!(
            matches!(case.reference.as_str(), "libreoffice" | "mpmath"),
            "line {}: unknown reference",
            i + 1
        );
        assert!(
            case.spreadsheet.get("formula").is_some(),
            "line {}: every case records its spreadsheet formula",
            i + 1
        );
        if !case.id.contains(&filter) {
            continue;
        }
        *groups.entry(case.group.clone()).or_default() += 1;
        checked += 1;
        if let Err(why) = check(&case) {
            let note = case
                .note
                .as_deref()
                .map_or_else(String::new, |n| format!(" [{n}]"));
            failures.push(format!("{} (line {}): {why}{note}", case.id, i + 1));
        }
    }
    assert!(
        filter.is_empty() || checked > 0,
        "no case matches GREENLIGHT_CASE_FILTER={filter}"
    );
    assert!(
        !filter.is_empty() || checked >= 200,
        "the corpus must hold at least 200 cases, found {checked}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
