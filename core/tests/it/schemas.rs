//! The committed JSON Schemas of the public contract are generated from the Rust types; this
//! test fails when they are stale. Regenerate with
//! `GREENLIGHT_UPDATE_SCHEMAS=1 cargo test -p greenlight-core --test it schemas`.

use std::path::Path;

use greenlight_core::batch::AppraisalOutput;
use greenlight_core::calc::{CalcRequest, CalcResult};
use greenlight_core::project::ProjectInput;

fn check(file: &str, schema: schemars::Schema) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let text = serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n";
    if std::env::var_os("GREENLIGHT_UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(path.parent().expect("schemas folder")).expect("create schemas/");
        std::fs::write(&path, &text).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "core/schemas/{file} is stale: run GREENLIGHT_UPDATE_SCHEMAS=1 cargo test -p greenlight-core --test it schemas"
    );
}

#[test]
fn committed_schemas_match_the_types() {
    check(
        "project-input.schema.json",
        schemars::schema_for!(ProjectInput),
    );
    check(
        "appraisal-output.schema.json",
        schemars::schema_for!(AppraisalOutput),
    );
    check(
        "calc-request.schema.json",
        schemars::schema_for!(CalcRequest),
    );
    check("calc-result.schema.json", schemars::schema_for!(CalcResult));
}
