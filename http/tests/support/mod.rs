//! What the service's test files share: the service built once per test binary over the
//! embedded data and shipped packs, and building test workbooks. Each test file uses part of
//! it, hence `dead_code` allowed here.
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::sync::{Arc, OnceLock};

use axum::Router;
use greenlight_core::registry::Registry;
use greenlight_http::{AppState, ServiceConfig, router};
use greenlight_rules::{EngineLimits, RuleSet};

/// The embedded registry and the shipped rule packs, loaded once per test binary.
pub(crate) fn shared() -> (Arc<Registry>, Arc<RuleSet>) {
    static SHARED: OnceLock<(Arc<Registry>, Arc<RuleSet>)> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            (
                Arc::new(Registry::embedded().expect("embedded data loads")),
                Arc::new(RuleSet::shipped(EngineLimits::standard()).expect("shipped packs load")),
            )
        })
        .clone()
}

/// The service's router with `config`, over the shared registry and packs.
pub(crate) fn app_with(config: ServiceConfig) -> Router {
    let (registry, rules) = shared();
    router(AppState::from_shared(config, registry, rules))
}

/// The archive with one entry replaced.
pub(crate) fn rewrite_entry(bytes: &[u8], name: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut edited = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let entry_name = entry.name().expect("name").into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("inflate");
        if entry_name == name {
            data = edit(&String::from_utf8(data).expect("xml is UTF-8")).into_bytes();
            edited = true;
        }
        out.start_file(entry_name, options).expect("start entry");
        out.write_all(&data).expect("write entry");
    }
    assert!(edited, "no entry {name}");
    out.finish().expect("finish zip").into_inner()
}
