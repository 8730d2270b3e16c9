//! A portable migration rendered by the dialect's renderer runs on the
//! engine, and its derived reverse takes it back.

use crate::backend::BackendExt;
use crate::plan::Request;
use crate::testkit::{Connector, Kit, Scratch, connect, table_exists};

use super::run::{run, zero};

/// Creates two tables with a foreign key, an index and a unique
/// constraint, adds and renames a column, then reverts all of it.
pub async fn portable_migration_applies_and_reverts(c: &dyn Connector) {
    let kit = Kit::new("port");
    let mut b = connect(c, &kit.options()).await;
    let [parent, child, idx] = ["parent", "child", "idx"].map(|n| kit.name(n));
    let files = Scratch::new("portable");
    files.write(
        "kit",
        "0001_tables.toml",
        &format!(
            r#"
[[operations]]
op = "create_table"
table = "{parent}"
columns = [
  {{ name = "id", type = "auto_id" }},
  {{ name = "code", type = "string", length = 20 }},
]
unique = [["code"]]

[[operations]]
op = "create_table"
table = "{child}"
columns = [
  {{ name = "id", type = "big_auto_id" }},
  {{ name = "parent_id", type = "integer" }},
  {{ name = "amount", type = "decimal", precision = 10, scale = 2, default = "0" }},
]
indexes = [{{ name = "{idx}", columns = ["parent_id"] }}]
foreign_keys = [{{ columns = ["parent_id"], references = "{parent}", on_delete = "cascade" }}]
"#
        ),
    );
    files.write(
        "kit",
        "0002_change.toml",
        &format!(
            r#"
[[operations]]
op = "add_column"
table = "{child}"
column = {{ name = "note", type = "text", nullable = true }}

[[operations]]
op = "rename_column"
table = "{child}"
column = "amount"
to = "total"
"#
        ),
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All)
        .await
        .expect("apply the portable migrations");
    assert!(table_exists(b.as_mut(), &parent).await);
    assert!(table_exists(b.as_mut(), &child).await);
    let probe = |column: &str| crate::testkit::journal::column(&child, column);
    if b.dialect().capabilities().probes {
        assert_eq!(b.probe(&probe("total")).await.unwrap(), Some(true));
        assert_eq!(b.probe(&probe("note")).await.unwrap(), Some(true));
    }
    b.execute(&format!("INSERT INTO {parent} (code) VALUES ('a')"))
        .await
        .expect("insert");
    run(
        b.as_mut(),
        &source,
        Request::To {
            app: "kit".into(),
            target: "0001".into(),
        },
    )
    .await
    .expect("revert 0002");
    if b.dialect().capabilities().probes {
        assert_eq!(b.probe(&probe("amount")).await.unwrap(), Some(true));
        assert_eq!(b.probe(&probe("note")).await.unwrap(), Some(false));
    }
    run(b.as_mut(), &source, zero("kit"))
        .await
        .expect("revert 0001");
    assert!(!table_exists(b.as_mut(), &child).await);
    assert!(!table_exists(b.as_mut(), &parent).await);
    assert!(b.load_history().await.unwrap().is_empty());
}
