//! Checked decimal arithmetic and the few non-linear operations the metrics need.
//!
//! `rust_decimal` panics on overflow in its operators and in `powd`/`exp`/`ln`; user input
//! must never panic, so every operation on user-controlled magnitudes goes through here and
//! turns overflow into [`Error::overflow`]. Floating point appears only as a starting
//! estimate that a decimal Newton step then corrects; no reported figure is an `f64`.

use rust_decimal::prelude::ToPrimitive;

use rust_decimal::{Decimal, MathematicalOps};

use crate::error::{Error, Result};

/// `a + b`, or an overflow error naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    checked_add(a, b).ok_or_else(|| Error::overflow(what))
}

/// `a + b` exactly as `rust_decimal`'s `checked_add` gives it, computed on 128-bit integers.
///
/// The operand of smaller scale is brought to the other's scale; the exact sum is the result
/// when it fits 96 bits, and is otherwise rounded as `rust_decimal` rounds its wide sum
/// ([`round_to_96_bits`], the rounding of the product). One case is left to `rust_decimal`
/// itself: a difference whose borrow empties the top 32-bit word of the rescaled operand,
/// where its rounding starts from that word's old position. The unit tests compare this with
/// `checked_add` bit for bit; `checked_add` stays the reference.
pub(crate) fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() {
        return Some(b);
    }
    if b.is_zero() {
        return Some(a);
    }
    let (sa, sb) = (a.scale(), b.scale());
    let scale = sa.max(sb);
    let (ma, mb) = (a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    // Both as `hi · 2¹²⁸ + lo` at the common scale; only the one of smaller scale grows.
    let (ha, la) = times_power_of_ten(ma, scale - sa);
    let (hb, lb) = times_power_of_ten(mb, scale - sb);
    let (na, nb) = (a.is_sign_negative(), b.is_sign_negative());
    let (hi, lo, negative) = if na == nb {
        let (lo, carry) = la.overflowing_add(lb);
        (ha + hb + u128::from(carry), lo, na)
    } else if (ha, la) >= (hb, lb) {
        let (lo, borrow) = la.overflowing_sub(lb);
        let hi = ha - hb - u128::from(borrow);
        if lo >> 96 != 0 || hi != 0 {
            let grown = if sa < sb { (ha, la) } else { (hb, lb) };
            if top_word(hi, lo) != top_word(grown.0, grown.1) {
                return a.checked_add(b);
            }
        }
        (hi, lo, na)
    } else {
        let (lo, borrow) = lb.overflowing_sub(la);
        let hi = hb - ha - u128::from(borrow);
        if lo >> 96 != 0 || hi != 0 {
            let grown = if sa < sb { (ha, la) } else { (hb, lb) };
            if top_word(hi, lo) != top_word(grown.0, grown.1) {
                return a.checked_add(b);
            }
        }
        (hi, lo, nb)
    };
    if hi == 0 && lo >> 96 == 0 {
        // Exact; a zero difference has no sign.
        return Some(compose(lo, negative, scale, false));
    }
    round_to_96_bits(hi, lo, negative, scale)
}

/// `m · 10^k` for `m < 2⁹⁶` and `k ≤ 28`, as `hi · 2¹²⁸ + lo`.
fn times_power_of_ten(m: u128, k: u32) -> (u128, u128) {
    if k == 0 {
        return (0, m);
    }
    if k < 20 {
        let p = u128::from(POW10_U64[k as usize]);
        if m >> 64 == 0 {
            // Both factors fit 64 bits: one multiplication.
            return (0, u128::from(m as u64) * p);
        }
        // The top limb is below 2³², so its product is below 2⁹⁶: two multiplications.
        let low = u128::from(m as u64) * p;
        let top = (m >> 64) * p;
        let (lo, carry) = low.overflowing_add(top << 64);
        return ((top >> 64) + u128::from(carry), lo);
    }
    let p = 10u128.pow(k);
    let (a0, a1) = (m as u64 as u128, m >> 64);
    let (p0, p1) = (p as u64 as u128, p >> 64);
    let cross = a0 * p1 + a1 * p0;
    let (lo, carry) = (a0 * p0).overflowing_add(cross << 64);
    (a1 * p1 + (cross >> 64) + u128::from(carry), lo)
}

/// `10^k` for `k` from 0 to 28.
const POW10_U128: [u128; 29] = {
    let mut table = [1u128; 29];
    let mut k = 1;
    while k < 29 {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// `2⁵²·10ᵏ − 5·(10ᵏ − 1)/9`: a mantissa below it falls under 2⁵² after `k` digits are
/// dropped with rounding half up, one at a time (see [`decimal_from_f64`]). From `k = 15` on
/// it exceeds every 96-bit mantissa, and the table holds the largest `u128` instead.
const EXCESS_THRESHOLDS: [u128; 29] = {
    let mut table = [u128::MAX; 29];
    let mut k = 0;
    while k < 15 {
        table[k] = (1u128 << 52) * POW10_U128[k] - 5 * (POW10_U128[k] - 1) / 9;
        k += 1;
    }
    table
};

/// `10^k` for `k` from 0 to 19, the powers of ten that fit 64 bits.
const POW10_U64: [u64; 20] = {
    let mut table = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// Index of the highest non-zero 32-bit word of `hi · 2¹²⁸ + lo`.
fn top_word(hi: u128, lo: u128) -> u32 {
    if hi != 0 {
        (255 - hi.leading_zeros()) / 32
    } else {
        (127 - lo.leading_zeros().min(127)) / 32
    }
}

/// `a − b`, or an overflow error naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_sub(b).ok_or_else(|| Error::overflow(what))
}

/// `a × b`, or an overflow error naming `what`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    checked_mul(a, b).ok_or_else(|| Error::overflow(what))
}

/// `a × b` exactly as `rust_decimal`'s `checked_mul` gives it — the same digits, the same
/// scale, the same sign of a zero, `None` in the same cases — computed on 128-bit integers.
///
/// `rust_decimal` multiplies in 32-bit limbs and, when the product has more than 96 bits or
/// a scale above 28, divides it by powers of ten one 32-bit limb at a time; in an appraisal
/// almost every product is a 28-digit discount factor times an amount and takes that path.
/// Here the product is formed in two 64-bit limbs and divided by one power of ten at once,
/// with the same choice of how many digits to drop and the same rounding (half to even, on
/// the whole remainder). The unit tests compare it with `checked_mul` bit for bit on random
/// and on boundary operands; `checked_mul` stays the reference.
pub(crate) fn checked_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() || b.is_zero() {
        return Some(Decimal::ZERO);
    }
    let negative = a.is_sign_negative() ^ b.is_sign_negative();
    let scale = a.scale() + b.scale();
    let (ma, mb) = (a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    if ma >> 32 == 0 && mb >> 32 == 0 {
        // Both fit 32 bits: so does nothing but the product's 64 bits and maybe the scale.
        let product = ma * mb;
        // This path of `rust_decimal` builds its result with `from_parts`, which gives a
        // zero no sign.
        if scale <= MAX_SCALE {
            return Some(compose(product, negative, scale, false));
        }
        if scale > MAX_SCALE + 19 {
            // Beyond every digit a 64-bit product can hold: zero, as `rust_decimal` says.
            return Some(Decimal::ZERO);
        }
        let (q, up) = divide_rounding(0, product, scale - MAX_SCALE);
        return Some(compose(
            q.quotient + u128::from(up),
            negative,
            MAX_SCALE,
            false,
        ));
    }
    // The 192-bit product `hi · 2¹²⁸ + lo` of two 96-bit mantissas.
    let (a0, a1) = (ma as u64 as u128, ma >> 64);
    let (b0, b1) = (mb as u64 as u128, mb >> 64);
    let cross = a0 * b1 + a1 * b0; // < 2⁹⁷
    let (lo, carry) = (a0 * b0).overflowing_add(cross << 64);
    let hi = a1 * b1 + (cross >> 64) + u128::from(carry); // < 2⁶⁴
    if hi == 0 && lo >> 96 == 0 && scale <= MAX_SCALE {
        return Some(compose(lo, negative, scale, true));
    }
    round_to_96_bits(hi, lo, negative, scale)
}

/// How many digits [`round_to_96_bits`] drops first from `hi · 2¹²⁸ + lo` at `scale`,
/// estimated from the bit length as `rust_decimal` does (`Buf24::rescale`): at least what
/// brings the scale to 28; `None` where even that leaves more than 96 bits at scale 0.
#[inline]
fn digits_to_drop(hi: u128, lo: u128, scale: u32) -> Option<u32> {
    let bits = if hi != 0 {
        256 - hi.leading_zeros()
    } else {
        128 - lo.leading_zeros()
    };
    let mut drop = 0u32;
    if bits > 96 {
        // The top 32-bit word's index times 32, less 65, less its leading zeros: bits − 97.
        drop = (((bits - 97) * 77) >> 8) + 1;
        if drop > scale {
            return None;
        }
    }
    Some(drop.max(scale.saturating_sub(MAX_SCALE)))
}

/// Half of `10^k` for `k` from 1 to 19: the remainder at which rounding half to even ties.
const HALF_POW10_U64: [u64; 20] = {
    let mut table = [0u64; 20];
    let mut k = 1;
    while k < 20 {
        table[k] = POW10_U64[k] / 2;
        k += 1;
    }
    table
};

/// `hi · 2¹²⁸ + lo` at `scale` (`hi < 2⁶⁴`), brought to a 96-bit mantissa and a scale of at
/// most 28 as `rust_decimal` does it (`Buf24::rescale`); `None` where it overflows. The
/// caller has more than 96 bits or a scale above 28 (so at least one digit is dropped).
///
/// The steps of [`round_to_96_bits_in_steps`], with the quotient and the last remainder
/// kept in 64-bit words: a division by `10^k` (`k ≤ 19`) of a value whose top limb is
/// below the divisor is two divisions of 128 by 64 bits with 64-bit quotients, or one when
/// the value fits 128 bits, instead of three. A value whose top limb is not below the divisor
/// goes to [`round_to_96_bits_in_steps`]. A property test compares the two on random wide
/// values of every size and scale, ties and carries included.
#[inline(always)]
fn round_to_96_bits(hi: u128, lo: u128, negative: bool, scale: u32) -> Option<Decimal> {
    let drop = digits_to_drop(hi, lo, scale)?;
    let first = drop.min(19);
    let Some((mut quotient, mut remainder)) = divide_by_power_of_ten(hi, lo, first) else {
        return round_to_96_bits_in_steps(hi, lo, negative, scale);
    };
    let mut half = HALF_POW10_U64[first as usize];
    let mut sticky = false;
    if drop > 19 {
        // At most 29 digits are ever dropped (a 192-bit product), so a second step ends it.
        let k = drop - 19;
        sticky = remainder != 0;
        let p = u128::from(POW10_U64[k as usize]);
        let q = quotient / p;
        remainder = (quotient - q * p) as u64;
        quotient = q;
        half = HALF_POW10_U64[k as usize];
    }
    let mut scale = scale - drop;
    while quotient >> 96 != 0 {
        // The estimate fell a digit short.
        if scale == 0 {
            return None;
        }
        scale -= 1;
        sticky |= remainder != 0;
        let q = quotient / 10;
        remainder = (quotient - q * 10) as u64;
        quotient = q;
        half = 5;
    }
    // Without short-circuits: which way a remainder rounds follows no pattern a branch
    // predictor learns, and a mispredicted branch here cost more than the comparisons.
    let odd = quotient & 1 == 1;
    let up = (remainder > half) | ((remainder == half) & (odd | sticky));
    let mut value = quotient + u128::from(up);
    if value >> 96 != 0 {
        // Rounding carried into bit 96: drop one more digit, rounding 2⁹⁶ / 10 afresh.
        if scale == 0 {
            return None;
        }
        scale -= 1;
        let tenth = value / 10;
        let rem = value - tenth * 10;
        value = tenth + u128::from(rem > 5 || (rem == 5 && tenth & 1 == 1));
    }
    Some(compose(value, negative, scale, true))
}

/// `(hi · 2¹²⁸ + lo) / 10^k` for `1 ≤ k ≤ 19` and `hi < 2⁶⁴`, with its remainder; `None`
/// when the top limb is not below the divisor (the quotient may then pass 128 bits).
#[inline]
fn divide_by_power_of_ten(hi: u128, lo: u128, k: u32) -> Option<(u128, u64)> {
    debug_assert!((1..20).contains(&k));
    if hi == 0 {
        if k == 1 {
            // A sum that passed 96 bits by a digit: a division by the constant ten, which the
            // compiler turns into multiplications.
            let q = lo / 10;
            return Some((q, (lo - q * 10) as u64));
        }
        let d = u128::from(POW10_U64[k as usize]);
        let q = lo / d;
        return Some((q, (lo - q * d) as u64));
    }
    let d = u128::from(POW10_U64[k as usize]);
    if hi >= d {
        return None;
    }
    // Two divisions of 128 by 64 bits, each with a 64-bit quotient.
    let upper = (hi << 64) | (lo >> 64);
    let q1 = upper / d;
    let lower = ((upper - q1 * d) << 64) | (lo & u128::from(u64::MAX));
    let q0 = lower / d;
    Some(((q1 << 64) | q0, (lower - q0 * d) as u64))
}

/// [`round_to_96_bits`] in every case: the digits dropped in steps of at most 19, then one at
/// a time while the quotient has more than 96 bits, and a carry into bit 96 rounded afresh.
#[inline(never)]
fn round_to_96_bits_in_steps(hi: u128, lo: u128, negative: bool, scale: u32) -> Option<Decimal> {
    // How many digits to drop, estimated from the bit length as `rust_decimal` does
    // (`Buf24::rescale`): at least what brings the scale to 28, and one more at a time
    // while the quotient still has more than 96 bits.
    let drop = digits_to_drop(hi, lo, scale)?;
    let mut scale = scale - drop;
    let (mut q, mut rem_up) = divide_rounding(hi, lo, drop);
    while q.quotient >> 96 != 0 {
        if scale == 0 {
            return None;
        }
        scale -= 1;
        q = q.then_by_ten();
        rem_up = q.round_up();
    }
    let mut value = q.quotient + u128::from(rem_up);
    if value >> 96 != 0 {
        // Rounding carried into bit 96: drop one more digit, rounding 2⁹⁶ / 10 afresh.
        if scale == 0 {
            return None;
        }
        scale -= 1;
        let tenth = value / 10;
        let rem = value - tenth * 10;
        value = tenth + u128::from(rem > 5 || (rem == 5 && tenth & 1 == 1));
    }
    Some(compose(value, negative, scale, true))
}

const MAX_SCALE: u32 = Decimal::MAX_SCALE;

/// A decimal from a mantissa below 2⁹⁶; with `signed_zero` a zero keeps the sign, as
/// `rust_decimal`'s wide product does when rounding leaves nothing.
fn compose(mantissa: u128, negative: bool, scale: u32, signed_zero: bool) -> Decimal {
    if mantissa == 0 && negative && signed_zero {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&((scale << 16) | 0x8000_0000).to_le_bytes());
        return Decimal::deserialize(bytes);
    }
    Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        (mantissa >> 64) as u32,
        negative,
        scale,
    )
}

/// A quotient by a power of ten with what rounding it half to even needs.
struct Division {
    quotient: u128,
    /// Remainder of the last division step and that step's divisor.
    remainder: u128,
    divisor: u128,
    /// Whether an earlier step left a non-zero remainder.
    sticky: bool,
}

impl Division {
    /// Whether the quotient rounds up: more than half, or exactly half and odd or sticky.
    fn round_up(&self) -> bool {
        let half = self.divisor / 2;
        self.remainder > half || (self.remainder == half && (self.quotient & 1 == 1 || self.sticky))
    }

    /// The quotient divided by ten once more.
    fn then_by_ten(&self) -> Division {
        let quotient = self.quotient / 10;
        Division {
            quotient,
            remainder: self.quotient - quotient * 10,
            divisor: 10,
            sticky: self.sticky || self.remainder != 0,
        }
    }
}

/// `(hi · 2¹²⁸ + lo) / 10^digits` (`digits ≥ 1`, the quotient below 2¹²⁸), and whether it
/// rounds up.
fn divide_rounding(hi: u128, lo: u128, digits: u32) -> (Division, bool) {
    if hi == 0 && digits == 1 {
        // A sum that passed 96 bits by a digit: a division by the constant ten, which the
        // compiler turns into multiplications.
        let quotient = lo / 10;
        let d = Division {
            quotient,
            remainder: lo - quotient * 10,
            divisor: 10,
            sticky: false,
        };
        let up = d.round_up();
        return (d, up);
    }
    let mut d = Division {
        quotient: lo,
        remainder: 0,
        divisor: 1,
        sticky: false,
    };
    let mut high = hi;
    let mut left = digits;
    while left > 0 {
        let step = left.min(19);
        left -= step;
        let divisor = POW10_U64[step as usize];
        d.sticky |= d.remainder != 0;
        let (q, r) = div_wide(high, d.quotient, divisor);
        high = q.0;
        d.quotient = q.1;
        d.remainder = u128::from(r);
        d.divisor = u128::from(divisor);
    }
    debug_assert_eq!(high, 0, "the quotient must fit 128 bits");
    let up = d.round_up();
    (d, up)
}

/// `(hi · 2¹²⁸ + lo) / d` for `hi < 2⁶⁴`: the quotient as `(hi, lo)` and the remainder.
fn div_wide(hi: u128, lo: u128, d: u64) -> ((u128, u128), u64) {
    if hi == 0 {
        let q = lo / u128::from(d);
        return ((0, q), (lo - q * u128::from(d)) as u64);
    }
    // Three 64-bit limbs, most significant first: each step divides `rem · 2⁶⁴ + limb`.
    let d128 = u128::from(d);
    let mut rem = 0u128;
    let mut out = [0u64; 3];
    for (i, limb) in [hi as u64, (lo >> 64) as u64, lo as u64]
        .into_iter()
        .enumerate()
    {
        let cur = (rem << 64) | u128::from(limb);
        let q = cur / d128;
        rem = cur - q * d128;
        out[i] = q as u64;
    }
    (
        (
            u128::from(out[0]),
            (u128::from(out[1]) << 64) | u128::from(out[2]),
        ),
        rem as u64,
    )
}

/// `a ÷ b`; the caller guarantees `b ≠ 0`, so a `None` here means overflow.
pub(crate) fn div(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    debug_assert!(!b.is_zero(), "division by zero in {what}");
    checked_div(a, b).ok_or_else(|| Error::overflow(what))
}

/// `a ÷ b` exactly as `rust_decimal`'s `checked_div` gives it — the same digits, the same
/// scale, `None` in the same cases (a zero divisor, overflow) — on 128-bit integers.
///
/// `rust_decimal` (`ops::div::div_impl`) divides the mantissas, then, while a remainder is
/// left, scales the quotient up by as many digits as `find_scale` allows (at most nine at a
/// time, at most to scale 28) and divides the scaled remainder again; when no digit more
/// fits it rounds half to even on twice the remainder against the divisor, and a quotient
/// that passes 96 bits on adding its new digits is divided by ten again, rounding with the
/// remainder as a sticky digit. A quotient that had a remainder loses trailing zeros in the
/// library's steps (eight at a time only while its low 32 bits are zero, then four, two and
/// one). Its three divisor sizes (32, 64 and 96 bits) compute the same exact quotients and
/// remainders with different word arithmetic; here each is one 128-bit division. The unit
/// tests compare this with `checked_div` bit for bit; `checked_div` stays the reference.
pub(crate) fn checked_div(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    if a.is_zero() {
        return Some(Decimal::ZERO);
    }
    let negative = a.is_sign_negative() ^ b.is_sign_negative();
    let mut scale = a.scale() as i32 - b.scale() as i32;
    let (dividend, divisor) = (a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    let mut quotient = dividend / divisor;
    let mut remainder = dividend - quotient * divisor;
    let mut unscale = false;
    if remainder != 0 || scale < 0 {
        loop {
            let power;
            if remainder == 0 {
                if scale >= 0 {
                    break;
                }
                power = (-scale).min(9) as u32;
            } else {
                unscale = true;
                let digits = if scale == MAX_SCALE as i32 {
                    0
                } else {
                    find_scale(quotient, scale)?
                };
                if digits == 0 {
                    // No digit more fits: round half to even on the remainder.
                    let twice = remainder << 1;
                    if twice > divisor || (twice == divisor && quotient & 1 == 1) {
                        quotient += 1;
                        if quotient >> 96 != 0 {
                            (quotient, scale) = tenth_of_overflow(quotient, scale, true)?;
                        }
                    }
                    break;
                }
                power = digits;
            }
            scale += power as i32;
            let p = u128::from(POW10_U64[power as usize]);
            quotient *= p;
            if quotient >> 96 != 0 {
                return None;
            }
            // The remainder is below the divisor (< 2⁹⁶), so times 10⁹ it fits 128 bits.
            let scaled = remainder * p;
            let digits_quotient = scaled / divisor;
            remainder = scaled - digits_quotient * divisor;
            quotient += digits_quotient;
            if quotient >> 96 != 0 {
                (quotient, scale) = tenth_of_overflow(quotient, scale, remainder != 0)?;
                break;
            }
        }
    }
    if unscale {
        (quotient, scale) = strip_zeros_as_rust_decimal(quotient, scale);
    }
    Some(Decimal::from_parts(
        quotient as u32,
        (quotient >> 32) as u32,
        (quotient >> 64) as u32,
        negative,
        scale as u32,
    ))
}

/// `floor((2⁹⁶ − 1) / 10ˣ)` for `x` from 1 to 9: the largest quotient that `x` more digits
/// leave within 96 bits (`rust_decimal`'s `POWER_OVERFLOW_VALUES` and `OVERFLOW_MAX_9`).
const FITS_DIGITS: [u128; 10] = {
    let mut table = [0u128; 10];
    let mut x = 1;
    while x < 10 {
        table[x] = ((1u128 << 96) - 1) / POW10_U128[x];
        x += 1;
    }
    table
};

/// How many digits (0 to 9) the division may append to `quotient` at `scale` (below 28), as
/// `rust_decimal`'s `Buf12::find_scale` decides it from the top 32-bit word and, at a
/// boundary, the low 64 bits; `None` where the scale is negative and cannot reach zero.
fn find_scale(quotient: u128, scale: i32) -> Option<u32> {
    let hi = (quotient >> 64) as u32;
    let top = |x: usize| (FITS_DIGITS[x] >> 64) as u32;
    if hi > top(1) {
        return (scale >= 0).then_some(0);
    }
    if scale > MAX_SCALE as i32 - 9 {
        let x = (MAX_SCALE as i32 - scale) as usize;
        if hi < top(x) {
            return (x as i32 + scale >= 0).then_some(x as u32);
        }
    } else if quotient <= FITS_DIGITS[9] {
        return Some(9);
    }
    // The library's search on the top word alone, then one step back at its boundary.
    let mut x = if hi > top(5) {
        if hi > top(3) {
            if hi > top(2) { 1 } else { 2 }
        } else if hi > top(4) {
            3
        } else {
            4
        }
    } else if hi > top(7) {
        if hi > top(6) { 5 } else { 6 }
    } else if hi > top(8) {
        7
    } else {
        8
    };
    if hi == top(x) && quotient as u64 > FITS_DIGITS[x] as u64 {
        x -= 1;
    }
    (x as i32 + scale >= 0).then_some(x as u32)
}

/// A quotient that passed 96 bits (by less than 2⁶⁴) divided by ten at one scale less,
/// rounded half to even with `sticky` standing for the digits below (`rust_decimal`'s
/// `unscale_from_overflow`); `None` below scale 0.
fn tenth_of_overflow(quotient: u128, scale: i32, sticky: bool) -> Option<(u128, i32)> {
    let scale = scale - 1;
    if scale < 0 {
        return None;
    }
    let tenth = quotient / 10;
    let digit = quotient - tenth * 10;
    let up = digit > 5 || (digit == 5 && (sticky || tenth & 1 == 1));
    Some((tenth + u128::from(up), scale))
}

/// Trailing zeros removed as `rust_decimal`'s `unscale` removes them after a division with a
/// remainder: eight at a time while the low 32 bits are zero, then four, two and one once
/// each, every step only when the low bits allow it and the digits are zero.
fn strip_zeros_as_rust_decimal(mut quotient: u128, mut scale: i32) -> (u128, i32) {
    while quotient as u32 == 0 && scale >= 8 {
        match exact_tenth_power(quotient, 8) {
            Some(q) => quotient = q,
            None => break,
        }
        scale -= 8;
    }
    for (k, low_bits) in [(4, 0xF), (2, 0x3), (1, 0x1)] {
        if quotient & low_bits == 0
            && scale >= k as i32
            && let Some(q) = exact_tenth_power(quotient, k)
        {
            quotient = q;
            scale -= k as i32;
        }
    }
    (quotient, scale)
}

/// `5⁻ᵏ mod 2¹²⁸` for `k` from 0 to 8 (five is odd, so it has an inverse modulo 2¹²⁸):
/// Newton's iteration `x ← x(2 − ax)` doubles the correct low bits from the three that
/// `x = a` gives (`a² ≡ 1 mod 8`).
const INVERSE_POW5: [u128; 9] = {
    let mut table = [1u128; 9];
    let mut k = 1;
    while k < 9 {
        let a = 5u128.pow(k as u32);
        let mut x = a;
        let mut i = 0;
        while i < 7 {
            x = x.wrapping_mul(2u128.wrapping_sub(a.wrapping_mul(x)));
            i += 1;
        }
        table[k] = x;
        k += 1;
    }
    table
};

/// `q / 10ᵏ` when `10ᵏ` divides `q` (`k ≤ 8`, the low `k` bits of `q` already zero),
/// otherwise `None`, by multiplications instead of a 128-bit division: `q/2ᵏ` is divisible by
/// `5ᵏ` exactly when its product with `5⁻ᵏ mod 2¹²⁸` is at most `(2¹²⁸ − 1)/5ᵏ`, and that
/// product is then the quotient (Granlund and Montgomery, 1994, §9).
fn exact_tenth_power(q: u128, k: u32) -> Option<u128> {
    debug_assert!(k <= 8 && q.trailing_zeros() >= k);
    let candidate = (q >> k).wrapping_mul(INVERSE_POW5[k as usize]);
    (candidate <= u128::MAX / 5u128.pow(k)).then_some(candidate)
}

/// `base^exp` for a whole exponent (negative allowed), by repeated squaring.
pub(crate) fn powi(base: Decimal, exp: i64, what: &str) -> Result<Decimal> {
    if exp < 0 && base.is_zero() {
        return Err(Error::overflow(what));
    }
    checked_powi(base, exp).ok_or_else(|| Error::overflow(what))
}

/// `base^exp` exactly as `rust_decimal`'s `checked_powi` gives it, with its products formed
/// by [`checked_mul`].
///
/// `rust_decimal` (`ops::wide::powu_wide`) squares and multiplies in 96-bit decimals for an
/// exponent below 1 024 — the same products, in the same order, as here — and normalises
/// the result (except for the exponents 1 and 2); a negative exponent takes the reciprocal of
/// the positive power by its division. Larger exponents keep 192-bit intermediates and are
/// left to `rust_decimal`. The unit tests compare this with `checked_powi` bit for bit;
/// `checked_powi` stays the reference.
pub(crate) fn checked_powi(base: Decimal, exp: i64) -> Option<Decimal> {
    if exp < 0 {
        let power = checked_powu(base, exp.unsigned_abs())?;
        return checked_div(Decimal::ONE, power);
    }
    checked_powu(base, exp.unsigned_abs())
}

/// `base^exp` for a whole `exp ≥ 0`; see [`checked_powi`].
fn checked_powu(base: Decimal, exp: u64) -> Option<Decimal> {
    if exp == 0 {
        return Some(Decimal::ONE);
    }
    if base.is_zero() {
        return Some(Decimal::ZERO);
    }
    // A numeric comparison, as `rust_decimal`'s: `1.00` is one too.
    if base == Decimal::ONE {
        return Some(Decimal::ONE);
    }
    match exp {
        1 => Some(base),
        2 => checked_mul(base, base),
        // Ten squarings or more: `rust_decimal` switches to 192-bit intermediates.
        1024.. => base.checked_powu(exp),
        _ => {
            let mut product = Decimal::ONE;
            let mut mask = exp;
            let mut power = base;
            for n in 0..(64 - exp.leading_zeros()) {
                if n > 0 {
                    power = checked_mul(power, power)?;
                    mask >>= 1;
                }
                if mask & 1 == 1 {
                    product = checked_mul(product, power)?;
                }
            }
            Some(product.normalize())
        }
    }
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
    if x <= Decimal::ZERO || n == 0 {
        return Err(Error::invalid(
            "",
            format!("{what}: a root needs a positive base and degree"),
        ));
    }
    if n == 1 {
        return Ok(x);
    }
    let estimate = x
        .to_f64()
        .map(|v| v.powf(1.0 / f64::from(n)))
        .and_then(decimal_from_f64);
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
    mantissa_to_f64(d.mantissa()) / POW10[d.scale() as usize]
}

/// `m as f64` for a decimal's mantissa (below 2⁹⁶ in size), without the library call that
/// converts a 128-bit integer.
///
/// A magnitude of at most 63 bits converts in one instruction. A wider one is first cut to
/// its top 63 bits with every bit cut off gathered into the lowest (a sticky bit), then
/// converted and scaled by the power of two cut off (exact). The conversion rounds to nearest,
/// ties to even, at the 53rd bit, ten bits above the sticky one, so it sees below, at or above
/// half exactly as it would on the whole magnitude; and that rounding is symmetric in sign.
/// So the result is `m as f64` bit for bit (unit tests compare the two).
#[inline]
fn mantissa_to_f64(m: i128) -> f64 {
    let magnitude = m.unsigned_abs();
    let bits = 128 - magnitude.leading_zeros();
    let v = if bits <= 63 {
        magnitude as i64 as f64
    } else {
        let cut = bits - 63;
        let sticky = u64::from(magnitude & ((1u128 << cut) - 1) != 0);
        let top = (magnitude >> cut) as u64 | sticky;
        // 2^cut, with cut below 65: a normal double, so the product is exact.
        top as i64 as f64 * f64::from_bits(u64::from(1023 + cut) << 52)
    };
    if m < 0 { -v } else { v }
}

/// Powers of ten for the 29 possible decimal scales.
const POW10: [f64; 29] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
];

/// A decimal from a finite `f64` estimate.
pub(crate) fn from_f64(v: f64) -> Option<Decimal> {
    decimal_from_f64(v)
}

/// `Decimal::from_f64(v)` exactly — the same digits, scale and sign, `None` in the same
/// cases — on one 128-bit mantissa instead of three 32-bit words.
///
/// `rust_decimal` (`base2_to_decimal`) takes the double's 53-bit significand and binary
/// exponent `e` and turns each factor 2⁻¹ into 5/10: a step halves an even mantissa, or
/// multiplies an odd one by 5 while that fits 96 bits and otherwise halves it (dropping a
/// bit); a factor 2 doubles while bit 95 is clear and otherwise divides by 5 (truncating).
/// The scale is then brought into 0..=28 (multiplying by ten, or dividing with rounding half
/// up), digits beyond the double's precision are dropped while the mantissa is 2⁵² or
/// more (rounding half up), and trailing zeros are removed. The steps here give the same
/// values in the same order; a run of halvings of an even mantissa and the dropped excess
/// digits are each taken at once. The unit tests compare it with `Decimal::from_f64` on random
/// bit patterns of every exponent; `from_f64` stays the reference.
pub(crate) fn decimal_from_f64(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    let raw = v.to_bits();
    let negative = raw >> 63 != 0;
    let biased_exponent = ((raw >> 52) & 0x7ff) as i32;
    let fraction = raw & 0x000f_ffff_ffff_ffff;
    if biased_exponent == 0 && fraction == 0 {
        return Some(compose(0, negative, 0, true));
    }
    let (mut m, mut exponent2) = if biased_exponent == 0 {
        (u128::from(fraction), -1022 - 52)
    } else {
        (
            u128::from(fraction | 0x0010_0000_0000_0000),
            biased_exponent - 1023 - 52,
        )
    };
    const LIMIT: u128 = 1 << 96;
    // 2^e = 10^e · 5^(−e): each factor 5 the mantissa cannot absorb moves one digit.
    let mut exponent5 = -exponent2;
    let mut exponent10 = exponent2;
    while exponent5 > 0 {
        if m & 1 == 0 {
            // Halve an even mantissa as many times at once as the steps allow.
            let k = (m.trailing_zeros() as i32).min(exponent5);
            m >>= k;
            exponent10 += k;
            exponent5 -= k;
        } else {
            // Odd: times five if that fits 96 bits, else halved (dropping the low bit). The
            // choice is made without a branch, as it follows no pattern a predictor learns.
            exponent5 -= 1;
            let times_five = m * 5;
            let halve = times_five >= LIMIT;
            m = if halve { m >> 1 } else { times_five };
            exponent10 += i32::from(halve);
        }
    }
    while exponent5 < 0 {
        if m >> 95 == 0 {
            exponent10 -= 1;
            exponent5 += 1;
            m <<= 1;
        } else if exponent10 * 2 > -exponent5 {
            return None;
        } else {
            exponent5 += 1;
            m /= 5;
        }
    }
    exponent2 = exponent10;
    while exponent2 > 0 {
        m *= 10;
        if m >= LIMIT {
            return None;
        }
        exponent2 -= 1;
    }
    while exponent2 < -(MAX_SCALE as i32) {
        let rem = m % 10;
        m /= 10;
        exponent2 += 1;
        if m == 0 {
            exponent2 = 0;
        } else if rem >= 5 {
            m += 1;
        }
    }
    // The double's 15 to 16 significant digits: drop digits one at a time, each rounded half
    // up, while the mantissa is 2⁵² or more. `k` such steps give
    // `⌊(m + 5·(10ᵏ − 1)/9) / 10ᵏ⌋` (each step is `⌊(x + 5)/10⌋`, and nested floors of
    // divisions compose), which falls below 2⁵² at the first `k` with
    // `m < 2⁵²·10ᵏ − 5·(10ᵏ − 1)/9`; so the steps are counted first and done at once.
    if exponent2 < 0 && m >> 52 != 0 {
        let mut k = 1;
        while k < (-exponent2) as usize && m >= EXCESS_THRESHOLDS[k] {
            k += 1;
        }
        let fives = 5 * (POW10_U128[k] - 1) / 9;
        m = (m + fives) / POW10_U128[k];
        exponent2 += k as i32;
    }
    while exponent2 < 0 && m % 10 == 0 {
        m /= 10;
        exponent2 += 1;
    }
    Some(compose(m, negative, (-exponent2) as u32, true))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::prelude::FromPrimitive;
    use rust_decimal::{Decimal, MathematicalOps};

    use super::{checked_add, checked_div, checked_mul, checked_powi, decimal_from_f64};

    /// Same bits: digits, scale and sign (of a zero too).
    fn same(a: Option<Decimal>, b: Option<Decimal>) -> bool {
        a.map(|d| d.serialize()) == b.map(|d| d.serialize())
    }

    /// A decimal with a mantissa of `bits` random bits (so every size from 1 to 96 bits is
    /// drawn as often), any scale and either sign.
    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (1u32..=96, any::<u128>(), 0u32..=28, any::<bool>()).prop_map(|(bits, raw, scale, neg)| {
            let m = (raw >> (128 - bits)) | (1u128 << (bits - 1));
            Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, neg, scale)
        })
    }

    /// Amounts and factors as an appraisal multiplies them: cents times 28-digit factors.
    fn appraisal_operands() -> impl Strategy<Value = (Decimal, Decimal)> {
        (any::<i64>(), 0u32..=4, 1u64..u64::MAX, any::<u32>()).prop_map(|(cents, s, f, g)| {
            let amount = Decimal::new(cents, s);
            let m = (u128::from(g) << 64 | u128::from(f)) % 10u128.pow(28);
            let factor = Decimal::from_i128_with_scale(m.max(1) as i128, 28);
            (amount, factor)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn the_sum_is_rust_decimals_bit_for_bit(a in any_decimal(), b in any_decimal()) {
            prop_assert!(same(checked_add(a, b), a.checked_add(b)), "{:?} + {:?}", a, b);
        }

        #[test]
        fn appraisal_sums_are_rust_decimals_bit_for_bit((a, b) in appraisal_operands(), (c, d) in appraisal_operands()) {
            // Sums of discounted amounts: products of an amount and a factor, either sign.
            let (x, y) = (a.checked_mul(b).unwrap(), c.checked_mul(d).unwrap());
            for (x, y) in [(x, y), (x, -y), (-x, y), (x, x), (x, -x), (x, Decimal::ZERO), (Decimal::ZERO, y)] {
                prop_assert!(same(checked_add(x, y), x.checked_add(y)), "{:?} + {:?}", x, y);
            }
        }

        #[test]
        fn the_product_is_rust_decimals_bit_for_bit(a in any_decimal(), b in any_decimal()) {
            prop_assert!(same(checked_mul(a, b), a.checked_mul(b)), "{:?} × {:?}", a, b);
        }

        #[test]
        fn appraisal_products_are_rust_decimals_bit_for_bit((a, b) in appraisal_operands()) {
            prop_assert!(same(checked_mul(a, b), a.checked_mul(b)), "{:?} × {:?}", a, b);
        }
    }

    /// A wide value `hi · 2¹²⁸ + lo` (`hi < 2⁶⁴`) of any bit length from 1 to 192, a scale
    /// from 0 to 56 (a product's), and a sign, as [`round_to_96_bits`] receives them: more
    /// than 96 bits or a scale above 28. Every fourth value is moved onto a tie (`…5000`) or
    /// next to one for a random number of dropped digits.
    fn wide_value() -> impl Strategy<Value = (u128, u128, u32, bool)> {
        (
            1u32..=192,
            any::<u128>(),
            any::<u64>(),
            0u32..=56,
            any::<bool>(),
            0u32..4,
            1u32..=19,
            -1i8..=1,
        )
            .prop_filter_map(
                "needs rounding",
                |(bits, raw_lo, raw_hi, scale, negative, tie, k, nudge)| {
                    let (mut hi, mut lo) = if bits > 128 {
                        (
                            u128::from(raw_hi) >> (192 - bits) | 1 << (bits - 129),
                            raw_lo,
                        )
                    } else {
                        (0, raw_lo >> (128 - bits) | 1 << (bits - 1))
                    };
                    if tie == 0 && hi == 0 {
                        // lo rounded down to a multiple of 10^k, plus half of it, ± 1.
                        let p = 10u128.pow(k);
                        let base = lo - lo % p + p / 2;
                        lo = base.checked_add_signed(i128::from(nudge)).unwrap_or(base);
                    } else if tie == 0 {
                        // The low limb's digits below 10^k set to a half, ± 1 (ties of a
                        // 192-bit value need the whole value; this shifts the low digits).
                        let p = 10u128.pow(k);
                        let base = lo - lo % p + p / 2;
                        lo = base.checked_add_signed(i128::from(nudge)).unwrap_or(base);
                        hi = hi.max(1);
                    }
                    let wide = hi != 0 || lo >> 96 != 0;
                    (wide || scale > super::MAX_SCALE).then_some((hi, lo, scale, negative))
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(50_000))]

        #[test]
        fn one_step_rounding_is_the_stepped_rounding((hi, lo, scale, negative) in wide_value()) {
            prop_assert!(
                same(
                    super::round_to_96_bits(hi, lo, negative, scale),
                    super::round_to_96_bits_in_steps(hi, lo, negative, scale)
                ),
                "{hi} · 2¹²⁸ + {lo} at scale {scale}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn a_mantissa_converts_to_the_same_double(d in any_decimal()) {
            let m = d.mantissa();
            prop_assert_eq!(super::mantissa_to_f64(m).to_bits(), (m as f64).to_bits(), "{}", m);
            prop_assert_eq!(super::mantissa_to_f64(-m).to_bits(), ((-m) as f64).to_bits(), "{}", -m);
        }
    }

    #[test]
    fn mantissas_at_the_conversion_edges_convert_to_the_same_double() {
        let mut values = vec![
            0i128,
            1,
            (1 << 53) + 1,
            (1 << 63) - 1,
            1 << 63,
            (1 << 64) - 1,
            1 << 64,
        ];
        values.push((1i128 << 96) - 1);
        // Ties between two doubles, and their neighbours, at every width from 54 to 96 bits:
        // an odd or even 53-bit significand, half a unit in its last place added, ± 1.
        for width in 54..=96u32 {
            for significand in [(1i128 << 52) | 1, (1i128 << 52) | 2, (1i128 << 53) - 1] {
                let half = 1i128 << (width - 54);
                let tie = (significand << (width - 53)) + half;
                values.extend([tie - 1, tie, tie + 1, significand << (width - 53)]);
            }
        }
        for m in values.clone() {
            values.push(-m);
        }
        for m in values {
            assert_eq!(
                super::mantissa_to_f64(m).to_bits(),
                (m as f64).to_bits(),
                "{m}"
            );
        }
    }

    #[test]
    fn one_step_rounding_meets_the_stepped_rounding_at_its_edges() {
        // Ties, carries into bit 96, quotients one digit too wide and the 19-digit limit.
        let mut values = Vec::new();
        for k in 1..=20u32 {
            let p = 10u128.pow(k.min(38));
            for q in [
                (1u128 << 96) - 1,
                (1u128 << 96) - 2,
                1u128 << 95,
                (1u128 << 96) / 10,
            ] {
                for r in [0, p / 2 - 1, p / 2, p / 2 + 1, p - 1] {
                    if let Some(v) = q.checked_mul(p).and_then(|v| v.checked_add(r)) {
                        values.push((0u128, v));
                    }
                }
            }
        }
        values.push((u128::from(u64::MAX), u128::MAX));
        values.push((1, 0));
        values.push((10u128.pow(19) - 1, u128::MAX));
        values.push((10u128.pow(19), 0));
        for (hi, lo) in values {
            for scale in [0, 1, 18, 19, 20, 28, 29, 38, 47, 48, 56] {
                if hi == 0 && lo >> 96 == 0 && scale <= super::MAX_SCALE {
                    continue;
                }
                for negative in [false, true] {
                    assert!(
                        same(
                            super::round_to_96_bits(hi, lo, negative, scale),
                            super::round_to_96_bits_in_steps(hi, lo, negative, scale)
                        ),
                        "{hi} · 2¹²⁸ + {lo} at scale {scale}"
                    );
                }
            }
        }
    }

    /// Divisions as an appraisal makes them: `1/(1+r)` for rates of up to 28 digits, a
    /// Newton step's small residual over an `f64` slope, a ratio of two present values, a
    /// yearly DSCR, an average over a count.
    fn appraisal_division() -> impl Strategy<Value = (Decimal, Decimal)> {
        let rate =
            (any::<u64>(), any::<u32>(), 1u32..=28, any::<bool>()).prop_map(|(f, g, s, neg)| {
                let m = (u128::from(g) << 64 | u128::from(f)) % 10u128.pow(s);
                let r = Decimal::from_i128_with_scale(m as i128, s);
                if neg { -r } else { r }
            });
        prop_oneof![
            rate.clone()
                .prop_map(|r| (Decimal::ONE, Decimal::ONE + r / Decimal::TWO)),
            (any::<i64>(), 10u32..=28, -1e12f64..1e12).prop_filter_map(
                "nonzero slope",
                |(f, s, slope)| {
                    let fp = Decimal::from_f64(slope).filter(|d| !d.is_zero())?;
                    Some((Decimal::new(f, s), fp))
                }
            ),
            (any::<i64>(), 0u32..=28, any::<i64>(), 0u32..=28)
                .prop_filter_map("nonzero", |(a, sa, b, sb)| {
                    (b != 0).then(|| (Decimal::new(a, sa), Decimal::new(b, sb)))
                }),
            (any::<i64>(), 1u32..=200).prop_map(|(a, n)| (Decimal::new(a, 4), Decimal::from(n))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn the_quotient_is_rust_decimals_bit_for_bit(a in any_decimal(), b in any_decimal()) {
            prop_assert!(same(checked_div(a, b), a.checked_div(b)), "{:?} / {:?}", a, b);
            // Exact quotients (no remainder) of either sign of scale difference.
            if let Some(p) = a.checked_mul(b) {
                prop_assert!(same(checked_div(p, b), p.checked_div(b)), "{:?} / {:?}", p, b);
            }
        }

        #[test]
        fn appraisal_quotients_are_rust_decimals_bit_for_bit((a, b) in appraisal_division()) {
            prop_assert!(same(checked_div(a, b), a.checked_div(b)), "{:?} / {:?}", a, b);
            prop_assert!(same(checked_div(-a, b), (-a).checked_div(b)), "{:?} / {:?}", -a, b);
        }
    }

    #[test]
    fn boundary_quotients_are_rust_decimals_bit_for_bit() {
        let max = Decimal::MAX;
        let tiny = Decimal::new(1, 28);
        let odd_top = Decimal::from_i128_with_scale((1i128 << 96) - 1, 28);
        let mut values = vec![
            Decimal::ZERO,
            Decimal::ONE,
            Decimal::TWO,
            Decimal::TEN,
            Decimal::NEGATIVE_ONE,
            max,
            Decimal::MIN,
            tiny,
            odd_top,
            Decimal::from_i128_with_scale((1i128 << 96) - 1, 0),
            Decimal::from_i128_with_scale(1i128 << 95, 0),
            Decimal::from_i128_with_scale((1i128 << 64) - 1, 0),
            Decimal::from_i128_with_scale(1i128 << 64, 0),
            Decimal::from_i128_with_scale(u32::MAX.into(), 0),
            Decimal::from_i128_with_scale(1i128 << 32, 5),
            Decimal::new(3, 0),
            Decimal::new(7, 3),
            Decimal::new(20, 0),
            Decimal::new(5, 1),
            Decimal::new(25, 28),
            Decimal::new(100_000_000, 0),
            Decimal::new(42_949_672_960_000, 4),
            Decimal::new(1_000_000_007, 9),
        ];
        // The largest quotients that x more digits still fit, and one past each.
        for x in 1..=9u32 {
            let m = ((1u128 << 96) - 1) / 10u128.pow(x);
            for d in [m - 1, m, m + 1] {
                for s in [0, 5, 19, 20, 27, 28] {
                    values.push(Decimal::from_i128_with_scale(d as i128, s));
                }
            }
        }
        for &a in &values {
            for &b in &values {
                for (a, b) in [(a, b), (-a, b), (a, -b)] {
                    assert!(same(checked_div(a, b), a.checked_div(b)), "{a:?} / {b:?}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn exact_powers_of_ten_are_found_as_by_division(raw in any::<u128>(), zeros in 0u32..=12, k in prop::sample::select(vec![1u32, 2, 4, 8])) {
            // Values below 2⁹⁶ (as a quotient is) with a run of trailing decimal zeros, and
            // values with only the binary zeros the caller checks (most not divisible by 5ᵏ).
            let with_zeros = (raw >> 32) / 10u128.pow(zeros) * 10u128.pow(zeros);
            let p = 10u128.pow(k);
            for q in [with_zeros, (raw >> 40) << k] {
                if q.trailing_zeros() >= k {
                    prop_assert_eq!(super::exact_tenth_power(q, k), (q % p == 0).then(|| q / p));
                }
            }
        }
    }

    #[test]
    fn the_scale_search_uses_rust_decimals_thresholds() {
        // `Buf12::find_scale`'s constants: the top words of the largest quotients that
        // x more digits leave within 96 bits, and the low 64 bits for nine.
        let tops = [
            429_496_729u32,
            42_949_672,
            4_294_967,
            429_496,
            42_949,
            4_294,
            429,
            42,
            4,
        ];
        for (x, top) in (1..=9).zip(tops) {
            assert_eq!((super::FITS_DIGITS[x] >> 64) as u32, top, "{x}");
        }
        assert_eq!(super::FITS_DIGITS[9] as u64, 5_441_186_219_426_131_129);
    }

    /// Bases as an appraisal raises them: `1 + r` for rates of a few digits (escalation,
    /// discounting), 28-digit factors near one (Newton's iterates of an n-th root), and any.
    fn power_base() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (-999i64..=9_999, 0u32..=5).prop_map(|(r, s)| Decimal::ONE + Decimal::new(r, s + 3)),
            (any::<u64>(), any::<u32>(), any::<bool>()).prop_map(|(f, g, below)| {
                // 1 ± a fraction of up to 28 digits.
                let m = (u128::from(g) << 64 | u128::from(f)) % 10u128.pow(27);
                let delta = Decimal::from_i128_with_scale(m as i128, 28);
                if below {
                    Decimal::ONE - delta
                } else {
                    Decimal::ONE + delta
                }
            }),
            any_decimal(),
        ]
    }

    /// Exponents of every size the narrow path takes, both signs, and a few past it.
    fn power_exponent() -> impl Strategy<Value = i64> {
        prop_oneof![
            -40i64..=60,
            -1023i64..=1023,
            1020i64..=1100,
            Just(i64::MIN),
            Just(i64::MAX)
        ]
    }

    /// A double from any bit pattern (every exponent, subnormals, both signs); NaN and the
    /// infinities included.
    fn any_double() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            // Exponents where decimals live: about 1e-30 to 1e30.
            (any::<u64>(), -100i32..=100).prop_map(|(bits, e)| {
                let exponent = ((1023 + e) as u64) << 52;
                f64::from_bits((bits & 0x800f_ffff_ffff_ffff) | exponent)
            }),
            // Short decimal texts, as estimates and rates usually are.
            (any::<i32>(), 0u32..=12).prop_map(|(m, s)| f64::from(m) / 10f64.powi(s as i32)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn the_power_is_rust_decimals_bit_for_bit(base in power_base(), exp in power_exponent()) {
            prop_assert!(same(checked_powi(base, exp), base.checked_powi(exp)), "{:?} ^ {}", base, exp);
        }

        #[test]
        fn the_double_conversion_is_rust_decimals_bit_for_bit(v in any_double()) {
            prop_assert!(same(decimal_from_f64(v), Decimal::from_f64(v)), "{:e} ({:#x})", v, v.to_bits());
        }
    }

    /// `k` roundings half up by one digit each, as `rust_decimal` drops a double's excess
    /// digits.
    fn rounded_digit_by_digit(mut m: u128, k: u32) -> u128 {
        for _ in 0..k {
            let rem = m % 10;
            m /= 10;
            if rem >= 5 {
                m += 1;
            }
        }
        m
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// The closed form `decimal_from_f64` uses for the digit-by-digit rounding, on any
        /// mantissa and on the carries that run through every dropped digit (`…4555` and
        /// its neighbours), and the step count its thresholds give.
        #[test]
        fn digit_by_digit_rounding_has_a_closed_form(raw in any::<u128>(), k in 1u32..=14, delta in -3i64..=3) {
            let fives = 5 * (10u128.pow(k) - 1) / 9;
            let crafted = ((raw >> 32) / 10u128.pow(k)) * 10u128.pow(k) + fives;
            for m in [raw >> 32, crafted.saturating_add_signed(i128::from(delta))] {
                let closed = (m + fives) / 10u128.pow(k);
                prop_assert_eq!(closed, rounded_digit_by_digit(m, k), "m = {}, k = {}", m, k);
                // Below the threshold of `k` exactly when `k` steps leave fewer than 53 bits.
                prop_assert_eq!(m < super::EXCESS_THRESHOLDS[k as usize], closed >> 52 == 0);
            }
        }
    }

    /// Doubles at the edges: zeros of both signs, the smallest subnormal and normal, the
    /// largest double, the decimal range's limits, halfway digits and exact integers.
    #[test]
    fn boundary_doubles_convert_as_rust_decimal_does() {
        let mut values = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            7.922_816_251_426_434e28,
            7.922_816_251_426_433e28,
            -7.922_816_251_426_434e28,
            1e-28,
            5e-29,
            4.9e-29,
            1e-29,
            0.1,
            0.5,
            1.0,
            1.5,
            2.5,
            1e15,
            1e16,
            9_007_199_254_740_993.0,
            123_456_789.123_456_79,
        ];
        for k in -40..=40 {
            values.push(10f64.powi(k));
            values.push(-(2f64.powi(k)));
            values.push(1.0 + 2f64.powi(-k.abs() - 1));
        }
        for v in values {
            assert!(same(decimal_from_f64(v), Decimal::from_f64(v)), "{v:e}");
        }
    }

    /// Powers at the edges: zero and one (also `1.00`), negative bases, exponents 0, 1 and 2
    /// (which `rust_decimal` does not normalise), overflow, and reciprocals of zero powers.
    #[test]
    fn boundary_powers_are_rust_decimals_bit_for_bit() {
        let bases = [
            Decimal::ZERO,
            Decimal::ONE,
            Decimal::NEGATIVE_ONE,
            Decimal::new(100, 2),
            Decimal::new(-100, 2),
            Decimal::TWO,
            Decimal::TEN,
            Decimal::new(11, 1),
            Decimal::new(-105, 2),
            Decimal::new(1000, 3),
            Decimal::new(1, 28),
            Decimal::MAX,
            Decimal::MIN,
            "0.9259259259259259259259259259".parse().unwrap(),
            "1.0000000000000000000000000001".parse().unwrap(),
        ];
        for base in bases {
            for exp in [-3, -2, -1, 0, 1, 2, 3, 4, 29, 30, 1023, 1024] {
                assert!(
                    same(checked_powi(base, exp), base.checked_powi(exp)),
                    "{base:?} ^ {exp}"
                );
            }
        }
    }

    /// The boundaries: zeros, the largest mantissa, ties that round to even, a carry into
    /// bit 96, products that overflow, and scales that round everything away.
    #[test]
    fn boundary_products_are_rust_decimals_bit_for_bit() {
        let max = Decimal::MAX;
        let mut values = vec![
            Decimal::ZERO,
            Decimal::ONE,
            Decimal::NEGATIVE_ONE,
            Decimal::TWO,
            Decimal::TEN,
            max,
            Decimal::MIN,
            Decimal::new(5, 1),
            Decimal::new(25, 2),
            Decimal::new(15, 1),
            Decimal::from_parts(1, 0, 0, false, 28),
            Decimal::from_parts(1, 0, 0, true, 28),
            Decimal::from_parts(5, 0, 0, false, 28),
            Decimal::from_parts(u32::MAX, 0, 0, false, 28),
            Decimal::from_parts(u32::MAX, u32::MAX, 0, false, 28),
            Decimal::from_parts(0, 0, 1, false, 0),
            Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, false, 1),
            Decimal::from_parts(0x9999_999a, 0x9999_9999, 0x1999_9999, false, 0), // ≈ 2⁹⁶/10
            Decimal::from_parts(0x9999_9999, 0x9999_9999, 0x1999_9999, false, 27),
            "7922816251426433759354395033.5".parse().unwrap(),
            "0.9259259259259259259259259259".parse().unwrap(),
            "1.0000000000000000000000000001".parse().unwrap(),
            "0.0000000000000000000000000005".parse().unwrap(),
        ];
        for k in 0..29u32 {
            values.push(Decimal::from_parts(5, 0, 0, false, k));
            values.push(Decimal::from_i128_with_scale(10i128.pow(k.min(28)), k));
            values.push(Decimal::from_i128_with_scale(
                10i128.pow(k.min(28)) * 5 + 5,
                28,
            ));
        }
        // Differences whose borrow empties the top word of the rescaled operand: a · 10¹²
        // just above 2¹²⁸, less more than the excess.
        let m = (u128::MAX / 10u128.pow(12)) + 1;
        let a = Decimal::from_i128_with_scale(m as i128, 0);
        let excess = m.wrapping_mul(10u128.pow(12)); // a · 10¹² − 2¹²⁸
        for extra in [1u128, 2, 999, 10u128.pow(20)] {
            let b = Decimal::from_i128_with_scale(-((excess + extra) as i128), 12);
            assert!(same(checked_add(a, b), a.checked_add(b)), "{a:?} + {b:?}");
            assert!(same(checked_add(b, a), b.checked_add(a)), "{b:?} + {a:?}");
        }
        for a in &values {
            for b in &values {
                for (x, y) in [(*a, *b), (-*a, *b), (*a, -*b)] {
                    assert!(same(checked_mul(x, y), x.checked_mul(y)), "{x:?} × {y:?}");
                    assert!(same(checked_add(x, y), x.checked_add(y)), "{x:?} + {y:?}");
                }
            }
        }
    }
}
