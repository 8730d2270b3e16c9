//! What differs between two [`Schema`]s, object by object, in a stable
//! order and in words.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::{Check, Column, ForeignKey, Index, Schema, Sequence, Table, Trigger, View};

/// One difference between two schemas, from the first (`before`) to the
/// second (`after`). Serialized with its variant as `kind`
/// (`"column_changed"`, ...); [`fmt::Display`] says it in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// A table only `after` has.
    TableAdded {
        /// The table.
        table: Table,
    },
    /// A table only `before` has.
    TableRemoved {
        /// The table.
        table: Table,
    },
    /// A column only `after`'s table has.
    ColumnAdded {
        /// Its table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column only `before`'s table has.
    ColumnRemoved {
        /// Its table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column both have, described differently.
    ColumnChanged {
        /// Its table.
        table: String,
        /// Its name.
        column: String,
        /// What changed, in the order type, nullability, default,
        /// auto-increment.
        changes: Vec<ColumnChange>,
    },
    /// The columns both tables have are in another order. Minor
    /// ([`Difference::is_minor`]): SQLite and PostgreSQL put a re-created
    /// column last.
    ColumnOrderChanged {
        /// Its table.
        table: String,
        /// The columns both have, in `before`'s order.
        before: Vec<String>,
        /// The same columns, in `after`'s order.
        after: Vec<String>,
    },
    /// The primary key's columns differ (empty: no primary key).
    PrimaryKeyChanged {
        /// Its table.
        table: String,
        /// The columns in `before`.
        before: Vec<String>,
        /// The columns in `after`.
        after: Vec<String>,
    },
    /// An index only `after` has.
    IndexAdded {
        /// Its table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index only `before` has.
    IndexRemoved {
        /// Its table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index of the same name on the same table, defined differently.
    IndexChanged {
        /// Its table.
        table: String,
        /// As in `before`.
        before: Index,
        /// As in `after`.
        after: Index,
    },
    /// A foreign key only `after` has.
    ForeignKeyAdded {
        /// Its table.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// A foreign key only `before` has.
    ForeignKeyRemoved {
        /// Its table.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// A foreign key of the same name, or on the same columns and
    /// referenced table, defined differently.
    ForeignKeyChanged {
        /// Its table.
        table: String,
        /// As in `before`.
        before: ForeignKey,
        /// As in `after`.
        after: ForeignKey,
    },
    /// A check only `after` has.
    CheckAdded {
        /// Its table.
        table: String,
        /// The check.
        check: Check,
    },
    /// A check only `before` has.
    CheckRemoved {
        /// Its table.
        table: String,
        /// The check.
        check: Check,
    },
    /// A view only `after` has.
    ViewAdded {
        /// The view.
        view: View,
    },
    /// A view only `before` has.
    ViewRemoved {
        /// The view.
        view: View,
    },
    /// A view of the same name with another query.
    ViewChanged {
        /// As in `before`.
        before: View,
        /// As in `after`.
        after: View,
    },
    /// A trigger only `after` has.
    TriggerAdded {
        /// The trigger.
        trigger: Trigger,
    },
    /// A trigger only `before` has.
    TriggerRemoved {
        /// The trigger.
        trigger: Trigger,
    },
    /// A trigger of the same name, on another table or defined differently.
    TriggerChanged {
        /// As in `before`.
        before: Trigger,
        /// As in `after`.
        after: Trigger,
    },
    /// A sequence only `after` has.
    SequenceAdded {
        /// The sequence.
        sequence: Sequence,
    },
    /// A sequence only `before` has.
    SequenceRemoved {
        /// The sequence.
        sequence: Sequence,
    },
    /// A sequence of the same name with other settings.
    SequenceChanged {
        /// As in `before`.
        before: Sequence,
        /// As in `after`.
        after: Sequence,
    },
}

/// One attribute of a column that differs, old and new. Serialized with
/// its variant as `attribute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "attribute", rename_all = "snake_case")]
pub enum ColumnChange {
    /// The normalized type.
    DataType {
        /// In `before`.
        before: String,
        /// In `after`.
        after: String,
    },
    /// Whether it accepts NULL.
    Nullable {
        /// In `before`.
        before: bool,
        /// In `after`.
        after: bool,
    },
    /// The normalized default (`None`: no default).
    Default {
        /// In `before`.
        before: Option<String>,
        /// In `after`.
        after: Option<String>,
    },
    /// Whether the engine fills it.
    AutoIncrement {
        /// In `before`.
        before: bool,
        /// In `after`.
        after: bool,
    },
}

impl Difference {
    /// Whether the difference changes nothing a statement or a row can
    /// tell apart by name: only [`Difference::ColumnOrderChanged`].
    pub fn is_minor(&self) -> bool {
        matches!(self, Difference::ColumnOrderChanged { .. })
    }
}

/// What differs from `before` to `after`: tables in name order (within a
/// table: columns in `before`'s order then added ones in `after`'s, the
/// column order, the primary key, indexes by name, foreign keys, checks),
/// then views, triggers and sequences in name order. Empty when the two are
/// equal.
pub fn diff(before: &Schema, after: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    for name in names(&before.tables, &after.tables) {
        match (before.tables.get(name), after.tables.get(name)) {
            (Some(b), Some(a)) => table(b, a, &mut out),
            (Some(b), None) => out.push(Difference::TableRemoved { table: b.clone() }),
            (None, Some(a)) => out.push(Difference::TableAdded { table: a.clone() }),
            (None, None) => {}
        }
    }
    for name in names(&before.views, &after.views) {
        match (before.views.get(name), after.views.get(name)) {
            (Some(b), Some(a)) if b != a => out.push(Difference::ViewChanged {
                before: b.clone(),
                after: a.clone(),
            }),
            (Some(b), None) => out.push(Difference::ViewRemoved { view: b.clone() }),
            (None, Some(a)) => out.push(Difference::ViewAdded { view: a.clone() }),
            _ => {}
        }
    }
    for name in names(&before.triggers, &after.triggers) {
        match (before.triggers.get(name), after.triggers.get(name)) {
            (Some(b), Some(a)) if b != a => out.push(Difference::TriggerChanged {
                before: b.clone(),
                after: a.clone(),
            }),
            (Some(b), None) => out.push(Difference::TriggerRemoved { trigger: b.clone() }),
            (None, Some(a)) => out.push(Difference::TriggerAdded { trigger: a.clone() }),
            _ => {}
        }
    }
    for name in names(&before.sequences, &after.sequences) {
        match (before.sequences.get(name), after.sequences.get(name)) {
            (Some(b), Some(a)) if b != a => out.push(Difference::SequenceChanged {
                before: b.clone(),
                after: a.clone(),
            }),
            (Some(b), None) => out.push(Difference::SequenceRemoved {
                sequence: b.clone(),
            }),
            (None, Some(a)) => out.push(Difference::SequenceAdded {
                sequence: a.clone(),
            }),
            _ => {}
        }
    }
    out
}

/// The keys of both maps, sorted, once each.
fn names<'a, V>(
    a: &'a std::collections::BTreeMap<String, V>,
    b: &'a std::collections::BTreeMap<String, V>,
) -> BTreeSet<&'a String> {
    a.keys().chain(b.keys()).collect()
}

/// The differences within a table both schemas have.
fn table(b: &Table, a: &Table, out: &mut Vec<Difference>) {
    let name = || b.name.clone();
    for old in &b.columns {
        match a.column(&old.name) {
            None => out.push(Difference::ColumnRemoved {
                table: name(),
                column: old.clone(),
            }),
            Some(new) => {
                let changes = column_changes(old, new);
                if !changes.is_empty() {
                    out.push(Difference::ColumnChanged {
                        table: name(),
                        column: old.name.clone(),
                        changes,
                    });
                }
            }
        }
    }
    for new in &a.columns {
        if b.column(&new.name).is_none() {
            out.push(Difference::ColumnAdded {
                table: name(),
                column: new.clone(),
            });
        }
    }
    let common = |t: &Table, other: &Table| -> Vec<String> {
        t.columns
            .iter()
            .filter(|c| other.column(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect()
    };
    let (order_before, order_after) = (common(b, a), common(a, b));
    if order_before != order_after {
        out.push(Difference::ColumnOrderChanged {
            table: name(),
            before: order_before,
            after: order_after,
        });
    }
    if b.primary_key != a.primary_key {
        out.push(Difference::PrimaryKeyChanged {
            table: name(),
            before: b.primary_key.clone(),
            after: a.primary_key.clone(),
        });
    }
    let index_names: BTreeSet<&String> = b
        .indexes
        .iter()
        .chain(&a.indexes)
        .map(|i| &i.name)
        .collect();
    for index in index_names {
        match (b.index(index), a.index(index)) {
            (Some(old), Some(new)) if old != new => out.push(Difference::IndexChanged {
                table: name(),
                before: old.clone(),
                after: new.clone(),
            }),
            (Some(old), None) => out.push(Difference::IndexRemoved {
                table: name(),
                index: old.clone(),
            }),
            (None, Some(new)) => out.push(Difference::IndexAdded {
                table: name(),
                index: new.clone(),
            }),
            _ => {}
        }
    }
    foreign_keys(b, a, out);
    for check in &b.checks {
        if !a.checks.contains(check) {
            out.push(Difference::CheckRemoved {
                table: name(),
                check: check.clone(),
            });
        }
    }
    for check in &a.checks {
        if !b.checks.contains(check) {
            out.push(Difference::CheckAdded {
                table: name(),
                check: check.clone(),
            });
        }
    }
}

/// What differs in one column both tables have.
fn column_changes(old: &Column, new: &Column) -> Vec<ColumnChange> {
    let mut changes = Vec::new();
    if old.data_type != new.data_type {
        changes.push(ColumnChange::DataType {
            before: old.data_type.clone(),
            after: new.data_type.clone(),
        });
    }
    if old.nullable != new.nullable {
        changes.push(ColumnChange::Nullable {
            before: old.nullable,
            after: new.nullable,
        });
    }
    if old.default != new.default {
        changes.push(ColumnChange::Default {
            before: old.default.clone(),
            after: new.default.clone(),
        });
    }
    if old.auto_increment != new.auto_increment {
        changes.push(ColumnChange::AutoIncrement {
            before: old.auto_increment,
            after: new.auto_increment,
        });
    }
    changes
}

/// Whether two foreign keys are to be compared as one.
type Pairing = fn(&ForeignKey, &ForeignKey) -> bool;

fn same_name(x: &ForeignKey, y: &ForeignKey) -> bool {
    x.name.is_some() && x.name == y.name
}

fn same_target(x: &ForeignKey, y: &ForeignKey) -> bool {
    x.columns == y.columns && x.referenced_table == y.referenced_table
}

/// Foreign keys are paired first when equal, then by name, then by
/// columns and referenced table (engines that keep no names); a pair that
/// differs is a change, what is left is removed or added.
fn foreign_keys(b: &Table, a: &Table, out: &mut Vec<Difference>) {
    let mut partner: Vec<Option<usize>> = vec![None; b.foreign_keys.len()];
    let mut taken = vec![false; a.foreign_keys.len()];
    let passes: [Pairing; 3] = [|x, y| x == y, same_name, same_target];
    for pairs in passes {
        for (i, old) in b.foreign_keys.iter().enumerate() {
            if partner[i].is_some() {
                continue;
            }
            let found = a
                .foreign_keys
                .iter()
                .enumerate()
                .find(|(j, new)| !taken[*j] && pairs(old, new));
            if let Some((j, _)) = found {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
    }
    for (i, old) in b.foreign_keys.iter().enumerate() {
        match partner[i] {
            Some(j) if a.foreign_keys[j] != *old => out.push(Difference::ForeignKeyChanged {
                table: b.name.clone(),
                before: old.clone(),
                after: a.foreign_keys[j].clone(),
            }),
            Some(_) => {}
            None => out.push(Difference::ForeignKeyRemoved {
                table: b.name.clone(),
                foreign_key: old.clone(),
            }),
        }
    }
    for (j, new) in a.foreign_keys.iter().enumerate() {
        if !taken[j] {
            out.push(Difference::ForeignKeyAdded {
                table: b.name.clone(),
                foreign_key: new.clone(),
            });
        }
    }
}

/// `(a, b)`, or `none` for no columns.
fn list(columns: &[String]) -> String {
    if columns.is_empty() {
        "none".into()
    } else {
        format!("({})", columns.join(", "))
    }
}

fn null_words(nullable: bool) -> &'static str {
    if nullable { "NULL" } else { "NOT NULL" }
}

fn auto_words(auto: bool) -> &'static str {
    if auto {
        "auto_increment"
    } else {
        "no auto_increment"
    }
}

fn default_words(default: &Option<String>) -> String {
    default.clone().unwrap_or_else(|| "none".into())
}

impl fmt::Display for Column {
    /// `string(20) NOT NULL DEFAULT 'x' auto_increment`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.data_type, null_words(self.nullable))?;
        if let Some(default) = &self.default {
            write!(f, " DEFAULT {default}")?;
        }
        if self.auto_increment {
            f.write_str(" auto_increment")?;
        }
        Ok(())
    }
}

impl fmt::Display for Index {
    /// `UNIQUE (a, lower(b)) WHERE c > 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unique {
            f.write_str("UNIQUE ")?;
        }
        write!(f, "({})", self.columns.join(", "))?;
        if let Some(predicate) = &self.predicate {
            write!(f, " WHERE {predicate}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ForeignKey {
    /// `(a) references t (id), on delete cascade, on update no action`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}) references {} ({}), on delete {}, on update {}",
            self.columns.join(", "),
            self.referenced_table,
            self.referenced_columns.join(", "),
            self.on_delete,
            self.on_update
        )
    }
}

impl fmt::Display for ColumnChange {
    /// `type timestamp → string(20)`, `NOT NULL → NULL`, `default 0 → none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnChange::DataType { before, after } => write!(f, "type {before} → {after}"),
            ColumnChange::Nullable { before, after } => {
                write!(f, "{} → {}", null_words(*before), null_words(*after))
            }
            ColumnChange::Default { before, after } => write!(
                f,
                "default {} → {}",
                default_words(before),
                default_words(after)
            ),
            ColumnChange::AutoIncrement { before, after } => {
                write!(f, "{} → {}", auto_words(*before), auto_words(*after))
            }
        }
    }
}

/// `t.name`, or `(a, b) on t` for a foreign key without a name.
fn foreign_key_label(table: &str, fk: &ForeignKey) -> String {
    match &fk.name {
        Some(name) => format!("{table}.{name}"),
        None => format!("({}) on {table}", fk.columns.join(", ")),
    }
}

/// `t.name`, or `on t` for a check without a name.
fn check_label(table: &str, check: &Check) -> String {
    match &check.name {
        Some(name) => format!("{table}.{name}"),
        None => format!("on {table}"),
    }
}

/// `start 1 → 10, cycle false → true`: the settings that differ.
fn sequence_changes(b: &Sequence, a: &Sequence) -> String {
    let mut parts = Vec::new();
    if b.data_type != a.data_type {
        parts.push(format!("type {} → {}", b.data_type, a.data_type));
    }
    for (what, old, new) in [
        ("start", b.start, a.start),
        ("increment", b.increment, a.increment),
        ("min", b.min_value, a.min_value),
        ("max", b.max_value, a.max_value),
    ] {
        if old != new {
            parts.push(format!("{what} {old} → {new}"));
        }
    }
    if b.cycle != a.cycle {
        parts.push(format!("cycle {} → {}", b.cycle, a.cycle));
    }
    parts.join(", ")
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::TableAdded { table } => write!(f, "table {} added", table.name),
            Difference::TableRemoved { table } => write!(f, "table {} removed", table.name),
            Difference::ColumnAdded { table, column } => {
                write!(f, "column {table}.{} added: {column}", column.name)
            }
            Difference::ColumnRemoved { table, column } => {
                write!(f, "column {table}.{} removed (was {column})", column.name)
            }
            Difference::ColumnChanged {
                table,
                column,
                changes,
            } => {
                let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
                write!(f, "column {table}.{column}: {}", changes.join(", "))
            }
            Difference::ColumnOrderChanged {
                table,
                before,
                after,
            } => write!(
                f,
                "columns of {table} in another order: {} → {}",
                before.join(", "),
                after.join(", ")
            ),
            Difference::PrimaryKeyChanged {
                table,
                before,
                after,
            } => write!(
                f,
                "primary key of {table}: {} → {}",
                list(before),
                list(after)
            ),
            Difference::IndexAdded { table, index } => {
                write!(f, "index {table}.{} added: {index}", index.name)
            }
            Difference::IndexRemoved { table, index } => {
                write!(f, "index {table}.{} removed (was {index})", index.name)
            }
            Difference::IndexChanged {
                table,
                before,
                after,
            } => write!(f, "index {table}.{}: {before} → {after}", before.name),
            Difference::ForeignKeyAdded { table, foreign_key } => write!(
                f,
                "foreign key {} added: {foreign_key}",
                foreign_key_label(table, foreign_key)
            ),
            Difference::ForeignKeyRemoved { table, foreign_key } => write!(
                f,
                "foreign key {} removed (was {foreign_key})",
                foreign_key_label(table, foreign_key)
            ),
            Difference::ForeignKeyChanged {
                table,
                before,
                after,
            } => {
                let label = foreign_key_label(table, before);
                if before.name != after.name {
                    let name = after.name.as_deref().unwrap_or("no name");
                    write!(f, "foreign key {label} (now {name}): {before} → {after}")
                } else {
                    write!(f, "foreign key {label}: {before} → {after}")
                }
            }
            Difference::CheckAdded { table, check } => {
                write!(
                    f,
                    "check {} added: {}",
                    check_label(table, check),
                    check.expression
                )
            }
            Difference::CheckRemoved { table, check } => write!(
                f,
                "check {} removed (was {})",
                check_label(table, check),
                check.expression
            ),
            Difference::ViewAdded { view } => write!(f, "view {} added", view.name),
            Difference::ViewRemoved { view } => write!(f, "view {} removed", view.name),
            Difference::ViewChanged { before, after } => write!(
                f,
                "view {}: {} → {}",
                before.name, before.definition, after.definition
            ),
            Difference::TriggerAdded { trigger } => {
                write!(f, "trigger {} on {} added", trigger.name, trigger.table)
            }
            Difference::TriggerRemoved { trigger } => {
                write!(f, "trigger {} on {} removed", trigger.name, trigger.table)
            }
            Difference::TriggerChanged { before, after } => write!(
                f,
                "trigger {}: {} → {}",
                before.name, before.definition, after.definition
            ),
            Difference::SequenceAdded { sequence } => {
                write!(f, "sequence {} added", sequence.name)
            }
            Difference::SequenceRemoved { sequence } => {
                write!(f, "sequence {} removed", sequence.name)
            }
            Difference::SequenceChanged { before, after } => write!(
                f,
                "sequence {}: {}",
                before.name,
                sequence_changes(before, after)
            ),
        }
    }
}
