//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Database schema migrations per app, Django style, for SQLite, PostgreSQL
/// and MySQL/MariaDB.
///
/// Without a command: `migrate` moves every app to its latest migration,
/// `migrate APP` one app, `migrate APP TARGET` one app to TARGET in either
/// direction (TARGET: a number prefix such as 0002, a full name, any
/// unambiguous prefix, or `zero`).
#[derive(Debug, Parser)]
#[command(name = "migrate", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Database URL, or a name from `[databases]` in migrate.toml. Default:
    /// DATABASE_URL (environment or .env), then migrate.toml's `database`,
    /// then sqlite://migrate.db.
    #[arg(long, global = true, value_name = "URL|NAME")]
    pub database: Option<String>,

    /// The migrations folder (one subfolder per app).
    #[arg(long, global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print the plan and its SQL; change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Name of the history table.
    #[arg(long, global = true, value_name = "NAME")]
    pub history_table: Option<String>,

    /// PostgreSQL schema that holds the history table and comes first in
    /// the search path of the migrations.
    #[arg(long, global = true, value_name = "NAME")]
    pub schema: Option<String>,

    /// Seconds to wait for another run's migration lock.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// A statement to run on the migration connection before anything else
    /// (repeatable), such as `SET FOREIGN_KEY_CHECKS = 0`.
    #[arg(long = "init", global = true, value_name = "SQL")]
    pub init: Vec<String>,

    /// Configuration file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "migrate.toml"
    )]
    pub config: PathBuf,

    /// Log what happens (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For machines: one JSON document on standard output.
    Json,
}

/// The arguments of the default command (`migrate [APP [TARGET]]`).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The app to migrate; every app when omitted.
    pub app: Option<String>,

    /// Where to move the app: a migration name or prefix, or `zero`.
    pub target: Option<String>,

    /// Move the history only; run no statement (both directions).
    #[arg(long)]
    pub fake: bool,

    /// First undo orphans (applied migrations whose files are gone) with the
    /// down statements stored when they were applied, newest first.
    #[arg(long, conflicts_with_all = ["rewind", "prune"])]
    pub revert_orphans: bool,

    /// First undo everything applied after the earliest orphan of its app,
    /// and the orphans, then apply the rest again in order.
    #[arg(long, conflicts_with = "prune")]
    pub rewind: bool,

    /// Forget orphans without running anything (their changes were undone
    /// by hand).
    #[arg(long)]
    pub prune: bool,

    /// Apply pending migrations numbered below ones already applied (from a
    /// merged branch).
    #[arg(long)]
    pub allow_out_of_order: bool,

    /// Unapply with the down section in the file, not the down statements
    /// stored when the migration was applied.
    #[arg(long)]
    pub use_file_down: bool,

    /// Run nothing: exit 1 when anything is pending, partial, orphan,
    /// modified or out of order, 0 when the database is up to date (as
    /// `migrate status --check`).
    #[arg(long, conflicts_with_all = ["fake", "revert_orphans", "rewind", "prune", "allow_out_of_order", "use_file_down"])]
    pub check: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per app, every migration and its state: `[X]` applied, `[ ]` pending,
    /// and every abnormal state.
    #[command(visible_alias = "showmigrations")]
    Status {
        /// Only this app.
        app: Option<String>,
        /// Exit 1 when anything is pending, partial, orphan, modified or
        /// out of order (for CI); changes nothing.
        #[arg(long)]
        check: bool,
    },

    /// Print the statements a migration runs on this engine, as they run.
    #[command(visible_alias = "sqlmigrate")]
    Sql {
        /// The app.
        app: String,
        /// The migration: name or unambiguous prefix.
        migration: String,
        /// The down direction.
        #[arg(long)]
        backwards: bool,
        /// Render for this engine instead of the database's (no connection
        /// is made either way).
        #[arg(long, value_name = "sqlite|postgres|mysql")]
        dialect: Option<String>,
    },

    /// The audit log: every apply, unapply, fake, accept and prune, with
    /// when, by whom and what ran.
    Log {
        /// Only this app.
        app: Option<String>,
    },

    /// Resolve what a failed or interrupted journaled migration left part
    /// way, or accept an edited migration. Without an action: what ran,
    /// what failed, and the exact SQL each action would run.
    Repair(RepairArgs),

    /// How safe each migration is to run and to roll back on every engine:
    /// findings read from the files, and a proof on scratch databases
    /// (apply, fill with rows, unapply, compare, apply again).
    Check(CheckArgs),

    /// Create the next numbered migration file of an app.
    New {
        /// The app (its folder is created when new).
        app: String,
        /// What the migration does, in snake_case: `add_dob`.
        name: String,
        /// A portable migration (`.toml` operations rendered for each
        /// engine) instead of SQL.
        #[arg(long)]
        portable: bool,
    },
}

/// `migrate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this app.
    pub app: Option<String>,
    /// Only this migration of the app (name or unambiguous prefix).
    pub migration: Option<String>,
    /// The engines to check (default: the database's, plus `[check]
    /// engines` in migrate.toml).
    #[arg(long, value_delimiter = ',', value_name = "sqlite,postgres,mysql")]
    pub engine: Vec<String>,
    /// A server to create the scratch database on, one per server engine
    /// (default for the database's engine: its own server). SQLite uses a
    /// temporary file.
    #[arg(long, value_name = "URL")]
    pub scratch: Vec<String>,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_name = "error|warning", default_value = "error")]
    pub fail_on: String,
    /// Read the files only: no scratch database, no proof.
    #[arg(long)]
    pub no_proof: bool,
}

/// `migrate repair`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("action").multiple(false))]
pub struct RepairArgs {
    /// Undo what ran, newest first, with the inverses recorded before each
    /// statement: as if the migration never started.
    #[arg(long, group = "action")]
    pub undo: bool,

    /// After fixing the failing statement in the file: run the rest and
    /// record the migration as applied.
    #[arg(long, group = "action")]
    pub resume: bool,

    /// You finished the migration by hand: record it as applied (after
    /// checking the database where it can be checked).
    #[arg(long, group = "action", requires = "name")]
    pub mark_applied: bool,

    /// You undid the migration by hand: forget it (after checking the
    /// database where it can be checked).
    #[arg(long, group = "action", requires = "name")]
    pub forget: bool,

    /// Record the new checksum of an applied migration whose file was
    /// edited.
    #[arg(long, group = "action", requires = "name")]
    pub accept: bool,

    /// The app (needed when several migrations are part way).
    pub app: Option<String>,

    /// The migration: name or unambiguous prefix.
    pub name: Option<String>,

    /// A statement in doubt after a crash, which the database cannot
    /// answer for, did run.
    #[arg(long, conflicts_with = "assume_not_ran")]
    pub assume_ran: bool,

    /// A statement in doubt after a crash did not run.
    #[arg(long)]
    pub assume_not_ran: bool,

    /// With --resume of a migration stopped while unapplying: finish with
    /// the down section of the file as it is now (after fixing it), not
    /// the down statements stored when it was applied.
    #[arg(long, requires = "resume")]
    pub use_file_down: bool,

    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// First end the server session that holds the migration lock: a
    /// killed run whose statement the server still executes (its
    /// transaction rolls back). Then repair as asked.
    #[arg(long)]
    pub cancel_running: bool,
}
