//! Reverses: every operation, applied then reversed, gives back the state
//! before it.

use super::super::*;
use super::ops;
use super::schema::clinic;

/// Applies `op` (one TOML operation) to `before`, then its reverse, and
/// checks that the state comes back. Returns the reverse.
#[track_caller]
fn round_trip(before: &SchemaState, op: &str) -> Vec<Operation> {
    let op = ops(op).remove(0);
    let undo = reverse(&op, before).unwrap_or_else(|e| panic!("{e}"));
    let mut state = before.clone();
    state.apply(&op).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(&state, before, "the operation changed nothing");
    state.apply_all(&undo).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        &state, before,
        "the reverse {undo:#?} did not restore the state"
    );
    undo
}

#[test]
fn create_and_drop_table() {
    let state = clinic();
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"create_table\"\ntable = \"visit\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }]\n",
    );
    assert_eq!(
        undo,
        [Operation::DropTable(DropTable {
            table: "visit".into()
        })]
    );
    // The patient table comes back whole: generated names, index, unique,
    // check and foreign key included.
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"drop_table\"\ntable = \"patient\"\n",
    );
    let Operation::CreateTable(create) = &undo[0] else {
        panic!("{undo:?}")
    };
    assert_eq!(create.primary_key, None, "the auto column implies it");
    assert_eq!(create.indexes[0].name.as_deref(), Some("patient_dob_idx"));
    assert_eq!(
        create.unique[0].name.as_deref(),
        Some("patient_name_dob_key")
    );
    assert_eq!(create.checks[0].name.as_deref(), Some("patient_check"));
    assert_eq!(
        create.foreign_keys[0].ref_columns,
        Some(vec!["id".to_string()])
    );
    // A table with a composite primary key keeps it.
    let keyed = {
        let mut s = state.clone();
        s.apply_all(&ops("[[operations]]\nop = \"create_table\"\ntable = \"k\"\ncolumns = [{ name = \"a\", type = \"integer\" }, { name = \"b\", type = \"integer\" }]\nprimary_key = [\"a\", \"b\"]\n")).expect("k");
        s
    };
    let undo = round_trip(
        &keyed,
        "[[operations]]\nop = \"drop_table\"\ntable = \"k\"\n",
    );
    let Operation::CreateTable(create) = &undo[0] else {
        panic!("{undo:?}")
    };
    assert_eq!(create.primary_key, Some(vec!["a".into(), "b".into()]));
}

#[test]
fn rename_table() {
    let undo = round_trip(
        &clinic(),
        "[[operations]]\nop = \"rename_table\"\ntable = \"doctor\"\nto = \"physician\"\n",
    );
    assert_eq!(
        undo,
        [Operation::RenameTable(RenameTable {
            table: "physician".into(),
            to: "doctor".into()
        })]
    );
}

#[test]
fn add_and_drop_column() {
    let state = clinic();
    round_trip(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"patient\"\ncolumn = { name = \"height\", type = \"float\", nullable = true }\n",
    );
    // The last column comes back where it was, with its definition.
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\n",
    );
    assert_eq!(
        undo,
        [Operation::AddColumn(AddColumn {
            table: "patient".into(),
            column: Column::new("notes", ColumnType::Text).nullable(),
        })]
    );
    // Another column comes back with its type, nullability and default,
    // but last: no engine can add a column in the middle.
    let op = ops("[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"name\"\nrestore_default = \"unknown\"\n")
        .remove(0);
    let undo = reverse(&op, &state).expect("reversible");
    let mut after = state.clone();
    after.apply(&op).expect("drops");
    after.apply_all(&undo).expect("re-adds");
    let names: Vec<&str> = after
        .table("doctor")
        .expect("doctor")
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["id", "code", "name"]);
    assert_eq!(
        after.table("doctor").and_then(|t| t.column("name")),
        state.table("doctor").and_then(|t| t.column("name"))
    );
}

#[test]
fn alter_column_reverses_exactly_what_it_changes() {
    let state = clinic();
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"alter_column\"\ntable = \"patient\"\ncolumn = \"balance\"\ntype = \"decimal\"\nprecision = 14\nscale = 4\nnullable = true\ndrop_default = true\n",
    );
    assert_eq!(
        undo,
        [Operation::AlterColumn(AlterColumn {
            table: "patient".into(),
            column: "balance".into(),
            ty: Some(ColumnType::Decimal {
                precision: 10,
                scale: 2
            }),
            nullable: Some(false),
            default: Some(Some(ColumnDefault::Number("0".into()))),
        })]
    );
    // Only the default: the reverse touches only the default, here removing
    // the one that was set.
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"alter_column\"\ntable = \"patient\"\ncolumn = \"name\"\ndefault = \"anonymous\"\n",
    );
    assert_eq!(
        undo,
        [Operation::AlterColumn(AlterColumn {
            table: "patient".into(),
            column: "name".into(),
            ty: None,
            nullable: None,
            default: Some(None),
        })]
    );
    round_trip(
        &state,
        "[[operations]]\nop = \"alter_column\"\ntable = \"patient\"\ncolumn = \"name\"\ntype = \"string\"\nlength = 200\n",
    );
}

#[test]
fn rename_column() {
    round_trip(
        &clinic(),
        "[[operations]]\nop = \"rename_column\"\ntable = \"patient\"\ncolumn = \"dob\"\nto = \"born\"\n",
    );
}

#[test]
fn indexes_and_constraints() {
    let state = clinic();
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\", \"balance\"]\nunique = true\n",
    );
    assert_eq!(
        undo,
        [Operation::DropIndex(DropIndex {
            table: "patient".into(),
            name: Some("patient_name_balance_idx".into()),
            columns: None
        })]
    );
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]\n",
    );
    assert_eq!(
        undo,
        [Operation::CreateIndex(CreateIndex {
            table: "patient".into(),
            name: Some("patient_dob_idx".into()),
            columns: vec!["dob".into()],
            unique: false
        })]
    );
    round_trip(
        &state,
        "[[operations]]\nop = \"add_unique\"\ntable = \"patient\"\ncolumns = [\"name\"]\nname = \"one_name\"\n",
    );
    round_trip(
        &state,
        "[[operations]]\nop = \"drop_unique\"\ntable = \"patient\"\nname = \"patient_name_dob_key\"\n",
    );
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"drop_foreign_key\"\ntable = \"patient\"\nname = \"patient_doctor_id_fkey\"\n",
    );
    let Operation::AddForeignKey(add) = &undo[0] else {
        panic!("{undo:?}")
    };
    assert_eq!(add.foreign_key.on_delete, ReferentialAction::SetNull);
    assert_eq!(
        add.foreign_key.name.as_deref(),
        Some("patient_doctor_id_fkey")
    );
    let mut without_fk = state.clone();
    without_fk
        .apply_all(&ops(
            "[[operations]]\nop = \"drop_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\n",
        ))
        .expect("drops");
    let undo = round_trip(
        &without_fk,
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\nreferences = \"doctor\"\non_update = \"cascade\"\n",
    );
    assert_eq!(
        undo,
        [Operation::DropForeignKey(DropForeignKey {
            table: "patient".into(),
            name: Some("patient_doctor_id_fkey".into()),
            columns: None
        })]
    );
}

#[test]
fn sql_reverses_to_its_down() {
    let state = clinic();
    let op = ops("[[operations]]\nop = \"sql\"\nup = \"UPDATE patient SET name = upper(name)\"\ndown = \"\"\nmysql = { up = \"UPDATE patient SET name = UCASE(name)\", down = \"SELECT 1\" }\n").remove(0);
    let undo = reverse(&op, &state).expect("reversible");
    assert_eq!(
        undo,
        [Operation::Sql(SqlOp {
            up: Some(String::new()),
            down: Some("UPDATE patient SET name = upper(name)".into()),
            mysql: Some(SqlVariant {
                up: "SELECT 1".into(),
                down: Some("UPDATE patient SET name = UCASE(name)".into())
            }),
            ..SqlOp::default()
        })]
    );
    // Reversing twice gives the operation back.
    assert_eq!(reverse(&undo[0], &state).expect("reversible"), [op]);
}

#[test]
fn sql_without_down_is_irreversible() {
    let state = clinic();
    let op = ops("[[operations]]\nop = \"sql\"\nup = \"DELETE FROM patient\"\n").remove(0);
    let err = reverse(&op, &state).expect_err("irreversible");
    assert_eq!(err.kind, "sql");
    assert_eq!(err.index, None);
    assert!(err.reason.starts_with("it has no `down`, so"), "{err}");
    assert!(
        err.to_string()
            .starts_with("sql is irreversible: it has no `down`"),
        "{err}"
    );

    let op = ops("[[operations]]\nop = \"sql\"\nup = \"x\"\ndown = \"y\"\nsqlite = { up = \"z\" }\npostgres = { up = \"z\" }\n").remove(0);
    let err = reverse(&op, &state).expect_err("irreversible");
    assert!(
        err.reason
            .starts_with("it has no `down` for sqlite, postgres"),
        "{err}"
    );
    // A generic text that every engine overrides needs no down.
    let op = ops("[[operations]]\nop = \"sql\"\nup = \"x\"\nsqlite = { up = \"a\", down = \"b\" }\npostgres = { up = \"a\", down = \"b\" }\nmysql = { up = \"a\", down = \"b\" }\n").remove(0);
    reverse(&op, &state).expect("reversible");
}

#[test]
fn invalid_operations_are_reported() {
    let op = ops("[[operations]]\nop = \"drop_table\"\ntable = \"nurse\"\n").remove(0);
    let err = reverse(&op, &clinic()).expect_err("invalid");
    assert_eq!(
        err.reason,
        "it does not apply to the schema: there is no table `nurse`"
    );
}

#[test]
fn a_whole_migration_reverses_last_first() {
    let state = clinic();
    let migration = ops(r#"
[[operations]]
op = "create_table"
table = "visit"
columns = [{ name = "id", type = "auto_id" }, { name = "patient_id", type = "bigint" }, { name = "at", type = "timestamp", default = { now = true } }]
foreign_keys = [{ columns = ["patient_id"], references = "patient", on_delete = "cascade" }]

[[operations]]
op = "create_index"
table = "visit"
columns = ["at"]

[[operations]]
op = "drop_index"
table = "patient"
columns = ["dob"]

[[operations]]
op = "alter_column"
table = "patient"
column = "dob"
type = "timestamp"

[[operations]]
op = "rename_column"
table = "patient"
column = "dob"
to = "born"

[[operations]]
op = "drop_column"
table = "patient"
column = "notes"

[[operations]]
op = "sql"
up = "UPDATE patient SET balance = 0"
down = ""
"#);
    let undo = reverse_all(&migration, &state).expect("reversible");
    let kinds: Vec<&str> = undo.iter().map(Operation::kind).collect();
    assert_eq!(
        kinds,
        [
            "sql",
            "add_column",
            "rename_column",
            "alter_column",
            "create_index",
            "drop_index",
            "drop_table"
        ]
    );
    let mut after = state.clone();
    after.apply_all(&migration).expect("applies");
    after.apply_all(&undo).expect("reverses");
    assert_eq!(after, state);

    let mut broken = migration.clone();
    broken.push(ops("[[operations]]\nop = \"sql\"\nup = \"DELETE FROM visit\"\n").remove(0));
    let err = reverse_all(&broken, &state).expect_err("irreversible");
    assert_eq!(err.index, Some(8));
    assert!(
        err.to_string()
            .starts_with("operation 8 (sql) is irreversible: it has no `down`"),
        "{err}"
    );
}

/// `doctor.name` is NOT NULL without a default.
const DROP_DOCTOR_NAME: &str =
    "[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"name\"\n";

#[test]
fn a_not_null_column_without_default_needs_restore_default() {
    let state = clinic();
    let op = ops(DROP_DOCTOR_NAME).remove(0);
    let err = reverse(&op, &state).expect_err("the rows would have no value");
    assert_eq!(err.kind, "drop_column");
    assert_eq!(
        err.reason,
        "column `name` of `doctor` is NOT NULL without a default, so the rows of `doctor` would have no value for it when it is added back: \
give this `drop_column` a `restore_default` (the value those rows get), \
or write `.sql` variants of the migration (`NNNN_name.sqlite.sql`, `.postgres.sql`, `.mysql.sql`) with a `-- migrate:down` section"
    );
    // In a migration, the operation is named by its position.
    let migration = ops(&format!(
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\n\n{DROP_DOCTOR_NAME}"
    ));
    let err = reverse_all(&migration, &state).expect_err("irreversible");
    assert_eq!(err.index, Some(2));
    assert!(
        err.to_string().starts_with(
            "operation 2 (drop_column) is irreversible: column `name` of `doctor` is NOT NULL without a default"
        ),
        "{err}"
    );
    // A nullable column takes NULL, a column with a default takes it: both
    // come back with one `add_column`, as before.
    round_trip(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\n",
    );
    let with_default = applied_op(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"doctor\"\ncolumn = { name = \"rank\", type = \"integer\", default = 0 }\n",
    );
    let undo = round_trip(
        &with_default,
        "[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"rank\"\n",
    );
    assert_eq!(undo.len(), 1, "{undo:?}");
}

#[test]
fn restore_default_fills_the_rows_then_the_column_is_as_it_was() {
    let state = clinic();
    let drop_default = |table: &str, column: &str, default: Option<ColumnDefault>| {
        Operation::AlterColumn(AlterColumn {
            table: table.into(),
            column: column.into(),
            ty: None,
            nullable: None,
            default: Some(default),
        })
    };
    // NOT NULL without a default, last in its table so that the state
    // comes back whole: added with the value as its default, which then
    // goes, so the column is NOT NULL without a default again.
    let licensed = applied_op(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"doctor\"\ncolumn = { name = \"license\", type = \"string\", length = 20 }\n",
    );
    let drop_license =
        "[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"license\"\n";
    let undo = round_trip(
        &licensed,
        &format!("{drop_license}restore_default = \"unknown\"\n"),
    );
    assert_eq!(
        undo,
        [
            Operation::AddColumn(AddColumn {
                table: "doctor".into(),
                column: Column::new("license", ColumnType::String { length: 20 })
                    .with_default(ColumnDefault::Text("unknown".into())),
            }),
            drop_default("doctor", "license", None),
        ]
    );
    // Any default form fits, checked against the type as a default is.
    let undo = round_trip(
        &licensed,
        &format!("{drop_license}restore_default = {{ sql = \"'n/a'\" }}\n"),
    );
    assert_eq!(undo.len(), 2, "{undo:?}");
    // A nullable column: the rows get the value instead of NULL.
    let undo = round_trip(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\nrestore_default = \"none\"\n",
    );
    assert_eq!(undo[1], drop_default("patient", "notes", None));
    // A column with a default: the value fills the rows, then the
    // column's own default is set back; no second step when they agree.
    let ranked = applied_op(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"doctor\"\ncolumn = { name = \"rank\", type = \"integer\", default = 0 }\n",
    );
    let drop_rank = "[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"rank\"\n";
    let undo = round_trip(&ranked, &format!("{drop_rank}restore_default = 3\n"));
    assert_eq!(
        undo[1],
        drop_default("doctor", "rank", Some(ColumnDefault::Number("0".into())))
    );
    // "0" on an integer column is read as the number 0, the default itself.
    let undo = round_trip(&ranked, &format!("{drop_rank}restore_default = \"0\"\n"));
    assert_eq!(
        undo,
        [Operation::AddColumn(AddColumn {
            table: "doctor".into(),
            column: Column::new("rank", ColumnType::Integer)
                .with_default(ColumnDefault::Number("0".into())),
        })]
    );
}

#[test]
fn restore_default_must_fit_the_column() {
    let state = clinic();
    for (value, expected) in [
        (
            "true",
            "field `restore_default`: a boolean default fits `boolean` columns only",
        ),
        (
            "{ now = true }",
            "field `restore_default`: `{ now = true }` is a default for `timestamp` and `timestamp_tz` columns, not `string(50)`",
        ),
        (
            "{ sql = \" \" }",
            "field `restore_default`: `sql` must hold",
        ),
    ] {
        let op = ops(&format!("{DROP_DOCTOR_NAME}restore_default = {value}\n")).remove(0);
        let err = state.resolve(&op).expect_err("does not fit");
        assert!(err.starts_with(expected), "{value}: {err}");
        let err = reverse(&op, &state).expect_err("invalid");
        assert!(
            err.reason
                .starts_with("it does not apply to the schema: field `restore_default`"),
            "{err}"
        );
    }
}

/// `state` after one TOML operation.
#[track_caller]
fn applied_op(state: &SchemaState, op: &str) -> SchemaState {
    let mut next = state.clone();
    next.apply_all(&ops(op)).unwrap_or_else(|e| panic!("{e}"));
    next
}
