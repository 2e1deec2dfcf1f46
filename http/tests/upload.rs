//! Workbook routes in process: the template, a filled workbook uploaded and appraised (JSON
//! or the results workbook), and hostile or malformed uploads, each answered with its status
//! while the service stays up.

use std::io::{Cursor, Read, Write};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Reader, Xlsx};
use greenlight_http::ServiceConfig;
use greenlight_workbooks::Lang;
use greenlight_workbooks::template::{Layout, write_filled};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::{app_with, rewrite_entry};

const LED: &str = include_str!("../../workbooks/examples/led-street-lighting.json");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn app() -> Router {
    app_with(ServiceConfig::default())
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body is read")
        .to_bytes()
        .to_vec();
    (status, content_type, body)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&body[..body.len().min(400)])
        )
    })
}

async fn assert_healthy(app: &Router) {
    let (status, _, _) = send(
        app,
        Request::get("/healthz")
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// A multipart/form-data body of `(name, filename, content)` parts.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "greenlight-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        write!(body, "--{boundary}\r\n").expect("write");
        match filename {
            Some(f) => write!(
                body,
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: {XLSX}\r\n\r\n"
            ),
            None => write!(body, "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        }
        .expect("write");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").expect("write");
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(parts: &[(&str, Option<&str>, &[u8])], accept: Option<&str>) -> Request<Body> {
    let (content_type, body) = multipart(parts);
    let mut request = Request::post("/v1/appraisals").header(header::CONTENT_TYPE, content_type);
    if let Some(a) = accept {
        request = request.header(header::ACCEPT, a);
    }
    request.body(Body::from(body)).expect("valid request")
}

/// The LED example written into the English portfolio template.
fn led_workbook() -> Vec<u8> {
    let led: Value = serde_json::from_str(LED).expect("the example is JSON");
    write_filled(&json!({"projects": [led]}), Lang::En, Layout::Portfolio)
        .expect("the template is filled")
}

#[tokio::test]
async fn the_template_is_served_in_both_languages() {
    let app = app();
    for (lang, sheet) in [("en", "Projects"), ("zh", "项目")] {
        let (status, content_type, body) = send(
            &app,
            Request::get(format!("/v1/templates/{lang}"))
                .body(Body::empty())
                .expect("valid request"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, XLSX);
        let book = Xlsx::new(Cursor::new(body)).expect("an xlsx workbook");
        assert!(
            book.sheet_names().iter().any(|s| s == sheet),
            "{:?}",
            book.sheet_names()
        );
    }
    let (status, _, body) = send(
        &app,
        Request::get("/v1/templates/fr")
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"]["code"], "unknown_language");
}

#[tokio::test]
async fn an_uploaded_workbook_is_appraised() {
    let app = app();
    let (status, content_type, body) = send(
        &app,
        upload(&[("file", Some("led.xlsx"), &led_workbook())], None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(content_type.starts_with("application/json"));
    let v = json_of(&body);
    assert!(v.get("problems").is_none(), "{v}");
    let npv = v["results"][0]["appraisal"]["financial"]["npv"]
        .as_str()
        .expect("NPV");
    // NPV 372 848.8278… at 6 %, worked by hand for the README example.
    assert!(npv.starts_with("372848.8278"), "{npv}");
}

#[tokio::test]
async fn a_bad_project_in_a_workbook_is_placed_on_its_cell() {
    let app = app();
    let mut led: Value = serde_json::from_str(LED).expect("the example is JSON");
    // Outside the 1–200 operating years the engine accepts.
    led["timeline"]["analysis_years"] = json!(0);
    let workbook = write_filled(&json!({"projects": [led]}), Lang::En, Layout::Portfolio)
        .expect("the template is filled");
    let (status, _, body) =
        send(&app, upload(&[("file", Some("bad.xlsx"), &workbook)], None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let v = json_of(&body);
    let error = &v["results"][0]["errors"][0];
    assert_eq!(
        error["pointer"], "/projects/0/timeline/analysis_years",
        "{v}"
    );
    assert!(
        error["location"]
            .as_str()
            .is_some_and(|l| l.starts_with("Projects!")),
        "{error}"
    );
}

#[tokio::test]
async fn an_upload_asking_for_xlsx_gets_the_results_workbook_in_its_language() {
    let app = app();
    let workbook = led_workbook();
    let (status, content_type, body) = send(
        &app,
        upload(
            &[("file", Some("led.xlsx"), &workbook), ("lang", None, b"zh")],
            Some(XLSX),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, XLSX);
    let book = Xlsx::new(Cursor::new(body)).expect("an xlsx workbook");
    assert!(
        book.sheet_names().iter().any(|s| s == "汇总"),
        "{:?}",
        book.sheet_names()
    );
}

#[tokio::test]
async fn hostile_and_malformed_uploads_are_refused_and_the_service_stays_up() {
    let app = app();
    let valid = led_workbook();
    // The template writes its strings inline, so the shared-string table comes from a small
    // workbook written the ordinary way.
    let with_strings = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Projects").expect("name");
        sheet.write_string(0, 0, "id").expect("write");
        sheet.write_string(1, 0, "p-1").expect("write");
        book.save_to_buffer().expect("save")
    };
    let fake_count = rewrite_entry(&with_strings, "xl/sharedStrings.xml", |xml| {
        let start = xml.find("uniqueCount=\"").expect("a uniqueCount") + "uniqueCount=\"".len();
        let end = start + xml[start..].find('"').expect("closing quote");
        format!("{}2000000000000{}", &xml[..start], &xml[end..])
    });
    let corner_cell = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Projects").expect("name");
        sheet.write_string(0, 0, "id").expect("write");
        sheet
            .write_number(1_048_575, 16_383, 1.0)
            .expect("the last cell of a sheet");
        book.save_to_buffer().expect("save")
    };
    for (what, file, code) in [
        (
            "a fake shared-string count",
            fake_count,
            "too_many_shared_strings",
        ),
        ("not a workbook", b"id,name\n1,x\n".to_vec(), ""),
        ("a cell at XFD1048576", corner_cell, ""),
    ] {
        let (status, _, body) = send(&app, upload(&[("file", Some("x.xlsx"), &file)], None)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            String::from_utf8_lossy(&body)
        );
        let e = &json_of(&body)["error"];
        if !code.is_empty() {
            assert_eq!(e["code"], code, "{what}: {e}");
        }
        assert!(e["location"].is_string(), "{what}: {e}");
        assert_healthy(&app).await;
    }

    // No file field.
    let (status, _, body) = send(&app, upload(&[("lang", None, b"en")], None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&body)["error"]["location"], "file");
    // An unknown field.
    let (status, _, body) = send(
        &app,
        upload(
            &[("file", Some("x.xlsx"), &valid), ("colour", None, b"red")],
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&body)["error"]["location"], "colour");
    // Settings that are not JSON.
    let (status, _, body) = send(
        &app,
        upload(
            &[("file", Some("x.xlsx"), &valid), ("settings", None, b"{")],
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["error"]["code"], "invalid_json");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn an_upload_over_its_limit_is_413() {
    let app = app_with(ServiceConfig {
        upload_body_limit: 1024,
        ..ServiceConfig::default()
    });
    let (status, _, body) = send(
        &app,
        upload(&[("file", Some("led.xlsx"), &led_workbook())], None),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_of(&body)["error"]["code"], "body_too_large");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_workbook_over_the_service_cell_limit_is_422_and_costs_only_its_request() {
    // The LED example's Projects sheet alone has a header row and a project row of more than
    // ten cells, so a limit of ten stops the read.
    let app = app_with(ServiceConfig {
        workbook_max_cells: 10,
        ..ServiceConfig::default()
    });
    let (status, _, body) = send(
        &app,
        upload(&[("file", Some("led.xlsx"), &led_workbook())], None),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(json_of(&body)["error"]["code"], "too_many_cells");
    assert_healthy(&app).await;
    // The same workbook under the default limits is appraised.
    let (status, _, _) = send(
        &app_with(ServiceConfig::default()),
        upload(&[("file", Some("led.xlsx"), &led_workbook())], None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// The LED workbook with `extra` incompressible bytes in one more archive part, so its size
/// can be set without changing what it holds.
fn padded(workbook: &[u8], extra: usize) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let name = entry.name().expect("a name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("the entry inflates");
        out.start_file(name, options).expect("an entry starts");
        out.write_all(&data).expect("the entry is written");
    }
    // xorshift: the same bytes every run, which deflate cannot shrink.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..extra)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    out.start_file("xl/media/image1.bin", options)
        .expect("an entry starts");
    out.write_all(&noise).expect("the entry is written");
    out.finish().expect("the zip closes").into_inner()
}

/// A workbook above 2 MiB (the web framework's own default limit for a multipart form) and
/// under the service's upload limit is appraised, not refused as too large.
#[tokio::test]
async fn an_upload_of_a_few_megabytes_within_the_limit_is_appraised() {
    let workbook = padded(&led_workbook(), 3 << 20);
    assert!(
        workbook.len() > 3 << 20 && workbook.len() < ServiceConfig::default().upload_body_limit
    );
    let app = app();
    let (status, _, body) =
        send(&app, upload(&[("file", Some("led.xlsx"), &workbook)], None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json_of(&body);
    assert_eq!(report["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["results"][0]["id"], "cn-dz-led-01");
}
