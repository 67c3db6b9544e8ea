//! The one diagnostic shape every rule produces and every renderer consumes.

use std::fmt;

use crate::code::{Code, Level};
use crate::span::{Position, Span};

/// How serious a reported diagnostic is, after `[rules]` levels are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// The severity a level reports with, or `None` for `allow`.
    pub fn from_level(level: Level) -> Option<Severity> {
        match level {
            Level::Deny => Some(Severity::Error),
            Level::Warn => Some(Severity::Warning),
            Level::Allow => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains a diagnostic, such as "first defined here".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub file: String,
    pub span: Span,
    pub message: String,
    /// Filled in with the diagnostic's own position.
    pub position: Option<Position>,
}

/// A finding about the registry's data.
///
/// Rules create diagnostics with their code's default severity; the validator then applies
/// `[rules]` levels and suppressions, and fills in [`Diagnostic::position`] from the file text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Path relative to the registry root, `/`-separated; `None` for registry-wide findings.
    pub file: Option<String>,
    /// The exact bytes the finding is about.
    pub span: Option<Span>,
    /// Line and column of `span`, derived from the file text before reporting.
    pub position: Option<Position>,
    /// `kind:id` of the entry, when known.
    pub entry: Option<String>,
    pub message: String,
    /// A short label shown under the source line; defaults to the message.
    pub label: Option<String>,
    pub help: Option<String>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic with `code`'s default severity (errors for `allow`-by-default codes, which
    /// are dropped later anyway).
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::from_level(code.default_level()).unwrap_or(Severity::Error),
            file: None,
            span: None,
            position: None,
            entry: None,
            message: message.into(),
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn for_entry(mut self, entry: Option<&str>) -> Diagnostic {
        self.entry = entry.map(str::to_owned);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(
        mut self,
        file: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.related.push(Related {
            file: file.into(),
            span,
            message: message.into(),
            position: None,
        });
        self
    }

    /// The key diagnostics are reported in: file, line, column, then code.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.file.as_deref(),
            self.position.map(|p| p.start),
            self.span.map(|s| s.start),
            self.code,
            &self.message,
        )
    }
}
