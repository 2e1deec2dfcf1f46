//! The web page (its files are embedded, so the binary serves it with no network) and the
//! offline API reference page.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{Html, IntoResponse};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

pub(crate) async fn index() -> Html<&'static str> {
    Html(INDEX_HTML)
}

pub(crate) async fn app_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
}

pub(crate) async fn app_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS)
}

/// The API reference: the reference viewer's script is embedded in the page, and its
/// default web fonts are turned off, so the page loads nothing from elsewhere.
pub(crate) async fn docs_page() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| {
        aide::scalar::Scalar::new("/openapi.json")
            .with_title("Greenlight API")
            .html()
            .replacen(
                "theme: 'purple',",
                "theme: 'purple', withDefaultFonts: false,",
                1,
            )
    }))
}
