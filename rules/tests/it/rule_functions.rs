//! The functions rules call besides the sandbox's own: each gives what its documentation says,
//! whichever way it is called, through the real engine and a pack compiled for its parameters.

use greenlight_rules::pack::Pack;
use greenlight_rules::record::{FieldValue, Record};
use greenlight_rules::verdict::{ClauseVerdict, Verdict};
use greenlight_rules::{EngineLimits, RuleSet};
use rust_decimal::Decimal;

const HEADER: &str = "//! id: test.rule\n//! title_en: t\n//! title_zh: t\n//! clause: t\n//! activities: t\n//! parameters: codes\n//! verification: U\n//! source: t\n";

/// One rule with `body`, a parameter `codes` (a list), run on a record with `a` = 5, `b` = a
/// text, `y` = true, `n` = false and no `c`.
fn run(body: &str) -> ClauseVerdict {
    let limits = EngineLimits::standard();
    let files = vec![
        (
            "pack.toml".to_owned(),
            "id = \"test-pack\"\nname_en = \"t\"\nname_zh = \"t\"\nversion = \"0.0.1\"\ntaxonomy = \"icma\"\nsource_act = \"t\"\nedition = \"t\"\neffective_from = \"2020-01-01\"\nverification = \"t\"\n".to_owned(),
        ),
        (
            "parameters.toml".to_owned(),
            "[[parameters]]\nname = \"codes\"\nlist = [\"A1\", \"B2\", \"C3\"]\nclause = \"t\"\nverification = \"U\"\n".to_owned(),
        ),
        ("rules/rule.rhai".to_owned(), format!("{HEADER}{body}\n")),
        ("rules/rule.cases.yaml".to_owned(), "[]".to_owned()),
    ];
    let engine = greenlight_rules::engine::build(&limits);
    let mut set = RuleSet::empty(limits);
    set.add(Pack::from_files(&files, "test", &engine).expect("the pack loads"))
        .expect("added");
    let mut record = Record::default();
    record.set("activity", FieldValue::Text("t".into()));
    record.set("a", FieldValue::Number(Decimal::new(5, 0)));
    record.set("b", FieldValue::Text("x".into()));
    record.set("y", FieldValue::Bool(true));
    record.set("n", FieldValue::Bool(false));
    let out = set.evaluate(&record, "2024-01-01");
    out.taxonomies[0].clauses[0].clone()
}

#[test]
fn join_puts_the_separator_between_elements() {
    // A parameter list, joined when the rule is compiled, and a literal with a number in it.
    let c = run(
        "const codes = join(params.codes, \"; \"); eligible(`${codes}|${join([1, \"x\"], \"-\")}|${join([], \",\")}`, \"\")",
    );
    assert_eq!(c.error, None);
    assert_eq!(c.reason_en, "A1; B2; C3|1-x|");
}

#[test]
fn missing_as_a_method_and_as_a_function_agree() {
    let c = run(
        "let m = p.missing([\"a\", \"b\", \"c\", \"d\"]); let f = missing(p, [\"a\", \"b\", \"c\", \"d\"]); if m == f { insufficient_data(m) } else { not_eligible(\"\", \"\") }",
    );
    assert_eq!(c.error, None);
    assert_eq!(c.verdict, Verdict::InsufficientData);
    assert_eq!(c.missing, ["c", "d"]);
    // Written out by hand: the names joined by a comma in English, by 、 in Chinese.
    assert_eq!(c.reason_en, "missing: c, d");
    assert_eq!(c.reason_zh, "缺少数据：c、d");
}

#[test]
fn a_field_test_in_place_agrees_with_has() {
    let c = run(
        "let same = has(p, \"a\") == (p.a != ()) && has(p, \"c\") == (p.c != ()) && p.has(\"b\") && !p.has(\"c\"); if same { eligible(\"\", \"\") } else { not_eligible(\"\", \"\") }",
    );
    assert_eq!((c.verdict, c.error), (Verdict::Eligible, None));
}

#[test]
fn contains_may_be_called_on_a_constant_list() {
    let c = run(
        "const known = [\"A1\", \"B2\"]; if known.contains(\"B2\") && !known.contains(\"C3\") && params.codes.contains(\"C3\") && !([1, 2].contains(\"1\")) { eligible(\"\", \"\") } else { not_eligible(\"\", \"\") }",
    );
    assert_eq!((c.verdict, c.error), (Verdict::Eligible, None));
}

#[test]
fn flags_false_and_unstated_split_yes_no_fields() {
    // By hand: of y (true), n (false), a (a number), b (a text), c (absent), n again, only the
    // two n are false; a, b and c are neither true nor false; y is in neither list.
    let c = run(
        "insufficient_data(p.flags_false([\"y\", \"n\", \"a\", \"b\", \"c\", \"n\"]) + p.flags_unstated([\"y\", \"n\", \"a\", \"b\", \"c\", \"n\"]))",
    );
    assert_eq!(c.error, None);
    assert_eq!(c.missing, ["n", "n", "a", "b", "c"]);
}

#[test]
fn flags_agree_with_the_script_loop_they_replace() {
    let c = run(
        "let fields = [\"y\", \"n\", \"a\", \"b\", \"c\"]; let f = []; let u = []; for field in fields { let v = p[field]; if v == false { f.push(field); } else if v != true { u.push(field); } } if f == p.flags_false(fields) && u == p.flags_unstated(fields) && flags_false(p, []) == [] { eligible(\"\", \"\") } else { not_eligible(\"\", \"\") }",
    );
    assert_eq!((c.verdict, c.error), (Verdict::Eligible, None));
}

/// A pack with no rule for the project's activity names the activity in its verdict: a
/// megabyte activity came back a megabyte long, in both languages. The verdict repeats its
/// first 64 characters, `…` and its length in bytes.
#[test]
fn a_long_activity_no_pack_covers_is_named_cut_to_64_characters() {
    let set = RuleSet::shipped(EngineLimits::standard()).expect("shipped packs");
    let activity = "z".repeat(1_000_000);
    let mut record = Record::default();
    record.set("activity", FieldValue::Text(activity));
    let out = set.evaluate(&record, "2024-01-01");
    let cn = out
        .taxonomies
        .iter()
        .find(|t| &*t.taxonomy == "cn")
        .expect("China's catalogue is shipped");
    let head = "z".repeat(64);
    // The pack's names are those of its `pack.toml`.
    assert_eq!(
        cn.reason_en,
        format!(
            "China Green Bond Endorsed Projects Catalogue (2021 Edition), urban activities has no activity covering \"{head}\"… (1000000 bytes)"
        )
    );
    assert_eq!(
        cn.reason_zh,
        format!(
            "《绿色债券支持项目目录（2021年版）（城市相关项目）》未涵盖活动 \"{head}\"… (1000000 bytes)"
        )
    );
}
