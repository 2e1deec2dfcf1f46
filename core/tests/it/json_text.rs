//! `json_text` against serde_json on what the appraisal writes: every example and exercise
//! document appraised with and without the trace, written compact and pretty (at the levels
//! the binary nests outcomes at), and the input hash against SHA-256 of serde_json's bytes.

use greenlight_core::batch::{AppraisalOutput, appraise_json_text, parse_project};
use greenlight_core::json_text;
use greenlight_core::provenance::{input_hash, sha256_hex};
use greenlight_core::registry::Registry;
use serde_json::Value;

/// The shipped examples and exercises that are batch documents.
const DOCUMENTS: &[(&str, &str)] = &[
    (
        "city-pipeline",
        include_str!("../../../workbooks/examples/city-pipeline.json"),
    ),
    (
        "city-pipeline-eu",
        include_str!("../../../workbooks/examples/city-pipeline-eu.json"),
    ),
    (
        "flood-wall",
        include_str!("../../../workbooks/examples/flood-wall.json"),
    ),
    (
        "led-street-lighting",
        include_str!("../../../workbooks/examples/led-street-lighting.json"),
    ),
    (
        "01-npv-led",
        include_str!("../../../workbooks/exercises/01-npv-led/project.json"),
    ),
    (
        "03-lifecycle-pumps",
        include_str!("../../../workbooks/exercises/03-lifecycle-pumps/project.json"),
    ),
    (
        "06-grid-factors",
        include_str!("../../../workbooks/exercises/06-grid-factors/project.json"),
    ),
    (
        "07-landfill-gas",
        include_str!("../../../workbooks/exercises/07-landfill-gas/project.json"),
    ),
    (
        "08-cost-per-tonne",
        include_str!("../../../workbooks/exercises/08-cost-per-tonne/projects.json"),
    ),
    (
        "09-flood-ead",
        include_str!("../../../workbooks/exercises/09-flood-ead/project.json"),
    ),
    (
        "10-eligibility-cn-eu",
        include_str!("../../../workbooks/exercises/10-eligibility-cn-eu/project.json"),
    ),
    (
        "11-green-bond",
        include_str!("../../../workbooks/exercises/11-green-bond/projects.json"),
    ),
    (
        "12-economic-grant",
        include_str!("../../../workbooks/exercises/12-economic-grant/project.json"),
    ),
];

fn pretty_nested(value: &impl serde::Serialize, level: usize) -> String {
    let mut out = Vec::new();
    json_text::write_pretty_nested(&mut out, value, level).expect("writes");
    String::from_utf8(out).expect("UTF-8")
}

/// `value` inside `levels` arrays of one element each.
struct Nest<'v, T>(usize, &'v T);

impl<T: serde::Serialize> serde::Serialize for Nest<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        if self.0 == 0 {
            return self.1.serialize(serializer);
        }
        let mut seq = serializer.serialize_seq(Some(1))?;
        seq.serialize_element(&Nest(self.0 - 1, self.1))?;
        seq.end()
    }
}

/// `value` pretty at `level` with serde_json's document around it, against serde_json's
/// pretty text of the value inside `level` arrays.
fn assert_nested_same(name: &str, value: &impl serde::Serialize, level: usize) {
    let mut ours = String::new();
    for i in 0..level {
        ours.push_str("[\n");
        ours.push_str(&"  ".repeat(i + 1));
    }
    ours.push_str(&pretty_nested(value, level));
    for i in (0..level).rev() {
        ours.push('\n');
        ours.push_str(&"  ".repeat(i));
        ours.push(']');
    }
    let theirs = serde_json::to_string_pretty(&Nest(level, value)).expect("serialises");
    assert!(ours == theirs, "{name}: pretty at level {level} differs");
}

fn assert_same_output(name: &str, output: &AppraisalOutput) {
    let ours = json_text::to_vec(output).expect("writes");
    let theirs = serde_json::to_vec(output).expect("serialises");
    assert!(ours == theirs, "{name}: compact differs");
    assert!(
        pretty_nested(output, 0) == serde_json::to_string_pretty(output).expect("serialises"),
        "{name}: pretty differs"
    );
    // The outcomes as the binary nests them (two levels deep) and the MAC curve (one).
    for outcome in &output.results {
        for level in 1..=3 {
            assert_nested_same(name, outcome, level);
        }
        let ours = json_text::to_vec(outcome).expect("writes");
        assert!(ours == serde_json::to_vec(outcome).expect("serialises"));
    }
    if let Some(mac) = &output.mac_curve {
        assert_nested_same(name, mac, 1);
    }
}

#[test]
fn appraisal_outputs_have_serde_json_bytes() {
    let registry = Registry::embedded().expect("the embedded registry loads");
    for (name, text) in DOCUMENTS {
        for trace in [false, true] {
            let options = greenlight_core::appraisal::AppraisalOptions { trace };
            let output =
                appraise_json_text(text, &registry, &options, None).expect("the document reads");
            assert!(!output.results.is_empty(), "{name}");
            assert_same_output(name, &output);
        }
    }
}

/// The input hash is SHA-256 of serde_json's compact text of the parsed input, as before
/// the hash was written with `json_text`.
#[test]
fn the_input_hash_is_that_of_serde_json_bytes() {
    for (name, text) in DOCUMENTS {
        let document: Value = serde_json::from_str(text).expect("JSON");
        let projects = match &document {
            Value::Array(items) => items.clone(),
            Value::Object(o) if o.contains_key("projects") => {
                o["projects"].as_array().expect("a list").clone()
            }
            single => vec![single.clone()],
        };
        for project in &projects {
            let Ok(input) = parse_project(project) else {
                continue;
            };
            let expected = sha256_hex(&serde_json::to_vec(&input).expect("serialises"));
            assert_eq!(input_hash(&input), expected, "{name}");
        }
    }
}
