//! The sandbox: each hostile script is stopped by a limit with a clear error naming the limit;
//! the process is unharmed and the other rules of the pack still run.

use std::time::Duration;

use greenlight_rules::pack::Pack;
use greenlight_rules::record::{FieldValue, Record};
use greenlight_rules::verdict::Verdict;
use greenlight_rules::{EngineLimits, RuleErrorKind, RuleSet};

const HEADER: &str = "//! id: test.{id}\n//! title_en: t\n//! title_zh: t\n//! clause: t\n//! activities: t\n//! verification: U\n//! source: t\n";

fn pack_with(rules: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut files = vec![(
        "pack.toml".to_owned(),
        "id = \"test-pack\"\nname_en = \"t\"\nname_zh = \"t\"\nversion = \"0.0.1\"\ntaxonomy = \"icma\"\nsource_act = \"t\"\nedition = \"t\"\neffective_from = \"2020-01-01\"\nverification = \"t\"\n".to_owned(),
    )];
    for (id, body) in rules {
        files.push((
            format!("rules/{id}.rhai"),
            format!("{}{body}\n", HEADER.replace("{id}", id)),
        ));
        files.push((format!("rules/{id}.cases.yaml"), "[]".to_owned()));
    }
    files
}

/// The standard limits with a deadline far beyond any operation budget, so that the limit
/// under test, not a slow (debug, loaded) machine's clock, is what stops a script.
fn limits_without_clock_pressure() -> EngineLimits {
    EngineLimits {
        deadline: Duration::from_secs(120),
        ..EngineLimits::standard()
    }
}

fn evaluate(body: &str) -> (Verdict, Option<String>, Verdict) {
    evaluate_with(body, limits_without_clock_pressure())
}

fn evaluate_with(body: &str, set_limits: EngineLimits) -> (Verdict, Option<String>, Verdict) {
    let mut set = RuleSet::empty(set_limits);
    let engine = greenlight_rules::engine::build(&set_limits);
    let pack = Pack::from_files(
        &pack_with(&[("bad", body), ("good", "eligible(\"ok\", \"好\")")]),
        "test",
        &engine,
    )
    .expect("the pack loads");
    set.add(pack).expect("added");
    let mut record = Record::default();
    record.set("activity", FieldValue::Text("t".into()));
    let out = set.evaluate(&record, "2024-01-01");
    let clauses = &out.taxonomies[0].clauses;
    let bad = clauses
        .iter()
        .find(|c| c.rule == "test.bad")
        .expect("bad ran");
    let good = clauses
        .iter()
        .find(|c| c.rule == "test.good")
        .expect("good ran");
    (bad.verdict, bad.error.clone(), good.verdict)
}

fn assert_stopped(body: &str, expect: &str) {
    assert_stopped_with(body, expect, limits_without_clock_pressure());
}

fn assert_stopped_with(body: &str, expect: &str, limits: EngineLimits) {
    let (bad, error, good) = evaluate_with(body, limits);
    assert_eq!(bad, Verdict::NeedsReview);
    let error = error.expect("an error");
    assert!(error.contains(expect), "expected {expect:?} in {error:?}");
    assert!(
        error.contains("test.bad"),
        "the error names the rule: {error}"
    );
    assert_eq!(good, Verdict::Eligible, "the other rule still runs");
}

#[test]
fn an_infinite_loop_is_stopped_by_the_operation_limit() {
    assert_stopped("let x = 0; loop { x += 1; }", "Too many operations");
}

#[test]
fn the_deadline_stops_a_script_the_operation_budget_would_let_run() {
    // A budget no real rule needs and a deadline of a millisecond: the clock is the safety
    // net, and hitting it is an error naming the rule, never a verdict.
    let limits = EngineLimits {
        max_operations: u64::MAX,
        deadline: Duration::from_millis(1),
        ..EngineLimits::standard()
    };
    assert_stopped_with("let x = 0; loop { x += 1; }", "deadline", limits);
}

#[test]
fn deep_recursion_is_stopped_by_the_call_depth_limit() {
    assert_stopped("fn f(n) { f(n + 1) } f(0)", "Stack overflow");
}

#[test]
fn huge_strings_arrays_and_maps_are_stopped() {
    assert_stopped("let s = \"x\"; loop { s = s + s; }", "too large");
    // An array grown element by element is stopped by the array size limit; a map grown
    // key by key is not checked against the map size limit by the engine, so the operation
    // budget stops it (the deadline here is far beyond it), so the map stays within what
    // 100 000 operations can insert.
    assert_stopped("let a = []; loop { a.push(1); }", "too large");
    assert_stopped("let a = [1]; loop { a += a; }", "too large");
    assert_stopped(
        "let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; }",
        "Too many operations",
    );
}

#[test]
fn reading_files_or_the_environment_is_impossible() {
    let engine = greenlight_rules::engine::build(&EngineLimits::standard());
    let err = Pack::from_files(
        &pack_with(&[("bad", "import \"secret\" as s; s::x")]),
        "test",
        &engine,
    )
    .expect_err("no modules");
    assert_eq!(err.kind, RuleErrorKind::Compile);
    assert!(err.position.is_some(), "line and column are given: {err}");
    assert_stopped("open_file(\"/etc/passwd\")", "Function not found");
    assert_stopped("env(\"HOME\")", "Function not found");
    assert_stopped("timestamp()", "Function not found");
    let err = Pack::from_files(&pack_with(&[("bad", "eval(\"1\")")]), "test", &engine)
        .expect_err("no eval");
    assert_eq!(err.kind, RuleErrorKind::Compile);
}

#[test]
fn a_rule_that_returns_something_else_than_a_verdict_is_an_error() {
    assert_stopped("42", "instead of a verdict");
    assert_stopped("#{verdict: \"maybe\"}", "instead of a verdict");
}

#[test]
fn an_undeclared_variable_is_a_compile_error_with_its_position() {
    let engine = greenlight_rules::engine::build(&EngineLimits::standard());
    let err = Pack::from_files(
        &pack_with(&[("bad", "let a = 1;\nif typo > 0 { eligible(\"\", \"\") }")]),
        "test",
        &engine,
    )
    .expect_err("strict variables");
    assert_eq!(err.kind, RuleErrorKind::Compile);
    // Lines count from the top of the file: seven header lines, then the body.
    assert_eq!(err.position.map(|p| p.0), Some(9));
    assert!(err.to_string().contains("test.bad"));
}

#[test]
fn a_decimal_field_compares_as_a_number_never_as_text() {
    // "0" == 0 would silently be false if decimals crossed as strings.
    let (bad, error, _) = evaluate(
        "if p.activity == \"t\" && 0 == 0 { eligible(\"\", \"\") } else { not_eligible(\"\", \"\") }",
    );
    assert_eq!((bad, error), (Verdict::Eligible, None));
}
