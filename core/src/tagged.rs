//! The field at fault inside a section read by its `kind` tag.
//!
//! A grid path (`{"kind": "published", "set": …, "region": …}`) is an internally tagged enum:
//! serde reads the whole object before it knows the variant, and reads the variant's fields
//! from that copy, so a reader that records the path of each value it reads stops at the
//! object, and a bad `region` was reported at `/emissions/grid`. When a project's read fails
//! at such an object, the object is read again one field at a time (the tag and that field
//! only) until one field gives the same message: serde reads the fields in the map's order
//! and stops at the first bad one, so the first field that fails alone with that message is
//! the one it stopped at. A field that holds more than a value (`after_last`, `points`) is
//! then read on its own with its path recorded. Only the failing read pays for this.
//!
//! A missing field is left at the object, where the key belongs.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::emissions::grid::{AfterLast, GridPath, GridPoint};

/// Where grid paths sit in a project.
const GRID_PATHS: [&str; 4] = [
    "/emissions/grid",
    "/emissions/grid_displaced/path",
    "/emissions/grid_displaced/combined_margin/operating_margin",
    "/emissions/grid_displaced/combined_margin/build_margin",
];

/// The pointer of the field that gave `message` when the project's read failed at
/// `pointer`, if `pointer` is a grid path and one of its fields gives that message on its
/// own; otherwise `None`, and the pointer stands.
pub(crate) fn field_at_fault(project: &Value, pointer: &str, message: &str) -> Option<String> {
    if !GRID_PATHS.contains(&pointer) || message.starts_with("missing field") {
        return None;
    }
    let section = project.pointer(pointer)?.as_object()?;
    let tag = section.get("kind");
    let probe = |field: Option<(&String, &Value)>| {
        let mut map = Map::new();
        if let Some(kind) = tag {
            map.insert("kind".into(), kind.clone());
        }
        if let Some((key, value)) = field {
            map.insert(key.clone(), value.clone());
        }
        GridPath::deserialize(Value::Object(map)).err()
    };
    if tag.is_some() && probe(None).is_some_and(|e| e.to_string() == message) {
        return Some(format!("{pointer}/kind"));
    }
    let (key, value) = section
        .iter()
        .filter(|(k, _)| *k != "kind")
        .find(|field| probe(Some(*field)).is_some_and(|e| e.to_string() == message))?;
    let field = format!("{pointer}/{}", escape(key));
    let inner = match key.as_str() {
        "after_last" => inner_pointer::<AfterLast>(value, message),
        "points" => inner_pointer::<Vec<GridPoint>>(value, message),
        _ => None,
    };
    Some(field + inner.as_deref().unwrap_or(""))
}

/// The path inside `value` at which reading a `T` fails with `message`.
fn inner_pointer<T: for<'de> Deserialize<'de>>(value: &Value, message: &str) -> Option<String> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    match T::deserialize(de) {
        Err(e) if e.to_string() == message => Some(crate::batch::pointer_of(&track.path())),
        _ => None,
    }
}

/// A key as a JSON pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
