//! Running migrations through the executor: atomic and journaled steps,
//! stored down statements, statements that refuse a transaction.

use crate::backend::{Backend, BackendExt, BatchItem};
use crate::error::Error;
use crate::executor::{RunOptions, Silent, migrate};
use crate::history::{RecordState, Value};
use crate::plan::Request;
use crate::source::Source;
use crate::testkit::counting::Counting;
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
        .map(|e| e.action.clone())
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

/// A batch runs its items in order and stops at the first that fails,
/// saying which: inside a transaction nothing of it stays once rolled back;
/// outside one, the items before the failure stay and none after it ran.
/// Statements and parameterized queries mix.
pub async fn batches_stop_at_the_first_failure(c: &dyn Connector) {
    let kit = Kit::new("batch");
    let mut b = connect(c, &kit.options()).await;
    let (t, missing) = (kit.name("t"), kit.name("missing"));
    b.execute(&format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY)"))
        .await
        .expect("creates the table");
    let insert = |n: i64| BatchItem::statement(format!("INSERT INTO {t} (id) VALUES ({n})"));
    let placeholder = b.dialect().placeholder(1);
    let bound = |n: i64| {
        BatchItem::query(
            format!("INSERT INTO {t} (id) VALUES ({placeholder})"),
            vec![Value::Int(n)],
        )
    };
    let failing = BatchItem::statement(format!("INSERT INTO {missing} (id) VALUES (1)"));
    let begin = BatchItem::statement(b.dialect().begin_statement());
    let commit = BatchItem::statement("COMMIT");
    let ids = async |b: &mut Box<dyn Backend>| -> Vec<i64> {
        let rows = b
            .query(&format!("SELECT id FROM {t} ORDER BY id"), &[])
            .await
            .expect("reads the table");
        rows.iter()
            .map(|row| match row[0] {
                Value::Int(n) => n,
                ref other => panic!("expected an integer id, got {other:?}"),
            })
            .collect()
    };

    let batch = [
        begin.clone(),
        insert(1),
        bound(2),
        failing.clone(),
        insert(3),
        commit.clone(),
    ];
    match b.run_batch(&batch, true).await {
        Err((3, _)) => {}
        other => panic!("expected item 3 of the transaction to fail, got {other:?}"),
    }
    b.rollback().await.expect("rolls back after a failed batch");
    assert_eq!(
        ids(&mut b).await,
        Vec::<i64>::new(),
        "a failed transaction leaves nothing"
    );

    let batch = [insert(4), bound(5), failing, insert(6)];
    match b.run_batch(&batch, false).await {
        Err((2, _)) => {}
        other => panic!("expected item 2 to fail, got {other:?}"),
    }
    assert_eq!(
        ids(&mut b).await,
        vec![4, 5],
        "items before the failure stay, none after it runs"
    );

    let batch = [begin, bound(7), insert(8), commit];
    b.run_batch(&batch, true).await.expect("a good batch runs");
    assert_eq!(ids(&mut b).await, vec![4, 5, 7, 8]);
    b.execute(&format!("DROP TABLE {t}"))
        .await
        .expect("drops the table");
}

/// The requests a run makes grow with the statements it runs and no
/// faster ([`crate::testkit::counting`]): applying 20 migrations of five
/// statements costs exactly ten migrations' worth more than applying 10, at
/// most two requests per statement with the history and log writes (the
/// batches of one transaction where DDL is transactional, each journal
/// write sent with its statement where it is not); a run with nothing to
/// do costs the same whatever the number of applied migrations. The
/// durable history writes of an apply are one per migration where DDL is
/// transactional, and at most one per statement and one more where it is
/// not ([`crate::testkit::counting::Counting::history_commits`]).
pub async fn requests_grow_linearly(c: &dyn Connector) {
    const STATEMENTS: usize = 5;
    let mut costs = Vec::new();
    for n in [10, 20] {
        let kit = Kit::new(&format!("cost{n}"));
        let files = Scratch::new("cost");
        for i in 0..n {
            let t = kit.name(&format!("t{i}"));
            files.write(
                "kit",
                &format!("{:04}_m{i}.sql", i + 1),
                &format!(
                    "-- migrate:up\n\
                     CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER);\n\
                     CREATE INDEX {t}_name ON {t} (name);\n\
                     INSERT INTO {t} (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2);\n\
                     ALTER TABLE {t} ADD COLUMN note VARCHAR(100);\n\
                     UPDATE {t} SET n = n + 1;\n\
                     -- migrate:down\nDROP TABLE {t};\n"
                ),
            );
        }
        let (mut b, requests) = Counting::new(connect(c, &kit.options()).await);
        let commits = b.history_commits();
        let transactional_ddl = b.dialect().capabilities().transactional_ddl;
        let source = files.load(&b);
        let mut measure = async |request: Request| {
            run(&mut b, &source, request).await.expect("runs");
            let written = commits.swap(0, std::sync::atomic::Ordering::Relaxed);
            (
                requests.swap(0, std::sync::atomic::Ordering::Relaxed),
                written,
            )
        };
        let (apply, written) = measure(Request::All).await;
        let (nothing, _) = measure(Request::All).await;
        let (unapply, _) = measure(zero("kit")).await;
        costs.push((n, apply, nothing, unapply));
        // Durable history writes: one per migration where the migration is
        // one transaction; where each DDL statement commits on its own, one
        // per statement and one for the row that announces the first (the
        // count of a statement announces the next, a row change is counted
        // in its own transaction, the last is counted by the outcome).
        let most = if transactional_ddl { 1 } else { STATEMENTS + 1 };
        assert!(
            written <= most * n,
            "{written} durable history writes for {n} migrations of {STATEMENTS} statements (at most {most} each)"
        );
    }
    let [
        (n1, apply1, nothing1, unapply1),
        (n2, apply2, nothing2, unapply2),
    ] = costs[..]
    else {
        unreachable!()
    };
    assert_eq!(
        nothing1, nothing2,
        "a run with nothing to do made {nothing1} requests with {n1} migrations applied, {nothing2} with {n2}"
    );
    for (what, at1, at2) in [("apply", apply1, apply2), ("unapply", unapply1, unapply2)] {
        let added = n2 - n1;
        let growth = at2 - at1;
        assert_eq!(
            growth % added,
            0,
            "{what}: {at1} requests for {n1} migrations, {at2} for {n2}: not the same per migration"
        );
        let per_migration = growth / added;
        assert!(
            at1 >= per_migration * n1,
            "{what}: {at1} requests for {n1} migrations, {at2} for {n2}: grows faster than linearly"
        );
        if what == "apply" {
            assert!(
                per_migration <= 2 * STATEMENTS,
                "{what}: {per_migration} requests per migration of {STATEMENTS} statements (at most {})",
                2 * STATEMENTS
            );
        }
    }
}
