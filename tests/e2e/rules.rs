//! `greenlight rules` as a policy analyst uses it: list the packs, run their cases, check a
//! project, load an edited pack from a folder.

use std::path::PathBuf;

use crate::{LED, greenlight, stderr, stdout};

fn temp_pack(name: &str, rule: &str, cases: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("greenlight-rules-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).expect("temp pack dir");
    std::fs::write(
        dir.join("pack.toml"),
        "id = \"city-pack\"\nname_en = \"City green list\"\nname_zh = \"城市绿色清单\"\nversion = \"0.1.0\"\ntaxonomy = \"icma\"\nsource_act = \"City decision\"\nedition = \"2026\"\neffective_from = \"2026-01-01\"\nverification = \"written by the city\"\n",
    )
    .expect("pack.toml");
    std::fs::write(dir.join("parameters.toml"), "[[parameters]]\nname = \"min_saving_mwh\"\nvalue = \"1000\"\nunit = \"MWh/yr\"\nclause = \"art. 2\"\nverification = \"V\"\n").expect("parameters");
    std::fs::write(dir.join("rules/lighting.rhai"), rule).expect("rule");
    std::fs::write(dir.join("rules/lighting.cases.yaml"), cases).expect("cases");
    dir
}

const RULE: &str = "//! id: city.lighting\n//! title_en: Street lighting saves enough\n//! title_zh: 路灯节能量足够\n//! clause: art. 2\n//! activities: street_lighting\n//! inputs: energy_saved_mwh_per_year\n//! parameters: min_saving_mwh\n//! verification: V\n//! source: City decision 2026\nlet s = p.energy_saved_mwh_per_year;\nif s == () { return insufficient_data([\"energy_saved_mwh_per_year\"]); }\nif s >= params.min_saving_mwh { eligible(`saves ${s} MWh`, `节能 ${s} MWh`) } else { not_eligible(`saves ${s} MWh`, `节能 ${s} MWh`) }\n";

#[test]
fn list_and_test_the_shipped_packs() {
    let out = greenlight(&["rules", "list"], "");
    assert!(out.status.success());
    assert!(stdout(&out).contains("eu-taxonomy-2021-2139"));
    let out = greenlight(&["rules", "test"], "");
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains(" 0 failed"));
}

#[test]
fn a_users_pack_is_tested_and_applied_to_a_project() {
    let dir = temp_pack(
        "ok",
        RULE,
        "- name: exactly at the bound\n  record: {activity: street_lighting, energy_saved_mwh_per_year: 1000}\n  expect: eligible\n",
    );
    let out = greenlight(&["rules", "test", dir.to_str().expect("path")], "");
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 passed, 0 failed"));
    // The LED example saves 1 149.975 MWh a year: eligible under the city's 1 000 MWh rule.
    let out = greenlight(
        &[
            "--rules",
            dir.to_str().expect("path"),
            "rules",
            "check",
            LED,
            "--pack",
            "city-pack",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("city.lighting") && text.contains("eligible"),
        "{text}"
    );
    assert!(text.contains("min_saving_mwh = 1000"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_case_is_shown_with_what_was_expected_and_exit_code_3() {
    let dir = temp_pack(
        "fail",
        RULE,
        "- name: wrong expectation\n  record: {activity: street_lighting, energy_saved_mwh_per_year: 10}\n  expect: eligible\n",
    );
    let out = greenlight(&["rules", "test", dir.to_str().expect("path")], "");
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(
        text.contains("- expected: eligible") && text.contains("+ got:      not_eligible"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_rule_names_its_file_and_line() {
    let dir = temp_pack(
        "broken",
        &RULE.replace("let s =", "let s = undefined_thing +"),
        "[]",
    );
    let out = greenlight(&["rules", "test", dir.to_str().expect("path")], "");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("rules/lighting.rhai:10:") && err.contains("city.lighting"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
