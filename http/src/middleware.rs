//! The layers every request passes: the error shape and the access log, the API key, and
//! the concurrency limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::Error;

/// The route template that answered (`/v1/rule-packs/{id}`), carried out to the access log.
#[derive(Debug, Clone)]
pub(crate) struct RouteName(pub(crate) String);

/// Copies the matched route template into the response, for the log.
pub(crate) async fn record_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteName(route));
    }
    response
}

/// Writes every failure in the one error shape with the request id, whoever produced it (a
/// handler's [`Error`], or a bare status from the router, the timeout or the panic guard,
/// whose body is replaced so that no internal detail leaves the service), and logs one line
/// per request.
pub(crate) async fn shape_and_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    let status = response.status();
    let route = response
        .extensions()
        .get::<RouteName>()
        .map_or_else(|| path.clone(), |r| r.0.clone());
    if status.is_client_error() || status.is_server_error() {
        let error = response
            .extensions_mut()
            .remove::<Error>()
            .unwrap_or_else(|| Error::for_status(status));
        if status.is_server_error() {
            tracing::error!(request_id, %method, route, code = %error.code, message = %error.message, "request failed");
        }
        let body = serde_json::to_vec(&error.body(&request_id)).unwrap_or_default();
        let (mut parts, _) = response.into_parts();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        response = Response::from_parts(parts, Body::from(body));
    }
    tracing::info!(
        request_id,
        %method,
        route,
        status = status.as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// With an API key configured, every route but `/healthz` and the web page needs it, as
/// `authorization: Bearer <key>` or `x-api-key: <key>`.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(key) = state.config.api_key.as_deref() else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    if path == "/healthz" || path == "/" || path.starts_with("/assets/") {
        return next.run(req).await;
    }
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let given = bearer.or(api_key);
    if given.is_some_and(|g| same_secret(g.trim().as_bytes(), key.as_bytes())) {
        return next.run(req).await;
    }
    let mut response = Error::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this service needs an API key: authorization: Bearer <key> or x-api-key: <key>",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Compares without stopping at the first difference, so the time taken does not tell how
/// much of a guessed key was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Requests in flight, bounded; shared by clones of the state.
#[derive(Debug)]
pub(crate) struct InFlight {
    count: AtomicUsize,
    limit: usize,
}

impl InFlight {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(InFlight {
            count: AtomicUsize::new(0),
            limit,
        })
    }

    fn try_enter(self: &Arc<Self>) -> Option<Slot> {
        let mut current = self.count.load(Ordering::Relaxed);
        loop {
            if current >= self.limit {
                return None;
            }
            match self.count.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(Slot(self.clone())),
                Err(seen) => current = seen,
            }
        }
    }
}

/// One place taken in [`InFlight`]; given back when dropped, also when the request is
/// cancelled by the timeout or the client.
struct Slot(Arc<InFlight>);

/// The place a request holds, shared with work that outlives its handler: a workbook upload
/// answered as a stream goes on appraising after the head of the answer is sent, and keeps
/// its place until it stops, so streamed answers count against the limit as long as they
/// cost. Put in the request's extensions; the place is given back when the last clone drops.
#[derive(Clone)]
pub(crate) struct HeldSlot {
    _place: Arc<Slot>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Load shedding: a request beyond the limit is answered 429 at once instead of queueing
/// behind work it would only slow down. `/healthz` is never shed, so a load balancer does
/// not take a busy replica for a dead one.
pub(crate) async fn limit_concurrency(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    match state.in_flight.try_enter() {
        Some(slot) => {
            let slot = HeldSlot {
                _place: Arc::new(slot),
            };
            let mut req = req;
            req.extensions_mut().insert(slot.clone());
            let response = next.run(req).await;
            drop(slot);
            response
        }
        None => {
            let mut response = Error::for_status(StatusCode::TOO_MANY_REQUESTS).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}
