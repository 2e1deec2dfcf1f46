//! Batches with portfolio settings: defaults merged under every project, project values win.

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{appraise_json, merge_under};
use greenlight_core::registry::Registry;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// A project with only what differs from the portfolio: invest 1 000 in 2026, save 300 a
/// year 2027–2030.
fn lean(id: &str) -> Value {
    json!({
        "id": id, "name": id, "sector": "lighting", "activity": "street_lighting_led",
        "timeline": { "start_year": 2026, "analysis_years": 4 },
        "cash_flows": [
            { "category": "investment", "year": 2026, "amount": "-1000" },
            { "category": "savings", "years": [2027, 2030], "amount": "300" }
        ]
    })
}

fn npv_of(out: &greenlight_core::batch::AppraisalOutput, i: usize) -> Decimal {
    let r = &out.results[i];
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.appraisal.as_ref().unwrap().financial.npv
}

#[test]
fn settings_defaults_fill_projects_and_project_values_win() {
    let mut own_rate = lean("b");
    own_rate["finance"] = json!({ "discount_rate": "0.05" });
    let doc = json!({
        "settings": { "defaults": {
            "currency": "CNY", "price_base_year": 2026,
            "finance": { "discount_rate": "0.1", "basis": "real" }
        } },
        "projects": [lean("a"), own_rate]
    });
    let out = appraise_json(
        doc,
        &Registry::embedded().unwrap(),
        &AppraisalOptions { trace: false },
        None,
    )
    .unwrap();
    // Hand calculation: NPV = −1000 + 300 · (1 − 1.1⁻⁴) / 0.1 = −1000 + 300 · 3.16986544634
    // = −49.0403661; at 5 %: −1000 + 300 · 3.54595050416 = 63.7851512.
    let a = npv_of(&out, 0);
    assert!(
        (a - Decimal::new(-490403661, 7)).abs() < Decimal::new(1, 6),
        "{a}"
    );
    let b = npv_of(&out, 1);
    assert!(
        (b - Decimal::new(637851512, 7)).abs() < Decimal::new(1, 6),
        "{b}"
    );
}

#[test]
fn merging_is_by_key_for_objects_and_whole_for_arrays() {
    let base =
        json!({ "finance": { "discount_rate": "0.1", "basis": "real" }, "cash_flows": [1, 2] });
    let over = json!({ "finance": { "discount_rate": "0.05" }, "cash_flows": [3] });
    assert_eq!(
        merge_under(&base, over),
        json!({ "finance": { "discount_rate": "0.05", "basis": "real" }, "cash_flows": [3] })
    );
}

#[test]
fn an_unknown_setting_is_rejected_with_its_pointer() {
    let doc = json!({ "settings": { "default": {} }, "projects": [lean("a")] });
    let e = appraise_json(
        doc,
        &Registry::embedded().unwrap(),
        &AppraisalOptions { trace: false },
        None,
    )
    .unwrap_err();
    assert_eq!(e.pointer, "/settings/default");
    assert!(e.message.contains("default"), "{}", e.message);
}

/// Every project that cannot be read names the pointer of its first problem, whether the
/// problem is a value deep in a list, an unknown field, a missing field or an unknown
/// variant; the projects around it are appraised.
#[test]
fn a_bad_project_names_the_pointer_of_its_problem() {
    let mut bad_amount = lean("amount");
    bad_amount["cash_flows"][1]["amount"] = json!("three hundred");
    let mut unknown_field = lean("unknown");
    unknown_field["timeline"]["analysis_yrs"] = json!(4);
    let mut missing_field = lean("missing");
    missing_field.as_object_mut().unwrap().remove("sector");
    let mut bad_category = lean("category");
    bad_category["cash_flows"][0]["category"] = json!("capex");
    let doc = json!({
        "settings": { "defaults": { "currency": "CNY", "price_base_year": 2026,
            "finance": { "discount_rate": "0.1", "basis": "real" } } },
        "projects": [lean("a"), bad_amount, unknown_field, missing_field, bad_category, lean("b")]
    });
    let out = appraise_json(
        doc,
        &Registry::embedded().unwrap(),
        &AppraisalOptions { trace: false },
        None,
    )
    .unwrap();
    let first_error = |i: usize| {
        let r = &out.results[i];
        assert!(r.appraisal.is_none(), "project {i} was appraised");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        let e = &r.errors[0];
        (e.code.clone(), e.pointer.clone(), e.message.clone())
    };
    let (code, pointer, message) = first_error(1);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_request", "/projects/1/cash_flows/1/amount")
    );
    assert!(message.contains("three hundred"), "{message}");
    let (_, pointer, message) = first_error(2);
    assert_eq!(pointer, "/projects/2/timeline/analysis_yrs");
    assert!(
        message.contains("unknown field `analysis_yrs`"),
        "{message}"
    );
    let (_, pointer, message) = first_error(3);
    assert_eq!(pointer, "/projects/3");
    assert!(message.contains("missing field `sector`"), "{message}");
    let (_, pointer, message) = first_error(4);
    assert_eq!(pointer, "/projects/4/cash_flows/0/category");
    assert!(message.contains("unknown variant `capex`"), "{message}");
    npv_of(&out, 0);
    npv_of(&out, 5);
}

#[test]
fn merging_keeps_what_the_project_gives_when_only_one_side_is_an_object() {
    let base = json!({ "finance": { "discount_rate": "0.1" }, "currency": "CNY", "tags": ["a"] });
    let over = json!({ "finance": "own", "currency": { "code": "EUR" }, "id": "x" });
    assert_eq!(
        merge_under(&base, over),
        json!({ "finance": "own", "currency": { "code": "EUR" }, "id": "x", "tags": ["a"] })
    );
}
