//! Ownership as a CODEOWNERS file, so the git host enforces owner review.

use std::collections::BTreeMap;

use regctl_core::config::Config;
use regctl_core::document::Document;
use regctl_core::{Error, Snapshot};
use serde_json::Value;

/// The line that opens the block `regctl codeowners` manages in a CODEOWNERS file.
pub const BEGIN: &str =
    "# BEGIN regctl codeowners: generated from registry owners, do not edit by hand";
/// The line that closes it.
pub const END: &str = "# END regctl codeowners";

/// The generated block, and what could not be assigned.
#[derive(Debug)]
pub struct Codeowners {
    /// The block, from [`BEGIN`] to [`END`], each line ending in `\n`.
    pub block: String,
    /// Entries written.
    pub n_entries: usize,
    /// `kind:id` of entries whose team is unknown or has no members.
    pub unowned: Vec<String>,
}

/// Builds the CODEOWNERS block: one line per owned entry, sorted by path, naming the owning
/// team (`[ownership] codeowners`, e.g. `@acme/{team}`) or its members as `@handle`.
///
/// Paths are written relative to the repository root: `repo_prefix` is the registry's
/// directory in the repository.
pub fn codeowners(
    config: &Config,
    snapshot: &dyn Snapshot,
    repo_prefix: &str,
) -> Result<Codeowners, Error> {
    let Some(ownership) = &config.ownership else {
        return Err(Error::NoOwnership);
    };
    let found = regctl_core::discover::discover(config, snapshot)?;
    let run = crate::run(config, snapshot, found, crate::Mode::Plain { visit: None })?;
    let mut members: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for team in run
        .entries
        .iter()
        .filter(|e| e.kind == ownership.team_kind && !e.broken)
    {
        let Some(bytes) = snapshot.read(&team.path)? else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let Some(format) = regctl_core::document::Format::from_path(&team.path) else {
            continue;
        };
        let Ok(doc) = Document::parse(format, &text, config.limits.max_depth) else {
            continue;
        };
        let handles = ownership
            .members
            .matches(&doc.value)
            .into_iter()
            .flat_map(|m| match m.value {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Value::String(handle) => vec![handle.clone()],
                _ => Vec::new(),
            })
            .collect();
        members.insert(team.id.as_str(), handles);
    }

    let mut entries: Vec<_> = run.entries.iter().filter(|e| !e.broken).collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut block = format!("{BEGIN}\n");
    let mut n_entries = 0;
    let mut unowned = Vec::new();
    for entry in entries {
        let team = if entry.kind == ownership.team_kind {
            Some(entry.id.as_str())
        } else {
            entry.owner()
        };
        let Some(team) = team else {
            continue; // the kind has no owner field
        };
        let owners = match &ownership.codeowners {
            Some(template) => vec![template.replace("{team}", team)],
            None => members
                .get(team)
                .map(|handles| {
                    handles
                        .iter()
                        .map(|h| format!("@{}", h.trim_start_matches('@')))
                        .collect()
                })
                .unwrap_or_default(),
        };
        if owners.is_empty() {
            unowned.push(entry.key(config));
            continue;
        }
        let path = crate::report::repo_path(repo_prefix, &entry.path);
        block.push_str(&format!(
            "/{} {}\n",
            path.replace(' ', "\\ "),
            owners.join(" ")
        ));
        n_entries += 1;
    }
    block.push_str(END);
    block.push('\n');
    Ok(Codeowners {
        block,
        n_entries,
        unowned,
    })
}

/// `existing` with its regctl block replaced by `block` (appended when it has none).
pub fn splice(existing: &str, block: &str) -> String {
    let begin = existing.find(BEGIN);
    let end = existing.find(END).map(|i| i + END.len());
    match (begin, end) {
        (Some(begin), Some(end)) if begin < end => {
            let rest = existing[end..]
                .strip_prefix('\n')
                .unwrap_or(&existing[end..]);
            format!("{}{block}{rest}", &existing[..begin])
        }
        _ if existing.trim().is_empty() => block.to_owned(),
        _ => {
            let separator = if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{existing}{separator}{block}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_managed_block() {
        let block = format!("{BEGIN}\n/a @x\n{END}\n");
        assert_eq!(splice("", &block), block);
        let manual = "# manual\n/docs @writers\n";
        let once = splice(manual, &block);
        assert_eq!(once, format!("{manual}\n{block}"));
        let newer = format!("{BEGIN}\n/a @y\n{END}\n");
        assert_eq!(splice(&once, &newer), format!("{manual}\n{newer}"));
    }
}
