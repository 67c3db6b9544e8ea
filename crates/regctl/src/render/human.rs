//! Human output: miette reports with the source line and a label at the field.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use regctl_core::{Diagnostic, Error, Severity};
use regctl_validate::Report;

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
    let view = View::new(report, diagnostic);
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
    let change = match (against, report.n_changed) {
        (Some(base), Some(changed)) => {
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
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

impl View {
    fn new(report: &Report, diagnostic: &Diagnostic) -> View {
        let source = diagnostic
            .file
            .as_ref()
            .and_then(|file| report.sources.get(file).map(|text| (file, text)));
        let has_snippet = source.is_some() && diagnostic.span.is_some();
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(span) = diagnostic.span.filter(|_| has_snippet) {
            labels.push(LabeledSpan::new_primary_with_span(
                diagnostic.label.clone(),
                span.start..span.end,
            ));
        }
        for other in &diagnostic.related {
            if has_snippet && Some(&other.file) == diagnostic.file.as_ref() {
                labels.push(LabeledSpan::new_with_span(
                    Some(other.message.clone()),
                    other.span.start..other.span.end,
                ));
            } else if let Some(text) = report.sources.get(&other.file) {
                related.push(View {
                    severity: None,
                    message: other.message.clone(),
                    help: None,
                    source: Some(NamedSource::new(&other.file, text.clone())),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(other.message.clone()),
                        other.span.start..other.span.end,
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
            message,
            help: diagnostic.help.clone(),
            source: source.map(|(file, text)| NamedSource::new(file, text.clone())),
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
