//! One command on many databases: `--database` repeated, `--databases
//! FILE`, groups of migrate.toml, PostgreSQL schemas; `--jobs`,
//! `--fail-fast`, the per-database lines, JSON and exit codes.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::harness::{Ctx, Kind, Output, Scratch};

/// Creates `n` more databases of the scenario's engine, runs `body` with
/// them, and drops them whatever happened.
async fn with_databases<F, Fut>(ctx: &Arc<Ctx>, n: usize, body: F)
where
    F: FnOnce(Arc<Vec<Scratch>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut dbs = Vec::with_capacity(n);
    for _ in 0..n {
        dbs.push(
            Scratch::create(ctx.kind())
                .await
                .expect("a scratch database"),
        );
    }
    let dbs = Arc::new(dbs);
    let outcome = tokio::spawn(body(dbs.clone())).await;
    for db in dbs.iter() {
        db.drop_database().await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// How many databases the big run of each engine takes.
fn fleet_size(kind: Kind) -> usize {
    match kind {
        Kind::Sqlite => 200,
        Kind::Postgres => 20,
        Kind::Mysql => 4,
    }
}

/// `--database URL` for each database.
fn database_args(dbs: &[Scratch]) -> Vec<String> {
    dbs.iter()
        .flat_map(|db| ["--database".to_string(), db.url.clone()])
        .collect()
}

fn run(ctx: &Ctx, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ctx.migrate_with(&args, &[])
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", out.stdout, out.stderr))
}

/// The lines of standard output that report a database (`ok ...`,
/// `failed ...`, `skipped ...`).
fn result_lines(out: &Output) -> Vec<&str> {
    out.stdout
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("failed ") || l.starts_with("skipped "))
        .collect()
}

fn line_of<'a>(out: &'a Output, db: &Scratch) -> &'a str {
    // `ok      URL: ...`, `failed  URL (12 ms): ...`
    result_lines(out)
        .into_iter()
        .find(|l| l.split_whitespace().nth(1).map(|n| n.trim_end_matches(':')) == Some(&db.url))
        .unwrap_or_else(|| panic!("no line for {}\n{}", db.url, out.stdout))
}

pub async fn fanout_migrates_every_database(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    let n = fleet_size(ctx.kind());
    let c = ctx.clone();
    with_databases(&ctx, n, move |dbs| async move {
        // The first through the flag, the rest through a list file with
        // comments and blank lines.
        let mut list = String::from("# every tenant\n\n");
        for db in &dbs[1..] {
            list.push_str(&format!("{}\n", db.url));
        }
        list.push_str("  # the end\n");
        c.write_file("tenants.txt", list.as_bytes());
        let args: Vec<String> = [
            "--database",
            &dbs[0].url,
            "--databases",
            "tenants.txt",
            "--jobs",
            "4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = run(&c, &args);
        out.expect_code(0)
            .expect_text(&format!("{n} ok, 0 failed, 0 skipped"))
            .expect_text(&format!("Databases: {n} databases"));
        let lines = result_lines(&out);
        assert_eq!(lines.len(), n, "{}", out.stdout);
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with("ok ") && l.contains(": 5 applied (")),
            "{}",
            out.stdout
        );
        // A sample holds the schema; every database holds its history.
        for db in [&dbs[0], &dbs[n / 2], &dbs[n - 1]] {
            assert_eq!(
                db.tables().await,
                ["patient", "patient_task", "task", "visit"],
                "{}",
                db.url
            );
        }
        let mut rows = 0;
        for db in dbs.iter() {
            rows += db
                .count("SELECT COUNT(*) FROM migrate_history WHERE state = 'applied'")
                .await;
        }
        assert_eq!(rows, 5 * n as i64);
        // The scenario's own database was not named: untouched.
        assert!(!c.db.has_history_table().await);

        // Again: nothing to do anywhere; status --check agrees.
        let mut again = args.clone();
        again.extend(["--format".to_string(), "json".to_string()]);
        let doc = json(run(&c, &again).expect_code(0));
        let entries = doc["databases"].as_array().unwrap();
        assert_eq!(entries.len(), n);
        assert!(
            entries
                .iter()
                .all(|e| e["result"] == "ok" && e["migrations"].as_array().unwrap().is_empty())
        );
        let mut check = args.clone();
        check.extend(["status".to_string(), "--check".to_string()]);
        run(&c, &check)
            .expect_code(0)
            .expect_text(&format!("{n} ok, 0 failed, 0 skipped"))
            .expect_text(": 5 applied (");
    })
    .await;
}

pub async fn fanout_one_failure_does_not_stop_the_others(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    let c = ctx.clone();
    with_databases(&ctx, 5, move |dbs| async move {
        // A table the tasks app creates is already there in one database.
        dbs[1]
            .exec("CREATE TABLE task (other INTEGER NOT NULL)")
            .await;
        let mut args = database_args(&dbs[..3]);
        args.extend(["--jobs".to_string(), "2".to_string()]);
        let out = run(&c, &args);
        out.expect_code(1).expect_text("2 ok, 1 failed, 0 skipped");
        assert!(line_of(&out, &dbs[0]).starts_with("ok "));
        assert!(line_of(&out, &dbs[2]).starts_with("ok "));
        let failed = line_of(&out, &dbs[1]);
        assert!(
            failed.starts_with("failed ") && failed.contains("task"),
            "{failed}"
        );
        for db in [&dbs[0], &dbs[2]] {
            assert_eq!(db.history().await.len(), 5, "{}", db.url);
        }
        let failed_history = dbs[1].history().await;
        assert!(
            failed_history
                .iter()
                .all(|r| r.app == "patients" || r.state != "applied"),
            "{failed_history:?}"
        );

        // With --fail-fast, one at a time: nothing starts after the
        // failure.
        let mut args = database_args(&[]);
        for db in [&dbs[3], &dbs[1], &dbs[4]] {
            args.extend(["--database".to_string(), db.url.clone()]);
        }
        args.extend(["--jobs", "1", "--fail-fast"].map(String::from));
        let out = run(&c, &args);
        out.expect_code(1).expect_text("1 ok, 1 failed, 1 skipped");
        assert!(line_of(&out, &dbs[3]).starts_with("ok "));
        assert!(line_of(&out, &dbs[1]).starts_with("failed "));
        assert!(line_of(&out, &dbs[4]).starts_with("skipped "));
        assert!(
            !dbs[4].has_history_table().await,
            "a skipped database is not touched"
        );
    })
    .await;
}

pub async fn fanout_sqlite_file_that_is_not_a_database(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Sqlite {
        return;
    }
    super::clinic(&ctx);
    let garbage = ctx.write_file("garbage.db", &[0x42; 4096]);
    let garbage_url = format!("sqlite://{}", garbage.display());
    let c = ctx.clone();
    with_databases(&ctx, 2, move |dbs| async move {
        let args: Vec<String> = [
            "--database",
            &dbs[0].url,
            "--database",
            &garbage_url,
            "--database",
            &dbs[1].url,
            "--format",
            "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = run(&c, &args);
        out.expect_code(1);
        let doc = json(&out);
        let results: Vec<(&str, &str)> = doc["databases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["database"].as_str().unwrap(),
                    e["result"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            results,
            [
                (dbs[0].url.as_str(), "ok"),
                (garbage_url.as_str(), "failed"),
                (dbs[1].url.as_str(), "ok")
            ]
        );
        let error = doc["databases"][1]["error"].as_str().unwrap();
        assert!(error.contains("not a database"), "{error}");
        assert_eq!(
            std::fs::read(&garbage).unwrap(),
            vec![0x42; 4096],
            "left as it was"
        );
    })
    .await;
}

pub async fn fanout_json_has_one_entry_per_database(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    let c = ctx.clone();
    with_databases(&ctx, 3, move |dbs| async move {
        dbs[2].exec("CREATE TABLE visit (other INTEGER)").await;
        let mut args = database_args(&dbs);
        args.extend(["--format", "json", "--fail-fast", "--jobs", "1"].map(String::from));
        let out = run(&c, &args);
        out.expect_code(1);
        assert!(
            out.stderr.is_empty(),
            "JSON prints nothing else: {}",
            out.stderr
        );
        let doc = json(&out);
        assert_eq!(
            doc.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["databases"]
        );
        let entries = doc["databases"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        for (entry, db) in entries.iter().zip(dbs.iter()) {
            let mut keys: Vec<&str> = entry
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort();
            assert_eq!(
                keys,
                ["database", "duration_ms", "error", "migrations", "result"]
            );
            assert_eq!(entry["database"], db.url.as_str());
            assert!(entry["duration_ms"].is_u64());
        }
        assert_eq!(entries[0]["result"], "ok");
        assert_eq!(entries[0]["error"], Value::Null);
        let applied: Vec<String> = entries[0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}:{} {}",
                    m["app"].as_str().unwrap(),
                    m["name"].as_str().unwrap(),
                    m["direction"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(applied.len(), 5, "{applied:?}");
        assert!(
            applied.contains(&"patients:0001_initial apply".to_string()),
            "{applied:?}"
        );
        assert_eq!(entries[1]["result"], "ok");
        assert_eq!(entries[2]["result"], "failed");
        assert!(
            entries[2]["error"].as_str().unwrap().contains("visit"),
            "{}",
            entries[2]["error"]
        );
        // What ran before the failing migration is listed with it.
        assert!(!entries[2]["migrations"].as_array().unwrap().is_empty());

        // status --check: the failed database is not up to date.
        let mut args = database_args(&dbs);
        args.extend(["status", "--check", "--format", "json"].map(String::from));
        let doc = json(run(&c, &args).expect_code(1));
        let entries = doc["databases"].as_array().unwrap();
        assert_eq!(entries[0]["result"], "ok");
        assert_eq!(entries[2]["result"], "failed");
        assert!(
            entries[2]["error"]
                .as_str()
                .unwrap()
                .starts_with("not up to date:"),
            "{}",
            entries[2]["error"]
        );
        let states: Vec<&str> = entries[0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["applied"; 5]);
    })
    .await;
}

pub async fn fanout_groups_and_list_files(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    let c = ctx.clone();
    with_databases(&ctx, 3, move |dbs| async move {
        c.write_file(
            "migrate.toml",
            format!(
                "[databases]\nfirst = \"{}\"\n\n[groups]\ntenants = [\"first\", \"{}\", \"{}\"]\n",
                dbs[0].url, dbs[1].url, dbs[2].url
            )
            .as_bytes(),
        );
        let out = c.migrate_with(&["--database", "tenants", "--fake"], &[]);
        out.expect_code(0)
            .expect_text("3 ok, 0 failed, 0 skipped")
            .expect_text("5 applied (fake)")
            .expect_text("group tenants");
        for db in dbs.iter() {
            assert_eq!(db.history().await.len(), 5, "{}", db.url);
            assert!(db.tables().await.is_empty(), "--fake runs nothing");
        }
        // A target and --fake: every database moves back to it.
        c.migrate_with(&["--database", "tenants", "--fake", "tasks", "zero"], &[])
            .expect_code(0)
            .expect_text("2 unapplied (fake)");
        assert_eq!(dbs[1].history().await.len(), 3);

        // Unknown names, a missing file, a bad line: usage errors, before
        // any database is touched.
        c.migrate_with(&["--database", "tenantz"], &[])
            .expect_code(2)
            .expect_text("tenantz")
            .expect_text("first, tenants");
        c.migrate_with(&["--databases", "missing.txt"], &[])
            .expect_code(2)
            .expect_text("missing.txt");
        c.write_file(
            "list.txt",
            format!("# tenants\n{}\n\nfirst\n{} extra\n", dbs[1].url, dbs[2].url).as_bytes(),
        );
        c.migrate_with(&["--databases", "list.txt"], &[])
            .expect_code(2)
            .expect_text("list.txt:5:");
        c.write_file("list.txt", b"first\nnot_a_name\n");
        c.migrate_with(&["--databases", "list.txt"], &[])
            .expect_code(2)
            .expect_text("list.txt:2:")
            .expect_text("not_a_name");
        c.write_file("list.txt", format!("first\n{}\n", dbs[0].url).as_bytes());
        c.migrate_with(&["--databases", "list.txt"], &[])
            .expect_code(2)
            .expect_text("named twice");
        assert_eq!(dbs[0].history().await.len(), 3, "nothing ran");

        // A list file of one database still reports per database.
        c.write_file("list.txt", b"# one\nfirst\n");
        let out = c.migrate_with(&["--databases", "list.txt"], &[]);
        out.expect_code(0)
            .expect_text("1 ok, 0 failed, 0 skipped")
            .expect_text(": 2 applied (");
        // A command that works on one database runs on a list of one.
        c.migrate_with(&["--databases", "list.txt", "log"], &[])
            .expect_code(0)
            .expect_text("(from list.txt:2)")
            .expect_text("apply");
        c.migrate_with(&["--database", "tenants", "log"], &[])
            .expect_code(2)
            .expect_text("3 databases were named");
        // migrate.toml's `database` may name the group.
        c.write_file(
            "migrate.toml",
            format!(
                "database = \"tenants\"\n[databases]\nfirst = \"{}\"\n\n[groups]\ntenants = [\"first\", \"{}\", \"{}\"]\n",
                dbs[0].url, dbs[1].url, dbs[2].url
            )
            .as_bytes(),
        );
        // The first was brought up to date above; tasks is still faked
        // back to zero on the others.
        c.migrate_with(&["status", "--check"], &[])
            .expect_code(1)
            .expect_text("1 ok, 2 failed, 0 skipped")
            .expect_text("not up to date: 3 applied, 2 pending");
    })
    .await;
}

pub async fn fanout_commands_that_change_one_database_are_refused(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    let c = ctx.clone();
    with_databases(&ctx, 2, move |dbs| async move {
        let mut args = database_args(&dbs);
        let with = |extra: &[&str]| {
            let mut a = args.clone();
            a.extend(extra.iter().map(|s| s.to_string()));
            run(&c, &a)
        };
        with(&["repair", "--undo", "--yes"])
            .expect_code(2)
            .expect_text("one database at a time");
        with(&["repair", "--cancel-running"]).expect_code(2);
        with(&["log"]).expect_code(2).expect_text("`migrate log`");
        with(&["drift", "--write-migration", "tasks", "accept"]).expect_code(2);
        if c.kind() != Kind::Postgres {
            with(&["--schema", "a", "--schema", "b"])
                .expect_code(2)
                .expect_text("--schema is a PostgreSQL option");
        }
        for db in dbs.iter() {
            assert!(!db.has_history_table().await, "nothing touched");
        }
        // Reports work on every database.
        with(&[]).expect_code(0);
        with(&["repair"])
            .expect_code(0)
            .expect_text("2 ok, 0 failed, 0 skipped")
            .expect_text("no migration is part way");
        dbs[0].exec("CREATE TABLE extra (id INTEGER)").await;
        let out = with(&["drift"]);
        out.expect_code(1).expect_text("1 ok, 1 failed, 0 skipped");
        assert!(line_of(&out, &dbs[0]).contains("extra"), "{}", out.stdout);
        assert!(line_of(&out, &dbs[1]).starts_with("ok "));
        args.extend(["check", "--format", "json"].map(String::from));
        let doc = json(run(&c, &args).expect_code(0));
        // Proven once for the engine; both databases get the verdict.
        let entries = doc["databases"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        for entry in entries {
            assert_eq!(entry["result"], "ok", "{entry}");
            assert_eq!(entry["migrations"].as_array().unwrap().len(), 5);
            assert_eq!(entry["proofs"], entries[0]["proofs"]);
            let first = &entry["migrations"][0];
            assert_eq!(first["app"], "patients");
            let engine = first["engines"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap();
            assert_eq!(engine["up"], "ok", "{first}");
        }
    })
    .await;
}

pub async fn fanout_never_prints_a_password(ctx: Arc<Ctx>) {
    if ctx.kind() == Kind::Sqlite {
        return;
    }
    super::clinic(&ctx);
    let c = ctx.clone();
    with_databases(&ctx, 1, move |dbs| async move {
        let secret = "Zq9-s3cret-pw";
        let (scheme, port) = match c.kind() {
            Kind::Postgres => ("postgres", 5432),
            _ => ("mysql", 3306),
        };
        // Nothing listens on port 1; the other user does not exist.
        let unreachable = format!("{scheme}://app:{secret}@127.0.0.1:1/x");
        let refused = format!(
            "{scheme}://nobody_{}:{secret}@127.0.0.1:{port}/x",
            std::process::id()
        );
        for format in ["text", "json"] {
            let out = c.migrate_with(
                &[
                    "--database",
                    &unreachable,
                    "--database",
                    &refused,
                    "--database",
                    &dbs[0].url,
                    "--format",
                    format,
                ],
                &[],
            );
            out.expect_code(1)
                .expect_no_text(secret)
                .expect_text("app:***@127.0.0.1:1/x");
        }
        c.migrate_with(
            &["--database", &unreachable, "--database", &refused, "status"],
            &[],
        )
        .expect_code(1)
        .expect_no_text(secret)
        .expect_text("0 ok, 2 failed, 0 skipped");
    })
    .await;
}

pub async fn fanout_postgres_schemas(ctx: Arc<Ctx>) {
    if ctx.kind() != Kind::Postgres {
        return;
    }
    super::clinic(&ctx);
    ctx.write_file("schemas.txt", b"# more tenants\ntenant_c\n\ntenant_d\n");
    let url = ctx.db.url.clone();
    let out = ctx.migrate_with(
        &[
            "--database",
            &url,
            "--schema",
            "tenant_a",
            "--schema",
            "tenant_b",
            "--schemas",
            "schemas.txt",
            "--format",
            "json",
        ],
        &[],
    );
    out.expect_code(0);
    let doc = json(&out);
    let entries = doc["databases"].as_array().unwrap();
    let schemas: Vec<&str> = entries
        .iter()
        .map(|e| e["schema"].as_str().unwrap())
        .collect();
    assert_eq!(schemas, ["tenant_a", "tenant_b", "tenant_c", "tenant_d"]);
    assert!(entries.iter().all(|e| e["result"] == "ok"));
    for schema in schemas {
        let in_schema = format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{schema}' \
             AND table_name IN ('migrate_history', 'patient', 'task', 'visit', 'patient_task')"
        );
        assert_eq!(ctx.db.count(&in_schema).await, 5, "{schema}");
        let rows = format!("SELECT COUNT(*) FROM \"{schema}\".migrate_history");
        assert_eq!(ctx.db.count(&rows).await, 5, "{schema}");
    }
    assert!(ctx.db.tables().await.is_empty(), "nothing in public");
    // One schema's failure leaves the others' lock and history alone.
    ctx.db
        .exec("CREATE SCHEMA tenant_e; CREATE TABLE tenant_e.patient_task (x INTEGER)")
        .await;
    let out = ctx.migrate_with(
        &[
            "--database",
            &url,
            "--schema",
            "tenant_a",
            "--schema",
            "tenant_e",
            "--jobs",
            "2",
        ],
        &[],
    );
    out.expect_code(1)
        .expect_text("(schema tenant_a): nothing to do")
        .expect_text("1 ok, 1 failed, 0 skipped");
    ctx.migrate_with(
        &[
            "--database",
            &url,
            "--schemas",
            "schemas.txt",
            "status",
            "--check",
        ],
        &[],
    )
    .expect_code(0)
    .expect_text("(schema tenant_d): 5 applied");
}

pub async fn fanout_reads_the_migrations_once(ctx: Arc<Ctx>) {
    // Another tool's folder: the note on the file it leaves out is printed
    // each time the folder is read.
    for (rel, text) in [
        (
            "2024-01-01-000000_first/up.sql",
            "CREATE TABLE first_t (id INTEGER PRIMARY KEY);\n",
        ),
        ("2024-01-01-000000_first/down.sql", "DROP TABLE first_t;\n"),
        ("README.md", "How we migrate.\n"),
    ] {
        ctx.write_file(&format!("migrations/{rel}"), text.as_bytes());
    }
    let c = ctx.clone();
    with_databases(&ctx, 3, move |dbs| async move {
        let mut args = database_args(&dbs);
        args.push("--dry-run".to_string());
        let out = run(&c, &args);
        out.expect_code(0)
            .expect_text("1 step(s) planned, nothing changed (dry run)");
        assert_eq!(
            out.stderr.matches("ignored migrations/README.md").count(),
            1,
            "{}",
            out.stderr
        );
        for db in dbs.iter() {
            assert!(!db.has_history_table().await, "a dry run changes nothing");
        }
        let mut check = database_args(&dbs);
        check.push("--check".to_string());
        run(&c, &check)
            .expect_code(1)
            .expect_text("not up to date: 1 pending")
            .expect_text("0 ok, 3 failed, 0 skipped");
        let out = run(&c, &database_args(&dbs));
        out.expect_code(0).expect_text("3 ok, 0 failed, 0 skipped");
        assert_eq!(
            out.stderr.matches("ignored migrations/README.md").count(),
            1,
            "{}",
            out.stderr
        );
        for db in dbs.iter() {
            assert_eq!(db.tables().await, ["first_t"], "{}", db.url);
        }
        run(&c, &check).expect_code(0);
    })
    .await;
}

pub async fn fanout_interrupted_finishes_those_at_work(ctx: Arc<Ctx>) {
    // The logic is the same on every engine; SQLite gives a slow statement
    // without a server.
    if ctx.kind() != Kind::Sqlite {
        return;
    }
    ctx.write(
        "app",
        "0001_slow.sql",
        "-- migrate:up\nCREATE TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT count(*) AS n FROM c;\n-- migrate:down\nDROP TABLE t;\n",
    );
    let c = ctx.clone();
    with_databases(&ctx, 20, move |dbs| async move {
        let mut args = database_args(&dbs);
        args.extend(["--jobs", "2"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = c
            .command(&args, &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        let out = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        out.expect_code(1)
            .expect_text("Interrupted: finishing the databases at work");
        let mut skipped = 0;
        for db in dbs.iter() {
            let line = line_of(&out, db);
            if line.starts_with("skipped ") {
                assert!(
                    line.ends_with("not started: the run was interrupted"),
                    "{line}"
                );
                assert!(!db.has_history_table().await, "{}", db.url);
                skipped += 1;
            } else {
                // Those at work were let finish: applied, not cut short.
                assert!(line.starts_with("ok "), "{line}");
                assert_eq!(
                    db.count("SELECT COUNT(*) FROM migrate_history WHERE state = 'applied'")
                        .await,
                    1
                );
            }
        }
        assert!(skipped > 0, "{}", out.stdout);
        out.expect_text(&format!("{} ok, 0 failed, {skipped} skipped", 20 - skipped));
    })
    .await;
}

pub async fn fanout_mixes_engines_in_one_run(ctx: Arc<Ctx>) {
    // A server database and SQLite files: the folder is read once per
    // engine, each database with its own engine's SQL.
    if ctx.kind() == Kind::Sqlite {
        return;
    }
    super::clinic(&ctx);
    let file = ctx.project().join("local.db");
    let file_url = format!("sqlite://{}", file.display());
    let url = ctx.db.url.clone();
    let out = ctx.migrate_with(
        &[
            "--database",
            &url,
            "--database",
            &file_url,
            "--format",
            "json",
        ],
        &[],
    );
    out.expect_code(0);
    let doc = json(&out);
    let results: Vec<(&str, &str, usize)> = doc["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["database"].as_str().unwrap(),
                e["result"].as_str().unwrap(),
                e["migrations"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [(url.as_str(), "ok", 5), (file_url.as_str(), "ok", 5)]
    );
    assert_eq!(
        ctx.db.tables().await,
        ["patient", "patient_task", "task", "visit"]
    );
    let sqlite = rusqlite::Connection::open(&file).unwrap();
    let rows: i64 = sqlite
        .query_row("SELECT COUNT(*) FROM migrate_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 5);
}
