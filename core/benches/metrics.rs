//! Benchmarks of the metric kernel on a 31-value series (a 30-year project): NPV, every IRR
//! root (conventional flows take the one-sign-change path, a trailing decommissioning cost
//! takes the scan path), MIRR, payback and XIRR.

use divan::{Bencher, black_box};
use greenlight_core::dated::{Date, DayCount, xirr};
use greenlight_core::discount::{DiscountRate, Timing, discount_factors};
use greenlight_core::metrics::{NpvConvention, irr, mirr, npv, payback, present_value};
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

/// An outlay of 1.2 M followed by 30 years of savings growing 1 % a year, with cents.
fn conventional() -> Vec<Decimal> {
    let mut values = vec![Decimal::new(-120_000_000, 2)];
    let mut saving = Decimal::new(11_500_050, 2);
    for _ in 0..30 {
        values.push(saving.round_dp(2));
        saving *= Decimal::new(101, 2);
    }
    values
}

/// The same project with a decommissioning cost in year 30: two sign changes.
fn with_decommissioning() -> Vec<Decimal> {
    let mut values = conventional();
    values[30] = Decimal::new(-400_000_000, 2);
    values
}

#[divan::bench]
fn npv_31_values(b: Bencher) {
    let values = conventional();
    b.bench(|| {
        npv(
            black_box(Decimal::new(6, 2)),
            black_box(&values),
            NpvConvention::T0,
        )
    });
}

#[divan::bench]
fn npv_31_values_with_shared_factors(b: Bencher) {
    let values = conventional();
    let factors = discount_factors(
        &DiscountRate::constant(Decimal::new(6, 2)),
        Timing::EndOfYear,
        30,
    )
    .expect("factors");
    b.bench(|| present_value(black_box(&values), black_box(&factors)));
}

#[divan::bench]
fn irr_all_roots_conventional(b: Bencher) {
    let values = conventional();
    b.bench(|| irr(black_box(&values), Decimal::new(1, 1)));
}

#[divan::bench]
fn irr_all_roots_two_sign_changes(b: Bencher) {
    let values = with_decommissioning();
    b.bench(|| irr(black_box(&values), Decimal::new(1, 1)));
}

#[divan::bench]
fn mirr_31_values(b: Bencher) {
    let values = with_decommissioning();
    b.bench(|| mirr(black_box(&values), Decimal::new(6, 2), Decimal::new(4, 2)));
}

#[divan::bench]
fn discounted_payback_31_values(b: Bencher) {
    let values = conventional();
    let factors = discount_factors(
        &DiscountRate::constant(Decimal::new(6, 2)),
        Timing::EndOfYear,
        30,
    )
    .expect("factors");
    b.bench(|| payback(black_box(&values), Some(&factors)));
}

#[divan::bench]
fn xirr_31_dated_values(b: Bencher) {
    let values = conventional();
    let dates: Vec<Date> = (0..31)
        .map(|i| Date::new(2026 + i, 3, 15).expect("date"))
        .collect();
    b.bench(|| {
        xirr(
            black_box(&values),
            black_box(&dates),
            Decimal::new(1, 1),
            DayCount::Act365F,
        )
    });
}

/// The shipped LED street-lighting example and the embedded reference data.
fn example() -> (
    greenlight_core::project::ProjectInput,
    greenlight_core::registry::Registry,
) {
    let text = include_str!("../../workbooks/examples/led-street-lighting.json");
    let value: serde_json::Value = serde_json::from_str(text).expect("the example is JSON");
    let project = greenlight_core::batch::parse_project(&value).expect("the example parses");
    (
        project,
        greenlight_core::registry::Registry::embedded().expect("embedded data"),
    )
}

/// A full appraisal of the example (yearly table, NPV, every IRR root, MIRR, both paybacks,
/// BCR, lifecycle cost, levelised cost), without and with the trace of every figure.
#[divan::bench(args = [false, true])]
fn appraise_example_project(b: Bencher, trace: bool) {
    let (project, registry) = example();
    let options = greenlight_core::appraisal::AppraisalOptions { trace };
    b.bench(|| greenlight_core::appraisal::appraise(black_box(&project), &registry, &options));
}

/// The input hash of the example (its canonical JSON through SHA-256), in wall time: under
/// callgrind SHA-256 runs in software, while the processor may have SHA instructions, which
/// the `sha2` crate detects and uses at run time.
#[divan::bench]
fn input_hash_of_example_project(b: Bencher) {
    let (project, _) = example();
    b.bench(|| greenlight_core::provenance::input_hash(black_box(&project)));
}
