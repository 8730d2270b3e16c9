//! Behaviour that differs per engine: locks, session settings, PostgreSQL's
//! statements that refuse transactions, schemas, MySQL's DML transactions.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{history, strings};
use crate::harness::{Ctx, Kind};

/// A statement that keeps a migration busy for a few seconds.
fn slow_statement(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 15000000) SELECT count(*) FROM c"
        }
        Kind::Postgres => "SELECT pg_sleep(4)",
        Kind::Mysql => "DO SLEEP(4)",
    }
}

pub async fn lock_held_by_another_run_times_out(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_slow.sql",
        &format!("-- migrate:up\nCREATE TABLE slow (id INTEGER);\n{};\n-- migrate:down\nDROP TABLE slow;\n", slow_statement(ctx.kind())),
    );
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let first = ctx
        .command(&[], &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let second = ctx.migrate(&["--lock-timeout", "1"]);
    second
        .expect_code(3)
        .expect_text("timed out after 1s waiting for the migration lock")
        .expect_text("held by");
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(history(&ctx).await, strings(&["app:0001_slow applied"]));
    // The lock was released: the next run gets it at once.
    ctx.migrate(&["--lock-timeout", "1"])
        .expect_code(0)
        .expect_text("No migrations to apply");
}

pub async fn init_statements_run_first(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_orphan_row.sql",
        "-- migrate:up\nCREATE TABLE parent (id INTEGER PRIMARY KEY);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, FOREIGN KEY (parent_id) REFERENCES parent (id));\nINSERT INTO child VALUES (1, 42);\n-- migrate:down\nDROP TABLE child;\nDROP TABLE parent;\n",
    );
    // Each engine's way of switching foreign key checks, and its default.
    let (init, checks_by_default) = match ctx.kind() {
        Kind::Sqlite => ("PRAGMA foreign_keys = ON", false),
        Kind::Postgres => ("SET session_replication_role = replica", true),
        Kind::Mysql => ("SET FOREIGN_KEY_CHECKS = 0", true),
    };
    let with_init = ctx.migrate(&["--init", init, "--dry-run"]);
    with_init.expect_code(0);
    let out = ctx.migrate(&["--init", init]);
    if checks_by_default {
        // The init statement turned checks off: the row goes in.
        out.expect_code(0);
        assert_eq!(ctx.db.count("SELECT COUNT(*) FROM child").await, 1);
    } else {
        // The init statement turned checks on: the row is refused.
        out.expect_code(1)
            .expect_text("FOREIGN KEY constraint failed");
        assert!(history(&ctx).await.is_empty());
    }
    // A failing init statement names itself. (`status` no longer takes
    // `--init`, which is for the commands that run statements; a dry run
    // connects the same way.)
    ctx.migrate(&["--init", "SET no_such_setting_at_all = 1", "--dry-run"])
        .expect_code(1)
        .expect_text("SET no_such_setting_at_all = 1");
}

pub async fn dml_only_migration_is_atomic_everywhere(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_table.sql", "-- migrate:up\nCREATE TABLE item (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE item;\n");
    ctx.write("app", "0002_rows.sql", "-- migrate:up\nINSERT INTO item VALUES (1);\nINSERT INTO item VALUES (1);\n-- migrate:down\nDELETE FROM item;\n");
    // Even on MySQL, data-only migrations run in one transaction.
    let sql = ctx.migrate(&["sql", "app", "0002"]);
    sql.expect_code(0).expect_no_text("journaled");
    if ctx.kind() == Kind::Mysql {
        sql.expect_text("START TRANSACTION;");
    }
    ctx.migrate(&[])
        .expect_code(1)
        .expect_text("statement 2 of 2")
        .expect_text("rolled back");
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM item").await,
        0,
        "the first insert was rolled back"
    );
    assert_eq!(history(&ctx).await, strings(&["app:0001_table applied"]));
}

pub async fn postgres_concurrent_index(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    ctx.write("app", "0001_table.sql", "-- migrate:up\nCREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER);\nINSERT INTO big SELECT g, g FROM generate_series(1, 20000) g;\n-- migrate:down\nDROP TABLE big;\n");
    ctx.write("app", "0002_index.sql", "-- migrate:up\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n-- migrate:down\nDROP INDEX CONCURRENTLY big_v;\n");
    // Refused before anything runs, with the statement, where it is, and the fix.
    ctx.migrate(&[])
        .expect_code(2)
        .expect_text("0002_index.sql:2: statement 1 of app:0002_index cannot run inside a transaction on postgres: `CREATE INDEX CONCURRENTLY big_v ON big (v)`")
        .expect_text("transaction=false");
    assert!(history(&ctx).await.is_empty(), "nothing ran, 0001 included");
    ctx.write("app", "0002_index.sql", "-- migrate:up transaction=false\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n-- migrate:down transaction=false\nDROP INDEX CONCURRENTLY big_v;\n");
    // Holding our own advisory lock must not deadlock the index build.
    let mut child = ctx
        .command(&[], &[("DATABASE_URL", ctx.db.url.as_str())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "CREATE INDEX CONCURRENTLY under the migration lock did not finish in 60 s: deadlock"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        ctx.db
            .count("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'big_v'")
            .await,
        1
    );
    ctx.migrate(&["app", "0001"]).expect_code(0);
    assert_eq!(
        ctx.db
            .count("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'big_v'")
            .await,
        0
    );
}

pub async fn postgres_schema_holds_history_and_objects(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    ctx.write("app", "0001_t.sql", "-- migrate:up\nCREATE TABLE in_schema (id INTEGER);\n-- migrate:down\nDROP TABLE in_schema;\n");
    ctx.migrate(&["--schema", "tenant_a"]).expect_code(0);
    let in_schema = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'tenant_a' AND table_name IN ('migrate_history', 'in_schema')";
    assert_eq!(ctx.db.count(in_schema).await, 2);
    assert!(ctx.db.tables().await.is_empty(), "nothing in public");
    ctx.migrate(&["--schema", "tenant_a", "status"])
        .expect_text(" [X] 0001_t");
    // Another schema has its own history.
    ctx.migrate(&["--schema", "tenant_b", "status"])
        .expect_text(" [ ] 0001_t");
}

pub async fn mysql_rejects_schema_option(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    ctx.write("app", "0001_t.sql", "SELECT 1;\n");
    ctx.migrate(&["--schema", "x"])
        .expect_code(2)
        .expect_text("--schema");
}

pub async fn missing_privileges_are_reported(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_t.sql",
        "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n",
    );
    let user = format!("mig_ro_{}", std::process::id());
    let (setup, teardown, expected) = match ctx.kind() {
        // The database file is writable by root whatever its mode, so
        // there is nothing to take away on SQLite here.
        Kind::Sqlite => return,
        // Since PostgreSQL 15 only the owner may create in `public`.
        Kind::Postgres => (
            format!("CREATE ROLE {user} LOGIN PASSWORD 'pw'"),
            format!("DROP ROLE IF EXISTS {user}"),
            "permission denied for schema public",
        ),
        Kind::Mysql => (
            format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT ON *.* TO '{user}'@'%'"
            ),
            format!("DROP USER IF EXISTS '{user}'@'%'"),
            "CREATE command denied",
        ),
    };
    ctx.db.exec(&teardown).await;
    ctx.db.exec(&setup).await;
    let url = ctx.db.url_as(&user, "pw");
    let out = ctx.migrate_with(&["--database", &url], &[]);
    let status = ctx.migrate_with(&["--database", &url, "status"], &[]);
    ctx.db.exec(&teardown).await;
    out.expect_code(1)
        .expect_text(expected)
        .expect_no_text(":pw@");
    // Reading works, and the history is untouched: nothing is applied.
    status.expect_code(0).expect_text(" [ ] 0001_t");
    assert!(!ctx.db.has_history_table().await);
}

pub async fn connection_dropped_mid_run_leaves_a_truthful_history(ctx: Arc<Ctx>) {
    let (sleep, find, kill): (&str, &str, fn(i64) -> String) = match ctx.kind() {
        Kind::Sqlite => return,
        Kind::Postgres => (
            "SELECT pg_sleep(30)",
            "SELECT COALESCE(MAX(pid), 0)::bigint FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'",
            |pid| format!("SELECT pg_terminate_backend({pid})"),
        ),
        Kind::Mysql => (
            "DO SLEEP(30)",
            "SELECT COALESCE(MAX(id), 0) FROM information_schema.processlist WHERE info LIKE 'DO SLEEP(30)%'",
            |id| format!("KILL {id}"),
        ),
    };
    ctx.write(
        "app",
        "0001_base.sql",
        "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n",
    );
    ctx.write(
        "app",
        "0002_cut.sql",
        &format!("-- migrate:up\nCREATE TABLE cut_one (id INTEGER);\n{sleep};\nCREATE TABLE cut_two (id INTEGER);\n-- migrate:down\nDROP TABLE cut_one;\n"),
    );
    let child = ctx
        .command(&[], &[("DATABASE_URL", ctx.db.url.as_str())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let victim = loop {
        let id = ctx.db.count(find).await;
        if id != 0 {
            break id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the sleeping statement never showed up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    ctx.db.exec(&kill(victim)).await;
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("app:0002_cut: statement 2 of 3"),
        "{stderr}"
    );
    let rows = ctx.db.history().await;
    if ctx.kind() == Kind::Postgres {
        // The server rolled the transaction back with the connection.
        assert_eq!(history(&ctx).await, strings(&["app:0001_base applied"]));
        assert_eq!(ctx.db.tables().await, strings(&["base"]));
    } else {
        // Statement 1 committed on its own; the row says so and no more.
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].state.as_str(), rows[1].done, rows[1].total),
            ("partial", 1, 3)
        );
        assert_eq!(ctx.db.tables().await, strings(&["base", "cut_one"]));
        ctx.migrate(&["status"]).expect_text(" [!] 0002_cut");
    }
}

/// A run killed while the server executes its statement: the server goes on
/// with the statement, and the lock, held on the same connection, stays
/// held until the statement ends, so no other run starts (or judges the
/// statement in doubt) before then.
pub async fn killed_run_keeps_the_lock_while_its_statement_runs(ctx: Arc<Ctx>) {
    if ctx.kind() == Kind::Sqlite {
        return; // SQLite runs in the killed process: nothing goes on.
    }
    ctx.write(
        "app",
        "0001_slow.sql",
        &format!(
            "-- migrate:up transaction=false\nCREATE TABLE before_slow (id INTEGER);\n{};\nCREATE TABLE after_slow (id INTEGER);\n-- migrate:down\nDROP TABLE after_slow;\nDROP TABLE before_slow;\n",
            slow_statement(ctx.kind())
        ),
    );
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let mut first = ctx
        .command(&[], &env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    // A healthy run at work is not a crashed one.
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text("[~] 0001_slow  (running now: 1 of 3 statements ran)")
        .expect_text("running: another run holds the migration lock");
    ctx.migrate(&["--format", "json", "status"])
        .expect_text("\"state\": \"running\"");
    first.kill().unwrap();
    first.wait().unwrap();
    // The process is gone; the server still runs its statement.
    ctx.migrate(&["--lock-timeout", "1"])
        .expect_code(3)
        .expect_text("waiting for the migration lock");
    ctx.migrate(&["repair", "--undo", "--yes", "--lock-timeout", "1"])
        .expect_code(3)
        .expect_text("waiting for the migration lock");
    // Once the statement ended, the server let the lock go with the
    // connection: the next run sees what the killed one left. MySQL runs
    // the whole request it was sent, so the write that counts the
    // statement ran too; PostgreSQL was sent the statement alone.
    std::thread::sleep(Duration::from_millis(2500));
    let left = match ctx.kind() {
        Kind::Mysql => "[!] 0001_slow  (partial: 2 of 3 statements ran)",
        _ => "[!] 0001_slow  (partial: 1 of 3 statements ran",
    };
    ctx.migrate(&["status"]).expect_code(0).expect_text(left);
}

/// The same killed run, ended on purpose: `repair --cancel-running` ends
/// the server session still running the killed run's statement, and the
/// repair goes on without waiting for the statement.
pub async fn cancel_running_ends_a_killed_runs_statement(ctx: Arc<Ctx>) {
    ctx.write("app", "0000_first.sql", "SELECT 1;\n");
    let sleep = match ctx.kind() {
        Kind::Sqlite => {
            // No server session: nothing to end, and it says so.
            ctx.migrate(&["repair", "--cancel-running"])
                .expect_code(0)
                .expect_text("No migration is part way: there is nothing to repair.");
            return;
        }
        Kind::Postgres => "SELECT pg_sleep(60)",
        Kind::Mysql => "DO SLEEP(60)",
    };
    ctx.write(
        "app",
        "0001_slow.sql",
        &format!(
            "-- migrate:up transaction=false\nCREATE TABLE before_slow (id INTEGER);\n{sleep};\nCREATE TABLE after_slow (id INTEGER);\n-- migrate:down\nDROP TABLE after_slow;\nDROP TABLE before_slow;\n"
        ),
    );
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let mut first = ctx
        .command(&[], &env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !ctx.migrate(&["status"]).stdout.contains("[~] 0001_slow") {
        assert!(started.elapsed() < Duration::from_secs(20), "never running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // Waiting names the holder and the way out.
    ctx.migrate(&["repair", "--undo", "--yes", "--lock-timeout", "1"])
        .expect_code(3)
        .expect_text("held by")
        .expect_text("migrate repair --cancel-running");
    let ended = Instant::now();
    let out = ctx.migrate(&["repair", "--cancel-running", "--lock-timeout", "20"]);
    out.expect_code(0)
        .expect_text("which held the migration lock");
    assert!(
        out.stderr.contains("Ended server process") || out.stderr.contains("Ended connection"),
        "{}",
        out.stderr
    );
    // Long before the 60 s statement would have ended.
    assert!(ended.elapsed() < Duration::from_secs(30));
    out.expect_text("app:0001_slow");
    assert_eq!(ctx.db.tables().await, strings(&["before_slow"]));
    // Nothing holds the lock now: a second call has nothing to end.
    ctx.migrate(&["repair", "--cancel-running"])
        .expect_code(0)
        .expect_text("No other session holds the migration lock.");
}
