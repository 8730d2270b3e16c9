//! Where settings come from: flags, then `migrate.toml`, then defaults;
//! and for the database: the flag, then DATABASE_URL from the environment,
//! then `database` in `migrate.toml`, then DATABASE_URL from `.env`, then
//! the default. A `.env` file holds a developer's local defaults, often
//! copied from a template; an explicit choice in the project's
//! `migrate.toml` should not be overridden by it unseen, while a real
//! environment variable is a deliberate choice of this run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use migrate_core::Error;
use migrate_core::backend::{ConnectOptions, DEFAULT_LOCK_TIMEOUT};
use migrate_core::source::Layout;
use serde::Deserialize;

use crate::cli::Global;

/// The default database when nothing names one.
pub const DEFAULT_DATABASE: &str = "sqlite://migrate.db";

/// The configuration file read when `--config` is not given (and may be
/// absent).
pub const DEFAULT_CONFIG: &str = "migrate.toml";

/// Where the database in use was named, shown with it so that a surprise
/// (a stray `.env`, a forgotten variable) is seen before it does harm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseFrom {
    /// `--database`.
    Flag,
    /// DATABASE_URL set in the process's environment.
    Environment,
    /// DATABASE_URL read from a `.env` file.
    DotEnv,
    /// `database = "..."` in the configuration file.
    ConfigFile {
        /// The file, as given.
        path: PathBuf,
        /// The value written there (a name or a URL).
        value: String,
    },
    /// Nothing named one: [`DEFAULT_DATABASE`].
    Default,
    /// A list file or a group named it, among others (`tenants.txt:3`,
    /// `group tenants in migrate.toml`).
    Listed(String),
}

impl std::fmt::Display for DatabaseFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseFrom::Flag => f.write_str("--database flag"),
            DatabaseFrom::Environment => f.write_str("DATABASE_URL (environment)"),
            DatabaseFrom::DotEnv => f.write_str("DATABASE_URL (.env)"),
            DatabaseFrom::ConfigFile { path, value } => {
                // A URL may hold a password; a name does not.
                let value = migrate_core::redact::redact_url(value);
                write!(f, "{} (database = {value:?})", path.display())
            }
            DatabaseFrom::Default => f.write_str("default"),
            DatabaseFrom::Listed(place) => f.write_str(place),
        }
    }
}

/// `migrate.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL or a name from `databases`, used when no flag or
    /// DATABASE_URL names one.
    pub database: Option<String>,
    /// Named database URLs; `${VAR}` is replaced by the environment
    /// variable VAR, so passwords stay out of the file.
    #[serde(default)]
    pub databases: BTreeMap<String, String>,
    /// Named lists of databases (`tenants = ["a", "b", "postgres://..."]`,
    /// each a URL or a name from `databases`), selected with `--database
    /// NAME`: every member is a target of its own.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// The migrations folder.
    pub dir: Option<PathBuf>,
    /// How the folder is laid out (`--layout`).
    pub layout: Option<String>,
    /// The history table's name.
    pub history_table: Option<String>,
    /// PostgreSQL schema for the history table and the migrations.
    pub schema: Option<String>,
    /// Seconds to wait for the migration lock.
    pub lock_timeout: Option<u64>,
    /// Statements run on the migration connection first.
    #[serde(default)]
    pub init: Vec<String>,
    /// `[check]`: what `migrate check` does by default.
    #[serde(default)]
    pub check: CheckConfig,
}

/// The `[check]` table of `migrate.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Engines checked besides the one of the database in use:
    /// `engines = ["sqlite", "mysql"]`.
    #[serde(default)]
    pub engines: Vec<String>,
}

/// One database (and, on PostgreSQL, one schema of it) a command runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL (with password: never print it).
    pub url: String,
    /// The schema, when schemas were named.
    pub schema: Option<String>,
    /// Where it was named (`--database flag`, `tenants.txt:3`, `group
    /// tenants in migrate.toml`), for messages.
    pub from: String,
}

impl Target {
    /// The URL with its password hidden.
    pub fn redacted(&self) -> String {
        migrate_core::redact::redact_url(&self.url)
    }
}

/// How a command reads the migration files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every statement split while the files are read: for commands that
    /// look at most of them (`check`, `drift`, `sql`, `squash`...).
    Whole,
    /// Statements split when needed: for `migrate` and `status`, which
    /// need those of the migrations they run, if any.
    Lazily,
}

/// Everything a command needs to know, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The database URL (with password: never print it, use `redacted`).
    pub url: String,
    /// Where the database was named.
    pub url_from: DatabaseFrom,
    /// The migrations folder.
    pub dir: PathBuf,
    /// How it is laid out; `None`: recognized from its files.
    pub layout: Option<Layout>,
    /// Options for connecting.
    pub connect: ConnectOptions,
    /// How long to wait for the lock.
    pub lock_timeout: Duration,
    /// Engines `migrate check` covers besides the database's own.
    pub check_engines: Vec<String>,
    /// Every database (and schema) the command runs on; `url` and
    /// `connect.schema` are the first's.
    pub targets: Vec<Target>,
    /// Whether the command runs on many databases (reported one line or
    /// JSON entry per database): more than one target, or targets named by
    /// a list file or a group, however many it holds.
    pub many: bool,
    /// `--jobs`, or [`migrate_core::fanout::DEFAULT_JOBS`].
    pub jobs: usize,
    /// `--fail-fast`.
    pub fail_fast: bool,
}

impl Settings {
    /// Reads the migrations folder for an engine, as laid out (`--layout`,
    /// or recognized), and says on standard error which files of another
    /// tool's folder were left out.
    pub fn source(
        &self,
        dialect: &dyn migrate_core::Dialect,
    ) -> Result<migrate_core::Source, Error> {
        self.read_source(dialect, Reading::Whole)
    }

    /// [`Settings::source`], with statements split as `reading` says.
    pub fn read_source(
        &self,
        dialect: &dyn migrate_core::Dialect,
        reading: Reading,
    ) -> Result<migrate_core::Source, Error> {
        let source = match reading {
            Reading::Whole => migrate_core::Source::load_layout(&self.dir, dialect, self.layout)?,
            Reading::Lazily => migrate_core::Source::load_lazily(
                &migrate_core::source::Disk,
                &self.dir,
                dialect,
                self.layout,
            )?,
        };
        for (path, why) in source.ignored() {
            eprintln!("note: ignored {}: {why}", path.display());
        }
        Ok(source)
    }

    /// Resolves settings from flags, the config file and the environment.
    pub fn resolve(global: &Global) -> Result<Settings, Error> {
        let config = global
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        let file = load_file(&config, global.config.is_some())?;
        let database_url_var = || std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty());
        let environment = database_url_var();
        // A .env file fills in variables the environment does not set
        // (`${VAR}` in migrate.toml's URLs among them).
        let _ = dotenvy::dotenv();
        let dot_env = if environment.is_none() {
            database_url_var()
        } else {
            None
        };
        check_groups(&file, &config)?;
        let (mut listed, mut many) = listed_databases(global, &file, &config)?;
        let single = match listed.as_slice() {
            [(url, from)] if !many && from == FLAG => Some(url.clone()),
            _ => None,
        };
        let (named, url_from) = choose_database(Candidates {
            flag: single,
            environment,
            config: file.database.clone().map(|value| (config.clone(), value)),
            dot_env,
        });
        // `database = "tenants"` in migrate.toml (or DATABASE_URL) may name
        // a group too.
        if listed.is_empty()
            && let Some(members) = file.groups.get(&named)
        {
            listed = group_members(&named, members, &file, &config)?;
            many = true;
        }
        let url = match listed.first() {
            Some((url, _)) => url.clone(),
            None => database_url(&named, &file, &config)?,
        };
        let mut schemas: Vec<(String, String)> = global
            .schema
            .iter()
            .map(|s| (s.clone(), "--schema flag".to_string()))
            .collect();
        if let Some(path) = &global.schemas {
            many = true;
            for entry in migrate_core::fanout::read_list(path, "schemas")? {
                schemas.push((entry.value, format!("{}:{}", path.display(), entry.line)));
            }
        }
        let schemas: Vec<Option<(String, String)>> = if schemas.is_empty() {
            vec![None]
        } else {
            schemas.into_iter().map(Some).collect()
        };
        let default_schema = file.schema.clone();
        let databases = if listed.is_empty() {
            vec![(url.clone(), url_from.to_string())]
        } else {
            listed
        };
        let mut targets: Vec<Target> = Vec::new();
        for (db_url, db_from) in &databases {
            for schema in &schemas {
                let (schema, from) = match schema {
                    Some((name, from)) => (Some(name.clone()), format!("{db_from}, {from}")),
                    None => (default_schema.clone(), db_from.clone()),
                };
                let target = Target {
                    url: db_url.clone(),
                    schema,
                    from,
                };
                if let Some(twin) = targets
                    .iter()
                    .find(|t| t.url == target.url && t.schema == target.schema)
                {
                    return Err(Error::Usage(format!(
                        "{}{} is named twice ({} and {}): each database is migrated once per run",
                        target.redacted(),
                        target
                            .schema
                            .as_deref()
                            .map(|s| format!(" (schema {s})"))
                            .unwrap_or_default(),
                        twin.from,
                        target.from
                    )));
                }
                targets.push(target);
            }
        }
        many |= targets.len() > 1;
        let layout = match global.layout.clone().or(file.layout.clone()) {
            None => None,
            Some(name) => Some(Layout::from_name(&name).ok_or_else(|| {
                let names: Vec<&str> = Layout::ALL.iter().map(|(n, _)| *n).collect();
                Error::Usage(format!(
                    "unknown layout `{name}`: expected one of {}",
                    names.join(", ")
                ))
            })?),
        };
        let mut init = file.init.clone();
        init.extend(global.init.iter().cloned());
        Ok(Settings {
            url,
            url_from,
            dir: global
                .dir
                .clone()
                .or(file.dir)
                .unwrap_or_else(|| PathBuf::from("migrations")),
            layout,
            connect: ConnectOptions {
                history_table: global
                    .history_table
                    .clone()
                    .or(file.history_table)
                    .unwrap_or_else(|| migrate_core::history::DEFAULT_TABLE.to_string()),
                schema: targets[0].schema.clone(),
                init_statements: init,
                create: true,
            },
            lock_timeout: global
                .lock_timeout
                .or(file.lock_timeout)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_LOCK_TIMEOUT),
            check_engines: file.check.engines,
            targets,
            many,
            jobs: global
                .jobs
                .map(usize::from)
                .unwrap_or(migrate_core::fanout::DEFAULT_JOBS),
            fail_fast: global.fail_fast,
        })
    }

    /// The settings of one target of a run over many: its URL and schema
    /// in place of the first's.
    pub fn for_target(&self, target: &Target) -> Settings {
        let mut settings = self.clone();
        settings.url = target.url.clone();
        settings.connect.schema = target.schema.clone();
        settings.url_from = DatabaseFrom::Listed(target.from.clone());
        settings.targets = vec![target.clone()];
        settings.many = false;
        settings
    }
}

/// Where a database named by `--database` comes from, in [`Target::from`].
const FLAG: &str = "--database flag";

/// A name may stand for one database or for a group, not both; a group
/// holds URLs and names of databases, not other groups.
fn check_groups(file: &FileConfig, config: &Path) -> Result<(), Error> {
    for (group, members) in &file.groups {
        if file.databases.contains_key(group) {
            return Err(Error::Usage(format!(
                "`{group}` in {} names both a database (in [databases]) and a group (in [groups]); rename one",
                config.display()
            )));
        }
        if members.is_empty() {
            return Err(Error::Usage(format!(
                "group `{group}` in {} is empty: list URLs or names from [databases]",
                config.display()
            )));
        }
        if let Some(nested) = members.iter().find(|m| file.groups.contains_key(*m)) {
            return Err(Error::Usage(format!(
                "group `{group}` in {} lists the group `{nested}`: groups do not nest; list its databases instead",
                config.display()
            )));
        }
    }
    Ok(())
}

/// The databases named by `--database` (each a URL, a name or a group)
/// and `--databases FILE`, as URLs with where each was named; and whether
/// a group or a file named them (then the run reports per database, even
/// for one).
fn listed_databases(
    global: &Global,
    file: &FileConfig,
    config: &Path,
) -> Result<(Vec<(String, String)>, bool), Error> {
    let mut listed = Vec::new();
    let mut many = false;
    let mut add = |named: &str, from: String, listed: &mut Vec<(String, String)>| {
        if let Some(members) = file.groups.get(named) {
            many = true;
            listed.extend(group_members(named, members, file, config)?);
            return Ok(());
        }
        let url = database_url(named, file, config)?;
        listed.push((url, from));
        Ok::<(), Error>(())
    };
    for named in &global.database {
        add(named, FLAG.to_string(), &mut listed)?;
    }
    if let Some(path) = &global.databases {
        for entry in migrate_core::fanout::read_list(path, "databases")? {
            let place = format!("{}:{}", path.display(), entry.line);
            add(&entry.value, place.clone(), &mut listed)
                .map_err(|e| Error::Usage(format!("{place}: {}", message(e))))?;
        }
        many = true;
    }
    Ok((listed, many))
}

/// The URLs of a group's members, each with where it was named.
fn group_members(
    group: &str,
    members: &[String],
    file: &FileConfig,
    config: &Path,
) -> Result<Vec<(String, String)>, Error> {
    let from = format!("group {group} in {}", config.display());
    members
        .iter()
        .map(|member| {
            // A URL written in the group may hold `${VAR}` as one in
            // [databases] may.
            let url = if file.databases.contains_key(member) || !member.contains("${") {
                database_url(member, file, config)
            } else {
                expand_env(member, group, config)
            };
            let url = url.map_err(|e| {
                Error::Usage(format!(
                    "group `{group}` in {}: {}",
                    config.display(),
                    message(e)
                ))
            })?;
            Ok((url, from.clone()))
        })
        .collect()
}

/// An error's message without the prefix its Display adds.
fn message(e: Error) -> String {
    match e {
        Error::Usage(m) => m,
        other => other.to_string(),
    }
}

/// Every place a database may be named, each `None` when it names none.
struct Candidates {
    flag: Option<String>,
    environment: Option<String>,
    config: Option<(PathBuf, String)>,
    dot_env: Option<String>,
}

/// The database named first, in order of precedence, and where.
fn choose_database(c: Candidates) -> (String, DatabaseFrom) {
    if let Some(named) = c.flag {
        return (named, DatabaseFrom::Flag);
    }
    if let Some(named) = c.environment {
        return (named, DatabaseFrom::Environment);
    }
    if let Some((path, value)) = c.config {
        return (value.clone(), DatabaseFrom::ConfigFile { path, value });
    }
    if let Some(named) = c.dot_env {
        return (named, DatabaseFrom::DotEnv);
    }
    (DEFAULT_DATABASE.to_string(), DatabaseFrom::Default)
}

/// Reads the configuration file. Only the default one may be missing: a
/// file named by `--config` that is not there is a typo, and going on
/// without it would run against the default database.
fn load_file(path: &Path, explicit: bool) -> Result<FileConfig, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(FileConfig::default());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Usage(format!(
                "configuration file `{}` not found (given with --config)",
                path.display()
            )));
        }
        Err(e) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start].matches('\n').count() + 1);
        Error::InvalidSource(vec![migrate_core::SourceProblem {
            path: path.to_path_buf(),
            line,
            message: e.message().to_string(),
        }])
    })
}

/// A URL as given, or the URL a name stands for in migrate.toml.
fn database_url(named: &str, file: &FileConfig, config_path: &Path) -> Result<String, Error> {
    if let Some(url) = file.databases.get(named) {
        return expand_env(url, named, config_path);
    }
    if named.contains(':') {
        return Ok(named.to_string());
    }
    let known: Vec<&str> = file
        .databases
        .keys()
        .chain(file.groups.keys())
        .map(String::as_str)
        .collect();
    Err(Error::Usage(if known.is_empty() {
        format!(
            "`{named}` is neither a database URL nor a name from {} (which names none); a URL looks like sqlite://dev.db or postgres://user@host/db",
            config_path.display()
        )
    } else {
        format!(
            "`{named}` is neither a database URL nor a name from {}; names: {}",
            config_path.display(),
            known.join(", ")
        )
    }))
}

/// Replaces `${VAR}` with the environment variable VAR.
fn expand_env(url: &str, name: &str, config_path: &Path) -> Result<String, Error> {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            Error::Usage(format!(
                "database `{name}` in {}: unclosed `${{`",
                config_path.display()
            ))
        })?;
        let var = &after[..end];
        let value = std::env::var(var).map_err(|_| {
            Error::Usage(format!(
                "database `{name}` in {} uses ${{{var}}}, but the environment variable {var} is not set",
                config_path.display()
            ))
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(databases: &[(&str, &str)]) -> FileConfig {
        FileConfig {
            databases: databases
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..FileConfig::default()
        }
    }

    #[test]
    fn a_name_from_the_file_gives_its_url() {
        let f = file(&[("local", "sqlite://dev.db")]);
        assert_eq!(
            database_url("local", &f, Path::new("migrate.toml")).unwrap(),
            "sqlite://dev.db"
        );
    }

    #[test]
    fn a_url_passes_through() {
        let f = file(&[]);
        assert_eq!(
            database_url("postgres://h/db", &f, Path::new("m.toml")).unwrap(),
            "postgres://h/db"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let f = file(&[("local", "sqlite://dev.db"), ("production", "mysql://x")]);
        let err = database_url("prod", &f, Path::new("migrate.toml")).unwrap_err();
        assert!(
            err.to_string().contains("names: local, production"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
    }

    fn candidates() -> Candidates {
        Candidates {
            flag: Some("flag://".into()),
            environment: Some("env://".into()),
            config: Some((PathBuf::from("migrate.toml"), "local".into())),
            dot_env: Some("dotenv://".into()),
        }
    }

    #[test]
    fn the_database_comes_from_the_first_that_names_one() {
        let all = candidates();
        assert_eq!(
            choose_database(all),
            ("flag://".to_string(), DatabaseFrom::Flag)
        );
        let no_flag = Candidates {
            flag: None,
            ..candidates()
        };
        assert_eq!(
            choose_database(no_flag),
            ("env://".to_string(), DatabaseFrom::Environment)
        );
        // migrate.toml's explicit choice wins over a .env file...
        let file_and_dot_env = Candidates {
            flag: None,
            environment: None,
            ..candidates()
        };
        let (named, from) = choose_database(file_and_dot_env);
        assert_eq!(named, "local");
        assert_eq!(from.to_string(), "migrate.toml (database = \"local\")");
        // ...which still wins over the default.
        let dot_env = Candidates {
            flag: None,
            environment: None,
            config: None,
            dot_env: Some("dotenv://".into()),
        };
        let (named, from) = choose_database(dot_env);
        assert_eq!(
            (named.as_str(), from.to_string()),
            ("dotenv://", "DATABASE_URL (.env)".into())
        );
        let nothing = Candidates {
            flag: None,
            environment: None,
            config: None,
            dot_env: None,
        };
        assert_eq!(
            choose_database(nothing),
            (DEFAULT_DATABASE.to_string(), DatabaseFrom::Default)
        );
    }

    #[test]
    fn a_url_in_the_config_file_is_shown_without_its_password() {
        let from = DatabaseFrom::ConfigFile {
            path: PathBuf::from("deploy.toml"),
            value: "postgres://app:s3cret@db/app".into(),
        };
        let shown = from.to_string();
        assert!(shown.starts_with("deploy.toml (database = "), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn a_missing_config_file_is_an_error_only_when_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(load_file(&missing, false).is_ok());
        let err = load_file(&missing, true).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope.toml` not found"), "{err}");
    }

    #[test]
    fn groups_expand_to_their_members_and_do_not_nest() {
        // SAFETY: this test alone reads or writes this variable.
        unsafe { std::env::set_var("MIGRATE_TEST_GROUP_PW", "s3cret") };
        let mut f = file(&[("a", "sqlite://a.db")]);
        f.groups.insert(
            "tenants".into(),
            vec![
                "a".into(),
                "postgres://u:${MIGRATE_TEST_GROUP_PW}@h/b".into(),
            ],
        );
        let config = Path::new("migrate.toml");
        check_groups(&f, config).unwrap();
        let global = Global {
            database: vec!["tenants".into(), "sqlite://c.db".into()],
            ..Global::default()
        };
        let (listed, many) = listed_databases(&global, &f, config).unwrap();
        assert!(many);
        let urls: Vec<&str> = listed.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            ["sqlite://a.db", "postgres://u:s3cret@h/b", "sqlite://c.db"]
        );
        assert_eq!(listed[0].1, "group tenants in migrate.toml");
        assert_eq!(listed[2].1, FLAG);

        f.groups.insert("all".into(), vec!["tenants".into()]);
        let err = check_groups(&f, config).unwrap_err();
        assert!(err.to_string().contains("groups do not nest"), "{err}");
        f.groups.remove("all");
        f.groups.insert("a".into(), vec!["sqlite://x.db".into()]);
        let err = check_groups(&f, config).unwrap_err();
        assert!(err.to_string().contains("names both a database"), "{err}");
        f.groups.remove("a");
        f.groups.insert("none".into(), vec![]);
        assert_eq!(check_groups(&f, config).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn environment_variables_are_expanded() {
        // SAFETY: this test alone reads or writes this variable.
        unsafe { std::env::set_var("MIGRATE_TEST_PW", "s3cret") };
        let f = file(&[("prod", "mysql://app:${MIGRATE_TEST_PW}@db/app")]);
        assert_eq!(
            database_url("prod", &f, Path::new("m.toml")).unwrap(),
            "mysql://app:s3cret@db/app"
        );
        let missing = file(&[("prod", "mysql://app:${MIGRATE_TEST_UNSET_VAR}@db/app")]);
        let err = database_url("prod", &missing, Path::new("m.toml")).unwrap_err();
        assert!(err.to_string().contains("MIGRATE_TEST_UNSET_VAR"), "{err}");
    }
}
