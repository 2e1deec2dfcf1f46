//! Appraising a workbook: safe import, then the same batch appraisal as JSON input, with
//! every error placed back on its sheet and cell.

use std::io::IsTerminal;

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{AppraisalOutput, InputError, appraise_json};
use greenlight_core::registry::Registry;
use greenlight_workbooks::import::import_workbook_with_progress;
use greenlight_workbooks::{Error, WorkbookLimits};

/// Workbooks above this size get a progress bar (when stderr is a terminal).
const PROGRESS_FROM_BYTES: usize = 1 << 20;

/// Imports and appraises a workbook. The outer `Err` is a file that cannot be read at all;
/// otherwise the appraisal (or a batch-level error) and the cell problems, each with its
/// sheet and cell. Projects with cell problems are left out of the appraisal and named in
/// the problems.
pub(crate) fn appraise_workbook(
    bytes: &[u8],
    registry: &Registry,
    options: &AppraisalOptions,
    rules: &greenlight_rules::RuleSet,
) -> Result<(Result<AppraisalOutput, InputError>, Vec<Error>), Error> {
    let bar = (bytes.len() >= PROGRESS_FROM_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("reading the workbook");
        bar
    });
    let mut progress = |rows: u64| {
        if let Some(bar) = &bar {
            bar.set_position(rows);
            bar.set_message(format!("{rows} rows read"));
        }
    };
    let mut imported =
        import_workbook_with_progress(bytes, &WorkbookLimits::default(), &mut progress)?;
    if let Some(bar) = &bar {
        bar.set_message("appraising");
    }
    let mut problems = std::mem::take(&mut imported.problems);
    for id in &imported.rejected {
        problems.push(Error::new(
            "project_rejected",
            format!("project {id:?} was not appraised because of the problems above"),
        ));
    }
    let document = std::mem::take(&mut imported.document);
    let result = appraise_json(document, registry, options, Some(rules));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let result = match result {
        Ok(mut output) => {
            imported.place_all(&mut output);
            Ok(output)
        }
        Err(mut e) => {
            imported.place(&mut e);
            Err(e)
        }
    };
    Ok((result, problems))
}
