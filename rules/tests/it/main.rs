//! Integration tests of `greenlight-rules`: every shipped case through the real engine, the
//! sandbox, and the loader's errors.

mod cases;
mod mutated_projects;
mod reference;
mod rule_functions;
mod sandbox;
