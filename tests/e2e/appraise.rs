//! `greenlight appraise`, `factors` and `bench` as a user runs them. Expected figures are the
//! hand calculations of `core/tests/it/appraisal.rs`.

use serde_json::Value;

use crate::{FLOOD, LED, greenlight, stderr, stdout};

#[test]
fn the_readme_main_command_appraises_the_example() {
    let out = greenlight(&["appraise", LED], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // NPV 372 848.8278…, IRR 10.3919 %, LCC 1 520 503.2744…, by hand.
    for expected in [
        "372848.83 CNY",
        "10.3919%",
        "1520503.27 CNY",
        "136.13 CNY/MWh",
        "sha256:",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn json_output_carries_conventions_figures_and_provenance() {
    let out = greenlight(&["appraise", "--format", "json", FLOOD], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    let a = &v["results"][0]["appraisal"];
    assert_eq!(a["conventions"]["discount_source"], "eu-480-2014-fdr");
    assert_eq!(a["economic"]["flood"]["avoided"], "555000.000");
    assert!(
        a["economic"]["enpv"]
            .as_str()
            .expect("ENPV")
            .starts_with("5848022.14109936988607077")
    );
    let data: Vec<&str> = a["provenance"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(
        data,
        [
            "eu-480-2014-fdr",
            "eu-cba-2014-sdr-other",
            "eib-2020-carbon"
        ]
    );
    assert!(a["provenance"]["engine_version"].is_string());
}

#[test]
fn explain_renders_the_working_in_chinese() {
    let out = greenlight(&["--lang", "zh", "appraise", "--explain", LED], "");
    assert!(out.status.success());
    let text = stdout(&out);
    for expected in [
        "逐年现金流量表",
        "财务净现值 (FNPV)",
        "公式: NPV = Σ_y net_y · DF_y",
        "全生命周期成本 (LCC)",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn a_bad_project_is_reported_with_its_pointer_and_exit_code_3() {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(LED).expect("example")).expect("JSON");
    v["timeline"]["analysis_years"] = Value::from(0);
    let batch = serde_json::json!({"projects": [v, serde_json::from_str::<Value>(&std::fs::read_to_string(LED).expect("example")).expect("JSON")]});
    let out = greenlight(&["appraise", "-", "--format", "json"], &batch.to_string());
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("/projects/0/timeline/analysis_years"), "{err}");
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    assert!(
        v["results"][1]["appraisal"].is_object(),
        "the good project is still appraised"
    );
}

#[test]
fn text_that_is_not_json_is_one_clear_error() {
    let out = greenlight(&["appraise", "-"], "{ not json");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not valid JSON"));
}

#[test]
fn factors_list_and_show_describe_the_embedded_data() {
    let out = greenlight(&["factors", "list"], "");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("uk-green-book-2022-stpr") && text.contains("eib-2020-carbon"),
        "{text}"
    );
    let out = greenlight(&["factors", "show", "uk-green-book-2022-stpr"], "");
    assert!(stdout(&out).contains("31–75  0.030"), "{}", stdout(&out));
    let out = greenlight(&["factors", "show", "cn-mee-nbs-grid-average"], "");
    let text = stdout(&out);
    assert!(text.contains("factor type: average"), "{text}");
    assert!(
        text.contains("cn-north            0.7120*   0.6776    0.6361"),
        "{text}"
    );
    let out = greenlight(&["factors", "show", "ipcc-2006-fuels-commercial"], "");
    assert!(stdout(&out).contains("diesel"), "{}", stdout(&out));
    assert!(stdout(&out).contains("0.0741"), "{}", stdout(&out));
    let out = greenlight(&["factors", "show", "ipcc-ar5-gwp100"], "");
    assert!(stdout(&out).contains("265"), "{}", stdout(&out));
    let out = greenlight(&["factors", "show", "nope"], "");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("known sets"));
}

#[test]
fn a_user_data_file_is_loaded_and_cited() {
    let dir = std::env::temp_dir().join(format!("greenlight-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("city-sdr.toml");
    std::fs::write(
        &file,
        r#"id = "city-sdr-5"
version = "1.0.0"
kind = "discount_schedule"
title_en = "City social discount rate 5 %"
title_zh = "城市社会折现率 5%"
unit = "fraction per year"
vintage = 2025
valid_from = 2025
interpolation = "none"
extrapolation = "none"
verified = true
verification = "set by the city council"
[source]
document = "City council decision"
edition = "2025"
locator = "article 3"
[[bands]]
from_year = 0
rate = "0.05"
"#,
    )
    .expect("write data file");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(LED).expect("example")).expect("JSON");
    v["finance"] = serde_json::json!({"discount_preset": "city-sdr-5"});
    let out = greenlight(
        &[
            "--data",
            file.to_str().expect("path"),
            "appraise",
            "-",
            "--format",
            "json",
        ],
        &v.to_string(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let cited = &v["results"][0]["appraisal"]["provenance"]["data"][0];
    assert_eq!(cited["id"], "city-sdr-5");
    assert_eq!(
        cited["origin"],
        serde_json::json!({"file": "city-sdr.toml"})
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_portfolio_benchmark_runs_and_reports_throughput() {
    let out = greenlight(
        &["bench", "--projects", "200", "--years", "20", "--seed", "7"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("appraised 200 (0 rejected)"), "{text}");
    assert!(text.contains("projects/s"));
}

#[test]
fn the_workbook_benchmark_saves_a_workbook_that_appraise_reads() {
    let dir = std::env::temp_dir().join(format!("greenlight-e2e-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("portfolio.xlsx");
    let path = file.to_str().expect("UTF-8 path");
    let out = greenlight(
        &[
            "bench",
            "--xlsx",
            "--projects",
            "12",
            "--years",
            "5",
            "--save",
            path,
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("12 appraised"), "{}", stdout(&out));
    let out = greenlight(&["appraise", path, "--format", "json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let output: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let results = output["results"].as_array().expect("results");
    // The generator names its projects bench-000000, bench-000001, …
    assert_eq!(results.len(), 12);
    assert_eq!(results[11]["id"], "bench-000011");
    assert!(
        results.iter().all(|r| r.get("errors").is_none()),
        "{output}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_batch_with_emissions_gets_a_marginal_abatement_cost_curve() {
    let led: Value =
        serde_json::from_str(&std::fs::read_to_string(LED).expect("example")).expect("JSON");
    let mut second = led.clone();
    second["id"] = Value::from("cn-dz-led-02");
    // Dearer luminaires: a higher cost per tonne, so it sorts after the first.
    second["assets"][0]["cost"] = Value::from("1900000");
    let flood: Value =
        serde_json::from_str(&std::fs::read_to_string(FLOOD).expect("example")).expect("JSON");
    let batch = serde_json::json!([second, flood, led]);
    let out = greenlight(&["appraise", "-", "--format", "json"], &batch.to_string());
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let bars = v["mac_curve"]["bars"].as_array().expect("bars");
    assert_eq!(bars.len(), 2, "the flood wall reports no emissions");
    assert_eq!(bars[0]["project_id"], "cn-dz-led-01");
    assert_eq!(bars[1]["project_id"], "cn-dz-led-02");
    assert_eq!(bars[0]["cumulative_to_t"], bars[1]["cumulative_from_t"]);
}

#[test]
fn the_example_is_judged_under_every_taxonomy_with_the_eu_china_difference_explained() {
    let out = greenlight(&["appraise", "--format", "json", LED], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let e = &v["results"][0]["eligibility"];
    assert_eq!(e["assessment_date"], "2026-01-01");
    let verdict = |t: &str| {
        e["taxonomies"]
            .as_array()
            .expect("taxonomies")
            .iter()
            .find(|x| x["taxonomy"] == t)
            .map(|x| x["verdict"].clone())
    };
    // Street lighting: China's Catalogue has green-lighting retrofit (1.1.3.1); the EU Taxonomy
    // has no such activity; ICMA follows the issuer's reference taxonomy (China here).
    assert_eq!(verdict("cn"), Some(Value::from("eligible")));
    assert_eq!(verdict("eu"), Some(Value::from("not_eligible")));
    assert_eq!(verdict("icma"), Some(Value::from("eligible")));
    assert_eq!(
        e["disagreements"][0]["taxonomies"],
        serde_json::json!(["eu", "cn"])
    );
    let cn = e["taxonomies"]
        .as_array()
        .expect("taxonomies")
        .iter()
        .find(|x| x["taxonomy"] == "cn")
        .expect("cn");
    assert!(
        cn["content_hash"]
            .as_str()
            .expect("hash")
            .starts_with("sha256:")
    );
    assert_eq!(
        cn["clauses"][0]["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .find(|i| i["name"] == "lighting_energy_grade")
            .expect("grade")["value"],
        "1"
    );
}

/// The shipped LED example with `"sensitivity": {}` (±1 %). By hand (core/tests/it/sensitivity.rs):
/// switching values −NPV / PV: savings −19.6925 %, investment +31.0707 %; elasticity of the
/// savings 5.0781; NPV with the savings 1 % lower / higher 353 915.31 / 391 782.35 CNY.
#[test]
fn a_sensitivity_section_adds_switching_values_to_the_table_in_both_languages() {
    let mut project: Value =
        serde_json::from_str(&std::fs::read_to_string(LED).expect("the example")).expect("JSON");
    project["sensitivity"] = serde_json::json!({});
    let body = project.to_string();
    let out = greenlight(&["appraise", "-"], &body);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "sensitivity of the NPV             each category's flows ±1.0000%",
        "    Savings                          switching value -19.6925% · elasticity 5.0781 · NPV 353915.31 / 391782.35 CNY",
        "switching value 31.0707%",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // The savings move the NPV most, so they come first.
    assert!(text.find("    Savings").unwrap() < text.find("    Investment").unwrap());
    let out = greenlight(&["--lang", "zh", "appraise", "-"], &body);
    let text = stdout(&out);
    assert!(text.contains("临界点 -19.6925%"), "{text}");
    assert!(text.contains("敏感度系数 5.0781"), "{text}");
}

/// Exercise 12's district heating (its NOTES.md) with the analysis: the economic view at 5 %
/// leaves the grant out. By hand: ENPV −384 196.81 CNY; switching values −ENPV / PV: investment
/// −19.2098 %, revenue (300 000 · a(8, 5 %) = 1 938 963.83) +19.8145 %.
#[test]
fn the_economic_view_gets_its_own_sensitivity_rows() {
    let mut project: Value = serde_json::from_str(include_str!(
        "../../workbooks/exercises/12-economic-grant/project.json"
    ))
    .expect("JSON");
    project["sensitivity"] = serde_json::json!({});
    let out = greenlight(&["appraise", "-"], &project.to_string());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let economic = text
        .split("sensitivity of the ENPV")
        .nth(1)
        .unwrap_or_else(|| panic!("no economic sensitivity in\n{text}"));
    for expected in [
        "Investment                       switching value -19.2098%",
        "Revenue                          switching value 19.8145%",
        "ENPV -364196.81 / -404196.81 CNY",
    ] {
        assert!(
            economic.contains(expected),
            "missing {expected:?} in\n{text}"
        );
    }
    assert!(
        !economic.contains("Grant"),
        "a transfer has no economic row:\n{text}"
    );
}
