//! JSON text written into a `Vec<u8>`, compact or pretty, with the bytes serde_json writes.
//!
//! serde_json escapes every key and string by looking each byte up in a table and hands the
//! runs between escapes to its formatter one call at a time; its `Formatter` cannot replace
//! that. Our answers are thousands of short ASCII keys and decimal texts that never need an
//! escape, so this serializer checks a string eight bytes at a time for `"`, `\` and bytes
//! below 0x20 (the only bytes JSON requires escaping and the only ones serde_json escapes)
//! and copies it whole when none is there; only a string that holds one is written with
//! serde_json's escapes, still stepping over clean words whole.
//!
//! Everything else is written as serde_json writes it: integers and floats through
//! serde_json's own number writer, non-finite floats as `null`, maps with string keys (and
//! integer, float, bool and char keys quoted, other keys refused with serde_json's error),
//! enum variants externally tagged, `serde_json::value::RawValue` as its text, and the pretty
//! form with two spaces a level, optionally starting nested a given number of levels deep.
//! Errors are `serde_json::Error`, so callers handle one kind of failure whichever writer
//! they use.

use serde::ser::{self, Serialize};
use serde_json::ser::Formatter as _;

type Result<T> = std::result::Result<T, serde_json::Error>;

/// `value` as `serde_json::to_writer` writes it, appended to `out`.
pub fn write_compact<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<()> {
    value.serialize(&mut Writer {
        out,
        layout: Compact,
    })
}

/// `value` as `serde_json::to_vec` gives it.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    write_compact(&mut out, value)?;
    Ok(out)
}

/// `value` as `serde_json::to_writer_pretty` writes it, appended to `out`.
pub fn write_pretty<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<()> {
    write_pretty_nested(out, value, 0)
}

/// `value` as `serde_json::to_writer_pretty` writes it when it stands `level` levels deep in
/// a pretty document (after a key or an array's indentation): every line after the first
/// indented by two more spaces a level.
pub fn write_pretty_nested<T: ?Sized + Serialize>(
    out: &mut Vec<u8>,
    value: &T,
    level: usize,
) -> Result<()> {
    value.serialize(&mut Writer {
        out,
        layout: Pretty {
            level,
            has_value: false,
        },
    })
}

/// Where the compact and pretty forms differ: whitespace around values. The pretty form keeps
/// serde_json's `PrettyFormatter` state (the depth and whether the current container got a
/// value), so a container is closed on its own line exactly when serde_json closes it so.
trait Layout {
    fn begin_container(&mut self, out: &mut Vec<u8>, open: u8);
    fn end_container(&mut self, out: &mut Vec<u8>, close: u8);
    fn begin_element(&mut self, out: &mut Vec<u8>, first: bool);
    fn end_element(&mut self);
    fn key_value_separator(&self, out: &mut Vec<u8>);
}

struct Compact;

impl Layout for Compact {
    #[inline]
    fn begin_container(&mut self, out: &mut Vec<u8>, open: u8) {
        out.push(open);
    }

    #[inline]
    fn end_container(&mut self, out: &mut Vec<u8>, close: u8) {
        out.push(close);
    }

    #[inline]
    fn begin_element(&mut self, out: &mut Vec<u8>, first: bool) {
        if !first {
            out.push(b',');
        }
    }

    #[inline]
    fn end_element(&mut self) {}

    #[inline]
    fn key_value_separator(&self, out: &mut Vec<u8>) {
        out.push(b':');
    }
}

struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    #[inline]
    fn newline_indent(&self, out: &mut Vec<u8>) {
        const SPACES: &[u8; 64] = &[b' '; 64];
        out.push(b'\n');
        let mut n = self.level * 2;
        while n > SPACES.len() {
            out.extend_from_slice(SPACES);
            n -= SPACES.len();
        }
        out.extend_from_slice(&SPACES[..n]);
    }
}

impl Layout for Pretty {
    #[inline]
    fn begin_container(&mut self, out: &mut Vec<u8>, open: u8) {
        self.level += 1;
        self.has_value = false;
        out.push(open);
    }

    #[inline]
    fn end_container(&mut self, out: &mut Vec<u8>, close: u8) {
        self.level -= 1;
        if self.has_value {
            self.newline_indent(out);
        }
        out.push(close);
    }

    #[inline]
    fn begin_element(&mut self, out: &mut Vec<u8>, first: bool) {
        if !first {
            out.push(b',');
        }
        self.newline_indent(out);
    }

    #[inline]
    fn end_element(&mut self) {
        self.has_value = true;
    }

    #[inline]
    fn key_value_separator(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b": ");
    }
}

struct Writer<'a, L> {
    out: &'a mut Vec<u8>,
    layout: L,
}

/// serde_json's name for the one field of a `RawValue`, and the struct's name.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// serde_json's number writer: integers by `itoa`, floats by its shortest round-trip form.
/// Writing into a `Vec` cannot fail.
macro_rules! number {
    ($out:expr, $method:ident, $value:expr) => {
        serde_json::ser::CompactFormatter
            .$method($out, $value)
            .map_err(serde_json::Error::io)
    };
}

impl<L: Layout> Writer<'_, L> {
    #[inline]
    fn string(&mut self, text: &str) {
        write_string(self.out, text);
    }

    /// `{"variant":` opened for a variant that carries data.
    fn begin_variant(&mut self, variant: &str) {
        self.layout.begin_container(self.out, b'{');
        self.layout.begin_element(self.out, true);
        self.string(variant);
        self.layout.key_value_separator(self.out);
    }

    /// `}` closing a variant opened by `begin_variant`, after its value.
    fn end_variant(&mut self) {
        self.layout.end_element();
        self.layout.end_container(self.out, b'}');
    }
}

/// Eight copies of a byte, one per lane of a `u64`.
const fn lanes(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// Whether any of the eight bytes of `word` must be escaped: a `"`, a `\` or a byte below
/// 0x20. `x - 0x01…` borrows out of a lane that is zero, and `!x` keeps the top bit only of
/// lanes below 0x80, so `(x - 0x01…) & !x & 0x80…` is nonzero exactly when some lane of `x`
/// is zero (a borrow can mark a lane above a zero one, never a word without one); with
/// `0x20…` subtracted it is nonzero exactly when some lane is below 0x20. Which lane is not
/// needed: a word that has one is written byte by byte.
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const HIGH: u64 = lanes(0x80);
    let quote = word ^ lanes(b'"');
    let backslash = word ^ lanes(b'\\');
    let found = (quote.wrapping_sub(lanes(0x01)) & !quote)
        | (backslash.wrapping_sub(lanes(0x01)) & !backslash)
        | (word.wrapping_sub(lanes(0x20)) & !word);
    found & HIGH != 0
}

/// The first `N` bytes of `bytes` (which has at least `N`) as a little-endian number.
#[inline(always)]
fn load<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut word = [0u8; N];
    word.copy_from_slice(&bytes[..N]);
    word
}

/// Whether any byte of `bytes` needs an escape, checked a word of eight bytes at a time. The
/// last, partial word is read as the eight bytes ending the text (overlapping bytes already
/// checked), and a text shorter than eight bytes as its first and last halves side by side
/// (overlapping too), padded with spaces when under four: every lane then holds a byte of
/// the text or a space, so no byte is missed and none is invented, and no copy of variable
/// length is made.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len >= 8 {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            if word_needs_escape(u64::from_le_bytes(load::<8>(word))) {
                return true;
            }
        }
        return !words.remainder().is_empty()
            && word_needs_escape(u64::from_le_bytes(load::<8>(&bytes[len - 8..])));
    }
    let word = if len >= 4 {
        u64::from(u32::from_le_bytes(load::<4>(bytes)))
            | u64::from(u32::from_le_bytes(load::<4>(&bytes[len - 4..]))) << 32
    } else if len >= 2 {
        u64::from(u16::from_le_bytes(load::<2>(bytes)))
            | u64::from(u16::from_le_bytes(load::<2>(&bytes[len - 2..]))) << 16
            | lanes(b' ') << 32
    } else if len == 1 {
        u64::from(bytes[0]) | (lanes(b' ') << 8)
    } else {
        return false;
    };
    word_needs_escape(word)
}

/// The quoted, escaped `text`.
#[inline]
fn write_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// `bytes` with serde_json's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx`
/// (lowercase hex) for the other bytes below 0x20; everything else (`/`, DEL, non-ASCII) as
/// it is. Words of eight bytes that need none are stepped over whole (a long reason with one
/// quoted name is mostly such words); a word that holds one is taken a byte at a time.
#[cold]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if i + 8 <= bytes.len() && !word_needs_escape(u64::from_le_bytes(load::<8>(&bytes[i..]))) {
            i += 8;
            continue;
        }
        let byte = bytes[i];
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0C => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x00..=0x1F => b'u',
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[run..i]);
        i += 1;
        run = i;
        if short == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
    }
    out.extend_from_slice(&bytes[run..]);
}

impl<'b, 'a, L: Layout> ser::Serializer for &'b mut Writer<'a, L> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'b, 'a, L>;
    type SerializeTuple = Compound<'b, 'a, L>;
    type SerializeTupleStruct = Compound<'b, 'a, L>;
    type SerializeTupleVariant = Compound<'b, 'a, L>;
    type SerializeMap = Compound<'b, 'a, L>;
    type SerializeStruct = Compound<'b, 'a, L>;
    type SerializeStructVariant = Compound<'b, 'a, L>;

    #[inline]
    fn serialize_bool(self, value: bool) -> Result<()> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    #[inline]
    fn serialize_i8(self, value: i8) -> Result<()> {
        number!(self.out, write_i8, value)
    }

    #[inline]
    fn serialize_i16(self, value: i16) -> Result<()> {
        number!(self.out, write_i16, value)
    }

    #[inline]
    fn serialize_i32(self, value: i32) -> Result<()> {
        number!(self.out, write_i32, value)
    }

    #[inline]
    fn serialize_i64(self, value: i64) -> Result<()> {
        number!(self.out, write_i64, value)
    }

    fn serialize_i128(self, value: i128) -> Result<()> {
        number!(self.out, write_i128, value)
    }

    #[inline]
    fn serialize_u8(self, value: u8) -> Result<()> {
        number!(self.out, write_u8, value)
    }

    #[inline]
    fn serialize_u16(self, value: u16) -> Result<()> {
        number!(self.out, write_u16, value)
    }

    #[inline]
    fn serialize_u32(self, value: u32) -> Result<()> {
        number!(self.out, write_u32, value)
    }

    #[inline]
    fn serialize_u64(self, value: u64) -> Result<()> {
        number!(self.out, write_u64, value)
    }

    fn serialize_u128(self, value: u128) -> Result<()> {
        number!(self.out, write_u128, value)
    }

    fn serialize_f32(self, value: f32) -> Result<()> {
        if value.is_finite() {
            number!(self.out, write_f32, value)
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_f64(self, value: f64) -> Result<()> {
        if value.is_finite() {
            number!(self.out, write_f64, value)
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_char(self, value: char) -> Result<()> {
        self.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    #[inline]
    fn serialize_str(self, value: &str) -> Result<()> {
        self.string(value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<()> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(value.len()))?;
        for byte in value {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }

    #[inline]
    fn serialize_unit(self) -> Result<()> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.string(variant);
        Ok(())
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == crate::decimal_text::TEXT_TOKEN {
            return value.serialize(DecimalTextWriter { out: self.out });
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.begin_variant(variant);
        value.serialize(&mut *self)?;
        self.end_variant();
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        Ok(Compound::open(self, b'[', b']', len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        self.begin_variant(variant);
        self.serialize_seq(Some(len))
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(Compound::open(self, b'{', b'}', len))
    }

    #[inline]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        if name == RAW_VALUE_TOKEN && serde_json_writes_raw_values() {
            return Ok(Compound::RawValue { writer: self });
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.begin_variant(variant);
        self.serialize_map(Some(len))
    }

    /// The text written piece by piece, each piece escaped, as serde_json does, instead of
    /// formed in a `String` first.
    fn collect_str<T: ?Sized + std::fmt::Display>(self, value: &T) -> Result<()> {
        struct Escaping<'o>(&'o mut Vec<u8>);
        impl std::fmt::Write for Escaping<'_> {
            fn write_str(&mut self, piece: &str) -> std::fmt::Result {
                let bytes = piece.as_bytes();
                if needs_escape(bytes) {
                    write_escaped(self.0, bytes);
                } else {
                    self.0.extend_from_slice(bytes);
                }
                Ok(())
            }
        }
        self.out.push(b'"');
        std::fmt::Write::write_fmt(&mut Escaping(self.out), format_args!("{value}"))
            .map_err(|_| ser::Error::custom("a value failed to format itself"))?;
        self.out.push(b'"');
        Ok(())
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum State {
    /// Opened and closed at once (a known length of zero).
    Empty,
    First,
    Rest,
}

/// A sequence, map or struct being written; for `RawValue`, its text.
enum Compound<'b, 'a, L> {
    Container {
        writer: &'b mut Writer<'a, L>,
        close: u8,
        state: State,
    },
    RawValue {
        writer: &'b mut Writer<'a, L>,
    },
}

impl<'b, 'a, L: Layout> Compound<'b, 'a, L> {
    #[inline]
    fn open(writer: &'b mut Writer<'a, L>, open: u8, close: u8, len: Option<usize>) -> Self {
        writer.layout.begin_container(writer.out, open);
        let state = if len == Some(0) {
            writer.layout.end_container(writer.out, close);
            State::Empty
        } else {
            State::First
        };
        Compound::Container {
            writer,
            close,
            state,
        }
    }

    #[inline]
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        match self {
            Compound::Container { writer, state, .. } => {
                writer
                    .layout
                    .begin_element(writer.out, *state == State::First);
                *state = State::Rest;
                value.serialize(&mut **writer)?;
                writer.layout.end_element();
                Ok(())
            }
            Compound::RawValue { .. } => Err(raw_value_misused()),
        }
    }

    #[inline]
    fn key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        match self {
            Compound::Container { writer, state, .. } => {
                writer
                    .layout
                    .begin_element(writer.out, *state == State::First);
                *state = State::Rest;
                key.serialize(KeyWriter {
                    writer: &mut **writer,
                })?;
                writer.layout.key_value_separator(writer.out);
                Ok(())
            }
            Compound::RawValue { .. } => Err(raw_value_misused()),
        }
    }

    #[inline]
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        match self {
            Compound::Container { writer, .. } => {
                value.serialize(&mut **writer)?;
                writer.layout.end_element();
                Ok(())
            }
            Compound::RawValue { .. } => Err(raw_value_misused()),
        }
    }

    /// Closes the container; for a variant's data, the variant's object too.
    #[inline]
    fn close(self, variant: bool) -> Result<()> {
        match self {
            Compound::Container {
                writer,
                close,
                state,
            } => {
                if state != State::Empty {
                    writer.layout.end_container(writer.out, close);
                }
                if variant {
                    writer.end_variant();
                }
                Ok(())
            }
            Compound::RawValue { .. } => Ok(()),
        }
    }
}

/// Whether serde_json, as built here, writes a `RawValue` as its text: only with its
/// `raw_value` feature, which another crate of the build may turn on. Without it the token
/// struct is an ordinary struct, and is written as one, as serde_json would.
fn serde_json_writes_raw_values() -> bool {
    static RAW: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *RAW.get_or_init(|| serde_json::to_vec(&RawProbe).is_ok_and(|bytes| bytes.as_slice() == b"0"))
}

/// A struct shaped as serde_json's `RawValue` serializes itself, holding the text `0`.
struct RawProbe;

impl Serialize for RawProbe {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use ser::SerializeStruct;
        let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        raw.serialize_field(RAW_VALUE_TOKEN, "0")?;
        raw.end()
    }
}

fn raw_value_misused() -> serde_json::Error {
    ser::Error::custom("a RawValue is written only as a whole")
}

impl<L: Layout> ser::SerializeSeq for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.close(false)
    }
}

impl<L: Layout> ser::SerializeTuple for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(false)
    }
}

impl<L: Layout> ser::SerializeTupleStruct for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(false)
    }
}

impl<L: Layout> ser::SerializeTupleVariant for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(true)
    }
}

impl<L: Layout> ser::SerializeMap for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.close(false)
    }
}

impl<L: Layout> ser::SerializeStruct for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        match self {
            Compound::Container { writer, state, .. } => {
                writer
                    .layout
                    .begin_element(writer.out, *state == State::First);
                *state = State::Rest;
                writer.string(key);
                writer.layout.key_value_separator(writer.out);
                value.serialize(&mut **writer)?;
                writer.layout.end_element();
                Ok(())
            }
            Compound::RawValue { writer } if key == RAW_VALUE_TOKEN => {
                value.serialize(RawTextWriter { out: writer.out })
            }
            Compound::RawValue { .. } => Err(raw_value_misused()),
        }
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.close(false)
    }
}

impl<L: Layout> ser::SerializeStructVariant for Compound<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result<()> {
        self.close(true)
    }
}

/// serde_json's error for a map key it cannot write as a string (taken from serde_json
/// itself, so it is the same error, category and message).
#[cold]
fn key_must_be_a_string() -> serde_json::Error {
    serde_json_key_error(&[((), ())])
}

/// serde_json's error for a float map key that is not finite.
#[cold]
fn float_key_must_be_finite() -> serde_json::Error {
    serde_json_key_error(&[(f64::NAN, ())])
}

fn serde_json_key_error<K: Serialize>(entry: &[(K, ())]) -> serde_json::Error {
    struct OneEntry<'e, K>(&'e [(K, ())]);
    impl<K: Serialize> Serialize for OneEntry<'_, K> {
        fn serialize<S: ser::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for (k, v) in self.0 {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
    }
    match serde_json::to_vec(&OneEntry(entry)) {
        Err(e) => e,
        Ok(_) => ser::Error::custom("key must be a string"),
    }
}

/// A map key: strings as they are, numbers, bools and chars quoted, as serde_json writes
/// them; anything else refused with serde_json's error.
struct KeyWriter<'b, 'a, L> {
    writer: &'b mut Writer<'a, L>,
}

impl<L: Layout> KeyWriter<'_, '_, L> {
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Result<()> {
        self.writer.out.push(b'"');
        write(self.writer.out).map_err(serde_json::Error::io)?;
        self.writer.out.push(b'"');
        Ok(())
    }
}

macro_rules! quoted_number_key {
    ($($method:ident: $ty:ty => $write:ident),* $(,)?) => {
        $(fn $method(self, value: $ty) -> Result<()> {
            self.quoted(|out| serde_json::ser::CompactFormatter.$write(out, value))
        })*
    };
}

impl<L: Layout> ser::Serializer for KeyWriter<'_, '_, L> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = ser::Impossible<(), serde_json::Error>;
    type SerializeTuple = ser::Impossible<(), serde_json::Error>;
    type SerializeTupleStruct = ser::Impossible<(), serde_json::Error>;
    type SerializeTupleVariant = ser::Impossible<(), serde_json::Error>;
    type SerializeMap = ser::Impossible<(), serde_json::Error>;
    type SerializeStruct = ser::Impossible<(), serde_json::Error>;
    type SerializeStructVariant = ser::Impossible<(), serde_json::Error>;

    #[inline]
    fn serialize_str(self, value: &str) -> Result<()> {
        self.writer.string(value);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.writer.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_bool(self, value: bool) -> Result<()> {
        self.quoted(|out| serde_json::ser::CompactFormatter.write_bool(out, value))
    }

    quoted_number_key! {
        serialize_i8: i8 => write_i8,
        serialize_i16: i16 => write_i16,
        serialize_i32: i32 => write_i32,
        serialize_i64: i64 => write_i64,
        serialize_i128: i128 => write_i128,
        serialize_u8: u8 => write_u8,
        serialize_u16: u16 => write_u16,
        serialize_u32: u32 => write_u32,
        serialize_u64: u64 => write_u64,
        serialize_u128: u128 => write_u128,
    }

    fn serialize_f32(self, value: f32) -> Result<()> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| serde_json::ser::CompactFormatter.write_f32(out, value))
    }

    fn serialize_f64(self, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| serde_json::ser::CompactFormatter.write_f64(out, value))
    }

    fn serialize_char(self, value: char) -> Result<()> {
        self.writer.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<()> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<()> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Err(key_must_be_a_string())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<()> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

/// The items of a serializer that takes only a text (`serialize_str`, and `serialize_bytes`
/// where it takes bytes too): the associated types and every other method, each refusing with
/// the error `$misused` gives.
macro_rules! refuse_all_but_text {
    ($misused:ident) => {
        type Ok = ();
        type Error = serde_json::Error;
        type SerializeSeq = ser::Impossible<(), serde_json::Error>;
        type SerializeTuple = ser::Impossible<(), serde_json::Error>;
        type SerializeTupleStruct = ser::Impossible<(), serde_json::Error>;
        type SerializeTupleVariant = ser::Impossible<(), serde_json::Error>;
        type SerializeMap = ser::Impossible<(), serde_json::Error>;
        type SerializeStruct = ser::Impossible<(), serde_json::Error>;
        type SerializeStructVariant = ser::Impossible<(), serde_json::Error>;

        fn serialize_bool(self, _v: bool) -> Result<()> {
            Err($misused())
        }
        fn serialize_i8(self, _v: i8) -> Result<()> {
            Err($misused())
        }
        fn serialize_i16(self, _v: i16) -> Result<()> {
            Err($misused())
        }
        fn serialize_i32(self, _v: i32) -> Result<()> {
            Err($misused())
        }
        fn serialize_i64(self, _v: i64) -> Result<()> {
            Err($misused())
        }
        fn serialize_u8(self, _v: u8) -> Result<()> {
            Err($misused())
        }
        fn serialize_u16(self, _v: u16) -> Result<()> {
            Err($misused())
        }
        fn serialize_u32(self, _v: u32) -> Result<()> {
            Err($misused())
        }
        fn serialize_u64(self, _v: u64) -> Result<()> {
            Err($misused())
        }
        fn serialize_f32(self, _v: f32) -> Result<()> {
            Err($misused())
        }
        fn serialize_f64(self, _v: f64) -> Result<()> {
            Err($misused())
        }
        fn serialize_char(self, _v: char) -> Result<()> {
            Err($misused())
        }
        fn serialize_none(self) -> Result<()> {
            Err($misused())
        }
        fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<()> {
            Err($misused())
        }
        fn serialize_unit(self) -> Result<()> {
            Err($misused())
        }
        fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
            Err($misused())
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _variant_index: u32,
            _variant: &'static str,
        ) -> Result<()> {
            Err($misused())
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _value: &T,
        ) -> Result<()> {
            Err($misused())
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _variant_index: u32,
            _variant: &'static str,
            _value: &T,
        ) -> Result<()> {
            Err($misused())
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
            Err($misused())
        }
        fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
            Err($misused())
        }
        fn serialize_tuple_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleStruct> {
            Err($misused())
        }
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _variant_index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleVariant> {
            Err($misused())
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
            Err($misused())
        }
        fn serialize_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStruct> {
            Err($misused())
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _variant_index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStructVariant> {
            Err($misused())
        }
    };
}

/// A decimal's text (`decimal_text::serialize`), written as a JSON string. The digits come as
/// bytes, which are only ASCII digits, `.` and `-`, and are copied as they are; a text that
/// comes as a string (replayed from serde's buffered content) is written as any string is.
struct DecimalTextWriter<'o> {
    out: &'o mut Vec<u8>,
}

fn decimal_text_misused() -> serde_json::Error {
    ser::Error::custom("a decimal text is written from its digits or its string only")
}

impl ser::Serializer for DecimalTextWriter<'_> {
    refuse_all_but_text!(decimal_text_misused);

    fn is_human_readable(&self) -> bool {
        // The one serializer that is handed the digits as bytes (see `decimal_text`).
        false
    }

    fn serialize_bytes(self, digits: &[u8]) -> Result<()> {
        self.out.reserve(digits.len() + 2);
        self.out.push(b'"');
        self.out.extend_from_slice(digits);
        self.out.push(b'"');
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<()> {
        write_string(self.out, value);
        Ok(())
    }
}

/// The text of a `RawValue`, written as it is (serde_json does not reformat it either).
struct RawTextWriter<'o> {
    out: &'o mut Vec<u8>,
}

impl ser::Serializer for RawTextWriter<'_> {
    refuse_all_but_text!(raw_value_misused);

    fn serialize_str(self, value: &str) -> Result<()> {
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<()> {
        Err(raw_value_misused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The escape JSON requires (RFC 8259 §7: `"`, `\` and U+0000–U+001F) in the form
    /// serde_json documents and writes: the two-character escapes for `"`, `\`, backspace,
    /// form feed, line feed, carriage return and tab, `\u00xx` with lowercase hex for the
    /// other control characters, and nothing else escaped (not `/`, not DEL, not non-ASCII).
    fn reference_escape(byte: u8) -> Option<String> {
        match byte {
            0x22 => Some("\\\"".to_owned()),
            0x5C => Some("\\\\".to_owned()),
            0x08 => Some("\\b".to_owned()),
            0x0C => Some("\\f".to_owned()),
            0x0A => Some("\\n".to_owned()),
            0x0D => Some("\\r".to_owned()),
            0x09 => Some("\\t".to_owned()),
            0x00..=0x1F => Some(format!("\\u{byte:04x}")),
            _ => None,
        }
    }

    fn reference_string(text: &str) -> String {
        let mut quoted = String::from("\"");
        let mut chars = [0u8; 4];
        for c in text.chars() {
            let escape = u8::try_from(u32::from(c)).ok().and_then(reference_escape);
            match escape {
                Some(e) => quoted.push_str(&e),
                None => quoted.push_str(c.encode_utf8(&mut chars)),
            }
        }
        quoted.push('"');
        quoted
    }

    fn compact(value: &(impl Serialize + ?Sized)) -> String {
        let mut out = Vec::new();
        write_compact(&mut out, value).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    fn pretty_at(value: &(impl Serialize + ?Sized), level: usize) -> String {
        let mut out = Vec::new();
        write_pretty_nested(&mut out, value, level).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    /// `value` written by serde_json inside `level` arrays, pretty, and the same document
    /// put together around this writer's text at that level.
    fn nested_pair(value: &Value, level: usize) -> (String, String) {
        let mut wrapped = value.clone();
        for _ in 0..level {
            wrapped = Value::Array(vec![wrapped]);
        }
        let theirs = serde_json::to_string_pretty(&wrapped).expect("serialises");
        let mut ours = String::new();
        for i in 0..level {
            ours.push_str("[\n");
            ours.push_str(&"  ".repeat(i + 1));
        }
        ours.push_str(&pretty_at(value, level));
        for i in (0..level).rev() {
            ours.push('\n');
            ours.push_str(&"  ".repeat(i));
            ours.push(']');
        }
        (ours, theirs)
    }

    /// Compact, pretty and pretty nested one to four levels deep, against serde_json.
    fn assert_same(value: &Value) {
        assert_eq!(
            compact(value),
            serde_json::to_string(value).expect("serialises"),
            "compact: {value:?}"
        );
        assert_eq!(
            pretty_at(value, 0),
            serde_json::to_string_pretty(value).expect("serialises"),
            "pretty: {value:?}"
        );
        for level in 1..=4 {
            let (ours, theirs) = nested_pair(value, level);
            assert_eq!(ours, theirs, "pretty at level {level}: {value:?}");
        }
    }

    /// Every lane of a word: each byte that needs an escape is found there among clean
    /// neighbours, and a word of clean bytes (the bytes next to the escaped ones, DEL,
    /// non-ASCII) is never flagged. A check that skipped a lane or misjudged a byte fails.
    #[test]
    fn the_word_check_finds_an_escape_in_every_lane() {
        let needing: Vec<u8> = (0u8..=0xFF)
            .filter(|b| reference_escape(*b).is_some())
            .collect();
        assert_eq!(needing.len(), 34);
        let clean_bytes: Vec<u8> = (0u8..=0xFF)
            .filter(|b| reference_escape(*b).is_none())
            .collect();
        for &background in &[b' ', b'!', b'#', b'[', b']', b'a', 0x7F, 0x80, 0xC3, 0xFF] {
            assert!(!word_needs_escape(u64::from_le_bytes([background; 8])));
            for lane in 0..8 {
                for &byte in &needing {
                    let mut word = [background; 8];
                    word[lane] = byte;
                    assert!(
                        word_needs_escape(u64::from_le_bytes(word)),
                        "{byte:#04x} in lane {lane} among {background:#04x}"
                    );
                }
                for &byte in &clean_bytes {
                    let mut word = [background; 8];
                    word[lane] = byte;
                    assert!(
                        !word_needs_escape(u64::from_le_bytes(word)),
                        "clean {byte:#04x} flagged in lane {lane} among {background:#04x}"
                    );
                }
            }
        }
        // Two escapes at once, and escapes beside bytes whose lanes borrow.
        for a in 0..8 {
            for b in 0..8 {
                let mut word = [0x80u8; 8];
                word[a] = 0x00;
                word[b] = b'"';
                assert!(word_needs_escape(u64::from_le_bytes(word)));
            }
        }
    }

    /// The check of a whole text, at every length up to three words and past it, with one
    /// byte that needs an escape at each position (first, middle and overlapping words, both
    /// halves of a short text), and with none.
    #[test]
    fn the_text_check_reads_every_position() {
        for len in 0..=26usize {
            let clean: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(!needs_escape(&clean), "clean text of {len}");
            for at in 0..len {
                for byte in (0u8..=0xFF).filter(|b| reference_escape(*b).is_some()) {
                    let mut text = clean.clone();
                    text[at] = byte;
                    assert!(needs_escape(&text), "{byte:#04x} at {at} of {len}");
                }
                for byte in [b' ', b'/', 0x7F, 0x80, 0xFF] {
                    let mut text = clean.clone();
                    text[at] = byte;
                    assert!(!needs_escape(&text), "clean {byte:#04x} at {at} of {len}");
                }
            }
        }
    }

    /// Strings of 0–40 bytes with each ASCII byte, and 2-, 3- and 4-byte characters, at every
    /// position, as values and as keys: the written-out rules and serde_json agree with this
    /// writer.
    #[test]
    fn strings_with_every_ascii_byte_at_every_position() {
        let mut inserts: Vec<String> = (0u8..=0x7F).map(|b| char::from(b).to_string()).collect();
        inserts.extend(["é", "中", "😀", "\u{7f}\u{0}", "\"\\"].map(str::to_owned));
        for len in 0..=40usize {
            let base: String = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"[..len].to_owned();
            assert_eq!(compact(&base), reference_string(&base));
            for insert in &inserts {
                for at in 0..=len {
                    let mut text = base.clone();
                    text.insert_str(at, insert);
                    let ours = compact(&text);
                    assert_eq!(ours, reference_string(&text), "{text:?}");
                    assert_eq!(
                        ours,
                        serde_json::to_string(&text).expect("serialises"),
                        "{text:?}"
                    );
                    let mut object = serde_json::Map::new();
                    object.insert(text.clone(), Value::String(text.clone()));
                    assert_same(&Value::Object(object));
                }
            }
        }
    }

    /// A tiny deterministic generator, so the random documents are the same on every run.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "a",
                "npv",
                "_",
                "0",
                "\"",
                "\\",
                "\n",
                "\t",
                "\u{1}",
                "\u{1f}",
                "/",
                "\u{7f}",
                "é",
                "中文",
                "😀",
                " ",
                "irr_roots",
                "",
            ];
            let n = self.below(12);
            (0..n)
                .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
                .collect()
        }

        fn value(&mut self, depth: u32) -> Value {
            let kind = if depth == 0 {
                self.below(6)
            } else {
                self.below(9)
            };
            match kind {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 0),
                2 => json!(self.next() as i64 - (1 << 30)),
                3 => json!(f64::from_bits(self.next() << 31 | self.next())),
                4 => Value::String(self.text()),
                5 => json!(u64::MAX - self.below(3)),
                6 | 7 => Value::Array((0..self.below(5)).map(|_| self.value(depth - 1)).collect()),
                _ => Value::Object(
                    (0..self.below(5))
                        .map(|_| (self.text(), self.value(depth - 1)))
                        .collect(),
                ),
            }
        }
    }

    #[test]
    fn random_documents() {
        let mut random = Lcg(0x5EED);
        for _ in 0..3_000 {
            let value = random.value(4);
            assert_same(&value);
        }
    }

    #[test]
    fn empty_containers_deep_nesting_and_numbers() {
        let values = [
            json!([]),
            json!({}),
            json!([[]]),
            json!({"a": {}}),
            json!([{}, [], {"b": []}, [[], {}]]),
            json!({"x": [], "y": {}, "z": [{}]}),
            json!([0, -0, 1, -1, i64::MIN, i64::MAX, u64::MAX]),
            json!([
                0.0,
                -0.0,
                0.1,
                1.5,
                -2.25e-7,
                1e300,
                5e-324,
                f64::MAX,
                f64::MIN_POSITIVE
            ]),
            json!([1e15, 1e16, 1e21, 123456789.125, 1.0]),
            json!({"nested": {"deeper": {"deepest": [null, true, false, "x"]}}}),
        ];
        for value in &values {
            assert_same(value);
        }
        let mut deep = json!("bottom");
        for i in 0..200 {
            deep = if i % 2 == 0 {
                json!([deep, {}])
            } else {
                json!({"k": deep, "e": []})
            };
        }
        assert_same(&deep);
        // Floats outside a `Value`: non-finite ones are `null`.
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.3, -1e-10] {
            assert_eq!(compact(&f), serde_json::to_string(&f).expect("serialises"));
        }
        for f in [
            f32::NAN,
            f32::INFINITY,
            0.1f32,
            16_777_217.0f32,
            -3.5e-20f32,
        ] {
            assert_eq!(compact(&f), serde_json::to_string(&f).expect("serialises"));
        }
        for n in [i128::MIN, -1, 0, i128::MAX] {
            assert_eq!(compact(&n), serde_json::to_string(&n).expect("serialises"));
        }
        for n in [0u128, u128::MAX] {
            assert_eq!(compact(&n), serde_json::to_string(&n).expect("serialises"));
        }
    }

    #[derive(serde::Serialize)]
    struct Unit;

    #[derive(serde::Serialize)]
    struct Wrapper(u32);

    #[derive(serde::Serialize)]
    struct Pair(i8, &'static str);

    #[derive(serde::Serialize)]
    struct Empty {}

    #[derive(serde::Serialize)]
    enum Shape {
        Dot,
        Line(u8),
        Tri(u8, u8, u8),
        NoParts(),
        Square { side: f64 },
        Nothing {},
    }

    #[derive(serde::Serialize)]
    struct Everything {
        unit: (),
        unit_struct: Unit,
        newtype: Wrapper,
        tuple: (u8, bool, char),
        tuple_struct: Pair,
        empty: Empty,
        empty_tuple: (),
        none: Option<u8>,
        some: Option<&'static str>,
        shapes: Vec<Shape>,
        #[serde(with = "serde_bytes_as_seq")]
        bytes: Vec<u8>,
        no_bytes: Vec<u8>,
        chars: Vec<char>,
        integer_keys: std::collections::BTreeMap<i32, u8>,
        u128_keys: std::collections::BTreeMap<u128, u8>,
        bool_keys: std::collections::BTreeMap<bool, u8>,
        char_keys: std::collections::BTreeMap<char, u8>,
        variant_keys: std::collections::BTreeMap<Key, u8>,
        newtype_keys: std::collections::BTreeMap<KeyWrapper, u8>,
        float_keys: Vec<(f64, u8)>,
        empty_map: std::collections::BTreeMap<String, u8>,
        raw: Raw,
        shown: Shown,
    }

    /// Writes its bytes with `serialize_bytes`.
    mod serde_bytes_as_seq {
        pub(super) fn serialize<S: serde::Serializer>(
            bytes: &[u8],
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(bytes)
        }
    }

    #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Alpha,
        Beta,
    }

    #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct KeyWrapper(String);

    /// Serialized as serde_json's `RawValue` serializes itself (that type exists only with
    /// serde_json's `raw_value` feature, which this crate does not ask for).
    struct Raw(&'static str);

    impl Serialize for Raw {
        fn serialize<S: serde::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
            raw.serialize_field(RAW_VALUE_TOKEN, self.0)?;
            raw.end()
        }
    }

    /// Written through `collect_str`, in pieces, one of which needs escapes.
    struct Shown;

    impl Serialize for Shown {
        fn serialize<S: serde::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!("{}-\"{}\"\n{}", 1, "two", 'é'))
        }
    }

    /// A float key map, written as serde_json writes a map of floats.
    fn float_map<S: serde::Serializer>(
        pairs: &[(f64, u8)],
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    struct FloatKeys(Vec<(f64, u8)>);

    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            float_map(&self.0, serializer)
        }
    }

    /// Every kind of value serde has, in both forms and nested, against serde_json.
    #[test]
    fn every_serde_kind() {
        let everything = Everything {
            unit: (),
            unit_struct: Unit,
            newtype: Wrapper(7),
            tuple: (1, true, '"'),
            tuple_struct: Pair(-3, "p"),
            empty: Empty {},
            empty_tuple: (),
            none: None,
            some: Some("s"),
            shapes: vec![
                Shape::Dot,
                Shape::Line(2),
                Shape::Tri(1, 2, 3),
                Shape::NoParts(),
                Shape::Square { side: 1.5 },
                Shape::Nothing {},
            ],
            bytes: vec![0, 1, 255],
            no_bytes: Vec::new(),
            chars: vec!['a', '\n', '中'],
            integer_keys: [(-1, 1), (0, 2), (i32::MAX, 3)].into_iter().collect(),
            u128_keys: [(u128::MAX, 1)].into_iter().collect(),
            bool_keys: [(false, 0), (true, 1)].into_iter().collect(),
            char_keys: [('"', 0), ('k', 1)].into_iter().collect(),
            variant_keys: [(Key::Alpha, 0), (Key::Beta, 1)].into_iter().collect(),
            newtype_keys: [(KeyWrapper("w\t".to_owned()), 0)].into_iter().collect(),
            float_keys: vec![(0.5, 1), (-2.0, 2)],
            empty_map: std::collections::BTreeMap::new(),
            raw: Raw("{ \"raw\" :[1, 2] }"),
            shown: Shown,
        };
        assert_eq!(
            compact(&everything),
            serde_json::to_string(&everything).expect("serialises")
        );
        assert_eq!(
            pretty_at(&everything, 0),
            serde_json::to_string_pretty(&everything).expect("serialises")
        );
        let floats = FloatKeys(vec![(0.5, 1), (-2.0, 2), (1e21, 3)]);
        assert_eq!(
            compact(&floats),
            serde_json::to_string(&floats).expect("serialises")
        );
        assert_eq!(
            pretty_at(&floats, 0),
            serde_json::to_string_pretty(&floats).expect("serialises")
        );
        let no_floats = FloatKeys(Vec::new());
        assert_eq!(
            pretty_at(&no_floats, 0),
            serde_json::to_string_pretty(&no_floats).expect("serialises")
        );
    }

    /// Keys serde_json refuses are refused with its error: same message, same category.
    #[test]
    fn keys_that_are_not_strings() {
        fn both<K: Serialize + Ord>(key: K) {
            let map: std::collections::BTreeMap<K, u8> = [(key, 1)].into_iter().collect();
            let ours = to_vec(&map).expect_err("refused");
            let theirs = serde_json::to_vec(&map).expect_err("refused");
            assert_eq!(ours.to_string(), theirs.to_string());
            assert_eq!(ours.classify(), theirs.classify());
        }
        both(());
        both(None::<u8>);
        both((1u8, 2u8));
        both(Vec::<u8>::new());
        let nan = FloatKeys(vec![(f64::NAN, 1)]);
        let ours = to_vec(&nan).expect_err("refused");
        let theirs = serde_json::to_vec(&nan).expect_err("refused");
        assert_eq!(ours.to_string(), theirs.to_string());
        assert_eq!(ours.classify(), theirs.classify());
    }
}
