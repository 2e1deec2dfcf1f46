//! Dated cash flows: calendar dates, day counts, XNPV and XIRR.
//!
//! As in spreadsheets, the first listed date is the time origin and no later-listed date may
//! precede it; the other dates need not be sorted. Flows on the same date are added together.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, MathematicalOps};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::num::{add, div, mul};
use crate::roots::{RootSet, rate_roots};

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if the year is within 1..=9999 and the day exists in that month.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i32, u8, u8) {
        (self.year, self.month, self.day)
    }

    /// Days since 1970-01-01 (negative before), by Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn is_last_of_month(self) -> bool {
        self.day == days_in_month(self.year, self.month)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let bad = || format!("expected a date as YYYY-MM-DD, found {s:?}");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r)
                .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|p| p.parse::<u32>().ok())
        };
        let (y, m, d) = (
            num(0..4).ok_or_else(bad)?,
            num(5..7).ok_or_else(bad)?,
            num(8..10).ok_or_else(bad)?,
        );
        Date::new(y as i32, m as u8, d as u8).ok_or_else(|| format!("{s:?} is not a calendar date"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date", "description": "A calendar date, YYYY-MM-DD" })
    }
}

/// How the time between two dates is turned into years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub enum DayCount {
    /// Actual days / 365, ignoring leap days: the spreadsheet XNPV/XIRR convention.
    #[default]
    #[serde(rename = "act_365f")]
    Act365F,
    /// Actual days / 360 (money-market convention).
    #[serde(rename = "act_360")]
    Act360,
    /// 30/360, US (NASD) method as the spreadsheet `DAYS360(start; end; 0)`, then / 360.
    #[serde(rename = "30_360")]
    Thirty360,
}

impl DayCount {
    /// The year fraction from `start` to `end` (`end ≥ start`).
    pub fn year_fraction(self, start: Date, end: Date) -> Decimal {
        match self {
            DayCount::Act365F => {
                Decimal::from(end.days_since_epoch() - start.days_since_epoch())
                    / Decimal::from(365)
            }
            DayCount::Act360 => {
                Decimal::from(end.days_since_epoch() - start.days_since_epoch())
                    / Decimal::from(360)
            }
            DayCount::Thirty360 => Decimal::from(days360_us(start, end)) / Decimal::from(360),
        }
    }
}

/// Days between two dates on the 30/360 US (NASD) basis, as spreadsheets' `DAYS360(…; 0)`:
/// a start on the last day of its month counts as the 30th; an end on the 31st counts as the
/// 30th when the (adjusted) start day is the 30th or 31st, and otherwise stays the 31st.
pub fn days360_us(start: Date, end: Date) -> i64 {
    let (y1, m1, mut d1) = (
        i64::from(start.year),
        i64::from(start.month),
        i64::from(start.day),
    );
    let (y2, m2, mut d2) = (
        i64::from(end.year),
        i64::from(end.month),
        i64::from(end.day),
    );
    if start.is_last_of_month() {
        d1 = 30;
    }
    if d2 == 31 && d1 >= 30 {
        d2 = 30;
    }
    (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)
}

/// Dated flows reduced to (year fraction from the first date, summed amount), in time order.
fn to_times(
    values: &[Decimal],
    dates: &[Date],
    day_count: DayCount,
) -> Result<(Vec<Decimal>, Vec<Decimal>)> {
    if values.len() != dates.len() {
        return Err(Error::invalid(
            "/dates",
            format!(
                "{} values but {} dates: each value needs its date",
                values.len(),
                dates.len()
            ),
        ));
    }
    let Some(&origin) = dates.first() else {
        return Err(Error::missing(
            "/values",
            "at least one dated value is needed",
        ));
    };
    if let Some(i) = dates.iter().position(|d| *d < origin) {
        return Err(Error::invalid(
            format!("/dates/{i}"),
            format!(
                "{} is before the first date {origin}; the first listed date is the time origin",
                dates[i]
            ),
        ));
    }
    let mut order: Vec<usize> = (0..dates.len()).collect();
    order.sort_by_key(|&i| dates[i]);
    let (mut times, mut amounts): (Vec<Decimal>, Vec<Decimal>) = (Vec::new(), Vec::new());
    let mut last_date = None;
    for i in order {
        if last_date == Some(dates[i]) {
            let a = amounts.last_mut().expect("a previous flow exists");
            *a = add(*a, values[i], "sum of flows on one date")?;
        } else {
            times.push(day_count.year_fraction(origin, dates[i]));
            amounts.push(values[i]);
            last_date = Some(dates[i]);
        }
    }
    Ok((times, amounts))
}

/// `XNPV`: `Σ Pᵢ / (1+r)^(yearfrac(d₁, dᵢ))`, the first listed date as the origin.
pub fn xnpv(
    rate: Decimal,
    values: &[Decimal],
    dates: &[Date],
    day_count: DayCount,
) -> Result<Decimal> {
    if rate <= Decimal::NEGATIVE_ONE {
        return Err(Error::invalid(
            "/rate",
            format!("the rate must be greater than -1 (−100 %), got {rate}"),
        ));
    }
    let (times, amounts) = to_times(values, dates, day_count)?;
    let growth = add(Decimal::ONE, rate, "1 + rate")?;
    let ln = growth
        .checked_ln()
        .ok_or_else(|| Error::overflow("ln(1 + rate)"))?;
    let mut total = Decimal::ZERO;
    for (t, a) in times.iter().zip(&amounts) {
        let factor = if t.is_zero() {
            Decimal::ONE
        } else {
            let exponent = mul(ln, *t, "discount exponent")?;
            exponent
                .checked_exp()
                .ok_or_else(|| Error::overflow("discount factor"))?
        };
        total = add(total, div(*a, factor, "discounted flow")?, "XNPV")?;
    }
    Ok(total)
}

/// `XIRR`: every rate at which [`xnpv`] is zero, with the selected root (see [`rate_roots`]).
pub fn xirr(
    values: &[Decimal],
    dates: &[Date],
    guess: Decimal,
    day_count: DayCount,
) -> Result<RootSet> {
    let (times, amounts) = to_times(values, dates, day_count)?;
    if amounts.len() < 2 {
        return Err(Error::missing(
            "/values",
            "at least two flows on different dates are needed",
        ));
    }
    rate_roots(&amounts, Some(&times), guess)
}
