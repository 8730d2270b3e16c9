//! Whether a portable column type holds every value of another, so that
//! changing a column from one to the other loses nothing.

use crate::portable::ColumnType;

/// Whether every value of a column of type `old` is kept as it is by a
/// column of type `new`. `false` when in doubt: the answer decides whether
/// the way back is reported as lossy.
pub(super) fn holds(old: ColumnType, new: ColumnType) -> bool {
    use ColumnType::*;
    match (old, new) {
        (a, b) if a == b => true,
        // Every value but raw bytes has a text form.
        (Binary, Text) => false,
        (_, Text) => true,
        (String { length: a }, String { length: b }) => b >= a,
        (a, b) if a.is_integer() && b.is_integer() => int_rank(b) >= int_rank(a),
        (a, Decimal { precision, scale }) if a.is_integer() => {
            precision.saturating_sub(scale) >= int_digits(a)
        }
        (
            Decimal {
                precision: p1,
                scale: s1,
            },
            Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s2 >= s1 && p2.saturating_sub(s2) >= p1.saturating_sub(s1),
        // A double's 53-bit mantissa holds every 32-bit integer exactly, a
        // float's 24 bits every 16-bit one.
        (Float, Double) | (SmallInt | Integer | AutoId, Double) | (SmallInt, Float) => true,
        (Date, Timestamp | TimestampTz) | (Timestamp, TimestampTz) => true,
        (Boolean, SmallInt | Integer | BigInt) => true,
        (Uuid, String { length }) => length >= 36,
        (Date, String { length }) => length >= 10,
        // A sign and the digits.
        (a, String { length }) if a.is_integer() => length > int_digits(a),
        _ => false,
    }
}

fn int_rank(t: ColumnType) -> u8 {
    match t {
        ColumnType::SmallInt => 1,
        ColumnType::Integer | ColumnType::AutoId => 2,
        _ => 3,
    }
}

/// Decimal digits of the largest value of an integer type.
fn int_digits(t: ColumnType) -> u32 {
    match t {
        ColumnType::SmallInt => 5,
        ColumnType::Integer | ColumnType::AutoId => 10,
        _ => 19,
    }
}
