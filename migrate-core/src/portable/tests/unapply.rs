//! Unapplying portable migrations read from a folder for each engine: the
//! down statements each engine renders, or the same refusal on all of them
//! before anything runs.

use std::path::Path;

use crate::backend::Dialect;
use crate::engines::mysql::MysqlDialect;
use crate::engines::postgres::PostgresDialect;
use crate::engines::sqlite::SqliteDialect;
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::migration::MigrationKey;
use crate::plan::{PlanOptions, Request, plan};
use crate::source::Source;

const ORDERS: &str = r#"
[[operations]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "auto_id" },
  { name = "total", type = "integer", default = 0 },
  { name = "placed_at", type = "timestamp" },
]
"#;

const DROP_PLACED_AT: &str = r#"
[[operations]]
op = "drop_column"
table = "orders"
column = "placed_at"
"#;

const ENGINES: [&dyn Dialect; 3] = [&SqliteDialect, &PostgresDialect, &MysqlDialect];

/// A folder with `shop/0001_orders.toml` and `shop/0002_drop.toml`.
fn shop(drop: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("shop");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("0001_orders.toml"), ORDERS).unwrap();
    std::fs::write(app.join("0002_drop.toml"), drop).unwrap();
    dir
}

/// Both migrations recorded as applied, with the down statements the
/// source gives them.
fn applied(source: &Source) -> Vec<HistoryRecord> {
    source
        .ordered()
        .map(|m| HistoryRecord {
            statements_done: m.up.statements().unwrap().len() as i64,
            statements_total: m.up.statements().unwrap().len() as i64,
            up_sql: m.up.sql().unwrap(),
            down_sql: m.down.as_ref().map(|d| d.sql().unwrap()),
            ..HistoryRecord::applied_for_test(&m.app, &m.name, &m.checksum)
        })
        .collect()
}

fn back_to_0001() -> Request {
    Request::To {
        app: "shop".into(),
        target: "0001".into(),
    }
}

fn load(dir: &Path, dialect: &dyn Dialect) -> Source {
    Source::load_for(dir, dialect).unwrap_or_else(|e| panic!("{}: {e}", dialect.name()))
}

#[test]
fn without_restore_default_every_engine_refuses_the_same_way() {
    let dir = shop(DROP_PLACED_AT);
    let key = MigrationKey::new("shop", "0002_drop");
    let mut messages = Vec::new();
    for dialect in ENGINES {
        let source = load(dir.path(), dialect);
        let m = source.get(&key).expect("0002");
        assert_eq!(m.down, None, "{}", dialect.name());
        assert!(!m.up.statements().unwrap().is_empty(), "it still applies");
        let history = applied(&source);
        let err = plan(&source, &history, &back_to_0001(), PlanOptions::default())
            .expect_err("refused before anything runs");
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        assert_eq!(err.exit_code(), 3);
        messages.push(err.to_string());
    }
    assert_eq!(
        messages[0],
        "shop:0002_drop is irreversible: it cannot be unapplied: operation 1 (drop_column) is irreversible: \
column `placed_at` of `orders` is NOT NULL without a default, so the rows of `orders` would have no value for it when it is added back: \
give this `drop_column` a `restore_default` (the value those rows get), \
or write `.sql` variants of the migration (`NNNN_name.sqlite.sql`, `.postgres.sql`, `.mysql.sql`) with a `-- migrate:down` section, \
or undo it by hand and record that with `migrate --fake`."
    );
    assert!(messages.iter().all(|m| *m == messages[0]), "{messages:#?}");
}

#[test]
fn with_restore_default_every_engine_adds_the_column_back_filled() {
    let dir = shop(&format!(
        "{DROP_PLACED_AT}restore_default = \"2000-01-01 00:00:00\"\n"
    ));
    let key = MigrationKey::new("shop", "0002_drop");
    let down = |dialect: &dyn Dialect| {
        let source = load(dir.path(), dialect);
        let m = source.get(&key).expect("0002");
        assert_eq!(m.irreversible, None);
        let history = applied(&source);
        plan(&source, &history, &back_to_0001(), PlanOptions::default())
            .expect("the unapply is planned");
        m.down.as_ref().expect("a down section").sql().unwrap()
    };
    assert_eq!(
        down(&PostgresDialect),
        [
            "ALTER TABLE \"orders\" ADD COLUMN \"placed_at\" timestamp NOT NULL DEFAULT '2000-01-01 00:00:00'",
            "ALTER TABLE \"orders\" ALTER COLUMN \"placed_at\" DROP DEFAULT",
        ]
    );
    assert_eq!(
        down(&MysqlDialect),
        [
            "ALTER TABLE `orders` ADD COLUMN `placed_at` DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'",
            "ALTER TABLE `orders` MODIFY COLUMN `placed_at` DATETIME(6) NOT NULL",
        ]
    );
    // SQLite adds it filled, then rebuilds the table without the default,
    // copying the filled rows.
    assert_eq!(
        down(&SqliteDialect),
        [
            "PRAGMA foreign_keys = OFF",
            "ALTER TABLE \"orders\" ADD COLUMN \"placed_at\" DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00'",
            "CREATE TABLE \"new_orders\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \"total\" INTEGER NOT NULL DEFAULT 0,\n    \"placed_at\" DATETIME NOT NULL\n)",
            "INSERT INTO \"new_orders\" (\"id\", \"total\", \"placed_at\") SELECT \"id\", \"total\", \"placed_at\" FROM \"orders\"",
            "DROP TABLE \"orders\"",
            "ALTER TABLE \"new_orders\" RENAME TO \"orders\"",
            "PRAGMA foreign_key_check(\"orders\")",
            "PRAGMA foreign_keys = ON",
        ]
    );
}
