//! Byte spans in source text and their conversion to 1-based line and column numbers.
//!
//! Every diagnostic carries a byte span; line and column are derived from it only when a
//! diagnostic is reported, so the hot path never builds line tables.

use std::ops::Range;

/// A half-open byte range `start..end` in a file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (exclusive).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// An empty span at `offset`, for things that have a position but no extent.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Span {
        Span::new(range.start, range.end)
    }
}

/// A 1-based line and column; the column counts Unicode scalar values, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The start and end position of a span, as shown to people and written to JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub start: LineCol,
    pub end: LineCol,
}

/// Returns the line and column of byte `offset` in `text`.
///
/// Offsets past the end, or inside a multi-byte character, are clamped to the nearest
/// character boundary before it, so a stale span never panics.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Returns the position of `span` in `text`.
pub fn position(text: &str, span: Span) -> Position {
    Position {
        start: line_col(text, span.start),
        end: line_col(text, span.end),
    }
}

/// Converts character indices (as some parsers report them) to byte offsets.
///
/// For ASCII text the two are equal and no table is built.
pub(crate) struct CharToByte<'a> {
    text: &'a str,
    offsets: Option<Vec<usize>>,
}

impl<'a> CharToByte<'a> {
    pub(crate) fn new(text: &'a str) -> CharToByte<'a> {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        CharToByte { text, offsets }
    }

    pub(crate) fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(offsets) => offsets.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nnäme = \"x\"\n";
        assert_eq!(line_col(text, 0), LineCol { line: 1, column: 1 });
        let second_equals = text.rfind('=').expect("two `=`");
        assert_eq!(
            line_col(text, second_equals),
            LineCol { line: 2, column: 6 }
        );
        // Past the end and inside a character are clamped, not a panic.
        assert_eq!(line_col(text, 1000).line, 3);
        assert_eq!(line_col(text, 8), LineCol { line: 2, column: 2 });
    }

    #[test]
    fn char_indices_map_to_bytes() {
        let map = CharToByte::new("äb");
        assert_eq!(map.byte(1), 2);
        assert_eq!(map.byte(2), 3);
        assert_eq!(CharToByte::new("ab").byte(1), 1);
    }
}
