//! Property tests: relations that hold for every input, checked on random ones.

use greenlight_core::discount::{nominal_from_real, real_from_nominal, upv, upv_star};
use greenlight_core::metrics::{NpvConvention, irr, npv};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// An amount between −1e9 and 1e9 with cents.
fn amount() -> impl Strategy<Value = Decimal> {
    (-100_000_000_000i64..100_000_000_000).prop_map(|c| Decimal::new(c, 2))
}

/// A rate between −50 % and 50 % with four decimals.
fn rate() -> impl Strategy<Value = Decimal> {
    (-5000i64..5000).prop_map(|bp| Decimal::new(bp, 4))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // Every reported IRR is a real root: NPV there is ~0 relative to the gross flows.
    #[test]
    fn npv_vanishes_at_every_reported_root(values in prop::collection::vec(amount(), 2..40)) {
        let set = irr(&values, Decimal::new(1, 1)).unwrap();
        let magnitudes: Vec<Decimal> = values.iter().map(|a| a.abs()).collect();
        for r in &set.roots {
            let v = npv(*r, &values, NpvConvention::T0).unwrap();
            let gross = npv(*r, &magnitudes, NpvConvention::T0).unwrap();
            prop_assert!(v.abs() <= gross * Decimal::new(1, 11), "NPV at {} is {} (gross {})", r, v, gross);
        }
        prop_assert!(set.roots.len() as u32 <= set.sign_changes);
    }

    // A conventional project (outlay then returns) has exactly one IRR and its NPV falls as
    // the rate rises.
    #[test]
    fn conventional_flows_have_one_root_and_npv_falls_with_the_rate(
        outlay in 1_000i64..10_000_000,
        returns in prop::collection::vec(1i64..5_000_000, 1..30),
        r1 in 0i64..3000, dr in 1i64..3000,
    ) {
        let mut values = vec![Decimal::from(-outlay)];
        values.extend(returns.iter().map(|&x| Decimal::from(x)));
        let set = irr(&values, Decimal::new(1, 1)).unwrap();
        prop_assert_eq!(set.roots.len(), 1);
        let low = npv(Decimal::new(r1, 4), &values, NpvConvention::T0).unwrap();
        let high = npv(Decimal::new(r1 + dr, 4), &values, NpvConvention::T0).unwrap();
        prop_assert!(high < low);
    }

    // UPV*(d, e, N) = UPV(d*, N) with d* = (1+d)/(1+e) − 1 (NIST Handbook 135).
    #[test]
    fn upv_star_equals_upv_at_the_escalation_adjusted_rate(d in 1i64..1500, e in -500i64..1000, n in 1u32..60) {
        let (d, e) = (Decimal::new(d, 4), Decimal::new(e, 4));
        prop_assume!(d != e);
        let star = upv_star(d, e, n).unwrap();
        let d_star = (Decimal::ONE + d) / (Decimal::ONE + e) - Decimal::ONE;
        prop_assume!(!d_star.is_zero());
        let plain = upv(d_star, n).unwrap();
        prop_assert!((star - plain).abs() <= Decimal::new(1, 18) * star.abs().max(Decimal::ONE), "{} vs {}", star, plain);
    }

    // Real → nominal → real returns the starting rate.
    #[test]
    fn real_nominal_round_trip(r in rate(), i in -500i64..2000) {
        let i = Decimal::new(i, 4);
        let back = real_from_nominal(nominal_from_real(r, i).unwrap(), i).unwrap();
        prop_assert!((back - r).abs() <= Decimal::new(1, 25));
    }
}
