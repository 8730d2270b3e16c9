//! Tests of portable migrations: reading files, the schema state's rules,
//! reverses, and unapplying them as each engine would. Renderers are
//! tested in each driver crate.

mod parse;
mod reverse;
mod schema;
mod unapply;

use super::{Operation, parse};

/// The operations of a TOML text, which must be valid.
#[track_caller]
fn ops(text: &str) -> Vec<Operation> {
    parse(text).unwrap_or_else(|e| panic!("{e:#?}")).operations
}
