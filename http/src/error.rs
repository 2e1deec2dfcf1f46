//! The crate's one error type. A request that fails is answered with it, always in the same
//! shape: `{"error": {"code", "message", "location", "request_id"}}`. Starting the service
//! can fail with it too (a bad configuration, an address in use).

use std::fmt;

use aide::OperationOutput;
use aide::generate::GenContext;
use aide::openapi::{MediaType, Operation, Response, SchemaObject, StatusCode as ApiStatus};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use schemars::JsonSchema;
use serde::Serialize;

/// A failure, with the HTTP status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// Machine code, e.g. `invalid_json`, `unknown_rule_pack`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// Where: a JSON pointer into the request body, `Sheet!Cell`, a path parameter, a
    /// configuration file and line or an environment variable.
    pub location: Option<String>,
}

/// The body of every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// The failure.
    pub error: ErrorDetail,
}

/// The failure inside [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorDetail {
    /// Machine code: `invalid_json` (400), `unauthorized` (401), `not_found`,
    /// `unknown_rule_pack`, `unknown_factor_set`, `unknown_function`, `unknown_language`,
    /// `unknown_exercise` (404),
    /// `method_not_allowed` (405), `request_timeout` (408), `body_too_large`,
    /// `too_many_projects_for_workbook` (413),
    /// `unsupported_media_type` (415), `invalid_request`, `invalid_argument`,
    /// `missing_argument`, `overflow` (422), `too_many_requests` (429), `internal` (500),
    /// `not_implemented` (501), `unavailable` (503).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// Where the problem is: a JSON pointer into the request body (`/projects/0/id`), a
    /// sheet and cell (`Projects!C7`) or a path parameter (`{id}`); null when the request as
    /// a whole is at fault.
    pub location: Option<String>,
    /// The request id, as sent in the `x-request-id` response header.
    pub request_id: String,
}

impl Error {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            status,
            code: code.into(),
            message: message.into(),
            location: None,
        }
    }

    /// The same error at `location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// 422: valid JSON, but not a valid request.
    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message).at(pointer)
    }

    /// 404 for an unknown item of a collection.
    pub fn unknown(code: &str, parameter: &str, message: impl Into<String>) -> Self {
        Error::new(StatusCode::NOT_FOUND, code, message).at(parameter)
    }

    /// 500, with no internal details for the client.
    pub fn internal() -> Self {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the service failed to answer this request; it has been logged",
        )
    }

    /// A bad configuration, located by file and line or by variable.
    pub fn config(location: String, message: impl Into<String>) -> Self {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "invalid_config", message).at(location)
    }

    /// The generic error for a status produced outside a handler (the router, a layer).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "the request is malformed"),
            401 => (
                "unauthorized",
                "an API key is needed: authorization: Bearer <key> or x-api-key",
            ),
            404 => ("not_found", "no such route"),
            405 => ("method_not_allowed", "this route does not take this method"),
            408 => (
                "request_timeout",
                "the request took longer than the service allows",
            ),
            413 => (
                "body_too_large",
                "the request body is larger than the service accepts",
            ),
            415 => (
                "unsupported_media_type",
                "unsupported content type: send application/json",
            ),
            429 => (
                "too_many_requests",
                "the service is at its concurrency limit; retry shortly",
            ),
            503 => (
                "unavailable",
                "the service cannot answer now; retry shortly",
            ),
            s if s >= 500 => return Error::internal(),
            _ => ("bad_request", "the request cannot be answered"),
        };
        Error::new(status, code, message)
    }

    /// The JSON body, carrying `request_id`.
    pub fn body(&self, request_id: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
                location: self.location.clone(),
                request_id: request_id.to_owned(),
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{l}: {} ({})", self.message, self.code),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

impl std::error::Error for Error {}

/// The answer carries the error in its extensions; the response layer in
/// [`crate::middleware`] writes the body once it knows the request id, so every error, from
/// a handler, the router or a layer, leaves the service in one shape.
impl IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl OperationOutput for Error {
    type Inner = ErrorBody;

    fn operation_response(ctx: &mut GenContext, _operation: &mut Operation) -> Option<Response> {
        let json_schema = ctx.schema.subschema_for::<ErrorBody>();
        Some(Response {
            description: "The failure: machine code, message, location and request id.".into(),
            content: [(
                "application/json".to_owned(),
                MediaType {
                    schema: Some(SchemaObject {
                        json_schema,
                        example: None,
                        external_docs: None,
                    }),
                    ..Default::default()
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        })
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<ApiStatus>, Response)> {
        Self::operation_response(ctx, operation)
            .map(|r| vec![(None, r)])
            .unwrap_or_default()
    }
}
