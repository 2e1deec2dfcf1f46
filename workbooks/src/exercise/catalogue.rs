//! The exercise files: `exercise.toml` (identity, bilingual brief, questions, keys, mistakes)
//! and the project JSON files it names.

use std::collections::BTreeMap;

use greenlight_core::trace::Text;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::key::KeySpec;
use crate::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/exercises.rs"));
}

/// The common mistakes a diagnosis may name: id, English, Chinese. An exercise computes each
/// one its own way (a modified input or another figure); the name is the same everywhere.
pub const MISTAKE_NAMES: &[(&str, &str, &str)] = &[
    (
        "discounted_year0",
        "discounted year 0: the first flow was discounted one period",
        "对第 0 年也做了折现：第一笔现金流被多折现了一期",
    ),
    (
        "spreadsheet_npv_off_by_one",
        "spreadsheet NPV() used over all flows, so every flow sits one period too late",
        "对全部现金流直接使用电子表格 NPV()，每笔现金流都晚了一期",
    ),
    (
        "mid_year_vs_end_year",
        "mid-year discounting used where the flows are at the end of the year",
        "现金流发生在年末，却按年中折现",
    ),
    (
        "nominal_rate_on_real_flows",
        "a nominal rate applied to flows in real (constant) prices",
        "对不变价（实际）现金流使用了名义折现率",
    ),
    (
        "forgot_residual_value",
        "the residual value at the end of the study period was left out",
        "遗漏了研究期末的残值",
    ),
    (
        "ignored_replacements",
        "the replacements within the study period were left out",
        "遗漏了研究期内的设备更换",
    ),
    (
        "national_grid_factor",
        "the national grid factor used instead of the regional one",
        "使用了全国电网排放因子而非区域电网排放因子",
    ),
    (
        "constant_grid_factor",
        "the grid factor held constant instead of following its declining path",
        "电网排放因子被视为不变，未按下降路径取值",
    ),
    (
        "undiscounted_tonnes",
        "discounted cost divided by undiscounted tonnes in the cost per tonne",
        "单位减排成本中用折现成本除以未折现的减排量",
    ),
    (
        "irr_other_root",
        "an IRR root other than the one asked for",
        "给出的是另一个内部收益率根，而不是题目所问的那个",
    ),
    (
        "simple_instead_of_discounted",
        "simple (undiscounted) payback given where the discounted payback was asked",
        "题目问折现回收期，却给出了静态（不折现）回收期",
    ),
    (
        "whole_year_payback",
        "the year in which the payback is reached given instead of the interpolated time",
        "给出了回收所在的整年，而不是插值得到的回收时间",
    ),
    (
        "grant_in_economic_view",
        "the grant counted as a benefit in the economic view, where it is a transfer",
        "在经济分析中把补助计为效益，而补助只是转移支付",
    ),
    (
        "no_oxidation_correction",
        "the oxidation in the landfill cover (OX) was not deducted",
        "未扣除覆盖层氧化（OX）部分",
    ),
    (
        "no_decay_in_first_year",
        "the waste was assumed to decay from the year it was deposited",
        "假定废弃物在填埋当年就开始降解",
    ),
    (
        "damage_not_avoided",
        "the expected annual damage without the project given instead of the damage avoided",
        "给出了无项目时的年期望损失，而不是避免的损失",
    ),
    (
        "no_tail",
        "the damage beyond the rarest event given was left out (no tail)",
        "忽略了最罕见事件之外的尾部损失",
    ),
    (
        "wrong_taxonomy",
        "the verdict of the other taxonomy",
        "给出的是另一套分类标准的结论",
    ),
    (
        "ranked_by_undiscounted_cost",
        "projects ranked by cost over undiscounted tonnes",
        "按未折现减排量计算的单位成本对项目排序",
    ),
    (
        "ineligible_project_chosen",
        "a project that is not eligible was chosen for the bond",
        "选入了不合格的项目",
    ),
    (
        "percent_for_fraction",
        "a rate written in percent where the question asks for a fraction",
        "题目要求以小数表示比率，却填写了百分数",
    ),
    (
        "undiscounted_switching_value",
        "the switching value worked out on undiscounted totals instead of present values",
        "用未折现的合计值而不是现值计算临界点",
    ),
    (
        "switching_value_of_net_savings",
        "the switching value of the net savings (savings less maintenance) given instead of that of the savings alone",
        "给出的是净节约（节约减维护费）的临界点，而不是节约本身的临界点",
    ),
    (
        "real_rate_by_subtraction",
        "the real rate taken as nominal minus inflation instead of by the Fisher relation",
        "用名义利率直接减通胀率代替费雪公式求实际利率",
    ),
];

/// The names of a mistake, by id.
pub fn mistake_name(id: &str) -> Option<Text> {
    MISTAKE_NAMES
        .iter()
        .find(|(m, _, _)| *m == id)
        .map(|(_, en, zh)| Text::new(*en, *zh))
}

/// One exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Position in the catalogue, from 1; `greenlight exercise show N` uses it.
    pub number: u32,
    /// Stable id, also the folder name without its number prefix.
    pub id: String,
    /// Sector of the projects used.
    pub sector: String,
    /// Skills practised, e.g. `npv`, `irr_roots`.
    pub skills: Vec<String>,
    /// Title.
    pub title: Text,
    /// The brief: situation, data and what to compute.
    pub brief: Text,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Project files by name (filled in from the folder, not from the TOML).
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
    /// The folder the exercise lives in, e.g. `01-npv-led`.
    #[serde(skip)]
    pub folder: String,
}

/// One question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Id as written in the answer workbook's `id` column, e.g. `q1`.
    pub id: String,
    /// The question.
    pub text: Text,
    /// Unit of the answer, e.g. `CNY`, `year`, `fraction`, `tCO2e`; `verdict` and `text`
    /// answers are compared as words.
    pub unit: String,
    /// How close a numeric answer must be; none for verdict and text answers.
    #[serde(default)]
    pub tolerance: Option<Tolerance>,
    /// How the engine computes the key.
    pub key: KeySpec,
    /// The common mistakes this question checks for, first match wins.
    #[serde(default)]
    pub mistakes: Vec<Mistake>,
}

/// How close a numeric answer must be to the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Tolerance {
    /// `|answer − key| ≤ value`, in the question's unit.
    Absolute(Decimal),
    /// `|answer − key| ≤ value · |key|` (and `≤ value` when the key is zero).
    Relative(Decimal),
}

impl Tolerance {
    /// Whether `given` is within tolerance of `target`.
    pub fn accepts(self, given: Decimal, target: Decimal) -> bool {
        let diff = (given - target).abs();
        match self {
            Tolerance::Absolute(t) => diff <= t,
            Tolerance::Relative(r) => {
                let scale = target.abs();
                if scale.is_zero() {
                    diff <= r
                } else {
                    diff <= r * scale
                }
            }
        }
    }
}

/// A common mistake, computed as the question's key with changes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mistake {
    /// One of [`MISTAKE_NAMES`].
    pub id: String,
    /// The step of the worked solution to revisit.
    pub step: Text,
    /// Changes to the project input, applied after the key's own.
    #[serde(default)]
    pub patch: Vec<Patch>,
    /// Another figure of the output.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Another sum of figures of the output.
    #[serde(default)]
    pub sum: Option<Vec<String>>,
    /// Another calculator request.
    #[serde(default)]
    pub calc: Option<toml::Value>,
    /// Another taxonomy's verdict.
    #[serde(default)]
    pub taxonomy: Option<String>,
}

/// One change to a project file: set the value at a JSON pointer (its parent must exist), or
/// remove it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// File name, when the exercise has more than one project file (default: the key's).
    #[serde(default)]
    pub file: Option<String>,
    /// JSON pointer into the project file.
    pub pointer: String,
    /// The new value; absent means remove.
    #[serde(default)]
    pub value: Option<toml::Value>,
}

pub(crate) fn load_embedded() -> Result<Vec<Exercise>, Error> {
    let mut by_folder: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (folder, file, text) in embedded::EMBEDDED {
        by_folder.entry(folder).or_default().push((file, text));
    }
    let mut out = Vec::new();
    for (folder, files) in by_folder {
        out.push(parse_folder(folder, &files)?);
    }
    out.sort_by_key(|e| e.number);
    Ok(out)
}

/// An exercise from its folder's files; every problem names the file.
pub(crate) fn parse_folder(folder: &str, files: &[(&str, &str)]) -> Result<Exercise, Error> {
    let toml_text = files
        .iter()
        .find(|(f, _)| *f == "exercise.toml")
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            Error::new("invalid_exercise", "the folder has no exercise.toml").at(folder)
        })?;
    let mut ex: Exercise = toml::from_str(toml_text).map_err(|e| {
        Error::new(
            "invalid_exercise",
            e.to_string().lines().collect::<Vec<_>>().join(" "),
        )
        .at(format!("{folder}/exercise.toml"))
    })?;
    ex.folder = folder.to_owned();
    for (f, t) in files {
        if f.ends_with(".json") {
            ex.files.insert((*f).to_owned(), (*t).to_owned());
        }
    }
    let at = format!("{folder}/exercise.toml");
    let mut seen = std::collections::BTreeSet::new();
    for q in &ex.questions {
        if !seen.insert(q.id.as_str()) {
            return Err(Error::new(
                "invalid_exercise",
                format!("question id {:?} repeated", q.id),
            )
            .at(&at));
        }
        for m in &q.mistakes {
            if mistake_name(&m.id).is_none() {
                return Err(Error::new(
                    "invalid_exercise",
                    format!("question {}: unknown mistake {:?}", q.id, m.id),
                )
                .at(&at));
            }
        }
        if let Some(p) = &q.key.project
            && !ex.files.contains_key(p)
        {
            return Err(Error::new(
                "invalid_exercise",
                format!("question {}: no project file {p:?} in the folder", q.id),
            )
            .at(&at));
        }
    }
    Ok(ex)
}

impl Exercise {
    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_accept_the_edge_and_reject_beyond() {
        let abs = Tolerance::Absolute(Decimal::new(1, 0));
        assert!(abs.accepts(Decimal::new(1010, 1), Decimal::new(100, 0)));
        assert!(!abs.accepts(Decimal::new(10101, 2), Decimal::new(100, 0)));
        // 0.1 % of 2,000 is 2.
        let rel = Tolerance::Relative(Decimal::new(1, 3));
        assert!(rel.accepts(Decimal::new(-1998, 0), Decimal::new(-2000, 0)));
        assert!(!rel.accepts(Decimal::new(-1997, 0), Decimal::new(-2000, 0)));
        // A zero key falls back to the absolute reading of the same number.
        assert!(rel.accepts(Decimal::new(1, 3), Decimal::ZERO));
        assert!(!rel.accepts(Decimal::new(2, 3), Decimal::ZERO));
    }

    #[test]
    fn a_folder_without_its_toml_or_with_an_unknown_mistake_is_refused_naming_the_file() {
        let err = parse_folder("99-x", &[("project.json", "{}")]).expect_err("no toml");
        assert_eq!(err.location, "99-x");
        let toml_text = r#"
number = 99
id = "x"
sector = "other"
skills = []
title = { en = "t", zh = "t" }
brief = { en = "b", zh = "b" }
[[questions]]
id = "q1"
text = { en = "q", zh = "q" }
unit = "1"
key = { calc = { fn = "npv", rate = "0.1", values = ["1"] }, pointer = "/value" }
[[questions.mistakes]]
id = "forgot_to_smile"
step = { en = "s", zh = "s" }
"#;
        let err = parse_folder("99-x", &[("exercise.toml", toml_text)]).expect_err("unknown");
        assert_eq!(err.location, "99-x/exercise.toml");
        assert!(err.message.contains("forgot_to_smile"), "{err}");
    }
}
