//! Evaluates the rule benchmarks' records many times in one process, for instruction counts
//! under a profiler (`valgrind --tool=callgrind`), where a benchmark harness would blur them.
//!
//! `cargo run --release -p greenlight-rules --example evaluate_many -- [building|portfolio] [N] [TAXONOMY]`
//! (with a taxonomy, only that pack runs, as in the portfolio benchmark).

#[path = "../benches/common/portfolio.rs"]
mod portfolio;

use greenlight_rules::{EngineLimits, RuleSet};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "building".to_owned());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let set = RuleSet::shipped(EngineLimits::standard()).expect("the shipped packs load");
    let records = match which.as_str() {
        "portfolio" => portfolio::synthetic_portfolio(&set),
        _ => vec![portfolio::renovated_building()],
    };
    let only = args.next().and_then(|taxonomy| {
        set.packs()
            .iter()
            .find(|p| p.meta.taxonomy == taxonomy)
            .map(|p| p.meta.id.clone())
    });
    let mut clauses = 0;
    for _ in 0..rounds {
        for r in &records {
            clauses +=
                std::hint::black_box(set.evaluate_packs(r, portfolio::DATE, only.as_deref()))
                    .taxonomies
                    .iter()
                    .map(|t| t.clauses.len())
                    .sum::<usize>();
        }
    }
    println!(
        "{} records × {rounds} rounds, {clauses} clauses",
        records.len()
    );
}
