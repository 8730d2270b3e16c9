//! The engine-neutral heart of `migrate`: Django-style schema migrations for
//! SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! A run flows through four stages, each in its own module:
//!
//! 1. [`source`] reads `migrations/<app>/NNNN_name.sql` files into
//!    [`Migration`]s: sections, directives, dependencies, a checksum, and the
//!    statements split by a real SQL tokenizer ([`split`]).
//! 2. A [`Backend`] loads the [`history`] of what ran, in one query.
//! 3. [`plan`] turns source + history + what the user asked for into ordered
//!    steps, or refuses with a reason. It does no I/O, so most rules of the
//!    tool live and are tested there.
//! 4. [`executor`] runs the steps under the backend's lock, each one either
//!    *atomically* (statements and history write in one transaction) or
//!    *journaled* (a `partial` history row advanced after every statement)
//!    when the engine cannot roll DDL back or the migration opts out of
//!    transactions.
//!
//! Beside the run, [`schema`] reads a database's schema into one
//! engine-neutral model ([`Backend::inspect`]) and says what differs
//! between two of them, for checking that a migration's reverse gives the
//! schema back.
//!
//! This crate depends on no database driver: the driver crates
//! (`migrate-sqlite`, `migrate-postgres`, `migrate-mysql`) implement
//! [`Backend`] and [`Dialect`], and a third party can add an engine the same
//! way, checking it with the conformance suite behind the `testkit` feature.
#![warn(missing_docs)]

pub mod adopt;
pub mod backend;
pub mod check;
pub mod dialect;
pub mod drift;
pub mod edits;
pub mod engines;
pub mod error;
pub mod executor;
pub mod fanout;
pub mod fault;
pub mod history;
pub mod journal;
pub mod lock;
pub mod log;
pub mod migration;
pub mod migrator;
pub mod online;
pub mod plan;
pub mod portable;
pub mod redact;
pub mod renames;
pub mod repair;
pub mod schema;
pub mod source;
pub mod split;
pub mod squash;
pub mod status;
pub mod store;
pub mod suggest;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use backend::{
    Backend, BackendExt, BatchItem, Capabilities, ConnectOptions, Dialect, HistoryLocation,
    StatementClass,
};
pub use dialect::SqlDialect;
pub use error::{Error, Result, SourceProblem, StatementFailure};
pub use executor::{ExecutionMode, Progress, RunOptions, StepReport};
pub use history::{HistoryRecord, RecordState, Value};
pub use lock::LockId;
pub use migration::{Migration, Script};
pub use migrator::Migrator;
pub use plan::{Direction, Plan, PlanOptions, Request, Step};
pub use source::Source;
pub use split::{Statement, split_statements};

/// Compiles a migrations folder into the program: `embed_migrations!("migrations")`
/// (relative to the crate's `Cargo.toml`) is a [`source::Embedded`] to
/// build a [`Migrator`] from, so that no folder is needed at run time.
pub use migrate_macros::embed_migrations;

/// The version of this crate, recorded in every history row.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
