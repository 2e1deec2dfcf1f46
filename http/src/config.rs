//! `ServiceConfig`: where the service listens and how much it accepts, from defaults, then a
//! TOML file, then environment variables (each later source wins for the fields it sets).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;

/// Everything the service can be told. Every field has a safe default: loopback only, no
/// authentication, bounded bodies, a request timeout and a concurrency limit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// When set, every route but `/healthz` and the web page needs
    /// `authorization: Bearer <key>` or `x-api-key: <key>`.
    pub api_key: Option<String>,
    /// Largest JSON request body, in bytes.
    pub json_body_limit: usize,
    /// Largest workbook upload (the whole multipart body), in bytes.
    pub upload_body_limit: usize,
    /// Most non-empty cells read from one uploaded workbook. Memory grows with the cells
    /// read, not with the upload's size (a 10 MiB archive of repetitive XML can hold tens of
    /// millions), so this, not the upload limit, bounds what one request can cost.
    pub workbook_max_cells: u64,
    /// Most bytes all entries of one uploaded workbook may inflate to.
    pub workbook_max_inflated_bytes: u64,
    /// Most projects an upload may hold when the answer asked for is the results workbook,
    /// whose summary and MAC curve need every outcome at once (the JSON answer is streamed
    /// and has no such bound); above it the request is answered 413.
    pub workbook_answer_max_projects: usize,
    /// Time allowed for a whole request, from its headers to the answer, in milliseconds.
    pub request_timeout_ms: u64,
    /// Time a client has to send a request's headers, in milliseconds; a connection that
    /// has not sent them whole by then is closed, so slow senders cannot hold connections.
    pub header_read_timeout_ms: u64,
    /// Requests handled at once; more are answered 429 at once rather than queued.
    pub max_concurrent_requests: usize,
    /// Log filter (`tracing` directives), e.g. `info` or `greenlight_http=debug`.
    pub log: String,
    /// Enables `POST /v1/echo`, a trivial JSON endpoint used only as the load-benchmark
    /// baseline; it is never documented in the OpenAPI contract.
    pub bench_echo: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_key: None,
            json_body_limit: 2 * 1024 * 1024,
            upload_body_limit: 10 * 1024 * 1024,
            // A full 10 MiB template portfolio (about 30 000 thirty-year projects) holds under
            // 3 million cells and inflates to about 100 MiB.
            workbook_max_cells: 4_000_000,
            workbook_max_inflated_bytes: 256 * 1024 * 1024,
            // About 25 KB of outcome per thirty-year project with its eligibility: a 5 000
            // project answer holds about 130 MB before the workbook is written.
            workbook_answer_max_projects: 5_000,
            request_timeout_ms: 30_000,
            header_read_timeout_ms: 10_000,
            max_concurrent_requests: 256,
            log: "info".into(),
            bench_echo: false,
        }
    }
}

/// The environment variables read, and the field each sets.
pub const ENV_VARS: [(&str, &str); 12] = [
    ("GREENLIGHT_ADDR", "addr"),
    ("GREENLIGHT_API_KEY", "api_key"),
    ("GREENLIGHT_JSON_BODY_LIMIT", "json_body_limit"),
    ("GREENLIGHT_UPLOAD_BODY_LIMIT", "upload_body_limit"),
    ("GREENLIGHT_WORKBOOK_MAX_CELLS", "workbook_max_cells"),
    (
        "GREENLIGHT_WORKBOOK_MAX_INFLATED_BYTES",
        "workbook_max_inflated_bytes",
    ),
    (
        "GREENLIGHT_WORKBOOK_ANSWER_MAX_PROJECTS",
        "workbook_answer_max_projects",
    ),
    ("GREENLIGHT_REQUEST_TIMEOUT_MS", "request_timeout_ms"),
    (
        "GREENLIGHT_HEADER_READ_TIMEOUT_MS",
        "header_read_timeout_ms",
    ),
    (
        "GREENLIGHT_MAX_CONCURRENT_REQUESTS",
        "max_concurrent_requests",
    ),
    ("GREENLIGHT_LOG", "log"),
    ("GREENLIGHT_BENCH_ECHO", "bench_echo"),
];

impl ServiceConfig {
    /// Defaults, then the TOML file when given, then the environment (read through `env`, so
    /// tests need not touch the process environment).
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServiceConfig, Error> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(
                        path.display().to_string(),
                        format!("cannot read the file: {e}"),
                    )
                })?;
                ServiceConfig::from_toml(&text, &path.display().to_string())?
            }
            None => ServiceConfig::default(),
        };
        config.apply_env(env)?;
        config.check()?;
        Ok(config)
    }

    /// Reads a TOML text; an error names `origin` and the line.
    pub fn from_toml(text: &str, origin: &str) -> Result<ServiceConfig, Error> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            });
            let location = match line {
                Some(l) => format!("{origin}:{l}"),
                None => origin.to_owned(),
            };
            Error::config(location, e.message().to_owned())
        })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
        fn parse<T: std::str::FromStr>(var: &str, value: &str) -> Result<T, Error>
        where
            T::Err: std::fmt::Display,
        {
            value
                .trim()
                .parse()
                .map_err(|e| Error::config(var.to_owned(), format!("{value:?}: {e}")))
        }
        for (var, _) in ENV_VARS {
            let Some(value) = env(var) else { continue };
            match var {
                "GREENLIGHT_ADDR" => self.addr = parse(var, &value)?,
                "GREENLIGHT_API_KEY" => {
                    self.api_key = Some(value).filter(|k| !k.is_empty());
                }
                "GREENLIGHT_JSON_BODY_LIMIT" => self.json_body_limit = parse(var, &value)?,
                "GREENLIGHT_UPLOAD_BODY_LIMIT" => self.upload_body_limit = parse(var, &value)?,
                "GREENLIGHT_WORKBOOK_MAX_CELLS" => self.workbook_max_cells = parse(var, &value)?,
                "GREENLIGHT_WORKBOOK_MAX_INFLATED_BYTES" => {
                    self.workbook_max_inflated_bytes = parse(var, &value)?
                }
                "GREENLIGHT_WORKBOOK_ANSWER_MAX_PROJECTS" => {
                    self.workbook_answer_max_projects = parse(var, &value)?
                }
                "GREENLIGHT_REQUEST_TIMEOUT_MS" => self.request_timeout_ms = parse(var, &value)?,
                "GREENLIGHT_HEADER_READ_TIMEOUT_MS" => {
                    self.header_read_timeout_ms = parse(var, &value)?
                }
                "GREENLIGHT_MAX_CONCURRENT_REQUESTS" => {
                    self.max_concurrent_requests = parse(var, &value)?
                }
                "GREENLIGHT_LOG" => self.log = value,
                "GREENLIGHT_BENCH_ECHO" => self.bench_echo = parse(var, &value)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Rejects settings that would leave the service unusable.
    pub fn check(&self) -> Result<(), Error> {
        let positive = [
            ("json_body_limit", self.json_body_limit as u64),
            ("upload_body_limit", self.upload_body_limit as u64),
            ("workbook_max_cells", self.workbook_max_cells),
            (
                "workbook_max_inflated_bytes",
                self.workbook_max_inflated_bytes,
            ),
            (
                "workbook_answer_max_projects",
                self.workbook_answer_max_projects as u64,
            ),
            ("request_timeout_ms", self.request_timeout_ms),
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            (
                "max_concurrent_requests",
                self.max_concurrent_requests as u64,
            ),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(Error::config(field.to_owned(), "must be above 0"));
            }
        }
        if let Some(key) = &self.api_key
            && key.len() < 16
        {
            return Err(Error::config(
                "api_key".to_owned(),
                "an API key needs at least 16 characters",
            ));
        }
        Ok(())
    }

    /// The limits an uploaded workbook is read within: the workbook crate's defaults,
    /// tightened to this service's upload size, cell count and inflated size.
    pub fn workbook_limits(&self) -> greenlight_workbooks::WorkbookLimits {
        let defaults = greenlight_workbooks::WorkbookLimits::default();
        greenlight_workbooks::WorkbookLimits {
            max_upload_bytes: defaults.max_upload_bytes.min(self.upload_body_limit as u64),
            max_cells: defaults.max_cells.min(self.workbook_max_cells),
            max_total_inflated_bytes: defaults
                .max_total_inflated_bytes
                .min(self.workbook_max_inflated_bytes),
            max_entry_inflated_bytes: defaults
                .max_entry_inflated_bytes
                .min(self.workbook_max_inflated_bytes),
            ..defaults
        }
    }

    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The header-read timeout as a duration.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback_without_a_key() {
        let c = ServiceConfig::load(None, |_| None).expect("defaults load");
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.api_key, None);
        assert!(!c.bench_echo);
    }

    #[test]
    fn environment_overrides_the_file() {
        let text = "addr = \"127.0.0.1:9000\"\njson_body_limit = 1000\n";
        let mut c = ServiceConfig::from_toml(text, "service.toml").expect("valid TOML");
        c.apply_env(|v| (v == "GREENLIGHT_ADDR").then(|| "127.0.0.1:9100".to_owned()))
            .expect("valid variable");
        assert_eq!(c.addr.to_string(), "127.0.0.1:9100");
        assert_eq!(c.json_body_limit, 1000);
    }

    #[test]
    fn an_unknown_key_names_file_and_line() {
        let e = ServiceConfig::from_toml("addr = \"127.0.0.1:1\"\nport = 3\n", "service.toml")
            .expect_err("unknown key");
        assert_eq!(e.location.as_deref(), Some("service.toml:2"));
    }

    #[test]
    fn a_bad_variable_is_named() {
        let e = ServiceConfig::load(None, |v| {
            (v == "GREENLIGHT_REQUEST_TIMEOUT_MS").then(|| "soon".to_owned())
        })
        .expect_err("not a number");
        assert_eq!(e.location.as_deref(), Some("GREENLIGHT_REQUEST_TIMEOUT_MS"));
    }
}
