//! A database's schema as engine-neutral lines, so that SQLite, PostgreSQL
//! and MySQL schemas built from the same portable migrations can be compared
//! with each other: tables, columns (normalized type, nullability, default,
//! auto-increment), indexes, foreign keys and checks, then the names of
//! views, triggers and sequences.
//!
//! The schema is read by the core's inspection (`migrate_core::schema`),
//! whose catalog queries the drivers' own tests check against what each
//! engine holds, through the backend the `migrate` binary would use for
//! the scratch database's URL.

use migrate_core::Backend;
use migrate_core::backend::ConnectOptions;
use migrate_core::schema::{ForeignKey, Schema, Table};

use super::db::Scratch;

/// The schema of the scratch database, without the history tables.
pub async fn schema(db: &Scratch) -> Schema {
    let mut backend = connect(db).await;
    let schema = backend
        .inspect()
        .await
        .unwrap_or_else(|e| panic!("cannot inspect {}: {e}", db.url));
    let _ = backend.close().await;
    schema
}

/// A connection to the scratch database through the backend the `migrate`
/// binary would use for its URL.
pub async fn connect(db: &Scratch) -> Box<dyn Backend> {
    let registry = migrate_cli::Registry::builtin();
    let engine = registry
        .for_url(&db.url)
        .unwrap_or_else(|e| panic!("{}: {e}", db.url));
    let options = ConnectOptions {
        create: false,
        ..ConnectOptions::default()
    };
    engine
        .connect(&db.url, &options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", db.url))
}

/// Engine-neutral description of every user table (then of views,
/// triggers and sequences), one line per object.
pub async fn shape(db: &Scratch) -> Vec<String> {
    lines(&schema(db).await)
}

/// The lines of a schema: `table t`, then its columns in order, indexes
/// by name, foreign keys and checks, indented.
pub fn lines(schema: &Schema) -> Vec<String> {
    let mut lines = Vec::new();
    for table in schema.tables.values() {
        lines.push(format!("table {}", table.name));
        lines.extend(table_lines(table));
    }
    lines.extend(schema.views.keys().map(|v| format!("view {v}")));
    lines.extend(
        schema
            .triggers
            .values()
            .map(|t| format!("trigger {} on {}", t.name, t.table)),
    );
    lines.extend(schema.sequences.keys().map(|s| format!("sequence {s}")));
    lines
}

fn table_lines(table: &Table) -> Vec<String> {
    let mut lines = Vec::new();
    for column in &table.columns {
        let null = if table.primary_key.contains(&column.name) {
            " primary key"
        } else if column.nullable {
            " null"
        } else {
            " not null"
        };
        let default = column
            .default
            .as_ref()
            .map(|d| format!(" default {d}"))
            .unwrap_or_default();
        let auto = if column.auto_increment {
            " auto_increment"
        } else {
            ""
        };
        lines.push(format!(
            "  column {} {}{null}{default}{auto}",
            column.name, column.data_type
        ));
    }
    for index in &table.indexes {
        let predicate = index
            .predicate
            .as_ref()
            .map(|p| format!(" where {p}"))
            .unwrap_or_default();
        lines.push(format!(
            "  {}index {} ({}){predicate}",
            if index.unique { "unique " } else { "" },
            index.name,
            index.columns.join(", ")
        ));
    }
    lines.extend(table.foreign_keys.iter().map(foreign_key_line));
    lines.extend(
        table
            .checks
            .iter()
            .map(|c| format!("  check {}", c.expression)),
    );
    lines
}

/// `foreign key (a) references t (id) on delete cascade`: RESTRICT as NO
/// ACTION, which MySQL cannot tell apart, and ON UPDATE only when it does
/// something.
fn foreign_key_line(fk: &ForeignKey) -> String {
    let action = |a: &str| {
        if a == "restrict" {
            "no action".to_string()
        } else {
            a.to_string()
        }
    };
    let on_update = match action(&fk.on_update).as_str() {
        "no action" => String::new(),
        other => format!(" on update {other}"),
    };
    format!(
        "  foreign key ({}) references {} ({}) on delete {}{on_update}",
        fk.columns.join(", "),
        fk.referenced_table,
        fk.referenced_columns.join(", "),
        action(&fk.on_delete)
    )
}
