//! The validator: runs every rule over a registry snapshot and returns a [`Report`].
//!
//! Work happens in two phases. Each descriptor is read, parsed and checked on its own, in
//! parallel ([`mod@file`]); that phase keeps only a small [`EntrySummary`] per entry (id, versions,
//! references, unique values, with their spans). The cross-file rules ([`cross`]) then run on
//! the summaries alone, so memory stays proportional to the summaries, not to the documents.
//! Finally levels and suppressions are applied and positions computed ([`report`]).

pub mod cross;
pub mod file;
pub mod report;
mod schema_errors;

use rayon::prelude::*;
use regctl_core::config::Config;
use regctl_core::discover::discover;
use regctl_core::{Error, Snapshot};

pub use file::EntrySummary;
pub use report::Report;

/// Validates the whole registry in `snapshot` with the compiled `config`.
///
/// Findings about the data are in the report; `Err` means the registry could not be read.
pub fn validate(config: &Config, snapshot: &dyn Snapshot) -> Result<Report, Error> {
    let discovered = discover(config, snapshot)?;
    let outcomes = discovered
        .descriptors
        .par_iter()
        .map(|descriptor| file::check(config, snapshot, descriptor))
        .collect::<Result<Vec<_>, Error>>()?;
    let n_files = outcomes.len();
    let mut diagnostics = discovered.diagnostics;
    let mut entries = Vec::with_capacity(outcomes.len());
    let mut sources = Vec::new();
    for outcome in outcomes {
        diagnostics.extend(outcome.diagnostics);
        if let Some(text) = outcome.text {
            sources.push((outcome.path, text));
        }
        entries.push(outcome.entry);
    }
    diagnostics.extend(cross::check(config, &entries));
    report::finish(config, snapshot, n_files, &entries, diagnostics, sources)
}
