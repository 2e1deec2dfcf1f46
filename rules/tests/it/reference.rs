//! The committed reference page of every shipped pack (`rules/packs/<pack>/REFERENCE.md`) is
//! generated from the pack's headers; this test fails when one is stale. Regenerate with
//! `GREENLIGHT_UPDATE_DOCS=1 cargo test -p greenlight-rules --test it reference`.

use std::path::Path;

use greenlight_rules::{EngineLimits, RuleSet};

#[test]
fn committed_pack_references_match_the_packs() {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("packs load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("packs");
    let mut stale = Vec::new();
    for pack in set.packs() {
        let path = root.join(&pack.origin).join("REFERENCE.md");
        let text = pack.reference_markdown();
        if std::env::var_os("GREENLIGHT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &text).expect("write the reference");
            continue;
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != text {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale pack references (run GREENLIGHT_UPDATE_DOCS=1 cargo test -p greenlight-rules --test it reference): {stale:?}"
    );
}
