//! `migrate drift`: the live schema against what the applied migrations
//! make, replayed on a scratch database; the SQL it prints brings the
//! database back, and the migration it writes accepts the live schema.

use std::sync::Arc;

use crate::harness::{Ctx, Kind};

/// Changes made by hand: a column and a table added, an index dropped,
/// and (where the engine alters columns in place) a column made NOT NULL.
async fn change_by_hand(ctx: &Ctx) -> usize {
    ctx.db
        .exec("ALTER TABLE patient ADD COLUMN email VARCHAR(200)")
        .await;
    ctx.db
        .exec("CREATE TABLE extra (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)")
        .await;
    match ctx.kind() {
        Kind::Mysql => ctx.db.exec("DROP INDEX visit_patient ON visit").await,
        _ => ctx.db.exec("DROP INDEX visit_patient").await,
    }
    match ctx.kind() {
        Kind::Sqlite => 3,
        Kind::Postgres => {
            ctx.db
                .exec("ALTER TABLE visit ALTER COLUMN note SET NOT NULL")
                .await;
            4
        }
        Kind::Mysql => {
            ctx.db
                .exec("ALTER TABLE visit MODIFY note VARCHAR(200) NOT NULL")
                .await;
            4
        }
    }
}

fn json(out: &crate::harness::Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

pub async fn drift_finds_hand_changes_and_prints_what_undoes_them(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["drift"])
        .expect_code(0)
        .expect_text("No drift");
    let before = crate::harness::shape::shape(&ctx.db).await;

    let changes = change_by_hand(&ctx).await;
    let out = ctx.migrate(&["drift", "--format", "json"]);
    out.expect_code(1);
    let doc = json(&out);
    assert_eq!(doc["drift"], true);
    assert_eq!(doc["applied"], 5);
    let kinds: Vec<&str> = doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds.len(), changes, "{doc}");
    for kind in ["table_added", "column_added", "index_removed"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // The history's own tables are not drift.
    assert!(!out.stdout.contains("migrate_history"), "{}", out.stdout);
    // Text names each difference.
    ctx.migrate(&["drift"])
        .expect_code(1)
        .expect_text("table extra added")
        .expect_text("column patient.email added")
        .expect_text("index visit.visit_patient removed");

    // The printed SQL, run by the engine's own client, brings it back.
    for fix in doc["back"].as_array().unwrap() {
        for statement in fix["statements"].as_array().unwrap() {
            ctx.db.exec(statement.as_str().unwrap()).await;
        }
    }
    ctx.migrate(&["drift"]).expect_code(0);
    assert_eq!(crate::harness::shape::shape(&ctx.db).await, before);
}

pub async fn drift_writes_a_migration_that_accepts_the_live_schema(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    change_by_hand(&ctx).await;
    let live = crate::harness::shape::shape(&ctx.db).await;
    let out = ctx.migrate(&["drift", "--write-migration", "patients", "accept_live"]);
    out.expect_code(1)
        .expect_text("migrate patients 0004_accept_live --fake");
    let file = ctx
        .project()
        .join("migrations/patients/0004_accept_live.sql");
    assert!(file.exists(), "{}", out.stdout);
    // Recorded without running: the database has it already.
    ctx.migrate(&["patients", "0004_accept_live", "--fake"])
        .expect_code(0);
    ctx.migrate(&["drift"]).expect_code(0);
    assert_eq!(crate::harness::shape::shape(&ctx.db).await, live);
    // Its down section goes back to what the other migrations make.
    ctx.migrate(&["patients", "0003"]).expect_code(0);
    ctx.migrate(&["drift"]).expect_code(0);
    assert!(!ctx.db.tables().await.contains(&"extra".to_string()));
    // Usage: an app and a name.
    ctx.migrate(&["drift", "--write-migration", "patients"])
        .expect_code(2);
}

pub async fn drift_refuses_a_history_left_part_way(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_two.sql",
        "-- migrate:up transaction=false\nCREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n",
    );
    ctx.migrate(&[]).expect_code(1);
    ctx.migrate(&["drift"])
        .expect_code(3)
        .expect_text("partial")
        .expect_text("migrate repair");
}

/// The other way round: what the migrations made and the database lost
/// (a table, a column), an index added by hand, and, where the engine
/// alters columns in place, a type and a default changed. The printed SQL
/// brings every one back.
pub async fn drift_finds_what_was_removed_or_changed_in_place(ctx: Arc<Ctx>) {
    super::clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    let before = crate::harness::shape::shape(&ctx.db).await;
    ctx.db.exec("DROP TABLE task").await;
    ctx.db.exec("ALTER TABLE patient DROP COLUMN dob").await;
    ctx.db
        .exec("CREATE INDEX patient_name ON patient (name)")
        .await;
    let mut expected = vec!["table_removed", "column_removed", "index_added"];
    match ctx.kind() {
        Kind::Sqlite => {}
        Kind::Postgres => {
            ctx.db
                .exec("ALTER TABLE patient ALTER COLUMN name TYPE VARCHAR(150)")
                .await;
            ctx.db
                .exec("ALTER TABLE visit ALTER COLUMN note SET DEFAULT 'none'")
                .await;
            expected.extend(["column_changed", "column_changed"]);
        }
        Kind::Mysql => {
            ctx.db
                .exec("ALTER TABLE patient MODIFY name VARCHAR(150) NOT NULL")
                .await;
            ctx.db
                .exec("ALTER TABLE visit ALTER COLUMN note SET DEFAULT 'none'")
                .await;
            expected.extend(["column_changed", "column_changed"]);
        }
    }
    let out = ctx.migrate(&["drift", "--format", "json"]);
    out.expect_code(1);
    let doc = json(&out);
    let mut kinds: Vec<&str> = doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or("?"))
        .collect();
    kinds.sort();
    expected.sort();
    assert_eq!(kinds, expected, "{doc}");
    for fix in doc["back"].as_array().unwrap() {
        for statement in fix["statements"].as_array().unwrap() {
            ctx.db.exec(statement.as_str().unwrap()).await;
        }
    }
    ctx.migrate(&["drift"])
        .expect_code(0)
        .expect_text("No drift");
    assert_eq!(crate::harness::shape::shape(&ctx.db).await, before);
}
