//! [`Migrator`]: the one entry point for running migrations, used by the
//! `migrate` command line and by applications alike.
//!
//! A migrator knows where its migrations are (a folder, or files compiled
//! into the program with [`crate::embed_migrations!`]) and how to run them
//! ([`RunOptions`]); it is given a [`Backend`] per call. Every call reads
//! the migrations for that backend's engine (variants, portable rendering),
//! so one migrator serves databases of different engines. Every future it
//! returns is `Send`, so it runs inside any task of a multi-threaded
//! runtime, at an application's start-up for instance:
//!
//! ```ignore
//! static MIGRATIONS: migrate_core::source::Embedded = migrate_core::embed_migrations!("migrations");
//!
//! let mut backend = migrate_sqlx::SqlxBackend::from_pool(&pool, &ConnectOptions::default()).await?;
//! Migrator::embedded(&MIGRATIONS).run(&mut backend).await?;
//! ```

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::{Backend, BackendExt, Dialect};
use crate::error::Result;
use crate::executor::{self, PreparedStep, Progress, RunOptions, Silent, StepReport};
use crate::plan::Request;
use crate::source::{Embedded, Source};
use crate::status::{MigrationState, StatusEntry, status};

/// Where a migrator's migrations are.
#[derive(Debug, Clone)]
pub enum Migrations {
    /// A folder, read on every call.
    Dir(PathBuf),
    /// Files compiled into the program.
    Embedded(&'static Embedded),
    /// Migrations already read for the engine of the backends this
    /// migrator is given.
    Loaded(Source),
    /// Migrations read once and shared by the migrators of many databases
    /// of one engine (`--database` given several times).
    Shared(Arc<Source>),
}

/// Runs, plans and reports migrations on any backend.
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Migrations,
    options: RunOptions,
}

impl Migrator {
    /// A migrator of the migrations in `dir` (`migrations/<app>/...`).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Migrator {
        Migrator {
            migrations: Migrations::Dir(dir.into()),
            options: RunOptions::default(),
        }
    }

    /// A migrator of migrations compiled into the program.
    pub fn embedded(migrations: &'static Embedded) -> Migrator {
        Migrator {
            migrations: Migrations::Embedded(migrations),
            options: RunOptions::default(),
        }
    }

    /// A migrator of migrations already read for the engine of the
    /// backends it will be given (the command line reads them before it
    /// connects, to report broken files without touching the database).
    pub fn from_source(source: Source) -> Migrator {
        Migrator {
            migrations: Migrations::Loaded(source),
            options: RunOptions::default(),
        }
    }

    /// A migrator of migrations already read, shared with other migrators
    /// (one per database of a run over many databases of one engine), so
    /// that the folder is read and parsed once per run.
    pub fn from_shared(source: Arc<Source>) -> Migrator {
        Migrator {
            migrations: Migrations::Shared(source),
            options: RunOptions::default(),
        }
    }

    /// The same migrator with these run options (`--fake`, the lock
    /// timeout, who applies...).
    pub fn with_options(mut self, options: RunOptions) -> Migrator {
        self.options = options;
        self
    }

    /// The run options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Reads and checks the migrations for an engine; every problem is
    /// reported at once, with its file and line. Statements are split when
    /// a run needs them ([`Source::load_lazily`]).
    pub fn source(&self, dialect: &dyn Dialect) -> Result<Cow<'_, Source>> {
        match &self.migrations {
            Migrations::Dir(dir) => {
                Source::load_lazily(&crate::source::Disk, dir, dialect, None).map(Cow::Owned)
            }
            Migrations::Embedded(embedded) => {
                Source::load_lazily(*embedded, &embedded.root(), dialect, None).map(Cow::Owned)
            }
            Migrations::Loaded(source) => Ok(Cow::Borrowed(source)),
            Migrations::Shared(source) => Ok(Cow::Borrowed(source.as_ref())),
        }
    }

    /// Applies every pending migration, in dependency order.
    pub async fn run(&self, backend: &mut dyn Backend) -> Result<Vec<StepReport>> {
        self.execute(backend, &Request::All, &mut Silent).await
    }

    /// Moves `app` to `target` (a migration name or prefix, or `zero`),
    /// forward or back.
    pub async fn to(
        &self,
        backend: &mut dyn Backend,
        app: &str,
        target: &str,
    ) -> Result<Vec<StepReport>> {
        let request = Request::To {
            app: app.into(),
            target: target.into(),
        };
        self.execute(backend, &request, &mut Silent).await
    }

    /// Runs `request` under the lock, telling `progress` as it goes.
    pub async fn execute(
        &self,
        backend: &mut dyn Backend,
        request: &Request,
        progress: &mut dyn Progress,
    ) -> Result<Vec<StepReport>> {
        let source = self.source(backend.dialect())?;
        executor::migrate(backend, &source, request, &self.options, progress).await
    }

    /// The steps `request` would take, without running anything or taking
    /// the lock (`--dry-run`).
    pub async fn plan(
        &self,
        backend: &mut dyn Backend,
        request: &Request,
    ) -> Result<Vec<PreparedStep>> {
        let source = self.source(backend.dialect())?;
        let options = &self.options;
        let (_, steps) = executor::prepare(
            backend,
            &source,
            request,
            &options.plan,
            options.prefer_file_down,
        )
        .await?;
        Ok(steps)
    }

    /// What a run would warn about and go on (an applied migration edited
    /// in comments or whitespace only), for a dry run to say too.
    pub async fn warnings(&self, backend: &mut dyn Backend) -> Result<Vec<String>> {
        let source = self.source(backend.dialect())?;
        let history = backend.load_history().await?;
        let (source, history) = crate::squash::resolve_owned(&source, history)?;
        Ok(crate::edits::warnings(&source, &history))
    }

    /// Every migration, of the files and of the history, and where it
    /// stands (`migrate status`).
    pub async fn status(&self, backend: &mut dyn Backend) -> Result<Vec<StatusEntry>> {
        self.status_of(backend, None).await
    }

    /// [`Migrator::status`] of one app, or of all; an app that neither the
    /// files nor the history know is an error.
    pub async fn status_of(
        &self,
        backend: &mut dyn Backend,
        app: Option<&str>,
    ) -> Result<Vec<StatusEntry>> {
        let source = self.source(backend.dialect())?;
        let history = status_history(backend, &source).await?;
        let (source, history) = crate::squash::resolve_owned(&source, history)?;
        if let Some(app) = app
            && source.app(app).is_none()
            && !history.iter().any(|r| r.app == app)
        {
            return Err(source.unknown_app(app));
        }
        let mut entries = status(&source, &history, app);
        let part_way = |e: &StatusEntry| {
            matches!(e.state, MigrationState::Partial | MigrationState::Reverting)
        };
        if entries.iter().any(part_way) && lock_is_held_elsewhere(backend).await? {
            crate::status::mark_running(&mut entries);
        }
        Ok(entries)
    }

    /// Whether the database is exactly at the files' state: every migration
    /// applied, none partial, modified or orphaned. For a health check or a
    /// deploy gate.
    pub async fn is_up_to_date(&self, backend: &mut dyn Backend) -> Result<bool> {
        let entries = self.status(backend).await?;
        Ok(entries.iter().all(|e| e.state == MigrationState::Applied))
    }
}

/// The history as `status` reads it. What ran (statements, journal) is
/// looked at only for an applied migration whose file changed, to tell an
/// edit of comments from one of statements, and by squashes.
async fn status_history(
    backend: &mut dyn Backend,
    source: &Source,
) -> Result<Vec<crate::history::HistoryRecord>> {
    let summary = crate::history::Shape::Summary;
    let (history, _) = crate::store::load_history_as_needed(backend, source, summary, |r, m| {
        m.is_some_and(|m| m.checksum != r.checksum)
    })
    .await?;
    Ok(history)
}

/// Whether another run holds the migration lock now: tried, and given back
/// at once when it was free.
async fn lock_is_held_elsewhere(backend: &mut dyn Backend) -> Result<bool> {
    let id = crate::lock::LockId::of(backend.location());
    if backend.try_lock(&id).await? {
        backend.release_lock(&id).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Every public future of the core is `Send`: this only has to compile.
#[cfg(test)]
#[allow(dead_code, clippy::too_many_arguments)]
fn futures_are_send(
    m: &Migrator,
    b: &mut dyn Backend,
    source: &Source,
    key: &crate::migration::MigrationKey,
    confirm: &mut (dyn FnMut(&crate::repair::RepairPlan) -> bool + Send),
    progress: &mut dyn Progress,
) {
    fn send<T: Send>(_: T) {}
    send(m.run(b));
    send(m.to(b, "a", "zero"));
    send(m.execute(b, &Request::All, progress));
    send(m.plan(b, &Request::All));
    send(m.status(b));
    send(m.is_up_to_date(b));
    send(crate::repair::inspect(b));
    send(crate::repair::run(
        b,
        source,
        key,
        crate::repair::Repair::Undo,
        &crate::repair::RepairOptions::default(),
        confirm,
    ));
    send(crate::repair::accept(
        b,
        source,
        "a",
        "0001",
        None,
        std::time::Duration::ZERO,
    ));
}
