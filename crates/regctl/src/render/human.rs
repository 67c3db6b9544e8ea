//! Human output: miette reports with the source line and a label at the field.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};
use regctl_core::{Diagnostic, Error, Severity};
use regctl_validate::Report;

use crate::render::{is_unprintable, printable};

/// Settings shared by every human renderer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub(crate) color: bool,
    pub(crate) width: usize,
}

impl Style {
    fn handler(self) -> GraphicalReportHandler {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_links(false)
    }
}

/// Renders a failure: each `regctl.toml` problem with its snippet, or the error, its causes
/// and its help as plain lines.
pub(crate) fn failure(style: Style, err: &Error) -> String {
    let mut out = String::new();
    if let Error::Config(config) = err {
        let handler = style.handler();
        for problem in &config.problems {
            if handler.render_report(&mut out, problem).is_err() {
                out.push_str(&format!("error: {problem}\n"));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("error: {err}\n"));
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        out.push_str(&format!("  caused by: {inner}\n"));
        cause = inner.source();
    }
    if let Some(help) = miette::Diagnostic::help(err) {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

/// Renders one validation diagnostic with its source snippet.
pub(crate) fn diagnostic(style: Style, report: &Report, diagnostic: &Diagnostic) -> String {
    let view = View::new(report, diagnostic, style.width);
    let mut out = String::new();
    if style.handler().render_report(&mut out, &view).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            diagnostic.severity, diagnostic.code, view.message
        );
    }
    out
}

/// The closing line of a validation run; `against` names the base of a change.
pub(crate) fn summary(report: &Report, against: Option<&str>) -> String {
    let mut problems = Vec::new();
    let (errors, warnings) = (report.errors(), report.warnings());
    if errors > 0 {
        problems.push(plural(errors, "error"));
    }
    if warnings > 0 {
        problems.push(plural(warnings, "warning"));
    }
    let problems = if problems.is_empty() {
        "no problems found".to_owned()
    } else {
        problems.join(", ")
    };
    let suppressed = match report.n_suppressed {
        0 => String::new(),
        n => format!(" ({n} suppressed)"),
    };
    let change = match (against, report.n_changed, report.n_removed) {
        (Some(base), Some(changed), Some(removed)) if removed > 0 => format!(
            ", {} changed and {removed} removed since {base}",
            plural(changed, "entry")
        ),
        (Some(base), Some(changed), _) => {
            format!(", {} changed since {base}", plural(changed, "entry"))
        }
        _ => String::new(),
    };
    format!(
        "Checked {} ({}{change}): {problems}{suppressed}",
        plural(report.n_files, "file"),
        plural(report.n_entries, "entry"),
    )
}

/// The stderr line of an invalid registry: `MetadataValidationError`, the counts and the codes.
pub(crate) fn invalid(report: &Report) -> String {
    let codes: Vec<&str> = report
        .error_codes()
        .iter()
        .map(|code| code.as_str())
        .collect();
    let mut files: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| d.file.as_deref())
        .collect();
    files.sort_unstable();
    files.dedup();
    format!(
        "MetadataValidationError: {} in {} ({})",
        plural(report.errors(), "error"),
        plural(files.len(), "file"),
        codes.join(", ")
    )
}

pub(crate) fn plural(n: usize, noun: &str) -> String {
    match (n, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {noun}s"),
    }
}

/// A [`Diagnostic`] as miette sees it.
struct View {
    /// `None` for the secondary reports that point at related places in other files.
    severity: Option<Severity>,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Snippet>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

impl View {
    fn new(report: &Report, diagnostic: &Diagnostic, width: usize) -> View {
        let snippet = |text: &Arc<str>| Snippet {
            text: displayable(text),
            width,
        };
        let text_of = |file: Option<&str>| {
            file.and_then(|file| report.sources.get(file))
                .map_or("", |text| text.as_ref())
        };
        let source = diagnostic
            .file
            .as_ref()
            .and_then(|file| report.sources.get(file).map(|text| (file, text)));
        let has_snippet = source.is_some() && diagnostic.span.is_some();
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(span) = diagnostic.span.filter(|_| has_snippet) {
            labels.push(LabeledSpan::new_primary_with_span(
                diagnostic.label.as_deref().map(printable),
                shown(
                    text_of(diagnostic.file.as_deref()),
                    span.start..span.end,
                    width,
                ),
            ));
        }
        for other in &diagnostic.related {
            if has_snippet && Some(&other.file) == diagnostic.file.as_ref() {
                labels.push(LabeledSpan::new_with_span(
                    Some(printable(&other.message)),
                    shown(
                        text_of(Some(&other.file)),
                        other.span.start..other.span.end,
                        width,
                    ),
                ));
            } else if let Some(text) = report.sources.get(&other.file) {
                related.push(View {
                    severity: None,
                    message: printable(&other.message),
                    help: None,
                    source: Some(NamedSource::new(&other.file, snippet(text))),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(printable(&other.message)),
                        shown(text, other.span.start..other.span.end, width),
                    )],
                    related: Vec::new(),
                });
            }
        }
        // Without a snippet, the file name has to be in the message.
        let code = diagnostic.code;
        let message = match (&diagnostic.file, has_snippet) {
            (Some(file), false) => format!("[{code}] {file}: {}", diagnostic.message),
            _ => format!("[{code}] {}", diagnostic.message),
        };
        View {
            severity: Some(diagnostic.severity),
            message: printable(&message),
            help: diagnostic.help.as_deref().map(printable),
            source: source.map(|(file, text)| NamedSource::new(file, snippet(text))),
            labels,
            related,
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Some(Severity::Error) => miette::Severity::Error,
            Some(Severity::Warning) => miette::Severity::Warning,
            None => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related
                    .iter()
                    .map(|view| view as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// `text` with every unprintable character shown as `?`s, one per byte, so that byte offsets
/// into it (the spans of labels) still hold. Shared untouched when there is none.
fn displayable(text: &Arc<str>) -> Arc<str> {
    if !text.chars().any(is_unprintable) {
        return text.clone();
    }
    text.chars()
        .map(|c| {
            if is_unprintable(c) {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// A file's text as miette reads it for a snippet, with lines longer than the terminal cut to a
/// window around the labelled span: a minified JSON descriptor is one line of many kilobytes,
/// and would otherwise be printed whole for every diagnostic in it.
struct Snippet {
    text: Arc<str>,
    /// The terminal width, which decides how long a line may be shown whole.
    width: usize,
}

/// What is shown of a line on each side of a span on a cut line.
fn margin(width: usize) -> usize {
    width / 3
}

/// A label's span in `text` as shown: on a line longer than the terminal, at most a third of
/// it wide, so that the line can be cut around the label.
fn shown(text: &str, span: std::ops::Range<usize>, width: usize) -> std::ops::Range<usize> {
    if span.start > text.len() {
        return span;
    }
    let (line_start, line_end) = line_around(text, span.start, span.start);
    if line_end - line_start <= width {
        return span;
    }
    let end = span.end.min(span.start + margin(width)).min(line_end);
    span.start..char_floor(text, end).max(span.start)
}

/// Where the line holding `start` begins, and where the line holding `end` ends (before its
/// line break).
fn line_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let line_start = bytes[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let line_end = bytes[end..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(text.len(), |at| end + at);
    (line_start, line_end)
}

/// The nearest character boundary at or before `at`.
fn char_floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let whole = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // Reading only the span (miette does, for the position in the header) needs no cut.
        let fits = |contents: &dyn SpanContents<'_>| {
            contents
                .data()
                .split(|&b| b == b'\n')
                .all(|line| line.len() <= self.width)
        };
        if context_lines_before + context_lines_after == 0 || fits(whole.as_ref()) {
            return Ok(whole);
        }
        let text = self.text.as_bytes();
        let (start, end) = (span.offset(), span.offset() + span.len());
        let (line_start, line_end) = line_around(&self.text, start, end);
        if text[start..end].contains(&b'\n') {
            // A label over several lines is shown whole, as miette shows it.
            return Ok(whole);
        }
        if end - start > 2 * margin(self.width) {
            // Labels are at most a margin long on a long line, so this is miette asking to
            // merge two that are far apart: they are better shown as two snippets.
            return Err(MietteError::OutOfBounds);
        }
        let from = char_floor(
            &self.text,
            start.saturating_sub(margin(self.width)).max(line_start),
        );
        let to = char_floor(&self.text, (end + margin(self.width)).min(line_end)).max(end);
        Ok(Box::new(MietteSpanContents::new(
            &text[from..to],
            SourceSpan::from(from..to),
            text[..line_start].iter().filter(|&&b| b == b'\n').count(),
            from - line_start,
            0,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regctl_core::{Code, Span};

    /// Renders a diagnostic in `a.json` (whose text is `text`) with labels at `first` and, as a
    /// related place in the same file, at `second`.
    fn render(text: &str, first: Span, second: Span) -> String {
        let mut report = Report::default();
        report.sources.insert("a.json".to_owned(), text.into());
        let found = Diagnostic::new(Code::Schema, "two places")
            .in_file("a.json")
            .at(first)
            .with_label("here")
            .with_related("a.json", second, "and here");
        let style = Style {
            color: false,
            width: 80,
        };
        diagnostic(style, &report, &found)
    }

    #[test]
    fn labels_far_apart_on_a_long_line_get_a_window_each() {
        let text = format!(r#"{{"a":1,"pad":"{}","b":2}}"#, "é".repeat(400));
        let b = text.find(r#""b""#).expect("b");
        let out = render(&text, Span::new(1, 4), Span::new(b, b + 3));
        assert!(out.lines().all(|line| line.chars().count() <= 90), "{out}");
        // Each window starts or ends on a character boundary of the cut line.
        assert!(out.contains(r#"{"a":1,"pad":"éé"#), "{out}");
        assert!(out.contains(r#"éé","b":2}"#), "{out}");
        assert!(out.contains("here") && out.contains("and here"), "{out}");
    }

    #[test]
    fn labels_close_together_on_a_long_line_share_a_window() {
        let text = format!(r#"{{"a":1,"b":2,"pad":"{}"}}"#, "x".repeat(400));
        let out = render(&text, Span::new(1, 4), Span::new(7, 10));
        assert_eq!(out.matches("1 │").count(), 1, "{out}");
        assert!(out.lines().all(|line| line.chars().count() <= 90), "{out}");
    }

    #[test]
    fn a_label_over_several_lines_is_shown_whole_even_with_a_long_line() {
        let text = format!("{{\n  \"a\": \"{}\",\n  \"b\": 2\n}}\n", "x".repeat(300));
        let out = render(&text, Span::new(0, text.len() - 1), Span::new(0, 1));
        assert!(!out.contains("Failed"), "{out}");
        assert!(out.contains(&"x".repeat(300)), "{out}");
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_not_printed() {
        let text = "{\"a\": \"\u{1b}[2J\u{202e}x\", \"b\": 1}";
        let b = text.find("\"b\"").expect("b");
        let mut report = Report::default();
        report.sources.insert("a.json".to_owned(), text.into());
        let found = Diagnostic::new(Code::Schema, "unexpected `\u{1b}]0;title\u{7}`")
            .in_file("a.json")
            .at(Span::new(b, b + 3))
            .with_label("after \u{202e}this");
        let style = Style {
            color: false,
            width: 80,
        };
        let out = diagnostic(style, &report, &found);
        assert!(!out.contains(is_unprintable), "{out:?}");
        // Offsets still point at the right place: the label is under `"b"`.
        let line = out.lines().find(|l| l.contains("\"b\"")).expect("the line");
        let marker = out.lines().find(|l| l.contains('┬')).expect("the label");
        let column = |s: &str, pat: char| s.chars().position(|c| c == pat).expect("found");
        assert_eq!(
            column(line, 'b') - 1,
            column(marker, '─').min(column(marker, '┬')),
            "{out}"
        );
    }

    #[test]
    fn short_lines_are_shown_whole_with_their_neighbours() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
        let out = render(text, Span::new(4, 7), Span::new(14, 17));
        for line in ["{", "  \"a\": 1,", "  \"b\": 2", "}"] {
            assert!(out.contains(line), "{line:?} missing:\n{out}");
        }
    }
}
