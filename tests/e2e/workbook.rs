//! `greenlight template` and `greenlight appraise FILE.xlsx` as a user runs them.

use crate::{CITY_WORKBOOK, LED, greenlight, stderr, stdout};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("greenlight-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir.join(name)
}

#[test]
fn a_filled_template_appraises_as_its_json() {
    let xlsx = temp("led.xlsx");
    let out = greenlight(
        &["template", "--fill", LED, "-o", xlsx.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let from_json = greenlight(&["appraise", "--format", "json", LED], "");
    let from_xlsx = greenlight(
        &["appraise", "--format", "json", xlsx.to_str().unwrap()],
        "",
    );
    assert!(from_xlsx.status.success(), "{}", stderr(&from_xlsx));
    // The same projects give the same bytes, input hash included.
    assert_eq!(stdout(&from_xlsx), stdout(&from_json));
    // The table names the figures of the README's main command (NPV 372 848.83 by hand).
    let table = greenlight(&["appraise", xlsx.to_str().unwrap()], "");
    assert!(
        stdout(&table).contains("372848.83 CNY"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn workbook_errors_name_sheet_and_cell_and_exit_3() {
    let xlsx = temp("bad.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    s.set_name("Projects").unwrap();
    for (c, h) in [
        "Project id",
        "Name",
        "Currency",
        "Price base year",
        "Sector",
        "Activity",
        "Start year",
        "Operating years",
        "Discount rate",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(0, c as u16, *h).unwrap();
    }
    for (r, id) in ["good", "bad"].iter().enumerate() {
        let r = r as u32 + 1;
        s.write_string(r, 0, *id).unwrap();
        s.write_string(r, 1, *id).unwrap();
        s.write_string(r, 2, "CNY").unwrap();
        s.write_number(r, 3, 2026.0).unwrap();
        s.write_string(r, 4, "lighting").unwrap();
        s.write_string(r, 5, "street_lighting").unwrap();
        s.write_number(r, 6, 2026.0).unwrap();
        s.write_number(r, 8, 0.06).unwrap();
    }
    s.write_number(1, 7, 4.0).unwrap();
    // Core rejects 0 operating years; the error is placed back on the cell.
    s.write_number(2, 7, 0.0).unwrap();
    let c = book.add_worksheet();
    c.set_name("CashFlows").unwrap();
    for (col, h) in ["Project id", "Category"].iter().enumerate() {
        c.write_string(0, col as u16, *h).unwrap();
    }
    c.write_number(0, 2, 2026.0).unwrap();
    c.write_string(1, 0, "good").unwrap();
    c.write_string(1, 1, "investment").unwrap();
    c.write_string(1, 2, "n/a").unwrap();
    c.write_string(2, 0, "nobody").unwrap();
    c.write_string(2, 1, "investment").unwrap();
    c.write_number(2, 2, -5.0).unwrap();
    book.save(&xlsx).unwrap();

    let out = greenlight(&["appraise", xlsx.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "CashFlows!C2: expected an amount, found \"n/a\"",
        "CashFlows!A3: project \"nobody\" has no row in Projects",
        "project \"good\" was not appraised because of the problems above",
        "Projects!H3: ",
        "(/projects/0/timeline/analysis_years)",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}

#[test]
fn a_file_that_is_no_workbook_and_no_json_is_refused() {
    let path = temp("junk.xlsx");
    std::fs::write(&path, b"PK\x03\x04 not really a zip").unwrap();
    let out = greenlight(&["appraise", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("the file is damaged or truncated"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_template_command_writes_both_languages() {
    for lang in ["en", "zh"] {
        let path = temp(&format!("template-{lang}.xlsx"));
        let out = greenlight(
            &["--lang", lang, "template", "-o", path.to_str().unwrap()],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let committed = std::fs::read(format!(
            "{}/workbooks/templates/greenlight-template-{lang}.xlsx",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(std::fs::read(&path).unwrap() == committed, "{lang}");
    }
}

#[test]
fn batch_settings_limit_the_taxonomies_reported() {
    let project: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(LED).unwrap()).unwrap();
    let doc = serde_json::json!({ "settings": { "taxonomies": ["cn"] }, "projects": [project] });
    let out = greenlight(&["appraise", "--format", "json", "-"], &doc.to_string());
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let taxonomies: Vec<&str> = v["results"][0]["eligibility"]["taxonomies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taxonomy"].as_str().unwrap())
        .collect();
    assert_eq!(taxonomies, ["cn"]);
}

/// Every shipped example workbook, with the JSON it is generated from and its language.
const SHIPPED_WORKBOOKS: [(&str, &str, &str); 4] = [
    ("led-street-lighting.xlsx", "led-street-lighting.json", "en"),
    ("city-pipeline.xlsx", "city-pipeline.json", "en"),
    ("city-pipeline-zh.xlsx", "city-pipeline.json", "zh"),
    ("city-pipeline-eu.xlsx", "city-pipeline-eu.json", "en"),
];

#[test]
fn the_shipped_example_workbooks_are_their_json_examples_filled_in() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/workbooks/examples");
    for (workbook, json, lang) in SHIPPED_WORKBOOKS {
        let fresh = temp(&format!("fresh-{workbook}"));
        let json = format!("{examples}/{json}");
        let out = greenlight(
            &[
                "--lang",
                lang,
                "template",
                "--fill",
                &json,
                "-o",
                fresh.to_str().unwrap(),
            ],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let shipped = format!("{examples}/{workbook}");
        assert!(
            std::fs::read(&shipped).unwrap() == std::fs::read(&fresh).unwrap(),
            "workbooks/examples/{workbook} is stale: regenerate it with greenlight --lang {lang} template --fill"
        );
        // The workbook appraises to the same bytes as its JSON, input hashes included, so
        // nothing was lost or changed on the way through the template.
        let from_json = greenlight(&["appraise", "--format", "json", &json], "");
        let from_xlsx = greenlight(&["appraise", "--format", "json", &shipped], "");
        assert!(
            from_xlsx.status.success(),
            "{workbook}: {}",
            stderr(&from_xlsx)
        );
        assert!(
            stdout(&from_xlsx) == stdout(&from_json),
            "{workbook} does not appraise as its JSON"
        );
    }
}

#[test]
fn the_readme_main_command_appraises_the_city_workbook() {
    // `greenlight appraise workbooks/examples/city-pipeline.xlsx`, as the README runs it.
    let out = greenlight(&["appraise", CITY_WORKBOOK], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    for id in [
        "cn-zp-school-retrofit",
        "cn-zp-led-streetlights",
        "cn-zp-flood-wall",
    ] {
        assert!(table.contains(id), "{id} missing from:\n{table}");
    }
    // LED street lights at 6 % real: −4 000 000 in 2026, then 15 years of 959 400 savings
    // − 40 000 O&M; NPV = −4 000 000 + 919 400 · (1 − 1.06^−15)/0.06 = 4 929 441.72.
    assert!(table.contains("4929441.72 CNY"), "{table}");
    // Every project is judged under the China catalogue and the EU taxonomy.
    assert_eq!(
        table.matches("green-bond eligibility").count(),
        7,
        "{table}"
    );
}

/// The sensitivity analysis goes through the template both ways a finance officer sets it: a
/// portfolio default on the Settings sheet and a project's own variation in its Projects
/// column, with a project that takes the default through an empty section in Details.
#[test]
fn sensitivity_settings_go_through_the_template_unchanged() {
    let led: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(LED).unwrap()).unwrap();
    let mut own = led.clone();
    own["id"] = "led-own".into();
    own["sensitivity"] = serde_json::json!({ "variation": "0.2" });
    let mut empty = led.clone();
    empty["id"] = "led-default".into();
    empty["sensitivity"] = serde_json::json!({});
    let doc = serde_json::json!({
        "settings": { "defaults": { "sensitivity": { "variation": "0.05" } } },
        "projects": [led, own, empty]
    });
    let (from_xlsx, from_json) = appraised_both_ways("sensitivity", &doc);
    assert_eq!(from_xlsx, from_json);
    let v: serde_json::Value = serde_json::from_str(&from_xlsx).unwrap();
    let variations: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["appraisal"]["sensitivity"]["variation"].as_str().unwrap())
        .collect();
    assert_eq!(variations, ["0.05", "0.2", "0.05"]);
}

/// A batch default the Settings sheet cannot hold (it takes Projects columns only) is refused
/// by name rather than left out of the workbook; one it can hold (inflation, the study
/// period) gets its own row and reaches every project.
#[test]
fn a_batch_default_the_settings_sheet_cannot_hold_is_refused_by_name() {
    let led: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(LED).unwrap()).unwrap();
    let doc = serde_json::json!({
        "settings": { "defaults": { "emissions": { "gwp": "ipcc-ar6-gwp100" } } },
        "projects": [led.clone()]
    });
    let json = temp("unplaced-default.json");
    std::fs::write(&json, doc.to_string()).unwrap();
    let xlsx = temp("unplaced-default.xlsx");
    let out = greenlight(
        &[
            "template",
            "--fill",
            json.to_str().unwrap(),
            "-o",
            xlsx.to_str().unwrap(),
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("settings/defaults/emissions/gwp"),
        "{}",
        stderr(&out)
    );
    assert!(!xlsx.exists(), "no workbook is written");

    let mut nominal = led;
    nominal["finance"]["basis"] = "nominal".into();
    let doc = serde_json::json!({
        "settings": { "defaults": { "finance": { "inflation": "0.02" } } },
        "projects": [nominal]
    });
    let (from_xlsx, from_json) = appraised_both_ways("inflation-default", &doc);
    assert_eq!(from_xlsx, from_json);
    assert!(from_json.contains("\"inflation\": \"0.02\""));
}

/// `doc` written to a file, filled into the template, and both appraised as JSON: the answers
/// for the workbook and for the file.
fn appraised_both_ways(name: &str, doc: &serde_json::Value) -> (String, String) {
    let json = temp(&format!("{name}.json"));
    std::fs::write(&json, doc.to_string()).unwrap();
    let xlsx = temp(&format!("{name}.xlsx"));
    let (json, xlsx) = (json.to_str().unwrap(), xlsx.to_str().unwrap());
    let out = greenlight(&["template", "--fill", json, "-o", xlsx], "");
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let from_json = greenlight(&["appraise", "--format", "json", json], "");
    let from_xlsx = greenlight(&["appraise", "--format", "json", xlsx], "");
    assert!(from_xlsx.status.success(), "{name}: {}", stderr(&from_xlsx));
    (stdout(&from_xlsx), stdout(&from_json))
}
