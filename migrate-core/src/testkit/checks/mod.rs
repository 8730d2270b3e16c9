//! The conformance checks, each an async function that panics on failure.
//! [`crate::conformance_tests!`] writes a test for each; they can also be
//! called directly, as the tests that run them against deliberately broken
//! backends do.

mod history;
mod inspect;
mod journal;
mod lock;
mod portable;
mod run;
mod schema;

pub use history::{
    audit_log_round_trip, create_false_creates_nothing, history_round_trip,
    init_statements_run_in_order, missing_history_is_empty_and_not_created, odd_history_table_name,
};
pub use inspect::inspection_reads_the_schema;
pub use journal::{
    captures_restore_dropped_objects, probes_see_objects, repair_undoes_and_resumes,
};
pub use lock::{closing_releases_the_lock, lock_excludes_a_peer_backend, lock_is_exclusive};
pub use portable::portable_migration_applies_and_reverts;
pub use run::{
    atomic_failure_leaves_nothing, atomic_unapply_failure_leaves_it_applied,
    batches_stop_at_the_first_failure, implicit_commits_are_journaled,
    journaled_failure_records_partial, no_transaction_statements, requests_grow_linearly,
    stored_down_statements_are_used,
};
pub use schema::{schema_holds_the_history, schema_is_refused};

use super::{Connector, Kit, connect};

/// What a backend's test claims it can do ([`crate::conformance_tests!`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    /// [`crate::Capabilities::transactional_ddl`].
    pub transactional_ddl: bool,
    /// [`crate::Capabilities::schemas`].
    pub schemas: bool,
    /// [`crate::Capabilities::probes`].
    pub probes: bool,
    /// [`crate::Capabilities::captures`].
    pub captures: bool,
    /// The dialect has a portable renderer.
    pub portable: bool,
    /// [`Connector::peer`] gives another backend.
    pub peer: bool,
    /// [`Connector::no_transaction_statement`] gives a statement.
    pub no_transaction: bool,
    /// [`crate::Capabilities::inspect`].
    pub inspect: bool,
}

/// The claims of the test match what the backend says of itself, so that no
/// check is skipped on a false claim.
pub async fn declared_capabilities_match(c: &dyn Connector, claims: Claims) {
    let kit = Kit::new("caps");
    let b = connect(c, &kit.options()).await;
    let caps = b.dialect().capabilities();
    let actual = Claims {
        transactional_ddl: caps.transactional_ddl,
        schemas: caps.schemas,
        probes: caps.probes,
        captures: caps.captures,
        portable: b.dialect().renderer().is_some(),
        peer: c.peer(&kit.options()).await.is_some(),
        no_transaction: c.no_transaction_statement("t").is_some(),
        inspect: caps.inspect,
    };
    assert_eq!(
        claims, actual,
        "the test's claims (left) differ from what the backend and its connector say (right)"
    );
}
