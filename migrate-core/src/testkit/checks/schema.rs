//! `ConnectOptions::schema`: the history and unqualified names live there on
//! engines with schemas; refused elsewhere.

use crate::backend::{BackendExt, ConnectOptions};
use crate::error::Error;
use crate::history::Value;
use crate::plan::Request;
use crate::testkit::{Connector, Kit, Scratch, connect};

use super::run::run;

/// With a schema, the history tables and the tables a migration creates
/// with unqualified names are in that schema (created when missing), and
/// the lock's identity names it.
pub async fn schema_holds_the_history(c: &dyn Connector) {
    let kit = Kit::new("schm");
    let schema = kit.name("s");
    let t = kit.name("t");
    let options = ConnectOptions {
        schema: Some(schema.clone()),
        ..kit.options()
    };
    let mut b = connect(c, &options).await;
    assert_eq!(b.location().schema.as_deref(), Some(schema.as_str()));
    let files = Scratch::new("schema");
    files.write(
        "kit",
        "0001_t.sql",
        &format!(
            "-- migrate:up\nCREATE TABLE {t} (id INTEGER);\n-- migrate:down\nDROP TABLE {t};\n"
        ),
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All)
        .await
        .expect("apply in the schema");
    assert_eq!(b.load_history().await.unwrap().len(), 1);

    let mut plain = connect(c, &kit.options()).await;
    let d = plain.dialect();
    let sql = format!(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = {} ORDER BY table_name",
        d.placeholder(1)
    );
    let rows = plain
        .query(&sql, &[Value::from(schema.as_str())])
        .await
        .expect("list the schema");
    let names: Vec<_> = rows
        .iter()
        .filter_map(|r| r[0].as_text().map(String::from))
        .collect();
    let mut expected = vec![kit.name("history"), kit.name("history_log"), t];
    expected.sort();
    assert_eq!(
        names, expected,
        "the schema holds the history, its log and the migration's table"
    );
    assert!(
        plain.load_history().await.unwrap().is_empty(),
        "without the schema, the history is elsewhere"
    );
    let quoted = plain.dialect().quote_identifier(&schema);
    plain
        .execute(&format!("DROP SCHEMA {quoted} CASCADE"))
        .await
        .expect("clean up");
}

/// An engine without schemas refuses the option instead of ignoring it.
pub async fn schema_is_refused(c: &dyn Connector) {
    let kit = Kit::new("nosc");
    let options = ConnectOptions {
        schema: Some(kit.name("s")),
        ..kit.options()
    };
    match c.connect(&options).await {
        Err(Error::Unsupported(_)) => {}
        Err(other) => panic!("expected Error::Unsupported, got {other}"),
        Ok(_) => panic!("a schema must be refused by an engine without schemas"),
    }
}
