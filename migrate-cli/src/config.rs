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

/// Everything a command needs to know, resolved.
#[derive(Debug)]
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
}

impl Settings {
    /// Reads the migrations folder for an engine, as laid out (`--layout`,
    /// or recognized), and says on standard error which files of another
    /// tool's folder were left out.
    pub fn source(
        &self,
        dialect: &dyn migrate_core::Dialect,
    ) -> Result<migrate_core::Source, Error> {
        let source = migrate_core::Source::load_layout(&self.dir, dialect, self.layout)?;
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
        let (named, url_from) = choose_database(Candidates {
            flag: global.database.clone(),
            environment,
            config: file.database.clone().map(|value| (config.clone(), value)),
            dot_env,
        });
        let url = database_url(&named, &file, &config)?;
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
                schema: global.schema.clone().or(file.schema),
                init_statements: init,
                create: true,
            },
            lock_timeout: global
                .lock_timeout
                .or(file.lock_timeout)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_LOCK_TIMEOUT),
            check_engines: file.check.engines,
        })
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
    let known: Vec<&str> = file.databases.keys().map(String::as_str).collect();
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
