//! The HTTP appraisal service: router, API types, OpenAPI document and the web page.
//!
//! The crate is laid out in the workspace now so that dependency edges are fixed from the
//! start (`core`, `rules`, `workbooks` ← `http`); its router arrives with the service work.
