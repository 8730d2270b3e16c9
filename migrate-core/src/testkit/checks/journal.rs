//! The statement journal: probes, captured definitions, and a journaled
//! migration undone and resumed through repair.

use std::time::Duration;

use crate::backend::{Backend, BackendExt};
use crate::history::RecordState;
use crate::migration::MigrationKey;
use crate::plan::Request;
use crate::repair::Repair;
use crate::source::Source;
use crate::testkit::journal::{column, index, table, view};
use crate::testkit::{Connector, Kit, Scratch, connect, table_exists};

use super::run::run;

async fn exec(b: &mut dyn Backend, sql: &str) {
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
}

async fn seen(b: &mut dyn Backend, probe: crate::journal::Probe) -> Option<bool> {
    b.probe(&probe).await.expect("probe")
}

/// Probes answer for tables, columns, indexes and views, both ways.
pub async fn probes_see_objects(c: &dyn Connector) {
    let kit = Kit::new("prob");
    let mut b = connect(c, &kit.options()).await;
    let [t, i, v] = ["t", "i", "v"].map(|n| kit.name(n));
    let probes = || [table(&t), column(&t, "note"), index(Some(&t), &i), view(&v)];
    for probe in probes() {
        assert_eq!(
            seen(b.as_mut(), probe.clone()).await,
            Some(false),
            "{probe:?} before"
        );
    }
    exec(
        b.as_mut(),
        &format!("CREATE TABLE {t} (id INTEGER, note VARCHAR(20))"),
    )
    .await;
    exec(b.as_mut(), &format!("CREATE INDEX {i} ON {t} (note)")).await;
    exec(
        b.as_mut(),
        &format!("CREATE VIEW {v} AS SELECT id FROM {t}"),
    )
    .await;
    for probe in probes() {
        assert_eq!(
            seen(b.as_mut(), probe.clone()).await,
            Some(true),
            "{probe:?} after"
        );
    }
    exec(b.as_mut(), &format!("DROP VIEW {v}")).await;
    exec(b.as_mut(), &format!("DROP TABLE {t}")).await;
    assert_eq!(seen(b.as_mut(), table(&t)).await, Some(false));
}

/// The journal entry of a destructive statement carries an inverse built
/// from the definition read before it ran; running it brings the column,
/// or the table with its index, back.
pub async fn captures_restore_dropped_objects(c: &dyn Connector) {
    let kit = Kit::new("capt");
    let mut b = connect(c, &kit.options()).await;
    let [t, i] = ["t", "i"].map(|n| kit.name(n));
    exec(
        b.as_mut(),
        &format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, note VARCHAR(20))"),
    )
    .await;

    let drop_column = format!("ALTER TABLE {t} DROP COLUMN note");
    let inverse = lossy_inverse(b.as_mut(), &drop_column).await;
    exec(b.as_mut(), &drop_column).await;
    assert_eq!(seen(b.as_mut(), column(&t, "note")).await, Some(false));
    for sql in &inverse {
        exec(b.as_mut(), sql).await;
    }
    assert_eq!(
        seen(b.as_mut(), column(&t, "note")).await,
        Some(true),
        "column restored"
    );

    exec(b.as_mut(), &format!("CREATE INDEX {i} ON {t} (note)")).await;
    let drop_table = format!("DROP TABLE {t}");
    let inverse = lossy_inverse(b.as_mut(), &drop_table).await;
    exec(b.as_mut(), &drop_table).await;
    assert!(!table_exists(b.as_mut(), &t).await);
    for sql in &inverse {
        exec(b.as_mut(), sql).await;
    }
    assert!(table_exists(b.as_mut(), &t).await, "table restored");
    assert_eq!(seen(b.as_mut(), column(&t, "note")).await, Some(true));
    assert_eq!(
        seen(b.as_mut(), index(Some(&t), &i)).await,
        Some(true),
        "index restored"
    );
    exec(b.as_mut(), &drop_table).await;
}

/// The inverse in `sql`'s journal entry, which must say it is lossy (the
/// data dropped cannot come back).
async fn lossy_inverse(b: &mut dyn Backend, sql: &str) -> Vec<String> {
    let entry = b.journal_entry(sql).await.expect("journal entry");
    assert!(entry.lossy, "`{sql}` loses data and must say so: {entry:?}");
    entry
        .inverse
        .unwrap_or_else(|| panic!("`{sql}` got no inverse"))
}

async fn repair(
    b: &mut dyn Backend,
    source: &Source,
    key: &MigrationKey,
    how: Repair,
) -> crate::Result<bool> {
    let confirm = &mut |_: &crate::repair::RepairPlan| true;
    let options = crate::repair::RepairOptions {
        lock_timeout: Duration::from_secs(10),
        ..Default::default()
    };
    crate::repair::run(b, source, key, how, &options, confirm)
        .await
        .map(|(_, ran)| ran)
}

/// A journaled migration stopped at its third statement is undone by
/// repair (its first two statements reversed, the row gone), then, with
/// the file fixed, resumed to the end.
pub async fn repair_undoes_and_resumes(c: &dyn Connector) {
    let kit = Kit::new("repr");
    let mut b = connect(c, &kit.options()).await;
    let [t1, t2, t3, missing] = ["t1", "t2", "t3", "missing"].map(|n| kit.name(n));
    let text = |third: &str| {
        format!(
            "-- migrate:up transaction=false\nCREATE TABLE {t1} (id INTEGER);\nCREATE TABLE {t2} (id INTEGER);\n{third};\n-- migrate:down\nDROP TABLE {t3};\nDROP TABLE {t2};\nDROP TABLE {t1};\n"
        )
    };
    let files = Scratch::new("repair");
    files.write(
        "kit",
        "0001_r.sql",
        &text(&format!("INSERT INTO {missing} VALUES (1)")),
    );
    let source = files.load(b.as_ref());
    let key = MigrationKey::new("kit", "0001_r");
    assert!(run(b.as_mut(), &source, Request::All).await.is_err());

    let ran = repair(b.as_mut(), &source, &key, Repair::Undo)
        .await
        .expect("undo");
    assert!(ran);
    assert!(!table_exists(b.as_mut(), &t1).await, "statement 1 undone");
    assert!(!table_exists(b.as_mut(), &t2).await, "statement 2 undone");
    assert!(
        b.load_history().await.unwrap().is_empty(),
        "the row is gone"
    );

    assert!(run(b.as_mut(), &source, Request::All).await.is_err());
    files.write(
        "kit",
        "0001_r.sql",
        &text(&format!("CREATE TABLE {t3} (id INTEGER)")),
    );
    let fixed = files.load(b.as_ref());
    repair(b.as_mut(), &fixed, &key, Repair::Resume)
        .await
        .expect("resume");
    let history = b.load_history().await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, RecordState::Applied);
    for t in [&t1, &t2, &t3] {
        assert!(table_exists(b.as_mut(), t).await, "{t} exists after resume");
    }
    let actions: Vec<_> = b
        .load_log()
        .await
        .unwrap()
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert!(
        actions.contains(&crate::log::Action::RepairUndo),
        "{actions:?}"
    );
    assert!(
        actions.contains(&crate::log::Action::RepairResume),
        "{actions:?}"
    );
    run(b.as_mut(), &fixed, super::run::zero("kit"))
        .await
        .expect("unapply");
}
