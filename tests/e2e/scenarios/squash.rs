//! `migrate squash APP FROM TO`: the file it writes, and how a fresh
//! database, one that ran the originals and one part way through them each
//! take it, before and after the originals' files are deleted.

use std::sync::Arc;

use super::{history, strings};
use crate::harness::Ctx;

const ITEM: &str = "-- migrate:up\nCREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n-- migrate:down\nDROP TABLE item;\n";
const PRICE: &str = "-- migrate:up\nALTER TABLE item ADD COLUMN price INTEGER;\nINSERT INTO item (id, name, price) VALUES (1, 'lamp', 30);\n-- migrate:down\nDELETE FROM item WHERE id = 1;\nALTER TABLE item DROP COLUMN price;\n";
const TAG: &str = "-- migrate:up\nCREATE TABLE tag (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL);\n-- migrate:down\nDROP TABLE tag;\n";
const SHELF: &str = "-- migrate:up\nCREATE TABLE shelf (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE shelf;\n";

const SQUASH: &str = "0001_squashed_0003_tag";

fn shop(ctx: &Ctx) {
    ctx.write("shop", "0001_item.sql", ITEM);
    ctx.write("shop", "0002_price.sql", PRICE);
    ctx.write("shop", "0003_tag.sql", TAG);
    ctx.write("shop", "0004_shelf.sql", SHELF);
}

fn squash(ctx: &Ctx) {
    ctx.migrate(&["squash", "shop", "0001", "3"])
        .expect_code(0)
        .expect_text(&format!(
            "Created migrations/shop/{SQUASH}.sql (replaces 0001_item, 0002_price, 0003_tag)"
        ));
}

/// Moves the originals away, as a team does once every database has the
/// squash.
fn delete_originals(ctx: &Ctx) {
    let dir = ctx.project().join("migrations/shop");
    for file in ["0001_item.sql", "0002_price.sql", "0003_tag.sql"] {
        std::fs::remove_file(dir.join(file)).unwrap();
    }
}

fn tables(mut names: Vec<String>) -> Vec<String> {
    names.retain(|t| !t.starts_with("migrate_history"));
    names.sort();
    names
}

pub async fn squash_writes_one_migration_that_a_fresh_database_runs_alone(ctx: Arc<Ctx>) {
    shop(&ctx);
    squash(&ctx);
    let text = std::fs::read_to_string(ctx.project().join(format!("migrations/shop/{SQUASH}.sql")))
        .unwrap();
    assert!(
        text.contains("-- replaces: 0001_item, 0002_price, 0003_tag\n"),
        "{text}"
    );
    // Up in order, down newest first.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not in\n{text}"));
    assert!(at("CREATE TABLE item") < at("ADD COLUMN price"));
    assert!(at("ADD COLUMN price") < at("CREATE TABLE tag"));
    assert!(at("-- migrate:down") < at("DROP TABLE tag"));
    assert!(at("DROP TABLE tag") < at("DELETE FROM item"));
    assert!(at("DROP COLUMN price") < at("DROP TABLE item"));

    ctx.migrate(&["status", "shop"])
        .expect_code(0)
        .expect_text(&format!(" [ ] {SQUASH}  (replaces 3)\n [ ] 0004_shelf"))
        .expect_no_text("0001_item");
    // `check` proves what a fresh database runs: the squash, not both.
    ctx.migrate(&["check", "shop"])
        .expect_code(0)
        .expect_text(&format!(
            "0002_price.sql: not run: a fresh database runs shop:{SQUASH} instead"
        ))
        .expect_no_text("up error");
    assert!(!ctx.db.has_history_table().await);
    // An original named as a target: what stands for it here.
    ctx.migrate(&["shop", "0002_price"])
        .expect_code(2)
        .expect_text(&format!(
            "shop:0002_price does not run in this database: shop:{SQUASH} stands for it"
        ));
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text(&format!("Applying shop:{SQUASH}"))
        .expect_no_text("Applying shop:0001_item");
    assert_eq!(
        history(&ctx).await,
        strings(&[&format!("shop:{SQUASH} applied"), "shop:0004_shelf applied"])
    );
    assert_eq!(
        tables(ctx.db.tables().await),
        strings(&["item", "shelf", "tag"])
    );
    assert_eq!(
        ctx.db
            .count("SELECT COUNT(*) FROM item WHERE price = 30")
            .await,
        1
    );
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text(&format!(" [X] {SQUASH}  (replaces 3)\n [X] 0004_shelf"));
    let out = ctx.migrate(&["status", "--format", "json"]);
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let squashed = &doc["migrations"][0];
    assert_eq!(squashed["name"], SQUASH);
    assert_eq!(squashed["state"], "applied");
    assert_eq!(squashed["note"], "replaces 3");
    assert_eq!(doc["migrations"].as_array().unwrap().len(), 2);

    // Back to zero through the squash: its down statements, newest first.
    ctx.migrate(&["shop", "zero"])
        .expect_code(0)
        .expect_text(&format!("Unapplying shop:{SQUASH}"));
    assert!(tables(ctx.db.tables().await).is_empty());
    assert!(history(&ctx).await.is_empty());
}

pub async fn squash_counts_as_applied_where_the_originals_ran(ctx: Arc<Ctx>) {
    shop(&ctx);
    ctx.migrate(&["shop", "0003"]).expect_code(0);
    squash(&ctx);

    ctx.migrate(&["status", "shop"])
        .expect_code(0)
        .expect_text(&format!(" [X] {SQUASH}  (replaces 3)\n [ ] 0004_shelf"))
        .expect_no_text("0002_price");
    // A dry run changes nothing, not even the history rows.
    ctx.migrate(&["--dry-run"]).expect_code(0);
    assert_eq!(history(&ctx).await.len(), 3);

    // Only the later migration runs; the squash takes the originals' rows.
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("Applying shop:0004_shelf")
        .expect_no_text(&format!("Applying shop:{SQUASH}"))
        .expect_no_text("Applying shop:0001_item");
    assert_eq!(
        history(&ctx).await,
        strings(&[&format!("shop:{SQUASH} applied"), "shop:0004_shelf applied"])
    );
    let row = ctx
        .db
        .history()
        .await
        .into_iter()
        .find(|r| r.name == SQUASH)
        .unwrap();
    assert_eq!((row.done, row.total), (4, 4));
    let down = row.down_sql.unwrap();
    assert!(
        down.find("DROP TABLE tag").unwrap() < down.find("DROP TABLE item").unwrap(),
        "{down}"
    );
    ctx.migrate(&["log", "shop"])
        .expect_code(0)
        .expect_text("squash recorded as applied: it replaces 0001_item, 0002_price, 0003_tag");

    // The originals' files go; nothing is an orphan, nothing is pending.
    delete_originals(&ctx);
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text(&format!(" [X] {SQUASH}  (replaces 3)\n [X] 0004_shelf"))
        .expect_no_text("[?]");
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("No migrations to apply");

    // Back to zero runs the stored down statements of all three.
    ctx.migrate(&["shop", "zero"]).expect_code(0);
    assert!(tables(ctx.db.tables().await).is_empty());
    assert!(history(&ctx).await.is_empty());
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(
        tables(ctx.db.tables().await),
        strings(&["item", "shelf", "tag"])
    );
}

pub async fn squash_originals_deleted_after_they_ran_keep_working(ctx: Arc<Ctx>) {
    shop(&ctx);
    ctx.migrate(&[]).expect_code(0);
    squash(&ctx);
    // Deleted before any run has recorded the squash here.
    delete_originals(&ctx);
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text(&format!(" [X] {SQUASH}  (replaces 3)\n [X] 0004_shelf"))
        .expect_no_text("[?]");
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("No migrations to apply");
    assert_eq!(
        history(&ctx).await,
        strings(&[&format!("shop:{SQUASH} applied"), "shop:0004_shelf applied"])
    );
    ctx.migrate(&["shop", "zero"]).expect_code(0);
    assert!(tables(ctx.db.tables().await).is_empty());
}

pub async fn squash_part_way_through_the_originals_goes_on_with_them(ctx: Arc<Ctx>) {
    shop(&ctx);
    ctx.migrate(&["shop", "0001"]).expect_code(0);
    squash(&ctx);
    ctx.migrate(&["status", "shop"])
        .expect_code(0)
        .expect_text(" [X] 0001_item\n [ ] 0002_price\n [ ] 0003_tag\n [ ] 0004_shelf")
        .expect_no_text(SQUASH);
    // The squash itself cannot be run here: the originals go on.
    ctx.migrate(&["shop", SQUASH])
        .expect_code(2)
        .expect_text(&format!(
            "shop:{SQUASH} does not run in this database: shop:0003_tag stands for it"
        ))
        .expect_text("Target `0003_tag` instead");

    // With an original's file gone, the squash cannot stand in: refused,
    // saying what to do.
    let dir = ctx.project().join("migrations/shop");
    std::fs::rename(dir.join("0003_tag.sql"), ctx.project().join("0003_tag.sql")).unwrap();
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text(&format!(
            "shop:{SQUASH} replaces 0001_item, 0002_price, 0003_tag"
        ))
        .expect_text("the files of 0003_tag are gone")
        .expect_text("Restore them");
    assert_eq!(history(&ctx).await, strings(&["shop:0001_item applied"]));
    std::fs::rename(ctx.project().join("0003_tag.sql"), dir.join("0003_tag.sql")).unwrap();

    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("Applying shop:0002_price")
        .expect_text("Applying shop:0003_tag")
        .expect_text("Applying shop:0004_shelf")
        .expect_no_text(&format!("Applying shop:{SQUASH}"));
    assert_eq!(
        tables(ctx.db.tables().await),
        strings(&["item", "shelf", "tag"])
    );
    // All applied now: the squash stands for them.
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text(&format!(" [X] {SQUASH}  (replaces 3)\n [X] 0004_shelf"));
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(
        history(&ctx).await,
        strings(&[&format!("shop:{SQUASH} applied"), "shop:0004_shelf applied"])
    );
}

pub async fn squash_refuses_what_it_cannot_replace(ctx: Arc<Ctx>) {
    shop(&ctx);
    ctx.migrate(&["squash", "shop", "0003", "0001"])
        .expect_code(2)
        .expect_text("FROM `0003_tag` comes after TO `0001_item`")
        .expect_text("migrate squash shop 0001 0003");
    ctx.migrate(&["squash", "shops", "1", "3"])
        .expect_code(2)
        .expect_text("unknown app `shops`");
    ctx.migrate(&["squash", "shop", "1", "9"])
        .expect_code(2)
        .expect_text("app `shop` has no migration `9`");
    ctx.migrate(&["squash", "shop", "2", "2"])
        .expect_code(2)
        .expect_text("is one migration");

    // Another app's migration between two of the range.
    ctx.write(
        "stock",
        "0001_count.sql",
        "-- depends_on: shop:0001\n-- migrate:up\nCREATE TABLE stock (item_id INTEGER NOT NULL);\n-- migrate:down\nDROP TABLE stock;\n",
    );
    ctx.write(
        "shop",
        "0002_price.sql",
        &format!("-- depends_on: stock:0001\n{PRICE}"),
    );
    ctx.migrate(&["squash", "shop", "1", "3"])
        .expect_code(2)
        .expect_text("stock:0001_count depends on shop:0001_item, inside the range");
    ctx.write("shop", "0002_price.sql", PRICE);

    squash(&ctx);
    ctx.migrate(&["squash", "shop", "2", "4"])
        .expect_code(2)
        .expect_text(&format!("shop:{SQUASH} is already a squash"));
    // Nothing was written by the refusals.
    let files = std::fs::read_dir(ctx.project().join("migrations/shop"))
        .unwrap()
        .count();
    assert_eq!(files, 5);
    assert!(!ctx.db.has_history_table().await);
}

pub async fn squash_stands_for_its_originals_in_other_apps_dependencies(ctx: Arc<Ctx>) {
    shop(&ctx);
    ctx.write(
        "stock",
        "0001_count.sql",
        "-- depends_on: shop:0002\n-- migrate:up\nCREATE TABLE stock (item_id INTEGER NOT NULL);\n-- migrate:down\nDROP TABLE stock;\n",
    );
    squash(&ctx);
    let out = ctx.migrate(&[]);
    out.expect_code(0);
    let squash_at = out.stdout.find(&format!("Applying shop:{SQUASH}")).unwrap();
    let stock_at = out.stdout.find("Applying stock:0001_count").unwrap();
    assert!(squash_at < stock_at, "{}", out.stdout);
    // Unapplying the squash first unapplies what depends on it.
    let out = ctx.migrate(&["shop", "zero"]);
    out.expect_code(0);
    let stock_at = out.stdout.find("Unapplying stock:0001_count").unwrap();
    let squash_at = out
        .stdout
        .find(&format!("Unapplying shop:{SQUASH}"))
        .unwrap();
    assert!(stock_at < squash_at, "{}", out.stdout);
    assert!(tables(ctx.db.tables().await).is_empty());

    // Two squashes of one migration: refused before anything runs.
    ctx.write(
        "shop",
        "0001_squashed_0002_again.sql",
        &format!("-- replaces: 0001_item, 0002_price\n{ITEM}"),
    );
    ctx.migrate(&[]).expect_code(2).expect_text(&format!(
        "shop:0001_item is replaced by both shop:0001_squashed_0002_again and shop:{SQUASH}"
    ));
}

pub async fn squash_carries_transaction_false_and_runs_journaled(ctx: Arc<Ctx>) {
    ctx.write("shop", "0001_item.sql", ITEM);
    ctx.write(
        "shop",
        "0002_steps.sql",
        "-- migrate:up transaction=false\nCREATE TABLE step_one (id INTEGER);\nCREATE TABLE step_two (id INTEGER);\n-- migrate:down\nDROP TABLE step_two;\nDROP TABLE step_one;\n",
    );
    ctx.migrate(&["squash", "shop", "1", "2", "--name", "steps"])
        .expect_code(0);
    let text = std::fs::read_to_string(
        ctx.project()
            .join("migrations/shop/0001_squashed_0002_steps.sql"),
    )
    .unwrap();
    assert!(text.contains("-- migrate:up transaction=false\n"), "{text}");
    ctx.migrate(&["sql", "shop", "0001_squashed_0002_steps"])
        .expect_code(0)
        .expect_text("-- journaled");
    ctx.migrate(&[]).expect_code(0);
    let rows = ctx.db.history().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].name.as_str(),
            rows[0].state.as_str(),
            rows[0].done,
            rows[0].total
        ),
        ("0001_squashed_0002_steps", "applied", 3, 3)
    );
    assert_eq!(
        tables(ctx.db.tables().await),
        strings(&["item", "step_one", "step_two"])
    );
    ctx.migrate(&["shop", "zero"]).expect_code(0);
    assert!(tables(ctx.db.tables().await).is_empty());
}

const CREATE: &str = r#"[[operations]]
op = "create_table"
table = "visit"
columns = [
  { name = "id", type = "auto_id" },
  { name = "patient", type = "string", length = 100 },
]
"#;
const ADD: &str = r#"[[operations]]
op = "add_column"
table = "visit"
column = { name = "fee", type = "decimal", precision = 10, scale = 2, default = "0" }
"#;
const INDEX: &str = r#"[[operations]]
op = "create_index"
table = "visit"
columns = ["patient"]

[[operations]]
op = "add_column"
table = "visit"
column = { name = "notes", type = "text", nullable = true }
"#;

pub async fn squash_portable_migrations_into_one_portable_migration(ctx: Arc<Ctx>) {
    ctx.write("clinic", "0001_visit.toml", CREATE);
    ctx.write("clinic", "0002_fee.toml", ADD);
    ctx.write("clinic", "0003_notes.toml", INDEX);
    ctx.migrate(&["squash", "clinic", "1", "3", "--name", "visits"])
        .expect_code(0)
        .expect_text("Created migrations/clinic/0001_squashed_0003_visits.toml");
    let text = std::fs::read_to_string(
        ctx.project()
            .join("migrations/clinic/0001_squashed_0003_visits.toml"),
    )
    .unwrap();
    assert!(
        text.contains(r#"replaces = ["0001_visit", "0002_fee", "0003_notes"]"#),
        "{text}"
    );
    // The operations as they were written, each under its migration's name.
    assert!(
        text.contains("# 0002_fee\n[[operations]]\nop = \"add_column\""),
        "{text}"
    );

    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("Applying clinic:0001_squashed_0003_visits")
        .expect_no_text("Applying clinic:0001_visit");
    assert_eq!(
        history(&ctx).await,
        strings(&["clinic:0001_squashed_0003_visits applied"])
    );
    assert_eq!(
        ctx.db.columns("visit").await,
        strings(&["id", "patient", "fee", "notes"])
    );
    ctx.migrate(&["clinic", "zero"]).expect_code(0);
    assert!(tables(ctx.db.tables().await).is_empty());

    // Mixed with SQL: refused, saying why.
    ctx.write("clinic", "0004_raw.sql", SHELF);
    ctx.write(
        "clinic",
        "0005_more.toml",
        &INDEX
            .replace("notes", "extra")
            .replace("[\"patient\"]", "[\"fee\"]"),
    );
    ctx.migrate(&["squash", "clinic", "4", "5"])
        .expect_code(2)
        .expect_text("mixes SQL migrations (0004_raw) and portable ones (0005_more)");
}
