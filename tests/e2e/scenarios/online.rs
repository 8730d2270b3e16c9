//! `online=pt-osc`: `ALTER TABLE`s run through pt-online-schema-change on
//! MySQL/MariaDB, with writes going on; refused elsewhere; a killed run is
//! cleaned and finished by `migrate repair`.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;

use super::history;
use crate::harness::{Ctx, Kind};

/// Rows of the big table: 2^18.
const DOUBLINGS: u32 = 18;

const MIGRATION: &str = "-- migrate:up online=pt-osc\n\
CREATE TABLE side (id INTEGER PRIMARY KEY);\n\
ALTER TABLE big ADD COLUMN note VARCHAR(20) NULL;\n\
-- migrate:down online=pt-osc\n\
ALTER TABLE big DROP COLUMN note;\n\
DROP TABLE side;\n";

/// The big table, filled by doubling: `2^DOUBLINGS` rows.
async fn big_table(ctx: &Ctx) -> i64 {
    ctx.db
        .exec(
            "CREATE TABLE big (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL, n INT NOT NULL);\
             INSERT INTO big (payload, n) VALUES ('initial row of the big table', 1)",
        )
        .await;
    for _ in 0..DOUBLINGS {
        ctx.db
            .exec("INSERT INTO big (payload, n) SELECT payload, n + 1 FROM big")
            .await;
    }
    ctx.db.count("SELECT COUNT(*) FROM big").await
}

/// Inserts rows on its own connection until told to stop, counting those
/// that succeeded.
struct Writer {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    async fn start(ctx: &Ctx) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let mut conn = ctx.db.mysql().await;
        let (s, d, f) = (stop.clone(), done.clone(), failed.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::SeqCst) {
                match conn
                    .query_drop(
                        "INSERT INTO big (payload, n) VALUES ('written during the alter', 0)",
                    )
                    .await
                {
                    Ok(()) => d.fetch_add(1, Ordering::SeqCst),
                    Err(e) => {
                        eprintln!("writer: insert refused: {e}");
                        f.fetch_add(1, Ordering::SeqCst)
                    }
                };
                tokio::task::yield_now().await;
            }
            let _ = conn.disconnect().await;
        });
        // Writing before the migration starts.
        while done.load(Ordering::SeqCst) < 10 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Writer {
            stop,
            done,
            failed,
            task,
        }
    }

    fn done(&self) -> u64 {
        self.done.load(Ordering::SeqCst)
    }

    async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap();
        (
            self.done.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
        )
    }
}

/// `migrate ARGS`, awaited without blocking the writer.
async fn migrate(ctx: &Ctx, args: &[&str]) -> (i32, String) {
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let out = tokio::process::Command::from(ctx.command(args, &env))
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

async fn columns_of_big(ctx: &Ctx) -> Vec<String> {
    ctx.db
        .strings(
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = 'big' ORDER BY ordinal_position",
        )
        .await
}

/// What pt-online-schema-change leaves when killed: its tables and
/// triggers.
async fn tool_leftovers(ctx: &Ctx) -> Vec<String> {
    let mut left = ctx
        .db
        .strings(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name LIKE '\\_%big\\_%' ORDER BY table_name",
        )
        .await;
    left.extend(
        ctx.db
            .strings(
                "SELECT trigger_name FROM information_schema.triggers \
                 WHERE trigger_schema = DATABASE() ORDER BY trigger_name",
            )
            .await,
    );
    left
}

/// On MySQL: 2^18 rows altered while a writer inserts, nothing lost. On
/// the other engines: refused before anything runs.
pub async fn online_alter_keeps_every_write(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_note.sql", MIGRATION);
    if ctx.kind() != Kind::Mysql {
        ctx.db
            .exec("CREATE TABLE big (id INTEGER PRIMARY KEY, payload VARCHAR(64))")
            .await;
        ctx.migrate(&[])
            .expect_code(2)
            .expect_text("`online=pt-osc` runs ALTER TABLE through pt-online-schema-change, which works on MySQL and MariaDB only")
            .expect_text("Nothing was changed");
        assert!(!ctx.db.has_history_table().await, "nothing ran");
        assert_eq!(ctx.db.tables().await, ["big"]);
        return;
    }
    let initial = big_table(&ctx).await;
    assert!(initial >= 200_000, "{initial} rows");
    let writer = Writer::start(&ctx).await;
    let before = writer.done();
    let started = Instant::now();
    let (code, out) = migrate(&ctx, &[]).await;
    let took = started.elapsed();
    let during = writer.done() - before;
    let (written, failed) = writer.stop().await;
    assert_eq!(code, 0, "{out}");
    eprintln!(
        "online alter: {initial} rows, {during} writer inserts during the {:.1}s run ({written} in all, {failed} refused)",
        took.as_secs_f64()
    );
    assert!(during > 0, "the writer wrote during the alter");
    let rows = ctx.db.count("SELECT COUNT(*) FROM big").await;
    assert_eq!(rows, initial + written as i64, "no write lost");
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(tool_leftovers(&ctx).await, Vec::<String>::new());
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);
    // Back down, through the tool again.
    ctx.migrate(&["--dry-run", "app", "zero"])
        .expect_code(0)
        .expect_text("-- online=pt-osc: runs through pt-online-schema-change")
        .expect_text("ALTER TABLE big DROP COLUMN note;");
    ctx.migrate(&["app", "zero"]).expect_code(0);
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n"]);
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM big").await,
        initial + written as i64
    );
    assert_eq!(history(&ctx).await, Vec::<String>::new());
}

/// The tool missing from PATH: refused with how to install it, nothing
/// changed.
pub async fn online_alter_needs_the_tool_installed(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_note.sql", MIGRATION);
    ctx.db
        .exec("CREATE TABLE big (id INTEGER PRIMARY KEY, payload VARCHAR(64))")
        .await;
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap();
    let out = ctx.migrate_with(
        &[],
        &[("DATABASE_URL", ctx.db.url.as_str()), ("PATH", path)],
    );
    out.expect_code(2);
    if ctx.kind() == Kind::Mysql {
        out.expect_text("`pt-online-schema-change`, which is not installed")
            .expect_text("apt-get install percona-toolkit")
            .expect_text("https://docs.percona.com/percona-toolkit/");
    } else {
        out.expect_text("works on MySQL and MariaDB only");
    }
    out.expect_text("Nothing was changed");
    assert!(!ctx.db.has_history_table().await, "nothing ran");
    assert_eq!(ctx.db.tables().await, ["big"]);
}

/// Whether pt-online-schema-change is copying rows: its three triggers
/// are there and its new table has rows (of 2^18: the copy is under way,
/// far from done).
async fn copying(ctx: &Ctx) -> bool {
    let triggers = ctx
        .db
        .count(
            "SELECT COUNT(*) FROM information_schema.triggers \
             WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'pt\\_osc\\_%'",
        )
        .await;
    triggers == 3
        && ctx
            .db
            .count("SELECT COUNT(*) FROM (SELECT 1 FROM _big_new LIMIT 1) AS copied")
            .await
            == 1
}

/// Starts `migrate` and kills it while pt-online-schema-change copies
/// rows; returns once the tool's leftovers are there.
async fn kill_while_copying(ctx: &Ctx) {
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let mut run = tokio::process::Command::from(ctx.command(&[], &env))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the copy never started");
        let copying = copying(ctx).await;
        if copying {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    run.kill().await.unwrap();
    // The tool dies with it; its server session ends with the chunk it
    // was copying.
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

/// Killed while the tool copies: `repair` reports and cleans what it left,
/// then undoes; killed again, `repair --resume` finishes it.
pub async fn killed_online_alter_is_repaired(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return; // Refused on the other engines before anything runs.
    }
    ctx.write("app", "0001_note.sql", MIGRATION);
    let initial = big_table(&ctx).await;

    kill_while_copying(&ctx).await;
    let left = tool_leftovers(&ctx).await;
    assert!(left.contains(&"_big_new".to_string()), "{left:?}");
    assert_eq!(left.len(), 4, "{left:?}");
    ctx.migrate(&["status"])
        .expect_text("[!] 0001_note  (partial: 1 of 2 statements ran)");
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text(
            "left behind: pt-online-schema-change left table(s) _big_new and trigger(s) pt_osc_",
        )
        .expect_text("DROP TRIGGER IF EXISTS `pt_osc_")
        .expect_text("DROP TABLE IF EXISTS `_big_new`");
    ctx.migrate(&["repair", "--mark-applied", "--yes", "app", "0001_note"])
        .expect_code(3)
        .expect_text("clean them first");
    // A session at work on the tool's table (as a copy still running
    // would be): cleaning is refused while it lasts.
    let mut busy = ctx.db.mysql().await;
    let busy = tokio::spawn(async move {
        let _: Vec<i64> = busy
            .query("SELECT SLEEP(4) FROM _big_new LIMIT 1")
            .await
            .unwrap();
        let _ = busy.disconnect().await;
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, out) = migrate(&ctx, &["repair", "--undo", "--yes", "app", "0001_note"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("seems to be at work"), "{out}");
    assert!(out.contains("SELECT SLEEP(4) FROM _big_new"), "{out}");
    busy.await.unwrap();
    assert_eq!(tool_leftovers(&ctx).await.len(), 4, "nothing was cleaned");
    ctx.migrate(&["repair", "--undo", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(tool_leftovers(&ctx).await, Vec::<String>::new());
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n"]);
    assert_eq!(ctx.db.tables().await, ["big"]);
    assert_eq!(history(&ctx).await, Vec::<String>::new());
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM big").await, initial);

    kill_while_copying(&ctx).await;
    assert_eq!(tool_leftovers(&ctx).await.len(), 4);
    ctx.migrate(&["repair", "--resume", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(tool_leftovers(&ctx).await, Vec::<String>::new());
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(ctx.db.tables().await, ["big", "side"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM big").await, initial);
}

/// The command lines of the running pt-online-schema-change processes
/// working on this scenario's database, with their pids.
async fn tool_processes(ctx: &Ctx) -> Vec<(i32, Vec<String>)> {
    let database = ctx.db.strings("SELECT DATABASE()").await.remove(0);
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().any(|a| a.contains("pt-online-schema-change"))
            && args
                .iter()
                .any(|a| a.starts_with(&format!("D={database},")))
        {
            found.push((pid, args));
        }
    }
    found
}

/// The password reaches the tool in a private option file, removed
/// afterwards: never on its command line (which `ps` shows every user), in
/// its environment, or in the output.
pub async fn online_alter_keeps_the_password_private(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    ctx.write("app", "0001_note.sql", MIGRATION);
    big_table(&ctx).await;
    let user = format!("ptosc_{}", std::process::id());
    // `#`, a space, a backslash and both quotes: what an option file must
    // keep as they are.
    let password = r#"Pw#1 x\y'z"q"#;
    let in_sql = password.replace('\\', "\\\\").replace('\'', "''");
    ctx.db
        .exec(&format!("DROP USER IF EXISTS '{user}'@'%'"))
        .await;
    ctx.db
        .exec(&format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY '{in_sql}'; GRANT ALL PRIVILEGES ON *.* TO '{user}'@'%'"
        ))
        .await;
    let url = ctx.db.url_as(&user, "Pw%231%20x%5Cy'z%22q");
    let mut run = tokio::process::Command::from(ctx.command(&[], &[("DATABASE_URL", &url)]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut seen, mut leaks, mut option_files) = (0, Vec::new(), Vec::new());
    while run.try_wait().unwrap().is_none() {
        for (pid, args) in tool_processes(&ctx).await {
            seen += 1;
            if args.iter().any(|a| a.contains("Pw#1")) {
                leaks.push(format!("command line of {pid}: {args:?}"));
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            if String::from_utf8_lossy(&environ).contains("Pw%231") {
                leaks.push(format!("environment of {pid}"));
            }
            let file = args
                .iter()
                .find_map(|a| a.split(',').find_map(|p| p.strip_prefix("F=")))
                .map(String::from);
            if let Some(file) = file
                && let Ok(meta) = std::fs::metadata(&file)
            {
                use std::os::unix::fs::PermissionsExt;
                option_files.push((file, meta.permissions().mode() & 0o777));
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let out = run.wait_with_output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    ctx.db
        .exec(&format!("DROP USER IF EXISTS '{user}'@'%'"))
        .await;
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("Pw#1") && !text.contains("Pw%231"), "{text}");
    assert!(seen > 0, "pt-online-schema-change was never seen running");
    assert_eq!(leaks, Vec::<String>::new());
    assert!(!option_files.is_empty(), "no option file seen");
    for (file, mode) in &option_files {
        assert_eq!(*mode, 0o600, "{file}");
        assert!(!std::path::Path::new(file).exists(), "{file} is left");
    }
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);
}

/// The tool itself killed while it copies: the statement fails, the
/// history says so, and `repair --resume` cleans what the tool left and
/// finishes.
pub async fn killed_online_tool_fails_its_statement(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    ctx.write("app", "0001_note.sql", MIGRATION);
    let initial = big_table(&ctx).await;
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let run = tokio::process::Command::from(ctx.command(&[], &env))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let pid = loop {
        assert!(Instant::now() < deadline, "the copy never started");
        let copying = copying(&ctx).await;
        if copying && let Some((pid, _)) = tool_processes(&ctx).await.first() {
            break *pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    let out = run.wait_with_output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("pt-online-schema-change failed (signal: 9 (SIGKILL))"),
        "{text}"
    );
    assert!(!text.contains("create_triggers, 10, 1"), "{text}");
    assert!(text.contains("Statement 1 ran and stays applied"), "{text}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(tool_leftovers(&ctx).await.len(), 4);
    ctx.migrate(&["status"]).expect_text(
        "[!] 0001_note  (partial: 1 of 2 statements ran; statement 2 failed: pt-online-schema-change failed (signal: 9 (SIGKILL)): ",
    );
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text("failed 2: ")
        .expect_text("left behind: pt-online-schema-change left table(s) _big_new");
    ctx.migrate(&["repair", "--resume", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(tool_leftovers(&ctx).await, Vec::<String>::new());
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM big").await, initial);
}

/// The crash points around an online ALTER: after the tool finished and
/// before the history counted it, the statement is in doubt and the
/// database shows it ran; before the tool started, that it did not.
pub async fn online_alter_crash_points_are_recovered(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    ctx.write("app", "0001_note.sql", MIGRATION);
    ctx.db
        .exec(
            "CREATE TABLE big (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL, n INT NOT NULL);\
             INSERT INTO big (payload, n) VALUES ('a', 1), ('b', 2)",
        )
        .await;
    let out = ctx.crash(&[], "after:2");
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text("in doubt 2: ALTER TABLE big ADD COLUMN note")
        .expect_text("the database shows it took effect");
    ctx.migrate(&["repair", "--resume", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);

    // Undone with the tool too: without it, refused before anything runs.
    let out = ctx.crash(&["app", "zero"], "after:1");
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let empty = tempfile::tempdir().unwrap();
    ctx.migrate_with(
        &["repair", "--undo", "--yes", "app", "0001_note"],
        &[
            ("DATABASE_URL", ctx.db.url.as_str()),
            ("PATH", empty.path().to_str().unwrap()),
        ],
    )
    .expect_code(2)
    .expect_text("which is not installed");
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n"]);
    ctx.migrate(&["repair", "--undo", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);

    let out = ctx.crash(&["app", "zero"], "before:1");
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text("in doubt 1: ALTER TABLE big DROP COLUMN note")
        .expect_text("the database shows it did not take effect");
    ctx.migrate(&["repair", "--undo", "--yes", "app", "0001_note"])
        .expect_code(0);
    assert_eq!(columns_of_big(&ctx).await, ["id", "payload", "n", "note"]);
    assert_eq!(history(&ctx).await, ["app:0001_note applied"]);
    assert_eq!(tool_leftovers(&ctx).await, Vec::<String>::new());
}

/// The tool refusing the table (no primary key): the statement fails with
/// the tool's own reason, and nothing is left behind.
pub async fn online_alter_failure_says_why(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    ctx.db
        .exec("CREATE TABLE nopk (a INT NOT NULL); INSERT INTO nopk VALUES (1), (2)")
        .await;
    ctx.write(
        "app",
        "0001_nopk.sql",
        "-- migrate:up online=pt-osc\nALTER TABLE nopk ADD COLUMN b INT NULL;\n-- migrate:down\nALTER TABLE nopk DROP COLUMN b;\n",
    );
    ctx.migrate(&[])
        .expect_code(1)
        .expect_text("pt-online-schema-change failed (exit status: ")
        .expect_text("PRIMARY KEY or a unique index")
        .expect_text("Nothing of app:0001_nopk ran");
    assert_eq!(
        ctx.db
            .strings(
                "SELECT column_name FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = 'nopk' ORDER BY ordinal_position",
            )
            .await,
        ["a"]
    );
    assert_eq!(ctx.db.tables().await, ["nopk"]);
    assert_eq!(
        ctx.db
            .count(
                "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()"
            )
            .await,
        0
    );
    assert_eq!(history(&ctx).await, Vec::<String>::new());
}
