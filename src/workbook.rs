//! Appraising a workbook: safe import, then the same batch appraisal as JSON input, with
//! every error placed back on its sheet and cell.
//!
//! The workbook is streamed: one thread reads it and hands on each project as soon as its
//! rows are read, the calling thread appraises it (with eligibility) and passes the outcome
//! on before the next, so neither the batch document nor the outcomes are ever held whole.
//! Outcomes keep the order of the Projects sheet.

use std::io::IsTerminal;
use std::sync::mpsc;

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{BatchAppraiser, EligibilityJudge, InputError, ProjectOutcome};
use greenlight_core::emissions::cost::MacCurve;
use greenlight_core::registry::Registry;
use greenlight_workbooks::import::{
    ImportSink, ImportedProject, SettingsLocator, import_workbook_streamed,
};
use greenlight_workbooks::{Error, WorkbookLimits};
use serde_json::Value;

/// Workbooks above this size get a progress bar (when stderr is a terminal).
const PROGRESS_FROM_BYTES: usize = 1 << 20;

/// Projects read ahead of the appraisal at most, so reading never runs far ahead.
const READ_AHEAD: usize = 256;

/// What a workbook's appraisal ends with, once every outcome has been passed on.
pub(crate) struct WorkbookRun {
    /// The MAC curve of the batch, or a batch-level error (settings that cannot be read)
    /// with its cell.
    pub(crate) result: Result<Option<MacCurve>, InputError>,
    /// Cell problems, each with its sheet and cell, then one line per project left out.
    pub(crate) problems: Vec<Error>,
}

enum Event {
    Settings(Value, SettingsLocator),
    Project(ImportedProject),
}

/// Sends what the import reads to the appraising thread.
struct ChannelSink(mpsc::SyncSender<Event>);

impl ImportSink for ChannelSink {
    fn settings(&mut self, settings: Value, locator: SettingsLocator) {
        // A closed channel means the appraising side stopped (its output failed); the
        // import then only finishes reading.
        let _ = self.0.send(Event::Settings(settings, locator));
    }

    fn project(&mut self, project: ImportedProject) {
        let _ = self.0.send(Event::Project(project));
    }
}

/// Imports and appraises a workbook, passing each project's outcome to `on_outcome` in
/// sheet order as soon as it is appraised. The outer `Err` is a file that cannot be read
/// at all (when found after some projects were passed on, those outcomes stand but the
/// run is incomplete); projects with cell problems are left out and named in the problems.
pub(crate) fn appraise_workbook(
    bytes: &[u8],
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    on_outcome: &mut dyn FnMut(ProjectOutcome) -> anyhow::Result<()>,
) -> anyhow::Result<Result<WorkbookRun, Error>> {
    let bar = (bytes.len() >= PROGRESS_FROM_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("reading and appraising the workbook");
        bar
    });
    let (tx, rx) = mpsc::sync_channel::<Event>(READ_AHEAD);
    let (imported, appraised) = std::thread::scope(|scope| {
        let bar = &bar;
        let reader = scope.spawn(move || {
            let mut progress = |rows: u64| {
                if let Some(bar) = bar {
                    bar.set_position(rows);
                    bar.set_message(format!("{rows} rows read"));
                }
            };
            let mut sink = ChannelSink(tx);
            import_workbook_streamed(bytes, &WorkbookLimits::default(), &mut progress, &mut sink)
        });
        let appraised = appraise_events(rx, registry, options, judge, on_outcome);
        let imported = reader
            .join()
            .unwrap_or_else(|_| Err(Error::new("internal", "the workbook reader stopped")));
        (imported, appraised)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = match imported {
        Ok(summary) => summary,
        Err(e) => return Ok(Err(e)),
    };
    let result = appraised?;
    let mut problems = summary.problems;
    for id in &summary.rejected {
        problems.push(Error::new(
            "project_rejected",
            format!("project {id:?} was not appraised because of the problems above"),
        ));
    }
    Ok(Ok(WorkbookRun { result, problems }))
}

/// The appraising side: settings first, then each project in turn.
fn appraise_events(
    rx: mpsc::Receiver<Event>,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    on_outcome: &mut dyn FnMut(ProjectOutcome) -> anyhow::Result<()>,
) -> anyhow::Result<Result<Option<MacCurve>, InputError>> {
    let mut batch: Option<Result<BatchAppraiser<'_>, InputError>> = None;
    for event in rx {
        match event {
            Event::Settings(settings, locator) => {
                let b = BatchAppraiser::new(Some(&settings), registry, options, judge).map_err(
                    |mut e| {
                        e.location = locator.locate(&e.pointer);
                        e
                    },
                );
                batch = Some(b);
            }
            Event::Project(project) => {
                // After a batch-level error nothing is appraised; the reading still ends, so
                // every cell problem is reported.
                let Some(Ok(b)) = &mut batch else { continue };
                let prefix = format!("/projects/{}", project.index);
                let mut outcome = b.appraise(project.value, &prefix);
                project.locator.place_all(&prefix, &mut outcome);
                on_outcome(outcome)?;
            }
        }
    }
    match batch {
        Some(Ok(b)) => Ok(b.finish()),
        Some(Err(e)) => Ok(Err(e)),
        None => Ok(Ok(None)),
    }
}
