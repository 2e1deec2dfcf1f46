//! Checked decimal arithmetic and the few non-linear operations the metrics need.
//!
//! `rust_decimal` panics on overflow in its operators and in `powd`/`exp`/`ln`; user input
//! must never panic, so every operation on user-controlled magnitudes goes through here and
//! turns overflow into [`Error::overflow`]. Floating point appears only as a starting
//! estimate that a decimal Newton step then corrects; no reported figure is an `f64`.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use rust_decimal::{Decimal, MathematicalOps};

use crate::error::{Error, Result};

/// `a + b`, or an overflow error naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(|| Error::overflow(what))
}

/// `a − b`, or an overflow error naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_sub(b).ok_or_else(|| Error::overflow(what))
}

/// `a × b`, or an overflow error naming `what`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(|| Error::overflow(what))
}

/// `a ÷ b`; the caller guarantees `b ≠ 0`, so a `None` here means overflow.
pub(crate) fn div(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    debug_assert!(!b.is_zero(), "division by zero in {what}");
    a.checked_div(b).ok_or_else(|| Error::overflow(what))
}

/// `base^exp` for a whole exponent (negative allowed), by repeated squaring.
pub(crate) fn powi(base: Decimal, exp: i64, what: &str) -> Result<Decimal> {
    if exp < 0 && base.is_zero() {
        return Err(Error::overflow(what));
    }
    base.checked_powi(exp).ok_or_else(|| Error::overflow(what))
}

/// `base^exp` for a real exponent and a positive base.
///
/// Whole exponents use [`powi`] (exact to the last digit); others use `exp(exp · ln base)`,
/// which `rust_decimal` computes to about 1e-26 relative error.
pub(crate) fn powd(base: Decimal, exp: Decimal, what: &str) -> Result<Decimal> {
    if let Some(e) = exp.fract().is_zero().then(|| exp.to_i64()).flatten() {
        return powi(base, e, what);
    }
    if base <= Decimal::ZERO {
        return Err(Error::invalid(
            "",
            format!("{what}: a fractional power needs a positive base"),
        ));
    }
    let ln = base.checked_ln().ok_or_else(|| Error::overflow(what))?;
    let arg = mul(ln, exp, what)?;
    arg.checked_exp().ok_or_else(|| Error::overflow(what))
}

/// The positive `n`-th root of a positive `x`.
///
/// An `f64` estimate is refined by decimal Newton steps on `yⁿ = x` until the step is below
/// 1e-24 relative; the result agrees with `x^(1/n)` to about 1e-26.
pub(crate) fn nth_root(x: Decimal, n: u32, what: &str) -> Result<Decimal> {
    debug_assert!(x > Decimal::ZERO && n > 0);
    if n == 1 {
        return Ok(x);
    }
    let estimate = x
        .to_f64()
        .map(|v| v.powf(1.0 / f64::from(n)))
        .and_then(Decimal::from_f64);
    let mut y = match estimate {
        Some(y) if y > Decimal::ZERO => y,
        _ => powd(x, Decimal::ONE / Decimal::from(n), what)?,
    };
    let nd = Decimal::from(n);
    let tolerance = Decimal::new(1, 24);
    for _ in 0..8 {
        let y_n1 = powi(y, i64::from(n) - 1, what)?;
        let f = sub(mul(y_n1, y, what)?, x, what)?;
        let step = div(f, mul(nd, y_n1, what)?, what)?;
        y = sub(y, step, what)?;
        if step.abs() <= tolerance * y.abs() {
            break;
        }
    }
    Ok(y)
}

/// An `f64` view of a decimal for root location; finite for every `Decimal`.
pub(crate) fn to_f64(d: Decimal) -> f64 {
    // Mantissa over a power of ten: within a few ulps, and several times cheaper than the
    // correctly rounded conversion, which root location does not need.
    d.mantissa() as f64 / POW10[d.scale() as usize]
}

/// Powers of ten for the 29 possible decimal scales.
const POW10: [f64; 29] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
];

/// A decimal from a finite `f64` estimate.
pub(crate) fn from_f64(v: f64) -> Option<Decimal> {
    if v.is_finite() {
        Decimal::from_f64(v)
    } else {
        None
    }
}
