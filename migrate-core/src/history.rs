//! The history table: one row per migration applied (or partly applied) in a
//! database, and the columns every backend stores.
//!
//! The table's shape is defined here once ([`COLUMNS`]), with the encoding of
//! a record into plain [`Value`]s and back, so that a backend only moves
//! values between its driver and these functions.

use serde::{Deserialize, Serialize};

/// The default name of the history table.
pub const DEFAULT_TABLE: &str = "migrate_history";

/// Where a recorded migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    /// Every up statement ran.
    Applied,
    /// Applying stopped part way: `statements_done` of the up statements ran.
    Partial,
    /// Unapplying stopped part way: `statements_done` of the down statements
    /// ran.
    Reverting,
}

impl RecordState {
    /// The value stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Applied => "applied",
            RecordState::Partial => "partial",
            RecordState::Reverting => "reverting",
        }
    }

    /// Parses a stored `state` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "applied" => Some(RecordState::Applied),
            "partial" => Some(RecordState::Partial),
            "reverting" => Some(RecordState::Reverting),
            _ => None,
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// The app.
    pub app: String,
    /// The migration's full name.
    pub name: String,
    /// Checksum of the file when it was applied.
    pub checksum: String,
    /// When it was applied (RFC 3339, UTC).
    pub applied_at: String,
    /// How long applying took, in milliseconds.
    pub duration_ms: i64,
    /// Where it stands.
    pub state: RecordState,
    /// Statements that ran (of the up script, or of the down script while
    /// `Reverting`).
    pub statements_done: i64,
    /// Statements in that script.
    pub statements_total: i64,
    /// The error that stopped a partial run.
    pub last_error: Option<String>,
    /// The up statements as they ran.
    pub up_sql: Vec<String>,
    /// The statements that undo them; `None` when the migration had no down
    /// section when it was applied.
    pub down_sql: Option<Vec<String>>,
    /// `user@host` of whoever applied it.
    pub applied_by: Option<String>,
    /// The version of the tool that applied it.
    pub tool_version: String,
    /// The git commit of the migrations folder when it was applied, when
    /// that folder is in a git checkout.
    pub source_commit: Option<String>,
    /// For a journaled run: one entry per statement reached, written before
    /// the statement runs (its hash, inverse and probe). Empty for atomic
    /// runs, which leave nothing to repair.
    pub journal: Vec<crate::journal::JournalEntry>,
}

impl HistoryRecord {
    /// The `app:name` key of the recorded migration.
    pub fn key(&self) -> crate::migration::MigrationKey {
        crate::migration::MigrationKey::new(&self.app, &self.name)
    }
}

/// History rows by (app, name), the names borrowed from the rows: finding
/// a file's row copies nothing. Built and searched once per migration on
/// every run, so hashed with a fast hasher (the names are the project's).
pub(crate) type RowIndex<'a> = foldhash::HashMap<(&'a str, &'a str), &'a HistoryRecord>;

/// The [`RowIndex`] of `history`.
pub(crate) fn index_rows(history: &[HistoryRecord]) -> RowIndex<'_> {
    history
        .iter()
        .map(|r| ((r.app.as_str(), r.name.as_str()), r))
        .collect()
}

#[cfg(test)]
impl HistoryRecord {
    /// A row saying `app:name` with `checksum` was applied whole, for unit
    /// tests to adjust with struct update syntax.
    pub(crate) fn applied_for_test(app: &str, name: &str, checksum: &str) -> HistoryRecord {
        HistoryRecord {
            app: app.into(),
            name: name.into(),
            checksum: checksum.into(),
            applied_at: "2026-01-01T00:00:00.000Z".into(),
            duration_ms: 1,
            state: RecordState::Applied,
            statements_done: 1,
            statements_total: 1,
            last_error: None,
            up_sql: Vec::new(),
            down_sql: None,
            applied_by: None,
            tool_version: "test".into(),
            source_commit: None,
            journal: Vec::new(),
        }
    }
}

/// A value of one stored column, in the few types every engine has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// SQL NULL.
    Null,
}

impl Value {
    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    fn opt_text(s: Option<&str>) -> Value {
        s.map_or(Value::Null, Value::text)
    }

    /// The text, when this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, when this is an integer or text that spells one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Text(s) => s.trim().parse().ok(),
            Value::Null => None,
        }
    }

    /// Whether this is a true boolean as engines return them: a non-zero
    /// integer, or the text `t`, `true` or a non-zero number.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Int(n) => *n != 0,
            Value::Text(s) => {
                matches!(s.as_str(), "t" | "true" | "TRUE")
                    || s.parse::<i64>().is_ok_and(|n| n != 0)
            }
            Value::Null => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// How a column is stored; each backend maps these to its own types
/// through [`ColumnTypes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// App and migration names (part of the primary key).
    Name,
    /// Checksums, timestamps, states, versions.
    ShortText,
    /// Statement lists and error messages.
    LongText,
    /// Counters and durations.
    Integer,
}

/// One column of a stored table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// How it is stored.
    pub kind: ColumnKind,
    /// Whether it may hold NULL.
    pub nullable: bool,
}

const fn col(name: &'static str, kind: ColumnKind, nullable: bool) -> Column {
    Column {
        name,
        kind,
        nullable,
    }
}

/// The history table's columns, in the order every backend creates, reads
/// and writes them. The primary key is (`app`, `name`).
pub const COLUMNS: [Column; 15] = [
    col("app", ColumnKind::Name, false),
    col("name", ColumnKind::Name, false),
    col("checksum", ColumnKind::ShortText, false),
    col("applied_at", ColumnKind::ShortText, false),
    col("duration_ms", ColumnKind::Integer, false),
    col("state", ColumnKind::ShortText, false),
    col("statements_done", ColumnKind::Integer, false),
    col("statements_total", ColumnKind::Integer, false),
    col("last_error", ColumnKind::LongText, true),
    col("up_sql", ColumnKind::LongText, false),
    col("down_sql", ColumnKind::LongText, true),
    col("applied_by", ColumnKind::ShortText, true),
    col("tool_version", ColumnKind::ShortText, false),
    col("source_commit", ColumnKind::ShortText, true),
    col("journal", ColumnKind::LongText, true),
];

/// The columns of [`COLUMNS`] that say where a migration stands, without
/// what ran (`up_sql`, `down_sql`, `journal`): all that `status` reads of
/// a row whose file is unchanged. Read by [`HistoryRecord::from_summary`].
pub const SUMMARY_COLUMNS: [Column; 12] = [
    COLUMNS[0],
    COLUMNS[1],
    COLUMNS[2],
    COLUMNS[3],
    COLUMNS[4],
    COLUMNS[5],
    COLUMNS[6],
    COLUMNS[7],
    COLUMNS[8],
    COLUMNS[11],
    COLUMNS[12],
    COLUMNS[13],
];

/// The columns of [`COLUMNS`] that say only whether a migration ran, and
/// with which file: all that planning a run to the latest reads of a row
/// applied from a file unchanged since. Read by
/// [`HistoryRecord::from_state`].
pub const STATE_COLUMNS: [Column; 6] = [
    COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[5], COLUMNS[6], COLUMNS[7],
];

/// Which columns of a history row are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// [`COLUMNS`].
    Whole,
    /// [`SUMMARY_COLUMNS`].
    Summary,
    /// [`STATE_COLUMNS`].
    State,
}

impl Shape {
    /// The columns, in the order they are read.
    pub(crate) fn columns(self) -> &'static [Column] {
        match self {
            Shape::Whole => &COLUMNS,
            Shape::Summary => &SUMMARY_COLUMNS,
            Shape::State => &STATE_COLUMNS,
        }
    }
}

impl HistoryRecord {
    /// A record from values read in [`SUMMARY_COLUMNS`] order: what ran is
    /// left empty (no up statements, no down section, no journal), so the
    /// record stands for the row only where those are not looked at.
    pub fn from_summary(values: Vec<Value>) -> Result<HistoryRecord, String> {
        Self::read(values, Shape::Summary)
    }

    /// A record from values read in [`STATE_COLUMNS`] order: everything
    /// else is left empty (no time, author or version, no error, nothing
    /// of what ran), so the record stands for the row only where those are
    /// not looked at.
    pub fn from_state(values: Vec<Value>) -> Result<HistoryRecord, String> {
        Self::read(values, Shape::State)
    }

    /// The record's values, in [`COLUMNS`] order.
    pub fn to_values(&self) -> Vec<Value> {
        vec![
            Value::text(&self.app),
            Value::text(&self.name),
            Value::text(&self.checksum),
            Value::text(&self.applied_at),
            Value::Int(self.duration_ms),
            Value::text(self.state.as_str()),
            Value::Int(self.statements_done),
            Value::Int(self.statements_total),
            Value::opt_text(self.last_error.as_deref()),
            Value::Text(encode_statements(&self.up_sql)),
            self.down_sql
                .as_deref()
                .map_or(Value::Null, |d| Value::Text(encode_statements(d))),
            Value::opt_text(self.applied_by.as_deref()),
            Value::text(&self.tool_version),
            Value::opt_text(self.source_commit.as_deref()),
            if self.journal.is_empty() {
                Value::Null
            } else {
                Value::Text(crate::journal::encode(&self.journal))
            },
        ]
    }

    /// A record from values read in [`COLUMNS`] order. Values this version
    /// does not understand are an error, never a guess.
    pub fn from_values(values: Vec<Value>) -> Result<HistoryRecord, String> {
        Self::read(values, Shape::Whole)
    }

    /// A record from values in the order of `shape`'s columns; what they
    /// leave out stays empty.
    pub(crate) fn read(values: Vec<Value>, shape: Shape) -> Result<HistoryRecord, String> {
        let mut reader = Reader::new(values, shape.columns())?;
        let app = reader.text()?;
        let name = reader.text()?;
        let whole = shape == Shape::Whole;
        let summary = shape != Shape::State;
        // The rest is read into a record whose names are put in after,
        // so that the error message can name the row without copying them.
        let mut rest = || -> Result<HistoryRecord, String> {
            let checksum = reader.text()?;
            let (applied_at, duration_ms) = if summary {
                (reader.text()?, reader.int()?)
            } else {
                (String::new(), 0)
            };
            let state = reader.text()?;
            let state = RecordState::parse(&state)
                .ok_or_else(|| format!("unknown state `{state}` (written by a newer version?)"))?;
            let statements_done = reader.int()?;
            let statements_total = reader.int()?;
            let last_error = if summary { reader.opt_text()? } else { None };
            let (up_sql, down_sql) = if whole {
                let up = decode_statements(&reader.text()?)?;
                let down = reader.opt_text()?;
                (up, down.map(|d| decode_statements(&d)).transpose()?)
            } else {
                (Vec::new(), None)
            };
            let (applied_by, tool_version, source_commit) = if summary {
                (reader.opt_text()?, reader.text()?, reader.opt_text()?)
            } else {
                (None, String::new(), None)
            };
            let journal = match whole.then(|| reader.opt_text()).transpose()?.flatten() {
                Some(j) => crate::journal::decode(&j)?,
                None => Vec::new(),
            };
            Ok(HistoryRecord {
                app: String::new(),
                name: String::new(),
                checksum,
                applied_at,
                duration_ms,
                state,
                statements_done,
                statements_total,
                last_error,
                up_sql,
                down_sql,
                applied_by,
                tool_version,
                source_commit,
                journal,
            })
        };
        match rest() {
            Ok(record) => Ok(HistoryRecord {
                app,
                name,
                ..record
            }),
            Err(e) => Err(format!("history row {app}:{name}: {e}")),
        }
    }
}

/// Reads values column by column, checking each against its definition.
pub(crate) struct Reader {
    values: std::vec::IntoIter<Value>,
    columns: std::slice::Iter<'static, Column>,
}

impl Reader {
    pub(crate) fn new(values: Vec<Value>, columns: &'static [Column]) -> Result<Reader, String> {
        if values.len() != columns.len() {
            return Err(format!(
                "expected {} columns, read {}",
                columns.len(),
                values.len()
            ));
        }
        Ok(Reader {
            values: values.into_iter(),
            columns: columns.iter(),
        })
    }

    fn next(&mut self) -> (Value, &'static Column) {
        let value = self.values.next().expect("length checked in new");
        let column = self.columns.next().expect("length checked in new");
        (value, column)
    }

    pub(crate) fn opt_text(&mut self) -> Result<Option<String>, String> {
        match self.next() {
            (Value::Text(s), _) => Ok(Some(s)),
            (Value::Null, c) if c.nullable => Ok(None),
            (other, c) => Err(format!(
                "column `{}` holds {other:?}, expected text",
                c.name
            )),
        }
    }

    pub(crate) fn text(&mut self) -> Result<String, String> {
        match self.next() {
            (Value::Text(s), _) => Ok(s),
            (other, c) => Err(format!(
                "column `{}` holds {other:?}, expected text",
                c.name
            )),
        }
    }

    pub(crate) fn int(&mut self) -> Result<i64, String> {
        match self.next() {
            (Value::Int(i), _) => Ok(i),
            (other, c) => Err(format!(
                "column `{}` holds {other:?}, expected an integer",
                c.name
            )),
        }
    }
}

/// Encodes a statement list as stored in the history (JSON text), so every
/// engine can hold it in a text column.
pub fn encode_statements(statements: &[String]) -> String {
    serde_json::to_string(statements).expect("a list of strings always serializes")
}

/// Decodes a statement list stored by [`encode_statements`].
pub fn decode_statements(text: &str) -> Result<Vec<String>, String> {
    serde_json::from_str(text).map_err(|e| format!("unreadable statement list: {e}"))
}

/// Column types of one engine, for [`create_table_sql`].
#[derive(Debug, Clone)]
pub struct ColumnTypes {
    /// For [`ColumnKind::Name`].
    pub name: &'static str,
    /// For [`ColumnKind::ShortText`].
    pub short_text: &'static str,
    /// For [`ColumnKind::LongText`].
    pub long_text: &'static str,
    /// For [`ColumnKind::Integer`].
    pub integer: &'static str,
    /// An auto-numbered primary key column, complete with its constraints
    /// (`INTEGER PRIMARY KEY AUTOINCREMENT`, ...), for the log table.
    pub auto_id: &'static str,
}

impl ColumnTypes {
    fn of(&self, kind: ColumnKind) -> &'static str {
        match kind {
            ColumnKind::Name => self.name,
            ColumnKind::ShortText => self.short_text,
            ColumnKind::LongText => self.long_text,
            ColumnKind::Integer => self.integer,
        }
    }
}

/// `CREATE TABLE IF NOT EXISTS` for a table of `columns`, with an optional
/// auto-numbered `id` first and an optional primary key.
pub fn create_table_sql(
    quoted_table: &str,
    q: &dyn Fn(&str) -> String,
    types: &ColumnTypes,
    columns: &[Column],
    auto_id: bool,
    primary_key: &[&str],
) -> String {
    let mut lines: Vec<String> = Vec::new();
    if auto_id {
        lines.push(format!("{} {}", q("id"), types.auto_id));
    }
    for c in columns {
        let null = if c.nullable { "" } else { " NOT NULL" };
        lines.push(format!("{} {}{null}", q(c.name), types.of(c.kind)));
    }
    if !primary_key.is_empty() {
        let key: Vec<String> = primary_key.iter().map(|c| q(c)).collect();
        lines.push(format!("PRIMARY KEY ({})", key.join(", ")));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {quoted_table} (\n  {}\n)",
        lines.join(",\n  ")
    )
}

/// The history table's `CREATE TABLE` statement.
pub fn create_history_sql(
    quoted_table: &str,
    q: &dyn Fn(&str) -> String,
    types: &ColumnTypes,
) -> String {
    create_table_sql(quoted_table, q, types, &COLUMNS, false, &["app", "name"])
}

/// The columns joined for a SELECT or INSERT list.
pub fn column_list(columns: &[Column], q: &dyn Fn(&str) -> String) -> String {
    columns
        .iter()
        .map(|c| q(c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> HistoryRecord {
        HistoryRecord {
            app: "a".into(),
            name: "0001_x".into(),
            checksum: "c".into(),
            applied_at: "t".into(),
            duration_ms: 5,
            state: RecordState::Partial,
            statements_done: 1,
            statements_total: 2,
            last_error: Some("boom".into()),
            up_sql: vec!["SELECT 'a\nb'".into()],
            down_sql: None,
            applied_by: None,
            tool_version: "1".into(),
            source_commit: Some("abc".into()),
            journal: vec![crate::journal::JournalEntry::without_inverse(
                "SELECT 1", "why", None,
            )],
        }
    }

    #[test]
    fn values_round_trip() {
        let r = record();
        assert_eq!(HistoryRecord::from_values(r.to_values()).unwrap(), r);
    }

    /// `r`'s values in `columns`, as a query for them returns them.
    fn values_in(r: &HistoryRecord, columns: &[Column]) -> Vec<Value> {
        r.to_values()
            .into_iter()
            .zip(COLUMNS)
            .filter(|(_, c)| columns.contains(c))
            .map(|(v, _)| v)
            .collect()
    }

    #[test]
    fn a_summary_is_the_row_without_what_ran() {
        let r = record();
        let values = values_in(&r, &SUMMARY_COLUMNS);
        assert_eq!(
            HistoryRecord::from_summary(values).unwrap(),
            HistoryRecord {
                up_sql: Vec::new(),
                down_sql: None,
                journal: Vec::new(),
                ..r
            }
        );
    }

    #[test]
    fn a_state_is_the_row_without_when_who_or_what_ran() {
        let r = record();
        let values = values_in(&r, &STATE_COLUMNS);
        assert_eq!(
            HistoryRecord::from_state(values).unwrap(),
            HistoryRecord {
                app: "a".into(),
                name: "0001_x".into(),
                checksum: "c".into(),
                applied_at: String::new(),
                duration_ms: 0,
                state: RecordState::Partial,
                statements_done: 1,
                statements_total: 2,
                last_error: None,
                up_sql: Vec::new(),
                down_sql: None,
                applied_by: None,
                tool_version: String::new(),
                source_commit: None,
                journal: Vec::new(),
            }
        );
    }

    #[test]
    fn bad_values_are_errors_that_name_the_row_and_column() {
        let mut values = record().to_values();
        values[5] = Value::Text("exploded".into());
        let err = HistoryRecord::from_values(values).unwrap_err();
        assert!(
            err.contains("a:0001_x") && err.contains("unknown state `exploded`"),
            "{err}"
        );
        let mut values = record().to_values();
        values[2] = Value::Null;
        let err = HistoryRecord::from_values(values).unwrap_err();
        assert!(err.contains("column `checksum`"), "{err}");
        assert!(HistoryRecord::from_values(vec![]).is_err());
    }

    #[test]
    fn create_sql_follows_the_columns() {
        let q = |s: &str| format!("\"{s}\"");
        let types = ColumnTypes {
            name: "TEXT",
            short_text: "TEXT",
            long_text: "TEXT",
            integer: "BIGINT",
            auto_id: "SERIAL PRIMARY KEY",
        };
        let sql = create_history_sql("\"h\"", &q, &types);
        assert!(
            sql.starts_with("CREATE TABLE IF NOT EXISTS \"h\" (\n  \"app\" TEXT NOT NULL,"),
            "{sql}"
        );
        assert!(sql.contains("\"last_error\" TEXT,"), "{sql}");
        assert!(sql.ends_with("PRIMARY KEY (\"app\", \"name\")\n)"), "{sql}");
    }
}
