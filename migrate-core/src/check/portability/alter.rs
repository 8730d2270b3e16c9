//! `ALTER TABLE` and `DROP INDEX`, whose forms differ most between
//! engines: SQLite's ALTER TABLE does four things, MySQL's `MODIFY` is
//! PostgreSQL's `ALTER COLUMN ... TYPE`, and MySQL drops an index of a
//! table.

use super::{Hit, references_ignored};
use crate::check::Stmt;
use crate::check::lexed::Lexed;
use crate::check::shape::{Action, Constraint, Shape};
use crate::dialect::SqlDialect;

/// Every `ALTER TABLE` or `DROP INDEX` form of `s` that `family` does not
/// accept as written.
pub(super) fn hits(family: SqlDialect, s: &Stmt) -> Vec<Hit> {
    let forms = Forms {
        l: &s.lexed,
        shape: &s.shape,
        family,
    };
    let mut hits = Vec::new();
    forms.alter_table(&mut hits);
    forms.drop_index(&mut hits);
    hits
}

struct Forms<'a> {
    l: &'a Lexed,
    shape: &'a Shape,
    family: SqlDialect,
}

impl Forms<'_> {
    fn sqlite(&self) -> bool {
        self.family == SqlDialect::Sqlite
    }

    fn postgres(&self) -> bool {
        self.family == SqlDialect::Postgres
    }

    fn mysql(&self) -> bool {
        self.family == SqlDialect::Mysql
    }

    /// `ALTER TABLE` actions that exist on some engines only.
    fn alter_table(&self, hits: &mut Vec<Hit>) {
        let Shape::AlterTable { actions, .. } = self.shape else {
            return;
        };
        let l = self.l;
        let rebuild = "rebuild the table (create the new one, copy the rows, drop the old one, rename the new one), \
or use a portable migration, which rebuilds it for SQLite";
        if self.sqlite() && actions.len() > 1 {
            hits.push(Hit::error(
                "SQLite's ALTER TABLE takes one action at a time: write one statement per action",
            ));
        }
        for (action, range) in actions {
            let r = range.clone();
            match action {
                Action::Modify(_) | Action::Change { .. } if !self.mysql() => {
                    hits.push(Hit::error(format!(
                        "{} is MySQL's: {}",
                        l.word(r.start).unwrap_or_default(),
                        if self.postgres() {
                            "PostgreSQL writes ALTER COLUMN c TYPE t, SET/DROP NOT NULL, SET DEFAULT, and RENAME COLUMN"
                        } else {
                            rebuild
                        }
                    )))
                }
                Action::AlterType { .. } if !self.postgres() => hits.push(Hit::error(format!(
                    "ALTER COLUMN ... TYPE is PostgreSQL's: {}",
                    if self.mysql() {
                        "MySQL writes MODIFY c type, repeating NOT NULL and DEFAULT"
                    } else {
                        rebuild
                    }
                ))),
                _ if !self.postgres()
                    && l.is(r.start, &["ALTER"])
                    && (l.has_in(r.clone(), &["SET", "NOT", "NULL"])
                        || l.has_in(r.clone(), &["DROP", "NOT", "NULL"])) =>
                {
                    hits.push(Hit::error(format!(
                        "ALTER COLUMN ... SET/DROP NOT NULL is PostgreSQL's: {}",
                        if self.mysql() {
                            "MySQL writes MODIFY c type [NOT] NULL, repeating the type and DEFAULT"
                        } else {
                            rebuild
                        }
                    )))
                }
                Action::DropPrimaryKey if !self.mysql() => hits.push(Hit::error(
                    if self.postgres() {
                        "DROP PRIMARY KEY is MySQL's: PostgreSQL drops the constraint by name (DROP CONSTRAINT t_pkey)"
                    } else {
                        "DROP PRIMARY KEY is MySQL's"
                    },
                )),
                Action::AddConstraint {
                    kind: Constraint::Index(_),
                    ..
                } if !self.mysql() => hits.push(Hit::error(
                    "ALTER TABLE ... ADD INDEX/KEY is MySQL's: write CREATE INDEX",
                )),
                Action::ConvertCharset | Action::Algorithm(_) | Action::Rebuild(_)
                    if !self.mysql() =>
                {
                    hits.push(Hit::error(format!(
                        "{} is MySQL's: remove it",
                        l.word(r.start).unwrap_or_default()
                    )))
                }
                Action::AddColumn(def) => {
                    let rest = def.rest.clone();
                    if !self.mysql() && (l.has_in(rest.clone(), &["FIRST"]) || l.has_in(rest.clone(), &["AFTER"])) {
                        hits.push(Hit::error(
                            "column positions (FIRST, AFTER c) are MySQL's: other engines add a column last",
                        ));
                    }
                    if self.sqlite() {
                        if l.has_in(rest.clone(), &["PRIMARY", "KEY"]) || l.has_in(rest.clone(), &["UNIQUE"]) {
                            hits.push(Hit::error(
                                "SQLite cannot add a PRIMARY KEY or UNIQUE column: add the column, then CREATE UNIQUE INDEX",
                            ));
                        }
                        if l.has_in(rest.clone(), &["NOT", "NULL"]) && !l.has_in(rest.clone(), &["DEFAULT"]) {
                            hits.push(Hit::error(
                                "SQLite cannot add a NOT NULL column without a DEFAULT: give it one",
                            ));
                        }
                    }
                    if self.mysql() && l.at(r.start + 1, &["COLUMN", "IF"]) {
                        hits.push(Hit::warning(
                            "MySQL refuses ADD COLUMN IF NOT EXISTS (MariaDB accepts it)",
                        ));
                    }
                    if self.mysql() && l.has_in(rest.clone(), &["REFERENCES"]) {
                        hits.push(references_ignored());
                    }
                }
                Action::DropColumn(_) if self.mysql() && l.has_in(r.clone(), &["IF", "EXISTS"]) => {
                    hits.push(Hit::warning(
                        "MySQL refuses DROP COLUMN IF EXISTS (MariaDB accepts it)",
                    ))
                }
                Action::Other
                    if !self.mysql()
                        && l.is(r.start, &["DROP"])
                        && l.is(r.start + 1, &["FOREIGN", "INDEX", "KEY"]) =>
                {
                    hits.push(Hit::error(if self.postgres() {
                        "DROP FOREIGN KEY/INDEX inside ALTER TABLE is MySQL's: PostgreSQL writes DROP CONSTRAINT k, or DROP INDEX i"
                    } else {
                        "DROP FOREIGN KEY/INDEX inside ALTER TABLE is MySQL's: SQLite writes DROP INDEX i, and drops a foreign key by rebuilding the table"
                    }))
                }
                _ => {}
            }
            let sqlite_can = matches!(
                action,
                Action::AddColumn(_) | Action::DropColumn(_) | Action::RenameTo(_) | Action::Rename
            );
            let reported = matches!(
                action,
                Action::Modify(_)
                    | Action::Change { .. }
                    | Action::AlterType { .. }
                    | Action::DropPrimaryKey
                    | Action::ConvertCharset
                    | Action::Algorithm(_)
                    | Action::Rebuild(_)
            ) || (l.is(r.start, &["DROP"])
                && l.is(r.start + 1, &["FOREIGN", "INDEX", "KEY"]))
                || (l.is(r.start, &["ALTER"])
                    && (l.has_in(r.clone(), &["SET", "NOT", "NULL"])
                        || l.has_in(r.clone(), &["DROP", "NOT", "NULL"])))
                || matches!(
                    action,
                    Action::AddConstraint {
                        kind: Constraint::Index(_),
                        ..
                    }
                );
            if self.sqlite() && !sqlite_can && !reported {
                hits.push(Hit::error(format!(
                    "SQLite's ALTER TABLE only renames the table and adds, renames or drops a column: {rebuild}"
                )));
            }
        }
    }

    /// `DROP INDEX`, which MySQL scopes by table.
    fn drop_index(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        if !l.at(0, &["DROP", "INDEX"]) {
            return;
        }
        let on = l.find_in(2..l.len(), &["ON"]).is_some();
        if on && !self.mysql() {
            hits.push(Hit::error(
                "DROP INDEX ... ON t is MySQL's: write DROP INDEX i (index names are unique per schema)",
            ));
        } else if !on && self.mysql() && !l.is(2, &["CONCURRENTLY"]) {
            hits.push(Hit::error(
                "MySQL drops an index of a table: write DROP INDEX i ON t",
            ));
        }
        if self.mysql() && l.at(2, &["IF", "EXISTS"]) {
            hits.push(Hit::warning(
                "MySQL refuses DROP INDEX IF EXISTS (MariaDB accepts it)",
            ));
        }
    }
}
