//! A command run on many databases (`--database` given several times,
//! `--databases FILE`, a `[groups]` entry of migrate.toml, several
//! `--schema`s): `migrate`, `status` (and `--check`), `check`, `drift` and
//! `repair`'s report.
//!
//! The migrations are read once per engine before any database is touched
//! (a broken file is reported with exit code 2, as with one database);
//! then [`migrate_core::fanout::run`] works on at most `--jobs` databases at
//! once, each with its own connection, lock and history. A line is printed
//! per database as it finishes, then the tally; or one JSON document at the
//! end. Exit code 0 when every database is ok, 1 when any failed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::executor::{Progress, RunOptions, StepReport};
use migrate_core::fanout::{self, Finished, Options, Outcome, Tally};
use migrate_core::plan::{Direction, PlanOptions, Request};
use migrate_core::status::MigrationState;
use migrate_core::{BackendExt, Error, HistoryRecord, Migrator, Source};
use serde_json::{Value, json};

use crate::cli::{CheckArgs, DriftArgs, Format, Global, RunArgs};
use crate::config::{Reading, Settings, Target};
use crate::registry::{Engine, Registry};
use crate::style::{self, Paint};

/// The command to run on every database.
pub enum Job {
    /// `migrate [APP [TARGET]]`, `--fake`, `--dry-run` and the history
    /// repairs of the default command.
    Migrate {
        /// What to move.
        request: Request,
        /// How (`--fake`, `--revert-orphans`...).
        plan: PlanOptions,
        /// `--use-file-down`.
        use_file_down: bool,
        /// `--dry-run`.
        dry_run: bool,
    },
    /// `migrate status [APP] [--check]`.
    Status {
        /// Only this app.
        app: Option<String>,
        /// A database with anything pending, partial, orphan, modified or
        /// out of order fails.
        check: bool,
    },
    /// `migrate drift`: a database that differs from what its migrations
    /// make fails.
    Drift {
        /// `--scratch`.
        scratch: Vec<String>,
    },
    /// `migrate repair` without an action: a database with a migration
    /// part way fails, and its report says what each repair would do.
    RepairReport,
    /// `migrate check`: the same files checked once per engine; each
    /// database gets its engine's verdict.
    Check(Arc<CheckArgs>),
}

impl Job {
    /// The default command's job.
    pub fn migrate(args: &RunArgs, dry_run: bool) -> Job {
        let request = match (&args.app, &args.target) {
            (Some(app), Some(target)) => Request::To {
                app: app.clone(),
                target: target.clone(),
            },
            (Some(app), None) => Request::App(app.clone()),
            _ => Request::All,
        };
        Job::Migrate {
            request,
            plan: PlanOptions {
                fake: args.fake,
                revert_orphans: args.revert_orphans,
                rewind: args.rewind,
                prune: args.prune,
                allow_out_of_order: args.allow_out_of_order,
            },
            use_file_down: args.use_file_down,
            dry_run,
        }
    }

    /// `migrate drift`'s job; `--write-migration` writes one file from one
    /// database and is refused with many.
    pub fn drift(args: &DriftArgs, settings: &Settings) -> Result<Job, Error> {
        if !args.write_migration.is_empty() {
            return Err(many_refused(
                "`migrate drift --write-migration` writes one migration from one database's schema",
                settings,
            ));
        }
        Ok(Job::Drift {
            scratch: args.scratch.clone(),
        })
    }

    /// Whether connecting may create the database.
    fn writes(&self) -> bool {
        matches!(self, Job::Migrate { dry_run: false, .. })
    }
}

/// The usage error of a command (or option) that works on one database
/// only, when several were named.
pub fn many_refused(what: &str, settings: &Settings) -> Error {
    Error::Usage(format!(
        "{what}, and {} were named ({}); name one with --database",
        describe_count(settings.targets.len()),
        settings
            .targets
            .iter()
            .take(3)
            .map(display_name)
            .collect::<Vec<_>>()
            .join(", ")
            + if settings.targets.len() > 3 {
                ", ..."
            } else {
                ""
            }
    ))
}

fn describe_count(n: usize) -> String {
    match n {
        1 => "1 database".to_string(),
        n => format!("{n} databases"),
    }
}

/// What one database's job reports.
struct Report {
    /// The `migrations` of its JSON entry (what ran, the status, ...).
    migrations: Value,
    /// Its text line: `3 applied`.
    summary: String,
    /// Why it failed.
    error: Option<String>,
    /// Other fields of its JSON entry (`differences` of drift).
    extra: Vec<(&'static str, Value)>,
}

impl Report {
    fn failed(error: &Error, target: &Target, migrations: Value) -> Report {
        Report {
            migrations,
            summary: String::new(),
            error: Some(migrate_core::redact::hide_password(
                &error.to_string(),
                &target.url,
            )),
            extra: Vec::new(),
        }
    }
}

/// What every database's job shares: read once per run.
struct Shared {
    registry: Arc<Registry>,
    settings: Settings,
    /// The migrations, read once per engine (by dialect name).
    sources: HashMap<String, Arc<Source>>,
    /// `user@host` and the folder's git commit, recorded with each change.
    run_options: RunOptions,
    job: Job,
    /// `check`'s verdict per engine, computed before the databases.
    checks: HashMap<String, Result<crate::commands::check::Verdict, String>>,
}

/// Runs `job` on every target of `settings` and prints the outcome; the
/// exit code is 0 when every database is ok, else 1.
pub async fn run(
    registry: Arc<Registry>,
    global: &Global,
    settings: &Settings,
    job: Job,
) -> Result<u8, Error> {
    // Every URL's engine, and the migrations for each engine, before any
    // database is touched: a typo or a broken file stops the run at once.
    let mut sources = HashMap::new();
    let mut engines = Vec::new();
    for target in &settings.targets {
        let engine = registry.for_url(&target.url).map_err(|e| {
            Error::Usage(format!(
                "{} (named by {})",
                migrate_core::redact::hide_password(&e.to_string(), &target.url),
                target.from
            ))
        })?;
        if let Some(schema) = &target.schema
            && !engine.dialect().capabilities().schemas
        {
            // Refused before the run, as with one database, rather than
            // failing each database of the engine.
            return Err(Error::Usage(format!(
                "schema `{schema}` for {} (named by {}): --schema is a PostgreSQL option; {} has no schemas",
                target.redacted(),
                target.from,
                engine.dialect().name()
            )));
        }
        let name = engine.dialect().name().to_string();
        if !engines.contains(&name) {
            // `check` reads the folder itself, once per engine it covers.
            if !matches!(job, Job::Check(_)) {
                let reading = match job {
                    Job::Migrate { .. } | Job::Status { .. } => Reading::Lazily,
                    _ => Reading::Whole,
                };
                let source = settings.read_source(engine.dialect(), reading)?;
                sources.insert(name.clone(), Arc::new(source));
            }
            engines.push(name);
        }
    }
    let mut checks = HashMap::new();
    if let Job::Check(args) = &job {
        for name in &engines {
            let first = settings
                .targets
                .iter()
                .find(|t| {
                    registry
                        .for_url(&t.url)
                        .is_ok_and(|e| e.dialect().name() == name)
                })
                .expect("every engine comes from a target");
            let verdict =
                crate::commands::check::verdict(&registry, &settings.for_target(first), args).await;
            let verdict = match verdict {
                // A bad option or file is the same for every database.
                Err(e @ (Error::Usage(_) | Error::InvalidSource(_))) => return Err(e),
                other => other.map_err(|e| e.to_string()),
            };
            checks.insert(name.clone(), verdict);
        }
    }
    let run_options = RunOptions {
        lock_timeout: settings.lock_timeout,
        applied_by: Some(crate::commands::actor()),
        source_commit: crate::commands::migrate::source_commit(&settings.dir),
        ..RunOptions::default()
    };
    let shared = Arc::new(Shared {
        registry,
        settings: settings.clone(),
        sources,
        run_options,
        job,
        checks,
    });
    let json = crate::is_json(global.format);
    let targets = settings.targets.clone();
    let options = Options {
        jobs: settings.jobs,
        fail_fast: settings.fail_fast,
    };
    // Ctrl-C (or SIGTERM) lets the databases at work finish, so that none
    // is left between two migrations by this run, and starts no other; a
    // second one ends the process at once.
    let interrupted = Arc::new(AtomicBool::new(false));
    let stop = {
        let interrupted = interrupted.clone();
        async move {
            crate::scratch::stop_signal().await;
            interrupted.store(true, Ordering::SeqCst);
            eprintln!(
                "Interrupted: finishing the databases at work and starting no other; interrupt again to stop at once."
            );
            tokio::spawn(async {
                crate::scratch::stop_signal().await;
                std::process::exit(130);
            });
        }
    };
    let outcomes = fanout::run_until(
        targets.clone(),
        options,
        |target| {
            let shared = shared.clone();
            async move { one(&shared, &target).await }
        },
        |index, outcome| {
            if !json {
                print_line(&targets[index], outcome, skip_reason(&interrupted));
            }
        },
        stop,
    )
    .await;
    let tally = Tally::of(&outcomes);
    if json {
        print_json(&targets, &outcomes, skip_reason(&interrupted));
    } else {
        let paint = if tally.failed > 0 {
            Paint::Failed
        } else {
            Paint::Ok
        };
        outln!("{}", style::out(tally.to_string(), paint));
    }
    Ok(if tally.failed > 0 || tally.skipped > 0 {
        1
    } else {
        0
    })
}

/// Why the databases not started were not.
fn skip_reason(interrupted: &AtomicBool) -> &'static str {
    if interrupted.load(Ordering::SeqCst) {
        "not started: the run was interrupted"
    } else {
        "not started, since another database failed (--fail-fast)"
    }
}

/// Runs the job on one database.
async fn one(shared: &Shared, target: &Target) -> Finished<Report> {
    let report = match &shared.job {
        Job::Check(_) => check(shared, target),
        _ => connected(shared, target).await,
    };
    let ok = report.error.is_none();
    Finished { value: report, ok }
}

/// The jobs that connect to the database.
async fn connected(shared: &Shared, target: &Target) -> Report {
    let fail = |e: Error| Report::failed(&e, target, json!([]));
    let engine = match shared.registry.for_url(&target.url) {
        Ok(engine) => engine,
        Err(e) => return fail(e),
    };
    let source = shared.sources[engine.dialect().name()].clone();
    let options = ConnectOptions {
        create: shared.job.writes(),
        schema: target.schema.clone(),
        ..shared.settings.connect.clone()
    };
    let mut backend = match engine.connect(&target.url, &options).await {
        Ok(backend) => backend,
        Err(e) => return fail(e),
    };
    if let Job::Drift { scratch } = &shared.job {
        let settings = shared.settings.for_target(target);
        let scratches = (scratch.as_slice(), engine);
        return drift(
            &shared.registry,
            &settings,
            scratches,
            source,
            backend,
            target,
        )
        .await;
    }
    let report = match &shared.job {
        Job::Migrate {
            request,
            plan,
            use_file_down,
            dry_run,
        } => {
            let options = RunOptions {
                plan: *plan,
                prefer_file_down: *use_file_down,
                ..shared.run_options.clone()
            };
            let migrator = Migrator::from_shared(source).with_options(options);
            if *dry_run {
                planned(&migrator, backend.as_mut(), request, target).await
            } else {
                migrated(&migrator, backend.as_mut(), request, target).await
            }
        }
        Job::Status { app, check } => {
            status(source, backend.as_mut(), app.as_deref(), *check, target).await
        }
        Job::RepairReport => repair_report(backend.as_mut(), target).await,
        Job::Drift { .. } | Job::Check(_) => unreachable!("handled before"),
    };
    let _ = backend.close().await;
    report
}

/// Collects the steps as they finish, so that a failure still reports
/// those done before it.
#[derive(Default)]
struct Collect(Vec<StepReport>);

impl Progress for Collect {
    fn step_finished(&mut self, report: &StepReport) {
        self.0.push(report.clone());
    }
}

async fn migrated(
    migrator: &Migrator,
    backend: &mut dyn Backend,
    request: &Request,
    target: &Target,
) -> Report {
    let mut steps = Collect::default();
    let result = migrator.execute(backend, request, &mut steps).await;
    let steps = steps.0;
    let migrations = json!(steps);
    match result {
        Ok(_) => Report {
            summary: steps_summary(&steps),
            migrations,
            error: None,
            extra: Vec::new(),
        },
        Err(e) => {
            let mut report = Report::failed(&e, target, migrations);
            if !steps.is_empty() {
                report.summary = format!("{} before the failure", steps_summary(&steps));
            }
            report
        }
    }
}

/// `3 applied, 1 unapplied (fake)`, or `up to date`.
fn steps_summary(steps: &[StepReport]) -> String {
    if steps.is_empty() {
        return "nothing to do".to_string();
    }
    let count = |direction: Direction, fake: bool| {
        steps
            .iter()
            .filter(|s| s.direction == direction && s.fake == fake)
            .count()
    };
    [
        (count(Direction::Apply, false), "applied"),
        (count(Direction::Apply, true), "applied (fake)"),
        (count(Direction::Unapply, false), "unapplied"),
        (count(Direction::Unapply, true), "unapplied (fake)"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect::<Vec<_>>()
    .join(", ")
}

async fn planned(
    migrator: &Migrator,
    backend: &mut dyn Backend,
    request: &Request,
    target: &Target,
) -> Report {
    let steps = migrator.plan(backend, request).await;
    match steps {
        Ok(steps) => Report {
            summary: format!("{} step(s) planned, nothing changed (dry run)", steps.len()),
            migrations: Value::Array(
                steps
                    .iter()
                    .map(crate::commands::migrate::step_json)
                    .collect(),
            ),
            error: None,
            extra: Vec::new(),
        },
        Err(e) => Report::failed(&e, target, json!([])),
    }
}

async fn status(
    source: Arc<Source>,
    backend: &mut dyn Backend,
    app: Option<&str>,
    check: bool,
    target: &Target,
) -> Report {
    let entries = Migrator::from_shared(source).status_of(backend, app).await;
    let entries = match entries {
        Ok(entries) => entries,
        Err(e) => return Report::failed(&e, target, json!([])),
    };
    let mut counts: Vec<(MigrationState, usize)> = Vec::new();
    for e in &entries {
        match counts.iter_mut().find(|(s, _)| *s == e.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.state, 1)),
        }
    }
    let word = |state: MigrationState| {
        serde_json::to_value(state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let summary = if counts.is_empty() {
        "no migrations".to_string()
    } else {
        counts
            .iter()
            .map(|(state, n)| format!("{n} {}", word(*state)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unsettled: Vec<String> = counts
        .iter()
        .filter(|(state, _)| !state.is_settled())
        .map(|(state, n)| format!("{n} {}", word(*state)))
        .collect();
    if check && !unsettled.is_empty() {
        return Report {
            migrations: json!(entries),
            summary: String::new(),
            error: Some(format!("not up to date: {summary}")),
            extra: Vec::new(),
        };
    }
    Report {
        migrations: json!(entries),
        summary,
        error: None,
        extra: Vec::new(),
    }
}

async fn repair_report(backend: &mut dyn Backend, target: &Target) -> Report {
    let cases = migrate_core::repair::inspect(backend).await;
    match cases {
        Ok(cases) if cases.is_empty() => Report {
            migrations: json!([]),
            summary: "no migration is part way".to_string(),
            error: None,
            extra: Vec::new(),
        },
        Ok(cases) => {
            let keys: Vec<String> = cases.iter().map(|c| c.key.to_string()).collect();
            Report {
                migrations: json!(cases),
                summary: String::new(),
                error: Some(format!(
                    "{} part way: {}; `migrate repair --database {}` says what each repair would do",
                    if cases.len() == 1 {
                        "1 migration".to_string()
                    } else {
                        format!("{} migrations", cases.len())
                    },
                    keys.join(", "),
                    target.redacted()
                )),
                extra: Vec::new(),
            }
        }
        Err(e) => Report::failed(&e, target, json!([])),
    }
}

async fn drift(
    registry: &Registry,
    settings: &Settings,
    (scratch, engine): (&[String], &dyn Engine),
    source: Arc<Source>,
    mut backend: Box<dyn Backend>,
    target: &Target,
) -> Report {
    let read = async {
        let history = backend.load_history().await?;
        let live = backend.inspect().await?;
        Ok::<_, Error>((history, live))
    }
    .await;
    let _ = backend.close().await;
    let (history, live) = match read {
        Ok(read) => read,
        Err(e) => return Report::failed(&e, target, json!([])),
    };
    let applied: Vec<HistoryRecord> =
        match migrate_core::drift::applied_in_order(&history, Some(&source)) {
            Ok(applied) => applied.into_iter().cloned().collect(),
            Err(e) => return Report::failed(&e, target, json!([])),
        };
    let migrations = Value::Array(
        applied
            .iter()
            .map(|r| json!({"app": r.app, "name": r.name}))
            .collect(),
    );
    let count = applied.len();
    let job = move |mut scratch: Box<dyn Backend>| async move {
        let refs: Vec<&HistoryRecord> = applied.iter().collect();
        let expected = match migrate_core::drift::replay(scratch.as_mut(), &refs).await {
            Ok(()) => scratch.inspect().await,
            Err(e) => Err(e),
        };
        let _ = scratch.close().await;
        expected
    };
    let expected =
        match crate::scratch::run(registry, settings, scratch, engine, "cannot compare", job).await
        {
            Ok(Ok((_, Ok(expected)))) => expected,
            Ok(Ok((_, Err(e)))) | Err(e) => return Report::failed(&e, target, migrations),
            Ok(Err(why)) => return Report::failed(&Error::Refused(why), target, migrations),
        };
    let report = migrate_core::drift::compare(&expected, &live, engine.dialect());
    let differences = json!(report.differences);
    let (summary, error) = if report.is_clean() {
        (
            format!("no drift from its {count} applied migration(s)"),
            None,
        )
    } else {
        (
            String::new(),
            Some(format!(
                "drift: the schema differs from what its {count} applied migration(s) make in {} way(s): {}",
                report.differences.len(),
                report
                    .differences
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        )
    };
    Report {
        migrations,
        summary,
        error,
        extra: vec![("differences", differences)],
    }
}

fn check(shared: &Shared, target: &Target) -> Report {
    let name = shared
        .registry
        .for_url(&target.url)
        .map(|e| e.dialect().name().to_string())
        .unwrap_or_default();
    match shared.checks.get(&name) {
        Some(Ok(verdict)) => Report {
            migrations: verdict.migrations.clone(),
            summary: verdict.summary.clone(),
            error: verdict.failure.clone(),
            extra: vec![("proofs", verdict.proofs.clone())],
        },
        Some(Err(e)) => Report {
            migrations: json!([]),
            summary: String::new(),
            error: Some(migrate_core::redact::hide_password(e, &target.url)),
            extra: Vec::new(),
        },
        None => Report {
            migrations: json!([]),
            summary: String::new(),
            error: Some(format!("no check was run for the engine `{name}`")),
            extra: Vec::new(),
        },
    }
}

/// `postgres://u:***@h/db (schema tenant_1)`.
fn display_name(target: &Target) -> String {
    match &target.schema {
        Some(schema) => format!("{} (schema {schema})", target.redacted()),
        None => target.redacted(),
    }
}

/// One database's line, printed as it finishes:
/// `ok      sqlite://t1.db: 3 applied (12 ms)`.
fn print_line(target: &Target, outcome: &Outcome<Report>, skipped: &str) {
    let name = display_name(target);
    let ms = outcome.duration().as_millis();
    match outcome {
        Outcome::Done {
            value, ok: true, ..
        } => outln!(
            "{} {name}: {} ({ms} ms)",
            style::out(format!("{:<7}", "ok"), Paint::Ok),
            value.summary
        ),
        Outcome::Done { value, .. } => {
            // The time first: the error may run over several lines.
            let error = value.error.as_deref().unwrap_or("failed");
            let before = if value.summary.is_empty() {
                String::new()
            } else {
                format!("; {}", value.summary)
            };
            outln!(
                "{} {name} ({ms} ms{before}): {}",
                style::out(format!("{:<7}", "failed"), Paint::Failed),
                indent(error)
            )
        }
        Outcome::Crashed { message, .. } => outln!(
            "{} {name} ({ms} ms): {}",
            style::out(format!("{:<7}", "failed"), Paint::Failed),
            migrate_core::redact::hide_password(message, &target.url)
        ),
        Outcome::Skipped => outln!(
            "{} {name}: {skipped}",
            style::out(format!("{:<7}", "skipped"), Paint::Warning),
        ),
    }
}

/// A message of several lines, indented under its database's line.
fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n    ")
}

fn print_json(targets: &[Target], outcomes: &[Outcome<Report>], skipped: &str) {
    let databases: Vec<Value> = targets
        .iter()
        .zip(outcomes)
        .map(|(target, outcome)| {
            let mut entry = serde_json::Map::new();
            entry.insert("database".into(), json!(target.redacted()));
            if let Some(schema) = &target.schema {
                entry.insert("schema".into(), json!(schema));
            }
            let (result, error, migrations) = match outcome {
                Outcome::Done { value, ok, .. } => (
                    if *ok { "ok" } else { "failed" },
                    json!(value.error),
                    value.migrations.clone(),
                ),
                Outcome::Crashed { message, .. } => (
                    "failed",
                    json!(migrate_core::redact::hide_password(message, &target.url)),
                    json!([]),
                ),
                Outcome::Skipped => ("skipped", json!(skipped), json!([])),
            };
            entry.insert("result".into(), json!(result));
            entry.insert("error".into(), error);
            entry.insert("migrations".into(), migrations);
            if let Outcome::Done { value, .. } = outcome {
                for (key, extra) in &value.extra {
                    entry.insert((*key).into(), extra.clone());
                }
            }
            entry.insert(
                "duration_ms".into(),
                json!(outcome.duration().as_millis() as u64),
            );
            Value::Object(entry)
        })
        .collect();
    crate::print_json(&json!({ "databases": databases }));
}

/// The line on standard error that says which databases a run works on,
/// in place of the single database's `Database:` line.
pub fn databases_line(format: Format, settings: &Settings) {
    if format != Format::Text {
        return;
    }
    // `tenants.txt:3, --schema flag` counts as `tenants.txt, --schema flag`.
    let mut from: Vec<String> = Vec::new();
    for t in &settings.targets {
        for part in t.from.split(", ") {
            let place = match part.rsplit_once(':') {
                Some((file, line)) if line.parse::<usize>().is_ok() => file,
                _ => part,
            };
            if !from.iter().any(|f| f == place) {
                from.push(place.to_string());
            }
        }
    }
    eprintln!(
        "Databases: {} {}",
        describe_count(settings.targets.len()),
        style::err(
            format_args!(
                "(from {}; {} at a time)",
                from.join(", "),
                settings.jobs.min(settings.targets.len())
            ),
            Paint::Dim
        )
    );
}
