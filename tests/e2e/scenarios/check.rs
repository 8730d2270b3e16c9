//! `migrate check`: findings read from the files and the proof on scratch
//! databases, which never touches the database in use and leaves nothing
//! behind, even when killed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::{Ctx, Kind, Scratch};

/// Four migrations that show one cell value each on the engine in use.
fn project(ctx: &Ctx) {
    ctx.write(
        "shop",
        "0001_orders.sql",
        "-- migrate:up\nCREATE TABLE orders (id INTEGER PRIMARY KEY, item VARCHAR(50) NOT NULL);\n-- migrate:down\nDROP TABLE orders;\n",
    );
    ctx.write(
        "shop",
        "0002_note.sql",
        "-- migrate:up\nALTER TABLE orders ADD COLUMN note VARCHAR(20);\n-- migrate:down\nALTER TABLE orders DROP COLUMN note;\n",
    );
    ctx.write(
        "shop",
        "0003_forgotten_down.sql",
        "-- migrate:up\nCREATE TABLE coupons (code VARCHAR(10) NOT NULL);\n-- migrate:down\n\n",
    );
    ctx.write(
        "shop",
        "0004_keep.sql",
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, orders_id INTEGER REFERENCES orders (id));\n",
    );
}

fn engine_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "sqlite",
        Kind::Postgres => "postgres",
        Kind::Mysql => "mysql",
    }
}

pub async fn check_proves_each_migration_on_a_scratch_database(ctx: Arc<Ctx>) {
    project(&ctx);
    let engine = engine_name(ctx.kind());
    let out = ctx.migrate(&["check", "--format", "json"]);
    // The forgotten down section is an error.
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["engines"], serde_json::json!([engine]));
    let cell = |i: usize| doc["migrations"][i]["engines"][engine].clone();
    assert_eq!(doc["migrations"][1]["name"], "0002_note");
    let note = cell(1);
    assert_eq!(note["up"], "ok", "{note}");
    assert_eq!(note["down"], "ok", "{note}");
    assert_eq!(note["rollback"], "reversible", "{note}");
    // Rows inserted after the up survive the down.
    assert_eq!(
        note["rows"]["before_down"], note["rows"]["after_down"],
        "{note}"
    );
    assert_eq!(note["rows"]["before_down"], 3, "{note}");
    let expected_failure = if ctx.kind() == Kind::Mysql {
        "journaled"
    } else {
        "atomic"
    };
    assert_eq!(note["failure"], expected_failure, "{note}");
    let empty = cell(2);
    assert_eq!(empty["rollback"], "empty-down", "{empty}");
    assert_eq!(empty["down"], "error", "{empty}");
    let codes: Vec<&str> = empty["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"empty-down"), "{empty}");
    let keep = cell(3);
    assert_eq!(keep["rollback"], "irreversible", "{keep}");
    assert_eq!(keep["down"], "missing", "{keep}");
    // The database in use was not touched.
    assert!(ctx.db.tables().await.is_empty());
    // Text: a matrix line per migration and the findings under it.
    let text = ctx.migrate(&["check"]);
    text.expect_code(1)
        .expect_text("shop:0003_forgotten_down")
        .expect_text("error empty-down: ");
    // One migration, and warnings do not fail by default.
    ctx.migrate(&["check", "shop", "0001"]).expect_code(0);
    ctx.migrate(&["check", "shop", "0001", "--fail-on", "nonsense"])
        .expect_code(2);
    ctx.migrate(&["check", "nope"]).expect_code(2);
    if ctx.kind() != Kind::Sqlite {
        // The scratch database named in the report is gone.
        let proofs = doc["proofs"][engine].as_str().unwrap();
        let name = proofs
            .split_whitespace()
            .find(|w| w.starts_with("migrate_check_"))
            .unwrap_or_else(|| panic!("no scratch database named in {proofs}"));
        assert!(
            !scratch_databases(&ctx).await.contains(&name.to_string()),
            "{name} is still there"
        );
    }
}

pub async fn check_compares_engines_statically(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_sqlite_habits.sql",
        "-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\nINSERT OR IGNORE INTO t (name) VALUES ('a');\n-- migrate:down\nDROP TABLE t;\n",
    );
    let out = ctx.migrate(&[
        "check",
        "--engine",
        "sqlite,postgres,mysql",
        "--no-proof",
        "--format",
        "json",
    ]);
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["engines"],
        serde_json::json!(["sqlite", "postgres", "mysql"])
    );
    let codes = |engine: &str| -> Vec<(String, String, i64)> {
        doc["migrations"][0]["engines"][engine]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "not-portable")
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap().to_string(),
                    f["line"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert!(codes("sqlite").is_empty(), "{}", out.stdout);
    for engine in ["postgres", "mysql"] {
        let found = codes(engine);
        let lines: Vec<i64> = found.iter().map(|f| f.2).collect();
        assert!(
            lines.contains(&2) && lines.contains(&3),
            "{engine}: {found:?}"
        );
        assert!(
            found
                .iter()
                .all(|f| f.0 == "error" && f.1.ends_with("0001_sqlite_habits.sql"))
        );
    }
    assert_eq!(doc["migrations"][0]["engines"]["postgres"]["up"], "not-run");
}

pub async fn killed_check_leaves_no_scratch_database(ctx: Arc<Ctx>) {
    if ctx.kind() == Kind::Sqlite {
        // A temporary file in a temporary folder: nothing on a server.
        return;
    }
    let sleep = match ctx.kind() {
        Kind::Postgres => "SELECT pg_sleep(30)",
        _ => "SELECT SLEEP(30)",
    };
    ctx.write(
        "slow",
        "0001_sleep.sql",
        &format!("-- migrate:up\n{sleep};\n-- migrate:down noop=true\n"),
    );
    let before = scratch_databases(&ctx).await;
    // Ctrl-C: the run drops its scratch database before it exits.
    let child = ctx
        .command(&["check"], &[("DATABASE_URL", ctx.db.url.as_str())])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_for_scratch(&ctx, &before, pid).await;
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left: Vec<String> = scratch_databases(&ctx)
        .await
        .into_iter()
        .filter(|n| n.contains(&format!("_{pid}_")))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Killed outright, it cannot drop what it created.
    let mut child = ctx
        .command(&["check"], &[("DATABASE_URL", ctx.db.url.as_str())])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let name = wait_for_scratch(&ctx, &before, child.id()).await;
    child.kill().unwrap();
    let _ = child.wait();
    assert!(scratch_databases(&ctx).await.contains(&name));
    // The next check sweeps it, and says so.
    ctx.write(
        "slow",
        "0001_sleep.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down noop=true\n",
    );
    let out = ctx.migrate(&["check"]);
    out.expect_code(0);
    assert!(out.stderr.contains(&name), "{}", out.stderr);
    assert!(!scratch_databases(&ctx).await.contains(&name));
    assert!(ctx.db.tables().await.is_empty());
}

/// One engine's cell of `migrate check --format json` for the migration
/// of `app` whose name starts with `name`.
fn cell_of(doc: &serde_json::Value, engine: &str, app: &str, name: &str) -> serde_json::Value {
    doc["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["app"] == app && m["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("{app}:{name} missing in {doc}"))["engines"][engine]
        .clone()
}

/// Waits until the check run `pid` has created its scratch database (and
/// its proof has begun), and names it.
async fn wait_for_scratch(ctx: &Ctx, before: &[String], pid: u32) -> String {
    let started = Instant::now();
    loop {
        let ours: Vec<String> = scratch_databases(ctx)
            .await
            .into_iter()
            .filter(|n| !before.contains(n) && n.contains(&format!("_{pid}_")))
            .collect();
        if let Some(n) = ours.first() {
            // Let the proof reach the slow statement.
            tokio::time::sleep(Duration::from_millis(500)).await;
            return n.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no scratch database appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scratch_databases(ctx: &Ctx) -> Vec<String> {
    match ctx.kind() {
        Kind::Postgres => {
            ctx.db
                .strings("SELECT datname::text FROM pg_database WHERE datname LIKE 'migrate\\_check\\_%'")
                .await
        }
        Kind::Mysql => {
            ctx.db
                .strings("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'migrate\\\\_check\\\\_%'")
                .await
        }
        Kind::Sqlite => Vec::new(),
    }
}

pub async fn check_cells_show_failures_and_what_depends_on_them(ctx: Arc<Ctx>) {
    ctx.write(
        "a",
        "0001_items.sql",
        "-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, placed_at DATE NOT NULL);\n-- migrate:down\nDROP TABLE items;\n",
    );
    // The way back adds a NOT NULL column without a default to a table
    // that now holds rows: each engine ends differently.
    ctx.write(
        "a",
        "0002_drop_placed_at.sql",
        "-- migrate:up\nALTER TABLE items DROP COLUMN placed_at;\n-- migrate:down\nALTER TABLE items ADD COLUMN placed_at DATE NOT NULL;\n",
    );
    ctx.write(
        "b",
        "0001_broken.sql",
        "-- migrate:up\nINSERT INTO nowhere (id) VALUES (1);\n-- migrate:down\nDELETE FROM nowhere;\n",
    );
    ctx.write(
        "b",
        "0002_after_broken.sql",
        "-- migrate:up\nCREATE TABLE b2 (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE b2;\n",
    );
    // A down that claims to have nothing to undo, after an up that made a
    // table.
    ctx.write(
        "c",
        "0001_claims_noop.sql",
        "-- migrate:up\nCREATE TABLE c1 (id INTEGER PRIMARY KEY);\n-- migrate:down noop=true\n",
    );
    let engine = engine_name(ctx.kind());
    let out = ctx.migrate(&["check", "--format", "json"]);
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let cell = |app: &str, name: &str| cell_of(&doc, engine, app, name);
    let has = |cell: &serde_json::Value, code: &str| {
        cell["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == code)
    };
    let items = cell("a", "0001_items");
    assert_eq!(
        (&items["up"], &items["down"], &items["roundtrip"]),
        (&"ok".into(), &"ok".into(), &"exact".into()),
        "{items}"
    );
    let dropped = cell("a", "0002_drop_placed_at");
    assert_eq!(dropped["up"], "ok", "{dropped}");
    assert_eq!(dropped["rollback"], "lossy", "{dropped}");
    match ctx.kind() {
        // SQLite refuses the column, PostgreSQL the rows without a value.
        Kind::Sqlite | Kind::Postgres => {
            assert_eq!(dropped["down"], "error", "{dropped}");
            assert_eq!(dropped["roundtrip"], "not-run", "{dropped}");
            assert!(has(&dropped, "down-failed"), "{dropped}");
        }
        // MariaDB fills the rows with a zero date and says OK.
        Kind::Mysql => {
            assert_eq!(dropped["down"], "ok", "{dropped}");
            assert_eq!(dropped["rows"]["after_down"], 3, "{dropped}");
        }
    }
    let broken = cell("b", "0001_broken");
    assert_eq!(broken["up"], "error", "{broken}");
    assert!(has(&broken, "up-failed"), "{broken}");
    let after = cell("b", "0002_after_broken");
    assert_eq!(
        (&after["up"], &after["down"], &after["roundtrip"]),
        (&"not-run".into(), &"not-run".into(), &"not-run".into()),
        "{after}"
    );
    assert!(has(&after, "not-run"), "{after}");
    // Another app goes on.
    let noop = cell("c", "0001_claims_noop");
    assert_eq!(noop["down"], "ok", "{noop}");
    assert_eq!(noop["roundtrip"], "differs", "{noop}");
    assert!(has(&noop, "roundtrip-differs"), "{noop}");
    assert!(has(&noop, "reapply-failed"), "{noop}");
    assert!(ctx.db.tables().await.is_empty());
}

/// The fixture folder the static analysis is pinned on
/// (`migrate-core/tests/fixtures/check`), proven on the engine in use.
pub async fn check_fixture_folder_on_a_real_engine(ctx: Arc<Ctx>) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrate-core/tests/fixtures/check");
    for app in ["shop", "catalog"] {
        for entry in std::fs::read_dir(fixtures.join(app)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            ctx.write(app, path.file_name().unwrap().to_str().unwrap(), &text);
        }
    }
    let engine = engine_name(ctx.kind());
    let out = ctx.migrate(&["check", "--format", "json"]);
    out.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let cell = |app: &str, name: &str| cell_of(&doc, engine, app, name);
    let users = cell("shop", "0001");
    match ctx.kind() {
        // Written on SQLite: it runs there, and nowhere else.
        Kind::Sqlite => {
            assert_eq!(users["up"], "ok", "{users}");
            assert_eq!(cell("shop", "0003")["rollback"], "lossy");
            assert_eq!(cell("shop", "0003")["roundtrip"], "exact");
            let backfill = cell("shop", "0004");
            assert_eq!(backfill["rollback"], "empty-down", "{backfill}");
            assert_eq!(backfill["down"], "error", "{backfill}");
        }
        Kind::Postgres | Kind::Mysql => {
            assert_eq!(users["up"], "error", "{users}");
            for later in ["0002", "0003", "0004", "0005", "0006"] {
                assert_eq!(cell("shop", later)["up"], "not-run", "shop:{later}");
            }
        }
    }
    assert_eq!(cell("shop", "0006")["rollback"], "irreversible");
    // The other app does not depend on shop: it is proven everywhere.
    let items = cell("catalog", "0001");
    assert_eq!(items["roundtrip"], "exact", "{items}");
    let short = cell("catalog", "0002");
    assert_eq!(short["rollback"], "lossy", "{short}");
    assert_eq!(short["up"], "ok", "{short}");
    assert_eq!(short["down"], "ok", "{short}");
    assert!(ctx.db.tables().await.is_empty());
}

/// Proves `n` migrations of the kind the benchmark uses (a table, its index,
/// rows, a column, an update; down drops the table) on a new scratch
/// database of `kind`, and returns the work counts and the proofs.
async fn prove_generated(
    kind: Kind,
    n: usize,
) -> (
    migrate_core::check::proof::Work,
    Vec<migrate_core::check::proof::Proof>,
) {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("bench");
    std::fs::create_dir(&app).unwrap();
    for i in 0..n {
        std::fs::write(
            app.join(format!("{:04}_m{i}.sql", i + 1)),
            format!(
                "-- migrate:up\nCREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER);\n\
                 CREATE INDEX t{i}_name ON t{i} (name);\n\
                 INSERT INTO t{i} (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2);\n\
                 ALTER TABLE t{i} ADD COLUMN note VARCHAR(100);\n\
                 UPDATE t{i} SET note = name;\n\
                 -- migrate:down\nDROP TABLE t{i};\n"
            ),
        )
        .unwrap();
    }
    let db = Scratch::create(kind).await.unwrap();
    let mut backend = crate::harness::shape::connect(&db).await;
    let source = migrate_core::Source::load_for(dir.path(), backend.dialect()).unwrap();
    let mut work = migrate_core::check::proof::Work::default();
    let proofs =
        migrate_core::check::proof::prove(backend.as_mut(), &source, &|_| true, &mut work).await;
    let _ = backend.close().await;
    db.drop_database().await;
    (work, proofs.into_iter().map(|(_, p)| p).collect())
}

/// The proof reads the history once and, around each migration, only the
/// tables it names: twice the migrations, twice the work.
pub async fn the_proof_grows_linearly(ctx: Arc<Ctx>) {
    let (small, proofs) = prove_generated(ctx.kind(), 10).await;
    assert_eq!(proofs.len(), 10);
    for proof in &proofs {
        assert_eq!(
            proof.roundtrip,
            migrate_core::check::proof::Roundtrip::Exact,
            "{proof:?}"
        );
    }
    let (large, _) = prove_generated(ctx.kind(), 20).await;
    assert_eq!(small.history_reads, 1, "{small:?}");
    assert_eq!(large.history_reads, 1, "{large:?}");
    assert_eq!(large.runs, 2 * small.runs, "{small:?} {large:?}");
    // One read of the whole (empty) schema, then three per migration: after
    // its up, after its down, after its second up; the schema before it is
    // known from the reads before.
    assert_eq!(small.inspections, 3 * 10 + 1, "{small:?}");
    assert_eq!(large.inspections, 3 * 20 + 1, "{large:?}");
    // Each migration's table is read after the up and after the second up
    // (before the up and after the down it does not exist): two reads per
    // migration. Reading the whole schema each time would grow with the
    // square of the number of migrations.
    assert_eq!(small.tables_read, 2 * 10, "{small:?}");
    assert_eq!(large.tables_read, 2 * 20, "{large:?}");
}
