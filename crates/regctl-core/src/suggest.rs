//! "Did you mean …?": the closest names to a misspelt one.

/// The number of single-character insertions, deletions and substitutions between `a` and `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Whether `candidate` is close enough to `name` to be a likely typo of it.
pub fn is_close(name: &str, candidate: &str) -> bool {
    edit_distance(name, candidate) <= (name.chars().count() / 3).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_single_character_edits() {
        assert_eq!(edit_distance("tokeniser", "tokenizer"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert!(is_close("finetunig", "finetuning"));
        assert!(!is_close("abc", "xyzw"));
    }
}
