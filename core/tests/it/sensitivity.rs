//! Sensitivity of the financial NPV to each cash-flow category. Expected values are the
//! published figures of HM Treasury's Green Book (2003), Box 15, or hand calculations at 50
//! significant digits with Python's `decimal` module, written out beside each test; the
//! switching values are also checked by appraising the project again with the category's
//! flows changed by them.

use greenlight_core::ErrorCode;
use greenlight_core::appraisal::{Appraisal, AppraisalOptions, Figure, appraise};
use greenlight_core::batch::parse_project;
use greenlight_core::project::{Category, ProjectInput};
use greenlight_core::registry::Registry;
use greenlight_core::sensitivity::{EconomicBenefit, SensitiveVariable, SensitivityView, Variable};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{assert_close, d};

const EXAMPLE: &str = include_str!("../../../workbooks/examples/led-street-lighting.json");

fn project(v: &Value) -> ProjectInput {
    parse_project(v).unwrap_or_else(|e| panic!("test project does not parse: {e:?}"))
}

fn run(v: &Value) -> Appraisal {
    let registry = Registry::embedded().expect("the embedded registry loads");
    appraise(&project(v), &registry, &AppraisalOptions { trace: true })
        .expect("the project appraises")
}

fn value(f: &Figure<Decimal>) -> Decimal {
    match f {
        Figure::Value(v) => *v,
        Figure::None { finding } => panic!("expected a figure, got {finding:?}"),
    }
}

fn row(a: &Appraisal, c: Category) -> &SensitiveVariable {
    let view = a.sensitivity.as_ref().expect("a sensitivity view");
    row_of(view, Variable::Category(c))
}

fn row_of(view: &SensitivityView, v: Variable) -> &SensitiveVariable {
    view.variables
        .iter()
        .find(|r| r.variable == v)
        .unwrap_or_else(|| panic!("no row for {v:?}"))
}

/// HM Treasury, *The Green Book* (2003), Box 15: an IT system costs £1 million and saves
/// £150 000 a year for 10 years; at 3.5 % the NPV is £247 000. If it replaces 10 staff
/// instead of 15, the savings fall to £100 000 a year and the NPV to −£168 000.
fn box_15(variation: &str) -> Value {
    json!({
        "id": "gb-box-15", "name": "IT system", "currency": "GBP", "price_base_year": 2025,
        "sector": "buildings", "activity": "other",
        "timeline": { "start_year": 2025, "construction_years": 1, "analysis_years": 10 },
        "finance": { "discount_rate": "0.035", "basis": "real" },
        "cash_flows": [
            { "category": "investment", "year": 2025, "amount": "-1000000" },
            { "category": "savings", "years": [2026, 2035], "amount": "150000" }
        ],
        "sensitivity": { "variation": variation }
    })
}

// By hand: PV(savings) = 150 000 · (1 − 1.035⁻¹⁰) / 0.035 = 1 247 490.798386693202523559529931…;
// NPV = 247 490.798386693202523559529931…;
// savings: SV = −NPV / PV = −0.198390880884058270578949000142…, E = PV / NPV = 5.040554261082244895472404781…;
// investment: SV = NPV / 1 000 000 = 0.247490798386693202523559529931…, E = −4.040554261082244895472404781…;
// a third less savings (v = 1/3 to 28 places): NPV − v · PV(savings) = −168 339.467742204531650960313…
#[test]
fn green_book_box_15_gives_the_published_npvs_and_the_switching_values() {
    let a = run(&box_15("0.3333333333333333333333333333"));
    let view = a.sensitivity.as_ref().expect("a sensitivity view");
    // The published figures, to the thousand pounds.
    let thousands = |x: Decimal| (x / d("1000")).round() * d("1000");
    assert_eq!(thousands(view.npv), d("247000"));
    let savings = row(&a, Category::Savings);
    assert_eq!(thousands(savings.npv_down), d("-168000"));
    // The hand calculation.
    let tol = d("1e-18");
    assert_close("NPV", view.npv, d("247490.798386693202523559529931"), tol);
    assert_close(
        "PV savings",
        savings.present_value,
        d("1247490.798386693202523559529931"),
        tol,
    );
    assert_close(
        "NPV with a third less savings",
        savings.npv_down,
        d("-168339.467742204531650960313"),
        tol,
    );
    assert_close(
        "SV savings",
        value(&savings.switching_value),
        d("-0.198390880884058270578949000142"),
        d("1e-24"),
    );
    assert_close(
        "E savings",
        value(&savings.elasticity),
        d("5.040554261082244895472404781"),
        d("1e-24"),
    );
    let investment = row(&a, Category::Investment);
    assert_eq!(investment.present_value, d("-1000000"));
    assert_close(
        "SV investment",
        value(&investment.switching_value),
        d("0.247490798386693202523559529931"),
        d("1e-24"),
    );
    assert_close(
        "E investment",
        value(&investment.elasticity),
        d("-4.040554261082244895472404781"),
        d("1e-24"),
    );
    // The tornado order: savings (PV 1.25 million) before investment (1 million).
    let order: Vec<Variable> = view.variables.iter().map(|v| v.variable).collect();
    assert_eq!(
        order,
        [
            Variable::Category(Category::Savings),
            Variable::Category(Category::Investment)
        ]
    );
    // Each row is explained.
    for id in ["sensitivity.savings", "sensitivity.investment"] {
        assert!(a.trace.iter().any(|s| s.id == id), "no trace step {id}");
    }
}

// The shipped LED example at the default ±1 %, by hand (years 2026–2041, DF = 1.06^-i):
// PV investment = −1 200 000; replacement = −950 000 · 1.06⁻¹² = −472 120.895398150825168080711…;
// residual = 712 500 · 1.06⁻¹⁵ = 297 301.355774072824274451840…;
// savings = Σ 180 000 · 1.01^(y−2025) · 1.06^−(y−2026), y = 2027…2041 = 1 893 352.102249687012179049569…;
// O&M = −15 000 · Σ 1.06⁻ⁱ, i = 1…15 = −145 683.734816114798500192336…;
// NPV = 372 848.827809494212785228362520…;
// SV = −NPV / PV: investment 0.310707356507911843987690302…, replacement 0.789731679838194606481622998…,
// residual −1.254110755192222916577755595…, savings −0.196925245635227618417877857…,
// O&M 2.559303056584265711229189153…; savings NPV∓ = 353 915.306786997342663437866… / 391 782.348831991082907018858…
#[test]
fn the_example_project_has_the_hand_calculated_switching_values() {
    let mut v: Value = serde_json::from_str(EXAMPLE).expect("the example is JSON");
    v["sensitivity"] = json!({});
    let a = run(&v);
    let view = a.sensitivity.as_ref().expect("a sensitivity view");
    assert_eq!(view.variation, d("0.01"));
    let tol = d("1e-18");
    for (c, pv, sv) in [
        (
            Category::Investment,
            "-1200000",
            "0.310707356507911843987690302",
        ),
        (
            Category::Replacement,
            "-472120.895398150825168080711",
            "0.789731679838194606481622998",
        ),
        (
            Category::ResidualValue,
            "297301.355774072824274451840",
            "-1.254110755192222916577755595",
        ),
        (
            Category::Savings,
            "1893352.102249687012179049569",
            "-0.196925245635227618417877857",
        ),
        (
            Category::OperationMaintenance,
            "-145683.734816114798500192336",
            "2.559303056584265711229189153",
        ),
    ] {
        let r = row(&a, c);
        assert_close(&format!("PV {c:?}"), r.present_value, d(pv), tol);
        assert_close(&format!("SV {c:?}"), value(&r.switching_value), d(sv), tol);
    }
    let savings = row(&a, Category::Savings);
    assert_close(
        "NPV-",
        savings.npv_down,
        d("353915.306786997342663437866"),
        tol,
    );
    assert_close(
        "NPV+",
        savings.npv_up,
        d("391782.348831991082907018858"),
        tol,
    );
    let order: Vec<Variable> = view.variables.iter().map(|v| v.variable).collect();
    assert_eq!(
        order,
        [
            Category::Savings,
            Category::Investment,
            Category::Replacement,
            Category::ResidualValue,
            Category::OperationMaintenance
        ]
        .map(Variable::Category)
    );
}

/// A project of cash-flow lines only (no assets, so each category stands alone), mid-year
/// timing and a discounted first year, with every category the flows can have.
fn many_categories() -> Value {
    json!({
        "id": "mixed", "name": "mixed", "currency": "EUR", "price_base_year": 2024,
        "sector": "transport", "activity": "other",
        "timeline": { "start_year": 2025, "construction_years": 2, "analysis_years": 20,
                      "timing": "mid_year", "first_year": "discounted" },
        "finance": { "discount_rate": "0.045", "basis": "real" },
        "cash_flows": [
            { "category": "investment", "years": [2025, 2026], "amount": "-2500000.55" },
            { "category": "grant", "year": 2026, "amount": "900000" },
            { "category": "replacement", "year": 2036, "amount": "-400000" },
            { "category": "operation_maintenance", "years": [2027, 2046], "amount": "-61234.56", "escalation": "0.012" },
            { "category": "energy", "years": [2027, 2046], "amount": "-88000", "escalation": "0.021" },
            { "category": "water", "years": [2027, 2046], "amount": "-7000" },
            { "category": "revenue", "years": [2027, 2046], "amount": "310000.10", "escalation": "0.015" },
            { "category": "savings", "years": [2027, 2046], "amount": "120000" },
            { "category": "residual_value", "year": 2046, "amount": "350000" },
            { "category": "other", "year": 2030, "amount": "-50000" },
            { "category": "other", "year": 2040, "amount": "20000" }
        ],
        "sensitivity": { "variation": "0.1" }
    })
}

/// The project with every line of category `c` multiplied by `factor`.
fn scaled(v: &Value, c: Category, factor: Decimal) -> Value {
    let mut v = v.clone();
    for line in v["cash_flows"].as_array_mut().expect("lines") {
        if line["category"] == c.as_str() {
            let amount: Decimal = line["amount"]
                .as_str()
                .expect("amount")
                .parse()
                .expect("decimal");
            line["amount"] = json!((amount * factor).to_string());
        }
    }
    v
}

#[test]
fn changing_a_category_by_its_switching_value_brings_the_npv_to_zero() {
    let base = many_categories();
    let a = run(&base);
    let view = a.sensitivity.as_ref().expect("a sensitivity view");
    assert_eq!(view.variables.len(), 10, "every category has flows");
    let mut zeroed = 0;
    for r in &view.variables {
        let sv = value(&r.switching_value);
        // A switching value at or below −100 % would turn a cost into a benefit (or back),
        // which a line of a signed category cannot be: no change of it alone zeroes the NPV.
        let Variable::Category(c) = r.variable else {
            panic!("a financial row of {:?}", r.variable)
        };
        if Decimal::ONE + sv > Decimal::ZERO || c == Category::Other {
            let moved = run(&scaled(&base, c, Decimal::ONE + sv));
            assert_close(
                &format!("NPV at the switching value of {:?}", r.variable),
                moved.financial.npv,
                Decimal::ZERO,
                d("1e-14"),
            );
            zeroed += 1;
        }
        let up = run(&scaled(&base, c, d("1.1")));
        assert_close(
            &format!("NPV+ of {:?}", r.variable),
            up.financial.npv,
            r.npv_up,
            d("1e-16"),
        );
        let down = run(&scaled(&base, c, d("0.9")));
        assert_close(
            &format!("NPV- of {:?}", r.variable),
            down.financial.npv,
            r.npv_down,
            d("1e-16"),
        );
    }
    assert!(
        zeroed >= 6,
        "only {zeroed} categories were moved to their switching value"
    );
}

#[test]
fn a_zero_npv_has_no_elasticity_and_every_switching_value_is_zero() {
    // At a rate of zero every factor is one: −100 + 100 = 0 exactly.
    let v = json!({
        "id": "flat", "name": "flat", "currency": "EUR", "price_base_year": 2025,
        "sector": "transport", "activity": "other",
        "timeline": { "start_year": 2025, "construction_years": 1, "analysis_years": 1 },
        "finance": { "discount_rate": "0", "basis": "real" },
        "cash_flows": [
            { "category": "investment", "year": 2025, "amount": "-100" },
            { "category": "revenue", "year": 2026, "amount": "100" }
        ],
        "sensitivity": {}
    });
    let a = run(&v);
    assert_eq!(a.financial.npv, Decimal::ZERO);
    for c in [Category::Investment, Category::Revenue] {
        let r = row(&a, c);
        match &r.elasticity {
            Figure::None { finding } => assert_eq!(finding.code, "npv_zero"),
            other => panic!("expected no elasticity, got {other:?}"),
        }
        assert_eq!(value(&r.switching_value), Decimal::ZERO);
    }
}

#[test]
fn without_the_section_there_is_no_view_and_the_output_is_unchanged() {
    let mut v: Value = serde_json::from_str(EXAMPLE).expect("the example is JSON");
    let plain = run(&v);
    assert!(plain.sensitivity.is_none());
    let plain_json = serde_json::to_value(&plain).expect("serialises");
    assert!(plain_json.get("sensitivity").is_none());
    v["sensitivity"] = json!({});
    let with = run(&v);
    // The same figures; only the view, its trace steps and the input hash are added.
    assert_eq!(with.financial, plain.financial);
    assert_eq!(with.years, plain.years);
    assert_eq!(with.lifecycle_cost, plain.lifecycle_cost);
    assert_ne!(with.provenance.input_hash, plain.provenance.input_hash);
}

#[test]
fn a_variation_out_of_range_or_a_misspelt_field_is_refused_at_its_pointer() {
    let registry = Registry::embedded().expect("the embedded registry loads");
    for bad in ["0", "-0.01", "1.5"] {
        let p = project(&box_15(bad));
        let e = appraise(&p, &registry, &AppraisalOptions { trace: false })
            .expect_err("an out-of-range variation is refused");
        assert_eq!(e.pointer, "/sensitivity/variation", "{bad}: {e:?}");
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
        assert!(e.message.contains(bad), "{bad}: {}", e.message);
    }
    // With an economic view too, the variation is named once, at its own field.
    let mut heat: Value = serde_json::from_str(HEAT).expect("the exercise is JSON");
    heat["sensitivity"] = json!({ "variation": "2" });
    let e = appraise(
        &project(&heat),
        &registry,
        &AppraisalOptions { trace: false },
    )
    .expect_err("an out-of-range variation is refused");
    assert_eq!(e.pointer, "/sensitivity/variation", "{e:?}");
    // A variation of 1 is the category removed: allowed.
    let whole = run(&box_15("1"));
    let savings = row(&whole, Category::Savings);
    assert_close(
        "NPV without savings",
        savings.npv_down,
        d("-1000000"),
        d("1e-18"),
    );
    let mut misspelt = box_15("0.01");
    misspelt["sensitivity"] = json!({ "varation": "0.01" });
    let e = parse_project(&misspelt).expect_err("an unknown field is refused");
    assert_eq!(e.pointer, "/sensitivity/varation", "{e:?}");
    let mut listed = box_15("0.01");
    listed["sensitivity"] = json!([]);
    let e = parse_project(&listed).expect_err("an array is not the section");
    assert_eq!(e.pointer, "/sensitivity", "{e:?}");
}

const HEAT: &str = include_str!("../../../workbooks/exercises/12-economic-grant/project.json");

// Exercise 12's district heating (its NOTES.md) with the analysis, economic view at 5 %, by
// hand: a(8, 5 %) = 6.463212759426255795394040885770…; the grant is a transfer and has no row;
// ENPV = −2 000 000 + 250 000 · a = −384 196.810143436051151489778557…;
// PV revenue = 300 000 · a = 1 938 963.827827876738618212265731…; PV O&M = −323 160.637971312789769702044288…;
// SV = −ENPV / PV: investment −0.192098405071718025575744889…, revenue 0.198145424184541047451665375…,
// O&M −1.188872545107246284709992254…
#[test]
fn the_economic_view_has_the_hand_calculated_switching_values_without_the_grant() {
    let mut v: Value = serde_json::from_str(HEAT).expect("the exercise is JSON");
    v["sensitivity"] = json!({});
    let a = run(&v);
    let e = a.economic.as_ref().expect("an economic view");
    let view = e
        .sensitivity
        .as_ref()
        .expect("an economic sensitivity view");
    let tol = d("1e-18");
    assert_close("ENPV", view.npv, d("-384196.810143436051151489778557"), tol);
    assert_eq!(view.npv, e.enpv);
    for (c, pv, sv) in [
        (
            Category::Investment,
            "-2000000",
            "-0.192098405071718025575744889",
        ),
        (
            Category::Revenue,
            "1938963.827827876738618212265731",
            "0.198145424184541047451665375",
        ),
        (
            Category::OperationMaintenance,
            "-323160.637971312789769702044288",
            "-1.188872545107246284709992254",
        ),
    ] {
        let r = row_of(view, Variable::Category(c));
        assert_close(&format!("PV {c:?}"), r.present_value, d(pv), tol);
        assert_close(&format!("SV {c:?}"), value(&r.switching_value), d(sv), tol);
    }
    assert!(
        view.variables
            .iter()
            .all(|r| r.variable != Variable::Category(Category::Grant)),
        "a transfer has no economic row"
    );
    // The financial view keeps its grant row.
    row(&a, Category::Grant);
    for id in [
        "economic.sensitivity.investment",
        "economic.sensitivity.revenue",
    ] {
        assert!(a.trace.iter().any(|s| s.id == id), "no trace step {id}");
    }
}

/// The flood wall with every damage of both curves times `factor` (so the damage avoided is
/// too), or the tonnes avoided times `factor`.
fn flood_scaled(v: &Value, what: Variable, factor: Decimal) -> Value {
    let mut v = v.clone();
    let times = |x: &Value| -> Value {
        let x: Decimal = x
            .as_str()
            .expect("a decimal string")
            .parse()
            .expect("decimal");
        json!((x * factor).to_string())
    };
    match what {
        Variable::Benefit(EconomicBenefit::AvoidedDamage) => {
            for curve in ["without", "with"] {
                for p in v["economic"]["flood"][curve]["points"]
                    .as_array_mut()
                    .expect("points")
                {
                    p["damage"] = times(&p["damage"]);
                }
            }
        }
        Variable::Benefit(EconomicBenefit::CarbonValue) => {
            let t = &mut v["economic"]["emissions_avoided_tco2e"]["value"];
            *t = times(t);
        }
        Variable::Category(c) => return scaled(&v, c, factor),
        other => panic!("not in the flood wall: {other:?}"),
    }
    v
}

#[test]
fn changing_an_economic_variable_by_its_switching_value_brings_the_enpv_to_zero() {
    const FLOOD: &str = include_str!("../../../workbooks/examples/flood-wall.json");
    let mut base: Value = serde_json::from_str(FLOOD).expect("the example is JSON");
    base["sensitivity"] = json!({});
    let a = run(&base);
    let view = a
        .economic
        .as_ref()
        .and_then(|e| e.sensitivity.clone())
        .expect("an economic sensitivity view");
    let names: Vec<&str> = view.variables.iter().map(|r| r.variable.as_str()).collect();
    assert_eq!(
        names,
        [
            "avoided_damage",
            "investment",
            "operation_maintenance",
            "carbon_value"
        ]
    );
    let mut zeroed = 0;
    for r in &view.variables {
        let sv = value(&r.switching_value);
        if Decimal::ONE + sv > Decimal::ZERO {
            let moved = run(&flood_scaled(&base, r.variable, Decimal::ONE + sv));
            let enpv = moved.economic.as_ref().expect("an economic view").enpv;
            assert_close(
                &format!("ENPV at the switching value of {:?}", r.variable),
                enpv,
                Decimal::ZERO,
                d("1e-12"),
            );
            zeroed += 1;
        }
        let up = run(&flood_scaled(&base, r.variable, d("1.01")));
        assert_close(
            &format!("ENPV+ of {:?}", r.variable),
            up.economic.as_ref().expect("an economic view").enpv,
            r.npv_up,
            d("1e-12"),
        );
    }
    // The damage avoided (−54 %), the investment (+117 %) and the upkeep (+597 %) can reach
    // their switching values; the carbon value would have to turn negative (−616 %).
    assert_eq!(zeroed, 3);
}
