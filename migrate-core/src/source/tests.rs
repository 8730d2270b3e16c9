use std::path::Path;

use super::*;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn load(root: &Path) -> Result<Source> {
    Source::load(root, SqlDialect::Sqlite)
}

fn problems(root: &Path) -> Vec<String> {
    match load(root) {
        Err(Error::InvalidSource(list)) => list
            .iter()
            .map(|p| {
                let rel = p
                    .path
                    .strip_prefix(root)
                    .unwrap_or(&p.path)
                    .display()
                    .to_string();
                match p.line {
                    Some(line) => format!("{rel}:{line}: {}", p.message),
                    None => format!("{rel}: {}", p.message),
                }
            })
            .collect(),
        other => panic!("expected an invalid source, got {other:?}"),
    }
}

#[test]
fn single_file_with_both_sections() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/0001_init.sql",
        "-- a comment\n-- migrate:up\nCREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n\n-- migrate:down\nDROP TABLE b;\nDROP TABLE a;\n",
    );
    let source = load(dir.path()).unwrap();
    let m = &source.app("app").unwrap()[0];
    assert_eq!((m.name.as_str(), m.number), ("0001_init", 1));
    let up: Vec<(usize, &str)> =
        m.up.statements()
            .unwrap()
            .iter()
            .map(|s| (s.line, s.sql.as_str()))
            .collect();
    assert_eq!(
        up,
        vec![
            (3, "CREATE TABLE a (id INTEGER)"),
            (4, "CREATE TABLE b (id INTEGER)")
        ]
    );
    let down = m.down.as_ref().unwrap();
    assert_eq!(down.statements().unwrap()[0].line, 7);
    assert!(m.up.transaction && down.transaction);
}

#[test]
fn file_without_markers_is_all_up_and_irreversible() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/0001_init.sql",
        "CREATE TABLE a (id INTEGER);\n",
    );
    let source = load(dir.path()).unwrap();
    let m = &source.app("app").unwrap()[0];
    assert_eq!(m.up.statements().unwrap().len(), 1);
    assert!(m.down.is_none());
}

#[test]
fn up_and_down_file_pair() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/0002_dob.up.sql",
        "-- migrate:up transaction=false\nALTER TABLE a ADD COLUMN dob DATE;\n",
    );
    write(
        dir.path(),
        "app/0002_dob.down.sql",
        "ALTER TABLE a DROP COLUMN dob;\n",
    );
    let source = load(dir.path()).unwrap();
    let m = &source.app("app").unwrap()[0];
    assert_eq!(m.name, "0002_dob");
    assert!(!m.up.transaction);
    assert_eq!(m.up.statements().unwrap()[0].line, 2);
    assert_eq!(
        m.down.as_ref().unwrap().statements().unwrap()[0].sql,
        "ALTER TABLE a DROP COLUMN dob"
    );
}

#[test]
fn transaction_false_directive() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/0001_x.sql",
        "-- migrate:up transaction=false\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
    );
    let m = &load(dir.path()).unwrap().app("app").unwrap()[0].clone();
    assert!(!m.up.transaction);
    assert!(m.down.as_ref().unwrap().transaction);
}

#[test]
fn checksum_ignores_line_endings_and_bom() {
    let unix = tempfile::tempdir().unwrap();
    let windows = tempfile::tempdir().unwrap();
    write(unix.path(), "app/0001_x.sql", "-- migrate:up\nSELECT 1;\n");
    write(
        windows.path(),
        "app/0001_x.sql",
        "\u{feff}-- migrate:up\r\nSELECT 1;\r\n",
    );
    let a = load(unix.path()).unwrap().app("app").unwrap()[0]
        .checksum
        .clone();
    let b = load(windows.path()).unwrap().app("app").unwrap()[0]
        .checksum
        .clone();
    assert_eq!(a, b);
    write(unix.path(), "app/0001_x.sql", "-- migrate:up\nSELECT 2;\n");
    let c = load(unix.path()).unwrap().app("app").unwrap()[0]
        .checksum
        .clone();
    assert_ne!(a, c);
}

#[test]
fn dialect_variant_replaces_the_generic_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/0001_idx.sql", "CREATE INDEX i ON t (c);\n");
    write(
        dir.path(),
        "app/0001_idx.mysql.sql",
        "CREATE INDEX i ON t (c(10));\n",
    );
    let sqlite = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
    let mysql = Source::load(dir.path(), SqlDialect::Mysql).unwrap();
    assert_eq!(
        sqlite.app("app").unwrap()[0].up.statements().unwrap()[0].sql,
        "CREATE INDEX i ON t (c)"
    );
    assert_eq!(
        mysql.app("app").unwrap()[0].up.statements().unwrap()[0].sql,
        "CREATE INDEX i ON t (c(10))"
    );
    assert_ne!(
        sqlite.app("app").unwrap()[0].checksum,
        mysql.app("app").unwrap()[0].checksum
    );
}

#[test]
fn dependencies_resolve_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "accounts/0001_init.sql", "SELECT 1;\n");
    write(dir.path(), "accounts/0002_roles.sql", "SELECT 1;\n");
    write(
        dir.path(),
        "billing/0001_init.sql",
        "-- depends_on: accounts:0002, accounts:0001_init\nSELECT 1;\n",
    );
    let source = load(dir.path()).unwrap();
    let deps = &source.app("billing").unwrap()[0].depends_on;
    assert_eq!(
        deps,
        &vec![
            MigrationKey::new("accounts", "0002_roles"),
            MigrationKey::new("accounts", "0001_init")
        ]
    );
    let order: Vec<String> = source.ordered().map(|m| m.key().to_string()).collect();
    assert_eq!(
        order,
        vec![
            "accounts:0001_init",
            "accounts:0002_roles",
            "billing:0001_init"
        ]
    );
}

#[test]
fn order_pulls_dependencies_forward_across_apps() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/0001_x.sql",
        "-- depends_on: z:0001\nSELECT 1;\n",
    );
    write(dir.path(), "z/0001_y.sql", "SELECT 1;\n");
    let order: Vec<String> = load(dir.path())
        .unwrap()
        .ordered()
        .map(|m| m.key().to_string())
        .collect();
    assert_eq!(order, vec!["z:0001_y", "a:0001_x"]);
}

#[test]
fn numbers_sort_numerically() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/10_ten.sql", "SELECT 10;\n");
    write(dir.path(), "app/9_nine.sql", "SELECT 9;\n");
    let names: Vec<String> = load(dir.path())
        .unwrap()
        .app("app")
        .unwrap()
        .iter()
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(names, vec!["9_nine", "10_ten"]);
}

#[test]
fn every_problem_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/0001_x.sql", "SELECT 1;\n");
    write(root, "a/0001_y.sql", "SELECT 1;\n");
    write(
        root,
        "a/0002_bad.sql",
        "-- migrate:up nonsense\nSELECT 1;\n",
    );
    write(
        root,
        "a/0003_order.sql",
        "-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
    );
    write(
        root,
        "a/0004_twice.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:up\n",
    );
    write(root, "a/0005_marker.sql", "-- migrate:sideways\n");
    write(root, "a/notes.sql", "SELECT 1;\n");
    write(root, "a/README.md", "ignored");
    write(root, "b/0001_dep.sql", "-- depends_on: a:0042\nSELECT 1;\n");
    write(
        root,
        "b/0002_dep.sql",
        "-- depends_on: nonsense\nSELECT 1;\n",
    );
    write(root, "b/0003_only.down.sql", "SELECT 1;\n");
    write(root, "b/0004_both.sql", "SELECT 1;\n");
    write(root, "b/0004_both.up.sql", "SELECT 1;\n");
    write(root, "b/0005_tx.sql", "-- migrate:up transaction=maybe\n");
    write(
        root,
        "b/0006_online.sql",
        "SELECT 1;\n-- migrate:up online=gh-ost\n",
    );
    write(root, "c/0001_str.sql", "SELECT 1;\n\nSELECT 'open;\n");
    write(
        root,
        "c/0002_updown.up.sql",
        "SELECT 1;\n-- migrate:down\nSELECT 2;\n",
    );
    let got = problems(root);
    let expected = [
        "a/0001_x.sql: app `a` has 2 migrations numbered 0001: ",
        "a/0002_bad.sql:1: unknown directive `nonsense`",
        "a/0003_order.sql:1: `-- migrate:down` without a `-- migrate:up` section before it",
        "a/0004_twice.sql:3: this section marker appears twice",
        "a/0005_marker.sql:1: unknown section marker `migrate:sideways`",
        "a/notes.sql: not a migration file name",
        "b/0002_dep.sql:1: dependency `nonsense` must be written app:migration",
        "b/0003_only.down.sql: down file without its up file",
        "b/0004_both.sql: migration `0004_both` has both a single .sql file and .up/.down files",
        "b/0005_tx.sql:1: `transaction` takes true or false, not `maybe`",
        "b/0006_online.sql:2: `online` takes `pt-osc` (pt-online-schema-change), not `gh-ost`",
        "c/0001_str.sql:3: column 8: unterminated string literal",
        "c/0002_updown.up.sql:2: an .up.sql file may only carry a `-- migrate:up` marker",
    ];
    for e in expected {
        assert!(
            got.iter().any(|g| g.starts_with(e)),
            "missing {e:?} in {got:#?}"
        );
    }
    // Dependencies are checked once the files themselves are valid.
    let dir2 = tempfile::tempdir().unwrap();
    write(dir2.path(), "a/0001_x.sql", "SELECT 1;\n");
    write(
        dir2.path(),
        "b/0001_dep.sql",
        "-- depends_on: a:0042\nSELECT 1;\n",
    );
    let got = problems(dir2.path());
    assert!(
        got[0]
            .starts_with("b/0001_dep.sql:1: depends on `a:0042`: app `a` has no migration `0042`"),
        "{got:?}"
    );
}

#[test]
fn cycles_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/0001_x.sql",
        "-- depends_on: b:0001\nSELECT 1;\n",
    );
    write(
        dir.path(),
        "b/0001_y.sql",
        "-- depends_on: a:0001\nSELECT 1;\n",
    );
    let got = problems(dir.path());
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].contains("dependency cycle") && got[0].contains("a:0001_x, b:0001_y"),
        "{got:?}"
    );
}

#[test]
fn resolve_targets() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["0001_init.sql", "0010_add_email.sql", "0011_add_phone.sql"] {
        write(dir.path(), &format!("app/{f}"), "SELECT 1;\n");
    }
    let source = load(dir.path()).unwrap();
    assert_eq!(source.resolve("app", "0001").unwrap().name, "0001_init");
    assert_eq!(
        source.resolve("app", "0010_add_email").unwrap().name,
        "0010_add_email"
    );
    assert_eq!(
        source.resolve("app", "0011_add").unwrap().name,
        "0011_add_phone"
    );
    assert_eq!(source.resolve("app", "11").unwrap().name, "0011_add_phone");
    let ambiguous = source.resolve("app", "001").unwrap_err().to_string();
    assert!(
        ambiguous.contains("matches 0010_add_email, 0011_add_phone"),
        "{ambiguous}"
    );
    let unknown = source.resolve("app", "0099").unwrap_err().to_string();
    assert!(
        unknown.contains("it has: 0001_init, 0010_add_email, 0011_add_phone"),
        "{unknown}"
    );
    let app = source.resolve("nope", "0001").unwrap_err().to_string();
    assert!(app.contains("unknown app `nope`; apps: app"), "{app}");
}

#[test]
fn unknown_names_suggest_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "patients/0001_initial.sql",
        "patients/0002_add_dob.sql",
        "patients/0003_add_dot.sql",
        "tasks/0001_initial.sql",
    ] {
        write(dir.path(), f, "SELECT 1;\n");
    }
    let source = load(dir.path()).unwrap();
    let err = source.resolve("patinets", "0001").unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        "unknown app `patinets`; did you mean `patients`? apps: patients, tasks"
    );
    let far = source.unknown_app("billing").to_string();
    assert_eq!(far, "unknown app `billing`; apps: patients, tasks");
    let typo = source.resolve("patients", "0002_add_bod").unwrap_err();
    assert_eq!(typo.exit_code(), 2);
    assert!(
        typo.to_string().starts_with(
            "app `patients` has no migration `0002_add_bod`; did you mean `0002_add_dob`? it has: "
        ),
        "{typo}"
    );
    // The words without the number, and every migration as near as the
    // nearest.
    let words = source
        .resolve("patients", "add_do")
        .unwrap_err()
        .to_string();
    assert!(
        words.contains("did you mean `0002_add_dob` or `0003_add_dot`?"),
        "{words}"
    );
    // A number has no spelling to correct.
    let number = source.resolve("patients", "0009").unwrap_err().to_string();
    assert!(!number.contains("did you mean"), "{number}");
}

#[test]
fn missing_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(&dir.path().join("missing")).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("not found"));
}

#[test]
fn only_regular_files_are_read_as_migrations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/0001_ok.sql", "SELECT 1;\n");
    let app = dir.path().join("app");
    std::fs::create_dir(app.join("0002_dir.sql")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", app.join("0003_zero.sql")).unwrap();
    std::os::unix::fs::symlink(app.join("gone"), app.join("0004_broken.sql")).unwrap();
    let fifo = app.join("0005_fifo.sql");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let big = std::fs::File::create(app.join("0006_big.sql")).unwrap();
    big.set_len(MAX_FILE_BYTES + 1).unwrap();
    // A FIFO would block a reader forever and /dev/zero would fill memory:
    // returning at all is half the test.
    let found = problems(dir.path());
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(
        found[0].starts_with("app/0002_dir.sql: a folder named like a migration"),
        "{found:#?}"
    );
    for (i, file) in ["0003_zero.sql", "0004_broken.sql", "0005_fifo.sql"]
        .iter()
        .enumerate()
    {
        assert!(
            found[i + 1].starts_with(&format!("app/{file}: not a regular file")),
            "{found:#?}"
        );
    }
    assert!(
        found[4].starts_with("app/0006_big.sql: 67108865 bytes is more"),
        "{found:#?}"
    );
}

#[test]
fn a_file_given_as_the_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.sql");
    std::fs::write(&file, "SELECT 1;").unwrap();
    match load(&file) {
        Err(Error::Usage(message)) => {
            assert!(message.contains("is a file, not a folder"), "{message}")
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn noop_directive_marks_an_empty_down_as_meant() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/0001_a.sql",
        "-- migrate:up\nINSERT INTO t VALUES (1);\n-- migrate:down noop=true\n",
    );
    write(
        dir.path(),
        "app/0002_b.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n\n",
    );
    write(dir.path(), "app/0003_c.up.sql", "SELECT 1;\n");
    write(
        dir.path(),
        "app/0003_c.down.sql",
        "-- migrate:down noop=true\n-- nothing to undo\n",
    );
    let source = load(dir.path()).unwrap();
    let downs: Vec<(bool, bool)> = source
        .app("app")
        .unwrap()
        .iter()
        .map(|m| {
            let d = m.down.as_ref().unwrap();
            (d.noop, d.unwritten())
        })
        .collect();
    assert_eq!(downs, vec![(true, false), (false, true), (true, false)]);
}

#[test]
fn noop_directive_is_refused_on_up_and_with_statements() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/0001_x.sql", "-- migrate:up noop=true\nSELECT 1;\n");
    write(
        root,
        "b/0001_y.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down noop=true\nDROP TABLE t;\n",
    );
    write(
        root,
        "c/0001_z.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down noop=maybe\n",
    );
    assert_eq!(
        problems(root),
        vec![
            "a/0001_x.sql:1: `noop=true` belongs on a `-- migrate:down` marker: it says that unapplying has nothing to undo",
            "b/0001_y.sql:3: `noop=true` says this down section undoes nothing, but it holds 1 statement(s) (the first on line 4); remove the directive or the statements",
            "c/0001_z.sql:3: `noop` takes true or false, not `maybe`",
        ]
    );
}

#[test]
fn online_sections_mark_their_alter_tables() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/0001_online.sql",
        "-- migrate:up online=pt-osc\nCREATE TABLE s (id INT);\nALTER TABLE big ADD COLUMN c INT;\n\
-- migrate:down\nALTER TABLE big DROP COLUMN c;\n",
    );
    let source = load(dir.path()).unwrap();
    let m = source.get(&MigrationKey::new("a", "0001_online")).unwrap();
    assert_eq!(m.up.online, Some(crate::online::OnlineTool::PtOsc));
    assert_eq!(m.down.as_ref().unwrap().online, None);
    let step = crate::executor::prepare_from_source(
        m,
        crate::plan::Direction::Apply,
        &crate::engines::sqlite::SqliteDialect,
    )
    .unwrap();
    // Journaled, even where DDL is transactional; only the ALTER TABLE
    // goes through the tool.
    assert_eq!(step.mode, crate::executor::ExecutionMode::Journaled);
    let online: Vec<_> = step.statements.iter().map(|s| s.online.is_some()).collect();
    assert_eq!(online, [false, true]);
    let shown = crate::executor::render(&step, &crate::engines::sqlite::SqliteDialect);
    assert!(
        shown.contains("-- online=pt-osc: runs through pt-online-schema-change"),
        "{shown}"
    );
}

/// [`Disk`], counting the folders listed and the files read.
#[derive(Default)]
struct CountingDisk {
    lists: std::sync::atomic::AtomicUsize,
    reads: std::sync::atomic::AtomicUsize,
}

impl Files for CountingDisk {
    fn list(&self, dir: &Path) -> std::io::Result<Vec<Entry>> {
        self.lists
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Disk.list(dir)
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Disk.read(path)
    }
}

fn numbered_folder(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=count {
        write(
            dir.path(),
            &format!("app/{i:05}_m{i}.sql"),
            &format!("-- migrate:up\nINSERT INTO t VALUES ({i});\n-- migrate:down\nSELECT 1;\n"),
        );
    }
    dir
}

#[test]
fn reading_grows_with_the_number_of_migrations_and_no_faster() {
    // Each file read once and each folder listed once, at any size: the
    // work that grows is per migration, never per pair of them.
    for count in [100, 1_000] {
        let dir = numbered_folder(count);
        let files = CountingDisk::default();
        let source =
            Source::load_with(&files, dir.path(), SqlDialect::Sqlite, None, None, true).unwrap();
        assert_eq!(source.ordered().count(), count);
        assert_eq!(files.reads.into_inner(), count, "{count} migrations");
        assert_eq!(files.lists.into_inner(), 2, "{count} migrations");
    }
}

#[test]
fn many_migrations_read_at_once_keep_their_order_and_problems() {
    // Enough files for the reading to be shared among threads: the order
    // and the problems are those of a reading one file after another.
    let dir = numbered_folder(600);
    for i in [7, 300, 599] {
        write(
            dir.path(),
            &format!("app/{i:05}_m{i}.sql"),
            "-- migrate:up\nSELECT 'unterminated;\n",
        );
    }
    let found = problems(dir.path());
    assert_eq!(found.len(), 3, "{found:?}");
    for (problem, i) in found.iter().zip([7, 300, 599]) {
        assert!(
            problem.starts_with(&format!("app/{i:05}_m{i}.sql:2: ")),
            "{problem}"
        );
    }
    std::fs::remove_file(dir.path().join("app/00007_m7.sql")).unwrap();
    std::fs::remove_file(dir.path().join("app/00300_m300.sql")).unwrap();
    std::fs::remove_file(dir.path().join("app/00599_m599.sql")).unwrap();
    let source = load(dir.path()).unwrap();
    let numbers: Vec<u64> = source.ordered().map(|m| m.number).collect();
    let expected: Vec<u64> = (1..=600).filter(|n| ![7, 300, 599].contains(n)).collect();
    assert_eq!(numbers, expected);
}

fn load_lazily(root: &Path, dialect: &dyn Dialect) -> Result<Source> {
    Source::load_lazily(&Disk, root, dialect, None)
}

/// Sections whose emptiness their lines show, and sections they do not.
const SECTIONS: [(&str, &str); 9] = [
    (
        "0001_both.sql",
        "-- header\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n\n-- migrate:down\nDROP TABLE a;\n",
    ),
    ("0002_bare.sql", "CREATE TABLE b (id INTEGER);\nSELECT 1;"),
    (
        "0003_noop.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down noop=true\n-- nothing to undo\n\n",
    ),
    (
        "0004_block_comment_down.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n/* nothing;\n here */\n",
    ),
    (
        "0005_semicolons_down.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n;;\n",
    ),
    (
        "0006_dashes.sql",
        "-- migrate:up\n--\n--x\nSELECT 1;\n-- migrate:down\n  -- indented\n\tDROP TABLE x;\n",
    ),
    (
        "0007_quoted_first.sql",
        "-- migrate:up\n\"t\";\n-- migrate:down\n-- only this\n",
    ),
    (
        "0008_pair.up.sql",
        "-- migrate:up transaction=false\nSELECT 2;\n",
    ),
    ("0008_pair.down.sql", "-- migrate:down\n-- gone\n"),
];

#[test]
fn a_lazy_read_splits_a_script_when_first_asked_and_as_a_whole_read_does() {
    for dialect in [
        &crate::engines::sqlite::SqliteDialect as &dyn Dialect,
        &crate::engines::mysql::MysqlDialect,
        &crate::engines::postgres::PostgresDialect,
    ] {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in SECTIONS {
            write(dir.path(), &format!("app/{name}"), text);
        }
        let whole = Source::load_for(dir.path(), dialect).unwrap();
        let lazy = load_lazily(dir.path(), dialect).unwrap();
        let scripts = |s: &Source| -> Vec<Script> {
            s.ordered()
                .flat_map(|m| std::iter::once(m.up.clone()).chain(m.down.clone()))
                .collect()
        };
        let (whole, lazy) = (scripts(&whole), scripts(&lazy));
        assert_eq!(lazy.len(), 15, "{}", dialect.name());
        for (w, l) in whole.iter().zip(&lazy) {
            let at = format!("{} on {}", l.path.display(), dialect.name());
            assert!(w.is_split() && !l.is_split(), "{at}");
            // Told before splitting, from the lines where they show it.
            assert_eq!(l.is_empty(), w.statements().unwrap().is_empty(), "{at}");
            assert_eq!(l.statements().unwrap(), w.statements().unwrap(), "{at}");
            assert!(l.is_split());
            assert_eq!(l, w, "{at}");
        }
    }
}

#[test]
fn a_lazy_read_reports_a_statement_it_cannot_split_where_a_whole_read_does() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/0001_ok.sql", "SELECT 1;\n");
    write(
        dir.path(),
        "app/0002_quote.sql",
        "-- migrate:up\nSELECT 1;\nINSERT INTO x VALUES ('never closed);\n",
    );
    let whole = problems(dir.path());
    assert_eq!(
        whole,
        ["app/0002_quote.sql:3: column 23: unterminated string literal"]
    );
    let lazy = load_lazily(dir.path(), &crate::engines::sqlite::SqliteDialect).unwrap();
    let broken = lazy.get(&MigrationKey::new("app", "0002_quote")).unwrap();
    match broken.up.statements() {
        Err(Error::InvalidSource(found)) => {
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].path, dir.path().join("app/0002_quote.sql"));
            assert_eq!(found[0].line, Some(3));
            assert_eq!(found[0].message, "column 23: unterminated string literal");
        }
        other => panic!("expected the split problem, got {other:?}"),
    }
    assert_eq!(
        broken.up.sql().unwrap_err().to_string(),
        broken.up.statements().unwrap_err().to_string()
    );
    // A source with another problem is reported whole, this one among them.
    write(
        dir.path(),
        "app/0003_flag.sql",
        "-- migrate:up transactional=no\nSELECT 1;\n",
    );
    match load_lazily(dir.path(), &crate::engines::sqlite::SqliteDialect) {
        Err(Error::InvalidSource(found)) => {
            let lines: Vec<_> = found
                .iter()
                .map(|p| (p.path.file_name().unwrap().to_owned(), p.line))
                .collect();
            assert_eq!(
                lines,
                [
                    ("0002_quote.sql".into(), Some(3)),
                    ("0003_flag.sql".into(), Some(1))
                ]
            );
        }
        other => panic!("expected an invalid source, got {other:?}"),
    }
}

#[test]
fn a_lazy_read_of_many_migrations_splits_none_of_them() {
    let dir = numbered_folder(1_000);
    let source = load_lazily(dir.path(), &crate::engines::sqlite::SqliteDialect).unwrap();
    assert_eq!(source.ordered().count(), 1_000);
    assert!(source.ordered().all(|m| !m.up.is_split()));
    // Both sections plainly hold a statement: telling so splits nothing.
    assert!(
        source
            .ordered()
            .all(|m| !m.down.as_ref().unwrap().is_empty())
    );
    assert!(
        source
            .ordered()
            .all(|m| !m.down.as_ref().unwrap().is_split())
    );
}
