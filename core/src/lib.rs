//! `greenlight-core`: the appraisal domain of Greenlight.
//!
//! Pure and synchronous: no I/O, no clock, no scripting engine. Money and rates are
//! [`rust_decimal::Decimal`]; `f64` appears only inside root location, never in a reported
//! figure. Every function that takes user input returns [`Error`] rather than panicking.
//!
//! - [`discount`]: rates, declining schedules, timing within the year, Fisher, SPV/UPV/UPV*.
//! - [`metrics`]: NPV, IRR, MIRR, payback, BCR, SIR/AIRR, equivalent annual cost, levelised cost.
//! - [`roots`]: every real root of a rate equation, with a flag and a selected root.
//! - [`dated`]: dates, day counts, XNPV and XIRR.
//! - [`tvm`]: PMT, PV, FV and RATE as spreadsheets define them.
//! - [`calc`]: the calculator contract shared by the CLI and the HTTP service.
//! - [`financing`]: loan schedules, DSCR, equity returns and the EU funding-gap grant.
//! - [`flood`]: expected annual damage from a damage–exceedance curve, and damage avoided.
//! - [`registry`]: versioned reference data (discount presets, shadow carbon prices) with provenance.

pub mod appraisal;
pub mod batch;
pub mod calc;
pub mod dated;
pub mod decimal_text;
pub mod discount;
pub mod economic;
pub mod eligibility;
pub mod emissions;
pub mod error;
pub mod financing;
pub mod flood;
pub mod json_text;
pub mod metrics;
mod num;
mod objects;
pub mod project;
pub mod provenance;
pub mod registry;
pub mod roots;
pub mod sensitivity;
mod strict;
mod tagged;
pub mod trace;
pub mod tvm;

pub use error::{Error, ErrorCode, Result};

/// The engine version recorded in the provenance of every result.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
