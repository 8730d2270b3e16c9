//! The inverse of `ALTER TABLE`, one operation at a time.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, DropBehavior, ObjectName, RenameTableNameKind,
    TableConstraint,
};

use super::names::{Cx, Name};
use super::{Capture, Derived, Probe, exact, nothing_to_undo, unknown};
use crate::dialect::SqlDialect;

/// `ALTER TABLE name [ONLY] operations`.
///
/// With several operations, the inverse is one `ALTER TABLE` per operation,
/// undoing them in reverse order, except that a rename of the table (MySQL
/// allows it among other operations, and applies it to the result of the
/// whole statement) is undone first, so that the other inverses name the
/// table as it was. Separate statements keep every inverse in the one form
/// each engine accepts alone. The probe is the first operation's that has
/// one. If one operation has no exact inverse, neither has the statement:
/// a definition to read first cannot be combined with the others' inverses.
pub(super) fn alter_table(
    name: &ObjectName,
    only: bool,
    operations: &[AlterTableOperation],
    cx: &Cx,
) -> Result<Derived, String> {
    let table = cx.name(name)?;
    let mut renames = operations.iter().filter_map(|op| match op {
        AlterTableOperation::RenameTable { table_name } => Some(table_name),
        _ => None,
    });
    let rename = renames.next();
    if renames.next().is_some() {
        return Ok(unknown(
            "the statement renames the table more than once",
            None,
        ));
    }
    let after = match rename {
        Some(RenameTableNameKind::To(new) | RenameTableNameKind::As(new)) => {
            let new = cx.name(new)?;
            // PostgreSQL and SQLite keep a renamed table in its schema;
            // MySQL moves it to the current database unless told otherwise.
            if cx.dialect == SqlDialect::Mysql {
                new
            } else {
                new.in_schema_of(&table)
            }
        }
        None => table.clone(),
    };
    let prefix = format!(
        "ALTER TABLE {}{}",
        if only && cx.pg_like() { "ONLY " } else { "" },
        cx.sql(&table)
    );
    let op_cx = Op {
        table: &table,
        after: &after,
        prefix: &prefix,
        cx,
    };
    let mut derived = Vec::with_capacity(operations.len());
    for op in operations {
        derived.push(op_cx.operation(op)?);
    }
    if derived.len() == 1 {
        return Ok(derived.remove(0));
    }

    let probe = derived.iter().find_map(|d| match d {
        Derived::Exact { probe, .. }
        | Derived::NeedsCapture { probe, .. }
        | Derived::Unknown { probe, .. } => probe.clone(),
    });
    if let Some(reason) = derived.iter().find_map(|d| match d {
        Derived::Unknown { reason, .. } => Some(reason.clone()),
        _ => None,
    }) {
        return Ok(unknown(reason, probe));
    }
    if derived
        .iter()
        .any(|d| matches!(d, Derived::NeedsCapture { .. }))
    {
        return Ok(unknown(
            "one of the statement's operations needs a definition read before it runs, \
             which cannot be combined with the other operations' inverses; \
             one operation per ALTER TABLE statement can be undone",
            probe,
        ));
    }
    let mut rename_inverse = Vec::new();
    let mut others = Vec::new();
    for (op, d) in operations.iter().zip(derived) {
        if let Derived::Exact { inverse, .. } = d {
            if matches!(op, AlterTableOperation::RenameTable { .. }) {
                rename_inverse = inverse;
            } else {
                others.push(inverse);
            }
        }
    }
    let mut inverse = rename_inverse;
    inverse.extend(others.into_iter().rev().flatten());
    Ok(exact(inverse, probe))
}

/// One operation of an `ALTER TABLE`.
struct Op<'a> {
    /// The table as named before the statement.
    table: &'a Name,
    /// The table as named after it (differs when the statement renames it).
    after: &'a Name,
    /// `ALTER TABLE <table>`, to start inverse statements with.
    prefix: &'a str,
    cx: &'a Cx<'a>,
}

impl Op<'_> {
    fn column_probe(&self, column: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Column {
            table: self.after.stored(),
            column: column.to_owned(),
            exists_after,
        })
    }

    fn constraint_probe(&self, name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Constraint {
            table: self.after.stored(),
            name: name.to_owned(),
            exists_after,
        })
    }

    fn index_probe(&self, name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Index {
            table: Some(self.after.stored()),
            name: name.to_owned(),
            exists_after,
        })
    }

    fn column_capture(&self, column: String, renamed_to: Option<String>, dropped: bool) -> Capture {
        Capture::Column {
            table: self.table.stored(),
            column,
            renamed_to,
            dropped,
        }
    }

    fn operation(&self, op: &AlterTableOperation) -> Result<Derived, String> {
        let cx = self.cx;
        let prefix = self.prefix;
        Ok(match op {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let column = cx.ident(&column_def.name);
                let probe = self.column_probe(&column, true);
                if *if_not_exists {
                    unknown(
                        "ADD COLUMN IF NOT EXISTS may not have added the column",
                        probe,
                    )
                } else {
                    exact(
                        vec![format!("{prefix} DROP COLUMN {}", cx.q(&column))],
                        probe,
                    )
                }
            }
            AlterTableOperation::AddConstraint { constraint, .. } => {
                self.add_constraint(constraint)
            }
            AlterTableOperation::DropColumn {
                column_names,
                drop_behavior,
                ..
            } => {
                let columns: Vec<String> = column_names.iter().map(|c| cx.ident(c)).collect();
                let probe = columns.first().and_then(|c| self.column_probe(c, false));
                match columns.as_slice() {
                    [column] if *drop_behavior != Some(DropBehavior::Cascade) => {
                        Derived::NeedsCapture {
                            capture: self.column_capture(column.clone(), None, true),
                            probe,
                        }
                    }
                    [_] => unknown(
                        "CASCADE also drops the objects that depend on the column, \
                         whose definitions are not captured",
                        probe,
                    ),
                    _ => unknown(
                        "the operation drops several columns; only a single dropped column's \
                         definition is captured",
                        probe,
                    ),
                }
            }
            AlterTableOperation::DropConstraint { name, .. }
            | AlterTableOperation::DropForeignKey { name, .. } => unknown(
                "the constraint's definition is not captured",
                self.constraint_probe(&cx.ident(name), false),
            ),
            AlterTableOperation::DropPrimaryKey { .. } => unknown(
                "the primary key's definition is not captured",
                // MySQL names every primary key PRIMARY.
                if cx.dialect == SqlDialect::Mysql {
                    self.constraint_probe("PRIMARY", false)
                } else {
                    None
                },
            ),
            AlterTableOperation::DropIndex { name } => {
                let name = cx.ident(name);
                Derived::NeedsCapture {
                    capture: Capture::Index {
                        table: Some(self.table.stored()),
                        name: name.clone(),
                    },
                    probe: self.index_probe(&name, false),
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let (old, new) = (cx.ident(old_column_name), cx.ident(new_column_name));
                exact(
                    vec![format!(
                        "{prefix} RENAME COLUMN {} TO {}",
                        cx.q(&new),
                        cx.q(&old)
                    )],
                    self.column_probe(&new, true),
                )
            }
            AlterTableOperation::RenameTable { .. } => {
                let back = if cx.dialect == SqlDialect::Mysql {
                    cx.sql(self.table)
                } else {
                    cx.q(self.table.last())
                };
                exact(
                    vec![format!(
                        "ALTER TABLE {} RENAME TO {back}",
                        cx.sql(self.after)
                    )],
                    Some(Probe::Table {
                        name: self.after.stored(),
                        exists_after: true,
                    }),
                )
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let (old, new) = (cx.ident(old_name), cx.ident(new_name));
                exact(
                    vec![format!(
                        "{prefix} RENAME CONSTRAINT {} TO {}",
                        cx.q(&new),
                        cx.q(&old)
                    )],
                    self.constraint_probe(&new, true),
                )
            }
            AlterTableOperation::ChangeColumn {
                old_name, new_name, ..
            } => {
                let (old, new) = (cx.ident(old_name), cx.ident(new_name));
                // MySQL column names ignore case: a change of case alone
                // leaves nothing for a probe to tell apart.
                let probe = if old.eq_ignore_ascii_case(&new) {
                    None
                } else {
                    self.column_probe(&new, true)
                };
                let renamed_to = (old != new).then_some(new);
                Derived::NeedsCapture {
                    capture: self.column_capture(old, renamed_to, false),
                    probe,
                }
            }
            AlterTableOperation::ModifyColumn { col_name, .. } => Derived::NeedsCapture {
                capture: self.column_capture(cx.ident(col_name), None, false),
                probe: None,
            },
            AlterTableOperation::AlterColumn { column_name, op } => {
                let column = cx.ident(column_name);
                match op {
                    // Adding an identity fails on a column that has one, so
                    // dropping it restores the column exactly.
                    AlterColumnOperation::AddGenerated { .. } => exact(
                        vec![format!(
                            "{prefix} ALTER COLUMN {} DROP IDENTITY",
                            cx.q(&column)
                        )],
                        None,
                    ),
                    AlterColumnOperation::SetNotNull
                    | AlterColumnOperation::DropNotNull
                    | AlterColumnOperation::SetDefault { .. }
                    | AlterColumnOperation::DropDefault
                    | AlterColumnOperation::SetDataType { .. } => Derived::NeedsCapture {
                        capture: self.column_capture(column, None, false),
                        probe: None,
                    },
                }
            }
            // How MySQL carries out the statement, not what it changes; and
            // validating a constraint changes no definition.
            AlterTableOperation::Algorithm { .. }
            | AlterTableOperation::Lock { .. }
            | AlterTableOperation::ValidateConstraint { .. } => nothing_to_undo(),
            other => unknown(
                format!("no inverse is derived for the ALTER TABLE operation `{other}`"),
                None,
            ),
        })
    }

    /// `ADD [CONSTRAINT k] ...`. A constraint the statement leaves unnamed
    /// gets a name the engine makes up, so it cannot be named to drop it;
    /// MySQL's primary key, always named `PRIMARY`, is the exception.
    fn add_constraint(&self, constraint: &TableConstraint) -> Derived {
        let cx = self.cx;
        let prefix = self.prefix;
        let mysql = cx.dialect == SqlDialect::Mysql;
        if cx.dialect == SqlDialect::Sqlite {
            return unknown("SQLite has no ALTER TABLE ... ADD CONSTRAINT", None);
        }
        let drop_constraint = |name: &str| {
            exact(
                vec![format!("{prefix} DROP CONSTRAINT {}", cx.q(name))],
                self.constraint_probe(name, true),
            )
        };
        let drop_index = |name: &str| {
            exact(
                vec![format!("{prefix} DROP INDEX {}", cx.q(name))],
                self.index_probe(name, true),
            )
        };
        let unnamed = || {
            unknown(
                "the constraint is unnamed: the engine generates its name",
                None,
            )
        };
        match constraint {
            TableConstraint::PrimaryKey { .. } if mysql => exact(
                vec![format!("{prefix} DROP PRIMARY KEY")],
                self.constraint_probe("PRIMARY", true),
            ),
            // MySQL keeps a unique constraint as an index, named by the
            // index name when given, else by the constraint name.
            TableConstraint::Unique {
                name, index_name, ..
            } if mysql => match index_name.as_ref().or(name.as_ref()) {
                Some(name) => drop_index(&cx.ident(name)),
                None => unnamed(),
            },
            // MySQL also creates an index for a foreign key when none fits;
            // dropping the key leaves that index behind, which is harmless
            // and is reused if the key is added again.
            TableConstraint::ForeignKey {
                name: Some(name), ..
            } if mysql => {
                let name = cx.ident(name);
                exact(
                    vec![format!("{prefix} DROP FOREIGN KEY {}", cx.q(&name))],
                    self.constraint_probe(&name, true),
                )
            }
            // MySQL 8.0.19+ and MariaDB 10.2+ both accept DROP CONSTRAINT
            // for a check (MySQL's own DROP CHECK is unknown to MariaDB).
            TableConstraint::PrimaryKey { name, .. }
            | TableConstraint::Unique { name, .. }
            | TableConstraint::ForeignKey { name, .. }
            | TableConstraint::Check { name, .. } => match name {
                Some(name) => drop_constraint(&cx.ident(name)),
                None => unnamed(),
            },
            TableConstraint::Index { name, .. }
            | TableConstraint::FulltextOrSpatial {
                opt_index_name: name,
                ..
            } => match name {
                Some(name) => drop_index(&cx.ident(name)),
                None => unknown("the index is unnamed: the engine generates its name", None),
            },
        }
    }
}
