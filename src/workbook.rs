//! Appraising a workbook: safe import, then the same batch appraisal as JSON input, with
//! every error placed back on its sheet and cell.
//!
//! The streamed pipeline itself (a reader thread, appraising workers, outcomes passed on in
//! the order of the Projects sheet) is `greenlight_workbooks::pipeline`, shared with the
//! service; the command line adds its progress bar and its number of workers.

use std::io::IsTerminal;

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{EligibilityJudge, ProjectOutcome};
use greenlight_core::registry::Registry;
use greenlight_workbooks::pipeline::{WorkbookAppraisal, WorkbookRun};
use greenlight_workbooks::{Error, WorkbookLimits};

/// Workbooks above this size get a progress bar (when stderr is a terminal).
const PROGRESS_FROM_BYTES: usize = 1 << 20;

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

/// Imports and appraises a workbook on `workers` appraising threads (1: on the calling
/// thread), within the workbook crate's default limits, with a progress bar on large
/// workbooks; see `greenlight_workbooks::appraise_workbook` for what is passed where. The
/// outer `Err` is a failure of `render` or `on_outcome` (or of a worker), the inner one a
/// file that cannot be read at all.
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
    let mut progress = |rows: u64| {
        if let Some(bar) = &bar {
            bar.set_position(rows);
            bar.set_message(format!("{rows} rows read"));
        }
    };
    let limits = WorkbookLimits::default();
    let run = greenlight_workbooks::appraise_workbook(
        bytes,
        WorkbookAppraisal {
            limits: &limits,
            registry,
            options,
            judge,
            workers,
            settings: None,
        },
        &mut progress,
        render,
        on_outcome,
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    run
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
