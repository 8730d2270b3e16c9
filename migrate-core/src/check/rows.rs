//! Generated rows for the proof: a few rows in each table a migration
//! touched, so that its down and its second up run on a table that holds
//! data, as they would in production.

use std::collections::BTreeSet;

use crate::backend::{Backend, Dialect};
use crate::dialect::SqlDialect;
use crate::history::Value;
use crate::schema::{Column, Schema, Table};

/// Rows inserted in each table.
pub const ROWS_PER_TABLE: usize = 3;

/// What generating rows did: rows inserted per table, and tables left
/// empty with the reason.
#[derive(Debug, Default)]
pub struct Generated {
    /// `(table, rows inserted)`.
    pub inserted: Vec<(String, usize)>,
    /// `(table, why no row could be inserted)`.
    pub skipped: Vec<(String, String)>,
}

/// Inserts [`ROWS_PER_TABLE`] rows in each of `tables` (parents before
/// children, so that a foreign key finds a row to point at). `counter`
/// makes every generated value unique across the whole proof.
pub async fn insert(
    backend: &mut dyn Backend,
    schema: &Schema,
    tables: &BTreeSet<String>,
    counter: &mut u64,
) -> Generated {
    let mut generated = Generated::default();
    for name in parents_first(schema, tables) {
        let table = &schema.tables[&name];
        let mut inserted = 0;
        for _ in 0..ROWS_PER_TABLE {
            *counter += 1;
            let sql = match row_sql(backend, table, *counter).await {
                Ok(sql) => sql,
                Err(why) => {
                    generated.skipped.push((name.clone(), why));
                    break;
                }
            };
            if let Err(e) = backend.execute(&sql).await {
                generated
                    .skipped
                    .push((name.clone(), format!("`{sql}` failed: {e}")));
                break;
            }
            inserted += 1;
        }
        if inserted > 0 {
            generated.inserted.push((name, inserted));
        }
    }
    generated
}

/// Counts the rows of a table; `None` when it is gone.
pub async fn count(backend: &mut dyn Backend, table: &str) -> Option<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM {}",
        backend.dialect().quote_identifier(table)
    );
    match backend.query(&sql, &[]).await {
        Ok(rows) => match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => Some(*n),
            Some(Value::Text(t)) => t.parse().ok(),
            _ => None,
        },
        Err(_) => None,
    }
}

/// `tables` ordered so that a table comes after those its foreign keys
/// point at (a cycle is broken where it closes).
fn parents_first(schema: &Schema, tables: &BTreeSet<String>) -> Vec<String> {
    fn visit(
        name: &str,
        schema: &Schema,
        tables: &BTreeSet<String>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if !seen.insert(name.to_string()) {
            return;
        }
        if let Some(table) = schema.tables.get(name) {
            for fk in &table.foreign_keys {
                if tables.contains(&fk.referenced_table) {
                    visit(&fk.referenced_table, schema, tables, seen, out);
                }
            }
            out.push(name.to_string());
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for name in tables {
        visit(name, schema, tables, &mut seen, &mut out);
    }
    out
}

/// One `INSERT` for `table`, every value generated from `n`; a foreign key
/// column takes a value its parent holds.
async fn row_sql(backend: &mut dyn Backend, table: &Table, n: u64) -> Result<String, String> {
    let family = backend.dialect().sql_dialect();
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if column.auto_increment {
            continue;
        }
        let fk = table
            .foreign_keys
            .iter()
            .find(|fk| fk.columns.contains(&column.name));
        let value = match fk {
            Some(fk) => {
                let at = fk
                    .columns
                    .iter()
                    .position(|c| *c == column.name)
                    .unwrap_or(0);
                let parent_column = fk.referenced_columns.get(at).cloned().unwrap_or_default();
                match parent_value(backend, &fk.referenced_table, &parent_column).await {
                    Some(v) => v,
                    None if column.nullable => "NULL".to_string(),
                    None => {
                        return Err(format!(
                            "its column {} references {}, which holds no row",
                            column.name, fk.referenced_table
                        ));
                    }
                }
            }
            None => match literal(family, column, n) {
                Some(v) => v,
                None if column.nullable || column.default.is_some() => continue,
                None => {
                    return Err(format!(
                        "no value can be generated for its column {} of type {}",
                        column.name, column.data_type
                    ));
                }
            },
        };
        columns.push(column.name.as_str());
        values.push(value);
    }
    let quote = |s: &str| backend.dialect().quote_identifier(s);
    let columns: Vec<String> = columns.into_iter().map(quote).collect();
    let table_name = quote(&table.name);
    Ok(if columns.is_empty() {
        match family {
            SqlDialect::Mysql => format!("INSERT INTO {table_name} () VALUES ()"),
            _ => format!("INSERT INTO {table_name} DEFAULT VALUES"),
        }
    } else {
        format!(
            "INSERT INTO {table_name} ({}) VALUES ({})",
            columns.join(", "),
            values.join(", ")
        )
    })
}

/// A value of `parent.column` as an SQL literal, from a row it holds.
async fn parent_value(backend: &mut dyn Backend, parent: &str, column: &str) -> Option<String> {
    let d: &dyn Dialect = backend.dialect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} IS NOT NULL ORDER BY 1 LIMIT 1",
        d.quote_identifier(column),
        d.quote_identifier(parent),
        d.quote_identifier(column)
    );
    let rows = backend.query(&sql, &[]).await.ok()?;
    match rows.first()?.first()? {
        Value::Int(i) => Some(i.to_string()),
        Value::Text(t) => Some(text(t)),
        Value::Null => None,
    }
}

/// A value of the column's (normalized) type, unique for each `n`; `None`
/// for a type with no generic literal.
fn literal(family: SqlDialect, column: &Column, n: u64) -> Option<String> {
    let ty = column.data_type.as_str();
    let base = ty.split('(').next().unwrap_or(ty);
    let args: Vec<u64> = ty
        .find('(')
        .map(|i| {
            ty[i + 1..ty.len().saturating_sub(1)]
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    Some(match base {
        // Room for tens of thousands of rows even in a smallint.
        "integer" | "bigint" | "smallint" | "int" | "mediumint" | "tinyint" => {
            let max = if base == "tinyint" { 120 } else { 30_000 };
            (n % max + 1).to_string()
        }
        "float" | "double" | "real" => format!("{}.5", n % 30_000),
        "decimal" | "numeric" => {
            let (precision, scale) = (
                args.first().copied().unwrap_or(10),
                args.get(1).copied().unwrap_or(0),
            );
            let digits = precision.saturating_sub(scale).clamp(1, 6) as u32;
            (n % 10u64.pow(digits)).to_string()
        }
        "boolean" => match family {
            SqlDialect::Postgres => if n.is_multiple_of(2) { "TRUE" } else { "FALSE" }.into(),
            _ => (n % 2).to_string(),
        },
        "string" | "char" => {
            let value = format!("r{n}");
            let length = args.first().copied().unwrap_or(255) as usize;
            let end = value.len().min(length.max(1));
            text(&value[value.len() - end..])
        }
        "text" => text(&format!("row {n}")),
        "date" => format!("'2024-{:02}-{:02}'", n % 12 + 1, n % 28 + 1),
        "timestamp" | "datetime" => format!(
            "'2024-{:02}-{:02} {:02}:{:02}:00'",
            n % 12 + 1,
            n % 28 + 1,
            n % 24,
            n % 60
        ),
        "time" => format!("'{:02}:{:02}:00'", n % 24, n % 60),
        "uuid" => format!("'00000000-0000-4000-8000-{n:012}'"),
        "json" | "jsonb" => format!("'{{\"n\": {n}}}'"),
        "binary" => match family {
            SqlDialect::Postgres => format!("'\\x{:02x}'", n % 256),
            _ => format!("X'{:02x}'", n % 256),
        },
        _ => return None,
    })
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: &str) -> Column {
        Column {
            name: "c".into(),
            data_type: ty.into(),
            nullable: false,
            default: None,
            auto_increment: false,
        }
    }

    #[test]
    fn literals_fit_their_types() {
        let l = |ty: &str| literal(SqlDialect::Postgres, &column(ty), 123_456);
        assert_eq!(l("string(3)").as_deref(), Some("'456'"));
        assert_eq!(l("decimal(4,2)").as_deref(), Some("56"));
        assert_eq!(l("boolean").as_deref(), Some("TRUE"));
        assert_eq!(l("date").as_deref(), Some("'2024-01-05'"));
        assert_eq!(l("geometry"), None);
        assert_eq!(
            literal(SqlDialect::Mysql, &column("boolean"), 3).as_deref(),
            Some("1")
        );
    }
}
