//! PostgreSQL: its SQL (classification, quoting), portable rendering, and
//! what backends of PostgreSQL share.

mod dialect;
pub mod render;

pub use dialect::PostgresDialect;
