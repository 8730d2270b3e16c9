//! "Did you mean": the known names closest to a mistyped one, for the
//! errors about unknown apps and migrations (and the command line's
//! unknown commands), so that a typo is answered with its fix.

/// The candidates nearest to `word`, all of those at the smallest
/// distance, in the order given; none when even the nearest is too far to
/// be a typo of it. The distance counts inserted, deleted, replaced and
/// swapped characters, ignoring case.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let word = word.to_lowercase();
    let limit = max_typos(word.chars().count());
    let mut best: Vec<&str> = Vec::new();
    let mut best_distance = usize::MAX;
    for candidate in candidates {
        let d = strsim::damerau_levenshtein(&word, &candidate.to_lowercase());
        // A word that differs in every character is a different word, not
        // a typo, however short both are.
        if d > limit || d >= candidate.chars().count().max(word.chars().count()) {
            continue;
        }
        if d < best_distance {
            best_distance = d;
            best.clear();
        }
        if d == best_distance && !best.contains(&candidate) {
            best.push(candidate);
        }
    }
    best
}

/// How many slips a word of this length may hold and still be taken for a
/// typo: short words have few letters to spare.
fn max_typos(len: usize) -> usize {
    match len {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// `` did you mean `a`?``, `` did you mean `a` or `b`?`` (with a leading
/// `what ` when given, as in `the command `), or `None` without candidates.
pub fn did_you_mean(what: &str, names: &[&str]) -> Option<String> {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let list = match quoted.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    Some(format!("did you mean {what}{list}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_word() {
        assert_eq!(
            closest("showmigration", ["status", "showmigrations", "sql"]),
            ["showmigrations"]
        );
        assert_eq!(closest("stauts", ["status", "sql"]), ["status"]);
        assert_eq!(closest("patinets", ["patients", "tasks"]), ["patients"]);
        assert_eq!(closest("Tasks", ["patients", "tasks"]), ["tasks"]);
    }

    #[test]
    fn a_different_word_finds_nothing() {
        assert!(closest("billing", ["patients", "tasks"]).is_empty());
        assert!(closest("ab", ["xy", "log"]).is_empty());
        assert!(closest("x", ["new", "log"]).is_empty());
    }

    #[test]
    fn ties_are_all_named_in_order() {
        assert_eq!(closest("ab", ["ac", "xb", "ab_long"]), ["ac", "xb"]);
        assert_eq!(
            did_you_mean("", &["ac", "xb", "yz"]).unwrap(),
            "did you mean `ac`, `xb` or `yz`?"
        );
        assert_eq!(
            did_you_mean("the command ", &["status"]).unwrap(),
            "did you mean the command `status`?"
        );
        assert_eq!(did_you_mean("", &[]), None);
    }
}
