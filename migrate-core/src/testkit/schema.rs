//! Short ways to write the [`crate::schema`] model a test expects, and to
//! read the one a backend inspects.
//!
//! ```ignore
//! let expected = Table {
//!     indexes: vec![unique("t_code_key", &["code"])],
//!     ..table("t", vec![auto(column("id", "integer")), nullable(column("code", "string(10)"))], &["id"])
//! };
//! ```

use crate::backend::Backend;
use crate::schema::{Check, Column, ForeignKey, Index, Schema, Table};

/// Names as owned strings.
pub fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

/// A NOT NULL column of (normalized) type `data_type`, without default.
pub fn column(name: &str, data_type: &str) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable: false,
        default: None,
        auto_increment: false,
    }
}

/// The same column, accepting NULL.
pub fn nullable(column: Column) -> Column {
    Column {
        nullable: true,
        ..column
    }
}

/// The same column with a (normalized) default.
pub fn with_default(column: Column, default: &str) -> Column {
    Column {
        default: Some(default.into()),
        ..column
    }
}

/// The same column, filled by the engine.
pub fn auto(column: Column) -> Column {
    Column {
        auto_increment: true,
        ..column
    }
}

/// A table with these columns and primary key, and nothing else.
pub fn table(name: &str, columns: Vec<Column>, primary_key: &[&str]) -> Table {
    Table {
        name: name.into(),
        columns,
        primary_key: names(primary_key),
        ..Table::default()
    }
}

/// A plain index.
pub fn index(name: &str, columns: &[&str]) -> Index {
    Index {
        name: name.into(),
        unique: false,
        columns: names(columns),
        predicate: None,
    }
}

/// A unique index.
pub fn unique(name: &str, columns: &[&str]) -> Index {
    Index {
        unique: true,
        ..index(name, columns)
    }
}

/// A foreign key whose actions are both `no action`.
pub fn foreign_key(
    name: Option<&str>,
    columns: &[&str],
    referenced_table: &str,
    referenced_columns: &[&str],
) -> ForeignKey {
    ForeignKey {
        name: name.map(String::from),
        columns: names(columns),
        referenced_table: referenced_table.into(),
        referenced_columns: names(referenced_columns),
        on_delete: "no action".into(),
        on_update: "no action".into(),
    }
}

/// A check.
pub fn check(name: Option<&str>, expression: &str) -> Check {
    Check {
        name: name.map(String::from),
        expression: expression.into(),
    }
}

/// The schema `b` inspects; panics with the error.
pub async fn inspect(b: &mut dyn Backend) -> Schema {
    b.inspect()
        .await
        .unwrap_or_else(|e| panic!("cannot inspect the schema: {e}"))
}
