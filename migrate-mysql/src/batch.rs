//! Batches as one multi-statement request: MySQL runs the statements of a
//! request in order and stops at the first that fails, so a journal write,
//! its statement and the write that counts it cost one round trip, in or
//! out of a transaction.
//!
//! A multi-statement request goes through the text protocol, which has no
//! parameters: the core's values are written into the SQL as literals that
//! no `sql_mode` reads differently (text as a hex literal with a character
//! set introducer, so neither quotes nor backslashes matter).

use migrate_core::history::Value;

/// The items joined into one request, each parameter replaced by its
/// literal. A newline ends each item, so that a statement ending in a `--`
/// comment does not swallow the next.
pub(crate) fn request<'a>(items: impl Iterator<Item = (&'a str, Option<&'a [Value]>)>) -> String {
    let mut out = String::new();
    for (sql, params) in items {
        match params {
            None => out.push_str(sql),
            Some(params) => interpolate(sql, params, &mut out),
        }
        out.push_str("\n;\n");
    }
    out
}

/// Writes `sql` with each `?` outside quotes and backticks replaced by the
/// next parameter.
fn interpolate(sql: &str, params: &[Value], out: &mut String) {
    let mut params = params.iter();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"' | '`') => {
                quote = Some(c);
                out.push(c);
            }
            // A doubled quote closes and reopens: the same as staying in.
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => match params.next() {
                Some(value) => out.push_str(&literal(value)),
                None => out.push('?'),
            },
            _ => out.push(c),
        }
    }
}

/// A value as a MySQL literal.
fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_string(),
        Value::Int(n) => n.to_string(),
        Value::Text(s) => format!("_utf8mb4 X'{}'", hex::encode_upper(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_literals_outside_quotes() {
        let sql = "INSERT INTO `odd?table` (`a`, b) VALUES (?, ?, '?', ?)";
        let params = [Value::from("it's\\"), Value::Int(-3), Value::Null];
        let got = request([(sql, Some(&params[..])), ("SELECT 1 -- note", None)].into_iter());
        assert_eq!(
            got,
            "INSERT INTO `odd?table` (`a`, b) VALUES (_utf8mb4 X'697427735C', -3, '?', NULL)\n;\nSELECT 1 -- note\n;\n"
        );
    }

    #[test]
    fn empty_and_multibyte_text() {
        assert_eq!(literal(&Value::from("")), "_utf8mb4 X''");
        assert_eq!(literal(&Value::from("é")), "_utf8mb4 X'C3A9'");
    }
}
