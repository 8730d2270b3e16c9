//! The schema state: what operations build, and every rule that refuses
//! an operation before anything changes.

use super::super::*;
use super::ops;

/// A clinic: doctor (auto id, unique name), patient (FK to doctor, index,
/// unique pair, check).
pub(super) fn clinic() -> SchemaState {
    let mut state = SchemaState::new();
    state
        .apply_all(&ops(r#"
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
]
unique = [["name", "dob"]]
indexes = [{ columns = ["dob"] }]
checks = [{ expr = "balance >= 0" }]
foreign_keys = [{ columns = ["doctor_id"], references = "doctor", on_delete = "set_null" }]
"#))
        .expect("the clinic applies");
    state
}

/// The error `op` (one TOML operation) gets on `state`; nothing changes.
#[track_caller]
fn refused(state: &SchemaState, op: &str) -> String {
    let ops = ops(op);
    assert_eq!(ops.len(), 1);
    let mut copy = state.clone();
    let err = copy
        .apply(&ops[0])
        .expect_err("the operation should be refused");
    assert_eq!(&copy, state, "a refused operation changed the state");
    err
}

#[track_caller]
fn assert_refused(state: &SchemaState, op: &str, parts: &[&str]) {
    let err = refused(state, op);
    for part in parts {
        assert!(err.contains(part), "`{part}` not in: {err}");
    }
}

#[track_caller]
fn applied(state: &SchemaState, op: &str) -> SchemaState {
    let mut next = state.clone();
    next.apply_all(&ops(op)).unwrap_or_else(|e| panic!("{e}"));
    next
}

#[test]
fn create_table_resolves_keys_and_names() {
    let state = clinic();
    let patient = state.table("patient").expect("patient");
    assert_eq!(patient.primary_key, ["id"]);
    assert_eq!(patient.uniques[0].name, "patient_name_dob_key");
    assert_eq!(patient.indexes[0].name, "patient_dob_idx");
    assert!(!patient.indexes[0].unique);
    assert_eq!(patient.checks[0].name, "patient_check");
    let fk = &patient.foreign_keys[0];
    assert_eq!(fk.name, "patient_doctor_id_fkey");
    assert_eq!(fk.references, "doctor");
    // ref_columns default to the referenced primary key.
    assert_eq!(fk.ref_columns, ["id"]);
    assert_eq!(fk.on_delete, ReferentialAction::SetNull);
    assert_eq!(
        patient.column("balance").and_then(|c| c.default.clone()),
        Some(ColumnDefault::Number("0".into()))
    );
    let doctor = state.table("doctor").expect("doctor");
    assert_eq!(doctor.uniques[0].name, "doctor_code_key");
    assert_eq!(
        state
            .referencing("doctor")
            .iter()
            .map(|(t, fk)| (t.name.as_str(), fk.name.as_str()))
            .collect::<Vec<_>>(),
        [("patient", "patient_doctor_id_fkey")]
    );
    assert_eq!(state.tables().count(), 2);
}

#[test]
fn generated_names_avoid_taken_ones() {
    let state = applied(
        &clinic(),
        r#"
[[operations]]
op = "create_index"
table = "patient"
columns = ["dob"]

[[operations]]
op = "create_table"
table = "visit"
columns = [{ name = "id", type = "auto_id" }, { name = "a", type = "integer" }]
unique = [["a"], { name = "visit_a_key1", columns = ["a", "id"] }]
"#,
    );
    let names: Vec<&str> = state
        .table("patient")
        .expect("patient")
        .indexes
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["patient_dob_idx", "patient_dob_idx1"]);
    let visit = state.table("visit").expect("visit");
    // The explicit name was reserved first; the generated one skips it.
    assert_eq!(visit.uniques[0].name, "visit_a_key");
    assert_eq!(visit.uniques[1].name, "visit_a_key1");
    let next = applied(
        &state,
        "[[operations]]\nop = \"add_unique\"\ntable = \"visit\"\ncolumns = [\"a\"]\n",
    );
    assert_eq!(
        next.table("visit").expect("visit").uniques[2].name,
        "visit_a_key2"
    );
}

#[test]
fn create_table_rules() {
    let state = clinic();
    let create = |body: &str| format!("[[operations]]\nop = \"create_table\"\n{body}\n");
    assert_refused(
        &state,
        &create("table = \"Patient\"\ncolumns = [{ name = \"a\", type = \"integer\" }]"),
        &["the name `Patient` is already used by table `patient`"],
    );
    assert_refused(
        &state,
        &create("table = \"patient_dob_idx\"\ncolumns = [{ name = \"a\", type = \"integer\" }]"),
        &["already used by index `patient_dob_idx` of table `patient`"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }, { name = \"A\", type = \"integer\" }]",
        ),
        &["column `A` is defined twice"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"auto_id\" }, { name = \"b\", type = \"big_auto_id\" }]",
        ),
        &["at most one auto column", "`a`, `b`"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"auto_id\" }, { name = \"b\", type = \"integer\" }]\nprimary_key = [\"a\", \"b\"]",
        ),
        &["the auto column `a` is the primary key"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\", nullable = true }]\nprimary_key = [\"a\"]",
        ),
        &["primary key column `a` cannot be nullable"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nprimary_key = [\"b\"]",
        ),
        &["table `t` has no column `b` (it has `a`)"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"text\" }]\nindexes = [{ columns = [\"a\"] }]",
        ),
        &["column `a` is `text` and cannot be in an index", "MySQL"],
    );
    assert_refused(
        &state,
        &create("table = \"t\"\ncolumns = [{ name = \"a\", type = \"json\" }]\nunique = [[\"a\"]]"),
        &["`json` and cannot be in a unique constraint"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nindexes = [{ name = \"x\", columns = [\"a\"] }]\nchecks = [{ name = \"X\", expr = \"a > 0\" }]",
        ),
        &["the name `X` is used twice in this table"],
    );
    assert_refused(
        &state,
        &create(
            "table = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nchecks = [{ name = \"doctor_code_key\", expr = \"a > 0\" }]",
        ),
        &["already used by unique constraint `doctor_code_key` of table `doctor`"],
    );
}

#[test]
fn foreign_key_rules() {
    let state = clinic();
    let fk = |body: &str| {
        format!(
            "[[operations]]\nop = \"create_table\"\ntable = \"visit\"\ncolumns = [{{ name = \"id\", type = \"auto_id\" }}, {{ name = \"p\", type = \"bigint\" }}, {{ name = \"d\", type = \"integer\" }}, {{ name = \"s\", type = \"string\", length = 20, nullable = true }}]\nforeign_keys = [{body}]\n"
        )
    };
    assert_refused(
        &state,
        &fk("{ columns = [\"p\"], references = \"nurse\" }"),
        &["foreign key on `p`: there is no table `nurse`"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"p\"], references = \"Patient\" }"),
        &["there is no table `Patient` (there is `patient`"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"p\"], references = \"patient\", ref_columns = [\"nope\"] }"),
        &["table `patient` has no column `nope`"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"q\"], references = \"patient\" }"),
        &["table `visit` has no column `q`"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"s\"], references = \"patient\", ref_columns = [\"name\"] }"),
        &["`name` of table `patient` is not its primary key or a unique constraint"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"d\"], references = \"patient\" }"),
        &["column `d` is `integer` but references `patient`.`id`, which is `big_auto_id`"],
    );
    assert_refused(
        &state,
        &fk("{ columns = [\"p\"], references = \"patient\", on_delete = \"set_null\" }"),
        &["`set_null` needs nullable columns, but `p` is NOT NULL"],
    );
    // Strings of another length may reference a unique string.
    let ok = applied(
        &state,
        &fk(
            "{ columns = [\"s\"], references = \"doctor\", ref_columns = [\"code\"] }, { columns = [\"p\"], references = \"patient\" }, { columns = [\"d\"], references = \"doctor\" }",
        ),
    );
    let visit = ok.table("visit").expect("visit");
    let names: Vec<&str> = visit.foreign_keys.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["visit_s_fkey", "visit_p_fkey", "visit_d_fkey"]);

    // A table referencing itself, through its own primary key.
    let tree = applied(
        &state,
        "[[operations]]\nop = \"create_table\"\ntable = \"node\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"parent\", type = \"integer\", nullable = true }]\nforeign_keys = [{ columns = [\"parent\"], references = \"node\", on_delete = \"cascade\" }]\n",
    );
    assert_eq!(
        tree.table("node").expect("node").foreign_keys[0].ref_columns,
        ["id"]
    );
    // Only other tables count as referencing it: it can be dropped.
    applied(
        &tree,
        "[[operations]]\nop = \"drop_table\"\ntable = \"node\"\n",
    );

    let no_pk = applied(
        &state,
        "[[operations]]\nop = \"create_table\"\ntable = \"tag\"\ncolumns = [{ name = \"label\", type = \"string\", length = 20 }]\n",
    );
    assert_refused(
        &no_pk,
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"doctor\"\ncolumns = [\"code\"]\nreferences = \"tag\"\n",
        &["table `tag` has no primary key; give `ref_columns`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\nreferences = \"doctor\"\nname = \"patient_check\"\n",
        &["the name `patient_check` is already used by check constraint"],
    );
}

#[test]
fn drop_and_rename_table_rules() {
    let state = clinic();
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_table\"\ntable = \"doctor\"\n",
        &[
            "table `doctor` is referenced by foreign key `patient_doctor_id_fkey` of table `patient`",
            "drop that foreign key",
        ],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_table\"\ntable = \"nurse\"\n",
        &["there is no table `nurse`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"rename_table\"\ntable = \"patient\"\nto = \"DOCTOR\"\n",
        &["the name `DOCTOR` is already used by table `doctor`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"rename_table\"\ntable = \"patient\"\nto = \"doctor_pkey\"\n",
        &["already used by the primary key of table `doctor`"],
    );
    let renamed = applied(
        &state,
        "[[operations]]\nop = \"rename_table\"\ntable = \"doctor\"\nto = \"physician\"\n",
    );
    assert!(renamed.table("doctor").is_none());
    assert_eq!(
        renamed.table("physician").expect("renamed").name,
        "physician"
    );
    // The foreign key follows; the names stay as they were.
    let patient = renamed.table("patient").expect("patient");
    assert_eq!(patient.foreign_keys[0].references, "physician");
    assert_eq!(patient.foreign_keys[0].name, "patient_doctor_id_fkey");
    // Dropping the referencing table leaves doctor free to drop.
    applied(
        &state,
        "[[operations]]\nop = \"drop_table\"\ntable = \"patient\"\n\n[[operations]]\nop = \"drop_table\"\ntable = \"doctor\"\n",
    );
}

#[test]
fn column_rules() {
    let state = clinic();
    assert_refused(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"patient\"\ncolumn = { name = \"DOB\", type = \"date\" }\n",
        &["table `patient` already has a column `dob`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"add_column\"\ntable = \"doctor\"\ncolumn = { name = \"n\", type = \"auto_id\" }\n",
        &["can only be made by `create_table`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"weight\"\n",
        &[
            "table `patient` has no column `weight` (it has `id`, `name`, `dob`, `balance`, `doctor_id`, `notes`)",
        ],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"dob\"\n",
        &[
            "column `dob` of `patient` is used by index `patient_dob_idx`, unique constraint `patient_name_dob_key`",
            "drop them first",
        ],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"id\"\n",
        &["used by the primary key"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"balance\"\n",
        &["used by check constraint `patient_check`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"doctor_id\"\n",
        &["used by foreign key `patient_doctor_id_fkey`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"code\"\n",
        &["used by unique constraint `doctor_code_key`"],
    );
    let lonely = applied(
        &state,
        "[[operations]]\nop = \"create_table\"\ntable = \"one\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\n",
    );
    assert_refused(
        &lonely,
        "[[operations]]\nop = \"drop_column\"\ntable = \"one\"\ncolumn = \"a\"\n",
        &["the only column of table `one`"],
    );
    // A column referenced by another table's foreign key.
    let referenced = applied(
        &state,
        "[[operations]]\nop = \"drop_unique\"\ntable = \"patient\"\nname = \"patient_name_dob_key\"\n\n[[operations]]\nop = \"create_table\"\ntable = \"visit\"\ncolumns = [{ name = \"code\", type = \"string\", length = 10 }]\nforeign_keys = [{ columns = [\"code\"], references = \"doctor\", ref_columns = [\"code\"] }]\n",
    );
    assert_refused(
        &referenced,
        "[[operations]]\nop = \"drop_unique\"\ntable = \"doctor\"\ncolumns = [\"code\"]\n",
        &[
            "`doctor_code_key` is the unique key that foreign key `visit_code_fkey` of table `visit` references",
        ],
    );

    let dropped = applied(
        &state,
        "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\n",
    );
    assert!(
        dropped
            .table("patient")
            .expect("patient")
            .column("notes")
            .is_none()
    );
}

#[test]
fn alter_column_rules() {
    let state = clinic();
    let alter = |column: &str, body: &str| {
        format!(
            "[[operations]]\nop = \"alter_column\"\ntable = \"patient\"\ncolumn = \"{column}\"\n{body}\n"
        )
    };
    assert_refused(
        &state,
        &alter("id", "type = \"bigint\""),
        &["`id` is an `big_auto_id` column, which cannot be altered"],
    );
    assert_refused(
        &state,
        &alter("doctor_id", "type = \"bigint\""),
        &[
            "column `doctor_id` is in foreign key `patient_doctor_id_fkey`",
            "drop the foreign key first",
        ],
    );
    assert_refused(
        &state,
        &alter("doctor_id", "nullable = false"),
        &["foreign key `patient_doctor_id_fkey`, which sets it to NULL"],
    );
    assert_refused(
        &state,
        &alter("dob", "type = \"text\""),
        &[
            "column `dob` is used by index `patient_dob_idx`",
            "cannot become `text`",
        ],
    );
    assert_refused(
        &state,
        &alter("balance", "type = \"string\"\nlength = 5\n"),
        &[
            "the column's default does not fit the new type",
            "drop_default = true",
        ],
    );
    assert_refused(
        &state,
        &alter("balance", "default = true"),
        &["default: a boolean default fits `boolean` columns only"],
    );
    assert_refused(
        &state,
        &alter("nope", "nullable = true"),
        &["table `patient` has no column `nope`"],
    );
    let mut keyed = state.clone();
    keyed
        .apply_all(&ops(
            "[[operations]]\nop = \"create_table\"\ntable = \"k\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nprimary_key = [\"a\"]\n",
        ))
        .expect("k");
    assert_refused(
        &keyed,
        "[[operations]]\nop = \"alter_column\"\ntable = \"k\"\ncolumn = \"a\"\nnullable = true\n",
        &["column `a` is in the primary key and cannot be nullable"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"alter_column\"\ntable = \"doctor\"\ncolumn = \"id\"\nnullable = true\n",
        &["`auto_id` column, which cannot be altered"],
    );

    let changed = applied(
        &state,
        &alter(
            "balance",
            "type = \"decimal\"\nprecision = 12\nscale = 3\nnullable = true\ndefault = \"1.5\"",
        ),
    );
    let balance = changed
        .table("patient")
        .and_then(|t| t.column("balance"))
        .expect("balance");
    assert_eq!(
        balance,
        &Column::new(
            "balance",
            ColumnType::Decimal {
                precision: 12,
                scale: 3
            }
        )
        .nullable()
        .with_default(ColumnDefault::Number("1.5".into()))
    );
    // A string default on a numeric column, set alone, is checked against
    // the column's type and stored as a number.
    let set = applied(&state, &alter("balance", "default = \"7\""));
    assert_eq!(
        set.table("patient")
            .and_then(|t| t.column("balance"))
            .and_then(|c| c.default.clone()),
        Some(ColumnDefault::Number("7".into()))
    );
}

#[test]
fn rename_column_rules() {
    let state = clinic();
    assert_refused(
        &state,
        "[[operations]]\nop = \"rename_column\"\ntable = \"patient\"\ncolumn = \"dob\"\nto = \"Name\"\n",
        &["table `patient` already has a column `name`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"rename_column\"\ntable = \"patient\"\ncolumn = \"balance\"\nto = \"amount\"\n",
        &["named in check constraint `patient_check` (balance >= 0)"],
    );
    // Keys, indexes and foreign keys on both sides follow the column.
    let renamed = applied(
        &state,
        "[[operations]]\nop = \"rename_column\"\ntable = \"patient\"\ncolumn = \"dob\"\nto = \"born\"\n\n[[operations]]\nop = \"rename_column\"\ntable = \"doctor\"\ncolumn = \"id\"\nto = \"doctor_id\"\n\n[[operations]]\nop = \"rename_column\"\ntable = \"patient\"\ncolumn = \"doctor_id\"\nto = \"physician\"\n",
    );
    let patient = renamed.table("patient").expect("patient");
    assert_eq!(patient.indexes[0].columns, ["born"]);
    assert_eq!(patient.uniques[0].columns, ["name", "born"]);
    assert_eq!(patient.foreign_keys[0].columns, ["physician"]);
    assert_eq!(patient.foreign_keys[0].ref_columns, ["doctor_id"]);
    assert_eq!(
        renamed.table("doctor").expect("doctor").primary_key,
        ["doctor_id"]
    );
}

#[test]
fn index_and_constraint_rules() {
    let state = clinic();
    assert_refused(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"weight\"]\n",
        &["table `patient` has no column `weight`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"notes\"]\n",
        &["column `notes` is `text` and cannot be in an index"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\"]\nname = \"PATIENT\"\n",
        &["the name `PATIENT` is already used by table `patient`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_index\"\ntable = \"doctor\"\nname = \"patient_dob_idx\"\n",
        &["table `doctor` has no index `patient_dob_idx` (it has none)"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"name\"]\n",
        &["table `patient` has no index on `name` (it has `patient_dob_idx`)"],
    );
    let twice = applied(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]\nname = \"again\"\n",
    );
    assert_refused(
        &twice,
        "[[operations]]\nop = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]\n",
        &["more than one index on `dob`: `patient_dob_idx`, `again`; give `name`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_foreign_key\"\ntable = \"patient\"\nname = \"nope\"\n",
        &["table `patient` has no foreign key `nope` (it has `patient_doctor_id_fkey`)"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"drop_unique\"\ntable = \"patient\"\ncolumns = [\"dob\", \"name\"]\n",
        &["no unique constraint on `dob`, `name`"],
    );
    assert_refused(
        &state,
        "[[operations]]\nop = \"add_unique\"\ntable = \"patient\"\ncolumns = [\"notes\"]\n",
        &["`text` and cannot be in a unique constraint"],
    );
    // A unique index can be what a foreign key references; then it stays.
    let indexed = applied(
        &state,
        "[[operations]]\nop = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\"]\nunique = true\n\n[[operations]]\nop = \"create_table\"\ntable = \"visit\"\ncolumns = [{ name = \"who\", type = \"string\", length = 100 }]\nforeign_keys = [{ columns = [\"who\"], references = \"patient\", ref_columns = [\"name\"] }]\n",
    );
    assert_refused(
        &indexed,
        "[[operations]]\nop = \"drop_index\"\ntable = \"patient\"\nname = \"patient_name_idx\"\n",
        &["`patient_name_idx` is the unique key that foreign key `visit_who_fkey`"],
    );

    let changed = applied(
        &state,
        "[[operations]]\nop = \"drop_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\n\n[[operations]]\nop = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]\n\n[[operations]]\nop = \"drop_unique\"\ntable = \"patient\"\ncolumns = [\"name\", \"dob\"]\n",
    );
    let patient = changed.table("patient").expect("patient");
    assert!(patient.foreign_keys.is_empty());
    assert!(patient.indexes.is_empty());
    assert!(patient.uniques.is_empty());
    // Nothing references doctor any more.
    applied(
        &changed,
        "[[operations]]\nop = \"drop_table\"\ntable = \"doctor\"\n",
    );
}

#[test]
fn sql_leaves_the_state_alone() {
    let state = clinic();
    let after = applied(
        &state,
        "[[operations]]\nop = \"sql\"\nup = \"DROP TABLE patient\"\n",
    );
    assert_eq!(after, state);
}

#[test]
fn apply_all_is_all_or_nothing() {
    let state = clinic();
    let mut copy = state.clone();
    let err = copy
        .apply_all(&ops(
            "[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"notes\"\n\n[[operations]]\nop = \"add_column\"\ntable = \"nurse\"\ncolumn = { name = \"a\", type = \"integer\" }\n",
        ))
        .expect_err("the second operation fails");
    assert_eq!(err.index, 2);
    assert_eq!(err.kind, "add_column");
    assert_eq!(
        err.to_string(),
        "operation 2 (add_column): there is no table `nurse`"
    );
    assert_eq!(copy, state);
}

#[test]
fn operations_built_in_code_are_checked_too() {
    let state = clinic();
    let op = Operation::CreateIndex(CreateIndex {
        table: "patient".into(),
        name: Some(String::new()),
        columns: vec!["dob".into()],
        unique: false,
    });
    let err = state.clone().apply(&op).expect_err("empty name");
    assert_eq!(err, "field `name`: expected a name, found an empty string");
    let op = Operation::AddColumn(AddColumn {
        table: "patient".into(),
        column: Column::new("flag", ColumnType::Boolean)
            .with_default(ColumnDefault::Number("1".into())),
    });
    let err = state.clone().apply(&op).expect_err("bad default");
    assert!(
        err.contains("field `default`: a number default fits numeric columns only"),
        "{err}"
    );
}
