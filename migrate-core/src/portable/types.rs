//! Portable column types, column defaults and column definitions.
//!
//! A column is written in TOML as an inline table:
//!
//! ```toml
//! { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" }
//! ```
//!
//! `type` is one of the [`ColumnType`] names; `length` belongs to `string`
//! only, `precision` and `scale` to `decimal` only. `nullable` defaults to
//! `false` (every column is `NOT NULL` unless it says otherwise).

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest `string(n)` accepted: MySQL's `VARCHAR` limit for `utf8mb4`
/// (65,535 bytes a row, 4 bytes a character). Use `text` beyond it.
pub const MAX_STRING_LENGTH: u32 = 16_383;
/// Largest `decimal` precision: MySQL's limit (PostgreSQL allows more).
pub const MAX_DECIMAL_PRECISION: u32 = 65;
/// Largest `decimal` scale: MySQL's limit.
pub const MAX_DECIMAL_SCALE: u32 = 30;

/// A column type every engine can store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit integer filled by the engine (identity / auto-increment); it is
    /// the table's primary key.
    AutoId,
    /// 64-bit [`ColumnType::AutoId`].
    BigAutoId,
    /// Exact number with `precision` digits, `scale` of them after the point.
    Decimal {
        /// Total number of digits (1 to [`MAX_DECIMAL_PRECISION`]).
        precision: u32,
        /// Digits after the decimal point (0 to `precision`, at most
        /// [`MAX_DECIMAL_SCALE`]).
        scale: u32,
    },
    /// Single-precision floating point.
    Float,
    /// Double-precision floating point.
    Double,
    /// True or false.
    Boolean,
    /// Text of at most `length` characters.
    String {
        /// Maximum length in characters (1 to [`MAX_STRING_LENGTH`]).
        length: u32,
    },
    /// Text of any length. Cannot be indexed portably (MySQL would need a
    /// prefix length).
    Text,
    /// Bytes of any length. Cannot be indexed portably.
    Binary,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Date and time without time zone.
    Timestamp,
    /// Date and time as an instant (time zone aware where the engine has it).
    TimestampTz,
    /// A UUID.
    Uuid,
    /// A JSON document. Cannot be indexed portably.
    Json,
}

impl ColumnType {
    /// The portable name, as written after `type =`.
    pub fn name(self) -> &'static str {
        self.type_name().as_str()
    }

    fn type_name(self) -> TypeName {
        match self {
            ColumnType::SmallInt => TypeName::Smallint,
            ColumnType::Integer => TypeName::Integer,
            ColumnType::BigInt => TypeName::Bigint,
            ColumnType::AutoId => TypeName::AutoId,
            ColumnType::BigAutoId => TypeName::BigAutoId,
            ColumnType::Decimal { .. } => TypeName::Decimal,
            ColumnType::Float => TypeName::Float,
            ColumnType::Double => TypeName::Double,
            ColumnType::Boolean => TypeName::Boolean,
            ColumnType::String { .. } => TypeName::String,
            ColumnType::Text => TypeName::Text,
            ColumnType::Binary => TypeName::Binary,
            ColumnType::Date => TypeName::Date,
            ColumnType::Time => TypeName::Time,
            ColumnType::Timestamp => TypeName::Timestamp,
            ColumnType::TimestampTz => TypeName::TimestampTz,
            ColumnType::Uuid => TypeName::Uuid,
            ColumnType::Json => TypeName::Json,
        }
    }

    /// Whether the engine fills the column (`auto_id`, `big_auto_id`).
    pub fn is_auto(self) -> bool {
        matches!(self, ColumnType::AutoId | ColumnType::BigAutoId)
    }

    /// Whether values are whole numbers (auto types included).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::AutoId
                | ColumnType::BigAutoId
        )
    }

    /// Whether values are numbers of any kind.
    pub fn is_numeric(self) -> bool {
        self.is_integer()
            || matches!(
                self,
                ColumnType::Decimal { .. } | ColumnType::Float | ColumnType::Double
            )
    }

    /// Whether the column can be part of an index, a unique constraint, a
    /// primary key or a foreign key on every engine: not `text`, `binary` or
    /// `json`, which MySQL indexes only with a prefix length.
    pub fn is_indexable(self) -> bool {
        !matches!(
            self,
            ColumnType::Text | ColumnType::Binary | ColumnType::Json
        )
    }

    /// The type a foreign key compares: an auto type stores a plain integer.
    fn stored(self) -> ColumnType {
        match self {
            ColumnType::AutoId => ColumnType::Integer,
            ColumnType::BigAutoId => ColumnType::BigInt,
            other => other,
        }
    }

    /// Whether a foreign key column of this type may reference a column of
    /// type `target` on every engine. MySQL is the strictest: integers and
    /// decimals must be the same size, strings may differ in length.
    pub fn can_reference(self, target: ColumnType) -> bool {
        match (self.stored(), target.stored()) {
            (ColumnType::String { .. }, ColumnType::String { .. }) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for ColumnType {
    /// `string(100)`, `decimal(10,2)`, or the plain name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::String { length } => write!(f, "string({length})"),
            ColumnType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            other => f.write_str(other.name()),
        }
    }
}

/// The names accepted after `type =`, as serde reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TypeName {
    Smallint,
    Integer,
    Bigint,
    AutoId,
    BigAutoId,
    Decimal,
    Float,
    Double,
    Boolean,
    String,
    Text,
    Binary,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
}

impl TypeName {
    fn as_str(self) -> &'static str {
        match self {
            TypeName::Smallint => "smallint",
            TypeName::Integer => "integer",
            TypeName::Bigint => "bigint",
            TypeName::AutoId => "auto_id",
            TypeName::BigAutoId => "big_auto_id",
            TypeName::Decimal => "decimal",
            TypeName::Float => "float",
            TypeName::Double => "double",
            TypeName::Boolean => "boolean",
            TypeName::String => "string",
            TypeName::Text => "text",
            TypeName::Binary => "binary",
            TypeName::Date => "date",
            TypeName::Time => "time",
            TypeName::Timestamp => "timestamp",
            TypeName::TimestampTz => "timestamp_tz",
            TypeName::Uuid => "uuid",
            TypeName::Json => "json",
        }
    }
}

/// A problem with one field of a value, found after serde read its shape:
/// the field lets the file reader point at the right line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field at fault (`length`, `default`, ...), relative to the value
    /// being checked.
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, its field seen from one level up (`columns[2]` +
    /// `type` gives `columns[2].type`).
    pub(crate) fn under(self, parent: &str) -> Self {
        let field = if self.field.is_empty() {
            parent.to_string()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        FieldError { field, ..self }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

impl ColumnType {
    /// The portable type a normalized type name stands for
    /// ([`crate::schema::normalize::data_type`]: `string(20)`,
    /// `decimal(10,2)`, `timestamp_tz`, ...); `None` for any other name.
    pub fn from_normalized(name: &str) -> Option<ColumnType> {
        use serde::de::IntoDeserializer;
        let (base, args) = match name.split_once('(') {
            Some((base, rest)) => (base, rest.strip_suffix(')')?),
            None => (name, ""),
        };
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            base.into_deserializer();
        let type_name = TypeName::deserialize(deserializer).ok()?;
        let numbers: Vec<u32> = match args {
            "" => Vec::new(),
            args => args
                .split(',')
                .map(|a| a.trim().parse().ok())
                .collect::<Option<_>>()?,
        };
        let (length, precision, scale) = match (type_name, numbers.as_slice()) {
            (TypeName::String, [length]) => (Some(*length), None, None),
            (TypeName::Decimal, [precision, scale]) => (None, Some(*precision), Some(*scale)),
            (TypeName::Decimal, [precision]) => (None, Some(*precision), None),
            (_, []) => (None, None, None),
            _ => return None,
        };
        ColumnType::from_parts(type_name, length, precision, scale).ok()
    }

    /// Builds a type from its TOML parts, checking that each parameter
    /// belongs to the type and is in range.
    pub(crate) fn from_parts(
        name: TypeName,
        length: Option<u32>,
        precision: Option<u32>,
        scale: Option<u32>,
    ) -> Result<ColumnType, FieldError> {
        if name != TypeName::String && length.is_some() {
            return Err(FieldError::new(
                "length",
                format!(
                    "`length` belongs to `string` columns only, not `{}`",
                    name.as_str()
                ),
            ));
        }
        if name != TypeName::Decimal {
            for (field, value) in [("precision", precision), ("scale", scale)] {
                if value.is_some() {
                    return Err(FieldError::new(
                        field,
                        format!(
                            "`{field}` belongs to `decimal` columns only, not `{}`",
                            name.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(match name {
            TypeName::Smallint => ColumnType::SmallInt,
            TypeName::Integer => ColumnType::Integer,
            TypeName::Bigint => ColumnType::BigInt,
            TypeName::AutoId => ColumnType::AutoId,
            TypeName::BigAutoId => ColumnType::BigAutoId,
            TypeName::Decimal => {
                let Some(precision) = precision else {
                    return Err(FieldError::new(
                        "precision",
                        format!(
                            "a `decimal` column needs `precision` (1 to {MAX_DECIMAL_PRECISION}); `scale` defaults to 0"
                        ),
                    ));
                };
                if !(1..=MAX_DECIMAL_PRECISION).contains(&precision) {
                    return Err(FieldError::new(
                        "precision",
                        format!(
                            "expected a precision from 1 to {MAX_DECIMAL_PRECISION}, found {precision}"
                        ),
                    ));
                }
                let scale = scale.unwrap_or(0);
                if scale > precision.min(MAX_DECIMAL_SCALE) {
                    return Err(FieldError::new(
                        "scale",
                        format!(
                            "expected a scale from 0 to {} (at most the precision), found {scale}",
                            precision.min(MAX_DECIMAL_SCALE)
                        ),
                    ));
                }
                ColumnType::Decimal { precision, scale }
            }
            TypeName::Float => ColumnType::Float,
            TypeName::Double => ColumnType::Double,
            TypeName::Boolean => ColumnType::Boolean,
            TypeName::String => {
                let Some(length) = length else {
                    return Err(FieldError::new(
                        "length",
                        format!(
                            "a `string` column needs `length` (1 to {MAX_STRING_LENGTH}); use `text` for unlimited text"
                        ),
                    ));
                };
                if !(1..=MAX_STRING_LENGTH).contains(&length) {
                    return Err(FieldError::new(
                        "length",
                        format!(
                            "expected a length from 1 to {MAX_STRING_LENGTH}, found {length}; use `text` for longer text"
                        ),
                    ));
                }
                ColumnType::String { length }
            }
            TypeName::Text => ColumnType::Text,
            TypeName::Binary => ColumnType::Binary,
            TypeName::Date => ColumnType::Date,
            TypeName::Time => ColumnType::Time,
            TypeName::Timestamp => ColumnType::Timestamp,
            TypeName::TimestampTz => ColumnType::TimestampTz,
            TypeName::Uuid => ColumnType::Uuid,
            TypeName::Json => ColumnType::Json,
        })
    }

    /// The TOML parts of this type: name, `length`, `precision`, `scale`.
    pub(crate) fn parts(self) -> (TypeName, Option<u32>, Option<u32>, Option<u32>) {
        match self {
            ColumnType::String { length } => (TypeName::String, Some(length), None, None),
            ColumnType::Decimal { precision, scale } => {
                (TypeName::Decimal, None, Some(precision), Some(scale))
            }
            other => (other.type_name(), None, None, None),
        }
    }
}

/// A column's default value.
///
/// In TOML:
/// - `default = "text"`: a string literal, quoted by each engine's rules. On
///   a numeric column the string must be a number and is read as one
///   (`default = "0.00"` on a decimal);
/// - `default = 0`, `default = 2.5`: a number (numeric columns only);
/// - `default = true`: a boolean (boolean columns only);
/// - `default = { now = true }`: the current date and time when the row is
///   inserted (`timestamp` and `timestamp_tz` columns only);
/// - `default = { sql = "..." }`: a raw SQL expression written verbatim
///   after `DEFAULT` on every engine; write what each engine accepts (SQLite
///   and MySQL want non-literal expressions in parentheses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnDefault {
    /// A string literal (unquoted here).
    Text(String),
    /// A number, as written: `0`, `-1.5`, `10.25`, `1e-3`.
    Number(String),
    /// A boolean.
    Bool(bool),
    /// The time of insertion (`CURRENT_TIMESTAMP`).
    Now,
    /// A raw SQL expression.
    Sql(String),
}

impl ColumnDefault {
    /// The default as it must be stored for a column of type `ty`: a string
    /// on a numeric column becomes a number; anything that does not fit the
    /// type is an error saying what is expected.
    pub fn for_type(&self, ty: ColumnType) -> Result<ColumnDefault, String> {
        if ty.is_auto() {
            return Err(format!(
                "an `{}` column is filled by the engine and takes no default",
                ty.name()
            ));
        }
        match self {
            ColumnDefault::Sql(sql) if sql.trim().is_empty() => {
                Err("`sql` must hold an SQL expression".to_string())
            }
            ColumnDefault::Sql(_) => Ok(self.clone()),
            ColumnDefault::Now => match ty {
                ColumnType::Timestamp | ColumnType::TimestampTz => Ok(ColumnDefault::Now),
                _ => Err(format!(
                    "`{{ now = true }}` is a default for `timestamp` and `timestamp_tz` columns, not `{ty}`"
                )),
            },
            ColumnDefault::Bool(_) if ty == ColumnType::Boolean => Ok(self.clone()),
            ColumnDefault::Bool(_) => Err(format!(
                "a boolean default fits `boolean` columns only; expected {} for `{ty}`",
                expected_default(ty)
            )),
            ColumnDefault::Number(n) | ColumnDefault::Text(n) if ty.is_numeric() => {
                if ty.is_integer() && !is_number(n, true) {
                    Err(format!("expected a whole number for `{ty}`, found `{n}`"))
                } else if !is_number(n, false) {
                    Err(format!("expected a number for `{ty}`, found `{n}`"))
                } else {
                    Ok(ColumnDefault::Number(n.clone()))
                }
            }
            ColumnDefault::Number(n) => Err(format!(
                "a number default fits numeric columns only; expected {} for `{ty}`, found {n}",
                expected_default(ty)
            )),
            ColumnDefault::Text(_) => match ty {
                ColumnType::Boolean | ColumnType::Binary => Err(format!(
                    "a string default does not fit `{ty}`; expected {}",
                    expected_default(ty)
                )),
                _ => Ok(self.clone()),
            },
        }
    }
}

/// What a default for `ty` may be, for messages.
fn expected_default(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean => "`true`, `false` or `{ sql = \"...\" }`",
        ColumnType::Binary => "`{ sql = \"...\" }`",
        t if t.is_numeric() => "a number or `{ sql = \"...\" }`",
        ColumnType::Timestamp | ColumnType::TimestampTz => {
            "a string, `{ now = true }` or `{ sql = \"...\" }`"
        }
        _ => "a string or `{ sql = \"...\" }`",
    }
}

/// Whether `s` is a plain decimal number (`-12`, `3.50`, `1e-3`), whole when
/// `integral`. Nothing else may go unquoted into SQL as a number.
pub(crate) fn is_number(s: &str, integral: bool) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) if !integral => (&body[..i], Some(&body[i + 1..])),
        Some(_) => return false,
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some(_) if integral => return false,
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(whole)
        && fraction.is_none_or(digits)
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

impl Serialize for ColumnDefault {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            ColumnDefault::Text(s) => serializer.serialize_str(s),
            ColumnDefault::Number(n) => match n.parse::<i64>() {
                Ok(i) => serializer.serialize_i64(i),
                // Kept as text so that no digit of a decimal is lost; read
                // back on a numeric column it is a number again.
                Err(_) => serializer.serialize_str(n),
            },
            ColumnDefault::Bool(b) => serializer.serialize_bool(*b),
            ColumnDefault::Now => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("now", &true)?;
                map.end()
            }
            ColumnDefault::Sql(sql) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("sql", sql)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for ColumnDefault {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DefaultVisitor)
    }
}

struct DefaultVisitor;

impl<'de> Visitor<'de> for DefaultVisitor {
    type Value = ColumnDefault;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, a boolean, `{ now = true }` or `{ sql = \"expression\" }`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ColumnDefault::Text(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ColumnDefault::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ColumnDefault::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ColumnDefault::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if !v.is_finite() {
            return Err(E::custom(format!(
                "expected a finite number as default, found {v}"
            )));
        }
        Ok(ColumnDefault::Number(format!("{v:?}")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "expected `{ now = true }` or `{ sql = \"expression\" }`, found an empty table",
            ));
        };
        let value = match key.as_str() {
            "now" => {
                if !map.next_value::<bool>()? {
                    return Err(de::Error::custom(
                        "`{ now = false }` means nothing: leave the field out instead",
                    ));
                }
                ColumnDefault::Now
            }
            "sql" => ColumnDefault::Sql(map.next_value::<String>()?),
            other => return Err(de::Error::unknown_field(other, &["now", "sql"])),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a default table has exactly one key (`now` or `sql`), found also `{extra}`"
            )));
        }
        Ok(value)
    }
}

/// One column: name, type, nullability and default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawColumn", into = "RawColumn")]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its portable type.
    pub ty: ColumnType,
    /// Whether it accepts NULL (`nullable = true`; the default is NOT NULL).
    pub nullable: bool,
    /// Its default, already checked against [`Column::ty`].
    pub default: Option<ColumnDefault>,
}

impl Column {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
        }
    }

    /// This column, accepting NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// This column with a default (not checked here: [`Column::check`] does).
    pub fn with_default(mut self, default: ColumnDefault) -> Self {
        self.default = Some(default);
        self
    }

    /// Checks the column on its own (auto types are NOT NULL without
    /// default; the default fits the type) and normalizes its default.
    pub fn check(&mut self) -> Result<(), FieldError> {
        if self.ty.is_auto() && self.nullable {
            return Err(FieldError::new(
                "nullable",
                format!(
                    "an `{}` column is the primary key and cannot be nullable",
                    self.ty.name()
                ),
            ));
        }
        if let Some(default) = &self.default {
            self.default = Some(
                default
                    .for_type(self.ty)
                    .map_err(|message| FieldError::new("default", message))?,
            );
        }
        Ok(())
    }
}

/// A column as written in TOML.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawColumn {
    name: String,
    #[serde(rename = "type")]
    ty: TypeName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    precision: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scale: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<ColumnDefault>,
}

impl RawColumn {
    /// Turns the TOML shape into a checked column.
    pub(crate) fn into_column(self) -> Result<Column, FieldError> {
        let ty = ColumnType::from_parts(self.ty, self.length, self.precision, self.scale)?;
        let mut column = Column {
            name: self.name,
            ty,
            nullable: self.nullable,
            default: self.default,
        };
        column.check()?;
        Ok(column)
    }
}

impl TryFrom<RawColumn> for Column {
    type Error = FieldError;

    fn try_from(raw: RawColumn) -> Result<Self, Self::Error> {
        raw.into_column()
    }
}

impl From<Column> for RawColumn {
    fn from(column: Column) -> Self {
        let (ty, length, precision, scale) = column.ty.parts();
        RawColumn {
            name: column.name,
            ty,
            length,
            precision,
            scale,
            nullable: column.nullable,
            default: column.default,
        }
    }
}
