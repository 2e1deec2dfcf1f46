//! JSON answers written with `greenlight_core::json_text`: the bytes `axum::Json` gives (the
//! same content type; a value that fails to serialize is a 500 with the error as plain text),
//! without serde_json's byte-by-byte escaping of every key and string.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

/// A JSON answer; documented in the OpenAPI description exactly as `axum::Json<T>`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: Serialize> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        // As `axum::Json`: start small, as serde_json's `to_vec` does; the writer grows it.
        let mut text = Vec::with_capacity(128);
        let written = greenlight_core::json_text::write_compact(&mut text, &self.0);
        answer(text, written)
    }
}

/// The response for written JSON text, or for the error that stopped it; one body of code for
/// every `T`.
fn answer(text: Vec<u8>, written: Result<(), serde_json::Error>) -> Response {
    match written {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            text,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            e.to_string(),
        )
            .into_response(),
    }
}

impl<T: JsonSchema> aide::OperationOutput for JsonBody<T> {
    type Inner = T;

    fn operation_response(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) -> Option<aide::openapi::Response> {
        axum::Json::<T>::operation_response(ctx, operation)
    }

    fn inferred_responses(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) -> Vec<(Option<aide::openapi::StatusCode>, aide::openapi::Response)> {
        axum::Json::<T>::inferred_responses(ctx, operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// Status, headers and body as `axum::Json` gives them, for a value and for one that
    /// cannot be written (a map with a key that is not a string).
    #[tokio::test]
    async fn the_response_is_axum_json_s() {
        async fn parts(response: Response) -> (StatusCode, Vec<(String, Vec<u8>)>, Vec<u8>) {
            let status = response.status();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .to_vec();
            (status, headers, body)
        }
        let value = serde_json::json!({"a": [1, "two\n", {"é": null}], "b": 1.5});
        assert_eq!(
            parts(JsonBody(&value).into_response()).await,
            parts(axum::Json(&value).into_response()).await
        );
        let refused: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        let ours = parts(JsonBody(&refused).into_response()).await;
        assert_eq!(ours.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ours, parts(axum::Json(&refused).into_response()).await);
    }
}
