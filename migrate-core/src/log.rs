//! The audit log: one row per change to the history (apply, unapply, fake,
//! accept, prune, repair). History rows say what is; the log says how it
//! got there, by whom, and what ran.

use serde::Serialize;

use crate::history::{Column, ColumnKind, Reader, Value, decode_statements, encode_statements};

/// The log table's name for a history table: `<history>_log`.
pub fn table_name(history_table: &str) -> String {
    format!("{history_table}_log")
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Applied: its up statements ran.
    Apply,
    /// Unapplied: its down statements ran.
    Unapply,
    /// Recorded as applied without running anything.
    FakeApply,
    /// Forgotten without running anything.
    FakeUnapply,
    /// Applying failed part way (journaled).
    ApplyFailed,
    /// Unapplying failed part way (journaled).
    UnapplyFailed,
    /// An edited migration's new checksum was accepted.
    Accept,
    /// An orphan row was forgotten (`--prune`).
    Prune,
    /// A partial migration was undone (`repair --undo`).
    RepairUndo,
    /// A partial migration was finished (`repair --resume`).
    RepairResume,
    /// A partial migration was recorded as applied (`repair --mark-applied`).
    RepairMarkApplied,
    /// A partial migration was forgotten (`repair --forget`).
    RepairForget,
    /// A renamed migration's row moved to its new name (`repair --rename`).
    Rename,
    /// An action this version does not know, written by a newer one: kept
    /// as stored, so that reading the log never fails on it.
    Other(String),
}

/// Every action this version writes.
const KNOWN: [Action; 13] = [
    Action::Apply,
    Action::Unapply,
    Action::FakeApply,
    Action::FakeUnapply,
    Action::ApplyFailed,
    Action::UnapplyFailed,
    Action::Accept,
    Action::Prune,
    Action::RepairUndo,
    Action::RepairResume,
    Action::RepairMarkApplied,
    Action::RepairForget,
    Action::Rename,
];

impl Action {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Action::Apply => "apply",
            Action::Unapply => "unapply",
            Action::FakeApply => "fake-apply",
            Action::FakeUnapply => "fake-unapply",
            Action::ApplyFailed => "apply-failed",
            Action::UnapplyFailed => "unapply-failed",
            Action::Accept => "accept",
            Action::Prune => "prune",
            Action::RepairUndo => "repair-undo",
            Action::RepairResume => "repair-resume",
            Action::RepairMarkApplied => "repair-mark-applied",
            Action::RepairForget => "repair-forget",
            Action::Rename => "rename",
            Action::Other(name) => name,
        }
    }

    /// Parses a stored name; one this version does not know is
    /// [`Action::Other`].
    pub fn parse(s: &str) -> Action {
        KNOWN
            .into_iter()
            .find(|a| a.as_str() == s)
            .unwrap_or_else(|| Action::Other(s.to_string()))
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The app.
    pub app: String,
    /// The migration.
    pub name: String,
    /// What was done.
    pub action: Action,
    /// The migration's checksum at that moment.
    pub checksum: Option<String>,
    /// Anything worth keeping: the error, the old checksum, ...
    pub detail: Option<String>,
    /// The statements that ran.
    pub statements: Vec<String>,
    /// `user@host`.
    pub actor: Option<String>,
    /// The version of the tool.
    pub tool_version: String,
}

const fn col(name: &'static str, kind: ColumnKind, nullable: bool) -> Column {
    Column {
        name,
        kind,
        nullable,
    }
}

/// The log table's columns after its auto-numbered `id`, in order.
pub const COLUMNS: [Column; 9] = [
    col("at", ColumnKind::ShortText, false),
    col("app", ColumnKind::Name, false),
    col("name", ColumnKind::Name, false),
    col("action", ColumnKind::ShortText, false),
    col("checksum", ColumnKind::ShortText, true),
    col("detail", ColumnKind::LongText, true),
    col("statements", ColumnKind::LongText, false),
    col("actor", ColumnKind::ShortText, true),
    col("tool_version", ColumnKind::ShortText, false),
];

impl LogEntry {
    /// The entry's values, in [`COLUMNS`] order.
    pub fn to_values(&self) -> Vec<Value> {
        let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        vec![
            Value::Text(self.at.clone()),
            Value::Text(self.app.clone()),
            Value::Text(self.name.clone()),
            Value::Text(self.action.as_str().to_string()),
            opt(&self.checksum),
            opt(&self.detail),
            Value::Text(encode_statements(&self.statements)),
            opt(&self.actor),
            Value::Text(self.tool_version.clone()),
        ]
    }

    /// An entry from values read in [`COLUMNS`] order.
    pub fn from_values(values: Vec<Value>) -> Result<LogEntry, String> {
        let mut r = Reader::new(values, &COLUMNS)?;
        let at = r.text()?;
        let app = r.text()?;
        let name = r.text()?;
        let action = r.text()?;
        Ok(LogEntry {
            action: Action::parse(&action),
            at,
            app,
            name,
            checksum: r.opt_text()?,
            detail: r.opt_text()?,
            statements: decode_statements(&r.text()?)?,
            actor: r.opt_text()?,
            tool_version: r.text()?,
        })
    }
}

/// The log table's `CREATE TABLE` statement.
pub fn create_log_sql(
    quoted_table: &str,
    q: &dyn Fn(&str) -> String,
    types: &crate::history::ColumnTypes,
) -> String {
    crate::history::create_table_sql(quoted_table, q, types, &COLUMNS, true, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let entry = LogEntry {
            at: "2026-01-01T00:00:00.000Z".into(),
            app: "a".into(),
            name: "0001_x".into(),
            action: Action::FakeUnapply,
            checksum: None,
            detail: Some("why".into()),
            statements: vec!["DROP TABLE t".into()],
            actor: Some("me@host".into()),
            tool_version: "0.1.0".into(),
        };
        assert_eq!(LogEntry::from_values(entry.to_values()).unwrap(), entry);
        for action in [
            "apply",
            "unapply",
            "fake-apply",
            "fake-unapply",
            "apply-failed",
            "unapply-failed",
            "accept",
            "prune",
            "repair-undo",
            "repair-resume",
            "repair-mark-applied",
            "repair-forget",
            "rename",
        ] {
            let parsed = Action::parse(action);
            assert!(!matches!(parsed, Action::Other(_)), "{action}");
            assert_eq!(parsed.as_str(), action);
        }
    }

    #[test]
    fn actions_of_a_newer_version_are_read_as_they_are() {
        let entry = LogEntry {
            at: "2026-01-01T00:00:00.000Z".into(),
            app: "a".into(),
            name: "0001_x".into(),
            action: Action::Apply,
            checksum: None,
            detail: None,
            statements: vec![],
            actor: None,
            tool_version: "9.0.0".into(),
        };
        let mut values = entry.to_values();
        values[3] = Value::Text("split-brain-heal".into());
        let read = LogEntry::from_values(values).unwrap();
        assert_eq!(read.action, Action::Other("split-brain-heal".into()));
        assert_eq!(read.action.as_str(), "split-brain-heal");
        assert_eq!(
            serde_json::to_value(&read).unwrap()["action"],
            "split-brain-heal"
        );
        assert_eq!(serde_json::to_value(&entry).unwrap()["action"], "apply");
    }
}
