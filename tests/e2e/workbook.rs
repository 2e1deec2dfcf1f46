//! `greenlight template` and `greenlight appraise FILE.xlsx` as a user runs them.

use crate::{LED, greenlight, stderr, stdout};

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

#[test]
fn the_shipped_example_workbook_is_the_json_example_filled_in() {
    let fresh = temp("led-fresh.xlsx");
    let out = greenlight(
        &["template", "--fill", LED, "-o", fresh.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shipped = format!(
        "{}/workbooks/examples/led-street-lighting.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    assert!(
        std::fs::read(&shipped).unwrap() == std::fs::read(&fresh).unwrap(),
        "workbooks/examples/led-street-lighting.xlsx is stale: regenerate it with greenlight template --fill"
    );
}
