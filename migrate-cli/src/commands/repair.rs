//! `migrate repair`: resolve migrations a journaled run left part way,
//! accept an edited migration, or record a renamed one's new name.

use std::io::{BufRead, IsTerminal, Write};

use migrate_core::migration::MigrationKey;
use migrate_core::repair::{self, Case, DoubtChoice, Repair, RepairOptions, RepairPlan};
use migrate_core::{Error, Source};
use serde_json::json;

use crate::cli::{Global, RepairArgs};
use crate::config::Settings;
use crate::registry::Registry;
use crate::style::{self, Paint};

/// Runs `migrate repair [...]`.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    args: &RepairArgs,
) -> Result<(), Error> {
    let (source, mut backend) = super::open(
        registry,
        settings,
        writes(global, args),
        crate::config::Reading::Whole,
    )
    .await?;
    let result = dispatch(global, settings, args, &source, backend.as_mut()).await;
    let _ = backend.close().await;
    result
}

/// Ends the session that holds the migration lock (`--cancel-running`)
/// and waits until the server has let the lock go with it.
async fn end_lock_holder(
    backend: &mut dyn migrate_core::Backend,
    dry_run: bool,
    timeout: std::time::Duration,
) -> Result<(), Error> {
    let id = migrate_core::LockId::of(backend.location());
    if dry_run {
        match backend.lock_holder(&id).await {
            Some(who) => eprintln!("Would end {who}, which holds the migration lock (--dry-run)."),
            None => eprintln!("No other session holds the migration lock."),
        }
        return Ok(());
    }
    match backend.end_lock_holder(&id).await? {
        Some(who) => {
            eprintln!("Ended {who}, which held the migration lock.");
            // The server rolls the session's statement back before the lock
            // goes; taking it once and letting it go waits for that.
            migrate_core::BackendExt::lock(backend, timeout).await?;
            migrate_core::BackendExt::unlock(backend).await?;
        }
        None => match backend.lock_holder(&id).await {
            Some(who) => {
                return Err(Error::Refused(format!(
                    "the migration lock is held by {who}, which this engine cannot end from here; stop that process"
                )));
            }
            None => eprintln!("No other session holds the migration lock."),
        },
    }
    Ok(())
}

/// Whether this repair may change the database (an action, not a dry run).
fn writes(global: &Global, args: &RepairArgs) -> bool {
    let action = args.undo
        || args.resume
        || args.mark_applied
        || args.forget
        || args.accept
        || args.rename.is_some();
    action && !global.dry_run
}

async fn dispatch(
    global: &Global,
    settings: &Settings,
    args: &RepairArgs,
    source: &Source,
    backend: &mut dyn migrate_core::Backend,
) -> Result<(), Error> {
    let json = crate::is_json(global.format);
    if args.cancel_running {
        end_lock_holder(backend, global.dry_run, settings.lock_timeout).await?;
    }
    if args.app.is_some() {
        let history = migrate_core::BackendExt::load_history(backend).await?;
        super::check_app(
            source,
            history.iter().map(|r| r.app.as_str()),
            args.app.as_deref(),
        )?;
    }
    if let Some([app, old, new]) = args.rename.as_deref() {
        let renamed = repair::rename(
            backend,
            source,
            app,
            old,
            new,
            Some(super::actor()),
            settings.lock_timeout,
            global.dry_run,
        )
        .await?;
        if json {
            crate::print_json(&json!({"renamed": renamed}));
        } else if renamed.dry_run {
            outln!(
                "Would record {app}:{} as {app}:{} in the history (applied {}, checksum {}), running nothing. Dry run: nothing changed.",
                renamed.old,
                renamed.new,
                renamed.applied_at,
                short(&renamed.checksum)
            );
        } else {
            outln!(
                "Renamed {app}:{} to {app}:{} in the history (applied {}, checksum {} kept); nothing ran.",
                renamed.old,
                renamed.new,
                renamed.applied_at,
                short(&renamed.checksum)
            );
        }
        return Ok(());
    }
    if args.accept {
        let (app, name) = (
            args.app.as_deref().unwrap_or(""),
            args.name.as_deref().unwrap_or(""),
        );
        let accepted = repair::accept(
            backend,
            source,
            app,
            name,
            Some(super::actor()),
            settings.lock_timeout,
        )
        .await?;
        if json {
            crate::print_json(&json!({"accepted": accepted}));
        } else {
            outln!(
                "Accepted the edited {}: its checksum is now {} (was {}).{}",
                accepted.migration,
                short(&accepted.new_checksum),
                short(&accepted.old_checksum),
                if accepted.changes.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Its up statements differ from those that ran ({}); the history keeps those that ran.",
                        accepted.changes.join(", ")
                    )
                }
            );
        }
        return Ok(());
    }
    let options = RepairOptions {
        doubt: if args.assume_ran {
            DoubtChoice::AssumeRan
        } else if args.assume_not_ran {
            DoubtChoice::AssumeNotRan
        } else {
            DoubtChoice::Check
        },
        use_file_down: args.use_file_down,
        actor: Some(super::actor()),
        lock_timeout: settings.lock_timeout,
    };
    let cases = repair::inspect(backend).await?;
    let action = [
        (args.undo, Repair::Undo),
        (args.resume, Repair::Resume),
        (args.mark_applied, Repair::MarkApplied),
        (args.forget, Repair::Forget),
    ]
    .into_iter()
    .find_map(|(on, r)| on.then_some(r));
    let Some(action) = action else {
        report(&cases, source, &options, json);
        return Ok(());
    };
    let key = chosen(&cases, source, args)?;
    let dry_run = global.dry_run;
    let interactive = std::io::stdin().is_terminal() && !json;
    if !args.yes && !dry_run && !interactive {
        return Err(Error::Usage(format!(
            "`migrate repair {}` changes the database and there is no terminal to ask on: add --yes (see first what it does with --dry-run)",
            action.flag()
        )));
    }
    let yes = args.yes;
    let mut confirm = move |plan: &RepairPlan| -> bool {
        if !json {
            print_plan(plan);
        }
        if dry_run {
            if !json {
                outln!("Dry run: nothing changed.");
            }
            return false;
        }
        yes || ask("Proceed?")
    };
    let (plan, done) = repair::run(backend, source, &key, action, &options, &mut confirm).await?;
    if json {
        crate::print_json(&json!({"plan": plan, "done": done}));
    } else if done {
        outln!("Done: {}.", plan.outcome);
    } else if !dry_run {
        outln!("Nothing changed.");
    }
    Ok(())
}

/// The migration to repair: the one named, or the only one part way.
fn chosen(cases: &[Case], source: &Source, args: &RepairArgs) -> Result<MigrationKey, Error> {
    match (&args.app, &args.name) {
        (Some(app), Some(name)) => {
            // The file may be gone; match the history's names first.
            if let Some(c) = cases
                .iter()
                .find(|c| &c.key.app == app && c.key.name.starts_with(name.as_str()))
            {
                return Ok(c.key.clone());
            }
            let m = source.resolve(app, name)?;
            Ok(m.key())
        }
        (Some(_), None) => Err(Error::Usage(
            "name the migration too: `migrate repair --undo APP NAME`".into(),
        )),
        _ => match cases {
            [] => Err(Error::Usage(
                "no migration is part way: there is nothing to repair".into(),
            )),
            [one] => Ok(one.key.clone()),
            many => Err(Error::Usage(format!(
                "several migrations are part way ({}): name the one to repair",
                many.iter()
                    .map(|c| c.key.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

fn report(cases: &[Case], source: &Source, options: &RepairOptions, json: bool) {
    let options = |case: &Case| -> Vec<(Repair, Result<RepairPlan, String>)> {
        [
            Repair::Undo,
            Repair::Resume,
            Repair::MarkApplied,
            Repair::Forget,
        ]
        .into_iter()
        .map(|r| (r, case.plan(r, source, options).map_err(|e| e.to_string())))
        .collect()
    };
    if json {
        let list: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                let opts: Vec<serde_json::Value> = options(c)
                    .into_iter()
                    .map(|(r, p)| match p {
                        Ok(plan) => json!({"repair": r, "plan": plan}),
                        Err(why) => json!({"repair": r, "refused": why}),
                    })
                    .collect();
                json!({"case": c, "options": opts})
            })
            .collect();
        crate::print_json(&json!({"partial": list}));
        return;
    }
    if cases.is_empty() {
        outln!("No migration is part way: there is nothing to repair.");
        return;
    }
    for case in cases {
        let what = match case.direction {
            migrate_core::Direction::Apply => "applying",
            migrate_core::Direction::Unapply => "unapplying",
        };
        outln!(
            "{} stopped part way while {what}: {} of {} statements ran.",
            case.key,
            case.done,
            case.total
        );
        for r in &case.ran {
            outln!("  ran {}: {}", r.index, indent(&r.sql, 6));
            match &r.inverse {
                Some(inv) if inv.is_empty() => outln!("      nothing to undo"),
                Some(inv) => outln!(
                    "      undone by: {}{}",
                    indent(&inv.join(";\n"), 6),
                    if r.lossy {
                        "  (its data cannot come back)"
                    } else {
                        ""
                    }
                ),
                None => outln!(
                    "      no inverse known{}",
                    r.note
                        .as_deref()
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default()
                ),
            }
        }
        if let Some((index, error)) = &case.failed {
            outln!("  failed {index}: {error}");
        }
        if let Some(d) = &case.doubt {
            let seen = match d.took_effect {
                Some(true) => "the database shows it took effect",
                Some(false) => "the database shows it did not take effect",
                None => {
                    "the database cannot tell whether it took effect: say --assume-ran or --assume-not-ran"
                }
            };
            outln!("  in doubt {}: {} ({seen})", d.index, indent(&d.sql, 6));
        }
        for l in &case.leftovers {
            outln!(
                "  left behind: {} (--undo and --resume drop them first)",
                l.describe()
            );
        }
        outln!("  What each repair would do:");
        for (r, plan) in options(case) {
            let command = format!(
                "migrate repair {} {} {}",
                r.flag(),
                case.key.app,
                case.key.name
            );
            match plan {
                Ok(plan) => {
                    outln!("    {command}");
                    for w in &plan.warnings {
                        outln!("        {} {w}", style::out("warning:", Paint::Warning));
                    }
                    for sql in &plan.statements {
                        outln!("        {};", indent(sql, 8));
                    }
                    outln!("        -> {}", plan.outcome);
                }
                Err(why) => outln!("    {command}: not possible now: {}", indent(&why, 8)),
            }
        }
    }
}

fn print_plan(plan: &RepairPlan) {
    outln!(
        "{} {}:",
        plan.repair.flag().trim_start_matches('-'),
        plan.migration
    );
    for w in &plan.warnings {
        outln!("  {} {w}", style::out("warning:", Paint::Warning));
    }
    if plan.statements.is_empty() {
        outln!("  runs no statement");
    }
    for sql in &plan.statements {
        outln!("  {};", indent(sql, 2));
    }
    outln!("  -> {}", plan.outcome);
}

/// Asks a yes/no question on the terminal; anything but yes is no.
fn ask(question: &str) -> bool {
    out!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

fn indent(text: &str, by: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(by)))
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}
