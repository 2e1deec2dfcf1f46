//! Time and peak memory of writing the results workbook for a portfolio of 1 000 and 10 000
//! projects: the seven projects of the example city pipeline, repeated under fresh ids,
//! appraised with eligibility (not timed), then written (timed).
//!
//! `cargo bench -p greenlight-workbooks --bench results_workbook [-- 1000 10000]`
//!
//! Peak memory is the process's resident high-water mark (Linux `VmHWM`), reset just before
//! writing through `/proc/self/clear_refs`, so it is the peak while writing, which includes the
//! appraisal results already in memory (reported separately as the resident size before).

use std::time::Instant;

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::appraise_json;
use greenlight_core::registry::Registry;
use greenlight_rules::{EngineLimits, RuleSet};
use greenlight_workbooks::{ReportOptions, results_workbook};
use serde_json::Value;

const CITY: &str = include_str!("../examples/city-pipeline.json");

/// A `/proc/self/status` field in MiB, when the platform has one.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time of this process (user + system), in seconds, from `/proc/self/stat` (clock
/// ticks of 1/100 s): less sensitive than wall time to other work on a shared machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn portfolio(n: usize) -> Value {
    let city: Value = serde_json::from_str(CITY).expect("the example pipeline is JSON");
    let projects = city["projects"].as_array().expect("projects").clone();
    let all: Vec<Value> = (0..n)
        .map(|i| {
            let mut p = projects[i % projects.len()].clone();
            let id = format!("{}-{i:05}", p["id"].as_str().unwrap_or("p"));
            p["id"] = Value::String(id);
            p
        })
        .collect();
    serde_json::json!({ "projects": all })
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    let registry = Registry::embedded().expect("embedded data");
    let rules = RuleSet::shipped(EngineLimits::standard()).expect("shipped packs");
    println!(
        "| projects | yearly rows | file size | write time (wall) | CPU time | resident before | peak while writing |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let output = appraise_json(
            portfolio(n),
            &registry,
            &AppraisalOptions { trace: false },
            Some(&rules),
        )
        .expect("the portfolio appraises");
        let before = status_mib("VmRSS:");
        // Resets the high-water mark to the current resident size.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let cpu_start = cpu_seconds();
        let start = Instant::now();
        let bytes = results_workbook(&output, &ReportOptions::default()).expect("written");
        let elapsed = start.elapsed();
        let cpu = cpu_seconds()
            .zip(cpu_start)
            .map_or_else(|| "n/a".to_owned(), |(b, a)| format!("{:.2} s", b - a));
        let peak = status_mib("VmHWM:");
        let rows: usize = output
            .results
            .iter()
            .filter_map(|r| r.appraisal.as_ref())
            .map(|a| a.years.len() + a.emissions.as_ref().map_or(0, |e| e.years.len()))
            .sum();
        let show = |m: Option<f64>| m.map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MiB"));
        println!(
            "| {n} | {rows} | {:.1} MB | {:.2} s | {cpu} | {} | {} |",
            bytes.len() as f64 / 1e6,
            elapsed.as_secs_f64(),
            show(before),
            show(peak)
        );
    }
}
