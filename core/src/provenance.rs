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
    // The serialiser writes many pieces of a few bytes; a small buffer hands the hasher whole
    // blocks instead. The bytes hashed are the same, so the hash is too.
    let mut writer = std::io::BufWriter::with_capacity(1024, HashWriter(Sha256::new()));
    // Serialising plain data into a hasher cannot fail.
    let _ = serde_json::to_writer(&mut writer, input);
    match writer.into_inner() {
        Ok(hasher) => hex_of(&hasher.0.finalize()),
        // Unreachable (the hasher never fails to take bytes); hash without the buffer then.
        Err(_) => {
            let mut hasher = HashWriter(Sha256::new());
            let _ = serde_json::to_writer(&mut hasher, input);
            hex_of(&hasher.0.finalize())
        }
    }
}

/// Feeds written bytes to a hasher.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
