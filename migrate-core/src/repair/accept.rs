//! Deliberate corrections of the history, each under the migration lock and
//! written to the audit log.

use crate::backend::{Backend, BackendExt};
use crate::error::{Error, Result};
use crate::executor::now;
use crate::history::RecordState;
use crate::log::{Action, LogEntry};
use crate::migration::MigrationKey;
use crate::plan::statement_changes;
use crate::source::Source;

/// What `accept` recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    /// The migration.
    pub migration: String,
    /// The checksum recorded when it was applied.
    pub old_checksum: String,
    /// The checksum of the file now.
    pub new_checksum: String,
    /// How its up statements differ from those that ran.
    pub changes: Vec<String>,
}

/// Records the current checksum of an applied migration whose file was
/// edited (`migrate repair --accept APP NAME`). The stored statements stay
/// as they ran; the log keeps both checksums.
pub async fn accept(
    backend: &mut dyn Backend,
    source: &Source,
    app: &str,
    target: &str,
    actor: Option<String>,
    lock_timeout: std::time::Duration,
) -> Result<Accepted> {
    let migration = source.resolve(app, target)?;
    let key: MigrationKey = migration.key();
    backend.lock(lock_timeout).await?;
    let result = async {
        let history = backend.load_history().await?;
        let Some(record) = history.iter().find(|r| r.key() == key) else {
            return Err(Error::Usage(format!(
                "{key} is not applied in this database: there is nothing to accept"
            )));
        };
        if record.state != RecordState::Applied {
            return Err(Error::Refused(format!(
                "{key} is {} here, not applied; repair that first",
                record.state.as_str()
            )));
        }
        if record.checksum == migration.checksum {
            return Err(Error::Usage(format!(
                "{key} is unchanged since it was applied: there is nothing to accept"
            )));
        }
        let mut updated = record.clone();
        updated.checksum = migration.checksum.clone();
        let changes = statement_changes(&record.up_sql, &migration.up.sql()?, source.dialect());
        let accepted = Accepted {
            migration: key.to_string(),
            old_checksum: record.checksum.clone(),
            new_checksum: migration.checksum.clone(),
            changes,
        };
        let entry = LogEntry {
            at: now(),
            app: key.app.clone(),
            name: key.name.clone(),
            action: Action::Accept,
            checksum: Some(migration.checksum.clone()),
            detail: Some(format!(
                "accepted the edited file: checksum {} -> {}{}",
                accepted.old_checksum,
                accepted.new_checksum,
                if accepted.changes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", accepted.changes.join(", "))
                }
            )),
            statements: Vec::new(),
            actor,
            tool_version: crate::VERSION.to_string(),
        };
        crate::store::write_with_log(&mut *backend, &updated, &entry).await?;
        Ok(accepted)
    }
    .await;
    let unlocked = backend.unlock().await;
    let accepted = result?;
    unlocked?;
    Ok(accepted)
}
