//! The one sandboxed Rhai engine, built in one function from typed limits.
//!
//! It starts from `Engine::new_raw()` and registers only arithmetic, logic, strings, arrays
//! and maps: no clock (the `no_time` feature), no module loading from disk (`no_module`), no
//! floats (`no_float`: number literals are integers, thresholds are decimals), no `eval`, no
//! printing. Variables are strict, so a typo is a compile error, not a silent `()`. Every
//! limit is set explicitly; a wall-clock deadline exists only as a safety net and hitting it is
//! an error, never a verdict.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use greenlight_core::decimal_text::DecimalText;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicMapPackage, BasicStringPackage, LogicPackage,
    MoreStringPackage, Package,
};
use rhai::{
    AST, Caches, Dynamic, Engine, EvalAltResult, FuncRegistration, ImmutableString, Map, Module,
    NativeCallContext, Scope,
};

/// Limits of the rule engine; every field is set by the caller (no hidden default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineLimits {
    /// Operations per rule evaluation.
    pub max_operations: u64,
    /// Function call depth.
    pub max_call_levels: usize,
    /// Expression nesting depth at global level and inside functions.
    pub max_expr_depth: usize,
    /// Expression nesting depth inside functions.
    pub max_function_expr_depth: usize,
    /// Longest string, in bytes.
    pub max_string_size: usize,
    /// Largest array.
    pub max_array_size: usize,
    /// Largest map.
    pub max_map_size: usize,
    /// Wall-clock deadline per evaluation (a safety net; operations are the real bound).
    pub deadline: Duration,
}

impl EngineLimits {
    /// The limits the shipped packs run under: generous for real rules (a few hundred
    /// operations), tight for runaway scripts (stopped in milliseconds).
    pub fn standard() -> Self {
        EngineLimits {
            max_operations: 100_000,
            max_call_levels: 16,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 16 * 1024,
            max_array_size: 10_000,
            max_map_size: 10_000,
            deadline: Duration::from_millis(200),
        }
    }
}

/// The functions of `packages` in one module, later packages overriding earlier ones on the
/// same signature.
fn one_module(packages: impl IntoIterator<Item = rhai::Shared<Module>>) -> Module {
    let mut functions = Module::new();
    for package in packages {
        functions.combine_flatten((*package).clone());
    }
    functions
}

/// Builds the sandboxed engine.
pub fn build(limits: &EngineLimits) -> Engine {
    let mut engine = Engine::new_raw();
    // One module holding every package: a function is looked up once per call site and
    // evaluation, in each global module until found, so one module means one lookup. Later
    // packages override earlier ones on the same signature, as separate registration would.
    engine.register_global_module(
        one_module([
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
        ])
        .into(),
    );
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.disable_symbol("eval");
    // No string interner: it is one table behind a lock for every thread using the engine,
    // written by every string a rule builds (`${..}`), and it only lets equal texts share
    // their storage; a text's value and its comparisons are the same without it.
    engine.set_max_strings_interned(0);
    // Output would leak into the service's stdout and vary between runs: discard it.
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    // Checked every 1 024 operations: cheap, and a runaway script is caught within
    // microseconds of its deadline.
    engine.on_progress(|ops| {
        if ops % 1024 != 0 {
            return None;
        }
        let late = DEADLINE.with(|d| d.get().is_some_and(|t| Instant::now() > t));
        late.then(|| Dynamic::from(DEADLINE_TOKEN.to_owned()))
    });
    register_verdicts(&mut engine);
    register_decimal_text(&mut engine);
    engine
}

/// `to_string` of a decimal, which a rule's `${x}` calls to write a number into a reason: the
/// text of `Decimal`'s `Display`, formed by `DecimalText` instead of `rust_decimal`'s one
/// 96-bit division per digit. Registered on the engine itself, so it is found before the
/// string package's generic `to_string`, which writes the value with `Display` and passes the
/// text through `map_type_name` (a decimal's digits never name a type, so they come back as
/// they are). Pure, as the package's own.
fn register_decimal_text(engine: &mut Engine) {
    FuncRegistration::new("to_string")
        .with_purity(true)
        .register_into_engine(engine, |value: &mut Decimal| -> ImmutableString {
            DecimalText::of(value).as_str().into()
        });
}

/// The verdict constructors scripts call; each returns a map the runner checks.
fn register_verdicts(engine: &mut Engine) {
    // The reasons are the script's own strings, shared rather than copied.
    fn verdict(kind: &'static str, en: ImmutableString, zh: ImmutableString) -> Map {
        let mut m = Map::new();
        m.insert("verdict".into(), Dynamic::from(kind));
        m.insert("reason_en".into(), Dynamic::from(en));
        m.insert("reason_zh".into(), Dynamic::from(zh));
        m
    }
    engine.register_fn("eligible", |en: ImmutableString, zh: ImmutableString| {
        verdict("eligible", en, zh)
    });
    engine.register_fn(
        "not_eligible",
        |en: ImmutableString, zh: ImmutableString| verdict("not_eligible", en, zh),
    );
    engine.register_fn(
        "needs_review",
        |en: ImmutableString, zh: ImmutableString| verdict("needs_review", en, zh),
    );
    engine.register_fn("insufficient_data", |missing: rhai::Array| {
        // The two reasons list the names as the script would print them, joined; a name that
        // is a string is copied as it is instead of going through formatting.
        let mut en = String::from("missing: ");
        let mut zh = String::from("缺少数据：");
        for (i, name) in missing.iter().enumerate() {
            if i > 0 {
                en.push_str(", ");
                zh.push('、');
            }
            match name.read_lock::<ImmutableString>() {
                Some(text) => {
                    en.push_str(text.as_str());
                    zh.push_str(text.as_str());
                }
                None => {
                    let text = name.to_string();
                    en.push_str(&text);
                    zh.push_str(&text);
                }
            }
        }
        let mut m = verdict("insufficient_data", en.into(), zh.into());
        m.insert("missing".into(), Dynamic::from_array(missing));
        m
    });
    // `p.missing(["a", "b"])` (or `missing(p, ["a", "b"])`): the listed fields that are absent
    // (unit) in the record. Pure, so it may be called on the constant record; called as a
    // method it reads the record in place, where a function call would first copy it.
    FuncRegistration::new("missing")
        .with_purity(true)
        .register_into_engine(
            engine,
            |record: &mut Map, fields: rhai::Array| -> rhai::Array {
                fields
                    .into_iter()
                    .filter(|f| {
                        let absent = |key: &str| record.get(key).is_none_or(|v| v.is_unit());
                        match f.read_lock::<ImmutableString>() {
                            Some(key) => absent(key.as_str()),
                            None => absent(&f.to_string()),
                        }
                    })
                    .collect()
            },
        );
    // `p.flags_false(["a", "b"])`: the listed fields whose value is `false`, in list order;
    // `p.flags_unstated(["a", "b"])`: those whose value is neither `true` nor `false`
    // (absent, or not a yes/no). A rule checking several yes/no evidence fields (the EU
    // do-no-significant-harm objectives) reads them in one call each instead of a script loop
    // indexing the record per field. Pure and read in place, like `missing`.
    fn flags_where(
        record: &Map,
        fields: rhai::Array,
        keep: fn(Option<bool>) -> bool,
    ) -> rhai::Array {
        fields
            .into_iter()
            .filter(|f| {
                let flag = |key: &str| record.get(key).and_then(|v| v.as_bool().ok());
                match f.read_lock::<ImmutableString>() {
                    Some(key) => keep(flag(key.as_str())),
                    None => keep(flag(&f.to_string())),
                }
            })
            .collect()
    }
    FuncRegistration::new("flags_false")
        .with_purity(true)
        .register_into_engine(engine, |record: &mut Map, fields: rhai::Array| {
            flags_where(record, fields, |flag| flag == Some(false))
        });
    FuncRegistration::new("flags_unstated")
        .with_purity(true)
        .register_into_engine(engine, |record: &mut Map, fields: rhai::Array| {
            flags_where(record, fields, |flag| flag.is_none())
        });
    // `list.contains(text)` as the array package defines it (an element equals the value by
    // `==`), with the common case — an element that is itself a string — compared directly
    // instead of through a call of `==` per element.
    // Pure, as the array package's own: it may be called on a constant list.
    FuncRegistration::new("contains").with_purity(true).register_into_engine(
        engine,
        |ctx: NativeCallContext,
         array: &mut rhai::Array,
         value: ImmutableString|
         -> Result<bool, Box<rhai::EvalAltResult>> {
            for item in array.iter_mut() {
                let as_text = item.read_lock::<ImmutableString>().map(|t| *t == value);
                let equal = match as_text {
                    Some(same) => same,
                    None => {
                        let mut other = Dynamic::from(value.clone());
                        match ctx.call_native_fn_raw("==", true, &mut [item, &mut other]) {
                            Ok(v) => v.as_bool().unwrap_or(false),
                            // No `==` between a string and this element's type: not equal,
                            // as the array package decides.
                            Err(e)
                                if matches!(*e, rhai::EvalAltResult::ErrorFunctionNotFound(ref sig, ..) if sig.starts_with("==")) =>
                            {
                                false
                            }
                            Err(e) => return Err(e),
                        }
                    }
                };
                if equal {
                    return Ok(true);
                }
            }
            Ok(false)
        },
    );
    // `join(list, separator)`: the elements one after the other with the separator between,
    // each as a script would append it to a string (text as it is). Called with a fixed list
    // (a parameter), it is evaluated once when the rule is compiled. The engine checks the
    // result against the string size limit, as for every function.
    engine.register_fn(
        "join",
        |list: rhai::Array, separator: ImmutableString| -> ImmutableString {
            let mut joined = String::new();
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    joined.push_str(&separator);
                }
                match item.read_lock::<ImmutableString>() {
                    Some(text) => joined.push_str(&text),
                    None => joined.push_str(&item.to_string()),
                }
            }
            joined.into()
        },
    );
    // `has(p, "a")`: the field is present and not unit (the shipped rules write `p.a != ()`,
    // which reads the record in place). Pure, like `missing`.
    FuncRegistration::new("has")
        .with_purity(true)
        .register_into_engine(engine, |record: &mut Map, field: &str| {
            record.get(field).is_some_and(|v| !v.is_unit())
        });
}

/// Source of the ids that tie a thread's function-resolution cache to one engine.
static NEXT_ENGINE_ID: AtomicU64 = AtomicU64::new(1);

/// A new id for an engine whose rules may share this thread's function-resolution cache.
pub(crate) fn engine_id() -> u64 {
    NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed)
}

/// Evaluates a rule's tree in `scope`, as `Engine::eval_ast_with_scope` does.
///
/// With the engine's id, and for a tree that defines no functions of its own, the function
/// resolution cache is kept on this thread from one rule to the next instead of being built
/// anew for every rule: what a call resolves to then depends only on the engine's functions,
/// which never change after `build`. Each rule still starts with its own operation count.
pub(crate) fn eval_rule(
    engine: &Engine,
    engine_id: Option<u64>,
    scope: &mut Scope<'static>,
    ast: &AST,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let Some(id) = engine_id.filter(|_| !ast.has_functions()) else {
        return engine.eval_ast_with_scope(scope, ast);
    };
    RESOLUTION.with(|cell| {
        let Ok(mut kept) = cell.try_borrow_mut() else {
            return engine.eval_ast_with_scope(scope, ast);
        };
        let (owner, caches) = &mut *kept;
        if *owner != id {
            *owner = id;
            *caches = Caches::new();
        }
        let mut global = engine.new_global_runtime_state();
        // The statement-level entry point of `eval_ast_with_scope`, with the caches passed in.
        #[allow(deprecated)]
        engine.eval_statements_raw(&mut global, caches, scope, ast.statements())
    })
}

thread_local! {
    /// The function-resolution cache of the last engine that evaluated a rule on this
    /// thread, with that engine's id.
    static RESOLUTION: RefCell<(u64, Caches)> = const { RefCell::new((0, Caches::new())) };
    /// When the evaluation running on this thread must stop; the engine is shared between
    /// threads, so the deadline lives with the thread, not the engine.
    static DEADLINE: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with this thread's deadline set `limit` from now.
pub(crate) fn within_deadline<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    DEADLINE.with(|d| d.set(Some(Instant::now() + limit)));
    let out = f();
    DEADLINE.with(|d| d.set(None));
    out
}

/// The token the progress callback stops a script with, so the runner can tell a deadline
/// from other terminations.
pub(crate) const DEADLINE_TOKEN: &str = "deadline";

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The engine's `to_string` of a decimal against the string package's generic one, which
    /// writes `Decimal`'s `Display` (the text before the engine had its own): through `${x}`,
    /// `x.to_string()` and `"" + x`, on whole numbers, fractions, trailing zeros, negative
    /// values, zeros of several scales and signs, and the widest mantissas.
    #[test]
    fn decimal_text_in_scripts_is_the_display_text() {
        let ours = build(&EngineLimits::standard());
        let mut plain = Engine::new_raw();
        plain.register_global_module(
            one_module([
                ArithmeticPackage::new().as_shared_module(),
                LogicPackage::new().as_shared_module(),
                BasicStringPackage::new().as_shared_module(),
                MoreStringPackage::new().as_shared_module(),
            ])
            .into(),
        );
        let mut values: Vec<Decimal> = [
            "0",
            "0.0",
            "0.000",
            "-0",
            "-0.00",
            "1",
            "-1",
            "10",
            "100.5",
            "0.5",
            "-0.05",
            "12.340",
            "30",
            "50.0",
            "41.666666666666666666666666667",
            "1e-28",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "18446744073709551616",
            "18446744073709551615",
            "0.0000000000000000000000000001",
            "123456789012345678901234567.8",
        ]
        .iter()
        .map(|t| {
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .unwrap()
        })
        .collect();
        values.push(-Decimal::ZERO);
        values.push(Decimal::new(-5, 3));
        for i in 0..=28u32 {
            values.push(Decimal::from_i128_with_scale(
                i128::from(u64::MAX) * 1_000 + 7,
                i,
            ));
            values.push(Decimal::from_i128_with_scale(-(1_i128 << 95) + 1, i));
        }
        for value in values {
            let expected = value.to_string();
            for script in ["`${x}`", "x.to_string()", "\"\" + x", "`a ${x} %`"] {
                let run = |engine: &Engine| {
                    let mut scope = Scope::new();
                    scope.push("x", value);
                    engine
                        .eval_with_scope::<ImmutableString>(&mut scope, script)
                        .unwrap()
                        .to_string()
                };
                let got = run(&ours);
                assert_eq!(got, run(&plain), "{script} with {value:?}");
                assert!(
                    got.contains(&expected),
                    "{script} gave {got}, not {expected}"
                );
            }
        }
    }
}
