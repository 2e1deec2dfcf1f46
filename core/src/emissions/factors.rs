//! Fuel factors for a calculation: a fuel set from the registry, with the project's own
//! values put in front of it.
//!
//! A project that has measured its fuel (a supplier's calorific value, a lab carbon
//! content) should use it; the published defaults fill the rest. Overrides are kept apart
//! from the set rather than merged into a copy, so a result can say exactly which fuels were
//! the project's and which were the set's.

use std::collections::BTreeMap;

use crate::emissions::{FuelFactor, FuelLookup};
use crate::error::{Error, Result, echo};
use crate::registry::{DataRef, DataSet, Kind};

/// A fuel set with optional per-project overrides, ready for a [`crate::emissions::Context`].
#[derive(Debug, Clone)]
pub struct FuelTable<'a> {
    set: &'a DataSet,
    overrides: BTreeMap<String, FuelFactor>,
}

impl<'a> FuelTable<'a> {
    /// The set's values alone. `set` must be a `fuel_factors` set.
    pub fn new(set: &'a DataSet) -> Result<FuelTable<'a>> {
        FuelTable::with_overrides(set, BTreeMap::new())
    }

    /// The set with the project's values in front, keyed by fuel.
    ///
    /// An override may replace a fuel of the set or add one the set lacks (biogas, a local
    /// coal). Its `source` becomes `input`, so every factor a calculator reads says where it
    /// came from. A key that differs from the factor's `fuel`, a non-positive calorific value
    /// or a negative factor is an error pointing at `/fuel_overrides/<key>`.
    pub fn with_overrides(
        set: &'a DataSet,
        overrides: BTreeMap<String, FuelFactor>,
    ) -> Result<FuelTable<'a>> {
        if set.kind != Kind::FuelFactors {
            return Err(Error::invalid(
                "",
                format!("{} is a {}, not a fuel_factors set", set.id, set.kind),
            ));
        }
        let mut checked = BTreeMap::new();
        for (key, mut f) in overrides {
            let pointer = format!("/fuel_overrides/{key}");
            if f.fuel != key {
                return Err(Error::invalid(
                    pointer,
                    format!(
                        "the override for {} names fuel {}",
                        echo(&key),
                        echo(&f.fuel)
                    ),
                ));
            }
            if f.ncv_gj_per_unit <= rust_decimal::Decimal::ZERO {
                return Err(Error::invalid(
                    format!("{pointer}/ncv_gj_per_unit"),
                    format!("the calorific value of {} must be positive", echo(&key)),
                ));
            }
            for (field, v) in [
                ("co2_t_per_gj", f.co2_t_per_gj),
                ("ch4_t_per_gj", f.ch4_t_per_gj),
                ("n2o_t_per_gj", f.n2o_t_per_gj),
            ] {
                if v < rust_decimal::Decimal::ZERO {
                    return Err(Error::invalid(
                        format!("{pointer}/{field}"),
                        format!("an emission factor of {} cannot be negative", echo(&key)),
                    ));
                }
            }
            f.source = "input".into();
            checked.insert(key, f);
        }
        Ok(FuelTable {
            set,
            overrides: checked,
        })
    }

    /// The project's values, by fuel.
    pub fn overrides(&self) -> &BTreeMap<String, FuelFactor> {
        &self.overrides
    }

    /// The fuels the project overrode (or added), in key order, for the result's report.
    pub fn overridden_fuels(&self) -> Vec<&str> {
        self.overrides.keys().map(String::as_str).collect()
    }

    /// The citation of the set, marked overridden when the project supplied any fuel.
    pub fn data_ref(&self) -> DataRef {
        DataRef {
            overridden: !self.overrides.is_empty(),
            ..self.set.data_ref()
        }
    }
}

impl FuelLookup for FuelTable<'_> {
    fn fuel(&self, fuel: &str) -> Result<FuelFactor> {
        if let Some(f) = self.overrides.get(fuel) {
            return Ok(f.clone());
        }
        self.set.fuel_factor(fuel).map_err(|e| {
            if self.overrides.is_empty() {
                return e;
            }
            // The known fuels include the project's own.
            Error {
                message: format!(
                    "{}; the project gives {}",
                    e.message,
                    self.overridden_fuels().join(", ")
                ),
                ..e
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::registry::Registry;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn own_diesel() -> FuelFactor {
        FuelFactor {
            fuel: "diesel".into(),
            ncv_gj_per_unit: d("43.3"),
            unit: "t".into(),
            co2_t_per_gj: d("0.0740"),
            ch4_t_per_gj: Decimal::ZERO,
            n2o_t_per_gj: Decimal::ZERO,
            source: "supplier certificate".into(),
        }
    }

    #[test]
    fn the_set_answers_alone_and_names_itself() {
        let r = Registry::embedded().unwrap();
        let table = FuelTable::new(r.get("ipcc-2006-fuels-commercial").unwrap()).unwrap();
        let diesel = table.fuel("diesel").unwrap();
        assert_eq!(diesel.co2_t_per_gj, d("0.0741"));
        assert_eq!(diesel.source, "ipcc-2006-fuels-commercial");
        assert!(!table.data_ref().overridden);
        assert!(table.overridden_fuels().is_empty());
    }

    #[test]
    fn overrides_take_precedence_and_are_reported() {
        let r = Registry::embedded().unwrap();
        let set = r.get("cn-ndrc-2013-fuels").unwrap();
        let mut biogas = own_diesel();
        biogas.fuel = "biogas".into();
        biogas.unit = "m3".into();
        biogas.ncv_gj_per_unit = d("0.0215");
        biogas.co2_t_per_gj = Decimal::ZERO;
        let table = FuelTable::with_overrides(
            set,
            BTreeMap::from([("diesel".into(), own_diesel()), ("biogas".into(), biogas)]),
        )
        .unwrap();
        let diesel = table.fuel("diesel").unwrap();
        assert_eq!(diesel.ncv_gj_per_unit, d("43.3"));
        assert_eq!(diesel.source, "input");
        assert_eq!(table.fuel("biogas").unwrap().unit, "m3");
        // Fuels the project did not give still come from the set.
        assert_eq!(table.fuel("lpg").unwrap().source, "cn-ndrc-2013-fuels");
        assert_eq!(table.overridden_fuels(), ["biogas", "diesel"]);
        let cite = table.data_ref();
        assert!(cite.overridden);
        assert_eq!(cite.id, "cn-ndrc-2013-fuels");
        let err = table.fuel("peat").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownData);
        assert!(err.message.contains("known fuels are natural_gas"), "{err}");
        assert!(
            err.message.contains("the project gives biogas, diesel"),
            "{err}"
        );
    }

    #[test]
    fn bad_overrides_and_wrong_sets_are_refused() {
        let r = Registry::embedded().unwrap();
        let set = r.get("ipcc-2006-fuels-commercial").unwrap();
        let err = FuelTable::with_overrides(set, BTreeMap::from([("petrol".into(), own_diesel())]))
            .unwrap_err();
        assert_eq!(err.pointer, "/fuel_overrides/petrol");
        let mut bad = own_diesel();
        bad.ncv_gj_per_unit = Decimal::ZERO;
        let err =
            FuelTable::with_overrides(set, BTreeMap::from([("diesel".into(), bad)])).unwrap_err();
        assert_eq!(err.pointer, "/fuel_overrides/diesel/ncv_gj_per_unit");
        let mut bad = own_diesel();
        bad.ch4_t_per_gj = d("-0.1");
        let err =
            FuelTable::with_overrides(set, BTreeMap::from([("diesel".into(), bad)])).unwrap_err();
        assert_eq!(err.pointer, "/fuel_overrides/diesel/ch4_t_per_gj");
        let err = FuelTable::new(r.get("ipcc-ar6-gwp100").unwrap()).unwrap_err();
        assert!(err.message.contains("not a fuel_factors set"), "{err}");
    }
}
