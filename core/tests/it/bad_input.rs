//! Bad input gives a clear error (or, where the question has an answer, a clear finding) and
//! never a panic. One test per kind of bad input.

use greenlight_core::ErrorCode;
use greenlight_core::dated::{Date, DayCount, xirr, xnpv};
use greenlight_core::discount::{DiscountRate, RateBand, Timing, discount_factors};
use greenlight_core::metrics::{NpvConvention, irr, mirr, npv, payback};
use greenlight_core::roots::RootFlag;
use greenlight_core::tvm::{PaymentTiming, fv, pmt, rate};
use rust_decimal::Decimal;

use crate::support::{d, ds};

fn dates(list: &[&str]) -> Vec<Date> {
    list.iter().map(|s| s.parse().expect("test date")).collect()
}

#[test]
fn rate_at_minus_one_hundred_percent_is_rejected() {
    let err = npv(d("-1"), &ds(&["-100", "110"]), NpvConvention::T0).unwrap_err();
    assert_eq!(
        (err.code, err.pointer.as_str()),
        (ErrorCode::InvalidArgument, "/rate")
    );
    let err = npv(d("-1.5"), &ds(&["-100", "110"]), NpvConvention::T0).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(
        mirr(&ds(&["-100", "110"]), d("-1"), d("0.1"))
            .unwrap_err()
            .pointer
            == "/finance_rate"
    );
    assert!(
        pmt(
            d("-1"),
            d("10"),
            d("100"),
            Decimal::ZERO,
            PaymentTiming::End
        )
        .is_err()
    );
}

#[test]
fn empty_series_is_a_missing_argument() {
    assert_eq!(
        npv(d("0.1"), &[], NpvConvention::T0).unwrap_err().code,
        ErrorCode::MissingArgument
    );
    assert_eq!(
        irr(&[], d("0.1")).unwrap_err().code,
        ErrorCode::MissingArgument
    );
    assert_eq!(
        payback(&[], None).unwrap_err().code,
        ErrorCode::MissingArgument
    );
}

#[test]
fn all_zero_flows_have_no_irr_with_a_reason() {
    let set = irr(&ds(&["0", "0", "0"]), d("0.1")).unwrap();
    assert_eq!(set.flag, RootFlag::None);
    assert!(set.reason.unwrap().contains("every cash flow is zero"));
    assert_eq!(
        npv(d("0.1"), &ds(&["0", "0"]), NpvConvention::T0).unwrap(),
        Decimal::ZERO
    );
}

#[test]
fn one_value_is_too_few_for_a_rate() {
    let err = irr(&ds(&["-100"]), d("0.1")).unwrap_err();
    assert_eq!(
        (err.code, err.pointer.as_str()),
        (ErrorCode::MissingArgument, "/values")
    );
    assert!(mirr(&ds(&["-100"]), d("0.1"), d("0.1")).is_err());
}

#[test]
fn single_signed_flows_have_no_irr_with_a_reason() {
    let set = irr(&ds(&["100", "200", "300"]), d("0.1")).unwrap();
    assert_eq!((set.flag, set.sign_changes), (RootFlag::None, 0));
    let m = mirr(&ds(&["100", "200"]), d("0.1"), d("0.1"))
        .unwrap()
        .unwrap_err();
    assert_eq!(m.code, "no_negative_flow");
}

// Spreadsheets accept unsorted dates as long as the first listed is the earliest: the result
// must equal the sorted series.
#[test]
fn unsorted_dates_after_the_first_give_the_sorted_result() {
    let sorted = xnpv(
        d("0.09"),
        &ds(&["-1000", "500", "700"]),
        &dates(&["2020-01-01", "2020-06-01", "2021-01-01"]),
        DayCount::Act365F,
    )
    .unwrap();
    let unsorted = xnpv(
        d("0.09"),
        &ds(&["-1000", "700", "500"]),
        &dates(&["2020-01-01", "2021-01-01", "2020-06-01"]),
        DayCount::Act365F,
    )
    .unwrap();
    assert_eq!(sorted, unsorted);
}

// Flows on the same date are summed, as a spreadsheet's sum over them would be.
#[test]
fn duplicate_dates_are_summed() {
    let split = xirr(
        &ds(&["-1000", "300", "900"]),
        &dates(&["2020-01-01", "2021-01-01", "2021-01-01"]),
        d("0.1"),
        DayCount::Act365F,
    )
    .unwrap();
    let merged = xirr(
        &ds(&["-1000", "1200"]),
        &dates(&["2020-01-01", "2021-01-01"]),
        d("0.1"),
        DayCount::Act365F,
    )
    .unwrap();
    assert_eq!(split.roots, merged.roots);
    // 2020 is a leap year: 366 days / 365 → r = 1.2^(365/366) − 1.
    assert_eq!(merged.flag, RootFlag::Unique);
}

#[test]
fn a_date_before_the_first_is_rejected_with_its_index() {
    let err = xnpv(
        d("0.1"),
        &ds(&["-100", "50", "60"]),
        &dates(&["2020-01-01", "2021-01-01", "2019-12-31"]),
        DayCount::Act365F,
    )
    .unwrap_err();
    assert_eq!(
        (err.code, err.pointer.as_str()),
        (ErrorCode::InvalidArgument, "/dates/2")
    );
    assert!(err.message.contains("2019-12-31"));
}

#[test]
fn values_and_dates_of_different_lengths_are_rejected() {
    let err = xnpv(
        d("0.1"),
        &ds(&["-100", "50"]),
        &dates(&["2020-01-01"]),
        DayCount::Act365F,
    )
    .unwrap_err();
    assert_eq!(err.pointer, "/dates");
}

#[test]
fn nper_zero_is_rejected_for_pmt_and_rate() {
    let err = pmt(
        d("0.05"),
        Decimal::ZERO,
        d("100"),
        Decimal::ZERO,
        PaymentTiming::End,
    )
    .unwrap_err();
    assert_eq!(
        (err.code, err.pointer.as_str()),
        (ErrorCode::InvalidArgument, "/nper")
    );
    assert!(
        rate(
            Decimal::ZERO,
            d("-10"),
            d("100"),
            Decimal::ZERO,
            PaymentTiming::End,
            d("0.1")
        )
        .is_err()
    );
    assert!(
        rate(
            d("10.5"),
            d("-10"),
            d("100"),
            Decimal::ZERO,
            PaymentTiming::End,
            d("0.1")
        )
        .is_err()
    );
}

#[test]
fn amounts_that_overflow_the_decimal_range_are_an_overflow_error() {
    let huge = Decimal::MAX;
    let err = npv(d("-0.5"), &[huge, huge], NpvConvention::T0).unwrap_err();
    assert_eq!(err.code, ErrorCode::Overflow);
    let err = fv(
        d("10"),
        d("100"),
        d("-1"),
        Decimal::ZERO,
        PaymentTiming::End,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Overflow);
}

#[test]
fn invalid_date_text_is_rejected() {
    assert!("2021-02-29".parse::<Date>().is_err());
    assert!("2021-2-1".parse::<Date>().is_err());
    assert!("20210201".parse::<Date>().is_err());
    assert!("2020-02-29".parse::<Date>().is_ok());
}

#[test]
fn malformed_discount_schedules_are_rejected() {
    let gap = DiscountRate::Bands {
        bands: vec![
            RateBand {
                from_year: 0,
                to_year: Some(10),
                rate: d("0.035"),
            },
            RateBand {
                from_year: 12,
                to_year: None,
                rate: d("0.03"),
            },
        ],
    };
    assert_eq!(
        discount_factors(&gap, Timing::EndOfYear, 20)
            .unwrap_err()
            .pointer,
        "/bands/1/from_year"
    );
    let bad = DiscountRate::PerYear {
        rates: ds(&["0.03", "-1"]),
    };
    assert_eq!(
        discount_factors(&bad, Timing::EndOfYear, 5)
            .unwrap_err()
            .pointer,
        "/rates/1"
    );
}

/// A small complete project: invest 1 000 in 2026, save 300 a year 2027–2030, at 6 %.
fn small_project() -> serde_json::Value {
    serde_json::json!({
        "id": "p", "name": "p", "currency": "CNY", "price_base_year": 2026,
        "sector": "lighting", "activity": "street_lighting",
        "timeline": { "start_year": 2026, "analysis_years": 4 },
        "finance": { "discount_rate": "0.06" },
        "cash_flows": [
            { "category": "investment", "year": 2026, "amount": "-1000" },
            { "category": "savings", "years": [2027, 2030], "amount": "300" }
        ]
    })
}

/// Found by the mutated-project test: a derived struct also reads a JSON array field by
/// field, so `"finance": []` was read as a finance section with every field at its default,
/// and the missing rate was then reported at `/finance/discount_rate`, under an array.
#[test]
fn a_section_given_as_an_array_is_a_wrong_type_at_the_section() {
    use greenlight_core::batch::parse_project;
    let cases = [
        ("/finance", serde_json::json!([])),
        ("/timeline", serde_json::json!([2026, 1, 4])),
        ("/economic", serde_json::json!([])),
        ("/financing", serde_json::json!([])),
        ("/base_case", serde_json::json!([[]])),
        ("/emissions", serde_json::json!([])),
        ("/assets", serde_json::json!([[]])),
        (
            "/cash_flows",
            serde_json::json!([["investment", null, 2026, null, "-1000"]]),
        ),
    ];
    for (field, value) in cases {
        let mut project = small_project();
        project[&field[1..]] = value;
        let err = parse_project(&project)
            .expect_err(&format!("{field} given as an array must be refused"));
        assert!(
            err.pointer == field || err.pointer == format!("{field}/0"),
            "{field}: error at {:?}: {}",
            err.pointer,
            err.message
        );
        assert!(
            err.message
                .starts_with("invalid type: sequence, expected struct"),
            "{field}: {}",
            err.message
        );
    }
    // The same sections as objects still read.
    parse_project(&small_project()).expect("the small project reads");
}

/// The one error of the first project of `document`, appraised without a judge: its code,
/// pointer and message.
fn only_error(document: serde_json::Value) -> (String, String, String) {
    use greenlight_core::appraisal::AppraisalOptions;
    use greenlight_core::batch::appraise_json;
    use greenlight_core::registry::Registry;
    let registry = Registry::embedded().expect("embedded registry");
    let out = appraise_json(
        document,
        &registry,
        &AppraisalOptions { trace: false },
        None,
    )
    .expect("the document is a batch");
    let errors = &out.results[0].errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    (
        errors[0].code.to_string(),
        errors[0].pointer.to_string(),
        errors[0].message.to_string(),
    )
}

/// Found by the mutated-project test: a funding gap asked for by a project with no investment
/// flows was an error at `/financing/funding_gap/discounted_investment_cost`, a figure the
/// appraisal computes and the document does not hold, and it read "got -0".
#[test]
fn a_funding_gap_without_investment_is_an_error_at_the_funding_gap_settings() {
    let mut project = small_project();
    project["cash_flows"] = serde_json::json!([
        { "category": "savings", "years": [2027, 2030], "amount": "300" }
    ]);
    project["financing"] = serde_json::json!({ "funding_gap": { "max_cofinancing_rate": "0.85" } });
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("invalid_argument", "/financing/funding_gap")
    );
    assert_eq!(
        message,
        "the discounted investment cost must be positive, got 0, as computed from the project's cash flows"
    );
}

/// Found by the mutated-project test: sums of amounts that leave the decimal range were
/// reported at the project itself (pointer ``), naming no field; they belong to the cash
/// flows whose amounts are summed.
#[test]
fn amounts_whose_sum_overflows_are_an_overflow_at_the_cash_flows() {
    let mut project = small_project();
    // Two savings lines at the top of the decimal range: their sum in 2027 overflows.
    project["cash_flows"] = serde_json::json!([
        { "category": "investment", "year": 2026, "amount": "-1000" },
        { "category": "savings", "year": 2027, "amount": "79228162514264337593543950335" },
        { "category": "revenue", "year": 2027, "amount": "79228162514264337593543950335" }
    ]);
    let (code, pointer, message) = only_error(serde_json::json!([project]));
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/0/cash_flows"),
        "{message}"
    );
}

/// Found by the mutated-project test: a deflator so large that the converted carbon price
/// leaves the decimal range was reported at the project itself; it belongs to the economic
/// view, whose exchange rate and deflator convert the price.
#[test]
fn a_carbon_price_conversion_that_overflows_is_an_overflow_at_the_economic_view() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline-eu.json"
    ))
    .expect("the example is JSON");
    // The fourth project values carbon on the EIB path with a deflator of 1.28.
    let mut project = doc["projects"][3].clone();
    assert_eq!(project["economic"]["deflator"], "1.28");
    project["economic"]["deflator"] = "79228162514264337593543950335".into();
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/economic"),
        "{message}"
    );
}

/// Found by the mutated-project test: present values of outflows beyond the decimal range were
/// reported at the project itself; they belong to the cash flows.
#[test]
fn outflows_whose_present_value_overflows_are_an_overflow_at_the_cash_flows() {
    let mut project = small_project();
    // The net flow and its running sum stay in range (the investment, then +280 a year),
    // but the outflows' present value, investment plus upkeep, does not.
    project["cash_flows"] = serde_json::json!([
        { "category": "investment", "year": 2026, "amount": "-79228162514264337593543950335" },
        { "category": "savings", "years": [2027, 2030], "amount": "300" },
        { "category": "operation_maintenance", "years": [2027, 2030], "amount": "-20" }
    ]);
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/cash_flows"),
        "{message}"
    );
}

/// Found by the mutated-project test: an economic view whose benefits leave the decimal range
/// (tonnes of waste at the top of the range, valued at the carbon price) was reported at the
/// project itself; it belongs to the economic view.
#[test]
fn economic_benefits_that_overflow_are_an_overflow_at_the_economic_view() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline-eu.json"
    ))
    .expect("the example is JSON");
    // The fifth project captures landfill gas and has an economic view.
    let mut project = doc["projects"][4].clone();
    let tonnes = "/emissions/calculators/0/landfill_gas_capture/site/streams/0/tonnes/0";
    *project
        .pointer_mut(tonnes)
        .expect("the example's first waste tonnage") = "79228162514264337593543950335".into();
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/economic"),
        "{message}"
    );
}

/// A nested struct whose fields all have defaults read an empty array as a struct of
/// defaults: the building calculator's baseline consumption given as `[]` was a building
/// that used no energy, with no error. It is a wrong type at the field.
#[test]
fn a_nested_struct_of_defaults_given_as_an_array_is_a_wrong_type_at_the_field() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline.json"
    ))
    .expect("the example is JSON");
    // The first project is the school retrofit, a building-efficiency calculator.
    let building = "/emissions/calculators/0/building_efficiency";
    for side in ["baseline", "project"] {
        let mut project = doc["projects"][0].clone();
        *project
            .pointer_mut(&format!("{building}/{side}"))
            .expect("the example's building consumption") = serde_json::json!([]);
        let (code, pointer, message) = only_error(project);
        assert_eq!(
            (code.as_str(), pointer.as_str(), message.as_str()),
            (
                "invalid_request",
                format!("{building}/{side}").as_str(),
                "invalid type: sequence, expected struct CarrierUse"
            )
        );
    }
}

/// The batch settings have only defaulted fields: `"settings": []` was read as no settings.
#[test]
fn batch_settings_given_as_an_array_are_a_wrong_type_at_the_settings() {
    use greenlight_core::appraisal::AppraisalOptions;
    use greenlight_core::batch::appraise_json;
    use greenlight_core::registry::Registry;
    let registry = Registry::embedded().expect("embedded registry");
    let err = appraise_json(
        serde_json::json!({ "settings": [], "projects": [small_project()] }),
        &registry,
        &AppraisalOptions { trace: false },
        None,
    )
    .expect_err("settings given as an array must be refused");
    assert_eq!(
        (
            err.code.as_str(),
            err.pointer.as_str(),
            err.message.as_str()
        ),
        (
            "invalid_request",
            "/settings",
            "invalid type: sequence, expected struct BatchSettings"
        )
    );
}

/// A grid path is read whole before its `kind` is known, so an error inside it was reported
/// at `/emissions/grid`; it belongs to the field that holds the bad value. A missing field
/// stays at the path, where the key belongs.
#[test]
fn an_error_inside_a_grid_path_is_at_its_field() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline.json"
    ))
    .expect("the example is JSON");
    let published = serde_json::json!({
        "kind": "published", "set": "cn-mee-nbs-grid-average", "region": "cn-north",
        "after_last": "hold"
    });
    assert_eq!(doc["projects"][0]["emissions"]["grid"], published);
    let with = |field: &str, value: serde_json::Value| {
        let mut path = published.clone();
        path[field] = value;
        path
    };
    let mut without_region = published.clone();
    without_region
        .as_object_mut()
        .expect("an object")
        .remove("region");
    let cases = [
        (
            with("region", serde_json::json!(5)),
            "/emissions/grid/region",
            "invalid type: integer `5`, expected a string",
        ),
        (
            with("kind", serde_json::json!("sideways")),
            "/emissions/grid/kind",
            "unknown variant `sideways`, expected one of `constant`, `published`, `linear_to_target`, `compound_decline`, `user`",
        ),
        (
            with("colour", serde_json::json!("green")),
            "/emissions/grid/colour",
            "unknown field `colour`, expected one of `set`, `region`, `after_last`",
        ),
        (
            with(
                "after_last",
                serde_json::json!({ "decline": { "rate": true } }),
            ),
            "/emissions/grid/after_last/decline/rate",
            "invalid type: boolean `true`, expected a Decimal type representing a fixed-point number",
        ),
        (
            serde_json::json!({ "kind": "user", "points": [
                { "year": 2026, "value": "0.5" }, { "year": "2027", "value": "0.5" }
            ] }),
            "/emissions/grid/points/1/year",
            "invalid type: string \"2027\", expected i32",
        ),
        (without_region, "/emissions/grid", "missing field `region`"),
        // serde would read an array whose first element is the tag as the path.
        (
            serde_json::json!(["constant", "0.5"]),
            "/emissions/grid",
            "invalid type: sequence, expected internally tagged enum GridPath",
        ),
    ];
    for (path, pointer, message) in cases {
        let mut project = doc["projects"][0].clone();
        project["emissions"]["grid"] = path;
        let (code, at, said) = only_error(project);
        assert_eq!(
            (code.as_str(), at.as_str(), said.as_str()),
            ("invalid_request", pointer, message)
        );
    }
    // The same path as the displaced grid's operating margin.
    let mut project = doc["projects"][0].clone();
    project["emissions"]["grid_displaced"] = serde_json::json!({ "combined_margin": {
        "operating_margin": with("region", serde_json::json!(5)),
        "build_margin": published,
        "project_type": "wind_solar", "crediting_period": "first"
    } });
    let (_, at, _) = only_error(project);
    assert_eq!(
        at,
        "/emissions/grid_displaced/combined_margin/operating_margin/region"
    );
    // And the displaced grid's own path given as an array.
    let mut project = doc["projects"][0].clone();
    project["emissions"]["grid_displaced"] = serde_json::json!({ "path": ["constant", "0.5"] });
    assert_eq!(
        only_error(project),
        (
            "invalid_request".into(),
            "/emissions/grid_displaced/path".into(),
            "invalid type: sequence, expected internally tagged enum GridPath".into()
        )
    );
}

/// Outlays so large beside the inflows that the MIRR's ratio of compounded inflows to
/// discounted outlays rounds to zero: a debug build stopped on an assertion in the root, a
/// release build reported a "fractional power" at the project itself. It is an overflow of
/// the flows; so is inflows' compounding beyond the decimal range, which was reported at
/// `/finance`, though the rates there were ordinary.
#[test]
fn a_mirr_out_of_the_decimal_range_is_an_overflow_at_the_cash_flows() {
    let mut project = small_project();
    project["cash_flows"] = serde_json::json!([
        { "category": "investment", "year": 2026, "amount": "-19807040628566084398385987580" },
        { "category": "savings", "years": [2027, 2030], "amount": "0.0000000000000000000000000001" }
    ]);
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/cash_flows")
    );
    // Compounded at 6 %: 1e-28 × (1.06³ + 1.06² + 1.06 + 1) = 4.37e-28, rounded to the
    // decimal's last place, 4e-28.
    assert_eq!(
        message,
        "MIRR ratio (compounded inflows 0.0000000000000000000000000004 over discounted outlays 19807040628566084398385987580) is below the smallest decimal step (1e-28)"
    );
    let mut project = small_project();
    // A quarter of the decimal range a year for four years, compounded at 6 %: 4.37 quarters.
    project["cash_flows"] = serde_json::json!([
        { "category": "investment", "year": 2026, "amount": "-1" },
        { "category": "savings", "years": [2027, 2030], "amount": "19807040628566084398385987580" }
    ]);
    assert_eq!(
        only_error(project),
        (
            "overflow".into(),
            "/cash_flows".into(),
            "FV of positive flows exceeds the decimal range (about ±7.9e28)".into()
        )
    );
}

/// A loan whose interest leaves the decimal range (10²⁷ at 10 000 % a year) was reported at
/// the project itself; the schedule is the loan's, computed from its amount, rate and tenor.
#[test]
fn a_loan_schedule_that_overflows_is_an_overflow_at_the_loan() {
    let mut project = small_project();
    project["financing"] = serde_json::json!({ "loan": {
        "amount": "1000000000000000000000000000", "rate": "100", "tenor_years": 4,
        "repayment": "linear"
    } });
    assert_eq!(
        only_error(project),
        (
            "overflow".into(),
            "/financing/loan".into(),
            "interest exceeds the decimal range (about ±7.9e28)".into()
        )
    );
}

/// A levelised cost over a quantity of 10⁻²⁸ a year (the lifecycle cost about 2e28 over a
/// discounted quantity about 3.5e-28) was reported at the project itself; it belongs to the
/// quantity.
#[test]
fn a_levelised_cost_that_overflows_is_an_overflow_at_its_quantity() {
    let mut project = small_project();
    project["cash_flows"] = serde_json::json!([
        { "category": "investment", "year": 2026, "amount": "-19807040628566084398385987580" },
        { "category": "savings", "years": [2027, 2030], "amount": "1" }
    ]);
    project["quantities"] = serde_json::json!({
        "electricity_mwh": { "years": [2027, 2030], "value": "0.0000000000000000000000000001" }
    });
    let (code, pointer, message) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str(), message.as_str()),
        (
            "overflow",
            "/quantities/electricity_mwh",
            "levelised cost exceeds the decimal range (about ±7.9e28)"
        )
    );
}

/// Two building calculators whose baseline tonnes are each within range but whose sum is
/// not (2 × 7e28 MWh × about 0.6 t/MWh ≈ 8.4e28 t) were reported at the project itself; the
/// sum is of the calculators.
#[test]
fn tonnes_whose_sum_over_calculators_overflows_are_an_overflow_at_the_calculators() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline.json"
    ))
    .expect("the example is JSON");
    let mut project = doc["projects"][0].clone();
    let building = serde_json::json!({ "building_efficiency": {
        "years": [2027, 2050],
        "baseline": { "electricity_mwh": "70000000000000000000000000000" },
        "project": { "electricity_mwh": "0" }
    } });
    project["emissions"]["calculators"] = serde_json::json!([building, building]);
    let (code, pointer, _) = only_error(project);
    assert_eq!(
        (code.as_str(), pointer.as_str()),
        ("overflow", "/emissions/calculators")
    );
}

/// A value of a megabyte came back a megabyte long in its error (once per error, and again in
/// a workbook's location list). An error repeats the first 64 characters of a value from the
/// input (cut on a character boundary: `é` is two bytes), `…` and the value's length in bytes.
#[test]
fn an_error_repeats_a_long_value_cut_to_64_characters_and_its_length() {
    // 500 000 × "é" = 1 000 000 bytes.
    let long = "é".repeat(500_000);
    let head = "é".repeat(64);
    let sectors = "`buildings`, `transport`, `lighting`, `energy`, `heating`, `water`, \
                   `wastewater`, `waste`, `flood_protection`, `other`";
    let cases: [(&str, serde_json::Value, String, String); 4] = [
        // serde's message, the value as it is.
        (
            "/sector",
            long.clone().into(),
            "/sector".into(),
            format!("unknown variant `{head}… (1000000 bytes)`, expected one of {sectors}"),
        ),
        // serde's message, the value quoted and escaped: 100 quotes, each shown as \".
        (
            "/finance/discount_rate",
            "\"".repeat(100).into(),
            "/finance/discount_rate".into(),
            format!(
                "invalid value: string \"{}\"… (100 bytes), expected a Decimal type representing a fixed-point number",
                "\\\"".repeat(64)
            ),
        ),
        // The engine's own message.
        (
            "/currency",
            long.clone().into(),
            "/currency".into(),
            format!(
                "expected an ISO 4217 code such as CNY or EUR, got \"{head}\"… (1000000 bytes)"
            ),
        ),
        // A key serde names as unknown.
        (
            "/timeline",
            serde_json::json!({ "start_year": 2026, "analysis_years": 4, long.as_str(): 1 }),
            format!("/timeline/{long}"),
            format!(
                "unknown field `{head}… (1000000 bytes)`, expected one of `start_year`, \
                 `construction_years`, `analysis_years`, `timing`, `first_year`"
            ),
        ),
    ];
    for (field, value, pointer, message) in cases {
        let mut project = small_project();
        *project
            .pointer_mut(field)
            .expect("the small project's field") = value;
        let (_, at, said) = only_error(project);
        assert!(at == pointer, "{field}: at {}", &at[..at.len().min(80)]);
        assert_eq!(said, message, "{field}");
    }
    // A data id the registry does not hold, named in a message listing the known ones.
    let mut project = small_project();
    project["finance"] = serde_json::json!({ "discount_preset": long });
    let (code, at, said) = only_error(project);
    assert_eq!(
        (code.as_str(), at.as_str()),
        ("unknown_data", "/finance/discount_preset")
    );
    assert!(
        said.starts_with(&format!(
            "unknown discount_schedule {head}… (1000000 bytes); known discount_schedule sets are "
        )),
        "{}",
        &said[..said.len().min(300)]
    );
    assert!(said.len() < 1000, "{} bytes", said.len());
}

/// A value of 64 characters is repeated whole; one of 65 is cut.
#[test]
fn the_echo_cut_starts_after_64_characters() {
    use greenlight_core::error::{echo, echo_within};
    let exact = "x".repeat(64);
    assert_eq!(echo(&exact).to_string(), exact);
    assert_eq!(format!("{:?}", echo(&exact)), format!("\"{exact}\""));
    let over = "x".repeat(65);
    assert_eq!(echo(&over).to_string(), format!("{exact}… (65 bytes)"));
    assert_eq!(
        echo_within(format!("unknown `{over}`"), &over),
        format!("unknown `{exact}… (65 bytes)`")
    );
    assert_eq!(
        echo_within(format!("unknown `{exact}`"), &exact),
        format!("unknown `{exact}`")
    );
}

/// A project's fuel factors are a list, but a bad one was named by its fuel
/// (`/emissions/fuel_overrides/natural_gas/ncv_gj_per_unit`), a key the document does not
/// have; it is named by its place in the list.
#[test]
fn a_bad_fuel_override_is_named_by_its_index() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../workbooks/examples/city-pipeline.json"
    ))
    .expect("the example is JSON");
    let mut project = doc["projects"][0].clone();
    project["emissions"]["fuel_overrides"] = serde_json::json!([
        { "fuel": "diesel", "ncv_gj_per_unit": "0.0359", "unit": "l", "co2_t_per_gj": "0.0741" },
        { "fuel": "natural_gas", "ncv_gj_per_unit": "0", "unit": "m3", "co2_t_per_gj": "0.0561" }
    ]);
    assert_eq!(
        only_error(project),
        (
            "invalid_argument".into(),
            "/emissions/fuel_overrides/1/ncv_gj_per_unit".into(),
            "the calorific value of natural_gas must be positive".into()
        )
    );
}
