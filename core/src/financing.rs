//! Project financing: a loan's debt schedule, debt-service cover, equity returns, and the EU
//! funding-gap method for the grant.
//!
//! Year indices are relative to the project's first year (`t = 0`, the base date), and the
//! analysis period is years `0..=analysis_years`, as for [`crate::discount::discount_factors`].
//! A loan is drawn in its drawdown year `d` and serviced at the end of years `d+1 ..= d+tenor`:
//! interest only during the grace years, then level payments (annuity) or equal principal
//! instalments (linear). Amounts are carried at full decimal precision; rounding to cents is
//! left to presentation, so the final instalment repays the exact remaining balance.
//!
//! Errors in loan fields carry pointers under `/financing/loan`, and in funding-gap fields
//! under `/financing/funding_gap`, where a project document holds them; errors in plain
//! function arguments carry the argument's name (e.g. `/cfads`), as elsewhere in the crate,
//! for the caller to re-anchor with [`Error::under`].

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::{Finding, irr};
use crate::num::{add, div, mul, powi, sub};
use crate::roots::RootSet;

const LOAN: &str = "/financing/loan";
const FUNDING_GAP: &str = "/financing/funding_gap";

/// How the principal is repaid after the grace years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Repayment {
    /// Level debt service (interest + principal) every repayment year, as the spreadsheet
    /// `PMT` gives it.
    Annuity,
    /// Equal principal every repayment year; debt service falls as interest falls.
    Linear,
}

/// A loan taken to finance part of the investment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Loan {
    /// Principal drawn, in money (≥ 0). Give exactly one of `amount` and `share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub amount: Option<Decimal>,
    /// Principal as a share of the total investment, from 0 to 1. Give exactly one of
    /// `amount` and `share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub share: Option<Decimal>,
    /// Annual interest rate on the opening balance of each year, e.g. `"0.05"` (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// Years from drawdown to final repayment, grace years included (≥ 1). The last
    /// repayment falls in year `drawdown_year_index + tenor_years`, which must lie inside the
    /// analysis period.
    pub tenor_years: u32,
    /// Interest-only years right after drawdown (default 0); fewer than `tenor_years`.
    #[serde(default)]
    pub grace_years: u32,
    /// `annuity` (level payment) or `linear` (equal principal).
    pub repayment: Repayment,
    /// The project year in which the loan is drawn (default 0, the first year).
    #[serde(default)]
    pub drawdown_year_index: u32,
}

/// One year of a debt schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DebtYear {
    /// Project year index (0 = first year).
    pub year: u32,
    /// Balance owed at the start of the year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub opening_balance: Decimal,
    /// Principal drawn this year (the whole loan, in the drawdown year).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub drawdown: Decimal,
    /// Interest due this year on the opening balance.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub interest: Decimal,
    /// Principal repaid this year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub principal: Decimal,
    /// Interest + principal paid this year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub debt_service: Decimal,
    /// Balance owed at the end of the year: opening + drawdown − principal.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub closing_balance: Decimal,
}

/// A loan's year-by-year schedule over the whole analysis period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DebtSchedule {
    /// The principal drawn (from `amount`, or `share` × total investment).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub principal: Decimal,
    /// The level annual payment of an annuity loan after grace; absent for linear loans.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub level_payment: Option<Decimal>,
    /// The year of the first principal repayment.
    pub first_repayment_year: u32,
    /// The year of the last repayment; the closing balance is exactly zero from here on.
    pub final_year: u32,
    /// One row per year `0..=analysis_years`.
    pub years: Vec<DebtYear>,
}

fn loan_error(field: &str, message: impl Into<String>) -> Error {
    Error::invalid(format!("{LOAN}/{field}"), message)
}

fn loan_principal(loan: &Loan, total_investment: Decimal) -> Result<Decimal> {
    match (loan.amount, loan.share) {
        (Some(_), Some(_)) => Err(loan_error(
            "share",
            "give either amount or share of the investment, not both",
        )),
        (None, None) => Err(Error::missing(
            format!("{LOAN}/amount"),
            "give the loan amount or its share of the investment",
        )),
        (Some(amount), None) => {
            if amount.is_sign_negative() && !amount.is_zero() {
                return Err(loan_error(
                    "amount",
                    format!("the loan amount must not be negative, got {amount}"),
                ));
            }
            Ok(amount)
        }
        (None, Some(share)) => {
            if share < Decimal::ZERO || share > Decimal::ONE {
                return Err(loan_error(
                    "share",
                    format!("the share of the investment must be between 0 and 1, got {share}"),
                ));
            }
            if total_investment < Decimal::ZERO {
                return Err(Error::invalid(
                    "/total_investment",
                    format!("the total investment must not be negative, got {total_investment}"),
                ));
            }
            mul(share, total_investment, "loan principal")
        }
    }
}

/// The level payment that repays `principal` over `n` years at `rate`: the spreadsheet
/// `PMT(rate; n; −principal)`, i.e. `P·r / (1 − (1+r)^−n)`, or `P/n` without interest.
fn level_payment(principal: Decimal, rate: Decimal, n: u32) -> Result<Decimal> {
    let n_dec = Decimal::from(n);
    if rate.is_zero() {
        return div(principal, n_dec, "level payment");
    }
    let growth = add(Decimal::ONE, rate, "1 + rate")?;
    let g_n = powi(growth, i64::from(n), "(1 + rate)^tenor")?;
    // P·r·gⁿ/(gⁿ − 1) is the same payment written without a negative power, which keeps
    // full precision for long tenors.
    let annuity_factor = div(
        sub(g_n, Decimal::ONE, "level payment")?,
        mul(rate, g_n, "level payment")?,
        "level payment",
    )?;
    div(principal, annuity_factor, "level payment")
}

/// The loan's debt schedule over the analysis period `0..=analysis_years`.
///
/// Errors: both or neither of `amount` and `share`; a negative amount or rate; a share outside
/// 0–1; a tenor of zero; grace years not fewer than the tenor; a loan whose last repayment
/// falls after the analysis period (pointer `/financing/loan/tenor_years`).
pub fn debt_schedule(
    loan: &Loan,
    total_investment: Decimal,
    analysis_years: u32,
) -> Result<DebtSchedule> {
    let principal = loan_principal(loan, total_investment)?;
    if loan.rate < Decimal::ZERO {
        // A negative loan rate would have the lender pay the borrower; no product offered to
        // municipalities does that, so it is far likelier to be a sign error.
        return Err(loan_error(
            "rate",
            format!("the loan rate must not be negative, got {}", loan.rate),
        ));
    }
    if loan.tenor_years == 0 {
        return Err(loan_error(
            "tenor_years",
            "the tenor must be at least one year",
        ));
    }
    if loan.grace_years >= loan.tenor_years {
        return Err(loan_error(
            "grace_years",
            format!(
                "the grace period ({} years) must be shorter than the tenor ({} years)",
                loan.grace_years, loan.tenor_years
            ),
        ));
    }
    let draw = loan.drawdown_year_index;
    if draw >= analysis_years {
        return Err(loan_error(
            "drawdown_year_index",
            format!(
                "the loan is drawn in year {draw}, leaving no year to repay it in the analysis period (years 0 to {analysis_years})"
            ),
        ));
    }
    let final_year = u64::from(draw) + u64::from(loan.tenor_years);
    if final_year > u64::from(analysis_years) {
        return Err(loan_error(
            "tenor_years",
            format!(
                "the loan runs to year {final_year}, beyond the analysis period (years 0 to {analysis_years})"
            ),
        ));
    }
    // Both fit in u32: they are at most analysis_years.
    let final_year = final_year as u32;
    let first_repayment_year = draw + loan.grace_years + 1;
    let repayment_years = loan.tenor_years - loan.grace_years;

    let level = match loan.repayment {
        Repayment::Annuity => Some(level_payment(principal, loan.rate, repayment_years)?),
        Repayment::Linear => None,
    };
    let linear_instalment = div(
        principal,
        Decimal::from(repayment_years),
        "linear instalment",
    )?;

    let mut years = Vec::with_capacity(analysis_years as usize + 1);
    let mut balance = Decimal::ZERO;
    for year in 0..=analysis_years {
        let opening = balance;
        let drawdown = if year == draw {
            principal
        } else {
            Decimal::ZERO
        };
        let (interest, repaid) = if year <= draw || year > final_year {
            (Decimal::ZERO, Decimal::ZERO)
        } else {
            let interest = mul(opening, loan.rate, "interest")?;
            let repaid = if year < first_repayment_year {
                Decimal::ZERO
            } else if year == final_year {
                // The last instalment repays whatever is left, so the tiny residue of a
                // non-terminating annuity payment never leaves a balance behind.
                opening
            } else {
                match level {
                    Some(payment) => sub(payment, interest, "principal repaid")?,
                    None => linear_instalment,
                }
            };
            (interest, repaid)
        };
        balance = sub(
            add(opening, drawdown, "loan balance")?,
            repaid,
            "loan balance",
        )?;
        years.push(DebtYear {
            year,
            opening_balance: opening,
            drawdown,
            interest,
            principal: repaid,
            debt_service: add(interest, repaid, "debt service")?,
            closing_balance: balance,
        });
    }
    Ok(DebtSchedule {
        principal,
        level_payment: level,
        first_repayment_year,
        final_year,
        years,
    })
}

/// Debt-service cover in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DscrYear {
    /// Project year index.
    pub year: u32,
    /// Cash flow available for debt service in this year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub cfads: Decimal,
    /// Interest + principal due in this year.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub debt_service: Decimal,
    /// `cfads / debt_service`; absent when no debt service is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub dscr: Option<Decimal>,
    /// Why there is no ratio this year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// Debt-service cover ratios over the life of the loan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Dscr {
    /// One row per year of the schedule.
    pub years: Vec<DscrYear>,
    /// The lowest yearly DSCR over the years with debt service.
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub min: Option<Decimal>,
    /// The year in which the lowest DSCR occurs (the first, on a tie).
    pub min_year: Option<u32>,
    /// The arithmetic mean of the yearly DSCRs over the years with debt service (the lenders'
    /// "average DSCR"; not the ratio of the sums).
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub average: Option<Decimal>,
    /// Why there is no minimum or average, when the loan has no debt service at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// Yearly DSCR = cash flow available for debt service ÷ debt service, with its minimum and
/// average over the years in which debt service is due.
///
/// `cfads[t]` is the cash flow available for debt service in year `t` (operating revenue less
/// operating costs and taxes, before financing); it needs one value per schedule year. A year
/// without debt service has no ratio, which is a finding, not an error. A negative `cfads`
/// gives a negative ratio: that is the answer (the year cannot service its debt).
pub fn dscr(cfads: &[Decimal], schedule: &DebtSchedule) -> Result<Dscr> {
    if cfads.len() != schedule.years.len() {
        return Err(Error::invalid(
            "/cfads",
            format!(
                "one cash flow available for debt service is needed per year (years 0 to {}), got {}",
                schedule.years.len().saturating_sub(1),
                cfads.len()
            ),
        ));
    }
    let mut years = Vec::with_capacity(cfads.len());
    let mut min: Option<(Decimal, u32)> = None;
    let mut sum = Decimal::ZERO;
    let mut count = 0u32;
    for (row, cf) in schedule.years.iter().zip(cfads) {
        if row.debt_service.is_zero() {
            years.push(DscrYear {
                year: row.year,
                cfads: *cf,
                debt_service: row.debt_service,
                dscr: None,
                finding: Some(Finding::new(
                    "no_debt_service",
                    format!(
                        "no debt service is due in year {}, so DSCR is undefined",
                        row.year
                    ),
                )),
            });
            continue;
        }
        let ratio = div(*cf, row.debt_service, "DSCR")?;
        if min.is_none_or(|(m, _)| ratio < m) {
            min = Some((ratio, row.year));
        }
        sum = add(sum, ratio, "sum of DSCRs")?;
        count += 1;
        years.push(DscrYear {
            year: row.year,
            cfads: *cf,
            debt_service: row.debt_service,
            dscr: Some(ratio),
            finding: None,
        });
    }
    let (average, finding) = if count == 0 {
        (
            None,
            Some(Finding::new(
                "no_debt_service",
                "the loan has no debt service in any year, so no DSCR is defined",
            )),
        )
    } else {
        (Some(div(sum, Decimal::from(count), "average DSCR")?), None)
    };
    Ok(Dscr {
        years,
        min: min.map(|(m, _)| m),
        min_year: min.map(|(_, y)| y),
        average,
        finding,
    })
}

/// Equity cash flows: project net flows + drawdown − debt service, year by year.
///
/// `project_net[t]` is the project's net flow of year `t` before financing (investment
/// negative, grants already included); it needs one value per schedule year.
pub fn equity_flows(project_net: &[Decimal], schedule: &DebtSchedule) -> Result<Vec<Decimal>> {
    if project_net.len() != schedule.years.len() {
        return Err(Error::invalid(
            "/project_flows",
            format!(
                "one project net flow is needed per year (years 0 to {}), got {}",
                schedule.years.len().saturating_sub(1),
                project_net.len()
            ),
        ));
    }
    project_net
        .iter()
        .zip(&schedule.years)
        .map(|(flow, row)| {
            sub(
                add(*flow, row.drawdown, "equity flow")?,
                row.debt_service,
                "equity flow",
            )
        })
        .collect()
}

/// The project's return on the whole investment beside the return on the equity left after
/// the loan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EquityReturns {
    /// Equity cash flows by year: project net flow + drawdown − debt service.
    #[serde(serialize_with = "crate::decimal_text::serialize_vec")]
    pub equity_flows: Vec<Decimal>,
    /// Every IRR of the project net flows (before financing).
    pub project_irr: RootSet,
    /// Every IRR of the equity flows.
    pub equity_irr: RootSet,
}

/// Equity flows and both IRRs (all roots, selected nearest `guess`), by
/// [`crate::metrics::irr`].
pub fn equity_returns(
    project_net: &[Decimal],
    schedule: &DebtSchedule,
    guess: Decimal,
) -> Result<EquityReturns> {
    let flows = equity_flows(project_net, schedule)?;
    let project_irr = irr(project_net, guess).map_err(|e| rename_values(e, "/project_flows"))?;
    let equity_irr = irr(&flows, guess).map_err(|e| rename_values(e, "/project_flows"))?;
    Ok(EquityReturns {
        equity_flows: flows,
        project_irr,
        equity_irr,
    })
}

/// `metrics::irr` names its series `/values`; here the series is the project's flows.
fn rename_values(mut e: Error, pointer: &str) -> Error {
    if let Some(rest) = e.pointer.strip_prefix("/values") {
        e.pointer = format!("{pointer}{rest}");
    }
    e
}

/// Inputs of the EU funding-gap method (Cohesion Policy CBA; Reg. (EU) 480/2014 Arts 15–19).
/// All present values are at the financial discount rate, at the same base date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingGapInput {
    /// DIC: the discounted investment cost (> 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_investment_cost: Decimal,
    /// Discounted revenues over the reference period (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_revenues: Decimal,
    /// Discounted operating costs, replacements included (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_operating_costs: Decimal,
    /// Discounted residual value at the end of the reference period (default 0; negative
    /// only if decommissioning costs exceed what remains).
    #[serde(default)]
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_residual_value: Decimal,
    /// EC: the eligible cost, undiscounted (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub eligible_cost: Decimal,
    /// Max CRpa: the maximum co-financing rate of the priority axis, from 0 to 1.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub max_cofinancing_rate: Decimal,
}

/// The outcome of the funding-gap method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FundingGap {
    /// DNR = discounted revenues − discounted operating costs + discounted residual value.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub discounted_net_revenue: Decimal,
    /// The funding gap DIC − DNR (the maximum eligible expenditure); may be negative.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub funding_gap: Decimal,
    /// R before clamping: (DIC − DNR) / DIC.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate_unclamped: Decimal,
    /// R, the funding-gap rate used, clamped to [0, 1].
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
    /// DA = EC × R, the amount to which the co-financing rate applies.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub decision_amount: Decimal,
    /// EU grant = DA × Max CRpa.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub eu_grant: Decimal,
    /// Why R was clamped, when it was.
    pub findings: Vec<Finding>,
}

fn gap_error(field: &str, message: impl Into<String>) -> Error {
    Error::invalid(format!("{FUNDING_GAP}/{field}"), message)
}

fn not_negative(value: Decimal, field: &str, what: &str) -> Result<()> {
    if value < Decimal::ZERO {
        return Err(gap_error(
            field,
            format!("{what} must not be negative, got {value}"),
        ));
    }
    Ok(())
}

/// The EU grant by the funding-gap method: `R = (DIC − DNR)/DIC`, `DA = EC × R`,
/// `EU grant = DA × Max CRpa`.
///
/// R is clamped to [0, 1], each time with a finding:
/// - DNR ≥ DIC: the net revenue repays the investment, there is no funding gap and R = 0.
/// - DNR < 0: operating costs exceed revenues and residual value, so R would exceed 1. The
///   method exists to stop net revenue from being co-financed twice; with no net revenue
///   there is nothing to deduct and the eligible cost is used in full (R = 1). The operating
///   deficit itself is not something the investment grant can cover, so R is not raised
///   above 1.
pub fn funding_gap(input: &FundingGapInput) -> Result<FundingGap> {
    let dic = input.discounted_investment_cost;
    if dic <= Decimal::ZERO {
        return Err(gap_error(
            "discounted_investment_cost",
            // No investment at all gives −0: it reads as 0.
            format!(
                "the discounted investment cost must be positive, got {}",
                dic.normalize()
            ),
        ));
    }
    not_negative(
        input.discounted_revenues,
        "discounted_revenues",
        "discounted revenues",
    )?;
    not_negative(
        input.discounted_operating_costs,
        "discounted_operating_costs",
        "discounted operating costs",
    )?;
    not_negative(input.eligible_cost, "eligible_cost", "the eligible cost")?;
    let max_rate = input.max_cofinancing_rate;
    if max_rate < Decimal::ZERO || max_rate > Decimal::ONE {
        return Err(gap_error(
            "max_cofinancing_rate",
            format!("the maximum co-financing rate must be between 0 and 1, got {max_rate}"),
        ));
    }
    let dnr = add(
        sub(
            input.discounted_revenues,
            input.discounted_operating_costs,
            "discounted net revenue",
        )?,
        input.discounted_residual_value,
        "discounted net revenue",
    )?;
    let gap = sub(dic, dnr, "funding gap")?;
    let raw = div(gap, dic, "funding-gap rate")?;
    let mut findings = Vec::new();
    let rate = if dnr >= dic {
        findings.push(Finding::new(
            "no_funding_gap",
            format!(
                "the discounted net revenue ({dnr}) covers the discounted investment cost ({dic}): no funding gap, R = 0"
            ),
        ));
        Decimal::ZERO
    } else if dnr < Decimal::ZERO {
        findings.push(Finding::new(
            "negative_net_revenue",
            format!(
                "the discounted net revenue is negative ({dnr}): nothing to deduct, R is capped at 1 (the operating deficit is not co-financed)"
            ),
        ));
        Decimal::ONE
    } else {
        raw
    };
    let decision_amount = mul(input.eligible_cost, rate, "decision amount")?;
    Ok(FundingGap {
        discounted_net_revenue: dnr,
        funding_gap: gap,
        rate_unclamped: raw,
        rate,
        decision_amount,
        eu_grant: mul(decision_amount, max_rate, "EU grant")?,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roots::RootFlag;
    use rust_decimal_macros::dec;

    fn loan(amount: Decimal, rate: Decimal, tenor: u32, grace: u32, repayment: Repayment) -> Loan {
        Loan {
            amount: Some(amount),
            share: None,
            rate,
            tenor_years: tenor,
            grace_years: grace,
            repayment,
            drawdown_year_index: 0,
        }
    }

    fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
        (a - b).abs() <= tol
    }

    // 1,000,000 at 5 % over 10 years, annuity, no grace.
    // PMT = P·r / (1 − 1.05^−10). By hand: 1.05^10 = 1.62889462677744140625 (exact, ten
    // multiplications), 1.05^−10 = 0.613913253540759…, 1 − that = 0.386086746459240…,
    // 50,000 / 0.386086746459240… = 129,504.574965456695499806674253807747698871…
    // (Python decimal at 50 digits), i.e. 129,504.57 to the cent.
    // Year 1: interest 50,000.00, principal 79,504.57…, closing 920,495.43…
    // Year 10: opening 123,337.690443292090952196832622674045427496…, interest
    // 6,166.88452216…, principal = the whole opening balance; total interest 295,045.75.
    #[test]
    fn annuity_of_a_million_at_five_percent_over_ten_years() {
        let s = debt_schedule(
            &loan(dec!(1000000), dec!(0.05), 10, 0, Repayment::Annuity),
            dec!(0),
            12,
        )
        .unwrap();
        let pmt = s.level_payment.unwrap();
        assert_eq!(pmt.round_dp(2), dec!(129504.57));
        assert!(close(pmt, dec!(129504.57496545669549980667), dec!(1e-20)));
        assert_eq!(s.years.len(), 13);
        let y0 = &s.years[0];
        assert_eq!(
            (y0.drawdown, y0.debt_service, y0.closing_balance),
            (dec!(1000000), dec!(0), dec!(1000000))
        );
        assert_eq!(s.years[1].interest, dec!(50000));
        assert!(close(
            s.years[1].closing_balance,
            dec!(920495.42503454330450019333),
            dec!(1e-18)
        ));
        let last = &s.years[10];
        assert!(close(
            last.opening_balance,
            dec!(123337.69044329209095219683),
            dec!(1e-16)
        ));
        assert_eq!(last.principal, last.opening_balance);
        assert_eq!(last.closing_balance, Decimal::ZERO);
        // The final year absorbs only the sub-cent residue of the non-terminating payment.
        assert!(close(last.debt_service, pmt, dec!(1e-15)));
        for row in &s.years[1..=10] {
            assert!(close(row.debt_service, pmt, dec!(1e-15)));
        }
        let total_interest: Decimal = s.years.iter().map(|r| r.interest).sum();
        assert_eq!(total_interest.round_dp(2), dec!(295045.75));
        assert_eq!((s.first_repayment_year, s.final_year), (1, 10));
        assert!(
            s.years[11..]
                .iter()
                .all(|r| r.debt_service.is_zero() && r.closing_balance.is_zero())
        );
    }

    // Linear loan, 600,000 at 6 %, tenor 5 years of which 2 grace, drawn in year 0.
    // Hand calculation: grace years 1–2 pay interest only, 600,000 × 0.06 = 36,000.
    // Three equal instalments of 600,000 / 3 = 200,000 in years 3–5:
    //   year 3: interest 36,000 on 600,000, service 236,000, closing 400,000
    //   year 4: interest 24,000 on 400,000, service 224,000, closing 200,000
    //   year 5: interest 12,000 on 200,000, service 212,000, closing 0
    #[test]
    fn linear_loan_with_two_grace_years() {
        let s = debt_schedule(
            &loan(dec!(600000), dec!(0.06), 5, 2, Repayment::Linear),
            dec!(0),
            5,
        )
        .unwrap();
        assert_eq!(s.level_payment, None);
        let service: Vec<_> = s.years.iter().map(|r| r.debt_service).collect();
        assert_eq!(
            service,
            vec![
                dec!(0),
                dec!(36000),
                dec!(36000),
                dec!(236000),
                dec!(224000),
                dec!(212000)
            ]
        );
        let closing: Vec<_> = s.years.iter().map(|r| r.closing_balance).collect();
        assert_eq!(
            closing,
            vec![
                dec!(600000),
                dec!(600000),
                dec!(600000),
                dec!(400000),
                dec!(200000),
                dec!(0)
            ]
        );
        assert_eq!((s.first_repayment_year, s.final_year), (3, 5));
    }

    #[test]
    fn share_of_investment_and_later_drawdown() {
        let mut l = loan(dec!(0), dec!(0), 2, 0, Repayment::Annuity);
        l.amount = None;
        l.share = Some(dec!(0.4));
        l.drawdown_year_index = 1;
        let s = debt_schedule(&l, dec!(250000), 3).unwrap();
        // 0.4 × 250,000 = 100,000 drawn in year 1; at 0 % two payments of 50,000.
        assert_eq!(s.principal, dec!(100000));
        assert_eq!(s.years[1].drawdown, dec!(100000));
        assert_eq!(s.years[2].debt_service, dec!(50000));
        assert_eq!(s.years[3].debt_service, dec!(50000));
        assert_eq!(s.years[3].closing_balance, dec!(0));
    }

    // Small DSCR and equity case, by hand.
    // Loan 100,000 at 10 %, linear over 2 years, drawn in year 0; analysis years 0..=3.
    //   year 1: interest 10,000, principal 50,000, service 60,000
    //   year 2: interest  5,000, principal 50,000, service 55,000
    //   year 3: no debt service
    // CFADS [0, 72,000, 77,000, 30,000]: DSCR₁ = 72,000/60,000 = 1.2,
    // DSCR₂ = 77,000/55,000 = 1.4, year 0 and year 3 undefined (findings);
    // min 1.2 (year 1), average (1.2 + 1.4)/2 = 1.3.
    // Project net flows [−150,000, 72,000, 77,000, 30,000] → equity flows
    // [−150,000 + 100,000, 72,000 − 60,000, 77,000 − 55,000, 30,000]
    // = [−50,000, 12,000, 22,000, 30,000].
    // IRRs by bisection in Python decimal (60 digits), independent of this crate:
    // project 0.1069540402361446357917…, equity 0.1160074415609038052676…
    #[test]
    fn dscr_and_equity_irr_of_a_small_case() {
        let s = debt_schedule(
            &loan(dec!(100000), dec!(0.10), 2, 0, Repayment::Linear),
            dec!(0),
            3,
        )
        .unwrap();
        let d = dscr(&[dec!(0), dec!(72000), dec!(77000), dec!(30000)], &s).unwrap();
        assert_eq!(d.years[1].dscr, Some(dec!(1.2)));
        assert_eq!(d.years[2].dscr, Some(dec!(1.4)));
        assert!(d.years[0].dscr.is_none() && d.years[0].finding.is_some());
        assert!(d.years[3].dscr.is_none() && d.years[3].finding.is_some());
        assert_eq!((d.min, d.min_year), (Some(dec!(1.2)), Some(1)));
        assert_eq!(d.average, Some(dec!(1.3)));
        assert!(d.finding.is_none());

        let project = [dec!(-150000), dec!(72000), dec!(77000), dec!(30000)];
        let e = equity_returns(&project, &s, dec!(0.1)).unwrap();
        assert_eq!(
            e.equity_flows,
            vec![dec!(-50000), dec!(12000), dec!(22000), dec!(30000)]
        );
        assert_eq!(e.project_irr.flag, RootFlag::Unique);
        assert_eq!(e.equity_irr.flag, RootFlag::Unique);
        assert!(close(
            e.project_irr.selected.unwrap(),
            dec!(0.1069540402361446357917),
            dec!(1e-18)
        ));
        assert!(close(
            e.equity_irr.selected.unwrap(),
            dec!(0.1160074415609038052676),
            dec!(1e-18)
        ));
    }

    #[test]
    fn a_loan_without_debt_service_is_a_finding() {
        let s = debt_schedule(
            &loan(dec!(0), dec!(0.05), 2, 0, Repayment::Annuity),
            dec!(0),
            2,
        )
        .unwrap();
        let d = dscr(&[dec!(1), dec!(1), dec!(1)], &s).unwrap();
        assert!(d.min.is_none() && d.average.is_none());
        assert_eq!(d.finding.unwrap().code, "no_debt_service");
    }

    // Funding gap: no published numeric example could be found to check against, so this is
    // a hand calculation of the three steps as the European Commission states them (Guide to
    // Cost-Benefit Analysis of Investment Projects, 2014; for 2007–2013, Working Document
    // No. 4, box "Steps to determining the EU grant": R = (DIC − DNR)/DIC, DA = EC × R,
    // EU grant = DA × Max CRpa):
    // DIC 80,000,000; discounted revenues 50,000,000; discounted operating costs 30,000,000;
    // discounted residual value 4,000,000 → DNR = 50 − 30 + 4 = 24,000,000.
    // R = (80 − 24)/80 = 56/80 = 0.7; EC 90,000,000 → DA = 90,000,000 × 0.7 = 63,000,000;
    // Max CRpa 0.85 → EU grant = 63,000,000 × 0.85 = 53,550,000.
    #[test]
    fn funding_gap_hand_example() {
        let g = funding_gap(&FundingGapInput {
            discounted_investment_cost: dec!(80000000),
            discounted_revenues: dec!(50000000),
            discounted_operating_costs: dec!(30000000),
            discounted_residual_value: dec!(4000000),
            eligible_cost: dec!(90000000),
            max_cofinancing_rate: dec!(0.85),
        })
        .unwrap();
        assert_eq!(g.discounted_net_revenue, dec!(24000000));
        assert_eq!(g.funding_gap, dec!(56000000));
        assert_eq!(g.rate, dec!(0.7));
        assert_eq!(g.decision_amount, dec!(63000000));
        assert_eq!(g.eu_grant, dec!(53550000));
        assert!(g.findings.is_empty());
    }

    #[test]
    fn funding_gap_is_clamped_with_findings() {
        let base = FundingGapInput {
            discounted_investment_cost: dec!(100),
            discounted_revenues: dec!(150),
            discounted_operating_costs: dec!(30),
            discounted_residual_value: dec!(0),
            eligible_cost: dec!(100),
            max_cofinancing_rate: dec!(0.8),
        };
        // DNR = 120 ≥ DIC = 100: R would be −0.2; no gap.
        let g = funding_gap(&base).unwrap();
        assert_eq!(
            (g.rate_unclamped, g.rate, g.eu_grant),
            (dec!(-0.2), dec!(0), dec!(0))
        );
        assert_eq!(g.findings[0].code, "no_funding_gap");
        // DNR = 10 − 30 = −20 < 0: R would be 1.2; capped at 1, grant = 100 × 1 × 0.8.
        let g = funding_gap(&FundingGapInput {
            discounted_revenues: dec!(10),
            ..base.clone()
        })
        .unwrap();
        assert_eq!(
            (g.rate_unclamped, g.rate, g.eu_grant),
            (dec!(1.2), dec!(1), dec!(80))
        );
        assert_eq!(g.findings[0].code, "negative_net_revenue");
        let e = funding_gap(&FundingGapInput {
            discounted_investment_cost: dec!(0),
            ..base.clone()
        })
        .unwrap_err();
        assert_eq!(
            e.pointer,
            "/financing/funding_gap/discounted_investment_cost"
        );
        let e = funding_gap(&FundingGapInput {
            max_cofinancing_rate: dec!(1.1),
            ..base
        })
        .unwrap_err();
        assert_eq!(e.pointer, "/financing/funding_gap/max_cofinancing_rate");
    }

    #[test]
    fn bad_loans_name_the_field() {
        let ok = loan(dec!(1000), dec!(0.05), 5, 1, Repayment::Annuity);
        let err = |l: &Loan, years| debt_schedule(l, dec!(5000), years).unwrap_err().pointer;
        assert_eq!(err(&ok, 4), "/financing/loan/tenor_years");
        assert_eq!(
            err(
                &Loan {
                    share: Some(dec!(0.5)),
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/share"
        );
        assert_eq!(
            err(
                &Loan {
                    amount: None,
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/amount"
        );
        assert_eq!(
            err(
                &Loan {
                    amount: None,
                    share: Some(dec!(1.5)),
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/share"
        );
        assert_eq!(
            err(
                &Loan {
                    amount: Some(dec!(-1)),
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/amount"
        );
        assert_eq!(
            err(
                &Loan {
                    grace_years: 5,
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/grace_years"
        );
        assert_eq!(
            err(
                &Loan {
                    tenor_years: 0,
                    grace_years: 0,
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/tenor_years"
        );
        assert_eq!(
            err(
                &Loan {
                    rate: dec!(-0.01),
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/rate"
        );
        assert_eq!(
            err(
                &Loan {
                    drawdown_year_index: 10,
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/drawdown_year_index"
        );
        // A huge tenor must not overflow the year arithmetic.
        assert_eq!(
            err(
                &Loan {
                    tenor_years: u32::MAX,
                    drawdown_year_index: 3,
                    ..ok.clone()
                },
                10
            ),
            "/financing/loan/tenor_years"
        );
        // Overflow of a huge amount at a high rate is an error, not a panic.
        let huge = loan(
            dec!(79000000000000000000000000000),
            dec!(1),
            3,
            0,
            Repayment::Linear,
        );
        assert_eq!(
            debt_schedule(&huge, dec!(0), 3).unwrap_err().code,
            crate::ErrorCode::Overflow
        );
        let s = debt_schedule(&ok, dec!(0), 5).unwrap();
        assert_eq!(dscr(&[dec!(1)], &s).unwrap_err().pointer, "/cfads");
        assert_eq!(
            equity_flows(&[dec!(1)], &s).unwrap_err().pointer,
            "/project_flows"
        );
    }

    #[test]
    fn loan_input_rejects_unknown_fields() {
        let json =
            r#"{"amount":"1000","rate":"0.05","tenor_years":5,"repayment":"linear","tenor":3}"#;
        assert!(serde_json::from_str::<Loan>(json).is_err());
        let json = r#"{"share":"0.5","rate":"0.05","tenor_years":5,"repayment":"annuity"}"#;
        let l: Loan = serde_json::from_str(json).unwrap();
        assert_eq!((l.grace_years, l.drawdown_year_index), (0, 0));
    }
}
