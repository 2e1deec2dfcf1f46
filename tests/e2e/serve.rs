//! `greenlight serve`: the binary started on a free loopback port, called over HTTP, then
//! stopped with SIGTERM while a request is in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::LED;

/// The running service; killed if a test fails before stopping it.
struct Service {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(env: &[(&str, &str)]) -> Service {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the greenlight binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("stdout is readable");
    let addr = line
        .trim_end()
        .strip_prefix("greenlight: listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("a socket address");
    Service { child, addr }
}

/// Sends raw bytes on a new connection and reads until the server closes it; the read
/// timeout only keeps a broken test from hanging.
fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    stream.write_all(request).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The service is up: `/healthz` answers 200. A connection error is tried again twice, a
/// moment apart, because a loaded machine can reset one fresh loopback connection; a service
/// that is down fails all three.
async fn healthy(client: &reqwest::Client, base: &str) {
    let mut last_error = None;
    for _ in 0..3 {
        match client.get(format!("{base}/healthz")).send().await {
            Ok(r) => {
                assert_eq!(r.status(), 200);
                return;
            }
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("healthz does not answer: {last_error:?}");
}

#[test]
fn serves_an_appraisal_over_loopback_and_stops_on_sigterm() {
    let mut service = start(&[
        ("GREENLIGHT_REQUEST_TIMEOUT_MS", "2000"),
        ("GREENLIGHT_HEADER_READ_TIMEOUT_MS", "500"),
        ("GREENLIGHT_LOG", "info"),
    ]);
    let addr = service.addr;
    assert!(addr.ip().is_loopback());
    let base = format!("http://{addr}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // A connection per request: after refusing a body early the server closes that
        // connection, and a pooled client could race it with its next request.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client");
        healthy(&client, &base).await;

        let led: Value =
            serde_json::from_str(&std::fs::read_to_string(LED).expect("example")).expect("JSON");
        let r = client
            .post(format!("{base}/v1/appraisals"))
            .json(&json!({"projects": [led]}))
            .send()
            .await
            .expect("the appraisal answers");
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("x-request-id"));
        let v: Value = r.json().await.expect("JSON");
        // NPV 372 848.8278… at 6 %, worked by hand for the README example.
        let npv = v["results"][0]["appraisal"]["financial"]["npv"]
            .as_str()
            .expect("NPV");
        assert!(npv.starts_with("372848.8278"), "{npv}");

        // Malformed JSON, wrong content type, unknown field, unknown pack and factor set.
        let bad = [
            ("application/json", "{\"projects\": [", 400, "invalid_json"),
            ("text/plain", "{}", 415, "unsupported_media_type"),
            (
                "application/json",
                "{\"projects\": [], \"extra\": 1}",
                422,
                "invalid_request",
            ),
        ];
        for (content_type, body, status, code) in bad {
            let r = client
                .post(format!("{base}/v1/appraisals"))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("an answer");
            assert_eq!(r.status().as_u16(), status, "{body}");
            let v: Value = r.json().await.expect("the error shape is JSON");
            assert_eq!(v["error"]["code"], code);
            healthy(&client, &base).await;
        }
        for path in ["/v1/rule-packs/none", "/v1/factor-sets/none"] {
            let r = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("an answer");
            assert_eq!(r.status(), 404);
            healthy(&client, &base).await;
        }
        // A body over the default 2 MiB JSON limit.
        let big = format!(
            "{{\"projects\": [], \"settings\": {{\"x\": \"{}\"}}}}",
            "a".repeat(3 * 1024 * 1024)
        );
        let r = client
            .post(format!("{base}/v1/appraisals"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await;
        // The service answers 413 at once and may close before the client has sent it all,
        // in which case the client sees the connection end; either way it must stay up.
        if let Ok(r) = r {
            assert_eq!(r.status(), 413);
        }
        healthy(&client, &base).await;
    });

    // A slow client: promises a body and stops sending; the timeout answers it.
    let answer = raw(
        addr,
        b"POST /v1/appraisals HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{",
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let health = raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    // A client that sends half a request head and then nothing is disconnected.
    // (Without the header-read timeout the read below would end only at its own timeout.)
    let mut half_head = TcpStream::connect(addr).expect("connect");
    half_head
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    half_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .expect("send");
    let mut unanswered = Vec::new();
    let closed = half_head.read_to_end(&mut unanswered);
    assert!(closed.is_ok(), "still open: {closed:?}");
    assert!(unanswered.is_empty(), "{unanswered:?}");

    // A request in flight when SIGTERM arrives is still answered. The connection is first
    // used once, so it is surely accepted before the signal.
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("send");
    let mut first = Vec::new();
    let mut buf = [0u8; 512];
    while !first.ends_with(b"}") {
        let n = stream.read(&mut buf).expect("the first answer");
        assert!(n > 0, "closed early");
        first.extend_from_slice(&buf[..n]);
    }
    let body = br#"{"fn": "irr", "values": ["-100", "230", "-132"]}"#;
    let head = format!(
        "POST /v1/calc/irr HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(&body[..10]).expect("send a part");
    let pid = service.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(200));
    stream.write_all(&body[10..]).expect("send the rest");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Roots of -100 + 230/(1+r) - 132/(1+r)²: 10 % and 20 % (by the quadratic formula).
    assert!(answer.contains(r#""roots":["0.1","0.2"]"#), "{answer}");

    let status = service.child.wait().expect("the service exits");
    assert!(status.success(), "exit status {status}");
    let mut log = String::new();
    service
        .child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut log)
        .expect("stderr is readable");
    assert!(log.contains("request_id="), "{log}");
    assert!(log.contains("route=\"/v1/appraisals\""), "{log}");
    assert!(log.contains("shutting down"), "{log}");
}

#[test]
fn a_bad_configuration_is_refused_with_its_place() {
    let dir = std::env::temp_dir().join(format!("greenlight-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("service.toml");
    std::fs::write(&file, "addr = \"127.0.0.1:0\"\nport = 8080\n").expect("write the file");
    let out = crate::greenlight(&["serve", "--config", file.to_str().expect("UTF-8")], "");
    assert_eq!(out.status.code(), Some(1));
    let err = crate::stderr(&out);
    assert!(err.contains("service.toml:2"), "{err}");
    assert!(err.contains("port"), "{err}");
    std::fs::remove_dir_all(&dir).expect("clean up");

    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["serve"])
        .env("GREENLIGHT_ADDR", "not-an-address")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("GREENLIGHT_ADDR"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_workbook_upload_is_appraised_and_a_hostile_one_costs_only_its_request() {
    let service = start(&[]);
    let base = format!("http://{}", service.addr);
    let city: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/workbooks/examples/city-pipeline.json"
        ))
        .expect("example"),
    )
    .expect("JSON");
    let filled = greenlight_workbooks::template::write_filled(
        &city,
        greenlight_workbooks::Lang::Zh,
        greenlight_workbooks::template::Layout::Portfolio,
    )
    .expect("the template is filled");
    // A workbook whose shared-string table claims two trillion entries; a reader that
    // trusted it would try to reserve terabytes and abort the process.
    let hostile = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "id").expect("write");
        let bytes = book.save_to_buffer().expect("save");
        let mut zip = zip_entries(&bytes);
        for (name, data) in &mut zip {
            if name == "xl/sharedStrings.xml" {
                let xml = String::from_utf8(data.clone()).expect("UTF-8");
                *data = xml
                    .replacen("uniqueCount=\"1\"", "uniqueCount=\"2000000000000\"", 1)
                    .into_bytes();
            }
        }
        zip_of(&zip)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client");
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(filled).file_name("city.xlsx"),
        );
        let r = client
            .post(format!("{base}/v1/appraisals"))
            .multipart(form)
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("JSON");
        let results = v["results"].as_array().expect("results");
        assert_eq!(results.len(), 7, "the seven projects of the pipeline");
        assert!(results.iter().all(|r| r["appraisal"].is_object()), "{v}");

        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(hostile).file_name("hostile.xlsx"),
        );
        let r = client
            .post(format!("{base}/v1/appraisals"))
            .multipart(form)
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.expect("JSON");
        assert_eq!(v["error"]["code"], "too_many_shared_strings");
        healthy(&client, &base).await;
    });
}

pub(crate) fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).expect("entry");
            let name = e.name().expect("name").into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).expect("inflate");
            (name, data)
        })
        .collect()
}

pub(crate) fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        out.start_file(name.as_str(), options).expect("start entry");
        out.write_all(data).expect("write entry");
    }
    out.finish().expect("finish zip").into_inner()
}
