//! `migrate status`: where every migration stands, including the abnormal
//! states the planner refuses to move past.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::edits::{COSMETIC_NOTE, Edit, edit};
use crate::history::{HistoryRecord, RecordState};
use crate::migration::number_of;
use crate::source::Source;

/// The state of one migration, as `status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationState {
    /// Applied, and its file is unchanged.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applying stopped part way.
    Partial,
    /// Unapplying stopped part way.
    Reverting,
    /// Applied, but its file changed since.
    Modified,
    /// Applied, but its file is gone.
    Orphan,
    /// Pending, but numbered below a migration already applied in its app.
    OutOfOrder,
    /// Part way (applying or unapplying) while another run holds the
    /// migration lock: a healthy run is at work on it, not a crashed one.
    Running,
    /// Applied under another name, whose file is gone: this file has the
    /// checksum that name was applied with (see [`crate::renames`]).
    Renamed,
}

impl MigrationState {
    /// `true` for applied migrations whose file is unchanged: the one state
    /// `migrate status --check` accepts.
    pub fn is_settled(self) -> bool {
        self == MigrationState::Applied
    }
}

impl MigrationState {
    /// The marker shown in text output.
    pub fn marker(self) -> &'static str {
        match self {
            MigrationState::Applied => "[X]",
            MigrationState::Pending => "[ ]",
            MigrationState::Partial => "[!]",
            MigrationState::Reverting => "[<]",
            MigrationState::Modified => "[M]",
            MigrationState::Orphan => "[?]",
            MigrationState::OutOfOrder => "[o]",
            MigrationState::Running => "[~]",
            MigrationState::Renamed => "[R]",
        }
    }
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEntry {
    /// The app.
    pub app: String,
    /// The migration's full name.
    pub name: String,
    /// Where it stands.
    pub state: MigrationState,
    /// When it was applied, for recorded migrations.
    pub applied_at: Option<String>,
    /// The checksum of the file (or, for an orphan, the one recorded).
    pub checksum: Option<String>,
    /// For recorded migrations: statements done of total.
    pub statements_done: Option<i64>,
    /// For recorded migrations: statements in the script.
    pub statements_total: Option<i64>,
    /// The error that stopped a partial run.
    pub last_error: Option<String>,
    /// Who applied it.
    pub applied_by: Option<String>,
    /// The git commit of the migrations folder when it was applied.
    pub source_commit: Option<String>,
    /// For a modified migration: how its up statements differ from those
    /// that ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// For an applied migration whose file was edited in comments or
    /// whitespace only: [`crate::edits::COSMETIC_NOTE`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a renamed migration: the name the history holds it under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// What its file's down section allows; absent for an orphan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<DownSection>,
}

/// A migration file's down section, as `status` reports it: whether
/// unapplying the migration can go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownSection {
    /// It holds the statements that undo the migration.
    Written,
    /// Empty on purpose (`-- migrate:down noop=true`).
    Noop,
    /// Empty without saying so: unapplying is refused until it is written.
    Empty,
    /// There is none: the migration is irreversible.
    Missing,
}

impl DownSection {
    /// The down section of a migration's file.
    pub fn of(migration: &crate::Migration) -> DownSection {
        match &migration.down {
            None => DownSection::Missing,
            Some(d) if d.noop => DownSection::Noop,
            Some(d) if d.is_empty() => DownSection::Empty,
            Some(_) => DownSection::Written,
        }
    }
}

/// Every migration of `app` (or of every app), in order, with its state.
pub fn status(source: &Source, history: &[HistoryRecord], app: Option<&str>) -> Vec<StatusEntry> {
    let records = crate::history::index_rows(history);
    let renames = crate::renames::renames(source, history);
    // new name -> the old record
    let renamed: HashMap<(&str, &str), &HistoryRecord> = renames
        .iter()
        .filter_map(|r| {
            let old = records.get(&(r.app.as_str(), r.old.as_str()))?;
            Some(((r.app.as_str(), r.new.as_str()), *old))
        })
        .collect();
    let renamed_away =
        |r: &HistoryRecord| renames.iter().any(|x| x.app == r.app && x.old == r.name);
    // Each app's highest applied number, in one pass over the history.
    let mut highest: HashMap<&str, u64> = HashMap::new();
    for r in history {
        // A renamed migration stands where its new name puts it.
        let (app, name) = renames
            .iter()
            .find(|x| x.app == r.app && x.old == r.name)
            .map_or((&r.app, &r.name), |x| (&x.app, &x.new));
        if let Some(n) = source.order_number_named(app, name) {
            let h = highest.entry(r.app.as_str()).or_insert(n);
            *h = (*h).max(n);
        }
    }
    let mut apps: BTreeSet<&str> = source.apps().collect();
    apps.extend(history.iter().map(|r| r.app.as_str()));
    let mut entries = Vec::new();
    for a in apps.into_iter().filter(|a| app.is_none_or(|x| x == *a)) {
        let files = source.app(a).unwrap_or_default();
        let highest_applied = highest.get(a).copied();
        let mut app_entries: Vec<(Option<u64>, StatusEntry)> =
            Vec::with_capacity(files.len() + source.repeatables(a).len());
        for m in files {
            if let Some(old) = renamed.get(&(a, m.name.as_str())) {
                let mut e = entry(
                    a,
                    &m.name,
                    MigrationState::Renamed,
                    Some(old),
                    Some(&m.checksum),
                );
                e.renamed_from = Some(old.name.clone());
                e.down = Some(DownSection::of(m));
                app_entries.push((Some(m.number), e));
                continue;
            }
            let record = records.get(&(a, m.name.as_str())).copied();
            let state = match record {
                None if highest_applied.is_some_and(|h| h > m.number) => MigrationState::OutOfOrder,
                None => MigrationState::Pending,
                Some(r) => match r.state {
                    RecordState::Partial => MigrationState::Partial,
                    RecordState::Reverting => MigrationState::Reverting,
                    RecordState::Applied => match edit(r, m, source.dialect()) {
                        Edit::Statements => MigrationState::Modified,
                        Edit::Unchanged | Edit::CommentsOrWhitespace => MigrationState::Applied,
                    },
                },
            };
            let mut e = entry(a, &m.name, state, record, Some(&m.checksum));
            if state == MigrationState::Applied && record.is_some_and(|r| r.checksum != m.checksum)
            {
                e.note = Some(COSMETIC_NOTE.to_string());
            }
            if record.is_none() {
                // A run refuses a file it cannot split: said where it is
                // listed, since reading it for `status` does not split it.
                e.note = m.up.split_problem().map(|p| format!("cannot run: {p}"));
            }
            if e.note.is_none() {
                e.note = crate::squash::note(m);
            }
            e.down = Some(DownSection::of(m));
            if let (MigrationState::Modified, Some(r)) = (state, record) {
                e.changes = match m.up.sql() {
                    Ok(now) => crate::plan::statement_changes(&r.up_sql, &now, source.dialect()),
                    Err(_) => {
                        m.up.split_problem()
                            .map(|p| p.to_string())
                            .into_iter()
                            .collect()
                    }
                };
            }
            app_entries.push((Some(m.number), e));
        }
        for m in source.repeatables(a) {
            let record = records.get(&(a, m.name.as_str())).copied();
            let (state, note) = match record.map(|r| (r.state, r.checksum == m.checksum)) {
                Some((RecordState::Partial, _)) => (MigrationState::Partial, "repeatable"),
                Some((RecordState::Reverting, _)) => (MigrationState::Reverting, "repeatable"),
                Some((RecordState::Applied, true)) => (MigrationState::Applied, "repeatable"),
                Some((RecordState::Applied, false)) => (
                    MigrationState::Pending,
                    "repeatable, changed since it ran: runs again after the numbered ones",
                ),
                None => (
                    MigrationState::Pending,
                    "repeatable: runs after the numbered ones",
                ),
            };
            let mut e = entry(a, &m.name, state, record, Some(&m.checksum));
            e.note = Some(note.to_string());
            e.down = Some(DownSection::of(m));
            // After every numbered migration, in the order they run.
            app_entries.push((Some(u64::MAX), e));
        }
        for r in history.iter().filter(|r| r.app == a) {
            if source.get_named(&r.app, &r.name).is_none() && !renamed_away(r) {
                let state = match r.state {
                    RecordState::Partial => MigrationState::Partial,
                    RecordState::Reverting => MigrationState::Reverting,
                    RecordState::Applied => MigrationState::Orphan,
                };
                app_entries.push((number_of(&r.name), entry(a, &r.name, state, Some(r), None)));
            }
        }
        // Names are unique within an app, so an unstable sort gives the same
        // order, without a scratch copy of every entry.
        app_entries.sort_unstable_by(|x, y| (x.0, &x.1.name).cmp(&(y.0, &y.1.name)));
        entries.reserve_exact(app_entries.len());
        entries.extend(app_entries.into_iter().map(|(_, e)| e));
    }
    entries
}

fn entry(
    app: &str,
    name: &str,
    state: MigrationState,
    record: Option<&HistoryRecord>,
    file_checksum: Option<&String>,
) -> StatusEntry {
    StatusEntry {
        app: app.to_string(),
        name: name.to_string(),
        state,
        applied_at: record.map(|r| r.applied_at.clone()),
        checksum: file_checksum
            .cloned()
            .or_else(|| record.map(|r| r.checksum.clone())),
        statements_done: record.map(|r| r.statements_done),
        statements_total: record.map(|r| r.statements_total),
        last_error: record.and_then(|r| r.last_error.clone()),
        applied_by: record.and_then(|r| r.applied_by.clone()),
        source_commit: record.and_then(|r| r.source_commit.clone()),
        changes: Vec::new(),
        note: None,
        renamed_from: None,
        down: None,
    }
}

/// Marks the part-way entries as [`MigrationState::Running`]: what
/// [`status`] gives when another run holds the migration lock.
pub fn mark_running(entries: &mut [StatusEntry]) {
    for e in entries {
        if matches!(e.state, MigrationState::Partial | MigrationState::Reverting) {
            e.state = MigrationState::Running;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::MigrationKey;

    fn source(files: &[(&str, &str)]) -> (tempfile::TempDir, Source) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        for (file, text) in files {
            std::fs::write(dir.path().join("app").join(file), text).unwrap();
        }
        let source = Source::load(dir.path(), crate::SqlDialect::Sqlite).unwrap();
        (dir, source)
    }

    fn applied_as(source: &Source, file_name: &str, recorded_name: &str) -> HistoryRecord {
        let m = source.get(&MigrationKey::new("app", file_name)).unwrap();
        HistoryRecord {
            up_sql: m.up.sql().unwrap(),
            down_sql: m.down.as_ref().map(|d| d.sql().unwrap()),
            ..HistoryRecord::applied_for_test("app", recorded_name, &m.checksum)
        }
    }

    #[test]
    fn a_renamed_migration_stands_at_its_new_name() {
        let (_d, s) = source(&[
            ("0001_a.sql", "CREATE TABLE a (id INT);"),
            ("0003_b.sql", "CREATE TABLE c (id INT);"),
            ("0005_b.sql", "CREATE TABLE b (id INT);"),
        ]);
        let history = vec![
            applied_as(&s, "0001_a", "0001_a"),
            applied_as(&s, "0005_b", "0002_b"),
        ];
        let got: Vec<(String, MigrationState, Option<String>)> = status(&s, &history, None)
            .into_iter()
            .map(|e| (e.name, e.state, e.renamed_from))
            .collect();
        assert_eq!(
            got,
            [
                ("0001_a".into(), MigrationState::Applied, None),
                // Below where the renamed migration now stands.
                ("0003_b".into(), MigrationState::OutOfOrder, None),
                (
                    "0005_b".into(),
                    MigrationState::Renamed,
                    Some("0002_b".into())
                ),
            ]
        );
    }

    #[test]
    fn a_comment_edit_is_applied_with_a_note_and_a_statement_edit_is_modified() {
        let (_d, s) = source(&[("0001_a.sql", "CREATE TABLE a (id INT);")]);
        let mut record = applied_as(&s, "0001_a", "0001_a");
        record.checksum = "before the comment".into();
        let e = &status(&s, std::slice::from_ref(&record), None)[0];
        assert_eq!(e.state, MigrationState::Applied);
        assert_eq!(e.note.as_deref(), Some(COSMETIC_NOTE));
        record.up_sql = vec!["CREATE TABLE a (id BIGINT)".into()];
        let e = &status(&s, &[record], None)[0];
        assert_eq!(e.state, MigrationState::Modified);
        assert_eq!(e.note, None);
        assert_eq!(e.changes, ["statement 1 changed"]);
    }
}
