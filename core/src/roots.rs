//! Every real rate `r > −1` at which a cash-flow series has zero present value.
//!
//! The series is `f(r) = Σ aᵢ (1+r)^(−tᵢ)`. In `u = ln(1+r)` it is a sum of exponentials
//! `Σ aᵢ e^(−tᵢu)`, and by the generalised rule of signs (Descartes for whole `tᵢ`, Laguerre
//! for real ones) it has at most as many real roots as the amounts, in time order, have sign
//! changes. The search therefore works in three steps:
//!
//! 1. **Count.** No sign change: no root (a finding, not an error). One sign change: exactly
//!    one root, bracketed by provable bounds and found by safeguarded Newton in `f64`.
//! 2. **Scan** (two or more sign changes). `u` is sampled on a grid (step 0.05 near zero,
//!    widening in proportion to `|u|`) between −27.6 and 20.7, i.e. `r` from −99.9999999999 %
//!    to 10⁹ (both cut to the provable root bounds when those are tighter). A cell whose ends
//!    differ in sign holds a root; a cell whose ends agree in sign but whose slope changes sign
//!    holds an extremum, which is located and, if it crosses or touches zero, yields two roots
//!    or a double root. Two roots closer together than one cell *and* separated by two extrema
//!    inside it would be missed; that needs three roots within about 5 % of each other in `1+r`.
//! 3. **Confirm** in decimal. Each candidate is polished by decimal Newton steps and kept only
//!    if `|f(r)| ≤ 10⁻¹² · Σ|aᵢ|(1+r)^(−tᵢ)`; `f64` never decides a reported digit. Roots
//!    are reported to 20 decimal places.
//!
//! Three shortcuts give the very answer of the plain search and are used only when a proven
//! `f64` error bound decides: an extremum's bisection stops, or never starts, once its bracket
//! is shown to stay clear of zero, where the scan would keep nothing
//! (`Series::clear_of_zero`); a block of grid cells shown the same way is not evaluated at
//! all; and the decimal sum of magnitudes of the residual test is formed only when an `f64`
//! bound on it does not decide the test (`Series::gross_bounds`). None changes a candidate or
//! a digit; unit tests compare each with the plain computation.
//!
//! The selected root is the unique one or, among several, the one nearest the caller's
//! guess (10 % by default), lower one first on a tie; decisions should rest on NPV, and the
//! full set is always returned.

use rust_decimal::{Decimal, MathematicalOps};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::num::{checked_add, checked_div, checked_mul, from_f64, to_f64};

/// How many distinct real roots were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RootFlag {
    /// No rate gives zero present value.
    None,
    /// Exactly one rate does.
    Unique,
    /// Several rates do; see `roots` and how `selected` was chosen.
    Multiple,
}

/// The answer of a rate search (IRR, XIRR, RATE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RootSet {
    /// Every confirmed real root above −1, ascending, each listed once.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub roots: Vec<Decimal>,
    /// `none`, `unique` or `multiple`.
    pub flag: RootFlag,
    /// The root reported as "the" rate: the unique root, or the root nearest the guess.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub selected: Option<Decimal>,
    /// Sign changes of the amounts in time order: an upper bound on the number of roots.
    pub sign_changes: u32,
    /// Why there is no root, or what to watch with several; absent for a unique root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

const U_MIN: f64 = -27.631_021_115_928_547; // ln(1e-12): r = −99.9999999999 %
const U_MAX: f64 = 20.723_265_837_046_41; // ln(1 + 1e9)
/// Grid step of the scan in `u = ln(1+r)` near zero; it widens in proportion to `|u|` beyond
/// `|u| = 5`. Extremum detection inside each cell catches pairs of roots closer than a step.
const SCAN_STEP: f64 = 0.05;
/// Room for the scan grid over the widest range (a capacity, not a limit).
const GRID_POINTS: usize = 640;
/// Bisection steps of [`Series::extremum`] after which it tries again to prove that the
/// extremum cannot touch zero, when the first try, on the whole cell, did not (each try costs
/// about two evaluations; 80 steps cost 80).
const CLEARANCE_CHECKS: [u32; 2] = [10, 20];
/// Cells of the scan's grid that [`Series::scan`] tries to prove free of candidates at once
/// (a try costs about three evaluations; the block's points cost about one each).
const SCAN_BLOCK: usize = 16;
/// Grid points evaluated together by [`Series::eval_grid`].
const LANES: usize = 4;

/// A chunk of at most [`LANES`] points as a full set of lanes, the last point repeated in
/// the lanes left over (their results are dropped).
fn lanes_of(chunk: &[f64]) -> [f64; LANES] {
    std::array::from_fn(|lane| chunk[lane.min(chunk.len() - 1)])
}

/// Decimal places to which roots are reported.
pub const ROOT_DECIMALS: u32 = 20;
const RELATIVE_RESIDUAL: Decimal = Decimal::from_parts(1, 0, 0, false, 12);

/// Finds every real root of `Σ amounts[i] · (1+r)^(−times[i])` for `r > −1`.
///
/// `times` are in periods (years); `None` means `times[i] = i`, the yearly series of IRR.
/// Flows at equal times must already be summed; times must be ascending.
pub fn rate_roots(
    amounts: &[Decimal],
    times: Option<&[Decimal]>,
    guess: Decimal,
) -> Result<RootSet> {
    if amounts.is_empty() {
        return Err(Error::missing(
            "/values",
            "at least two cash flows are needed",
        ));
    }
    if let Some(times) = times {
        debug_assert_eq!(times.len(), amounts.len());
        debug_assert!(times.windows(2).all(|w| w[0] < w[1]));
    }
    if guess <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/guess",
            "the guess must be greater than -1 (−100 %)",
        ));
    }
    let series = Series::new(amounts, times);
    let sign_changes = series.sign_changes();
    if series.nonzero == 0 {
        return Ok(no_root(
            0,
            "every cash flow is zero, so every rate gives zero NPV and no IRR is defined",
        ));
    }
    if sign_changes == 0 {
        return Ok(no_root(
            0,
            "the cash flows never change sign, so no rate gives zero NPV",
        ));
    }
    let (u_lo, u_hi) = series.root_bounds();
    let mut candidates = Vec::new();
    if sign_changes == 1 {
        let u0 = to_f64(guess).ln_1p().clamp(u_lo, u_hi);
        candidates.push(series.solve_bracketed(u_lo - 1.0, u_hi + 1.0, Some(u0)));
    } else {
        series.scan(u_lo.max(U_MIN), u_hi.min(U_MAX), &mut candidates);
    }
    let mut roots: Vec<Decimal> = Vec::new();
    let mut unconfirmed = 0usize;
    for u in candidates {
        match series.confirm(u) {
            Some(r) => {
                let duplicate = roots
                    .iter()
                    .any(|q| (*q - r).abs() <= Decimal::new(1, 12) * (Decimal::ONE + r.abs()));
                if !duplicate {
                    roots.push(r);
                }
            }
            None => unconfirmed += 1,
        }
    }
    roots.sort();
    // Near a double root rounding can split one root into two confirmed neighbours; if the
    // midpoint is also a confirmed zero, they are one (multiple) root.
    let mut merged: Vec<Decimal> = Vec::with_capacity(roots.len());
    for r in roots {
        if let Some(last) = merged.last_mut() {
            let close = (r - *last).abs() <= Decimal::new(1, 7) * (Decimal::ONE + last.abs());
            let mid = (r + *last) / Decimal::TWO;
            if close && series.is_zero_at(mid) {
                *last = mid;
                continue;
            }
        }
        merged.push(r);
    }
    let mut roots = merged;
    // Decimal Newton leaves noise in the last digits; 20 places is well inside the confirmed
    // accuracy and keeps exact rates such as 0.1 readable.
    for r in &mut roots {
        *r = r.round_dp(ROOT_DECIMALS).normalize();
    }
    let flag = match roots.len() {
        0 => RootFlag::None,
        1 => RootFlag::Unique,
        _ => RootFlag::Multiple,
    };
    let selected = roots
        .iter()
        .copied()
        .min_by(|a, b| (*a - guess).abs().cmp(&(*b - guess).abs()).then(a.cmp(b)));
    let reason = match flag {
        RootFlag::None if unconfirmed > 0 => Some(format!(
            "{unconfirmed} candidate rate(s) could not be confirmed to a zero NPV within the decimal range"
        )),
        RootFlag::None => Some(format!(
            "the cash flows change sign {sign_changes} times but NPV stays on one side of zero for every rate above -100 %"
        )),
        RootFlag::Multiple => Some(format!(
            "{} rates give zero NPV; the one nearest the guess {} is selected — judge the project by NPV",
            roots.len(),
            guess.normalize()
        )),
        RootFlag::Unique => None,
    };
    Ok(RootSet {
        roots,
        flag,
        selected,
        sign_changes,
        reason,
    })
}

fn no_root(sign_changes: u32, reason: &str) -> RootSet {
    RootSet {
        roots: Vec::new(),
        flag: RootFlag::None,
        selected: None,
        sign_changes,
        reason: Some(reason.to_owned()),
    }
}

/// The series with its non-zero terms, in `f64` for location and decimal for confirmation.
struct Series<'a> {
    amounts: &'a [Decimal],
    /// `to_f64` of every amount, zeros included.
    doubles: Vec<f64>,
    times: Option<&'a [Decimal]>,
    /// Non-zero terms: (time relative to the first non-zero term, amount scaled to max |a| = 1).
    t: Vec<f64>,
    a: Vec<f64>,
    /// Whole, consecutive times (t = 0, 1, 2, …): evaluated by Horner's rule without `exp`.
    whole: bool,
    nonzero: usize,
    /// The largest |amount| that `a` is divided by, and the time of the first term, to undo
    /// both for the decimal Newton slope.
    scale: f64,
    t_first: f64,
}

impl<'a> Series<'a> {
    fn new(amounts: &'a [Decimal], times: Option<&'a [Decimal]>) -> Self {
        // Each amount converted once; the same `to_f64` serves the scale, the terms and the
        // bound on the residual's sum of magnitudes.
        let doubles: Vec<f64> = amounts.iter().map(|a| to_f64(*a)).collect();
        let scale = doubles.iter().map(|a| a.abs()).fold(0.0, f64::max);
        let first = amounts.iter().position(|a| !a.is_zero());
        let last = amounts.iter().rposition(|a| !a.is_zero());
        let span = first.zip(last).map_or(0, |(first, last)| last - first + 1);
        let (mut t, mut a) = (Vec::with_capacity(span), Vec::with_capacity(span));
        let mut nonzero = 0;
        let mut t_first = 0.0;
        if let (Some(first), Some(last)) = (first, last) {
            let t0 = times.map_or(first as f64, |ts| to_f64(ts[first]));
            t_first = t0;
            for i in first..=last {
                let ti = times.map_or(i as f64, |ts| to_f64(ts[i]));
                // Whole series keep interior zeros so Horner's rule sees every power.
                if times.is_none() || !amounts[i].is_zero() {
                    t.push(ti - t0);
                    a.push(doubles[i] / scale);
                }
                if !amounts[i].is_zero() {
                    nonzero += 1;
                }
            }
        }
        Series {
            amounts,
            doubles,
            times,
            t,
            a,
            whole: times.is_none(),
            nonzero,
            scale,
            t_first,
        }
    }

    fn sign_changes(&self) -> u32 {
        let mut last = 0i8;
        let mut changes = 0;
        for a in self.amounts {
            let s = if a.is_sign_negative() && !a.is_zero() {
                -1
            } else if a.is_zero() {
                0
            } else {
                1
            };
            if s != 0 {
                if last != 0 && s != last {
                    changes += 1;
                }
                last = s;
            }
        }
        changes
    }

    /// Provable bounds on `u` for any root (generalised Cauchy bound), before clamping.
    fn root_bounds(&self) -> (f64, f64) {
        let n = self.a.len();
        let nz: Vec<usize> = (0..n).filter(|&i| self.a[i] != 0.0).collect();
        let (i0, i1) = (nz[0], nz[1]);
        let (j1, j0) = (nz[nz.len() - 2], nz[nz.len() - 1]);
        let rest_first: f64 = nz[1..].iter().map(|&i| self.a[i].abs()).sum();
        let rest_last: f64 = nz[..nz.len() - 1].iter().map(|&i| self.a[i].abs()).sum();
        let hi = (rest_first / self.a[i0].abs()).ln().max(0.0) / (self.t[i1] - self.t[i0]);
        let lo = -(rest_last / self.a[j0].abs()).ln().max(0.0) / (self.t[j0] - self.t[j1]);
        (lo - 1e-9, hi + 1e-9)
    }

    /// `g(u)` and `g'(u)` for a positive multiple `g` of the series that cannot overflow:
    /// scaled by `e^(t_first·u)` for `u ≥ 0` and by `e^(t_last·u)` for `u < 0`.
    fn eval(&self, u: f64) -> (f64, f64) {
        let (mut f, mut fp) = (0.0, 0.0);
        let last = self.t.last().copied().unwrap_or(0.0);
        if self.whole {
            if u >= 0.0 {
                let x = (-u).exp();
                for i in (0..self.a.len()).rev() {
                    f = f * x + self.a[i];
                    fp = fp * x - self.t[i] * self.a[i];
                }
            } else {
                let y = u.exp();
                for i in 0..self.a.len() {
                    f = f * y + self.a[i];
                    fp = fp * y + (last - self.t[i]) * self.a[i];
                }
            }
        } else if u >= 0.0 {
            for (ti, ai) in self.t.iter().zip(&self.a) {
                let e = (-ti * u).exp();
                f += ai * e;
                fp -= ti * ai * e;
            }
        } else {
            for (ti, ai) in self.t.iter().zip(&self.a) {
                let e = ((last - ti) * u).exp();
                f += ai * e;
                fp += (last - ti) * ai * e;
            }
        }
        (f, fp)
    }

    /// A root in `[lo, hi]` where `g(lo)` and `g(hi)` differ in sign: Newton steps kept inside
    /// a shrinking bracket, with bisection whenever Newton would leave it or stall.
    fn solve_bracketed(&self, mut lo: f64, mut hi: f64, start: Option<f64>) -> f64 {
        let f_lo = self.eval(lo).0;
        let mut u = start.unwrap_or(0.5 * (lo + hi));
        for _ in 0..200 {
            let (f, fp) = self.eval(u);
            if f == 0.0 {
                return u;
            }
            if (f < 0.0) == (f_lo < 0.0) {
                lo = u;
            } else {
                hi = u;
            }
            let newton = u - f / fp;
            let next = if fp != 0.0 && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if (next - u).abs() <= 1e-15 * (1.0 + u.abs()) || hi - lo <= 1e-15 * (1.0 + u.abs()) {
                return next;
            }
            u = next;
        }
        u
    }

    /// `g'(u)` alone, by the very operations of [`Series::eval`], so it is the same `f64`.
    fn slope(&self, u: f64) -> f64 {
        let mut fp = 0.0;
        let last = self.t.last().copied().unwrap_or(0.0);
        if self.whole {
            if u >= 0.0 {
                let x = (-u).exp();
                for i in (0..self.a.len()).rev() {
                    fp = fp * x - self.t[i] * self.a[i];
                }
            } else {
                let y = u.exp();
                for i in 0..self.a.len() {
                    fp = fp * y + (last - self.t[i]) * self.a[i];
                }
            }
        } else if u >= 0.0 {
            for (ti, ai) in self.t.iter().zip(&self.a) {
                let e = (-ti * u).exp();
                fp -= ti * ai * e;
            }
        } else {
            for (ti, ai) in self.t.iter().zip(&self.a) {
                let e = ((last - ti) * u).exp();
                fp += (last - ti) * ai * e;
            }
        }
        fp
    }

    /// Where `g'` vanishes in `[lo, hi]`, given that it differs in sign at the ends: 80
    /// bisections, or fewer when the midpoint can no longer move.
    ///
    /// `None` when the bracket, at the start or part way, is proved to hold only points where the scan would
    /// find `g` on the side of `f_lo` and farther from zero than its touch tolerance (see
    /// [`Series::clear_of_zero`]): wherever the bisection would have ended, the scan would
    /// then have kept nothing, so the remaining steps are skipped.
    fn extremum(&self, mut lo: f64, mut hi: f64, f_lo: f64) -> Option<f64> {
        // Most cells holding an extremum are far from zero on a scale the bound sees at once;
        // the proof on the whole cell spares their bisection and its slopes.
        if self.clear_of_zero(lo, hi, f_lo) {
            return None;
        }
        let d_lo = self.slope(lo);
        for step in 0..80 {
            if CLEARANCE_CHECKS.contains(&step) && self.clear_of_zero(lo, hi, f_lo) {
                return None;
            }
            let mid = 0.5 * (lo + hi);
            if mid == lo || mid == hi {
                // `lo` and `hi` are neighbours (or equal): every later step keeps or
                // collapses the bracket onto `mid`, so 80 steps would end at `mid` too.
                return Some(mid);
            }
            if (self.slope(mid) < 0.0) == (d_lo < 0.0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(0.5 * (lo + hi))
    }

    /// Whether, at every `u` in `[lo, hi]` (less `u = 0` when `hi = 0`: bisection never
    /// reaches it), the `f64` value `eval(u).0` is certain to have the sign of `f_lo` and a
    /// magnitude above `1e-9 · gross(u)` (the scan's touch test), so an extremum located
    /// anywhere there yields no candidate. Whole series only, on one side of `u = 0`; `false`
    /// whenever the bound does not decide.
    ///
    /// The proof: with `x = e^(−u)` (or `e^u` below zero, the scaling of `eval`), the series
    /// is `P(x) − N(x)`, where `P` and `N` gather the positive and the negative amounts; both
    /// are polynomials with non-negative coefficients, so they grow with `x`. `eval` computes
    /// the value at an `x̂` within one unit in the last place of the true exponential, so
    /// `x̂ ∈ [x_lo, x_hi]`, the exponentials of the ends widened by 2⁻⁵⁰; and Horner's rule in
    /// floating point errs by at most `γ = 2n·2⁻⁵³/(1 − 2n·2⁻⁵³)` times `P(x̂) + N(x̂)`
    /// (Higham, Accuracy and Stability of Numerical Algorithms, §5.1). Hence the computed value
    /// is at least `P(x_lo)(1−γ) − N(x_hi)(1+γ)` (for a positive `f_lo`; mirrored for a
    /// negative one), while `gross(u)`, the same sum of magnitudes formed term by term, is at
    /// most `(P + N)(x_hi)` times `1 + 10⁻⁹` (each term's exponent `t·u` is below 10⁴ in size,
    /// so its rounding moves the term by under 10⁻¹¹). `P` and `N` are themselves computed by
    /// Horner's rule on non-negative terms, so each is within the factor `1 ± γ` of its value;
    /// the test below uses twice the tolerance and those factors on the safe side.
    fn clear_of_zero(&self, lo: f64, hi: f64, f_lo: f64) -> bool {
        if !self.whole
            || !f_lo.is_finite()
            || f_lo == 0.0
            || lo.partial_cmp(&hi).is_none_or(|o| o.is_gt())
        {
            return false;
        }
        let n = self.a.len() as f64;
        let gamma = {
            let nu = 2.0 * n * f64::EPSILON / 2.0;
            nu / (1.0 - nu)
        };
        if gamma >= 1e-6 {
            return false;
        }
        let (widen_down, widen_up) = (1.0 - 2f64.powi(-50), 1.0 + 2f64.powi(-50));
        let (x_lo, x_hi, ascending) = if lo >= 0.0 {
            ((-hi).exp() * widen_down, (-lo).exp() * widen_up, false)
        } else if lo < 0.0 && hi <= 0.0 {
            // With `hi = 0` (a cell ending at the grid's zero) every midpoint is still below
            // zero, half the sum of a negative and a non-positive end, so `eval` scales it
            // as below zero.
            (lo.exp() * widen_down, hi.exp() * widen_up, true)
        } else {
            return false;
        };
        // Horner's rule in the order `eval` uses, on the positive and the negative parts.
        let parts = |x: f64| {
            let (mut p, mut q) = (0.0f64, 0.0f64);
            let mut step = |a: f64| {
                p = p * x + a.max(0.0);
                q = q * x + (-a).max(0.0);
            };
            if ascending {
                self.a.iter().for_each(|&a| step(a));
            } else {
                self.a.iter().rev().for_each(|&a| step(a));
            }
            (p, q)
        };
        let ((p_lo, n_lo), (p_hi, n_hi)) = (parts(x_lo), parts(x_hi));
        // Bounds on the true sums from the computed ones (within the factor 1 ± γ).
        let (down, up) = (1.0 / (1.0 + gamma), 1.0 / (1.0 - gamma));
        let (near, far) = if f_lo > 0.0 {
            (p_lo * down, n_hi * up)
        } else {
            (n_lo * down, p_hi * up)
        };
        let total_hi = (p_hi + n_hi) * up * (1.0 + 1e-12);
        let least = near * (1.0 - gamma) - far * (1.0 + gamma) - gamma * total_hi;
        let tolerance = 2e-9 * total_hi;
        least.is_finite() && tolerance.is_finite() && least > tolerance
    }

    /// Candidate roots by scanning `[lo, hi]` (see the module documentation).
    fn scan(&self, lo: f64, hi: f64, out: &mut Vec<f64>) {
        // The whole range `[U_MIN, U_MAX]` takes about 520 points (steps of 0.05 within ±5,
        // then 1 % of |u|); reserving that once spares the grid's regrowth.
        let mut grid = Vec::with_capacity(GRID_POINTS);
        let mut u = lo;
        while u < hi {
            grid.push(u);
            u += SCAN_STEP * (u.abs() / 5.0).max(1.0);
            // Zero is a grid point, so no cell mixes the two scalings of `eval`.
            if grid.last().is_some_and(|&p| p < 0.0) && u > 0.0 {
                grid.push(0.0);
                u = SCAN_STEP;
            }
        }
        grid.push(hi);
        // The grid in blocks of cells sharing their end points. A block that
        // `Series::clear_of_zero` proves to hold only values on the side of its first one and
        // clear of the touch tolerance yields no candidate from any of its cells (no value is
        // zero, no two differ in sign, and an extremum found anywhere in it is kept neither as
        // a crossing nor as a touch), so its points are not evaluated.
        let cells = grid.len() - 1;
        // The value at the last point evaluated, which starts the next block (`eval_grid`
        // gives `eval`'s bits, so it stands for `eval` there).
        let mut last: Option<(f64, f64)> = None;
        let mut start = 0;
        while start < cells {
            let end = (start + SCAN_BLOCK).min(cells);
            let (block_lo, block_hi) = (grid[start], grid[end]);
            // The proof leaves out `u = 0` at the end of a block below zero (`eval` scales it
            // as above zero), so such a block is evaluated.
            if end - start == SCAN_BLOCK
                && !(block_lo < 0.0 && block_hi == 0.0)
                && self.clear_of_zero(
                    block_lo,
                    block_hi,
                    last.map_or_else(|| self.eval(block_lo).0, |v| v.0),
                )
            {
                last = None;
                start = end;
                continue;
            }
            let values = self.eval_grid(&grid[start..=end]);
            for k in start..end {
                self.scan_cell(
                    grid[k],
                    grid[k + 1],
                    values[k - start],
                    values[k + 1 - start],
                    out,
                );
            }
            last = values.last().copied();
            start = end;
        }
        if cells == 0 {
            last = Some(self.eval(hi));
        }
        if last.is_some_and(|v| v.0 == 0.0) {
            out.push(hi);
        }
    }

    /// The candidates of one cell `[a, b]` of the scan, from the values and slopes at its ends.
    fn scan_cell(
        &self,
        a: f64,
        b: f64,
        (fa, da): (f64, f64),
        (fb, db): (f64, f64),
        out: &mut Vec<f64>,
    ) {
        if fa == 0.0 {
            out.push(a);
            return;
        }
        if (fa < 0.0) != (fb < 0.0) && fb != 0.0 {
            out.push(self.solve_bracketed(a, b, None));
        } else if (da < 0.0) != (db < 0.0) && (a >= 0.0 || b <= 0.0) {
            let Some(m) = self.extremum(a, b, fa) else {
                // Proved to stay on the side of `fa`, well clear of zero: no candidate.
                return;
            };
            let fm = self.eval(m).0;
            if (fm < 0.0) != (fa < 0.0) {
                out.push(self.solve_bracketed(a, m, None));
                out.push(self.solve_bracketed(m, b, None));
            } else if fm.abs() <= 1e-9 * self.gross(m) {
                out.push(m);
            }
        }
    }

    /// [`Series::eval`] at every point of an ascending grid, giving the same `f64`s.
    ///
    /// Whole series are evaluated [`LANES`] points at a time: each lane runs Horner's rule
    /// with the operations of `eval` in the same order, so its results are `eval`'s bit for
    /// bit, while the independent lanes keep the processor's multipliers busy instead of
    /// waiting on one chain of dependent products.
    fn eval_grid(&self, grid: &[f64]) -> Vec<(f64, f64)> {
        if !self.whole {
            return grid.iter().map(|&u| self.eval(u)).collect();
        }
        let mut values = Vec::with_capacity(grid.len());
        // The same test as `eval`'s choice of scaling (so a NaN would go where it sends it).
        let split = grid.iter().position(|&u| u >= 0.0).unwrap_or(grid.len());
        let (negative, rest) = grid.split_at(split);
        let last = self.t.last().copied().unwrap_or(0.0);
        // The slope's coefficients, the very products `eval` forms, once per grid instead of
        // once per chunk of lanes.
        let weights: Vec<f64> = if negative.is_empty() {
            Vec::new()
        } else {
            self.t
                .iter()
                .zip(&self.a)
                .map(|(&t, &a)| (last - t) * a)
                .collect()
        };
        for chunk in negative.chunks(LANES) {
            let y = lanes_of(chunk).map(f64::exp);
            let (mut f, mut fp) = ([0.0; LANES], [0.0; LANES]);
            for (&a, &w) in self.a.iter().zip(&weights) {
                for lane in 0..LANES {
                    f[lane] = f[lane] * y[lane] + a;
                    fp[lane] = fp[lane] * y[lane] + w;
                }
            }
            let out: [(f64, f64); LANES] = std::array::from_fn(|lane| (f[lane], fp[lane]));
            values.extend_from_slice(&out[..chunk.len()]);
        }
        let weights: Vec<f64> = if rest.is_empty() {
            Vec::new()
        } else {
            self.t.iter().zip(&self.a).map(|(&t, &a)| t * a).collect()
        };
        for chunk in rest.chunks(LANES) {
            let x = lanes_of(chunk).map(|u| (-u).exp());
            let (mut f, mut fp) = ([0.0; LANES], [0.0; LANES]);
            for (&a, &w) in self.a.iter().zip(&weights).rev() {
                for lane in 0..LANES {
                    f[lane] = f[lane] * x[lane] + a;
                    fp[lane] = fp[lane] * x[lane] - w;
                }
            }
            let out: [(f64, f64); LANES] = std::array::from_fn(|lane| (f[lane], fp[lane]));
            values.extend_from_slice(&out[..chunk.len()]);
        }
        values
    }

    /// `Σ|aᵢ|` under the same scaling as [`Series::eval`], for relative tolerances.
    fn gross(&self, u: f64) -> f64 {
        let last = self.t.last().copied().unwrap_or(0.0);
        self.t
            .iter()
            .zip(&self.a)
            .map(|(t, a)| {
                a.abs()
                    * if u >= 0.0 {
                        (-t * u).exp()
                    } else {
                        ((last - t) * u).exp()
                    }
            })
            .sum()
    }

    /// `f(r)`, `f'(r)` and `Σ|aᵢ|(1+r)^(−tᵢ)` in decimal; `None` on overflow.
    fn eval_decimal(&self, r: Decimal) -> Option<(Decimal, Decimal)> {
        let growth = Decimal::ONE.checked_add(r)?;
        if growth <= Decimal::ZERO {
            return None;
        }
        let (mut f, mut gross) = (Decimal::ZERO, Decimal::ZERO);
        match self.times {
            None => {
                let v = checked_div(Decimal::ONE, growth)?;
                let mut df = Decimal::ONE;
                for a in self.amounts {
                    if !a.is_zero() {
                        let term = checked_mul(*a, df)?;
                        f = checked_add(f, term)?;
                        gross = checked_add(gross, term.abs())?;
                    }
                    df = checked_mul(df, v)?;
                }
            }
            Some(times) => {
                let ln = growth.checked_ln()?;
                for (t, a) in times.iter().zip(self.amounts) {
                    let df = (-(ln.checked_mul(*t)?)).checked_exp()?;
                    let term = checked_mul(*a, df)?;
                    f = checked_add(f, term)?;
                    gross = checked_add(gross, term.abs())?;
                }
            }
        }
        Some((f, gross))
    }

    /// `f(r)` in decimal and whether it passes the residual test
    /// `|f(r)| ≤ 10⁻¹² · Σ|aᵢ|(1+r)^(−tᵢ)`; `None` on overflow. The answer of
    /// [`Series::eval_decimal`], bit for bit.
    ///
    /// For a yearly series the sum of magnitudes is first bounded in `f64` (see
    /// [`Series::gross_bounds`]); when `|f|` lies clearly below or above the tolerance of
    /// every sum within the bounds, only `f` is formed in decimal (half the decimal
    /// additions). Otherwise, and for dated series, the decimal sum decides.
    fn residual(&self, r: Decimal) -> Option<(Decimal, bool)> {
        if self.times.is_none()
            && let Some((gross_lo, gross_hi)) = self.gross_bounds(r)
        {
            let growth = Decimal::ONE.checked_add(r)?;
            if growth <= Decimal::ZERO {
                return None;
            }
            // The same operations as `eval_decimal`, less the sum of magnitudes.
            let v = checked_div(Decimal::ONE, growth)?;
            let (mut df, mut f) = (Decimal::ONE, Decimal::ZERO);
            for a in self.amounts {
                if !a.is_zero() {
                    f = checked_add(f, checked_mul(*a, df)?)?;
                }
                df = checked_mul(df, v)?;
            }
            // `|f|` in `f64` is within 3 units in the last place; the decimal tolerance is
            // the product `10⁻¹² · gross` rounded to 28 places.
            let magnitude = to_f64(f.abs());
            if magnitude * (1.0 + 1e-15) + 1e-27 < 1e-12 * gross_lo * (1.0 - 1e-12) {
                return Some((f, true));
            }
            if magnitude * (1.0 - 1e-15) - 1e-27 > 1e-12 * gross_hi * (1.0 + 1e-12) {
                return Some((f, false));
            }
        }
        let (f, gross) = self.eval_decimal(r)?;
        Some((f, f.abs() <= RELATIVE_RESIDUAL * gross))
    }

    /// Bounds `(lo, hi)` on the decimal `Σ|aᵢ|(1+r)^(−i)` that [`Series::eval_decimal`] forms
    /// for a yearly series, with `hi` below 10²⁸ (so that sum cannot overflow); `None` when
    /// the bound is too loose to be of use.
    ///
    /// The `f64` sum `G = Σ|âᵢ|·v̂ⁱ`, with `v̂ = 1/(1 + r̂)` and `âᵢ`, `r̂` the `f64` views of the
    /// decimals (each within 3 units in the last place, `u = 2⁻⁵³`), differs from the exact
    /// `G* = Σ|aᵢ|(1+r)^(−i)` by a relative error below `ε = 2(n+2)·u·(3κ+6)`, where
    /// `κ = |r|/(1+r)` and `n` is the number of amounts: `1 + r̂` carries a relative error of
    /// at most `3uκ + u`, its reciprocal one more `u`, each of the `n` powers one more, each
    /// product and each addition of positive terms one more; the factor 2 covers the
    /// second-order terms while `ε ≤ 1/4`. The decimal sum differs from `G*` by far less:
    /// each of its 28-place roundings moves a term by under `10⁻²⁷` of itself or `10⁻²⁸` of
    /// `Σ|aᵢ|`, so the slack `10⁻²⁰·(Σ|aᵢ| + 1)` covers those and any `f64` underflow.
    fn gross_bounds(&self, r: Decimal) -> Option<(f64, f64)> {
        let rate = to_f64(r);
        let growth = 1.0 + rate;
        if !(growth > 0.0 && growth.is_finite()) {
            return None;
        }
        let kappa = rate.abs() / growth;
        let n = self.amounts.len() as f64;
        let eps = 2.0 * (n + 2.0) * (f64::EPSILON / 2.0) * (3.0 * kappa + 6.0);
        if eps > 0.25 {
            return None;
        }
        let v = 1.0 / growth;
        let (mut gross, mut total, mut power) = (0.0f64, 0.0f64, 1.0f64);
        for a in &self.doubles {
            let m = a.abs();
            gross += m * power;
            total += m;
            power *= v;
        }
        let slack = (total + 1.0) * 1e-20;
        let lo = gross * (1.0 - eps) - slack;
        let hi = gross * (1.0 + 2.0 * eps) + slack;
        (hi.is_finite() && hi < 1e28).then_some((lo, hi))
    }

    /// `f'(r) = Σ −tᵢ aᵢ (1+r)^(−tᵢ−1)` in `f64`: Newton needs the slope only to a few
    /// digits, while the value it divides is decimal; a relative slope error ε turns a step
    /// from an error δ into one of about ε·δ.
    fn slope_f64(&self, r: f64) -> f64 {
        let g = 1.0 + r;
        let (scale, t0) = (self.scale, self.t_first);
        self.t
            .iter()
            .zip(&self.a)
            .map(|(t, a)| {
                let t = t + t0;
                -t * a * scale * g.powf(-t - 1.0)
            })
            .sum()
    }

    /// Whether `r` passes the residual test.
    fn is_zero_at(&self, r: Decimal) -> bool {
        self.residual(r).is_some_and(|(_, confirmed)| confirmed)
    }

    /// The decimal root near `u`, polished by Newton steps and kept only if its residual is
    /// below the relative tolerance.
    ///
    /// The `f64` root usually passes the residual test at once; one Newton step from a point
    /// that close (quadratic convergence) then gives the root to about 1e-28, so the common
    /// case costs one decimal evaluation.
    fn confirm(&self, u: f64) -> Option<Decimal> {
        let start = from_f64(u.exp_m1())?;
        if start <= Decimal::NEGATIVE_ONE {
            return None;
        }
        let mut r = start;
        for _ in 0..12 {
            let (f, confirmed) = self.residual(r)?;
            let Some(fp) = from_f64(self.slope_f64(to_f64(r))).filter(|d| !d.is_zero()) else {
                return confirmed.then_some(r);
            };
            let step = checked_div(f, fp)?;
            let next = r.checked_sub(step)?;
            if next <= Decimal::NEGATIVE_ONE {
                return confirmed.then_some(r);
            }
            if confirmed && step.abs() <= Decimal::new(1, 12) * (Decimal::ONE + r.abs()) {
                return Some(next);
            }
            r = next;
            // A polish that wandered off (a flat stretch sent Newton towards another root) is
            // abandoned: that other root has a candidate of its own.
            if (r - start).abs() > Decimal::new(1, 6) * (Decimal::ONE + start.abs()) {
                r = start;
                break;
            }
        }
        let (_, confirmed) = self.residual(r)?;
        confirmed.then_some(r)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::Series;
    use crate::roots::{RootFlag, rate_roots};

    /// Whole series of 2 to 60 amounts with cents, zeros among them, either sign.
    fn any_amounts() -> impl Strategy<Value = Vec<Decimal>> {
        prop::collection::vec(
            prop_oneof![
                1 => Just(0i64),
                6 => -10_000_000_000i64..10_000_000_000,
            ],
            2..60,
        )
        .prop_map(|v| v.into_iter().map(|c| Decimal::new(c, 2)).collect())
        .prop_filter("a non-zero amount", |v: &Vec<Decimal>| {
            v.iter().filter(|a| !a.is_zero()).count() >= 2
        })
    }

    /// The bisection the early exit of [`Series::extremum`] stands for: always 80 steps.
    fn extremum_in_80_steps(series: &Series, mut lo: f64, mut hi: f64) -> f64 {
        let d_lo = series.eval(lo).1;
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if (series.eval(mid).1 < 0.0) == (d_lo < 0.0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn the_grid_is_evaluated_as_point_by_point(amounts in any_amounts(), lo in -30.0f64..0.5, len in 1usize..40, step in 0.001f64..1.0) {
            let series = Series::new(&amounts, None);
            let mut grid: Vec<f64> = (0..len).map(|k| lo + step * k as f64).collect();
            grid.push(0.0);
            grid.push(-0.0);
            grid.sort_by(f64::total_cmp);
            let lanes = series.eval_grid(&grid);
            for (u, (f, fp)) in grid.iter().zip(lanes) {
                let (ef, efp) = series.eval(*u);
                prop_assert_eq!(f.to_bits(), ef.to_bits(), "g({})", u);
                prop_assert_eq!(fp.to_bits(), efp.to_bits(), "g'({})", u);
                prop_assert_eq!(series.slope(*u).to_bits(), efp.to_bits(), "slope at {}", u);
            }
        }

        #[test]
        fn the_extremum_is_where_80_bisections_end_or_proved_clear(amounts in any_amounts(), a in -8.0f64..8.0, width in 1e-12f64..1.0) {
            let series = Series::new(&amounts, None);
            let b = if a < 0.0 { (a + width).min(0.0) } else { a + width };
            let f_a = series.eval(a).0;
            let reference = extremum_in_80_steps(&series, a, b);
            match series.extremum(a, b, f_a) {
                Some(m) => prop_assert_eq!(m.to_bits(), reference.to_bits()),
                None => {
                    // The scan would have kept nothing from the reference extremum.
                    let f_m = series.eval(reference).0;
                    prop_assert!((f_m < 0.0) == (f_a < 0.0), "sign at {}: {} against {}", reference, f_m, f_a);
                    prop_assert!(f_m.abs() > 1e-9 * series.gross(reference));
                }
            }
        }

        #[test]
        fn a_bracket_proved_clear_holds_no_small_value(amounts in any_amounts(), a in -8.0f64..8.0, width in 1e-9f64..0.05) {
            let series = Series::new(&amounts, None);
            let b = if a < 0.0 { (a + width).min(-1e-300) } else { a + width };
            let f_a = series.eval(a).0;
            if series.clear_of_zero(a, b, f_a) {
                for k in 0..=64 {
                    let u = a + (b - a) * f64::from(k) / 64.0;
                    let f_u = series.eval(u).0;
                    prop_assert!((f_u < 0.0) == (f_a < 0.0) && f_u.abs() > 1e-9 * series.gross(u), "at {}: {} against {}", u, f_u, f_a);
                }
            }
        }
    }

    /// The scan as it was before blocks: every grid point evaluated, every cell examined.
    fn scan_every_point(series: &Series, lo: f64, hi: f64) -> Vec<f64> {
        let mut out = Vec::new();
        let mut grid = Vec::new();
        let mut u = lo;
        while u < hi {
            grid.push(u);
            u += super::SCAN_STEP * (u.abs() / 5.0).max(1.0);
            if grid.last().is_some_and(|&p| p < 0.0) && u > 0.0 {
                grid.push(0.0);
                u = super::SCAN_STEP;
            }
        }
        grid.push(hi);
        let values: Vec<(f64, f64)> = grid.iter().map(|&u| series.eval(u)).collect();
        for k in 0..grid.len() - 1 {
            let (a, b) = (grid[k], grid[k + 1]);
            let ((fa, da), (fb, db)) = (values[k], values[k + 1]);
            if fa == 0.0 {
                out.push(a);
                continue;
            }
            if (fa < 0.0) != (fb < 0.0) && fb != 0.0 {
                out.push(series.solve_bracketed(a, b, None));
            } else if (da < 0.0) != (db < 0.0) && (a >= 0.0 || b <= 0.0) {
                let m = extremum_in_80_steps(series, a, b);
                let fm = series.eval(m).0;
                if (fm < 0.0) != (fa < 0.0) {
                    out.push(series.solve_bracketed(a, m, None));
                    out.push(series.solve_bracketed(m, b, None));
                } else if fm.abs() <= 1e-9 * series.gross(m) {
                    out.push(m);
                }
            }
        }
        if values.last().is_some_and(|v| v.0 == 0.0) {
            out.push(hi);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// The scan in blocks, with extrema proved clear, finds the candidates of the plain
        /// scan, bit for bit and in the same order: over the range the root search scans and
        /// over random ranges on either side of zero or across it.
        #[test]
        fn the_scan_by_blocks_finds_the_candidates_of_every_point(amounts in any_amounts(), lo in -28.0f64..2.0, width in 0.0f64..30.0, whole_range in any::<bool>()) {
            let series = Series::new(&amounts, None);
            let (lo, hi) = if whole_range {
                let (u_lo, u_hi) = series.root_bounds();
                (u_lo.max(super::U_MIN), u_hi.min(super::U_MAX))
            } else {
                (lo, (lo + width).min(super::U_MAX))
            };
            let mut blocks = Vec::new();
            series.scan(lo, hi, &mut blocks);
            let plain = scan_every_point(&series, lo, hi);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&blocks), bits(&plain), "scan of [{}, {}]", lo, hi);
        }
    }

    /// Dated series (times given) keep the scalar evaluation; the slope agrees with it.
    #[test]
    fn dated_slopes_are_evaluated_as_eval_does() {
        let amounts = [
            Decimal::new(-1000, 0),
            Decimal::new(600, 0),
            Decimal::new(700, 0),
        ];
        let times = [Decimal::ZERO, Decimal::new(13, 1), Decimal::new(27, 1)];
        let series = Series::new(&amounts, Some(&times));
        let grid = [-3.0, -0.5, 0.0, 0.2, 4.0];
        for (u, (f, fp)) in grid.iter().zip(series.eval_grid(&grid)) {
            assert_eq!((f.to_bits(), fp.to_bits()), {
                let (ef, efp) = series.eval(*u);
                (ef.to_bits(), efp.to_bits())
            });
            assert_eq!(series.slope(*u).to_bits(), fp.to_bits());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        #[test]
        fn the_residual_test_is_the_decimal_sums(amounts in any_amounts(), rates in prop::collection::vec(-0.999f64..20.0, 4), nudge in -30i32..30) {
            let series = Series::new(&amounts, None);
            let set = rate_roots(&amounts, None, Decimal::new(1, 1)).unwrap();
            let mut points: Vec<Decimal> = rates.iter().filter_map(|r| Decimal::from_f64_retain(*r)).collect();
            for root in &set.roots {
                // The reported root, and points a little off it on either side of the tolerance.
                points.push(*root);
                for k in [-20, -14, -12, -10, -8] {
                    let off = Decimal::new(i64::from(nudge), 0) * Decimal::from_i128_with_scale(1, (-k) as u32);
                    points.push(*root + off);
                }
            }
            for r in points {
                let reference = series.eval_decimal(r).map(|(f, gross)| (f, f.abs() <= super::RELATIVE_RESIDUAL * gross));
                let fast = series.residual(r);
                prop_assert_eq!(fast.map(|(f, c)| (f.serialize(), c)), reference.map(|(f, c)| (f.serialize(), c)), "at r = {}", r);
            }
        }
    }

    /// A pair of roots 0.2 % apart: the extremum between them touches zero closely, so the
    /// bound must not decide and the bisection runs to the end (both roots are found).
    #[test]
    fn close_roots_keep_the_full_bisection() {
        // (1+r)² roots at r = 10 % and 10.2 %: −(1.1)(1.102), 1.1 + 1.102, −1 (scaled by 10⁶).
        let amounts = [
            Decimal::new(-1_000_000, 0),
            Decimal::new(2_202_000, 0),
            Decimal::new(-1_212_200, 0),
        ];
        let set = rate_roots(&amounts, None, Decimal::new(1, 1)).unwrap();
        assert_eq!(set.flag, RootFlag::Multiple);
        assert_eq!(set.roots, vec![Decimal::new(1, 1), Decimal::new(102, 3)]);
    }
}
