//! Project appraisal against independent calculations. The expected values were computed by
//! hand at 50 significant digits with Python's `decimal` module (IRR with mpmath's
//! `findroot`); the working is written beside each test so it can be redone.

use greenlight_core::ErrorCode;
use greenlight_core::appraisal::{Appraisal, AppraisalOptions, Figure, appraise};
use greenlight_core::batch::{appraise_json_text, parse_project};
use greenlight_core::project::ProjectInput;
use greenlight_core::registry::Registry;
use greenlight_core::roots::RootFlag;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{assert_close, d};

const EXAMPLE: &str = include_str!("../../../workbooks/examples/led-street-lighting.json");

fn project(v: &Value) -> ProjectInput {
    parse_project(v).unwrap_or_else(|e| panic!("test project does not parse: {e:?}"))
}

fn registry() -> Registry {
    Registry::embedded().expect("the embedded registry loads")
}

fn run(v: &Value) -> Appraisal {
    appraise(&project(v), &registry(), &AppraisalOptions { trace: true })
        .expect("the project appraises")
}

fn example() -> Value {
    serde_json::from_str(EXAMPLE).expect("the example is JSON")
}

fn value(f: &Figure<Decimal>) -> Decimal {
    match f {
        Figure::Value(v) => *v,
        Figure::None { finding } => panic!("expected a figure, got {finding:?}"),
    }
}

// The shipped LED example, by hand: years 2026–2041 (index 0–15), DF = 1.06^-i.
// Flows: index 0: −250 000 − 950 000 (luminaires); index 12 (2038): replacement −950 000;
// index 15: residual 950 000 · 9/12 = 712 500 (replaced at 12, served 3 of 12 years);
// 2027–2041: savings 180 000 · 1.01^(y − 2025) and O&M −15 000.
// NPV = 372 848.827809494212785228362520…; IRR (mpmath findroot) = 0.10391879608369214009745…;
// MIRR at 6 %/6 % = 0.075097339657399615483281924…; BCR = 1.205109405935194651804960412…;
// LCC = 1 520 503.274440192799393821207…; EAC = LCC / Σ_{i=1..15} DF_i = 156 555.219739465631620068…;
// cost of conserved energy = LCC / Σ 1150·DF_i = 136.134973686491853582667914…;
// payback year 7 (6.891420979794670789482…), discounted payback year 10 (9.067173090478665176552…).
#[test]
fn the_example_project_matches_a_hand_calculation() {
    let a = run(&example());
    let f = &a.financial;
    assert_close(
        "NPV",
        f.npv,
        d("372848.827809494212785228362520"),
        d("1e-18"),
    );
    assert_eq!(f.irr.flag, RootFlag::Unique);
    assert_close(
        "IRR",
        f.irr.selected.expect("an IRR"),
        d("0.10391879608369214009745"),
        d("1e-20"),
    );
    assert_close(
        "MIRR",
        value(&f.mirr),
        d("0.075097339657399615483281924"),
        d("1e-24"),
    );
    let Figure::Value(bc) = &f.benefit_cost else {
        panic!("BCR expected")
    };
    assert_close(
        "BCR",
        bc.bcr,
        d("1.205109405935194651804960412"),
        d("1e-24"),
    );
    let l = &a.lifecycle_cost;
    assert_close(
        "LCC",
        l.total,
        d("1520503.274440192799393821207"),
        d("1e-18"),
    );
    assert_close(
        "EAC",
        l.equivalent_annual_cost,
        d("156555.219739465631620068"),
        d("1e-18"),
    );
    assert_close(
        "cost of conserved energy",
        value(&l.levelised[0].value),
        d("136.134973686491853582667914"),
        d("1e-20"),
    );
    assert_eq!(f.payback.year, Some(7));
    assert_close(
        "payback",
        f.payback.interpolated.expect("payback"),
        d("6.891420979794670789482"),
        d("1e-20"),
    );
    assert_eq!(f.discounted_payback.year, Some(10));
    assert_close(
        "discounted payback",
        f.discounted_payback.interpolated.expect("payback"),
        d("9.067173090478665176552"),
        d("1e-20"),
    );
    assert_eq!(a.years[12].replacement, d("-950000"));
    assert_eq!(a.years[15].residual_value, d("712500"));
    assert_eq!(a.conventions.study_period, [2026, 2041]);
}

// Mid-year timing: index 0 stays at the base date, index i ≥ 1 is discounted i − ½ periods:
// NPV = net₀ + Σ net_i · 1.06^(−i) · √1.06 = 419 346.979881150108505666365105…
// First year discounted (spreadsheet NPV, China 2006 base point): Σ net_i · 1.06^(−(i+1)) =
// 351 744.177178768125269083360868…
#[test]
fn timing_and_first_year_conventions_move_the_npv_as_stated() {
    let mut v = example();
    v["timeline"]["timing"] = json!("mid_year");
    assert_close(
        "mid-year NPV",
        run(&v).financial.npv,
        d("419346.979881150108505666365105"),
        d("1e-14"),
    );
    let mut v = example();
    v["timeline"]["first_year"] = json!("discounted");
    let a = run(&v);
    assert_close(
        "first year discounted",
        a.financial.npv,
        d("351744.177178768125269083360868"),
        d("1e-18"),
    );
    assert_eq!(a.years[0].period, 1);
}

// A real rate stated for nominal flows is converted by exact Fisher: (1.06)(1.02) − 1 = 0.0812.
#[test]
fn a_rate_in_the_other_basis_is_converted_exactly() {
    let mut v = example();
    v["finance"] = json!({"discount_rate": "0.06", "rate_basis": "real", "basis": "nominal", "inflation": "0.02"});
    let a = run(&v);
    assert_eq!(a.conventions.discount_rate.rate_for_year(1), d("0.0812"));
    assert_eq!(a.conventions.stated_rate, Some(d("0.06")));
}

// NIST Handbook 135 structure (LCC = I + Repl − Res + E + W + OM&R, NS, SIR, AIRR) on a
// boiler-versus-heat-pump case at 3 %, 2025–2035 (index 0–10):
// base: boiler 20 000 (life 15, residual 5/15 at index 10), energy 10 000/yr, O&M 2 000/yr;
// alternative: heat pump 35 000 (life 20, residual 10/20), energy 6 000/yr, O&M 1 500/yr.
// LCC_base = 117 401.807941998453998405127…, LCC_alt = 85 954.877765126032240754192…,
// NS = 31 446.930176872421757650935…, SIR = 5.531922335192350121121167…,
// AIRR = 1.03 · SIR^(1/10) − 1 = 0.22215090058514353524360702…
#[test]
fn lifecycle_cost_comparison_follows_handbook_135() {
    let v = json!({
        "id": "eu-heat-pump", "name": "School heat pump", "currency": "EUR", "price_base_year": 2025,
        "sector": "buildings", "activity": "heat_pump_retrofit",
        "timeline": {"start_year": 2025, "analysis_years": 10},
        "finance": {"discount_rate": "0.03"},
        "cash_flows": [
            {"category": "energy", "years": [2026, 2035], "amount": "-6000"},
            {"category": "operation_maintenance", "years": [2026, 2035], "amount": "-1500"}
        ],
        "assets": [{"name": "heat pump", "cost": "35000", "year": 2025, "service_life_years": 20}],
        "base_case": {
            "cash_flows": [
                {"category": "energy", "years": [2026, 2035], "amount": "-10000"},
                {"category": "operation_maintenance", "years": [2026, 2035], "amount": "-2000"}
            ],
            "assets": [{"name": "gas boiler", "cost": "20000", "year": 2025, "service_life_years": 15}]
        }
    });
    let a = run(&v);
    let l = &a.lifecycle_cost;
    assert_close("LCC", l.total, d("85954.877765126032240754192"), d("1e-18"));
    let c = l.comparison.as_ref().expect("a comparison");
    assert_close(
        "LCC base",
        c.base_case_total,
        d("117401.807941998453998405127"),
        d("1e-18"),
    );
    assert_close(
        "NS",
        c.net_savings,
        d("31446.930176872421757650935"),
        d("1e-18"),
    );
    assert_close(
        "SIR",
        value(&c.sir),
        d("5.531922335192350121121167"),
        d("1e-20"),
    );
    assert_close(
        "AIRR",
        value(&c.airr),
        d("0.22215090058514353524360702"),
        d("1e-20"),
    );
}

#[test]
fn the_same_input_gives_the_same_bytes_and_the_hash_ignores_formatting() {
    let once = serde_json::to_string(&run(&example())).expect("serialises");
    let twice = serde_json::to_string(&run(&example())).expect("serialises");
    assert_eq!(once, twice);
    // Same project, different whitespace and key order: same input hash.
    let compact: Value =
        serde_json::from_str(&serde_json::to_string(&example()).expect("json")).expect("json");
    assert_eq!(
        run(&compact).provenance.input_hash,
        run(&example()).provenance.input_hash
    );
    let mut changed = example();
    changed["finance"]["discount_rate"] = json!("0.061");
    assert_ne!(
        run(&changed).provenance.input_hash,
        run(&example()).provenance.input_hash
    );
}

#[test]
fn every_reported_figure_has_a_trace_step() {
    let a = run(&example());
    let ids: Vec<&str> = a.trace.iter().map(|s| s.id.as_str()).collect();
    for id in [
        "financial.npv",
        "financial.irr",
        "financial.mirr",
        "financial.payback",
        "financial.discounted_payback",
        "lifecycle_cost.total",
        "lifecycle_cost.equivalent_annual_cost",
    ] {
        assert!(ids.contains(&id), "no trace step {id}: {ids:?}");
    }
    assert!(
        a.trace
            .iter()
            .all(|s| !s.title.en.is_empty() && !s.title.zh.is_empty())
    );
}

/// The error of a modified example, which must be exactly one.
fn error_of(edit: impl FnOnce(&mut Value)) -> (String, String, String) {
    let mut v = example();
    edit(&mut v);
    let out = appraise_json_text(
        &v.to_string(),
        &registry(),
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("the text is JSON");
    let e = out.results[0]
        .errors
        .first()
        .unwrap_or_else(|| panic!("expected an error, got an appraisal"));
    (e.code.clone(), e.pointer.clone(), e.message.clone())
}

#[test]
fn an_analysis_period_of_zero_or_over_200_years_is_rejected() {
    for years in [0, 201] {
        let (code, pointer, _) = error_of(|v| v["timeline"]["analysis_years"] = json!(years));
        assert_eq!(
            (code.as_str(), pointer.as_str()),
            ("invalid_argument", "/timeline/analysis_years")
        );
    }
}

#[test]
fn an_absurd_construction_period_is_rejected_not_overflowed() {
    for years in [0u64, 51, 4_294_967_295] {
        let (code, pointer, _) = error_of(|v| v["timeline"]["construction_years"] = json!(years));
        assert_eq!(
            (code.as_str(), pointer.as_str()),
            ("invalid_argument", "/timeline/construction_years")
        );
    }
}

#[test]
fn a_cash_flow_outside_the_analysis_period_is_rejected() {
    let (code, pointer, message) = error_of(|v| v["cash_flows"][1]["years"] = json!([2027, 2045]));
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_argument", "/cash_flows/1/years")
    );
    assert!(
        message.contains("2045") && message.contains("2026–2041"),
        "{message}"
    );
}

#[test]
fn a_replacement_cycle_longer_than_the_period_is_rejected_when_replacement_is_required() {
    let (code, pointer, _) = error_of(|v| {
        v["assets"][0]["service_life_years"] = json!(25);
        v["assets"][0]["replace"] = json!(true);
    });
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_argument", "/assets/0/service_life_years")
    );
}

#[test]
fn negative_quantities_are_rejected() {
    let (code, pointer, _) =
        error_of(|v| v["quantities"]["electricity_saved_mwh"]["value"] = json!("-5"));
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        (
            "invalid_argument",
            "/quantities/electricity_saved_mwh/value"
        )
    );
}

#[test]
fn a_cost_entered_as_a_positive_amount_is_rejected() {
    let (_, pointer, message) = error_of(|v| v["cash_flows"][0]["amount"] = json!("250000"));
    assert_eq!(pointer, "/cash_flows/0/amount");
    assert!(message.contains("negative"), "{message}");
}

#[test]
fn an_unknown_field_or_a_bad_number_names_its_pointer() {
    let (code, pointer, _) = error_of(|v| v["cash_flows"][2]["amount"] = json!("n/a"));
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_request", "/cash_flows/2/amount")
    );
    let (_, pointer, _) = error_of(|v| v["timeline"]["start"] = json!(2026));
    assert_eq!(pointer, "/timeline/start");
}

#[test]
fn converting_the_rate_without_inflation_is_rejected() {
    let (code, pointer, _) = error_of(|v| v["finance"]["rate_basis"] = json!("nominal"));
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("missing_argument", "/finance/inflation")
    );
}

#[test]
fn a_bad_project_in_a_batch_does_not_stop_the_others() {
    let mut bad = example();
    bad["timeline"]["analysis_years"] = json!(0);
    let batch = json!({"projects": [example(), bad, example()]});
    let out = appraise_json_text(
        &batch.to_string(),
        &registry(),
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("JSON");
    assert_eq!(out.results.len(), 3);
    assert!(out.results[0].appraisal.is_some() && out.results[2].appraisal.is_some());
    assert_eq!(
        out.results[1].errors[0].pointer,
        "/projects/1/timeline/analysis_years"
    );
    assert_eq!(
        out.results[1].errors[0].code,
        ErrorCode::InvalidArgument.as_str()
    );
}

// A loan of 60 % of the 1 200 000 investment at 4 %, 10 years, annuity, drawn in year 0:
// payment = 720 000 · 0.04 / (1 − 1.04^−10) = 88 769.479917698286205100307…;
// DSCR year 1 = (180 000 · 1.01² − 15 000) / payment = 1.899504200726786403169486…;
// equity flows = net + 720 000 in year 0 − payment in years 1–10; equity IRR (mpmath
// findroot) = 0.15799140871145615823274755…
#[test]
fn a_loan_gives_debt_service_dscr_and_equity_irr() {
    let mut v = example();
    v["financing"] = json!({"loan": {"share": "0.6", "rate": "0.04", "tenor_years": 10, "repayment": "annuity"}});
    let a = run(&v);
    let f = a.financing.as_ref().expect("a financing view");
    let loan = f.loan.as_ref().expect("a loan");
    assert_close(
        "payment",
        loan.years[1].debt_service,
        d("88769.479917698286205100307"),
        d("1e-18"),
    );
    let cover = f.dscr.as_ref().expect("DSCR");
    assert_close(
        "DSCR 1",
        cover.years[1].dscr.expect("a ratio"),
        d("1.899504200726786403169486"),
        d("1e-20"),
    );
    let equity = f.equity.as_ref().expect("equity");
    assert_close(
        "equity IRR",
        equity.equity_irr.selected.expect("an IRR"),
        d("0.15799140871145615823274755"),
        d("1e-20"),
    );
}

// EU funding gap, hand calculation at 4 % over 2026–2046: investment 10 000 000 in 2026,
// tariffs 900 000 and O&M 400 000 a year 2027–2046, residual value 2 000 000 in 2046.
// DNR = PV(revenue) − PV(O&M) + PV(residual) = 7 707 937.064886429174591125994…;
// R = (DIC − DNR)/DIC = 0.229206293511357082540887400…; DA = EC·R = 2 292 062.935113570825408874…;
// grant = DA · 0.85 = 1 948 253.494846535201597542904…
#[test]
fn the_funding_gap_method_gives_the_eu_grant() {
    let v = json!({
        "id": "eu-wwtp", "name": "Wastewater plant upgrade", "currency": "EUR", "price_base_year": 2025,
        "sector": "wastewater", "activity": "wastewater_treatment",
        "timeline": {"start_year": 2026, "analysis_years": 20},
        "finance": {"discount_rate": "0.04"},
        "cash_flows": [
            {"category": "investment", "year": 2026, "amount": "-10000000"},
            {"category": "revenue", "years": [2027, 2046], "amount": "900000"},
            {"category": "operation_maintenance", "years": [2027, 2046], "amount": "-400000"},
            {"category": "residual_value", "year": 2046, "amount": "2000000"}
        ],
        "financing": {"funding_gap": {"max_cofinancing_rate": "0.85"}}
    });
    let a = run(&v);
    let gap = a
        .financing
        .as_ref()
        .and_then(|f| f.funding_gap.as_ref())
        .expect("a funding gap");
    assert_close(
        "DNR",
        gap.discounted_net_revenue,
        d("7707937.064886429174591125994"),
        d("1e-18"),
    );
    assert_close(
        "R",
        gap.rate,
        d("0.229206293511357082540887400"),
        d("1e-24"),
    );
    assert_close(
        "DA",
        gap.decision_amount,
        d("2292062.935113570825408874"),
        d("1e-17"),
    );
    assert_close(
        "grant",
        gap.eu_grant,
        d("1948253.494846535201597542904"),
        d("1e-17"),
    );
}

#[test]
fn a_loan_longer_than_the_period_is_rejected() {
    let (code, pointer, _) = error_of(|v| {
        v["financing"] = json!({"loan": {"amount": "500000", "rate": "0.04", "tenor_years": 20, "repayment": "linear"}});
    });
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_argument", "/financing/loan/tenor_years")
    );
}

fn flood_wall() -> Value {
    json!({
        "id": "eu-flood-wall", "name": "River flood wall", "currency": "EUR", "price_base_year": 2025,
        "sector": "flood_protection", "activity": "flood_defence",
        "timeline": {"start_year": 2026, "analysis_years": 30},
        "finance": {"discount_rate": "0.04"},
        "cash_flows": [
            {"category": "investment", "year": 2026, "amount": "-5000000"},
            {"category": "operation_maintenance", "years": [2027, 2056], "amount": "-50000"}
        ],
        "economic": {
            "discount_preset": "eu-cba-2014-sdr-other",
            "carbon_price_path": "eib-2020-carbon",
            "deflator": "1.25",
            "emissions_avoided_tco2e": {"years": [2027, 2050], "value": "100"},
            "flood": {
                "without": {"points": [{"aep": "0.5", "damage": "0"}, {"aep": "0.1", "damage": "1000000"}, {"aep": "0.02", "damage": "5000000"}, {"aep": "0.01", "damage": "8000000"}], "tail": "extend"},
                "with": {"points": [{"aep": "0.02", "damage": "0"}, {"aep": "0.01", "damage": "2000000"}], "tail": "extend"}
            }
        }
    })
}

// Economic view, by hand at 3 % (EU CBA social rate, other Member States), 2026–2056:
// EAD without (trapezoid + extended tail) = 200 000 + 240 000 + 65 000 + 80 000 = 585 000;
// EAD with = ½(0 + 2 000 000)(0.01) + 2 000 000·0.01 = 30 000; avoided 555 000 a year from 2027.
// Carbon: 100 t a year 2027–2050 at the EIB path (linear 80 → 250 → 800 EUR, 2016 prices)
// × deflator 1.25, e.g. 2027: (80 + 170·7/10)·1.25 = 248.75 EUR/t. Financial flows: −5 000 000
// in 2026, −50 000 a year after. ENPV = 5 848 022.141099369886070771988…,
// EBCR = 1.977926515172562254597564866…, ERR (mpmath) = 0.1042394799792031794639769…
#[test]
fn the_economic_view_values_avoided_damage_and_carbon() {
    let a = run(&flood_wall());
    let e = a.economic.as_ref().expect("an economic view");
    assert_close(
        "ENPV",
        e.enpv,
        d("5848022.141099369886070771988"),
        d("1e-17"),
    );
    let Figure::Value(bc) = &e.benefit_cost else {
        panic!("EBCR expected")
    };
    assert_close(
        "EBCR",
        bc.bcr,
        d("1.977926515172562254597564866"),
        d("1e-24"),
    );
    assert_close(
        "ERR",
        e.err.selected.expect("an ERR"),
        d("0.1042394799792031794639769"),
        d("1e-20"),
    );
    assert_eq!(e.years[1].carbon_price, d("248.75"));
    assert_eq!(e.flood.as_ref().expect("flood").avoided, d("555000"));
    let ids: Vec<&str> = a.provenance.data.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["eu-cba-2014-sdr-other", "eib-2020-carbon"]);
}

#[test]
fn a_currency_with_no_conversion_given_is_rejected() {
    let mut v = flood_wall();
    v["currency"] = json!("CNY");
    let out = appraise_json_text(
        &v.to_string(),
        &registry(),
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("JSON");
    let e = &out.results[0].errors[0];
    assert_eq!(
        (e.code.as_str(), e.pointer.as_str()),
        ("missing_argument", "/economic/exchange_rate")
    );
    assert!(e.message.contains("CNY per EUR"), "{}", e.message);
}

#[test]
fn an_unknown_preset_or_data_id_is_rejected_with_the_known_ids() {
    let (code, pointer, message) = error_of(|v| {
        v["finance"] = json!({"discount_preset": "no-such-preset"});
    });
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("unknown_data", "/finance/discount_preset")
    );
    assert!(message.contains("uk-green-book-2022-stpr"), "{message}");
}

#[test]
fn a_carbon_price_beyond_the_published_path_is_rejected_not_zeroed() {
    let mut v = flood_wall();
    v["economic"]["emissions_avoided_tco2e"]["years"] = json!([2027, 2056]);
    let out = appraise_json_text(
        &v.to_string(),
        &registry(),
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("JSON");
    let e = &out.results[0].errors[0];
    assert_eq!(
        (e.code.as_str(), e.pointer.as_str()),
        ("unknown_data", "/economic/carbon_price_path")
    );
    assert!(e.message.contains("2051"), "{}", e.message);
}

// A per-project override of a path value is applied and recorded in the provenance.
#[test]
fn carbon_price_overrides_are_applied_and_recorded() {
    let mut v = flood_wall();
    v["economic"]["carbon_price_overrides"] = json!([{"year": 2027, "value": "300"}]);
    let a = run(&v);
    assert_eq!(
        a.economic.as_ref().expect("economic").years[1].carbon_price,
        d("375")
    );
    let path = a
        .provenance
        .data
        .iter()
        .find(|r| r.id == "eib-2020-carbon")
        .expect("the path is cited");
    assert!(path.overridden);
}

// The Green Book preset chains its factors: DF31 = DF30 / 1.03 in the financial view too.
#[test]
fn a_discount_preset_drives_the_financial_view() {
    let mut v = flood_wall();
    v["finance"] = json!({"discount_preset": "uk-green-book-2022-stpr"});
    let a = run(&v);
    assert_close(
        "DF30",
        a.years[30].discount_factor,
        d("0.356278410602301540471615904881"),
        d("1e-24"),
    );
    assert_eq!(a.conventions.discount_source, "uk-green-book-2022-stpr");
}
