//! Column types that exist on some engines only. SQLite takes any type
//! name (it keeps an affinity derived from the name), so it refuses none,
//! but reads PostgreSQL's `SERIAL` as a plain column.

use super::{Hit, references_ignored};
use crate::check::Stmt;
use crate::check::shape::{Action, ColumnDef, Shape, TypeRef};
use crate::dialect::SqlDialect;

/// Every column type of `s` that `family` does not accept as written.
pub(super) fn hits(family: SqlDialect, s: &Stmt) -> Vec<Hit> {
    let l = &s.lexed;
    let mut defs: Vec<(&ColumnDef, bool)> = Vec::new();
    let mut types: Vec<TypeRef> = Vec::new();
    let body_columns;
    match &s.shape {
        Shape::CreateTable {
            body: Some(body), ..
        } => {
            body_columns = l.body_columns(body.clone());
            defs.extend(body_columns.iter().map(|d| (d, true)));
        }
        Shape::AlterTable { actions, .. } => {
            for (action, _) in actions {
                match action {
                    Action::AddColumn(def) => defs.push((def, true)),
                    Action::Modify(def) | Action::Change { def, .. } => defs.push((def, false)),
                    Action::AlterType { ty, .. } => types.push(ty.clone()),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let mut hits = Vec::new();
    for (def, new_column) in &defs {
        if let Some(hit) = type_hit(family, &def.ty, *new_column) {
            hits.push(hit);
        }
        if family == SqlDialect::Mysql
            && matches!(s.shape, Shape::CreateTable { .. })
            && l.has_in(def.rest.clone(), &["REFERENCES"])
        {
            hits.push(references_ignored());
        }
    }
    for ty in &types {
        hits.extend(type_hit(family, ty, false));
    }
    // One finding per kind of problem is enough to fix them all.
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert(h.text.clone()));
    hits
}

/// What `family` makes of a type; `new_column`: a column being created,
/// where PostgreSQL's `SERIAL` also numbers the rows.
fn type_hit(family: SqlDialect, ty: &TypeRef, new_column: bool) -> Option<Hit> {
    let head = ty.head();
    let second = ty.words.get(1).map(String::as_str);
    let serial = matches!(
        head,
        "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" | "SERIAL2" | "SERIAL4" | "SERIAL8"
    );
    match family {
        SqlDialect::Sqlite if serial => Some(Hit::error(format!(
            "{head} is PostgreSQL's: SQLite makes a column of that type with no numbering (rows get NULL unless they give one); \
write INTEGER PRIMARY KEY, which SQLite numbers by itself, or use a portable migration's `auto_id`"
        ))),
        SqlDialect::Mysql if head == "SERIAL" && new_column => Some(Hit::warning(
            "on MySQL SERIAL means BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE (on PostgreSQL a signed INTEGER): a foreign key \
to it must be BIGINT UNSIGNED too; write BIGINT AUTO_INCREMENT (or a portable `big_auto_id`) to say which",
        )),
        SqlDialect::Mysql if serial => Some(Hit::error(format!(
            "{head} is PostgreSQL's: MySQL writes {} AUTO_INCREMENT",
            if head.starts_with("BIG") || head == "SERIAL8" {
                "BIGINT"
            } else {
                "INT"
            }
        ))),
        SqlDialect::Postgres => postgres_lacks(head, second).map(|instead| {
            Hit::error(format!(
                "{} is not a PostgreSQL type: write {instead}",
                ty.shown()
            ))
        }),
        SqlDialect::Mysql => mysql_lacks(ty, head, second),
        _ => None,
    }
}

/// MySQL's (and SQLite's) type names PostgreSQL does not know, with what
/// to write instead.
fn postgres_lacks(head: &str, second: Option<&str>) -> Option<&'static str> {
    Some(match head {
        "TINYINT" => "SMALLINT (or BOOLEAN for a flag)",
        "MEDIUMINT" => "INTEGER",
        "DATETIME" => "TIMESTAMP",
        "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" => "TEXT",
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "VARBINARY" | "BINARY" => "BYTEA",
        "ENUM" | "SET" => {
            "TEXT with a CHECK (c IN (...)), or a type made by CREATE TYPE ... AS ENUM"
        }
        "DOUBLE" if second != Some("PRECISION") => "DOUBLE PRECISION",
        "YEAR" => "SMALLINT",
        "NVARCHAR" | "NCHAR" => "VARCHAR",
        _ => return None,
    })
}

/// PostgreSQL's type names MySQL does not know.
fn mysql_lacks(ty: &TypeRef, head: &str, second: Option<&str>) -> Option<Hit> {
    if ty.array {
        return Some(Hit::error(
            "MySQL has no array types: use JSON, or a table of the elements",
        ));
    }
    let instead = match head {
        "BYTEA" => "LONGBLOB (or BLOB)",
        "JSONB" => "JSON",
        "TIMESTAMPTZ" => "TIMESTAMP (stored in UTC, shown in the session's time zone) or DATETIME",
        "TIMESTAMP"
            if ty.words.iter().any(|w| w == "ZONE") && !ty.words.iter().any(|w| w == "WITHOUT") =>
        {
            "TIMESTAMP (stored in UTC, shown in the session's time zone) or DATETIME"
        }
        "CITEXT" => "VARCHAR(n) with a case-insensitive (_ci) collation",
        "INET" | "CIDR" | "MACADDR" => "VARCHAR(45) or VARBINARY(16)",
        "MONEY" => "DECIMAL(19,4)",
        "TSVECTOR" | "TSQUERY" => "a FULLTEXT index on the text columns",
        "INTERVAL" => "an integer count of a unit",
        "UUID" => {
            return Some(Hit::warning(
                "MySQL has no UUID type (MariaDB 10.7+ has): MySQL writes CHAR(36) or BINARY(16)",
            ));
        }
        "VARCHAR" | "NVARCHAR" if !ty.args => return Some(varchar_length()),
        "CHARACTER" if second == Some("VARYING") && !ty.args => return Some(varchar_length()),
        "DOUBLE" | "REAL" | "TEXT" | "BOOLEAN" => return None,
        _ => return None,
    };
    Some(Hit::error(format!(
        "{} is not a MySQL type: write {instead}",
        ty.shown()
    )))
}

fn varchar_length() -> Hit {
    Hit::error("MySQL refuses VARCHAR without a length: write VARCHAR(n), or TEXT")
}
