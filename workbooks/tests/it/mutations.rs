//! Seeded mutants of the shipped and filled workbooks (see `mutator.rs`): the import never
//! panics on them, and the whole-document import and the streamed import agree on each,
//! run after run (the streamed import reads sheets on several threads and may start its
//! quick pass before the archive check, so agreement also says no result depends on which
//! thread finished first).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use greenlight_workbooks::template::{Layout, write_filled};
use greenlight_workbooks::{
    Error, ImportSink, ImportedProject, Lang, SettingsLocator, WorkbookLimits, import_workbook,
    import_workbook_streamed,
};
use serde_json::Value;

use crate::mutator::{Rng, mutate};

/// The workbooks mutated: examples, templates, exercise answer workbooks, and the example
/// portfolios written into the template in both languages (shared and inline strings).
pub(crate) fn seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "templates"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("the folder is there")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            files.push((name, std::fs::read(&path).expect("read")));
        }
    }
    let mut exercises: Vec<_> = std::fs::read_dir(root.join("exercises"))
        .expect("the folder is there")
        .map(|e| e.expect("an entry").path().join("answers.xlsx"))
        .filter(|p| p.exists())
        .collect();
    exercises.sort();
    // Three answer workbooks are enough: they share one layout.
    for path in exercises.iter().take(3) {
        files.push((
            path.display().to_string(),
            std::fs::read(path).expect("read"),
        ));
    }
    for (json, lang, layout) in [
        ("city-pipeline.json", Lang::En, Layout::Portfolio),
        ("city-pipeline-eu.json", Lang::Zh, Layout::Portfolio),
        ("city-pipeline.json", Lang::En, Layout::Form),
        ("city-pipeline-eu.json", Lang::En, Layout::Form),
        ("led-street-lighting.json", Lang::En, Layout::Form),
    ] {
        let text = std::fs::read_to_string(root.join("examples").join(json)).expect("read");
        let document: Value = serde_json::from_str(&text).expect("JSON");
        // The form layout refuses projects it cannot hold; those are skipped.
        if let Ok(bytes) = write_filled(&document, lang, layout) {
            files.push((format!("{json} {lang:?} {layout:?}"), bytes));
        }
    }
    files
}

/// What an import gave, in a form two imports can be compared by.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Read {
        settings: Value,
        projects: Vec<Value>,
        problems: Vec<Error>,
        rejected: Vec<String>,
    },
    Refused(Error),
}

#[derive(Default)]
struct Collect {
    settings: Option<Value>,
    projects: Vec<Value>,
    order: Vec<usize>,
}

impl ImportSink for Collect {
    fn settings(&mut self, settings: Value, _: SettingsLocator) {
        assert!(self.settings.is_none(), "settings are handed on once");
        assert!(self.projects.is_empty(), "settings come before any project");
        self.settings = Some(settings);
    }

    fn project(&mut self, project: ImportedProject) {
        self.order.push(project.index);
        self.projects.push(project.value);
    }
}

pub(crate) fn whole(bytes: &[u8], limits: &WorkbookLimits) -> Outcome {
    match import_workbook(bytes, limits) {
        Ok(mut book) => Outcome::Read {
            settings: book.document["settings"].take(),
            projects: match book.document["projects"].take() {
                Value::Array(projects) => projects,
                other => vec![other],
            },
            problems: book.problems,
            rejected: book.rejected,
        },
        Err(e) => Outcome::Refused(e),
    }
}

pub(crate) fn streamed(bytes: &[u8], limits: &WorkbookLimits) -> Outcome {
    let mut sink = Collect::default();
    match import_workbook_streamed(bytes, limits, &mut |_| {}, &mut sink) {
        Ok(summary) => {
            let numbered: Vec<usize> = (0..sink.order.len()).collect();
            assert_eq!(sink.order, numbered, "projects are numbered in order");
            Outcome::Read {
                settings: sink.settings.unwrap_or(Value::Null),
                projects: sink.projects,
                problems: summary.problems,
                rejected: summary.rejected,
            }
        }
        Err(e) => Outcome::Refused(e),
    }
}

/// Mutants per seed workbook; about 560 in all.
const MUTANTS_PER_SEED: u64 = 40;

#[test]
fn mutated_workbooks_never_panic_and_both_imports_agree() {
    let limits = WorkbookLimits::default();
    let mut refused: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let (mut read, mut total) = (0usize, 0usize);
    // More (and other) seeds for hunting: `GREENLIGHT_WORKBOOK_MUTANTS=400`,
    // `GREENLIGHT_WORKBOOK_MUTANT_FROM=40`.
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<u64>().ok());
    let from = env("GREENLIGHT_WORKBOOK_MUTANT_FROM").unwrap_or(0);
    let count = env("GREENLIGHT_WORKBOOK_MUTANTS").unwrap_or(MUTANTS_PER_SEED);
    for (s, (file, original)) in seeds().iter().enumerate() {
        for n in from..from + count {
            let seed = (s as u64) << 32 | n;
            let mut rng = Rng::new(seed);
            let (bytes, what) = mutate(original, &mut rng);
            let run = |f: fn(&[u8], &WorkbookLimits) -> Outcome| {
                catch_unwind(AssertUnwindSafe(|| f(&bytes, &limits))).unwrap_or_else(|_| {
                    panic!("the import panicked on mutant {seed:#x} of {file}: {what}")
                })
            };
            let a = run(whole);
            let b = run(streamed);
            assert_eq!(
                a, b,
                "the two imports disagree on mutant {seed:#x} of {file}: {what}"
            );
            total += 1;
            match a {
                Outcome::Read { .. } => read += 1,
                Outcome::Refused(e) => *refused.entry(e.code).or_default() += 1,
            }
        }
    }
    // The test must not pass by refusing every mutant at the door, nor by mutating nothing.
    assert!(
        read >= total / 4,
        "{read} of {total} mutants read; refused: {refused:?}"
    );
    assert!(refused.len() >= 3, "refused: {refused:?}");
}
