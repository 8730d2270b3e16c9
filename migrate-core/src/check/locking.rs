//! Statements that lock a table for a long time or rewrite it, per
//! engine, from each engine's documented behaviour. Only statements on a
//! table the migration did not create count: a new table has no rows and
//! no one waiting on it.
//!
//! SQLite has one writer at a time and no online schema change to speak
//! of: nothing is reported there.

use sqlparser::tokenizer::Token;

use super::effects::Made;
use super::findings::{Finding, Severity, codes};
use super::lexed::{Lexed, Name, first_line};
use super::shape::{Action, ColumnDef, Constraint, IndexKind, Shape};
use super::{Cx, Stmt};
use crate::dialect::SqlDialect;

/// Reports the up section's statements that rewrite or lock a table.
pub(super) fn check(cx: &Cx, statements: &[Stmt], findings: &mut Vec<Finding>) {
    let mut made = Made::default();
    let online = cx.migration.up.online;
    for s in statements {
        let found = match cx.family {
            // pt-online-schema-change copies the table while writes go on.
            SqlDialect::Mysql if online.is_some() && crate::online::qualifies(s.sql) => Vec::new(),
            SqlDialect::Postgres => postgres(cx, s, &made),
            SqlDialect::Mysql => mysql(s, &made),
            _ => Vec::new(),
        };
        for (code, mut text) in found {
            if cx.family == SqlDialect::Mysql
                && code == codes::TABLE_REWRITE
                && crate::online::qualifies(s.sql)
            {
                text.push_str(
                    "; on a large table, `-- migrate:up online=pt-osc` runs it through pt-online-schema-change, \
which copies the table while writes go on",
                );
            }
            findings.push(Finding::new(
                code,
                Severity::Warning,
                format!("`{}` {text}", first_line(s.sql)),
                &cx.migration.up.path,
                Some(s.line),
            ));
        }
        made.record(&s.shape);
    }
}

type Found = Vec<(&'static str, String)>;

/// PostgreSQL, after the notes of ALTER TABLE
/// (<https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>),
/// CREATE INDEX (<https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY>)
/// and the lock modes each command takes
/// (<https://www.postgresql.org/docs/current/explicit-locking.html>).
fn postgres(cx: &Cx, s: &Stmt, made: &Made) -> Found {
    let l = &s.lexed;
    let mut found = Found::new();
    match &s.shape {
        // CREATE INDEX takes a SHARE lock: writes wait for the whole build.
        // CONCURRENTLY does not block writes but refuses to run in a
        // transaction block.
        Shape::CreateIndex {
            table,
            concurrently: false,
            ..
        } if !made.table(table) => {
            let how = if cx.portable.is_some() {
                "write this step as a `NNNN_name.postgres.sql` variant that says `-- migrate:up transaction=false` and uses \
CREATE INDEX CONCURRENTLY"
                    .to_string()
            } else {
                "for a large table use CREATE INDEX CONCURRENTLY, in a migration whose up section says \
`-- migrate:up transaction=false` (it cannot run in a transaction)"
                    .to_string()
            };
            found.push((
                codes::BLOCKING_INDEX,
                format!(
                    "builds an index of {} under a SHARE lock: writes to the table wait until it is built; {how}",
                    table.written
                ),
            ));
        }
        Shape::AlterTable { table, actions } if !made.table(table) => {
            for (action, _) in actions {
                if let Some(f) = postgres_action(l, table, action) {
                    found.push(f);
                }
            }
        }
        _ => {}
    }
    found
}

fn postgres_action(l: &Lexed, table: &Name, action: &Action) -> Option<(&'static str, String)> {
    let t = &table.written;
    match action {
        // "Changing the type of an existing column will normally cause the
        // entire table and its indexes to be rewritten", except when the
        // old type is binary coercible to the new one and no USING
        // changes the values: varchar to a longer varchar or to text.
        Action::AlterType { column, ty, using } => {
            let widening = !using && matches!(ty.head(), "TEXT" | "VARCHAR" | "CHARACTER");
            (!widening).then(|| {
                (
                    codes::TABLE_REWRITE,
                    format!(
                        "changes the type of {t}.{}: PostgreSQL rewrites the whole table and its indexes under an ACCESS \
EXCLUSIVE lock (no reads, no writes) unless the old type converts without change (a varchar made longer, or text); \
for a large table add a new column, fill it in batches, then switch",
                        column.written
                    ),
                )
            })
        }
        // SET NOT NULL scans the table to check every row, holding ACCESS
        // EXCLUSIVE, unless a valid CHECK (c IS NOT NULL) proves it (12+).
        Action::SetNotNull { column } => Some((
            codes::TABLE_SCAN,
            format!(
                "sets NOT NULL on {t}.{}: PostgreSQL reads every row to check it, under an ACCESS EXCLUSIVE lock (no reads, \
no writes); for a large table first add CHECK ({} IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL \
(PostgreSQL 12+ then skips the scan)",
                column.written, column.written
            ),
        )),
        // Adding a column with a volatile default (or a stored generated
        // or identity column) rewrites the table; a constant default is
        // only stored in the catalog since PostgreSQL 11.
        Action::AddColumn(def) => volatile_default(l, def).map(|why| {
            (
                codes::TABLE_REWRITE,
                format!(
                    "adds {t}.{} with {why}: PostgreSQL fills every existing row, rewriting the whole table under an ACCESS \
EXCLUSIVE lock; add the column without it (or with a constant default), then fill it in batches",
                    def.name.written
                ),
            )
        }),
        // Adding a foreign key or a check validates every row, unless NOT
        // VALID (then VALIDATE CONSTRAINT later takes a weaker lock).
        Action::AddConstraint {
            kind: kind @ (Constraint::ForeignKey | Constraint::Check),
            not_valid: false,
            ..
        } => {
            let (what, lock) = if *kind == Constraint::ForeignKey {
                (
                    "a foreign key",
                    "a SHARE ROW EXCLUSIVE lock on both tables (writes wait)",
                )
            } else {
                (
                    "a check",
                    "an ACCESS EXCLUSIVE lock (no reads, no writes)",
                )
            };
            Some((
                codes::TABLE_SCAN,
                format!(
                    "adds {what} to {t}: PostgreSQL reads every row to validate it, under {lock}; add it NOT VALID, then \
ALTER TABLE {t} VALIDATE CONSTRAINT ... in a later migration, which lets writes go on"
                ),
            ))
        }
        // A primary key or unique constraint builds its index under ACCESS
        // EXCLUSIVE, unless it takes over an index built already.
        Action::AddConstraint {
            kind: kind @ (Constraint::PrimaryKey | Constraint::Unique),
            using_index: false,
            ..
        } => Some((
            codes::BLOCKING_INDEX,
            format!(
                "adds a {} to {t}: PostgreSQL builds its index under an ACCESS EXCLUSIVE lock (no reads, no writes); for a \
large table build the index with CREATE UNIQUE INDEX CONCURRENTLY (in a `transaction=false` migration), then ADD CONSTRAINT \
... USING INDEX",
                if *kind == Constraint::PrimaryKey {
                    "primary key"
                } else {
                    "unique constraint"
                }
            ),
        )),
        _ => None,
    }
}

/// Functions whose value differs per row, so that a column added with
/// one as default is filled row by row.
const VOLATILE: &[&str] = &[
    "RANDOM",
    "CLOCK_TIMESTAMP",
    "TIMEOFDAY",
    "GEN_RANDOM_UUID",
    "UUID_GENERATE_V1",
    "UUID_GENERATE_V1MC",
    "UUID_GENERATE_V4",
    "UUIDV7",
    "NEXTVAL",
];

/// Why adding this column fills every row, if it does.
fn volatile_default(l: &Lexed, def: &ColumnDef) -> Option<String> {
    let rest = def.rest.clone();
    if matches!(
        def.ty.head(),
        "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" | "SERIAL2" | "SERIAL4" | "SERIAL8"
    ) {
        return Some(format!(
            "type {} (its default draws from a sequence)",
            def.ty.head()
        ));
    }
    if l.has_in(rest.clone(), &["AS", "IDENTITY"]) {
        return Some("an identity".into());
    }
    if l.has_in(rest.clone(), &["GENERATED", "ALWAYS"]) && l.has_in(rest.clone(), &["STORED"]) {
        return Some("a stored generated value".into());
    }
    let default = l.find_in(rest.clone(), &["DEFAULT"])?;
    (default..rest.end)
        .find(|&i| {
            l.word(i).is_some_and(|w| VOLATILE.contains(&w))
                && matches!(l.token(i + 1), Some(Token::LParen))
        })
        .map(|i| {
            format!(
                "a volatile default ({}())",
                l.word(i).unwrap_or_default().to_ascii_lowercase()
            )
        })
}

/// MySQL 8.0 and MariaDB 10.3+, after InnoDB's online DDL tables
/// (<https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html>,
/// <https://mariadb.com/kb/en/innodb-online-ddl-overview/>). Adding,
/// dropping and renaming a column, and adding a plain index, are instant or
/// in place with writes going on: not reported.
fn mysql(s: &Stmt, made: &Made) -> Found {
    let l = &s.lexed;
    let mut found = Found::new();
    match &s.shape {
        // FULLTEXT and SPATIAL indexes are built in place but without
        // concurrent writes.
        Shape::CreateIndex {
            table,
            kind: kind @ (IndexKind::Fulltext | IndexKind::Spatial),
            ..
        } if !made.table(table) => found.push(blocking_special_index(&table.written, *kind)),
        Shape::AlterTable { table, actions } if !made.table(table) => {
            let t = &table.written;
            for (action, range) in actions {
                let rewrite = |what: String| (codes::TABLE_REWRITE, what);
                let f = match action {
                    // "Changing the column data type is only supported
                    // with ALGORITHM=COPY"; MODIFY and CHANGE restate the
                    // whole column, so the text alone cannot tell whether
                    // the type changes.
                    Action::Modify(def) => Some(rewrite(format!(
                        "redefines {t}.{}: if the type changes, MySQL copies the whole table (ALGORITHM=COPY) while writes \
wait; a longer VARCHAR within the same length bytes, a new default or NULL/NOT NULL is done in place; to rename only, write \
RENAME COLUMN",
                        def.name.written
                    ))),
                    Action::Change { old, .. } => Some(rewrite(format!(
                        "redefines {t}.{}: if the type changes, MySQL copies the whole table (ALGORITHM=COPY) while writes \
wait; to rename only, write RENAME COLUMN (MySQL 8.0, MariaDB 10.5+), which is done in place",
                        old.written
                    ))),
                    // "Dropping a primary key: only ALGORITHM=COPY";
                    // adding one rebuilds the table.
                    Action::DropPrimaryKey => Some(rewrite(format!(
                        "drops the primary key of {t}: MySQL copies the whole table (ALGORITHM=COPY) while writes wait"
                    ))),
                    Action::AddConstraint {
                        kind: Constraint::PrimaryKey,
                        ..
                    } => Some(rewrite(format!(
                        "adds a primary key to {t}: MySQL rebuilds the whole table"
                    ))),
                    // "The INPLACE algorithm is supported when
                    // foreign_key_checks is disabled. Otherwise, only the
                    // COPY algorithm is supported."
                    Action::AddConstraint {
                        kind: Constraint::ForeignKey,
                        ..
                    } => Some(rewrite(format!(
                        "adds a foreign key to {t}: with foreign_key_checks on (the default) MySQL copies the whole table \
(ALGORITHM=COPY) while writes wait; with SET foreign_key_checks = 0 first it is done in place, without checking existing rows"
                    ))),
                    Action::AddConstraint {
                        kind: Constraint::Index(kind @ (IndexKind::Fulltext | IndexKind::Spatial)),
                        ..
                    } => Some(blocking_special_index(t, *kind)),
                    // "Converting a table character set: COPY"; changing
                    // the engine, FORCE and ROW_FORMAT rebuild the table.
                    Action::ConvertCharset => Some(rewrite(format!(
                        "converts {t} to another character set: MySQL copies the whole table (ALGORITHM=COPY) while \
writes wait"
                    ))),
                    Action::Rebuild(option) => Some(rewrite(format!(
                        "sets {option} on {t}: MySQL rebuilds the whole table"
                    ))),
                    Action::Algorithm(a) if a == "COPY" => Some(rewrite(format!(
                        "asks for ALGORITHM=COPY on {t}: MySQL copies the whole table while writes wait"
                    ))),
                    // An auto-increment column: in place but rebuilds, and
                    // concurrent writes are not permitted.
                    Action::AddColumn(def) if l.has_in(range.clone(), &["AUTO_INCREMENT"]) => {
                        Some(rewrite(format!(
                            "adds the AUTO_INCREMENT column {t}.{}: MySQL rebuilds the whole table and writes wait",
                            def.name.written
                        )))
                    }
                    _ => None,
                };
                found.extend(f);
            }
        }
        _ => {}
    }
    found
}

fn blocking_special_index(table: &str, kind: IndexKind) -> (&'static str, String) {
    (
        codes::BLOCKING_INDEX,
        format!(
            "builds a {} index of {table}: MySQL does not let writes go on while it is built{}",
            if kind == IndexKind::Fulltext {
                "FULLTEXT"
            } else {
                "SPATIAL"
            },
            if kind == IndexKind::Fulltext {
                " (the first one also rebuilds the table)"
            } else {
                ""
            }
        ),
    )
}
