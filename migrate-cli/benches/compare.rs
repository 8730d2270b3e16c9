//! `migrate` against the raw driver and against sqlx's migrator, on every
//! engine with a server at hand.
//!
//! ```text
//! cargo bench -p migrate-cli --bench compare
//! ```
//!
//! Each contender is a process of its own, so that start-up, reading the
//! folder and peak memory count for all alike: the `migrate` binary itself;
//! this program again, as a child that runs sqlx's `Migrator` (what
//! `sqlx migrate run` and `sqlx migrate info` do); and this program again,
//! as a child that sends the same statements straight through the driver
//! (rusqlite, tokio-postgres, mysql_async), one transaction per migration
//! where the engine's DDL is transactional — the limit. Runs alternate, each
//! on a fresh database made before the clock starts and dropped after; the
//! medians and the ratios are printed.
//!
//! Two measures:
//! - **apply**: 200 migrations of 5 statements (CREATE TABLE, CREATE INDEX,
//!   INSERT, ADD COLUMN, UPDATE);
//! - **scale**: with 1,000 and then 10,000 applied migrations, `status` and
//!   a run with nothing to do, against sqlx's `info` and `run`, with peak
//!   memory; the 10,000 ÷ 1,000 ratio shows how the cost grows.
//!
//! Servers come from `MIGRATE_BENCH_POSTGRES_URL` and
//! `MIGRATE_BENCH_MYSQL_URL` (or the `MIGRATE_TEST_*` ones the tests use);
//! an engine without one is skipped. `MIGRATE_BENCH_ROUNDS` (default 5),
//! `MIGRATE_BENCH_ENGINES` (e.g. `sqlite,postgres`) and
//! `MIGRATE_BENCH_SCALE` (`0` skips the scale measure; default on for
//! SQLite and PostgreSQL) and `MIGRATE_BENCH_APPLY` (`0` skips the apply
//! measure) narrow a run; `MIGRATE_BENCH_BIN` measures
//! another `migrate` binary (an earlier build) in its place.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const APPLY_MIGRATIONS: usize = 200;
const SCALES: [usize; 2] = [1_000, 10_000];
const CHILD: &str = "MIGRATE_BENCH_CHILD";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }

    fn parse(s: &str) -> Engine {
        match s {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            "mysql" => Engine::Mysql,
            other => panic!("unknown engine {other}"),
        }
    }

    /// The five statements of migration `i` of the apply measure.
    fn statements(self, i: usize) -> Vec<String> {
        let concat = match self {
            Engine::Mysql => "CONCAT(name, '!')",
            _ => "name || '!'",
        };
        vec![
            format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER)"
            ),
            format!("CREATE INDEX t{i}_name ON t{i} (name)"),
            format!("INSERT INTO t{i} (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)"),
            format!("ALTER TABLE t{i} ADD COLUMN note VARCHAR(100)"),
            format!("UPDATE t{i} SET note = {concat}"),
        ]
    }
}

/// Statements of migration `i` of the scale measure: one small table, then
/// one row per migration.
fn scale_statements(i: usize) -> Vec<String> {
    match i {
        0 => vec!["CREATE TABLE ticks (n INTEGER NOT NULL)".to_string()],
        _ => vec![format!("INSERT INTO ticks (n) VALUES ({i})")],
    }
}

/// Writes the same migrations in `migrate`'s layout (`DIR/migrate/bench/`)
/// and in sqlx's (`DIR/sqlx/`).
fn write_sets(dir: &Path, count: usize, statements: impl Fn(usize) -> Vec<String>) {
    let ours = dir.join("migrate").join("bench");
    let theirs = dir.join("sqlx");
    std::fs::create_dir_all(&ours).unwrap();
    std::fs::create_dir_all(&theirs).unwrap();
    for i in 0..count {
        let up: String = statements(i).iter().map(|s| format!("{s};\n")).collect();
        std::fs::write(
            ours.join(format!("{:05}_m{i}.sql", i + 1)),
            format!("-- migrate:up\n{up}-- migrate:down\nSELECT 1;\n"),
        )
        .unwrap();
        std::fs::write(theirs.join(format!("{}_m{i}.sql", i + 1)), up).unwrap();
    }
}

// ---------------------------------------------------------------- children

/// The child side: runs one contender and exits.
fn child(mode: &str) {
    let engine = Engine::parse(&std::env::var("MIGRATE_BENCH_ENGINE").unwrap());
    let url = std::env::var("MIGRATE_BENCH_URL").unwrap();
    let dir = PathBuf::from(std::env::var("MIGRATE_BENCH_DIR").unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match mode {
        "raw" => {
            let count: usize = std::env::var("MIGRATE_BENCH_COUNT")
                .unwrap()
                .parse()
                .unwrap();
            runtime.block_on(raw(engine, &url, count));
        }
        "sqlx-run" => runtime.block_on(sqlx_run(engine, &url, &dir)),
        "sqlx-info" => runtime.block_on(sqlx_info(engine, &url, &dir)),
        other => panic!("unknown child mode {other}"),
    }
}

/// The statements straight through the driver, one transaction per
/// migration where DDL is transactional, as the engine's own client would
/// send a script per migration.
async fn raw(engine: Engine, url: &str, count: usize) {
    match engine {
        Engine::Sqlite => {
            let path = url.trim_start_matches("sqlite://").to_string();
            tokio::task::spawn_blocking(move || {
                let conn = rusqlite::Connection::open(path).unwrap();
                for i in 0..count {
                    conn.execute_batch("BEGIN").unwrap();
                    for sql in engine.statements(i) {
                        conn.execute_batch(&sql).unwrap();
                    }
                    conn.execute_batch("COMMIT").unwrap();
                }
            })
            .await
            .unwrap();
        }
        Engine::Postgres => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            for i in 0..count {
                client.batch_execute("BEGIN").await.unwrap();
                for sql in engine.statements(i) {
                    client.batch_execute(&sql).await.unwrap();
                }
                client.batch_execute("COMMIT").await.unwrap();
            }
        }
        Engine::Mysql => {
            use mysql_async::prelude::Queryable;
            let mut conn = mysql_async::Conn::from_url(url).await.unwrap();
            for i in 0..count {
                // MySQL commits each DDL statement on its own.
                for sql in engine.statements(i) {
                    conn.query_drop(sql).await.unwrap();
                }
            }
            conn.disconnect().await.unwrap();
        }
    }
}

async fn sqlx_migrator(dir: &Path) -> sqlx::migrate::Migrator {
    sqlx::migrate::Migrator::new(dir.join("sqlx"))
        .await
        .unwrap()
}

/// `sqlx migrate run`.
async fn sqlx_run(engine: Engine, url: &str, dir: &Path) {
    use sqlx::Connection;
    let migrator = sqlx_migrator(dir).await;
    match engine {
        Engine::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
                .await
                .unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        Engine::Mysql => {
            let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

/// `sqlx migrate info`: the folder read and checksummed, the applied
/// versions read, a line printed per migration.
async fn sqlx_info(engine: Engine, url: &str, dir: &Path) {
    use sqlx::Connection;
    use sqlx::migrate::Migrate;
    let migrator = sqlx_migrator(dir).await;
    let applied = match engine {
        Engine::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            conn.ensure_migrations_table("_sqlx_migrations")
                .await
                .unwrap();
            conn.list_applied_migrations("_sqlx_migrations")
                .await
                .unwrap()
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            conn.ensure_migrations_table("_sqlx_migrations")
                .await
                .unwrap();
            conn.list_applied_migrations("_sqlx_migrations")
                .await
                .unwrap()
        }
        Engine::Mysql => {
            let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
            conn.ensure_migrations_table("_sqlx_migrations")
                .await
                .unwrap();
            conn.list_applied_migrations("_sqlx_migrations")
                .await
                .unwrap()
        }
    };
    let applied: std::collections::HashMap<i64, _> = applied
        .into_iter()
        .map(|m| (m.version, m.checksum))
        .collect();
    let mut out = String::new();
    for m in migrator.iter() {
        let state = match applied.get(&m.version) {
            Some(sum) if *sum == m.checksum => "installed",
            Some(_) => "installed (different checksum)",
            None => "pending",
        };
        out.push_str(&format!("{}/{state} {}\n", m.version, m.description));
    }
    print!("{out}");
}

// ----------------------------------------------------------------- parent

/// A database made for one run, dropped when done.
struct Scratch {
    engine: Engine,
    url: String,
    admin: Option<String>,
    name: String,
}

fn server_url(engine: Engine) -> Option<String> {
    let (bench, test) = match engine {
        Engine::Sqlite => return Some(String::new()),
        Engine::Postgres => ("MIGRATE_BENCH_POSTGRES_URL", "MIGRATE_TEST_POSTGRES_URL"),
        Engine::Mysql => ("MIGRATE_BENCH_MYSQL_URL", "MIGRATE_TEST_MYSQL_URL"),
    };
    std::env::var(bench).or_else(|_| std::env::var(test)).ok()
}

/// `scheme://user@host:port/` of a server URL, without its database.
fn server_root(url: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(slash) => url[..after_scheme + slash + 1].to_string(),
        None => format!("{url}/"),
    }
}

impl Scratch {
    fn new(runtime: &tokio::runtime::Runtime, engine: Engine, dir: &Path, label: &str) -> Scratch {
        let name = format!("mbench_{}_{label}", std::process::id());
        match engine {
            Engine::Sqlite => Scratch {
                engine,
                url: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
                admin: None,
                name,
            },
            _ => {
                let admin = server_url(engine).unwrap();
                let root = server_root(&admin);
                runtime.block_on(admin_sql(
                    engine,
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name}"),
                ));
                runtime.block_on(admin_sql(
                    engine,
                    &admin,
                    &format!("CREATE DATABASE {name}"),
                ));
                Scratch {
                    engine,
                    url: format!("{root}{name}"),
                    admin: Some(admin),
                    name,
                }
            }
        }
    }

    fn drop(self, runtime: &tokio::runtime::Runtime) {
        match &self.admin {
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Some(admin) => runtime.block_on(admin_sql(
                self.engine,
                admin,
                &format!("DROP DATABASE IF EXISTS {}", self.name),
            )),
        }
    }
}

async fn admin_sql(engine: Engine, admin: &str, sql: &str) {
    match engine {
        Engine::Sqlite => {}
        Engine::Postgres => {
            let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            let task = tokio::spawn(connection);
            client.batch_execute(sql).await.unwrap();
            drop(client);
            let _ = task.await;
        }
        Engine::Mysql => {
            use mysql_async::prelude::Queryable;
            let mut conn = mysql_async::Conn::from_url(admin).await.unwrap();
            conn.query_drop(sql).await.unwrap();
            conn.disconnect().await.unwrap();
        }
    }
}

/// What one run of a contender cost.
#[derive(Clone, Copy)]
struct Cost {
    wall: Duration,
    peak_kib: u64,
}

/// Runs `command` to its end, with its wall time and peak memory (the
/// child's maximum resident set, from `wait4`).
fn measure(mut command: Command) -> Cost {
    command.stdout(Stdio::null());
    let started = Instant::now();
    let child = command.spawn().expect("cannot start a contender");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; `status` and
    // `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "a contender failed: {command:?}"
    );
    std::mem::forget(child);
    Cost {
        wall,
        peak_kib: usage.ru_maxrss as u64,
    }
}

fn migrate_cmd(dir: &Path, url: &str, args: &[&str]) -> Command {
    let binary = std::env::var("MIGRATE_BENCH_BIN");
    let mut c = Command::new(binary.as_deref().unwrap_or(env!("CARGO_BIN_EXE_migrate")));
    c.args(args)
        .arg("--dir")
        .arg(dir.join("migrate"))
        .args(["--database", url])
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stderr(Stdio::null());
    c
}

fn child_cmd(mode: &str, engine: Engine, dir: &Path, url: &str, count: usize) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.env(CHILD, mode)
        .env("MIGRATE_BENCH_ENGINE", engine.name())
        .env("MIGRATE_BENCH_URL", url)
        .env("MIGRATE_BENCH_DIR", dir)
        .env("MIGRATE_BENCH_COUNT", count.to_string());
    c
}

fn median(mut xs: Vec<Cost>) -> Cost {
    xs.sort_by_key(|c| c.wall);
    let mid = xs[xs.len() / 2];
    let peak = xs.iter().map(|c| c.peak_kib).max().unwrap_or(0);
    Cost {
        wall: mid.wall,
        peak_kib: peak,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The apply measure on one engine: `migrate`, raw and sqlx alternate,
/// each on a fresh database.
fn apply(runtime: &tokio::runtime::Runtime, engine: Engine, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    write_sets(dir.path(), APPLY_MIGRATIONS, |i| engine.statements(i));
    let mut costs: [Vec<Cost>; 3] = Default::default();
    for round in 0..rounds {
        for (k, who) in ["raw", "sqlx", "migrate"].iter().enumerate() {
            let scratch = Scratch::new(runtime, engine, dir.path(), &format!("{who}{round}"));
            let command = match *who {
                "raw" => child_cmd("raw", engine, dir.path(), &scratch.url, APPLY_MIGRATIONS),
                "sqlx" => child_cmd("sqlx-run", engine, dir.path(), &scratch.url, 0),
                _ => migrate_cmd(dir.path(), &scratch.url, &[]),
            };
            costs[k].push(measure(command));
            scratch.drop(runtime);
        }
    }
    let [raw, sqlx, ours] = costs.map(median);
    println!(
        "{:<9} apply {APPLY_MIGRATIONS}x5   raw {:>7.1} ms   sqlx {:>7.1} ms   migrate {:>7.1} ms   migrate/raw {:.2}   migrate/sqlx {:.2}",
        engine.name(),
        ms(raw.wall),
        ms(sqlx.wall),
        ms(ours.wall),
        ours.wall.as_secs_f64() / raw.wall.as_secs_f64(),
        ours.wall.as_secs_f64() / sqlx.wall.as_secs_f64(),
    );
}

/// The scale measure on one engine: both tools' histories filled once,
/// then their status and no-op runs alternate.
fn scale(runtime: &tokio::runtime::Runtime, engine: Engine, rounds: usize) {
    let mut per_scale = Vec::new();
    for count in SCALES {
        let dir = tempfile::tempdir().unwrap();
        write_sets(dir.path(), count, scale_statements);
        let ours = Scratch::new(runtime, engine, dir.path(), &format!("ours{count}"));
        let theirs = Scratch::new(runtime, engine, dir.path(), &format!("sqlx{count}"));
        measure(migrate_cmd(dir.path(), &ours.url, &[]));
        measure(child_cmd("sqlx-run", engine, dir.path(), &theirs.url, 0));
        let mut costs: [Vec<Cost>; 4] = Default::default();
        for _ in 0..rounds {
            costs[0].push(measure(migrate_cmd(dir.path(), &ours.url, &["status"])));
            costs[1].push(measure(child_cmd(
                "sqlx-info",
                engine,
                dir.path(),
                &theirs.url,
                0,
            )));
            costs[2].push(measure(migrate_cmd(dir.path(), &ours.url, &[])));
            costs[3].push(measure(child_cmd(
                "sqlx-run",
                engine,
                dir.path(),
                &theirs.url,
                0,
            )));
        }
        let [status, info, noop, run] = costs.map(median);
        println!(
            "{:<9} {count:>6} applied   status {:>7.1} ms / sqlx info {:>7.1} ms = {:.2}   no-op {:>7.1} ms / sqlx run {:>7.1} ms = {:.2}   peak {:.1} MiB / sqlx {:.1} MiB",
            engine.name(),
            ms(status.wall),
            ms(info.wall),
            status.wall.as_secs_f64() / info.wall.as_secs_f64(),
            ms(noop.wall),
            ms(run.wall),
            noop.wall.as_secs_f64() / run.wall.as_secs_f64(),
            status.peak_kib.max(noop.peak_kib) as f64 / 1024.0,
            info.peak_kib.max(run.peak_kib) as f64 / 1024.0,
        );
        per_scale.push((status.wall, noop.wall));
        ours.drop(runtime);
        theirs.drop(runtime);
    }
    if let [(s1, n1), (s2, n2)] = per_scale[..] {
        println!(
            "{:<9} 10x the migrations: status costs {:.1}x, no-op {:.1}x",
            engine.name(),
            s2.as_secs_f64() / s1.as_secs_f64(),
            n2.as_secs_f64() / n1.as_secs_f64(),
        );
    }
}

fn main() {
    if let Ok(mode) = std::env::var(CHILD) {
        child(&mode);
        return;
    }
    let rounds: usize = std::env::var("MIGRATE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let wanted = std::env::var("MIGRATE_BENCH_ENGINES").unwrap_or_default();
    let scale_on = std::env::var("MIGRATE_BENCH_SCALE").map_or(true, |s| s != "0");
    let apply_on = std::env::var("MIGRATE_BENCH_APPLY").map_or(true, |s| s != "0");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("median of {rounds} rounds; every contender a process of its own");
    for engine in [Engine::Sqlite, Engine::Postgres, Engine::Mysql] {
        if !wanted.is_empty() && !wanted.split(',').any(|w| w == engine.name()) {
            continue;
        }
        if server_url(engine).is_none() {
            println!("{:<9} skipped: no server URL", engine.name());
            continue;
        }
        if apply_on {
            apply(&runtime, engine, rounds);
        }
        // MySQL's journaled runs make 10,000 applied migrations a long
        // setup; the cost of reading history does not differ by engine.
        if scale_on && engine != Engine::Mysql {
            scale(&runtime, engine, rounds);
        }
    }
}
