//! Grid emission factors over time, and the combined margin of CDM Tool 07.
//!
//! Electricity terms take a factor per year (tCO2/MWh) so that a decarbonising grid can be
//! modelled. A [`GridPath`] declares how the yearly factors arise; [`yearly`] expands it over
//! the study period. Every path starts at a base year: years before it take the base value,
//! because extrapolating a decline backwards would invent history.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::num::{add, div, mul, powi, sub};

/// How the grid factor evolves, in tCO2/MWh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum GridPath {
    /// The same factor every year.
    Constant {
        /// tCO2/MWh (≥ 0).
        value: Decimal,
    },
    /// A published series from the registry; the caller resolves it into a `user` path (or a
    /// vector) before expanding, so [`yearly`] refuses it.
    Published {
        /// Data-set id.
        set: String,
        /// Grid or region key within the set.
        region: String,
        /// How years after the last published one are filled; absent, such a year is an
        /// error (a path is never extended silently).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_last: Option<AfterLast>,
    },
    /// A straight line from the base value to the target value, flat after the target year:
    /// `EF_t = EF_0 + (EF_T − EF_0)·(t − t0)/(T − t0)`.
    LinearToTarget {
        /// `t0`.
        base_year: i32,
        /// `EF_0`, tCO2/MWh (≥ 0).
        base_value: Decimal,
        /// `T`, after `base_year`.
        target_year: i32,
        /// `EF_T`, tCO2/MWh (≥ 0).
        target_value: Decimal,
    },
    /// A constant relative decline: `EF_t = EF_0·(1 − d)^(t − t0)`.
    CompoundDecline {
        /// `t0`.
        base_year: i32,
        /// `EF_0`, tCO2/MWh (≥ 0).
        base_value: Decimal,
        /// `d`, per year, at most 1 (a negative rate is a rising factor).
        rate: Decimal,
    },
    /// Factors given year by year; every year of the study period must be among them (no
    /// interpolation: a missing year is an error, so a gap is never filled silently).
    User {
        /// One point per year, in any order; points outside the period are ignored.
        points: Vec<GridPoint>,
    },
}

/// How a published series continues after its last published year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AfterLast {
    /// Keep the last published value (the CDM ex-ante choice for a crediting period).
    Hold,
    /// Fall by a constant rate a year from the last published value: `EF_y = EF_last·(1 − d)^(y − last)`.
    Decline {
        /// `d`, per year, at most 1.
        rate: Decimal,
    },
}

/// One year of a user path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GridPoint {
    /// Calendar year.
    pub year: i32,
    /// tCO2/MWh (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub value: Decimal,
}

/// The longest period a path is expanded over; far beyond any asset life, and it bounds the
/// memory a request can ask for.
const MAX_YEARS: usize = 2000;

fn non_negative(value: Decimal, pointer: &str) -> Result<Decimal> {
    if value < Decimal::ZERO {
        return Err(Error::invalid(
            pointer,
            format!("a grid emission factor must not be negative, got {value}"),
        ));
    }
    Ok(value)
}

/// The grid factor of each year `first_year .. first_year + years`, tCO2/MWh.
///
/// Errors (pointers into the path): a negative factor, a target year not after the base
/// year, a decline rate above 1, a user path missing a year of the period or giving one
/// twice, a `published` path (resolve it first), an empty period.
pub fn yearly(path: &GridPath, first_year: i32, years: usize) -> Result<Vec<Decimal>> {
    if years == 0 {
        return Err(Error::invalid(
            "/years",
            "the study period must be at least one year",
        ));
    }
    if years > MAX_YEARS {
        return Err(Error::invalid(
            "/years",
            format!("a grid path is expanded over at most {MAX_YEARS} years, got {years}"),
        ));
    }
    let year_of = |i: usize| i64::from(first_year) + i as i64;
    match path {
        GridPath::Constant { value } => Ok(vec![non_negative(*value, "/value")?; years]),
        GridPath::Published { set, region, .. } => Err(Error::invalid(
            "/set",
            format!(
                "the published grid path {set}/{region} must be resolved from the registry before its years can be expanded"
            ),
        )),
        GridPath::LinearToTarget {
            base_year,
            base_value,
            target_year,
            target_value,
        } => {
            let b = non_negative(*base_value, "/base_value")?;
            let t = non_negative(*target_value, "/target_value")?;
            if target_year <= base_year {
                return Err(Error::invalid(
                    "/target_year",
                    format!(
                        "the target year must be after the base year {base_year}, got {target_year}"
                    ),
                ));
            }
            let (t0, t1) = (i64::from(*base_year), i64::from(*target_year));
            let w = "linear grid path";
            let span = Decimal::from(t1 - t0);
            let step = sub(t, b, w)?;
            (0..years)
                .map(|i| {
                    let y = year_of(i).clamp(t0, t1);
                    // Multiply before dividing: (t − t0)/(T − t0) may not terminate.
                    add(b, div(mul(step, Decimal::from(y - t0), w)?, span, w)?, w)
                })
                .collect()
        }
        GridPath::CompoundDecline {
            base_year,
            base_value,
            rate,
        } => {
            let b = non_negative(*base_value, "/base_value")?;
            if *rate > Decimal::ONE {
                return Err(Error::invalid(
                    "/rate",
                    format!(
                        "a decline rate above 1 (100 %) would make the factor negative, got {rate}"
                    ),
                ));
            }
            let w = "compound grid path";
            let keep = sub(Decimal::ONE, *rate, w)?;
            let t0 = i64::from(*base_year);
            // The first year by powers, every later year by one multiplication.
            let mut factor: Option<Decimal> = None;
            (0..years)
                .map(|i| {
                    let n = (year_of(i) - t0).max(0);
                    let f = match factor {
                        Some(prev) if n > 0 => mul(prev, keep, w)?,
                        _ => powi(keep, n, w)?,
                    };
                    factor = Some(f);
                    mul(b, f, w)
                })
                .collect()
        }
        GridPath::User { points } => {
            let mut out: Vec<Option<Decimal>> = vec![None; years];
            for (i, p) in points.iter().enumerate() {
                let value = non_negative(p.value, &format!("/points/{i}/value"))?;
                if let Some(j) = points[..i].iter().position(|q| q.year == p.year) {
                    return Err(Error::invalid(
                        format!("/points/{i}/year"),
                        format!("the year {} is given twice (points {j} and {i})", p.year),
                    ));
                }
                let at = i64::from(p.year) - i64::from(first_year);
                if (0..years as i64).contains(&at) {
                    out[at as usize] = Some(value);
                }
            }
            out.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.ok_or_else(|| {
                        Error::missing(
                            "/points",
                            format!("the user grid path has no value for {}", year_of(i)),
                        )
                    })
                })
                .collect()
        }
    }
}

/// Weights of the operating margin (OM) and build margin (BM) in a combined margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarginWeights {
    /// `w_OM` (0–1).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub om: Decimal,
    /// `w_BM` (0–1); `w_OM + w_BM = 1`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub bm: Decimal,
}

/// What a project is, for the Tool 07 default weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarginProjectType {
    /// Wind and solar generation: 0.75/0.25 in every crediting period.
    WindSolar,
    /// Every other project, including demand-side efficiency: 0.5/0.5 in the first crediting
    /// period, 0.25/0.75 in the second and third.
    Other,
}

/// Which CDM crediting period the factor is for (renewable periods are 7 years, up to three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditingPeriod {
    /// First period (or a single fixed period).
    First,
    /// Second renewable period.
    Second,
    /// Third renewable period.
    Third,
}

impl MarginWeights {
    /// The default weights of CDM Tool 07 (combined margin): wind and solar 0.75/0.25 [F];
    /// other projects 0.5/0.5 in the first crediting period and 0.25/0.75 in the second and
    /// third [R].
    pub fn tool07(project: MarginProjectType, period: CreditingPeriod) -> Self {
        let (om, bm) = match (project, period) {
            (MarginProjectType::WindSolar, _) => (Decimal::new(75, 2), Decimal::new(25, 2)),
            (MarginProjectType::Other, CreditingPeriod::First) => {
                (Decimal::new(5, 1), Decimal::new(5, 1))
            }
            (MarginProjectType::Other, _) => (Decimal::new(25, 2), Decimal::new(75, 2)),
        };
        MarginWeights { om, bm }
    }

    /// Weights checked to lie in `[0, 1]` and add up to 1.
    pub fn validate(&self) -> Result<()> {
        for (w, field) in [(self.om, "/om"), (self.bm, "/bm")] {
            if w < Decimal::ZERO || w > Decimal::ONE {
                return Err(Error::invalid(
                    field,
                    format!("a margin weight must lie in [0, 1], got {w}"),
                ));
            }
        }
        if add(self.om, self.bm, "margin weights")? != Decimal::ONE {
            return Err(Error::invalid(
                "/bm",
                format!(
                    "the OM and BM weights must add up to 1, got {} + {}",
                    self.om, self.bm
                ),
            ));
        }
        Ok(())
    }
}

/// Combined margin `EF_CM = w_OM·EF_OM + w_BM·EF_BM`, tCO2/MWh (CDM Tool 07). For displacement
/// baselines only, never for consumption (Scope 2) accounting.
pub fn combined_margin(om: Decimal, bm: Decimal, weights: &MarginWeights) -> Result<Decimal> {
    weights.validate()?;
    non_negative(om, "/om")?;
    non_negative(bm, "/bm")?;
    let w = "combined margin";
    add(mul(weights.om, om, w)?, mul(weights.bm, bm, w)?, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// China's regional baseline factors for emission-reduction projects (中国区域电网基准线排放
    /// 因子, believed the 2019 edition): the combined margins of both weight sets, 0.75/0.25 and
    /// 0.5/0.5, to the sixth decimal.
    #[test]
    fn china_regional_combined_margins() {
        let wind = MarginWeights::tool07(MarginProjectType::WindSolar, CreditingPeriod::First);
        let other = MarginWeights::tool07(MarginProjectType::Other, CreditingPeriod::First);
        let table = [
            (dec!(0.9419), dec!(0.4819), dec!(0.826900), dec!(0.711900)),
            (dec!(1.0826), dec!(0.2399), dec!(0.871925), dec!(0.661250)),
            (dec!(0.7921), dec!(0.3870), dec!(0.690825), dec!(0.589550)),
            (dec!(0.8587), dec!(0.2854), dec!(0.715375), dec!(0.572050)),
            (dec!(0.8922), dec!(0.4407), dec!(0.779325), dec!(0.666450)),
            (dec!(0.8042), dec!(0.2135), dec!(0.656525), dec!(0.508850)),
        ];
        for (om, bm, cm_wind, cm_other) in table {
            assert_eq!(combined_margin(om, bm, &wind).unwrap(), cm_wind);
            assert_eq!(combined_margin(om, bm, &other).unwrap(), cm_other);
        }
        // Second period, other projects: 0.25 × 0.9419 + 0.75 × 0.4819 = 0.235475 + 0.361425.
        let second = MarginWeights::tool07(MarginProjectType::Other, CreditingPeriod::Second);
        assert_eq!(
            combined_margin(dec!(0.9419), dec!(0.4819), &second).unwrap(),
            dec!(0.5969)
        );
        assert_eq!(
            MarginWeights::tool07(MarginProjectType::WindSolar, CreditingPeriod::Third),
            wind
        );
        let bad = MarginWeights {
            om: dec!(0.6),
            bm: dec!(0.6),
        };
        assert_eq!(
            combined_margin(dec!(1), dec!(1), &bad).unwrap_err().pointer,
            "/bm"
        );
        assert_eq!(
            combined_margin(dec!(-1), dec!(1), &wind)
                .unwrap_err()
                .pointer,
            "/om"
        );
    }

    #[test]
    fn linear_path_reaches_the_target_and_stays_flat() {
        // 0.5703 in 2022 to 0.3 in 2030: step (0.3 − 0.5703)/8 = −0.0337875 per year.
        let path = GridPath::LinearToTarget {
            base_year: 2022,
            base_value: dec!(0.5703),
            target_year: 2030,
            target_value: dec!(0.3),
        };
        let v = yearly(&path, 2020, 13).unwrap();
        assert_eq!(v[0], dec!(0.5703)); // 2020, before the base year: base value
        assert_eq!(v[2], dec!(0.5703)); // 2022
        assert_eq!(v[3], dec!(0.5365125)); // 2023
        assert_eq!(v[6], dec!(0.43515)); // 2026 = 0.5703 − 4 × 0.0337875
        assert_eq!(v[10], dec!(0.3)); // 2030
        assert_eq!(v[12], dec!(0.3)); // 2032, flat after the target
        // A step of a third of the gap per year: 0.9 → 0 over 3 years gives 0.6 and 0.3.
        let thirds = GridPath::LinearToTarget {
            base_year: 0,
            base_value: dec!(0.9),
            target_year: 3,
            target_value: dec!(0),
        };
        assert_eq!(
            yearly(&thirds, 0, 4).unwrap(),
            [dec!(0.9), dec!(0.6), dec!(0.3), dec!(0)]
        );
        let bad = GridPath::LinearToTarget {
            base_year: 2030,
            base_value: dec!(0.5),
            target_year: 2030,
            target_value: dec!(0.3),
        };
        assert_eq!(yearly(&bad, 2030, 2).unwrap_err().pointer, "/target_year");
    }

    #[test]
    fn compound_decline_by_hand() {
        // 0.58 falling 5 % a year from 2024: 0.58, 0.551, 0.52345, 0.4972775.
        let path = GridPath::CompoundDecline {
            base_year: 2024,
            base_value: dec!(0.58),
            rate: dec!(0.05),
        };
        assert_eq!(
            yearly(&path, 2023, 5).unwrap(),
            [
                dec!(0.58),
                dec!(0.58),
                dec!(0.551),
                dec!(0.52345),
                dec!(0.4972775)
            ]
        );
        let bad = GridPath::CompoundDecline {
            base_year: 2024,
            base_value: dec!(0.58),
            rate: dec!(1.5),
        };
        assert_eq!(yearly(&bad, 2024, 2).unwrap_err().pointer, "/rate");
    }

    #[test]
    fn user_and_constant_and_published_paths() {
        let p = |year, value| GridPoint { year, value };
        let path = GridPath::User {
            points: vec![
                p(2023, dec!(0.5306)),
                p(2021, dec!(0.5568)),
                p(2022, dec!(0.5366)),
                p(1990, dec!(1)),
            ],
        };
        assert_eq!(
            yearly(&path, 2021, 3).unwrap(),
            [dec!(0.5568), dec!(0.5366), dec!(0.5306)]
        );
        let e = yearly(&path, 2021, 4).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.code),
            ("/points", crate::ErrorCode::MissingArgument)
        );
        assert!(e.message.contains("2024"));
        let twice = GridPath::User {
            points: vec![p(2021, dec!(0.5)), p(2021, dec!(0.4))],
        };
        assert_eq!(
            yearly(&twice, 2021, 1).unwrap_err().pointer,
            "/points/1/year"
        );

        let c = GridPath::Constant {
            value: dec!(0.5703),
        };
        assert_eq!(yearly(&c, 2025, 2).unwrap(), [dec!(0.5703); 2]);
        let neg = GridPath::Constant { value: dec!(-0.1) };
        assert_eq!(yearly(&neg, 2025, 2).unwrap_err().pointer, "/value");
        let published = GridPath::Published {
            set: "mee-nbs-2024".into(),
            region: "north".into(),
            after_last: None,
        };
        assert_eq!(yearly(&published, 2025, 2).unwrap_err().pointer, "/set");

        let json = serde_json::json!({"kind": "compound_decline", "base_year": 2024, "base_value": "0.58", "rate": "0.05"});
        let parsed: GridPath = serde_json::from_value(json).unwrap();
        assert!(matches!(parsed, GridPath::CompoundDecline { .. }));
    }
}
