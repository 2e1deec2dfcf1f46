//! `greenlight calc`, for people and in batch. Expected figures are the published spreadsheet
//! documentation examples (see `core/tests/it/published.rs` for the citations).

use serde_json::Value;

use crate::{greenlight, stderr, stdout};

#[test]
fn npv_for_people_shows_the_rounded_figure_and_the_convention() {
    let out = greenlight(
        &[
            "calc",
            "npv",
            "--rate",
            "0.1",
            "--convention",
            "spreadsheet",
            "-10000",
            "3000",
            "4200",
            "6800",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1188.44"), "{text}");
    assert!(text.contains("first value discounted one period"), "{text}");
}

#[test]
fn irr_for_people_lists_every_root_in_chinese() {
    let out = greenlight(
        &[
            "--lang", "zh", "calc", "irr", "-50", "-100", "600", "300", "-100",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("多个解"), "{text}");
    assert!(
        text.contains("-76.8895%") && text.contains("185.4418%"),
        "{text}"
    );
}

#[test]
fn irr_as_json_carries_roots_flag_and_selected() {
    let out = greenlight(
        &[
            "calc", "irr", "--json", "-70000", "12000", "15000", "18000", "21000", "26000",
        ],
        "",
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    assert_eq!(v["fn"], "irr");
    assert_eq!(v["flag"], "unique");
    let selected: f64 = v["selected"]
        .as_str()
        .expect("rates are strings")
        .parse()
        .expect("a number");
    assert!((selected - 0.0866).abs() < 5e-5);
    assert_eq!(v["roots"].as_array().map(Vec::len), Some(1));
}

#[test]
fn xirr_takes_amount_at_date_pairs() {
    let out = greenlight(
        &[
            "calc",
            "xirr",
            "-10000@2008-01-01",
            "2750@2008-03-01",
            "4250@2008-10-30",
            "3250@2009-02-15",
            "2750@2009-04-01",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("37.3363%"));
}

#[test]
fn a_bad_argument_is_one_line_on_stderr_with_exit_code_3() {
    let out = greenlight(&["calc", "irr", "-1000", "abc"], "");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/values/1"), "{err}");
}

#[test]
fn batch_answers_every_line_in_order_and_a_bad_line_never_stops_it() {
    let input = [
        r#"{"fn":"npv","rate":"0.1","values":["-10000","3000","4200","6800"],"convention":"spreadsheet"}"#,
        r#"{"fn":"irr","values":[-100,230,-132]}"#,
        "not json",
        r#"{"fn":"npv","rate":"-1","values":[1,2]}"#,
        r#"{"fn":"unknown"}"#,
        r#"{"values":[1]}"#,
        r#"{"fn":"pmt","rate":0.08,"nper":0,"pv":1000}"#,
        r#"{"fn":"npv","rate":"0.1","values":["1"],"extra":true}"#,
        r#"{"fn":"xnpv","rate":"0.1","values":[-1,2],"dates":["2020-01-01","2019-01-01"]}"#,
        r#"{"fn":"npv","rate":"0.1","values":[1e40]}"#,
        r#"{"fn":"mirr","values":[100,200],"finance_rate":0.1,"reinvest_rate":0.1}"#,
        "",
        r#"{"fn":"fv","rate":"0","nper":"10","pmt":"-100"}"#,
    ]
    .join("\n");
    let out = greenlight(&["calc", "--batch", "-"], &input);
    assert_eq!(out.status.code(), Some(3), "some lines are errors");
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each answer is JSON"))
        .collect();
    assert_eq!(lines.len(), 13, "one answer per input line");
    for (i, answer) in lines.iter().enumerate() {
        assert_eq!(answer["line"], i + 1);
    }
    let code = |i: usize| lines[i]["error"]["code"].as_str().unwrap_or("").to_owned();
    let pointer = |i: usize| {
        lines[i]["error"]["pointer"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        lines[0]["result"]["value"]
            .as_str()
            .expect("value")
            .starts_with("1188.443412335")
    );
    assert_eq!(
        lines[1]["result"]["roots"],
        serde_json::json!(["0.1", "0.2"])
    );
    assert_eq!(lines[1]["result"]["flag"], "multiple");
    assert_eq!(code(2), "invalid_json");
    assert_eq!(
        (code(3), pointer(3)),
        ("invalid_argument".into(), "/rate".into())
    );
    assert_eq!(code(4), "invalid_request");
    assert_eq!(
        (code(5), pointer(5)),
        ("invalid_request".into(), "/fn".into())
    );
    assert_eq!(
        (code(6), pointer(6)),
        ("invalid_argument".into(), "/nper".into())
    );
    assert_eq!(
        (code(7), pointer(7)),
        ("invalid_request".into(), "/extra".into())
    );
    assert_eq!(
        (code(8), pointer(8)),
        ("invalid_argument".into(), "/dates/1".into())
    );
    assert_eq!(
        (code(9), pointer(9)),
        ("invalid_request".into(), "/values/0".into())
    );
    assert_eq!(lines[10]["result"]["finding"]["code"], "no_negative_flow");
    assert_eq!(code(11), "invalid_request");
    assert_eq!(lines[12]["result"]["value"], "1000");
}

#[test]
fn json_numbers_are_read_by_their_shortest_decimal_form() {
    // 0.1 as a JSON number is the f64 nearest 0.1; its shortest form is exactly "0.1", so the
    // answer equals the one for the string "0.1".
    let input = "{\"fn\":\"npv\",\"rate\":0.1,\"values\":[-100,110.1]}\n{\"fn\":\"npv\",\"rate\":\"0.1\",\"values\":[\"-100\",\"110.1\"]}\n";
    let out = greenlight(&["calc", "--batch", "-"], input);
    assert!(out.status.success());
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[0]["result"]["value"], lines[1]["result"]["value"]);
    // −100 + 110.1/1.1 = 0.090909…
    assert!(
        lines[0]["result"]["value"]
            .as_str()
            .expect("value")
            .starts_with("0.0909090909090909")
    );
}

#[test]
fn a_missing_batch_file_is_exit_code_1() {
    let out = greenlight(&["calc", "--batch", "does-not-exist.jsonl"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot open"));
}
