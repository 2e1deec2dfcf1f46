//! The field catalogue: every column of the template, in one table. The template writer,
//! the importer and the Help sheet all read it, so a header, a unit, a drop-down or a help
//! text is defined once.

/// The sheets of the portfolio layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetKind {
    /// One row per project.
    Projects,
    /// One row per project and cash-flow line, one column per year.
    CashFlows,
    /// One row per project and physical quantity.
    Quantities,
    /// One row per project and evidence key.
    Evidence,
    /// One row per project and model field reached by its path (long format).
    Details,
    /// Portfolio defaults and the taxonomies to report, one setting per row.
    Settings,
}

impl SheetKind {
    /// Every sheet, in workbook order.
    pub const ALL: [SheetKind; 6] = [
        SheetKind::Projects,
        SheetKind::CashFlows,
        SheetKind::Quantities,
        SheetKind::Evidence,
        SheetKind::Details,
        SheetKind::Settings,
    ];

    /// The sheet's name in each language; import accepts either.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            SheetKind::Projects => ("Projects", "项目"),
            SheetKind::CashFlows => ("CashFlows", "现金流"),
            SheetKind::Quantities => ("Quantities", "实物量"),
            SheetKind::Evidence => ("Evidence", "认定依据"),
            SheetKind::Details => ("Details", "详细参数"),
            SheetKind::Settings => ("Settings", "设置"),
        }
    }
}

/// What a column holds, which fixes how a cell is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any text; a number cell is taken as its shortest decimal text.
    Text,
    /// A whole number.
    Integer,
    /// A decimal number.
    Number,
    /// An amount of money in the project's currency; a unit multiplier applies.
    Money,
    /// A rate as a fraction (0.06) or a percentage cell or text (6 %).
    Rate,
    /// A calendar year, 1900 to 9999.
    Year,
    /// A date cell or ISO 8601 text (`2026-01-15`), on or after 1900-01-01.
    Date,
    /// One of the listed values (a drop-down in the template).
    Enum(&'static [&'static str]),
    /// Yes or no: a boolean cell, `true`/`false`, `yes`/`no`, `是`/`否`, `1`/`0`.
    Bool,
    /// A boolean, a number or a text, read as it is (evidence, details).
    Any,
}

/// One column of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// A stable key, also accepted as a header.
    pub key: &'static str,
    /// The sheet the column belongs to.
    pub sheet: SheetKind,
    /// English header.
    pub en: &'static str,
    /// Chinese header.
    pub zh: &'static str,
    /// The unit shown after the header, e.g. `%` or `year`; empty when none.
    pub unit: &'static str,
    /// What the column holds.
    pub kind: Kind,
    /// Whether a row must give it (or, for project fields, the Settings sheet).
    pub required: bool,
    /// English help (input message and Help sheet).
    pub help_en: &'static str,
    /// Chinese help.
    pub help_zh: &'static str,
    /// Where the value goes in a project's JSON (`/timeline/start_year`); empty for the
    /// columns that structure a sheet (project id, category, year columns).
    pub pointer: &'static str,
}

/// Sectors, as `ProjectInput.sector` spells them.
pub const SECTORS: &[&str] = &[
    "buildings",
    "transport",
    "lighting",
    "energy",
    "heating",
    "water",
    "wastewater",
    "waste",
    "flood_protection",
    "other",
];

/// Cash-flow categories, as `CashFlowLine.category` spells them.
pub const CATEGORIES: &[&str] = &[
    "investment",
    "replacement",
    "operation_maintenance",
    "energy",
    "water",
    "revenue",
    "savings",
    "grant",
    "residual_value",
    "other",
];

/// The money units accepted in a unit column or a header, with the currency they imply
/// (empty: any) and their exact multiplier as a power of ten.
pub const MONEY_UNITS: &[(&str, &str, u32)] = &[
    ("元", "CNY", 0),
    ("万元", "CNY", 4),
    ("亿元", "CNY", 8),
    ("CNY", "CNY", 0),
    ("kCNY", "CNY", 3),
    ("MCNY", "CNY", 6),
    ("EUR", "EUR", 0),
    ("kEUR", "EUR", 3),
    ("MEUR", "EUR", 6),
    ("USD", "USD", 0),
    ("kUSD", "USD", 3),
    ("MUSD", "USD", 6),
];

const UNIT_NAMES: &[&str] = &[
    "元", "万元", "亿元", "CNY", "kCNY", "MCNY", "EUR", "kEUR", "MEUR", "USD", "kUSD", "MUSD",
];

const TIMINGS: &[&str] = &["end_of_year", "mid_year", "beginning_of_year"];
const FIRST_YEARS: &[&str] = &["undiscounted", "discounted"];
const BASES: &[&str] = &["real", "nominal"];

macro_rules! field {
    ($sheet:ident, $key:literal, $en:literal, $zh:literal, $unit:literal, $kind:expr, $req:literal,
     $pointer:literal, $help_en:literal, $help_zh:literal) => {
        Field {
            key: $key,
            sheet: SheetKind::$sheet,
            en: $en,
            zh: $zh,
            unit: $unit,
            kind: $kind,
            required: $req,
            help_en: $help_en,
            help_zh: $help_zh,
            pointer: $pointer,
        }
    };
}

/// Every column of every sheet, in column order within each sheet.
pub const FIELDS: &[Field] = &[
    // Projects: one row per project.
    field!(
        Projects,
        "id",
        "Project id",
        "项目编号",
        "",
        Kind::Text,
        true,
        "/id",
        "A unique identifier, e.g. cn-dz-led-01; other sheets refer to the project by it.",
        "唯一编号，如 cn-dz-led-01；其他工作表用它指向项目。"
    ),
    field!(
        Projects,
        "name",
        "Name",
        "项目名称",
        "",
        Kind::Text,
        true,
        "/name",
        "A human name, e.g. LED street lighting, district 3.",
        "项目名称，如“三区 LED 路灯改造”。"
    ),
    field!(
        Projects,
        "city",
        "City",
        "城市",
        "",
        Kind::Text,
        false,
        "/city",
        "City.",
        "城市。"
    ),
    field!(
        Projects,
        "country",
        "Country",
        "国家",
        "",
        Kind::Text,
        false,
        "/country",
        "ISO 3166-1 alpha-2 code, e.g. CN.",
        "ISO 3166-1 两位代码，如 CN。"
    ),
    field!(
        Projects,
        "region",
        "Region",
        "地区",
        "",
        Kind::Text,
        false,
        "/region",
        "Region or grid region, e.g. north_china.",
        "地区或电网区域，如 north_china。"
    ),
    field!(
        Projects,
        "currency",
        "Currency",
        "币种",
        "",
        Kind::Text,
        true,
        "/currency",
        "ISO 4217 code of every amount, e.g. CNY or EUR.",
        "所有金额的 ISO 4217 币种代码，如 CNY 或 EUR。"
    ),
    field!(
        Projects,
        "price_base_year",
        "Price base year",
        "价格基准年",
        "year",
        Kind::Year,
        true,
        "/price_base_year",
        "The year whose prices the amounts are stated in.",
        "金额所采用价格的年份。"
    ),
    field!(
        Projects,
        "sector",
        "Sector",
        "行业",
        "",
        Kind::Enum(SECTORS),
        true,
        "/sector",
        "The urban sector.",
        "城市行业领域。"
    ),
    field!(
        Projects,
        "activity",
        "Activity",
        "活动",
        "",
        Kind::Text,
        true,
        "/activity",
        "The activity within the sector, e.g. street_lighting; it selects the taxonomy clauses.",
        "行业内的活动，如 street_lighting；用于选取绿色分类条款。"
    ),
    field!(
        Projects,
        "start_year",
        "Start year",
        "开工年份",
        "year",
        Kind::Year,
        true,
        "/timeline/start_year",
        "First year of construction (the base year).",
        "建设第一年（基准年）。"
    ),
    field!(
        Projects,
        "construction_years",
        "Construction years",
        "建设期",
        "years",
        Kind::Integer,
        false,
        "/timeline/construction_years",
        "Years of construction, at least 1 (default 1).",
        "建设年数，至少 1（默认 1）。"
    ),
    field!(
        Projects,
        "analysis_years",
        "Operating years",
        "运营期",
        "years",
        Kind::Integer,
        true,
        "/timeline/analysis_years",
        "Operating years after construction, 1 to 200.",
        "建设期后的运营年数，1 至 200。"
    ),
    field!(
        Projects,
        "timing",
        "Timing",
        "现金流时点",
        "",
        Kind::Enum(TIMINGS),
        false,
        "/timeline/timing",
        "Where within each year flows occur (default end_of_year).",
        "现金流在年内发生的时点（默认年末 end_of_year）。"
    ),
    field!(
        Projects,
        "first_year",
        "First year",
        "首年折现",
        "",
        Kind::Enum(FIRST_YEARS),
        false,
        "/timeline/first_year",
        "undiscounted (default) or discounted one period, as the spreadsheet NPV() and China's 2006 method.",
        "undiscounted（默认，首年不折现）或 discounted（首年折现一期，同电子表格 NPV() 与 2006 年方法）。"
    ),
    field!(
        Projects,
        "discount_rate",
        "Discount rate",
        "折现率",
        "%",
        Kind::Rate,
        false,
        "/finance/discount_rate",
        "Financial discount rate, e.g. 6 % or 0.06; or give a preset.",
        "财务折现率，如 6% 或 0.06；或填写预设。"
    ),
    field!(
        Projects,
        "discount_preset",
        "Discount preset",
        "折现率预设",
        "",
        Kind::Text,
        false,
        "/finance/discount_preset",
        "A registry preset instead of a rate (greenlight factors list).",
        "代替折现率的预设（见 greenlight factors list）。"
    ),
    field!(
        Projects,
        "basis",
        "Price basis",
        "价格口径",
        "",
        Kind::Enum(BASES),
        false,
        "/finance/basis",
        "real (constant prices, default) or nominal.",
        "real（不变价，默认）或 nominal（现价）。"
    ),
    field!(
        Projects,
        "rate_basis",
        "Rate basis",
        "折现率口径",
        "",
        Kind::Enum(BASES),
        false,
        "/finance/rate_basis",
        "The basis the rate is stated in, when it differs from the price basis.",
        "折现率的口径（与价格口径不同时填写）。"
    ),
    field!(
        Projects,
        "inflation",
        "Inflation",
        "通胀率",
        "%",
        Kind::Rate,
        false,
        "/finance/inflation",
        "Inflation for converting between real and nominal rates.",
        "实际与名义折现率换算所用通胀率。"
    ),
    field!(
        Projects,
        "sensitivity_variation",
        "Sensitivity ±",
        "敏感性分析变化幅度 ±",
        "%",
        Kind::Rate,
        false,
        "/sensitivity/variation",
        "Fill in to test the NPV's sensitivity to each cash-flow category by this change, e.g. 1 %: switching values and elasticities (the results workbook's Sensitivity sheet).",
        "填写后按此变化幅度分析财务净现值对各类现金流的敏感性，如 1%：临界点与敏感度系数（见结果工作簿的敏感性分析表）。"
    ),
    field!(
        Projects,
        "assessment_date",
        "Assessment date",
        "评估日期",
        "",
        Kind::Date,
        false,
        "/assessment_date",
        "The date taxonomy criteria are evaluated at (default 1 January of the start year).",
        "绿色分类标准的评估日期（默认开工年 1 月 1 日）。"
    ),
    // CashFlows: one row per line, one column per year.
    field!(
        CashFlows,
        "project_id",
        "Project id",
        "项目编号",
        "",
        Kind::Text,
        true,
        "",
        "The project's id in Projects.",
        "项目工作表中的项目编号。"
    ),
    field!(
        CashFlows,
        "category",
        "Category",
        "类别",
        "",
        Kind::Enum(CATEGORIES),
        true,
        "",
        "investment, replacement, operation_maintenance, energy, water (negative); revenue, savings, grant, residual_value (positive); other.",
        "投资、更新、运维、能源、水（负数）；收入、节约、补助、残值（正数）；其他。"
    ),
    field!(
        CashFlows,
        "label",
        "Label",
        "说明",
        "",
        Kind::Text,
        false,
        "",
        "What the line is.",
        "该行说明。"
    ),
    field!(
        CashFlows,
        "escalation",
        "Escalation",
        "年增长率",
        "%",
        Kind::Rate,
        false,
        "",
        "Yearly real escalation from the price base year.",
        "自价格基准年起的年增长率。"
    ),
    field!(
        CashFlows,
        "unit",
        "Unit",
        "单位",
        "",
        Kind::Enum(UNIT_NAMES),
        false,
        "",
        "Unit of the year columns: 元, 万元 (10 000), 亿元 (10^8), EUR, kEUR, MEUR, … (default: one currency unit).",
        "各年金额的单位：元、万元、亿元、EUR、kEUR、MEUR 等（默认为一个货币单位）。"
    ),
    // Quantities: one row per project and quantity.
    field!(
        Quantities,
        "project_id",
        "Project id",
        "项目编号",
        "",
        Kind::Text,
        true,
        "",
        "The project's id in Projects.",
        "项目工作表中的项目编号。"
    ),
    field!(
        Quantities,
        "quantity",
        "Quantity",
        "实物量名称",
        "",
        Kind::Text,
        true,
        "",
        "Name with its unit, e.g. electricity_saved_mwh.",
        "带单位的名称，如 electricity_saved_mwh。"
    ),
    field!(
        Quantities,
        "first_year",
        "First year",
        "起始年",
        "year",
        Kind::Year,
        true,
        "",
        "First year of the quantity.",
        "起始年份。"
    ),
    field!(
        Quantities,
        "last_year",
        "Last year",
        "终止年",
        "year",
        Kind::Year,
        false,
        "",
        "Last year (default: the first year).",
        "终止年份（默认同起始年）。"
    ),
    field!(
        Quantities,
        "value",
        "Value per year",
        "每年数量",
        "",
        Kind::Number,
        true,
        "",
        "The quantity in each year, in the unit its name carries.",
        "每年的数量，单位见名称。"
    ),
    // Evidence: one row per project and key.
    field!(
        Evidence,
        "project_id",
        "Project id",
        "项目编号",
        "",
        Kind::Text,
        true,
        "",
        "The project's id in Projects.",
        "项目工作表中的项目编号。"
    ),
    field!(
        Evidence,
        "key",
        "Evidence key",
        "依据字段",
        "",
        Kind::Text,
        true,
        "",
        "A field the taxonomies read, e.g. lighting_standard_compliant (see the packs' reference pages).",
        "绿色分类读取的字段，如 lighting_standard_compliant（见规则包参考页）。"
    ),
    field!(
        Evidence,
        "value",
        "Value",
        "值",
        "",
        Kind::Any,
        true,
        "",
        "Yes/no, a number or a text.",
        "是/否、数字或文本。"
    ),
    // Details: the rest of the model by path.
    field!(
        Details,
        "project_id",
        "Project id",
        "项目编号",
        "",
        Kind::Text,
        true,
        "",
        "The project's id in Projects.",
        "项目工作表中的项目编号。"
    ),
    field!(
        Details,
        "path",
        "Field path",
        "字段路径",
        "",
        Kind::Text,
        true,
        "",
        "A path in the project model, e.g. emissions.calculators.0.street_lighting.operating_hours_per_year or assets.0.cost.",
        "项目模型中的路径，如 emissions.calculators.0.street_lighting.operating_hours_per_year 或 assets.0.cost。"
    ),
    field!(
        Details,
        "value",
        "Value",
        "值",
        "",
        Kind::Any,
        true,
        "",
        "The value; numbers are read exactly, true/false as yes/no, [..] and {..} as JSON.",
        "取值；数字按精确值读取，true/false 为是/否，[..] 与 {..} 按 JSON 读取。"
    ),
    // Settings: one setting per row.
    field!(
        Settings,
        "setting",
        "Setting",
        "设置项",
        "",
        Kind::Text,
        true,
        "",
        "A Projects column (its key or header) used as the portfolio default, or taxonomies.",
        "作为组合默认值的项目列（键或表头），或 taxonomies。"
    ),
    field!(
        Settings,
        "value",
        "Value",
        "值",
        "",
        Kind::Any,
        true,
        "",
        "The default; a project's own cell wins. taxonomies: keys separated by commas (cn, eu, cbi, cgt, icma).",
        "默认值；项目自己的单元格优先。taxonomies：以逗号分隔的键（cn, eu, cbi, cgt, icma）。"
    ),
];

/// The columns of one sheet, in order.
pub fn fields_of(sheet: SheetKind) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.sheet == sheet)
}

/// The field of `sheet` whose key or header (either language) matches `header`, ignoring
/// case, spaces and a trailing unit in brackets: `Discount rate (%)`, `折现率（%）` and
/// `discount_rate` all match.
pub fn match_header(sheet: SheetKind, header: &str) -> Option<&'static Field> {
    let wanted = normalise(strip_unit(header).0);
    fields_of(sheet).find(|f| {
        normalise(f.key) == wanted || normalise(f.en) == wanted || normalise(f.zh) == wanted
    })
}

/// A header split into its name and the unit in trailing brackets, if any.
pub fn strip_unit(header: &str) -> (&str, Option<&str>) {
    let h = header.trim();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']')] {
        if h.ends_with(close)
            && let Some(at) = h.rfind(open)
        {
            let unit = h[at + open.len_utf8()..h.len() - close.len_utf8()].trim();
            return (h[..at].trim(), Some(unit));
        }
    }
    (h, None)
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The header written for a field in a language, with its unit in brackets.
pub fn header(field: &Field, lang: crate::Lang) -> String {
    let name = lang.pick(field.en, field.zh);
    if field.unit.is_empty() {
        name.to_owned()
    } else {
        let unit = match (lang, field.unit) {
            (crate::Lang::Zh, "year") => "年",
            (crate::Lang::Zh, "years") => "年",
            (_, u) => u,
        };
        match lang {
            crate::Lang::En => format!("{name} ({unit})"),
            crate::Lang::Zh => format!("{name}（{unit}）"),
        }
    }
}

/// The currency a money unit implies and its multiplier as a power of ten.
pub fn money_unit(unit: &str) -> Option<(&'static str, u32)> {
    let u = unit.trim();
    MONEY_UNITS
        .iter()
        .find(|(name, ..)| name.eq_ignore_ascii_case(u))
        .map(|(_, currency, power)| (*currency, *power))
}
