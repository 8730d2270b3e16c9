//! How an applied migration's file was edited since it ran. The checksum
//! covers the whole file, so any edit changes it; what matters is whether
//! the edit reaches the statements. One that only touches comments or the
//! whitespace between tokens leaves the database exactly what the file
//! makes, so it is reported but does not hold a run up; any other edit does
//! (see [`crate::plan`]).
//!
//! Statements are compared in their [normal form](crate::split::normal_form):
//! the up statements with those the history stored as they ran, and the
//! down statements with those stored to undo them.

use crate::dialect::SqlDialect;
use crate::history::{HistoryRecord, RecordState};
use crate::migration::{Migration, MigrationKey};
use crate::source::Source;
use crate::split::normal_form;

/// What `status` says of a migration whose comments or whitespace were
/// edited after it ran.
pub const COSMETIC_NOTE: &str = "comment or whitespace edited";

/// How a file differs from what its history row says ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Same checksum: not edited.
    Unchanged,
    /// Only comments or whitespace between tokens changed.
    CommentsOrWhitespace,
    /// A statement changed, was added or removed, or the down section
    /// changed in a way its statements cannot show (an empty one).
    Statements,
}

/// How `migration`'s file was edited since `record` ran, its statements
/// split as `dialect` splits them.
pub fn edit(record: &HistoryRecord, migration: &Migration, dialect: SqlDialect) -> Edit {
    if record.checksum == migration.checksum {
        return Edit::Unchanged;
    }
    let same = |stored: &[String], now: &[String]| {
        stored.len() == now.len()
            && stored
                .iter()
                .zip(now)
                .all(|(a, b)| same_statement(a, b, dialect))
    };
    // A section that cannot be split is not the one that ran.
    let up = migration
        .up
        .sql()
        .is_ok_and(|now| same(&record.up_sql, &now));
    // An empty down section says nothing in its statements: whether it
    // was `noop=true` when it ran is not stored, so its edit is not taken
    // for a cosmetic one.
    let down = match (&record.down_sql, &migration.down) {
        (None, None) => true,
        (Some(stored), Some(now)) => {
            !now.is_empty() && now.sql().is_ok_and(|now| same(stored, &now))
        }
        _ => false,
    };
    if up && down {
        Edit::CommentsOrWhitespace
    } else {
        Edit::Statements
    }
}

/// Whether two statement texts differ at most in comments and whitespace.
/// A text that cannot be tokenized is the same only as itself.
pub fn same_statement(a: &str, b: &str, dialect: SqlDialect) -> bool {
    a == b || {
        let a = normal_form(a, dialect);
        a.is_some() && a == normal_form(b, dialect)
    }
}

/// The applied migrations of `source` whose files were edited in comments
/// or whitespace only since they ran, in the source's order.
pub fn cosmetic(source: &Source, history: &[HistoryRecord]) -> Vec<MigrationKey> {
    history
        .iter()
        .filter(|r| r.state == RecordState::Applied)
        .filter_map(|r| {
            let m = source.get_named(&r.app, &r.name)?;
            (edit(r, m, source.dialect()) == Edit::CommentsOrWhitespace).then(|| m.key())
        })
        .collect()
}

/// What a run (or a dry run) warns about before it goes on: one line per
/// migration of [`cosmetic`].
pub fn warnings(source: &Source, history: &[HistoryRecord]) -> Vec<String> {
    cosmetic(source, history)
        .iter()
        .map(cosmetic_warning)
        .collect()
}

/// The warning a run prints for each of [`cosmetic`]'s migrations.
pub fn cosmetic_warning(key: &MigrationKey) -> String {
    format!(
        "{key}: {COSMETIC_NOTE} since it was applied; its statements are unchanged, so it stays applied \
(`migrate repair --accept {} {}` records the new checksum)",
        key.app, key.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(dir: &std::path::Path, text: &str) -> Migration {
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/0001_a.sql"), text).unwrap();
        let source = Source::load(dir, SqlDialect::Postgres).unwrap();
        source.app("app").unwrap()[0].clone()
    }

    fn ran(m: &Migration) -> HistoryRecord {
        HistoryRecord {
            up_sql: m.up.sql().unwrap(),
            down_sql: m.down.as_ref().map(|d| d.sql().unwrap()),
            ..HistoryRecord::applied_for_test(&m.app, &m.name, &m.checksum)
        }
    }

    const ORIGINAL: &str = "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a  b');\n-- migrate:down\nDROP TABLE t;\n";

    #[track_caller]
    fn edited_to(text: &str) -> Edit {
        let dir = tempfile::tempdir().unwrap();
        let record = ran(&migration(dir.path(), ORIGINAL));
        edit(&record, &migration(dir.path(), text), SqlDialect::Postgres)
    }

    #[test]
    fn comments_and_whitespace_are_cosmetic() {
        assert_eq!(edited_to(ORIGINAL), Edit::Unchanged);
        assert_eq!(
            edited_to(
                "-- the table of t\n-- migrate:up\nCREATE TABLE t (\n  id INTEGER, -- its key\n  name VARCHAR(10) /* short */\n);\n\nINSERT INTO t VALUES (1,'a  b');\n-- migrate:down\n-- gone again\nDROP   TABLE t;\n"
            ),
            Edit::CommentsOrWhitespace
        );
    }

    #[test]
    fn anything_else_is_a_change() {
        for text in [
            // a string's whitespace is its content
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a b');\n-- migrate:down\nDROP TABLE t;\n",
            // a type
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(20));\nINSERT INTO t VALUES (1, 'a  b');\n-- migrate:down\nDROP TABLE t;\n",
            // a statement added
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a  b');\nSELECT 1;\n-- migrate:down\nDROP TABLE t;\n",
            // the down section
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a  b');\n-- migrate:down\nDROP TABLE IF EXISTS t;\n",
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a  b');\n",
            // two words made one
            "-- migrate:up\nCREATE TABLE t (id INTEGER, name VARCHAR(10));\nINSERT INTO t VALUES (1, 'a  b');\n-- migrate:down\nDROP TABLEt;\n",
        ] {
            assert_eq!(edited_to(text), Edit::Statements, "{text}");
        }
    }

    #[test]
    fn comments_the_server_reads_are_statements() {
        assert_ne!(
            normal_form(
                "CREATE TABLE t (id INT) /*!50100 ENGINE=InnoDB */",
                SqlDialect::Mysql
            ),
            normal_form("CREATE TABLE t (id INT)", SqlDialect::Mysql)
        );
        assert_ne!(
            normal_form("SELECT /*+ NO_INDEX(t) */ id FROM t", SqlDialect::Mysql),
            normal_form("SELECT id FROM t", SqlDialect::Mysql)
        );
        assert_eq!(
            normal_form("SELECT /* why */ id\nFROM t -- all", SqlDialect::Mysql),
            normal_form("SELECT id FROM t", SqlDialect::Mysql)
        );
    }
}
