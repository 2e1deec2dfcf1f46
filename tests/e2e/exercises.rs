//! `greenlight exercise` and the exercise library: every key reproduced against the
//! independent hand calculation in the exercise's `NOTES.md`, every named mistake computed as
//! the notes compute it and diagnosed as itself, and bad answer documents rejected with their
//! place.

use std::str::FromStr;

use greenlight_core::registry::Registry;
use greenlight_rules::{EngineLimits, RuleSet};
use greenlight_workbooks::exercise::{
    self, Answer, AnswerValue, Exercise, KeyValue, Status, catalogue,
};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{greenlight, stderr, stdout};

/// Every question's answer as written (bold) in the exercise's NOTES.md, to the places shown
/// there; the test allows half a unit in the last place.
const KEYS: &[(&str, &str, &str)] = &[
    ("npv-led", "q1", "0.8396192830"),
    ("npv-led", "q2", "95214.584247"),
    ("npv-led", "q3", "1.0878163002"),
    ("irr-roots", "q1", "0.1000000000"),
    ("irr-roots", "q2", "0.2000000000"),
    ("irr-roots", "q3", "0.1890359168"),
    ("irr-roots", "q4", "0"),
    ("lifecycle-pumps", "q1", "79031.452573"),
    ("lifecycle-pumps", "q2", "22518.805628"),
    ("lifecycle-pumps", "q3", "237621.604739"),
    ("payback", "q1", "2.6000"),
    ("payback", "q2", "2.955584"),
    ("real-nominal", "q1", "0.0485436893"),
    ("real-nominal", "q2", "33696.843450"),
    ("grid-factors", "q1", "360.000"),
    ("grid-factors", "q2", "243.9360"),
    ("grid-factors", "q3", "219.927758"),
    ("grid-factors", "q4", "917.275838"),
    ("landfill-gas", "q1", "3345.208981"),
    ("landfill-gas", "q2", "1806.412850"),
    ("landfill-gas", "q3", "5592.493187"),
    ("cost-per-tonne", "q1", "454.935289"),
    ("cost-per-tonne", "q2", "474.249260"),
    ("cost-per-tonne", "q3", "244.575834"),
    ("cost-per-tonne", "q4", "ex08-b-old-town"),
    ("cost-per-tonne", "q5", "1740.0"),
    ("flood-ead", "q1", "510000.00"),
    ("flood-ead", "q2", "495000.00"),
    ("flood-ead", "q3", "667824.091363"),
    ("eligibility-cn-eu", "q1", "eligible"),
    ("eligibility-cn-eu", "q2", "not_eligible"),
    ("eligibility-cn-eu", "q3", "eligible"),
    ("green-bond", "q1", "not_eligible"),
    ("green-bond", "q2", "300.734075"),
    ("green-bond", "q3", "1080.0"),
    ("economic-grant", "q1", "483186.218738"),
    ("economic-grant", "q2", "-384196.810143"),
    ("switching-values", "q1", "156050.345387"),
    ("switching-values", "q2", "-0.175442"),
    ("switching-values", "q3", "0.260084"),
];

/// Every named mistake's value from the "Mistakes" table of the exercise's NOTES.md.
const MISTAKES: &[(&str, &str, &str, &str)] = &[
    ("npv-led", "q1", "discounted_year0", "0.792094"),
    ("npv-led", "q1", "mid_year_vs_end_year", "0.864441"),
    ("npv-led", "q2", "discounted_year0", "89825.079478"),
    ("npv-led", "q2", "mid_year_vs_end_year", "127592.428442"),
    ("irr-roots", "q1", "irr_other_root", "0.200000"),
    ("irr-roots", "q2", "irr_other_root", "0.100000"),
    ("irr-roots", "q3", "spreadsheet_npv_off_by_one", "0.164379"),
    ("lifecycle-pumps", "q1", "discounted_year0", "75991.781320"),
    (
        "lifecycle-pumps",
        "q3",
        "forgot_residual_value",
        "260140.410367",
    ),
    (
        "lifecycle-pumps",
        "q3",
        "ignored_replacements",
        "158590.152166",
    ),
    ("lifecycle-pumps", "q3", "discounted_year0", "228482.312249"),
    ("payback", "q1", "whole_year_payback", "3.000000"),
    ("payback", "q2", "simple_instead_of_discounted", "2.600000"),
    ("payback", "q2", "whole_year_payback", "3.000000"),
    ("real-nominal", "q1", "real_rate_by_subtraction", "0.050000"),
    (
        "real-nominal",
        "q2",
        "nominal_rate_on_real_flows",
        "-3180.973993",
    ),
    (
        "real-nominal",
        "q2",
        "real_rate_by_subtraction",
        "31892.575624",
    ),
    ("grid-factors", "q2", "national_grid_factor", "193.176000"),
    ("grid-factors", "q3", "constant_grid_factor", "228.996000"),
    ("grid-factors", "q3", "national_grid_factor", "183.451766"),
    ("grid-factors", "q4", "national_grid_factor", "754.839446"),
    ("grid-factors", "q4", "constant_grid_factor", "930.924000"),
    (
        "landfill-gas",
        "q1",
        "no_oxidation_correction",
        "3716.898867",
    ),
    (
        "landfill-gas",
        "q1",
        "no_decay_in_first_year",
        "2780.217514",
    ),
    (
        "landfill-gas",
        "q2",
        "no_oxidation_correction",
        "2007.125388",
    ),
    ("cost-per-tonne", "q2", "undiscounted_tonnes", "399.542082"),
    ("cost-per-tonne", "q3", "undiscounted_tonnes", "206.048477"),
    ("flood-ead", "q1", "no_tail", "450000.000000"),
    ("flood-ead", "q2", "damage_not_avoided", "510000.000000"),
    ("flood-ead", "q2", "no_tail", "445000.000000"),
    ("flood-ead", "q3", "damage_not_avoided", "783650.115301"),
    ("eligibility-cn-eu", "q1", "wrong_taxonomy", "not_eligible"),
    ("eligibility-cn-eu", "q2", "wrong_taxonomy", "eligible"),
    ("green-bond", "q2", "undiscounted_tonnes", "253.360265"),
    (
        "green-bond",
        "q3",
        "ineligible_project_chosen",
        "924.000000",
    ),
    ("economic-grant", "q1", "discounted_year0", "464602.133402"),
    (
        "economic-grant",
        "q2",
        "grant_in_economic_view",
        "415803.189857",
    ),
    (
        "switching-values",
        "q1",
        "discounted_year0",
        "150048.409026",
    ),
    (
        "switching-values",
        "q2",
        "undiscounted_switching_value",
        "-0.350000",
    ),
    (
        "switching-values",
        "q2",
        "switching_value_of_net_savings",
        "-0.206402",
    ),
    (
        "switching-values",
        "q3",
        "undiscounted_switching_value",
        "0.700000",
    ),
];

fn registry() -> Registry {
    Registry::embedded().expect("embedded data")
}

fn rules() -> RuleSet {
    RuleSet::shipped(EngineLimits::standard()).expect("shipped packs")
}

/// Whether `got` agrees with `written`, given to the places shown (half a unit in the last
/// place, plus a hair for the notes' own rounding).
fn agrees(got: &KeyValue, written: &str) -> bool {
    match (got, Decimal::from_str(written)) {
        (KeyValue::Number(g), Ok(w)) => {
            let half_ulp = Decimal::new(5, w.scale() + 1) + Decimal::new(1, 12);
            (*g - w).abs() <= half_ulp
        }
        (KeyValue::Text(g), Err(_)) => g == written,
        _ => false,
    }
}

fn find(id: &str) -> Exercise {
    exercise::find(id).expect("exercise in the catalogue")
}

#[test]
fn the_catalogue_has_every_exercise_numbered_in_order_with_notes_and_workbooks() {
    let all = catalogue().expect("catalogue");
    assert!(all.len() >= 13, "{} exercises", all.len());
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.number as usize, i + 1, "{}", e.id);
        assert!(e.folder.ends_with(&e.id), "{} in {}", e.id, e.folder);
        let dir = format!(
            "{}/workbooks/exercises/{}",
            env!("CARGO_MANIFEST_DIR"),
            e.folder
        );
        for file in ["NOTES.md", "answers.xlsx"] {
            assert!(
                std::path::Path::new(&format!("{dir}/{file}")).exists(),
                "{dir}/{file}"
            );
        }
        assert!(!e.brief.en.is_empty() && !e.brief.zh.is_empty());
        for q in &e.questions {
            assert!(
                !q.text.en.is_empty() && !q.text.zh.is_empty(),
                "{} {}",
                e.id,
                q.id
            );
        }
    }
}

#[test]
fn every_key_equals_the_hand_calculation_in_the_notes() {
    let (reg, judge) = (registry(), rules());
    let mut checked = 0;
    for e in catalogue().expect("catalogue") {
        let key = exercise::key(&e, &reg, &judge).expect("key computes");
        for k in &key {
            let written = KEYS
                .iter()
                .find(|(x, q, _)| *x == e.id && *q == k.id)
                .unwrap_or_else(|| panic!("{} {} has no value from the notes here", e.id, k.id));
            assert!(
                agrees(&k.value, written.2),
                "{} {}: engine {} vs notes {}",
                e.id,
                k.id,
                k.value,
                written.2
            );
            checked += 1;
        }
    }
    assert_eq!(checked, KEYS.len(), "every value from the notes is used");
}

#[test]
fn every_mistake_gives_the_value_of_the_notes_and_is_diagnosed_as_itself() {
    let (reg, judge) = (registry(), rules());
    let mut checked = 0;
    for e in catalogue().expect("catalogue") {
        let key = exercise::key(&e, &reg, &judge).expect("key");
        for (q, k) in e.questions.iter().zip(&key) {
            for m in &q.mistakes {
                let value =
                    exercise::mistaken_value(&e, q, m, &reg, &judge).expect("mistake computes");
                let written = MISTAKES
                    .iter()
                    .find(|(x, qq, mm, _)| *x == e.id && *qq == q.id && *mm == m.id)
                    .unwrap_or_else(|| panic!("{} {} {} not in the notes", e.id, q.id, m.id));
                let close = match (&value, Decimal::from_str(written.3)) {
                    (KeyValue::Number(v), Ok(w)) => (*v - w).abs() <= Decimal::new(5, 6),
                    (KeyValue::Text(v), Err(_)) => v == written.3,
                    _ => false,
                };
                assert!(
                    close,
                    "{} {} {}: engine {value} vs notes {}",
                    e.id, q.id, m.id, written.3
                );
                // Plant the mistaken value as the trainee's answer.
                let planted = match &value {
                    KeyValue::Number(d) => AnswerValue::Number(*d),
                    KeyValue::Text(t) => AnswerValue::Text(t.clone()),
                };
                let answers = [Answer {
                    id: q.id.clone(),
                    value: planted,
                    location: "Answers!C2".into(),
                    id_location: "Answers!A2".into(),
                }];
                let report = exercise::check(&e, &answers, &reg, &judge).expect("graded");
                let r = report
                    .questions
                    .iter()
                    .find(|r| r.id == q.id)
                    .expect("graded question");
                assert_eq!(
                    r.status,
                    Status::Wrong,
                    "{} {} {}: key {}",
                    e.id,
                    q.id,
                    m.id,
                    k.value
                );
                assert_eq!(
                    r.mistake.as_ref().map(|x| x.id.as_str()),
                    Some(m.id.as_str()),
                    "{} {} planted {}",
                    e.id,
                    q.id,
                    m.id
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        MISTAKES.len(),
        "every mistake from the notes is used"
    );
}

#[test]
fn right_answers_rounded_as_a_trainee_would_are_right() {
    let (reg, judge) = (registry(), rules());
    let e = find("npv-led");
    // Hand values of NOTES.md, rounded to 4 places, 2 places and 3 places.
    let answers = [
        Answer {
            id: "q1".into(),
            value: AnswerValue::Number(Decimal::new(8396, 4)),
            location: "Answers!C2".into(),
            id_location: "Answers!A2".into(),
        },
        Answer {
            id: "q2".into(),
            value: AnswerValue::Text("95,214.58".into()),
            location: "Answers!C3".into(),
            id_location: "Answers!A3".into(),
        },
        Answer {
            id: "q3".into(),
            value: AnswerValue::Number(Decimal::new(1088, 3)),
            location: "Answers!C4".into(),
            id_location: "Answers!A4".into(),
        },
    ];
    let report = exercise::check(&e, &answers, &reg, &judge).expect("graded");
    assert_eq!((report.right, report.total), (3, 3), "{report:#?}");
}

fn check_json(doc: &str) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("greenlight-ex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("answers-{}.json", doc.len()));
    std::fs::write(&path, doc).expect("write answers");
    greenlight(
        &[
            "exercise",
            "check",
            "--json",
            path.to_str().expect("utf-8 path"),
        ],
        "",
    )
}

#[test]
fn the_cli_grades_json_answers_and_names_the_mistake_and_the_step() {
    // q2 planted as the NPV with year 0 discounted (NOTES.md: 89,825.079478); q3 is text.
    let out = check_json(
        r#"{"exercise": 1, "answers": {"q1": 0.8396, "q2": 89825.08, "q3": "about one"}}"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    assert_eq!(v["exercise"], "npv-led");
    assert_eq!(v["right"], 1);
    let q = &v["questions"];
    assert_eq!(q[0]["status"], "right");
    assert_eq!(q[1]["status"], "wrong");
    assert_eq!(q[1]["mistake"]["id"], "discounted_year0");
    assert!(
        q[1]["mistake"]["step"]["en"]
            .as_str()
            .expect("step")
            .starts_with("Step 2")
    );
    assert_eq!(q[2]["status"], "unreadable");
    assert_eq!(q[2]["location"], "/answers/q3");
}

#[test]
fn an_unknown_question_id_rejects_the_answers_with_its_place_and_exit_code_3() {
    let out = check_json(r#"{"exercise": "payback", "answers": {"q1": 2.6, "q9": 1}}"#);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("/answers/q9") && err.contains("no question \"q9\""),
        "{err}"
    );
}

#[test]
fn duplicate_answers_to_one_question_are_rejected_naming_both_cells() {
    let (reg, judge) = (registry(), rules());
    let e = find("payback");
    let answers = [
        Answer {
            id: "q1".into(),
            value: AnswerValue::Number(Decimal::new(26, 1)),
            location: "Answers!C2".into(),
            id_location: "Answers!A2".into(),
        },
        Answer {
            id: "q1".into(),
            value: AnswerValue::Number(Decimal::new(3, 0)),
            location: "Answers!C5".into(),
            id_location: "Answers!A5".into(),
        },
    ];
    let err = exercise::check(&e, &answers, &reg, &judge).expect_err("rejected");
    assert_eq!(err.code, "duplicate_question");
    assert_eq!(err.location, "Answers!A5");
    assert!(err.message.contains("Answers!A2"), "{err}");
}

#[test]
fn list_show_and_key_work_in_both_languages() {
    let out = greenlight(&["exercise", "list"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).lines().count() >= 12);
    let out = greenlight(&["exercise", "show", "2", "--lang", "zh"], "");
    assert!(
        stdout(&out).contains("内部收益率的陷阱"),
        "{}",
        stdout(&out)
    );
    let out = greenlight(&["exercise", "key", "irr-roots", "--json"], "");
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON key");
    assert_eq!(v[0]["value"], "0.1");
    let out = greenlight(&["exercise", "show", "99"], "");
    assert_eq!(out.status.code(), Some(3));
}

/// The committed answer workbooks are what the tool writes now (fixed document properties make
/// the bytes stable). `GREENLIGHT_UPDATE_EXERCISES=1 cargo test --test e2e exercises` rewrites
/// them.
#[test]
fn the_committed_answer_workbooks_are_current() {
    let update = std::env::var_os("GREENLIGHT_UPDATE_EXERCISES").is_some();
    for e in catalogue().expect("catalogue") {
        let path = format!(
            "{}/workbooks/exercises/{}/answers.xlsx",
            env!("CARGO_MANIFEST_DIR"),
            e.folder
        );
        let fresh = exercise::answer_workbook(&e, greenlight_workbooks::Lang::En).expect("written");
        if update {
            std::fs::write(&path, &fresh).expect("rewrite");
            continue;
        }
        let committed = std::fs::read(&path).expect("committed workbook");
        assert!(
            committed == fresh,
            "{path} is stale: run GREENLIGHT_UPDATE_EXERCISES=1 cargo test --test e2e exercises"
        );
    }
}

/// A cell a test types into the answer workbook.
enum Typed<'a> {
    Number(f64),
    Text(&'a str),
}

/// An answer workbook as a trainee returns it: `Inputs!B1` names the exercise (when given),
/// `Answers` holds `id | question | value | unit` rows. Written to a fresh file.
fn filled_workbook(
    name: &str,
    exercise: Option<&str>,
    answers_sheet: &str,
    rows: &[(&str, Typed<'_>)],
) -> String {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let inputs = wb.add_worksheet().set_name("Inputs").expect("sheet name");
    inputs.write_string(0, 0, "exercise").expect("write");
    if let Some(id) = exercise {
        inputs.write_string(0, 1, id).expect("write");
    }
    let sheet = wb
        .add_worksheet()
        .set_name(answers_sheet)
        .expect("sheet name");
    for (c, h) in ["id", "question", "value", "unit"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (i, (id, value)) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_string(r, 0, *id).expect("write");
        match value {
            Typed::Number(n) => sheet.write_number(r, 2, *n).expect("write"),
            Typed::Text(t) => sheet.write_string(r, 2, *t).expect("write"),
        };
    }
    let dir = std::env::temp_dir().join(format!("greenlight-ex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    wb.save(&path).expect("save");
    path.to_str().expect("utf-8 path").to_owned()
}

fn check_file(path: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["exercise", "check", "--json", path];
    args.extend_from_slice(extra);
    greenlight(&args, "")
}

#[test]
fn planted_mistakes_in_an_answer_workbook_are_diagnosed() {
    // Values from the Mistakes tables of the NOTES.md files, rounded as a trainee would.
    let cases: &[(&str, &str, f64, &str)] = &[
        ("lifecycle-pumps", "q3", 260140.41, "forgot_residual_value"),
        ("lifecycle-pumps", "q1", 75991.78, "discounted_year0"),
        ("real-nominal", "q2", -3180.97, "nominal_rate_on_real_flows"),
        ("grid-factors", "q2", 193.176, "national_grid_factor"),
        ("cost-per-tonne", "q2", 399.54, "undiscounted_tonnes"),
        ("irr-roots", "q1", 0.2, "irr_other_root"),
        ("irr-roots", "q3", 0.16438, "spreadsheet_npv_off_by_one"),
        ("economic-grant", "q2", 415803.19, "grant_in_economic_view"),
        ("flood-ead", "q1", 450000.0, "no_tail"),
        ("landfill-gas", "q1", 3716.9, "no_oxidation_correction"),
        (
            "switching-values",
            "q2",
            -0.2064,
            "switching_value_of_net_savings",
        ),
        (
            "switching-values",
            "q3",
            0.7,
            "undiscounted_switching_value",
        ),
    ];
    for (i, (ex, q, value, mistake)) in cases.iter().enumerate() {
        let path = filled_workbook(
            &format!("planted-{i}.xlsx"),
            Some(ex),
            "Answers",
            &[(q, Typed::Number(*value))],
        );
        let out = check_file(&path, &[]);
        assert!(out.status.success(), "{ex} {q}: {}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
        let graded = v["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .find(|r| r["id"] == *q)
            .expect("the question")
            .clone();
        assert_eq!(graded["status"], "wrong", "{ex} {q}: {graded}");
        assert_eq!(graded["mistake"]["id"], *mistake, "{ex} {q}: {graded}");
        assert_eq!(graded["location"], "Answers!C2");
    }
}

#[test]
fn a_workbook_of_right_answers_is_all_right_in_text_output() {
    // NOTES.md of exercise 9: 510,000; 495,000; 667,824.09.
    let path = filled_workbook(
        "flood-right.xlsx",
        Some("flood-ead"),
        "Answers",
        &[
            ("q1", Typed::Number(510000.0)),
            ("q2", Typed::Text("495000")),
            ("q3", Typed::Number(667824.09)),
        ],
    );
    let out = greenlight(&["exercise", "check", &path], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("3/3 right"), "{}", stdout(&out));
}

#[test]
fn text_in_a_value_cell_is_unreadable_at_its_cell() {
    let path = filled_workbook(
        "text.xlsx",
        None,
        "Answers",
        &[
            ("q1", Typed::Number(2.6)),
            ("q2", Typed::Text("about three years")),
        ],
    );
    let out = check_file(&path, &["--exercise", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    assert_eq!(v["questions"][0]["status"], "right");
    assert_eq!(v["questions"][1]["status"], "unreadable");
    assert_eq!(v["questions"][1]["location"], "Answers!C3");
}

#[test]
fn bad_answer_workbooks_are_rejected_with_the_place_and_exit_code_3() {
    let no_sheet = filled_workbook(
        "no-sheet.xlsx",
        Some("payback"),
        "Antworten",
        &[("q1", Typed::Number(2.6))],
    );
    let unknown = filled_workbook(
        "unknown.xlsx",
        Some("payback"),
        "Answers",
        &[("q1", Typed::Number(2.6)), ("q7", Typed::Number(1.0))],
    );
    let duplicate = filled_workbook(
        "duplicate.xlsx",
        Some("payback"),
        "Answers",
        &[
            ("q1", Typed::Number(2.6)),
            ("q2", Typed::Number(2.96)),
            ("q1", Typed::Number(3.0)),
        ],
    );
    let unnamed = filled_workbook(
        "unnamed.xlsx",
        None,
        "Answers",
        &[("q1", Typed::Number(2.6))],
    );
    let not_a_workbook = {
        let dir = std::env::temp_dir().join(format!("greenlight-ex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("plain.xlsx");
        std::fs::write(&p, "id,value\nq1,2.6\n").expect("write");
        p.to_str().expect("utf-8").to_owned()
    };
    for (path, expected) in [
        (
            &no_sheet,
            "Answers: the workbook has no sheet named Answers (its sheets: Inputs, Antworten)",
        ),
        (
            &unknown,
            "Answers!A3: exercise payback has no question \"q7\"",
        ),
        (
            &duplicate,
            "Answers!A4: question \"q1\" is answered twice, also at Answers!A2",
        ),
        (
            &unnamed,
            "Inputs!B1: the workbook does not say which exercise it answers",
        ),
        (&not_a_workbook, "plain.xlsx"),
    ] {
        let out = check_file(path, &[]);
        assert_eq!(out.status.code(), Some(3), "{path}: {}", stdout(&out));
        assert!(stderr(&out).contains(expected), "{path}: {}", stderr(&out));
    }
}

#[test]
fn the_worked_solution_shows_the_clause_threshold_and_comparison_and_rounded_results() {
    let project = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/workbooks/exercises/10-eligibility-cn-eu/project.json"
    );
    let out = greenlight(&["appraise", "--explain", project], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // NPV by hand: −3,000,000 + 260,000 × a(10, 5 %) = −3,000,000 + 260,000 × 7.721734929
    // = −992,348.92.
    for expected in [
        "Worked solution",
        "clause: Annex I 7.2, technical screening criteria (a) or (b)",
        "threshold renovation_ped_reduction_min_pct = 30 %",
        "input ped_after_kwh_m2_yr = 135",
        "comparison: (b) fails: primary energy demand reduced by 25 % without renewables, below 30 %",
        "result: -992348.92 CNY (exact -992348.918411948746",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let out = greenlight(&["--lang", "zh", "appraise", "--explain", project], "");
    let text = stdout(&out);
    for expected in [
        "解题步骤",
        "条款: Annex I 7.2",
        "比较: ",
        "结果: -992348.92 CNY (精确值",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn the_solution_command_works_each_project_then_gives_the_key() {
    let out = greenlight(&["exercise", "solution", "lifecycle-pumps"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // NOTES.md of exercise 3: replacement 79,031.452573, LCC 237,621.604739.
    for expected in [
        "── project.json ──",
        "Worked solution",
        "q1   79031.452573 CNY",
        "q3   237621.604739 CNY",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn a_rate_written_in_percent_for_a_fraction_is_named_as_a_unit_slip() {
    let (reg, judge) = (registry(), rules());
    let e = find("real-nominal");
    // NOTES.md of exercise 5: real rate 0.0485436893, typed as 4.854 (percent).
    let answers = [Answer {
        id: "q1".into(),
        value: AnswerValue::Number(Decimal::new(4854, 3)),
        location: "Answers!C2".into(),
        id_location: "Answers!A2".into(),
    }];
    let report = exercise::check(&e, &answers, &reg, &judge).expect("graded");
    let q1 = &report.questions[0];
    assert_eq!(q1.status, Status::Wrong);
    assert_eq!(
        q1.mistake.as_ref().map(|m| m.id.as_str()),
        Some("percent_for_fraction")
    );
}

#[test]
fn a_blank_committed_answer_workbook_names_its_exercise_and_grades_as_all_missing() {
    for folder in ["01-npv-led", "10-eligibility-cn-eu"] {
        let path = format!(
            "{}/workbooks/exercises/{folder}/answers.xlsx",
            env!("CARGO_MANIFEST_DIR")
        );
        let out = check_file(&path, &[]);
        assert!(out.status.success(), "{folder}: {}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
        assert!(folder.ends_with(v["exercise"].as_str().expect("id")));
        assert_eq!(v["right"], 0);
        for q in v["questions"].as_array().expect("questions") {
            assert_eq!(q["status"], "missing", "{folder}: {q}");
        }
    }
}
