//! SQLite's catalog as a [`Schema`]: the `main` database, read from
//! `sqlite_master` and the table-valued pragmas (`pragma_table_xinfo`,
//! `pragma_index_list`, `pragma_index_xinfo`, `pragma_foreign_key_list`)
//! joined to it, in four queries whatever the number of tables, through
//! [`Backend::query`].
//!
//! SQLite keeps no names for checks and foreign keys and no text for index
//! expressions: those are read from the `CREATE TABLE` and `CREATE INDEX`
//! texts it keeps. A check or a foreign key the text names none for has
//! no name.
//!
//! A rowid alias (the one `INTEGER PRIMARY KEY` column of a table with
//! rowids) is auto-increment, with or without `AUTOINCREMENT`: SQLite fills
//! it when an insert leaves it out, as PostgreSQL's identity columns and
//! MySQL's `AUTO_INCREMENT` do. It is NOT NULL, as are the primary key
//! columns of a `WITHOUT ROWID` table; other primary key columns are as
//! declared (SQLite lets them hold NULL unless they say NOT NULL).

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::dialect::SqlDialect;
use crate::error::Result;
use crate::schema::normalize::{self, data_type, default_value};
use crate::schema::row::rows;
use crate::schema::tokens::{self, Tok, lex, matching, split_commas};
use crate::schema::{
    Check, Column, ForeignKey, Index, Schema, Scope, Table, Trigger, View, own_tables,
};

const LITE: SqlDialect = SqlDialect::Sqlite;

/// The user's tables in scope, as the alias `m` of `sqlite_master`: not
/// SQLite's own (`sqlite_sequence`, `sqlite_stat1`, ...).
fn tables_in(scope: Scope<'_>) -> String {
    format!(
        "m.type = 'table' AND lower(substr(m.name, 1, 7)) <> 'sqlite_'{}",
        scope.condition("m.name", false)
    )
}

/// Reads `scope` of `backend`'s main database.
pub async fn inspect<B: Backend + ?Sized>(backend: &mut B, scope: Scope<'_>) -> Result<Schema> {
    let own = own_tables(backend.location());
    let is_own = |name: &str| own.iter().any(|o| o.eq_ignore_ascii_case(name));
    let tables_sql = tables_in(scope);
    let views = if scope.whole() {
        " OR m.type = 'view'"
    } else {
        ""
    };
    let objects = rows(
        backend,
        "objects",
        &format!(
            "SELECT m.type, m.name, m.tbl_name, m.sql FROM sqlite_master m \
             WHERE ({tables_sql}) OR (m.type = 'trigger'{}){views} ORDER BY m.name",
            scope.condition("m.tbl_name", false)
        ),
        &[],
    )
    .await?;
    let mut tables = BTreeMap::new();
    let mut parsed = BTreeMap::new();
    let mut views = BTreeMap::new();
    let mut triggers = BTreeMap::new();
    for row in objects {
        let (name, table, sql) = (row.text(1), row.text(2), row.text(3));
        match row.text(0).as_str() {
            "table" if !is_own(&name) => {
                parsed.insert(name.clone(), CreateTable::parse(&sql));
                tables.insert(name.clone(), Table::new(name));
            }
            "view" => {
                let definition = view_query(&sql);
                views.insert(name.clone(), View { name, definition });
            }
            "trigger" if !is_own(&table) => {
                let definition = normalize::expression(LITE, &sql);
                triggers.insert(
                    name.clone(),
                    Trigger {
                        name,
                        table,
                        definition,
                    },
                );
            }
            _ => {}
        }
    }
    columns(backend, &mut tables, &tables_sql, &parsed).await?;
    indexes(backend, &mut tables, &tables_sql).await?;
    foreign_keys(backend, &mut tables, &tables_sql, &parsed).await?;
    for (name, table) in tables.iter_mut() {
        if let Some(create) = parsed.get(name) {
            table.checks = create.checks.clone();
        }
    }
    Ok(Schema {
        tables,
        views,
        triggers,
        sequences: BTreeMap::new(),
    }
    .sorted())
}

async fn columns<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
    parsed: &BTreeMap<String, CreateTable>,
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
         WHERE {tables_sql} AND p.hidden <> 1 ORDER BY m.name, p.cid"
    );
    // (table, position in the key, column, declared type)
    let mut keys: Vec<(String, i64, String, String)> = Vec::new();
    for row in rows(backend, "columns", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let declared = row.text(2);
        let data_type = data_type(LITE, &declared);
        if row.int(5) > 0 {
            keys.push((table.name.clone(), row.int(5), row.text(1), declared));
        }
        table.columns.push(Column {
            name: row.text(1),
            nullable: !row.flag(3),
            default: row
                .opt_text(4)
                .and_then(|d| default_value(LITE, &d, &data_type)),
            auto_increment: false,
            data_type,
        });
    }
    keys.sort();
    for (name, table) in tables.iter_mut() {
        let key: Vec<&(String, i64, String, String)> =
            keys.iter().filter(|(t, ..)| t == name).collect();
        table.primary_key = key.iter().map(|(_, _, c, _)| c.clone()).collect();
        let without_rowid = parsed.get(name).is_some_and(|p| p.without_rowid);
        let rowid_alias = match key.as_slice() {
            [(_, _, column, declared)]
                if !without_rowid && declared.eq_ignore_ascii_case("integer") =>
            {
                Some(column.clone())
            }
            _ => None,
        };
        for column in &mut table.columns {
            if rowid_alias.as_deref() == Some(column.name.as_str()) {
                column.auto_increment = true;
                column.nullable = false;
            } else if without_rowid && table.primary_key.contains(&column.name) {
                column.nullable = false;
            }
        }
    }
    Ok(())
}

/// Every index but a `WITHOUT ROWID` table's primary key: one row per key
/// part, with the `CREATE INDEX` text for expressions and predicates.
async fn indexes<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, il.name, il.\"unique\", ix.cid, ix.name, ix.\"desc\", s.sql \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         JOIN pragma_index_xinfo(il.name) ix \
         LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name \
         WHERE {tables_sql} AND il.origin <> 'pk' AND ix.key = 1 \
         ORDER BY m.name, il.name, ix.seqno"
    );
    let mut create: Option<CreateIndex> = None;
    for row in rows(backend, "indexes", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let name = row.text(1);
        if table.indexes.last().is_none_or(|i| i.name != name) {
            create = row.opt_text(6).map(|sql| CreateIndex::parse(&sql));
            table.indexes.push(Index {
                name,
                unique: row.flag(2),
                columns: Vec::new(),
                predicate: create.as_ref().and_then(|c| c.predicate.clone()),
            });
        }
        let Some(index) = table.indexes.last_mut() else {
            continue;
        };
        let position = index.columns.len();
        let mut part = match row.opt_text(4) {
            Some(column) if row.int(3) >= 0 => column,
            _ => create
                .as_ref()
                .and_then(|c| c.parts.get(position).cloned())
                .map_or_else(|| "(?)".to_string(), |p| format!("({p})")),
        };
        if row.flag(5) {
            part.push_str(" desc");
        }
        index.columns.push(part);
    }
    Ok(())
}

/// Foreign keys, one row per column; names from the `CREATE TABLE`.
async fn foreign_keys<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
    parsed: &BTreeMap<String, CreateTable>,
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE {tables_sql} ORDER BY m.name, f.id, f.seq"
    );
    // (table, id) -> key
    let mut keys: BTreeMap<(String, i64), ForeignKey> = BTreeMap::new();
    let mut targets_of_pk: Vec<(String, i64)> = Vec::new();
    for row in rows(backend, "foreign keys", &sql, &[]).await? {
        let table = row.text(0);
        if !tables.contains_key(&table) {
            continue;
        }
        let id = (table, row.int(1));
        let fk = keys.entry(id.clone()).or_insert_with(|| ForeignKey {
            name: None,
            columns: Vec::new(),
            referenced_table: row.text(2),
            referenced_columns: Vec::new(),
            on_delete: normalize::referential_action(LITE, &row.text(6)),
            on_update: normalize::referential_action(LITE, &row.text(5)),
        });
        fk.columns.push(row.text(3));
        match row.opt_text(4) {
            Some(to) => fk.referenced_columns.push(to),
            // `REFERENCES parent` alone: the parent's primary key.
            None => targets_of_pk.push(id),
        }
    }
    for id in targets_of_pk {
        let referenced = keys[&id].referenced_table.clone();
        let primary_key = tables
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&referenced))
            .map(|(_, t)| t.primary_key.clone())
            .unwrap_or_default();
        if let Some(fk) = keys.get_mut(&id) {
            fk.referenced_columns = primary_key;
        }
    }
    let mut named: BTreeMap<&String, Vec<&Named>> = parsed
        .iter()
        .map(|(table, create)| (table, create.foreign_keys.iter().collect()))
        .collect();
    for ((table, _), mut fk) in keys {
        if let Some(names) = named.get_mut(&table) {
            let same = |n: &&Named| {
                n.referenced_table
                    .eq_ignore_ascii_case(&fk.referenced_table)
                    && n.columns.len() == fk.columns.len()
                    && n.columns
                        .iter()
                        .zip(&fk.columns)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            };
            if let Some(at) = names.iter().position(same) {
                fk.name = names.remove(at).name.clone();
            }
        }
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// The query of a `CREATE VIEW` text, normalized.
fn view_query(create: &str) -> String {
    let Some(tokens) = lex(LITE, create) else {
        return normalize::expression(LITE, create);
    };
    match tokens.iter().position(|t| t.is("as")) {
        Some(at) => tokens::normal(tokens[at + 1..].to_vec()),
        None => tokens::normal(tokens),
    }
}

/// A foreign key as a `CREATE TABLE` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    name: Option<String>,
    columns: Vec<String>,
    referenced_table: String,
}

/// What SQLite keeps only in a table's `CREATE TABLE` text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CreateTable {
    checks: Vec<Check>,
    foreign_keys: Vec<Named>,
    without_rowid: bool,
}

/// The names in a parenthesized list of names starting at `open`, and
/// where it ends.
fn name_list(tokens: &[Tok], open: usize) -> Option<(Vec<String>, usize)> {
    if tokens.get(open) != Some(&Tok::Open) {
        return None;
    }
    let close = matching(tokens, open)?;
    let names = split_commas(&tokens[open + 1..close])
        .into_iter()
        .filter_map(|part| part.first().and_then(Tok::name))
        .collect();
    Some((names, close))
}

impl CreateTable {
    fn parse(sql: &str) -> CreateTable {
        let Some(tokens) = lex(LITE, sql) else {
            return CreateTable::default();
        };
        let Some(open) = tokens.iter().position(|t| *t == Tok::Open) else {
            return CreateTable::default();
        };
        let Some(close) = matching(&tokens, open) else {
            return CreateTable::default();
        };
        let mut create = CreateTable {
            without_rowid: tokens[close + 1..]
                .windows(2)
                .any(|w| w[0].is("without") && w[1].is("rowid")),
            ..CreateTable::default()
        };
        for part in split_commas(&tokens[open + 1..close]) {
            create.definition(part);
        }
        create
    }

    /// Reads the checks and foreign keys of one column or table
    /// constraint definition.
    fn definition(&mut self, part: &[Tok]) {
        const TABLE_CONSTRAINTS: &[&str] = &["constraint", "primary", "unique", "check", "foreign"];
        let column = match part.first() {
            Some(first) if !TABLE_CONSTRAINTS.iter().any(|k| first.is(k)) => first.name(),
            _ => None,
        };
        let mut name: Option<String> = None;
        let mut i = usize::from(column.is_some());
        while i < part.len() {
            let tok = &part[i];
            if tok.is("constraint") {
                name = part.get(i + 1).and_then(Tok::name);
                i += 2;
                continue;
            }
            if tok.is("check")
                && part.get(i + 1) == Some(&Tok::Open)
                && let Some(close) = matching(part, i + 1)
            {
                self.checks.push(Check {
                    name: name.take(),
                    expression: tokens::normal(part[i + 2..close].to_vec()),
                });
                i = close + 1;
                continue;
            }
            if tok.is("foreign")
                && part.get(i + 1).is_some_and(|t| t.is("key"))
                && let Some((columns, close)) = name_list(part, i + 2)
                && part.get(close + 1).is_some_and(|t| t.is("references"))
                && let Some(table) = part.get(close + 2).and_then(Tok::name)
            {
                self.foreign_keys.push(Named {
                    name: name.take(),
                    columns,
                    referenced_table: table,
                });
                i = close + 3;
                continue;
            }
            if tok.is("references")
                && let (Some(column), Some(table)) =
                    (column.clone(), part.get(i + 1).and_then(Tok::name))
            {
                self.foreign_keys.push(Named {
                    name: name.take(),
                    columns: vec![column],
                    referenced_table: table,
                });
                i += 2;
                continue;
            }
            if [
                "primary",
                "unique",
                "not",
                "null",
                "default",
                "collate",
                "generated",
                "as",
            ]
            .iter()
            .any(|k| tok.is(k))
            {
                name = None;
            }
            i = match tok {
                Tok::Open => matching(part, i).map_or(part.len(), |close| close + 1),
                _ => i + 1,
            };
        }
    }
}

/// What SQLite keeps only in an index's `CREATE INDEX` text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CreateIndex {
    /// Each key part as written (without `COLLATE`, `ASC`, `DESC`),
    /// normalized.
    parts: Vec<String>,
    predicate: Option<String>,
}

impl CreateIndex {
    fn parse(sql: &str) -> CreateIndex {
        let Some(tokens) = lex(LITE, sql) else {
            return CreateIndex::default();
        };
        let Some(open) = tokens.iter().position(|t| *t == Tok::Open) else {
            return CreateIndex::default();
        };
        let Some(close) = matching(&tokens, open) else {
            return CreateIndex::default();
        };
        let parts = split_commas(&tokens[open + 1..close])
            .into_iter()
            .map(|part| {
                let mut end = part.len();
                if end > 0 && (part[end - 1].is("asc") || part[end - 1].is("desc")) {
                    end -= 1;
                }
                if end >= 2 && part[end - 2].is("collate") {
                    end -= 2;
                }
                tokens::normal(part[..end].to_vec())
            })
            .collect();
        let predicate = match tokens.get(close + 1) {
            Some(w) if w.is("where") => Some(tokens::normal(tokens[close + 2..].to_vec())),
            _ => None,
        };
        CreateIndex { parts, predicate }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: Option<&str>, expression: &str) -> Check {
        Check {
            name: name.map(String::from),
            expression: expression.into(),
        }
    }

    fn named(name: Option<&str>, columns: &[&str], table: &str) -> Named {
        Named {
            name: name.map(String::from),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            referenced_table: table.into(),
        }
    }

    #[test]
    fn checks_and_foreign_key_names_come_from_the_create_table() {
        let create = CreateTable::parse(
            "CREATE TABLE \"t\" (\n  \"a\" INT CONSTRAINT a_pos CHECK (a > 0) DEFAULT (1),\n  \
             b TEXT CHECK (length(b) < 10) REFERENCES p (id) ON DELETE CASCADE,\n  \
             c INT CONSTRAINT c_fk REFERENCES \"Q\",\n  \
             CONSTRAINT \"ck\" CHECK ((a + c) >= 0),\n  CHECK (b <> 'x, y'),\n  \
             CONSTRAINT pair FOREIGN KEY (a, c) REFERENCES p (x, y),\n  FOREIGN KEY (b) REFERENCES q\n) \
             WITHOUT ROWID",
        );
        assert_eq!(
            create.checks,
            [
                check(Some("a_pos"), "a > 0"),
                check(None, "length(b) < 10"),
                check(Some("ck"), "(a + c) >= 0"),
                check(None, "b <> 'x, y'"),
            ]
        );
        assert_eq!(
            create.foreign_keys,
            [
                named(None, &["b"], "p"),
                named(Some("c_fk"), &["c"], "Q"),
                named(Some("pair"), &["a", "c"], "p"),
                named(None, &["b"], "q"),
            ]
        );
        assert!(create.without_rowid);
        assert!(!CreateTable::parse("CREATE TABLE t (a INTEGER PRIMARY KEY)").without_rowid);
    }

    #[test]
    fn a_constraint_name_belongs_to_the_constraint_it_starts() {
        let create = CreateTable::parse(
            "CREATE TABLE t (a INT CONSTRAINT nn NOT NULL CHECK (a > 0), b INT CONSTRAINT pk PRIMARY KEY)",
        );
        assert_eq!(create.checks, [check(None, "a > 0")]);
    }

    #[test]
    fn index_expressions_and_predicates_come_from_the_create_index() {
        let create = CreateIndex::parse(
            "CREATE UNIQUE INDEX \"ix\" ON \"t\" (lower(\"Email\") COLLATE NOCASE DESC, b ASC, (a+1)) \
             WHERE b IS NOT NULL AND a > 0",
        );
        assert_eq!(create.parts, ["lower(\"Email\")", "b", "a + 1"]);
        assert_eq!(create.predicate.as_deref(), Some("b is not null and a > 0"));
        assert_eq!(
            CreateIndex::parse("CREATE INDEX i ON t (a)").predicate,
            None
        );
    }

    #[test]
    fn a_view_is_its_query() {
        assert_eq!(
            view_query("CREATE VIEW \"v\" (x) AS SELECT a AS x\n  FROM t WHERE a > 0"),
            "select a as x from t where a > 0"
        );
    }
}
