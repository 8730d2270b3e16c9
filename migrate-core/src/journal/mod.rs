//! The statement journal of journaled migrations: for every statement,
//! written before it runs, what it is (a hash), how to undo it, and how to
//! tell by looking at the database whether it took effect. `migrate repair`
//! reads it to undo or resume a migration that stopped part way.

mod derive;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use derive::{Capture, Derived, derive};

/// What is known about one statement of a journaled migration, recorded
/// before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Hex SHA-256 of the statement text, to check on resume that the
    /// statements that ran are unchanged in the file.
    pub hash: String,
    /// Statements that undo it, in order; `None` when none could be derived.
    pub inverse: Option<Vec<String>>,
    /// The inverse restores definitions, not data (the rows of a dropped
    /// table or column are gone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lossy: bool,
    /// Why there is no inverse, or what the inverse cannot bring back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How to tell whether the statement took effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    /// `repair --undo` was about to run the inverse when the row was last
    /// written: whether the statement is still in effect is in doubt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undoing: bool,
}

impl JournalEntry {
    /// An entry with no inverse, saying why.
    pub fn without_inverse(sql: &str, note: impl Into<String>, probe: Option<Probe>) -> Self {
        JournalEntry {
            hash: statement_hash(sql),
            inverse: None,
            lossy: false,
            note: Some(note.into()),
            probe,
            undoing: false,
        }
    }
}

/// The journal entry of a statement from its text alone: an exact inverse
/// when the text gives one, otherwise no inverse and why.
pub fn entry_from_text(
    sql: &str,
    dialect: crate::SqlDialect,
    quote: &dyn Fn(&str) -> String,
) -> JournalEntry {
    match derive(sql, dialect, quote) {
        Derived::Exact { inverse, probe } => exact_entry(sql, inverse, probe),
        Derived::NeedsCapture { probe, .. } => JournalEntry::without_inverse(
            sql,
            "undoing it needs the definition it replaces, which this engine cannot read",
            probe,
        ),
        Derived::Unknown { reason, probe } => JournalEntry::without_inverse(sql, reason, probe),
    }
}

/// What undoes a destructive statement, built by [`crate::Backend::capture`]
/// from the definition it is about to replace or drop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restore {
    /// Statements that bring the definition back, in order; empty when the
    /// object is not there (the statement changes nothing, or fails).
    pub inverse: Vec<String>,
    /// The inverse restores the definition but not the data.
    pub lossy: bool,
    /// What the inverse cannot bring back.
    pub note: Option<String>,
}

impl Restore {
    /// The object is not there: nothing to undo.
    pub fn nothing() -> Self {
        Restore::default()
    }

    /// An inverse that restores everything.
    pub fn exact(inverse: Vec<String>) -> Self {
        Restore {
            inverse,
            ..Restore::default()
        }
    }

    /// An inverse that restores the definition but loses what `note` says.
    pub fn lossy(inverse: Vec<String>, note: impl Into<String>) -> Self {
        Restore {
            inverse,
            lossy: true,
            note: Some(note.into()),
        }
    }
}

/// The journal entry of `sql`, about to run on `backend`: from the text
/// alone when it gives the inverse, otherwise from the definition the
/// backend captures now ([`crate::Backend::capture`]).
pub async fn entry<B: crate::Backend + ?Sized>(backend: &mut B, sql: &str) -> JournalEntry {
    let dialect = backend.dialect();
    let quote = |s: &str| dialect.quote_identifier(s);
    let (capture, probe) = match derive(sql, dialect.sql_dialect(), &quote) {
        Derived::NeedsCapture { capture, probe } => (capture, probe),
        Derived::Exact { inverse, probe } => return exact_entry(sql, inverse, probe),
        Derived::Unknown { reason, probe } => {
            return JournalEntry::without_inverse(sql, reason, probe);
        }
    };
    match backend.capture(&capture, sql).await {
        Ok(restore) => JournalEntry {
            hash: statement_hash(sql),
            inverse: Some(restore.inverse),
            lossy: restore.lossy,
            note: restore.note,
            probe,
            undoing: false,
        },
        Err(why) => JournalEntry::without_inverse(sql, why, probe),
    }
}

/// The journal entry [`entry`] gives `sql`, when it can be known before
/// the statements ahead of `sql` run and a crash right after it is written
/// is settled by looking: the text alone gives it (no definition to read,
/// which an earlier statement could change) and it names a probe. `None`
/// otherwise.
///
/// A journaled migration writes such an entry with the history write that
/// counts the statement before it, saving a durable write per statement.
pub fn entry_known_early(sql: &str, dialect: &dyn crate::backend::Dialect) -> Option<JournalEntry> {
    let quote = |s: &str| dialect.quote_identifier(s);
    match derive(sql, dialect.sql_dialect(), &quote) {
        Derived::Exact {
            inverse,
            probe: probe @ Some(_),
        } => Some(exact_entry(sql, inverse, probe)),
        Derived::Unknown {
            reason,
            probe: probe @ Some(_),
        } => Some(JournalEntry::without_inverse(sql, reason, probe)),
        _ => None,
    }
}

fn exact_entry(sql: &str, inverse: Vec<String>, probe: Option<Probe>) -> JournalEntry {
    JournalEntry {
        hash: statement_hash(sql),
        inverse: Some(inverse),
        lossy: false,
        note: None,
        probe,
        undoing: false,
    }
}

/// Hex SHA-256 of a statement's text.
pub fn statement_hash(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Something to look for in the database to learn whether a statement took
/// effect: the object exists after the statement ran (`exists_after`), or
/// no longer does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum Probe {
    /// A table (unquoted name, as the engine stores it).
    Table {
        /// The table.
        name: String,
        /// Whether it exists once the statement ran.
        exists_after: bool,
    },
    /// A column of a table.
    Column {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether it exists once the statement ran.
        exists_after: bool,
    },
    /// An index (on `table`, where the engine scopes index names by table).
    Index {
        /// The table, when the statement names it.
        table: Option<String>,
        /// The index.
        name: String,
        /// Whether it exists once the statement ran.
        exists_after: bool,
    },
    /// A view.
    View {
        /// The view.
        name: String,
        /// Whether it exists once the statement ran.
        exists_after: bool,
    },
    /// A named constraint of a table (foreign key, unique, check).
    Constraint {
        /// The table.
        table: String,
        /// The constraint.
        name: String,
        /// Whether it exists once the statement ran.
        exists_after: bool,
    },
}

impl Probe {
    /// Whether the object exists once the statement ran.
    pub fn exists_after(&self) -> bool {
        match self {
            Probe::Table { exists_after, .. }
            | Probe::Column { exists_after, .. }
            | Probe::Index { exists_after, .. }
            | Probe::View { exists_after, .. }
            | Probe::Constraint { exists_after, .. } => *exists_after,
        }
    }
}

/// Encodes a journal for the history's `journal` column.
pub fn encode(entries: &[JournalEntry]) -> String {
    serde_json::to_string(entries).expect("journal entries always serialize")
}

/// Decodes a journal stored by [`encode`].
pub fn decode(text: &str) -> Result<Vec<JournalEntry>, String> {
    serde_json::from_str(text).map_err(|e| format!("unreadable statement journal: {e}"))
}
