//! The `migrate` command line as a library: [`main`] parses the command
//! line, resolves settings, runs one command and maps its outcome to an
//! exit code (0 done, 1 the database or a statement failed, 2 bad usage or
//! invalid source, 3 refused because of the database's state).
//!
//! The engines come from a [`Registry`] of URL schemes, so that a binary
//! with another engine is a few lines: see [`registry`]. Commands do no
//! migration logic of their own: they call `migrate_core`'s
//! [`migrate_core::Migrator`] and its repair and status functions, and
//! print.
#![warn(missing_docs)]

/// `println!` that a closed standard output cannot stop: the text is
/// dropped and the command goes on (a migration piped into `head` still
/// finishes and records what it did).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that a closed standard output cannot stop; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::out(format_args!($($arg)*))
    };
}

mod cli;
mod commands;
mod config;
mod fanout;
mod output;
mod progress;
pub mod registry;
mod scratch;
mod style;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};

pub use registry::{Engine, Registry};

use crate::cli::{Cli, ColorChoice, Command, Format, Global};

/// Runs the `migrate` command line of a binary with these engines, on the
/// process's arguments.
pub fn main(registry: Registry) -> ExitCode {
    main_with(registry, std::env::args_os())
}

/// Runs the `migrate` command line on `args` (the first is the program's
/// name).
pub fn main_with(registry: Registry, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = parse(&args);
    let global = match cli.global() {
        Ok(global) => global,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    style::init(global.color, global.format);
    if let Some(Command::Completions { shell }) = cli.command {
        print_completions(shell);
        return ExitCode::SUCCESS;
    }
    init_tracing(global.verbose);
    let format = global.format;
    let settings = match config::Settings::resolve(&global) {
        Ok(settings) => settings,
        Err(e) => {
            output::error(format, &e);
            return ExitCode::from(e.exit_code());
        }
    };
    // One database needs one worker: its statements run one after another.
    // Many databases worked on at once use the cores there are.
    let workers = if settings.many {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        settings.jobs.min(cores).max(1)
    } else {
        1
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let registry = Arc::new(registry);
    match runtime.block_on(run(cli, &global, settings, registry)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::error(format, &e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Parses the command line, exiting with clap's message (and code 2) when
/// it cannot be. Help and clap's errors are coloured as `--color` says,
/// which clap cannot know before parsing: it is looked for first.
fn parse(args: &[OsString]) -> Cli {
    let color = match color_flag(args) {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let matches = Cli::command()
        .color(color)
        .try_get_matches_from(args)
        .unwrap_or_else(|e| e.exit());
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The value of `--color` (the last one given), before parsing.
fn color_flag(args: &[OsString]) -> Option<ColorChoice> {
    let mut choice = None;
    let mut args = args.iter().filter_map(|a| a.to_str());
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--color") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        choice = match value {
            Some("always") => Some(ColorChoice::Always),
            Some("never") => Some(ColorChoice::Never),
            Some("auto") => Some(ColorChoice::Auto),
            _ => choice,
        };
    }
    choice
}

/// Writes the completion script of `shell` on standard output.
fn print_completions(shell: cli::Shell) {
    use clap_complete::Shell as S;
    let shell = match shell {
        cli::Shell::Bash => S::Bash,
        cli::Shell::Zsh => S::Zsh,
        cli::Shell::Fish => S::Fish,
        cli::Shell::Powershell => S::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "migrate", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
}

/// The names a command is called by (its name and visible aliases), for
/// telling a mistyped command from an unknown app.
pub(crate) fn command_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .flat_map(|c| {
            std::iter::once(c.get_name().to_string())
                .chain(c.get_visible_aliases().map(str::to_string))
        })
        .collect()
}

/// Runs the command; `Ok` carries the exit code of a command that reported
/// its own outcome (a JSON document that holds both steps and error).
async fn run(
    cli: Cli,
    global: &Global,
    settings: config::Settings,
    shared_registry: Arc<Registry>,
) -> Result<u8, migrate_core::Error> {
    let registry = shared_registry.as_ref();
    // A command that works on one database runs as usual on the one a list
    // file or a group named; with more, it is refused in `run_many`.
    let settings = if !settings.many {
        settings
    } else if settings.targets.len() == 1 && works_on_one(&cli) {
        settings.for_target(&settings.targets[0])
    } else {
        return run_many(cli, global, &settings, shared_registry).await;
    };
    let settings = &settings;
    let connects = !matches!(
        cli.command,
        Some(
            Command::Sql { .. }
                | Command::New { .. }
                | Command::Squash { .. }
                | Command::Completions { .. }
        )
    );
    if connects {
        output::database_line(global.format, settings);
    }
    match cli.command {
        None if cli.run.check => {
            if cli.run.target.is_some() {
                return Err(migrate_core::Error::Usage(
                    "`migrate --check` takes an app, not a target: it reports whether that app (or every app) is up to date".into(),
                ));
            }
            commands::status::run(registry, global, settings, cli.run.app.as_deref(), true).await
        }
        None => commands::migrate::run(registry, global, settings, &cli.run).await,
        Some(Command::Status { app, check, .. }) => {
            commands::status::run(registry, global, settings, app.as_deref(), check).await
        }
        Some(Command::Sql {
            app,
            migration,
            backwards,
            dialect,
            ..
        }) => commands::sql::run(
            registry,
            global,
            settings,
            &app,
            &migration,
            backwards,
            dialect.as_deref(),
        )
        .map(|()| 0),
        Some(Command::Log { app, .. }) => {
            commands::log::run(registry, global, settings, app.as_deref())
                .await
                .map(|()| 0)
        }
        Some(Command::Repair(args)) => commands::repair::run(registry, global, settings, &args)
            .await
            .map(|()| 0),
        Some(Command::Check(args)) => commands::check::run(registry, global, settings, &args).await,
        Some(Command::Adopt(args)) => commands::adopt::run(registry, global, settings, &args).await,
        Some(Command::Drift(args)) => commands::drift::run(registry, global, settings, &args).await,
        Some(Command::New {
            app,
            name,
            portable,
            ..
        }) => commands::new::run(global, settings, &app, &name, portable).map(|()| 0),
        Some(Command::Squash {
            app,
            from,
            to,
            name,
            dialect,
            ..
        }) => commands::squash::run(
            registry,
            global,
            settings,
            &app,
            &from,
            &to,
            name.as_deref(),
            dialect.as_deref(),
        )
        .map(|()| 0),
        // Printed before the runtime starts; here for completeness.
        Some(Command::Completions { shell }) => {
            print_completions(shell);
            Ok(0)
        }
    }
}

/// Runs a command on many databases, or refuses one that works on one
/// database at a time.
async fn run_many(
    cli: Cli,
    global: &Global,
    settings: &config::Settings,
    registry: Arc<Registry>,
) -> Result<u8, migrate_core::Error> {
    use fanout::{Job, many_refused};
    let job = match cli.command {
        None if cli.run.check => {
            if cli.run.target.is_some() {
                return Err(migrate_core::Error::Usage(
                    "`migrate --check` takes an app, not a target: it reports whether that app (or every app) is up to date".into(),
                ));
            }
            Job::Status {
                app: cli.run.app.clone(),
                check: true,
            }
        }
        None => Job::migrate(&cli.run, global.dry_run),
        Some(Command::Status { app, check, .. }) => Job::Status { app, check },
        Some(Command::Check(args)) => Job::Check(Arc::new(args)),
        Some(Command::Drift(args)) => Job::drift(&args, settings)?,
        Some(Command::Repair(_)) if works_on_one(&cli) => {
            return Err(many_refused(
                "a repair that changes the database works on one database at a time",
                settings,
            ));
        }
        Some(Command::Repair(_)) => Job::RepairReport,
        Some(command) => {
            return Err(many_refused(
                &format!("`migrate {}` works on one database", command.name()),
                settings,
            ));
        }
    };
    fanout::databases_line(global.format, settings);
    fanout::run(registry, global, settings, job).await
}

/// Whether the command changes or reads one database in a way that cannot
/// be repeated over many: a repair action, `drift --write-migration`,
/// `log`, `adopt`, `sql`, `new`.
fn works_on_one(cli: &Cli) -> bool {
    match &cli.command {
        None | Some(Command::Status { .. } | Command::Check(_)) => false,
        Some(Command::Repair(args)) => {
            args.undo
                || args.resume
                || args.mark_applied
                || args.forget
                || args.accept
                || args.cancel_running
        }
        Some(Command::Drift(args)) => !args.write_migration.is_empty(),
        Some(_) => true,
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MIGRATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init()
        .ok();
}

/// Prints JSON for `--format json`.
pub(crate) fn print_json(value: &serde_json::Value) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values serialize")
    );
}

/// `true` when output is for machines.
pub(crate) fn is_json(format: Format) -> bool {
    format == Format::Json
}
