//! Migrations renamed after they were applied: a file whose name the
//! history does not know, with the very checksum of a history row whose file
//! is gone, in the same app. The content says it is the same migration, so
//! it is neither an orphan to undo nor a new migration to run: only the
//! name in the history is out of date (`migrate repair --rename`).
//!
//! Pairs are one to one. When several orphans or several new files of an
//! app share a checksum, which goes with which cannot be told, so none of
//! them is paired and each is reported as what it looks like on its own.

use std::collections::{BTreeMap, HashSet};

use crate::history::{HistoryRecord, RecordState};
use crate::migration::MigrationKey;
use crate::source::Source;

/// One applied migration whose file now has another name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rename {
    /// The app.
    pub app: String,
    /// The name the history holds it under (its file is gone).
    pub old: String,
    /// The name of its file now (not in the history).
    pub new: String,
}

impl Rename {
    /// The command that records the new name.
    pub fn command(&self) -> String {
        format!(
            "migrate repair --rename {} {} {}",
            self.app, self.old, self.new
        )
    }
}

/// The names of one app and checksum: orphans' first, new files' second.
type Candidates<'a> = (Vec<&'a str>, Vec<&'a str>);

/// Orphans and new files, grouped by app and checksum; only groups with
/// at least one orphan.
fn candidates<'a>(
    source: &'a Source,
    history: &'a [HistoryRecord],
) -> BTreeMap<(&'a str, &'a str), Candidates<'a>> {
    let mut candidates: BTreeMap<(&str, &str), Candidates> = BTreeMap::new();
    for r in history {
        if r.state == RecordState::Applied && source.get_named(&r.app, &r.name).is_none() {
            candidates
                .entry((r.app.as_str(), r.checksum.as_str()))
                .or_default()
                .0
                .push(&r.name);
        }
    }
    // Without an orphan no file can be a rename: the files need not be
    // looked at, nor the history indexed.
    if candidates.is_empty() {
        return candidates;
    }
    let recorded: HashSet<MigrationKey> = history.iter().map(HistoryRecord::key).collect();
    for app in source.apps() {
        for m in source.app(app).unwrap_or_default() {
            if recorded.contains(&m.key()) {
                continue;
            }
            if let Some((_, new)) = candidates.get_mut(&(app, m.checksum.as_str())) {
                new.push(&m.name);
            }
        }
    }
    candidates
}

/// Every rename between `source` and `history`, by app and old name.
pub fn renames(source: &Source, history: &[HistoryRecord]) -> Vec<Rename> {
    let mut found: Vec<Rename> = candidates(source, history)
        .into_iter()
        .filter_map(
            |((app, _), (old, new))| match (old.as_slice(), new.as_slice()) {
                ([old], [new]) => Some(Rename {
                    app: app.to_string(),
                    old: old.to_string(),
                    new: new.to_string(),
                }),
                _ => None,
            },
        )
        .collect();
    found.sort_by(|a, b| (&a.app, &a.old).cmp(&(&b.app, &b.old)));
    found
}

/// For an orphan that is not paired because several names share its
/// checksum: the new files that have it, by name. Empty when none does
/// (or when it is paired).
pub fn lookalikes(
    source: &Source,
    history: &[HistoryRecord],
    orphan: &HistoryRecord,
) -> Vec<String> {
    candidates(source, history)
        .remove(&(orphan.app.as_str(), orphan.checksum.as_str()))
        .filter(|(old, new)| !(old.len() == 1 && new.len() == 1))
        .map(|(_, new)| new.into_iter().map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RecordState;

    fn source(files: &[(&str, &str, &str)]) -> (tempfile::TempDir, Source) {
        let dir = tempfile::tempdir().unwrap();
        for (app, file, text) in files {
            let folder = dir.path().join(app);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(file), text).unwrap();
        }
        let source = Source::load(dir.path(), crate::SqlDialect::Sqlite).unwrap();
        (dir, source)
    }

    fn applied(source: &Source, app: &str, name: &str, checksum_of: Option<&str>) -> HistoryRecord {
        let checksum = match checksum_of {
            Some(other) => source
                .get(&MigrationKey::new(app, other))
                .unwrap()
                .checksum
                .clone(),
            None => "unrelated".to_string(),
        };
        HistoryRecord::applied_for_test(app, name, &checksum)
    }

    const A: &str = "CREATE TABLE a (id INTEGER);\n";
    const B: &str = "CREATE TABLE b (id INTEGER);\n";

    #[test]
    fn a_new_file_with_an_orphans_checksum_is_its_rename() {
        let (_d, s) = source(&[("t", "0001_a.sql", A), ("t", "0003_b.sql", B)]);
        let history = vec![
            applied(&s, "t", "0001_a", Some("0001_a")),
            applied(&s, "t", "0002_b", Some("0003_b")),
        ];
        assert_eq!(
            renames(&s, &history),
            [Rename {
                app: "t".into(),
                old: "0002_b".into(),
                new: "0003_b".into()
            }]
        );
        assert_eq!(
            renames(&s, &history)[0].command(),
            "migrate repair --rename t 0002_b 0003_b"
        );
        assert!(lookalikes(&s, &history, &history[1]).is_empty());
    }

    #[test]
    fn other_checksums_apps_and_applied_files_are_not_renames() {
        let (_d, s) = source(&[("t", "0001_a.sql", A), ("u", "0001_b.sql", B)]);
        // An orphan with another checksum; one of another app with B's.
        let mut other_app = applied(&s, "u", "0001_b", Some("0001_b"));
        other_app.app = "t".into();
        other_app.name = "0009_gone".into();
        let history = vec![
            applied(&s, "t", "0002_gone", None),
            applied(&s, "u", "0001_b", Some("0001_b")),
        ];
        assert!(renames(&s, &history).is_empty());
        // B's file in app u is applied already: not a rename target.
        assert!(renames(&s, &[other_app.clone()]).is_empty());
        // A partial orphan is not paired either.
        let mut partial = applied(&s, "t", "0002_gone", Some("0001_a"));
        partial.state = RecordState::Partial;
        assert!(renames(&s, &[partial]).is_empty());
    }

    #[test]
    fn ambiguous_candidates_are_not_paired() {
        // Two new files with the orphan's checksum.
        let (_d, s) = source(&[("t", "0002_a.sql", A), ("t", "0003_a.sql", A)]);
        let history = vec![applied(&s, "t", "0001_a", Some("0002_a"))];
        assert!(renames(&s, &history).is_empty());
        assert_eq!(lookalikes(&s, &history, &history[0]), ["0002_a", "0003_a"]);
        // Two orphans with the new file's checksum.
        let (_d, s) = source(&[("t", "0003_a.sql", A)]);
        let history = vec![
            applied(&s, "t", "0001_a", Some("0003_a")),
            applied(&s, "t", "0002_a", Some("0003_a")),
        ];
        assert!(renames(&s, &history).is_empty());
    }
}
