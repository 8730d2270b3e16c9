//! Reading a portable migration file (`NNNN_name.toml`), with the line,
//! operation and field of every problem.
//!
//! ```toml
//! depends_on = ["patients:0001"]      # optional, same form as in .sql headers
//!
//! [[operations]]
//! op = "add_column"
//! table = "patient"
//! column = { name = "dob", type = "date", nullable = true }
//! ```
//!
//! The top level holds `operations` (required, at least one) and
//! `depends_on` (optional list of `app:prefix` strings, kept verbatim for
//! the source reader to check); any other key is an error. Each operation
//! is read on its own, so one bad operation does not hide problems in the
//! next ones; within an operation the first problem is reported.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::ops::{
    AddColumn, AddForeignKey, AlterColumn, CreateTable, DropColumn, DropForeignKey, DropIndex,
    DropTable, DropUnique, OPERATION_KINDS, Operation, RawAddForeignKey, RawAlterColumn,
    RawCreateTable, RenameColumn, RenameTable, SqlOp,
};
use super::ops::{AddUnique, CreateIndex};
use super::types::{FieldError, RawColumn};

/// A portable migration file, read and checked on its own (not yet against
/// a schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableMigration {
    /// `depends_on` entries, verbatim (`app:prefix`).
    pub depends_on: Vec<String>,
    /// For a squash: the full names of the migrations of its app it
    /// replaces (`replaces = [...]`).
    pub replaces: Vec<String>,
    /// The operations, in order.
    pub operations: Vec<Operation>,
    /// For each operation, the 1-based line where it starts (its
    /// `[[operations]]` header), to report later problems (such as
    /// [`super::SchemaState::apply_all`] errors) where they are.
    pub lines: Vec<usize>,
}

/// One problem in a portable migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// 1-based position of the operation at fault, if any.
    pub operation: Option<usize>,
    /// The field at fault inside the operation (`column.type`,
    /// `columns[2].length`; list positions count from 1), if known.
    pub field: Option<String>,
    /// The whole message: `operation 3 (add_column), field `column.type`:
    /// unknown variant ...`.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Reads a portable migration file. Every problem found is returned, each
/// with its line; a TOML syntax error stops the reading there.
pub fn parse(text: &str) -> Result<PortableMigration, Vec<ParseError>> {
    // A BOM has no newline in it, so lines stay right.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text);
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax
            .iter()
            .map(|e| ParseError {
                line: e.span().map(|s| lines.line(s.start)),
                operation: None,
                field: None,
                message: format!("invalid TOML: {}", e.message()),
            })
            .collect());
    }

    let mut errors = Vec::new();
    let mut depends_on = Vec::new();
    let mut replaces = Vec::new();
    let mut operations_value = None;
    for (key, value) in doc.into_inner() {
        match key.get_ref().as_ref() {
            "operations" => operations_value = Some(value),
            "depends_on" => {
                let span = value.span();
                match Vec::<String>::deserialize(ValueDeserializer::from(value)) {
                    Ok(deps) => depends_on = deps,
                    Err(e) => errors.push(ParseError {
                        line: Some(lines.line(e.span().unwrap_or(span).start)),
                        operation: None,
                        field: Some("depends_on".into()),
                        message: format!(
                            "`depends_on`: expected a list of \"app:prefix\" strings ({})",
                            e.message()
                        ),
                    }),
                }
            }
            "replaces" => {
                let span = value.span();
                match Vec::<String>::deserialize(ValueDeserializer::from(value)) {
                    Ok(names) => replaces = names,
                    Err(e) => errors.push(ParseError {
                        line: Some(lines.line(e.span().unwrap_or(span).start)),
                        operation: None,
                        field: Some("replaces".into()),
                        message: format!(
                            "`replaces`: expected a list of full migration names of this app, such as [\"0001_initial\"] ({})",
                            e.message()
                        ),
                    }),
                }
            }
            other => errors.push(ParseError {
                line: Some(lines.line(key.span().start)),
                operation: None,
                field: Some(other.to_string()),
                message: format!(
                    "unknown top-level key `{other}`, expected `operations`, `depends_on` or `replaces`"
                ),
            }),
        }
    }

    let mut operations = Vec::new();
    let mut op_lines = Vec::new();
    match operations_value {
        None => errors.push(ParseError {
            line: None,
            operation: None,
            field: None,
            message: "no operations: a portable migration lists them as `[[operations]]` tables"
                .to_string(),
        }),
        Some(value) => {
            let span = value.span();
            match value.into_inner() {
                DeValue::Array(items) if items.is_empty() => errors.push(ParseError {
                    line: Some(lines.line(span.start)),
                    operation: None,
                    field: None,
                    message: "`operations` is empty: a migration needs at least one operation"
                        .to_string(),
                }),
                DeValue::Array(items) => {
                    for (i, item) in items.into_iter().enumerate() {
                        let line = lines.line(item.span().start);
                        match read_operation(i + 1, item, &lines) {
                            Ok(op) => {
                                operations.push(op);
                                op_lines.push(line);
                            }
                            Err(e) => errors.push(e),
                        }
                    }
                }
                _ => errors.push(ParseError {
                    line: Some(lines.line(span.start)),
                    operation: None,
                    field: Some("operations".into()),
                    message:
                        "`operations` must be a list of tables: write each one as `[[operations]]`"
                            .to_string(),
                }),
            }
        }
    }

    if errors.is_empty() {
        Ok(PortableMigration {
            depends_on,
            replaces,
            operations,
            lines: op_lines,
        })
    } else {
        Err(errors)
    }
}

/// Reads the `index`-th (1-based) operation.
fn read_operation(
    index: usize,
    item: Spanned<DeValue<'_>>,
    lines: &LineIndex,
) -> Result<Operation, ParseError> {
    let item_span = item.span();
    let at = |span: Range<usize>, kind: Option<&str>, field: Option<String>, message: String| {
        let mut prefix = match kind {
            Some(kind) => format!("operation {index} ({kind})"),
            None => format!("operation {index}"),
        };
        if let Some(field) = field.as_deref().filter(|f| !f.is_empty()) {
            prefix.push_str(&format!(", field `{field}`"));
        }
        ParseError {
            line: Some(lines.line(span.start)),
            operation: Some(index),
            field: field.filter(|f| !f.is_empty()),
            message: format!("{prefix}: {message}"),
        }
    };

    let DeValue::Table(mut table) = item.get_ref().clone() else {
        return Err(at(
            item_span,
            None,
            None,
            format!("expected a table, found a {}", item.get_ref().type_str()),
        ));
    };
    let expected_ops = OPERATION_KINDS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(op_value) = table.remove("op") else {
        return Err(at(
            item_span,
            None,
            Some("op".into()),
            format!("missing `op`, expected one of {expected_ops}"),
        ));
    };
    let Some(kind) = op_value.get_ref().as_str() else {
        return Err(at(
            op_value.span(),
            None,
            Some("op".into()),
            format!(
                "expected the operation's name as a string, found a {}",
                op_value.get_ref().type_str()
            ),
        ));
    };
    let Some(kind) = OPERATION_KINDS.iter().copied().find(|k| *k == kind) else {
        return Err(at(
            op_value.span(),
            None,
            Some("op".into()),
            format!("unknown op `{kind}`, expected one of {expected_ops}"),
        ));
    };

    // The tree without `op`, kept to find the span of a field named by an
    // error.
    let tree = Spanned::new(item_span.clone(), DeValue::Table(table));
    let deserializer = || ValueDeserializer::from(tree.clone());
    let shape = |e: toml::de::Error| {
        let span = e.span().unwrap_or(item_span.clone());
        let (mut field, on_key) = path_at(&tree, span.start);
        // serde's "unknown field `x`" already names the field it points at.
        if on_key && e.message().starts_with("unknown field") {
            field = parent(&field);
        }
        at(span, Some(kind), Some(field), friendly(e.message()))
    };
    let semantic = |e: FieldError| {
        let span = locate(&tree, &e.field).unwrap_or(item_span.clone());
        at(span, Some(kind), Some(e.field), e.message)
    };

    fn raw<'de, R: Deserialize<'de>>(d: ValueDeserializer<'de>) -> Result<R, toml::de::Error> {
        R::deserialize(d)
    }
    let op = match kind {
        "create_table" => {
            let r: RawCreateTable = raw(deserializer()).map_err(shape)?;
            Operation::CreateTable(CreateTable::try_from(r).map_err(semantic)?)
        }
        "drop_table" => Operation::DropTable(raw::<DropTable>(deserializer()).map_err(shape)?),
        "rename_table" => {
            Operation::RenameTable(raw::<RenameTable>(deserializer()).map_err(shape)?)
        }
        "add_column" => {
            let r: RawAddColumn = raw(deserializer()).map_err(shape)?;
            let column = r
                .column
                .into_column()
                .map_err(|e| semantic(e.under("column")))?;
            Operation::AddColumn(AddColumn {
                table: r.table,
                column,
            })
        }
        "drop_column" => Operation::DropColumn(raw::<DropColumn>(deserializer()).map_err(shape)?),
        "alter_column" => {
            let r: RawAlterColumn = raw(deserializer()).map_err(shape)?;
            Operation::AlterColumn(AlterColumn::try_from(r).map_err(semantic)?)
        }
        "rename_column" => {
            Operation::RenameColumn(raw::<RenameColumn>(deserializer()).map_err(shape)?)
        }
        "create_index" => {
            Operation::CreateIndex(raw::<CreateIndex>(deserializer()).map_err(shape)?)
        }
        "drop_index" => Operation::DropIndex(raw::<DropIndex>(deserializer()).map_err(shape)?),
        "add_foreign_key" => {
            let r: RawAddForeignKey = raw(deserializer()).map_err(shape)?;
            Operation::AddForeignKey(AddForeignKey::from(r))
        }
        "drop_foreign_key" => {
            Operation::DropForeignKey(raw::<DropForeignKey>(deserializer()).map_err(shape)?)
        }
        "add_unique" => Operation::AddUnique(raw::<AddUnique>(deserializer()).map_err(shape)?),
        "drop_unique" => Operation::DropUnique(raw::<DropUnique>(deserializer()).map_err(shape)?),
        "sql" => Operation::Sql(raw::<SqlOp>(deserializer()).map_err(shape)?),
        _ => unreachable!("every name of OPERATION_KINDS is read above"),
    };
    // `validate` names fields as they are written in the operation's table
    // (an `add_foreign_key`'s fields sit at its top level, as in TOML).
    op.validate().map_err(semantic)?;
    Ok(op)
}

/// `add_column` as written in TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAddColumn {
    table: String,
    column: RawColumn,
}

/// Makes serde's wording plainer for people writing TOML.
fn friendly(message: &str) -> String {
    message
        .replace(
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        )
        .replace("expected a sequence", "expected a list")
        .replace("expected a borrowed string", "expected a string")
        .replace("unknown variant", "unknown value")
}

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    /// 1-based list position.
    Item(usize),
}

/// Splits `columns[2].type` into `columns`, item 2, `type`.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        for item in rest.split('[') {
            if let Ok(n) = item.trim_end_matches(']').parse::<usize>() {
                steps.push(Step::Item(n));
            }
        }
    }
    steps
}

/// The span of the field at `path` in `tree`: the key's span when the path
/// ends on a key (the line where the field is written), the item's span
/// when it ends on a list item; the deepest part that exists when the
/// field itself is missing.
fn locate(tree: &Spanned<DeValue<'_>>, path: &str) -> Option<Range<usize>> {
    let mut node = tree;
    let mut found = None;
    for step in steps(path) {
        match (step, node.get_ref()) {
            (Step::Key(key), DeValue::Table(table)) => {
                let Some((k, v)) = table.get_key_value(key) else {
                    break;
                };
                found = Some(k.span());
                node = v;
            }
            (Step::Item(n), DeValue::Array(items)) => {
                let Some(item) = n.checked_sub(1).and_then(|i| items.get(i)) else {
                    break;
                };
                found = Some(item.span());
                node = item;
            }
            _ => break,
        }
    }
    found
}

/// The path of the deepest key or list item of `tree` whose span holds
/// `offset`, such as `columns[2].type` (empty when none does), and whether
/// `offset` is on the key itself rather than its value.
fn path_at(tree: &Spanned<DeValue<'_>>, offset: usize) -> (String, bool) {
    let contains =
        |span: Range<usize>| span.start <= offset && offset < span.end.max(span.start + 1);
    match tree.get_ref() {
        DeValue::Table(table) => {
            for (key, value) in table.iter() {
                if contains(key.span()) {
                    return (key.get_ref().to_string(), true);
                }
                if contains(value.span()) {
                    let (rest, on_key) = path_at(value, offset);
                    return (join(key.get_ref(), &rest), on_key);
                }
            }
            (String::new(), false)
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if contains(item.span()) {
                    let (rest, on_key) = path_at(item, offset);
                    return (format!("[{}]{}", i + 1, dotted(&rest)), on_key);
                }
            }
            (String::new(), false)
        }
        _ => (String::new(), false),
    }
}

fn join(key: &str, rest: &str) -> String {
    if rest.is_empty() {
        key.to_string()
    } else if rest.starts_with('[') {
        format!("{key}{rest}")
    } else {
        format!("{key}.{rest}")
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

/// `columns[2].type` -> `columns[2]`; `table` -> ``.
fn parent(path: &str) -> String {
    match path.rfind(['.', '[']) {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

/// Byte offsets to 1-based lines.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_steps() {
        assert_eq!(
            steps("columns[2].type"),
            vec![Step::Key("columns"), Step::Item(2), Step::Key("type")]
        );
        assert_eq!(steps(""), vec![]);
        assert_eq!(steps("unique[1]"), vec![Step::Key("unique"), Step::Item(1)]);
        assert_eq!(parent("columns[2].type"), "columns[2]");
        assert_eq!(parent("columns[2]"), "columns");
        assert_eq!(parent("table"), "");
    }

    #[test]
    fn offsets_become_lines() {
        let index = LineIndex::new("a\nbc\n\nd");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(1), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(5), 3);
        assert_eq!(index.line(6), 4);
    }
}
