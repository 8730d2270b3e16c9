//! The end-to-end harness: a scratch database on one engine, a scratch
//! project folder, and the real `migrate` binary run as a user would.
//!
//! Every scenario is written once, as `async fn(Ctx)`, and instantiated for
//! each engine by the `scenarios!` macro in `main.rs`. Server URLs come from
//! `MIGRATE_TEST_POSTGRES_URL` and `MIGRATE_TEST_MYSQL_URL`; a server that
//! cannot be reached skips its tests with a visible line, except under
//! `CI=true`, where it fails them.

pub mod db;
pub mod shape;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use db::{Kind, Scratch};

/// One finished run of the binary.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics unless the run exited with `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless stdout or stderr holds `text`.
    #[track_caller]
    pub fn expect_text(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text) || self.stderr.contains(text),
            "output lacks {text:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics if stdout or stderr holds `text`.
    #[track_caller]
    pub fn expect_no_text(&self, text: &str) -> &Self {
        assert!(
            !self.stdout.contains(text) && !self.stderr.contains(text),
            "output holds {text:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The command line with armed crash points, built with the feature only.
#[cfg(feature = "fault-injection")]
const CRASHTEST: Option<&str> = Some(env!("CARGO_BIN_EXE_migrate-crashtest"));
#[cfg(not(feature = "fault-injection"))]
const CRASHTEST: Option<&str> = None;

/// A scenario's world: a project folder with `migrations/`, and a database.
pub struct Ctx {
    pub db: Scratch,
    project: tempfile::TempDir,
}

impl Ctx {
    pub fn kind(&self) -> Kind {
        self.db.kind
    }

    /// The project folder (the binary's working directory).
    pub fn project(&self) -> &Path {
        self.project.path()
    }

    /// Writes `migrations/<app>/<file>`.
    pub fn write(&self, app: &str, file: &str, text: &str) {
        let dir = self.project().join("migrations").join(app);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
    }

    /// Writes any file relative to the project folder.
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.project().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `migrate ARGS` against this scenario's database.
    pub fn migrate(&self, args: &[&str]) -> Output {
        self.migrate_with(args, &[("DATABASE_URL", self.db.url.as_str())])
    }

    /// Runs `migrate ARGS` with these environment variables and no
    /// inherited DATABASE_URL.
    pub fn migrate_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self.command(args, env).output().expect("run migrate");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `migrate-crashtest ARGS` against this scenario's database: the
    /// command line with its crash points armed, aborting at `fault`
    /// (`before:3`, `undo-after:2`, ...).
    pub fn crash(&self, args: &[&str], fault: &str) -> Output {
        let Some(binary) = CRASHTEST else {
            panic!(
                "crash tests need the test binary: cargo nextest run --workspace --features migrate-cli/fault-injection"
            );
        };
        let env = [
            ("DATABASE_URL", self.db.url.as_str()),
            ("MIGRATE_FAULT", fault),
        ];
        let out = self
            .command_of(binary, args, &env)
            .output()
            .expect("run migrate-crashtest");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The command, not yet started (for concurrent runs).
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        self.command_of(env!("CARGO_BIN_EXE_migrate"), args, env)
    }

    fn command_of(&self, binary: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(binary);
        cmd.args(args)
            .current_dir(self.project())
            .env_remove("DATABASE_URL")
            .env_remove("MIGRATE_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Runs one scenario on every engine at once, for comparing them: a
/// scratch database and a project folder on each, in the order SQLite,
/// PostgreSQL, MySQL. Skipped (failed under `CI=true`) when a server cannot
/// be reached; every database is dropped whatever happened.
pub async fn run_on_every_engine<F, Fut>(scenario: F)
where
    F: FnOnce(Vec<std::sync::Arc<Ctx>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut contexts = Vec::new();
    for kind in [Kind::Sqlite, Kind::Postgres, Kind::Mysql] {
        match Scratch::create(kind).await {
            Ok(db) => contexts.push(std::sync::Arc::new(Ctx {
                db,
                project: tempfile::tempdir().unwrap(),
            })),
            Err(e) => {
                for ctx in &contexts {
                    ctx.db.drop_database().await;
                }
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{kind:?} is required under CI=true: {e}");
                }
                eprintln!("SKIP: {e}");
                return;
            }
        }
    }
    let outcome = tokio::spawn(scenario(contexts.clone())).await;
    for ctx in &contexts {
        ctx.db.drop_database().await;
    }
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("scenario did not finish: {e}");
    }
}

/// Runs one scenario on one engine: creates the scratch database, runs the
/// scenario, drops the database whatever happened.
pub async fn run<F, Fut>(kind: Kind, scenario: F)
where
    F: FnOnce(std::sync::Arc<Ctx>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = match Scratch::create(kind).await {
        Ok(db) => db,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{kind:?} is required under CI=true: {e}")
        }
        Err(e) => {
            eprintln!("SKIP: {e}");
            return;
        }
    };
    let ctx = std::sync::Arc::new(Ctx {
        db,
        project: tempfile::tempdir().unwrap(),
    });
    let outcome = tokio::spawn(scenario(ctx.clone())).await;
    ctx.db.drop_database().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("scenario did not finish: {e}");
    }
}
