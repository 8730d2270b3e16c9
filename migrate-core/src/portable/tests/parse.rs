//! Reading portable migration files: valid files, and every kind of error
//! with its line, operation and field.

use super::super::*;

fn errors(text: &str) -> Vec<ParseError> {
    parse(text).expect_err("the file should be invalid")
}

/// The only error of `text`, as (line, message).
#[track_caller]
fn error(text: &str) -> (Option<usize>, String) {
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    (errs[0].line, errs[0].message.clone())
}

#[track_caller]
fn assert_error(text: &str, line: usize, parts: &[&str]) {
    let (at, message) = error(text);
    assert_eq!(at, Some(line), "{message}");
    for part in parts {
        assert!(message.contains(part), "`{part}` not in: {message}");
    }
}

const FULL: &str = r#"# patients
depends_on = ["accounts:0002"]

[[operations]]
op = "create_table"
table = "doctor"
columns = [{ name = "id", type = "auto_id" }, { name = "name", type = "string", length = 50 }]

[[operations]]
op = "create_table"
table = "patient"
columns = [
  { name = "id", type = "big_auto_id" },
  { name = "name", type = "string", length = 100 },
  { name = "dob", type = "date", nullable = true },
  { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" },
  { name = "active", type = "boolean", default = true },
  { name = "created", type = "timestamp_tz", default = { now = true } },
  { name = "code", type = "uuid", default = { sql = "gen_random_uuid()" } },
  { name = "weight", type = "double", nullable = true, default = 2.5 },
  { name = "doctor_id", type = "integer", nullable = true },
]
primary_key = ["id"]
unique = [["name", "dob"], { name = "patient_code_uq", columns = ["code"] }]
indexes = [{ columns = ["dob"] }, { name = "by_doctor", columns = ["doctor_id", "name"], unique = true }]
checks = [{ name = "positive_balance", expr = "balance >= 0" }]
foreign_keys = [{ columns = ["doctor_id"], references = "doctor", ref_columns = ["id"], on_delete = "set_null" }]

[[operations]]
op = "add_column"
table = "patient"
column = { name = "notes", type = "text", nullable = true, default = "none" }

[[operations]]
op = "alter_column"
table = "patient"
column = "name"
type = "string"
length = 200
nullable = true
drop_default = true

[[operations]]
op = "rename_column"
table = "patient"
column = "notes"
to = "remarks"

[[operations]]
op = "rename_table"
table = "patient"
to = "person"

[[operations]]
op = "drop_column"
table = "person"
column = "weight"
restore_default = 0

[[operations]]
op = "create_index"
table = "person"
columns = ["balance"]

[[operations]]
op = "drop_index"
table = "person"
columns = ["balance"]

[[operations]]
op = "add_unique"
table = "doctor"
columns = ["name"]

[[operations]]
op = "drop_unique"
table = "doctor"
name = "doctor_name_key"

[[operations]]
op = "drop_foreign_key"
table = "person"
columns = ["doctor_id"]

[[operations]]
op = "add_foreign_key"
table = "person"
columns = ["doctor_id"]
references = "doctor"
on_delete = "cascade"
on_update = "restrict"
name = "person_doctor"

[[operations]]
op = "sql"
up = "UPDATE person SET name = upper(name)"
down = ""
postgres = { up = "UPDATE person SET name = initcap(name)", down = "SELECT 1" }

[[operations]]
op = "drop_table"
table = "person"
"#;

#[test]
fn a_full_file_reads() {
    let file = parse(FULL).expect("valid");
    assert_eq!(file.depends_on, vec!["accounts:0002".to_string()]);
    let kinds: Vec<&str> = file.operations.iter().map(Operation::kind).collect();
    assert_eq!(
        kinds,
        [
            "create_table",
            "create_table",
            "add_column",
            "alter_column",
            "rename_column",
            "rename_table",
            "drop_column",
            "create_index",
            "drop_index",
            "add_unique",
            "drop_unique",
            "drop_foreign_key",
            "add_foreign_key",
            "sql",
            "drop_table",
        ]
    );
    assert_eq!(file.lines[..3], [4, 9, 29]);

    let Operation::CreateTable(patient) = &file.operations[1] else {
        panic!("create_table")
    };
    assert_eq!(patient.table, "patient");
    assert_eq!(patient.columns.len(), 9);
    assert_eq!(patient.columns[0], Column::new("id", ColumnType::BigAutoId));
    assert_eq!(
        patient.columns[1],
        Column::new("name", ColumnType::String { length: 100 })
    );
    assert_eq!(
        patient.columns[2],
        Column::new("dob", ColumnType::Date).nullable()
    );
    // A string on a decimal is read as a number.
    assert_eq!(
        patient.columns[3],
        Column::new(
            "balance",
            ColumnType::Decimal {
                precision: 10,
                scale: 2
            }
        )
        .with_default(ColumnDefault::Number("0".into()))
    );
    assert_eq!(patient.columns[4].default, Some(ColumnDefault::Bool(true)));
    assert_eq!(patient.columns[5].default, Some(ColumnDefault::Now));
    assert_eq!(
        patient.columns[6].default,
        Some(ColumnDefault::Sql("gen_random_uuid()".into()))
    );
    assert_eq!(
        patient.columns[7].default,
        Some(ColumnDefault::Number("2.5".into()))
    );
    assert_eq!(patient.primary_key, Some(vec!["id".to_string()]));
    assert_eq!(
        patient.unique,
        vec![
            UniqueSpec {
                name: None,
                columns: vec!["name".into(), "dob".into()]
            },
            UniqueSpec {
                name: Some("patient_code_uq".into()),
                columns: vec!["code".into()]
            },
        ]
    );
    assert_eq!(patient.indexes[1].name.as_deref(), Some("by_doctor"));
    assert!(patient.indexes[1].unique);
    assert_eq!(patient.checks[0].expr, "balance >= 0");
    assert_eq!(
        patient.foreign_keys[0].on_delete,
        ReferentialAction::SetNull
    );

    let Operation::AlterColumn(alter) = &file.operations[3] else {
        panic!("alter_column")
    };
    assert_eq!(alter.ty, Some(ColumnType::String { length: 200 }));
    assert_eq!(alter.nullable, Some(true));
    assert_eq!(alter.default, Some(None));

    let Operation::DropColumn(drop) = &file.operations[6] else {
        panic!("drop_column")
    };
    assert_eq!(
        drop.restore_default,
        Some(ColumnDefault::Number("0".into()))
    );

    let Operation::AddForeignKey(add) = &file.operations[12] else {
        panic!("add_foreign_key")
    };
    assert_eq!(add.foreign_key.ref_columns, None);
    assert_eq!(add.foreign_key.on_update, ReferentialAction::Restrict);

    let Operation::Sql(sql) = &file.operations[13] else {
        panic!("sql")
    };
    assert_eq!(
        sql.for_engine("mysql"),
        Some(("UPDATE person SET name = upper(name)", Some("")))
    );
    assert_eq!(
        sql.for_engine("postgres"),
        Some(("UPDATE person SET name = initcap(name)", Some("SELECT 1")))
    );

    // And the whole file is valid against an empty schema.
    SchemaState::new()
        .apply_all(&file.operations)
        .expect("the operations apply in order");
}

#[test]
fn operations_written_back_read_the_same() {
    #[derive(serde::Serialize)]
    struct File<'a> {
        operations: &'a [Operation],
    }
    let file = parse(FULL).expect("valid");
    let text = toml::to_string(&File {
        operations: &file.operations,
    })
    .expect("serializes");
    let again = parse(&text).unwrap_or_else(|e| panic!("{e:#?}\n{text}"));
    assert_eq!(again.operations, file.operations);
}

#[test]
fn the_serde_derive_reads_operations_too() {
    let op: Operation = toml::from_str(
        "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"string\", length = 5 }",
    )
    .expect("reads");
    assert_eq!(
        op,
        Operation::AddColumn(AddColumn {
            table: "t".into(),
            column: Column::new("a", ColumnType::String { length: 5 }),
        })
    );
    let err = toml::from_str::<Operation>(
        "op = \"add_foreign_key\"\ntable = \"t\"\ncolumns = [\"a\"]\nreferences = \"u\"\nbogus = 1",
    )
    .expect_err("unknown field");
    assert!(err.message().contains("unknown field `bogus`"), "{err}");
}

#[test]
fn bom_and_crlf_are_accepted() {
    let text = "\u{feff}[[operations]]\r\nop = \"drop_table\"\r\ntable = \"t\"\r\n\r\n[[operations]]\r\nop = \"drop_tablex\"\r\n";
    assert_error(text, 6, &["operation 2", "unknown op `drop_tablex`"]);
}

#[test]
fn toml_syntax_errors_have_their_line() {
    let text = "[[operations]]\nop = \"drop_table\"\ntable = \"t\n";
    let errs = errors(text);
    assert!(!errs.is_empty());
    assert_eq!(errs[0].line, Some(3), "{errs:#?}");
    assert!(errs[0].message.starts_with("invalid TOML"), "{errs:#?}");
}

#[test]
fn unknown_and_missing_ops() {
    assert_error(
        "[[operations]]\nop = \"add_colum\"\ntable = \"t\"\n",
        2,
        &[
            "operation 1, field `op`:",
            "unknown op `add_colum`",
            "`add_column`",
            "`create_table`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"drop_table\"\ntable = \"a\"\n\n[[operations]]\ntable = \"t\"\n",
        5,
        &["operation 2", "missing `op`"],
    );
    assert_error(
        "[[operations]]\nop = 3\n",
        2,
        &[
            "operation 1",
            "field `op`",
            "expected the operation's name as a string",
        ],
    );
    assert_error(
        "operations = [\"drop_table\"]\n",
        1,
        &["operation 1", "expected a table, found a string"],
    );
}

#[test]
fn unknown_fields_are_errors_on_their_line() {
    assert_error(
        "[[operations]]\nop = \"drop_table\"\ntable = \"t\"\ncascade = true\n",
        4,
        &[
            "operation 1 (drop_table)",
            "unknown field `cascade`",
            "expected `table`",
        ],
    );
    let (line, message) = error(
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  { name = \"a\", type = \"integer\" },\n  { name = \"b\", type = \"integer\", null = true },\n]\n",
    );
    assert_eq!(line, Some(6), "{message}");
    assert!(
        message.contains("operation 1 (create_table), field `columns[2]`"),
        "{message}"
    );
    assert!(message.contains("unknown field `null`"), "{message}");
    assert_error(
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"t\"\ncolumns = [\"a\"]\nreferences = \"u\"\nondelete = \"cascade\"\n",
        6,
        &[
            "operation 1 (add_foreign_key)",
            "unknown field `ondelete`",
            "`on_delete`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"sql\"\nup = \"SELECT 1\"\noracle = { up = \"x\" }\n",
        4,
        &["operation 1 (sql)", "unknown field `oracle`"],
    );
    assert_error(
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nchecks = [{ expr = \"a > 0\", nom = \"x\" }]\n",
        5,
        &["field `checks[1]`", "unknown field `nom`"],
    );
}

#[test]
fn wrong_types_name_the_field() {
    assert_error(
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"strng\", length = 5 }\n",
        4,
        &[
            "operation 1 (add_column), field `column.type`",
            "unknown value `strng`",
            "`string`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"string\", length = \"5\" }\n",
        4,
        &["field `column.length`", "expected a whole number"],
    );
    assert_error(
        "[[operations]]\nop = \"create_index\"\ntable = \"t\"\ncolumns = \"a\"\n",
        4,
        &[
            "operation 1 (create_index), field `columns`",
            "expected a list",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"drop_table\"\n",
        1,
        &["operation 1 (drop_table)", "missing field `table`"],
    );
    assert_error(
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"t\"\ncolumns = [\"a\"]\nreferences = \"u\"\non_delete = \"set_default\"\n",
        6,
        &[
            "field `on_delete`",
            "unknown value `set_default`",
            "`set_null`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nunique = [\"a\"]\n",
        5,
        &["field `unique[1]`", "a list of column names"],
    );
}

#[test]
fn column_rules_point_at_the_column() {
    let text = |column: &str| {
        format!(
            "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  {{ name = \"a\", type = \"integer\" }},\n  {column},\n]\n"
        )
    };
    for (column, field, part) in [
        (
            r#"{ name = "s", type = "string" }"#,
            "columns[2].length",
            "a `string` column needs `length`",
        ),
        (
            r#"{ name = "s", type = "string", length = 0 }"#,
            "columns[2].length",
            "expected a length from 1 to 16383, found 0",
        ),
        (
            r#"{ name = "i", type = "integer", length = 3 }"#,
            "columns[2].length",
            "`length` belongs to `string` columns only",
        ),
        (
            r#"{ name = "d", type = "decimal" }"#,
            "columns[2].precision",
            "needs `precision`",
        ),
        (
            r#"{ name = "d", type = "decimal", precision = 5, scale = 6 }"#,
            "columns[2].scale",
            "expected a scale from 0 to 5",
        ),
        (
            r#"{ name = "d", type = "decimal", precision = 66 }"#,
            "columns[2].precision",
            "from 1 to 65",
        ),
        (
            r#"{ name = "i", type = "integer", default = true }"#,
            "columns[2].default",
            "a boolean default fits `boolean` columns only",
        ),
        (
            r#"{ name = "i", type = "integer", default = "1.5" }"#,
            "columns[2].default",
            "expected a whole number for `integer`",
        ),
        (
            r#"{ name = "i", type = "decimal", precision = 4, default = "abc" }"#,
            "columns[2].default",
            "expected a number for `decimal(4,0)`",
        ),
        (
            r#"{ name = "s", type = "string", length = 3, default = 1 }"#,
            "columns[2].default",
            "a number default fits numeric columns only",
        ),
        (
            r#"{ name = "d", type = "date", default = { now = true } }"#,
            "columns[2].default",
            "`timestamp` and `timestamp_tz` columns",
        ),
        (
            r#"{ name = "b", type = "boolean", default = "yes" }"#,
            "columns[2].default",
            "a string default does not fit `boolean`",
        ),
        (
            r#"{ name = "x", type = "auto_id", nullable = true }"#,
            "columns[2].nullable",
            "cannot be nullable",
        ),
        (
            r#"{ name = "x", type = "auto_id", default = 1 }"#,
            "columns[2].default",
            "takes no default",
        ),
        (
            r#"{ name = "", type = "integer" }"#,
            "columns[2].name",
            "expected a name, found an empty string",
        ),
    ] {
        let errs = errors(&text(column));
        assert_eq!(errs.len(), 1, "{column}: {errs:#?}");
        assert_eq!(errs[0].line, Some(6), "{column}: {errs:#?}");
        assert_eq!(errs[0].operation, Some(1));
        assert_eq!(errs[0].field.as_deref(), Some(field), "{column}: {errs:#?}");
        assert!(
            errs[0].message.contains(part),
            "{column}: `{part}` not in {}",
            errs[0].message
        );
        assert!(
            errs[0]
                .message
                .starts_with(&format!("operation 1 (create_table), field `{field}`: ")),
            "{}",
            errs[0].message
        );
    }
}

#[test]
fn default_tables_are_checked() {
    assert_error(
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"timestamp\", default = { now = false } }\n",
        4,
        &["field `column.default`", "leave the field out"],
    );
    assert_error(
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"timestamp\", default = { today = true } }\n",
        4,
        &[
            "field `column.default`",
            "unknown field `today`",
            "expected `now` or `sql`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"text\", default = [1] }\n",
        4,
        &[
            "field `column.default`",
            "expected a string, a number, a boolean",
        ],
    );
}

#[test]
fn restore_default_reads_like_a_default() {
    let drop = |value: &str| {
        format!(
            "[[operations]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"a\"\nrestore_default = {value}\n"
        )
    };
    for (value, expected) in [
        ("\"x\"", ColumnDefault::Text("x".into())),
        ("-3", ColumnDefault::Number("-3".into())),
        ("false", ColumnDefault::Bool(false)),
        ("{ now = true }", ColumnDefault::Now),
        ("{ sql = \"1 + 1\" }", ColumnDefault::Sql("1 + 1".into())),
    ] {
        let file = parse(&drop(value)).unwrap_or_else(|e| panic!("{e:#?}"));
        let Operation::DropColumn(op) = &file.operations[0] else {
            panic!("drop_column")
        };
        assert_eq!(op.restore_default.as_ref(), Some(&expected), "{value}");
    }
    assert_error(
        &drop("[1]"),
        5,
        &[
            "operation 1 (drop_column), field `restore_default`",
            "expected a string, a number, a boolean",
        ],
    );
    assert_error(
        &drop("{ now = false }"),
        5,
        &["field `restore_default`", "leave the field out"],
    );
    assert_error(
        "[[operations]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"a\"\nrestore = 1\n",
        5,
        &["unknown field `restore`", "`restore_default`"],
    );
}

#[test]
fn alter_column_rules() {
    let alter = |body: &str| {
        format!("[[operations]]\nop = \"alter_column\"\ntable = \"t\"\ncolumn = \"a\"\n{body}\n")
    };
    assert_error(
        &alter(""),
        1,
        &["operation 1 (alter_column)", "nothing to change"],
    );
    assert_error(
        &alter("default = 1\ndrop_default = true"),
        6,
        &["field `drop_default`", "not both"],
    );
    assert_error(
        &alter("length = 10"),
        5,
        &["field `length`", "goes with `type`"],
    );
    assert_error(
        &alter("type = \"auto_id\""),
        5,
        &["field `type`", "cannot become `auto_id`"],
    );
    assert_error(
        &alter("type = \"integer\"\ndefault = \"x\""),
        6,
        &["field `default`", "expected a whole number for `integer`"],
    );
    assert_error(&alter("typ = \"integer\""), 5, &["unknown field `typ`"]);
}

#[test]
fn operation_rules_point_at_the_field() {
    assert_error(
        "[[operations]]\nop = \"drop_index\"\ntable = \"t\"\n",
        1,
        &[
            "operation 1 (drop_index)",
            "give its `name`, or its `columns`",
        ],
    );
    assert_error(
        "[[operations]]\nop = \"create_index\"\ntable = \"t\"\ncolumns = []\n",
        4,
        &["field `columns`", "at least one column"],
    );
    assert_error(
        "[[operations]]\nop = \"create_index\"\ntable = \"t\"\ncolumns = [\"a\", \"A\"]\n",
        4,
        &["field `columns`", "listed twice"],
    );
    assert_error(
        &format!(
            "[[operations]]\nop = \"rename_table\"\ntable = \"t\"\nto = \"{}\"\n",
            "x".repeat(64)
        ),
        4,
        &["field `to`", "at most 63 bytes"],
    );
    assert_error(
        "[[operations]]\nop = \"sql\"\ndown = \"x\"\n",
        3,
        &["operation 1 (sql), field `down`", "give `up` too"],
    );
    assert_error(
        "[[operations]]\nop = \"sql\"\npostgres = { up = \"x\" }\n",
        1,
        &["operation 1 (sql), field `up`", "none for sqlite"],
    );
    assert_error(
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"t\"\ncolumns = [\"a\", \"b\"]\nreferences = \"u\"\nref_columns = [\"x\"]\n",
        6,
        &["field `ref_columns`", "expected 2 referenced column(s)"],
    );
    assert_error(
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\nforeign_keys = [\n  { columns = [\"a\"], references = \"\" },\n]\n",
        6,
        &["field `foreign_keys[1].references`", "empty string"],
    );
    assert_error(
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = []\n",
        4,
        &["field `columns`", "at least one column"],
    );
}

#[test]
fn every_bad_operation_is_reported() {
    let text = "[[operations]]\nop = \"drop_table\"\n\n[[operations]]\nop = \"drop_table\"\ntable = \"ok\"\n\n[[operations]]\nop = \"rename_column\"\ntable = \"t\"\ncolumn = \"a\"\n\n[[operations]]\nop = \"nope\"\n";
    let errs = errors(text);
    let summary: Vec<(Option<usize>, Option<usize>)> =
        errs.iter().map(|e| (e.line, e.operation)).collect();
    assert_eq!(
        summary,
        [(Some(1), Some(1)), (Some(8), Some(3)), (Some(14), Some(4))],
        "{errs:#?}"
    );
    assert!(errs[1].message.contains("missing field `to`"));
    assert_eq!(errs[2].to_string(), format!("line 14: {}", errs[2].message));
}

#[test]
fn top_level_problems() {
    let (line, message) = error("");
    assert_eq!(line, None);
    assert!(message.contains("no operations"), "{message}");
    assert_error("operations = []\n", 1, &["`operations` is empty"]);
    assert_error(
        "operations = 3\n",
        1,
        &["`operations` must be a list of tables"],
    );
    let errs = errors(
        "title = \"x\"\ndepends_on = \"a:1\"\n[[operations]]\nop = \"drop_table\"\ntable = \"t\"\n",
    );
    let lines: Vec<Option<usize>> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(2), Some(1)], "{errs:#?}");
    assert!(errs[0].message.contains("`depends_on`: expected a list"));
    assert!(errs[1].message.contains("unknown top-level key `title`"));
}

#[test]
fn normalized_type_names_read_back_as_portable_types() {
    use crate::portable::ColumnType;
    assert_eq!(
        ColumnType::from_normalized("string(20)"),
        Some(ColumnType::String { length: 20 })
    );
    assert_eq!(
        ColumnType::from_normalized("decimal(10,2)"),
        Some(ColumnType::Decimal {
            precision: 10,
            scale: 2
        })
    );
    assert_eq!(
        ColumnType::from_normalized("timestamp_tz"),
        Some(ColumnType::TimestampTz)
    );
    for other in ["jsonb", "string", "integer(4)", "tinyint(4)", "string(x)"] {
        assert_eq!(ColumnType::from_normalized(other), None, "{other}");
    }
}
