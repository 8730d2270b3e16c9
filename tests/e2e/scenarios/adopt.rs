//! `migrate adopt` from Flyway, refinery and Django: their history tables
//! created as each tool creates them, filled as each tool fills them.

use std::sync::Arc;

use super::strings;
use crate::harness::{Ctx, Kind};

/// `flyway_schema_history` as Flyway's `createMetaDataTable.sql` creates
/// it on each engine.
fn flyway_table(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Sqlite => vec![
            "CREATE TABLE \"flyway_schema_history\" (\n    \"installed_rank\" INT NOT NULL PRIMARY KEY,\n    \"version\" VARCHAR(50),\n    \"description\" VARCHAR(200) NOT NULL,\n    \"type\" VARCHAR(20) NOT NULL,\n    \"script\" VARCHAR(1000) NOT NULL,\n    \"checksum\" INT,\n    \"installed_by\" VARCHAR(100) NOT NULL,\n    \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),\n    \"execution_time\" INT NOT NULL,\n    \"success\" BOOLEAN NOT NULL\n)",
            "CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\")",
        ],
        Kind::Postgres => vec![
            "CREATE TABLE \"flyway_schema_history\" (\n    \"installed_rank\" INT NOT NULL,\n    \"version\" VARCHAR(50),\n    \"description\" VARCHAR(200) NOT NULL,\n    \"type\" VARCHAR(20) NOT NULL,\n    \"script\" VARCHAR(1000) NOT NULL,\n    \"checksum\" INTEGER,\n    \"installed_by\" VARCHAR(100) NOT NULL,\n    \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),\n    \"execution_time\" INTEGER NOT NULL,\n    \"success\" BOOLEAN NOT NULL\n)",
            "ALTER TABLE \"flyway_schema_history\" ADD CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\")",
            "CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\")",
        ],
        Kind::Mysql => vec![
            "CREATE TABLE `flyway_schema_history` (\n    `installed_rank` INT NOT NULL,\n    `version` VARCHAR(50),\n    `description` VARCHAR(200) NOT NULL,\n    `type` VARCHAR(20) NOT NULL,\n    `script` VARCHAR(1000) NOT NULL,\n    `checksum` INT,\n    `installed_by` VARCHAR(100) NOT NULL,\n    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    `execution_time` INT NOT NULL,\n    `success` BOOL NOT NULL,\n    CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)\n) ENGINE=InnoDB",
            "CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)",
        ],
    }
}

/// Names of this tool's history rows, by app and name.
async fn recorded(ctx: &Ctx, table: &str) -> Vec<String> {
    ctx.db
        .strings(&format!(
            "SELECT name FROM {table} WHERE state = 'applied' ORDER BY app, name"
        ))
        .await
}

pub async fn adopt_reads_flyway_history(ctx: Arc<Ctx>) {
    for (file, text) in [
        (
            "V1__users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        // Flyway's checksum ignores a byte order mark and line endings.
        (
            "V1.1__posts.sql",
            "\u{feff}CREATE TABLE posts (\r\n  id INTEGER PRIMARY KEY\r\n);\r\n",
        ),
        (
            "V2__tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V3__later.sql",
            "CREATE TABLE later (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V4__notyet.sql",
            "CREATE TABLE notyet (id INTEGER PRIMARY KEY);\n",
        ),
        ("R__view.sql", "CREATE VIEW v AS SELECT 1;\n"),
        ("R__stale.sql", "CREATE VIEW w AS SELECT 2;\n"),
    ] {
        ctx.write_file(&format!("flyway/{file}"), text.as_bytes());
    }
    for sql in flyway_table(ctx.kind()) {
        ctx.db.exec(sql).await;
    }
    // What Flyway leaves: a baseline at 1, 1.1 applied, 2 applied from an
    // earlier version of its file, 3 failed (MySQL keeps failed rows), the
    // repeatable view (and one whose file changed since), and a 9 whose
    // file is gone. Checksums: CRC32 of the
    // lines without their endings, as Java's signed int.
    for (rank, version, description, kind, script, checksum, success) in [
        (
            1,
            "'1'",
            "<< Flyway Baseline >>",
            "BASELINE",
            "<< Flyway Baseline >>",
            "NULL",
            "TRUE",
        ),
        (
            2,
            "'1.1'",
            "posts",
            "SQL",
            "V1.1__posts.sql",
            "-1129849496",
            "TRUE",
        ),
        (
            3,
            "'2'",
            "tags",
            "SQL",
            "V2__tags.sql",
            "-526146673",
            "TRUE",
        ),
        (
            4,
            "'3'",
            "later",
            "SQL",
            "V3__later.sql",
            "-200338406",
            "FALSE",
        ),
        (5, "NULL", "view", "SQL", "R__view.sql", "895998086", "TRUE"),
        (6, "'9'", "gone", "SQL", "V9__gone.sql", "12345", "TRUE"),
        (7, "NULL", "stale", "SQL", "R__stale.sql", "1", "TRUE"),
    ] {
        ctx.db
            .exec(&format!(
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) \
                 VALUES ({rank}, {version}, '{description}', '{kind}', '{script}', {checksum}, 'flyway', 5, {success})"
            ))
            .await;
    }
    for table in ["users", "posts", "tags"] {
        ctx.db
            .exec(&format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
            .await;
    }
    let dir = ctx.project().join("flyway");
    let dir = dir.to_str().unwrap();

    ctx.migrate(&["adopt", "--dir", dir, "--dry-run"])
        .expect_code(1)
        .expect_text("Would record flyway:V1__users as applied");
    assert!(
        !ctx.db.has_history_table().await,
        "a dry run changes nothing"
    );

    let out = ctx.migrate(&["adopt", "--dir", dir, "--format", "json"]);
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["from"], "flyway_schema_history");
    let adopted: Vec<(&str, &str)> = doc["adopted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["migration"].as_str().unwrap(),
                a["detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        adopted,
        [
            (
                "flyway:V1__users",
                "adopted from flyway_schema_history (baseline 1)"
            ),
            (
                "flyway:V1.1__posts",
                "adopted from flyway_schema_history (version 1.1)"
            ),
            (
                "flyway:R__view",
                "adopted from flyway_schema_history (repeatable, rank 5)"
            ),
        ]
    );
    let problems: Vec<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "flyway:V3__later: Flyway recorded version 3 as failed (SQL of V3__later.sql); fix the database by hand, then record it with `migrate flyway V3__later --fake`"
        ),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with(
            "flyway:V2__tags: its file changed since Flyway applied it (checksum -526146673 then, -1510504174 now)"
        ),
        "{problems:?}"
    );
    assert!(
        problems[2].starts_with(
            "flyway_schema_history records version 9 (V9__gone.sql) as applied, but no migration here has that version"
        ),
        "{problems:?}"
    );
    assert_eq!(
        doc["notes"][0],
        "flyway:R__stale: changed since Flyway last ran it (rank 7); `migrate` runs it again"
    );
    assert_eq!(
        recorded(&ctx, "migrate_history").await,
        strings(&["R__view", "V1.1__posts", "V1__users"])
    );
    ctx.migrate(&["status", "--dir", dir])
        .expect_text(" [X] V1__users\n [X] V1.1__posts\n [ ] V2__tags")
        .expect_text(" [ ] R__stale  (repeatable: runs after the numbered ones)")
        .expect_text(" [X] R__view  (repeatable)");
    ctx.migrate(&["log", "--dir", dir])
        .expect_text("fake-apply     flyway:V1.1__posts")
        .expect_text("adopted from flyway_schema_history (version 1.1)");
    // Adopting again records nothing twice.
    ctx.migrate(&["adopt", "--dir", dir])
        .expect_code(1)
        .expect_text("flyway:V1__users: already in this tool's history")
        .expect_text("Nothing to adopt from flyway_schema_history.");
}

pub async fn adopt_reads_refinery_history(ctx: Arc<Ctx>) {
    for (file, text) in [
        (
            "V1__init.sql",
            "CREATE TABLE r1 (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V2__more.sql",
            "CREATE TABLE r2 (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V3__other.sql",
            "CREATE TABLE r3 (id INTEGER PRIMARY KEY);\n",
        ),
        ("V4__new.sql", "CREATE TABLE r4 (id INTEGER PRIMARY KEY);\n"),
    ] {
        ctx.write_file(&format!("refinery/{file}"), text.as_bytes());
    }
    // As refinery creates it (the same statement on every engine).
    ctx.db
        .exec(
            "CREATE TABLE IF NOT EXISTS refinery_schema_history(\n    version INT4 PRIMARY KEY,\n    name VARCHAR(255),\n    applied_on VARCHAR(255),\n    checksum VARCHAR(255))",
        )
        .await;
    // 2 was applied under another name; 7 has no file here. The checksums
    // are refinery's own hashes, which are not checked.
    for (version, name) in [(1, "init"), (2, "most"), (3, "other"), (7, "gone")] {
        ctx.db
            .exec(&format!(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
                 VALUES ({version}, '{name}', '2026-12-01T10:00:00.000000000+00:00', '1398455937148736542')"
            ))
            .await;
    }
    for table in ["r1", "r3"] {
        ctx.db
            .exec(&format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
            .await;
    }
    let dir = ctx.project().join("refinery");
    let dir = dir.to_str().unwrap();
    // The folder is read as refinery's, so adopt reads refinery's table.
    ctx.migrate(&["adopt", "--dir", dir, "--layout", "refinery"])
        .expect_code(1)
        .expect_text("Recorded refinery:V1__init as applied (adopted from refinery_schema_history (version 1, init))")
        .expect_text("Recorded refinery:V3__other as applied")
        .expect_text("refinery:V2__more: refinery recorded version 2 as `most`, but this file names it otherwise")
        .expect_text("refinery_schema_history records version 7 (`gone`) as applied, but no migration here has that version")
        .expect_text("Adopted 2 migration(s) from refinery_schema_history");
    assert_eq!(
        recorded(&ctx, "migrate_history").await,
        strings(&["V1__init", "V3__other"])
    );
    ctx.migrate(&["status", "--dir", dir, "--layout", "refinery"])
        .expect_text(" [X] V1__init\n [o] V2__more  (pending, but a later migration is applied)\n [X] V3__other\n [ ] V4__new");
}

/// `django_migrations` as Django's migration recorder creates it on each
/// engine.
fn django_table(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => {
            "CREATE TABLE \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL)"
        }
        Kind::Postgres => {
            "CREATE TABLE \"django_migrations\" (\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" timestamp with time zone NOT NULL)"
        }
        Kind::Mysql => {
            "CREATE TABLE `django_migrations` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, `app` varchar(255) NOT NULL, `name` varchar(255) NOT NULL, `applied` datetime(6) NOT NULL)"
        }
    }
}

pub async fn adopt_reads_django_history(ctx: Arc<Ctx>) {
    let m = |app: &str, file: &str, table: &str| {
        ctx.write(
            app,
            file,
            &format!("-- migrate:up\nCREATE TABLE {table} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE {table};\n"),
        )
    };
    m("polls", "0001_initial.sql", "polls_question");
    m("polls", "0002_choice.sql", "polls_choice");
    m("polls", "0003_votes.sql", "polls_vote");
    m("accounts", "0001_initial.sql", "accounts_user");
    ctx.db.exec(django_table(ctx.kind())).await;
    for (app, name) in [
        ("contenttypes", "0001_initial"),
        ("auth", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("polls", "0001_initial"),
        ("polls", "0002_choice"),
        ("polls", "0002_squashed_away"),
    ] {
        ctx.db
            .exec(&format!(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('{app}', '{name}', '2026-12-01 10:00:00')"
            ))
            .await;
    }
    for table in ["accounts_user", "polls_question", "polls_choice"] {
        ctx.db
            .exec(&format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
            .await;
    }
    // The folder is this tool's own layout: say whose history to read.
    ctx.migrate(&["adopt"])
        .expect_code(2)
        .expect_text("--from diesel|sqlx|golang-migrate|flyway|refinery|django");
    ctx.migrate(&["adopt", "--from", "django"])
        .expect_code(1)
        .expect_text("Recorded accounts:0001_initial as applied (adopted from django_migrations (accounts 0001_initial))")
        .expect_text("Recorded polls:0002_choice as applied")
        .expect_text("django_migrations records polls:0002_squashed_away as applied, but")
        .expect_text("django_migrations also records migrations of apps with no folder here, not adopted: auth (1), contenttypes (2)")
        .expect_text("Adopted 3 migration(s) from django_migrations");
    assert_eq!(
        ctx.db
            .strings("SELECT app FROM migrate_history ORDER BY app, name")
            .await,
        strings(&["accounts", "polls", "polls"])
    );
    // What Django had not run runs now, once.
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("Applying polls:0003_votes ... OK")
        .expect_no_text("Applying polls:0001_initial");
    assert!(ctx.db.tables().await.contains(&"polls_vote".to_string()));
    assert_eq!(
        recorded(&ctx, "migrate_history").await,
        strings(&["0001_initial", "0001_initial", "0002_choice", "0003_votes"])
    );
    // Not a Django database: refused, exit 3.
    ctx.migrate(&["adopt", "--from", "flyway"]).expect_code(3);
}
