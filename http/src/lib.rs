//! The HTTP appraisal service: router, API types, OpenAPI document and the web page.
//!
//! [`router`] builds the whole service from an [`AppState`] (reference data, rule packs and
//! configuration, loaded once at start and shared read-only), so tests drive it in process;
//! [`serve`] binds, logs to stderr and runs it until SIGINT or SIGTERM, draining requests in
//! flight. The service keeps nothing between requests, so replicas scale out behind any load
//! balancer.

pub mod api;
mod assets;
pub mod config;
pub mod error;
mod exercises;
pub mod extract;
mod json_body;
mod middleware;
mod routes;
mod upload;

use std::io::Write;
use std::sync::Arc;

use aide::openapi::{Info, OpenApi};
use axum::Router;
use axum::http::{StatusCode, header};
use greenlight_core::registry::Registry;
use greenlight_rules::RuleSet;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub use crate::config::ServiceConfig;
pub use crate::error::Error;

/// What every request may read: loaded once, never written while serving.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the service runs with.
    pub config: Arc<ServiceConfig>,
    /// Reference data: embedded sets plus any files given at start.
    pub registry: Arc<Registry>,
    /// Rule packs: shipped plus any folders given at start.
    pub rules: Arc<RuleSet>,
    in_flight: Arc<middleware::InFlight>,
}

impl AppState {
    /// The state of a service with this configuration, data and rules.
    pub fn new(config: ServiceConfig, registry: Registry, rules: RuleSet) -> Self {
        AppState::from_shared(config, Arc::new(registry), Arc::new(rules))
    }

    /// As [`AppState::new`], with data and rules already shared (several routers in one
    /// process, as tests build them, load them once).
    pub fn from_shared(
        config: ServiceConfig,
        registry: Arc<Registry>,
        rules: Arc<RuleSet>,
    ) -> Self {
        let in_flight = middleware::InFlight::new(config.max_concurrent_requests);
        AppState {
            config: Arc::new(config),
            registry,
            rules,
            in_flight,
        }
    }
}

/// The OpenAPI 3.1 document of the API, generated from the Rust types.
pub fn openapi() -> OpenApi {
    let mut api = base_document();
    let _ = routes::api_routes().finish_api(&mut api);
    api
}

/// [`openapi`] as the pretty-printed JSON committed at `http/openapi.json`.
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&openapi()).unwrap_or_default() + "\n"
}

fn base_document() -> OpenApi {
    aide::generate::all_error_responses(false);
    aide::generate::extract_schemas(true);
    OpenApi {
        info: Info {
            title: "Greenlight".into(),
            description: Some(
                "Municipal green-finance project appraisal: lifecycle cost, NPV, IRR, \
                 abatement and green-bond eligibility. Every failure is answered as \
                 {\"error\": {\"code\", \"message\", \"location\", \"request_id\"}}."
                    .into(),
            ),
            version: env!("CARGO_PKG_VERSION").into(),
            ..Info::default()
        },
        ..OpenApi::default()
    }
}

/// The whole service: documented routes, the OpenAPI document, the reference page, the web
/// page, and the layers (request id, error shape and log, panic guard, timeout, API key,
/// concurrency limit).
pub fn router(state: AppState) -> Router {
    let mut api = base_document();
    let mut app = routes::api_routes().finish_api(&mut api);
    let document = serde_json::to_string_pretty(&api).unwrap_or_default();
    app = app
        .route(
            "/openapi.json",
            axum::routing::get(move || async move {
                ([(header::CONTENT_TYPE, "application/json")], document)
            }),
        )
        .route("/docs", axum::routing::get(assets::docs_page))
        .route("/", axum::routing::get(assets::index))
        .route("/assets/app.js", axum::routing::get(assets::app_js))
        .route("/assets/app.css", axum::routing::get(assets::app_css));
    if state.config.bench_echo {
        app = app.route("/v1/echo", axum::routing::post(routes::echo));
    }
    layered(app, state)
}

/// Puts the routes behind the service's layers, outermost first: request id, error shape
/// and access log, panic guard, timeout, API key, concurrency limit, the multipart parser's
/// body limit.
fn layered(app: Router<AppState>, state: AppState) -> Router {
    let timeout = state.config.request_timeout();
    app.route_layer(axum::middleware::from_fn(middleware::record_route))
        .fallback(routes::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(axum::middleware::from_fn(middleware::shape_and_log))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::require_key,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::limit_concurrency,
                ))
                // Bodies are read within the service's own limits (`extract::read_body`);
                // the multipart parser then reads the upload already in memory, and would
                // otherwise apply the framework's 2 MB default and refuse a larger workbook
                // that the upload limit admits.
                .layer(axum::extract::DefaultBodyLimit::max(
                    state.config.upload_body_limit,
                )),
        )
        .with_state(state)
}

/// Logs to stderr with the configured filter; a second call (tests) keeps the first.
fn init_logging(filter: &str) -> Result<(), Error> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| Error::config("log".into(), format!("not a log filter: {e}")))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    Ok(())
}

/// Binds `config.addr`, prints `greenlight: listening on http://<bound address>` on stdout
/// (the one line scripts read the port from), and serves until SIGINT or SIGTERM; requests
/// in flight are then answered before it returns.
pub async fn serve(config: ServiceConfig, registry: Registry, rules: RuleSet) -> Result<(), Error> {
    config.check()?;
    init_logging(&config.log)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| {
            Error::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "bind_failed",
                format!("cannot listen on {}: {e}", config.addr),
            )
        })?;
    let addr = listener.local_addr().map_err(|e| {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "bind_failed",
            format!("no local address: {e}"),
        )
    })?;
    let header_read_timeout = config.header_read_timeout();
    let app = router(AppState::new(config, registry, rules));
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "greenlight: listening on http://{addr}");
        let _ = out.flush();
    }
    tracing::info!(%addr, "listening");
    serve_connections(listener, app, header_read_timeout, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `app` on every connection `listener` accepts until `shutdown` resolves, then stops
/// accepting, lets each connection finish the request it is answering and returns once all
/// are closed.
///
/// This is axum's own connection loop plus what it does not expose: a client must send a
/// request's headers within `header_read_timeout` or its connection is closed, so a client
/// that trickles its headers (or opens connections and sends nothing) holds no connection
/// for long. Once the headers are in, the request timeout of the router takes over.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    // Dropped when shutdown begins: each connection then sees its sender closed.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    // Held by each connection; when all are dropped every connection has ended.
    let (ended_tx, ended_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin; the
                    // connections already open are unaffected.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are written whole, so waiting to coalesce small writes only adds latency.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let stop_tx = stop_tx.clone();
        let ended_rx = ended_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(tcp), service);
            let mut connection = std::pin::pin!(connection);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    () = stop_tx.closed(), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(ended_rx);
        });
    }
    drop(stop_rx);
    drop(listener);
    drop(ended_rx);
    ended_tx.closed().await;
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: answering requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panic_is_answered_500_without_its_details() {
        async fn fails() -> &'static str {
            panic!("secret internal detail")
        }
        let state = AppState::new(
            ServiceConfig::default(),
            Registry::empty(),
            RuleSet::empty(greenlight_rules::EngineLimits::standard()),
        );
        let app = layered(
            Router::new().route("/fails", axum::routing::get(fails)),
            state,
        );
        let response = app
            .oneshot(
                axum::http::Request::get("/fails")
                    .body(Body::empty())
                    .expect("valid request"),
            )
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("\"code\":\"internal\""), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
