//! The service in process: every route and every error status, driven through the router as
//! a tower service (and, for the slow client and the concurrency limit, over loopback). After
//! each bad request the same service must still answer `/healthz`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use greenlight_http::ServiceConfig;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::app_with;

const LED: &str = include_str!("../../workbooks/examples/led-street-lighting.json");

fn app() -> Router {
    app_with(ServiceConfig::default())
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error of a failed request, after checking the one error shape.
    fn error(&self) -> Value {
        let v = self.json();
        let e = &v["error"];
        assert!(e["code"].is_string(), "no code in {v}");
        assert!(e["message"].is_string(), "no message in {v}");
        assert!(e.get("location").is_some(), "no location in {v}");
        let id = self.headers["x-request-id"].to_str().expect("ASCII id");
        assert_eq!(e["request_id"], id, "the body names the request id");
        e.clone()
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
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
    Answer {
        status,
        headers,
        body,
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("valid request")
}

fn post_json(uri: &str, body: impl Into<String>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.into()))
        .expect("valid request")
}

async fn assert_healthy(app: &Router) {
    let a = send(app, get("/healthz")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json()["status"], "ok");
}

fn led() -> Value {
    serde_json::from_str(LED).expect("the example is JSON")
}

#[tokio::test]
async fn healthz_answers_with_a_request_id_and_keeps_the_clients() {
    let app = app();
    let a = send(&app, get("/healthz")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.headers["x-request-id"].is_empty());
    let a = send(
        &app,
        Request::get("/healthz")
            .header("x-request-id", "trace-42")
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.headers["x-request-id"], "trace-42");
}

#[tokio::test]
async fn appraises_the_led_example() {
    let app = app();
    let a = send(
        &app,
        post_json("/v1/appraisals", json!({"projects": [led()]}).to_string()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    let r = &v["results"][0];
    assert_eq!(r["id"], "cn-dz-led-01");
    // NPV 372 848.8278… at 6 %, worked by hand for the CLI's README example.
    let npv = r["appraisal"]["financial"]["npv"].as_str().expect("NPV");
    assert!(npv.starts_with("372848.8278"), "{npv}");
    assert!(
        r["appraisal"].get("trace").is_none(),
        "no trace unless asked"
    );
    // The street-lighting evidence meets China's Catalogue clause (see the pack's cases).
    let cn = r["eligibility"]["taxonomies"]
        .as_array()
        .expect("taxonomies")
        .iter()
        .find(|t| t["pack"] == "cn-gbepc-2021")
        .expect("the Chinese pack judged");
    assert_eq!(cn["verdict"], "eligible");
}

#[tokio::test]
async fn accept_xlsx_answers_the_results_workbook_in_the_asked_language() {
    use calamine::{Data, Reader, Xlsx};
    let app = app();
    let body = json!({"projects": [led()]}).to_string();
    for (lang_header, query, summary_sheet) in [
        (None, "", "Summary"),
        (Some("zh-CN,zh;q=0.9"), "", "汇总"),
        (Some("zh-CN"), "?lang=en", "Summary"),
    ] {
        let mut request = Request::post(format!("/v1/appraisals{query}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::ACCEPT,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            );
        if let Some(l) = lang_header {
            request = request.header(header::ACCEPT_LANGUAGE, l);
        }
        let a = send(
            &app,
            request
                .body(Body::from(body.clone()))
                .expect("valid request"),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(
            a.headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let mut book = Xlsx::new(std::io::Cursor::new(a.body.clone())).expect("an xlsx workbook");
        assert!(
            book.sheet_names().iter().any(|s| s == summary_sheet),
            "{:?}",
            book.sheet_names()
        );
        let summary = book.worksheet_range(summary_sheet).expect("the summary");
        // NPV 372 848.8278… at 6 %, worked by hand for the README example.
        let npv_written = summary
            .used_cells()
            .any(|(_, _, c)| matches!(c, Data::Float(v) if (v - 372_848.827_8).abs() < 0.001));
        assert!(npv_written, "the NPV is in the summary");
    }
}

#[tokio::test]
async fn explain_adds_the_trace_and_settings_pass_through() {
    let app = app();
    let a = send(
        &app,
        post_json(
            "/v1/appraisals?explain=true",
            json!({"settings": {}, "projects": [led()]}).to_string(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let trace = &a.json()["results"][0]["appraisal"]["trace"];
    assert!(
        trace.as_array().is_some_and(|t| !t.is_empty()),
        "trace: {trace}"
    );
}

#[tokio::test]
async fn batch_settings_reach_the_engine() {
    let app = app();
    let a = send(
        &app,
        post_json(
            "/v1/appraisals",
            json!({"settings": {"taxonomies": ["cn"]}, "projects": [led()]}).to_string(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let taxonomies = &a.json()["results"][0]["eligibility"]["taxonomies"];
    assert_eq!(taxonomies.as_array().map(Vec::len), Some(1), "{taxonomies}");
    assert_eq!(taxonomies[0]["pack"], "cn-gbepc-2021");

    let a = send(
        &app,
        post_json(
            "/v1/appraisals",
            json!({"settings": {"bogus": 1}, "projects": [led()]}).to_string(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert!(
        a.error()["location"]
            .as_str()
            .is_some_and(|l| l.starts_with("/settings")),
        "{}",
        a.text()
    );
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_bad_project_gets_its_errors_and_the_others_are_appraised() {
    let app = app();
    let a = send(
        &app,
        post_json(
            "/v1/appraisals",
            json!({"projects": [led(), {"id": 3}]}).to_string(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    assert!(v["results"][0]["appraisal"].is_object());
    assert_eq!(v["results"][1]["errors"][0]["pointer"], "/projects/1/id");
}

/// The LED example's sensitivity by hand (core/tests/it/sensitivity.rs): the savings move the
/// NPV most, with a switching value of −NPV / PV = −0.196925245635227618417877857…
#[tokio::test]
async fn a_sensitivity_section_is_answered_and_a_bad_variation_named_by_its_pointer() {
    let app = app();
    let mut with = led();
    with["sensitivity"] = json!({ "variation": "0.05" });
    let mut bad = led();
    bad["sensitivity"] = json!({ "variation": "2" });
    let a = send(
        &app,
        post_json(
            "/v1/appraisals",
            json!({"projects": [with, bad]}).to_string(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    let s = &v["results"][0]["appraisal"]["sensitivity"];
    assert_eq!(s["variation"], "0.05");
    assert_eq!(s["variables"][0]["variable"], "savings");
    assert_eq!(s["variables"][0]["label"]["zh"], "节约");
    let sv = s["variables"][0]["switching_value"]
        .as_str()
        .expect("a switching value");
    assert!(sv.starts_with("-0.1969252456352276184"), "{sv}");
    assert_eq!(
        v["results"][1]["errors"][0]["pointer"],
        "/projects/1/sensitivity/variation"
    );
}

#[tokio::test]
async fn eligibility_gives_verdicts_without_the_appraisal() {
    let app = app();
    let a = send(
        &app,
        post_json("/v1/eligibility", json!({"projects": [led()]}).to_string()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let r = &a.json()["results"][0];
    assert!(r.get("appraisal").is_none());
    assert_eq!(
        r["eligibility"]["taxonomies"].as_array().map(Vec::len),
        Some(5)
    );
}

#[tokio::test]
async fn rule_packs_are_listed_and_shown() {
    let app = app();
    let a = send(&app, get("/v1/rule-packs")).await;
    assert_eq!(a.status, StatusCode::OK);
    let ids: Vec<String> = a
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect();
    for id in [
        "cn-gbepc-2021",
        "eu-taxonomy-2021-2139",
        "cbi-sector-criteria",
        "cgt-2022",
        "icma-gbp-2021",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    let a = send(&app, get("/v1/rule-packs/eu-taxonomy-2021-2139")).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    // The EU pack has 35 rules (its merge commit and reference page).
    assert_eq!(v["rules"].as_array().map(Vec::len), Some(35));
    assert_eq!(v["rule_count"], 35);
    assert!(
        v["content_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:"))
    );

    let a = send(&app, get("/v1/rule-packs/no-such-pack")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let e = a.error();
    assert_eq!(e["code"], "unknown_rule_pack");
    assert_eq!(e["location"], "{id}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn factor_sets_are_listed_and_shown() {
    let app = app();
    let a = send(&app, get("/v1/factor-sets")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.json()
            .as_array()
            .expect("a list")
            .iter()
            .any(|s| s["id"] == "eib-2020-carbon")
    );
    let a = send(&app, get("/v1/factor-sets/ipcc-ar5-gwp100")).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(v["kind"], "gwp_set");
    // AR5 GWP100 of nitrous oxide is 265 (IPCC AR5 WG1 Table 8.A.1).
    let n2o = v["gases"]
        .as_array()
        .expect("gases")
        .iter()
        .find(|g| g["gas"] == "n2o")
        .expect("N2O listed");
    assert_eq!(n2o["value"], "265");

    let a = send(&app, get("/v1/factor-sets/no-such-set")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.error()["code"], "unknown_factor_set");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn the_calculator_answers_as_the_batch_mode_does() {
    let app = app();
    // -100 + 230/(1+r) - 132/(1+r)² = 0  ⇔  100x² - 230x + 132 = 0 with x = 1+r:
    // x = (230 ± 10)/200, so r = 10 % or 20 %.
    let a = send(
        &app,
        post_json("/v1/calc/irr", r#"{"values": ["-100", "230", "-132"]}"#),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    assert_eq!(v["fn"], "irr");
    assert_eq!(v["roots"], json!(["0.1", "0.2"]));
    assert_eq!(v["flag"], "multiple");
    // `fn` may be repeated in the body when it agrees with the path.
    // NPV at 10 % of -1000 at t0 then 1100 at t1 is exactly 0.
    let a = send(
        &app,
        post_json(
            "/v1/calc/npv",
            r#"{"fn": "npv", "rate": "0.1", "values": ["-1000", "1100"]}"#,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let npv: f64 = a.json()["value"]
        .as_str()
        .expect("a value")
        .parse()
        .expect("a number");
    assert_eq!(npv, 0.0);
}

#[tokio::test]
async fn calculator_errors_name_the_argument() {
    let app = app();
    let a = send(&app, post_json("/v1/calc/nope", "{}")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.error()["code"], "unknown_function");

    let a = send(
        &app,
        post_json("/v1/calc/irr", r#"{"fn": "npv", "values": ["1"]}"#),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error()["location"], "/fn");

    let a = send(
        &app,
        post_json("/v1/calc/npv", r#"{"rate": "0.1", "values": ["-1", "x"]}"#),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error()["location"], "/values/1");

    // A rate of −100 % is outside the domain of NPV (division by zero).
    let a = send(
        &app,
        post_json("/v1/calc/npv", r#"{"rate": "-1", "values": ["-1", "2"]}"#),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.error()["code"], "invalid_argument");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn malformed_json_is_400_with_line_and_column() {
    let app = app();
    let a = send(&app, post_json("/v1/appraisals", "{\"projects\": [")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let e = a.error();
    assert_eq!(e["code"], "invalid_json");
    assert_eq!(e["location"], "line 1 column 14");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_415() {
    let app = app();
    let a = send(
        &app,
        Request::post("/v1/appraisals")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(a.error()["code"], "unsupported_media_type");
    let a = send(
        &app,
        Request::post("/v1/eligibility")
            .body(Body::from("{}"))
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn unknown_and_missing_fields_are_422_with_their_pointer() {
    let app = app();
    let a = send(
        &app,
        Request::post("/v1/appraisals")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-request-id", "test-unknown-field")
            .body(Body::from(r#"{"projects": [], "projekts": []}"#))
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    a.error();
    insta::assert_json_snapshot!("unknown_field", a.json());

    let a = send(&app, post_json("/v1/eligibility", "{}")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error()["location"], "/projects");

    let a = send(&app, post_json("/v1/appraisals", r#"{"projects": {}}"#)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error()["location"], "/projects");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_bad_query_is_400() {
    let app = app();
    let a = send(
        &app,
        post_json("/v1/appraisals?explain=maybe", r#"{"projects": []}"#),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.error()["code"], "invalid_query");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = app_with(ServiceConfig {
        json_body_limit: 64,
        ..ServiceConfig::default()
    });
    let big = json!({"projects": [], "settings": {"note": "x".repeat(200)}}).to_string();
    // Declared too large: refused before reading.
    let a = send(
        &app,
        Request::post("/v1/appraisals")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, big.len())
            .body(Body::from(big.clone()))
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.error()["code"], "body_too_large");
    // Not declared: refused once the limit is crossed.
    let a = send(&app, post_json("/v1/appraisals", big)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404_and_405() {
    let app = app();
    let a = send(&app, get("/v1/nothing-here")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.error()["location"], "/v1/nothing-here");
    let a = send(
        &app,
        Request::builder()
            .method(Method::DELETE)
            .uri("/v1/rule-packs")
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.error()["code"], "method_not_allowed");
    // The benchmark's echo route exists only when configured.
    let a = send(&app, post_json("/v1/echo", "{}")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn the_echo_route_answers_its_body_when_enabled() {
    let app = app_with(ServiceConfig {
        bench_echo: true,
        ..ServiceConfig::default()
    });
    let a = send(&app, post_json("/v1/echo", r#"{"a": [1, "2"]}"#)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!({"a": [1, "2"]}));
}

#[tokio::test]
async fn an_api_key_guards_everything_but_health_and_the_page() {
    let key = "a-key-of-sixteen-or-more";
    let app = app_with(ServiceConfig {
        api_key: Some(key.into()),
        ..ServiceConfig::default()
    });
    let a = send(&app, get("/v1/rule-packs")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.error()["code"], "unauthorized");
    assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer");
    let a = send(
        &app,
        Request::get("/v1/rule-packs")
            .header(header::AUTHORIZATION, "Bearer not-the-key")
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = send(
        &app,
        Request::get("/v1/rule-packs")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let a = send(
        &app,
        Request::get("/v1/rule-packs")
            .header("x-api-key", key)
            .body(Body::empty())
            .expect("valid request"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(send(&app, get("/")).await.status, StatusCode::OK);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn the_page_its_assets_and_the_reference_are_served_offline() {
    let app = app();
    let a = send(&app, get("/")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html"))
    );
    assert_eq!(a.text(), include_str!("../assets/index.html"));
    let a = send(&app, get("/assets/app.js")).await;
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/javascript"))
    );
    assert_eq!(a.text(), include_str!("../assets/app.js"));
    let a = send(&app, get("/assets/app.css")).await;
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/css"))
    );
    assert_eq!(a.text(), include_str!("../assets/app.css"));
    let a = send(&app, get("/docs")).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains("/openapi.json"));
    assert!(
        !page.contains("<script src=\"http"),
        "no script from elsewhere"
    );
    let a = send(&app, get("/openapi.json")).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(v["openapi"], "3.1.0");
    let post = &v["paths"]["/v1/appraisals"]["post"];
    assert!(post["requestBody"]["content"]["multipart/form-data"].is_object());
    for status in ["200", "400", "413", "415", "422", "429"] {
        assert!(post["responses"][status].is_object(), "{status} documented");
    }
}

#[test]
fn the_committed_openapi_document_is_current() {
    // Regenerate with GREENLIGHT_UPDATE_OPENAPI=1 cargo test -p greenlight-http --test api openapi
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let text = greenlight_http::openapi_json();
    if std::env::var_os("GREENLIGHT_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &text).expect("write http/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "http/openapi.json is stale: run GREENLIGHT_UPDATE_OPENAPI=1 cargo test -p greenlight-http --test api openapi"
    );
}

/// Serves `app` on a loopback port through the service's own connection loop, for tests
/// that need a real connection.
async fn listen(app: Router) -> SocketAddr {
    listen_with(app, ServiceConfig::default().header_read_timeout()).await
}

/// As [`listen`], with this header-read timeout.
async fn listen_with(app: Router, header_read_timeout: Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(greenlight_http::serve_connections(
        listener,
        app,
        header_read_timeout,
        std::future::pending(),
    ));
    addr
}

/// Sends raw bytes and reads the answer until the server closes or `Connection: close`
/// ends it; the read timeout only stops a broken test from hanging.
fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    stream.write_all(request).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn raw_healthz(addr: SocketAddr) -> String {
    raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_answered_408_and_the_server_stays_up() {
    let addr = listen(app_with(ServiceConfig {
        request_timeout_ms: 300,
        ..ServiceConfig::default()
    }))
    .await;
    let answer = tokio::task::spawn_blocking(move || {
        // Promises 100 bytes, sends 14, then waits.
        raw(
            addr,
            b"POST /v1/appraisals HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"projects\": [",
        )
    })
    .await
    .expect("client thread");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    let health = tokio::task::spawn_blocking(move || raw_healthz(addr))
        .await
        .expect("client thread");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_headers_is_disconnected_and_the_server_stays_up() {
    let addr = listen_with(
        app_with(ServiceConfig::default()),
        Duration::from_millis(300),
    )
    .await;
    let (answer, closed) = tokio::task::spawn_blocking(move || {
        // Half a request head, then nothing: without a header-read timeout the server would
        // wait for the rest for ever and the read below would stop only at its own timeout.
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            .expect("send");
        let mut answer = Vec::new();
        let closed = stream.read_to_end(&mut answer).is_ok();
        (String::from_utf8_lossy(&answer).into_owned(), closed)
    })
    .await
    .expect("client thread");
    assert!(closed, "the server did not close the connection: {answer}");
    assert!(!answer.contains("200 OK"), "{answer}");
    let health = tokio::task::spawn_blocking(move || raw_healthz(addr))
        .await
        .expect("client thread");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_concurrency_limit_are_429() {
    let addr = listen(app_with(ServiceConfig {
        max_concurrent_requests: 1,
        ..ServiceConfig::default()
    }))
    .await;
    let rule_packs = b"GET /v1/rule-packs HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let outcome = tokio::task::spawn_blocking(move || {
        // One request holds the only place while its body is awaited. A probe may take the
        // place first and the holder itself be shed; then the holder tries again, after a
        // pause with nothing else in flight.
        let mut shed = None;
        let mut holder = None;
        for _ in 0..10 {
            let mut h = std::net::TcpStream::connect(addr).expect("connect");
            h.write_all(b"POST /v1/appraisals HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                .expect("send");
            std::thread::sleep(Duration::from_millis(50));
            // The holder reaches the limiter soon; until it does, others still pass.
            for _ in 0..50 {
                let answer = raw(addr, rule_packs);
                if answer.starts_with("HTTP/1.1 429") {
                    shed = Some(answer);
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            holder = Some(h);
            if shed.is_some() {
                break;
            }
        }
        let health = raw_healthz(addr);
        drop(holder);
        // Once the holder is gone its place is given back.
        let mut after = String::new();
        for _ in 0..200 {
            after = raw(addr, rule_packs);
            if after.starts_with("HTTP/1.1 200") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (shed, health, after)
    })
    .await
    .expect("client thread");
    let (shed, health, after) = outcome;
    let shed = shed.expect("a request beyond the limit is shed");
    assert!(shed.contains("\"too_many_requests\""), "{shed}");
    assert!(
        shed.to_ascii_lowercase().contains("retry-after: 1"),
        "{shed}"
    );
    assert!(
        health.starts_with("HTTP/1.1 200"),
        "health is never shed: {health}"
    );
    assert!(after.starts_with("HTTP/1.1 200"), "{after}");
}
