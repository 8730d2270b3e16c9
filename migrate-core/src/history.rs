//! The history table: one row per migration applied (or partly applied) in a
//! database, and the columns every backend stores.

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
}

impl HistoryRecord {
    /// The `app:name` key of the recorded migration.
    pub fn key(&self) -> crate::migration::MigrationKey {
        crate::migration::MigrationKey::new(&self.app, &self.name)
    }
}

/// Column names, in the order every backend creates, reads and writes them,
/// so that backends share one definition of the table.
pub const COLUMNS: [&str; 13] = [
    "app",
    "name",
    "checksum",
    "applied_at",
    "duration_ms",
    "state",
    "statements_done",
    "statements_total",
    "last_error",
    "up_sql",
    "down_sql",
    "applied_by",
    "tool_version",
];

/// Encodes a statement list as stored in the history (JSON text), so every
/// engine can hold it in a text column.
pub fn encode_statements(statements: &[String]) -> String {
    serde_json::to_string(statements).expect("a list of strings always serializes")
}

/// Decodes a statement list stored by [`encode_statements`].
pub fn decode_statements(text: &str) -> Result<Vec<String>, String> {
    serde_json::from_str(text).map_err(|e| format!("unreadable statement list in history: {e}"))
}

/// The history table's `CREATE TABLE` statement, with the column types a
/// dialect gives for names, short text, long text and integers.
pub fn create_table_sql(
    quoted_table: &str,
    q: &dyn Fn(&str) -> String,
    types: &ColumnTypes,
) -> String {
    let ColumnTypes {
        name,
        short_text,
        long_text,
        integer,
    } = types;
    format!(
        "CREATE TABLE IF NOT EXISTS {quoted_table} (\n  \
         {app} {name} NOT NULL,\n  \
         {nm} {name} NOT NULL,\n  \
         {checksum} {short_text} NOT NULL,\n  \
         {applied_at} {short_text} NOT NULL,\n  \
         {duration} {integer} NOT NULL,\n  \
         {state} {short_text} NOT NULL,\n  \
         {done} {integer} NOT NULL,\n  \
         {total} {integer} NOT NULL,\n  \
         {last_error} {long_text},\n  \
         {up} {long_text} NOT NULL,\n  \
         {down} {long_text},\n  \
         {by} {short_text},\n  \
         {version} {short_text} NOT NULL,\n  \
         PRIMARY KEY ({app}, {nm})\n)",
        app = q("app"),
        nm = q("name"),
        checksum = q("checksum"),
        applied_at = q("applied_at"),
        duration = q("duration_ms"),
        state = q("state"),
        done = q("statements_done"),
        total = q("statements_total"),
        last_error = q("last_error"),
        up = q("up_sql"),
        down = q("down_sql"),
        by = q("applied_by"),
        version = q("tool_version"),
    )
}

/// Column types for [`create_table_sql`].
#[derive(Debug, Clone)]
pub struct ColumnTypes {
    /// App and migration names (part of the primary key).
    pub name: &'static str,
    /// Checksums, timestamps, states, versions.
    pub short_text: &'static str,
    /// Statement lists and error messages.
    pub long_text: &'static str,
    /// Counters and durations.
    pub integer: &'static str,
}
