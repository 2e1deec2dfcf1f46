//! Sections of the input read from JSON objects only.
//!
//! A struct derived with serde also reads a JSON array, field by field in declaration order,
//! so `"finance": []` read as a finance section with every field at its default, and
//! `"timeline": [2026, 1, 20]` as a timeline: a value of the wrong type accepted, and any
//! later error placed under an array that has no such field. The fields of `ProjectInput`
//! that hold sections are read through these functions, which refuse an array with serde's
//! own message (`invalid type: sequence, expected struct FinanceInput`) at the section's
//! pointer, and otherwise read exactly as before.
//!
//! Nested structs matter most where every field has a default (an empty array read as a
//! struct of defaults, with no error at all): such structs reachable from `ProjectInput`
//! (the building calculator's `CarrierUse`) and the batch's `settings` are read through
//! [`one`] as well. A struct with a required field refuses `[]` on its own (`invalid length
//! 0`) at the same pointer.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A field holding one section.
pub(crate) fn one<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(ObjectOnly(deserializer))
}

/// A field holding a section or `null` (absent fields take the field's default).
pub(crate) fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Object<T>>::deserialize(deserializer).map(|o| o.map(|Object(t)| t))
}

/// A field holding a list of sections (cash-flow lines, assets).
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Vec::<Object<T>>::deserialize(deserializer).map(|v| v.into_iter().map(|Object(t)| t).collect())
}

/// A field holding an internally tagged enum (a grid path, by `kind`): serde reads it through
/// `deserialize_any`, and its visitor also takes an array whose first element is the tag
/// (`["constant", "0.5"]` read as a constant path), so the visitor is given maps only.
pub(crate) fn tagged<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(AnyObjectOnly(deserializer))
}

/// The deserializer of an internally tagged enum: whatever it is asked for is read as any
/// value with a visitor that takes a map only (such an enum asks for `deserialize_any`).
struct AnyObjectOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for AnyObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(MapOnly(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// One section, read through [`ObjectOnly`].
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one(deserializer).map(Object)
    }
}

/// The deserializer of one struct: `deserialize_struct` is passed on with a visitor that
/// takes a map only; the rest is passed on unchanged (a derived struct calls nothing else).
struct ObjectOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, MapOnly(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// A struct's visitor that refuses a sequence: every `visit_*` but `visit_map` is left to
/// serde's default, the "invalid type" error naming what was expected.
struct MapOnly<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for MapOnly<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}
