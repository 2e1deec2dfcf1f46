//! Snapshots of the text a finance officer reads, so a change to the layout is seen in review.
//! The figures in them are checked independently in `appraise.rs` and in the core tests.

use crate::{greenlight, stdout};

const LED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/led-street-lighting.json"
);
const FLOOD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/workbooks/examples/flood-wall.json"
);

#[test]
fn appraise_table_in_english() {
    insta::assert_snapshot!(stdout(&greenlight(&["appraise", LED], "")));
}

#[test]
fn appraise_table_in_chinese_with_financing_and_economic_view() {
    insta::assert_snapshot!(stdout(&greenlight(
        &["--lang", "zh", "appraise", FLOOD],
        ""
    )));
}
