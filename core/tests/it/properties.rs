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

/// Hostile values for any field of a project.
fn hostile() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!(0)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!("-1")),
        Just(serde_json::json!(4_294_967_295u64)),
        Just(serde_json::json!(-2_147_483_648i64)),
        Just(serde_json::json!("79228162514264337593543950335")),
        Just(serde_json::json!("-0.9999999999999999999999999999")),
        Just(serde_json::json!("0.0000000000000000000000000001")),
        Just(serde_json::json!(1e300)),
        Just(serde_json::json!(null)),
        Just(serde_json::json!("")),
        Just(serde_json::json!([2041, 2027])),
        Just(serde_json::json!([-5, 99999])),
        (-3000i64..3000).prop_map(|v| serde_json::json!(v)),
        (-1_000_000i64..1_000_000)
            .prop_map(|v| serde_json::json!(format!("{}", rust_decimal::Decimal::new(v, 3)))),
    ]
}

const FIELDS: [&str; 16] = [
    "/timeline/start_year",
    "/timeline/construction_years",
    "/timeline/analysis_years",
    "/finance/discount_rate",
    "/price_base_year",
    "/cash_flows/0/amount",
    "/cash_flows/0/year",
    "/cash_flows/1/years",
    "/cash_flows/1/escalation",
    "/cash_flows/1/amount",
    "/assets/0/cost",
    "/assets/0/year",
    "/assets/0/service_life_years",
    "/assets/0/escalation",
    "/quantities/electricity_saved_mwh/value",
    "/quantities/electricity_saved_mwh/years",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Whatever a user types into any field, the appraisal answers with figures or an error
    // naming a field; it never panics.
    #[test]
    fn hostile_field_values_never_panic(edits in prop::collection::vec((0usize..FIELDS.len(), hostile()), 1..4)) {
        let mut v: serde_json::Value = serde_json::from_str(include_str!("../../../workbooks/examples/led-street-lighting.json")).expect("example");
        for (field, value) in edits {
            if let Some(slot) = v.pointer_mut(FIELDS[field]) {
                *slot = value;
            }
        }
        let registry = greenlight_core::registry::Registry::embedded().expect("registry");
        let out = greenlight_core::batch::appraise_json(v, &registry, &greenlight_core::appraisal::AppraisalOptions { trace: true }, None).expect("an object");
        let r = &out.results[0];
        prop_assert!(r.appraisal.is_some() == r.errors.is_empty());
        for e in &r.errors {
            prop_assert!(!e.message.is_empty());
        }
    }
}
