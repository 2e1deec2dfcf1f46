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

/// `sha256:<hex>` of the canonical JSON of a project.
pub fn input_hash(input: &ProjectInput) -> String {
    let bytes = serde_json::to_vec(input).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}
