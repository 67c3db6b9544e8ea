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

/// [`edit_distance`] of `a` and `b` if it is at most `limit`; stops as soon as it must be
/// more. Suggestions compare one name with every id of a kind, so this is the fast path.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        bounded(a.as_bytes(), b.as_bytes(), limit)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded(&a, &b, limit)
    }
}

fn bounded<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut stack = [0usize; 65];
    let mut heap = Vec::new();
    let row: &mut [usize] = if b.len() < stack.len() {
        &mut stack[..=b.len()]
    } else {
        heap.resize(b.len() + 1, 0);
        &mut heap
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
            best = best.min(row[j + 1]);
        }
        // Every later cell is at least the smallest of this row.
        if best > limit {
            return None;
        }
    }
    Some(row[b.len()]).filter(|&distance| distance <= limit)
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

    #[test]
    fn bounded_distance_agrees_with_the_full_one() {
        let words = [
            "",
            "a",
            "abc",
            "tokenizer",
            "tokeniser",
            "kitten",
            "sitting",
            "no-such-component",
            "align-cache-000132",
            "données",
            "donnees",
        ];
        for a in words {
            for b in words {
                let full = edit_distance(a, b);
                for limit in 0..8 {
                    let expected = (full <= limit).then_some(full);
                    assert_eq!(
                        edit_distance_within(a, b, limit),
                        expected,
                        "{a} {b} {limit}"
                    );
                }
            }
        }
    }
}
