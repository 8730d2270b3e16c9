//! `migrate repair --rename APP OLD NEW`: move an applied migration's
//! history row to the new name of its file, running nothing.

use crate::backend::{Backend, BackendExt};
use crate::error::{Error, Result};
use crate::executor::now;
use crate::history::{HistoryRecord, RecordState};
use crate::log::{Action, LogEntry};
use crate::migration::MigrationKey;
use crate::source::Source;

/// What `rename` recorded (or, on a dry run, would record).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Renamed {
    /// The app.
    pub app: String,
    /// The name the history held.
    pub old: String,
    /// The name it holds now.
    pub new: String,
    /// The checksum, the same under both names.
    pub checksum: String,
    /// When the migration was applied, kept as it was.
    pub applied_at: String,
    /// Only said what it would do.
    pub dry_run: bool,
}

/// Moves the history row of `app:old`, whose file is gone, to `app:new`, a
/// file with the same checksum that is not applied: the applied time, the
/// checksum, the stored statements stay; the audit log says `rename`.
/// Everything is checked under the migration lock, before anything is
/// written, and the move and its log entry are one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn rename(
    backend: &mut dyn Backend,
    source: &Source,
    app: &str,
    old: &str,
    new: &str,
    actor: Option<String>,
    lock_timeout: std::time::Duration,
    dry_run: bool,
) -> Result<Renamed> {
    let migration = source.resolve(app, new).map_err(|e| match e {
        Error::Usage(text) => Error::Usage(format!(
            "{text}\n`migrate repair --rename APP OLD NEW` needs NEW to be the migration's file as it is named now, in {}",
            source.dir().display()
        )),
        other => other,
    })?;
    let new_key = migration.key();
    backend.lock(lock_timeout).await?;
    let result = async {
        let history = backend.load_history().await?;
        let record = old_record(source, &history, app, old)?;
        let old_key = record.key();
        if let Some(applied) = history.iter().find(|r| r.key() == new_key) {
            return Err(Error::Refused(format!(
                "{new_key} is already in the history ({}, {}), so {old_key} cannot be moved to it. \
If {old_key} was this same migration under an earlier name, forget its row with `migrate {app} --prune`, which runs nothing.",
                applied.state.as_str(),
                crate::plan::provenance(applied)
            )));
        }
        if record.checksum != migration.checksum {
            return Err(Error::Refused(format!(
                "{old_key} was applied with checksum {}, but the file of {new_key} has checksum {}: \
they are not the same file, so the history is left as it is. \
If {new_key} is {old_key} renamed and then edited, put back the content it was applied with, \
rename, then record the edit with `migrate repair --accept {app} {}`. \
If it is another migration, {old_key}'s file is simply gone: see `migrate --revert-orphans` or `migrate --prune`.",
                short(&record.checksum),
                short(&migration.checksum),
                new_key.name,
            )));
        }
        let renamed = Renamed {
            app: app.to_string(),
            old: old_key.name.clone(),
            new: new_key.name.clone(),
            checksum: record.checksum.clone(),
            applied_at: record.applied_at.clone(),
            dry_run,
        };
        if dry_run {
            return Ok(renamed);
        }
        let mut moved = record.clone();
        moved.name = new_key.name.clone();
        let entry = LogEntry {
            at: now(),
            app: app.to_string(),
            name: new_key.name.clone(),
            action: Action::Rename,
            checksum: Some(record.checksum.clone()),
            detail: Some(format!(
                "renamed from {}: its file was renamed (checksum unchanged; {})",
                old_key.name,
                crate::plan::provenance(record)
            )),
            statements: Vec::new(),
            actor,
            tool_version: crate::VERSION.to_string(),
        };
        crate::store::move_with_log(&mut *backend, &old_key.name, &moved, &entry).await?;
        Ok(renamed)
    }
    .await;
    let unlocked = backend.unlock().await;
    let renamed = result?;
    unlocked?;
    Ok(renamed)
}

/// The applied row of `app:old` (its full name, or a prefix only one row
/// of the app has), whose file must be gone.
fn old_record<'h>(
    source: &Source,
    history: &'h [HistoryRecord],
    app: &str,
    old: &str,
) -> Result<&'h HistoryRecord> {
    let rows: Vec<&HistoryRecord> = history.iter().filter(|r| r.app == app).collect();
    let record = match rows.iter().find(|r| r.name == old) {
        Some(r) => *r,
        None => {
            let prefixed: Vec<&&HistoryRecord> =
                rows.iter().filter(|r| r.name.starts_with(old)).collect();
            match prefixed.as_slice() {
                [one] => **one,
                [] => {
                    return Err(Error::Usage(format!(
                        "{app}:{old} is not in this database's history, so there is nothing to rename. \
OLD is the name the history holds (a `[R]` line of `migrate status {app}` shows it after `renamed from`)."
                    )));
                }
                many => {
                    return Err(Error::Usage(format!(
                        "`{old}` matches several migrations in the history of {app} ({}): give the full name",
                        many.iter()
                            .map(|r| r.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    };
    let key: MigrationKey = record.key();
    if source.get(&key).is_some() {
        return Err(Error::Usage(format!(
            "{key} still has its file in {}: it was not renamed. \
If the new file is a copy of it, delete the copy instead.",
            source.dir().display()
        )));
    }
    if record.state != RecordState::Applied {
        return Err(Error::Refused(format!(
            "{key} is {} in the history, not applied: finish or undo it with `migrate repair` first",
            record.state.as_str()
        )));
    }
    Ok(record)
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}
