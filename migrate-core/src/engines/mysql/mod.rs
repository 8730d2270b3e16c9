//! MySQL and MariaDB: their SQL (classification of implicit commits,
//! quoting, the history tables' types and upsert), portable rendering, and
//! what backends of MySQL share: the catalog queries of the journal and the
//! lock ([`catalog`]).

pub mod catalog;
mod dialect;
pub mod inspect;
pub mod render;

pub use dialect::MysqlDialect;
