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
///
/// Options placed before a command are that command's, when it takes them
/// (`migrate --database prod status`); each command's `--help` lists those
/// it takes.
#[derive(Debug, Parser)]
#[command(name = "migrate", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub locking: LockArgs,
    #[command(flatten)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    pub fanout: FanoutArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of every command but `completions`.
#[derive(Debug, Default, Args)]
pub struct Common {
    /// The migrations folder (one subfolder per app). Default: `dir` in
    /// migrate.toml, else `migrations`.
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// Read the folder as another tool lays it out (one app named after
    /// the folder) [default: recognized from its files].
    #[arg(
        long,
        value_name = "diesel|sqlx|golang-migrate|flyway|refinery|migrate"
    )]
    pub layout: Option<String>,

    /// Output format [default: text].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Configuration file; an error when given and missing [default:
    /// migrate.toml, when present].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// When to colour the output: `auto` on a terminal, unless NO_COLOR is
    /// set (CLICOLOR_FORCE forces it); never with `--format json`
    /// [default: auto].
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Log what happens (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The database, for the commands that connect (and `sql`, whose engine
/// it chooses).
#[derive(Debug, Default, Args)]
pub struct DatabaseArg {
    /// Database URL, a name from `[databases]` in migrate.toml, or a group
    /// from its `[groups]` (repeatable: every database named is a target of
    /// its own). Default: DATABASE_URL from the environment, then
    /// migrate.toml's `database`, then DATABASE_URL from .env, then
    /// sqlite://migrate.db.
    #[arg(long, value_name = "URL|NAME")]
    pub database: Vec<String>,

    /// A file naming databases, one URL or migrate.toml name per line
    /// (blank lines and lines starting with # are skipped); each is a
    /// target of its own, besides any `--database`.
    #[arg(long, value_name = "FILE")]
    pub databases: Option<PathBuf>,
}

/// How a command runs on many databases, for the commands that can.
#[derive(Debug, Default, Args)]
pub struct FanoutArgs {
    /// With several databases (or schemas): how many are worked on at once
    /// [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// With several databases (or schemas): after one fails, start no
    /// other (those not started are reported `skipped`).
    #[arg(long)]
    pub fail_fast: bool,
}

/// Where the history lives, for the commands that read or write it.
#[derive(Debug, Default, Args)]
pub struct HistoryArgs {
    /// Name of the history table.
    #[arg(long, value_name = "NAME")]
    pub history_table: Option<String>,

    /// PostgreSQL schema that holds the history table and comes first in
    /// the search path of the migrations (repeatable: each schema is a
    /// target of its own, with its own history and lock).
    #[arg(long, value_name = "NAME")]
    pub schema: Vec<String>,

    /// PostgreSQL: a file naming schemas, one per line (blank lines and
    /// lines starting with # are skipped); each is a target of its own.
    #[arg(long, value_name = "FILE")]
    pub schemas: Option<PathBuf>,
}

/// Session set-up, for the commands that run migration statements.
#[derive(Debug, Default, Args)]
pub struct SessionArgs {
    /// A statement to run on the migration connection before anything else
    /// (repeatable), such as `SET FOREIGN_KEY_CHECKS = 0`.
    #[arg(long = "init", value_name = "SQL")]
    pub init: Vec<String>,
}

/// The migration lock, for the commands that take it.
#[derive(Debug, Default, Args)]
pub struct LockArgs {
    /// Seconds to wait for another run's migration lock.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
}

/// `--dry-run`, for the commands that change the database.
#[derive(Debug, Default, Args)]
pub struct DryRunArg {
    /// Print the plan and its SQL; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Every option, resolved: those given before the command merged with the
/// command's own (which win).
#[derive(Debug, Default)]
pub struct Global {
    /// `--database`, each time it was given.
    pub database: Vec<String>,
    /// `--databases`.
    pub databases: Option<PathBuf>,
    /// `--dir`.
    pub dir: Option<PathBuf>,
    /// `--layout`.
    pub layout: Option<String>,
    /// `--format`.
    pub format: Format,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--history-table`.
    pub history_table: Option<String>,
    /// `--schema`, each time it was given.
    pub schema: Vec<String>,
    /// `--schemas`.
    pub schemas: Option<PathBuf>,
    /// `--jobs`.
    pub jobs: Option<u16>,
    /// `--fail-fast`.
    pub fail_fast: bool,
    /// `--lock-timeout`.
    pub lock_timeout: Option<u64>,
    /// `--init`, in order, those before the command first.
    pub init: Vec<String>,
    /// `--config`, when given.
    pub config: Option<PathBuf>,
    /// `--color`.
    pub color: ColorChoice,
    /// `-v`.
    pub verbose: u8,
}

/// A group of options as parsed in one place (before the command, or
/// after it).
trait Group {
    /// The first option of the group that was given, as typed.
    fn given(&self) -> Option<&'static str>;
    /// Copies what was given into `global`, over what is there.
    fn merge_into(&self, global: &mut Global);
}

impl Group for Common {
    fn given(&self) -> Option<&'static str> {
        [
            (self.dir.is_some(), "--dir"),
            (self.layout.is_some(), "--layout"),
            (self.format.is_some(), "--format"),
            (self.config.is_some(), "--config"),
            (self.color.is_some(), "--color"),
            (self.verbose > 0, "--verbose"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }
    fn merge_into(&self, g: &mut Global) {
        merge(&mut g.dir, &self.dir);
        merge(&mut g.layout, &self.layout);
        if let Some(format) = self.format {
            g.format = format;
        }
        merge(&mut g.config, &self.config);
        if let Some(color) = self.color {
            g.color = color;
        }
        g.verbose += self.verbose;
    }
}

impl Group for DatabaseArg {
    fn given(&self) -> Option<&'static str> {
        [
            (!self.database.is_empty(), "--database"),
            (self.databases.is_some(), "--databases"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }
    fn merge_into(&self, g: &mut Global) {
        merge_list(&mut g.database, &self.database);
        merge(&mut g.databases, &self.databases);
    }
}

impl Group for FanoutArgs {
    fn given(&self) -> Option<&'static str> {
        [
            (self.jobs.is_some(), "--jobs"),
            (self.fail_fast, "--fail-fast"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }
    fn merge_into(&self, g: &mut Global) {
        merge(&mut g.jobs, &self.jobs);
        g.fail_fast |= self.fail_fast;
    }
}

impl Group for HistoryArgs {
    fn given(&self) -> Option<&'static str> {
        [
            (self.history_table.is_some(), "--history-table"),
            (!self.schema.is_empty(), "--schema"),
            (self.schemas.is_some(), "--schemas"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }
    fn merge_into(&self, g: &mut Global) {
        merge(&mut g.history_table, &self.history_table);
        merge_list(&mut g.schema, &self.schema);
        merge(&mut g.schemas, &self.schemas);
    }
}

impl Group for SessionArgs {
    fn given(&self) -> Option<&'static str> {
        (!self.init.is_empty()).then_some("--init")
    }
    fn merge_into(&self, g: &mut Global) {
        g.init.extend(self.init.iter().cloned());
    }
}

impl Group for LockArgs {
    fn given(&self) -> Option<&'static str> {
        self.lock_timeout.is_some().then_some("--lock-timeout")
    }
    fn merge_into(&self, g: &mut Global) {
        merge(&mut g.lock_timeout, &self.lock_timeout);
    }
}

impl Group for DryRunArg {
    fn given(&self) -> Option<&'static str> {
        self.dry_run.then_some("--dry-run")
    }
    fn merge_into(&self, g: &mut Global) {
        g.dry_run |= self.dry_run;
    }
}

fn merge<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
    if from.is_some() {
        into.clone_from(from);
    }
}

/// A repeatable option given after the command replaces the values given
/// before it, as a single option does.
fn merge_list(into: &mut Vec<String>, from: &[String]) {
    if !from.is_empty() {
        into.clear();
        into.extend(from.iter().cloned());
    }
}

/// The option groups a command takes (`None`: it takes none of that
/// group, and one given before the command is an error, not ignored).
#[derive(Default)]
struct Takes<'a> {
    common: Option<&'a Common>,
    database: Option<&'a DatabaseArg>,
    history: Option<&'a HistoryArgs>,
    session: Option<&'a SessionArgs>,
    locking: Option<&'a LockArgs>,
    dry_run: Option<&'a DryRunArg>,
    fanout: Option<&'a FanoutArgs>,
}

impl Command {
    /// The name the command is called by, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Status { .. } => "status",
            Command::Sql { .. } => "sql",
            Command::Log { .. } => "log",
            Command::Repair(_) => "repair",
            Command::Check(_) => "check",
            Command::Drift(_) => "drift",
            Command::Adopt(_) => "adopt",
            Command::New { .. } => "new",
            Command::Squash { .. } => "squash",
            Command::Completions { .. } => "completions",
        }
    }

    fn takes(&self) -> Takes<'_> {
        match self {
            Command::Status {
                common,
                database,
                history,
                fanout,
                ..
            } => Takes {
                common: Some(common),
                database: Some(database),
                history: Some(history),
                fanout: Some(fanout),
                ..Takes::default()
            },
            Command::Log {
                common,
                database,
                history,
                ..
            } => Takes {
                common: Some(common),
                database: Some(database),
                history: Some(history),
                ..Takes::default()
            },
            Command::Sql {
                common, database, ..
            } => Takes {
                common: Some(common),
                database: Some(database),
                ..Takes::default()
            },
            Command::Repair(args) => Takes {
                common: Some(&args.common),
                database: Some(&args.database),
                history: Some(&args.history),
                session: Some(&args.session),
                locking: Some(&args.locking),
                dry_run: Some(&args.dry_run),
                fanout: Some(&args.fanout),
            },
            Command::Check(args) => Takes {
                common: Some(&args.common),
                database: Some(&args.database),
                history: Some(&args.history),
                session: Some(&args.session),
                fanout: Some(&args.fanout),
                ..Takes::default()
            },
            Command::Drift(args) => Takes {
                common: Some(&args.common),
                database: Some(&args.database),
                history: Some(&args.history),
                session: Some(&args.session),
                fanout: Some(&args.fanout),
                ..Takes::default()
            },
            Command::Adopt(args) => Takes {
                common: Some(&args.common),
                database: Some(&args.database),
                history: Some(&args.history),
                session: Some(&args.session),
                locking: Some(&args.locking),
                dry_run: Some(&args.dry_run),
                ..Takes::default()
            },
            Command::New { common, .. } => Takes {
                common: Some(common),
                ..Takes::default()
            },
            Command::Squash {
                common, database, ..
            } => Takes {
                common: Some(common),
                database: Some(database),
                ..Takes::default()
            },
            Command::Completions { .. } => Takes::default(),
        }
    }
}

impl Cli {
    /// The options in force for the command: those before it merged with
    /// its own. An option before a command that does not take it is a
    /// usage error rather than silently ignored.
    pub fn global(&self) -> Result<Global, String> {
        let mut g = Global::default();
        let Some(command) = &self.command else {
            self.common.merge_into(&mut g);
            self.database.merge_into(&mut g);
            self.history.merge_into(&mut g);
            self.session.merge_into(&mut g);
            self.locking.merge_into(&mut g);
            self.dry_run.merge_into(&mut g);
            self.fanout.merge_into(&mut g);
            return Ok(g);
        };
        let takes = command.takes();
        let name = command.name();
        apply(&self.common, takes.common, &mut g, name)?;
        apply(&self.database, takes.database, &mut g, name)?;
        apply(&self.history, takes.history, &mut g, name)?;
        apply(&self.session, takes.session, &mut g, name)?;
        apply(&self.locking, takes.locking, &mut g, name)?;
        apply(&self.dry_run, takes.dry_run, &mut g, name)?;
        apply(&self.fanout, takes.fanout, &mut g, name)?;
        if let Some(positional) = self.run.given() {
            return Err(format!(
                "`{positional}` belongs to `migrate [APP [TARGET]]`, not to `migrate {name}`"
            ));
        }
        Ok(g)
    }
}

fn apply<G: Group>(
    before: &G,
    own: Option<&G>,
    g: &mut Global,
    command: &str,
) -> Result<(), String> {
    match own {
        Some(own) => {
            before.merge_into(g);
            own.merge_into(g);
            Ok(())
        }
        None => match before.given() {
            Some(flag) => Err(format!(
                "`{flag}` does not apply to `migrate {command}`; `migrate {command} --help` lists its options"
            )),
            None => Ok(()),
        },
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces it.
    #[default]
    Auto,
    /// Always (but never in JSON).
    Always,
    /// Never.
    Never,
}

/// Output formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
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

impl RunArgs {
    /// The first option of the default command that was given.
    fn given(&self) -> Option<&'static str> {
        [
            (self.app.is_some(), "APP"),
            (self.target.is_some(), "TARGET"),
            (self.fake, "--fake"),
            (self.revert_orphans, "--revert-orphans"),
            (self.rewind, "--rewind"),
            (self.prune, "--prune"),
            (self.allow_out_of_order, "--allow-out-of-order"),
            (self.use_file_down, "--use-file-down"),
            (self.check, "--check"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }
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
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        fanout: FanoutArgs,
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
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        database: DatabaseArg,
    },

    /// The audit log: every apply, unapply, fake, accept and prune, with
    /// when, by whom and what ran.
    Log {
        /// Only this app.
        app: Option<String>,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        history: HistoryArgs,
    },

    /// Resolve what a failed or interrupted journaled migration left part
    /// way, accept an edited migration, or record a renamed one. Without an
    /// action: what ran, what failed, and the exact SQL each action would
    /// run.
    Repair(RepairArgs),

    /// How safe each migration is to run and to roll back on every engine:
    /// findings read from the files, and a proof on scratch databases
    /// (apply, fill with rows, unapply, compare, apply again).
    Check(CheckArgs),

    /// Whether the database's schema is what its applied migrations make:
    /// replays them on a scratch database, compares, prints the SQL that
    /// brings the database back (exit 1 when they differ).
    Drift(DriftArgs),

    /// Take over a database that diesel, sqlx, golang-migrate, Flyway,
    /// refinery or Django migrated: record what its history says ran as
    /// applied, without running it, and report what does not match.
    Adopt(AdoptArgs),

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
        #[command(flatten)]
        common: Common,
    },

    /// Write one migration that replaces FROM to TO (inclusive) of an app:
    /// a fresh database runs only it, one where they all ran counts it as
    /// applied, one part way through goes on with them.
    Squash {
        /// The app.
        app: String,
        /// The first migration to replace: name, prefix or number.
        from: String,
        /// The last migration to replace: name, prefix or number.
        to: String,
        /// The name after `NNNN_squashed_NNNN_` (default: TO's).
        #[arg(long)]
        name: Option<String>,
        /// Split the SQL as this engine does instead of the database's (no
        /// connection is made either way).
        #[arg(long, value_name = "sqlite|postgres|mysql")]
        dialect: Option<String>,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        database: DatabaseArg,
    },

    /// Print the shell completion script: `migrate completions bash >
    /// ~/.local/share/bash-completion/completions/migrate`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// The shells `migrate completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
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
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub fanout: FanoutArgs,
}

/// `migrate drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// A server to create the scratch database on (default: the
    /// database's own server). SQLite uses a temporary file.
    #[arg(long, value_name = "URL")]
    pub scratch: Vec<String>,
    /// Write a migration to APP that accepts the live schema (its up makes
    /// what the migrations make into what the database holds, its down
    /// goes back); record it with `--fake`.
    #[arg(long, num_args = 2, value_names = ["APP", "NAME"])]
    pub write_migration: Vec<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub fanout: FanoutArgs,
}

/// `migrate adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Whose history to read [default: the tool whose layout the
    /// migrations folder has].
    #[arg(long, value_name = "diesel|sqlx|golang-migrate|flyway|refinery|django")]
    pub from: Option<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub locking: LockArgs,
    #[command(flatten)]
    pub dry_run: DryRunArg,
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

    /// Record the new name of an applied migration whose file was renamed
    /// (same checksum): moves its history row, runs nothing.
    #[arg(
        long,
        group = "action",
        num_args = 3,
        value_names = ["APP", "OLD", "NEW"],
        conflicts_with_all = ["app", "name"]
    )]
    pub rename: Option<Vec<String>>,

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

    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub locking: LockArgs,
    #[command(flatten)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    pub fanout: FanoutArgs,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    fn global(args: &[&str]) -> Result<Global, String> {
        Cli::try_parse_from(std::iter::once("migrate").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?
            .global()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_before_a_command_are_its_own() {
        let g = global(&["--database", "x://", "--format", "json", "status"]).unwrap();
        assert_eq!(g.database, ["x://"]);
        assert_eq!(g.format, Format::Json);
        let g = global(&["--database", "a://", "log", "--database", "b://"]).unwrap();
        assert_eq!(g.database, ["b://"], "the command's own wins");
        let g = global(&["--database", "a://", "--database", "b://", "--jobs", "8"]).unwrap();
        assert_eq!(g.database, ["a://", "b://"]);
        assert_eq!(g.jobs, Some(8));
        assert!(global(&["--jobs", "2", "log"]).is_err());
        assert!(global(&["--jobs", "0"]).is_err());
        let g = global(&["--init", "A", "repair", "--init", "B"]).unwrap();
        assert_eq!(g.init, ["A", "B"]);
        let g = global(&["--dry-run", "--lock-timeout", "3"]).unwrap();
        assert!(g.dry_run);
        assert_eq!(g.lock_timeout, Some(3));
    }

    #[test]
    fn an_option_the_command_ignores_is_refused() {
        let err = global(&["--dry-run", "status"]).unwrap_err();
        assert!(
            err.contains("`--dry-run` does not apply to `migrate status`"),
            "{err}"
        );
        let err = global(&["--schema", "s", "new", "a", "b"]).unwrap_err();
        assert!(
            err.contains("`--schema` does not apply to `migrate new`"),
            "{err}"
        );
        let err = global(&["--rewind", "check"]).unwrap_err();
        assert!(
            err.contains("`--rewind` belongs to `migrate [APP [TARGET]]`"),
            "{err}"
        );
        assert!(global(&["status", "--dry-run"]).is_err());
        assert!(global(&["status", "--lock-timeout", "3"]).is_err());
        assert!(global(&["new", "a", "b", "--database", "x://"]).is_err());
        assert!(global(&["completions", "bash", "--dir", "m"]).is_err());
    }
}
