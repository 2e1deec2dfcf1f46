//! Appraising a workbook as it is read: the import on a reader thread, projects appraised
//! on a few workers, outcomes passed on in the order of the Projects sheet, so neither the
//! batch document nor the outcomes are ever held whole.
//!
//! One thread reads the workbook and hands the projects on as their rows are read, in
//! chunks of eight, in turn to one of a few appraising workers (each project is parsed,
//! appraised, judged, placed on its cells and rendered for the output there), and the
//! calling thread takes the outcomes back in order and passes them on. The command line
//! and the service both appraise uploads through [`appraise_workbook`].

use std::sync::mpsc;

use greenlight_core::appraisal::{AppraisalOptions, FactorTables};
use greenlight_core::batch::{
    EligibilityJudge, InputError, MacEntry, MacRows, ProjectAppraiser, ProjectOutcome,
};
use greenlight_core::emissions::cost::MacCurve;
use greenlight_core::registry::Registry;
use serde_json::Value;

use crate::Error;
use crate::import::{ImportSink, ImportedProject, SettingsLocator, import_workbook_streamed};
use crate::limits::WorkbookLimits;

/// Projects read ahead of the appraisal at most (over all workers), so reading never runs
/// far ahead.
const READ_AHEAD: usize = 256;

/// Projects handed to a worker at a time, and outcomes handed back at a time: each hand-over
/// may wake a thread, which costs about as much as reading a small project.
const CHUNK: usize = 8;

/// Chunks of outcomes a worker may finish ahead of the one the output waits for. Together
/// with [`READ_AHEAD`] this bounds what is held however uneven the workers are; it is also
/// the slack that lets one worker go on while another waits for a processor (64 outcomes,
/// several milliseconds of work: a time slice on a busy machine).
const CHUNKS_AHEAD: usize = 8;

/// What is appraised and how: everything of a streamed appraisal but the bytes and the
/// output.
pub struct WorkbookAppraisal<'a> {
    /// The limits the workbook is read within.
    pub limits: &'a WorkbookLimits,
    /// Reference data.
    pub registry: &'a Registry,
    /// Appraisal options (the working behind every figure, or not).
    pub options: &'a AppraisalOptions,
    /// The eligibility judge, when verdicts are wanted.
    pub judge: Option<&'a dyn EligibilityJudge>,
    /// Appraising threads: 1 appraises on the calling thread, more start that many workers.
    pub workers: usize,
    /// Batch settings that replace the workbook's Settings sheet (a request's own settings);
    /// errors in them are still placed on the Settings cells their pointers name, as an
    /// appraisal of the whole document with these settings places them.
    pub settings: Option<Value>,
}

/// What a workbook's appraisal ends with, once every outcome has been passed on.
pub struct WorkbookRun {
    /// The MAC curve of the batch, or a batch-level error (settings that cannot be read)
    /// with its cell.
    pub result: Result<Option<MacCurve>, InputError>,
    /// Cell problems, each with its sheet and cell, then one `project_rejected` per project
    /// left out.
    pub problems: Vec<Error>,
}

/// A project as dispatched: its position in the batch, then the project.
type Numbered = (usize, ImportedProject);

/// An appraised project as the output takes it, with what the MAC curve takes of it; or
/// why it could not be rendered.
type Finished<T, E> = Result<(Option<MacEntry>, T), E>;

/// Hands what the import reads on: the settings to the calling thread, the projects in
/// chunks of [`CHUNK`] to each worker in turn, so the outcomes come back in order by taking
/// them in the same turn.
struct DispatchSink {
    settings: Option<mpsc::SyncSender<(Value, SettingsLocator)>>,
    workers: Vec<mpsc::SyncSender<Vec<Numbered>>>,
    chunk: Vec<Numbered>,
    next: usize,
}

impl DispatchSink {
    fn send_chunk(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        let worker = (self.next - 1) / CHUNK % self.workers.len();
        // A closed channel means the appraising side stopped (its output failed, or the
        // settings cannot be read); the import then only finishes reading, so every cell
        // problem is still reported.
        let _ = self.workers[worker].send(chunk);
    }
}

impl ImportSink for DispatchSink {
    fn settings(&mut self, settings: Value, locator: SettingsLocator) {
        if let Some(tx) = self.settings.take() {
            let _ = tx.send((settings, locator));
        }
    }

    fn project(&mut self, project: ImportedProject) {
        self.chunk.push((self.next, project));
        self.next += 1;
        if self.chunk.len() == CHUNK {
            self.send_chunk();
        }
    }
}

impl Drop for DispatchSink {
    /// The last projects, fewer than a chunk, go when the import is done.
    fn drop(&mut self) {
        self.send_chunk();
    }
}

/// Imports and appraises a workbook. Each outcome is turned by `render` into what the
/// output takes, where it was appraised (so formatting is spread over the workers and the
/// outcome is freed where it was made), and passed to `on_outcome` in sheet order, as soon
/// as every project before it was passed on. `progress` is called on the reading thread
/// with the rows read so far.
///
/// The outer `Err` is a failure of `render` or `on_outcome` (or an appraising worker that
/// stopped, as `E::from` an `internal` [`Error`]); the inner `Err` is a file that cannot be
/// read at all: when found after some projects were passed on, those outcomes stand but the
/// run is incomplete. Projects with cell problems are left out and named in the problems.
pub fn appraise_workbook<T: Send, E: From<Error> + Send>(
    bytes: &[u8],
    how: WorkbookAppraisal<'_>,
    progress: &mut (dyn FnMut(u64) + Send),
    render: &(dyn Fn(ProjectOutcome) -> Result<T, E> + Sync),
    on_outcome: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<Result<WorkbookRun, Error>, E> {
    let workers = how.workers.max(1);
    let limits = how.limits;
    let (settings_tx, settings_rx) = mpsc::sync_channel(1);
    let (project_txs, project_rxs): (Vec<_>, Vec<_>) = (0..workers)
        .map(|_| mpsc::sync_channel::<Vec<Numbered>>(READ_AHEAD.div_ceil(workers * CHUNK)))
        .unzip();
    let (imported, appraised) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut sink = DispatchSink {
                settings: Some(settings_tx),
                workers: project_txs,
                chunk: Vec::with_capacity(CHUNK),
                next: 0,
            };
            import_workbook_streamed(bytes, limits, progress, &mut sink)
        });
        let appraised = appraise_projects(settings_rx, project_rxs, &how, render, on_outcome);
        let imported = reader
            .join()
            .unwrap_or_else(|_| Err(Error::new("internal", "the workbook reader stopped")));
        (imported, appraised)
    });
    let summary = match imported {
        Ok(summary) => summary,
        Err(e) => return Ok(Err(e)),
    };
    let result = appraised?;
    let mut problems = summary.problems;
    for id in &summary.rejected {
        problems.push(Error::new(
            "project_rejected",
            format!(
                "project {:?} was not appraised because of the problems above",
                greenlight_core::error::echo(id)
            ),
        ));
    }
    Ok(Ok(WorkbookRun { result, problems }))
}

/// The appraising side: the settings first, then the projects, on the calling thread when
/// there is one queue of projects, else on one worker per queue.
fn appraise_projects<T: Send, E: From<Error> + Send>(
    settings: mpsc::Receiver<(Value, SettingsLocator)>,
    queues: Vec<mpsc::Receiver<Vec<Numbered>>>,
    how: &WorkbookAppraisal<'_>,
    render: &(dyn Fn(ProjectOutcome) -> Result<T, E> + Sync),
    on_outcome: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<Result<Option<MacCurve>, InputError>, E> {
    // No settings: the import stopped before any project. Returning drops the queues, so
    // the reader, if still going, only finishes reading.
    let Ok((mut settings, locator)) = settings.recv() else {
        return Ok(Ok(None));
    };
    if let Some(given) = &how.settings {
        settings = given.clone();
    }
    // After a batch-level error nothing is appraised; the reading still ends, so every cell
    // problem is reported.
    let projects =
        match ProjectAppraiser::new(Some(&settings), how.registry, how.options, how.judge) {
            Ok(projects) => projects,
            Err(mut e) => {
                if e.location.is_none() {
                    e.location = locator.locate(&e.pointer);
                }
                return Ok(Err(e));
            }
        };
    drop(settings);
    let mut mac = MacRows::default();
    if let [queue] = queues.as_slice() {
        let mut tables = FactorTables::new();
        for numbered in queue.iter().flatten() {
            let (entry, rendered) = appraise_one(&projects, &mut tables, numbered, render)?;
            mac.extend(entry);
            on_outcome(rendered)?;
        }
        return Ok(mac.curve());
    }
    let workers = queues.len();
    std::thread::scope(|scope| -> Result<(), E> {
        let projects = &projects;
        let (handles, finished): (Vec<_>, Vec<_>) = queues
            .into_iter()
            .map(|queue| {
                let (tx, rx) = mpsc::sync_channel::<Vec<Finished<T, E>>>(CHUNKS_AHEAD);
                let handle = scope.spawn(move || {
                    let mut tables = FactorTables::new();
                    for chunk in queue {
                        let mut done = Vec::with_capacity(chunk.len());
                        let mut failed = false;
                        for numbered in chunk {
                            let item = appraise_one(projects, &mut tables, numbered, render);
                            failed = item.is_err();
                            done.push(item);
                            if failed {
                                break;
                            }
                        }
                        // A closed channel: the output stopped; so does this worker, which
                        // closes its queue and lets the reader only finish reading.
                        if tx.send(done).is_err() || failed {
                            break;
                        }
                    }
                });
                (handle, rx)
            })
            .unzip();
        // Chunk `c` went to worker `c mod workers`, which appraises its queue in order: the
        // outcomes are taken back in the same turn. A worker whose channel ends holds no
        // chunk `c`, so none after it exists either.
        let passed_on = (|| {
            for c in 0.. {
                let Ok(chunk) = finished[c % workers].recv() else {
                    break;
                };
                for item in chunk {
                    let (entry, rendered) = item?;
                    mac.extend(entry);
                    on_outcome(rendered)?;
                }
            }
            Ok(())
        })();
        // Stops the workers when the output did; each ends after its current chunk.
        drop(finished);
        let mut stopped = false;
        for handle in handles {
            stopped |= handle.join().is_err();
        }
        if stopped {
            return Err(E::from(Error::new(
                "internal",
                "an appraising worker stopped",
            )));
        }
        passed_on
    })?;
    Ok(mac.curve())
}

/// Appraises one project, places its errors on their cells and renders it.
fn appraise_one<T, E>(
    projects: &ProjectAppraiser<'_>,
    tables: &mut FactorTables,
    (index, project): Numbered,
    render: &(dyn Fn(ProjectOutcome) -> Result<T, E> + Sync),
) -> Finished<T, E> {
    let prefix = format!("/projects/{}", project.index);
    let mut outcome = projects.appraise(index, project.value, &prefix, tables);
    project.locator.place_all(&prefix, &mut outcome);
    let entry = MacEntry::of(&outcome);
    Ok((entry, render(outcome)?))
}
