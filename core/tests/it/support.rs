//! Helpers shared by the test modules.

use rust_decimal::Decimal;

/// Parses a decimal literal written in a test.
pub(crate) fn d(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("bad decimal literal {s:?} in a test: {e}"))
}

/// Parses a list of decimal literals.
pub(crate) fn ds(values: &[&str]) -> Vec<Decimal> {
    values.iter().map(|s| d(s)).collect()
}

/// Asserts `|actual − expected| ≤ tolerance`, naming the case.
#[track_caller]
pub(crate) fn assert_close(case: &str, actual: Decimal, expected: Decimal, tolerance: Decimal) {
    let diff = (actual - expected).abs();
    assert!(
        diff <= tolerance,
        "{case}: got {actual}, expected {expected} ± {tolerance} (off by {diff})"
    );
}

/// Rounds to cents, half away from zero, as the published figures are.
pub(crate) fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}
