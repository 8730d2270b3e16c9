//! The history and audit-log tables through the core's storage.

use crate::backend::{BackendExt, ConnectOptions};
use crate::history::{HistoryRecord, RecordState};
use crate::log::{Action, LogEntry};
use crate::testkit::{Connector, Kit, connect, sample_record, table_exists};

fn sorted(mut records: Vec<HistoryRecord>) -> Vec<HistoryRecord> {
    records.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
    records
}

/// Reading a history and log that do not exist gives empty lists and
/// creates nothing.
pub async fn missing_history_is_empty_and_not_created(c: &dyn Connector) {
    let kit = Kit::new("miss");
    let mut b = connect(c, &kit.options()).await;
    let history = b
        .load_history()
        .await
        .expect("load_history on a missing table");
    assert!(
        history.is_empty(),
        "a missing table reads as an empty history"
    );
    let log = b.load_log().await.expect("load_log on a missing table");
    assert!(log.is_empty(), "a missing log reads as empty");
    assert!(
        !table_exists(b.as_mut(), &kit.name("history")).await,
        "reading must not create the history table"
    );
}

/// Records written are read back exactly; rewriting replaces; deleting
/// removes; `ensure_history` is idempotent.
pub async fn history_round_trip(c: &dyn Connector) {
    let kit = Kit::new("hist");
    let mut b = connect(c, &kit.options()).await;
    b.ensure_history().await.expect("ensure_history");
    b.ensure_history().await.expect("ensure_history twice");
    assert!(table_exists(b.as_mut(), &kit.name("history")).await);
    let first = sample_record("patients", "0001_initial");
    let mut second = sample_record("tasks", "0002_x");
    second.down_sql = None;
    second.applied_by = None;
    second.state = RecordState::Partial;
    second.statements_done = 1;
    second.last_error = Some("statement 2 failed: boom 'quoted'".to_string());
    b.write_record(&first).await.expect("write first");
    b.write_record(&second).await.expect("write second");
    assert_eq!(
        sorted(b.load_history().await.unwrap()),
        vec![first.clone(), second.clone()]
    );

    second.state = RecordState::Applied;
    second.statements_done = 2;
    second.last_error = None;
    b.write_record(&second).await.expect("rewrite");
    assert_eq!(
        sorted(b.load_history().await.unwrap()),
        vec![first.clone(), second.clone()]
    );

    b.delete_record("patients", "0001_initial")
        .await
        .expect("delete");
    b.delete_record("patients", "0001_initial")
        .await
        .expect("delete again is no error");
    assert_eq!(b.load_history().await.unwrap(), vec![second]);
}

/// A history table whose name needs quoting works.
pub async fn odd_history_table_name(c: &dyn Connector) {
    let kit = Kit::new("odd");
    let options = ConnectOptions {
        history_table: format!("kit {} \"h\" `t`", kit.tag),
        ..ConnectOptions::default()
    };
    let mut b = connect(c, &options).await;
    b.ensure_history()
        .await
        .expect("ensure_history with an odd name");
    let record = sample_record("app", "0001_a");
    b.write_record(&record)
        .await
        .expect("write with an odd table name");
    assert_eq!(b.load_history().await.unwrap(), vec![record]);
}

/// Log entries are read back exactly, oldest first.
pub async fn audit_log_round_trip(c: &dyn Connector) {
    let kit = Kit::new("log");
    let mut b = connect(c, &kit.options()).await;
    b.ensure_history().await.expect("ensure_history");
    let entry = |action, detail: Option<&str>| LogEntry {
        at: "2026-01-02T03:04:05.678Z".into(),
        app: "kit".into(),
        name: "0001_x".into(),
        action,
        checksum: Some("ab".repeat(32)),
        detail: detail.map(Into::into),
        statements: vec!["INSERT INTO t VALUES ('it''s\nünï')".into()],
        actor: Some("kit@host".into()),
        tool_version: crate::VERSION.into(),
    };
    let entries = vec![
        entry(Action::Apply, None),
        entry(Action::ApplyFailed, Some("statement 2 failed: 'boom'")),
        entry(Action::RepairUndo, Some("undone")),
    ];
    for e in &entries {
        b.append_log(e).await.expect("append_log");
    }
    assert_eq!(b.load_log().await.expect("load_log"), entries);
}

/// Init statements run on the new connection, in order, and a failing one
/// fails the connection naming it.
pub async fn init_statements_run_in_order(c: &dyn Connector) {
    let kit = Kit::new("init");
    let table = kit.name("t");
    let options = ConnectOptions {
        init_statements: vec![
            format!("CREATE TABLE {table} (id INTEGER)"),
            format!("INSERT INTO {table} (id) VALUES (7)"),
        ],
        ..kit.options()
    };
    let mut b = connect(c, &options).await;
    let rows = b
        .query(&format!("SELECT id FROM {table}"), &[])
        .await
        .expect("the init statements created and filled the table");
    assert_eq!(rows, vec![vec![crate::history::Value::Int(7)]]);
    b.execute(&format!("DROP TABLE {table}"))
        .await
        .expect("clean up");
    let failing = ConnectOptions {
        init_statements: vec!["SELEC 1".into()],
        ..kit.options()
    };
    match c.connect(&failing).await {
        Err(e) => assert!(
            e.to_string().contains("SELEC 1"),
            "the error names the statement: {e}"
        ),
        Ok(_) => panic!("a failing init statement must fail the connection"),
    }
}

/// A connection made with `create = false` reads an empty history and
/// creates nothing.
pub async fn create_false_creates_nothing(c: &dyn Connector) {
    let kit = Kit::new("nocr");
    let options = ConnectOptions {
        create: false,
        ..kit.options()
    };
    let mut b = connect(c, &options).await;
    assert!(b.load_history().await.expect("load_history").is_empty());
    assert!(b.load_log().await.expect("load_log").is_empty());
    b.close().await.expect("close");
    let mut b = connect(c, &kit.options()).await;
    assert!(!table_exists(b.as_mut(), &kit.name("history")).await);
}
