//! Change rules: judge a head snapshot against its base (a pull request, a staged commit).
//!
//! The head has already been validated in full; here we find what changed, run the rules that
//! compare base and head (immutable releases, versions going up, deletions, breaking changes,
//! ownership), and keep only the diagnostics about changed entries and their neighbours.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use regctl_core::config::{Config, ContractRule, Kind};
use regctl_core::discover::DescriptorFile;
use regctl_core::document::{Document, Format};
use regctl_core::git::Trailer;
use regctl_core::pointer::{Pattern, format_path, lookup};
use regctl_core::version::Version;
use regctl_core::{Code, Diagnostic, Error, Snapshot, Span};
use serde_json::Value;

use crate::Run;
use crate::cache::SummaryCache;
use crate::file::EntrySummary;
use crate::focus::Head;

/// What a change is judged against.
pub struct Base<'a> {
    /// The base snapshot (the merge base of the pull request, or `HEAD` for staged changes).
    pub snapshot: &'a dyn Snapshot,
    /// When git compared the two sides ([`regctl_core::git::GitRepo::base_changes`]): the
    /// head's paths that differ from the base, in path order; `snapshot` then holds only the
    /// base's files that differ from the head. Without it, `snapshot` is the whole base.
    pub changed: Option<&'a [String]>,
    /// Violations acknowledged in commit trailers between base and head.
    pub acknowledgements: Vec<Acknowledgement>,
    /// The handle of the change's author, for `not-owner`.
    pub actor: Option<String>,
    /// Report diagnostics about untouched entries too.
    pub report_all: bool,
    /// Where to keep entry summaries between runs, so untouched entries are not re-read.
    pub cache_dir: Option<&'a std::path::Path>,
}

/// A `Regctl-Allow: <code> <kind:id>` commit trailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    pub code: Code,
    /// `kind:id` of the entry.
    pub entry: String,
    /// The commit that carries the trailer.
    pub commit: String,
}

/// The trailer token that acknowledges a violation.
pub const ALLOW_TRAILER: &str = "Regctl-Allow";

/// The acknowledgements among `trailers`; malformed ones are ignored.
pub fn acknowledgements(trailers: &[Trailer]) -> Vec<Acknowledgement> {
    trailers
        .iter()
        .filter(|trailer| trailer.token.eq_ignore_ascii_case(ALLOW_TRAILER))
        .filter_map(|trailer| {
            let mut words = trailer.value.split_whitespace();
            let code = words.next()?.parse().ok()?;
            let entry = words.next()?.to_owned();
            Some(Acknowledgement {
                code,
                entry,
                commit: trailer.commit.short(),
            })
        })
        .collect()
}

/// What judging a change found.
pub(crate) struct Judged {
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Entries added or modified.
    pub(crate) n_changed: usize,
    /// Entries deleted (a renamed entry counts as changed under its new name, not as removed).
    pub(crate) n_removed: usize,
    /// Summaries decoded from the cache for the cross-file rules, by index in the run's
    /// entries (which held only stubs of them).
    pub(crate) decoded: Vec<(usize, EntrySummary)>,
}

/// Runs the change rules and filters the head's diagnostics down to what the change touches.
///
/// Unless every diagnostic is reported, the cross-file rules run here, around what changed
/// ([`crate::focus`]); `cache` holds the summaries the run left encoded.
pub(crate) fn judge(
    config: &Config,
    head: &dyn Snapshot,
    base: &Base<'_>,
    base_found: &regctl_core::discover::Discovered,
    run: &Run,
    cache: Option<&SummaryCache>,
) -> Result<Judged, Error> {
    let mut added: Vec<&EntrySummary> = Vec::new();
    let mut modified: Vec<(&DescriptorFile, &EntrySummary)> = Vec::new();
    let mut changed_at: Vec<usize> = Vec::new();
    let mut kept = vec![false; base_found.descriptors.len()];
    for (i, entry) in run.entries.iter().enumerate() {
        let was = run.base_of.get(i).copied().flatten();
        if let Some(b) = was {
            kept[b] = true;
        }
        match was.map(|b| &base_found.descriptors[b]) {
            // The base holds only what differs: a file missing from it is the same in both.
            None if !differs(base.changed, &entry.path) => continue,
            None => added.push(entry),
            Some(file) if file.id.is_none() || file.id != entry.content => {
                modified.push((file, entry))
            }
            Some(_) => continue,
        }
        changed_at.push(i);
    }
    let removed: Vec<&DescriptorFile> = base_found
        .descriptors
        .iter()
        .zip(&kept)
        .filter(|&(_, &kept)| !kept)
        .map(|(file, _)| file)
        .collect();
    // Without a change there is nothing to look up across the registry.
    let skimmed = (!changed_at.is_empty() || !removed.is_empty())
        .then(|| Head::new(config, &run.entries, &run.cached, cache));

    let ctx = Judge {
        config,
        head,
        base: base.snapshot,
        base_files: &base_found.descriptors,
    };
    let mut out = Vec::new();
    let renamed = ctx.renames(&removed, &added, &mut out)?;
    for (base_file, entry) in &modified {
        ctx.releases_and_contract(base_file, entry, &mut out)?;
    }
    if let Some(skimmed) = &skimmed {
        for file in removed
            .iter()
            .filter(|file| !renamed.contains(file.path.as_str()))
        {
            ctx.removal(file, skimmed, &run.entries, &mut out)?;
        }
    }
    if let (Some(actor), Some(_)) = (&base.actor, &config.ownership) {
        for entry in &added {
            ctx.ownership(actor, None, Some(entry), &mut out)?;
        }
        for (base_file, entry) in &modified {
            ctx.ownership(actor, Some(base_file), Some(entry), &mut out)?;
        }
        for file in &removed {
            ctx.ownership(actor, Some(file), None, &mut out)?;
        }
    }

    let n_changed = added.len() + modified.len();
    let n_removed = removed
        .iter()
        .filter(|file| !renamed.contains(file.path.as_str()))
        .count();
    if base.report_all {
        out.extend(run.diagnostics());
        return Ok(Judged {
            diagnostics: out,
            n_changed,
            n_removed,
            decoded: Vec::new(),
        });
    }
    let changed: foldhash::HashSet<&str> = changed_at
        .iter()
        .map(|&i| run.entries[i].path.as_str())
        .collect();
    let removed_keys: foldhash::HashSet<(usize, &str)> =
        removed.iter().map(|f| (f.kind, f.stem())).collect();
    let focused = skimmed
        .as_ref()
        .map(|skimmed| skimmed.cross_findings(&changed_at, &removed_keys))
        .unwrap_or_default();
    let affected = focused.affected;
    let base_discovery: HashSet<(Code, Option<&str>)> = base_found
        .diagnostics
        .iter()
        .map(|d| (d.code, d.file.as_deref()))
        .collect();
    let touches = |d: &Diagnostic, set: &foldhash::HashSet<&str>| {
        d.file.as_deref().is_some_and(|f| set.contains(f))
    };
    out.extend(
        run.discovery
            .iter()
            .filter(|d| !base_discovery.contains(&(d.code, d.file.as_deref())))
            .filter(|d| d.file.as_deref().is_none_or(|f| differs(base.changed, f)))
            .cloned(),
    );
    out.extend(
        run.per_file
            .iter()
            .filter(|d| touches(d, &changed))
            .cloned(),
    );
    out.extend(focused.cross.into_iter().filter(|d| {
        touches(d, &affected) || d.related.iter().any(|r| changed.contains(r.file.as_str()))
    }));
    Ok(Judged {
        diagnostics: out,
        n_changed,
        n_removed,
        decoded: focused.decoded,
    })
}

/// Whether the head's file at `path` may differ from the base's, given the paths that do
/// ([`Base::changed`]; without them, any may).
pub(crate) fn differs(changed: Option<&[String]>, path: &str) -> bool {
    changed.is_none_or(|changed| {
        changed
            .binary_search_by(|other| other.as_str().cmp(path))
            .is_ok()
    })
}

struct Judge<'a> {
    config: &'a Config,
    head: &'a dyn Snapshot,
    base: &'a dyn Snapshot,
    base_files: &'a [DescriptorFile],
}

/// A descriptor's text, parsed on demand.
struct Source {
    format: Format,
    text: String,
}

impl Source {
    fn read(snapshot: &dyn Snapshot, path: &str) -> Result<Option<Source>, Error> {
        let Some(format) = Format::from_path(path) else {
            return Ok(None);
        };
        let Some(bytes) = snapshot.read(path)? else {
            return Ok(None);
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(None); // the head's `encoding` diagnostic says why
        };
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text);
        Ok(Some(Source { format, text }))
    }

    fn parse(&self, max_depth: usize) -> Option<Document<'_>> {
        let mut doc = Document::parse(self.format, &self.text, max_depth).ok()?;
        if let Some(map) = doc.value.as_object_mut() {
            map.remove(crate::file::SUPPRESSION_KEY);
        }
        Some(doc)
    }
}

/// One released version of an entry, as found in a document.
struct Release<'d> {
    version: Version,
    /// Path of the record (the object holding the version).
    path: Vec<String>,
    record: &'d Value,
    current: bool,
}

impl<'a> Judge<'a> {
    fn kind(&self, index: usize) -> &'a Kind {
        &self.config.kinds[index]
    }

    fn entry_key(&self, kind: usize, id: &str) -> String {
        format!("{}:{id}", self.kind(kind).name)
    }

    /// Pairs deleted and added entries of one kind whose content is the same apart from the id.
    fn renames(
        &self,
        removed: &[&DescriptorFile],
        added: &[&EntrySummary],
        out: &mut Vec<Diagnostic>,
    ) -> Result<HashSet<String>, Error> {
        let mut renamed = HashSet::new();
        if removed.is_empty() || added.is_empty() {
            return Ok(renamed);
        }
        let max_depth = self.config.limits.max_depth;
        let mut claimed: HashSet<&str> = HashSet::new();
        for old in removed {
            let Some(old_source) = Source::read(self.base, &old.path)? else {
                continue;
            };
            let old_value = old_source
                .parse(max_depth)
                .map(|doc| without_id(self.kind(old.kind), doc.value));
            for new in added
                .iter()
                .filter(|e| e.kind == old.kind && !claimed.contains(e.path.as_str()))
            {
                let same = match (old.id, new.content) {
                    (Some(a), Some(b)) if a == b => true,
                    _ => {
                        let Some(new_source) = Source::read(self.head, &new.path)? else {
                            continue;
                        };
                        let new_value = new_source
                            .parse(max_depth)
                            .map(|doc| without_id(self.kind(new.kind), doc.value));
                        old_value.is_some() && old_value == new_value
                    }
                };
                if same {
                    claimed.insert(new.path.as_str());
                    renamed.insert(old.path.clone());
                    out.push(
                        Diagnostic::new(
                            Code::EntryRenamed,
                            format!(
                                "`{}` was renamed to `{}` (from `{}`)",
                                self.entry_key(old.kind, old.stem()),
                                new.key(self.config),
                                old.path
                            ),
                        )
                        .in_file(new.path.clone())
                        .for_entry(Some(&new.key(self.config)))
                        .with_related(old.path.clone(), Span::default(), "the old path")
                        .with_help("consumers that look the old id up will no longer find it"),
                    );
                    break;
                }
            }
        }
        Ok(renamed)
    }

    fn releases_and_contract(
        &self,
        base_file: &DescriptorFile,
        entry: &EntrySummary,
        out: &mut Vec<Diagnostic>,
    ) -> Result<(), Error> {
        let kind = self.kind(entry.kind);
        if kind.version.is_none() {
            return Ok(());
        }
        let (Some(base_source), Some(head_source)) = (
            Source::read(self.base, &base_file.path)?,
            Source::read(self.head, &entry.path)?,
        ) else {
            return Ok(());
        };
        let max_depth = self.config.limits.max_depth;
        let (Some(base_doc), Some(head_doc)) =
            (base_source.parse(max_depth), head_source.parse(max_depth))
        else {
            return Ok(()); // the head's own diagnostics cover a broken file
        };
        let key = entry.key(self.config);
        let push = |out: &mut Vec<Diagnostic>, diagnostic: Diagnostic| {
            out.push(diagnostic.in_file(entry.path.clone()).for_entry(Some(&key)));
        };
        let base_releases = releases(kind, &base_doc.value);
        let head_releases = releases(kind, &head_doc.value);
        let head_current = head_releases.iter().find(|r| r.current);
        let base_current = base_releases.iter().find(|r| r.current);

        // A lowered current version is reported once, as `version-decreased`, not also as the
        // removal of the release it replaced.
        let lowered = matches!((base_current, head_current), (Some(old), Some(new)) if new.version < old.version);
        for old in &base_releases {
            let Some(new) = head_releases.iter().find(|r| r.version == old.version) else {
                // Without a history, a new release necessarily replaces the old one.
                if (lowered || kind.history.is_none()) && old.current {
                    continue;
                }
                let span = match (&kind.history, head_current) {
                    (Some(history), _) if history.get(&head_doc.value).is_some() => {
                        head_doc.locate(&history.keys()).span()
                    }
                    (_, Some(current)) => head_doc.locate(&current.path).span(),
                    _ => Span::default(),
                };
                push(
                    out,
                    Diagnostic::new(Code::ReleasedImmutable, format!("released version `{}` was removed", old.version))
                        .at(span)
                        .with_help("released versions are never deleted; keep the record (in the history) and set `yanked = true` instead"),
                );
                continue;
            };
            if old.current && new.current {
                self.compare_current(kind, &base_doc, &head_doc, old, new, out, &push);
                continue;
            }
            let (a, b) = (
                strip(old.record, &kind.mutable),
                strip(new.record, &kind.mutable),
            );
            if let Some(diff) = first_difference(&a, &b) {
                let mut path = new.path.clone();
                path.extend(diff.iter().cloned());
                push(
                    out,
                    Diagnostic::new(
                        Code::ReleasedImmutable,
                        format!("released version `{}` changed: `{}` differs from the base", old.version, format_path(&path)),
                    )
                    .at(head_doc.locate(&path).span())
                    .with_label("changed after release")
                    .with_help("released versions are immutable; publish the change as a new version, or yank this one"),
                );
            }
        }

        if let (Some(old), Some(new)) = (base_current, head_current)
            && new.version != old.version
        {
            let highest = base_releases
                .iter()
                .map(|r| &r.version)
                .max()
                .unwrap_or(&old.version);
            if new.version <= *highest {
                let mut path = new.path.clone();
                path.push(version_key(kind));
                push(
                    out,
                    Diagnostic::new(
                        Code::VersionDecreased,
                        format!("version `{}` is not greater than `{highest}`, the highest version in the base", new.version),
                    )
                    .at(head_doc.locate(&path).span())
                    .with_label(format!("must be greater than {highest}"))
                    .with_help("versions only go up; pick a version above every released one"),
                );
            }
            self.contract(kind, &base_doc, &head_doc, old, new, out, &push);
        }
        Ok(())
    }

    /// The current version did not change: its release content must not have either.
    #[allow(clippy::too_many_arguments)]
    fn compare_current(
        &self,
        kind: &Kind,
        base_doc: &Document<'_>,
        head_doc: &Document<'_>,
        old: &Release<'_>,
        new: &Release<'_>,
        out: &mut Vec<Diagnostic>,
        push: &dyn Fn(&mut Vec<Diagnostic>, Diagnostic),
    ) {
        let content: Vec<(Vec<String>, bool)> = match &kind.release_content {
            Some(pointers) => pointers
                .iter()
                .map(|pointer| {
                    let path = pointer.keys();
                    let inside = path.starts_with(&new.path);
                    (path, inside)
                })
                .collect(),
            None => vec![(new.path.clone(), true)],
        };
        for (path, inside) in content {
            let a = lookup(&base_doc.value, &path)
                .map(|v| strip_at(v, &path, &new.path, &kind.mutable));
            let b = lookup(&head_doc.value, &path)
                .map(|v| strip_at(v, &path, &new.path, &kind.mutable));
            let diff = match (&a, &b) {
                (Some(a), Some(b)) => first_difference(a, b),
                (None, None) => None,
                _ => Some(Vec::new()),
            };
            let Some(diff) = diff else {
                continue;
            };
            let mut at = path.clone();
            at.extend(diff);
            let span = head_doc.locate(&at).span();
            let diagnostic = if inside {
                Diagnostic::new(
                    Code::ReleasedImmutable,
                    format!("released version `{}` changed: `{}` differs from the base", old.version, format_path(&at)),
                )
                .with_help("released versions are immutable; release the change as a new version (and keep this record in the history)")
            } else {
                Diagnostic::new(
                    Code::VersionNotBumped,
                    format!(
                        "release content `{}` changed but the version is still `{}`",
                        format_path(&at),
                        old.version
                    ),
                )
                .with_help("bump the version to release this change")
            };
            push(
                out,
                diagnostic
                    .at(span)
                    .with_label("changed without a new version"),
            );
        }
    }

    /// Contract fields may only change incompatibly with a major bump (minor for 0.x).
    #[allow(clippy::too_many_arguments)]
    fn contract(
        &self,
        kind: &Kind,
        base_doc: &Document<'_>,
        head_doc: &Document<'_>,
        old: &Release<'_>,
        new: &Release<'_>,
        out: &mut Vec<Diagnostic>,
        push: &dyn Fn(&mut Vec<Diagnostic>, Diagnostic),
    ) {
        if kind.contract.is_empty() || is_major_bump(&old.version, &new.version) {
            return;
        }
        let bump = format!("{} → {}", old.version, new.version);
        let help = "a breaking change needs a major version bump (a minor one for 0.x versions)";
        for rule in &kind.contract {
            match rule {
                ContractRule::Kept { path, keys } => {
                    let named = |doc: &Document<'_>| -> BTreeMap<String, Vec<String>> {
                        path.matches(&doc.value)
                            .into_iter()
                            .filter_map(|m| {
                                let name = if *keys {
                                    m.bindings.last().cloned()
                                } else {
                                    scalar(m.value)
                                };
                                name.map(|name| (name, m.path))
                            })
                            .collect()
                    };
                    let head_names = named(head_doc);
                    for (name, base_path) in named(base_doc) {
                        if head_names.contains_key(&name) {
                            continue;
                        }
                        let parent = &base_path[..base_path.len().saturating_sub(1)];
                        push(
                            out,
                            Diagnostic::new(
                                Code::BreakingChange,
                                format!("`{name}` was removed from `{}` without a major version bump ({bump})", format_path(parent)),
                            )
                            .at(head_doc.locate(parent).span())
                            .with_help(help),
                        );
                    }
                }
                ContractRule::Min { path, scheme } | ContractRule::Max { path, scheme } => {
                    let rising_is_breaking = matches!(rule, ContractRule::Min { .. });
                    for found in path.matches(&base_doc.value) {
                        let Some(now) = path.resolve(&head_doc.value, &found.bindings) else {
                            continue;
                        };
                        let (Some(before_text), Some(now_text)) =
                            (scalar(found.value), scalar(now.value))
                        else {
                            continue;
                        };
                        let (Ok(before), Ok(after)) =
                            (scheme.parse(&before_text), scheme.parse(&now_text))
                        else {
                            continue;
                        };
                        let narrowed = if rising_is_breaking {
                            after > before
                        } else {
                            after < before
                        };
                        if narrowed {
                            let direction = if rising_is_breaking { "rose" } else { "fell" };
                            push(
                                out,
                                Diagnostic::new(
                                    Code::BreakingChange,
                                    format!(
                                        "`{}` {direction} from {before_text} to {now_text} without a major version bump ({bump})",
                                        format_path(&now.path)
                                    ),
                                )
                                .at(head_doc.locate(&now.path).span())
                                .with_help(help),
                            );
                        }
                    }
                }
            }
        }
    }

    fn removal(
        &self,
        file: &DescriptorFile,
        skimmed: &Head<'_>,
        head_entries: &[EntrySummary],
        out: &mut Vec<Diagnostic>,
    ) -> Result<(), Error> {
        let kind = self.kind(file.kind);
        let key = self.entry_key(file.kind, file.stem());
        let mut referrers: Vec<String> = skimmed
            .referrers(&[(file.kind, file.stem())].into_iter().collect())
            .into_iter()
            .map(|i| head_entries[i].key(self.config))
            .collect();
        referrers.sort();
        referrers.dedup();
        let diagnostic = |message: String| {
            Diagnostic::new(Code::EntryRemoved, message)
                .in_file(file.path.clone())
                .for_entry(Some(&key))
        };
        if !referrers.is_empty() {
            let shown: Vec<String> = referrers.iter().take(5).map(|r| format!("`{r}`")).collect();
            let more = referrers.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            out.push(
                diagnostic(format!(
                    "`{key}` was deleted but is still referenced by {}{more}",
                    shown.join(", ")
                ))
                .with_help(
                    "remove or retarget those references first, in this change or an earlier one",
                ),
            );
            return Ok(());
        }
        let Some(lifecycle) = &kind.lifecycle else {
            return Ok(()); // nothing references it, and the kind has no lifecycle to retire it through
        };
        let state = match Source::read(self.base, &file.path)? {
            Some(source) => source
                .parse(self.config.limits.max_depth)
                .and_then(|doc| lifecycle.get(&doc.value).and_then(scalar)),
            None => None,
        };
        if state
            .as_ref()
            .is_some_and(|state| kind.retirable.contains(state))
        {
            return Ok(());
        }
        let was = state.map_or_else(
            || "had no lifecycle".to_owned(),
            |state| format!("was `{state}`"),
        );
        out.push(
            diagnostic(format!("`{key}` was deleted, but it {was} in the base"))
                .with_help(format!(
                    "retire it first: set `{lifecycle}` to one of {} in an earlier change, then delete it",
                    kind.retirable.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                )),
        );
        Ok(())
    }

    /// `not-owner`: the actor must be in the owning team of every entry it touches, before and
    /// after the change.
    fn ownership(
        &self,
        actor: &str,
        base_file: Option<&DescriptorFile>,
        head_entry: Option<&EntrySummary>,
        out: &mut Vec<Diagnostic>,
    ) -> Result<(), Error> {
        let Some(ownership) = &self.config.ownership else {
            return Ok(());
        };
        let max_depth = self.config.limits.max_depth;
        let (kind_index, id) = match (head_entry, base_file) {
            (Some(entry), _) => (entry.kind, entry.id.as_str()),
            (None, Some(file)) => (file.kind, file.stem()),
            (None, None) => return Ok(()),
        };
        let kind = self.kind(kind_index);
        let owner_of =
            |snapshot: &dyn Snapshot, path: &str| -> Result<Option<(String, Span)>, Error> {
                if kind_index == ownership.team_kind {
                    return Ok(Some((id.to_owned(), Span::default())));
                }
                let Some(pointer) = &kind.owner else {
                    return Ok(None);
                };
                let Some(source) = Source::read(snapshot, path)? else {
                    return Ok(None);
                };
                Ok(source.parse(max_depth).and_then(|doc| {
                    let owner = pointer.get(&doc.value).and_then(scalar)?;
                    Some((owner, doc.locate(&pointer.keys()).span()))
                }))
            };
        let before = match base_file {
            Some(file) => owner_of(self.base, &file.path)?,
            None => None,
        };
        let after = match head_entry {
            Some(entry) => owner_of(self.head, &entry.path)?,
            None => None,
        };
        // Point at the owner field of the head; a deleted entry has none.
        let owner_span = after.as_ref().map(|(_, span)| *span);
        let mut teams: Vec<String> = Vec::new();
        for (team, _) in after.iter().chain(before.iter()) {
            if !teams.contains(team) {
                teams.push(team.clone());
            }
        }
        let key = self.entry_key(kind_index, id);
        let path = head_entry.map_or_else(
            || base_file.map(|f| f.path.clone()).unwrap_or_default(),
            |e| e.path.clone(),
        );
        for team in teams {
            let members = self.members(ownership, &team)?;
            if members
                .iter()
                .any(|member| member.eq_ignore_ascii_case(actor))
            {
                continue;
            }
            let role = match (&before, &after) {
                (Some((old, _)), Some((new, _))) if old != new && *old == team => {
                    " (the previous owner)"
                }
                (Some((old, _)), Some((new, _))) if old != new && *new == team => {
                    " (the new owner)"
                }
                _ => "",
            };
            let known = if members.is_empty() {
                format!("team `{team}` is unknown or lists no members")
            } else {
                format!("`{actor}` is not a member of team `{team}`{role}")
            };
            out.push(
                Diagnostic::new(Code::NotOwner, format!("{known}, which owns `{key}`"))
                    .in_file(path.clone())
                    .at_opt(owner_span.filter(|s| !s.is_empty()))
                    .for_entry(Some(&key))
                    .with_help(format!(
                        "ask a member of `{team}` to make or approve this change"
                    )),
            );
        }
        Ok(())
    }

    /// A team's members as the base lists them (or the head, for a team added in this change).
    fn members(
        &self,
        ownership: &regctl_core::config::Ownership,
        team: &str,
    ) -> Result<Vec<String>, Error> {
        let in_base = self
            .base_files
            .iter()
            .find(|f| f.kind == ownership.team_kind && f.stem() == team)
            .map(|f| f.path.clone());
        let source = match in_base {
            Some(path) => Source::read(self.base, &path)?,
            None => {
                let team_dir = &self.kind(ownership.team_kind).dir;
                let mut found = None;
                for ext in ["toml", "json", "yaml", "yml"] {
                    if let Some(source) =
                        Source::read(self.head, &format!("{team_dir}/{team}.{ext}"))?
                    {
                        found = Some(source);
                        break;
                    }
                }
                found
            }
        };
        let Some(doc) = source
            .as_ref()
            .and_then(|s| s.parse(self.config.limits.max_depth))
        else {
            return Ok(Vec::new());
        };
        Ok(ownership
            .members
            .matches(&doc.value)
            .into_iter()
            .flat_map(|m| match m.value {
                Value::Array(items) => items.iter().filter_map(scalar).collect::<Vec<_>>(),
                other => scalar(other).into_iter().collect(),
            })
            .collect())
    }
}

/// The released versions in a document: the history (oldest first), then the current record.
fn releases<'d>(kind: &Kind, value: &'d Value) -> Vec<Release<'d>> {
    let Some(version_pointer) = &kind.version else {
        return Vec::new();
    };
    let key = version_key(kind);
    let current_path = version_pointer.keys();
    let record_path = current_path[..current_path.len() - 1].to_vec();
    let mut out = Vec::new();
    if let Some(history) = &kind.history
        && let Some(Value::Array(items)) = history.get(value)
    {
        for (i, record) in items.iter().enumerate() {
            let mut path = history.keys();
            path.push(i.to_string());
            if let Some(version) = record
                .get(&key)
                .and_then(Value::as_str)
                .and_then(|v| kind.scheme.parse(v).ok())
            {
                out.push(Release {
                    version,
                    path,
                    record,
                    current: false,
                });
            }
        }
    }
    if let Some(record) = lookup(value, &record_path)
        && let Some(version) = record
            .get(&key)
            .and_then(Value::as_str)
            .and_then(|v| kind.scheme.parse(v).ok())
    {
        out.push(Release {
            version,
            path: record_path,
            record,
            current: true,
        });
    }
    out
}

fn version_key(kind: &Kind) -> String {
    kind.version
        .as_ref()
        .and_then(|pointer| pointer.keys().pop())
        .unwrap_or_else(|| "version".to_owned())
}

/// A copy of `record` without its mutable fields.
fn strip(record: &Value, mutable: &[Pattern]) -> Value {
    let mut copy = record.clone();
    for pointer in mutable {
        let path = pointer.keys();
        if let Some((last, parent)) = path.split_last()
            && let Some(Value::Object(map)) = lookup_mut(&mut copy, parent)
        {
            map.remove(last);
        }
    }
    copy
}

/// `value` (found at `path`) without the mutable fields of the record at `record_path`.
fn strip_at(value: &Value, path: &[String], record_path: &[String], mutable: &[Pattern]) -> Value {
    match path.strip_prefix(record_path) {
        Some([]) => strip(value, mutable),
        Some(inside) => {
            let relative: Vec<Pattern> = mutable
                .iter()
                .filter_map(|pointer| {
                    let rest = pointer
                        .keys()
                        .strip_prefix(inside)
                        .map(<[String]>::to_vec)?;
                    Pattern::parse(&format_path(&rest)).ok()
                })
                .collect();
            strip(value, &relative)
        }
        None => value.clone(),
    }
}

fn lookup_mut<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |value, key| match value {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

/// The path (relative to `a` and `b`) of the first place they differ, keys in sorted order.
fn first_difference(a: &Value, b: &Value) -> Option<Vec<String>> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(mut rest) = first_difference(p, q) {
                            rest.insert(0, key.clone());
                            return Some(rest);
                        }
                    }
                    (None, Some(_)) => return Some(vec![key.clone()]),
                    // A removed key: point at the object that lost it.
                    (Some(_), None) => return Some(Vec::new()),
                    (None, None) => {}
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(mut rest) = first_difference(p, q) {
                    rest.insert(0, i.to_string());
                    return Some(rest);
                }
            }
            (x.len() != y.len()).then(Vec::new)
        }
        (a, b) if a == b => None,
        _ => Some(Vec::new()),
    }
}

fn without_id(kind: &Kind, mut value: Value) -> Value {
    if let Some(pointer) = &kind.id {
        let path = pointer.keys();
        if let Some((last, parent)) = path.split_last()
            && let Some(Value::Object(map)) = lookup_mut(&mut value, parent)
        {
            map.remove(last);
        }
    }
    value
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether going from `old` to `new` may break consumers: a major bump, or a minor one in 0.x.
fn is_major_bump(old: &Version, new: &Version) -> bool {
    match (old.to_semver(), new.to_semver()) {
        (Some(old), Some(new)) if old.major == 0 => new.major > 0 || new.minor > old.minor,
        (Some(old), Some(new)) => new.major > old.major,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn first_difference_finds_the_changed_field() {
        let a = json!({"image": "x:1", "deps": {"a": "^1"}, "list": [1, 2]});
        assert_eq!(first_difference(&a, &a), None);
        let b = json!({"image": "x:2", "deps": {"a": "^1"}, "list": [1, 2]});
        assert_eq!(first_difference(&a, &b), Some(vec!["image".to_owned()]));
        let c = json!({"image": "x:1", "deps": {}, "list": [1, 2]});
        assert_eq!(first_difference(&a, &c), Some(vec!["deps".to_owned()]));
        let d = json!({"image": "x:1", "deps": {"a": "^1"}, "list": [1, 3]});
        assert_eq!(
            first_difference(&a, &d),
            Some(vec!["list".to_owned(), "1".to_owned()])
        );
    }

    #[test]
    fn major_bumps_follow_cargo() {
        let v = |s: &str| {
            regctl_core::version::VersionScheme::Semver
                .parse(s)
                .expect("version")
        };
        assert!(is_major_bump(&v("1.4.0"), &v("2.0.0")));
        assert!(!is_major_bump(&v("1.4.0"), &v("1.5.0")));
        assert!(is_major_bump(&v("0.1.0"), &v("0.2.0")));
        assert!(!is_major_bump(&v("0.1.0"), &v("0.1.1")));
    }

    #[test]
    fn trailers_become_acknowledgements() {
        let trailer = |token: &str, value: &str| Trailer {
            commit: regctl_core::git::CommitId::null_for_tests(),
            token: token.to_owned(),
            value: value.to_owned(),
        };
        let acks = acknowledgements(&[
            trailer("Regctl-Allow", "released-immutable component:finetuning"),
            trailer("regctl-allow", "no-such-code component:x"),
            trailer("Signed-off-by", "someone"),
            trailer("Regctl-Allow", "cycle"),
        ]);
        assert_eq!(acks.len(), 1);
        assert_eq!(acks[0].code, Code::ReleasedImmutable);
        assert_eq!(acks[0].entry, "component:finetuning");
    }
}
