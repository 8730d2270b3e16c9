//! Other tools' folders run as they are, on every engine.

use std::sync::Arc;

use crate::harness::{Ctx, Kind};

pub async fn a_diesel_folder_runs_as_it_is(ctx: Arc<Ctx>) {
    for (rel, text) in [
        (
            "20140924113530_first/up.sql",
            "CREATE TABLE first_t (id INTEGER PRIMARY KEY);\n",
        ),
        ("20140924113530_first/down.sql", "DROP TABLE first_t;\n"),
        (
            "2018-01-14-171611_users/up.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, first_id INTEGER REFERENCES first_t (id));\n",
        ),
        ("2018-01-14-171611_users/down.sql", "DROP TABLE users;\n"),
        (
            "2024-03-13_170000_note/up.sql",
            "ALTER TABLE users ADD COLUMN note VARCHAR(20);\n",
        ),
        (
            "2024-03-13_170000_note/down.sql",
            "ALTER TABLE users DROP COLUMN note;\n",
        ),
        (
            "2024-03-13_170000_note/metadata.toml",
            "run_in_transaction = false\n",
        ),
        (
            "2026-07-30-140000-0000_last touch/up.sql",
            "CREATE TABLE last_t (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "2026-07-30-140000-0000_last touch/down.sql",
            "DROP TABLE last_t;\n",
        ),
        ("README.md", "How we migrate.\n"),
    ] {
        ctx.write_file(&format!("migrations/{rel}"), text.as_bytes());
    }
    let out = ctx.migrate(&[]);
    out.expect_code(0)
        .expect_text("Applying migrations:20140924113530_first")
        .expect_text("ignored migrations/README.md");
    let order: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Applying migrations:"))
        .map(|l| l.split(" ...").next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "20140924113530_first",
            "2018-01-14-171611_users",
            "2024-03-13_170000_note",
            "2026-07-30-140000-0000_last touch"
        ]
    );
    assert!(ctx.db.tables().await.contains(&"last_t".to_string()));
    assert!(ctx.db.columns("users").await.contains(&"note".to_string()));
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text("[X] 2024-03-13_170000_note")
        .expect_text("[X] 2026-07-30-140000-0000_last touch");
    ctx.migrate(&["migrations", "2024-03-13_170000"])
        .expect_code(0);
    assert!(!ctx.db.tables().await.contains(&"last_t".to_string()));
    // A target as diesel writes the version.
    ctx.migrate(&["migrations", "2018-01-14-171611"])
        .expect_code(0);
    assert!(!ctx.db.columns("users").await.contains(&"note".to_string()));
    ctx.migrate(&["migrations", "zero"]).expect_code(0);
    assert!(
        ctx.db
            .tables()
            .await
            .iter()
            .all(|t| t.starts_with("migrate_"))
    );
    // A layout the tool does not know is a usage error.
    ctx.migrate(&["status", "--layout", "nonsense"])
        .expect_code(2);
}

/// sqlx's history table as sqlx-cli creates it on each engine.
fn sqlx_table(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => {
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)"
        }
        Kind::Postgres => {
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
             checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)"
        }
        Kind::Mysql => {
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)"
        }
    }
}

/// A blob literal of `bytes` on each engine.
fn blob(kind: Kind, bytes: &[u8]) -> String {
    let hex = hex::encode(bytes);
    match kind {
        Kind::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

pub async fn adopt_takes_over_what_sqlx_applied(ctx: Arc<Ctx>) {
    use sha2::Digest;
    let files = [
        (
            "1_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "2_posts.sql",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "3_tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "4_later.sql",
            "CREATE TABLE later (id INTEGER PRIMARY KEY);\n",
        ),
    ];
    for (name, text) in files {
        ctx.write_file(&format!("migrations/{name}"), text.as_bytes());
    }
    // What sqlx-cli leaves: 1 applied, 2 applied from a file edited since,
    // 3 failed; 4 not run.
    ctx.db.exec(sqlx_table(ctx.kind())).await;
    for (i, (name, text)) in files.iter().take(3).enumerate() {
        let version = i + 1;
        if version != 3 {
            ctx.db.exec(text.trim()).await;
        }
        let hashed = if version == 2 {
            sha2::Sha384::digest(b"CREATE TABLE posts (id INT);\n")
        } else {
            sha2::Sha384::digest(text.as_bytes())
        };
        let success = if version == 3 { "FALSE" } else { "TRUE" };
        ctx.db
            .exec(&format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES ({version}, '{name}', {success}, {}, 1)",
                blob(ctx.kind(), &hashed)
            ))
            .await;
    }
    // A dry run changes nothing.
    ctx.migrate(&["adopt", "--dry-run"])
        .expect_code(1)
        .expect_text("Would record migrations:1_users");
    assert!(!ctx.db.has_history_table().await);

    let out = ctx.migrate(&["adopt", "--format", "json"]);
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["from"], "_sqlx_migrations");
    assert_eq!(doc["adopted"][0]["migration"], "migrations:1_users");
    assert_eq!(doc["adopted"].as_array().unwrap().len(), 1, "{doc}");
    let problems = doc["problems"].to_string();
    assert!(problems.contains("2_posts: its file changed"), "{problems}");
    assert!(
        problems.contains("3_tags: sqlx recorded it as failed"),
        "{problems}"
    );
    ctx.migrate(&["status"])
        .expect_text("[X] 1_users")
        .expect_text("[ ] 2_posts");
    // The audit log says where it came from; nothing ran twice.
    ctx.migrate(&["log"])
        .expect_text("adopted from _sqlx_migrations (version 1)");
    // Adopting again finds it recorded.
    ctx.migrate(&["adopt"])
        .expect_text("1_users: already in this tool's history");
    // Not a sqlx database: refused, exit 3.
    ctx.migrate(&["adopt", "--from", "diesel"]).expect_code(3);
    ctx.migrate(&["adopt", "--from", "nope"]).expect_code(2);
}

pub async fn adopt_reads_diesel_and_golang_migrate_histories(ctx: Arc<Ctx>) {
    // diesel: a recorded version, and one whose folder is gone.
    let diesel = ctx.project().join("diesel");
    for (rel, text) in [
        (
            "2018-01-14-171611_a/up.sql",
            "CREATE TABLE da (id INTEGER PRIMARY KEY);\n",
        ),
        ("2018-01-14-171611_a/down.sql", "DROP TABLE da;\n"),
        (
            "2019-02-01-000000_b/up.sql",
            "CREATE TABLE db (id INTEGER PRIMARY KEY);\n",
        ),
    ] {
        ctx.write_file(&format!("diesel/{rel}"), text.as_bytes());
    }
    ctx.db
        .exec("CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)")
        .await;
    ctx.db
        .exec("CREATE TABLE da (id INTEGER PRIMARY KEY)")
        .await;
    ctx.db
        .exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('20180114171611')")
        .await;
    ctx.db
        .exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000000')")
        .await;
    let dir = diesel.to_str().unwrap();
    ctx.migrate(&["adopt", "--dir", dir])
        .expect_code(1)
        .expect_text("Recorded diesel:2018-01-14-171611_a as applied")
        .expect_text("version 20990101000000 as applied, but no migration here has that version");
    // What diesel had not run runs now, once.
    ctx.migrate(&["--dir", dir])
        .expect_code(0)
        .expect_text("Applying diesel:2019-02-01-000000_b")
        .expect_no_text("Applying diesel:2018-01-14-171611_a");

    // golang-migrate: version 2 recorded dirty.
    let golang = ctx.project().join("golang");
    for (name, text) in [
        ("1_g1.up.sql", "CREATE TABLE g1 (id INTEGER PRIMARY KEY);\n"),
        ("1_g1.down.sql", "DROP TABLE g1;\n"),
        ("2_g2.up.sql", "CREATE TABLE g2 (id INTEGER PRIMARY KEY);\n"),
        ("3_g3.up.sql", "CREATE TABLE g3 (id INTEGER PRIMARY KEY);\n"),
    ] {
        ctx.write_file(&format!("golang/{name}"), text.as_bytes());
    }
    ctx.db
        .exec("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)")
        .await;
    ctx.db
        .exec("CREATE TABLE g1 (id INTEGER PRIMARY KEY)")
        .await;
    ctx.db
        .exec("INSERT INTO schema_migrations (version, dirty) VALUES (2, TRUE)")
        .await;
    let dir = golang.to_str().unwrap();
    ctx.migrate(&["adopt", "--dir", dir, "--history-table", "golang_history"])
        .expect_code(1)
        .expect_text("Recorded golang:1_g1 as applied")
        .expect_text("golang:2_g2: golang-migrate marked version 2 dirty");
    ctx.migrate(&["status", "--dir", dir, "--history-table", "golang_history"])
        .expect_text("[X] 1_g1")
        .expect_text("[ ] 2_g2")
        .expect_text("[ ] 3_g3");
}

/// Flyway's repeatable migrations run after the versioned ones, in name
/// order, and again whenever their file changes.
pub async fn flyway_repeatables_run_last_and_again_when_changed(ctx: Arc<Ctx>) {
    let view = |name: &str, age: u32| {
        format!(
            "DROP VIEW IF EXISTS {name};\nCREATE VIEW {name} AS SELECT id, name FROM person WHERE age >= {age};\n"
        )
    };
    for (rel, text) in [
        (
            "V1__person.sql",
            "CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR(50), age INTEGER);\n".to_string(),
        ),
        (
            "V2__seed.sql",
            "INSERT INTO person (id, name, age) VALUES (1, 'ann', 17), (2, 'bob', 19), (3, 'cy', 30);\n".to_string(),
        ),
        ("R__grown.sql", view("grown", 18)),
        ("R__adults.sql", view("adults", 18)),
    ] {
        ctx.write_file(&format!("migrations/{rel}"), text.as_bytes());
    }
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(" [ ] R__adults  (repeatable: runs after the numbered ones)");
    let applying = |out: &crate::harness::Output| -> Vec<String> {
        out.stdout
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Applying migrations:"))
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    let out = ctx.migrate(&[]);
    out.expect_code(0);
    assert_eq!(
        applying(&out),
        ["V1__person", "V2__seed", "R__adults", "R__grown"]
    );
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM adults").await, 2);
    // Nothing changed: nothing runs.
    let out = ctx.migrate(&[]);
    out.expect_code(0);
    assert!(applying(&out).is_empty(), "{}", out.stdout);
    ctx.migrate(&["status", "--check"]).expect_code(0);

    // An edit makes it due again, and only it runs.
    ctx.write_file("migrations/R__adults.sql", view("adults", 21).as_bytes());
    ctx.migrate(&["status"])
        .expect_text(" [ ] R__adults  (repeatable, changed since it ran")
        .expect_text(" [X] R__grown  (repeatable)");
    ctx.migrate(&["status", "--check"]).expect_code(1);
    ctx.migrate(&["--format", "json", "status"])
        .expect_text("\"state\": \"pending\"");
    let out = ctx.migrate(&[]);
    out.expect_code(0);
    assert_eq!(applying(&out), ["R__adults"]);
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM adults").await, 1);
    // One row, holding what ran last; the log keeps both runs.
    let rows: Vec<_> = ctx
        .db
        .history()
        .await
        .into_iter()
        .filter(|r| r.name == "R__adults")
        .collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].up_sql.contains(">= 21"), "{}", rows[0].up_sql);
    let log = ctx.migrate(&["log", "migrations"]);
    log.expect_code(0);
    assert_eq!(
        log.stdout
            .matches("apply          migrations:R__adults")
            .count(),
        2,
        "{}",
        log.stdout
    );
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(" [X] R__adults  (repeatable)");

    // A run to a named target leaves them alone.
    ctx.write_file("migrations/R__grown.sql", view("grown", 40).as_bytes());
    ctx.write_file(
        "migrations/V3__more.sql",
        b"INSERT INTO person (id, name, age) VALUES (4, 'di', 50);\n",
    );
    let out = ctx.migrate(&["migrations", "V3"]);
    out.expect_code(0);
    assert_eq!(applying(&out), ["V3__more"]);
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM grown").await, 3);
}

/// sqlx's own migrator runs the first migrations of a folder, as
/// `sqlx migrate run` does; `adopt` takes its history over, and `migrate`
/// then runs only what sqlx never did.
pub async fn adopt_takes_over_a_database_sqlx_migrated(ctx: Arc<Ctx>) {
    use sqlx::Connection;
    let files = [
        (
            "1_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "2_posts.sql",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
        ),
    ];
    for (name, text) in files {
        ctx.write_file(&format!("migrations/{name}"), text.as_bytes());
    }
    // sqlx's futures are not `Send` for every lifetime the scenario's
    // runtime asks of them: the migrator runs on a thread of its own.
    let folder = ctx.project().join("migrations");
    let (kind, url) = (ctx.kind(), ctx.db.url.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let migrator = sqlx::migrate::Migrator::new(folder).await.unwrap();
            match kind {
                Kind::Sqlite => {
                    let mut conn = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
                        .await
                        .unwrap();
                    migrator.run(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                }
                Kind::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                    migrator.run(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                }
                Kind::Mysql => {
                    let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
                    migrator.run(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                }
            }
        });
    })
    .join()
    .unwrap();
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM _sqlx_migrations").await,
        2
    );
    ctx.write_file(
        "migrations/3_tags.sql",
        b"CREATE TABLE tags (id INTEGER PRIMARY KEY);\n",
    );
    ctx.migrate(&["adopt"])
        .expect_code(0)
        .expect_text("migrations:1_users")
        .expect_text("migrations:2_posts");
    ctx.migrate(&["status"])
        .expect_text(" [X] 1_users")
        .expect_text(" [X] 2_posts")
        .expect_text(" [ ] 3_tags");
    let out = ctx.migrate(&[]);
    out.expect_code(0).expect_text("Applying migrations:3_tags");
    assert!(!out.stdout.contains("1_users"), "{}", out.stdout);
    assert!(ctx.db.tables().await.contains(&"tags".to_string()));
    // sqlx's table is left as it was.
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM _sqlx_migrations").await,
        2
    );
}
