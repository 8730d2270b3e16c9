//! `migrate check [APP [MIGRATION]]`: per migration and engine, how a
//! failure half-way and a rollback end, read from the files, then proven on
//! scratch databases that are dropped at the end, even on Ctrl-C.

use std::collections::BTreeMap;

use migrate_core::backend::Backend;
use migrate_core::check::proof::{self, Proof, Work};
use migrate_core::check::{Finding, Severity, StaticReport, analyze_source};
use migrate_core::migration::{Migration, MigrationKey};
use migrate_core::{Error, Source};
use serde_json::json;

use crate::cli::{CheckArgs, Global};
use crate::config::Settings;
use crate::registry::{Engine, Registry};
use crate::style::{self, Paint};

/// One engine's part of the check.
struct EngineCheck {
    /// Its name, as `--engine` takes it.
    name: String,
    /// Where the proof ran, or why it did not.
    proof_note: String,
    /// Per migration: the static report and the proof.
    cells: BTreeMap<MigrationKey, (StaticReport, Proof)>,
}

/// Runs the check and prints it; the exit code says whether a finding
/// reached `--fail-on`.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    args: &CheckArgs,
) -> Result<u8, Error> {
    let (order, checks, fail_on) = evaluate(registry, settings, args).await?;
    let worst = worst(&checks);
    if crate::is_json(global.format) {
        let (migrations, proofs) = json_parts(&order, &checks);
        crate::print_json(&json!({
            "engines": checks.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "proofs": proofs,
            "migrations": migrations,
        }));
    } else {
        print_text(&order, &checks);
    }
    Ok(if worst.is_some_and(|w| w >= fail_on) {
        1
    } else {
        0
    })
}

/// The check of one database's engines, for a run over many databases:
/// the files and the proof do not depend on the database's content, so it
/// is computed once per engine and given to each of its databases.
pub struct Verdict {
    /// `migrations` of `check --format json`.
    pub migrations: serde_json::Value,
    /// `proofs` of `check --format json`: where each engine's proof ran.
    pub proofs: serde_json::Value,
    /// `7 migration(s) on sqlite: 2 warning(s)`.
    pub summary: String,
    /// Set when a finding reached `--fail-on`: the first such.
    pub failure: Option<String>,
}

/// [`Verdict`] of the engines `settings`' database selects.
pub async fn verdict(
    registry: &Registry,
    settings: &Settings,
    args: &CheckArgs,
) -> Result<Verdict, Error> {
    let (order, checks, fail_on) = evaluate(registry, settings, args).await?;
    let (migrations, proofs) = json_parts(&order, &checks);
    let findings: Vec<(&MigrationKey, &str, &Finding)> = checks
        .iter()
        .flat_map(|c| {
            c.cells.iter().flat_map(move |(key, (report, proof))| {
                report
                    .findings
                    .iter()
                    .chain(&proof.findings)
                    .map(move |f| (key, c.name.as_str(), f))
            })
        })
        .collect();
    let count = |severity: Severity| {
        findings
            .iter()
            .filter(|(_, _, f)| f.severity == severity)
            .count()
    };
    let engines: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    let summary = format!(
        "{} migration(s) on {}: {} error(s), {} warning(s)",
        order.len(),
        engines.join(", "),
        count(Severity::Error),
        count(Severity::Warning)
    );
    let failure = findings
        .iter()
        .filter(|(_, _, f)| f.severity >= fail_on)
        .max_by_key(|(_, _, f)| f.severity)
        .map(|(key, engine, f)| {
            format!(
                "{summary}; {} {} in {key} on {engine}: {}",
                f.severity.name(),
                f.code,
                f.message
            )
        });
    Ok(Verdict {
        migrations,
        proofs,
        summary,
        failure,
    })
}

/// The worst severity of every finding.
fn worst(checks: &[EngineCheck]) -> Option<Severity> {
    checks
        .iter()
        .flat_map(|c| c.cells.values())
        .flat_map(|(report, proof)| report.findings.iter().chain(&proof.findings))
        .map(|f| f.severity)
        .max()
}

/// Reads and proves: the migrations in order, each engine's check, and
/// the severity `--fail-on` names.
async fn evaluate(
    registry: &Registry,
    settings: &Settings,
    args: &CheckArgs,
) -> Result<(Vec<MigrationKey>, Vec<EngineCheck>, Severity), Error> {
    let fail_on = Severity::from_name(&args.fail_on)
        .filter(|s| *s != Severity::Info)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--fail-on takes `error` or `warning`, not `{}`",
                args.fail_on
            ))
        })?;
    if args.migration.is_some() && args.app.is_none() {
        return Err(Error::Usage(
            "a migration needs its app: `migrate check APP MIGRATION`".into(),
        ));
    }
    let engines = engines(registry, settings, args)?;
    let mut order: Vec<MigrationKey> = Vec::new();
    let mut checks = Vec::new();
    for engine in engines {
        let source = settings.source(engine.dialect())?;
        let selected = selection(&source, args)?;
        if order.is_empty() {
            order = source
                .ordered()
                .filter(|m| is_selected(&selected, m))
                .map(Migration::key)
                .collect();
        }
        checks.push(check_engine(registry, settings, args, engine, &source, &selected).await?);
    }
    Ok((order, checks, fail_on))
}

/// The engines to check: `--engine`, or the database's own plus those of
/// `[check] engines`, each once.
fn engines<'r>(
    registry: &'r Registry,
    settings: &Settings,
    args: &CheckArgs,
) -> Result<Vec<&'r dyn Engine>, Error> {
    let mut names: Vec<String> = args
        .engine
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        names.push(
            registry
                .for_url(&settings.url)?
                .dialect()
                .name()
                .to_string(),
        );
        names.extend(settings.check_engines.iter().cloned());
    }
    let mut engines: Vec<&dyn Engine> = Vec::new();
    for name in &names {
        let engine = registry.for_dialect(name)?;
        if !engines
            .iter()
            .any(|e| e.dialect().name() == engine.dialect().name())
        {
            engines.push(engine);
        }
    }
    Ok(engines)
}

/// What `APP [MIGRATION]` selects: `None` for everything.
type Selected = Option<(String, Option<String>)>;

fn selection(source: &Source, args: &CheckArgs) -> Result<Selected, Error> {
    let Some(app) = &args.app else {
        return Ok(None);
    };
    if source.app(app).is_none() {
        return Err(source.unknown_app(app));
    }
    let name = match &args.migration {
        Some(target) => Some(source.resolve(app, target)?.name.clone()),
        None => None,
    };
    Ok(Some((app.clone(), name)))
}

fn is_selected(selected: &Selected, m: &Migration) -> bool {
    match selected {
        None => true,
        Some((app, None)) => m.app == *app,
        Some((app, Some(name))) => m.app == *app && m.name == *name,
    }
}

async fn check_engine(
    registry: &Registry,
    settings: &Settings,
    args: &CheckArgs,
    engine: &dyn Engine,
    source: &Source,
    selected: &Selected,
) -> Result<EngineCheck, Error> {
    let name = engine.dialect().name().to_string();
    // The whole folder is analyzed so that each migration is judged on the
    // schema the earlier ones leave (a type change narrows or not).
    let mut cells: BTreeMap<MigrationKey, (StaticReport, Proof)> =
        analyze_source(source, engine.dialect())
            .into_iter()
            .filter(|r| source.get(&r.key).is_some_and(|m| is_selected(selected, m)))
            .map(|r| (r.key, (r.report, Proof::not_run())))
            .collect();
    let proof_note = if args.no_proof {
        "not proven (--no-proof)".to_string()
    } else {
        match prove_on_scratch(registry, settings, args, engine, source, selected).await? {
            Ok((note, proofs)) => {
                for (key, proof) in proofs {
                    if let Some(cell) = cells.get_mut(&key) {
                        cell.1 = proof;
                    }
                }
                note
            }
            Err(why) => why,
        }
    };
    Ok(EngineCheck {
        name,
        proof_note,
        cells,
    })
}

/// `Ok(Ok((where, proofs)))` when the proof ran; `Ok(Err(why not))` when
/// there is no scratch database for this engine; `Err` when interrupted.
async fn prove_on_scratch(
    registry: &Registry,
    settings: &Settings,
    args: &CheckArgs,
    engine: &dyn Engine,
    source: &Source,
    selected: &Selected,
) -> Result<Result<(String, Vec<(MigrationKey, Proof)>), String>, Error> {
    let source = source.clone();
    let selected = selected.clone();
    let job = move |mut backend: Box<dyn Backend>| async move {
        let mut work = Work::default();
        let only = |m: &Migration| is_selected(&selected, m);
        let proofs = proof::prove(backend.as_mut(), &source, &only, &mut work).await;
        tracing::debug!(?work, "proof done");
        let _ = backend.close().await;
        proofs
    };
    crate::scratch::run(registry, settings, &args.scratch, engine, "not proven", job).await
}

fn symbol(report: &StaticReport, proof: &Proof) -> &'static str {
    let worst = report
        .findings
        .iter()
        .chain(&proof.findings)
        .map(|f| f.severity)
        .max();
    match worst {
        Some(Severity::Error) => "✗",
        Some(Severity::Warning) => "!",
        _ if proof.roundtrip == proof::Roundtrip::Exact => "✓",
        _ if proof.roundtrip == proof::Roundtrip::Differs => "≈",
        _ if proof.up == proof::UpResult::Ok => "✓",
        _ => "·",
    }
}

/// A cell's symbol in its colour.
fn paint_symbol(symbol: &str) -> String {
    let paint = match symbol {
        "✓" => Paint::Ok,
        "✗" => Paint::Failed,
        "!" => Paint::Warning,
        "≈" => Paint::Notice,
        _ => Paint::Dim,
    };
    style::out(symbol, paint)
}

fn print_text(order: &[MigrationKey], checks: &[EngineCheck]) {
    if order.is_empty() {
        outln!("No migrations.");
        return;
    }
    for c in checks {
        outln!("{}: {}", c.name, c.proof_note);
    }
    let width = order
        .iter()
        .map(|k| k.to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut header = format!("\n{:width$}", "migration");
    for c in checks {
        header.push_str(&format!("  {:^8}", c.name));
    }
    outln!("{}", header.trim_end());
    for key in order {
        let mut line = format!("{:width$}", key.to_string());
        for c in checks {
            let cell = c.cells.get(key).map(|(r, p)| symbol(r, p)).unwrap_or("-");
            // Padded first: escape codes have no width.
            let padded = format!("  {cell:^8}");
            line.push_str(&padded.replacen(cell, &paint_symbol(cell), 1));
        }
        outln!("{}", line.trim_end());
    }
    outln!(
        "\n✓ applies, unapplies to the exact schema with the rows kept, and applies again; ≈ the same with a minor difference; ! a warning; ✗ an error; · not proven, nothing found in the files"
    );
    for key in order {
        let mut block = Vec::new();
        for c in checks {
            let Some((report, proof)) = c.cells.get(key) else {
                continue;
            };
            block.push(format!("  {:8} {}", c.name, summary(report, proof)));
            let mut findings: Vec<&Finding> =
                report.findings.iter().chain(&proof.findings).collect();
            findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.line.cmp(&b.line)));
            for f in findings {
                let place = match f.line {
                    Some(line) => format!("{}:{line}", f.file.display()),
                    None => f.file.display().to_string(),
                };
                let severity = match f.severity {
                    Severity::Error => style::out(f.severity.name(), Paint::Failed),
                    Severity::Warning => style::out(f.severity.name(), Paint::Warning),
                    _ => f.severity.name().to_string(),
                };
                block.push(format!("    {severity} {}: {place}: {}", f.code, f.message));
            }
        }
        outln!("\n{key}");
        for line in block {
            outln!("{line}");
        }
    }
}

/// `atomic · reversible · up ok · down ok · roundtrip exact · rows kept 3/3`.
fn summary(report: &StaticReport, proof: &Proof) -> String {
    let value = |v: serde_json::Value| v.as_str().unwrap_or("?").to_string();
    let mut failure = value(json!(report.failure));
    if let Some(i) = &report.inverses {
        failure.push_str(&format!(
            " ({} derived inverse(s), {} captured, {} none)",
            i.derived, i.capture, i.none
        ));
    }
    let mut parts = vec![failure, value(json!(report.rollback))];
    if proof.up != proof::UpResult::NotRun {
        parts.push(format!("up {}", value(json!(proof.up))));
        parts.push(format!("down {}", value(json!(proof.down))));
        parts.push(format!("roundtrip {}", value(json!(proof.roundtrip))));
    }
    if let Some(rows) = proof.rows {
        parts.push(format!(
            "rows kept {}/{}",
            rows.after_down, rows.before_down
        ));
    }
    parts.join(" · ")
}

/// `migrations` and `proofs` of the JSON document.
fn json_parts(
    order: &[MigrationKey],
    checks: &[EngineCheck],
) -> (serde_json::Value, serde_json::Value) {
    let migrations: Vec<serde_json::Value> = order
        .iter()
        .map(|key| {
            let engines: serde_json::Map<String, serde_json::Value> = checks
                .iter()
                .filter_map(|c| {
                    let (report, proof) = c.cells.get(key)?;
                    let findings: Vec<&Finding> =
                        report.findings.iter().chain(&proof.findings).collect();
                    Some((
                        c.name.clone(),
                        json!({
                            "failure": report.failure,
                            "inverses": report.inverses,
                            "rollback": report.rollback,
                            "up": proof.up,
                            "down": proof.down,
                            "roundtrip": proof.roundtrip,
                            "rows": proof.rows,
                            "differences": proof.differences,
                            "findings": findings,
                        }),
                    ))
                })
                .collect();
            json!({"app": key.app, "name": key.name, "engines": engines})
        })
        .collect();
    let proofs: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|c| (c.name.clone(), json!(c.proof_note)))
        .collect();
    (json!(migrations), json!(proofs))
}
