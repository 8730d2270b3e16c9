//! Deterministic names for indexes and constraints that the file leaves
//! unnamed.
//!
//! | what | name |
//! |---|---|
//! | index (`create_index`, `create_table.indexes`) | `<table>_<col>_<col>_idx` |
//! | unique constraint | `<table>_<col>_<col>_key` |
//! | foreign key | `<table>_<col>_<col>_fkey` |
//! | check constraint | `<table>_check` |
//!
//! These follow PostgreSQL's own conventions. A name already used anywhere
//! in the schema (by a table, index or constraint, compared without case,
//! since MySQL and SQLite ignore case) gets the first free suffix `1`, `2`,
//! ... (`patient_name_idx1`). A name longer than 63 bytes is cut and made
//! unique with 8 hex digits of its SHA-256 (`<cut>_<hash>_idx`).
//!
//! A name is generated once, when its operation is applied, and stored in
//! the schema state: renaming a table or column later does not rename its
//! indexes and constraints (no engine does), so later operations must use
//! the stored name.

use sha2::{Digest, Sha256};

use super::ops::MAX_IDENTIFIER_BYTES;

/// The kind of object a generated name is for; it gives the suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An index: `_idx`.
    Index,
    /// A unique constraint: `_key`.
    Unique,
    /// A foreign key: `_fkey`.
    ForeignKey,
    /// A check constraint: `_check`.
    Check,
}

impl NameKind {
    fn suffix(self) -> &'static str {
        match self {
            NameKind::Index => "idx",
            NameKind::Unique => "key",
            NameKind::ForeignKey => "fkey",
            NameKind::Check => "check",
        }
    }
}

/// The name for an unnamed `kind` on `columns` of `table` (checks have no
/// columns), avoiding every name for which `taken` answers true.
pub fn generate(
    kind: NameKind,
    table: &str,
    columns: &[String],
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut stem = table.to_string();
    for column in columns {
        stem.push('_');
        stem.push_str(column);
    }
    let base = format!("{stem}_{}", kind.suffix());
    let mut counter = 0usize;
    loop {
        let extra = if counter == 0 {
            String::new()
        } else {
            counter.to_string()
        };
        let candidate = fit(&stem, kind.suffix(), &extra, &base);
        if !taken(&candidate) {
            return candidate;
        }
        counter += 1;
    }
}

/// `<stem>_<suffix><extra>`, shortened to the identifier limit when needed.
fn fit(stem: &str, suffix: &str, extra: &str, full: &str) -> String {
    let name = format!("{stem}_{suffix}{extra}");
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name;
    }
    let hash = hex::encode(&Sha256::digest(full.as_bytes())[..4]);
    // `<cut>_<hash>_<suffix><extra>`
    let room = MAX_IDENTIFIER_BYTES - hash.len() - suffix.len() - extra.len() - 2;
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}_{suffix}{extra}", &stem[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn conventional_names() {
        let free = |_: &str| false;
        assert_eq!(
            generate(NameKind::Index, "patient", &cols(&["name", "dob"]), free),
            "patient_name_dob_idx"
        );
        assert_eq!(
            generate(NameKind::Unique, "patient", &cols(&["name"]), free),
            "patient_name_key"
        );
        assert_eq!(
            generate(NameKind::ForeignKey, "visit", &cols(&["patient_id"]), free),
            "visit_patient_id_fkey"
        );
        assert_eq!(
            generate(NameKind::Check, "patient", &[], free),
            "patient_check"
        );
    }

    #[test]
    fn taken_names_get_a_counter() {
        let taken = |n: &str| n == "t_a_idx" || n == "t_a_idx1";
        assert_eq!(
            generate(NameKind::Index, "t", &cols(&["a"]), taken),
            "t_a_idx2"
        );
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "a".repeat(40);
        let name = generate(
            NameKind::ForeignKey,
            &long,
            &cols(&[&"b".repeat(30)]),
            |_| false,
        );
        assert_eq!(name.len(), MAX_IDENTIFIER_BYTES);
        assert!(name.ends_with("_fkey"), "{name}");
        assert!(name.starts_with(&long), "{name}");
        // Deterministic, and different stems give different names.
        let again = generate(
            NameKind::ForeignKey,
            &long,
            &cols(&[&"b".repeat(30)]),
            |_| false,
        );
        assert_eq!(name, again);
        let other = generate(
            NameKind::ForeignKey,
            &long,
            &cols(&[&"c".repeat(30)]),
            |_| false,
        );
        assert_ne!(name, other);
        let counted = generate(
            NameKind::ForeignKey,
            &long,
            &cols(&[&"b".repeat(30)]),
            |n| n == name,
        );
        assert!(counted.len() <= MAX_IDENTIFIER_BYTES);
        assert!(counted.ends_with("_fkey1"), "{counted}");
    }

    #[test]
    fn multibyte_names_are_cut_on_a_character_boundary() {
        let name = generate(NameKind::Index, &"é".repeat(40), &[], |_| false);
        assert!(name.len() <= MAX_IDENTIFIER_BYTES);
        assert!(name.ends_with("_idx"));
    }
}
