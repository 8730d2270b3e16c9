use std::path::Path;

use super::*;
use crate::dialect::SqlDialect;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const REVERSIBLE: &str = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n";

/// patients 0001-0003, tasks 0001-0002 with tasks:0002 -> patients:0002.
fn clinic() -> (tempfile::TempDir, Source) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["0001_init", "0002_dob", "0003_visit"] {
        write(dir.path(), &format!("patients/{f}.sql"), REVERSIBLE);
    }
    write(dir.path(), "tasks/0001_init.sql", REVERSIBLE);
    write(
        dir.path(),
        "tasks/0002_link.sql",
        &format!("-- depends_on: patients:0002\n{REVERSIBLE}"),
    );
    let source = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
    (dir, source)
}

fn applied(source: &Source, keys: &[&str]) -> Vec<HistoryRecord> {
    keys.iter()
        .map(|k| {
            let (app, name) = k.split_once(':').unwrap();
            let m = source.get(&MigrationKey::new(app, name)).unwrap();
            HistoryRecord {
                up_sql: vec!["SELECT 1".into()],
                down_sql: Some(vec!["SELECT 2".into()]),
                ..HistoryRecord::applied_for_test(app, name, &m.checksum)
            }
        })
        .collect()
}

fn steps(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| {
            let sign = if s.direction == Direction::Apply {
                "+"
            } else {
                "-"
            };
            format!("{sign}{}", s.key)
        })
        .collect()
}

fn to(app: &str, target: &str) -> Request {
    Request::To {
        app: app.into(),
        target: target.into(),
    }
}

fn run(source: &Source, history: &[HistoryRecord], request: Request) -> Result<Vec<String>> {
    plan(source, history, &request, PlanOptions::default()).map(|p| steps(&p))
}

#[test]
fn all_applies_everything_in_dependency_order() {
    let (_d, s) = clinic();
    assert_eq!(
        run(&s, &[], Request::All).unwrap(),
        [
            "+patients:0001_init",
            "+patients:0002_dob",
            "+patients:0003_visit",
            "+tasks:0001_init",
            "+tasks:0002_link"
        ]
    );
}

#[test]
fn a_pending_migration_below_an_applied_one_is_refused_unless_allowed() {
    let (_d, s) = clinic();
    let history = applied(&s, &["patients:0001_init", "patients:0003_visit"]);
    let Err(Error::Refused(text)) = run(&s, &history, Request::All) else {
        panic!("applying 0002 under 0003 is refused");
    };
    assert!(
        text.contains("patients:0002_dob is pending, but patients:0003_visit is already applied"),
        "{text}"
    );
    let allowed = PlanOptions {
        allow_out_of_order: true,
        ..PlanOptions::default()
    };
    let plan = plan(&s, &history, &Request::All, allowed).unwrap();
    assert_eq!(
        steps(&plan),
        ["+patients:0002_dob", "+tasks:0001_init", "+tasks:0002_link"]
    );
}

#[test]
fn one_app_pulls_in_its_dependencies_only() {
    let (_d, s) = clinic();
    assert_eq!(
        run(&s, &[], Request::App("tasks".into())).unwrap(),
        [
            "+patients:0001_init",
            "+patients:0002_dob",
            "+tasks:0001_init",
            "+tasks:0002_link"
        ]
    );
}

#[test]
fn forward_to_a_target_skips_what_is_applied() {
    let (_d, s) = clinic();
    let h = applied(&s, &["patients:0001_init"]);
    assert_eq!(
        run(&s, &h, to("patients", "0002")).unwrap(),
        ["+patients:0002_dob"]
    );
}

#[test]
fn backward_unapplies_later_migrations_and_their_dependents_newest_first() {
    let (_d, s) = clinic();
    let all = [
        "patients:0001_init",
        "patients:0002_dob",
        "patients:0003_visit",
        "tasks:0001_init",
        "tasks:0002_link",
    ];
    let h = applied(&s, &all);
    assert_eq!(
        run(&s, &h, to("patients", "0001")).unwrap(),
        [
            "-tasks:0002_link",
            "-patients:0003_visit",
            "-patients:0002_dob"
        ]
    );
    assert_eq!(
        run(&s, &h, to("patients", "zero")).unwrap(),
        [
            "-tasks:0002_link",
            "-patients:0003_visit",
            "-patients:0002_dob",
            "-patients:0001_init"
        ]
    );
    assert_eq!(
        run(&s, &h, to("patients", "0003")).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn partial_rows_block_unless_faking() {
    let (_d, s) = clinic();
    let mut h = applied(&s, &["patients:0001_init", "patients:0002_dob"]);
    h[1].state = RecordState::Partial;
    h[1].statements_done = 0;
    h[1].last_error = Some("statement 1 failed: boom".into());
    let err = run(&s, &h, Request::All).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    let text = err.to_string();
    assert!(text.contains("patients:0002_dob is partially applied: 0 of 1 statements ran; statement 1 failed: boom"), "{text}");
    assert!(text.contains("`--forget` once you undid it"), "{text}");
    // The other app is not blocked.
    assert_eq!(
        run(&s, &h, to("tasks", "0001")).unwrap(),
        ["+tasks:0001_init"]
    );
    // Faking back forgets the partial row.
    let faked = plan(
        &s,
        &h,
        &to("patients", "0001"),
        PlanOptions {
            fake: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(steps(&faked), ["-patients:0002_dob"]);
}

#[test]
fn orphans_and_modified_migrations_are_refused() {
    let (_d, s) = clinic();
    let mut h = applied(&s, &["patients:0001_init"]);
    let mut orphan = h[0].clone();
    orphan.name = "0002_gone".into();
    h.push(orphan);
    let err = run(&s, &h, Request::All).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("patients:0002_gone"), "{err}");

    // Another checksum, the same statements: comments or whitespace
    // edited, which does not stop a run.
    let mut h = applied(&s, &["patients:0001_init"]);
    h[0].checksum = "edited".into();
    assert_eq!(run(&s, &h, Request::All).unwrap().len(), 4);
    h[0].up_sql = vec!["SELECT 0".into()];
    let err = run(&s, &h, Request::All).unwrap_err();
    assert!(err.to_string().contains("edited after it ran"), "{err}");
    // Unapplying the edited migration itself is allowed.
    assert_eq!(
        run(&s, &h, to("patients", "zero")).unwrap(),
        ["-patients:0001_init"]
    );
}

#[test]
fn irreversible_unapply_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/0001_a.sql", "SELECT 1;\n");
    write(dir.path(), "app/0002_b.sql", REVERSIBLE);
    let s = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
    let mut h = applied(&s, &["app:0001_a", "app:0002_b"]);
    h[0].down_sql = None;
    let err = run(&s, &h, to("app", "zero")).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("app:0001_a is irreversible"),
        "{err}"
    );
    assert_eq!(run(&s, &h, to("app", "0001")).unwrap(), ["-app:0002_b"]);
    let faked = plan(
        &s,
        &h,
        &to("app", "zero"),
        PlanOptions {
            fake: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(steps(&faked).len(), 2);
}

#[test]
fn unknown_apps_and_apps_whose_files_are_gone() {
    let (_d, s) = clinic();
    let err = run(&s, &[], Request::App("billing".into())).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let mut h = applied(&s, &["patients:0001_init"]);
    h[0].app = "billing".into();
    let err = run(&s, &h, Request::App("billing".into())).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("no folder"), "{err}");
}

#[test]
fn a_renamed_migration_is_refused_with_the_command_that_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = |sql: &str| format!("-- migrate:up\n{sql};\n-- migrate:down\nDROP TABLE x;\n");
    write(dir.path(), "app/0001_a.sql", &m("CREATE TABLE a (id INT)"));
    write(
        dir.path(),
        "app/0003_new.sql",
        &m("CREATE TABLE b (id INT)"),
    );
    write(dir.path(), "app/0004_c.sql", &m("CREATE TABLE c (id INT)"));
    write(
        dir.path(),
        "other/0001_o.sql",
        &m("CREATE TABLE o (id INT)"),
    );
    let s = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
    let mut h = applied(&s, &["app:0001_a", "app:0003_new"]);
    h[1].name = "0002_old".into();
    h[1].down_sql = Some(vec!["DROP TABLE b".into()]);
    for options in [
        PlanOptions::default(),
        PlanOptions {
            revert_orphans: true,
            ..PlanOptions::default()
        },
        PlanOptions {
            prune: true,
            ..PlanOptions::default()
        },
        PlanOptions {
            rewind: true,
            ..PlanOptions::default()
        },
    ] {
        let err = plan(&s, &h, &Request::All, options).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let text = err.to_string();
        assert!(text.contains("app:0002_old -> app:0003_new"), "{text}");
        assert!(
            text.contains("  migrate repair --rename app 0002_old 0003_new\n"),
            "{text}"
        );
        assert!(!text.contains("DROP TABLE b"), "{text}");
    }
    // Another app is not held up by it.
    assert_eq!(
        run(&s, &h, Request::App("other".into())).unwrap(),
        ["+other:0001_o"]
    );
    // Once the history holds the new name, only the rest is applied.
    h[1].name = "0003_new".into();
    assert_eq!(
        run(&s, &h, Request::All).unwrap(),
        ["+app:0004_c", "+other:0001_o"]
    );
}
