//! Running migrations through the executor: atomic and journaled steps,
//! stored down statements, statements that refuse a transaction.

use crate::backend::{Backend, BackendExt};
use crate::error::Error;
use crate::executor::{RunOptions, Silent, migrate};
use crate::history::RecordState;
use crate::plan::Request;
use crate::source::Source;
use crate::testkit::{Connector, Kit, Scratch, connect, table_exists};

pub(crate) async fn run(
    b: &mut dyn Backend,
    source: &Source,
    request: Request,
) -> Result<(), Error> {
    migrate(b, source, &request, &RunOptions::default(), &mut Silent)
        .await
        .map(|_| ())
}

pub(crate) fn zero(app: &str) -> Request {
    Request::To {
        app: app.into(),
        target: "zero".into(),
    }
}

/// On an engine with transactional DDL, a failing statement leaves neither
/// the migration's earlier statements nor a history row.
pub async fn atomic_failure_leaves_nothing(c: &dyn Connector) {
    let kit = Kit::new("atom");
    let mut b = connect(c, &kit.options()).await;
    let (t, missing) = (kit.name("t"), kit.name("missing"));
    let files = Scratch::new("atomic");
    files.write(
        "kit",
        "0001_fails.sql",
        &format!(
            "-- migrate:up\nCREATE TABLE {t} (id INTEGER PRIMARY KEY);\nINSERT INTO {missing} VALUES (1);\n-- migrate:down\nDROP TABLE {t};\n"
        ),
    );
    let source = files.load(b.as_ref());
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Statement(f)) if (f.index, f.total) == (2, 2) => assert_eq!(
            f.outcome,
            "Nothing of this migration was applied: its transaction was rolled back."
        ),
        other => panic!("expected statement 2 to fail, got {other:?}"),
    }
    assert!(
        b.load_history().await.unwrap().is_empty(),
        "no history row after a rolled back migration"
    );
    assert!(
        !table_exists(b.as_mut(), &t).await,
        "the table created by statement 1 must be rolled back"
    );
}

/// On an engine with transactional DDL, an unapply whose down statement
/// fails leaves the migration applied, its objects and history row in
/// place, and says so (not that nothing was applied).
pub async fn atomic_unapply_failure_leaves_it_applied(c: &dyn Connector) {
    let kit = Kit::new("unat");
    let mut b = connect(c, &kit.options()).await;
    let (t, missing) = (kit.name("t"), kit.name("missing"));
    let files = Scratch::new("atomic-unapply");
    files.write(
        "kit",
        "0001_down_fails.sql",
        &format!(
            "-- migrate:up\nCREATE TABLE {t} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE {t};\nINSERT INTO {missing} VALUES (1);\n"
        ),
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All)
        .await
        .expect("applies");
    match run(b.as_mut(), &source, zero("kit")).await {
        Err(Error::Statement(f)) if (f.index, f.total) == (2, 2) => assert_eq!(
            f.outcome,
            "Nothing of this migration was unapplied: its transaction was rolled back, and it stays applied."
        ),
        other => panic!("expected down statement 2 to fail, got {other:?}"),
    }
    let history = b.load_history().await.unwrap();
    assert_eq!(history.len(), 1, "the row stays: {history:?}");
    assert_eq!(history[0].state, RecordState::Applied);
    assert!(
        table_exists(b.as_mut(), &t).await,
        "the table dropped by down statement 1 must be rolled back"
    );
    b.execute(&format!("DROP TABLE {t}"))
        .await
        .expect("clean up");
}

/// On an engine without transactional DDL, a migration with DDL is
/// journaled even without `transaction=false`: a failure leaves a `partial`
/// row that tells the truth, never a claimed rollback.
pub async fn implicit_commits_are_journaled(c: &dyn Connector) {
    let kit = Kit::new("impl");
    let mut b = connect(c, &kit.options()).await;
    let (t, missing) = (kit.name("t"), kit.name("missing"));
    let files = Scratch::new("implicit");
    files.write(
        "kit",
        "0001_ddl.sql",
        &format!(
            "-- migrate:up\nCREATE TABLE {t} (id INTEGER PRIMARY KEY);\nINSERT INTO {missing} VALUES (1);\n-- migrate:down\nDROP TABLE {t};\n"
        ),
    );
    let source = files.load(b.as_ref());
    assert!(run(b.as_mut(), &source, Request::All).await.is_err());
    let history = b.load_history().await.unwrap();
    assert_eq!(
        history.len(),
        1,
        "a partial row records what committed: {history:?}"
    );
    assert_eq!(history[0].state, RecordState::Partial);
    assert_eq!(history[0].statements_done, 1);
    assert!(table_exists(b.as_mut(), &t).await, "statement 1 committed");
    b.execute(&format!("DROP TABLE {t}"))
        .await
        .expect("clean up");
}

/// A journaled migration that fails at statement 3 leaves a `partial` row
/// with 2 statements done and the error, statements 1-2 in effect, and the
/// next run refuses.
pub async fn journaled_failure_records_partial(c: &dyn Connector) {
    let kit = Kit::new("jour");
    let mut b = connect(c, &kit.options()).await;
    let [t1, t2, t3, missing] = ["t1", "t2", "t3", "missing"].map(|n| kit.name(n));
    let files = Scratch::new("journal");
    files.write(
        "kit",
        "0001_partial.sql",
        &format!(
            "-- migrate:up transaction=false\nCREATE TABLE {t1} (id INTEGER PRIMARY KEY);\nCREATE TABLE {t2} (id INTEGER PRIMARY KEY);\nINSERT INTO {missing} VALUES (1);\nCREATE TABLE {t3} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE {t2};\nDROP TABLE {t1};\n"
        ),
    );
    let source = files.load(b.as_ref());
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Statement(f)) if (f.index, f.total) == (3, 4) => {}
        other => panic!("expected statement 3 of 4 to fail, got {other:?}"),
    }
    let history = b.load_history().await.unwrap();
    assert_eq!(history.len(), 1, "one partial row: {history:?}");
    let row = &history[0];
    assert_eq!(row.state, RecordState::Partial);
    assert_eq!((row.statements_done, row.statements_total), (2, 4));
    assert_eq!(
        row.journal.len(),
        3,
        "a journal entry per statement reached"
    );
    let error = row.last_error.as_deref().unwrap_or("");
    assert!(
        error.starts_with("statement 3 failed"),
        "last_error names the statement: {error}"
    );
    assert!(
        table_exists(b.as_mut(), &t1).await,
        "statement 1 stays applied"
    );
    assert!(
        table_exists(b.as_mut(), &t2).await,
        "statement 2 stays applied"
    );
    assert!(
        !table_exists(b.as_mut(), &t3).await,
        "statement 4 never ran"
    );
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Refused(message)) => assert!(message.contains("partially applied"), "{message}"),
        other => panic!("a partial migration must block the next run, got {other:?}"),
    }
    let log = b.load_log().await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == crate::log::Action::ApplyFailed),
        "the failure is in the audit log: {log:?}"
    );
    for t in [t2, t1] {
        b.execute(&format!("DROP TABLE {t}"))
            .await
            .expect("clean up");
    }
}

/// Unapplying runs the down statements stored at apply time, even after
/// the file's down section changed; both moves are logged.
pub async fn stored_down_statements_are_used(c: &dyn Connector) {
    let kit = Kit::new("down");
    let mut b = connect(c, &kit.options()).await;
    let (t, other) = (kit.name("t"), kit.name("other"));
    let files = Scratch::new("down");
    files.write(
        "kit",
        "0001_t.sql",
        &format!("-- migrate:up\nCREATE TABLE {t} (note VARCHAR(50));\n-- migrate:down\nDROP TABLE {t};\n"),
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All).await.expect("apply");
    let history = b.load_history().await.unwrap();
    assert_eq!(history[0].down_sql, Some(vec![format!("DROP TABLE {t}")]));
    // The file now says something else; what ran must be undone as stored.
    files.write(
        "kit",
        "0001_t.sql",
        &format!("-- migrate:up\nCREATE TABLE {t} (note VARCHAR(50));\n-- migrate:down\nDROP TABLE {other};\n"),
    );
    let edited = files.load(b.as_ref());
    run(b.as_mut(), &edited, zero("kit"))
        .await
        .expect("unapply with the stored down statements");
    assert!(!table_exists(b.as_mut(), &t).await, "table dropped");
    assert!(b.load_history().await.unwrap().is_empty());
    let actions: Vec<_> = b
        .load_log()
        .await
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [crate::log::Action::Apply, crate::log::Action::Unapply]
    );
}

/// A statement the engine refuses inside a transaction is refused in an
/// atomic migration before anything runs, and runs in a
/// `transaction=false` one.
pub async fn no_transaction_statements(c: &dyn Connector) {
    let kit = Kit::new("notx");
    let mut b = connect(c, &kit.options()).await;
    let t = kit.name("t");
    let statement = c
        .no_transaction_statement(&t)
        .expect("the connector claims a no-transaction statement");
    assert_eq!(
        b.dialect().classify(&statement),
        crate::StatementClass::NoTransaction,
        "the dialect must classify `{statement}` as refusing a transaction"
    );
    b.execute(&format!("CREATE TABLE {t} (id INTEGER)"))
        .await
        .expect("create");
    let files = Scratch::new("notx");
    files.write(
        "kit",
        "0001_in_tx.sql",
        &format!("-- migrate:up\n{statement};\n"),
    );
    let refused = Source::load_for(files.path(), b.dialect());
    let refused = match refused {
        Err(e) => Err(e),
        Ok(source) => run(b.as_mut(), &source, Request::All).await,
    };
    assert!(
        refused.is_err(),
        "an atomic migration with `{statement}` must be refused"
    );
    assert!(
        b.load_history().await.unwrap().is_empty(),
        "nothing recorded"
    );
    let files = Scratch::new("notx2");
    files.write(
        "kit",
        "0001_no_tx.sql",
        &format!("-- migrate:up transaction=false\n{statement};\n"),
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All)
        .await
        .expect("a transaction=false migration runs it");
    let history = b.load_history().await.unwrap();
    assert_eq!(history[0].state, RecordState::Applied);
    b.execute(&format!("DROP TABLE {t}"))
        .await
        .expect("clean up");
}
