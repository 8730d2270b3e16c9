//! The statement journal on a real SQLite file: the inverse read before a
//! destructive statement runs puts the definition back, and probes see
//! objects come and go.

use migrate_core::BackendExt;
use migrate_core::SqlDialect;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::journal::{self, JournalEntry, Probe};
use migrate_core::testkit::journal::{self as journal_kit, column, index, table, view};
use migrate_sqlite::{SqliteBackend, SqliteDialect};

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    backend: SqliteBackend,
}

async fn open() -> Db {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("journal.db");
    let url = format!("sqlite://{}", path.display());
    let backend = SqliteBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("opens");
    Db {
        _dir: dir,
        path,
        backend,
    }
}

impl Db {
    async fn run(&mut self, sql: &str) {
        self.backend
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
    }

    /// Every row of `sql`, each column as text, read on a connection of
    /// its own.
    fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = rusqlite::Connection::open(&self.path).expect("opens");
        let mut stmt = conn.prepare(sql).expect("prepares");
        let n = stmt.column_count();
        stmt.query_map([], |row| {
            (0..n)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        v => format!("{v:?}"),
                    })
                })
                .collect()
        })
        .expect("queries")
        .collect::<rusqlite::Result<_>>()
        .expect("reads")
    }

    /// Everything the schema holds, by name.
    fn schema(&self) -> Vec<Vec<String>> {
        self.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    }

    /// The schema with comments left out and blanks evened, for texts
    /// SQLite rewrote (ALTER TABLE edits the stored CREATE TABLE).
    fn normalized_schema(&self) -> Vec<Vec<String>> {
        let mut schema = self.schema();
        for row in &mut schema {
            let sql = &mut row[3];
            let mut text = String::new();
            for line in sql.lines() {
                text.push_str(line.split(" --").next().unwrap_or(line));
                text.push(' ');
            }
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            *sql = text.replace("( ", "(").replace(" )", ")");
        }
        schema
    }

    /// The entry for `sql`, after checking that it has an inverse.
    async fn journaled(&mut self, sql: &str) -> (JournalEntry, Vec<String>) {
        journal_kit::journaled(&mut self.backend, sql).await
    }

    async fn undo(&mut self, inverse: &[String]) {
        journal_kit::undo(&mut self.backend, inverse).await
    }

    async fn exists(&mut self, probe: Probe) -> Option<bool> {
        journal_kit::exists(&mut self.backend, probe).await
    }
}

async fn with_table(db: &mut Db) {
    db.run(
        "CREATE TABLE t (\n\
           id INTEGER PRIMARY KEY AUTOINCREMENT,\n\
           a TEXT NOT NULL DEFAULT 'it''s' COLLATE NOCASE,\n\
           b REAL, -- a comment\n\
           c INT\n\
         )",
    )
    .await;
    db.run("CREATE INDEX t_a ON t (a)").await;
    db.run("CREATE UNIQUE INDEX t_b ON t (b) WHERE b > 0").await;
    db.run(
        "CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN \
           UPDATE t SET c = c + 1 WHERE id = NEW.id; END",
    )
    .await;
    db.run("INSERT INTO t (a, b, c) VALUES ('x', 1.5, 1), ('y', 2.5, 2)")
        .await;
}

#[tokio::test]
async fn probes_see_what_exists() {
    let mut db = open().await;
    with_table(&mut db).await;
    db.run("CREATE VIEW v AS SELECT id, a FROM t").await;
    assert_eq!(db.exists(table("t")).await, Some(true));
    assert_eq!(db.exists(table("T")).await, Some(true));
    assert_eq!(db.exists(table("v")).await, Some(false));
    assert_eq!(db.exists(table("nope")).await, Some(false));
    assert_eq!(db.exists(column("t", "a")).await, Some(true));
    assert_eq!(db.exists(column("t", "zz")).await, Some(false));
    assert_eq!(db.exists(column("nope", "a")).await, Some(false));
    assert_eq!(db.exists(index(Some("t"), "t_a")).await, Some(true));
    assert_eq!(db.exists(index(None, "t_a")).await, Some(true));
    assert_eq!(db.exists(index(Some("v"), "t_a")).await, Some(false));
    assert_eq!(db.exists(index(None, "t")).await, Some(false));
    assert_eq!(db.exists(view("v")).await, Some(true));
    assert_eq!(db.exists(view("t")).await, Some(false));
    let constraint = Probe::Constraint {
        table: "t".into(),
        name: "anything".into(),
        exists_after: true,
    };
    assert_eq!(db.exists(constraint).await, None);
}

#[tokio::test]
async fn a_dropped_table_comes_back_with_its_indexes_and_triggers() {
    let mut db = open().await;
    with_table(&mut db).await;
    let before = db.schema();
    let (entry, inverse) = db.journaled("DROP TABLE t").await;
    assert!(entry.lossy, "{entry:?}");
    assert!(
        entry.note.as_deref().unwrap_or("").contains("rows of t"),
        "{entry:?}"
    );
    assert_eq!(inverse.len(), 4, "{inverse:?}");
    db.run("DROP TABLE t").await;
    assert_eq!(db.exists(table("t")).await, Some(false));
    db.undo(&inverse).await;
    assert_eq!(db.exists(table("t")).await, Some(true));
    assert_eq!(db.schema(), before);
    assert_eq!(db.rows("SELECT count(*) FROM t"), vec![vec!["Integer(0)"]]);
}

#[tokio::test]
async fn dropping_a_missing_table_has_nothing_to_undo() {
    let mut db = open().await;
    let (entry, inverse) = db.journaled("DROP TABLE IF EXISTS gone").await;
    assert!(inverse.is_empty(), "{entry:?}");
    assert!(!entry.lossy, "{entry:?}");
}

#[tokio::test]
async fn a_dropped_column_comes_back_with_its_definition() {
    let mut db = open().await;
    with_table(&mut db).await;
    // SQLite refuses to drop a column a trigger uses.
    db.run("DROP TRIGGER t_touch").await;
    // The last column comes back where it was: the schema is as before.
    let before = db.normalized_schema();
    let (entry, inverse) = db.journaled("ALTER TABLE t DROP COLUMN c").await;
    assert!(entry.lossy, "{entry:?}");
    assert!(
        entry.note.as_deref().unwrap_or("").contains("t.c"),
        "{entry:?}"
    );
    db.run("ALTER TABLE t DROP COLUMN c").await;
    assert_eq!(db.exists(column("t", "c")).await, Some(false));
    db.undo(&inverse).await;
    assert_eq!(db.exists(column("t", "c")).await, Some(true));
    assert_eq!(db.normalized_schema(), before);

    // Another comes back last, with its type, default, collation and NOT
    // NULL (it has a default).
    db.run("DROP INDEX t_a").await;
    let columns = "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo('t') \
                   ORDER BY name";
    let before = db.rows(columns);
    let (_, inverse) = db.journaled("ALTER TABLE t DROP COLUMN a").await;
    db.run("ALTER TABLE t DROP COLUMN a").await;
    db.undo(&inverse).await;
    assert_eq!(db.rows(columns), before);
    assert_eq!(
        db.rows("SELECT a FROM t WHERE a = 'IT''S' ORDER BY id"),
        vec![vec!["it's"], vec!["it's"]],
        "the default fills the rows and NOCASE still holds"
    );
}

#[tokio::test]
async fn a_dropped_index_comes_back_as_it_was() {
    let mut db = open().await;
    with_table(&mut db).await;
    let before = db.schema();
    for name in ["t_a", "t_b"] {
        let sql = format!("DROP INDEX {name}");
        let (entry, inverse) = db.journaled(&sql).await;
        assert!(!entry.lossy, "{entry:?}");
        assert_eq!(inverse.len(), 1, "{inverse:?}");
        db.run(&sql).await;
        assert_eq!(db.exists(index(Some("t"), name)).await, Some(false));
        db.undo(&inverse).await;
        assert_eq!(db.schema(), before, "{sql}");
    }
}

#[tokio::test]
async fn a_dropped_view_comes_back_with_its_triggers() {
    let mut db = open().await;
    with_table(&mut db).await;
    db.run("CREATE VIEW v (id, the_a) AS SELECT id, a FROM t WHERE b > 0")
        .await;
    db.run(
        "CREATE TRIGGER v_insert INSTEAD OF INSERT ON v BEGIN \
           INSERT INTO t (a) VALUES (NEW.the_a); END",
    )
    .await;
    let before = db.schema();
    let (entry, inverse) = db.journaled("DROP VIEW v").await;
    assert!(!entry.lossy, "{entry:?}");
    db.run("DROP VIEW v").await;
    assert_eq!(db.exists(view("v")).await, Some(false));
    db.undo(&inverse).await;
    assert_eq!(db.exists(view("v")).await, Some(true));
    assert_eq!(db.schema(), before);
}

#[tokio::test]
async fn statements_that_need_no_capture_are_journaled_from_their_text() {
    let mut db = open().await;
    let quote = |s: &str| SqliteDialect.quote_identifier(s);
    for sql in [
        "CREATE TABLE x (a INT)",
        "INSERT INTO x VALUES (1)",
        "CREATE INDEX xa ON x (a)",
    ] {
        let entry = db.backend.journal_entry(sql).await.expect("entry");
        assert_eq!(
            entry,
            journal::entry_from_text(sql, SqlDialect::Sqlite, &quote),
            "{sql}"
        );
        db.run(sql).await;
    }
}
