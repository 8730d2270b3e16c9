//! SQLite: its SQL (classification, quoting, the history tables' types),
//! portable rendering, the catalog queries of the journal, and what
//! backends of SQLite share.

pub mod catalog;
mod dialect;
pub mod inspect;
pub mod render;

pub use dialect::{SqliteDialect, foreign_key_check_result, is_foreign_key_check};
