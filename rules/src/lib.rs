//! Green-bond eligibility rules: the sandboxed rule engine and the rule-pack loader.
//!
//! The crate is laid out in the workspace now so that dependency edges are fixed from the
//! start (`core` ← `rules`); its engine arrives with the eligibility work.
