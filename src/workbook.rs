//! Appraising a workbook: safe import, then the same batch appraisal as JSON input, with
//! every error placed back on its sheet and cell.
//!
//! The workbook is streamed: one thread reads it and hands the projects on as their rows
//! are read, in chunks of eight, in turn to one of a few appraising workers (each project
//! is parsed, appraised, judged, placed on its cells and rendered for the output there),
//! and the calling thread takes the outcomes back in the order of the Projects sheet and
//! passes them on, so neither the batch document nor the outcomes are ever held whole.

use std::io::IsTerminal;
use std::sync::mpsc;

use greenlight_core::appraisal::{AppraisalOptions, FactorTables};
use greenlight_core::batch::{
    EligibilityJudge, InputError, MacEntry, MacRows, ProjectAppraiser, ProjectOutcome,
};
use greenlight_core::emissions::cost::MacCurve;
use greenlight_core::registry::Registry;
use greenlight_workbooks::import::{
    ImportSink, ImportedProject, SettingsLocator, import_workbook_streamed,
};
use greenlight_workbooks::{Error, WorkbookLimits};
use serde_json::Value;

/// Workbooks above this size get a progress bar (when stderr is a terminal).
const PROGRESS_FROM_BYTES: usize = 1 << 20;

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

/// Appraising workers at most: the appraisal is the longest part of a run, but the reading
/// threads need processor time too.
pub(crate) const MAX_WORKERS: usize = 4;

/// The number of appraising workers for this machine: its available parallelism, at most
/// [`MAX_WORKERS`]; 1 appraises on the calling thread.
pub(crate) fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_WORKERS)
}

/// What a workbook's appraisal ends with, once every outcome has been passed on.
pub(crate) struct WorkbookRun {
    /// The MAC curve of the batch, or a batch-level error (settings that cannot be read)
    /// with its cell.
    pub(crate) result: Result<Option<MacCurve>, InputError>,
    /// Cell problems, each with its sheet and cell, then one line per project left out.
    pub(crate) problems: Vec<Error>,
}

/// A project as dispatched: its position in the batch, then the project.
type Numbered = (usize, ImportedProject);

/// An appraised project as the output takes it, with what the MAC curve takes of it; or
/// why it could not be rendered.
type Finished<T> = anyhow::Result<(Option<MacEntry>, T)>;

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

/// Imports and appraises a workbook on `workers` appraising threads (1: on the calling
/// thread). Each outcome is turned by `render` into what the output takes, where it was
/// appraised (so formatting is spread over the workers and the outcome is freed where it
/// was made), and passed to `on_outcome` in sheet order, as soon as every project before it
/// was passed on. The outer `Err` is a file that cannot be read at all (when found after
/// some projects were passed on, those outcomes stand but the run is incomplete), or a
/// failure of `render` or `on_outcome`; projects with cell problems are left out and named
/// in the problems.
pub(crate) fn appraise_workbook<T: Send>(
    bytes: &[u8],
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    workers: usize,
    render: &(dyn Fn(ProjectOutcome) -> anyhow::Result<T> + Sync),
    on_outcome: &mut dyn FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<Result<WorkbookRun, Error>> {
    let bar = (bytes.len() >= PROGRESS_FROM_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("reading and appraising the workbook");
        bar
    });
    let workers = workers.max(1);
    let (settings_tx, settings_rx) = mpsc::sync_channel(1);
    let (project_txs, project_rxs): (Vec<_>, Vec<_>) = (0..workers)
        .map(|_| mpsc::sync_channel::<Vec<Numbered>>(READ_AHEAD.div_ceil(workers * CHUNK)))
        .unzip();
    let (imported, appraised) = std::thread::scope(|scope| {
        let bar = &bar;
        let reader = scope.spawn(move || {
            let mut progress = |rows: u64| {
                if let Some(bar) = bar {
                    bar.set_position(rows);
                    bar.set_message(format!("{rows} rows read"));
                }
            };
            let mut sink = DispatchSink {
                settings: Some(settings_tx),
                workers: project_txs,
                chunk: Vec::with_capacity(CHUNK),
                next: 0,
            };
            import_workbook_streamed(bytes, &WorkbookLimits::default(), &mut progress, &mut sink)
        });
        let appraised = appraise_projects(
            settings_rx,
            project_rxs,
            registry,
            options,
            judge,
            render,
            on_outcome,
        );
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

/// The appraising side: the settings first, then the projects, on the calling thread when
/// there is one queue of projects, else on one worker per queue.
fn appraise_projects<T: Send>(
    settings: mpsc::Receiver<(Value, SettingsLocator)>,
    queues: Vec<mpsc::Receiver<Vec<Numbered>>>,
    registry: &Registry,
    options: &AppraisalOptions,
    judge: Option<&dyn EligibilityJudge>,
    render: &(dyn Fn(ProjectOutcome) -> anyhow::Result<T> + Sync),
    on_outcome: &mut dyn FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<Result<Option<MacCurve>, InputError>> {
    // No settings: the import stopped before any project. Returning drops the queues, so
    // the reader, if still going, only finishes reading.
    let Ok((settings, locator)) = settings.recv() else {
        return Ok(Ok(None));
    };
    // After a batch-level error nothing is appraised; the reading still ends, so every cell
    // problem is reported.
    let projects = match ProjectAppraiser::new(Some(&settings), registry, options, judge) {
        Ok(projects) => projects,
        Err(mut e) => {
            e.location = locator.locate(&e.pointer);
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
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let projects = &projects;
        let (handles, finished): (Vec<_>, Vec<_>) = queues
            .into_iter()
            .map(|queue| {
                let (tx, rx) = mpsc::sync_channel::<Vec<Finished<T>>>(CHUNKS_AHEAD);
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
            anyhow::bail!("an appraising worker stopped");
        }
        passed_on
    })?;
    Ok(mac.curve())
}

/// Appraises one project, places its errors on their cells and renders it.
fn appraise_one<T>(
    projects: &ProjectAppraiser<'_>,
    tables: &mut FactorTables,
    (index, project): Numbered,
    render: &(dyn Fn(ProjectOutcome) -> anyhow::Result<T> + Sync),
) -> Finished<T> {
    let prefix = format!("/projects/{}", project.index);
    let mut outcome = projects.appraise(index, project.value, &prefix, tables);
    project.locator.place_all(&prefix, &mut outcome);
    let entry = MacEntry::of(&outcome);
    Ok((entry, render(outcome)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenlight_core::batch::{AppraisalOutput, appraise_json};
    use rust_decimal::Decimal;
    use std::ops::Neg;

    /// A portfolio workbook of `count` synthetic projects (every third with emissions, so the
    /// MAC curve has rows; every seventh with a discount rate of −100 %, which the appraisal
    /// rejects, so errors are placed on their cells: written as −100 in the rate column
    /// headed `(%)`).
    fn portfolio(count: usize) -> Vec<u8> {
        let mut rng = crate::bench::SplitMix::new(7);
        let projects: Vec<_> = (0..count)
            .map(|i| {
                let mut p = crate::bench::synthetic_project(&mut rng, i, 12, i % 3 == 0);
                if i % 7 == 4 {
                    p.finance.discount_rate = Some(Decimal::ONE_HUNDRED.neg());
                }
                p
            })
            .collect();
        let document = serde_json::to_value(&projects).expect("serialises");
        greenlight_workbooks::template::write_filled(
            &document,
            greenlight_workbooks::Lang::En,
            greenlight_workbooks::template::Layout::Portfolio,
        )
        .expect("the template is filled")
    }

    /// The workbook read whole and appraised as one document, on one thread: the path the
    /// streamed run must agree with.
    fn whole_document(
        bytes: &[u8],
        registry: &Registry,
        judge: &dyn EligibilityJudge,
    ) -> AppraisalOutput {
        let imported = greenlight_workbooks::import_workbook(bytes, &WorkbookLimits::default())
            .expect("the workbook is read");
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        let mut output = appraise_json(
            imported.document.clone(),
            registry,
            &AppraisalOptions { trace: false },
            Some(judge),
        )
        .expect("the batch is read");
        imported.place_all(&mut output);
        output
    }

    /// On one, two and three workers (chunks dealt unevenly: 45 projects are five full
    /// chunks and a short one), every outcome, its number, its errors with their cells,
    /// and the MAC curve are those of the whole document appraised on one thread, in order.
    #[test]
    fn workers_give_the_outcomes_of_the_whole_document_in_order() {
        let registry = Registry::embedded().expect("the embedded registry loads");
        let rules =
            greenlight_rules::RuleSet::shipped(greenlight_rules::engine::EngineLimits::standard())
                .expect("the shipped packs load");
        let bytes = portfolio(45);
        let expected = whole_document(&bytes, &registry, &rules);
        let expected_outcomes: Vec<String> = expected
            .results
            .iter()
            .map(|o| serde_json::to_string(o).expect("serialises"))
            .collect();
        assert_eq!(expected_outcomes.len(), 45);
        let placed = expected
            .results
            .iter()
            .filter(|o| o.errors.iter().any(|e| e.location.is_some()))
            .count();
        assert_eq!(
            placed, 6,
            "projects 4, 11, 18, 25, 32 and 39 are rejected on a cell"
        );
        let curve = expected.mac_curve.as_ref().expect("a MAC curve");
        assert_eq!(
            curve.bars.len(),
            15 - 2,
            "every third project, less 18 and 39"
        );
        for workers in [1, 2, 3] {
            let mut outcomes = Vec::new();
            let run = appraise_workbook(
                &bytes,
                &registry,
                &AppraisalOptions { trace: false },
                Some(&rules),
                workers,
                &|o| Ok(serde_json::to_string(&o)?),
                &mut |text| {
                    outcomes.push(text);
                    Ok(())
                },
            )
            .expect("the run ends")
            .expect("the workbook is read");
            assert!(run.problems.is_empty());
            assert_eq!(outcomes, expected_outcomes, "{workers} workers");
            assert_eq!(
                run.result.expect("no batch error").as_ref(),
                Some(curve),
                "{workers} workers"
            );
        }
    }

    /// An output that fails partway stops the run with its error, on one thread and on
    /// workers, after passing on exactly the outcomes before it.
    #[test]
    fn a_failing_output_stops_the_run() {
        let registry = Registry::embedded().expect("the embedded registry loads");
        let bytes = portfolio(30);
        for workers in [1, 2] {
            let mut taken = Vec::new();
            let run = appraise_workbook(
                &bytes,
                &registry,
                &AppraisalOptions { trace: false },
                None,
                workers,
                &|o| Ok(o.index),
                &mut |index| {
                    if index == 20 {
                        anyhow::bail!("the disk is full");
                    }
                    taken.push(index);
                    Ok(())
                },
            );
            let error = run.err().expect("the output's error ends the run");
            assert_eq!(error.to_string(), "the disk is full");
            assert_eq!(taken, (0..20).collect::<Vec<_>>(), "{workers} workers");
        }
    }
}
