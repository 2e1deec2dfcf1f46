//! Emissions in the appraisal, against hand calculations (Python `decimal`, 50 digits) and
//! the published factor tables, and bad input naming its field.

use greenlight_core::appraisal::{Appraisal, AppraisalOptions, Figure, appraise};
use greenlight_core::batch::{appraise_json_text, parse_project};
use greenlight_core::registry::Registry;
use serde_json::{Value, json};

use crate::support::{assert_close, d};

fn registry() -> Registry {
    Registry::embedded().expect("the embedded registry loads")
}

fn run(v: &Value) -> Appraisal {
    let p = parse_project(v).unwrap_or_else(|e| panic!("test project does not parse: {e:?}"));
    appraise(&p, &registry(), &AppraisalOptions { trace: true }).expect("the project appraises")
}

fn error_of(v: &Value) -> (String, String, String) {
    let out = appraise_json_text(
        &v.to_string(),
        &registry(),
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("JSON");
    let e = out.results[0]
        .errors
        .first()
        .unwrap_or_else(|| panic!("expected an error"));
    (e.code.clone(), e.pointer.clone(), e.message.clone())
}

fn example() -> Value {
    serde_json::from_str(include_str!(
        "../../../workbooks/examples/led-street-lighting.json"
    ))
    .expect("example")
}

/// A small project around one calculator, 2021–2023 (one construction year, two operating).
fn small(calculator: Value, grid: Value) -> Value {
    json!({
        "id": "t", "name": "t", "currency": "CNY", "price_base_year": 2021, "sector": "other", "activity": "t",
        "timeline": {"start_year": 2021, "analysis_years": 2},
        "finance": {"discount_rate": "0.05"},
        "cash_flows": [{"category": "investment", "year": 2021, "amount": "-1000"}],
        "emissions": {"grid": grid, "calculators": [calculator]}
    })
}

// The shipped LED example: 3 000 luminaires, 150 W → 55 W, 4 035 h a year:
// saved = 3000 × 95 W × 4035 h = 1 149.975 MWh a year (AMS-II.L form).
// Grid: MEE/NBS North China 2023 = 0.6361 tCO2/MWh, −2 %/yr after 2023: EF_y = 0.6361·0.98^(y−2023).
// Lifetime abatement 2027–2041 = Σ 1149.975·EF_y = 8 819.52133918488650017837381568…;
// PV of tonnes at 6 % = 5 834.74391855245384254235619641…;
// levelised cost per tonne = −NPV / PV(tonnes) = −63.9014895964782235903902388514…;
// annualised = (−NPV / Σ_{1..15} DF) / (8 819.52…/15) = −65.2918866665705106482924864106…
#[test]
fn the_example_abatement_and_cost_per_tonne_match_a_hand_calculation() {
    let a = run(&example());
    let e = a.emissions.as_ref().expect("an emissions view");
    assert_close(
        "lifetime",
        e.lifetime.abatement,
        d("8819.52133918488650017837381568"),
        d("1e-18"),
    );
    let Figure::Value(c) = &e.cost_per_tonne else {
        panic!("a cost per tonne")
    };
    assert_close(
        "PV tonnes",
        c.tonnes_co2e,
        d("5834.74391855245384254235619641"),
        d("1e-18"),
    );
    assert_close(
        "levelised",
        c.cost_per_t,
        d("-63.9014895964782235903902388514"),
        d("1e-18"),
    );
    let Figure::Value(ann) = &e.annualised_cost_per_tonne else {
        panic!("an annualised figure")
    };
    assert_close(
        "annualised",
        *ann,
        d("-65.2918866665705106482924864106"),
        d("1e-18"),
    );
    assert_eq!(e.indicators[0].key, "energy_saved_mwh_per_year");
    assert_eq!(e.indicators[0].value, d("1149.975"));
    // EIB typical year 2027: BE = 1815.75 MWh × 0.6361·0.98⁴, RE = AE − BE < 0.
    assert_eq!(e.typical_year.year, 2027);
    assert!(e.typical_year.relative < d("0"));
    let cited: Vec<&str> = a.provenance.data.iter().map(|r| r.id.as_str()).collect();
    assert!(
        cited.contains(&"cn-mee-nbs-grid-average") && cited.contains(&"ipcc-ar5-gwp100"),
        "{cited:?}"
    );
}

// A published series read year by year: MEE/NBS North China 0.7120 (2021), 0.6776 (2022),
// 0.6361 (2023), as printed in the announcements.
#[test]
fn a_published_grid_series_is_read_year_by_year() {
    let lights = json!({"street_lighting": {"years": [2022, 2023], "baseline_luminaires": [{"count": 1, "power_w": "1000"}], "project_luminaires": [], "operating_hours_per_year": "1000"}});
    let a = run(&small(
        lights,
        json!({"kind": "published", "set": "cn-mee-nbs-grid-average", "region": "cn-north"}),
    ));
    let grid: Vec<_> = a
        .emissions
        .as_ref()
        .expect("emissions")
        .years
        .iter()
        .map(|y| y.grid_t_per_mwh)
        .collect();
    assert_eq!(grid, [d("0.7120"), d("0.6776"), d("0.6361")]);
    // 1 MWh saved a year: abatement equals the factor.
    assert_eq!(
        a.emissions.as_ref().expect("emissions").years[2].abatement,
        d("0.6361")
    );
}

// Combined margin for solar (CDM Tool 07, 0.75·OM + 0.25·BM) from the China regional baseline
// factors, North China 0.9419 / 0.4819 → 0.826900, the value printed in the same table.
// 100 kWp × 1 000 kWh/kWp = 100 MWh a year → 82.69 tCO2 a year.
#[test]
fn rooftop_pv_displaces_the_combined_margin() {
    let pv = json!({"rooftop_pv": {"years": [2022, 2023], "capacity_kwp": "100", "specific_yield_kwh_per_kwp": "1000"}});
    let mut v = small(pv, json!({"kind": "constant", "value": "0.5"}));
    let held = |set: &str| json!({"kind": "published", "set": set, "region": "cn-north", "after_last": "hold"});
    v["emissions"]["grid_displaced"] = json!({"combined_margin": {
        "operating_margin": held("cn-mee-2019-grid-om"), "build_margin": held("cn-mee-2019-grid-bm"), "project_type": "wind_solar"}});
    let a = run(&v);
    let e = a.emissions.as_ref().expect("emissions");
    assert_eq!(e.years[1].abatement, d("82.69"));
    assert_eq!(e.years[2].abatement, d("82.69"));
}

// Composting 1 000 t of food waste in 2022: process emissions CH4 4 g/kg and N2O 0.3 g/kg
// (IPCC 2006 Vol.5 Table 4.1) = 4 t CH4 and 0.3 t N2O. In CO2e: AR5 4·28 + 0.3·265 = 191.5;
// AR6 (biogenic CH4) 4·27.0 + 0.3·273 = 189.9. The GWP set is a named choice.
#[test]
fn the_gwp_set_is_a_named_choice() {
    let compost = json!({"composting": {"diverted": {
        "streams": [{"waste_type": "food", "first_year": 2022, "tonnes": ["1000"]}],
        "climate_zone": "boreal_temperate_wet", "site_type": "managed_anaerobic"}}});
    let mut v = small(compost, json!({"kind": "constant", "value": "0.5"}));
    assert_eq!(
        run(&v).emissions.expect("emissions").years[1].project,
        d("191.5")
    );
    v["emissions"]["gwp_set"] = json!("ipcc-ar6-gwp100");
    let e = run(&v).emissions.expect("emissions");
    assert_eq!(e.years[1].project, d("189.9"));
    assert_eq!(e.gwp.id, "ipcc-ar6-gwp100");
}

#[test]
fn an_unknown_factor_set_or_region_names_the_field_and_the_known_ones() {
    let mut v = example();
    v["emissions"]["grid"]["set"] = json!("no-such-grid");
    let (code, pointer, message) = error_of(&v);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("unknown_data", "/emissions/grid/set")
    );
    assert!(message.contains("cn-mee-nbs-grid-average"), "{message}");
    let mut v = example();
    v["emissions"]["grid"]["region"] = json!("cn-atlantis");
    let (code, pointer, message) = error_of(&v);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("unknown_data", "/emissions/grid/region")
    );
    assert!(message.contains("cn-north"), "{message}");
}

#[test]
fn a_region_with_no_factor_for_a_year_is_an_error_not_a_zero() {
    let mut v = example();
    v["emissions"]["grid"]
        .as_object_mut()
        .expect("object")
        .remove("after_last");
    let (code, pointer, message) = error_of(&v);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("unknown_data", "/emissions/grid/region")
    );
    assert!(
        message.contains("2024") || message.contains("2026"),
        "{message}"
    );
}

#[test]
fn negative_quantities_in_a_calculator_name_the_field() {
    let mut v = example();
    v["emissions"]["calculators"][0]["street_lighting"]["operating_hours_per_year"] = json!("-5");
    let (code, pointer, _) = error_of(&v);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        (
            "invalid_argument",
            "/emissions/calculators/0/street_lighting/operating_hours_per_year"
        )
    );
}

#[test]
fn a_unit_mismatch_names_the_missing_conversion() {
    // Diesel factors are per tonne; litres need a density.
    let boiler = json!({"building_efficiency": {"years": [2022, 2023],
        "baseline": {"fuels": [{"fuel": "diesel", "quantity_l": "1000"}]}, "project": {}}});
    let (code, pointer, _) = error_of(&small(boiler, json!({"kind": "constant", "value": "0.5"})));
    assert_eq!(code, "missing_argument");
    assert!(
        pointer.starts_with("/emissions/calculators/0/building_efficiency/baseline/fuels/0"),
        "{pointer}"
    );
}

#[test]
fn a_missing_activity_field_is_named() {
    let mut v = example();
    v["emissions"]["calculators"][0]["street_lighting"]
        .as_object_mut()
        .expect("object")
        .remove("operating_hours_per_year");
    let (code, pointer, message) = error_of(&v);
    assert_eq!(code, "invalid_request");
    assert!(
        pointer.starts_with("/emissions/calculators/0/street_lighting"),
        "{pointer}"
    );
    assert!(message.contains("operating_hours_per_year"), "{message}");
}

// The economic view values the computed abatement when a carbon price path is named.
#[test]
fn computed_abatement_is_valued_in_the_economic_view() {
    let mut v = example();
    v["currency"] = json!("EUR");
    v["economic"] = json!({"discount_rate": "0.03", "carbon_price_path": "eib-2020-carbon", "deflator": "1.25"});
    let a = run(&v);
    let econ = a.economic.as_ref().expect("economic view");
    let carbon = econ.carbon.as_ref().expect("carbon valued");
    assert_eq!(
        carbon.tonnes,
        a.emissions.as_ref().expect("emissions").lifetime.abatement
    );
    // 2027: abatement × (80 + 170·7/10)·1.25 EUR/t.
    assert_eq!(
        econ.years[1].carbon_value,
        econ.years[1].carbon_tco2e * d("248.75")
    );
}
