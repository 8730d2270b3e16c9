//! `migrate [APP [TARGET]]`: move apps forward or back, or only their
//! history with `--fake`.

use migrate_core::executor::{PreparedStep, Progress, RunOptions, StepReport, render};
use migrate_core::plan::{Direction, PlanOptions, Request};
use migrate_core::{Error, Migrator, Source};
use serde_json::json;

use crate::cli::{Global, RunArgs};
use crate::config::Settings;
use crate::progress::Bar;
use crate::registry::Registry;
use crate::style::{self, Paint};

/// Runs the default command.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    args: &RunArgs,
) -> Result<u8, Error> {
    let request = match (&args.app, &args.target) {
        (Some(app), Some(target)) => Request::To {
            app: app.clone(),
            target: target.clone(),
        },
        (Some(app), None) => Request::App(app.clone()),
        _ => Request::All,
    };
    let plan = PlanOptions {
        fake: args.fake,
        revert_orphans: args.revert_orphans,
        rewind: args.rewind,
        prune: args.prune,
        allow_out_of_order: args.allow_out_of_order,
    };
    // Asked of git now, answered while the folder is read and the database
    // opened: waiting for git after them would add its start-up to every
    // run.
    let commit = (!global.dry_run).then(|| SourceCommit::ask(&settings.dir));
    let (source, mut backend) = super::open(
        registry,
        settings,
        !global.dry_run,
        crate::config::Reading::Lazily,
    )
    .await?;
    // An app no folder holds may be a mistyped command (`migrate
    // showmigration`), which clap took for an app.
    let app_has_no_folder = args.app.as_deref().is_some_and(|a| source.app(a).is_none());
    let hint = |e: Error| match (&e, &args.app) {
        (Error::Usage(_), Some(app)) if app_has_no_folder => command_hint(app).unwrap_or(e),
        _ => e,
    };
    let json = crate::is_json(global.format);
    let mut options = RunOptions {
        plan,
        prefer_file_down: args.use_file_down,
        lock_timeout: settings.lock_timeout,
        applied_by: None,
        source_commit: None,
    };
    if global.dry_run {
        let migrator = Migrator::from_source(source).with_options(options);
        let steps = migrator
            .plan(backend.as_mut(), &request)
            .await
            .map_err(hint)?;
        let warnings = migrator.warnings(backend.as_mut()).await?;
        let dry_run = DryRun {
            steps: &steps,
            warnings: &warnings,
            dialect: backend.dialect(),
            json,
            target: &backend.target(),
        };
        print_dry_run(&dry_run, settings);
        return Ok(0);
    }
    options.applied_by = Some(super::actor());
    options.source_commit = commit.and_then(SourceCommit::answer);
    let mut printer = Printer {
        json,
        show_plan: args.revert_orphans || args.rewind || args.prune,
        reports: Vec::new(),
        warnings: Vec::new(),
        open_line: None,
        bar: Bar::none(),
    };
    let migrator = Migrator::from_source(source).with_options(options);
    let result = migrator
        .execute(backend.as_mut(), &request, &mut printer)
        .await
        .map_err(hint);
    let target = backend.target();
    let nothing = nothing_to_do(&request, migrator.source(backend.dialect())?.as_ref());
    let _ = backend.close().await;
    printer.bar.finish();
    if let Some(line) = printer.open_line.take() {
        outln!("{line}{}", style::out(" FAILED", Paint::Failed));
    }
    if json {
        let (error, code) = match &result {
            Ok(_) => (serde_json::Value::Null, 0),
            Err(e) => (
                json!({"kind": "failed", "message": e.to_string(), "exit_code": e.exit_code()}),
                e.exit_code(),
            ),
        };
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "fake": args.fake,
            "steps": printer.reports,
            "warnings": printer.warnings,
            "error": error,
        }));
        return Ok(code);
    }
    let reports = result?;
    if reports.is_empty() {
        outln!("{nothing}");
    }
    Ok(0)
}

/// `unknown app `showmigration`; did you mean the command
/// `showmigrations`?` when the word is a typo of a command's name.
fn command_hint(app: &str) -> Option<Error> {
    let names = crate::command_names();
    let close = migrate_core::suggest::closest(app, names.iter().map(String::as_str));
    let hint = migrate_core::suggest::did_you_mean("the command ", &close)?;
    Some(Error::Usage(format!("unknown app `{app}`; {hint}")))
}

fn nothing_to_do(request: &Request, source: &Source) -> String {
    match request {
        Request::All => "No migrations to apply: every app is up to date.".to_string(),
        Request::App(app) => format!("No migrations to apply: {app} is up to date."),
        Request::To { app, target } if target == "zero" => {
            format!("Nothing to do: no migration of {app} is applied.")
        }
        Request::To { app, target } => {
            let name = source
                .resolve(app, target)
                .map(|m| m.name.clone())
                .unwrap_or_else(|_| target.clone());
            format!("Nothing to do: {app} is already at {name}.")
        }
    }
}

/// Prints each step as it runs (text), or collects reports (JSON).
struct Printer {
    json: bool,
    /// Print the whole plan before running it (history repairs).
    show_plan: bool,
    reports: Vec<StepReport>,
    /// What the run noticed but went on with.
    warnings: Vec<String>,
    /// A step at work: what remains to print of its `  Applying X ...`
    /// line before its ` OK` or ` FAILED` (nothing when printed at once;
    /// the whole line while a progress bar may be drawn, which would cut
    /// it).
    open_line: Option<String>,
    bar: Bar,
}

impl Printer {
    fn print(&self, line: String) {
        self.bar.print(|| outln!("{line}"));
    }
}

impl Progress for Printer {
    fn noticed(&mut self, warnings: &[String]) {
        self.warnings.extend_from_slice(warnings);
        if self.json {
            return;
        }
        for warning in warnings {
            self.print(format!(
                "{} {warning}",
                style::out("warning:", Paint::Warning)
            ));
        }
    }

    fn planned(&mut self, steps: &[PreparedStep]) {
        self.bar = Bar::for_run(steps.len(), !self.json);
        if self.json || !self.show_plan || steps.is_empty() {
            return;
        }
        self.print("Plan:".to_string());
        for step in steps {
            self.print(format!("  {}", describe(step)));
            for warning in &step.warnings {
                self.print(format!(
                    "    {} {warning}",
                    style::out("warning:", Paint::Warning)
                ));
            }
        }
    }

    fn step_started(&mut self, step: &PreparedStep) {
        if self.json {
            return;
        }
        // With the plan shown, its warnings were shown with it.
        if !self.show_plan {
            for warning in &step.warnings {
                self.print(format!(
                    "  {} {warning}",
                    style::out("warning:", Paint::Warning)
                ));
            }
        }
        let verb = match step.direction {
            Direction::Apply => "Applying",
            Direction::Unapply => "Unapplying",
        };
        let fake = if step.fake { " (fake)" } else { "" };
        let line = format!("  {verb} {}{fake} ...", step.key);
        self.bar.working_on(format!("{verb} {}{fake}", step.key));
        if self.bar.is_active() {
            self.open_line = Some(line);
        } else {
            // Shown at once, so that a slow statement is seen at work.
            out!("{line}");
            self.open_line = Some(String::new());
        }
    }

    fn step_finished(&mut self, report: &StepReport) {
        let line = self.open_line.take().unwrap_or_default();
        self.reports.push(report.clone());
        if self.json {
            return;
        }
        let ok = format!(
            " {} ({} ms)",
            style::out("OK", Paint::Ok),
            report.duration_ms
        );
        self.print(format!("{line}{ok}"));
        self.bar.step_done();
    }
}

/// One line on a step: `unapply tasks:0003_x (fake)`.
fn describe(step: &PreparedStep) -> String {
    let verb = match step.direction {
        Direction::Apply => "apply",
        Direction::Unapply => "unapply",
    };
    let fake = if step.fake {
        " (fake: history only)"
    } else {
        ""
    };
    format!("{verb} {}{fake}", step.key)
}

/// What a dry run prints.
struct DryRun<'a> {
    steps: &'a [PreparedStep],
    /// What a run would warn about and go on.
    warnings: &'a [String],
    dialect: &'a dyn migrate_core::Dialect,
    json: bool,
    target: &'a str,
}

/// A planned step as `--dry-run --format json` shows it.
pub(crate) fn step_json(s: &PreparedStep) -> serde_json::Value {
    json!({
        "app": s.key.app,
        "name": s.key.name,
        "direction": s.direction,
        "mode": s.mode,
        "fake": s.fake,
        "statements": s.statements.iter().map(|st| st.sql.clone()).collect::<Vec<_>>(),
        "warnings": s.warnings,
    })
}

fn print_dry_run(run: &DryRun, settings: &Settings) {
    let target = run.target;
    if run.json {
        let steps: Vec<serde_json::Value> = run.steps.iter().map(step_json).collect();
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "dry_run": true,
            "warnings": run.warnings,
            "steps": steps,
        }));
        return;
    }
    for warning in run.warnings {
        outln!("{} {warning}", style::out("warning:", Paint::Warning));
    }
    if run.steps.is_empty() {
        outln!("Dry run on {target}: nothing to do.");
        return;
    }
    outln!("Dry run on {target}: nothing will change. The plan:");
    for step in run.steps {
        outln!("\n-- {}", describe(step));
        out!("{}", render(step, run.dialect));
    }
}

/// The commit checked out in the migrations folder, when it is in a git
/// checkout; recorded so that an orphan can be traced to where it came from.
pub(crate) fn source_commit(dir: &std::path::Path) -> Option<String> {
    SourceCommit::ask(dir).answer()
}

/// A [`source_commit`] question put to git, whose answer is read later.
struct SourceCommit {
    /// `None` when git could not be started.
    git: Option<std::process::Child>,
}

impl SourceCommit {
    /// Starts `git rev-parse` in `dir`, without waiting for it. Outside a
    /// checkout (a deploy image, a release tarball) git is not started: it
    /// would only fail, after costing a process per run.
    fn ask(dir: &std::path::Path) -> SourceCommit {
        if !may_be_in_checkout(dir) {
            return SourceCommit { git: None };
        }
        let git = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--short=12", "HEAD"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok();
        SourceCommit { git }
    }

    /// Waits for git: the commit, when the folder is in a checkout.
    fn answer(mut self) -> Option<String> {
        let out = self.git.take()?.wait_with_output().ok()?;
        let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !commit.is_empty()).then_some(commit)
    }
}

/// Whether `dir` may be in a git checkout: a `.git` stands in it or in a
/// folder above it, or `GIT_DIR` names the repository wherever it is.
fn may_be_in_checkout(dir: &std::path::Path) -> bool {
    if std::env::var_os("GIT_DIR").is_some() {
        return true;
    }
    let Ok(dir) = std::path::absolute(dir) else {
        return true;
    };
    dir.ancestors().any(|d| d.join(".git").exists())
}

impl Drop for SourceCommit {
    /// A question left unread (the run stopped before it needed the
    /// answer) leaves no process behind.
    fn drop(&mut self) {
        if let Some(mut git) = self.git.take() {
            let _ = git.kill();
            let _ = git.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_is_asked_only_where_a_checkout_may_be() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("db").join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        // A temporary folder is in no checkout (unless GIT_DIR says where
        // one is, which a test run does not set).
        if std::env::var_os("GIT_DIR").is_none() {
            assert!(!may_be_in_checkout(&migrations));
            assert!(SourceCommit::ask(&migrations).git.is_none());
        }
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert!(may_be_in_checkout(&migrations));
    }
}
