//! Mutated project documents: every shipped example and exercise project, changed one value
//! at a time in the ways users and other systems get them wrong, appraised through
//! `core::batch::appraise_json` with the embedded registry and the shipped rule packs as
//! judge, with and without the trace.
//!
//! The oracle holds for any input: no panic; one outcome per project; every error has a
//! non-empty message and a JSON pointer that exists in the mutated document, or whose parent
//! does (a missing field is named at its parent's place with its own name); the output
//! serialises to JSON, and appraising the same document again gives the same bytes.
//!
//! Mutants are drawn by a seeded xorshift, so a failure names the seed, the mutant's number,
//! its pointer and its value, and is replayed by `GREENLIGHT_MUTANT=<n>`. `GREENLIGHT_MUTANTS`
//! changes how many are drawn (default below), `GREENLIGHT_MUTANT_SEED` the seed, and
//! `GREENLIGHT_MUTANT_LOG=1` prints every error of every mutant.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{
    AppraisalOutput, EligibilityJudge, appraise_json, appraise_projects, plain_projects,
};
use greenlight_core::registry::Registry;
use greenlight_rules::{EngineLimits, RuleSet};
use serde_json::{Value, json};

/// Enough mutants to draw every kind many times over the ~20 seed projects, few enough to
/// stay well within half a minute in a debug build on two cores.
const DEFAULT_MUTANTS: u64 = 1200;
const DEFAULT_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// xorshift64*: small, seeded, the same sequence on every machine.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the rules crate sits in the workspace")
        .to_path_buf()
}

/// Every project object of a batch document (one project, an array, or `{"projects": [...]}`).
fn projects_of(doc: Value) -> Vec<Value> {
    match doc {
        Value::Array(items) => items,
        Value::Object(mut map) if map.contains_key("projects") => match map.remove("projects") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        one => vec![one],
    }
}

/// The shipped example projects and the exercise projects (`project.json`, `projects.json`;
/// `flows.json` holds bare cash-flow series for the calculator, not projects).
fn seed_projects() -> Vec<(String, Value)> {
    let root = repository();
    let mut files: Vec<PathBuf> = Vec::new();
    let examples = root.join("workbooks/examples");
    for entry in std::fs::read_dir(&examples).expect("examples folder") {
        let path = entry.expect("examples entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    let exercises = root.join("workbooks/exercises");
    for entry in std::fs::read_dir(&exercises).expect("exercises folder") {
        let dir = entry.expect("exercises entry").path();
        for name in ["project.json", "projects.json"] {
            let path = dir.join(name);
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut seeds = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("seed file reads");
        let doc: Value = serde_json::from_str(&text).expect("seed file is JSON");
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (i, project) in projects_of(doc).into_iter().enumerate() {
            seeds.push((format!("{name}#{i}"), project));
        }
    }
    seeds
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The pointer of every value in `value` below `prefix`, the root included.
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    out.push(prefix.to_owned());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, &format!("{prefix}/{}", escape(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, &format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The parent's pointer and the last segment, unescaped.
fn split_last(pointer: &str) -> Option<(&str, String)> {
    let at = pointer.rfind('/')?;
    let last = pointer[at + 1..].replace("~1", "/").replace("~0", "~");
    Some((&pointer[..at], last))
}

/// What a mutation did, for the failure message.
struct Mutation {
    pointer: String,
    what: String,
}

fn nested(depth: usize) -> Value {
    let mut v = json!("bottom");
    for i in 0..depth {
        v = if i % 2 == 0 {
            json!([v])
        } else {
            json!({ "a": v })
        };
    }
    v
}

/// A replacement value for the node at `pointer`, chosen by the field's name and type.
fn replacement(rng: &mut XorShift, pointer: &str, current: &Value, project: &Value) -> Value {
    let name = split_last(pointer).map(|(_, l)| l).unwrap_or_default();
    let start = project
        .pointer("/timeline/start_year")
        .and_then(Value::as_i64)
        .unwrap_or(2026)
        .clamp(-10_000, 10_000);
    let years = project
        .pointer("/timeline/analysis_years")
        .and_then(Value::as_i64)
        .unwrap_or(20)
        .clamp(0, 1_000);
    let extremes = [
        json!(1e30),
        json!(-1e30),
        json!(1e-30),
        json!(0),
        json!(-0.0),
        json!("-0"),
        json!("79228162514264337593543950335"),
        json!("-79228162514264337593543950335"),
        json!("79228162514264337593543950336"),
        json!("0.12345678901234567890123456789"),
        json!("12345678901234567890.123456789012"),
        json!("1e5"),
        json!("1e30"),
        json!("NaN"),
        json!(-1),
        json!("-1"),
        json!(u64::MAX),
        json!(i64::MIN),
    ];
    let general = [
        Value::Null,
        json!(""),
        json!([]),
        json!({}),
        json!(true),
        json!(7),
        json!("text"),
        json!("no_such_value"),
        json!("zz-unknown-id"),
        json!("项目 ✓ é 😀"),
        Value::String("x".repeat(100_000)),
        nested(100),
        json!(vec![0; 5_000]),
    ];
    if name.ends_with("_years") {
        // Periods: analysis, construction, service life, tenor, grace.
        let choices = [
            json!(0),
            json!(1),
            json!(200),
            json!(201),
            json!(-1),
            json!(100_000),
            json!(u32::MAX),
        ];
        return rng.pick(&choices).clone();
    }
    if name.contains("year") {
        let choices = [
            json!(start - 1),
            json!(start - 100),
            json!(start + years + 5),
            json!(0),
            json!(-1),
            json!(65_535),
            json!(4_294_967_296_i64),
            json!(i64::MAX),
            json!([start + years, start]),
            json!([start, start + 500]),
            json!([start - 3, start + 1]),
            json!([start]),
            json!([start, start + 1, start + 2]),
        ];
        return rng.pick(&choices).clone();
    }
    if name.contains("rate") || name.contains("escalation") || name.contains("inflation") {
        let choices = [
            json!("-1"),
            json!("-0.9999"),
            json!("-1.5"),
            json!("100"),
            json!("1e-30"),
            json!("0.0000000000000000000000000001"),
            json!("79228162514264337593543950335"),
            json!([{ "from_year": 0, "rate": "0.035" }, { "from_year": 0, "rate": "-1" }]),
        ];
        return rng.pick(&choices).clone();
    }
    match current {
        Value::Number(_) => {
            if rng.below(3) > 0 {
                rng.pick(&extremes).clone()
            } else {
                rng.pick(&general).clone()
            }
        }
        Value::String(s) if s.parse::<f64>().is_ok() => {
            if rng.below(3) > 0 {
                rng.pick(&extremes).clone()
            } else {
                rng.pick(&general).clone()
            }
        }
        _ => {
            if rng.below(4) == 0 {
                rng.pick(&extremes).clone()
            } else {
                rng.pick(&general).clone()
            }
        }
    }
}

/// Mutates one node of `project` in place.
fn mutate(rng: &mut XorShift, project: &mut Value) -> Mutation {
    let mut all = Vec::new();
    pointers(project, "", &mut all);
    let pointer = rng.pick(&all).clone();
    let original = project.clone();
    let kind = rng.below(10);
    let Some((parent_pointer, last)) = split_last(&pointer) else {
        // The root itself: a project that is no object at all.
        let v = replacement(rng, "", project, &original);
        let what = format!("project replaced by {}", short(&v));
        *project = v;
        return Mutation { pointer, what };
    };
    let parent = project
        .pointer_mut(parent_pointer)
        .expect("the parent of a listed pointer exists");
    match (kind, parent) {
        (0 | 1, Value::Object(map)) => {
            map.remove(&last);
            Mutation {
                pointer,
                what: "deleted".into(),
            }
        }
        (2, Value::Object(map)) => {
            let key = *rng.pick(&["unknown_field", "a/b~c", "名称", ""]);
            map.insert(key.into(), json!(1));
            Mutation {
                pointer: format!("{parent_pointer}/{}", escape(key)),
                what: "unknown field added".into(),
            }
        }
        (2 | 3, Value::Array(items)) => {
            let i: usize = last.parse().expect("array index");
            let copy = items[i].clone();
            let times = if rng.below(4) == 0 { 2_000 } else { 1 };
            for _ in 0..times {
                items.insert(i, copy.clone());
            }
            Mutation {
                pointer,
                what: format!("element repeated {times} more time(s)"),
            }
        }
        (_, parent) => {
            let current = match &*parent {
                Value::Object(map) => map.get(&last).cloned().unwrap_or(Value::Null),
                Value::Array(items) => items[last.parse::<usize>().expect("index")].clone(),
                _ => Value::Null,
            };
            let v = replacement(rng, &pointer, &current, &original);
            let what = format!("set to {}", short(&v));
            match parent {
                Value::Object(map) => {
                    map.insert(last, v);
                }
                Value::Array(items) => {
                    let i: usize = last.parse().expect("array index");
                    items[i] = v;
                }
                _ => {}
            }
            Mutation { pointer, what }
        }
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        let head: String = text.chars().take(60).collect();
        format!("{head}… ({} bytes)", text.len())
    } else {
        text
    }
}

/// Problems the oracle finds in one outcome of a document.
fn check(doc: &Value, projects: usize, output: &AppraisalOutput) -> Vec<String> {
    let mut problems = Vec::new();
    if output.results.len() != projects {
        problems.push(format!(
            "{} outcomes for {projects} projects",
            output.results.len()
        ));
    }
    for (i, outcome) in output.results.iter().enumerate() {
        if outcome.index != i {
            problems.push(format!("outcome {i} numbered {}", outcome.index));
        }
        if outcome.appraisal.is_none() && outcome.errors.is_empty() {
            problems.push(format!("outcome {i} has neither appraisal nor error"));
        }
        for e in &outcome.errors {
            if e.message.trim().is_empty() {
                problems.push(format!("error at {:?} has no message", e.pointer));
            }
            if e.code.is_empty() {
                problems.push(format!("error at {:?} has no code", e.pointer));
            }
            let exists = doc.pointer(&e.pointer).is_some();
            // A missing field is named by its own pointer, under a parent that exists; any
            // other error names a value that is there.
            let missing = e.code == "missing_argument" || e.message.starts_with("missing field");
            let parent_exists = missing
                && split_last(&e.pointer).is_some_and(|(parent, last)| {
                    doc.pointer(parent)
                        .and_then(Value::as_object)
                        .is_some_and(|map| !map.contains_key(&last))
                });
            if !exists && !parent_exists {
                problems.push(format!(
                    "error pointer {:?} is not in the document ({}: {})",
                    e.pointer, e.code, e.message
                ));
            }
        }
    }
    problems
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn mutated_projects_give_results_or_errors_that_name_their_field() {
    let seeds = seed_projects();
    assert!(seeds.len() >= 10, "seed projects found: {}", seeds.len());
    let registry = Registry::embedded().expect("embedded registry");
    let rules = RuleSet::shipped(EngineLimits::standard()).expect("shipped packs");
    let judge: &dyn EligibilityJudge = &rules;
    let plain = AppraisalOptions { trace: false };
    let traced = AppraisalOptions { trace: true };

    let seed = env_number("GREENLIGHT_MUTANT_SEED").unwrap_or(DEFAULT_SEED);
    let count = env_number("GREENLIGHT_MUTANTS").unwrap_or(DEFAULT_MUTANTS);
    let only = env_number("GREENLIGHT_MUTANT");
    // Every error of every mutant on standard error, to read through.
    let log = std::env::var_os("GREENLIGHT_MUTANT_LOG").is_some();
    // xorshift never leaves 0.
    let mut rng = XorShift(if seed == 0 { DEFAULT_SEED } else { seed });
    let mut failures = Vec::new();

    for n in 0..count {
        let (name, project) = &seeds[rng.below(seeds.len())];
        let mut mutant = project.clone();
        let mutation = mutate(&mut rng, &mut mutant);
        // A second mutation now and then: errors that only show in combination.
        let second = (rng.below(4) == 0).then(|| mutate(&mut rng, &mut mutant));
        let shape = rng.below(3);
        let with_trace = rng.below(2) == 0;
        if only.is_some_and(|m| m != n) {
            continue;
        }
        // Three shapes of batch: the bare project, an array with an intact project after it,
        // and the settings form with the same id twice.
        let doc = match shape {
            0 => mutant,
            1 => json!([mutant, project]),
            _ => json!({ "settings": { "defaults": { "currency": "CNY" } },
                         "projects": [project, mutant] }),
        };
        // The entry points read text: a document deeper than the JSON reader's limit never
        // reaches the appraisal.
        let text = doc.to_string();
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        // A bare project mutated into an array is a batch of its elements.
        let projects = projects_of(doc.clone()).len();
        let options = if with_trace { &traced } else { &plain };
        let describe = || {
            let mut d = format!(
                "seed {seed:#x} mutant {n} of {name} (shape {shape}, trace {with_trace}): {} {}",
                mutation.pointer, mutation.what
            );
            if let Some(s) = &second {
                d.push_str(&format!(", then {} {}", s.pointer, s.what));
            }
            d
        };
        let run = || appraise_json(doc.clone(), &registry, options, Some(judge));
        let first = match catch_unwind(AssertUnwindSafe(run)) {
            Ok(r) => r,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{}: panicked: {message}", describe()));
                continue;
            }
        };
        match first {
            Err(e) => {
                // Only the batch's own envelope may fail the whole batch; the mutants leave
                // the envelope alone.
                failures.push(format!(
                    "{}: the whole batch failed: {} at {:?}: {}",
                    describe(),
                    e.code,
                    e.pointer,
                    e.message
                ));
            }
            Ok(output) => {
                if log {
                    for e in output.results.iter().flat_map(|r| &r.errors) {
                        eprintln!(
                            "{} => {} at {}: {}",
                            describe(),
                            e.code,
                            e.pointer,
                            e.message
                        );
                    }
                }
                for p in check(&doc, projects, &output) {
                    failures.push(format!("{}: {p}", describe()));
                }
                let bytes = serde_json::to_vec(&output).expect("the output serialises");
                let again = catch_unwind(AssertUnwindSafe(run))
                    .ok()
                    .and_then(Result::ok)
                    .map(|o| serde_json::to_vec(&o).expect("the output serialises"));
                if again.as_deref() != Some(bytes.as_slice()) {
                    failures.push(format!("{}: a second run gave other bytes", describe()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mutant(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The service reads a request that is `{"projects": [...]}` and nothing else straight from its
/// text (`plain_projects`, then `appraise_projects`); any request so read must be answered
/// byte for byte as reading its text into a document and `appraise_json` answer it, and a text
/// that is not JSON must never be read so. Checked on every seed project, on mutants of them
/// (alone and after an intact project), and on texts that differ only in how the JSON is
/// written: escapes, numbers for decimal strings, layout, a key given twice, other keys.
#[test]
fn plain_batches_read_from_text_answer_as_the_document_does() {
    let seeds = seed_projects();
    let registry = Registry::embedded().expect("embedded registry");
    let rules = RuleSet::shipped(EngineLimits::standard()).expect("shipped packs");
    let judge: &dyn EligibilityJudge = &rules;
    let options = AppraisalOptions { trace: false };
    let mut rng = XorShift(DEFAULT_SEED ^ 0x00C0_FFEE);

    let mut texts: Vec<(String, String)> = Vec::new();
    for (name, project) in &seeds {
        texts.push((name.clone(), json!({ "projects": [project] }).to_string()));
        texts.push((
            format!("{name}, pretty"),
            serde_json::to_string_pretty(&json!({ "projects": [project] })).expect("text"),
        ));
    }
    for n in 0..400 {
        let (name, project) = &seeds[rng.below(seeds.len())];
        let mut mutant = project.clone();
        let mutation = mutate(&mut rng, &mut mutant);
        let doc = if rng.below(2) == 0 {
            json!({ "projects": [mutant] })
        } else {
            json!({ "projects": [project, mutant] })
        };
        let label = format!("{name}, mutant {n}: {} {}", mutation.pointer, mutation.what);
        texts.push((label, doc.to_string()));
    }
    let (_, led) = seeds
        .iter()
        .find(|(name, _)| name.contains("led-street-lighting"))
        .expect("the LED example is a seed");
    let led = json!({ "projects": [led] }).to_string();
    let written = |from: &str, to: &str| {
        assert!(led.contains(from), "{from} in the LED request");
        led.replacen(from, to, 1)
    };
    for (label, text) in [
        (
            "escapes",
            written("\"name\":\"", "\"name\":\"\\u00e9\\n\\\"\\/\\ud83d\\ude00 "),
        ),
        (
            "a number for a decimal string",
            written("\"-250000\"", "-2.5e5"),
        ),
        (
            "a number with trailing zeros",
            written("\"0.06\"", "0.0600"),
        ),
        ("a negative zero", written("\"0.01\"", "-0")),
        (
            "a key given twice",
            written("[{\"", "[{\"name\":\"first\",\""),
        ),
        (
            "projects given twice",
            written("{\"projects\":", "{\"projects\":[],\"projects\":"),
        ),
        (
            "settings",
            written("{\"projects\":", "{\"settings\":{},\"projects\":"),
        ),
        (
            "another key",
            written("{\"projects\":", "{\"other\":1,\"projects\":"),
        ),
        (
            "an array of projects",
            led.replacen("{\"projects\":", "[", 1)
                .replacen("]}", "]]", 1),
        ),
        (
            "a project as an array",
            written("[{\"", "[[{\"").replacen("}]}", "}]]}", 1),
        ),
        ("text after the document", format!("{led} x")),
        ("white space around it", format!(" \n{led}\t")),
        (
            "a lone surrogate",
            written("\"name\":\"", "\"name\":\"\\ud800"),
        ),
        ("no projects", "{}".to_owned()),
        ("an empty batch", "{\"projects\": []}".to_owned()),
    ] {
        texts.push((label.to_owned(), text));
    }

    let mut mutants_read_plainly = 0;
    let mut others_read_plainly = 0;
    let mut failures = Vec::new();
    for (label, text) in &texts {
        let Some(projects) = plain_projects(text.as_bytes()) else {
            continue;
        };
        if label.contains(", mutant ") {
            mutants_read_plainly += 1;
        } else {
            others_read_plainly += 1;
        }
        let Ok(document) = serde_json::from_str::<Value>(text) else {
            failures.push(format!("{label}: read plainly, but it is not JSON"));
            continue;
        };
        let answer = |output: Result<AppraisalOutput, _>| {
            output.map(|o| greenlight_core::json_text::to_vec(&o).expect("written"))
        };
        let plain = answer(appraise_projects(
            projects,
            &registry,
            &options,
            Some(judge),
        ));
        let as_document = answer(appraise_json(document, &registry, &options, Some(judge)));
        if plain != as_document {
            failures.push(format!("{label}: the answers differ"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} text(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every seed project reads plainly, and so does a mutant that is still a valid project
    // (a value changed within its range, an element repeated, a field with a default deleted).
    assert_eq!(others_read_plainly, seeds.len() * 2 + 6);
    assert!(
        mutants_read_plainly >= 40,
        "only {mutants_read_plainly} of 400 mutants read plainly"
    );
    for (label, expected) in [
        ("escapes", true),
        ("a number for a decimal string", true),
        ("a negative zero", true),
        ("white space around it", true),
        ("an empty batch", true),
        ("a key given twice", false),
        ("projects given twice", false),
        ("settings", false),
        ("another key", false),
        ("an array of projects", false),
        ("a project as an array", false),
        ("text after the document", false),
        ("a lone surrogate", false),
        ("no projects", false),
    ] {
        let (_, text) = texts.iter().find(|(l, _)| l == label).expect("listed");
        assert_eq!(
            plain_projects(text.as_bytes()).is_some(),
            expected,
            "{label}: {text}"
        );
    }
}
