//! JSON output documents. These structs are the documented, stable shape of `--output json`;
//! they are separate from the internal types so that refactoring never changes the output.

use regctl_core::Diagnostic;
use regctl_core::code::RuleInfo;
use regctl_validate::Report;
use serde::Serialize;

use crate::render::FORMAT_VERSION;
use crate::snapshots::{Revision, Target};

/// `regctl validate --output json`.
#[derive(Serialize)]
pub(crate) struct ValidateOutput<'a> {
    format_version: u32,
    /// The snapshot validated.
    head: RevisionOut<'a>,
    /// The base of the change, with `--base` or `--staged`.
    base: Option<RevisionOut<'a>>,
    summary: Summary,
    diagnostics: Vec<DiagnosticOut<'a>>,
    /// Commit trailers that silenced diagnostics.
    acknowledged: Vec<AcknowledgedOut<'a>>,
}

#[derive(Serialize)]
struct RevisionOut<'a> {
    rev: &'a str,
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct AcknowledgedOut<'a> {
    code: &'static str,
    entry: &'a str,
    commit: &'a str,
    silenced: usize,
}

impl<'a> RevisionOut<'a> {
    fn new(revision: &'a Revision) -> RevisionOut<'a> {
        RevisionOut {
            rev: &revision.name,
            commit: revision.commit.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    entries: usize,
    /// Entries added or modified since the base, with `--base` or `--staged`.
    changed: Option<usize>,
    /// Entries deleted since the base, with `--base` or `--staged`.
    removed: Option<usize>,
    errors: usize,
    warnings: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct DiagnosticOut<'a> {
    code: &'static str,
    severity: &'static str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    entry: Option<&'a str>,
    message: &'a str,
    help: Option<&'a str>,
    related: Vec<RelatedOut<'a>>,
}

#[derive(Serialize)]
struct RelatedOut<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

impl<'a> ValidateOutput<'a> {
    pub(crate) fn new(
        report: &'a Report,
        shown: &[&'a Diagnostic],
        target: &'a Target,
    ) -> ValidateOutput<'a> {
        ValidateOutput {
            format_version: FORMAT_VERSION,
            head: RevisionOut::new(&target.head_revision),
            base: target
                .base
                .as_ref()
                .map(|(_, revision)| RevisionOut::new(revision)),
            acknowledged: report
                .honoured
                .iter()
                .map(|h| AcknowledgedOut {
                    code: h.acknowledgement.code.as_str(),
                    entry: &h.acknowledgement.entry,
                    commit: &h.acknowledgement.commit,
                    silenced: h.count,
                })
                .collect(),
            summary: Summary {
                files: report.n_files,
                entries: report.n_entries,
                changed: report.n_changed,
                removed: report.n_removed,
                errors: report.errors(),
                warnings: report.warnings(),
                suppressed: report.n_suppressed,
            },
            diagnostics: shown.iter().map(|d| diagnostic(d)).collect(),
        }
    }
}

fn diagnostic(d: &Diagnostic) -> DiagnosticOut<'_> {
    DiagnosticOut {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        file: d.file.as_deref(),
        line: d.position.map(|p| p.start.line),
        column: d.position.map(|p| p.start.column),
        end_line: d.position.map(|p| p.end.line),
        end_column: d.position.map(|p| p.end.column),
        entry: d.entry.as_deref(),
        message: &d.message,
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| RelatedOut {
                file: &r.file,
                line: r.position.map(|p| p.start.line),
                column: r.position.map(|p| p.start.column),
                message: &r.message,
            })
            .collect(),
    }
}

/// One rule, as `regctl rules --output json` and `regctl explain --output json` print it.
#[derive(Serialize)]
pub(crate) struct RuleOut {
    code: &'static str,
    default_level: &'static str,
    scope: &'static str,
    summary: &'static str,
    explanation: &'static str,
    bad: &'static str,
    good: &'static str,
}

impl RuleOut {
    pub(crate) fn new(rule: &RuleInfo) -> RuleOut {
        RuleOut {
            code: rule.code.as_str(),
            default_level: rule.default_level.as_str(),
            scope: rule.scope.as_str(),
            summary: rule.summary,
            explanation: rule.explanation,
            bad: rule.bad,
            good: rule.good,
        }
    }
}

/// `regctl rules --output json`.
#[derive(Serialize)]
pub(crate) struct RulesOutput {
    pub(crate) format_version: u32,
    pub(crate) rules: Vec<RuleOut>,
}

/// `regctl explain --output json`.
#[derive(Serialize)]
pub(crate) struct ExplainOutput {
    pub(crate) format_version: u32,
    #[serde(flatten)]
    pub(crate) rule: RuleOut,
}
