//! Names as the engine stores them, and rendering them back into SQL.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

use crate::dialect::SqlDialect;

/// What rendering an inverse needs: the engine's family and its quoting.
pub(super) struct Cx<'a> {
    /// The engine's family of syntax.
    pub dialect: SqlDialect,
    /// Quotes one identifier with the engine's quoting.
    pub quote: &'a dyn Fn(&str) -> String,
}

impl Cx<'_> {
    /// An identifier as the engine stores it: PostgreSQL folds unquoted
    /// names to lower case (ASCII letters only, as it does with UTF-8
    /// databases); MySQL and SQLite keep them as written, and so does the
    /// generic family, for want of a rule that fits every engine.
    pub fn ident(&self, ident: &Ident) -> String {
        if self.dialect == SqlDialect::Postgres && ident.quote_style.is_none() {
            ident.value.to_ascii_lowercase()
        } else {
            ident.value.clone()
        }
    }

    /// A possibly qualified name as the engine stores it; fails when a part
    /// is computed rather than written.
    pub fn name(&self, name: &ObjectName) -> Result<Name, String> {
        name.0
            .iter()
            .map(|part| match part {
                ObjectNamePart::Identifier(ident) => Ok(self.ident(ident)),
                ObjectNamePart::Function(_) => Err(format!(
                    "the name `{name}` is computed, so the object it names is not known from the text"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Name)
    }

    /// One stored identifier, quoted.
    pub fn q(&self, stored: &str) -> String {
        (self.quote)(stored)
    }

    /// A name, each part quoted.
    pub fn sql(&self, name: &Name) -> String {
        name.0
            .iter()
            .map(|p| self.q(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Whether the engine speaks PostgreSQL's forms (`DROP CONSTRAINT`,
    /// schema-scoped index names), which the generic family follows too.
    pub fn pg_like(&self) -> bool {
        matches!(self.dialect, SqlDialect::Postgres | SqlDialect::Generic)
    }
}

/// A name, possibly qualified, as the engine stores each part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name(pub Vec<String>);

impl Name {
    /// An unqualified name.
    pub fn single(part: String) -> Name {
        Name(vec![part])
    }

    /// The parts joined with dots: how probes and captures carry a name
    /// (`app.users` for a table `users` in schema or database `app`).
    pub fn stored(&self) -> String {
        self.0.join(".")
    }

    /// The object's own name, without its qualifier.
    pub fn last(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or_default()
    }

    /// Whether a schema or database qualifies it.
    pub fn is_qualified(&self) -> bool {
        self.0.len() > 1
    }

    /// The name `last` in the same schema as this one.
    pub fn with_last(&self, last: &str) -> Name {
        let mut parts = self.0.clone();
        parts.pop();
        parts.push(last.to_owned());
        Name(parts)
    }

    /// This name, qualified by `other`'s schema when it has none of its own
    /// (a PostgreSQL index or renamed table lives in its table's schema).
    pub fn in_schema_of(&self, other: &Name) -> Name {
        if self.is_qualified() {
            self.clone()
        } else {
            other.with_last(self.last())
        }
    }
}
