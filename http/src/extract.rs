//! Extractors that turn every bad request into an [`Error`] with a location, in place of
//! axum's plain-text rejections: a JSON body read within the configured limit, parsed, then
//! read into its type with the JSON pointer of the first problem; query and path parameters.

use aide::OperationInput;
use aide::generate::GenContext;
use aide::openapi::Operation;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::AppState;
use crate::error::Error;

/// A JSON request body read into `T`.
///
/// 415 unless the content type is JSON, 413 over `json_body_limit`, 400 when the bytes are
/// not JSON (with line and column), 422 when the JSON is not a valid `T` (with the pointer).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// The media type of a request, lower-cased and without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// A request body that is either JSON or a multipart form, as the routes that take a JSON
/// document or an uploaded workbook read it.
pub(crate) enum JsonOrForm<T> {
    /// A JSON body read within `json_body_limit` and read into `T`.
    Json(T),
    /// A `multipart/form-data` body read within `upload_body_limit`; its fields are the
    /// caller's to read.
    Form(Box<Parts>, Bytes),
}

/// Reads a JSON or multipart body; any other content type is 415, naming what `accepted`
/// says the route takes.
pub(crate) async fn json_or_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    accepted: &str,
) -> Result<JsonOrForm<T>, Error> {
    json_or_form_read(req, state, accepted, |bytes| {
        from_value(&parse_json(bytes)?)
    })
    .await
}

/// As [`json_or_form`], with the JSON body's bytes read into `T` by `read`.
pub(crate) async fn json_or_form_read<T>(
    req: Request,
    state: &AppState,
    accepted: &str,
    read: impl FnOnce(&[u8]) -> Result<T, Error>,
) -> Result<JsonOrForm<T>, Error> {
    let (parts, body) = req.into_parts();
    match media_type(&parts.headers).as_deref() {
        Some(m) if is_json(m) => {
            let bytes = read_body(&parts.headers, body, state.config.json_body_limit).await?;
            read(&bytes).map(JsonOrForm::Json)
        }
        Some("multipart/form-data") => {
            let bytes = read_body(&parts.headers, body, state.config.upload_body_limit).await?;
            Ok(JsonOrForm::Form(Box::new(parts), bytes))
        }
        other => Err(unsupported_media_type(other, accepted)),
    }
}

/// 415 for a body that is neither JSON nor a multipart upload; `accepted` says what is.
pub(crate) fn unsupported_media_type(content_type: Option<&str>, accepted: &str) -> Error {
    Error::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "content type {} is not accepted here: send {accepted}",
            content_type.unwrap_or("(none)")
        ),
    )
}

/// Whether a media type is JSON (`application/json` or `application/*+json`).
pub(crate) fn is_json(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Reads a body of at most `limit` bytes: 413 above it (at once when `content-length` says
/// so), 400 when the client breaks off.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Error> {
    let too_large = || {
        Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than the {limit} bytes this service accepts"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(Error::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request body could not be read to its end",
        )),
    }
}

/// Parses JSON text, naming line and column of a syntax error.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
        .at(format!("line {} column {}", e.line(), e.column()))
    })
}

/// Reads `T` from parsed JSON, naming the JSON pointer of the first problem (for a missing
/// field, the pointer of the field itself).
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Error> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    T::deserialize(de).map_err(|e| {
        let mut pointer = greenlight_core::batch::pointer_of(&track.path());
        let message = e.to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            pointer.push('/');
            pointer.push_str(field);
        }
        Error::invalid(pointer, message)
    })
}

/// 415 unless the request says it carries JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), Error> {
    match media_type(headers) {
        Some(m) if is_json(&m) => Ok(()),
        other => Err(Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            match other {
                Some(m) => format!("content type {m} is not accepted here: send application/json"),
                None => "no content type: send application/json".to_owned(),
            },
        )),
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        require_json(&parts.headers)?;
        let bytes = read_body(&parts.headers, body, state.config.json_body_limit).await?;
        let value = parse_json(&bytes)?;
        from_value(&value).map(ApiJson)
    }
}

impl<T: JsonSchema> OperationInput for ApiJson<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        axum::Json::<T>::operation_input(ctx, operation);
    }
}

/// Query parameters read into `T`; 400 `invalid_query` naming the problem.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                Error::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()).at("?")
            })
    }
}

impl<T: JsonSchema> OperationInput for ApiQuery<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        axum::extract::Query::<T>::operation_input(ctx, operation);
    }
}

/// Path parameters read into `T`; 400 `invalid_path` naming the problem.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| Error::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))
    }
}

impl<T: JsonSchema> OperationInput for ApiPath<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        axum::extract::Path::<T>::operation_input(ctx, operation);
    }
}
