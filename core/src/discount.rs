//! Discounting: rates, schedules, timing within the year, and the Handbook 135 factors.
//!
//! Time origin: year 0 is the base date and is never discounted. A flow of year `t ≥ 1`
//! sits at `t` (end of year), `t − ½` (mid-year) or `t − 1` (beginning of year). Declining
//! schedules chain their factors, `DF_t = DF_{t−1} / (1 + r_t)`, as the UK Green Book
//! prescribes, so a rate change applies only to the years after it.

use rust_decimal::{Decimal, MathematicalOps};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::num::{add, div, mul, powi, sub};

/// Where within its year a yearly flow is taken to occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// At the end of the year (FEMP, BLCC, EU CBA default): year `t` is discounted `t` periods.
    #[default]
    EndOfYear,
    /// At mid-year: year `t` is discounted `t − ½` periods.
    MidYear,
    /// At the beginning of the year: year `t` is discounted `t − 1` periods.
    BeginningOfYear,
}

/// A discount rate that may vary by year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DiscountRate {
    /// One rate for every year.
    Constant {
        /// The rate per year, e.g. `"0.06"`.
        rate: Decimal,
    },
    /// One rate per year `t = 1, 2, …`; the last rate holds for any later year.
    PerYear {
        /// `rates[0]` applies to year 1.
        rates: Vec<Decimal>,
    },
    /// Rates by bands of years, chained; e.g. the Green Book declining schedule. A closed
    /// last band's rate continues beyond it, like the last rate of a per-year vector.
    Bands {
        /// Bands in increasing order of `from_year`; the first starts at year 0 or 1.
        bands: Vec<RateBand>,
    },
}

/// One band of a declining schedule: the rate for years `from_year ..= to_year`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RateBand {
    /// First year of the band.
    pub from_year: u32,
    /// Last year of the band; open-ended when absent.
    pub to_year: Option<u32>,
    /// The rate applied to each year in the band.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub rate: Decimal,
}

/// The UK Green Book declining long-term discount schedule (STPR 3.5 %).
///
/// Source: HM Treasury, *The Green Book* (2022), Annex A6, Table 8 (same bands as Table 6.1 of
/// the 2003 edition): years 0–30 3.5 %, 31–75 3.0 %, 76–125 2.5 %, 126–200 2.0 %,
/// 201–300 1.5 %, 301+ 1.0 %.
pub fn green_book_declining() -> DiscountRate {
    let band = |from_year, to_year, rate| RateBand {
        from_year,
        to_year,
        rate,
    };
    DiscountRate::Bands {
        bands: vec![
            band(0, Some(30), Decimal::new(35, 3)),
            band(31, Some(75), Decimal::new(30, 3)),
            band(76, Some(125), Decimal::new(25, 3)),
            band(126, Some(200), Decimal::new(20, 3)),
            band(201, Some(300), Decimal::new(15, 3)),
            band(301, None, Decimal::new(10, 3)),
        ],
    }
}

impl DiscountRate {
    /// A constant rate.
    pub fn constant(rate: Decimal) -> Self {
        DiscountRate::Constant { rate }
    }

    /// The rate that discounts year `t ≥ 1`.
    pub fn rate_for_year(&self, t: u32) -> Decimal {
        match self {
            DiscountRate::Constant { rate } => *rate,
            DiscountRate::PerYear { rates } => {
                let i = (t.max(1) - 1) as usize;
                rates.get(i).or(rates.last()).copied().unwrap_or_default()
            }
            DiscountRate::Bands { bands } => bands
                .iter()
                .rev()
                .find(|b| b.from_year <= t)
                .or(bands.first())
                .map(|b| b.rate)
                .unwrap_or_default(),
        }
    }

    /// Checks every rate is above −100 % and bands are ordered and gap-free.
    pub fn validate(&self) -> Result<()> {
        let check = |rate: Decimal, pointer: String| {
            if rate <= Decimal::NEGATIVE_ONE {
                Err(Error::invalid(
                    pointer,
                    format!("a discount rate must be greater than -1 (−100 %), got {rate}"),
                ))
            } else {
                Ok(())
            }
        };
        match self {
            DiscountRate::Constant { rate } => check(*rate, "/rate".into()),
            DiscountRate::PerYear { rates } => {
                if rates.is_empty() {
                    return Err(Error::missing("/rates", "at least one rate is needed"));
                }
                rates
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, r)| check(*r, format!("/rates/{i}")))
            }
            DiscountRate::Bands { bands } => {
                if bands.is_empty() {
                    return Err(Error::missing("/bands", "at least one band is needed"));
                }
                if bands[0].from_year > 1 {
                    return Err(Error::invalid(
                        "/bands/0/from_year",
                        "the first band must start at year 0 or 1",
                    ));
                }
                for (i, b) in bands.iter().enumerate() {
                    check(b.rate, format!("/bands/{i}/rate"))?;
                    if let Some(next) = bands.get(i + 1) {
                        let expected = b.to_year.map(|y| y + 1);
                        if expected != Some(next.from_year) {
                            return Err(Error::invalid(
                                format!("/bands/{}/from_year", i + 1),
                                "bands must follow each other without gap or overlap",
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// Discount factors for years `0..=years` under a rate and a timing convention.
///
/// `factors[0]` is 1 (the base date); `factors[t]` multiplies a flow of year `t`.
pub fn discount_factors(rate: &DiscountRate, timing: Timing, years: u32) -> Result<Vec<Decimal>> {
    rate.validate()?;
    let mut factors = Vec::with_capacity(years as usize + 1);
    factors.push(Decimal::ONE);
    // `end` is the end-of-year factor of the previous year, i.e. the factor at time t − 1.
    let mut end = Decimal::ONE;
    let mut cached: Option<(Decimal, Decimal, Decimal)> = None; // (rate, 1/(1+r), 1/sqrt(1+r))
    for t in 1..=years {
        let r = rate.rate_for_year(t);
        let (v, half_v) = match cached {
            Some((cr, v, h)) if cr == r => (v, h),
            _ => {
                let growth = add(Decimal::ONE, r, "1 + rate")?;
                let v = div(Decimal::ONE, growth, "discount factor")?;
                let h = match timing {
                    Timing::MidYear => {
                        let s = growth
                            .sqrt()
                            .ok_or_else(|| Error::overflow("square root of 1 + rate"))?;
                        div(Decimal::ONE, s, "discount factor")?
                    }
                    _ => Decimal::ONE,
                };
                cached = Some((r, v, h));
                (v, h)
            }
        };
        let factor = match timing {
            Timing::EndOfYear => mul(end, v, "discount factor")?,
            Timing::MidYear => mul(end, half_v, "discount factor")?,
            Timing::BeginningOfYear => end,
        };
        end = mul(end, v, "discount factor")?;
        factors.push(factor);
    }
    Ok(factors)
}

/// Exact Fisher relation: the real rate from a nominal rate and inflation, `(1+n)/(1+i) − 1`.
pub fn real_from_nominal(nominal: Decimal, inflation: Decimal) -> Result<Decimal> {
    if inflation <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/inflation",
            "inflation must be greater than -1",
        ));
    }
    let ratio = div(
        add(Decimal::ONE, nominal, "1 + nominal")?,
        add(Decimal::ONE, inflation, "1 + inflation")?,
        "real rate",
    )?;
    sub(ratio, Decimal::ONE, "real rate")
}

/// Exact Fisher relation: the nominal rate from a real rate and inflation, `(1+r)(1+i) − 1`.
pub fn nominal_from_real(real: Decimal, inflation: Decimal) -> Result<Decimal> {
    if inflation <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/inflation",
            "inflation must be greater than -1",
        ));
    }
    let product = mul(
        add(Decimal::ONE, real, "1 + real")?,
        add(Decimal::ONE, inflation, "1 + inflation")?,
        "nominal rate",
    )?;
    sub(product, Decimal::ONE, "nominal rate")
}

/// An amount given in base-year prices, escalated to year `t`: `amount · (1+e)^t`.
pub fn escalate(amount: Decimal, escalation: Decimal, t: u32) -> Result<Decimal> {
    if escalation <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/escalation",
            "escalation must be greater than -1",
        ));
    }
    mul(
        amount,
        powi(
            add(Decimal::ONE, escalation, "1 + escalation")?,
            i64::from(t),
            "escalation factor",
        )?,
        "escalated amount",
    )
}

fn check_rate(d: Decimal) -> Result<Decimal> {
    if d <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/rate",
            format!("the discount rate must be greater than -1 (−100 %), got {d}"),
        ));
    }
    add(Decimal::ONE, d, "1 + rate")
}

/// Single present value factor, `SPV(d, t) = (1+d)^−t` (NIST Handbook 135).
pub fn spv(d: Decimal, t: u32) -> Result<Decimal> {
    let growth = check_rate(d)?;
    powi(growth, -i64::from(t), "single present value factor")
}

/// Uniform present value factor, `UPV(d, N) = ((1+d)^N − 1) / (d (1+d)^N)`; `N` when `d = 0`.
///
/// The present value of 1 paid at the end of each of years 1..N (NIST Handbook 135).
pub fn upv(d: Decimal, n: u32) -> Result<Decimal> {
    let growth = check_rate(d)?;
    if d.is_zero() {
        return Ok(Decimal::from(n));
    }
    let g_n = powi(growth, i64::from(n), "uniform present value factor")?;
    div(
        sub(g_n, Decimal::ONE, "UPV")?,
        mul(d, g_n, "UPV")?,
        "uniform present value factor",
    )
}

/// Modified uniform present value factor for an amount escalating at `e` from base-date prices:
/// `UPV*(d, e, N) = (1+e)/(d−e) · [1 − ((1+e)/(1+d))^N]`; `N` when `d = e` (NIST Handbook 135).
pub fn upv_star(d: Decimal, e: Decimal, n: u32) -> Result<Decimal> {
    let growth = check_rate(d)?;
    if e <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/escalation",
            "escalation must be greater than -1",
        ));
    }
    if d == e {
        return Ok(Decimal::from(n));
    }
    let ge = add(Decimal::ONE, e, "1 + escalation")?;
    let ratio = div(ge, growth, "UPV*")?;
    let ratio_n = powi(ratio, i64::from(n), "UPV*")?;
    mul(
        div(ge, sub(d, e, "UPV*")?, "UPV*")?,
        sub(Decimal::ONE, ratio_n, "UPV*")?,
        "UPV*",
    )
}

/// Capital recovery factor, `CRF(d, N) = 1 / UPV(d, N)`: turns a present value into an
/// equivalent annual amount over years 1..N.
pub fn crf(d: Decimal, n: u32) -> Result<Decimal> {
    if n == 0 {
        return Err(Error::invalid(
            "/nper",
            "the annualisation period must be at least one year",
        ));
    }
    let u = upv(d, n)?;
    div(Decimal::ONE, u, "capital recovery factor")
}
