//! Workbook uploads answered as a stream: the streamed JSON is byte for byte the answer of
//! the whole document imported, appraised and serialised at once (assembled here the way
//! the service did before it streamed); failures the file's checks find come as 422 before
//! any 200; a failure found after the answer began cuts the body; the results workbook is
//! bounded by `workbook_answer_max_projects`; a streaming request keeps its concurrency
//! place until its answer is taken.

use std::io::Write;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::Reader;
use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{EligibilityJudge, appraise_json};
use greenlight_http::ServiceConfig;
use greenlight_http::api::{AppraisalReport, WorkbookProblem};
use greenlight_workbooks::template::{Layout, write_filled};
use greenlight_workbooks::{Lang, ReportOptions, WorkbookLimits, import_workbook};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::{app_with, shared};

const LED: &str = include_str!("../../workbooks/examples/led-street-lighting.json");
const CITY: &[u8] = include_bytes!("../../workbooks/examples/city-pipeline.xlsx");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const BOUNDARY: &str = "greenlight-stream-boundary-51c2";

/// A multipart/form-data upload of `file`, with `settings` when given.
fn upload(
    file: &[u8],
    settings: Option<&Value>,
    accept: Option<&str>,
    query: &str,
) -> Request<Body> {
    let mut request = Request::post(format!("/v1/appraisals{query}")).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(a) = accept {
        request = request.header(header::ACCEPT, a);
    }
    request
        .body(Body::from(form(file, settings)))
        .expect("valid request")
}

/// The multipart/form-data body of an upload (boundary [`BOUNDARY`]).
fn form(file: &[u8], settings: Option<&Value>) -> Vec<u8> {
    let boundary = BOUNDARY;
    let mut body = Vec::new();
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n"
    )
    .expect("write");
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n");
    if let Some(settings) = settings {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"settings\"\r\n\r\n{settings}\r\n"
        )
        .expect("write");
    }
    write!(body, "--{boundary}--\r\n").expect("write");
    body
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body is read whole")
        .to_bytes()
        .to_vec();
    (status, body)
}

/// `count` copies of the LED example with their own ids and discount rates (3 % to 7 %);
/// every eleventh with zero operating years, which the engine rejects (an error placed on
/// its cell); every fiftieth repeating the id before it, which the import leaves out (a cell
/// problem and a project rejected).
fn portfolio(count: usize) -> Vec<u8> {
    let led: Value = serde_json::from_str(LED).expect("the example is JSON");
    let projects: Vec<Value> = (0..count)
        .map(|i| {
            let mut p = led.clone();
            p["id"] = json!(format!("led-{i:04}"));
            p["finance"]["discount_rate"] = json!(format!("0.0{}", 3 + i % 5));
            if i % 11 == 5 {
                p["timeline"]["analysis_years"] = json!(0);
            }
            if i % 50 == 49 {
                p["id"] = json!(format!("led-{:04}", i - 1));
            }
            p
        })
        .collect();
    write_filled(
        &json!({ "projects": projects }),
        Lang::En,
        Layout::Portfolio,
    )
    .expect("the template is filled")
}

/// The answer as the service assembled it before it streamed: the workbook imported whole,
/// the request's settings put in place of its Settings sheet, the document appraised at once,
/// every error placed on its cell, and the report serialised as `axum::Json` does.
fn whole_document_answer(
    bytes: &[u8],
    settings: Option<&Value>,
    options: &AppraisalOptions,
    limits: &WorkbookLimits,
) -> Vec<u8> {
    let (registry, rules) = shared();
    let imported = import_workbook(bytes, limits).expect("the workbook is read");
    let mut problems: Vec<WorkbookProblem> =
        imported.problems.iter().map(WorkbookProblem::of).collect();
    for id in &imported.rejected {
        problems.push(WorkbookProblem {
            code: "project_rejected".into(),
            location: None,
            message: format!("project {id:?} was not appraised because of the problems above"),
        });
    }
    let mut document = imported.document.clone();
    if let Some(settings) = settings {
        document["settings"] = settings.clone();
    }
    let judge: &dyn EligibilityJudge = rules.as_ref();
    let mut output =
        appraise_json(document, &registry, options, Some(judge)).expect("the batch is read");
    imported.place_all(&mut output);
    serde_json::to_vec(&AppraisalReport { output, problems }).expect("serialises")
}

#[tokio::test]
async fn the_streamed_answer_is_the_whole_document_answer_byte_for_byte() {
    let app = app_with(ServiceConfig::default());
    let limits = ServiceConfig::default().workbook_limits();
    let generated = portfolio(300);
    let settings = json!({"taxonomies": ["eu", "cbi"]});
    let plain = AppraisalOptions { trace: false };
    let explained = AppraisalOptions { trace: true };
    for (what, file, settings, options, query) in [
        ("the example workbook", CITY, None, &plain, ""),
        (
            "the example workbook with its working",
            CITY,
            None,
            &explained,
            "?explain=true",
        ),
        ("300 generated projects", &generated[..], None, &plain, ""),
        (
            "300 generated projects with the request's settings",
            &generated[..],
            Some(&settings),
            &plain,
            "",
        ),
    ] {
        let expected = whole_document_answer(file, settings, options, &limits);
        let (status, body) = send(&app, upload(file, settings, None, query)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{what}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(body == expected, "{what}: the streamed answer differs");
        let v: Value = serde_json::from_slice(&body).expect("JSON");
        if file.len() == generated.len() {
            // The generated portfolio exercises every part of the answer.
            assert_eq!(
                v["results"].as_array().map(Vec::len),
                Some(300 - 12),
                "{what}: six repeated ids, each left out with the project it repeats"
            );
            assert!(v["mac_curve"].is_object(), "{what}");
            // Six `duplicate_id` at their cells, then a `project_rejected` per project left out.
            assert_eq!(
                v["problems"].as_array().map(Vec::len),
                Some(6 + 12),
                "{what}: {}",
                v["problems"]
            );
            assert!(
                v["results"][5]["errors"][0]["location"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("Projects!")),
                "{what}: {}",
                v["results"][5]
            );
        }
    }
}

#[tokio::test]
async fn failures_found_before_the_first_outcome_are_answered_with_their_status() {
    // The archive check: the sheets inflate beyond the entry cap.
    let app = app_with(ServiceConfig {
        workbook_max_inflated_bytes: 2048,
        ..ServiceConfig::default()
    });
    let (status, body) = send(&app, upload(&portfolio(3), None, None, "")).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let e: Value = serde_json::from_slice(&body).expect("the error shape");
    assert_eq!(e["error"]["code"], "archive_too_large", "{e}");
    assert!(e["error"]["location"].is_string(), "{e}");

    // Settings core cannot read, given with the request.
    let app = app_with(ServiceConfig::default());
    let (status, body) = send(
        &app,
        upload(&portfolio(3), Some(&json!({"colour": "green"})), None, ""),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let e: Value = serde_json::from_slice(&body).expect("the error shape");
    assert_eq!(e["error"]["location"], "/settings/colour", "{e}");

    // A workbook whose projects are all left out has no outcome: its answer is sent whole
    // at the end, with the problems.
    let led: Value = serde_json::from_str(LED).expect("JSON");
    let twins = write_filled(
        &json!({ "projects": [led, led] }),
        Lang::En,
        Layout::Portfolio,
    )
    .expect("filled");
    let (status, body) = send(&app, upload(&twins, None, None, "")).await;
    assert_eq!(status, StatusCode::OK);
    let expected = whole_document_answer(
        &twins,
        None,
        &AppraisalOptions { trace: false },
        &ServiceConfig::default().workbook_limits(),
    );
    assert!(body == expected, "{}", String::from_utf8_lossy(&body));
}

/// The non-empty cells of the sheets the import reads (all but Help).
fn cells_read(bytes: &[u8]) -> u64 {
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let names: Vec<String> = book.sheet_names().to_vec();
    names
        .iter()
        .filter(|n| *n != "Help")
        .map(|n| {
            book.worksheet_range(n)
                .expect("the sheet reads")
                .used_cells()
                .count() as u64
        })
        .sum()
}

/// The workbook with a formula's cell (its cached text beside it) at the end of CashFlows'
/// header row (`xl/worksheets/sheet2.xml`: the template's second sheet). A sheet holding a
/// formula is read by calamine's reader, which counts its cells as it reads them, so a cell
/// cap below the workbook's count is found late; a plain sheet's cells are counted by the
/// quick pass, and such a workbook is refused before any answer.
fn with_a_formula_in_cash_flows(bytes: &[u8]) -> Vec<u8> {
    support::rewrite_entry(bytes, "xl/worksheets/sheet2.xml", |xml| {
        xml.replacen(
            "</row>",
            "<c r=\"AZ1\" t=\"str\"><f>\"late\"</f><v>late</v></c></row>",
            1,
        )
    })
}

#[tokio::test]
async fn a_workbook_over_the_cell_cap_is_refused_before_the_answer_begins() {
    let file = portfolio(500);
    let cells = cells_read(&file);
    let app = app_with(ServiceConfig {
        workbook_max_cells: cells - 1,
        ..ServiceConfig::default()
    });
    let (status, body) = send(&app, upload(&file, None, None, "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_slice(&body).expect("an error in JSON");
    assert_eq!(error["error"]["code"], "too_many_cells", "{error}");
}

#[tokio::test]
async fn a_file_found_unreadable_after_the_answer_began_cuts_the_body() {
    let file = with_a_formula_in_cash_flows(&portfolio(500));
    let cells = cells_read(&file);
    // The cap is passed by the last cell read, long after the first projects were appraised
    // and passed on: the reader cannot run more than a few hundred projects ahead of the
    // appraisal, and those are far fewer than 500.
    let limits = |max_cells| WorkbookLimits {
        max_cells,
        ..ServiceConfig::default().workbook_limits()
    };
    assert!(import_workbook(&file, &limits(cells)).is_ok());
    let e = import_workbook(&file, &limits(cells - 1)).expect_err("one cell too many");
    assert_eq!(e.code, "too_many_cells");
    let complete = whole_document_answer(
        &file,
        None,
        &AppraisalOptions { trace: false },
        &limits(cells),
    );

    let app = app_with(ServiceConfig {
        workbook_max_cells: cells - 1,
        ..ServiceConfig::default()
    });
    let response = app
        .clone()
        .oneshot(upload(&file, None, None, ""))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut received = Vec::new();
    let failed = loop {
        match body.frame().await {
            Some(Ok(frame)) => received.extend_from_slice(frame.data_ref().map_or(&[][..], |d| d)),
            Some(Err(_)) => break true,
            None => break false,
        }
    };
    assert!(failed, "the body ends with an error, not as if complete");
    assert!(!received.is_empty());
    assert!(
        complete.starts_with(&received) && received.len() < complete.len(),
        "what was sent is the beginning of the answer"
    );
    assert!(serde_json::from_slice::<Value>(&received).is_err());
}

#[tokio::test]
async fn the_results_workbook_is_written_within_its_project_limit() {
    let file = portfolio(12);
    // No id repeats below fifty projects: twelve outcomes.
    let imported_projects = 12;
    let app = app_with(ServiceConfig {
        workbook_answer_max_projects: imported_projects,
        ..ServiceConfig::default()
    });
    let (status, body) = send(&app, upload(&file, None, Some(XLSX), "")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    // The workbook the whole document gives, in the default language.
    let (registry, rules) = shared();
    let imported = import_workbook(&file, &ServiceConfig::default().workbook_limits())
        .expect("the workbook is read");
    let judge: &dyn EligibilityJudge = rules.as_ref();
    let mut output = appraise_json(
        imported.document.clone(),
        &registry,
        &AppraisalOptions { trace: false },
        Some(judge),
    )
    .expect("the batch is read");
    imported.place_all(&mut output);
    let expected = greenlight_workbooks::results_workbook(&output, &ReportOptions::default())
        .expect("the workbook is written");
    assert!(body == expected, "the results workbook differs");

    let app = app_with(ServiceConfig {
        workbook_answer_max_projects: imported_projects - 1,
        ..ServiceConfig::default()
    });
    let (status, body) = send(&app, upload(&file, None, Some(XLSX), "")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let e: Value = serde_json::from_slice(&body).expect("the error shape");
    assert_eq!(e["error"]["code"], "too_many_projects_for_workbook", "{e}");
    assert_eq!(e["error"]["location"], "file", "{e}");
    assert!(
        e["error"]["message"].as_str().is_some_and(
            |m| m.contains("11 projects") && m.contains("workbook_answer_max_projects")
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_streaming_upload_keeps_its_place_until_its_answer_is_taken() {
    let app = app_with(ServiceConfig {
        max_concurrent_requests: 1,
        ..ServiceConfig::default()
    });
    let file = portfolio(200);
    let response = app
        .clone()
        .oneshot(upload(&file, None, None, ""))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    // The answer (megabytes) is not read: the appraisal waits for the client, holding the
    // only place.
    let packs = || {
        Request::get("/v1/rule-packs")
            .body(Body::empty())
            .expect("valid")
    };
    let (status, _) = send(&app, packs()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the whole answer")
        .to_bytes();
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    // The place is given back before the last piece of the answer is sent.
    let (status, _) = send(&app, packs()).await;
    assert_eq!(status, StatusCode::OK);
}

/// Over a real connection, the complete answer ends with the last chunk of its chunked
/// transfer and the cut one does not: an HTTP client reports the cut answer as failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_connection_a_cut_answer_lacks_its_last_chunk() {
    let file = with_a_formula_in_cash_flows(&portfolio(500));
    let cells = cells_read(&file);
    let body = form(&file, None);
    for (max_cells, complete) in [(cells, true), (cells - 1, false)] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let app = app_with(ServiceConfig {
            workbook_max_cells: max_cells,
            ..ServiceConfig::default()
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(greenlight_http::serve_connections(
            listener,
            app,
            std::time::Duration::from_secs(10),
            async {
                let _ = stopped.await;
            },
        ));
        let head = format!(
            "POST /v1/appraisals HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let request = [head.into_bytes(), body.clone()].concat();
        // A plain blocking client on its own thread: it reads until the service closes the
        // connection (a reset ends the read as well).
        let raw = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut tcp = std::net::TcpStream::connect(addr).expect("connects");
            tcp.write_all(&request).expect("sends");
            let mut raw = Vec::new();
            let mut buffer = vec![0u8; 1 << 16];
            loop {
                match tcp.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => raw.extend_from_slice(&buffer[..n]),
                }
            }
            raw
        })
        .await
        .expect("the client ends");
        let text = String::from_utf8_lossy(&raw[..raw.len().min(512)]).to_ascii_lowercase();
        assert!(text.starts_with("http/1.1 200"), "{text}");
        assert!(text.contains("transfer-encoding: chunked"), "{text}");
        assert_eq!(
            raw.ends_with(b"\r\n0\r\n\r\n"),
            complete,
            "cells capped at {max_cells} of {cells}"
        );
        let _ = stop.send(());
        server.await.expect("the server stops");
    }
}
