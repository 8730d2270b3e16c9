//! One error type for the whole tool, grouped by meaning so that the command
//! line maps each group to one exit code ([`Error::exit_code`]).

use std::fmt;
use std::path::PathBuf;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem found in the migration source, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProblem {
    /// The file (or folder) at fault.
    pub path: PathBuf,
    /// 1-based line in that file, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Everything that can go wrong, by meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migration files are invalid; every problem found is listed.
    #[error("invalid migration source:\n{}", list(.0))]
    InvalidSource(Vec<SourceProblem>),

    /// The request itself is wrong: unknown app or target, ambiguous prefix,
    /// bad option.
    #[error("{0}")]
    Usage(String),

    /// The database's state forbids the request (partial, orphan or modified
    /// migrations, an irreversible step); the message says what to do.
    #[error("{0}")]
    Refused(String),

    /// Another run holds the migration lock.
    #[error("timed out after {waited_secs}s waiting for the migration lock on {target}{}", holder.as_ref().map(|h| format!(" (held by {h}). If that run was killed and the server still runs its statement, wait for the statement to end, or end that session with `migrate repair --cancel-running`")).unwrap_or_default())]
    LockTimeout {
        /// The database, its password removed.
        target: String,
        /// How long we waited.
        waited_secs: u64,
        /// Who holds it, when the engine can tell.
        holder: Option<String>,
    },

    /// A statement of a migration failed on the server.
    #[error("{0}")]
    Statement(Box<StatementFailure>),

    /// The database or its driver failed outside a migration statement:
    /// connecting, authenticating, reading or writing the history.
    #[error("{context}: {message}")]
    Database {
        /// What we were doing, with the URL minus its password.
        context: String,
        /// The driver's message.
        message: String,
        /// The driver's own error, when there is one.
        #[source]
        source: Option<DriverError>,
    },

    /// The engine cannot do what was asked.
    #[error("{0}")]
    Unsupported(String),

    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Everything known about a failed migration statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{migration}: statement {index} of {total} ({location}) failed: {message}\n    {sql}\n{outcome}"
)]
pub struct StatementFailure {
    /// `app:name` of the migration.
    pub migration: String,
    /// 1-based number of the failing statement.
    pub index: usize,
    /// How many statements the script has.
    pub total: usize,
    /// Where the statement comes from: `line 12 of path`, or the history.
    pub location: String,
    /// The statement as sent (shortened when long).
    pub sql: String,
    /// The engine's message.
    pub message: String,
    /// What the failure left behind (rolled back, or journaled as partial).
    pub outcome: String,
}

fn list(problems: &[SourceProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// The process exit code for this error: 1 the database or a statement
    /// failed, 2 bad usage or invalid source, 3 refused because of the
    /// database's state.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Statement(_) | Error::Database { .. } | Error::Io { .. } => 1,
            Error::InvalidSource(_) | Error::Usage(_) | Error::Unsupported(_) => 2,
            Error::Refused(_) | Error::LockTimeout { .. } => 3,
        }
    }

    /// Builds a [`Error::Database`] from a message.
    pub fn database(context: impl Into<String>, err: impl fmt::Display) -> Self {
        Error::Database {
            context: context.into(),
            message: err.to_string(),
            source: None,
        }
    }

    /// Builds a [`Error::Database`] from a driver's error, shown as
    /// `message` and kept as the source.
    pub fn driver(
        context: impl Into<String>,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Database {
            context: context.into(),
            message: message.into(),
            source: Some(DriverError(std::sync::Arc::new(source))),
        }
    }

    /// The same error, saying what was being done when it happened: the
    /// context of a [`Error::Database`] is replaced, other errors are
    /// returned unchanged.
    pub fn in_context(self, context: impl Into<String>) -> Self {
        match self {
            Error::Database {
                message, source, ..
            } => Error::Database {
                context: context.into(),
                message,
                source,
            },
            other => other,
        }
    }
}

/// A driver's error kept as the source of an [`Error::Database`]; cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct DriverError(pub std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DriverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
