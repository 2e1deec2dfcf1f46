//! The portfolio fast paths against the plain path they replace, on random projects: each must
//! give the same bytes, not merely equal numbers (a decimal's scale is part of its JSON).

use greenlight_core::appraisal::{AppraisalOptions, FactorTables, appraise, appraise_with};
use greenlight_core::batch::parse_project;
use greenlight_core::metrics::{PaybackBasis, mirr, payback_of, present_value};
use greenlight_core::registry::Registry;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Rates written as a portfolio writes them, including equal numbers at different scales
/// (`0.08`, `0.080`), which must not share a table.
const RATES: [&str; 9] = [
    "0.04", "0.06", "0.08", "0.080", "0.25", "0.250", "0.035", "0", "-0.01",
];
const TIMINGS: [&str; 3] = ["end_of_year", "mid_year", "beginning_of_year"];
const FIRST_YEARS: [&str; 2] = ["undiscounted", "discounted"];

/// One synthetic project: an outlay, escalating savings, O&M, an optional late cost that adds
/// sign changes, and an asset with replacements.
#[allow(clippy::too_many_arguments)]
fn project(
    rate: usize,
    timing: usize,
    first_year: usize,
    years: u32,
    outlay_cents: i64,
    saving_permille: i64,
    escalation_permille: i64,
    late_cost: Option<i64>,
    finance_rate: Option<i64>,
) -> Value {
    let start = 2026;
    let end = start + years as i32;
    let outlay = Decimal::new(outlay_cents, 2);
    let saving = (outlay * Decimal::new(saving_permille, 3)).round_dp(2);
    let mut cash_flows = vec![
        json!({"category": "investment", "year": start, "amount": (-outlay).to_string()}),
        json!({"category": "savings", "years": [start + 1, end], "amount": saving.to_string(),
               "escalation": Decimal::new(escalation_permille, 3).to_string()}),
        json!({"category": "operation_maintenance", "years": [start + 1, end],
               "amount": (-(saving / Decimal::TEN).round_dp(2)).to_string()}),
    ];
    if let Some(times) = late_cost {
        cash_flows.push(json!({"category": "other", "year": end,
            "amount": (-(outlay * Decimal::new(times, 1)).round_dp(2)).to_string()}));
    }
    let mut finance = json!({"discount_rate": RATES[rate]});
    if let Some(f) = finance_rate {
        finance["finance_rate"] = json!(Decimal::new(f, 3).to_string());
    }
    json!({
        "id": "p", "name": "p", "currency": "CNY", "price_base_year": 2025,
        "sector": "other", "activity": "synthetic",
        "timeline": {"start_year": start, "analysis_years": years,
                     "timing": TIMINGS[timing], "first_year": FIRST_YEARS[first_year]},
        "finance": finance,
        "cash_flows": cash_flows,
        "assets": [{"name": "equipment", "cost": (outlay / Decimal::from(4)).round_dp(2).to_string(),
                    "year": start, "service_life_years": 9}],
    })
}

#[allow(clippy::type_complexity)]
fn any_project() -> impl Strategy<Value = Value> {
    (
        (
            0..RATES.len(),
            0..TIMINGS.len(),
            0..FIRST_YEARS.len(),
            2u32..45,
        ),
        (
            100_000i64..10_000_000_000,
            20i64..300,
            -20i64..40,
            prop::option::of(1i64..40),
            prop::option::weighted(0.2, 0i64..120),
        ),
    )
        .prop_map(|((r, t, f, y), (o, s, e, late, fin))| project(r, t, f, y, o, s, e, late, fin))
}

fn registry() -> Registry {
    Registry::embedded().expect("the embedded registry loads")
}

/// Grid paths written as a portfolio writes them, including equal numbers at different scales
/// (`0.03`, `0.030`), which must not share an expanded path.
const GRID_PATHS: [&str; 6] = [
    r#"{"kind": "compound_decline", "base_year": 2026, "base_value": "0.5366", "rate": "0.03"}"#,
    r#"{"kind": "compound_decline", "base_year": 2026, "base_value": "0.5366", "rate": "0.030"}"#,
    r#"{"kind": "compound_decline", "base_year": 2020, "base_value": "0.58", "rate": "0.045"}"#,
    r#"{"kind": "constant", "value": "0.5"}"#,
    r#"{"kind": "constant", "value": "0.50"}"#,
    r#"{"kind": "linear_to_target", "base_year": 2025, "base_value": "0.6", "target_year": 2050, "target_value": "0.1"}"#,
];

/// A building retrofit on one of [`GRID_PATHS`]: grid electricity and natural gas before and
/// after, so the yearly tonnes carry CO2, CH4 and N2O.
fn with_emissions(mut v: Value, grid: usize, mwh: i64, gas_gj: i64, keep_pct: i64) -> Value {
    let start = v["timeline"]["start_year"].as_i64().unwrap();
    let years = v["timeline"]["analysis_years"].as_i64().unwrap();
    let keep = Decimal::new(keep_pct, 2);
    let (mwh, gas) = (Decimal::from(mwh), Decimal::from(gas_gj));
    let grid: Value = serde_json::from_str(GRID_PATHS[grid]).unwrap();
    let calc = json!({"building_efficiency": {
        "years": [start + 1, start + years],
        "baseline": {"electricity_mwh": mwh.to_string(),
                     "fuels": [{"fuel": "natural_gas", "energy_gj": gas.to_string()}]},
        "project": {"electricity_mwh": (mwh * keep).round_dp(3).to_string(),
                    "fuels": [{"fuel": "natural_gas", "energy_gj": (gas * keep).round_dp(3).to_string()}]},
    }});
    v["emissions"] = json!({"grid": grid, "calculators": [calc]});
    v
}

/// Projects of one of two study lengths, so that projects on paths written alike share
/// expanded years.
#[allow(clippy::type_complexity)]
fn any_project_with_emissions() -> impl Strategy<Value = Value> {
    (
        (
            0..RATES.len(),
            0..TIMINGS.len(),
            0..FIRST_YEARS.len(),
            any::<bool>(),
        ),
        (
            100_000i64..10_000_000_000,
            20i64..300,
            -20i64..40,
            prop::option::of(1i64..40),
        ),
        (0..GRID_PATHS.len(), 0i64..5_000, 0i64..500_000, 0i64..100),
    )
        .prop_map(|((r, t, f, long), (o, s, e, late), (g, m, gas, keep))| {
            let years = if long { 30 } else { 10 };
            with_emissions(
                project(r, t, f, years, o, s, e, late, None),
                g,
                m,
                gas,
                keep,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    // Shared grid paths give, project by project,
    // the bytes of appraising each project alone; the portfolio mixes paths that are equal in
    // value but written at different scales.
    #[test]
    fn shared_grid_paths_give_the_bytes_of_the_plain_appraisal(
        portfolio in prop::collection::vec(any_project_with_emissions(), 1..12),
        trace in any::<bool>(),
    ) {
        let registry = registry();
        let options = AppraisalOptions { trace };
        let mut tables = FactorTables::new();
        for v in &portfolio {
            let input = parse_project(v).expect("the generated project parses");
            let plain = appraise(&input, &registry, &options).map(|a| serde_json::to_string(&a).unwrap());
            let shared = appraise_with(&input, &registry, &options, &mut tables)
                .map(|a| serde_json::to_string(&a).unwrap());
            prop_assert!(plain.is_ok(), "{:?}", plain.err());
            prop_assert_eq!(plain.ok(), shared.ok());
        }
    }

    // A portfolio appraised with one set of shared discount-factor tables gives, project by
    // project, the bytes of appraising each project alone.
    #[test]
    fn shared_factor_tables_give_the_bytes_of_the_plain_appraisal(
        portfolio in prop::collection::vec(any_project(), 1..12),
    ) {
        let registry = registry();
        let options = AppraisalOptions { trace: true };
        let mut tables = FactorTables::new();
        for v in &portfolio {
            let input = parse_project(v).expect("the generated project parses");
            let plain = appraise(&input, &registry, &options).map(|a| serde_json::to_string(&a).unwrap());
            let shared = appraise_with(&input, &registry, &options, &mut tables)
                .map(|a| serde_json::to_string(&a).unwrap());
            prop_assert_eq!(plain.ok(), shared.ok());
        }
    }

    // The emissions view takes the present value of net cost as the NPV negated: a nonzero
    // present value of negated flows is, digit for digit and scale for scale, the negated
    // present value. Flows and factors of every scale; long series make the sums round.
    #[test]
    fn the_present_value_of_negated_flows_is_the_negated_present_value(
        flows in prop::collection::vec((-10_000_000_000_000i64..10_000_000_000_000, 0u32..12), 1..60),
        rate in (1i64..3_000, 0u32..6),
    ) {
        let values: Vec<Decimal> = flows.iter().map(|&(m, s)| Decimal::new(m, s)).collect();
        let keep = Decimal::ONE / (Decimal::ONE + Decimal::new(rate.0, rate.1 + 3));
        let mut factors = vec![Decimal::ONE];
        for _ in 1..values.len() {
            let last = *factors.last().unwrap();
            factors.push(last * keep);
        }
        let negated: Vec<Decimal> = values.iter().map(|v| -*v).collect();
        let pv = present_value(&values, &factors).unwrap();
        let pv_of_negated = present_value(&negated, &factors).unwrap();
        if !pv.is_zero() {
            prop_assert_eq!((-pv).serialize(), pv_of_negated.serialize(), "{} {}", pv, pv_of_negated);
        }
    }

    // The paybacks read from the yearly table's running sums are, field for field, those of
    // `payback_of` summing the yearly net (and discounted net) flows itself.
    #[test]
    fn paybacks_from_the_yearly_table_are_the_plain_paybacks(v in any_project()) {
        let input = parse_project(&v).expect("the generated project parses");
        let Ok(a) = appraise(&input, &registry(), &AppraisalOptions { trace: false }) else {
            return Ok(());
        };
        let net: Vec<Decimal> = a.years.iter().map(|y| y.net).collect();
        let discounted: Vec<Decimal> = a.years.iter().map(|y| y.discounted_net).collect();
        let simple = payback_of(&net, PaybackBasis::Simple).unwrap();
        let discounted = payback_of(&discounted, PaybackBasis::Discounted).unwrap();
        prop_assert_eq!(
            serde_json::to_string(&a.financial.payback).unwrap(),
            serde_json::to_string(&simple).unwrap()
        );
        prop_assert_eq!(
            serde_json::to_string(&a.financial.discounted_payback).unwrap(),
            serde_json::to_string(&discounted).unwrap()
        );
    }

    // The yearly net flow, which skips zeros added to a nonzero sum, is digit for digit and
    // scale for scale the sum of every category in order; zeros written at several scales
    // (`0`, `0.00`, `-0.0`) meet empty and nonempty sums.
    #[test]
    fn the_net_flow_is_the_sum_of_every_category(
        cells in prop::collection::vec(prop_oneof![
            3 => Just((0i64, 0u32)),
            1 => (Just(0i64), 0u32..6),
            2 => (-1_000_000_000_000i64..1_000_000_000_000, 0u32..28),
        ], 10 * 6),
        negative_zero in any::<bool>(),
    ) {
        let value = |(m, s): (i64, u32)| {
            let mut d = Decimal::new(m, s);
            if m == 0 && negative_zero {
                d.set_sign_negative(true);
            }
            d
        };
        let flows = greenlight_core::project::YearlyFlows {
            by_category: std::array::from_fn(|c| (0..6).map(|i| value(cells[c * 6 + i])).collect()),
        };
        let net = flows.net().unwrap();
        for (i, got) in net.iter().enumerate() {
            let plain = flows
                .by_category
                .iter()
                .try_fold(Decimal::ZERO, |acc, series| acc.checked_add(series[i]))
                .unwrap();
            prop_assert_eq!(got.serialize(), plain.serialize(), "year {}: {} against {}", i, got, plain);
        }
    }

    // MIRR taken from the discount factors (constant rate, end of year, finance rate = discount
    // rate) is, digit for digit and scale for scale, the plain `mirr` of the yearly net flows.
    #[test]
    fn mirr_from_the_discount_factors_is_the_plain_mirr(v in any_project()) {
        let input = parse_project(&v).expect("the generated project parses");
        let Ok(a) = appraise(&input, &registry(), &AppraisalOptions { trace: false }) else {
            return Ok(());
        };
        let mut series: Vec<Decimal> = match v["timeline"]["first_year"].as_str() {
            Some("discounted") => vec![Decimal::ZERO],
            _ => Vec::new(),
        };
        series.extend(a.years.iter().map(|y| y.net));
        let conventions = &a.conventions;
        let plain = mirr(&series, conventions.finance_rate, conventions.reinvest_rate).unwrap();
        prop_assert_eq!(
            serde_json::to_string(&a.financial.mirr).unwrap(),
            serde_json::to_string(&greenlight_core::appraisal::Figure::from(plain)).unwrap()
        );
    }
}
