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
        // The digits are written once, right-aligned where they end up, into a buffer of
        // zeros: a fraction's leading zeros and the zero before a leading point are already
        // in place, and only the whole part moves (one place left) to make room for the point.
        let mut bytes = [b'0'; CAPACITY];
        let mantissa = value.mantissa().unsigned_abs();
        let first = if mantissa == 0 {
            CAPACITY
        } else if let Ok(small) = u64::try_from(mantissa) {
            write_u64(small, &mut bytes, CAPACITY)
        } else {
            const TEN_19: u128 = 10_000_000_000_000_000_000;
            // Below 2⁹⁶, so the quotient fits 64 bits (it is below 8·10⁹) and so does the
            // remainder; the low part keeps all its 19 digits (the zeros are the buffer's).
            let high = (mantissa / TEN_19) as u64;
            let low = (mantissa % TEN_19) as u64;
            write_u64(low, &mut bytes, CAPACITY);
            write_u64(high, &mut bytes, CAPACITY - 19)
        };
        let scale = value.scale() as usize;
        let point = CAPACITY - scale;
        let mut start = if scale == 0 {
            first
        } else if first < point {
            // Whole digits: moved one place left, the point after them.
            bytes.copy_within(first..point, first - 1);
            bytes[point - 1] = b'.';
            first - 1
        } else {
            // No whole digit: `0.` and the fraction, padded with the buffer's zeros.
            bytes[point - 1] = b'.';
            point - 2
        };
        if start == CAPACITY {
            // Zero of scale 0.
            start -= 1;
        }
        if value.is_sign_negative() {
            start -= 1;
            bytes[start] = b'-';
        }
        DecimalText { bytes, start }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, `.` and `-` are ever written.
        std::str::from_utf8(&self.bytes[self.start..]).unwrap_or_default()
    }
}

/// Writes `value`'s digits right-aligned to end before `end`; returns where they start
/// (`end` for zero, whose digit, if needed, is the buffer's own zero).
fn write_u64(mut value: u64, out: &mut [u8; CAPACITY], end: usize) -> usize {
    let mut at = end;
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
    at
}

/// Serializes a decimal as its text, as `Decimal`'s own `Serialize` does.
pub fn serialize<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_newtype_struct(TEXT_TOKEN, &Digits(&DecimalText::of(value)))
}

/// The newtype name under which [`serialize`] hands a decimal's text on. `json_text` takes
/// the digits from it as bytes and writes them as they are, without the UTF-8 check that
/// forming a `&str` of them costs and the escape check a string gets: they are only ASCII
/// digits, `.` and `-`. Any other serializer passes a newtype through to its content and is
/// handed the text as a string, as before.
pub(crate) const TEXT_TOKEN: &str = "$greenlight::private::DecimalText";

/// A decimal's text: a string to a human-readable serializer (JSON, YAML, TOML, a
/// `serde_json::Value`); its bytes to one that is not, which is only `json_text`'s writer of
/// the newtype [`TEXT_TOKEN`] (no binary format serializes these types).
struct Digits<'a>(&'a DecimalText);

impl serde::Serialize for Digits<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(self.0.as_str())
        } else {
            serializer.serialize_bytes(&self.0.bytes[self.0.start..])
        }
    }
}

/// A decimal serialized as its text (for the elements of an option or a list).
struct Text<'a>(&'a Decimal);

impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(self.0, serializer)
    }
}

/// Serializes an optional decimal as `Option<Decimal>`'s own `Serialize` does.
pub fn serialize_option<S: serde::Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.serialize_some(&Text(v)),
        None => serializer.serialize_none(),
    }
}

/// Serializes a list of decimals as `Vec<Decimal>`'s own `Serialize` does.
pub fn serialize_vec<S: serde::Serializer>(
    values: &[Decimal],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter().map(Text))
}

/// Serializes a decimal figure as `Figure<Decimal>`'s own `Serialize` does: the value is
/// untagged, so it is the decimal's text; a finding is left to the derived form.
pub fn serialize_figure<S: serde::Serializer>(
    figure: &crate::appraisal::Figure<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match figure {
        crate::appraisal::Figure::Value(v) => serialize(v, serializer),
        other => serde::Serialize::serialize(other, serializer),
    }
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

    /// The same fields serialized by the library's forms and by this module's.
    #[derive(serde::Serialize)]
    struct Plain {
        one: Decimal,
        some: Option<Decimal>,
        none: Option<Decimal>,
        list: Vec<Decimal>,
        empty: Vec<Decimal>,
        figure: crate::appraisal::Figure<Decimal>,
        finding: crate::appraisal::Figure<Decimal>,
    }

    #[derive(serde::Serialize)]
    struct Fast {
        #[serde(serialize_with = "serialize")]
        one: Decimal,
        #[serde(serialize_with = "serialize_option")]
        some: Option<Decimal>,
        #[serde(serialize_with = "serialize_option")]
        none: Option<Decimal>,
        #[serde(serialize_with = "serialize_vec")]
        list: Vec<Decimal>,
        #[serde(serialize_with = "serialize_vec")]
        empty: Vec<Decimal>,
        #[serde(serialize_with = "serialize_figure")]
        figure: crate::appraisal::Figure<Decimal>,
        #[serde(serialize_with = "serialize_figure")]
        finding: crate::appraisal::Figure<Decimal>,
    }

    #[test]
    fn options_lists_and_figures_serialize_as_the_library_forms() {
        let d = |m: i64, s: u32| Decimal::new(m, s);
        let finding = || crate::appraisal::Figure::None {
            finding: crate::metrics::Finding {
                code: "no_irr".into(),
                message: "no \"root\"".into(),
                message_zh: "无".into(),
            },
        };
        let plain = Plain {
            one: d(-12345, 3),
            some: Some(d(7, 28)),
            none: None,
            list: vec![
                d(1, 0),
                d(-5, 1),
                Decimal::from_parts(u32::MAX, u32::MAX, 7, true, 20),
            ],
            empty: Vec::new(),
            figure: crate::appraisal::Figure::Value(d(105, 2)),
            finding: finding(),
        };
        let fast = Fast {
            one: plain.one,
            some: plain.some,
            none: plain.none,
            list: plain.list.clone(),
            empty: Vec::new(),
            figure: crate::appraisal::Figure::Value(d(105, 2)),
            finding: finding(),
        };
        assert_eq!(
            serde_json::to_string_pretty(&fast).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&fast).unwrap(),
            serde_json::to_value(&plain).unwrap()
        );
        // `json_text` takes the digits as bytes (`TEXT_TOKEN`): the same text as the
        // library's forms written by serde_json, compact and pretty, alone, in a list and
        // inside an internally tagged enum.
        assert_eq!(
            crate::json_text::to_vec(&fast).unwrap(),
            serde_json::to_vec(&plain).unwrap()
        );
        let mut pretty = Vec::new();
        crate::json_text::write_pretty(&mut pretty, &vec![&fast, &fast]).unwrap();
        assert_eq!(
            pretty,
            serde_json::to_vec_pretty(&vec![&plain, &plain]).unwrap()
        );
        let rates = vec![
            crate::discount::DiscountRate::Constant { rate: d(-35, 3) },
            crate::discount::green_book_declining(),
        ];
        assert_eq!(
            crate::json_text::to_vec(&rates).unwrap(),
            br#"[{"kind":"constant","rate":"-0.035"},{"kind":"bands","bands":[{"from_year":0,"to_year":30,"rate":"0.035"},{"from_year":31,"to_year":75,"rate":"0.030"},{"from_year":76,"to_year":125,"rate":"0.025"},{"from_year":126,"to_year":200,"rate":"0.020"},{"from_year":201,"to_year":300,"rate":"0.015"},{"from_year":301,"to_year":null,"rate":"0.010"}]}]"#
        );
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
