//! `greenlight bench`: the portfolio benchmark. It generates a seeded synthetic portfolio in
//! memory, appraises every project in full (NPV, every IRR root, MIRR, both paybacks,
//! lifecycle cost, financing where a project has a loan) and reports throughput.
//!
//! The generator is a fixed-seed SplitMix64, so a run is repeatable on any machine; the
//! projects look like the municipal pipeline (an outlay, escalating savings, O&M, one asset
//! with replacements, every fifth project with a loan, every seventh with a
//! decommissioning cost that gives a second sign change).

use std::io::{self, Write};
use std::time::Instant;

use clap::Args;
use greenlight_core::appraisal::{AppraisalOptions, FactorTables, appraise_with};
use greenlight_core::discount::Timing;
use greenlight_core::emissions::abatement::{CalculatorInput, EmissionsInput};
use greenlight_core::emissions::energy::{BuildingEfficiencyInput, CarrierUse, FuelUse};
use greenlight_core::emissions::grid::GridPath;
use greenlight_core::financing::{Loan, Repayment};
use greenlight_core::project::{
    Asset, Basis, CashFlowLine, Category, FinanceInput, FinancingInput, FirstYear, ProjectInput,
    Sector, Timeline,
};
use greenlight_core::registry::Registry;
use rust_decimal::Decimal;

use crate::Outcome;

/// Arguments of `greenlight bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchCommand {
    /// Number of projects in the synthetic portfolio.
    #[arg(long, default_value_t = 100_000)]
    projects: usize,
    /// Operating years per project.
    #[arg(long, default_value_t = 30)]
    years: u32,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Worker threads (default: every available core).
    #[arg(long)]
    threads: Option<usize>,
    /// Give every project an emissions calculator (building retrofit: electricity on a
    /// declining grid path, natural gas by the IPCC factors), to measure what emissions add.
    #[arg(long)]
    emissions: bool,
    /// Write the portfolio into the workbook template, then time (and measure the peak
    /// memory of) writing, importing and appraising it on one thread; then the CashFlows
    /// sheet read alone by each reader, and the streamed path of `greenlight appraise`
    /// (reading on one thread, appraising on another).
    #[arg(long)]
    xlsx: bool,
    /// With `--xlsx`: also save the generated workbook here, to time and measure
    /// `greenlight appraise` on it in a fresh process.
    #[arg(long, value_name = "FILE", requires = "xlsx")]
    save: Option<std::path::PathBuf>,
}

/// SplitMix64: small, fast and good enough to vary synthetic projects.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    /// The generator started from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

fn line(
    category: Category,
    years: [i32; 2],
    amount: Decimal,
    escalation: Option<Decimal>,
) -> CashFlowLine {
    CashFlowLine {
        category,
        label: None,
        year: None,
        years: Some(years),
        amount,
        escalation,
    }
}

/// One synthetic project.
pub(crate) fn synthetic_project(
    rng: &mut SplitMix,
    i: usize,
    years: u32,
    with_emissions: bool,
) -> ProjectInput {
    let start = 2026;
    let end = start + years as i32;
    let investment = Decimal::new(rng.range(10_000_000, 5_000_000_000), 2);
    let saving = investment * Decimal::new(rng.range(60, 180), 3);
    let om = -(investment * Decimal::new(rng.range(5, 30), 3)).round_dp(2);
    let mut cash_flows = vec![
        CashFlowLine {
            category: Category::Investment,
            label: None,
            year: Some(start),
            years: None,
            amount: -investment,
            escalation: None,
        },
        line(
            Category::Savings,
            [start + 1, end],
            saving.round_dp(2),
            Some(Decimal::new(rng.range(0, 30), 3)),
        ),
        line(Category::OperationMaintenance, [start + 1, end], om, None),
    ];
    if i % 7 == 3 {
        cash_flows.push(CashFlowLine {
            category: Category::Other,
            label: Some("decommissioning".into()),
            year: Some(end),
            years: None,
            amount: -(investment * Decimal::new(rng.range(5, 40), 1)).round_dp(2),
            escalation: None,
        });
    }
    let asset = Asset {
        name: "equipment".into(),
        cost: (investment * Decimal::new(rng.range(10, 40), 2)).round_dp(2),
        year: start,
        service_life_years: rng.range(8, 25) as u32,
        replace: None,
        escalation: None,
    };
    let financing = i.is_multiple_of(5).then(|| FinancingInput {
        loan: Some(Loan {
            amount: None,
            share: Some(Decimal::new(rng.range(30, 80), 2)),
            rate: Decimal::new(rng.range(20, 60), 3),
            tenor_years: (years / 2).max(1),
            grace_years: 1.min(years / 2 - 1),
            repayment: if i.is_multiple_of(2) {
                Repayment::Annuity
            } else {
                Repayment::Linear
            },
            drawdown_year_index: 0,
        }),
        funding_gap: None,
    });
    let emissions = with_emissions.then(|| synthetic_emissions(rng, start + 1, end));
    ProjectInput {
        id: format!("bench-{i:06}"),
        name: format!("synthetic project {i}"),
        city: None,
        country: None,
        region: None,
        currency: "CNY".into(),
        price_base_year: 2025,
        sector: Sector::Other,
        activity: "synthetic".into(),
        timeline: Timeline {
            start_year: start,
            construction_years: 1,
            analysis_years: years,
            timing: Timing::EndOfYear,
            first_year: FirstYear::Undiscounted,
        },
        finance: FinanceInput {
            discount_rate: Some(Decimal::new([40, 60, 80][i % 3], 3)),
            discount_preset: None,
            basis: Basis::Real,
            rate_basis: None,
            inflation: None,
            finance_rate: None,
            reinvest_rate: None,
        },
        cash_flows,
        assets: vec![asset],
        base_case: None,
        financing,
        economic: None,
        emissions,
        sensitivity: None,
        quantities: Default::default(),
        assessment_date: None,
        evidence: Default::default(),
    }
}

/// A building retrofit: electricity and natural gas before and after, on a grid factor that
/// declines 3 % a year from 0.5366 tCO2/MWh (China's 2022 national average).
fn synthetic_emissions(rng: &mut SplitMix, first: i32, last: i32) -> EmissionsInput {
    let mwh = Decimal::from(rng.range(100, 5_000));
    let gas = Decimal::from(rng.range(10_000, 500_000));
    let saving = Decimal::new(rng.range(15, 60), 2);
    let keep = Decimal::ONE - saving;
    let fuel = |m3: Decimal| FuelUse {
        fuel: "natural_gas".into(),
        quantity_t: None,
        quantity_m3: None,
        quantity_l: None,
        energy_gj: Some((m3 * Decimal::new(38931, 6)).round_dp(3)),
        density_kg_per_l: None,
    };
    EmissionsInput {
        gwp_set: None,
        grid: GridPath::CompoundDecline {
            base_year: 2026,
            base_value: Decimal::new(5366, 4),
            rate: Decimal::new(3, 2),
        },
        grid_displaced: None,
        fuel_set: None,
        fuel_overrides: Vec::new(),
        heat_t_per_gj: None,
        calculators: vec![CalculatorInput::BuildingEfficiency(
            BuildingEfficiencyInput {
                years: [first, last],
                baseline: CarrierUse {
                    electricity_mwh: mwh,
                    heat_gj: Decimal::ZERO,
                    fuels: vec![fuel(gas)],
                },
                project: CarrierUse {
                    electricity_mwh: (mwh * keep).round_dp(3),
                    heat_gj: Decimal::ZERO,
                    fuels: vec![fuel((gas * keep).round_dp(0))],
                },
            },
        )],
    }
}

pub(crate) fn run(cmd: BenchCommand, registry: &Registry) -> anyhow::Result<Outcome> {
    if !(2..=greenlight_core::project::MAX_ANALYSIS_YEARS).contains(&cmd.years) {
        anyhow::bail!(
            "--years must be 2 to {}",
            greenlight_core::project::MAX_ANALYSIS_YEARS
        );
    }
    let threads = cmd
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let generated = Instant::now();
    let mut rng = SplitMix::new(cmd.seed);
    let portfolio: Vec<ProjectInput> = (0..cmd.projects)
        .map(|i| synthetic_project(&mut rng, i, cmd.years, cmd.emissions))
        .collect();
    let generation = generated.elapsed();
    let options = AppraisalOptions { trace: false };
    if cmd.xlsx {
        return run_xlsx(&cmd, &portfolio, registry, &options);
    }
    let started = Instant::now();
    let chunk = cmd.projects.div_ceil(threads).max(1);
    let (ok, failed, roots) = std::thread::scope(|s| {
        let handles: Vec<_> = portfolio
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let (mut ok, mut failed, mut roots) = (0usize, 0usize, 0usize);
                    // One table of discount factors per distinct rate, per thread.
                    let mut tables = FactorTables::new();
                    for p in part {
                        match appraise_with(p, registry, &options, &mut tables) {
                            Ok(a) => {
                                ok += 1;
                                roots += a.financial.irr.roots.len();
                            }
                            Err(_) => failed += 1,
                        }
                    }
                    (ok, failed, roots)
                })
            })
            .collect();
        handles.into_iter().fold((0, 0, 0), |acc, h| {
            let (a, b, c) = h.join().unwrap_or((0, 0, 0));
            (acc.0 + a, acc.1 + b, acc.2 + c)
        })
    });
    let elapsed = started.elapsed();
    let secs = elapsed.as_secs_f64();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "portfolio: {} projects × {} operating years, seed {}, {} thread(s){}",
        cmd.projects,
        cmd.years,
        cmd.seed,
        threads,
        if cmd.emissions {
            ", with emissions"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "generated in {:.3} s (not counted)",
        generation.as_secs_f64()
    )?;
    writeln!(
        out,
        "appraised {ok} ({failed} rejected) in {secs:.3} s: {:.0} projects/s, {:.2} µs per project per thread",
        ok as f64 / secs,
        secs * 1e6 * threads as f64 / cmd.projects.max(1) as f64
    )?;
    writeln!(out, "IRR roots found: {roots}")?;
    Ok(Outcome::Success)
}

/// The peak resident memory of this process since the last reset, in MiB (Linux; `None`
/// elsewhere).
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) of this process so far, in seconds (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel's clock tick is 100 Hz on every Linux this runs on (USER_HZ).
    Some(ticks / 100.0)
}

/// Resets the peak so the next phase is measured on its own (Linux 4.0 and later).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn run_xlsx(
    cmd: &BenchCommand,
    portfolio: &[ProjectInput],
    registry: &Registry,
    options: &AppraisalOptions,
) -> anyhow::Result<Outcome> {
    use greenlight_workbooks::template::{Layout, write_filled};
    let mut out = io::stdout().lock();
    let peak = |p: Option<f64>| p.map_or_else(|| String::from("n/a"), |m| format!("{m:.0} MiB"));
    writeln!(
        out,
        "portfolio: {} projects × {} operating years, seed {}, workbook template, 1 thread",
        cmd.projects, cmd.years, cmd.seed
    )?;
    let document = serde_json::to_value(portfolio)?;
    reset_peak();
    let started = Instant::now();
    let bytes = write_filled(&document, greenlight_workbooks::Lang::En, Layout::Portfolio)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let written = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "write:   {written:.3} s, {:.1} MB, peak {}",
        bytes.len() as f64 / 1e6,
        peak(peak_mib())
    )?;
    drop(document);
    if let Some(path) = &cmd.save {
        std::fs::write(path, &bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    reset_peak();
    let started = Instant::now();
    let imported = greenlight_workbooks::import_workbook(
        &bytes,
        &greenlight_workbooks::WorkbookLimits::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let import_secs = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "import:  {import_secs:.3} s, {} problems, peak {}",
        imported.problems.len(),
        peak(peak_mib())
    )?;
    reset_peak();
    let started = Instant::now();
    let output = greenlight_core::batch::appraise_json(imported.document, registry, options, None)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let appraise_secs = started.elapsed().as_secs_f64();
    let ok = output
        .results
        .iter()
        .filter(|r| r.appraisal.is_some())
        .count();
    writeln!(
        out,
        "appraise: {appraise_secs:.3} s, {ok} appraised, peak {}",
        peak(peak_mib())
    )?;
    writeln!(
        out,
        "import + appraisal: {:.3} s",
        import_secs + appraise_secs
    )?;
    drop(output);
    // The largest sheet read alone by each reader (our reader's time includes the quick
    // pass, which decides that the sheet is plain and is timed on its own first).
    {
        let limits = greenlight_workbooks::WorkbookLimits::default();
        let started = Instant::now();
        let cpu = cpu_seconds();
        let plain = greenlight_workbooks::safety::sheet_is_plain(&bytes, &limits, "CashFlows")
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let cpu = cpu_seconds().zip(cpu).map(|(after, before)| after - before);
        writeln!(
            out,
            "quick pass over CashFlows: {:.3} s wall, {} CPU, {}",
            started.elapsed().as_secs_f64(),
            cpu.map_or_else(|| String::from("n/a"), |c| format!("{c:.3} s")),
            if plain { "plain" } else { "not plain" }
        )?;
    }
    for own in [false, true] {
        let limits = greenlight_workbooks::WorkbookLimits::default();
        // Opening checks the whole archive (every entry inflated once): not timed.
        let mut book = greenlight_workbooks::SafeWorkbook::open(&bytes, &limits)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let started = Instant::now();
        let cpu = cpu_seconds();
        let mut cells = 0u64;
        let count = |row: &[greenlight_workbooks::safety::Cell]| {
            cells += row.len() as u64;
            Ok(())
        };
        let read = if own {
            greenlight_workbooks::safety::read_plain_sheet(&bytes, &limits, "CashFlows", count)
                .map_err(|e| anyhow::anyhow!("{e}"))?
        } else {
            book.for_each_row("CashFlows", count)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            true
        };
        let cpu = cpu_seconds().zip(cpu).map(|(after, before)| after - before);
        writeln!(
            out,
            "read CashFlows with {}: {:.3} s wall, {} CPU, {cells} cells{}",
            if own { "our reader" } else { "calamine" },
            started.elapsed().as_secs_f64(),
            cpu.map_or_else(|| String::from("n/a"), |c| format!("{c:.3} s")),
            if read { "" } else { " (not plain: not read)" }
        )?;
    }
    // The streamed path of `greenlight appraise`: one thread reads, the workers appraise each
    // project as soon as its rows are read; nothing is kept but the count.
    reset_peak();
    let started = Instant::now();
    let cpu = cpu_seconds();
    let mut appraised = 0usize;
    let workers = crate::workbook::default_workers();
    let run = crate::workbook::appraise_workbook(
        &bytes,
        registry,
        options,
        None,
        workers,
        &|o| Ok(o.appraisal.is_some()),
        &mut |ok| {
            appraised += usize::from(ok);
            Ok(())
        },
    )?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let streamed_secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu).map(|(after, before)| after - before);
    writeln!(
        out,
        "streamed import → appraisal (a reader, {workers} appraising): {streamed_secs:.3} s wall, {} CPU, {appraised} appraised, {} problems, peak {}",
        cpu.map_or_else(|| String::from("n/a"), |c| format!("{c:.3} s")),
        run.problems.len(),
        peak(peak_mib())
    )?;
    Ok(Outcome::Success)
}
