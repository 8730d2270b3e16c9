use crate::dialect::SqlDialect::{self, Mysql, Postgres, Sqlite};

use super::normalize::{data_type, default_value, expression, referential_action};
use super::*;

#[test]
fn what_the_renderers_write_for_each_portable_type_reads_back_as_one_name() {
    // (portable type, PostgreSQL, MySQL as information_schema reports it,
    // SQLite as declared)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("smallint", "smallint", "smallint(6)", "SMALLINT"),
        ("integer", "integer", "int(11)", "INTEGER"),
        ("bigint", "bigint", "bigint(20)", "BIGINT"),
        (
            "decimal(10,2)",
            "numeric(10,2)",
            "decimal(10,2)",
            "DECIMAL(10,2)",
        ),
        ("float", "real", "float", "REAL"),
        ("double", "double precision", "double", "DOUBLE"),
        ("boolean", "boolean", "tinyint(1)", "BOOLEAN"),
        (
            "string(100)",
            "character varying(100)",
            "varchar(100)",
            "VARCHAR(100)",
        ),
        ("text", "text", "longtext", "TEXT"),
        ("binary", "bytea", "longblob", "BLOB"),
        ("date", "date", "date", "DATE"),
        ("time", "time without time zone", "time(6)", "TIME"),
        (
            "timestamp",
            "timestamp without time zone",
            "datetime(6)",
            "DATETIME",
        ),
        (
            "timestamp_tz",
            "timestamp with time zone",
            "timestamp(6)",
            "TIMESTAMPTZ",
        ),
        ("uuid", "uuid", "char(36)", "CHAR(36)"),
        ("json", "jsonb", "json", "TEXT"),
    ];
    for (portable, pg, my, lite) in cases {
        assert_eq!(data_type(Postgres, pg), *portable, "PostgreSQL {pg}");
        assert_eq!(data_type(Mysql, my), *portable, "MySQL {my}");
        if *portable != "json" {
            assert_eq!(data_type(Sqlite, lite), *portable, "SQLite {lite}");
        }
    }
    // SQLite stores a portable json column as TEXT: it reads as text.
    assert_eq!(data_type(Sqlite, "TEXT"), "text");
}

#[test]
fn other_types_keep_what_tells_them_apart() {
    assert_eq!(data_type(Mysql, "bigint(20) unsigned"), "bigint unsigned");
    assert_eq!(data_type(Mysql, "tinyint(4)"), "tinyint");
    assert_eq!(data_type(Mysql, "tinyint(1) unsigned"), "tinyint unsigned");
    assert_eq!(data_type(Mysql, "mediumtext"), "text");
    assert_eq!(data_type(Mysql, "datetime"), "timestamp(0)");
    assert_eq!(data_type(Mysql, "timestamp"), "timestamp_tz(0)");
    assert_eq!(data_type(Mysql, "float(30)"), "double");
    assert_eq!(
        data_type(Mysql, "decimal(10,0) unsigned"),
        "decimal(10,0) unsigned"
    );
    assert_eq!(data_type(Mysql, "enum('A','b')"), "enum('A','b')");
    assert_eq!(data_type(Mysql, "varbinary(16)"), "varbinary(16)");
    assert_eq!(data_type(Postgres, "character(36)"), "char(36)");
    assert_eq!(data_type(Postgres, "character varying"), "string");
    assert_eq!(data_type(Postgres, "numeric"), "decimal");
    assert_eq!(data_type(Postgres, "numeric(5)"), "decimal(5,0)");
    assert_eq!(
        data_type(Postgres, "timestamp(3) without time zone"),
        "timestamp(3)"
    );
    assert_eq!(
        data_type(Postgres, "timestamp(6) with time zone"),
        "timestamp_tz"
    );
    assert_eq!(data_type(Postgres, "integer[]"), "integer[]");
    assert_eq!(data_type(Postgres, "json"), "json");
    assert_eq!(
        data_type(Postgres, "USER-defined  Thing"),
        "user-defined thing"
    );
    assert_eq!(data_type(Sqlite, "int"), "integer");
    assert_eq!(data_type(Sqlite, "NVARCHAR(20)"), "string(20)");
    assert_eq!(data_type(Sqlite, ""), "");
}

#[track_caller]
fn default(engine: SqlDialect, raw: &str, ty: &str) -> Option<String> {
    default_value(engine, raw, ty)
}

#[test]
fn defaults_lose_casts_parentheses_and_quotes_of_the_engine() {
    let some = |s: &str| Some(s.to_string());
    // One string default as each engine reports it.
    assert_eq!(default(Postgres, "'it''s'::text", "text"), some("'it''s'"));
    assert_eq!(default(Mysql, "'it\\'s'", "text"), some("'it''s'"));
    assert_eq!(default(Mysql, "'it''s'", "text"), some("'it''s'"));
    assert_eq!(default(Sqlite, "'it''s'", "text"), some("'it''s'"));
    assert_eq!(
        default(Postgres, "'a'::character varying", "string(10)"),
        some("'a'")
    );
    assert_eq!(
        default(
            Postgres,
            "'2000-01-01 00:00:00'::timestamp without time zone",
            "timestamp"
        ),
        some("'2000-01-01 00:00:00'")
    );
    assert_eq!(default(Postgres, "'{}'::jsonb", "json"), some("'{}'"));
    assert_eq!(default(Mysql, "('{}')", "json"), some("'{}'"));
    // No default.
    assert_eq!(default(Mysql, "NULL", "integer"), None);
    assert_eq!(
        default(Postgres, "NULL::character varying", "string(3)"),
        None
    );
    assert_eq!(default(Sqlite, "  ", "integer"), None);
}

#[test]
fn numeric_defaults_compare_as_numbers() {
    let some = |s: &str| Some(s.to_string());
    assert_eq!(default(Mysql, "0.00", "decimal(10,2)"), some("0"));
    assert_eq!(default(Postgres, "0", "decimal(10,2)"), some("0"));
    assert_eq!(default(Mysql, "0.50", "decimal(10,2)"), some("0.5"));
    assert_eq!(default(Postgres, "'-1'::integer", "smallint"), some("-1"));
    assert_eq!(default(Sqlite, "-1", "smallint"), some("-1"));
    assert_eq!(default(Mysql, "-0.0", "double"), some("0"));
    assert_eq!(default(Sqlite, "(007)", "integer"), some("7"));
    assert_eq!(default(Mysql, "'12.30'", "decimal(5,2)"), some("12.3"));
    assert_eq!(default(Postgres, "1.5e3", "double"), some("1.5e3"));
    // Text that looks like a number stays text.
    assert_eq!(default(Sqlite, "'0.0'", "text"), some("'0.0'"));
    // An expression stays one.
    assert_eq!(default(Mysql, "(1 + 2)", "integer"), some("1 + 2"));
    assert_eq!(default(Sqlite, "1+2", "integer"), some("1 + 2"));
}

#[test]
fn boolean_defaults_are_true_or_false() {
    let some = |s: &str| Some(s.to_string());
    assert_eq!(default(Postgres, "true", "boolean"), some("true"));
    assert_eq!(default(Postgres, "false", "boolean"), some("false"));
    assert_eq!(default(Mysql, "1", "boolean"), some("true"));
    assert_eq!(default(Mysql, "0", "boolean"), some("false"));
    assert_eq!(default(Mysql, "b'1'", "boolean"), some("true"));
    assert_eq!(default(Sqlite, "'t'", "boolean"), some("true"));
    assert_eq!(default(Sqlite, "TRUE", "boolean"), some("true"));
    // Only on a boolean column.
    assert_eq!(default(Mysql, "1", "integer"), some("1"));
}

#[test]
fn every_spelling_of_now_is_current_timestamp() {
    for (engine, raw) in [
        (Postgres, "CURRENT_TIMESTAMP"),
        (Postgres, "now()"),
        (Postgres, "LOCALTIMESTAMP"),
        (Mysql, "current_timestamp()"),
        (Mysql, "current_timestamp(6)"),
        (Mysql, "CURRENT_TIMESTAMP"),
        (Sqlite, "CURRENT_TIMESTAMP"),
        (Sqlite, "(current_timestamp)"),
    ] {
        assert_eq!(
            default(engine, raw, "timestamp").as_deref(),
            Some("current_timestamp"),
            "{engine} {raw}"
        );
    }
    assert_eq!(
        default(Sqlite, "CURRENT_DATE", "date").as_deref(),
        Some("current_date")
    );
}

#[test]
fn expressions_are_written_one_way() {
    // One check as PostgreSQL, MariaDB and SQLite keep it.
    assert_eq!(expression(Postgres, "d >= 0::numeric"), "d >= 0");
    assert_eq!(expression(Postgres, "((d >= (0)::numeric))"), "d >= 0");
    assert_eq!(expression(Mysql, "`d` >= 0"), "d >= 0");
    assert_eq!(expression(Sqlite, "\"d\"   >=\n 0"), "d >= 0");
    assert_eq!(expression(Sqlite, "[d]>=0"), "d >= 0");
    // Quoted names keep what needs quotes.
    assert_eq!(expression(Postgres, "\"Email\" <> ''"), "\"Email\" <> ''");
    assert_eq!(expression(Mysql, "`Email` <> \"x\""), "\"Email\" <> 'x'");
    // Functions, signs, keywords, casts with multi-word types.
    assert_eq!(
        expression(Postgres, "lower((h)::text) , -1"),
        "lower(h), -1"
    );
    assert_eq!(
        expression(Postgres, "(a > 0) AND (b IN (1,2))"),
        "(a > 0) and (b in (1, 2))"
    );
    assert_eq!(
        expression(
            Postgres,
            "x::character varying(10)::timestamp without time zone"
        ),
        "x"
    );
    assert_eq!(expression(Postgres, "a - -1"), "a - -1");
    assert_eq!(expression(Postgres, "f(a) - 1"), "f(a) - 1");
    assert_eq!(expression(Mysql, "'unterminated"), "'unterminated");
    // MySQL 8's character set introducers.
    assert_eq!(
        expression(Mysql, "(`since` > _utf8mb4'2000-01-01')"),
        "since > '2000-01-01'"
    );
}

#[test]
fn foreign_key_actions() {
    assert_eq!(referential_action(Sqlite, "NO ACTION"), "no action");
    assert_eq!(referential_action(Sqlite, "RESTRICT"), "restrict");
    assert_eq!(referential_action(Postgres, "restrict"), "restrict");
    assert_eq!(referential_action(Mysql, "RESTRICT"), "no action");
    assert_eq!(referential_action(Mysql, "NO ACTION"), "no action");
    assert_eq!(referential_action(Mysql, "SET NULL"), "set null");
    assert_eq!(referential_action(Sqlite, "SET_DEFAULT"), "set default");
    assert_eq!(referential_action(Sqlite, ""), "no action");
}

fn column(name: &str, data_type: &str, nullable: bool) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: None,
        auto_increment: false,
    }
}

/// `orders (id, customer_id, placed_at, total)` with a key, an index, a
/// foreign key and a check; `customers (id)`; a view, a trigger and a
/// sequence.
fn shop() -> Schema {
    let mut orders = Table::new("orders");
    orders.columns = vec![
        Column {
            auto_increment: true,
            ..column("id", "integer", false)
        },
        column("customer_id", "integer", false),
        column("placed_at", "timestamp", false),
        Column {
            default: Some("0".into()),
            ..column("total", "decimal(10,2)", false)
        },
    ];
    orders.primary_key = vec!["id".into()];
    orders.indexes = vec![Index {
        name: "orders_customer_idx".into(),
        unique: false,
        columns: vec!["customer_id".into()],
        predicate: None,
    }];
    orders.foreign_keys = vec![ForeignKey {
        name: Some("orders_customer_fkey".into()),
        columns: vec!["customer_id".into()],
        referenced_table: "customers".into(),
        referenced_columns: vec!["id".into()],
        on_delete: "cascade".into(),
        on_update: "no action".into(),
    }];
    orders.checks = vec![Check {
        name: Some("positive".into()),
        expression: "total >= 0".into(),
    }];
    let mut customers = Table::new("customers");
    customers.columns = vec![column("id", "integer", false)];
    customers.primary_key = vec!["id".into()];
    let mut schema = Schema::default();
    schema.tables.insert("orders".into(), orders);
    schema.tables.insert("customers".into(), customers);
    schema.views.insert(
        "big".into(),
        View {
            name: "big".into(),
            definition: "select id from orders where total > 100".into(),
        },
    );
    schema.triggers.insert(
        "stamp".into(),
        Trigger {
            name: "stamp".into(),
            table: "orders".into(),
            definition: "create trigger stamp before insert on orders".into(),
        },
    );
    schema.sequences.insert(
        "ticket".into(),
        Sequence {
            name: "ticket".into(),
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cycle: false,
        },
    );
    schema
}

fn words(differences: &[Difference]) -> Vec<String> {
    differences.iter().map(ToString::to_string).collect()
}

#[test]
fn equal_schemas_have_no_difference() {
    assert!(diff(&shop(), &shop()).is_empty());
    assert!(diff(&Schema::default(), &Schema::default()).is_empty());
}

#[test]
fn column_changes_say_which_attributes_changed() {
    let before = shop();
    let mut after = shop();
    let orders = after.tables.get_mut("orders").unwrap();
    orders.columns[2].data_type = "string(20)".into();
    orders.columns[2].nullable = true;
    orders.columns[3].default = None;
    orders.columns[0].auto_increment = false;
    let differences = diff(&before, &after);
    assert_eq!(
        words(&differences),
        [
            "column orders.id: auto_increment → no auto_increment",
            "column orders.placed_at: type timestamp → string(20), NOT NULL → NULL",
            "column orders.total: default 0 → none",
        ]
    );
    assert_eq!(
        differences[1],
        Difference::ColumnChanged {
            table: "orders".into(),
            column: "placed_at".into(),
            changes: vec![
                ColumnChange::DataType {
                    before: "timestamp".into(),
                    after: "string(20)".into()
                },
                ColumnChange::Nullable {
                    before: false,
                    after: true
                },
            ],
        }
    );
    assert!(differences.iter().all(|d| !d.is_minor()));
}

#[test]
fn added_removed_and_reordered_columns() {
    let before = shop();
    let mut after = shop();
    let orders = after.tables.get_mut("orders").unwrap();
    // total re-created: last, as SQLite and PostgreSQL put it; placed_at
    // dropped; note added.
    let total = orders.columns.remove(3);
    orders.columns.remove(2);
    orders.columns.insert(0, total);
    orders.columns.push(Column {
        default: Some("''".into()),
        ..column("note", "text", true)
    });
    let differences = diff(&before, &after);
    assert_eq!(
        words(&differences),
        [
            "column orders.placed_at removed (was timestamp NOT NULL)",
            "column orders.note added: text NULL DEFAULT ''",
            "columns of orders in another order: id, customer_id, total → total, id, customer_id",
        ]
    );
    assert!(differences[2].is_minor());
    assert_eq!(
        diff(
            &before.ignoring_column_order(),
            &shop().ignoring_column_order()
        ),
        []
    );
}

#[test]
fn keys_indexes_and_checks() {
    let before = shop();
    let mut after = shop();
    let orders = after.tables.get_mut("orders").unwrap();
    orders.primary_key = vec!["id".into(), "customer_id".into()];
    orders.indexes[0].unique = true;
    orders.indexes[0].predicate = Some("total > 0".into());
    orders.indexes.push(Index {
        name: "orders_total_idx".into(),
        unique: false,
        columns: vec!["(total * 2)".into(), "id desc".into()],
        predicate: None,
    });
    orders.foreign_keys[0].on_delete = "set null".into();
    orders.checks[0].expression = "total > 0".into();
    after
        .tables
        .get_mut("customers")
        .unwrap()
        .primary_key
        .clear();
    assert_eq!(
        words(&diff(&before, &after)),
        [
            "primary key of customers: (id) → none",
            "primary key of orders: (id) → (id, customer_id)",
            "index orders.orders_customer_idx: (customer_id) → UNIQUE (customer_id) WHERE total > 0",
            "index orders.orders_total_idx added: ((total * 2), id desc)",
            "foreign key orders.orders_customer_fkey: (customer_id) references customers (id), on delete cascade, on update no action → (customer_id) references customers (id), on delete set null, on update no action",
            "check orders.positive removed (was total >= 0)",
            "check orders.positive added: total > 0",
        ]
    );
    assert_eq!(
        words(&diff(&after, &before))[3],
        "index orders.orders_total_idx removed (was ((total * 2), id desc))"
    );
}

#[test]
fn foreign_keys_without_names_pair_by_columns_and_table() {
    let unnamed = |on_delete: &str| ForeignKey {
        name: None,
        columns: vec!["customer_id".into()],
        referenced_table: "customers".into(),
        referenced_columns: vec!["id".into()],
        on_delete: on_delete.into(),
        on_update: "no action".into(),
    };
    let mut before = shop();
    before.tables.get_mut("orders").unwrap().foreign_keys = vec![unnamed("cascade")];
    let mut after = before.clone();
    after.tables.get_mut("orders").unwrap().foreign_keys = vec![unnamed("restrict")];
    let differences = diff(&before, &after);
    assert_eq!(differences.len(), 1);
    assert!(
        differences[0]
            .to_string()
            .starts_with("foreign key (customer_id) on orders: "),
        "{}",
        differences[0]
    );
    after.tables.get_mut("orders").unwrap().foreign_keys.clear();
    assert_eq!(
        words(&diff(&before, &after)),
        [
            "foreign key (customer_id) on orders removed (was (customer_id) references customers (id), on delete cascade, on update no action)"
        ]
    );
    assert_eq!(
        words(&diff(&after, &before)),
        [
            "foreign key (customer_id) on orders added: (customer_id) references customers (id), on delete cascade, on update no action"
        ]
    );
}

#[test]
fn tables_views_triggers_and_sequences() {
    let before = shop();
    let mut after = shop();
    after.tables.remove("customers");
    after.tables.insert("audit".into(), Table::new("audit"));
    after.views.get_mut("big").unwrap().definition = "select id from orders".into();
    after.views.insert(
        "all_orders".into(),
        View {
            name: "all_orders".into(),
            definition: "select * from orders".into(),
        },
    );
    after.triggers.clear();
    let ticket = after.sequences.get_mut("ticket").unwrap();
    ticket.start = 10;
    ticket.cycle = true;
    let differences = diff(&before, &after);
    assert_eq!(
        words(&differences),
        [
            "table audit added",
            "table customers removed",
            "view all_orders added",
            "view big: select id from orders where total > 100 → select id from orders",
            "trigger stamp on orders removed",
            "sequence ticket: start 1 → 10, cycle false → true",
        ]
    );
    let reverse = diff(&after, &before);
    assert_eq!(
        words(&reverse)[..3],
        [
            "table audit removed",
            "table customers added",
            "view all_orders removed"
        ]
    );
}

#[test]
fn differences_serialize_with_their_kind() {
    let mut after = shop();
    after.tables.get_mut("orders").unwrap().columns[3].default = Some("1".into());
    let json = serde_json::to_value(diff(&shop(), &after)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "kind": "column_changed",
            "table": "orders",
            "column": "total",
            "changes": [{ "attribute": "default", "before": "0", "after": "1" }],
        }])
    );
    let schema = serde_json::to_value(shop()).unwrap();
    assert_eq!(
        schema["tables"]["orders"]["columns"][0],
        serde_json::json!({
            "name": "id", "data_type": "integer", "nullable": false,
            "default": null, "auto_increment": true,
        })
    );
}

#[test]
fn tables_sort_their_lists() {
    let mut table = Table::new("t");
    let index = |name: &str| Index {
        name: name.into(),
        ..Index::default()
    };
    table.indexes = vec![index("b"), index("a")];
    let check = |name: Option<&str>, expression: &str| Check {
        name: name.map(String::from),
        expression: expression.into(),
    };
    table.checks = vec![
        check(Some("z"), "a"),
        check(None, "b"),
        check(Some("a"), "c"),
    ];
    let fk = |column: &str| ForeignKey {
        columns: vec![column.into()],
        ..ForeignKey::default()
    };
    table.foreign_keys = vec![fk("b"), fk("a")];
    let table = table.sorted();
    assert_eq!(
        table
            .indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        table
            .checks
            .iter()
            .map(|c| c.expression.as_str())
            .collect::<Vec<_>>(),
        ["b", "c", "a"]
    );
    assert_eq!(table.foreign_keys[0].columns, ["a"]);
}
