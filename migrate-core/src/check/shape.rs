//! What a statement does, read from its tokens: which table it creates,
//! alters, empties or drops, and each action of an `ALTER TABLE`. Enough of
//! each engine's grammar to name the objects; anything else reads as
//! [`Shape::Other`].

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::lexed::{Lexed, Name};

impl Lexed {
    /// What the statement does, as far as its words tell.
    pub fn shape(&self) -> Shape {
        let head = self.head(3);
        match head.first().copied() {
            Some("CREATE") => self.create(),
            Some("ALTER") => self.alter(),
            Some("DROP") => self.drop(),
            Some("RENAME") if self.is(1, &["TABLE"]) => self.rename_table(),
            Some("DELETE") => {
                let i = self.skip_any(1, &["LOW_PRIORITY", "QUICK", "IGNORE"]);
                let i = if self.is(i, &["FROM"]) { i + 1 } else { i };
                let i = self.skip(i, &[&["ONLY"]]);
                self.name_at(i)
                    .map_or(Shape::Other, |(table, _)| Shape::Delete { table })
            }
            Some("UPDATE") => {
                let i = self.skip(1, &[&["OR"]]);
                let i = if i > 1 { i + 1 } else { i };
                let i = self.skip_any(i, &["LOW_PRIORITY", "IGNORE", "ONLY"]);
                self.name_at(i)
                    .map_or(Shape::Other, |(table, _)| Shape::Update { table })
            }
            Some("TRUNCATE") => {
                let i = self.skip(1, &[&["TABLE"], &["ONLY"]]);
                let tables = self.names_list(i);
                if tables.is_empty() {
                    Shape::Other
                } else {
                    Shape::Truncate { tables }
                }
            }
            Some("INSERT" | "REPLACE") => self.insert(),
            _ => Shape::Other,
        }
    }

    /// Names separated by commas from `i`.
    fn names_list(&self, mut i: usize) -> Vec<Name> {
        let mut names = Vec::new();
        while let Some((name, next)) = self.name_at(i) {
            names.push(name);
            if matches!(self.token(next), Some(Token::Comma)) {
                i = next + 1;
            } else {
                break;
            }
        }
        names
    }

    fn create(&self) -> Shape {
        let i = self.skip(1, &[&["OR", "REPLACE"]]);
        let i = self.skip_any(i, &["TEMP", "TEMPORARY", "GLOBAL", "LOCAL", "UNLOGGED"]);
        if self.is(i, &["TABLE"]) {
            let i = self.skip(i + 1, &[&["IF", "NOT", "EXISTS"]]);
            let Some((table, after)) = self.name_at(i) else {
                return Shape::Other;
            };
            let body = matches!(self.token(after), Some(Token::LParen))
                .then(|| after + 1..self.close_paren(after));
            return Shape::CreateTable { table, body };
        }
        if self.is(i, &["SCHEMA", "DATABASE"]) {
            let i = self.skip(i + 1, &[&["IF", "NOT", "EXISTS"]]);
            return self
                .name_at(i)
                .map_or(Shape::Other, |(name, _)| Shape::CreateSchema { name });
        }
        let kind_at = self.skip_any(i, &["UNIQUE", "FULLTEXT", "SPATIAL"]);
        if !self.is(kind_at, &["INDEX"]) {
            return Shape::Other;
        }
        let kind = if self.is(i, &["FULLTEXT"]) {
            IndexKind::Fulltext
        } else if self.is(i, &["SPATIAL"]) {
            IndexKind::Spatial
        } else {
            IndexKind::Plain
        };
        let concurrently = self.is(kind_at + 1, &["CONCURRENTLY"]);
        let mut i = self.skip(kind_at + 1, &[&["CONCURRENTLY"], &["IF", "NOT", "EXISTS"]]);
        if !self.is(i, &["ON"]) {
            match self.name_at(i) {
                Some((_, next)) => i = next,
                None => return Shape::Other,
            }
        }
        if !self.is(i, &["ON"]) {
            return Shape::Other;
        }
        let i = self.skip(i + 1, &[&["ONLY"]]);
        self.name_at(i)
            .map_or(Shape::Other, |(table, _)| Shape::CreateIndex {
                table,
                concurrently,
                kind,
            })
    }

    fn alter(&self) -> Shape {
        let i = self.skip_any(1, &["ONLINE", "IGNORE"]);
        if !self.is(i, &["TABLE"]) {
            return Shape::Other;
        }
        let i = self.skip(i + 1, &[&["IF", "EXISTS"], &["ONLY"]]);
        let Some((table, mut after)) = self.name_at(i) else {
            return Shape::Other;
        };
        if matches!(self.token(after), Some(Token::Mul)) {
            after += 1;
        }
        let actions = self
            .split_commas(after..self.len())
            .into_iter()
            .map(|range| (self.action(range.clone()), range))
            .collect();
        Shape::AlterTable { table, actions }
    }

    fn drop(&self) -> Shape {
        let i = self.skip(1, &[&["TEMPORARY"]]);
        let temporary = i > 1;
        if self.is(i, &["TABLE"]) {
            let i = self.skip(i + 1, &[&["IF", "EXISTS"]]);
            let tables = self.names_list(i);
            return if tables.is_empty() {
                Shape::Other
            } else {
                Shape::DropTable { tables, temporary }
            };
        }
        if self.is(i, &["SCHEMA", "DATABASE"]) {
            let i = self.skip(i + 1, &[&["IF", "EXISTS"]]);
            if let Some((name, _)) = self.name_at(i) {
                return Shape::DropSchema { name };
            }
        }
        Shape::Other
    }

    fn rename_table(&self) -> Shape {
        let mut renames = Vec::new();
        for part in self.split_commas(2..self.len()) {
            let Some((from, next)) = self.name_at(part.start) else {
                return Shape::Other;
            };
            if !self.is(next, &["TO"]) {
                return Shape::Other;
            }
            let Some((to, _)) = self.name_at(next + 1) else {
                return Shape::Other;
            };
            renames.push((from, to));
        }
        Shape::RenameTable { renames }
    }

    fn insert(&self) -> Shape {
        let replace = self.is(0, &["REPLACE"]);
        let mut i = 1;
        let mut overwrites = replace;
        if self.is(i, &["OR"]) {
            overwrites |= self.is(i + 1, &["REPLACE"]);
            i += 2;
        }
        let i = self.skip_any(i, &["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"]);
        let i = self.skip(i, &[&["INTO"]]);
        overwrites |= self.find(&["ON", "DUPLICATE", "KEY", "UPDATE"]).is_some();
        if let Some(on) = self.find(&["ON", "CONFLICT"]) {
            overwrites |= self.has_in(on..self.len(), &["DO", "UPDATE"]);
        }
        self.name_at(i)
            .map_or(Shape::Other, |(table, _)| Shape::Insert {
                table,
                overwrites,
            })
    }

    /// One action of an `ALTER TABLE`.
    fn action(&self, range: Range<usize>) -> Action {
        let i = range.start;
        let end = range.end;
        let Some(first) = self.word(i) else {
            return Action::Other;
        };
        match first {
            "ADD" => {
                let j = i + 1;
                if self.is(j, &["CONSTRAINT"]) {
                    // `CONSTRAINT name` and then the constraint itself.
                    let after = self.name_at(j + 1).map_or(j + 1, |(_, n)| n);
                    return self.add_constraint(after, end);
                }
                if self.is(
                    j,
                    &[
                        "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "FULLTEXT",
                        "SPATIAL", "EXCLUDE",
                    ],
                ) {
                    return self.add_constraint(j, end);
                }
                if self.is(j, &["PARTITION", "PROJECTION"]) {
                    return Action::Other;
                }
                let j = self.skip(j, &[&["COLUMN"], &["IF", "NOT", "EXISTS"]]);
                self.column_def(j, end)
                    .map_or(Action::Other, Action::AddColumn)
            }
            "DROP" => {
                let j = i + 1;
                if self.at(j, &["PRIMARY", "KEY"]) {
                    return Action::DropPrimaryKey;
                }
                if self.is(
                    j,
                    &[
                        "CONSTRAINT",
                        "INDEX",
                        "KEY",
                        "FOREIGN",
                        "CHECK",
                        "PARTITION",
                        "DEFAULT",
                        "PROJECTION",
                    ],
                ) {
                    return Action::Other;
                }
                let j = self.skip(j, &[&["COLUMN"], &["IF", "EXISTS"]]);
                match self.name_at(j) {
                    Some((column, next)) if next <= end => Action::DropColumn(column),
                    _ => Action::Other,
                }
            }
            "ALTER" => {
                let j = self.skip(i + 1, &[&["COLUMN"]]);
                let Some((column, j)) = self.name_at(j) else {
                    return Action::Other;
                };
                if self.at(j, &["SET", "NOT", "NULL"]) {
                    return Action::SetNotNull { column };
                }
                let ty_at = if self.at(j, &["SET", "DATA", "TYPE"]) {
                    Some(j + 3)
                } else if self.is(j, &["TYPE"]) {
                    Some(j + 1)
                } else {
                    None
                };
                match ty_at {
                    Some(t) => {
                        let using = self.find_in(t..end, &["USING"]);
                        Action::AlterType {
                            using: using.is_some_and(|u| !self.same_column(u + 1, end, &column)),
                            column,
                            ty: self.type_at(t, end).0,
                        }
                    }
                    None => Action::Other,
                }
            }
            "MODIFY" => {
                let j = self.skip(i + 1, &[&["COLUMN"]]);
                self.column_def(j, end)
                    .map_or(Action::Other, Action::Modify)
            }
            "CHANGE" => {
                let j = self.skip(i + 1, &[&["COLUMN"]]);
                match self.name_at(j) {
                    Some((old, next)) => self
                        .column_def(next, end)
                        .map_or(Action::Other, |def| Action::Change { old, def }),
                    None => Action::Other,
                }
            }
            "RENAME" => {
                if self.is(i + 1, &["TO", "AS"]) {
                    return self
                        .name_at(i + 2)
                        .map_or(Action::Other, |(to, _)| Action::RenameTo(to));
                }
                if !self.is(i + 1, &["COLUMN", "INDEX", "KEY", "CONSTRAINT"]) {
                    // `RENAME old TO new` renames a column on PostgreSQL
                    // and SQLite; MySQL's `RENAME new_name` renames the table.
                    if let Some((_, next)) = self.name_at(i + 1)
                        && !self.is(next, &["TO"])
                    {
                        return self
                            .name_at(i + 1)
                            .map_or(Action::Other, |(to, _)| Action::RenameTo(to));
                    }
                }
                Action::Rename
            }
            "CONVERT" if self.at(i + 1, &["TO"]) => Action::ConvertCharset,
            "ALGORITHM" => {
                let j = if matches!(self.token(i + 1), Some(Token::Eq)) {
                    i + 2
                } else {
                    i + 1
                };
                Action::Algorithm(self.word(j).unwrap_or_default().to_string())
            }
            "ENGINE" | "CHARSET" | "FORCE" | "ROW_FORMAT" => Action::Rebuild(first.to_string()),
            "DEFAULT" | "CHARACTER" if self.has_in(i..end, &["CHARSET"]) => {
                Action::Rebuild("CHARSET".into())
            }
            "DEFAULT" | "CHARACTER" if self.has_in(i..end, &["CHARACTER", "SET"]) => {
                Action::Rebuild("CHARACTER SET".into())
            }
            _ => Action::Other,
        }
    }

    /// Whether the expression from `i` to `end` is the column itself, or
    /// the column cast to a type (`c::varchar(200)`): what PostgreSQL
    /// does without `USING`.
    fn same_column(&self, i: usize, end: usize, column: &Name) -> bool {
        match self.name_at(i) {
            Some((name, next)) if name.key == column.key => {
                next >= end || matches!(self.token(next), Some(Token::DoubleColon))
            }
            _ => false,
        }
    }

    fn add_constraint(&self, i: usize, end: usize) -> Action {
        let kind = match self.word(i) {
            Some("PRIMARY") => Constraint::PrimaryKey,
            Some("UNIQUE") => Constraint::Unique,
            Some("FOREIGN") => Constraint::ForeignKey,
            Some("CHECK") => Constraint::Check,
            Some("INDEX" | "KEY") => Constraint::Index(IndexKind::Plain),
            Some("FULLTEXT") => Constraint::Index(IndexKind::Fulltext),
            Some("SPATIAL") => Constraint::Index(IndexKind::Spatial),
            _ => Constraint::Other,
        };
        Action::AddConstraint {
            kind,
            not_valid: self.has_in(i..end, &["NOT", "VALID"]),
            using_index: self.has_in(i..end, &["USING", "INDEX"]),
        }
    }

    /// A column definition starting with the column's name at `i`.
    pub fn column_def(&self, i: usize, end: usize) -> Option<ColumnDef> {
        let (name, after) = self.name_at(i)?;
        if after > end {
            return None;
        }
        let (ty, rest) = self.type_at(after, end);
        Some(ColumnDef {
            name,
            ty,
            rest: rest..end,
        })
    }

    /// The type written from `i`: its words, whether arguments follow
    /// them, whether it is an array; and where what follows it starts.
    pub fn type_at(&self, mut i: usize, end: usize) -> (TypeRef, usize) {
        let mut ty = TypeRef::default();
        while i < end {
            match self.token(i) {
                Some(Token::LParen) => {
                    ty.args = true;
                    i = self.close_paren(i) + 1;
                }
                Some(Token::LBracket) => {
                    ty.array = true;
                    i += 1;
                    while i < end && !matches!(self.token(i), Some(Token::RBracket)) {
                        i += 1;
                    }
                    i += 1;
                }
                Some(Token::Word(_)) => match self.word(i) {
                    Some(w) if !COLUMN_ATTRIBUTES.contains(&w) => {
                        ty.words.push(w.to_string());
                        i += 1;
                    }
                    _ => break,
                },
                _ => break,
            }
        }
        (ty, i.min(end))
    }

    /// The column definitions of a `CREATE TABLE` body, leaving out the
    /// table constraints.
    pub fn body_columns(&self, body: Range<usize>) -> Vec<ColumnDef> {
        self.split_commas(body)
            .into_iter()
            .filter(|part| !self.is(part.start, TABLE_CONSTRAINTS))
            .filter_map(|part| self.column_def(part.start, part.end))
            .collect()
    }
}

/// Words that start a table constraint, not a column, in a table's body.
const TABLE_CONSTRAINTS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "CHECK",
    "KEY",
    "INDEX",
    "FULLTEXT",
    "SPATIAL",
    "EXCLUDE",
    "LIKE",
    "PERIOD",
];

/// Words that end a column's type: the column's constraints and
/// attributes.
const COLUMN_ATTRIBUTES: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "CONSTRAINT",
    "GENERATED",
    "AUTO_INCREMENT",
    "AUTOINCREMENT",
    "COLLATE",
    "COMMENT",
    "ON",
    "AS",
    "KEY",
    "FIRST",
    "AFTER",
    "IDENTITY",
    "CHARACTER",
    "CHARSET",
    "VISIBLE",
    "INVISIBLE",
    "STORED",
    "VIRTUAL",
    "USING",
];

/// What a statement does, as far as its words tell.
#[derive(Debug, Clone)]
pub(super) enum Shape {
    /// `CREATE [TEMPORARY] TABLE t (...)`.
    CreateTable {
        /// The table.
        table: Name,
        /// The tokens between the parentheses, when there are any.
        body: Option<Range<usize>>,
    },
    /// `ALTER TABLE t action, ...`.
    AlterTable {
        /// The table.
        table: Name,
        /// Each action with its tokens.
        actions: Vec<(Action, Range<usize>)>,
    },
    /// `DROP [TEMPORARY] TABLE t, ...`.
    DropTable {
        /// The tables.
        tables: Vec<Name>,
        /// MySQL's `DROP TEMPORARY TABLE`.
        temporary: bool,
    },
    /// `CREATE SCHEMA s` or `CREATE DATABASE d`.
    CreateSchema {
        /// The schema.
        name: Name,
    },
    /// `DROP SCHEMA s` or `DROP DATABASE d`.
    DropSchema {
        /// The schema.
        name: Name,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] ... ON t`.
    CreateIndex {
        /// The table.
        table: Name,
        /// PostgreSQL's `CONCURRENTLY`.
        concurrently: bool,
        /// MySQL's FULLTEXT and SPATIAL indexes.
        kind: IndexKind,
    },
    /// `DELETE FROM t`.
    Delete {
        /// The table.
        table: Name,
    },
    /// `UPDATE t`.
    Update {
        /// The table.
        table: Name,
    },
    /// `TRUNCATE t, ...`.
    Truncate {
        /// The tables.
        tables: Vec<Name>,
    },
    /// `INSERT INTO t` or `REPLACE INTO t`.
    Insert {
        /// The table.
        table: Name,
        /// It may overwrite existing rows (`REPLACE`, `ON DUPLICATE KEY
        /// UPDATE`, `ON CONFLICT ... DO UPDATE`).
        overwrites: bool,
    },
    /// MySQL's `RENAME TABLE a TO b, ...`.
    RenameTable {
        /// Each (old, new).
        renames: Vec<(Name, Name)>,
    },
    /// Anything else.
    Other,
}

/// The kinds of index MySQL builds differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IndexKind {
    /// A B-tree index.
    Plain,
    /// `FULLTEXT`.
    Fulltext,
    /// `SPATIAL`.
    Spatial,
}

/// The kind of a constraint added by `ALTER TABLE ... ADD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Constraint {
    /// `PRIMARY KEY`.
    PrimaryKey,
    /// `UNIQUE`.
    Unique,
    /// `FOREIGN KEY`.
    ForeignKey,
    /// `CHECK`.
    Check,
    /// MySQL's `ADD INDEX`/`ADD KEY`.
    Index(IndexKind),
    /// Anything else (`EXCLUDE`).
    Other,
}

/// One action of an `ALTER TABLE`.
#[derive(Debug, Clone)]
pub(super) enum Action {
    /// `ADD [COLUMN] c type ...`.
    AddColumn(ColumnDef),
    /// `ADD [CONSTRAINT k] ...`.
    AddConstraint {
        /// What is added.
        kind: Constraint,
        /// PostgreSQL's `NOT VALID`.
        not_valid: bool,
        /// PostgreSQL's `USING INDEX i`: the index is built already.
        using_index: bool,
    },
    /// `DROP [COLUMN] c`.
    DropColumn(Name),
    /// MySQL's `DROP PRIMARY KEY`.
    DropPrimaryKey,
    /// `ALTER [COLUMN] c [SET DATA] TYPE t [USING ...]`.
    AlterType {
        /// The column.
        column: Name,
        /// The new type.
        ty: TypeRef,
        /// A `USING` expression computes the new values.
        using: bool,
    },
    /// `ALTER [COLUMN] c SET NOT NULL`.
    SetNotNull {
        /// The column.
        column: Name,
    },
    /// MySQL's `MODIFY [COLUMN] c type ...`.
    Modify(ColumnDef),
    /// MySQL's `CHANGE [COLUMN] old new type ...`.
    Change {
        /// The column's name before.
        old: Name,
        /// Its definition after.
        def: ColumnDef,
    },
    /// `RENAME TO t`: the table is renamed.
    RenameTo(Name),
    /// Any other `RENAME` (a column, an index).
    Rename,
    /// MySQL's `CONVERT TO CHARACTER SET`.
    ConvertCharset,
    /// MySQL's `ALGORITHM = x`, upper-cased.
    Algorithm(String),
    /// A MySQL table option that rebuilds the table (`ENGINE`, `FORCE`,
    /// `CHARSET`, ...), by the word that sets it.
    Rebuild(String),
    /// Anything else.
    Other,
}

/// A column definition.
#[derive(Debug, Clone)]
pub(super) struct ColumnDef {
    /// The column.
    pub name: Name,
    /// Its type.
    pub ty: TypeRef,
    /// The tokens after the type: constraints and attributes.
    pub rest: Range<usize>,
}

/// A type as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TypeRef {
    /// Its words, upper-cased: `["DOUBLE", "PRECISION"]`.
    pub words: Vec<String>,
    /// Arguments in parentheses follow a word: `VARCHAR(10)`.
    pub args: bool,
    /// `[]` follows it.
    pub array: bool,
}

impl TypeRef {
    /// The first word, which names the type.
    pub fn head(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    /// The type as messages show it.
    pub fn shown(&self) -> String {
        let mut s = self.words.join(" ");
        if self.args {
            s.push_str("(...)");
        }
        if self.array {
            s.push_str("[]");
        }
        s
    }
}
