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
mod output;
pub mod registry;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use registry::{Engine, Registry};

use crate::cli::{Cli, Command, Format};

/// Runs the `migrate` command line of a binary with these engines, on the
/// process's arguments.
pub fn main(registry: Registry) -> ExitCode {
    main_with(registry, std::env::args_os())
}

/// Runs the `migrate` command line on `args` (the first is the program's
/// name).
pub fn main_with(registry: Registry, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = Cli::parse_from(args);
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let format = cli.global.format;
    match runtime.block_on(run(cli, &registry)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::error(format, &e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs the command; `Ok` carries the exit code of a command that reported
/// its own outcome (a JSON document that holds both steps and error).
async fn run(cli: Cli, registry: &Registry) -> Result<u8, migrate_core::Error> {
    let settings = config::Settings::resolve(&cli.global)?;
    match cli.command {
        None if cli.run.check => {
            if cli.run.target.is_some() {
                return Err(migrate_core::Error::Usage(
                    "`migrate --check` takes an app, not a target: it reports whether that app (or every app) is up to date".into(),
                ));
            }
            commands::status::run(
                registry,
                &cli.global,
                &settings,
                cli.run.app.as_deref(),
                true,
            )
            .await
        }
        None => commands::migrate::run(registry, &cli.global, &settings, &cli.run).await,
        Some(Command::Status { app, check }) => {
            commands::status::run(registry, &cli.global, &settings, app.as_deref(), check).await
        }
        Some(Command::Sql {
            app,
            migration,
            backwards,
            dialect,
        }) => commands::sql::run(
            registry,
            &cli.global,
            &settings,
            &app,
            &migration,
            backwards,
            dialect.as_deref(),
        )
        .map(|()| 0),
        Some(Command::Log { app }) => {
            commands::log::run(registry, &cli.global, &settings, app.as_deref())
                .await
                .map(|()| 0)
        }
        Some(Command::Repair(args)) => {
            commands::repair::run(registry, &cli.global, &settings, &args)
                .await
                .map(|()| 0)
        }
        Some(Command::Check(args)) => {
            commands::check::run(registry, &cli.global, &settings, &args).await
        }
        Some(Command::New {
            app,
            name,
            portable,
        }) => commands::new::run(&cli.global, &settings, &app, &name, portable).map(|()| 0),
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
