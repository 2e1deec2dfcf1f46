//! Importing a filled template (portfolio or project-form layout) into the batch JSON of
//! `greenlight_core::batch`: `{"settings": {...}, "projects": [...]}`.
//!
//! Every problem is reported with its sheet and cell, all in one pass; a project with a
//! problem is left out of the document and named, and the others go on.
//!
//! **Numbers.** A number cell holds an IEEE double. It is converted to `Decimal` once, by
//! its shortest round-trip decimal text (the digits a spreadsheet shows at full precision:
//! `0.1` stays `0.1`, never `0.1000000000000000055…`), and then multiplied exactly by the
//! unit's power of ten (万元 = 10⁴). A number typed as text is parsed exactly; `,`, `_` and
//! spaces are ignored, and a trailing `%` divides by 100 exactly.
//!
//! **Headers** are matched by key, English or Chinese header, ignoring case, spaces,
//! underscores and a unit in trailing brackets; column order is free and unknown columns
//! are ignored. The header row is the first row, within the first 20, that names the
//! sheet's key column.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::Error;
use crate::fields::{self, Field, Kind, SheetKind};
use crate::limits::WorkbookLimits;
use crate::safety::{Cell, CellValue, Format, Region, SafeWorkbook, Sheet, cell_name};
use crate::scan::{Keys, SheetScan};

/// A workbook read into the batch JSON, with where every value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedWorkbook {
    /// The detected format.
    pub format: Format,
    /// `{"settings": {"defaults": {...}, "taxonomies": [...]}, "projects": [...]}`, holding
    /// the projects without problems.
    pub document: Value,
    /// Where every value of `document` came from, kept as numbers; `Sheet!A1` is formatted
    /// only when [`ImportedWorkbook::locate`] asks.
    locations: Locations,
    /// Every problem found, each with its sheet and cell.
    pub problems: Vec<Error>,
    /// Ids of the projects left out because of a problem, in sheet order.
    pub rejected: Vec<String>,
}

impl ImportedWorkbook {
    /// The cell a JSON pointer into `document` came from: the cell of the pointer itself or
    /// of its nearest parent that has one (a project's id cell at worst).
    pub fn locate(&self, pointer: &str) -> Option<String> {
        self.locations.find(pointer).map(|c| self.locations.name(c))
    }
}

/// A cell position: an index into [`Locations::sheets`], zero-based row and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CellRef {
    sheet: u32,
    row: u32,
    col: u32,
}

/// The cells of one project of the document.
#[derive(Debug, Clone, PartialEq, Default)]
struct ProjectCells {
    /// The project id's cell, which also stands for every pointer without a cell of its own.
    id: Option<CellRef>,
    /// Pointers relative to the project → cell; a later entry wins.
    fields: Vec<(Cow<'static, str>, CellRef)>,
    /// The first amount cell of each cash-flow line, by line index (`/cash_flows/{n}` and
    /// `/cash_flows/{n}/amount`).
    lines: Vec<Option<CellRef>>,
}

impl ProjectCells {
    fn field(&self, pointer: &str) -> Option<CellRef> {
        self.fields
            .iter()
            .rev()
            .find(|(p, _)| p == pointer)
            .map(|(_, c)| *c)
    }

    fn line(&self, pointer: &str) -> Option<CellRef> {
        let rest = pointer.strip_prefix("/cash_flows/")?;
        let index = rest.strip_suffix("/amount").unwrap_or(rest);
        *self.lines.get(canonical_index(index)?)?
    }

    /// The cell of a pointer relative to the project, or of its nearest parent with one.
    fn find(&self, pointer: &str) -> Option<CellRef> {
        let mut p = pointer;
        loop {
            if p.is_empty() || p == "/id" {
                return self.id;
            }
            if let Some(c) = self.field(p).or_else(|| self.line(p)) {
                return Some(c);
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

/// `Sheet!A1` of a compact position.
fn name_of(sheets: &[String], c: CellRef) -> String {
    let sheet = sheets.get(c.sheet as usize).map_or("", String::as_str);
    format!("{sheet}!{}", cell_name(c.row, c.col))
}

/// A JSON pointer array index as written by `usize`'s `Display` (no sign, no leading zero).
fn canonical_index(segment: &str) -> Option<usize> {
    let i = segment.parse::<usize>().ok()?;
    (i.to_string() == segment).then_some(i)
}

/// Pointer → cell for the whole document, kept compact: a million projects' cells must not
/// cost a `String` pair each.
#[derive(Debug, Clone, PartialEq, Default)]
struct Locations {
    sheets: Vec<String>,
    /// By index in `document.projects`.
    projects: Vec<ProjectCells>,
    /// Pointers relative to `/settings/defaults` → cell.
    defaults: Vec<(Cow<'static, str>, CellRef)>,
}

impl Locations {
    fn name(&self, c: CellRef) -> String {
        name_of(&self.sheets, c)
    }

    fn find(&self, pointer: &str) -> Option<CellRef> {
        if let Some(rest) = pointer.strip_prefix("/settings/defaults/") {
            let mut p = &pointer[pointer.len() - rest.len() - 1..];
            loop {
                if let Some((_, c)) = self.defaults.iter().rev().find(|(q, _)| q == p) {
                    return Some(*c);
                }
                p = &p[..p.rfind('/')?];
                if p.is_empty() {
                    return None;
                }
            }
        }
        let rest = pointer.strip_prefix("/projects/")?;
        let (index, within) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        self.projects.get(canonical_index(index)?)?.find(within)
    }
}

impl ImportedWorkbook {
    /// Places a core error on the cell its pointer came from (sets `location`).
    pub fn place(&self, error: &mut greenlight_core::batch::InputError) {
        error.location = self.locate(&error.pointer);
    }

    /// Places every error of an appraisal of [`ImportedWorkbook::document`] on its cell.
    pub fn place_all(&self, output: &mut greenlight_core::batch::AppraisalOutput) {
        for r in &mut output.results {
            for e in &mut r.errors {
                self.place(e);
            }
        }
    }
}

/// Reads an xlsx, xlsm, xls or ods workbook (detected by content) within `limits`.
/// A file that cannot be read at all, or that has no Projects sheet and no project form,
/// is an `Err`; problems in cells are listed in [`ImportedWorkbook::problems`].
pub fn import_workbook(bytes: &[u8], limits: &WorkbookLimits) -> Result<ImportedWorkbook, Error> {
    import_workbook_with_progress(bytes, limits, &mut |_| {})
}

/// As [`import_workbook`], calling `progress` with the number of rows read so far, for
/// progress bars on large workbooks.
pub fn import_workbook_with_progress(
    bytes: &[u8],
    limits: &WorkbookLimits,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportedWorkbook, Error> {
    let mut collect = Collect::default();
    let summary = import_workbook_streamed(bytes, limits, progress, &mut collect)?;
    let mut settings = collect.settings;
    let mut document = Map::new();
    document.insert(
        "settings".into(),
        std::mem::replace(&mut settings, Value::Null),
    );
    document.insert("projects".into(), Value::Array(collect.projects));
    Ok(ImportedWorkbook {
        format: summary.format,
        document: Value::Object(document),
        locations: Locations {
            sheets: collect.sheets.map(|s| s.to_vec()).unwrap_or_default(),
            projects: collect.cells,
            defaults: collect.defaults,
        },
        problems: summary.problems,
        rejected: summary.rejected,
    })
}

/// Gathers the streamed projects into one document, for [`import_workbook`].
#[derive(Default)]
struct Collect {
    settings: Value,
    defaults: Vec<(Cow<'static, str>, CellRef)>,
    sheets: Option<Arc<[String]>>,
    projects: Vec<Value>,
    cells: Vec<ProjectCells>,
}

impl ImportSink for Collect {
    fn settings(&mut self, settings: Value, locator: SettingsLocator) {
        self.settings = settings;
        self.sheets = Some(locator.sheets);
        self.defaults = locator.defaults;
    }

    fn project(&mut self, project: ImportedProject) {
        self.projects.push(project.value);
        self.cells.push(project.locator.cells);
    }
}

/// Receives a workbook's batch as it is read: the settings once, then each project without
/// problems as soon as its last row has been read, in sheet order.
pub trait ImportSink {
    /// The batch settings (`{"defaults": {...}, "taxonomies": [...]}`), before any project.
    fn settings(&mut self, settings: Value, locator: SettingsLocator);
    /// The next project without problems.
    fn project(&mut self, project: ImportedProject);
}

/// One project of the batch, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedProject {
    /// Its position among the projects without problems, from 0.
    pub index: usize,
    /// The project as batch JSON (before the settings' defaults are merged under it).
    pub value: Value,
    /// Where its values came from.
    pub locator: ProjectLocator,
}

/// The cells one project's values came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectLocator {
    sheets: Arc<[String]>,
    cells: ProjectCells,
}

impl ProjectLocator {
    /// The cell of a pointer relative to the project (`/cash_flows/2/amount`), or of its
    /// nearest parent with one (the project's id cell at worst).
    pub fn locate(&self, pointer: &str) -> Option<String> {
        self.cells.find(pointer).map(|c| name_of(&self.sheets, c))
    }

    /// Places each error of the project's outcome on its cell; the errors' pointers start
    /// with `prefix` (`/projects/7`).
    pub fn place_all(&self, prefix: &str, outcome: &mut greenlight_core::batch::ProjectOutcome) {
        for e in &mut outcome.errors {
            e.location = e
                .pointer
                .strip_prefix(prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .and_then(|rest| self.locate(rest));
        }
    }
}

/// The cells the settings' defaults came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsLocator {
    sheets: Arc<[String]>,
    defaults: Vec<(Cow<'static, str>, CellRef)>,
}

impl SettingsLocator {
    /// The cell of a pointer into the document under `/settings/defaults`.
    pub fn locate(&self, pointer: &str) -> Option<String> {
        let locations = Locations {
            sheets: Vec::new(),
            projects: Vec::new(),
            defaults: self.defaults.clone(),
        };
        locations.find(pointer).map(|c| name_of(&self.sheets, c))
    }
}

/// What an import found besides its projects.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// The detected format.
    pub format: Format,
    /// Every problem found, each with its sheet and cell, in sheet order.
    pub problems: Vec<Error>,
    /// Ids of the projects left out because of a problem, in sheet order.
    pub rejected: Vec<String>,
}

/// Reads a workbook as [`import_workbook`] does, handing each project to `sink` as soon as
/// its rows are read, so neither the document nor the sheets are ever held whole.
///
/// Settings are read first. Then, for an xlsx of the portfolio layout whose quick passes
/// (see `scan`) read every project id exactly, Projects, Quantities, Evidence, Details and
/// CashFlows are read side by side, one thread each, and a project is handed on once its
/// last row in every sheet is read, in the order of Projects. Otherwise (project forms, a
/// pass that cannot read a key cell exactly, xls and ods) Projects, the forms, Quantities,
/// Evidence and Details are read first and kept per project, and CashFlows is streamed;
/// projects are then handed on after their last cash-flow row when the pass gave it, else
/// at the end. Either way values from Quantities, Evidence and Details are laid over the
/// cash flows, and problems are listed in the order Projects, forms, Settings, CashFlows,
/// Quantities, Evidence, Details, as a whole-document import gives them.
pub fn import_workbook_streamed(
    bytes: &[u8],
    limits: &WorkbookLimits,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn ImportSink,
) -> Result<ImportSummary, Error> {
    // Set when the import ends: a quick pass still running gives up.
    let stop = AtomicBool::new(false);
    // Set as well when the file is rejected or the early pass's result is not used.
    let stop_early = AtomicBool::new(false);
    let (stop, stop_early) = (&stop, &stop_early);
    std::thread::scope(|scope| {
        // The quick pass over CashFlows, the longest, starts before the archive check (see
        // `start_cash_flows_pass`), so no core waits while the check inflates every entry.
        let early = start_cash_flows_pass(scope, bytes, limits, stop_early);
        let result = import_checked(scope, bytes, limits, early, stop, progress, sink);
        stop.store(true, Ordering::Relaxed);
        stop_early.store(true, Ordering::Relaxed);
        result
    })
}

/// The quick pass over CashFlows, started on its own thread before the archive check.
struct EarlyPass<'b, 'scope> {
    /// The archive the pass was opened from, kept for the other passes, so the shared
    /// strings are read once.
    archive: crate::scan::Archive<'b>,
    /// The sheet's name, as `xl/workbook.xml` spells it.
    sheet: String,
    /// The pass's thread.
    pass: std::thread::ScopedJoinHandle<'scope, Result<Option<SheetScan>, Error>>,
    /// Set to make the pass give up.
    stop: &'scope AtomicBool,
}

impl<'b> EarlyPass<'b, '_> {
    /// Tells the pass to give up, since its result will not be used, and hands back the
    /// archive.
    fn abandon(self) -> crate::scan::Archive<'b> {
        self.stop.store(true, Ordering::Relaxed);
        self.archive
    }
}

/// Starts the quick pass over CashFlows before the archive check, when the entries the pass
/// reads besides its sheet (workbook, relationships, shared strings, styles) pass the check's
/// rules on their own: the shared-string table is built only after its counts are checked,
/// and the pass inflates its sheet under the entry cap as it always does, so what it holds
/// stays bounded whatever the rest of the archive is. Its result is used only once the whole
/// check has passed; a file the check rejects sets `stop`, and the pass gives up. `None`
/// when the file is not an xlsx of the usual layout with a CashFlows sheet (the passes then
/// start after the check, as before).
fn start_cash_flows_pass<'b, 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    bytes: &'b [u8],
    limits: &'scope WorkbookLimits,
    stop: &'scope AtomicBool,
) -> Option<EarlyPass<'b, 'scope>>
where
    'b: 'scope,
{
    if !crate::safety::entries_pass_check(bytes, limits, &crate::scan::Archive::ENTRIES) {
        return None;
    }
    let archive = crate::scan::Archive::open(bytes, limits)?;
    let name = sheet_named(archive.sheet_names(), SheetKind::CashFlows)?.to_owned();
    let mut reader = archive.reopen()?;
    let sheet = name.clone();
    let pass = scope.spawn(move || {
        let rule =
            |cells: &[(u32, crate::scan::ScanValue)]| key_column(SheetKind::CashFlows, cells);
        reader.scan_until(&sheet, Some(&rule), stop)
    });
    Some(EarlyPass {
        archive,
        sheet: name,
        pass,
        stop,
    })
}

/// The first sheet named as `kind` in English or Chinese (ignoring case and surrounding
/// spaces), as the import finds its sheets.
fn sheet_named<'n>(mut names: impl Iterator<Item = &'n str>, kind: SheetKind) -> Option<&'n str> {
    let (en, zh) = kind.names();
    names.find(|n| n.trim().eq_ignore_ascii_case(en) || n.trim() == zh)
}

/// The import once the CashFlows pass may have started: the archive check and the opening of
/// the workbook (their errors come first, whatever the pass found), the other quick passes
/// beside the reading of Settings, then the reading.
#[allow(clippy::too_many_arguments)]
fn import_checked<'b, 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    bytes: &'b [u8],
    limits: &'scope WorkbookLimits,
    early: Option<EarlyPass<'b, 'scope>>,
    stop: &'scope AtomicBool,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn ImportSink,
) -> Result<ImportSummary, Error>
where
    'b: 'scope,
{
    let mut book = match SafeWorkbook::open_in_place(bytes, limits) {
        Ok(book) => book,
        Err(e) => {
            drop(early.map(EarlyPass::abandon));
            return Err(e);
        }
    };
    let names: Vec<String> = book.sheet_names().to_vec();
    let mut import = Import {
        sheets: names.iter().cloned().collect(),
        ..Import::default()
    };
    let sheet_of = |kind: SheetKind| -> Option<String> {
        sheet_named(names.iter().map(String::as_str), kind).map(str::to_owned)
    };
    let is_xlsx = matches!(book.format(), Format::Xlsx | Format::Xlsm);
    // The quick passes run beside the reading of the other sheets: merged regions of the
    // streamed sheets, and the last row of each project in CashFlows.
    let (scans_tx, scans_rx) = std::sync::mpsc::channel();
    let streamed: Vec<(SheetKind, String)> = [
        SheetKind::Projects,
        SheetKind::Quantities,
        SheetKind::Evidence,
        SheetKind::Details,
        SheetKind::CashFlows,
    ]
    .into_iter()
    .filter_map(|k| sheet_of(k).map(|n| (k, n)))
    .collect();
    if is_xlsx {
        let streamed = streamed.clone();
        scope.spawn(move || {
            let (cash_flows, others): (Vec<_>, Vec<_>) = streamed
                .into_iter()
                .partition(|(kind, _)| *kind == SheetKind::CashFlows);
            // The early pass stands for CashFlows' own when it read the sheet the workbook
            // reader names CashFlows (the same name finds the same entry); otherwise it is
            // told to stop and its result is dropped.
            let (mut archive, early) = match early {
                Some(early) if cash_flows.first().is_some_and(|(_, n)| *n == early.sheet) => {
                    (Some(early.archive), Some(early.pass))
                }
                Some(early) => (Some(early.abandon()), None),
                None => (crate::scan::Archive::open(bytes, limits), None),
            };
            let scan_all = |archive: &mut Option<crate::scan::Archive<'_>>,
                            sheets: Vec<(SheetKind, String)>,
                            tx: &std::sync::mpsc::Sender<_>| {
                for (kind, name) in sheets {
                    let rule = |cells: &[(u32, crate::scan::ScanValue)]| key_column(kind, cells);
                    let scan = match archive {
                        Some(a) => a.scan_until(&name, Some(&rule), stop),
                        None => Ok(None),
                    };
                    if tx.send((kind, scan)).is_err() {
                        return;
                    }
                }
            };
            if let Some(pass) = early {
                // After the check the other passes share the processors with the CashFlows
                // pass: Projects' on a thread of its own beside the rest, so the start ends
                // when the three threads are done, not after the other passes one by one.
                let (projects, rest): (Vec<_>, Vec<_>) = others
                    .into_iter()
                    .partition(|(kind, _)| *kind == SheetKind::Projects);
                match archive.as_ref().and_then(|a| a.reopen()) {
                    Some(second) if !projects.is_empty() && !rest.is_empty() => {
                        let tx = scans_tx.clone();
                        scope.spawn(move || scan_all(&mut Some(second), projects, &tx));
                        scan_all(&mut archive, rest, &scans_tx);
                    }
                    _ => {
                        scan_all(&mut archive, projects, &scans_tx);
                        scan_all(&mut archive, rest, &scans_tx);
                    }
                }
                let scan = pass
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                drop(scans_tx.send((SheetKind::CashFlows, scan)));
                return;
            }
            // The reading waits for every pass, and CashFlows holds most of the cells: its
            // pass runs on a thread of its own beside the passes over the other sheets.
            let second = archive.as_ref().and_then(|a| a.reopen());
            match second {
                Some(second) if !cash_flows.is_empty() => {
                    let tx = scans_tx.clone();
                    scope.spawn(move || scan_all(&mut Some(second), cash_flows, &tx));
                    scan_all(&mut archive, others, &scans_tx);
                }
                _ => {
                    scan_all(&mut archive, others, &scans_tx);
                    scan_all(&mut archive, cash_flows, &scans_tx);
                }
            }
        });
    } else {
        drop(early.map(EarlyPass::abandon));
        drop(scans_tx);
    }
    let mut scans: Vec<(SheetKind, Result<Option<SheetScan>, Error>)> = Vec::new();
    let mut scan_of = |kind: SheetKind| -> Result<Option<SheetScan>, Error> {
        loop {
            if let Some(i) = scans.iter().position(|(k, _)| *k == kind) {
                return scans.swap_remove(i).1;
            }
            match scans_rx.recv() {
                Ok(s) => scans.push(s),
                Err(_) => return Ok(None),
            }
        }
    };
    import.read(
        bytes,
        &mut book,
        &sheet_of,
        &names,
        progress,
        sink,
        &mut scan_of,
    )
}

/// The cells read before a sheet's header was known that lie below it, in reading order.
fn cells_below_header(head: &Sheet, h: &Header) -> Vec<Cell> {
    head.cells
        .iter()
        .filter(|c| c.row > h.row)
        .cloned()
        .collect()
}

/// The key column of a CashFlows sheet as the import finds it: the first column naming the
/// project id in the first row that names it.
fn key_column(kind: SheetKind, cells: &[(u32, crate::scan::ScanValue)]) -> Option<u32> {
    let key = fields::fields_of(kind).next()?;
    cells.iter().find_map(|(col, v)| match v {
        crate::scan::ScanValue::Text(t) if fields::match_header(kind, t) == Some(key) => Some(*col),
        _ => None,
    })
}

impl Import {
    /// The whole import, in the order documented at [`import_workbook_streamed`].
    #[allow(clippy::too_many_arguments)]
    fn read(
        &mut self,
        bytes: &[u8],
        book: &mut SafeWorkbook,
        sheet_of: &dyn Fn(SheetKind) -> Option<String>,
        names: &[String],
        progress: &mut dyn FnMut(u64),
        sink: &mut dyn ImportSink,
        scan_of: &mut dyn FnMut(SheetKind) -> Result<Option<SheetScan>, Error>,
    ) -> Result<ImportSummary, Error> {
        let mut rows_read = 0u64;
        let mut any_cell = false;
        // Settings first: a cash-flow unit is checked against the portfolio's currency.
        let settings_name = sheet_of(SheetKind::Settings);
        if let Some(name) = &settings_name {
            let sheet = book.read_sheet(name)?;
            rows_read += sheet.rows().count() as u64;
            progress(rows_read);
            self.stage(Stage::Settings);
            self.settings_rows(&sheet);
        }
        // Every sheet naming projects read side by side, when the quick passes allow it.
        let mut cached: Vec<(SheetKind, Option<SheetScan>)> = Vec::new();
        let portfolio_names: Vec<String> =
            SheetKind::ALL.iter().filter_map(|k| sheet_of(*k)).collect();
        let only_portfolio = names
            .iter()
            .all(|n| portfolio_names.contains(n) || is_help_sheet(n));
        if matches!(book.format(), Format::Xlsx | Format::Xlsm)
            && only_portfolio
            && sheet_of(SheetKind::Projects).is_some()
        {
            for kind in [
                SheetKind::Projects,
                SheetKind::Quantities,
                SheetKind::Evidence,
                SheetKind::Details,
                SheetKind::CashFlows,
            ] {
                if sheet_of(kind).is_some() {
                    cached.push((kind, scan_of(kind)?));
                }
            }
            let exact = |scan: &Option<SheetScan>, kind: SheetKind| match scan {
                Some(SheetScan {
                    keys: Keys::Exact(k),
                    ..
                }) => kind != SheetKind::Projects || !k.is_empty(),
                Some(SheetScan {
                    keys: Keys::None, ..
                }) => kind != SheetKind::Projects,
                _ => false,
            };
            if cached.iter().all(|(kind, scan)| exact(scan, *kind)) {
                let streams: Vec<(SheetKind, String, SheetScan)> = cached
                    .into_iter()
                    .filter_map(|(kind, scan)| Some((kind, sheet_of(kind)?, scan?)))
                    .collect();
                // The passes counted the cells the readers will count: a workbook over the
                // cell cap is refused now, before any project is handed on (a service has
                // not yet answered), with the error the readers would give on reaching it.
                let held: Option<u64> = streams.iter().map(|(_, _, scan)| scan.cells).sum();
                if let Some(held) = held {
                    let read = book
                        .cells_counter()
                        .load(std::sync::atomic::Ordering::Relaxed);
                    if read.saturating_add(held) > book.limits().max_cells {
                        return Err(crate::safety::too_many_cells(book.limits()));
                    }
                }
                sink.settings(self.settings_value(), self.settings_locator());
                let mut counted = |rows: u64| {
                    rows_read += rows;
                    progress(rows_read);
                };
                self.read_side_by_side(bytes, book, streams, &mut counted, sink)?;
                self.hand_on(sink, |_| true);
                return Ok(self.summary(book.format()));
            }
        }
        let mut scan_of = |kind: SheetKind| -> Result<Option<SheetScan>, Error> {
            match cached.iter().position(|(k, _)| *k == kind) {
                Some(i) => Ok(cached.swap_remove(i).1),
                None => scan_of(kind),
            }
        };
        if let Some(name) = sheet_of(SheetKind::Projects) {
            self.stage(Stage::Projects);
            let merged = match scan_of(SheetKind::Projects)? {
                Some(scan) => scan.merged,
                None => book.merged_regions(&name)?,
            };
            let cells = self.stream_sheet(
                book,
                &name,
                SheetKind::Projects,
                merged,
                &mut |rows| {
                    rows_read += rows;
                    progress(rows_read);
                },
                &mut |import, sheet, header, row, cells| {
                    import.projects_row(sheet, header, row, cells);
                },
                &mut |_, _| {},
            )?;
            any_cell |= cells;
        }
        // Project forms: any other sheet whose first column names the project id.
        self.stage(Stage::Forms);
        for name in names {
            if portfolio_names.contains(name) || is_help_sheet(name) {
                continue;
            }
            let sheet = book.read_sheet(name)?;
            rows_read += sheet.rows().count() as u64;
            progress(rows_read);
            any_cell |= !sheet.cells.is_empty();
            self.form_sheet(&sheet);
        }
        if self.projects.is_empty() && self.problems.is_empty() {
            let projects_sheet = sheet_of(SheetKind::Projects);
            if !any_cell && projects_sheet.is_none() && names.len() <= 1 {
                return Err(Error::new(
                    "empty_workbook",
                    "the workbook has no cells: fill the template's Projects sheet",
                ));
            }
            if projects_sheet.is_none() && self.empty_forms > 0 {
                return Err(Error::new(
                    "empty_workbook",
                    "the project form is empty: fill the project id and its fields",
                ));
            }
            if projects_sheet.is_none() {
                return Err(Error::new(
                    "missing_sheet",
                    "no Projects (项目) sheet and no project form: use the template's sheets",
                )
                .at("Projects"));
            }
            if !any_cell {
                return Err(Error::new(
                    "empty_workbook",
                    "the Projects sheet is empty: fill one row per project",
                )
                .at(projects_sheet.unwrap_or_default()));
            }
        }
        for (kind, stage) in [
            (SheetKind::Quantities, Stage::Quantities),
            (SheetKind::Evidence, Stage::Evidence),
            (SheetKind::Details, Stage::Details),
        ] {
            let Some(name) = sheet_of(kind) else { continue };
            self.stage(stage);
            let merged = match scan_of(kind)? {
                Some(scan) => scan.merged,
                None => book.merged_regions(&name)?,
            };
            self.stream_sheet(
                book,
                &name,
                kind,
                merged,
                &mut |rows| {
                    rows_read += rows;
                    progress(rows_read);
                },
                &mut |import, sheet, header, row, cells| {
                    import.keyed_row(kind, sheet, header, row, cells);
                },
                &mut |_, _| {},
            )?;
        }
        sink.settings(self.settings_value(), self.settings_locator());
        if let Some(name) = sheet_of(SheetKind::CashFlows) {
            self.stage(Stage::CashFlows);
            let (merged, last_rows) = match scan_of(SheetKind::CashFlows)? {
                Some(SheetScan {
                    merged,
                    keys: Keys::Exact(last),
                    ..
                }) => (merged, Some(last)),
                Some(scan) => (scan.merged, None),
                None => (book.merged_regions(&name)?, None),
            };
            // The largest sheet is streamed row by row, never held whole; each project goes
            // on once the pass has shown its last row read.
            self.stream_sheet(
                book,
                &name,
                SheetKind::CashFlows,
                merged,
                &mut |rows| {
                    rows_read += rows;
                    progress(rows_read);
                },
                &mut |import, sheet, header, row, cells| {
                    import.cash_flow_row(sheet, header, row, cells, None);
                },
                &mut |import, row| {
                    if let Some(last) = &last_rows {
                        import.hand_on(sink, |id| last.get(id).is_none_or(|r| *r <= row));
                    }
                },
            )?;
        }
        self.hand_on(sink, |_| true);
        Ok(self.summary(book.format()))
    }
}
/// Rows are passed between threads in batches of this many, so a reader and the import
/// do not wake each other for every row.
const ROWS_PER_BATCH: usize = 256;

/// Batches read ahead of their use at most, per sheet read side by side.
const BATCHES_AHEAD: usize = 4;

/// Who reads a sheet.
enum SheetReader<'b> {
    /// Our reader of plain sheets (see `scan`).
    Own(crate::scan::Archive<'b>),
    /// The calamine reader.
    Calamine(Box<SafeWorkbook<'b>>),
}

/// One sheet read on its own thread, row by row, for [`Import::read_side_by_side`].
struct RowStream {
    kind: SheetKind,
    stage: Stage,
    rx: std::sync::mpsc::Receiver<Result<Vec<Vec<Cell>>, Error>>,
    /// Used rows' vectors, going back to the reader in batches: a row's vector is larger
    /// than the allocator keeps per thread, so one freed here and allocated there costs both
    /// threads a trip through the shared heap. Their cells go back too, and are dropped by
    /// the reader, which allocated their texts: a block freed on another thread than the one
    /// that allocated it takes the allocator's slower, synchronised path.
    spare: Vec<Vec<Cell>>,
    spare_tx: std::sync::mpsc::Sender<Vec<Vec<Cell>>>,
    /// Rows received, not yet read.
    received: std::collections::VecDeque<Vec<Cell>>,
    /// The sheet's name and merged regions, and its rows until the header is found.
    head: Sheet,
    header: Option<Option<Header>>,
    rows: u64,
    /// Rows read, not yet used: each waits for its project's row in Projects.
    queue: std::collections::VecDeque<Vec<Cell>>,
    /// The last row of each project, from the quick pass.
    last: std::collections::HashMap<String, u32>,
    /// The last row read.
    through: Option<u32>,
    ended: bool,
}

impl RowStream {
    /// Reads one row: the header rows as [`Import::stream_sheet`] does, then each row after
    /// the header is used at once (Projects) or queued.
    fn pull(&mut self, import: &mut Import, progress: &mut dyn FnMut(u64)) -> Result<(), Error> {
        if self.received.is_empty() {
            match self.rx.recv() {
                Ok(Ok(batch)) => self.received.extend(batch),
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    self.ended = true;
                    return Ok(());
                }
            }
        }
        let Some(cells) = self.received.pop_front() else {
            return Ok(());
        };
        self.rows += 1;
        if self.rows.is_multiple_of(4096) {
            progress(4096);
        }
        let Some(row) = cells.first().map(|c| c.row) else {
            return Ok(());
        };
        self.through = Some(row);
        import.stage(self.stage);
        if self.header.is_none() {
            self.head.cells.extend_from_slice(&cells);
            let key = fields::fields_of(self.kind).next();
            let is_header = cells.iter().any(|c| {
                matches!(&c.value, CellValue::Text(t) if fields::match_header(self.kind, t) == key)
            });
            if is_header || self.rows >= 20 {
                self.settle_header(import);
            }
        } else if let Some(Some(h)) = &self.header
            && row > h.row
        {
            self.queue.push_back(cells);
        }
        if self.kind == SheetKind::Projects {
            self.drain(import, true);
        }
        Ok(())
    }

    /// The end of the sheet: a sheet of fewer than 20 rows without a header is reported.
    fn finish_header(&mut self, import: &mut Import) {
        if self.header.is_none() {
            import.stage(self.stage);
            self.settle_header(import);
        }
    }

    /// Finds the header among the rows read so far and queues the data rows read with it.
    fn settle_header(&mut self, import: &mut Import) {
        let h = import.header(self.kind, &self.head);
        if let Some(h) = &h {
            let early = cells_below_header(&self.head, h);
            for r in early.chunk_by(|a, b| a.row == b.row) {
                self.queue.push_back(r.to_vec());
            }
        }
        self.header = Some(h);
    }

    /// Uses the queued rows in order while their project has been read (`all`: every one).
    fn drain(&mut self, import: &mut Import, all: bool) {
        let Some(Some(header)) = &self.header else {
            return;
        };
        while let Some(cells) = self.queue.front() {
            if !all && !import.can_use(self.kind, header, cells) {
                return;
            }
            let Some(cells) = self.queue.pop_front() else {
                return;
            };
            let row = cells[0].row;
            import.stage(self.stage);
            match self.kind {
                SheetKind::Projects => import.projects_row(&self.head, header, row, &cells),
                SheetKind::CashFlows => import.cash_flow_row(&self.head, header, row, &cells, None),
                kind => import.keyed_row(kind, &self.head, header, row, &cells),
            }
            Self::recycle(&mut self.spare, &self.spare_tx, cells);
        }
    }

    /// Sends a used row's vector, cells and all, back to the reader with others.
    fn recycle(
        spare: &mut Vec<Vec<Cell>>,
        spare_tx: &std::sync::mpsc::Sender<Vec<Vec<Cell>>>,
        cells: Vec<Cell>,
    ) {
        spare.push(cells);
        if spare.len() == ROWS_PER_BATCH {
            // A reader that has finished takes no more; the vectors are then dropped.
            drop(spare_tx.send(std::mem::take(spare)));
        }
    }

    /// Whether every row of a project has been used, given its last row in this sheet
    /// (`last`, from [`RowStream::last`]; `None`: it has no row here). The caller looks the
    /// project up once, not once per row read while it waits.
    fn done_through(&self, last: Option<u32>) -> bool {
        let Some(last) = last else {
            return true;
        };
        self.through.is_some_and(|t| t >= last)
            && self.queue.front().is_none_or(|c| c[0].row > last)
    }
}

impl Import {
    /// Whether a queued row can be used now: its project has been read from Projects, or it
    /// names no project that will be.
    fn can_use(&self, kind: SheetKind, header: &Header, cells: &[Cell]) -> bool {
        let key = if kind == SheetKind::Projects {
            "id"
        } else {
            "project_id"
        };
        let Some(col) = header.col_of(key) else {
            return true;
        };
        match cells.iter().find(|c| c.col == col).map(text_cow) {
            Some(Ok(t)) if !t.is_empty() => {
                let named_before = self.last_named[stage_of(kind) as usize]
                    .as_ref()
                    .is_some_and(|(last, _)| *last == *t);
                named_before
                    || self.by_id.contains_key(t.as_ref())
                    || !self.all_ids.contains_key(t.as_ref())
            }
            _ => true,
        }
    }

    /// Reads Projects and every sheet naming projects side by side, each on its own thread,
    /// handing each project on once all its rows are read. The quick passes gave every
    /// sheet's last row per project, and every id of Projects.
    fn read_side_by_side(
        &mut self,
        bytes: &[u8],
        book: &SafeWorkbook,
        sheets: Vec<(SheetKind, String, SheetScan)>,
        progress: &mut dyn FnMut(u64),
        sink: &mut dyn ImportSink,
    ) -> Result<(), Error> {
        std::thread::scope(|scope| {
            let mut streams = Vec::new();
            let mut projects = None;
            // Opened once, so the readers share the shared strings.
            let archive = sheets
                .iter()
                .any(|s| s.2.plain)
                .then(|| crate::scan::Archive::open(bytes, book.limits()))
                .flatten();
            for (kind, name, scan) in sheets {
                // A plain sheet is read by our own reader, any other by calamine.
                let mut reader = if scan.plain {
                    archive
                        .as_ref()
                        .and_then(|a| a.reopen())
                        .map(SheetReader::Own)
                } else {
                    None
                };
                if reader.is_none() {
                    reader = Some(SheetReader::Calamine(Box::new(book.reopen()?)));
                }
                let counter = book.cells_counter();
                let (tx, rx) = std::sync::mpsc::sync_channel(BATCHES_AHEAD);
                let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Vec<Vec<Cell>>>();
                let thread_name = name.clone();
                scope.spawn(move || {
                    let cancelled =
                        || Error::new("cancelled", "the reading stopped: the import ended");
                    // Vectors of rows the import has used, to hold new rows: their old
                    // cells are dropped here, where their texts were allocated.
                    let mut spares: Vec<Vec<Cell>> = Vec::new();
                    let mut fresh = |room: usize| {
                        if spares.is_empty()
                            && let Ok(returned) = spare_rx.try_recv()
                        {
                            spares = returned;
                        }
                        match spares.pop() {
                            Some(mut used) => {
                                used.clear();
                                used
                            }
                            None => Vec::with_capacity(room),
                        }
                    };
                    let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
                    let mut push_row = |row: Vec<Cell>| {
                        batch.push(row);
                        if batch.len() == ROWS_PER_BATCH {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(ROWS_PER_BATCH));
                            tx.send(Ok(full)).map_err(|_| cancelled())?;
                        }
                        Ok(())
                    };
                    let read = match reader {
                        Some(SheetReader::Own(mut archive)) => {
                            archive.read_rows_owned(&thread_name, &counter, |cells| {
                                // The row is handed on as read, not copied; the next one
                                // starts in a used row's vector, or with room for as many
                                // cells.
                                let next = fresh(cells.len());
                                push_row(std::mem::replace(cells, next))
                            })
                        }
                        Some(SheetReader::Calamine(mut book)) => {
                            book.for_each_row(&thread_name, |cells| {
                                let mut row = fresh(cells.len());
                                row.extend_from_slice(cells);
                                push_row(row)
                            })
                        }
                        None => Ok(()),
                    };
                    let sent = match read {
                        Ok(()) => tx.send(Ok(batch)),
                        Err(e) => tx.send(Ok(batch)).and_then(|()| tx.send(Err(e))),
                    };
                    drop(sent);
                });
                let last = match scan.keys {
                    Keys::Exact(last) => last,
                    _ => Default::default(),
                };
                let stage = stage_of(kind);
                let stream = RowStream {
                    kind,
                    stage,
                    rx,
                    spare: Vec::new(),
                    spare_tx,
                    received: Default::default(),
                    head: Sheet {
                        name,
                        cells: Vec::new(),
                        merged: scan.merged,
                    },
                    header: None,
                    rows: 0,
                    queue: Default::default(),
                    last: Default::default(),
                    through: None,
                    ended: false,
                };
                if kind == SheetKind::Projects {
                    // Every project will have its draft: room for all at once, not grown.
                    self.projects.reserve(last.len());
                    self.all_ids = last;
                    self.repeated_ids = scan.repeated;
                    projects = Some(stream);
                } else {
                    streams.push(RowStream { last, ..stream });
                }
            }
            let Some(mut projects) = projects else {
                return Ok(());
            };
            loop {
                'hand_on: while let Some(d) = self.projects.get(self.next) {
                    let id = d.id.clone();
                    for s in &mut streams {
                        let last = s.last.get(&id).copied();
                        loop {
                            s.drain(self, false);
                            if s.ended || s.done_through(last) {
                                break;
                            }
                            if s.through.is_some_and(|t| last.is_some_and(|l| t >= l)) {
                                // Its rows are read, but one waits for a project not read yet.
                                break;
                            }
                            s.pull(self, progress)?;
                        }
                        if !s.done_through(last) {
                            break 'hand_on;
                        }
                    }
                    self.hand_on_next(sink);
                }
                if projects.ended {
                    break;
                }
                projects.pull(self, progress)?;
                for s in &mut streams {
                    s.drain(self, false);
                }
            }
            projects.finish_header(self);
            projects.drain(self, true);
            // Projects is read: the rows left are used in order, whatever project they name.
            for s in &mut streams {
                while !s.ended {
                    s.pull(self, progress)?;
                }
                s.finish_header(self);
                s.drain(self, true);
            }
            Ok(())
        })
    }
}

/// The stage of a sheet read row by row.
fn stage_of(kind: SheetKind) -> Stage {
    match kind {
        SheetKind::Projects => Stage::Projects,
        SheetKind::CashFlows => Stage::CashFlows,
        SheetKind::Quantities => Stage::Quantities,
        SheetKind::Evidence => Stage::Evidence,
        _ => Stage::Details,
    }
}

fn is_help_sheet(name: &str) -> bool {
    let n = name.trim();
    n.eq_ignore_ascii_case("help") || n == "帮助" || n.eq_ignore_ascii_case("lists")
}

/// One project being assembled.
#[derive(Debug, Default)]
struct Draft {
    id: String,
    /// The id's cell, named only for a duplicate's message.
    at: CellRef,
    value: Map<String, Value>,
    /// Where its values came from.
    cells: ProjectCells,
    /// Whether a problem keeps the project out of the document.
    bad: bool,
    /// Values from Quantities, Evidence and Details (pointer, value), laid over the cash
    /// flows when the project is handed on.
    late: Vec<Late>,
    /// Whether it has been handed on (or left out).
    done: bool,
}

/// A value from Quantities, Evidence or Details, waiting to be laid over the project, with
/// its cells. The cells are entered in [`ProjectCells::fields`] when it is laid, where they
/// take the place their row would have given them: every field of Projects and the forms
/// is entered before any such row is used.
#[derive(Debug)]
struct Late {
    pointer: String,
    value: Value,
    /// The value's cell.
    value_at: CellRef,
    /// For a quantity, the cell of its name, which stands for the whole quantity (and the
    /// value's cell for `{pointer}/value`).
    name_at: Option<CellRef>,
}

/// The sheets in the order their problems are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
enum Stage {
    #[default]
    Projects,
    Forms,
    Settings,
    CashFlows,
    Quantities,
    Evidence,
    Details,
}

#[derive(Debug, Default)]
struct Import {
    projects: Vec<Draft>,
    /// Each id's first project (looked up for every project and for the first row of each
    /// project in every sheet: a hash, not a search of ordered keys).
    by_id: HashMap<String, usize>,
    duplicates: BTreeSet<String>,
    problems: Problems,
    defaults: Map<String, Value>,
    default_locations: Vec<(Cow<'static, str>, CellRef)>,
    /// Names of the sheets a [`CellRef`] points into: the workbook's, in order.
    sheets: Arc<[String]>,
    /// The next project to hand on, by index in `projects`.
    next: usize,
    /// How many projects have been handed on.
    handed: usize,
    /// Ids the quick pass over Projects found on more than one row: such a project is left
    /// out before its repeat is read.
    repeated_ids: std::collections::HashSet<String>,
    /// Every id of the Projects sheet, from the quick pass (when sheets are read side by
    /// side): a row naming one not read yet waits for it.
    all_ids: std::collections::HashMap<String, u32>,
    rejected: Vec<String>,
    taxonomies: Option<Vec<String>>,
    /// Project forms with labels and no values.
    empty_forms: usize,
    /// Scratch for the row handlers.
    slots: Slots,
    /// The last project id each sheet's rows named and its index in `projects`, by stage:
    /// a project's rows follow each other, so most rows name the project of the row before.
    /// (`by_id` only ever gains entries, so a remembered index stays right.)
    last_named: [Option<(String, usize)>; 7],
}

/// The first cell of each column of one row, by column number, so a row handler finds a
/// column's cell without searching the row once per column.
#[derive(Debug, Default)]
struct Slots {
    /// By column number: 1 + the index of the column's first cell in the row, or 0.
    first: Vec<u32>,
}

impl Slots {
    fn fill(&mut self, cells: &[Cell]) {
        for (i, c) in cells.iter().enumerate() {
            let col = c.col as usize;
            if self.first.len() <= col {
                self.first.resize(col + 1, 0);
            }
            if self.first[col] == 0 {
                self.first[col] = i as u32 + 1;
            }
        }
    }

    /// The first cell of column `col`, as a search of the row gives it.
    fn get<'c>(&self, cells: &'c [Cell], col: u32) -> Option<&'c Cell> {
        let i = *self.first.get(col as usize)?;
        cells.get(i.checked_sub(1)? as usize)
    }

    /// Forgets the row filled from `cells`.
    fn clear(&mut self, cells: &[Cell]) {
        for c in cells {
            if let Some(slot) = self.first.get_mut(c.col as usize) {
                *slot = 0;
            }
        }
    }
}

/// A problem at a cell.
fn problem(code: &'static str, at: String, message: impl Into<String>) -> Error {
    Error::new(code, message).at(at)
}

impl Import {
    /// The compact position of a cell of `sheet`.
    fn cell(&mut self, sheet: &Sheet, row: u32, col: u32) -> CellRef {
        let index = self
            .sheets
            .iter()
            .position(|n| *n == sheet.name)
            .unwrap_or(usize::MAX);
        CellRef {
            sheet: index as u32,
            row,
            col,
        }
    }

    /// Problems from here on belong to `stage`.
    fn stage(&mut self, stage: Stage) {
        self.problems.stage = stage;
    }

    /// Hands on, in order, every project from the next one while `complete` says its rows
    /// are all read; a project with a problem is named instead.
    fn hand_on(&mut self, sink: &mut dyn ImportSink, complete: impl Fn(&str) -> bool) {
        while let Some(d) = self.projects.get(self.next) {
            if !complete(&d.id) {
                return;
            }
            self.hand_on_next(sink);
        }
    }

    /// Hands on the next project, or names it when a problem keeps it out.
    fn hand_on_next(&mut self, sink: &mut dyn ImportSink) {
        if let Some(d) = self.projects.get_mut(self.next) {
            self.next += 1;
            d.done = true;
            if d.bad {
                self.rejected.push(d.id.clone());
                d.value = Map::new();
                d.late = Vec::new();
                return;
            }
            let mut value = std::mem::take(&mut d.value);
            let mut cells = std::mem::take(&mut d.cells);
            let late = std::mem::take(&mut d.late);
            cells
                .fields
                .reserve(late.len() + late.iter().filter(|l| l.name_at.is_some()).count());
            for l in late {
                set_pointer(&mut value, &l.pointer, l.value);
                match l.name_at {
                    Some(name_at) => {
                        let value_pointer = format!("{}/value", l.pointer);
                        cells.fields.push((Cow::Owned(value_pointer), l.value_at));
                        cells.fields.push((Cow::Owned(l.pointer), name_at));
                    }
                    None => cells.fields.push((Cow::Owned(l.pointer), l.value_at)),
                }
            }
            let index = self.handed;
            self.handed += 1;
            sink.project(ImportedProject {
                index,
                value: Value::Object(value),
                locator: ProjectLocator {
                    sheets: self.sheets.clone(),
                    cells,
                },
            });
        }
    }

    /// Streams a sheet row by row: rows are kept only until the header row is found, then
    /// each row after it goes to `on_row`, and every row (header or not) to `after_row`.
    /// Returns whether the sheet has any cell.
    #[allow(clippy::too_many_arguments)]
    fn stream_sheet(
        &mut self,
        book: &mut SafeWorkbook,
        name: &str,
        kind: SheetKind,
        merged: Vec<Region>,
        progress: &mut dyn FnMut(u64),
        on_row: &mut RowHandler<'_>,
        after_row: &mut dyn FnMut(&mut Self, u32),
    ) -> Result<bool, Error> {
        let mut head = Sheet {
            name: name.to_owned(),
            cells: Vec::new(),
            merged,
        };
        let key = fields::fields_of(kind).next();
        let mut found: Option<Option<Header>> = None;
        let mut rows = 0u64;
        book.for_each_row(name, |cells| {
            rows += 1;
            if rows.is_multiple_of(4096) {
                progress(4096);
            }
            let row = cells[0].row;
            if found.is_none() {
                head.cells.extend_from_slice(cells);
                let is_header = cells.iter().any(|c| {
                    matches!(&c.value, CellValue::Text(t) if fields::match_header(kind, t) == key)
                });
                if is_header || rows >= 20 {
                    let h = self.header(kind, &head);
                    if let Some(h) = &h {
                        self.rows_below_header(&head, h, on_row);
                    }
                    found = Some(h);
                }
            } else if let Some(Some(h)) = &found
                && row > h.row
            {
                on_row(self, &head, h, row, cells);
            }
            after_row(self, row);
            Ok(())
        })?;
        progress(rows % 4096);
        if found.is_none() {
            // Fewer than 20 rows and no header among them.
            if let Some(h) = self.header(kind, &head) {
                self.rows_below_header(&head, &h, on_row);
            }
        }
        Ok(rows > 0)
    }

    /// Hands on the rows read before the header was known that lie below it.
    fn rows_below_header(&mut self, head: &Sheet, h: &Header, on_row: &mut RowHandler<'_>) {
        let early = cells_below_header(head, h);
        for r in early.chunk_by(|a, b| a.row == b.row) {
            on_row(self, head, h, r[0].row, r);
        }
    }

    fn locations_name(&self, c: CellRef) -> String {
        name_of(&self.sheets, c)
    }

    fn fail(&mut self, project: Option<usize>, e: Error) {
        if let Some(i) = project {
            self.projects[i].bad = true;
        }
        self.problems.push(e);
    }

    /// The header row of a sheet and its columns, or a problem for each missing required
    /// column. Year columns (a header that is a year) are returned apart.
    fn header(&mut self, kind: SheetKind, sheet: &Sheet) -> Option<Header> {
        let key = fields::fields_of(kind).next()?;
        let header_row = sheet.rows().take(20).find(|(_, cells)| {
            cells.iter().any(|c| {
                matches!(&c.value, CellValue::Text(t) if fields::match_header(kind, t) == Some(key))
            })
        });
        let Some((row, cells)) = header_row else {
            if sheet.cells.is_empty() {
                return None;
            }
            self.problems.push(problem(
                "missing_column",
                format!("{}!1", sheet.name),
                format!(
                    "missing column {:?} ({}): no header row names it in the first 20 rows",
                    key.en, key.zh
                ),
            ));
            return None;
        };
        let mut columns = Vec::new();
        let mut years = Vec::new();
        for c in cells {
            match &c.value {
                CellValue::Text(t) => {
                    if let Some(f) = fields::match_header(kind, t) {
                        let unit = fields::strip_unit(t).1.map(str::to_owned);
                        columns.push((c.col, f, unit));
                    } else if let Some((y, unit)) = year_header(t) {
                        match unit.map(|u| (u, fields::money_unit(u))) {
                            None => years.push((c.col, y, None)),
                            Some((u, Some((currency, power)))) => {
                                years.push((c.col, y, Some((u.to_owned(), currency, power))))
                            }
                            Some((u, None)) => self.problems.push(problem(
                                "unknown_unit",
                                sheet.at(row, c.col),
                                format!("unknown unit {:?} in the header: use 元, 万元, 亿元, EUR, kEUR, MEUR, …", greenlight_core::error::echo(u)),
                            )),
                        }
                    }
                }
                CellValue::Number(n) if n.fract() == 0.0 && (1900.0..=9999.0).contains(n) => {
                    years.push((c.col, *n as i32, None));
                }
                _ => {}
            }
        }
        let mut missing = false;
        for f in fields::fields_of(kind).filter(|f| f.required) {
            if !columns.iter().any(|(_, g, _)| g.key == f.key) && kind != SheetKind::Projects {
                missing = true;
                self.problems.push(problem(
                    "missing_column",
                    format!("{}!{}", sheet.name, row + 1),
                    format!("missing column {:?} ({})", f.en, f.zh),
                ));
            }
        }
        for region in &sheet.merged {
            if region.end.0 > row {
                let first = sheet.at(region.start.0, region.start.1);
                self.problems.push(problem(
                    "merged_cells",
                    first,
                    format!(
                        "merged cells {}:{} in a data area: unmerge them and fill every cell",
                        cell_name(region.start.0, region.start.1),
                        cell_name(region.end.0, region.end.1)
                    ),
                ));
                // The rows the region covers are refused below.
            }
        }
        if missing {
            return None;
        }
        Some(Header::new(row, columns, years))
    }

    fn in_merged_data(sheet: &Sheet, header: u32, row: u32) -> bool {
        sheet
            .merged
            .iter()
            .any(|r| r.end.0 > header && r.start.0 <= row && row <= r.end.0)
    }

    /// One row of the Projects sheet (`sheet` gives the name and merged regions).
    fn projects_row(&mut self, sheet: &Sheet, found: &Header, row: u32, cells: &[Cell]) {
        let header = found.row;
        let Some(id_col) = found.col_of("id") else {
            return;
        };
        {
            let id_at = || sheet.at(row, id_col);
            let id = match cells.iter().find(|c| c.col == id_col) {
                None => {
                    self.problems.push(problem(
                        "missing_value",
                        id_at(),
                        "a project row without a project id",
                    ));
                    return;
                }
                Some(c) => match text_of(c) {
                    Ok(t) if !t.is_empty() => t,
                    Ok(_) => return,
                    Err(m) => {
                        self.problems.push(problem("expected_text", id_at(), m));
                        return;
                    }
                },
            };
            let index = self.new_project(id, sheet, row, id_col);
            if Self::in_merged_data(sheet, header, row) {
                self.projects[index].bad = true;
            }
            // The sheet is looked up once for the row's cells.
            let row_at = self.cell(sheet, row, 0);
            for cell in cells {
                let Some(((_, field, unit), steps)) = found.column_at(cell.col) else {
                    continue;
                };
                if field.key == "id" {
                    continue;
                }
                match convert(cell, field.kind, unit.as_deref()) {
                    Ok(None) => {}
                    Ok(Some(v)) => {
                        let at = CellRef {
                            col: cell.col,
                            ..row_at
                        };
                        let d = &mut self.projects[index];
                        set_path(&mut d.value, steps.iter().cloned(), v);
                        d.cells.fields.push((Cow::Borrowed(field.pointer), at));
                    }
                    Err((code, m)) => {
                        self.fail(Some(index), problem(code, sheet.at(row, cell.col), m))
                    }
                }
            }
        }
    }

    fn new_project(&mut self, id: String, sheet: &Sheet, row: u32, col: u32) -> usize {
        let at_ref = self.cell(sheet, row, col);
        if let Some(&first) = self.by_id.get(&id) {
            let first_at = self.locations_name(self.projects[first].at);
            self.projects[first].bad = true;
            self.duplicates.insert(id.clone());
            self.problems.push(problem(
                "duplicate_id",
                sheet.at(row, col),
                format!(
                    "duplicate project id {id:?}, first at {first_at}: every id must be unique"
                ),
            ));
        }
        let mut draft = Draft {
            id: id.clone(),
            at: at_ref,
            ..Draft::default()
        };
        draft.value.insert("id".into(), Value::String(id.clone()));
        draft.cells.id = Some(at_ref);
        if self.duplicates.contains(&id) || self.repeated_ids.contains(&id) {
            draft.bad = true;
        }
        self.projects.push(draft);
        let index = self.projects.len() - 1;
        self.by_id.entry(id).or_insert(index);
        index
    }

    /// A project form: label–value rows (labels in column A, values in column B), then a
    /// yearly table whose header row starts with the category column.
    fn form_sheet(&mut self, sheet: &Sheet) {
        let label_of = |c: &Cell| -> Option<&'static Field> {
            match &c.value {
                CellValue::Text(t) => fields::match_header(SheetKind::Projects, t),
                _ => None,
            }
        };
        let id_row = sheet.rows().find(|(_, cells)| {
            cells
                .first()
                .is_some_and(|c| c.col == 0 && label_of(c).is_some_and(|f| f.key == "id"))
        });
        let Some((id_row, id_cells)) = id_row else {
            return;
        };
        // A form has at least three labels of the Projects fields in column A; a sheet with
        // a stray "id" header is not one.
        let label_rows: Vec<&[Cell]> = sheet
            .rows()
            .map(|(_, cells)| cells)
            .filter(|cells| {
                cells
                    .first()
                    .is_some_and(|c| c.col == 0 && label_of(c).is_some())
            })
            .collect();
        if label_rows.len() < 3 {
            return;
        }
        // An empty form (labels only) is skipped.
        if !label_rows
            .iter()
            .any(|cells| cells.iter().any(|c| c.col == 1))
        {
            self.empty_forms += 1;
            return;
        }
        let Some(id_cell) = id_cells.iter().find(|c| c.col == 1) else {
            self.problems.push(problem(
                "missing_value",
                sheet.at(id_row, 1),
                "a project form without a project id",
            ));
            return;
        };
        let id = match text_of(id_cell) {
            Ok(t) if !t.is_empty() => t,
            _ => {
                self.problems.push(problem(
                    "expected_text",
                    sheet.at(id_row, 1),
                    "the project id must be a text",
                ));
                return;
            }
        };
        let index = self.new_project(id, sheet, id_row, 1);
        let mut table_header = None;
        for (row, cells) in sheet.rows() {
            let Some(first) = cells.first().filter(|c| c.col == 0) else {
                continue;
            };
            if let CellValue::Text(t) = &first.value
                && fields::match_header(SheetKind::CashFlows, t)
                    .is_some_and(|f| f.key == "category")
            {
                table_header = Some(row);
                break;
            }
            let Some(field) = label_of(first) else {
                continue;
            };
            if field.key == "id" {
                continue;
            }
            let Some(value_cell) = cells.iter().find(|c| c.col == 1) else {
                continue;
            };
            let unit = match &first.value {
                CellValue::Text(t) => fields::strip_unit(t).1.map(str::to_owned),
                _ => None,
            };
            match convert(value_cell, field.kind, unit.as_deref()) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    let at = self.cell(sheet, row, 1);
                    let d = &mut self.projects[index];
                    set_pointer(&mut d.value, field.pointer, v);
                    d.cells.fields.push((Cow::Borrowed(field.pointer), at));
                }
                Err((code, m)) => self.fail(Some(index), problem(code, sheet.at(row, 1), m)),
            }
        }
        if let Some(header) = table_header {
            // The yearly table: the CashFlows columns without the project id.
            let table = Sheet {
                name: sheet.name.clone(),
                cells: sheet
                    .cells
                    .iter()
                    .filter(|c| c.row >= header)
                    .cloned()
                    .collect(),
                merged: sheet.merged.clone(),
            };
            self.cash_flow_rows(&table, Some(index));
        }
    }

    /// The project a row names in its project id cell, or a problem naming the cell.
    fn project_of(&mut self, sheet: &Sheet, row: u32, col: u32, cells: &[Cell]) -> Option<usize> {
        let at = || sheet.at(row, col);
        let id = match cells.iter().find(|c| c.col == col).map(text_cow) {
            Some(Ok(t)) if !t.is_empty() => t,
            Some(Err(m)) => {
                self.problems.push(problem("expected_text", at(), m));
                return None;
            }
            _ => {
                self.problems
                    .push(problem("missing_value", at(), "a row without a project id"));
                return None;
            }
        };
        let slot = self.problems.stage as usize;
        if let Some((last, i)) = &self.last_named[slot]
            && *last == *id
        {
            return Some(*i);
        }
        match self.by_id.get(id.as_ref()) {
            Some(&i) => {
                self.last_named[slot] = Some((id.into_owned(), i));
                Some(i)
            }
            None => {
                self.problems.push(problem(
                    "unknown_project",
                    at(),
                    format!(
                        "project {id:?} has no row in Projects: add it there or correct the id"
                    ),
                ));
                None
            }
        }
    }

    fn cash_flow_rows(&mut self, sheet: &Sheet, form_project: Option<usize>) {
        let kind = SheetKind::CashFlows;
        let header_found = if form_project.is_some() {
            self.form_table_header(sheet)
        } else {
            self.header(kind, sheet)
        };
        let Some(found) = header_found else {
            return;
        };
        for (row, cells) in sheet.rows().filter(|(r, _)| *r > found.row) {
            self.cash_flow_row(sheet, &found, row, cells, form_project);
        }
    }

    /// One row of a yearly cash-flow table (`sheet` gives the name and merged regions).
    fn cash_flow_row(
        &mut self,
        sheet: &Sheet,
        found: &Header,
        row: u32,
        cells: &[Cell],
        form_project: Option<usize>,
    ) {
        let header = found.row;
        let id_col = found.col_of("project_id");
        let project = match (form_project, id_col) {
            (Some(p), _) => Some(p),
            (None, Some(col)) => self.project_of(sheet, row, col, cells),
            (None, None) => None,
        };
        let Some(p) = project else { return };
        if Self::in_merged_data(sheet, header, row) {
            self.projects[p].bad = true;
        }
        // The first cell of each column, found once for the row instead of once per column.
        let mut slots = std::mem::take(&mut self.slots);
        slots.fill(cells);
        let mut line = Map::new();
        let mut ok = true;
        let mut row_power: Option<u32> = None;
        for (key, column) in LINE_KEYS.iter().zip(&found.line_columns) {
            let Some((col, field)) = *column else {
                continue;
            };
            let at = || sheet.at(row, col);
            match slots.get(cells, col).map(|c| convert(c, field.kind, None)) {
                None | Some(Ok(None)) => {
                    if *key == "category" {
                        ok = false;
                        self.fail(
                            Some(p),
                            problem("missing_value", at(), "a cash-flow line without a category"),
                        );
                    }
                }
                Some(Ok(Some(v))) => {
                    if *key == "unit" {
                        let unit = v.as_str().unwrap_or_default();
                        if let Some((currency, power)) = fields::money_unit(unit) {
                            row_power = Some(power);
                            let own = self.projects[p]
                                .value
                                .get("currency")
                                .or_else(|| self.defaults.get("currency"))
                                .and_then(Value::as_str)
                                .unwrap_or(currency)
                                .to_owned();
                            if !own.eq_ignore_ascii_case(currency) {
                                ok = false;
                                self.fail(Some(p), problem(
                                    "unit_currency",
                                    at(),
                                    format!("unit {unit} is in {currency}, but the project's currency is {}", greenlight_core::error::echo(&own)),
                                ));
                            }
                        }
                    } else {
                        line.insert((*key).to_owned(), v);
                    }
                }
                Some(Err((code, m))) => {
                    ok = false;
                    self.fail(Some(p), problem(code, at(), m));
                }
            }
        }
        let mut amounts: Vec<(i32, Decimal, u32)> = Vec::with_capacity(found.years.len());
        // Read only when a year column names a unit.
        let mut own_currency: Option<Option<String>> = None;
        // A line usually repeats its amount year after year: the decimal of the cell before
        // (a number without a formula: its double's bits, the power of ten) is taken again
        // for the same double and power, as `decimal_of` and `scale` would form it again.
        let mut previous: Option<(u64, u32, Decimal)> = None;
        for (col, year, header_unit) in &found.years {
            let Some(c) = slots.get(cells, *col) else {
                continue;
            };
            let at = || sheet.at(row, *col);
            // The row's unit wins over the column's.
            let power = match (row_power, header_unit) {
                (Some(power), _) => power,
                (None, Some((unit, currency, power))) => {
                    let own = own_currency.get_or_insert_with(|| {
                        self.projects[p]
                            .value
                            .get("currency")
                            .or_else(|| self.defaults.get("currency"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    });
                    if let Some(own) = own.as_deref()
                        && !own.eq_ignore_ascii_case(currency)
                    {
                        ok = false;
                        let message = format!(
                            "the column's unit {unit} is in {currency}, but the project's currency is {own}"
                        );
                        self.fail(Some(p), problem("unit_currency", at(), message));
                        continue;
                    }
                    *power
                }
                (None, None) => 0,
            };
            let bits = match (&c.value, &c.formula) {
                (CellValue::Number(n), None) => Some(n.to_bits()),
                _ => None,
            };
            let amount = match (bits, previous) {
                (Some(bits), Some((b, p, d))) if bits == b && power == p => Ok(Some(d)),
                _ => decimal_of(c, Kind::Money).and_then(|d| scale(d, power)),
            };
            match amount {
                Ok(Some(d)) => {
                    if let Some(bits) = bits {
                        previous = Some((bits, power, d));
                    }
                    amounts.push((*year, d, *col));
                }
                Ok(None) => {}
                Err((code, m)) => {
                    ok = false;
                    self.fail(Some(p), problem(code, at(), m));
                }
            }
        }
        slots.clear(cells);
        self.slots = slots;
        if !ok || amounts.is_empty() {
            return;
        }
        amounts.sort_by_key(|a| a.0);
        // Runs of consecutive years with equal amounts become one line over a range.
        let mut runs: Vec<(i32, i32, Decimal, u32)> = Vec::new();
        for (year, amount, col) in amounts {
            match runs.last_mut() {
                Some(last) if last.1 + 1 == year && last.2 == amount => last.1 = year,
                _ => runs.push((year, year, amount, col)),
            }
        }
        let sheet_ref = self.cell(sheet, row, 0);
        let d = &mut self.projects[p];
        let lines = d
            .value
            .entry("cash_flows")
            .or_insert_with(|| Value::Array(Vec::new()));
        let count = runs.len();
        for (i, (first, last, amount, col)) in runs.into_iter().enumerate() {
            // The last run takes the line's own columns, the others a copy.
            let mut l = if i + 1 == count {
                std::mem::take(&mut line)
            } else {
                line.clone()
            };
            if first == last {
                l.insert("year".into(), Value::from(first));
            } else {
                l.insert("years".into(), serde_json::json!([first, last]));
            }
            l.insert(
                "amount".into(),
                Value::String(decimal_text(amount.normalize())),
            );
            if let Value::Array(a) = lines {
                d.cells.lines.resize(a.len(), None);
                d.cells.lines.push(Some(CellRef { col, ..sheet_ref }));
                a.push(Value::Object(l));
            }
        }
    }

    /// The header of a project form's yearly table: the CashFlows columns without the
    /// project id.
    fn form_table_header(&mut self, sheet: &Sheet) -> Option<Header> {
        let (row, cells) = sheet.rows().next()?;
        let mut columns = Vec::new();
        let mut years = Vec::new();
        for c in cells {
            match &c.value {
                CellValue::Text(t) => {
                    if let Some(f) = fields::match_header(SheetKind::CashFlows, t) {
                        columns.push((c.col, f, None));
                    } else if let Some((y, unit)) = year_header(t) {
                        let unit = unit
                            .and_then(|u| fields::money_unit(u).map(|(c, p)| (u.to_owned(), c, p)));
                        years.push((c.col, y, unit));
                    }
                }
                CellValue::Number(n) if n.fract() == 0.0 && (1900.0..=9999.0).contains(n) => {
                    years.push((c.col, *n as i32, None));
                }
                _ => {}
            }
        }
        Some(Header::new(row, columns, years))
    }

    /// Quantities, Evidence and Details: one row per project and key.
    fn keyed_row(
        &mut self,
        kind: SheetKind,
        sheet: &Sheet,
        found: &Header,
        row: u32,
        cells: &[Cell],
    ) {
        let (header, columns) = (found.row, &found.columns);
        let Some(id_col) = found.col_of("project_id") else {
            return;
        };
        {
            let Some(p) = self.project_of(sheet, row, id_col, cells) else {
                return;
            };
            if Self::in_merged_data(sheet, header, row) {
                self.projects[p].bad = true;
            }
            // By key; a later column of the same key wins.
            let mut values: Vec<(&str, Value, CellRef)> = Vec::with_capacity(columns.len());
            let mut ok = true;
            for (col, field, unit) in columns {
                if field.key == "project_id" {
                    continue;
                }
                let at = || sheet.at(row, *col);
                let Some(c) = cells.iter().find(|x| x.col == *col) else {
                    if field.required {
                        ok = false;
                        self.fail(
                            Some(p),
                            problem(
                                "missing_value",
                                at(),
                                format!("missing {}", field.en.to_lowercase()),
                            ),
                        );
                    }
                    continue;
                };
                match convert(c, field.kind, unit.as_deref()) {
                    Ok(Some(v)) => {
                        let at = self.cell(sheet, row, *col);
                        match values.iter_mut().find(|(k, ..)| *k == field.key) {
                            Some(entry) => *entry = (field.key, v, at),
                            None => values.push((field.key, v, at)),
                        }
                    }
                    Ok(None) => {}
                    Err((code, m)) => {
                        ok = false;
                        self.fail(Some(p), problem(code, at(), m));
                    }
                }
            }
            if !ok {
                return;
            }
            let get = |key: &str| values.iter().position(|(k, ..)| *k == key);
            let d = &mut self.projects[p];
            match kind {
                SheetKind::Quantities => {
                    let (Some(name), Some(first), Some(value)) =
                        (get("quantity"), get("first_year"), get("value"))
                    else {
                        return;
                    };
                    let (name, name_at) = (&values[name].1, values[name].2);
                    let first = &values[first].1;
                    let name = name.as_str().unwrap_or_default();
                    let mut q = Map::new();
                    match get("last_year").map(|i| &values[i].1) {
                        Some(last) if last != first => {
                            q.insert(
                                "years".into(),
                                Value::Array(vec![first.clone(), last.clone()]),
                            );
                        }
                        _ => {
                            q.insert("year".into(), first.clone());
                        }
                    }
                    let value_at = values[value].2;
                    q.insert("value".into(), values[value].1.clone());
                    let mut pointer = String::from("/quantities/");
                    pointer.push_str(&escape(name));
                    d.late.push(Late {
                        pointer,
                        value: Value::Object(q),
                        value_at,
                        name_at: Some(name_at),
                    });
                }
                SheetKind::Evidence => {
                    let (Some(key), Some(value)) = (get("key"), get("value")) else {
                        return;
                    };
                    let mut pointer = String::from("/evidence/");
                    pointer.push_str(&escape(values[key].1.as_str().unwrap_or_default()));
                    let (_, value, value_at) = values.swap_remove(value);
                    d.late.push(Late {
                        pointer,
                        value,
                        value_at,
                        name_at: None,
                    });
                }
                SheetKind::Details => {
                    let (Some(path), Some(value)) = (get("path"), get("value")) else {
                        return;
                    };
                    let path_at = values[path].2;
                    let path = values[path].1.as_str().unwrap_or_default();
                    let mut pointer = String::with_capacity(path.len() + 8);
                    for segment in path.split('.') {
                        pointer.push('/');
                        pointer.push_str(&escape(segment.trim()));
                    }
                    if pointer == "/id" || path.trim().is_empty() {
                        d.bad = true;
                        self.problems.push(problem(
                            "invalid_path",
                            self.locations_name(path_at),
                            "a path naming the id or nothing: give the id in Projects",
                        ));
                        return;
                    }
                    let (_, value, value_at) = values.swap_remove(value);
                    d.late.push(Late {
                        pointer,
                        value,
                        value_at,
                        name_at: None,
                    });
                }
                _ => {}
            }
        }
    }

    fn settings_rows(&mut self, sheet: &Sheet) {
        let Some(Header {
            row: header,
            columns,
            ..
        }) = self.header(SheetKind::Settings, sheet)
        else {
            return;
        };
        let col_of = |key: &str| columns.iter().find(|(_, f, _)| f.key == key).map(|c| c.0);
        let (Some(key_col), Some(value_col)) = (col_of("setting"), col_of("value")) else {
            return;
        };
        for (row, cells) in sheet.rows().filter(|(r, _)| *r > header) {
            let Some(key_cell) = cells.iter().find(|c| c.col == key_col) else {
                continue;
            };
            let Ok(name) = text_of(key_cell) else {
                continue;
            };
            let Some(value_cell) = cells.iter().find(|c| c.col == value_col) else {
                continue;
            };
            let at = sheet.at(row, value_col);
            if fields::strip_unit(&name)
                .0
                .eq_ignore_ascii_case("taxonomies")
                || name.trim() == "绿色分类"
            {
                match text_of(value_cell) {
                    Ok(t) => {
                        self.taxonomies = Some(
                            t.split([',', '，', ';', ' '])
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect(),
                        )
                    }
                    Err(m) => self.problems.push(problem("expected_text", at, m)),
                }
                continue;
            }
            let Some(field) = fields::match_header(SheetKind::Projects, &name)
                .filter(|f| f.key != "id" && f.key != "name")
            else {
                self.problems.push(problem(
                    "unknown_setting",
                    sheet.at(row, key_col),
                    format!(
                        "unknown setting {:?}: use a Projects column or taxonomies",
                        greenlight_core::error::echo(&name)
                    ),
                ));
                continue;
            };
            let unit = fields::strip_unit(&name).1.map(str::to_owned);
            match convert(value_cell, field.kind, unit.as_deref()) {
                Ok(Some(v)) => {
                    set_pointer(&mut self.defaults, field.pointer, v);
                    let at = self.cell(sheet, row, value_col);
                    self.default_locations
                        .push((Cow::Borrowed(field.pointer), at));
                }
                Ok(None) => {}
                Err((code, m)) => self.problems.push(problem(code, at, m)),
            }
        }
    }

    /// `{"defaults": {...}, "taxonomies": [...]}` from the Settings sheet.
    fn settings_value(&mut self) -> Value {
        let mut settings = Map::new();
        if !self.defaults.is_empty() {
            // Kept: a cash-flow unit is checked against the portfolio's currency.
            settings.insert("defaults".into(), Value::Object(self.defaults.clone()));
        }
        if let Some(t) = self.taxonomies.take() {
            settings.insert(
                "taxonomies".into(),
                Value::Array(t.into_iter().map(Value::String).collect()),
            );
        }
        Value::Object(settings)
    }

    fn settings_locator(&self) -> SettingsLocator {
        SettingsLocator {
            sheets: self.sheets.clone(),
            defaults: self.default_locations.clone(),
        }
    }

    /// The problems in sheet order, and the projects left out.
    fn summary(&mut self, format: Format) -> ImportSummary {
        let mut problems = std::mem::take(&mut self.problems.list);
        // Stable: within a sheet, problems stay in the order they were found (row order).
        problems.sort_by_key(|(stage, _)| *stage);
        ImportSummary {
            format,
            problems: problems.into_iter().map(|(_, e)| e).collect(),
            rejected: std::mem::take(&mut self.rejected),
        }
    }
}

/// Problems, each with the sheet (stage) it was found in, so they can be listed in sheet
/// order whatever order the sheets are read in.
#[derive(Debug, Default)]
struct Problems {
    list: Vec<(Stage, Error)>,
    stage: Stage,
}

impl Problems {
    fn push(&mut self, e: Error) {
        self.list.push((self.stage, e));
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A JSON pointer segment with `~` and `/` escaped.
fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// A JSON pointer segment with `~1` and `~0` read back.
fn unescape_segment(segment: &str) -> Cow<'_, str> {
    if segment.contains('~') {
        Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// The member `key` of `map`, added as `null` when missing. (The map's `entry` takes an
/// owned key, which would cost a copy of every key met on the way down.)
fn member<'m>(map: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    if map.contains_key(key) {
        map.get_mut(key)
    } else {
        Some(map.entry(key).or_insert(Value::Null))
    }
}

/// Sets `value` at a JSON pointer inside `root`, creating objects, and arrays where the next
/// segment is an index (padding with nulls, which the project parser then names).
fn set_pointer(root: &mut Map<String, Value>, pointer: &str, value: Value) {
    set_path(root, pointer.split('/').skip(1).map(Step::of), value);
}

/// One segment of a JSON pointer as [`set_pointer`] reads it: the member's name, and the
/// array index it names where it is not the first.
#[derive(Debug, Clone)]
struct Step<'p> {
    key: Cow<'p, str>,
    index: Option<usize>,
}

impl<'p> Step<'p> {
    fn of(segment: &'p str) -> Step<'p> {
        let key = unescape_segment(segment);
        let index = key.parse::<usize>().ok().filter(|i| *i < 10_000);
        Step { key, index }
    }
}

/// The steps of a field's pointer, read once per sheet rather than once per cell.
fn steps_of(pointer: &'static str) -> Vec<Step<'static>> {
    pointer.split('/').skip(1).map(Step::of).collect()
}

/// [`set_pointer`] with its pointer already read into steps.
fn set_path<'p>(
    root: &mut Map<String, Value>,
    mut steps: impl Iterator<Item = Step<'p>>,
    value: Value,
) {
    let Some(first) = steps.next() else {
        return;
    };
    let Some(mut slot) = member(root, &first.key) else {
        return;
    };
    for step in steps {
        slot = match step.index {
            Some(i) => {
                if !slot.is_array() {
                    *slot = Value::Array(Vec::new());
                }
                let Value::Array(a) = slot else { return };
                if a.len() <= i {
                    a.resize(i + 1, Value::Null);
                }
                &mut a[i]
            }
            None => {
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                let Value::Object(m) = slot else { return };
                let Some(next) = member(m, &step.key) else {
                    return;
                };
                next
            }
        };
    }
    *slot = value;
}

type Problem = (&'static str, String);

/// What a streamed sheet does with each row after its header: (import, sheet name and
/// merged regions, header, row, cells).
type RowHandler<'h> = dyn FnMut(&mut Import, &Sheet, &Header, u32, &[Cell]) + 'h;

/// A sheet's header row, its columns (with the unit a header gives) and its year columns
/// (with the money unit their header gives, e.g. `2026 (万元)`), with what the row handlers
/// look up in them resolved once per sheet rather than once per row.
#[derive(Debug)]
struct Header {
    row: u32,
    columns: Vec<(u32, &'static Field, Option<String>)>,
    years: Vec<(u32, i32, Option<YearUnit>)>,
    /// By column number: 1 + the index in `columns` of the first entry for that column, or 0.
    by_col: Vec<u32>,
    /// The steps of each column's field pointer, by index in `columns`.
    steps: Vec<Vec<Step<'static>>>,
    /// The first column of each of a cash-flow line's `category`, `label`, `escalation` and
    /// `unit`, with its field in the CashFlows catalogue.
    line_columns: [Option<(u32, &'static Field)>; 4],
}

/// A header's column: its number, its field and the unit its header gives.
type Column = (u32, &'static Field, Option<String>);

/// The keys of a cash-flow line's own columns, in the order their problems are listed.
const LINE_KEYS: [&str; 4] = ["category", "label", "escalation", "unit"];

impl Header {
    fn new(
        row: u32,
        columns: Vec<(u32, &'static Field, Option<String>)>,
        years: Vec<(u32, i32, Option<YearUnit>)>,
    ) -> Header {
        let col_of = |key: &str| columns.iter().find(|(_, f, _)| f.key == key).map(|c| c.0);
        let line_columns = LINE_KEYS.map(|key| {
            Some((
                col_of(key)?,
                fields::fields_of(SheetKind::CashFlows).find(|f| f.key == key)?,
            ))
        });
        let mut by_col: Vec<u32> = Vec::new();
        for (i, (col, ..)) in columns.iter().enumerate() {
            let col = *col as usize;
            if by_col.len() <= col {
                by_col.resize(col + 1, 0);
            }
            if by_col[col] == 0 {
                by_col[col] = i as u32 + 1;
            }
        }
        let steps = columns
            .iter()
            .map(|(_, f, _)| steps_of(f.pointer))
            .collect();
        Header {
            row,
            columns,
            years,
            by_col,
            steps,
            line_columns,
        }
    }

    /// The first column of the header at column number `col`, as a search of `columns`
    /// gives it, with the steps of its field's pointer.
    fn column_at(&self, col: u32) -> Option<(&Column, &[Step<'static>])> {
        let i = (*self.by_col.get(col as usize)?).checked_sub(1)? as usize;
        Some((self.columns.get(i)?, self.steps.get(i)?))
    }

    /// The first column whose field has `key`.
    fn col_of(&self, key: &str) -> Option<u32> {
        self.columns
            .iter()
            .find(|(_, f, _)| f.key == key)
            .map(|c| c.0)
    }
}

/// The money unit of a year column: its name, currency and power of ten.
type YearUnit = (String, &'static str, u32);

/// A year column header: `2026`, or `2026 (万元)` with a unit.
fn year_header(text: &str) -> Option<(i32, Option<&str>)> {
    let (name, unit) = fields::strip_unit(text);
    let year = name
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))?;
    Some((year, unit))
}

fn found(cell: &Cell) -> String {
    match &cell.formula {
        Some(f) => format!("{} (formula ={f})", cell.value.describe()),
        None => cell.value.describe(),
    }
}

fn check_formula(cell: &Cell) -> Result<(), Problem> {
    if let (Some(f), CellValue::Empty) = (&cell.formula, &cell.value) {
        return Err((
            "formula_without_value",
            format!(
                "formula ={} has no stored result: open and save the file in a spreadsheet program (which stores results), or type the value",
                greenlight_core::error::echo(f)
            ),
        ));
    }
    if let CellValue::Error(e) = &cell.value {
        return Err((
            "cell_error",
            format!(
                "the cell holds the error {}",
                greenlight_core::error::echo(e)
            ),
        ));
    }
    Ok(())
}

/// As [`text_of`], borrowing a text cell's text.
fn text_cow(cell: &Cell) -> Result<Cow<'_, str>, String> {
    match &cell.value {
        CellValue::Text(t) => Ok(Cow::Borrowed(crate::scan::trim(t))),
        _ => text_of(cell).map(Cow::Owned),
    }
}

/// A cell as text: text trimmed; a number by its shortest decimal text.
fn text_of(cell: &Cell) -> Result<String, String> {
    check_formula(cell).map_err(|e| e.1)?;
    match &cell.value {
        CellValue::Text(t) => Ok(crate::scan::trim(t).to_owned()),
        CellValue::Number(n) => Ok(decimal_from_f64(*n)
            .map(|d| decimal_text(d.normalize()))
            .unwrap_or_else(|| n.to_string())),
        CellValue::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a text, found {}", other.describe())),
    }
}

/// The documented number rule: an IEEE double becomes the decimal of its shortest
/// round-trip text (`{}` formatting never uses an exponent), or `None` beyond the 28 digits
/// a `Decimal` holds.
pub fn decimal_from_f64(x: f64) -> Option<Decimal> {
    if x == 0.0 {
        // The shortest texts of the two zeros, read without formatting them.
        return Decimal::from_str(if x.is_sign_negative() { "-0" } else { "0" }).ok();
    }
    decimal_from_f64_digits(x).or_else(|| decimal_from_f64_text(x))
}

/// The plain path of [`decimal_from_f64`]: the shortest round-trip text, parsed.
fn decimal_from_f64_text(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_str(&format!("{x}")).ok()
}

/// The fast path of [`decimal_from_f64`], for a nonzero double whose shortest round-trip
/// text has at most 15 significant digits and no exponent (amounts as spreadsheets hold
/// them): the fewest decimals `s` whose `m = round(x·10ˢ)` reads back as `x`.
///
/// Why it gives the plain path's digits and scale: below 10¹⁵, `x·10ˢ` is formed within
/// 0.2 of its exact value, so `m` is the only candidate at scale `s`; `m / 10ˢ` in `f64` is
/// the correctly rounded quotient of two exact numbers, which is what reading the text
/// `m·10⁻ˢ` gives, so the test is exact; and decimals of at most 15 digits lie more than two
/// units in the last place apart, so at most one of them reads back as `x`, and the first
/// scale that does is the shortest text's. `None` sends anything else to the plain path.
fn decimal_from_f64_digits(x: f64) -> Option<Decimal> {
    const LIMIT: f64 = 1e15;
    if !x.is_finite() || x == 0.0 || x.abs() >= LIMIT {
        return None;
    }
    let mut p = 1.0f64;
    for s in 0..=15u32 {
        let y = x * p;
        if y.abs() >= LIMIT {
            // Its rounding is at least 10¹⁵ too.
            return None;
        }
        let m = round_half_away(y);
        if m.abs() >= LIMIT {
            return None;
        }
        if m / p == x {
            return Some(Decimal::new(m as i64, s));
        }
        p *= 10.0;
    }
    None
}

/// `y.round()` for `|y| < 10¹⁵`, without the library call: `t = y as i64` truncates exactly
/// (`|y| < 2⁶³`), `y - t` is `y`'s fractional part, a multiple of `y`'s unit in the last place
/// smaller than 1 and so computed exactly, and rounding half away from zero moves `t` by one
/// when that part is at least one half.
fn round_half_away(y: f64) -> f64 {
    let t = y as i64;
    let fraction = y - t as f64;
    let m = if fraction >= 0.5 {
        t + 1
    } else if fraction <= -0.5 {
        t - 1
    } else {
        t
    };
    m as f64
}

/// A number typed as text, read exactly: `,`, `_` and spaces ignored, a trailing `%`
/// divides by 100, an exponent (`1.5e6`) is allowed.
pub fn decimal_from_text(text: &str) -> Option<Decimal> {
    let mut t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
        .collect();
    let percent = t.ends_with('%') || t.ends_with('％');
    if percent {
        t.pop();
    }
    let d = if t.contains(['e', 'E']) {
        Decimal::from_scientific(&t).ok()?
    } else {
        Decimal::from_str(&t).ok()?
    };
    if percent {
        d.checked_div(Decimal::ONE_HUNDRED)
    } else {
        Some(d)
    }
}

fn decimal_of(cell: &Cell, kind: Kind) -> Result<Option<Decimal>, Problem> {
    check_formula(cell)?;
    let what = match kind {
        Kind::Rate => "a rate",
        Kind::Money => "an amount",
        _ => "a number",
    };
    match &cell.value {
        // The messages are formed only for a problem: formatting a double costs more than
        // converting it.
        CellValue::Number(n) => decimal_from_f64(*n).map(Some).ok_or_else(|| {
            (
                "number_out_of_range",
                format!("{n} is beyond the 28 digits an amount may have"),
            )
        }),
        CellValue::Text(t) if t.trim().is_empty() => Ok(None),
        CellValue::Text(t) => decimal_from_text(t).map(Some).ok_or_else(|| {
            (
                "expected_number",
                format!("expected {what}, found {}", found(cell)),
            )
        }),
        _ => Err((
            "expected_number",
            format!("expected {what}, found {}", found(cell)),
        )),
    }
}

fn scale(d: Option<Decimal>, power: u32) -> Result<Option<Decimal>, Problem> {
    let Some(d) = d else { return Ok(None) };
    if power == 0 {
        return Ok(Some(d));
    }
    let mut m = Decimal::ONE;
    for _ in 0..power {
        m *= Decimal::TEN;
    }
    d.checked_mul(m).map(Some).ok_or_else(|| {
        (
            "number_out_of_range",
            format!("{d} × 10^{power} is out of range"),
        )
    })
}

/// `d.to_string()`, written from the mantissa's digits directly rather than through the
/// formatter (see `greenlight_core::decimal_text`).
fn decimal_text(d: Decimal) -> String {
    greenlight_core::decimal_text::DecimalText::of(&d)
        .as_str()
        .to_owned()
}

/// A decimal as JSON: an integer as a JSON number (so integer fields read it), anything
/// else as an exact decimal string.
fn json_decimal(d: Decimal) -> Value {
    let d = d.normalize();
    if d.fract().is_zero()
        && let Ok(i) = i64::try_from(d)
    {
        return Value::from(i);
    }
    Value::String(decimal_text(d))
}

fn year_of(cell: &Cell) -> Result<Option<i64>, Problem> {
    let d = match &cell.value {
        CellValue::Date { ymd, .. } => Decimal::from(ymd.0),
        _ => match decimal_of(cell, Kind::Year) {
            Ok(Some(d)) => d,
            Ok(None) => return Ok(None),
            Err(_) => {
                return Err((
                    "expected_year",
                    format!("expected a year, found {}", found(cell)),
                ));
            }
        },
    };
    let y = i64::try_from(d).ok().filter(|_| d.fract().is_zero());
    match y {
        Some(y) if (1900..=9999).contains(&y) => Ok(Some(y)),
        Some(y) if y < 1900 => Err((
            "date_before_1900",
            format!("year {y} is before 1900, where spreadsheet dates begin: check the cell"),
        )),
        _ => Err((
            "expected_year",
            format!("expected a year such as 2026, found {}", found(cell)),
        )),
    }
}

fn date_of(cell: &Cell) -> Result<Option<String>, Problem> {
    check_formula(cell)?;
    let iso = match &cell.value {
        CellValue::Date { serial, ymd } => {
            if *serial < 1.0 {
                return Err((
                    "date_before_1900",
                    format!(
                        "a date serial of {serial} is before 1900-01-01, where spreadsheet dates begin"
                    ),
                ));
            }
            format!("{:04}-{:02}-{:02}", ymd.0, ymd.1, ymd.2)
        }
        CellValue::DateIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        CellValue::Text(t) if t.trim().is_empty() => return Ok(None),
        CellValue::Text(t) => t.trim().get(..10).unwrap_or(t.trim()).to_owned(),
        _ => {
            return Err((
                "expected_date",
                format!("expected a date, found {}", found(cell)),
            ));
        }
    };
    let parsed = greenlight_core::dated::Date::from_str(&iso).ok();
    match parsed {
        Some(d) if d.ymd().0 >= 1900 => Ok(Some(iso)),
        Some(_) => Err((
            "date_before_1900",
            format!(
                "date {iso} is before 1900-01-01, where spreadsheet dates begin: check the cell"
            ),
        )),
        None => Err((
            "expected_date",
            format!(
                "expected a date (a date cell or text such as 2026-01-15), found {}",
                found(cell)
            ),
        )),
    }
}

/// `option.replace('_', " ").eq_ignore_ascii_case(text)` without forming the replaced text:
/// the replacement keeps every byte's place, so the texts compare byte by byte.
fn spaced_eq_ignore_ascii_case(option: &str, text: &str) -> bool {
    option.len() == text.len()
        && option.bytes().zip(text.bytes()).all(|(a, b)| {
            let a = if a == b'_' { b' ' } else { a };
            a.eq_ignore_ascii_case(&b)
        })
}

/// Converts a cell by the column's kind; `None` for a blank text.
fn convert(cell: &Cell, kind: Kind, unit: Option<&str>) -> Result<Option<Value>, Problem> {
    check_formula(cell)?;
    match kind {
        Kind::Text => text_of(cell)
            .map(|t| (!t.is_empty()).then_some(Value::String(t)))
            .map_err(|m| ("expected_text", m)),
        Kind::Integer => match decimal_of(cell, kind)? {
            None => Ok(None),
            Some(d) if d.fract().is_zero() && d >= Decimal::ZERO => Ok(Some(json_decimal(d))),
            Some(_) => Err((
                "expected_integer",
                format!("expected a whole number, found {}", found(cell)),
            )),
        },
        Kind::Number => Ok(decimal_of(cell, kind)?.map(json_decimal)),
        Kind::Money => {
            let power = match unit {
                None => 0,
                Some(u) => fields::money_unit(u).map(|(_, p)| p).ok_or_else(|| {
                    (
                        "unknown_unit",
                        format!(
                            "unknown unit {:?} in the header",
                            greenlight_core::error::echo(u)
                        ),
                    )
                })?,
            };
            Ok(scale(decimal_of(cell, kind)?, power)?.map(json_decimal))
        }
        Kind::Rate => {
            // A rate typed as 6 in a column headed (%) is six percent.
            let d = decimal_of(cell, kind)?;
            let in_percent = unit.is_some_and(|u| u.trim() == "%")
                && matches!(&cell.value, CellValue::Number(n) if n.abs() >= 1.0);
            Ok(d.map(|d| {
                if in_percent {
                    d / Decimal::ONE_HUNDRED
                } else {
                    d
                }
            })
            .map(|d| Value::String(decimal_text(d.normalize()))))
        }
        Kind::Year => Ok(year_of(cell)?.map(Value::from)),
        Kind::Date => Ok(date_of(cell)?.map(Value::String)),
        Kind::Enum(allowed) => {
            let t = text_cow(cell).map_err(|m| ("expected_text", m))?;
            if t.is_empty() {
                return Ok(None);
            }
            allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&t) || spaced_eq_ignore_ascii_case(a, &t))
                .map(|a| Some(Value::String((*a).to_owned())))
                .ok_or_else(|| {
                    (
                        "not_in_list",
                        format!(
                            "{:?} is not one of: {}",
                            greenlight_core::error::echo(&t),
                            allowed.join(", ")
                        ),
                    )
                })
        }
        Kind::Bool => match &cell.value {
            CellValue::Bool(b) => Ok(Some(Value::Bool(*b))),
            CellValue::Number(n) if *n == 0.0 || *n == 1.0 => Ok(Some(Value::Bool(*n == 1.0))),
            CellValue::Text(t) => match t.trim().to_lowercase().as_str() {
                "" => Ok(None),
                "true" | "yes" | "y" | "1" | "是" => Ok(Some(Value::Bool(true))),
                "false" | "no" | "n" | "0" | "否" => Ok(Some(Value::Bool(false))),
                _ => Err((
                    "expected_bool",
                    format!("expected yes or no, found {}", found(cell)),
                )),
            },
            _ => Err((
                "expected_bool",
                format!("expected yes or no, found {}", found(cell)),
            )),
        },
        Kind::Any => match &cell.value {
            CellValue::Bool(b) => Ok(Some(Value::Bool(*b))),
            CellValue::Number(_) => Ok(decimal_of(cell, Kind::Number)?.map(json_decimal)),
            CellValue::Text(t) => {
                let t = t.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
                    return Ok(Some(Value::Bool(t.eq_ignore_ascii_case("true"))));
                }
                if t.starts_with('[') || t.starts_with('{') {
                    return serde_json::from_str(t).map(Some).map_err(|e| {
                        (
                            "invalid_json",
                            format!("text starting with {} is read as JSON: {e}", &t[..1]),
                        )
                    });
                }
                if let Ok(d) = Decimal::from_str(t) {
                    return Ok(Some(json_decimal(d)));
                }
                Ok(Some(Value::String(t.to_owned())))
            }
            CellValue::Date { .. } | CellValue::DateIso(_) => Ok(date_of(cell)?.map(Value::String)),
            _ => Err(("unexpected_value", format!("cannot use {}", found(cell)))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::tests::xorshift;

    /// Decimals written from their digits read as the formatter writes them, on random
    /// mantissas of every width up to 96 bits, every scale and both signs, and on zeros,
    /// the extremes and amounts as the import forms them.
    #[test]
    fn decimals_are_written_as_the_formatter_writes_them() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut cases = vec![
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(0, 28),
            {
                let mut zero = Decimal::new(0, 5);
                zero.set_sign_negative(true);
                zero
            },
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
            Decimal::new(47606587, 2),
            Decimal::new(-315275413, 2),
            Decimal::new(24, 3),
            Decimal::from_i128_with_scale(10_000_000_000_000_000_000, 0),
            Decimal::from_i128_with_scale(10_000_000_000_000_000_000, 19),
        ];
        for _ in 0..200_000 {
            let bits = next() % 97;
            let wide = (u128::from(next()) << 64 | u128::from(next())) & ((1u128 << 96) - 1);
            let mantissa = if bits == 96 {
                wide
            } else {
                wide & ((1u128 << bits) - 1)
            };
            let scale = (next() % 29) as u32;
            let mut d = Decimal::from_i128_with_scale(mantissa as i128, scale);
            d.set_sign_negative(next().is_multiple_of(2));
            cases.push(d);
        }
        for d in cases {
            assert_eq!(decimal_text(d), d.to_string(), "{d:?}");
        }
    }

    /// The fast path against the plain path, digits and scale, on amounts as spreadsheets
    /// hold them (cents, rates, integers, tiny and large magnitudes) and on random bit
    /// patterns; and it must take most amounts, or it saves nothing.
    #[test]
    fn doubles_read_by_their_digits_as_by_their_shortest_text() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut taken = 0;
        let mut samples: Vec<f64> = vec![
            0.1,
            0.2,
            0.3,
            0.1 + 0.2,
            1e-7,
            2.5,
            -2.5,
            100.0,
            1e14,
            999_999_999_999_999.0,
            1e15,
            123_456_789.012_345,
            0.000_012_3,
            -0.0,
            0.0,
            5e-324,
            f64::MAX,
        ];
        for _ in 0..200_000 {
            let r = next();
            let cents = (r % 10_000_000_000) as i64 - 5_000_000_000;
            samples.push(cents as f64 / 100.0);
            samples.push((r % 100_000) as f64 / 10_000.0);
            samples.push(f64::from_bits(next()));
            samples.push((next() % 1_000_000) as f64 * 10f64.powi((r % 30) as i32 - 15));
        }
        for x in samples {
            let plain = decimal_from_f64_text(x);
            if let Some(fast) = decimal_from_f64_digits(x) {
                taken += 1;
                let plain = plain.expect("the plain path reads it");
                assert_eq!(
                    (fast.mantissa(), fast.scale()),
                    (plain.mantissa(), plain.scale()),
                    "{x:e}"
                );
            }
            // Sign of zero, scale and digits alike.
            assert_eq!(
                decimal_from_f64(x).map(|d| d.serialize()),
                plain.map(|d| d.serialize()),
                "{x:e}"
            );
            if x.is_finite() && x.abs() < 1e15 {
                assert_eq!(round_half_away(x), x.round(), "{x:e}");
            }
        }
        for y in [
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.499_999_999_999_999_94,
            999_999_999_999_998.5,
        ] {
            assert_eq!(round_half_away(y), y.round(), "{y:e}");
        }
        assert!(taken > 400_000, "{taken}");
    }

    fn at(sheet: u32, row: u32, col: u32) -> CellRef {
        CellRef { sheet, row, col }
    }

    /// Pointers are placed on their own cell, else on their nearest parent's, as the
    /// spreadsheet user would look for them; the cell names are written out by hand.
    #[test]
    fn locate_walks_up_to_the_nearest_cell() {
        let imported = ImportedWorkbook {
            format: Format::Xlsx,
            document: Value::Null,
            locations: Locations {
                sheets: vec!["Projects".into(), "CashFlows".into(), "Settings".into()],
                projects: vec![ProjectCells {
                    id: Some(at(0, 2, 0)),
                    fields: vec![(Cow::Borrowed("/timeline/analysis_years"), at(0, 2, 5))],
                    lines: vec![Some(at(1, 1, 4)), None, Some(at(1, 3, 7))],
                }],
                defaults: vec![(Cow::Borrowed("/finance/discount_rate"), at(2, 4, 1))],
            },
            problems: Vec::new(),
            rejected: Vec::new(),
        };
        let cases = [
            ("/projects/0/cash_flows/0/amount", Some("CashFlows!E2")),
            ("/projects/0/cash_flows/0/category", Some("CashFlows!E2")),
            ("/projects/0/cash_flows/2", Some("CashFlows!H4")),
            ("/projects/0/cash_flows/1/amount", Some("Projects!A3")),
            ("/projects/0/cash_flows/01/amount", Some("Projects!A3")),
            ("/projects/0/timeline/analysis_years", Some("Projects!F3")),
            ("/projects/0/timeline/start_year", Some("Projects!A3")),
            ("/projects/0", Some("Projects!A3")),
            ("/projects/0/id", Some("Projects!A3")),
            ("/projects/1/id", None),
            (
                "/settings/defaults/finance/discount_rate",
                Some("Settings!B5"),
            ),
            (
                "/settings/defaults/finance/discount_rate/0",
                Some("Settings!B5"),
            ),
            ("/settings/defaults/finance", None),
            ("", None),
        ];
        for (pointer, expected) in cases {
            assert_eq!(imported.locate(pointer).as_deref(), expected, "{pointer}");
        }
    }
}
