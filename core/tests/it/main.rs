//! Integration tests of `greenlight-core`: one binary, one module per concern.

mod appraisal;
mod bad_input;
mod batch;
mod emissions;
mod fast_paths;
mod findings;
mod golden;
mod json_text;
mod properties;
mod published;
mod schemas;
mod sensitivity;
mod support;
