//! Reading the migration folder: `migrations/<app>/NNNN_name...` files into
//! checked [`Migration`]s.
//!
//! Layouts, per migration:
//! - one file `NNNN_name.sql` with `-- migrate:up` and `-- migrate:down`
//!   sections (a file without any marker is all up, and irreversible);
//! - a pair `NNNN_name.up.sql` + optional `NNNN_name.down.sql`;
//! - either of them with a dialect tag (`NNNN_name.mysql.sql`,
//!   `NNNN_name.postgres.up.sql`...), which replaces the untagged files on
//!   that engine and is ignored on the others.
//!
//! Lines before the first section marker form the header, where
//! `-- depends_on: accounts:0002, billing:0001` declares dependencies.
//! Section markers carry directives: `-- migrate:up transaction=false`.
//!
//! Every problem found is collected and reported together, each with its
//! file and line, so one run shows everything to fix.

mod files;
mod foreign;
mod layout;
mod parallel;
mod portable;
mod sections;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::path::{Path, PathBuf};

use crate::backend::Dialect;
use crate::dialect::SqlDialect;
use crate::error::{Error, Result, SourceProblem};
use crate::migration::{Migration, MigrationKey, Script, number_of};
use crate::suggest;

pub use files::{Disk, Embedded, EmbeddedFile, Entry, Files, Kind, MAX_FILE_BYTES};
pub use foreign::Layout;
use layout::{is_migration_extension, load_app};
use sections::depends_line;
pub(crate) use sections::normalize_owned;
pub use sections::{checksum, normalize};

/// What was read of a folder, before it is checked.
struct ReadApps {
    apps: BTreeMap<String, Vec<Migration>>,
    repeatables: BTreeMap<String, Vec<Migration>>,
    ignored: Vec<(PathBuf, String)>,
}

/// Splits `scripts` now, on several threads when there are many: what
/// cannot be split, with file and line.
pub(crate) fn split_scripts(scripts: &[&Script]) -> Vec<SourceProblem> {
    parallel::map_all(scripts, |s| s.split_problem())
        .into_iter()
        .flatten()
        .collect()
}

/// Every migration found in a folder, per app, checked and ordered.
#[derive(Debug, Clone)]
pub struct Source {
    dir: PathBuf,
    apps: BTreeMap<String, Vec<Migration>>,
    /// Every migration in an order that respects dependencies and each
    /// app's own order (the order `migrate` applies them in).
    order: Vec<MigrationKey>,
    /// Where each migration is in its app's list, by app and name, so that
    /// a lookup costs the same at 10 migrations and at 10,000, and needs
    /// no key built for it ([`Source::get_named`]). Looked up several
    /// times per migration on every run, so hashed with a fast hasher:
    /// names come from the project's own files.
    positions: foldhash::HashMap<String, foldhash::HashMap<String, usize>>,
    /// How the folder is laid out.
    layout: Layout,
    /// Files of another tool's folder that are not migrations, with why.
    ignored: Vec<(PathBuf, String)>,
    /// How the statements were split.
    dialect: SqlDialect,
    /// Migrations left out for a database because a squash or its
    /// originals stand for them, each with what does, for saying so when
    /// one is named as a target.
    stand_ins: HashMap<MigrationKey, MigrationKey>,
    /// Each app's repeatable migrations (Flyway's `R__` files), in the
    /// order they run: outside the numbered order, looked up by
    /// [`Source::get`] like any other.
    repeatables: BTreeMap<String, Vec<Migration>>,
}

impl Source {
    /// Reads and checks every migration under `dir` for an engine: SQL
    /// split as it splits it, dialect variants chosen for it, portable
    /// migrations rendered for it.
    pub fn load_for(dir: &Path, dialect: &dyn Dialect) -> Result<Source> {
        Self::load_with(&Disk, dir, dialect.sql_dialect(), Some(dialect), None, true)
    }

    /// [`Source::load_for`] with the folder read as `layout` (`None`:
    /// recognized from its files): another tool's folder is one app.
    pub fn load_layout(
        dir: &Path,
        dialect: &dyn Dialect,
        layout: Option<Layout>,
    ) -> Result<Source> {
        Self::load_with(
            &Disk,
            dir,
            dialect.sql_dialect(),
            Some(dialect),
            layout,
            true,
        )
    }

    /// [`Source::load_layout`] from any [`Files`] (the disk, or
    /// [`Embedded`] migrations under [`Embedded::root`]), except that the
    /// statements of a script are split the first time they are asked for
    /// ([`crate::Script::statements`]), not while the folder is read.
    ///
    /// Everything else is read and checked as `load_layout` does, and
    /// every problem found is reported at once. A statement the splitter
    /// cannot read (an unterminated string, say) is reported when a run
    /// needs it: a run checks all the scripts it is about to run before
    /// running any. For runs that need few of the statements, such as a
    /// `migrate` with most migrations applied, or `status`.
    pub fn load_lazily(
        files: &dyn Files,
        dir: &Path,
        dialect: &dyn Dialect,
        layout: Option<Layout>,
    ) -> Result<Source> {
        Self::load_with(
            files,
            dir,
            dialect.sql_dialect(),
            Some(dialect),
            layout,
            false,
        )
    }

    /// Reads and checks migrations compiled into the program (see
    /// [`Embedded`]) for an engine, exactly as [`Source::load_for`] reads
    /// the folder they came from.
    pub fn embedded(embedded: &Embedded, dialect: &dyn Dialect) -> Result<Source> {
        Self::load_with(
            embedded,
            &embedded.root(),
            dialect.sql_dialect(),
            Some(dialect),
            None,
            true,
        )
    }

    /// Reads and checks every migration under `dir`, splitting statements as
    /// `dialect` does. Portable migrations need an engine to render for:
    /// use [`Source::load_for`] when there may be any.
    pub fn load(dir: &Path, dialect: SqlDialect) -> Result<Source> {
        Self::load_with(&Disk, dir, dialect, None, None, true)
    }

    fn load_with(
        files: &dyn Files,
        dir: &Path,
        dialect: SqlDialect,
        engine: Option<&dyn Dialect>,
        layout: Option<Layout>,
        split_now: bool,
    ) -> Result<Source> {
        let entries = files.list(dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!(
                    "migrations folder `{}` not found: pass --dir, or create the first migration with `migrate new APP NAME`",
                    dir.display()
                ))
            } else if e.kind() == std::io::ErrorKind::NotADirectory {
                Error::Usage(format!(
                    "`{}` is a file, not a folder: --dir names the migrations folder (migrations/<app>/NNNN_name.sql)",
                    dir.display()
                ))
            } else {
                Error::Io {
                    path: dir.to_path_buf(),
                    source: e,
                }
            }
        })?;
        let mut problems = Vec::new();
        let layout = layout.unwrap_or_else(|| Layout::detect(files, dir, &entries));
        if layout != Layout::Migrate {
            let app = foreign_app_name(dir);
            let read = foreign::load(files, dir, &entries, layout, &app, dialect, &mut problems);
            let read_apps = ReadApps {
                repeatables: BTreeMap::from([(app.clone(), read.repeatables)]),
                apps: BTreeMap::from([(app, read.migrations)]),
                ignored: read.ignored,
            };
            return Self::checked(dir, read_apps, layout, files, engine, split_now, problems)
                .map(|source| source.split_as(dialect));
        }
        let mut app_dirs = Vec::new();
        for entry in entries {
            let path = dir.join(&entry.name);
            let file_name = entry.name.clone();
            if file_name.starts_with('.') {
                continue;
            }
            if entry.is_dir() {
                app_dirs.push((file_name, path));
            } else if is_migration_extension(&file_name) {
                problems.push(SourceProblem {
                    path,
                    line: None,
                    message:
                        "migration files belong in an app folder: move it to migrations/<app>/"
                            .into(),
                });
            }
        }
        let mut apps = BTreeMap::new();
        for (app, path) in app_dirs {
            if !valid_app_name(&app) {
                problems.push(SourceProblem {
                    path,
                    line: None,
                    message: "app folder names may hold only letters, digits, `_` and `-`".into(),
                });
                continue;
            }
            let migrations = load_app(files, &app, &path, dialect, &mut problems);
            apps.insert(app, migrations);
        }
        let read_apps = ReadApps {
            apps,
            repeatables: BTreeMap::new(),
            ignored: Vec::new(),
        };
        Self::checked(dir, read_apps, layout, files, engine, split_now, problems)
            .map(|source| source.split_as(dialect))
    }

    fn split_as(mut self, dialect: SqlDialect) -> Source {
        self.dialect = dialect;
        self
    }

    /// The SQL dialect the statements were split in.
    pub fn dialect(&self) -> SqlDialect {
        self.dialect
    }

    /// Orders and checks what was read, then renders portable migrations.
    fn checked(
        dir: &Path,
        read: ReadApps,
        layout: Layout,
        files: &dyn Files,
        engine: Option<&dyn Dialect>,
        split_now: bool,
        mut problems: Vec<SourceProblem>,
    ) -> Result<Source> {
        let mut source = Source {
            dir: dir.to_path_buf(),
            apps: read.apps,
            order: Vec::new(),
            positions: Default::default(),
            layout,
            ignored: read.ignored,
            dialect: SqlDialect::Generic,
            stand_ins: HashMap::new(),
            repeatables: read.repeatables,
        };
        if split_now {
            source.split_read(&mut problems);
        }
        source.index();
        source.check_replaces(&mut problems);
        source.resolve_dependencies(files, &mut problems);
        if problems.is_empty() {
            source.order = source.topological_order(files, &mut problems);
        }
        if problems.is_empty() {
            source.render_portable(engine, &mut problems);
        }
        if problems.is_empty() {
            return Ok(source);
        }
        // A source that cannot be used is reported whole, statements that
        // cannot be split among the rest, however it was to be read.
        if !split_now {
            source.split_read(&mut problems);
        }
        problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        Err(Error::InvalidSource(problems))
    }

    /// Splits the statements of every script now, on several threads when
    /// there are many, adding those that cannot be split to `problems`;
    /// then drops the texts kept for splitting.
    fn split_read(&mut self, problems: &mut Vec<SourceProblem>) {
        let scripts: Vec<&Script> = self
            .apps
            .values()
            .chain(self.repeatables.values())
            .flatten()
            .flat_map(|m| std::iter::once(&m.up).chain(m.down.as_ref()))
            .collect();
        problems.extend(split_scripts(&scripts));
        for m in self
            .apps
            .values_mut()
            .chain(self.repeatables.values_mut())
            .flatten()
        {
            m.up.forget_text();
            if let Some(down) = &mut m.down {
                down.forget_text();
            }
        }
    }

    /// Renders the portable migrations, in dependency order. A squash and
    /// the originals it replaces never run in one database, so each is
    /// rendered in a schema state without the other: the originals first,
    /// then the squashes in a second pass that keeps only their rendering.
    fn render_portable(&mut self, engine: Option<&dyn Dialect>, problems: &mut Vec<SourceProblem>) {
        // Rendering skips SQL migrations: without a portable one there is
        // nothing to do, and no reason to index every migration by key.
        if self.apps.values().flatten().all(|m| m.portable.is_none()) {
            return;
        }
        let position: HashMap<MigrationKey, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let here: std::collections::HashSet<MigrationKey> = position.keys().cloned().collect();
        // Squashes with all their originals still here, and those originals.
        let mut beside = std::collections::HashSet::new();
        let mut originals = std::collections::HashSet::new();
        // Originals of a squash whose other originals are gone: the squash
        // stands for them in every database that can still run.
        let mut leftovers = std::collections::HashSet::new();
        for m in self
            .apps
            .values()
            .flatten()
            .filter(|m| !m.replaces.is_empty())
        {
            let replaced: Vec<MigrationKey> = m
                .replaces
                .iter()
                .map(|n| MigrationKey::new(&m.app, n))
                .collect();
            if replaced.iter().all(|k| here.contains(k)) {
                beside.insert(m.key());
                originals.extend(replaced);
            } else {
                leftovers.extend(replaced.into_iter().filter(|k| here.contains(k)));
            }
        }
        let mut ordered: Vec<&mut Migration> = self
            .apps
            .values_mut()
            .flatten()
            .filter(|m| !beside.contains(&m.key()) && !leftovers.contains(&m.key()))
            .collect();
        ordered.sort_by_key(|m| position[&m.key()]);
        portable::render(ordered, engine, problems);
        if beside.is_empty() {
            return;
        }
        let mut squashed = self.apps.clone();
        let mut ordered: Vec<&mut Migration> = squashed
            .values_mut()
            .flatten()
            .filter(|m| !originals.contains(&m.key()) && !leftovers.contains(&m.key()))
            .collect();
        ordered.sort_by_key(|m| position[&m.key()]);
        let mut found = Vec::new();
        portable::render(ordered, engine, &mut found);
        let paths: std::collections::HashSet<PathBuf> = squashed
            .values()
            .flatten()
            .filter(|m| beside.contains(&m.key()))
            .map(|m| m.up.path.clone())
            .collect();
        problems.extend(found.into_iter().filter(|p| paths.contains(&p.path)));
        for (app, list) in squashed {
            for m in list.into_iter().filter(|m| beside.contains(&m.key())) {
                let mine = self.apps.get_mut(&app).expect("same apps");
                if let Some(slot) = mine.iter_mut().find(|x| x.name == m.name) {
                    *slot = m;
                }
            }
        }
    }

    /// The folder the migrations were read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How the folder is laid out.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Files of another tool's folder that were left out, each with why.
    pub fn ignored(&self) -> &[(PathBuf, String)] {
        &self.ignored
    }

    /// Where `key` comes in its app's order: its position among the files
    /// when it has one, else the number its name starts with (a migration
    /// recorded in the history whose file is gone).
    pub fn order_number(&self, key: &MigrationKey) -> Option<u64> {
        self.order_number_named(&key.app, &key.name)
    }

    /// [`Source::order_number`] by app and name.
    pub fn order_number_named(&self, app: &str, name: &str) -> Option<u64> {
        match self.get_named(app, name) {
            Some(m) if m.repeatable => None,
            Some(m) => Some(m.number),
            None => number_of(name),
        }
    }

    /// App names, sorted.
    pub fn apps(&self) -> impl Iterator<Item = &str> {
        self.apps.keys().map(String::as_str)
    }

    /// One app's migrations in number order, if the app exists.
    pub fn app(&self, app: &str) -> Option<&[Migration]> {
        self.apps.get(app).map(Vec::as_slice)
    }

    /// One migration by key, a repeatable one included.
    pub fn get(&self, key: &MigrationKey) -> Option<&Migration> {
        self.get_named(&key.app, &key.name)
    }

    /// [`Source::get`] by app and name, for a caller that holds them
    /// apart (a history row) and would otherwise build a key per lookup.
    pub fn get_named(&self, app: &str, name: &str) -> Option<&Migration> {
        match self.positions.get(app).and_then(|names| names.get(name)) {
            Some(&position) => self.apps.get(app)?.get(position),
            None => self.repeatables.get(app)?.iter().find(|m| m.name == name),
        }
    }

    /// One app's repeatable migrations, in the order they run (by name, as
    /// Flyway orders them), after its numbered ones.
    pub fn repeatables(&self, app: &str) -> &[Migration] {
        self.repeatables.get(app).map_or(&[], Vec::as_slice)
    }

    /// This source without the migrations in `drop`: the originals a
    /// squash stands for, or a squash whose originals are used instead.
    /// Dependencies on a dropped migration move to what stands for it
    /// (`stand_in`); the order stays the one already checked, minus what
    /// was dropped.
    pub(crate) fn without(
        &self,
        drop: &std::collections::HashSet<MigrationKey>,
        stand_in: &HashMap<MigrationKey, MigrationKey>,
    ) -> Source {
        let mut source = self.clone();
        for migrations in source.apps.values_mut() {
            migrations.retain(|m| !drop.contains(&m.key()));
            for m in migrations.iter_mut() {
                for dep in m.depends_on.iter_mut() {
                    if let Some(to) = stand_in.get(dep) {
                        *dep = to.clone();
                    }
                }
                m.depends_on.dedup();
            }
        }
        source.order.retain(|k| !drop.contains(k));
        source.stand_ins.extend(stand_in.clone());
        source.index();
        source
    }

    /// What stands for `key` when this source is the view of one database
    /// ([`crate::squash::resolve`]) and `key` was left out of it.
    pub fn stand_in(&self, key: &MigrationKey) -> Option<&MigrationKey> {
        self.stand_ins.get(key)
    }

    fn index(&mut self) {
        self.positions = self
            .apps
            .iter()
            .map(|(app, migrations)| {
                let names = migrations
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (m.name.clone(), i))
                    .collect();
                (app.clone(), names)
            })
            .collect();
    }

    /// Whether any migration is a squash (replaces others): without one,
    /// a history needs no squash view.
    pub fn has_squashes(&self) -> bool {
        self.apps.values().flatten().any(|m| !m.replaces.is_empty())
    }

    /// Every migration, in dependency order.
    pub fn ordered(&self) -> impl Iterator<Item = &Migration> {
        self.order
            .iter()
            .map(|k| self.get(k).expect("order holds only known keys"))
    }

    /// Finds one migration of `app` from a full name, a number prefix
    /// (`0002`), any unambiguous prefix of the name, or a bare number (`2`).
    pub fn resolve(&self, app: &str, target: &str) -> Result<&Migration> {
        let Some(migrations) = self.app(app) else {
            return Err(self.unknown_app(app));
        };
        resolve_in(app, migrations, target).map_err(|e| {
            let wanted = number_of(target).filter(|_| target.bytes().all(|b| b.is_ascii_digit()));
            let mut left_out: Vec<(&MigrationKey, &MigrationKey)> = self
                .stand_ins
                .iter()
                .filter(|(k, _)| {
                    k.app == app
                        && (k.name.starts_with(target)
                            || (wanted.is_some() && number_of(&k.name) == wanted))
                })
                .collect();
            left_out.sort();
            match left_out.first() {
                Some((key, by)) => Error::Usage(format!(
                    "{key} does not run in this database: {by} stands for it (a squash and the migrations it replaces never both run; `migrate status {app}` shows which does here). Target `{}` instead.",
                    by.name
                )),
                None => Error::Usage(e),
            }
        })
    }

    /// The error for an app that has no folder.
    pub fn unknown_app(&self, app: &str) -> Error {
        let known: Vec<&str> = self.apps().collect();
        Error::Usage(if known.is_empty() {
            format!("unknown app `{app}`: {} holds no apps", self.dir.display())
        } else {
            let hint = suggest::did_you_mean("", &suggest::closest(app, known.iter().copied()))
                .map(|h| format!("{h} "))
                .unwrap_or_default();
            format!("unknown app `{app}`; {hint}apps: {}", known.join(", "))
        })
    }

    /// Each migration is replaced by one squash at most, and a squash
    /// replaces migrations of its own app other than itself: two squashes
    /// of one migration would both run on a fresh database.
    fn check_replaces(&self, problems: &mut Vec<SourceProblem>) {
        let mut by: HashMap<MigrationKey, &Migration> = HashMap::new();
        for m in self.apps.values().flatten() {
            for name in &m.replaces {
                let key = MigrationKey::new(&m.app, name);
                let message = if name == &m.name {
                    Some(format!("`replaces` names {name}, this migration itself"))
                } else {
                    by.insert(key.clone(), m).map(|other| {
                        format!(
                            "{key} is replaced by both {} and {}: a fresh database would run both. Keep one squash",
                            other.key(),
                            m.key()
                        )
                    })
                };
                if let Some(message) = message {
                    problems.push(SourceProblem {
                        path: m.up.path.clone(),
                        line: None,
                        message,
                    });
                }
            }
        }
    }

    fn resolve_dependencies(&mut self, files: &dyn Files, problems: &mut Vec<SourceProblem>) {
        // Dependencies were parsed as (app, target) text; resolve each to a
        // full name now that every app is known. Resolved first, written
        // after, so the lookups need no copy of the migrations.
        let mut resolved = Vec::new();
        for (app, migrations) in &self.apps {
            for (i, migration) in migrations.iter().enumerate() {
                for (d, dep) in migration.depends_on.iter().enumerate() {
                    let name = match self.apps.get(&dep.app) {
                        None => Err(format!(
                            "depends on `{}:{}`, but there is no app `{}`",
                            dep.app, dep.name, dep.app
                        )),
                        Some(list) => resolve_in(&dep.app, list, &dep.name)
                            .map(|m| m.name.clone())
                            .map_err(|e| format!("depends on `{}:{}`: {e}", dep.app, dep.name)),
                    };
                    resolved.push((app.clone(), i, d, name));
                }
            }
        }
        for (app, i, d, name) in resolved {
            let migration = &mut self.apps.get_mut(&app).expect("read above")[i];
            match name {
                Ok(name) => migration.depends_on[d].name = name,
                Err(message) => problems.push(SourceProblem {
                    path: migration.up.path.clone(),
                    line: depends_line(files, &migration.up.path),
                    message,
                }),
            }
        }
    }

    /// Kahn's algorithm over "previous in app" and declared dependencies,
    /// taking the smallest (app, number) first so the order is stable and
    /// reads naturally; whatever is left over sits on a cycle.
    fn topological_order(
        &self,
        files: &dyn Files,
        problems: &mut Vec<SourceProblem>,
    ) -> Vec<MigrationKey> {
        // Without declared dependencies each app is one chain, and taking
        // the smallest (app, number) first runs the apps one after another:
        // their lists, in app order, are the order. No graph is needed.
        if self
            .apps
            .values()
            .flatten()
            .all(|m| m.depends_on.is_empty())
        {
            return self.apps.values().flatten().map(Migration::key).collect();
        }
        let mut parents: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        for (app, list) in &self.apps {
            for (i, m) in list.iter().enumerate() {
                let mut ps = m.depends_on.clone();
                if i > 0 {
                    ps.push(MigrationKey::new(app, &list[i - 1].name));
                }
                parents.insert(m.key(), ps);
            }
        }
        let mut children: HashMap<&MigrationKey, Vec<&MigrationKey>> = HashMap::new();
        let mut waiting: HashMap<&MigrationKey, usize> = HashMap::new();
        for (key, ps) in &parents {
            waiting.insert(key, ps.len());
            for p in ps {
                children.entry(p).or_default().push(key);
            }
        }
        let sort_key = |k: &MigrationKey| (k.app.clone(), self.order_number(k), k.name.clone());
        let mut ready: BinaryHeap<Reverse<_>> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| Reverse((sort_key(k), (*k).clone())))
            .collect();
        let mut order = Vec::with_capacity(parents.len());
        while let Some(Reverse((_, key))) = ready.pop() {
            for child in children.get(&key).into_iter().flatten() {
                let n = waiting.get_mut(child).expect("every child is a node");
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse((sort_key(child), (*child).clone())));
                }
            }
            order.push(key);
        }
        if order.len() < parents.len() {
            let mut stuck: Vec<&MigrationKey> = waiting
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, _)| *k)
                .collect();
            stuck.sort();
            for key in stuck {
                let m = self.get(key).expect("stuck keys are known");
                problems.push(SourceProblem {
                    path: m.up.path.clone(),
                    line: depends_line(files, &m.up.path),
                    message: format!(
                        "dependency cycle: {key} waits, directly or not, on itself (cycle among {})",
                        waiting
                            .iter()
                            .filter(|(_, n)| **n > 0)
                            .map(|(k, _)| k.to_string())
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        order
    }
}

fn resolve_in<'a>(
    app: &str,
    migrations: &'a [Migration],
    target: &str,
) -> std::result::Result<&'a Migration, String> {
    if let Some(m) = migrations.iter().find(|m| m.name == target) {
        return Ok(m);
    }
    let mut matches: Vec<&Migration> = migrations
        .iter()
        .filter(|m| m.name.starts_with(target))
        .collect();
    if matches.is_empty() && !target.is_empty() && target.bytes().all(|b| b.is_ascii_digit()) {
        let wanted: Option<u64> = target.parse().ok();
        matches = migrations
            .iter()
            .filter(|m| Some(m.number) == wanted)
            .collect();
    }
    // A squash shares its number with the first migration it replaces:
    // while both are there, a number or prefix means the original.
    if matches.len() > 1 && matches.iter().any(|m| m.replaces.is_empty()) {
        matches.retain(|m| m.replaces.is_empty());
    }
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "app `{app}` has no migration `{target}`; {}it has: {}",
            suggest::did_you_mean("", &closest_migrations(migrations, target))
                .map(|h| format!("{h} "))
                .unwrap_or_default(),
            if migrations.is_empty() {
                "none".to_string()
            } else {
                migrations
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        many => Err(format!(
            "`{target}` is ambiguous in app `{app}`: it matches {}; give more of the name",
            many.iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The migrations whose name, or whose name without its number, is a typo
/// away from `target`. A number alone is not spelled, it is chosen: no
/// neighbour of `0009` is what its writer meant.
fn closest_migrations<'a>(migrations: &'a [Migration], target: &str) -> Vec<&'a str> {
    if target.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let by_name = suggest::closest(target, migrations.iter().map(|m| m.name.as_str()));
    if !by_name.is_empty() {
        return by_name;
    }
    // `add_dbo` for `0002_add_dob`: compare the words after the number.
    let words = |name: &'a str| name.split_once('_').map_or(name, |(_, rest)| rest);
    let near = suggest::closest(target, migrations.iter().map(|m| words(&m.name)));
    migrations
        .iter()
        .map(|m| m.name.as_str())
        .filter(|name| near.contains(&words(name)))
        .collect()
}

fn valid_app_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests;

/// The app a foreign folder becomes: the folder's name, with any character
/// an app name cannot hold replaced by `_`.
fn foreign_app_name(dir: &Path) -> String {
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                true => c,
                false => '_',
            },
        )
        .collect();
    if name.is_empty() {
        "migrations".into()
    } else {
        name
    }
}
