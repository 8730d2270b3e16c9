//! Moving apps forward, backward, to zero, and on paper only.

use std::sync::Arc;

use super::{clinic, history, strings};
use crate::harness::Ctx;

pub async fn forward_then_status(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let out = ctx.migrate(&[]);
    out.expect_code(0)
        .expect_text("Applying patients:0001_initial ... OK")
        .expect_text("Applying tasks:0002_patient_task ... OK");
    assert_eq!(
        ctx.db.tables().await,
        strings(&["patient", "patient_task", "task", "visit"])
    );
    assert_eq!(
        ctx.db.columns("patient").await,
        strings(&["id", "name", "dob"])
    );
    assert_eq!(
        history(&ctx).await,
        strings(&[
            "patients:0001_initial applied",
            "patients:0002_add_dob applied",
            "patients:0003_visit applied",
            "tasks:0001_initial applied",
            "tasks:0002_patient_task applied",
        ])
    );
    let status = ctx.migrate(&["status"]);
    status.expect_code(0);
    assert_eq!(
        status.stdout,
        "patients\n [X] 0001_initial\n [X] 0002_add_dob\n [X] 0003_visit\ntasks\n [X] 0001_initial\n [X] 0002_patient_task\n"
    );
    // The alias reads the same.
    assert_eq!(
        ctx.migrate(&["showmigrations", "tasks"]).stdout,
        "tasks\n [X] 0001_initial\n [X] 0002_patient_task\n"
    );
}

pub async fn backward_to_a_prefix(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    let out = ctx.migrate(&["patients", "0001"]);
    out.expect_code(0);
    // Newest first.
    let visit = out
        .stdout
        .find("Unapplying patients:0003_visit")
        .expect("0003 unapplied");
    let dob = out
        .stdout
        .find("Unapplying patients:0002_add_dob")
        .expect("0002 unapplied");
    assert!(visit < dob, "{}", out.stdout);
    assert_eq!(
        ctx.db.tables().await,
        strings(&["patient", "patient_task", "task"])
    );
    assert_eq!(ctx.db.columns("patient").await, strings(&["id", "name"]));
    // And forward again to a full name.
    ctx.migrate(&["patients", "0002_add_dob"]).expect_code(0);
    assert_eq!(
        ctx.db.columns("patient").await,
        strings(&["id", "name", "dob"])
    );
    assert!(!ctx.db.tables().await.contains(&"visit".to_string()));
    ctx.migrate(&["status", "patients"])
        .expect_text(" [X] 0002_add_dob\n [ ] 0003_visit");
}

pub async fn zero_unapplies_dependents_first(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    let out = ctx.migrate(&["patients", "zero"]);
    out.expect_code(0);
    // tasks:0002 depends on patients:0001, so it goes first; tasks:0001
    // does not, so it stays.
    let dependent = out
        .stdout
        .find("Unapplying tasks:0002_patient_task")
        .expect("dependent unapplied");
    let initial = out
        .stdout
        .find("Unapplying patients:0001_initial")
        .expect("0001 unapplied");
    assert!(dependent < initial, "{}", out.stdout);
    assert_eq!(ctx.db.tables().await, strings(&["task"]));
    assert_eq!(
        history(&ctx).await,
        strings(&["tasks:0001_initial applied"])
    );
    // Applying tasks again brings back its dependency.
    ctx.migrate(&["tasks"])
        .expect_code(0)
        .expect_text("Applying patients:0001_initial");
    assert_eq!(
        ctx.db.tables().await,
        strings(&["patient", "patient_task", "task"])
    );
}

pub async fn fake_both_ways(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["--fake", "patients", "0002"])
        .expect_code(0)
        .expect_text("Applying patients:0001_initial (fake) ... OK");
    assert_eq!(
        ctx.db.tables().await,
        Vec::<String>::new(),
        "--fake runs nothing"
    );
    let rows = ctx.db.history().await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].up_sql.contains("CREATE TABLE patient"),
        "a faked apply records its statements"
    );
    ctx.migrate(&["--fake", "patients", "zero"]).expect_code(0);
    assert!(ctx.db.history().await.is_empty());
    // Faking back over a real apply leaves the schema alone.
    ctx.migrate(&["patients"]).expect_code(0);
    ctx.migrate(&["--fake", "patients", "0001"]).expect_code(0);
    assert_eq!(
        ctx.db.columns("patient").await,
        strings(&["id", "name", "dob"])
    );
    assert_eq!(
        history(&ctx).await,
        strings(&["patients:0001_initial applied"])
    );
}

pub async fn nothing_pending(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("No migrations to apply");
    ctx.migrate(&["patients", "0003"])
        .expect_code(0)
        .expect_text("already at 0003_visit");
}

pub async fn dry_run_changes_nothing(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let out = ctx.migrate(&["--dry-run"]);
    out.expect_code(0)
        .expect_text("-- apply patients:0001_initial")
        .expect_text("CREATE TABLE patient (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);");
    assert!(
        !ctx.db.has_history_table().await,
        "a dry run creates no history table"
    );
    assert!(ctx.db.tables().await.is_empty());
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["patients", "zero", "--dry-run"])
        .expect_code(0)
        .expect_text("-- unapply patients:0003_visit")
        .expect_text("DROP TABLE visit;");
    assert_eq!(ctx.db.history().await.len(), 5);
}

pub async fn irreversible_is_refused(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_keep.sql",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY);\n",
    );
    ctx.write(
        "app",
        "0002_more.sql",
        "-- migrate:up\nCREATE TABLE more (id INTEGER);\n-- migrate:down\nDROP TABLE more;\n",
    );
    ctx.migrate(&[]).expect_code(0);
    let out = ctx.migrate(&["app", "zero"]);
    out.expect_code(3)
        .expect_text("app:0001_keep is irreversible")
        .expect_text("--fake");
    // Refused before anything ran, including the reversible 0002.
    assert_eq!(ctx.db.tables().await, strings(&["keep", "more"]));
    assert_eq!(ctx.db.history().await.len(), 2);
    // Back to 0001 is fine: only 0002 is unapplied.
    ctx.migrate(&["app", "0001"]).expect_code(0);
    assert_eq!(ctx.db.tables().await, strings(&["keep"]));
}

pub async fn stored_history_holds_the_sql(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["patients", "0003"]).expect_code(0);
    let rows = ctx.db.history().await;
    let visit = rows.iter().find(|r| r.name == "0003_visit").unwrap();
    let up: Vec<String> = serde_json::from_str(&visit.up_sql).unwrap();
    assert_eq!(
        up,
        strings(&[
            "CREATE TABLE visit (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, note VARCHAR(200))",
            "CREATE INDEX visit_patient ON visit (patient_id)",
        ])
    );
    let down: Vec<String> = serde_json::from_str(visit.down_sql.as_deref().unwrap()).unwrap();
    assert_eq!(down, strings(&["DROP TABLE visit"]));
    assert_eq!((visit.done, visit.total), (2, 2));
}

pub async fn example_project_round_trip(ctx: Arc<Ctx>) {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/clinic/migrations");
    let dir = example.to_str().unwrap();
    ctx.migrate(&["--dir", dir])
        .expect_code(0)
        .expect_text("Applying tasks:0002_assign_patient ... OK")
        .expect_text("Applying tasks:0004_checklist_due ... OK");
    assert_eq!(
        ctx.db.tables().await,
        strings(&[
            "patients_patient",
            "patients_visit",
            "tasks_checklist_item",
            "tasks_task"
        ])
    );
    assert_eq!(
        ctx.db.columns("tasks_task").await,
        strings(&["id", "title", "done", "patient_id"])
    );
    assert_eq!(
        ctx.db.columns("tasks_checklist_item").await,
        strings(&["id", "task_id", "label", "done", "due_on"])
    );
    // tasks:0002 depends on patients:0001, and tasks:0003-0004 come after
    // it: all of them go first.
    ctx.migrate(&["--dir", dir, "patients", "zero"])
        .expect_code(0)
        .expect_text("Unapplying tasks:0004_checklist_due");
    assert_eq!(ctx.db.tables().await, strings(&["tasks_task"]));
    assert_eq!(
        ctx.db.columns("tasks_task").await,
        strings(&["id", "title", "done"])
    );
    ctx.migrate(&["--dir", dir, "tasks", "zero"]).expect_code(0);
    assert!(ctx.db.tables().await.is_empty());
    assert!(ctx.db.history().await.is_empty());
}

pub async fn empty_down_is_refused_unless_marked_noop(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_seed.sql",
        "-- migrate:up\nCREATE TABLE seed (id INTEGER PRIMARY KEY);\n-- migrate:down noop=true\n",
    );
    // What `migrate new` used to leave: a down marker and nothing under it.
    ctx.write(
        "app",
        "0002_more.sql",
        "-- migrate:up\nCREATE TABLE more (id INTEGER);\n-- migrate:down\n\n",
    );
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text("Empty down sections (unapplying them is refused; write them, or mark them `-- migrate:down noop=true`): app:0002_more");
    let json = ctx.migrate(&["status", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["migrations"][0]["down"], "noop");
    assert_eq!(doc["migrations"][1]["down"], "empty");
    // Refused before anything runs: the table stays, the history too.
    ctx.migrate(&["app", "0001"])
        .expect_code(3)
        .expect_text("app:0002_more has an empty down section")
        .expect_text("`-- migrate:down noop=true`");
    assert_eq!(ctx.db.tables().await, strings(&["more", "seed"]));
    assert_eq!(ctx.db.history().await.len(), 2);
    // Written now: the stored (empty) down is not what the file says, so
    // the refusal points at --use-file-down, which then works.
    ctx.write(
        "app",
        "0002_more.sql",
        "-- migrate:up\nCREATE TABLE more (id INTEGER);\n-- migrate:down\nDROP TABLE more;\n",
    );
    ctx.migrate(&["app", "0001"])
        .expect_code(3)
        .expect_text("run them with `migrate --use-file-down`");
    ctx.migrate(&["app", "0001", "--use-file-down"])
        .expect_code(0);
    assert_eq!(ctx.db.tables().await, strings(&["seed"]));
    // A down that says it undoes nothing is taken at its word.
    ctx.migrate(&["app", "zero"]).expect_code(0);
    assert_eq!(ctx.db.tables().await, strings(&["seed"]));
    assert!(ctx.db.history().await.is_empty());
}

pub async fn check_exits_1_until_up_to_date(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["patients", "0002"]).expect_code(0);
    let tables = ctx.db.tables().await;
    let out = ctx.migrate(&["status", "--check"]);
    out.expect_code(1)
        .expect_text(" [ ] 0003_visit")
        .expect_text("Not up to date (")
        .expect_text("3 pending");
    // Django's spelling runs nothing either.
    ctx.migrate(&["--check"])
        .expect_code(1)
        .expect_text("3 pending");
    assert_eq!(ctx.db.tables().await, tables);
    assert_eq!(ctx.db.history().await.len(), 2);
    // One app can be up to date while another is not.
    ctx.migrate(&["patients"]).expect_code(0);
    ctx.migrate(&["--check", "patients"])
        .expect_code(0)
        .expect_text("Up to date.");
    let json = ctx.migrate(&["status", "--check", "--format", "json"]);
    json.expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["up_to_date"], false);
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text("Up to date.");
    // A comment added to an applied file changes nothing that ran...
    ctx.write(
        "tasks",
        "0001_initial.sql",
        "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL);\n-- migrate:down\nDROP TABLE task;\n-- edited\n",
    );
    ctx.migrate(&["--check"])
        .expect_code(0)
        .expect_text("Up to date.");
    // ...an edited statement is not up to date.
    ctx.write(
        "tasks",
        "0001_initial.sql",
        "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(250) NOT NULL);\n-- migrate:down\nDROP TABLE task;\n",
    );
    ctx.migrate(&["--check"])
        .expect_code(1)
        .expect_text("1 modified");
    ctx.migrate(&["--check", "tasks", "0001"]).expect_code(2);
}
