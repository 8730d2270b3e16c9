//! Portable migrations: schema operations kept as data and rendered to each
//! engine's SQL, so that one `NNNN_name.toml` file runs on SQLite locally
//! and on PostgreSQL or MySQL/MariaDB in production.
//!
//! - [`mod@file`] reads a migration file into [`Operation`]s, reporting every
//!   problem with its line, operation and field;
//! - [`SchemaState`] is the schema those operations build, in memory; it
//!   checks each operation before applying it and resolves it into a
//!   [`Change`] with every name filled in ([`names`] generates the missing
//!   ones);
//! - [`mod@reverse`] derives the operations that undo an operation from the
//!   state before it;
//! - each driver crate implements [`Renderer`] and returns it from
//!   [`crate::Dialect::renderer`].
//!
//! # File format
//!
//! ```toml
//! depends_on = ["accounts:0002"]          # optional
//!
//! [[operations]]
//! op = "create_table"
//! table = "patient"
//! columns = [
//!   { name = "id", type = "auto_id" },
//!   { name = "name", type = "string", length = 100 },
//!   { name = "dob", type = "date", nullable = true },
//!   { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" },
//!   { name = "doctor_id", type = "integer", nullable = true },
//! ]
//! primary_key = ["id"]                    # optional when an auto_id column exists
//! unique = [["name", "dob"]]              # or [{ name = "...", columns = [...] }]
//! indexes = [{ columns = ["dob"] }]       # name, unique = true optional
//! checks = [{ name = "positive_balance", expr = "balance >= 0" }]
//! foreign_keys = [{ columns = ["doctor_id"], references = "doctor", ref_columns = ["id"], on_delete = "cascade" }]
//!
//! [[operations]]
//! op = "sql"
//! up = "UPDATE patient SET name = upper(name)"
//! down = "SELECT 1"                       # absent: irreversible
//! postgres = { up = "...", down = "..." } # per-engine variants: sqlite, postgres, mysql
//! ```
//!
//! | `op` | fields |
//! |---|---|
//! | `create_table` | `table`, `columns`, `primary_key`?, `unique`?, `indexes`?, `checks`?, `foreign_keys`? |
//! | `drop_table` | `table` |
//! | `rename_table` | `table`, `to` |
//! | `add_column` | `table`, `column` (a column table) |
//! | `drop_column` | `table`, `column` (a name), `restore_default`? (what existing rows get when the drop is reversed: see [`DropColumn`]) |
//! | `alter_column` | `table`, `column`, any of: `type` (+ `length`/`precision`/`scale`), `nullable`, `default` or `drop_default = true` |
//! | `rename_column` | `table`, `column`, `to` |
//! | `create_index` | `table`, `columns`, `name`?, `unique`? |
//! | `drop_index` | `table`, `name` or `columns` |
//! | `add_foreign_key` | `table`, `columns`, `references`, `ref_columns`? (default: the primary key), `name`?, `on_delete`?, `on_update`? |
//! | `drop_foreign_key` | `table`, `name` or `columns` |
//! | `add_unique` | `table`, `columns`, `name`? |
//! | `drop_unique` | `table`, `name` or `columns` |
//! | `sql` | `up`, `down`?, `sqlite`?, `postgres`?, `mysql`? (`{ up, down? }`) |
//!
//! Columns: `{ name, type, nullable = false, default? }` with `length` for
//! `string`, `precision` and `scale` (default 0) for `decimal`. Types:
//! `smallint`, `integer`, `bigint`, `auto_id`, `big_auto_id`, `decimal`,
//! `float`, `double`, `boolean`, `string`, `text`, `binary`, `date`,
//! `time`, `timestamp`, `timestamp_tz`, `uuid`, `json` ([`ColumnType`]).
//! Defaults: see [`ColumnDefault`]. Referential actions: `no_action`
//! (default), `restrict`, `cascade`, `set_null`. Unknown fields are errors.
//! Unnamed indexes and constraints get the names [`names`] documents.

pub mod file;
pub mod names;
pub mod ops;
pub mod render;
pub mod reverse;
pub mod schema;
pub mod types;

#[cfg(test)]
mod tests;

pub use file::{ParseError, PortableMigration, parse};
pub use ops::{
    AddColumn, AddForeignKey, AddUnique, AlterColumn, CheckSpec, CreateIndex, CreateTable,
    DropColumn, DropForeignKey, DropIndex, DropTable, DropUnique, ForeignKeySpec, IndexSpec,
    Operation, ReferentialAction, RenameColumn, RenameTable, SqlOp, SqlVariant, UniqueSpec,
};
pub use render::{Renderer, render_all};
pub use reverse::{Irreversible, reverse, reverse_all};
pub use schema::{
    AlterFlags, Change, Check, ForeignKey, Index, OperationError, SchemaState, Table, Unique,
};
pub use types::{Column, ColumnDefault, ColumnType, FieldError};
