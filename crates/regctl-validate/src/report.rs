//! The end of a run: levels and suppressions applied, positions computed, order fixed.

use std::collections::HashMap;
use std::sync::Arc;

use regctl_core::config::Config;
use regctl_core::span::position;
use regctl_core::{Code, Diagnostic, Error, Severity, Snapshot};

use crate::Run;
use crate::change::Acknowledgement;

/// The outcome of validating a registry.
#[derive(Debug, Default)]
pub struct Report {
    /// Reported diagnostics, sorted by file, line, column and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Descriptor files checked.
    pub n_files: usize,
    /// Entries that parsed.
    pub n_entries: usize,
    /// Diagnostics silenced by a descriptor's own `regctl` table.
    pub n_suppressed: usize,
    /// Entries added or modified since the base, when a change was judged.
    pub n_changed: Option<usize>,
    /// Entries deleted since the base, when a change was judged.
    pub n_removed: Option<usize>,
    /// Commit trailers that acknowledged diagnostics, with how many each silenced.
    pub honoured: Vec<Honoured>,
    /// The text of every file a diagnostic points into, for rendering.
    pub sources: HashMap<String, Arc<str>>,
}

/// An acknowledgement that silenced diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Honoured {
    pub acknowledgement: Acknowledgement,
    pub count: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    }

    /// The distinct codes of error-level diagnostics, in order.
    pub fn error_codes(&self) -> Vec<Code> {
        let mut codes: Vec<Code> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

pub(crate) fn finish(
    config: &Config,
    snapshot: &dyn Snapshot,
    run: &Run,
    diagnostics: Vec<Diagnostic>,
    acknowledgements: &[Acknowledgement],
    change: Option<(usize, usize)>,
) -> Result<Report, Error> {
    let entries = &run.entries;
    let allowed: HashMap<&str, &[Code]> = entries
        .iter()
        .filter(|entry| !entry.allow().is_empty())
        .map(|entry| (entry.path.as_str(), entry.allow()))
        .collect();
    let mut n_suppressed = 0;
    let mut honoured: Vec<Honoured> = Vec::new();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for mut diagnostic in diagnostics {
        let Some(severity) = Severity::from_level(config.level(diagnostic.code)) else {
            continue;
        };
        if let Some(ack) = acknowledgements.iter().find(|ack| {
            ack.code == diagnostic.code && diagnostic.entry.as_deref() == Some(ack.entry.as_str())
        }) {
            match honoured.iter_mut().find(|h| &h.acknowledgement == ack) {
                Some(h) => h.count += 1,
                None => honoured.push(Honoured {
                    acknowledgement: ack.clone(),
                    count: 1,
                }),
            }
            continue;
        }
        let suppressed = diagnostic
            .file
            .as_deref()
            .and_then(|file| allowed.get(file))
            .is_some_and(|codes| codes.contains(&diagnostic.code));
        if suppressed {
            n_suppressed += 1;
            continue;
        }
        diagnostic.severity = severity;
        kept.push(diagnostic);
    }

    let mut sources: HashMap<String, Arc<str>> = run.sources.iter().cloned().collect();
    for diagnostic in &mut kept {
        fill_position(diagnostic, snapshot, &mut sources)?;
    }
    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(Report {
        diagnostics: kept,
        n_files: run.n_files,
        n_entries: entries.iter().filter(|entry| !entry.broken).count(),
        n_suppressed,
        n_changed: change.map(|(changed, _)| changed),
        n_removed: change.map(|(_, removed)| removed),
        honoured,
        sources,
    })
}

fn fill_position(
    diagnostic: &mut Diagnostic,
    snapshot: &dyn Snapshot,
    sources: &mut HashMap<String, Arc<str>>,
) -> Result<(), Error> {
    if let (Some(file), Some(span)) = (&diagnostic.file, diagnostic.span)
        && let Some(text) = source(file, snapshot, sources)?
    {
        diagnostic.position = Some(position(&text, span));
    }
    for related in &mut diagnostic.related {
        if let Some(text) = source(&related.file, snapshot, sources)? {
            related.position = Some(position(&text, related.span));
        }
    }
    Ok(())
}

fn source(
    file: &str,
    snapshot: &dyn Snapshot,
    sources: &mut HashMap<String, Arc<str>>,
) -> Result<Option<Arc<str>>, Error> {
    if let Some(text) = sources.get(file) {
        return Ok(Some(text.clone()));
    }
    let Some(bytes) = snapshot.read(file)? else {
        return Ok(None);
    };
    let text: Arc<str> = String::from_utf8_lossy(&bytes).into();
    sources.insert(file.to_owned(), text.clone());
    Ok(Some(text))
}

/// The path of a registry file relative to the repository root, given the registry's
/// directory in the repository.
pub fn repo_path(prefix: &str, file: &str) -> String {
    if prefix.is_empty() {
        file.to_owned()
    } else {
        format!("{prefix}/{file}")
    }
}
