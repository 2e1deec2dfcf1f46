//! Template → filled by the test as an officer would (Chinese headers, 万元, rates in
//! Settings) → import → appraisal, checked against a hand calculation.

use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::appraise_json;
use greenlight_core::registry::Registry;
use greenlight_workbooks::fields::{self, SheetKind};
use greenlight_workbooks::{Lang, WorkbookLimits, import_workbook};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn header(sheet: SheetKind, key: &str) -> String {
    let f = fields::fields_of(sheet)
        .find(|f| f.key == key)
        .expect("a template column");
    fields::header(f, Lang::Zh)
}

#[test]
fn a_filled_chinese_template_appraises_as_calculated_by_hand() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let projects = book.add_worksheet();
    projects.set_name("项目").unwrap();
    let columns = [
        "id",
        "name",
        "sector",
        "activity",
        "start_year",
        "analysis_years",
    ];
    for (c, key) in columns.iter().enumerate() {
        projects
            .write_string(0, c as u16, header(SheetKind::Projects, key))
            .unwrap();
    }
    let row = ["cn-xx-01", "路灯改造", "lighting", "street_lighting"];
    for (c, v) in row.iter().enumerate() {
        projects.write_string(1, c as u16, *v).unwrap();
    }
    projects.write_number(1, 4, 2026.0).unwrap();
    projects.write_number(1, 5, 4.0).unwrap();

    let cash = book.add_worksheet();
    cash.set_name("现金流").unwrap();
    for (c, key) in ["project_id", "category", "unit"].iter().enumerate() {
        cash.write_string(0, c as u16, header(SheetKind::CashFlows, key))
            .unwrap();
    }
    for (i, year) in (2026..=2030).enumerate() {
        cash.write_number(0, 3 + i as u16, f64::from(year)).unwrap();
    }
    cash.write_string(1, 0, "cn-xx-01").unwrap();
    cash.write_string(1, 1, "investment").unwrap();
    cash.write_string(1, 2, "万元").unwrap();
    cash.write_number(1, 3, -100.0).unwrap();
    cash.write_string(2, 0, "cn-xx-01").unwrap();
    cash.write_string(2, 1, "savings").unwrap();
    cash.write_string(2, 2, "万元").unwrap();
    for c in 4..=7 {
        cash.write_number(2, c, 30.0).unwrap();
    }

    let settings = book.add_worksheet();
    settings.set_name("设置").unwrap();
    settings
        .write_string(0, 0, header(SheetKind::Settings, "setting"))
        .unwrap();
    settings
        .write_string(0, 1, header(SheetKind::Settings, "value"))
        .unwrap();
    let values: [(&str, &str); 4] = [
        ("币种", "CNY"),
        ("价格基准年", "2026"),
        ("折现率（%）", "10%"),
        ("taxonomies", "cn, eu"),
    ];
    for (r, (k, v)) in values.iter().enumerate() {
        settings.write_string(1 + r as u32, 0, *k).unwrap();
        settings.write_string(1 + r as u32, 1, *v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();

    let imported = import_workbook(&bytes, &WorkbookLimits::default()).unwrap();
    assert!(imported.problems.is_empty(), "{:?}", imported.problems);
    let out = appraise_json(
        imported.document.clone(),
        &Registry::embedded().unwrap(),
        &AppraisalOptions { trace: false },
        None,
    )
    .unwrap();
    let a = out.results[0].appraisal.as_ref().expect("appraised");
    // By hand: −1 000 000 in 2026 (t = 0), +300 000 in 2027–2030 at 10 %:
    // NPV = −1 000 000 + 300 000 · (1 − 1.1⁻⁴)/0.1 = −49 040.36609521207567789…
    // IRR: 300 000 · (1 − (1+r)⁻⁴)/r = 1 000 000 ⇒ r = 0.0771384729520835511… (bisection
    // in 50-digit decimal arithmetic).
    let close = |x: Decimal, y: Decimal| (x - y).abs() < dec!(0.000001);
    assert!(
        close(a.financial.npv, dec!(-49040.366095212075677)),
        "{}",
        a.financial.npv
    );
    let irr = a.financial.irr.selected.expect("an IRR");
    assert!(
        (irr - dec!(0.07713847295208355)).abs() < dec!(1e-12),
        "{irr}"
    );
    assert_eq!(a.project.currency, "CNY");
}
