//! Provenance: what produced a result, so that the same input and versions can be shown to
//! give the same bytes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::project::ProjectInput;
use crate::registry::DataRef;

/// Engine version, reference data used and a hash of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// `greenlight-core` version.
    pub engine_version: String,
    /// Reference data sets used, with versions, origins and overrides.
    pub data: Vec<DataRef>,
    /// `sha256:` of the canonical JSON of the parsed input (field order fixed, numbers as
    /// exact strings), so formatting and key order of the upload do not change it.
    pub input_hash: String,
}

impl Provenance {
    /// Provenance for this engine build.
    pub fn new(input_hash: String, data: Vec<DataRef>) -> Self {
        Provenance {
            engine_version: crate::ENGINE_VERSION.to_owned(),
            data,
            input_hash,
        }
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_of(&Sha256::digest(bytes))
}

fn hex_of(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in digest {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

/// `sha256:<hex>` of the canonical JSON of a project.
pub fn input_hash(input: &ProjectInput) -> String {
    // The compact text is written whole (a 30-year project's is a few KiB) and hashed in one
    // call; `json_text` writes serde_json's compact bytes, so the hash is the one those bytes
    // give.
    let mut text = Vec::with_capacity(4 << 10);
    // Serialising plain data cannot fail; whatever was written is hashed regardless.
    let _ = crate::json_text::write_compact(&mut text, input);
    hex_of(&Sha256::digest(&text))
}
