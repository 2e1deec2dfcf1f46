//! The financial calculator: one request per spreadsheet-style function, one answer each.
//!
//! This is the contract shared by `greenlight calc`, its `--batch` mode and the HTTP
//! `/v1/calc/{fn}` route. Arguments carry the spreadsheet names (`rate`, `values`, `dates`,
//! `guess`, `finance_rate`, `reinvest_rate`, `nper`, `pmt`, `pv`, `fv`, `type`), numbers may be
//! JSON strings (exact) or JSON numbers (read by their shortest decimal form), and unknown
//! arguments are rejected.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::dated::{Date, DayCount, xirr, xnpv};
use crate::discount::{DiscountRate, Timing, discount_factors};
use crate::error::{Error, Result};
use crate::metrics::{Finding, NpvConvention, Payback, irr, mirr, npv, payback};
use crate::roots::RootSet;
use crate::tvm::{PaymentTiming, fv, pmt, pv, rate};

/// The most values one request may carry; the root scan costs O(values × 3 000).
pub const MAX_VALUES: usize = 100_000;

fn default_guess() -> Decimal {
    Decimal::new(1, 1)
}

/// `npv`: net present value at a constant rate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NpvArgs {
    /// Discount rate per period, e.g. `"0.06"`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Cash flows, one per period, in order.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// `t0` (default): the first value is at t = 0, undiscounted; `spreadsheet`: discounted
    /// one period, as the spreadsheet `NPV()` does.
    #[serde(default)]
    pub convention: NpvConvention,
}

/// `irr`: every internal rate of return.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IrrArgs {
    /// Cash flows, one per period, the first at t = 0.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// Which root to select when there are several: the nearest to this (default 0.1).
    #[serde(default = "default_guess")]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub guess: Decimal,
}

/// `mirr`: modified internal rate of return.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MirrArgs {
    /// Cash flows, one per period.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// Rate at which negative flows are financed (discounted to t = 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub finance_rate: Decimal,
    /// Rate at which positive flows are reinvested (compounded to the last period).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub reinvest_rate: Decimal,
}

/// `xnpv`: net present value of dated flows.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XnpvArgs {
    /// Discount rate per year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Amounts, one per date.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// Dates `YYYY-MM-DD`; the first is the time origin and no other may precede it.
    pub dates: Vec<Date>,
    /// `act_365f` (default, as spreadsheets), `act_360` or `30_360`.
    #[serde(default)]
    pub day_count: DayCount,
}

/// `xirr`: every internal rate of return of dated flows.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XirrArgs {
    /// Amounts, one per date.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// Dates `YYYY-MM-DD`; the first is the time origin and no other may precede it.
    pub dates: Vec<Date>,
    /// Which root to select when there are several: the nearest to this (default 0.1).
    #[serde(default = "default_guess")]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub guess: Decimal,
    /// `act_365f` (default, as spreadsheets), `act_360` or `30_360`.
    #[serde(default)]
    pub day_count: DayCount,
}

/// `pmt`: payment per period.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmtArgs {
    /// Rate per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Number of periods (may be fractional).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub nper: Decimal,
    /// Present value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv: Decimal,
    /// Future value (default 0).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub fv: Decimal,
    /// 0 (default): payments at period end; 1: at period start.
    #[serde(default, rename = "type")]
    pub timing: PaymentTiming,
}

/// `pv`: present value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PvArgs {
    /// Rate per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Number of periods (may be fractional).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub nper: Decimal,
    /// Payment per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pmt: Decimal,
    /// Future value (default 0).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub fv: Decimal,
    /// 0 (default): payments at period end; 1: at period start.
    #[serde(default, rename = "type")]
    pub timing: PaymentTiming,
}

/// `fv`: future value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FvArgs {
    /// Rate per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Number of periods (may be fractional).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub nper: Decimal,
    /// Payment per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pmt: Decimal,
    /// Present value (default 0).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv: Decimal,
    /// 0 (default): payments at period end; 1: at period start.
    #[serde(default, rename = "type")]
    pub timing: PaymentTiming,
}

/// `rate`: every rate per period solving the annuity equation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateArgs {
    /// Number of periods (a whole number).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub nper: Decimal,
    /// Payment per period.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pmt: Decimal,
    /// Present value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub pv: Decimal,
    /// Future value (default 0).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub fv: Decimal,
    /// 0 (default): payments at period end; 1: at period start.
    #[serde(default, rename = "type")]
    pub timing: PaymentTiming,
    /// Which root to select when there are several: the nearest to this (default 0.1).
    #[serde(default = "default_guess")]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub guess: Decimal,
}

/// `payback`: simple payback, and discounted payback when a rate is given.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaybackArgs {
    /// Net cash flows by year, the first at year 0.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub values: Vec<Decimal>,
    /// Discount rate for the discounted payback (year 0 undiscounted, end-of-year flows).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub rate: Option<Decimal>,
}

/// One calculator request: the function name in `fn` and its arguments beside it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "fn", rename_all = "snake_case")]
pub enum CalcRequest {
    /// Net present value.
    Npv(NpvArgs),
    /// Internal rate of return (all roots).
    Irr(IrrArgs),
    /// Modified internal rate of return.
    Mirr(MirrArgs),
    /// Net present value of dated flows.
    Xnpv(XnpvArgs),
    /// Internal rate of return of dated flows (all roots).
    Xirr(XirrArgs),
    /// Payment per period.
    Pmt(PmtArgs),
    /// Present value.
    Pv(PvArgs),
    /// Future value.
    Fv(FvArgs),
    /// Rate per period of an annuity (all roots).
    Rate(RateArgs),
    /// Simple and discounted payback.
    Payback(PaybackArgs),
}

/// The function names, in the order `greenlight calc --help` lists them.
pub const FUNCTIONS: [&str; 10] = [
    "npv", "irr", "mirr", "xnpv", "xirr", "pmt", "pv", "fv", "rate", "payback",
];

impl CalcRequest {
    /// Reads the arguments of function `name` from any serde deserializer, so callers can
    /// wrap it (e.g. to track the JSON path of a bad argument). An unknown name is an error
    /// listing the known ones.
    pub fn from_args<'de, D: Deserializer<'de>>(
        name: &str,
        args: D,
    ) -> std::result::Result<Self, D::Error> {
        Ok(match name {
            "npv" => CalcRequest::Npv(NpvArgs::deserialize(args)?),
            "irr" => CalcRequest::Irr(IrrArgs::deserialize(args)?),
            "mirr" => CalcRequest::Mirr(MirrArgs::deserialize(args)?),
            "xnpv" => CalcRequest::Xnpv(XnpvArgs::deserialize(args)?),
            "xirr" => CalcRequest::Xirr(XirrArgs::deserialize(args)?),
            "pmt" => CalcRequest::Pmt(PmtArgs::deserialize(args)?),
            "pv" => CalcRequest::Pv(PvArgs::deserialize(args)?),
            "fv" => CalcRequest::Fv(FvArgs::deserialize(args)?),
            "rate" => CalcRequest::Rate(RateArgs::deserialize(args)?),
            "payback" => CalcRequest::Payback(PaybackArgs::deserialize(args)?),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "unknown function {:?}; known: {}",
                    crate::error::echo(other),
                    FUNCTIONS.join(", ")
                )));
            }
        })
    }

    /// The function name as written in `fn`.
    pub fn name(&self) -> &'static str {
        match self {
            CalcRequest::Npv(_) => "npv",
            CalcRequest::Irr(_) => "irr",
            CalcRequest::Mirr(_) => "mirr",
            CalcRequest::Xnpv(_) => "xnpv",
            CalcRequest::Xirr(_) => "xirr",
            CalcRequest::Pmt(_) => "pmt",
            CalcRequest::Pv(_) => "pv",
            CalcRequest::Fv(_) => "fv",
            CalcRequest::Rate(_) => "rate",
            CalcRequest::Payback(_) => "payback",
        }
    }
}

/// The answer to one [`CalcRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalcResult {
    /// The function that was evaluated.
    #[serde(rename = "fn")]
    pub function: String,
    /// Its outcome.
    #[serde(flatten)]
    pub outcome: CalcOutcome,
}

/// The shape of a calculator answer depends on the function.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CalcOutcome {
    /// A single figure (npv, mirr, xnpv, pmt, pv, fv), or a finding saying why there is none.
    Value {
        /// The figure at full precision; rounding is left to presentation.
        value: Option<Decimal>,
        /// Why there is no figure.
        #[serde(skip_serializing_if = "Option::is_none")]
        finding: Option<Finding>,
    },
    /// Every root of a rate equation (irr, xirr, rate).
    Roots(RootSet),
    /// Payback years (payback).
    Payback {
        /// On undiscounted flows.
        simple: Payback,
        /// On flows discounted from year 0, when a rate was given.
        #[serde(skip_serializing_if = "Option::is_none")]
        discounted: Option<Payback>,
    },
}

fn check_len(values: &[Decimal]) -> Result<()> {
    if values.len() > MAX_VALUES {
        return Err(Error::invalid(
            "/values",
            format!(
                "at most {MAX_VALUES} values per request, got {}",
                values.len()
            ),
        ));
    }
    Ok(())
}

fn value(v: Decimal) -> CalcOutcome {
    CalcOutcome::Value {
        value: Some(v),
        finding: None,
    }
}

fn finding_or_value(r: std::result::Result<Decimal, Finding>) -> CalcOutcome {
    match r {
        Ok(v) => value(v),
        Err(f) => CalcOutcome::Value {
            value: None,
            finding: Some(f),
        },
    }
}

/// Evaluates one request.
pub fn evaluate(request: &CalcRequest) -> Result<CalcResult> {
    let outcome = match request {
        CalcRequest::Npv(a) => {
            check_len(&a.values)?;
            value(npv(a.rate, &a.values, a.convention)?)
        }
        CalcRequest::Irr(a) => {
            check_len(&a.values)?;
            CalcOutcome::Roots(irr(&a.values, a.guess)?)
        }
        CalcRequest::Mirr(a) => {
            check_len(&a.values)?;
            finding_or_value(mirr(&a.values, a.finance_rate, a.reinvest_rate)?)
        }
        CalcRequest::Xnpv(a) => {
            check_len(&a.values)?;
            value(xnpv(a.rate, &a.values, &a.dates, a.day_count)?)
        }
        CalcRequest::Xirr(a) => {
            check_len(&a.values)?;
            CalcOutcome::Roots(xirr(&a.values, &a.dates, a.guess, a.day_count)?)
        }
        CalcRequest::Pmt(a) => value(pmt(a.rate, a.nper, a.pv, a.fv, a.timing)?),
        CalcRequest::Pv(a) => value(pv(a.rate, a.nper, a.pmt, a.fv, a.timing)?),
        CalcRequest::Fv(a) => value(fv(a.rate, a.nper, a.pmt, a.pv, a.timing)?),
        CalcRequest::Rate(a) => {
            CalcOutcome::Roots(rate(a.nper, a.pmt, a.pv, a.fv, a.timing, a.guess)?)
        }
        CalcRequest::Payback(a) => {
            check_len(&a.values)?;
            let simple = payback(&a.values, None)?;
            let discounted = match a.rate {
                Some(r) => {
                    let years = u32::try_from(a.values.len() - 1).unwrap_or(u32::MAX);
                    let factors =
                        discount_factors(&DiscountRate::constant(r), Timing::EndOfYear, years)
                            .map_err(|e| {
                                if e.pointer.starts_with("/rate") {
                                    Error {
                                        pointer: "/rate".into(),
                                        ..e
                                    }
                                } else {
                                    e
                                }
                            })?;
                    Some(payback(&a.values, Some(&factors))?)
                }
                None => None,
            };
            CalcOutcome::Payback { simple, discounted }
        }
    };
    Ok(CalcResult {
        function: request.name().to_owned(),
        outcome,
    })
}
