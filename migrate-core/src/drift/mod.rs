//! Drift: how a database's live schema differs from the schema its applied
//! migrations make.
//!
//! What the migrations make is found by running them again on an empty
//! scratch database of the same engine ([`replay`]): each migration the
//! history records as applied, in the order it was applied, through the
//! statements the history stored when it ran (they are what ran, even when
//! a file changed since or is gone). Both schemas are read by the same
//! inspection ([`crate::Backend::inspect`]), so that the history's own
//! tables and what the engines write differently for the same statement
//! never show as drift, and compared ([`compare`]) in both directions:
//! the statements that bring the database back to what its migrations
//! make, and those of a migration that accepts the live schema instead
//! ([`sql::fixes`]).

pub mod sql;

use serde::Serialize;

use crate::backend::{Backend, Dialect};
use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::schema::{Difference, Schema};
use crate::source::Source;

pub use sql::Fix;

/// How the live schema differs from what the migrations make.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Each difference, from what the migrations make to the live schema
    /// (a table `added` is one the live database has and no migration
    /// makes).
    pub differences: Vec<Difference>,
    /// What brings the live database back to what its migrations make.
    pub back: Vec<Fix>,
    /// What a migration that accepts the live schema runs.
    pub accept: Vec<Fix>,
}

impl Report {
    /// Whether the live schema is what the migrations make.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compares the schema the migrations make (`expected`) with the live one.
pub fn compare(expected: &Schema, live: &Schema, dialect: &dyn Dialect) -> Report {
    Report {
        differences: crate::schema::diff(expected, live),
        back: sql::fixes(live, expected, dialect),
        accept: sql::fixes(expected, live, dialect),
    }
}

/// The applied migrations of `history` in the order they ran: by the time
/// they were applied, and, within one millisecond, in the order of the
/// migrations folder (which is the order a run takes them in). Refused
/// while a migration is part way: drift is measured on a settled history.
pub fn applied_in_order<'h>(
    history: &'h [HistoryRecord],
    source: Option<&Source>,
) -> Result<Vec<&'h HistoryRecord>> {
    if let Some(r) = history.iter().find(|r| r.state != RecordState::Applied) {
        return Err(Error::Refused(format!(
            "{} is {} ({} of {} statements done): drift is measured against a settled history; \
             finish or undo it with `migrate repair` first",
            r.key(),
            r.state.as_str(),
            r.statements_done,
            r.statements_total
        )));
    }
    let position: std::collections::HashMap<_, usize> = source
        .map(|s| s.ordered().enumerate().map(|(i, m)| (m.key(), i)).collect())
        .unwrap_or_default();
    let mut applied: Vec<&HistoryRecord> = history.iter().collect();
    applied.sort_by_cached_key(|r| {
        (
            r.applied_at.clone(),
            position.get(&r.key()).copied().unwrap_or(usize::MAX),
            r.app.clone(),
            r.name.clone(),
        )
    });
    Ok(applied)
}

/// Runs `applied` on `scratch`, an empty database: each migration's stored
/// up statements, one by one. Fails with the migration and statement that
/// did not run.
pub async fn replay(scratch: &mut dyn Backend, applied: &[&HistoryRecord]) -> Result<()> {
    for record in applied {
        for (i, sql) in record.up_sql.iter().enumerate() {
            if let Err(e) = scratch.execute(sql).await {
                return Err(Error::Refused(format!(
                    "replaying {} on the scratch database failed at statement {} of {} (`{}`): {e}. \
                     Its statements, as the history stored them, do not run on an empty database: \
                     they may need objects made outside migrations",
                    record.key(),
                    i + 1,
                    record.up_sql.len(),
                    sql.lines().next().unwrap_or("")
                )));
            }
        }
    }
    Ok(())
}
