//! Expected annual damage (EAD) for flood-protection appraisal.
//!
//! A damage–exceedance curve gives, for a few modelled events, the annual exceedance
//! probability `P` (AEP) and the damage `D` if that event occurs. EAD is the area under the
//! curve of damage against probability, integrated by the trapezoid rule in probability:
//! `EAD = Σ ½(Dᵢ + Dᵢ₊₁)(Pᵢ − Pᵢ₊₁)` with points in descending AEP. This is the US Army Corps
//! of Engineers procedure (interval between successive frequencies × average of successive
//! damages, summed) and the annual average damage of the UK Multi-Coloured Manual.
//!
//! The two ends of the curve are explicit, because the trapezoid sum says nothing about them:
//! - **Frequent end.** The most frequent point should be the threshold event, the most
//!   frequent flood that does no damage. If its damage is not zero, events more frequent than
//!   it contribute nothing to EAD, which understates it; the result says so in a finding.
//! - **Rare end.** Beyond the rarest modelled event the caller chooses `truncate` (no damage)
//!   or `extend` (damage held at the rarest event's value: `D_last × P_last` more).
//!
//! Avoided damage, the benefit of a scheme, is `EAD_without − EAD_with`.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::Finding;
use crate::num::{add, div, mul, sub};

/// One modelled flood event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DamagePoint {
    /// Annual exceedance probability of the event, 0 < aep ≤ 1 (e.g. `"0.01"` for the
    /// 1-in-100-year flood).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub aep: Decimal,
    /// Damage if the event occurs, in money (≥ 0).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub damage: Decimal,
}

/// What happens beyond the rarest modelled event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tail {
    /// No damage from rarer events: the curve stops at the rarest point (understates EAD).
    Truncate,
    /// Rarer events do the rarest event's damage: adds `D_last × P_last`.
    Extend,
}

/// A damage–exceedance curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DamageCurve {
    /// At least two events, in any order; no two with the same AEP. The most frequent should be
    /// the threshold event with zero damage.
    pub points: Vec<DamagePoint>,
    /// `truncate` or `extend`: how events rarer than the rarest point are counted.
    pub tail: Tail,
}

/// One trapezoid of the EAD sum, between two successive events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EadInterval {
    /// AEP of the more frequent event, `Pᵢ`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub aep_from: Decimal,
    /// AEP of the rarer event, `Pᵢ₊₁`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub aep_to: Decimal,
    /// `½(Dᵢ + Dᵢ₊₁)`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub mean_damage: Decimal,
    /// `Pᵢ − Pᵢ₊₁`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub probability: Decimal,
    /// `mean_damage × probability`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub contribution: Decimal,
}

/// Expected annual damage with its trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ead {
    /// Expected annual damage: the sum of the intervals plus the tail term.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub ead: Decimal,
    /// The points in descending AEP, as integrated.
    pub points: Vec<DamagePoint>,
    /// The trapezoids, most frequent first.
    pub intervals: Vec<EadInterval>,
    /// The tail rule used.
    pub tail: Tail,
    /// The tail term: `D_last × P_last` for `extend`, 0 for `truncate`.
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub tail_contribution: Decimal,
    /// Whether the most frequent point has zero damage (a threshold event).
    pub starts_at_threshold: bool,
    /// Warnings about the curve: no threshold event, damage falling for a rarer event.
    pub findings: Vec<Finding>,
}

fn validate(curve: &DamageCurve) -> Result<Vec<DamagePoint>> {
    if curve.points.len() < 2 {
        return Err(Error::missing(
            "/points",
            format!(
                "at least two events are needed to integrate a damage curve, got {}",
                curve.points.len()
            ),
        ));
    }
    for (i, p) in curve.points.iter().enumerate() {
        if p.aep <= Decimal::ZERO || p.aep > Decimal::ONE {
            return Err(Error::invalid(
                format!("/points/{i}/aep"),
                format!(
                    "the annual exceedance probability must be above 0 and at most 1, got {}",
                    p.aep
                ),
            ));
        }
        if p.damage < Decimal::ZERO {
            return Err(Error::invalid(
                format!("/points/{i}/damage"),
                format!("the damage must not be negative, got {}", p.damage),
            ));
        }
        // Quadratic, but a curve has a handful of points and this names the duplicate by its
        // own index in the caller's order.
        if let Some(j) = curve.points[..i].iter().position(|q| q.aep == p.aep) {
            return Err(Error::invalid(
                format!("/points/{i}/aep"),
                format!("the AEP {} is given twice (points {j} and {i})", p.aep),
            ));
        }
    }
    let mut points = curve.points.clone();
    points.sort_by_key(|p| std::cmp::Reverse(p.aep));
    Ok(points)
}

/// Expected annual damage of a damage–exceedance curve, by the trapezoid rule in probability.
///
/// Errors: fewer than two points, an AEP outside (0, 1], a negative damage, an AEP given twice
/// (pointers `/points/{i}/…` in the caller's order).
pub fn expected_annual_damage(curve: &DamageCurve) -> Result<Ead> {
    let points = validate(curve)?;
    let half = Decimal::new(5, 1);
    let mut intervals = Vec::with_capacity(points.len() - 1);
    let mut total = Decimal::ZERO;
    let mut findings = Vec::new();
    let mut falls_at = None;
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.damage < a.damage && falls_at.is_none() {
            falls_at = Some((a, b));
        }
        let mean_damage = mul(add(a.damage, b.damage, "mean damage")?, half, "mean damage")?;
        let probability = sub(a.aep, b.aep, "probability interval")?;
        let contribution = mul(mean_damage, probability, "interval damage")?;
        total = add(total, contribution, "expected annual damage")?;
        intervals.push(EadInterval {
            aep_from: a.aep,
            aep_to: b.aep,
            mean_damage,
            probability,
            contribution,
        });
    }
    let rarest = points[points.len() - 1];
    let tail_contribution = match curve.tail {
        Tail::Truncate => Decimal::ZERO,
        Tail::Extend => mul(rarest.damage, rarest.aep, "tail damage")?,
    };
    total = add(total, tail_contribution, "expected annual damage")?;

    let first = points[0];
    let starts_at_threshold = first.damage.is_zero();
    if !starts_at_threshold {
        findings.push(Finding::new(
            "no_threshold_event",
            format!(
                "the curve does not start at a zero-damage threshold event: the most frequent point (AEP {}) does damage {}, so more frequent floods add nothing and EAD is understated",
                first.aep, first.damage
            ),
        ));
    }
    if let Some((a, b)) = falls_at {
        // Not an error: a defence that fails only in rarer events can do this, but it is
        // more often a transcription slip, so it is worth a look.
        findings.push(Finding::new(
            "damage_falls",
            format!(
                "damage falls from {} at AEP {} to {} at the rarer AEP {}",
                a.damage, a.aep, b.damage, b.aep
            ),
        ));
    }
    Ok(Ead {
        ead: total,
        points,
        intervals,
        tail: curve.tail,
        tail_contribution,
        starts_at_threshold,
        findings,
    })
}

/// Damage avoided by a scheme: both curves' EAD and their difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AvoidedDamage {
    /// EAD without the scheme.
    pub without: Ead,
    /// EAD with the scheme.
    pub with: Ead,
    /// `EAD_without − EAD_with`, the annual benefit (negative if the scheme adds damage).
    #[serde(serialize_with = "crate::decimal_text::serialize")]
    pub avoided: Decimal,
    /// `avoided / EAD_without`; absent when there is no damage without the scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::decimal_text::serialize_option")]
    pub share_avoided: Option<Decimal>,
    /// Comparability warnings: different tail rules, damage increased by the scheme.
    pub findings: Vec<Finding>,
}

/// `EAD_without − EAD_with`. Errors carry pointers under `/without` or `/with`.
pub fn avoided_damage(without: &DamageCurve, with: &DamageCurve) -> Result<AvoidedDamage> {
    let ead_without = expected_annual_damage(without).map_err(|e| e.under("/without"))?;
    let ead_with = expected_annual_damage(with).map_err(|e| e.under("/with"))?;
    let avoided = sub(ead_without.ead, ead_with.ead, "avoided damage")?;
    let mut findings = Vec::new();
    if without.tail != with.tail {
        findings.push(Finding::new(
            "tail_rules_differ",
            "the two curves use different tail rules, so part of the difference comes from the rule, not the scheme",
        ));
    }
    if avoided < Decimal::ZERO {
        findings.push(Finding::new(
            "damage_increases",
            "expected annual damage is higher with the scheme than without it",
        ));
    }
    let share_avoided = if ead_without.ead.is_zero() {
        None
    } else {
        Some(div(avoided, ead_without.ead, "share of damage avoided")?)
    };
    Ok(AvoidedDamage {
        without: ead_without,
        with: ead_with,
        avoided,
        share_avoided,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use rust_decimal_macros::dec;

    fn curve(points: &[(Decimal, Decimal)], tail: Tail) -> DamageCurve {
        DamageCurve {
            points: points
                .iter()
                .map(|&(aep, damage)| DamagePoint { aep, damage })
                .collect(),
            tail,
        }
    }

    // Hand calculation (the trapezoid rule written out; no published figure is reproduced):
    // points (0.5, 0), (0.1, 1,000,000), (0.02, 5,000,000), (0.01, 8,000,000):
    //   ½(0 + 1e6)(0.5 − 0.1)   = 500,000 × 0.40 = 200,000
    //   ½(1e6 + 5e6)(0.1 − 0.02) = 3,000,000 × 0.08 = 240,000
    //   ½(5e6 + 8e6)(0.02 − 0.01) = 6,500,000 × 0.01 = 65,000
    //   truncate: 505,000; extend adds 8,000,000 × 0.01 = 80,000 → 585,000.
    #[test]
    fn four_point_curve_by_hand() {
        // Deliberately unsorted: the function sorts by AEP descending.
        let pts = [
            (dec!(0.02), dec!(5000000)),
            (dec!(0.5), dec!(0)),
            (dec!(0.01), dec!(8000000)),
            (dec!(0.1), dec!(1000000)),
        ];
        let t = expected_annual_damage(&curve(&pts, Tail::Truncate)).unwrap();
        assert_eq!(t.ead, dec!(505000));
        let contributions: Vec<_> = t.intervals.iter().map(|i| i.contribution).collect();
        assert_eq!(contributions, vec![dec!(200000), dec!(240000), dec!(65000)]);
        assert_eq!(t.points[0].aep, dec!(0.5));
        assert_eq!(t.tail_contribution, dec!(0));
        assert!(t.starts_at_threshold && t.findings.is_empty());

        let e = expected_annual_damage(&curve(&pts, Tail::Extend)).unwrap();
        assert_eq!(e.tail_contribution, dec!(80000));
        assert_eq!(e.ead, dec!(585000));
        assert_eq!(e.tail, Tail::Extend);
    }

    // Points from a published example: Hydrologic Engineering Center, "Expected Annual Flood
    // Damage Computation", computer program 761-X6-L7580, Exhibit 3 "Example computation",
    // Table 1 "Development of damage-frequency relationship" (frequency in events per 100
    // years, damage in $1000): 0.1 → 4822.3, 0.2 → 3620.0, 0.5 → 2968.3, 1 → 2390.0,
    // 2 → 1508.0, 3 → 658.0, 5 → 30.0, 10 → 6.7, 20 → 0. The program then adds interpolated
    // points before integrating, so its printed EAD is not what this test checks; the
    // expected value is the trapezoid rule over the nine published points, by hand:
    //   (0.2−0.1)  × ½(0 + 6.7)         = 0.1   × 3.35    = 0.335
    //   (0.1−0.05) × ½(6.7 + 30.0)      = 0.05  × 18.35   = 0.9175
    //   (0.05−0.03)× ½(30.0 + 658.0)    = 0.02  × 344.0   = 6.880
    //   (0.03−0.02)× ½(658.0 + 1508.0)  = 0.01  × 1083.0  = 10.830
    //   (0.02−0.01)× ½(1508.0 + 2390.0) = 0.01  × 1949.0  = 19.490
    //   (0.01−0.005)×½(2390.0 + 2968.3) = 0.005 × 2679.15 = 13.39575
    //   (0.005−0.002)×½(2968.3+3620.0)  = 0.003 × 3294.15 = 9.88245
    //   (0.002−0.001)×½(3620.0+4822.3)  = 0.001 × 4221.15 = 4.22115
    //   sum = 65.95185 ($1000 a year); extend adds 0.001 × 4822.3 = 4.8223 → 70.77415.
    #[test]
    fn corps_program_example_points() {
        let pts = [
            (dec!(0.001), dec!(4822.3)),
            (dec!(0.002), dec!(3620.0)),
            (dec!(0.005), dec!(2968.3)),
            (dec!(0.01), dec!(2390.0)),
            (dec!(0.02), dec!(1508.0)),
            (dec!(0.03), dec!(658.0)),
            (dec!(0.05), dec!(30.0)),
            (dec!(0.1), dec!(6.7)),
            (dec!(0.2), dec!(0)),
        ];
        let t = expected_annual_damage(&curve(&pts, Tail::Truncate)).unwrap();
        assert_eq!(t.ead, dec!(65.95185));
        assert_eq!(t.intervals.len(), 8);
        assert_eq!(t.intervals[0].contribution, dec!(0.335));
        let e = expected_annual_damage(&curve(&pts, Tail::Extend)).unwrap();
        assert_eq!(e.ead, dec!(70.77415));
    }

    #[test]
    fn a_curve_without_threshold_is_a_finding() {
        let pts = [(dec!(0.1), dec!(100)), (dec!(0.01), dec!(50))];
        let r = expected_annual_damage(&curve(&pts, Tail::Truncate)).unwrap();
        // ½(100 + 50) × 0.09 = 6.75
        assert_eq!(r.ead, dec!(6.75));
        assert!(!r.starts_at_threshold);
        let codes: Vec<_> = r.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["no_threshold_event", "damage_falls"]);
    }

    // Without the scheme: the four-point curve above, extended: 585,000.
    // With a scheme that stops damage up to the 1-in-50 event: (0.02, 0), (0.01, 8,000,000),
    // extended: ½(0 + 8e6)(0.01) + 8e6 × 0.01 = 40,000 + 80,000 = 120,000.
    // Avoided: 585,000 − 120,000 = 465,000, a share of 465/585 = 0.7948717…
    #[test]
    fn avoided_damage_by_hand() {
        let without = curve(
            &[
                (dec!(0.5), dec!(0)),
                (dec!(0.1), dec!(1000000)),
                (dec!(0.02), dec!(5000000)),
                (dec!(0.01), dec!(8000000)),
            ],
            Tail::Extend,
        );
        let with = curve(
            &[(dec!(0.02), dec!(0)), (dec!(0.01), dec!(8000000))],
            Tail::Extend,
        );
        let a = avoided_damage(&without, &with).unwrap();
        assert_eq!(a.with.ead, dec!(120000));
        assert_eq!(a.avoided, dec!(465000));
        assert_eq!(a.share_avoided.unwrap().round_dp(7), dec!(0.7948718));
        assert!(a.findings.is_empty());

        let flipped = avoided_damage(&with, &without).unwrap();
        assert_eq!(flipped.avoided, dec!(-465000));
        assert_eq!(flipped.findings[0].code, "damage_increases");
    }

    #[test]
    fn bad_curves_name_the_point() {
        let ok = [(dec!(0.5), dec!(0)), (dec!(0.1), dec!(10))];
        let err = |pts: &[(Decimal, Decimal)]| {
            expected_annual_damage(&curve(pts, Tail::Truncate)).unwrap_err()
        };
        let e = err(&ok[..1]);
        assert_eq!(
            (e.code, e.pointer.as_str()),
            (ErrorCode::MissingArgument, "/points")
        );
        assert_eq!(err(&[ok[0], (dec!(0), dec!(1))]).pointer, "/points/1/aep");
        assert_eq!(
            err(&[ok[0], (dec!(-0.1), dec!(1))]).pointer,
            "/points/1/aep"
        );
        assert_eq!(
            err(&[(dec!(1.01), dec!(0)), ok[1]]).pointer,
            "/points/0/aep"
        );
        assert_eq!(
            err(&[ok[0], (dec!(0.1), dec!(-5))]).pointer,
            "/points/1/damage"
        );
        assert_eq!(
            err(&[ok[0], ok[1], (dec!(0.1), dec!(20))]).pointer,
            "/points/2/aep"
        );
        // An AEP of exactly 1 is allowed (an event every year).
        assert!(
            expected_annual_damage(&curve(&[(dec!(1), dec!(0)), ok[1]], Tail::Truncate)).is_ok()
        );
        // Errors in avoided_damage say which curve.
        let bad = curve(&ok[..1], Tail::Truncate);
        let good = curve(&ok, Tail::Truncate);
        assert_eq!(
            avoided_damage(&good, &bad).unwrap_err().pointer,
            "/with/points"
        );
        assert_eq!(
            avoided_damage(&bad, &good).unwrap_err().pointer,
            "/without/points"
        );
        // Huge damages overflow into an error, not a panic.
        let huge = [
            (dec!(1), dec!(79000000000000000000000000000)),
            (dec!(0.5), dec!(79000000000000000000000000000)),
        ];
        assert_eq!(err(&huge).code, ErrorCode::Overflow);
    }

    #[test]
    fn curve_input_is_strict() {
        let json = r#"{"points":[{"aep":"0.5","damage":"0"},{"aep":"0.1","damage":"10"}],"tail":"extend"}"#;
        let c: DamageCurve = serde_json::from_str(json).unwrap();
        assert_eq!(c.tail, Tail::Extend);
        let json = r#"{"points":[{"aep":"0.5","damage":"0","rp":2}],"tail":"extend"}"#;
        assert!(serde_json::from_str::<DamageCurve>(json).is_err());
        let json = r#"{"points":[{"aep":"0.5","damage":"0"}]}"#;
        assert!(serde_json::from_str::<DamageCurve>(json).is_err());
    }
}
