//! PostgreSQL: its SQL (classification, quoting), portable rendering, and
//! what backends of PostgreSQL share: the catalog queries that answer the
//! journal's probes and captures and name the lock's holder.

pub mod catalog;
mod dialect;
pub mod inspect;
pub mod render;

pub use dialect::PostgresDialect;
