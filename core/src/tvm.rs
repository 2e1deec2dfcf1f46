//! Time value of money as the spreadsheet functions define it: PMT, PV, FV and RATE.
//!
//! All four solve `pv·(1+r)^n + pmt·(1+r·type)·((1+r)^n − 1)/r + fv = 0`, with sign
//! convention "money paid out is negative". `type` 0 puts payments at the end of each
//! period, 1 at the beginning. `nper` may be fractional for PMT, PV and FV.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::num::{add, div, mul, powd, sub};
use crate::roots::{RootSet, rate_roots};

/// When payments fall within each period (the spreadsheet `type` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaymentTiming {
    /// `type = 0`: at the end of each period.
    #[default]
    End,
    /// `type = 1`: at the beginning of each period.
    Beginning,
}

impl PaymentTiming {
    fn factor(self, rate: Decimal) -> Result<Decimal> {
        match self {
            PaymentTiming::End => Ok(Decimal::ONE),
            PaymentTiming::Beginning => add(Decimal::ONE, rate, "1 + rate"),
        }
    }
}

impl Serialize for PaymentTiming {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u8(match self {
            PaymentTiming::End => 0,
            PaymentTiming::Beginning => 1,
        })
    }
}

impl<'de> Deserialize<'de> for PaymentTiming {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match <Decimal as Deserialize>::deserialize(d)? {
            v if v == Decimal::ZERO => Ok(PaymentTiming::End),
            v if v == Decimal::ONE => Ok(PaymentTiming::Beginning),
            v => Err(serde::de::Error::custom(format!(
                "type must be 0 (end of period) or 1 (beginning), got {v}"
            ))),
        }
    }
}

impl JsonSchema for PaymentTiming {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PaymentTiming".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "0: payments at the end of each period; 1: at the beginning",
            "enum": [0, 1, "0", "1"]
        })
    }
}

fn growth_n(rate: Decimal, nper: Decimal) -> Result<Decimal> {
    if rate <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/rate",
            format!("the rate must be greater than -1 (−100 %), got {rate}"),
        ));
    }
    powd(
        add(Decimal::ONE, rate, "1 + rate")?,
        nper,
        "(1 + rate)^nper",
    )
}

/// The annuity factor `(1+r·type)·((1+r)^n − 1)/r`, or `n` when `r = 0`.
fn annuity(rate: Decimal, nper: Decimal, g_n: Decimal, timing: PaymentTiming) -> Result<Decimal> {
    if rate.is_zero() {
        return Ok(nper);
    }
    mul(
        timing.factor(rate)?,
        div(sub(g_n, Decimal::ONE, "annuity")?, rate, "annuity")?,
        "annuity",
    )
}

/// `PMT(rate; nper; pv; fv; type)`: the payment per period.
pub fn pmt(
    rate: Decimal,
    nper: Decimal,
    pv: Decimal,
    fv: Decimal,
    timing: PaymentTiming,
) -> Result<Decimal> {
    if nper.is_zero() {
        return Err(Error::invalid(
            "/nper",
            "nper must not be zero: there is no period to pay in",
        ));
    }
    let g_n = growth_n(rate, nper)?;
    let a = annuity(rate, nper, g_n, timing)?;
    if a.is_zero() {
        return Err(Error::invalid(
            "/nper",
            "the annuity factor is zero for this rate and nper",
        ));
    }
    let balance = add(mul(pv, g_n, "pv·(1+r)^n")?, fv, "pv·(1+r)^n + fv")?;
    div(-balance, a, "PMT")
}

/// `PV(rate; nper; pmt; fv; type)`: the present value.
pub fn pv(
    rate: Decimal,
    nper: Decimal,
    pmt: Decimal,
    fv: Decimal,
    timing: PaymentTiming,
) -> Result<Decimal> {
    let g_n = growth_n(rate, nper)?;
    let a = annuity(rate, nper, g_n, timing)?;
    let total = add(fv, mul(pmt, a, "pmt·annuity")?, "fv + pmt·annuity")?;
    div(-total, g_n, "PV")
}

/// `FV(rate; nper; pmt; pv; type)`: the future value.
pub fn fv(
    rate: Decimal,
    nper: Decimal,
    pmt: Decimal,
    pv: Decimal,
    timing: PaymentTiming,
) -> Result<Decimal> {
    let g_n = growth_n(rate, nper)?;
    let a = annuity(rate, nper, g_n, timing)?;
    Ok(-add(
        mul(pv, g_n, "pv·(1+r)^n")?,
        mul(pmt, a, "pmt·annuity")?,
        "FV",
    )?)
}

/// `RATE(nper; pmt; pv; fv; type)`: every rate solving the annuity equation, for whole `nper`.
///
/// The equation is the IRR of the flows `[pv, pmt, …, pmt, pmt+fv]` (type 0) or
/// `[pv+pmt, pmt, …, pmt, fv]` (type 1), so the same root search and flags apply.
pub fn rate(
    nper: Decimal,
    pmt: Decimal,
    pv: Decimal,
    fv: Decimal,
    timing: PaymentTiming,
    guess: Decimal,
) -> Result<RootSet> {
    if nper <= Decimal::ZERO || !nper.fract().is_zero() {
        return Err(Error::invalid(
            "/nper",
            format!("RATE needs a whole number of periods of at least 1, got {nper}"),
        ));
    }
    let n: usize = nper
        .try_into()
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| Error::invalid("/nper", "nper is larger than 100000 periods"))?;
    let mut flows = vec![pmt; n + 1];
    match timing {
        PaymentTiming::End => {
            flows[0] = pv;
            flows[n] = add(pmt, fv, "pmt + fv")?;
        }
        PaymentTiming::Beginning => {
            flows[0] = add(pv, pmt, "pv + pmt")?;
            flows[n] = fv;
        }
    }
    rate_roots(&flows, None, guess)
}
