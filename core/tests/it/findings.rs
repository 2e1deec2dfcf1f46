//! Every finding the engine can report has a Chinese text, so no Chinese page, table or
//! workbook falls back to English.

use std::path::Path;

use greenlight_core::metrics::Finding;

/// The codes passed to `Finding::new` anywhere in the crate's source (the code is the first
/// string literal after the call, on the same or the next line).
fn finding_codes(dir: &Path, codes: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            finding_codes(&path, codes);
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        for (at, _) in text.match_indices("Finding::new(") {
            let rest = &text[at + "Finding::new(".len()..];
            let rest = rest.trim_start();
            if let Some(literal) = rest.strip_prefix('"') {
                let code = &literal[..literal.find('"').expect("a closing quote")];
                codes.push(code.to_owned());
            }
        }
    }
}

#[test]
fn every_finding_code_has_a_chinese_text() {
    let mut codes = Vec::new();
    finding_codes(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut codes,
    );
    codes.sort();
    codes.dedup();
    // Seventeen codes at the time of writing; fewer would mean the scan went blind.
    assert!(codes.len() >= 17, "found only {codes:?}");
    let missing: Vec<&String> = codes
        .iter()
        .filter(|code| Finding::chinese_text(code).is_none())
        .collect();
    assert!(missing.is_empty(), "no Chinese text for {missing:?}");
}

#[test]
fn a_finding_carries_its_chinese_text_into_the_json() {
    use rust_decimal::Decimal;
    // −100 then +10 a year for three years: the cumulative flow ends at −70, never paid back.
    let flows = [
        Decimal::from(-100),
        Decimal::from(10),
        Decimal::from(10),
        Decimal::from(10),
    ];
    let payback = greenlight_core::metrics::payback(&flows, None).expect("a payback answer");
    let finding = payback.finding.expect("a finding");
    assert_eq!(finding.code, "never_paid_back");
    let json = serde_json::to_value(&finding).expect("JSON");
    assert_eq!(
        json["message_zh"],
        "累计现金流在计算期末仍为负，投资未能回收"
    );
}
