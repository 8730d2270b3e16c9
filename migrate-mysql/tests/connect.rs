//! Connecting: errors, URL forms, options.

mod common;

use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_mysql::MysqlBackend;

async fn connect_err(url: &str, options: &ConnectOptions) -> Error {
    match MysqlBackend::connect(url, options).await {
        Ok(backend) => panic!("connected to {url}: {backend:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn unreachable_server_names_host_and_port() {
    let url = "mysql://root:unreachable-pw@127.0.0.1:1/app";
    let e = connect_err(url, &ConnectOptions::default()).await;
    let shown = e.to_string();
    match &e {
        Error::Database {
            context, message, ..
        } => {
            assert_eq!(
                context,
                "cannot connect to mysql://root:***@127.0.0.1:1/app"
            );
            assert!(
                message.starts_with("cannot reach the server at 127.0.0.1:1: "),
                "{message}"
            );
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    assert!(!shown.contains("unreachable-pw"), "{shown}");
    assert_eq!(e.exit_code(), 1);
}

#[tokio::test]
async fn wrong_password_says_access_denied_without_the_password() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let password = "Wr0ng-s3cret-for-test";
    let url = db.url_with_password(password);
    let e = connect_err(&url, &ConnectOptions::default()).await;
    let shown = e.to_string();
    match &e {
        Error::Database {
            context, message, ..
        } => {
            assert!(context.starts_with("cannot connect to "), "{context}");
            assert!(context.contains(":***@"), "{context}");
            assert!(
                message.to_lowercase().contains("access denied"),
                "{message}"
            );
            assert!(message.starts_with("ERROR 1045 (28000): "), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    assert!(!shown.contains(password), "{shown}");
    assert!(!format!("{e:?}").contains(password), "{e:?}");
}

#[tokio::test]
async fn unknown_database_is_named() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let missing = format!("{}_missing", db.name);
    let e = connect_err(&db.url_for_database(&missing), &ConnectOptions::default()).await;
    match &e {
        Error::Database {
            context, message, ..
        } => {
            assert!(context.starts_with("cannot connect to "), "{context}");
            assert!(message.contains("ERROR 1049"), "{message}");
            assert!(
                message.contains(&format!("Unknown database '{missing}'")),
                "{message}"
            );
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn schema_option_is_refused() {
    let options = ConnectOptions {
        schema: Some("app".into()),
        ..ConnectOptions::default()
    };
    // Refused before any connection attempt.
    let e = connect_err("mysql://root@127.0.0.1:1/app", &options).await;
    match e {
        Error::Unsupported(message) => assert_eq!(
            message,
            "--schema is a PostgreSQL option; on MySQL the database in the URL is the schema"
        ),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[tokio::test]
async fn url_without_database_is_refused() {
    let e = connect_err("mysql://root:pw@127.0.0.1:3306", &ConnectOptions::default()).await;
    assert!(matches!(e, Error::Usage(_)), "{e:?}");
    assert!(e.to_string().contains("names no database"), "{e}");
    assert!(!e.to_string().contains(":pw@"), "{e}");
}

#[tokio::test]
async fn mariadb_scheme_connects_and_target_is_redacted() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let url = db.url.replacen("mysql://", "mariadb://", 1);
    let backend = MysqlBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("connects");
    assert_eq!(backend.target(), migrate_core::redact::redact_url(&url));
    assert_eq!(backend.dialect().name(), "mysql");
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn init_statements_run_on_the_migration_connection() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let options = ConnectOptions {
        init_statements: vec!["SET FOREIGN_KEY_CHECKS = 0".into()],
        ..ConnectOptions::default()
    };
    let mut backend = MysqlBackend::connect(&db.url, &options)
        .await
        .expect("connects");
    backend
        .execute("CREATE TABLE fk_state AS SELECT @@FOREIGN_KEY_CHECKS AS v")
        .await
        .expect("records the setting");
    assert_eq!(db.query_one::<i64>("SELECT v FROM fk_state").await, Some(0));
    // And it takes effect: a row referencing nothing is accepted.
    backend
        .execute("CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB")
        .await
        .expect("parent");
    backend
        .execute("CREATE TABLE child (parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB")
        .await
        .expect("child");
    backend
        .execute("INSERT INTO child VALUES (42)")
        .await
        .expect("no foreign key check");
    Box::new(backend).close().await.expect("closes");

    // Without the init statement the same insert fails.
    let mut plain = MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");
    let e = plain
        .execute("INSERT INTO child VALUES (43)")
        .await
        .expect_err("checked");
    assert!(e.to_string().contains("ERROR 1452"), "{e}");
    Box::new(plain).close().await.expect("closes");
}

#[tokio::test]
async fn failing_init_statement_is_named() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let options = ConnectOptions {
        init_statements: vec!["SET no_such_variable_here = 1".into()],
        ..ConnectOptions::default()
    };
    let e = connect_err(&db.url, &options).await;
    match &e {
        Error::Database {
            context, message, ..
        } => {
            assert!(
                context.contains("`SET no_such_variable_here = 1`"),
                "{context}"
            );
            assert!(message.starts_with("ERROR 1193 (HY000): "), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}
