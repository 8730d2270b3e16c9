//! Reading the rows of catalog queries, for the engines' inspection.

use crate::backend::Backend;
use crate::error::Result;
use crate::history::Value;

/// One row of a catalog query, read by column; a missing column reads as
/// NULL.
pub(crate) struct Row(Vec<Value>);

impl Row {
    fn value(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    /// Column `i` as text; `None` for NULL.
    pub(crate) fn opt_text(&self, i: usize) -> Option<String> {
        match self.value(i) {
            Value::Text(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Null => None,
        }
    }

    /// Column `i` as text, empty for NULL.
    pub(crate) fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }

    /// Column `i` as an integer; `None` for NULL.
    pub(crate) fn opt_int(&self, i: usize) -> Option<i64> {
        self.value(i).as_int()
    }

    /// Column `i` as an integer, 0 for NULL.
    pub(crate) fn int(&self, i: usize) -> i64 {
        self.opt_int(i).unwrap_or(0)
    }

    /// Column `i` as a boolean (`1`, `t`, `true`).
    pub(crate) fn flag(&self, i: usize) -> bool {
        self.value(i).is_true()
    }
}

/// Runs one catalog query of an inspection.
pub(crate) async fn rows<B: Backend + ?Sized>(
    backend: &mut B,
    what: &str,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>> {
    let rows = backend.query(sql, params).await.map_err(|e| {
        e.in_context(format!(
            "cannot read the {what} of {} to inspect its schema",
            backend.target()
        ))
    })?;
    Ok(rows.into_iter().map(Row).collect())
}
