//! The rules that make two engines' descriptions of the same thing equal.
//!
//! Each engine's catalog queries call these on what the engine reports,
//! with the engine's family of syntax ([`SqlDialect`]), which decides how
//! its text is read (quotes, escapes) and the few rules that differ by
//! engine (MySQL's `timestamp` is an instant, a `char(36)` is how SQLite
//! and MySQL store a portable `uuid`).

use crate::dialect::SqlDialect;

use super::tokens::{self, Tok};

/// The normalized name of a column type the engine reports as `raw`.
///
/// | normalized | what engines report |
/// |---|---|
/// | `smallint`, `integer`, `bigint` | `int2`/`int4`/`int8`, `int`, MySQL's display widths (`int(11)`) |
/// | `boolean` | `bool`, MySQL's and SQLite's `tinyint(1)` |
/// | `string(N)` | `varchar(N)`, `character varying(N)` (`string` without a length) |
/// | `char(N)` | `char(N)`, `character(N)`, `bpchar` |
/// | `uuid` | `uuid`; on SQLite and MySQL `char(36)`, how the portable `uuid` is stored there |
/// | `text` | `text`, `tinytext`, `mediumtext`, `longtext`, `clob` |
/// | `decimal(P,S)` | `decimal`, `numeric` (`decimal` without precision) |
/// | `float`, `double` | `real`, `float4`, `float`; `double`, `double precision`, `float8` |
/// | `date` | `date` |
/// | `time`, `timestamp` | `time`, `datetime`, `timestamp` without time zone |
/// | `timestamp_tz` | `timestamptz`, `timestamp with time zone`; MySQL's `timestamp` (stored as UTC) |
/// | `binary` | `bytea`, `blob`, `tinyblob`, `mediumblob`, `longblob` |
/// | `json` | `json`, `jsonb` |
///
/// A fractional-seconds precision other than microseconds is kept
/// (`timestamp(0)` for MySQL's `datetime`, `timestamp(3)`): 6 is what the
/// portable format asks for and PostgreSQL's default. `unsigned` is kept
/// after the name (`integer unsigned`). Anything else is the engine's
/// name, lower-cased outside quotes, with its whitespace collapsed.
pub fn data_type(engine: SqlDialect, raw: &str) -> String {
    let whole = lower_outside_quotes(&collapse(raw));
    if whole.ends_with(']') || whole.contains('\'') {
        return whole;
    }
    let (head, args, tail) = match (whole.find('('), whole.rfind(')')) {
        (Some(open), Some(close)) if open < close => (
            &whole[..open],
            Some(whole[open + 1..close].replace(' ', "")),
            &whole[close + 1..],
        ),
        _ => (whole.as_str(), None, ""),
    };
    let mut words: Vec<&str> = head.split(' ').chain(tail.split(' ')).collect();
    words.retain(|w| !w.is_empty());
    let unsigned = words.contains(&"unsigned");
    words.retain(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"));
    let name = words.join(" ");
    let numbers: Vec<u32> = args
        .as_deref()
        .map(|a| a.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default();
    let signed = |base: &str| {
        if unsigned {
            format!("{base} unsigned")
        } else {
            base.to_string()
        }
    };
    // MySQL's temporal types without a precision have none; elsewhere no
    // precision means microseconds.
    let with_precision = |base: &str| {
        let default = if engine == SqlDialect::Mysql { 0 } else { 6 };
        match numbers.first().copied().unwrap_or(default) {
            6 => base.to_string(),
            p => format!("{base}({p})"),
        }
    };
    let not_postgres = engine != SqlDialect::Postgres;
    match name.as_str() {
        "tinyint" if args.as_deref() == Some("1") && !unsigned && not_postgres => "boolean".into(),
        "bool" | "boolean" => "boolean".into(),
        "tinyint" | "int1" => signed("tinyint"),
        "smallint" | "int2" => signed("smallint"),
        "mediumint" => signed("mediumint"),
        "int" | "integer" | "int4" => signed("integer"),
        "bigint" | "int8" => signed("bigint"),
        "varchar" | "character varying" | "nvarchar" | "national varchar" | "varchar2" => {
            match numbers.first() {
                Some(n) => format!("string({n})"),
                None => "string".into(),
            }
        }
        "char" | "character" | "bpchar" | "nchar" | "national char" => {
            match numbers.first().copied().unwrap_or(1) {
                36 if not_postgres => "uuid".into(),
                n => format!("char({n})"),
            }
        }
        "text" | "tinytext" | "mediumtext" | "longtext" | "clob" => "text".into(),
        "decimal" | "numeric" | "dec" | "fixed" => signed(&match numbers.as_slice() {
            [p, s] => format!("decimal({p},{s})"),
            [p] => format!("decimal({p},0)"),
            _ => "decimal".into(),
        }),
        "real" | "float4" => "float".into(),
        // MySQL's FLOAT(p) is a double from 25 digits on.
        "float" if numbers.first().is_some_and(|p| *p > 24) => signed("double"),
        "float" => signed("float"),
        "double" | "double precision" | "float8" => signed("double"),
        "date" => "date".into(),
        "time" | "time without time zone" => with_precision("time"),
        "timetz" | "time with time zone" => with_precision("time_tz"),
        "timestamp" if engine == SqlDialect::Mysql => with_precision("timestamp_tz"),
        "datetime" | "timestamp" | "timestamp without time zone" => with_precision("timestamp"),
        "timestamptz" | "timestamp with time zone" => with_precision("timestamp_tz"),
        "bytea" | "blob" | "tinyblob" | "mediumblob" | "longblob" => "binary".into(),
        "uuid" => "uuid".into(),
        "json" | "jsonb" => "json".into(),
        _ => whole,
    }
}

/// The normalized default of a column of (normalized) type `data_type`,
/// from the engine's text of it; `None` for no default (`NULL`).
///
/// Casts (`'x'::text`) and the parentheses engines put around a default
/// are taken off. Then:
/// - on a `boolean` column, `true`, `1`, `'1'`, `'t'`, `b'1'` are `true`
///   (and their opposites `false`);
/// - on a numeric column, a number (quoted or not) is written without
///   leading or trailing zeros (`0.00` is `0`, `'-1'` is `-1`);
/// - `current_timestamp`, `current_timestamp(6)`, `now()` and
///   `localtimestamp` are `current_timestamp`;
/// - a string is written in standard SQL quotes (`'it''s'`), whatever
///   quotes and escapes the engine used;
/// - anything else is an expression, normalized as [`expression`] does.
pub fn default_value(engine: SqlDialect, raw: &str, data_type: &str) -> Option<String> {
    let Some(tokens) = tokens::lex(engine, raw) else {
        return Some(collapse(raw));
    };
    let tokens = tokens::strip_parens(tokens::strip_casts(tokens));
    match tokens.as_slice() {
        [] => return None,
        [t] if t.is("null") => return None,
        _ => {}
    }
    if data_type == "boolean"
        && let Some(value) = boolean(&tokens)
    {
        return Some(value.to_string());
    }
    if is_numeric(data_type)
        && let Some(n) = number(&tokens)
    {
        return Some(n);
    }
    if is_now(&tokens) {
        return Some("current_timestamp".into());
    }
    Some(tokens::render(&tokens))
}

/// An expression (a check, an index expression or predicate, a view's
/// query, a trigger) in one spelling: whitespace collapsed, keywords and
/// unquoted names lower-cased, quoted names unquoted where they need no
/// quotes (`"a"`, `` `a` ``, `[a]` are `a`), strings in standard quotes,
/// PostgreSQL's casts taken off, and parentheses around the whole and
/// around a lone value removed. The engine's own rewriting (PostgreSQL
/// adds parentheses and casts, MySQL qualifies names) is otherwise kept.
pub fn expression(engine: SqlDialect, sql: &str) -> String {
    match tokens::lex(engine, sql) {
        Some(tokens) => tokens::normal(tokens),
        None => collapse(sql),
    }
}

/// A foreign key action in lower-case words: `no action`, `restrict`,
/// `cascade`, `set null`, `set default`. On MySQL `restrict` is `no
/// action`: InnoDB enforces both the same way and MariaDB reports
/// `RESTRICT` for a key that names neither. Nothing reported means `no
/// action`.
pub fn referential_action(engine: SqlDialect, raw: &str) -> String {
    let action = collapse(&raw.replace('_', " ")).to_ascii_lowercase();
    match action.as_str() {
        "" => "no action".into(),
        "restrict" if engine == SqlDialect::Mysql => "no action".into(),
        _ => action,
    }
}

/// `s` with runs of whitespace as one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` lower-cased except inside single quotes.
fn lower_outside_quotes(s: &str) -> String {
    let mut quoted = false;
    s.chars()
        .map(|c| {
            if c == '\'' {
                quoted = !quoted;
            }
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// Whether values of the normalized type are numbers.
fn is_numeric(data_type: &str) -> bool {
    let base = data_type.split(['(', ' ']).next().unwrap_or("");
    matches!(
        base,
        "smallint"
            | "integer"
            | "bigint"
            | "tinyint"
            | "mediumint"
            | "decimal"
            | "float"
            | "double"
    )
}

/// A boolean default's value, when it spells one.
fn boolean(tokens: &[Tok]) -> Option<bool> {
    let word = match tokens {
        [Tok::Word { text, .. }] | [Tok::Number(text)] | [Tok::Str(text)] => {
            text.to_ascii_lowercase()
        }
        [Tok::Bits(bits)] => bits.to_ascii_lowercase(),
        [b, Tok::Str(bits)] if b.is("b") => format!("b'{bits}'"),
        _ => return None,
    };
    match word.as_str() {
        "true" | "t" | "1" | "yes" | "y" | "on" | "b'1'" => Some(true),
        "false" | "f" | "0" | "no" | "n" | "off" | "b'0'" => Some(false),
        _ => None,
    }
}

/// A numeric default in its shortest spelling, when it is one number.
fn number(tokens: &[Tok]) -> Option<String> {
    let text = match tokens {
        [Tok::Number(n)] => n.clone(),
        [Tok::Other(sign), Tok::Number(n)] if sign == "-" || sign == "+" => format!("{sign}{n}"),
        [Tok::Str(s)] => s.trim().to_string(),
        _ => return None,
    };
    canonical_number(&text)
}

/// `-001.500` as `-1.5`, `0.00` as `0`; `None` when `text` is no decimal
/// number. Numbers with an exponent are only lower-cased.
fn canonical_number(text: &str) -> Option<String> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(exponent) = exponent {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        return (!exponent.is_empty() && digits(exponent)).then(|| text.to_ascii_lowercase());
    }
    let int = match int.trim_start_matches('0') {
        "" => "0",
        int => int,
    };
    let frac = frac.trim_end_matches('0');
    let mut n = int.to_string();
    if !frac.is_empty() {
        n = format!("{n}.{frac}");
    }
    Some(if negative && n != "0" {
        format!("-{n}")
    } else {
        n
    })
}

/// Whether the default is the current date and time, in any spelling.
fn is_now(tokens: &[Tok]) -> bool {
    let now = |t: &Tok| t.is("current_timestamp") || t.is("localtimestamp") || t.is("now");
    match tokens {
        [t] => !t.is("now") && now(t),
        [t, Tok::Open, Tok::Close] | [t, Tok::Open, Tok::Number(_), Tok::Close] => now(t),
        _ => false,
    }
}
