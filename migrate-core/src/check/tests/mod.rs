//! The analysis on migrations read from folders, as `migrate check` reads
//! them: each finding, failure and rollback on each engine.

mod failure;
mod fixtures;
mod locking;
mod portability;
mod rollback;

use std::path::Path;

use super::{Severity, StaticReport, analyze, analyze_source};
use crate::dialect::SqlDialect;
use crate::engines::dialect;
use crate::source::Source;

const SQLITE: SqlDialect = SqlDialect::Sqlite;
const POSTGRES: SqlDialect = SqlDialect::Postgres;
const MYSQL: SqlDialect = SqlDialect::Mysql;
const ENGINES: [SqlDialect; 3] = [SQLITE, POSTGRES, MYSQL];

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The folder `files` make (paths under the app `app`), read for `engine`.
fn load(root: &Path, files: &[(&str, &str)], engine: SqlDialect) -> Source {
    for (rel, text) in files {
        write(root, &format!("app/{rel}"), text);
    }
    Source::load_for(root, dialect(engine).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

/// The report of the last migration of the folder `files` make, read and
/// analyzed for `engine` with [`analyze`].
fn report_of(files: &[(&str, &str)], engine: SqlDialect) -> StaticReport {
    let dir = tempfile::tempdir().unwrap();
    let source = load(dir.path(), files, engine);
    let m = source.app("app").unwrap().last().unwrap();
    analyze(m, dialect(engine).unwrap())
}

/// The report of one migration file `0001_x.sql` holding `text`.
fn report(text: &str, engine: SqlDialect) -> StaticReport {
    report_of(&[("0001_x.sql", text)], engine)
}

/// The report of the last migration with [`analyze_source`], which knows
/// the schema earlier portable migrations built.
fn source_report_of(files: &[(&str, &str)], engine: SqlDialect) -> StaticReport {
    let dir = tempfile::tempdir().unwrap();
    let source = load(dir.path(), files, engine);
    analyze_source(&source, dialect(engine).unwrap())
        .pop()
        .unwrap()
        .report
}

/// Each finding as `line code severity`, in the report's order.
fn found(report: &StaticReport) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.line.map_or("-".to_string(), |l| l.to_string()),
                f.code,
                f.severity
            )
        })
        .collect()
}

/// The findings with `code`, as `line severity`.
fn with_code(report: &StaticReport, code: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| {
            format!(
                "{} {}",
                f.line.map_or("-".to_string(), |l| l.to_string()),
                f.severity
            )
        })
        .collect()
}

/// The message of the only finding with `code`.
fn message(report: &StaticReport, code: &str) -> String {
    let all: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.message.as_str())
        .collect();
    match all.as_slice() {
        [one] => one.to_string(),
        other => panic!("expected one {code} finding, got {other:#?}"),
    }
}

fn dump(report: &StaticReport) -> String {
    report
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn severities_order_and_serialize_in_lower_case() {
    assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    assert_eq!(
        serde_json::to_string(&Severity::Warning).unwrap(),
        "\"warning\""
    );
    assert_eq!(Severity::from_name("error"), Some(Severity::Error));
}
