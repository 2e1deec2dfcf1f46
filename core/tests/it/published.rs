//! Published worked examples, each citing its source. Expected values are the published
//! figures (rounded as published) or a hand calculation written out beside the test, done at
//! 50 significant digits with Python's `decimal` module, independent of this crate.

use greenlight_core::dated::{Date, DayCount, days360_us, xirr, xnpv};
use greenlight_core::discount::{
    DiscountRate, Timing, crf, discount_factors, escalate, green_book_declining, nominal_from_real,
    real_from_nominal, spv, upv, upv_star,
};
use greenlight_core::metrics::{NpvConvention, PaybackBasis, irr, mirr, npv, payback};
use greenlight_core::roots::RootFlag;
use greenlight_core::tvm::{PaymentTiming, fv, pmt, pv, rate};
use rust_decimal::Decimal;

use crate::support::{assert_close, cents, d, ds};

fn date(s: &str) -> Date {
    s.parse().expect("test date")
}

// Spreadsheet documentation (Microsoft Excel function reference, "NPV function", example 1):
// NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44 — the first value is discounted one period.
#[test]
fn spreadsheet_npv_documentation_example() {
    let v = npv(
        d("0.1"),
        &ds(&["-10000", "3000", "4200", "6800"]),
        NpvConvention::Spreadsheet,
    )
    .unwrap();
    assert_eq!(cents(v), d("1188.44"));
}

// Same flows with the first value at t = 0: −10000 + 3000/1.1 + 4200/1.21 + 6800/1.331
// = −10000 + 2727.2727… + 3471.0743… + 5108.9406… = 1307.2877535687453042824943651…
#[test]
fn t0_npv_leaves_the_first_value_undiscounted() {
    let v = npv(
        d("0.1"),
        &ds(&["-10000", "3000", "4200", "6800"]),
        NpvConvention::T0,
    )
    .unwrap();
    assert_close("npv t0", v, d("1307.2877535687453042824943651"), d("1e-20"));
}

// Excel reference, "IRR function": -70000, 12000, 15000, 18000, 21000, 26000 → 8.66 %;
// without the last year → -2.12 %; after two years with guess -10 % → -44.35 %.
#[test]
fn spreadsheet_irr_documentation_examples() {
    let five = irr(
        &ds(&["-70000", "12000", "15000", "18000", "21000", "26000"]),
        d("0.1"),
    )
    .unwrap();
    assert_eq!(five.flag, RootFlag::Unique);
    assert_eq!(five.selected.unwrap().round_dp(4), d("0.0866"));
    let four = irr(
        &ds(&["-70000", "12000", "15000", "18000", "21000"]),
        d("0.1"),
    )
    .unwrap();
    assert_eq!(four.selected.unwrap().round_dp(4), d("-0.0212"));
    let two = irr(&ds(&["-70000", "12000", "15000"]), d("-0.1")).unwrap();
    assert_eq!(two.selected.unwrap().round_dp(4), d("-0.4435"));
}

// numpy-financial issue #28: [-50, -100, 600, 300, -100] has two IRRs, about −76 % and 185 %
// (numpy returned one, Excel the other). Both must be reported, flagged multiple.
#[test]
fn two_root_series_from_numpy_financial_issue_28() {
    let set = irr(&ds(&["-50", "-100", "600", "300", "-100"]), d("0.1")).unwrap();
    assert_eq!(set.flag, RootFlag::Multiple);
    assert_eq!(set.roots.len(), 2);
    assert_eq!(set.roots[0].round_dp(2), d("-0.77"));
    assert_eq!(set.roots[1].round_dp(2), d("1.85"));
}

// Hand calculation: −100 + 230/(1+r) − 132/(1+r)² = 0 ⇔ 100x² − 230x + 132 = 0 with
// x = 1+r, so x = 1.1 or 1.2: exactly 10 % and 20 %.
#[test]
fn quadratic_series_has_exactly_ten_and_twenty_percent() {
    let set = irr(&ds(&["-100", "230", "-132"]), d("0.1")).unwrap();
    assert_eq!(set.roots, ds(&["0.1", "0.2"]));
    assert_eq!(set.selected, Some(d("0.1")));
    // With a guess nearer 20 % the other root is selected; the set is the same.
    let set = irr(&ds(&["-100", "230", "-132"]), d("0.19")).unwrap();
    assert_eq!(set.selected, Some(d("0.2")));
}

// Hand calculation: 100 − 300x + 250x² has discriminant 90000 − 100000 < 0: no real root.
#[test]
fn series_with_sign_changes_but_no_root() {
    let set = irr(&ds(&["100", "-300", "250"]), d("0.1")).unwrap();
    assert_eq!(set.flag, RootFlag::None);
    assert_eq!(set.sign_changes, 2);
    assert!(set.selected.is_none() && set.reason.is_some());
}

// Hand calculation: −100 + 200x − 100x² = −100(1 − x)² has a double root at x = 1, r = 0.
#[test]
fn double_root_is_reported_once() {
    let set = irr(&ds(&["-100", "200", "-100"]), d("0.1")).unwrap();
    assert_eq!(set.roots.len(), 1, "{set:?}");
    assert_close("double root", set.roots[0], Decimal::ZERO, d("1e-6"));
}

// Excel reference, "MIRR function": -120000, 39000, 30000, 21000, 37000, 46000, finance
// 10 %, reinvest 12 % → 12.61 %; first three years → -4.80 %; five years at 14 % → 13.48 %.
#[test]
fn spreadsheet_mirr_documentation_examples() {
    let flows = ds(&["-120000", "39000", "30000", "21000", "37000", "46000"]);
    let m = mirr(&flows, d("0.10"), d("0.12")).unwrap().unwrap();
    assert_eq!(m.round_dp(4), d("0.1261"));
    let m = mirr(&flows[..4], d("0.10"), d("0.12")).unwrap().unwrap();
    assert_eq!(m.round_dp(4), d("-0.0480"));
    let m = mirr(&flows, d("0.10"), d("0.14")).unwrap().unwrap();
    assert_eq!(m.round_dp(4), d("0.1348"));
}

// Excel reference, "XNPV function" and "XIRR function": at 9 %, -10000 on 2008-01-01, 2750
// on 2008-03-01, 4250 on 2008-10-30, 3250 on 2009-02-15, 2750 on 2009-04-01 → XNPV
// 2,086.65; XIRR of the same flows → 0.373362535 (37.34 %). The spreadsheet iterates only to
// about 1e-8, so its ninth digit is off: mpmath's `findroot` at 40 digits gives
// 0.3733625335188315103084554119…, which the engine must match.
#[test]
fn spreadsheet_xnpv_and_xirr_documentation_examples() {
    let values = ds(&["-10000", "2750", "4250", "3250", "2750"]);
    let dates: Vec<Date> = [
        "2008-01-01",
        "2008-03-01",
        "2008-10-30",
        "2009-02-15",
        "2009-04-01",
    ]
    .map(date)
    .to_vec();
    let v = xnpv(d("0.09"), &values, &dates, DayCount::Act365F).unwrap();
    assert_eq!(cents(v), d("2086.65"));
    let set = xirr(&values, &dates, d("0.1"), DayCount::Act365F).unwrap();
    assert_eq!(set.flag, RootFlag::Unique);
    assert_eq!(set.selected.unwrap().round_dp(8), d("0.37336253"));
    assert_close(
        "xirr",
        set.selected.unwrap(),
        d("0.3733625335188315103084554119"),
        d("1e-20"),
    );
}

// Excel reference: PMT(8%/12, 10, 10000) = -1,037.03; with type 1 = -1,030.16.
// PV(0.08/12, 240, 500) = -59,777.15. FV(0.06/12, 10, -200, -500, 1) = 2,581.40.
// RATE(48, -200, 8000) = 0.77 % a month (9.24 % a year).
#[test]
fn spreadsheet_tvm_documentation_examples() {
    let monthly = d("0.08") / d("12");
    assert_eq!(
        cents(
            pmt(
                monthly,
                d("10"),
                d("10000"),
                Decimal::ZERO,
                PaymentTiming::End
            )
            .unwrap()
        ),
        d("-1037.03")
    );
    assert_eq!(
        cents(
            pmt(
                monthly,
                d("10"),
                d("10000"),
                Decimal::ZERO,
                PaymentTiming::Beginning
            )
            .unwrap()
        ),
        d("-1030.16")
    );
    assert_eq!(
        cents(
            pv(
                monthly,
                d("240"),
                d("500"),
                Decimal::ZERO,
                PaymentTiming::End
            )
            .unwrap()
        ),
        d("-59777.15")
    );
    let f = fv(
        d("0.06") / d("12"),
        d("10"),
        d("-200"),
        d("-500"),
        PaymentTiming::Beginning,
    )
    .unwrap();
    assert_eq!(cents(f), d("2581.40"));
    let r = rate(
        d("48"),
        d("-200"),
        d("8000"),
        Decimal::ZERO,
        PaymentTiming::End,
        d("0.1"),
    )
    .unwrap();
    assert_eq!(r.selected.unwrap().round_dp(4), d("0.0077"));
    assert_eq!((r.selected.unwrap() * d("12")).round_dp(4), d("0.0924"));
}

// HM Treasury Green Book (2022) Annex A6: 3.5 % for years 0–30, 3.0 % for 31–75, chained.
// Hand calculation: DF30 = 1.035^-30 = 0.356278410602301540471615904881…;
// DF31 = DF30 / 1.03 = 0.345901369516797612108364956195…
#[test]
fn green_book_declining_schedule_chains_factors() {
    let f = discount_factors(&green_book_declining(), Timing::EndOfYear, 80).unwrap();
    assert_close(
        "DF30",
        f[30],
        d("0.356278410602301540471615904881"),
        d("1e-24"),
    );
    assert_close(
        "DF31",
        f[31],
        d("0.345901369516797612108364956195"),
        d("1e-24"),
    );
    assert_close("DF76 = DF75/1.025", f[76], f[75] / d("1.025"), d("1e-26"));
    assert_eq!(green_book_declining().rate_for_year(301), d("0.01"));
}

// Timing: mid-year factors are end-of-year factors times (1+d)^½; beginning-of-year factors
// are the previous year's end-of-year factor. At 4 %, year 1: 1/1.04 = 0.961538461538…,
// mid 1/√1.04 = 0.980580675690920…, beginning 1.
#[test]
fn timing_conventions_shift_each_year_by_the_stated_fraction() {
    let rate = DiscountRate::constant(d("0.04"));
    let end = discount_factors(&rate, Timing::EndOfYear, 3).unwrap();
    let mid = discount_factors(&rate, Timing::MidYear, 3).unwrap();
    let begin = discount_factors(&rate, Timing::BeginningOfYear, 3).unwrap();
    assert_close(
        "end 1",
        end[1],
        d("0.961538461538461538461538461538"),
        d("1e-26"),
    );
    assert_close("mid 1", mid[1], d("0.980580675690920"), d("1e-14"));
    assert_eq!(begin[1], Decimal::ONE);
    assert_eq!(begin[2], end[1]);
    assert_eq!([end[0], mid[0], begin[0]], [Decimal::ONE; 3]);
}

// NIST Handbook 135 factor formulas. Hand calculation at 50 digits:
// UPV(3 %, 20) = 14.877474860455506826358…; UPV*(3 %, 2 %, 20) = 18.081229394747367603838…;
// SPV(3 %, 10) = 1.03^-10 = 0.744093914896725…; CRF = 1/UPV.
#[test]
fn handbook_135_factors() {
    assert_close(
        "UPV",
        upv(d("0.03"), 20).unwrap(),
        d("14.877474860455506826358"),
        d("1e-20"),
    );
    assert_close(
        "UPV*",
        upv_star(d("0.03"), d("0.02"), 20).unwrap(),
        d("18.081229394747367603838"),
        d("1e-20"),
    );
    assert_close(
        "SPV",
        spv(d("0.03"), 10).unwrap(),
        d("0.744093914896725"),
        d("1e-15"),
    );
    assert_eq!(upv(Decimal::ZERO, 20).unwrap(), d("20"));
    assert_eq!(upv_star(d("0.03"), d("0.03"), 20).unwrap(), d("20"));
    assert_close(
        "CRF·UPV",
        crf(d("0.03"), 20).unwrap() * upv(d("0.03"), 20).unwrap(),
        Decimal::ONE,
        d("1e-26"),
    );
}

// Exact Fisher (not n ≈ r + i): a 5.3 % nominal rate with 2.3 % inflation is
// 1.053/1.023 − 1 = 2.9325513196480938416422287… % real (BLCC 6 front-end defaults).
#[test]
fn fisher_conversion_is_exact() {
    let real = real_from_nominal(d("0.053"), d("0.023")).unwrap();
    assert_close("real", real, d("0.029325513196480938416422287"), d("1e-26"));
    assert_close(
        "round trip",
        nominal_from_real(real, d("0.023")).unwrap(),
        d("0.053"),
        d("1e-26"),
    );
    assert_eq!(escalate(d("1000"), d("0.02"), 2).unwrap(), d("1040.4000"));
}

// Hand calculation (Chinese textbook 静态/动态投资回收期): flows −1000, 300, 400, 500, 200.
// Simple: cumulative −1000, −700, −300, 200 → year 3, interpolated 2 + 300/500 = 2.6.
// Discounted at 10 % from year 0: cumulative −1000, −727.27, −396.69, −21.0368, 115.5659 →
// year 4, interpolated 3 + 21.03681442524417731/136.60269107301413838 = 3.154 (to 40 digits).
#[test]
fn simple_and_discounted_payback() {
    let flows = ds(&["-1000", "300", "400", "500", "200"]);
    let simple = payback(&flows, None).unwrap();
    assert_eq!(
        (simple.basis, simple.year, simple.interpolated),
        (PaybackBasis::Simple, Some(3), Some(d("2.6")))
    );
    let factors =
        discount_factors(&DiscountRate::constant(d("0.1")), Timing::EndOfYear, 4).unwrap();
    let disc = payback(&flows, Some(&factors)).unwrap();
    assert_eq!(disc.year, Some(4));
    assert_close(
        "discounted payback",
        disc.interpolated.unwrap(),
        d("3.154"),
        d("1e-24"),
    );
}

// Excel reference, "DAYS360 function": DAYS360(2011-01-30, 2011-02-01) = 1 and
// DAYS360(2011-01-01, 2011-12-31) = 360. Hand calculation by the US rules:
// DAYS360(2011-01-30, 2011-12-31) = 11·30 + (30 − 30) = 330 (the 31st counts as the 30th
// because the start is the 30th).
#[test]
fn thirty_360_us_follows_the_spreadsheet_rules() {
    assert_eq!(days360_us(date("2011-01-30"), date("2011-02-01")), 1);
    assert_eq!(days360_us(date("2011-01-01"), date("2011-12-31")), 360);
    assert_eq!(days360_us(date("2011-01-30"), date("2011-12-31")), 330);
}
