//! The PostgreSQL backend against a real server, each test in a scratch
//! database of its own (see `common`).

mod common;

use migrate_core::BackendExt;
use std::time::Duration;

use migrate_core::backend::{Backend, ConnectOptions, Dialect, StatementClass};
use migrate_core::history::{HistoryRecord, RecordState};
use migrate_core::{Error, VERSION};
use migrate_postgres::{PostgresBackend, PostgresDialect};

fn options(table: &str) -> ConnectOptions {
    ConnectOptions {
        history_table: table.to_string(),
        ..ConnectOptions::default()
    }
}

async fn connect(url: &str) -> PostgresBackend {
    PostgresBackend::connect(url, &ConnectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

fn database_error(e: Error) -> (String, String) {
    match e {
        Error::Database {
            context, message, ..
        } => (context, message),
        other => panic!("expected a database error, got {other:?}"),
    }
}

fn record(app: &str, name: &str) -> HistoryRecord {
    HistoryRecord {
        app: app.to_string(),
        name: name.to_string(),
        checksum: "c0ffee".to_string(),
        applied_at: "2025-01-02T03:04:05Z".to_string(),
        duration_ms: 1234,
        state: RecordState::Applied,
        statements_done: 2,
        statements_total: 2,
        last_error: None,
        up_sql: vec![
            "CREATE TABLE \"it's\" (a text DEFAULT 'x''y')".to_string(),
            "INSERT INTO t VALUES (E'back\\\\slash\nnewline') -- ünïcödé".to_string(),
        ],
        down_sql: Some(vec!["DROP TABLE \"it's\"".to_string()]),
        applied_by: Some("me@host".to_string()),
        tool_version: VERSION.to_string(),
        source_commit: Some("abc123".to_string()),
        journal: Vec::new(),
    }
}

#[tokio::test]
async fn unreachable_server_says_where_and_hides_the_password() {
    let url = "postgres://migrator:s3cret-pw@127.0.0.1:1/app";
    let e = PostgresBackend::connect(url, &ConnectOptions::default())
        .await
        .err()
        .expect("port 1 must not answer");
    let shown = e.to_string();
    assert!(!shown.contains("s3cret-pw"), "{shown}");
    let (context, message) = database_error(e);
    assert_eq!(
        context,
        "cannot connect to postgres://migrator:***@127.0.0.1:1/app"
    );
    assert!(
        message.contains("server unreachable at 127.0.0.1:1"),
        "{message}"
    );
    assert!(
        message.to_lowercase().contains("connection refused"),
        "{message}"
    );
}

#[tokio::test]
async fn unknown_database_is_named() {
    let Some(_db) = common::scratch().await else {
        return;
    };
    let server = common::server_url();
    // trust authentication ignores the password; it must still not show
    let url = common::with_database(&server, "migrate_no_such_database");
    let url = url.replacen("://postgres@", "://postgres:topsecret@", 1);
    let e = PostgresBackend::connect(&url, &ConnectOptions::default())
        .await
        .err()
        .expect("the database does not exist");
    assert!(!e.to_string().contains("topsecret"), "{e}");
    let (context, message) = database_error(e);
    assert!(context.starts_with("cannot connect to "), "{context}");
    assert!(
        message.contains("FATAL 3D000: database \"migrate_no_such_database\" does not exist"),
        "{message}"
    );
    assert!(message.contains("create the database first"), "{message}");
}

#[tokio::test]
async fn unknown_user_is_named() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let url = db
        .url
        .replacen("://postgres@", "://migrate_no_such_role@", 1);
    if url == db.url {
        common::skip("MIGRATE_TEST_POSTGRES_URL does not use user postgres");
        return;
    }
    let e = PostgresBackend::connect(&url, &ConnectOptions::default())
        .await
        .err()
        .expect("the role does not exist");
    let (_, message) = database_error(e);
    assert!(
        message.contains("28"),
        "an authorization SQLSTATE: {message}"
    );
    assert!(message.contains("migrate_no_such_role"), "{message}");
}

#[tokio::test]
async fn target_is_the_redacted_url() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let b = connect(&db.url).await;
    assert_eq!(b.target(), migrate_core::redact::redact_url(&db.url));
    assert_eq!(b.dialect().name(), "postgres");
}

#[tokio::test]
async fn history_round_trip() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = PostgresBackend::connect(&db.url, &options("hist"))
        .await
        .unwrap();
    let look = common::client(&db.url).await.unwrap();

    assert!(b.load_history().await.unwrap().is_empty());
    let exists = look
        .query_one("SELECT to_regclass('hist') IS NOT NULL", &[])
        .await
        .unwrap();
    assert!(
        !exists.get::<_, bool>(0),
        "load_history must not create the table"
    );

    b.ensure_history().await.unwrap();
    b.ensure_history().await.unwrap();
    assert!(b.load_history().await.unwrap().is_empty());

    let first = record("blog", "0001_initial");
    let mut second = record("auth", "0001_users");
    second.state = RecordState::Partial;
    second.statements_done = 1;
    second.last_error =
        Some("statement 2 failed: ERROR 42P01: relation \"t\" does not exist".into());
    second.down_sql = None;
    second.applied_by = None;
    b.write_record(&first).await.unwrap();
    b.write_record(&second).await.unwrap();
    assert_eq!(
        b.load_history().await.unwrap(),
        vec![second.clone(), first.clone()]
    );

    // the same key replaces the row
    let mut done = second.clone();
    done.state = RecordState::Applied;
    done.statements_done = 2;
    done.last_error = None;
    done.down_sql = Some(vec![]);
    b.write_record(&done).await.unwrap();
    assert_eq!(
        b.load_history().await.unwrap(),
        vec![done.clone(), first.clone()]
    );

    // inside a transaction, with the executor's rollback
    b.begin().await.unwrap();
    b.delete_record("blog", "0001_initial").await.unwrap();
    b.rollback().await.unwrap();
    assert_eq!(b.load_history().await.unwrap().len(), 2);

    b.delete_record("blog", "0001_initial").await.unwrap();
    b.delete_record("blog", "0001_initial").await.unwrap();
    assert_eq!(b.load_history().await.unwrap(), vec![done]);

    // the column types and order are the shared ones
    let columns: Vec<(String, String)> = look
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_name = 'hist' ORDER BY ordinal_position",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = migrate_core::history::COLUMNS
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, expected);
    assert!(
        columns
            .iter()
            .any(|(n, t)| n == "duration_ms" && t == "bigint")
    );
}

#[tokio::test]
async fn unknown_state_is_rejected() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url).await;
    b.ensure_history().await.unwrap();
    b.write_record(&record("app", "0001_x")).await.unwrap();
    b.execute("UPDATE migrate_history SET state = 'exploded'")
        .await
        .unwrap();
    let e = b.load_history().await.unwrap_err().to_string();
    assert!(e.contains("app:0001_x"), "{e}");
    assert!(e.contains("unknown state `exploded`"), "{e}");
}

#[tokio::test]
async fn statements_errors_and_transactions() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url).await;
    let look = common::client(&db.url).await.unwrap();

    // anything the simple protocol takes: several statements, DO blocks,
    // function bodies, SELECTs
    b.execute("CREATE TABLE t (a int PRIMARY KEY); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    b.execute("DO $$ BEGIN RAISE NOTICE 'hello from DO'; END $$")
        .await
        .unwrap();
    b.execute(
        "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE plpgsql AS $f$ BEGIN RETURN x * 2; END $f$",
    )
    .await
    .unwrap();
    b.execute("SELECT twice(a) FROM t").await.unwrap();

    let e = b.execute("SELECT * FROM nope").await.unwrap_err();
    let (context, message) = database_error(e);
    assert_eq!(context, "PostgreSQL");
    assert!(
        message.starts_with("ERROR 42P01: relation \"nope\" does not exist"),
        "{message}"
    );
    let (_, message) = database_error(b.execute("INSERT INTO t VALUES (1)").await.unwrap_err());
    assert!(
        message.starts_with("ERROR 23505: duplicate key value"),
        "{message}"
    );
    assert!(
        message.contains("\nDETAIL: Key (a)=(1) already exists."),
        "{message}"
    );
    let (_, message) = database_error(b.execute("SELECT twice('x'::text)").await.unwrap_err());
    assert!(message.contains("\nHINT: "), "{message}");

    // transactional DDL rolls back
    b.begin().await.unwrap();
    b.execute("CREATE TABLE rolled_back (a int)").await.unwrap();
    b.rollback().await.unwrap();
    // rollback without a transaction is not an error
    b.rollback().await.unwrap();
    b.begin().await.unwrap();
    b.execute("CREATE TABLE kept (a int)").await.unwrap();
    b.commit().await.unwrap();
    let row = look
        .query_one(
            "SELECT to_regclass('rolled_back') IS NULL, to_regclass('kept') IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0) && row.get::<_, bool>(1));

    // a failed statement leaves the transaction for the rollback
    b.begin().await.unwrap();
    assert!(b.execute("SELECT 1/0").await.is_err());
    b.rollback().await.unwrap();
    b.execute("SELECT 1").await.unwrap();
    Box::new(b).close().await.unwrap();
}

#[tokio::test]
async fn init_statements_run_in_order_and_failures_name_them() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut opts = ConnectOptions {
        init_statements: vec![
            "CREATE TEMP TABLE init_marker (x int)".to_string(),
            "INSERT INTO init_marker VALUES (1)".to_string(),
        ],
        ..ConnectOptions::default()
    };
    let mut b = PostgresBackend::connect(&db.url, &opts).await.unwrap();
    b.execute("DO $$ BEGIN IF (SELECT count(*) FROM init_marker) <> 1 THEN RAISE EXCEPTION 'no marker'; END IF; END $$")
        .await
        .unwrap();

    opts.init_statements = vec!["SET lock_timeout = '5s'".into(), "SELEC 1".into()];
    let e = PostgresBackend::connect(&db.url, &opts)
        .await
        .err()
        .unwrap();
    let (context, message) = database_error(e);
    assert!(
        context.starts_with("init statement `SELEC 1` failed on postgres://"),
        "{context}"
    );
    assert!(
        message.starts_with("ERROR 42601: syntax error"),
        "{message}"
    );
}

#[tokio::test]
async fn lock_is_exclusive_and_names_its_holder() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut a = connect(&db.url).await;
    let mut b = connect(&db.url).await;
    a.lock(Duration::from_secs(5)).await.unwrap();
    a.lock(Duration::from_secs(5))
        .await
        .expect("taking it again is a no-op");

    let started = std::time::Instant::now();
    let e = b.lock(Duration::from_millis(400)).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(started.elapsed() < Duration::from_secs(5));
    match &e {
        Error::LockTimeout {
            target,
            waited_secs,
            holder,
        } => {
            assert_eq!(target, &b.target());
            assert_eq!(*waited_secs, 0);
            let holder = holder.as_deref().expect("the holder is described");
            assert!(holder.starts_with("server process "), "{holder}");
            assert!(holder.contains("application \"migrate\""), "{holder}");
            assert!(
                holder.contains("user postgres") || !db.url.contains("postgres@"),
                "{holder}"
            );
            assert!(holder.contains(" since "), "{holder}");
        }
        other => panic!("expected a lock timeout, got {other:?}"),
    }
    assert!(e.to_string().contains("(held by server process "), "{e}");

    // another history table has a lock of its own
    let mut other = PostgresBackend::connect(&db.url, &options("other_history"))
        .await
        .unwrap();
    other.lock(Duration::from_millis(500)).await.unwrap();
    other.unlock().await.unwrap();

    a.unlock().await.unwrap();
    a.unlock().await.expect("unlocking twice is not an error");
    b.lock(Duration::from_secs(5)).await.unwrap();

    // dropping the holder releases the lock
    drop(b);
    a.lock(Duration::from_secs(5)).await.unwrap();
    a.unlock().await.unwrap();
}

#[tokio::test]
async fn create_index_concurrently_while_holding_the_lock() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url).await;
    b.lock(Duration::from_secs(5)).await.unwrap();
    b.ensure_history().await.unwrap();
    b.execute("CREATE TABLE big (id int, v text); INSERT INTO big SELECT g, g::text FROM generate_series(1, 20000) g")
        .await
        .unwrap();

    // another run waits for the lock meanwhile, polling
    let url = db.url.clone();
    let waiter = tokio::spawn(async move {
        let mut w = connect(&url).await;
        let got = w.lock(Duration::from_secs(3)).await;
        (got.is_err(), w)
    });

    let index = "CREATE INDEX CONCURRENTLY big_v ON big (v)";
    assert_eq!(
        PostgresDialect.classify(index),
        StatementClass::NoTransaction
    );
    tokio::time::timeout(Duration::from_secs(20), async {
        b.execute(index).await.unwrap();
        b.execute("CREATE UNIQUE INDEX CONCURRENTLY big_id ON big (id)")
            .await
            .unwrap();
        b.execute("REINDEX INDEX CONCURRENTLY big_v").await.unwrap();
        b.execute("DROP INDEX CONCURRENTLY big_v").await.unwrap();
    })
    .await
    .expect("CREATE INDEX CONCURRENTLY must not wait for the lock connection");

    let look = common::client(&db.url).await.unwrap();
    let row = look
        .query_one(
            "SELECT to_regclass('big_id') IS NOT NULL, to_regclass('big_v') IS NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0) && row.get::<_, bool>(1));

    let (timed_out, _w) = waiter.await.unwrap();
    assert!(timed_out, "the lock stayed held during the index builds");
    b.unlock().await.unwrap();
}

#[tokio::test]
async fn schema_option_holds_the_history_and_the_migrations() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let schema = "app \"data\"";
    let mut opts = options("migrate_history");
    opts.schema = Some(schema.to_string());
    let mut b = PostgresBackend::connect(&db.url, &opts).await.unwrap();
    assert!(
        b.load_history().await.unwrap().is_empty(),
        "no schema yet: empty history"
    );
    b.ensure_history().await.unwrap();
    b.write_record(&record("app", "0001_x")).await.unwrap();
    b.execute("CREATE TABLE made_here (a int)").await.unwrap();
    assert_eq!(b.load_history().await.unwrap().len(), 1);

    let look = common::client(&db.url).await.unwrap();
    let tables: Vec<(String, String)> = look
        .query(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables \
             WHERE table_name IN ('migrate_history', 'made_here') ORDER BY table_name",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        tables,
        vec![
            (schema.to_string(), "made_here".to_string()),
            (schema.to_string(), "migrate_history".to_string()),
        ]
    );

    // without the option, the history in `public` is a different (empty) one
    let mut plain = connect(&db.url).await;
    assert!(plain.load_history().await.unwrap().is_empty());
    // and the lock is not shared either
    b.lock(Duration::from_secs(5)).await.unwrap();
    plain.lock(Duration::from_millis(500)).await.unwrap();
}

/// Every statement classified `NoTransaction` that can run here is refused by
/// the server inside a transaction block (SQLSTATE 25001).
#[tokio::test]
async fn server_agrees_with_classify() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url).await;
    b.execute("CREATE TABLE p (a int) PARTITION BY RANGE (a); CREATE TABLE c PARTITION OF p FOR VALUES FROM (0) TO (10); CREATE TABLE t (a int); CREATE INDEX ti ON t (a)")
        .await
        .unwrap();
    let name = &db.name;
    let refused = [
        "CREATE INDEX CONCURRENTLY i ON t (a)".to_string(),
        "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)".to_string(),
        "DROP INDEX CONCURRENTLY ti".to_string(),
        "REINDEX TABLE CONCURRENTLY t".to_string(),
        "REINDEX (VERBOSE) INDEX CONCURRENTLY ti".to_string(),
        "REINDEX SCHEMA public".to_string(),
        format!("REINDEX DATABASE \"{name}\""),
        format!("REINDEX SYSTEM \"{name}\""),
        "CREATE DATABASE migrate_never_created".to_string(),
        "DROP DATABASE migrate_never_created".to_string(),
        format!("ALTER DATABASE \"{name}\" SET TABLESPACE pg_default"),
        "CREATE TABLESPACE migrate_never LOCATION '/nonexistent'".to_string(),
        "DROP TABLESPACE migrate_never".to_string(),
        "VACUUM".to_string(),
        "VACUUM (ANALYZE) t".to_string(),
        "ALTER SYSTEM SET work_mem = '64MB'".to_string(),
        "CREATE SUBSCRIPTION s CONNECTION 'host=127.0.0.1 port=1' PUBLICATION p".to_string(),
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY".to_string(),
        "CLUSTER".to_string(),
        "DISCARD ALL".to_string(),
        "COMMIT PREPARED 'x'".to_string(),
        "ROLLBACK PREPARED 'x'".to_string(),
    ];
    for sql in &refused {
        assert_eq!(
            PostgresDialect.classify(sql),
            StatementClass::NoTransaction,
            "{sql}"
        );
        b.begin().await.unwrap();
        let e = b.execute(sql).await.err();
        b.rollback().await.unwrap();
        let message = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("ERROR 25001:"), "{sql} => {message:?}");
    }
    for sql in [
        "CREATE INDEX i ON t (a)",
        "REINDEX TABLE t",
        "ANALYZE t",
        "CLUSTER t USING ti",
        "ALTER TABLE p DETACH PARTITION c",
        "CREATE SUBSCRIPTION s CONNECTION 'host=127.0.0.1 port=1' PUBLICATION p WITH (connect = false)",
    ] {
        assert_eq!(
            PostgresDialect.classify(sql),
            StatementClass::Transactional,
            "{sql}"
        );
        b.begin().await.unwrap();
        let done = b.execute(sql).await;
        b.rollback().await.unwrap();
        done.unwrap_or_else(|e| panic!("{sql} => {e}"));
    }
}

/// TLS against the local server when it has `ssl = on`.
#[tokio::test]
async fn tls_modes() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let look = common::client(&db.url).await.unwrap();
    let ssl: String = look.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    let encrypted = "DO $$ BEGIN IF NOT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) \
                     THEN RAISE EXCEPTION 'not encrypted'; END IF; END $$";

    let mut plain = connect(&common::with_params(&db.url, "sslmode=prefer")).await;
    assert!(
        plain.execute(encrypted).await.is_err(),
        "prefer does not try TLS"
    );

    let require = common::with_params(&db.url, "sslmode=require");
    if ssl != "on" {
        let e = PostgresBackend::connect(&require, &ConnectOptions::default())
            .await
            .err()
            .expect("the server has no TLS");
        assert!(e.to_string().contains("TLS"), "{e}");
        common::skip("the server has ssl = off; only the refusal was tested");
        return;
    }
    let mut tls = connect(&require).await;
    tls.execute(encrypted).await.unwrap();

    // verify-full with the Mozilla roots: a local certificate is untrusted
    let e = PostgresBackend::connect(
        &common::with_params(&db.url, "sslmode=verify-full"),
        &ConnectOptions::default(),
    )
    .await
    .err()
    .expect("a local certificate is not signed by a public root");
    let (_, message) = database_error(e);
    assert!(message.starts_with("TLS handshake with "), "{message}");

    // with the server's own certificate as the root
    let cert: String = look
        .query_one("SHOW ssl_cert_file", &[])
        .await
        .unwrap()
        .get(0);
    let cert = if cert.starts_with('/') {
        std::path::PathBuf::from(cert)
    } else {
        let dir: String = look
            .query_one("SHOW data_directory", &[])
            .await
            .unwrap()
            .get(0);
        std::path::Path::new(&dir).join(cert)
    };
    if std::fs::read(&cert).is_err() {
        common::skip(&format!(
            "cannot read the server certificate {}",
            cert.display()
        ));
        return;
    }
    let root = format!("sslrootcert={}", cert.display());
    let mut ca = connect(&common::with_params(
        &db.url,
        &format!("sslmode=verify-ca&{root}"),
    ))
    .await;
    ca.execute(encrypted).await.unwrap();

    let full = common::with_params(&db.url, &format!("sslmode=verify-full&{root}"));
    let by_name = full.replacen("@127.0.0.1:", "@localhost:", 1);
    match PostgresBackend::connect(&by_name, &ConnectOptions::default()).await {
        Ok(mut b) => b.execute(encrypted).await.unwrap(),
        Err(e) => common::skip(&format!("verify-full by name `localhost` failed: {e}")),
    }
    if full.contains("@127.0.0.1:") {
        // unless the certificate names the IP address, verify-full refuses it
        if let Err(e) = PostgresBackend::connect(&full, &ConnectOptions::default()).await {
            let (_, message) = database_error(e);
            assert!(message.contains("does not name this host"), "{message}");
        }
    }
}
