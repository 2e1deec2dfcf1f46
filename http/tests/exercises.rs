//! The exercise routes in process: the catalogue without keys, one exercise, an unknown one,
//! grading JSON answers and an uploaded answer workbook (a planted mistake diagnosed as
//! itself), rejected answer sheets located on their cell, and the blank answer workbook.
//!
//! Expected values come from the hand calculation in
//! `workbooks/exercises/03-lifecycle-pumps/NOTES.md` (booster pumps, 4 % real, replacement in
//! year 6, residual value at year 10):
//! - q1, PV of the replacement: 100,000 / 1.04⁶ = 100,000 / 1.265319 = 79031.452573;
//! - q3, lifecycle cost: 100,000 + 79031.452573 − 22518.805628 + 64887.166235 + 16221.791559
//!   = 237621.604739;
//! - mistake "forgot residual value" on q3: 237621.604739 + 22518.805628 = 260140.410367;
//! - mistake "ignored replacements" on q3: 237621.604739 − 79031.452573 = 158590.152166.

use std::io::Cursor;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use greenlight_http::ServiceConfig;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::app_with;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn app() -> Router {
    app_with(ServiceConfig::default())
}

/// Status, headers and body of the answer.
async fn send(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body is read")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&body[..body.len().min(400)])
        )
    })
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("valid request")
}

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// A multipart/form-data upload of one workbook in the field `file`.
fn upload(uri: &str, workbook: &[u8]) -> Request<Body> {
    let boundary = "greenlight-test-boundary-9c1e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answers.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(workbook);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("valid request")
}

/// An answer workbook as a trainee returns it: `Inputs!B1` names the exercise, `Answers`
/// holds `id | question | value | unit` rows, the values typed as numbers.
fn filled_workbook(exercise: &str, rows: &[(&str, f64)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let inputs = wb.add_worksheet().set_name("Inputs").expect("sheet name");
    inputs.write_string(0, 0, "exercise").expect("write");
    inputs.write_string(0, 1, exercise).expect("write");
    let sheet = wb.add_worksheet().set_name("Answers").expect("sheet name");
    for (c, h) in ["id", "question", "value", "unit"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for (i, (id, value)) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_string(r, 0, *id).expect("write");
        sheet.write_number(r, 2, *value).expect("write");
    }
    wb.save_to_buffer().expect("saved")
}

fn question<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("no question {id} in {report}"))
}

#[tokio::test]
async fn the_catalogue_is_listed_without_keys() {
    let (status, _, body) = send(&app(), get("/v1/exercises")).await;
    assert_eq!(status, StatusCode::OK);
    let list = json_of(&body);
    let list = list.as_array().expect("a list");
    // The thirteen exercises under workbooks/exercises/, numbered 01 to 13.
    assert_eq!(list.len(), 13);
    assert_eq!(list[12]["id"], "switching-values");
    assert_eq!(list[2]["id"], "lifecycle-pumps");
    assert_eq!(list[2]["number"], 3);
    let text = String::from_utf8_lossy(&body);
    // Neither the key nor a mistake's value of exercise 3 (NOTES.md) leaves the service.
    assert!(!text.contains("79031.45"), "a key is exposed");
    assert!(!text.contains("260140"), "a mistake's value is exposed");
    assert!(!text.contains("\"key\""), "a key field is exposed");
    assert!(!text.contains("\"mistakes\""), "the mistakes are exposed");
}

#[tokio::test]
async fn one_exercise_is_shown_by_id_or_number() {
    let app = app();
    for uri in ["/v1/exercises/lifecycle-pumps", "/v1/exercises/3"] {
        let (status, _, body) = send(&app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let v = json_of(&body);
        assert_eq!(v["id"], "lifecycle-pumps");
        assert_eq!(v["sector"], "water");
        let ids: Vec<&str> = v["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .map(|q| q["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, ["q1", "q2", "q3"]);
        assert_eq!(v["questions"][0]["unit"], "CNY");
        assert!(
            v["title"]["zh"]
                .as_str()
                .expect("zh title")
                .contains("增压泵")
        );
        assert!(!String::from_utf8_lossy(&body).contains("79031"));
    }
}

#[tokio::test]
async fn an_unknown_exercise_is_404_at_its_path_parameter() {
    let app = app();
    for request in [
        get("/v1/exercises/no-such-exercise"),
        get("/v1/exercises/99/workbook"),
        post_json(
            "/v1/exercises/no-such-exercise/check",
            &json!({"answers": {"q1": 1}}),
        ),
    ] {
        let (status, _, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let v = json_of(&body);
        assert_eq!(v["error"]["code"], "unknown_exercise", "{v}");
        assert_eq!(v["error"]["location"], "{id}");
        assert!(v["error"]["request_id"].is_string());
    }
}

#[tokio::test]
async fn json_answers_are_graded_and_a_planted_mistake_diagnosed() {
    let answers = json!({"exercise": 3, "answers": {
        // Right: 79031.452573 by hand, within the tolerance of 1 CNY.
        "q1": "79031.45",
        // Forgot the residual value: 260140.410367, rounded as a trainee would.
        "q3": 260140.41,
        "q2": null,
    }});
    let (status, _, body) = send(
        &app(),
        post_json("/v1/exercises/lifecycle-pumps/check", &answers),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json_of(&body);
    assert_eq!(report["exercise"], "lifecycle-pumps");
    assert_eq!(report["right"], 1);
    assert_eq!(report["total"], 3);
    let q1 = question(&report, "q1");
    assert_eq!(q1["status"], "right");
    assert_eq!(q1["location"], "/answers/q1");
    let expected = q1["expected"]
        .as_str()
        .expect("the key as a decimal string");
    assert!(expected.starts_with("79031.45"), "{expected}");
    assert_eq!(question(&report, "q2")["status"], "missing");
    let q3 = question(&report, "q3");
    assert_eq!(q3["status"], "wrong");
    assert_eq!(q3["location"], "/answers/q3");
    assert_eq!(q3["mistake"]["id"], "forgot_residual_value", "{q3}");
    // Keys of questions not answered right are held back unless the platform asks.
    assert!(q3.get("expected").is_none(), "{q3}");
    assert!(question(&report, "q2").get("expected").is_none());

    let (status, _, body) = send(
        &app(),
        post_json(
            "/v1/exercises/lifecycle-pumps/check?reveal_keys=true",
            &answers,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json_of(&body);
    let q3 = question(&report, "q3");
    let expected = q3["expected"]
        .as_str()
        .expect("the key as a decimal string");
    assert!(expected.starts_with("237621.60"), "{expected}");
}

#[tokio::test]
async fn bad_json_answers_are_rejected_with_their_pointer() {
    let app = app();
    // q7 is not a question of exercise 3.
    let (status, _, body) = send(
        &app,
        post_json(
            "/v1/exercises/lifecycle-pumps/check",
            &json!({"answers": {"q1": 79031.45, "q7": 1}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = json_of(&body);
    assert_eq!(v["error"]["code"], "unknown_question", "{v}");
    assert_eq!(v["error"]["location"], "/answers/q7");
    // The answers name another exercise than the path.
    let (status, _, body) = send(
        &app,
        post_json(
            "/v1/exercises/lifecycle-pumps/check",
            &json!({"exercise": 4, "answers": {"q1": 79031.45}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&body)["error"]["location"], "/exercise");
    // Not the answer shape.
    let (status, _, body) = send(
        &app,
        post_json(
            "/v1/exercises/lifecycle-pumps/check",
            &json!({"answer": {"q1": 1}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(&body)["error"]["location"].is_string());
}

#[tokio::test]
async fn an_uploaded_answer_workbook_is_graded() {
    let workbook = filled_workbook(
        "lifecycle-pumps",
        // q1 right; q3 with the replacement left out: 158590.152166 by hand.
        &[("q1", 79031.45), ("q2", 1.0), ("q3", 158590.15)],
    );
    let (status, _, body) = send(
        &app(),
        upload("/v1/exercises/lifecycle-pumps/check", &workbook),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json_of(&body);
    assert_eq!(report["right"], 1);
    let q1 = question(&report, "q1");
    assert_eq!(q1["status"], "right");
    assert_eq!(q1["location"], "Answers!C2");
    let q2 = question(&report, "q2");
    assert_eq!(q2["status"], "wrong");
    assert_eq!(q2["location"], "Answers!C3");
    let q3 = question(&report, "q3");
    assert_eq!(q3["status"], "wrong");
    assert_eq!(q3["location"], "Answers!C4");
    assert_eq!(q3["mistake"]["id"], "ignored_replacements", "{q3}");
}

#[tokio::test]
async fn the_downloaded_blank_workbook_grades_as_all_missing() {
    let app = app();
    let (status, _, blank) = send(&app, get("/v1/exercises/payback/workbook")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(&app, upload("/v1/exercises/payback/check", &blank)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json_of(&body);
    assert_eq!(report["exercise"], "payback");
    assert_eq!(report["right"], 0);
    for q in report["questions"].as_array().expect("questions") {
        assert_eq!(q["status"], "missing", "{q}");
    }
}

#[tokio::test]
async fn bad_answer_uploads_are_422_with_their_place() {
    let app = app();
    let duplicate = filled_workbook(
        "lifecycle-pumps",
        &[("q1", 79031.45), ("q2", 1.0), ("q1", 3.0)],
    );
    let mut no_sheet = rust_xlsxwriter::Workbook::new();
    no_sheet
        .add_worksheet()
        .set_name("Antworten")
        .expect("sheet name")
        .write_string(0, 0, "id")
        .expect("write");
    let no_sheet = no_sheet.save_to_buffer().expect("saved");
    for (workbook, code, location) in [
        // The second q1 is in row 4; the first in row 2.
        (duplicate, "duplicate_question", "Answers!A4"),
        (no_sheet, "missing_sheet", "Answers"),
        (b"id,value\nq1,79031.45\n".to_vec(), "", "file"),
    ] {
        let (status, _, body) = send(
            &app,
            upload("/v1/exercises/lifecycle-pumps/check", &workbook),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{location}");
        let v = json_of(&body);
        assert_eq!(v["error"]["location"], location, "{v}");
        if !code.is_empty() {
            assert_eq!(v["error"]["code"], code, "{v}");
        }
    }
    // The service is still up.
    let (status, _, _) = send(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_blank_answer_workbook_is_downloaded_in_both_languages() {
    let app = app();
    for (lang, question_header) in [("en", "question"), ("zh", "问题")] {
        let (status, headers, body) = send(
            &app,
            get(&format!(
                "/v1/exercises/lifecycle-pumps/workbook?lang={lang}"
            )),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], XLSX);
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"greenlight-exercise-03-lifecycle-pumps-{lang}.xlsx\"")
                .as_str()
        );
        let mut book = Xlsx::new(Cursor::new(body)).expect("an xlsx workbook");
        let inputs = book.worksheet_range("Inputs").expect("Inputs sheet");
        assert_eq!(
            inputs.get_value((0, 1)),
            Some(&Data::String("lifecycle-pumps".into()))
        );
        let answers = book.worksheet_range("Answers").expect("Answers sheet");
        assert_eq!(
            answers.get_value((0, 1)),
            Some(&Data::String(question_header.into()))
        );
        let ids: Vec<String> = (1..=3)
            .map(|r| answers.get_value((r, 0)).expect("id cell").to_string())
            .collect();
        assert_eq!(ids, ["q1", "q2", "q3"]);
        // The answer cells are blank.
        for r in 1..=3 {
            assert!(
                matches!(answers.get_value((r, 2)), None | Some(Data::Empty)),
                "row {r}"
            );
        }
    }
    let (status, _, body) = send(&app, get("/v1/exercises/3/workbook?lang=fr")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["error"]["location"], "?");
}
