//! MySQL and MariaDB: their SQL (classification of implicit commits,
//! quoting, the history tables' types and upsert), portable rendering, and
//! what backends of MySQL share.

mod dialect;
pub mod render;

pub use dialect::MysqlDialect;
