//! Portable migrations on a real database: the fixtures every driver's
//! test runs, and [`run_ops`], which runs operations through a
//! [`Backend`] as the executor runs a migration.
//!
//! A driver's test creates the tables of [`initial`], inserts rows, runs
//! [`changes`] and then their reverse, and checks with its own
//! introspection that the rows survive and the schema comes back. The
//! fixtures work on every engine; what only some engines' tests do (a
//! column only they drop) is passed in by the test: SQLite's own change
//! lives in its test, and what the PostgreSQL and MySQL tests both pass
//! is [`SERVER_COLUMNS`] and [`SERVER_CHANGES`]. A `sql` operation
//! carries the variants of every engine that needs one.
//!
//! The renderers' unit tests start from [`clinic`] and render one
//! operation at a time with [`render_one`].

use crate::backend::Backend;
use crate::portable::{Operation, Renderer, SchemaState, parse};

/// The operations of a portable migration file's text; panics with every
/// problem when it is invalid.
pub fn ops(text: &str) -> Vec<Operation> {
    parse(text).unwrap_or_else(|e| panic!("{e:#?}")).operations
}

/// Where [`initial`] puts a test's own columns: last in `patient`.
const OWN_COLUMNS: &str = "  # own columns\n";

/// A doctor and a patient table with every kind of key and constraint.
const INITIAL: &str = r#"
[[operations]]
op = "create_table"
table = "doctor"
columns = [
  { name = "id", type = "auto_id" },
  { name = "name", type = "string", length = 50 },
  { name = "code", type = "string", length = 10, nullable = true },
]
unique = [["code"]]

[[operations]]
op = "create_table"
table = "patient"
columns = [
  { name = "id", type = "big_auto_id" },
  { name = "name", type = "string", length = 100 },
  { name = "dob", type = "date", nullable = true },
  { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" },
  { name = "doctor_id", type = "integer", nullable = true },
  { name = "notes", type = "text", nullable = true },
  # own columns
]
unique = [["name", "dob"]]
indexes = [{ columns = ["dob"] }]
checks = [{ expr = "balance >= 0" }]
foreign_keys = [{ columns = ["doctor_id"], references = "doctor", on_delete = "set_null" }]
"#;

/// The tables a test starts from: `doctor` (auto id, two string columns,
/// a unique constraint) and `patient` (big auto id, a date, a decimal with
/// a default, a text, a unique pair, an index, a check and a foreign key to
/// `doctor`), with `own_columns` (TOML column tables, each ending in `,`
/// and a newline) last in `patient`.
pub fn initial(own_columns: &str) -> Vec<Operation> {
    ops(&INITIAL.replace(OWN_COLUMNS, own_columns))
}

/// The own columns of the PostgreSQL and MySQL tests: a `json` column
/// `data` with a default, which [`SERVER_CHANGES`] drops (and the reverse
/// brings back with its default).
pub const SERVER_COLUMNS: &str = "  { name = \"data\", type = \"json\", default = \"{}\" },\n";

/// Where [`changes`] puts a test's own changes: after `dob` is renamed
/// `born`, before the index and constraint changes.
const OWN_CHANGES: &str = "# own changes\n";

/// Every kind of change, several of them table rebuilds on SQLite.
const CHANGES: &str = r#"
[[operations]]
op = "add_column"
table = "patient"
column = { name = "active", type = "boolean", default = true }

[[operations]]
op = "add_column"
table = "patient"
column = { name = "seen", type = "timestamp_tz", default = { now = true } }

[[operations]]
op = "alter_column"
table = "patient"
column = "name"
type = "string"
length = 200
nullable = true

[[operations]]
op = "alter_column"
table = "patient"
column = "balance"
type = "decimal"
precision = 12
scale = 3

[[operations]]
op = "rename_column"
table = "patient"
column = "dob"
to = "born"

# own changes

[[operations]]
op = "create_index"
table = "patient"
columns = ["balance"]

[[operations]]
op = "add_unique"
table = "doctor"
columns = ["name"]

[[operations]]
op = "drop_foreign_key"
table = "patient"
columns = ["doctor_id"]

[[operations]]
op = "add_foreign_key"
table = "patient"
columns = ["doctor_id"]
references = "doctor"
on_delete = "cascade"

[[operations]]
op = "alter_column"
table = "doctor"
column = "name"
type = "string"
length = 80

[[operations]]
op = "sql"
up = "UPDATE patient SET balance = balance + 1"
down = "UPDATE patient SET balance = balance - 1"
postgres = { up = "UPDATE patient SET balance = balance + 1; UPDATE patient SET notes = coalesce(notes, '') || '!'", down = "UPDATE patient SET balance = balance - 1; UPDATE patient SET notes = nullif(left(notes, -1), '')" }
mysql = { up = "UPDATE patient SET balance = balance + 1; UPDATE patient SET notes = CONCAT(COALESCE(notes, ''), '!')", down = "UPDATE patient SET balance = balance - 1; UPDATE patient SET notes = NULLIF(LEFT(notes, CHAR_LENGTH(notes) - 1), '')" }

[[operations]]
op = "rename_table"
table = "doctor"
to = "physician"
"#;

/// The changes a test runs on [`initial`]'s tables, every kind of
/// operation: in `patient`, `active` (boolean) and `seen` (timestamp with
/// time zone, default now) are added, `name` widened and made nullable,
/// `balance` given a larger scale and `dob` renamed `born`; then
/// `own_changes` (TOML operations); then an index, a unique constraint and
/// a new foreign key (`on_delete = "cascade"`), a wider `doctor.name`, a
/// `sql` operation that adds 1 to every balance (and on PostgreSQL and
/// MySQL appends `!` to every `notes`), and `doctor` renamed `physician`.
pub fn changes(own_changes: &str) -> Vec<Operation> {
    ops(&CHANGES.replace(OWN_CHANGES, own_changes))
}

/// The own changes of the PostgreSQL and MySQL tests: `born` becomes a
/// timestamp with a default, and [`SERVER_COLUMNS`]' `data` is dropped.
pub const SERVER_CHANGES: &str = r#"
[[operations]]
op = "alter_column"
table = "patient"
column = "born"
type = "timestamp"
default = "2000-01-01 00:00:00"

[[operations]]
op = "drop_column"
table = "patient"
column = "data"
"#;

/// Renders `ops` from `before` with the backend's renderer and runs them as
/// the executor runs a migration: the session statements that
/// [`Renderer::outside_transaction`] asks for (each once) first and last,
/// and between them the rendered statements, in one transaction when the
/// engine has transactional DDL and one by one otherwise. Returns the state after `ops`; panics with the
/// operation that does not render or the statement that fails.
pub async fn run_ops(
    backend: &mut dyn Backend,
    ops: &[Operation],
    before: &SchemaState,
) -> SchemaState {
    let dialect = backend.dialect();
    let transactional = dialect.capabilities().transactional_ddl;
    let renderer = dialect
        .renderer()
        .unwrap_or_else(|| panic!("{} renders no portable operation", dialect.name()));
    let mut state = before.clone();
    let (mut first, mut statements, mut last) = (Vec::new(), Vec::new(), Vec::new());
    for (i, op) in ops.iter().enumerate() {
        if let Some((outside_before, outside_after)) = renderer.outside_transaction(op, &state) {
            add_new(&mut first, outside_before);
            add_new(&mut last, outside_after);
        }
        let rendered = renderer
            .render(op, &state)
            .and_then(|sql| state.apply(op).map(|()| sql))
            .unwrap_or_else(|e| panic!("operation {} ({}): {e}", i + 1, op.kind()));
        statements.extend(rendered);
    }
    run(backend, &first).await;
    if transactional {
        backend.begin().await.expect("begin");
    }
    run(backend, &statements).await;
    if transactional {
        backend.commit().await.expect("commit");
    }
    run(backend, &last).await;
    state
}

/// Appends the statements of `new` that `list` does not have yet.
fn add_new(list: &mut Vec<String>, new: Vec<String>) {
    for sql in new {
        if !list.contains(&sql) {
            list.push(sql);
        }
    }
}

/// Runs `statements` in order; panics with the first that fails.
async fn run(backend: &mut dyn Backend, statements: &[String]) {
    for sql in statements {
        if let Err(e) = backend.execute(sql).await {
            panic!("`{sql}` failed: {e}");
        }
    }
}

/// The tables a renderer's unit tests start from.
const CLINIC: &str = r#"
[[operations]]
op = "create_table"
table = "doctor"
columns = [
  { name = "id", type = "auto_id" },
  { name = "name", type = "string", length = 50 },
]

[[operations]]
op = "create_table"
table = "patient"
columns = [
  { name = "id", type = "big_auto_id" },
  { name = "name", type = "string", length = 100, default = NAME_DEFAULT },
  { name = "dob", type = "date", nullable = true },
  { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" },
  { name = "doctor_id", type = "integer", nullable = true },
]
unique = [["name", "dob"]]
indexes = [{ columns = ["dob"] }]
checks = [{ name = "positive_balance", expr = "balance >= 0" }]
foreign_keys = [{ columns = ["doctor_id"], references = "doctor", on_delete = "set_null" }]
"#;

/// The operations that create a renderer's unit tests' tables: `doctor`
/// (auto id, name) and `patient` (big auto id, a `name` defaulting to
/// `name_default`, a nullable date, a decimal with a default, a nullable
/// reference to `doctor`; a unique pair, an index, a check named
/// `positive_balance` and a foreign key with `on_delete = "set_null"`).
pub fn clinic_ops(name_default: &str) -> Vec<Operation> {
    let quoted = format!(
        "\"{}\"",
        name_default.replace('\\', "\\\\").replace('"', "\\\"")
    );
    ops(&CLINIC.replace("NAME_DEFAULT", &quoted))
}

/// The schema state after [`clinic_ops`].
pub fn clinic(name_default: &str) -> SchemaState {
    let mut state = SchemaState::new();
    state
        .apply_all(&clinic_ops(name_default))
        .expect("the clinic applies");
    state
}

/// The statements `renderer` gives one operation, written in TOML without
/// its `[[operations]]` line, on `state`; panics when it fails.
#[track_caller]
pub fn render_one(renderer: &dyn Renderer, state: &SchemaState, op: &str) -> Vec<String> {
    let ops = ops(&format!("[[operations]]\n{op}\n"));
    renderer
        .render(&ops[0], state)
        .unwrap_or_else(|e| panic!("{e}"))
}
