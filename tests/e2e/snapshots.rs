//! Snapshots of the text a finance officer reads, so a change to the layout is seen in review.
//! The figures in them are checked independently in `appraise.rs` and in the core tests.

use crate::{FLOOD, LED, greenlight, stdout};

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
