//! A decimal as text: the same bytes as `Decimal`'s `Display` and its serde string (the
//! mantissa's digits, padded with zeros to the scale, a point before the last `scale` digits,
//! `0` before a point that would lead, a minus sign for any negative value, negative zero
//! included), written without `rust_decimal`'s one 96-bit division per digit.
//!
//! Why: the yearly tables of every result (money, discount factors and tonnes for each year)
//! are most of an answer's numbers, and forming their text digit by digit was about a seventh
//! of the service's time per one-project appraisal. Here a mantissa above 64 bits is split by
//! one division by 10¹⁹, and each 64-bit part is written two digits at a time.
//!
//! Used through `#[serde(serialize_with = "crate::decimal_text::serialize")]` on the fields
//! of the yearly rows; the JSON Schema is unchanged (a decimal stays a string).

use rust_decimal::Decimal;

/// Room for the longest text: a 29-digit mantissa, or 28 digits after `0.`, and a sign.
const CAPACITY: usize = 32;

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// A decimal's text, held on the stack.
pub struct DecimalText {
    bytes: [u8; CAPACITY],
    start: usize,
}

impl DecimalText {
    /// The text of `value`.
    pub fn of(value: &Decimal) -> Self {
        // The mantissa's digits, right-aligned in `digits[29 - n..]`.
        let mut digits = [b'0'; 29];
        let mantissa = value.mantissa().unsigned_abs();
        let n = if mantissa == 0 {
            0
        } else if let Ok(small) = u64::try_from(mantissa) {
            write_u64(small, &mut digits)
        } else {
            const TEN_19: u128 = 10_000_000_000_000_000_000;
            // Below 2⁹⁶, so the quotient fits 64 bits (it is below 8·10⁹) and so does the
            // remainder; the low part is written with all its 19 digits.
            let high = (mantissa / TEN_19) as u64;
            let low = (mantissa % TEN_19) as u64;
            let mut low_digits = [b'0'; 29];
            write_u64(low, &mut low_digits);
            digits[10..].copy_from_slice(&low_digits[10..]);
            let mut high_digits = [b'0'; 29];
            let h = write_u64(high, &mut high_digits);
            digits[10 - h..10].copy_from_slice(&high_digits[29 - h..]);
            19 + h
        };
        let scale = value.scale() as usize;
        // Zeros before the mantissa when it has fewer digits than the scale (`digits` is
        // already `0` there).
        let len = n.max(scale);
        let whole = len - scale;
        let first = 29 - len;

        let mut bytes = [0u8; CAPACITY];
        let mut end = CAPACITY;
        if scale > 0 {
            end -= scale;
            bytes[end..CAPACITY].copy_from_slice(&digits[29 - scale..]);
            end -= 1;
            bytes[end] = b'.';
        }
        if whole > 0 {
            end -= whole;
            bytes[end..end + whole].copy_from_slice(&digits[first..first + whole]);
        } else {
            end -= 1;
            bytes[end] = b'0';
        }
        if value.is_sign_negative() {
            end -= 1;
            bytes[end] = b'-';
        }
        DecimalText { bytes, start: end }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, `.` and `-` are ever written.
        std::str::from_utf8(&self.bytes[self.start..]).unwrap_or_default()
    }
}

/// Writes `value`'s digits right-aligned at the end of `out`; returns how many (0 for zero).
fn write_u64(mut value: u64, out: &mut [u8; 29]) -> usize {
    let mut at = out.len();
    while value >= 100 {
        let pair = (value % 100) as usize * 2;
        value /= 100;
        at -= 2;
        out[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if value >= 10 {
        let pair = value as usize * 2;
        at -= 2;
        out[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else if value > 0 {
        at -= 1;
        out[at] = b'0' + value as u8;
    }
    out.len() - at
}

/// Serializes a decimal as its text, as `Decimal`'s own `Serialize` does.
pub fn serialize<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(DecimalText::of(value).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(value: Decimal) {
        assert_eq!(
            DecimalText::of(&value).as_str(),
            value.to_string(),
            "{value:?}"
        );
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            format!("\"{}\"", DecimalText::of(&value).as_str())
        );
    }

    #[test]
    fn edges_read_as_the_library_writes_them() {
        for (lo, mid, hi) in [
            (0, 0, 0),
            (1, 0, 0),
            (9, 0, 0),
            (10, 0, 0),
            (99, 0, 0),
            (100, 0, 0),
            (u32::MAX, u32::MAX, 0),
            (0, 0, 1),
            (u32::MAX, u32::MAX, u32::MAX),
            // 10¹⁹ and its neighbours: the split point.
            (0x89E8_0000, 0x8AC7_2304, 0),
            (0x89E7_FFFF, 0x8AC7_2304, 0),
            (0x89E8_0001, 0x8AC7_2304, 0),
        ] {
            for scale in 0..=28 {
                for negative in [false, true] {
                    same(Decimal::from_parts(lo, mid, hi, negative, scale));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_decimal_reads_as_the_library_writes_it(
            lo in any::<u32>(),
            mid in any::<u32>(),
            hi in prop_oneof![Just(0u32), any::<u32>()],
            negative in any::<bool>(),
            scale in 0u32..=28,
        ) {
            same(Decimal::from_parts(lo, mid, hi, negative, scale));
        }

        #[test]
        fn small_mantissas_read_as_the_library_writes_them(
            mantissa in 0u64..1_000_000,
            negative in any::<bool>(),
            scale in 0u32..=28,
        ) {
            let value = Decimal::from_parts(mantissa as u32, 0, 0, negative, scale);
            same(value);
        }
    }
}
