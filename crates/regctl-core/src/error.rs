//! Failures: the tool could not do its job (as opposed to findings about the data, which are
//! [`crate::Diagnostic`]s). The CLI maps every `Error` to exit code 1.

use std::io;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

use crate::span::{Position, Span, position};

/// Something stopped regctl from reading or checking a registry.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("could not find `regctl.toml` in `{start}` or any parent directory")]
    #[diagnostic(
        code(regctl::no_config),
        help(
            "run regctl inside a registry (a directory with regctl.toml, or below one), or pass its path"
        )
    )]
    NoConfig { start: String },

    #[error("failed to read `{path}`")]
    #[diagnostic(code(regctl::io))]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },

    #[error("failed to write `{path}`")]
    #[diagnostic(code(regctl::io))]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<ConfigError>),

    #[error("failed to {action}")]
    #[diagnostic(code(regctl::git))]
    Git {
        action: String,
        #[source]
        source: Box<gix::Error>,
    },

    #[error("cannot read `{url}`: {reason}")]
    #[diagnostic(code(regctl::remote))]
    Remote { url: String, reason: String },

    #[error("another regctl is writing to this directory (lock `{path}` is held)")]
    #[diagnostic(
        code(regctl::locked),
        help("wait for the other compose to finish; the lock is released when its process ends")
    )]
    Locked { path: String },

    #[error("`regctl.toml` has no `[ownership]` table, so entries have no owners")]
    #[diagnostic(
        code(regctl::no_ownership),
        help(
            "declare which kind holds teams: `[ownership]` with `team_kind` and `members` (see docs/config.md)"
        )
    )]
    NoOwnership,

    #[error("`renames.toml` is not usable: {reason}")]
    #[diagnostic(
        code(regctl::renames),
        help(
            "each `[[renamed]]` record has string fields `kind`, `from` and `to`, as `regctl rename` writes them"
        )
    )]
    Renames { reason: String },

    #[error("cannot write the index to `{path}`: {reason}")]
    #[diagnostic(
        code(regctl::bad_output),
        help(
            "choose a directory outside the kinds' directories, such as the default `dist/index`"
        )
    )]
    BadOutput { path: String, reason: String },

    #[error("cannot use git at `{path}`: {reason}")]
    #[diagnostic(code(regctl::not_git))]
    NotGit { path: String, reason: String },

    #[error("the base revision `{spec}` is not available: {reason}")]
    #[diagnostic(code(regctl::missing_base), help("{}", missing_base_help(*shallow)))]
    MissingBase {
        spec: String,
        reason: String,
        shallow: bool,
    },
}

fn missing_base_help(shallow: bool) -> &'static str {
    if shallow {
        "this is a shallow clone, so the base commit's history is missing: fetch it (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
    } else {
        "fetch the base branch first (`git fetch origin main`), or with actions/checkout use `fetch-depth: 0`"
    }
}

/// `regctl.toml` is not usable; every problem found is listed, each at its line and column.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid registry configuration in `{path}`: {}", summarize(.problems))]
#[diagnostic(code(regctl::config))]
pub struct ConfigError {
    pub path: String,
    #[related]
    pub problems: Vec<ConfigProblem>,
}

fn summarize(problems: &[ConfigProblem]) -> String {
    match problems {
        [one] => one.message.clone(),
        many => format!("{} problems", many.len()),
    }
}

/// One problem in `regctl.toml`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(severity(Error))]
pub struct ConfigProblem {
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    #[label("{}", label.as_deref().unwrap_or("here"))]
    pub span: Option<SourceSpan>,
    pub label: Option<String>,
    #[help]
    pub help: Option<String>,
    /// Where the problem is, for machine output.
    pub position: Option<Position>,
}

/// Collects configuration problems against one source file.
pub(crate) struct ProblemSink {
    path: String,
    text: Arc<str>,
    problems: Vec<ConfigProblem>,
}

impl ProblemSink {
    pub(crate) fn new(path: &str, text: Arc<str>) -> ProblemSink {
        ProblemSink {
            path: path.to_owned(),
            text,
            problems: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        message: impl Into<String>,
        span: Option<Span>,
        help: Option<String>,
    ) {
        let span =
            span.map(|s| Span::new(s.start.min(self.text.len()), s.end.min(self.text.len())));
        self.problems.push(ConfigProblem {
            message: message.into(),
            src: NamedSource::new(&self.path, self.text.clone()),
            span: span.map(|s| SourceSpan::from(s.start..s.end)),
            label: None,
            help,
            position: span.map(|s| position(&self.text, s)),
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.problems.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub(crate) fn finish(mut self) -> Result<(), Error> {
        self.problems
            .sort_by_key(|problem| problem.span.map(|span| span.offset()));
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(Box::new(ConfigError {
                path: self.path,
                problems: self.problems,
            })))
        }
    }
}
