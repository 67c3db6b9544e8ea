//! Renderers: each turns library results into one output format. They return strings; the
//! [`crate::printer::Printer`] writes them.

pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod sarif;

/// The version of every JSON document regctl prints; bumped only on incompatible changes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Whether a character would act on the terminal instead of showing: control characters
/// other than tab and line ends (an escape sequence can recolour, move the cursor or retitle
/// the window), and the bidirectional overrides that make text read differently than it is.
/// GitHub's log viewer interprets escape sequences too.
pub(crate) fn is_unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A message, label, help or path as printed, each unprintable character shown as `?`:
/// values quoted from a file, and file names, can hold them.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_unprintable(c) { '?' } else { c })
        .collect()
}
