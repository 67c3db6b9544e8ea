//! The edits regctl makes for people: each turns a request into a [`Plan`] of file changes,
//! which the caller validates with [`crate::registry::check`] and writes with
//! [`crate::registry::commit`].

use regctl_core::config::{Config, Kind};
use regctl_core::document::{Document, Format};
use regctl_core::pointer::Pattern;
use regctl_core::snapshot::Snapshot;
use regctl_core::version::{Version, VersionScheme};
use serde_json::Value;

use crate::doc::{Op, pointer};
use crate::order::KeyOrder;
use crate::registry::{self, Entry, Plan, RegistryError, key_order};
use crate::{EditError, Editor};

/// Why an edit was refused before validation.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("kind `{kind}` declares no `{field}` in regctl.toml, so {what}")]
    NotConfigured {
        kind: String,
        field: &'static str,
        what: &'static str,
    },
    #[error("{entry} has no version `{version}`; its versions: {}", .known.join(", "))]
    NoSuchVersion {
        entry: String,
        version: String,
        known: Vec<String>,
    },
    #[error("{entry} has no current version at `{pointer}`")]
    NoCurrentVersion { entry: String, pointer: String },
    #[error("{0}")]
    BadVersion(String),
    #[error("the new version {new} is not greater than the current {current}")]
    NotGreater { current: String, new: String },
    #[error(
        "`{level}` needs a semantic version; give the new version itself for scheme `{scheme}`"
    )]
    LevelNeedsSemver { level: String, scheme: &'static str },
    #[error("`{stage}` is not a stage of kind `{kind}`; stages: {}", .order.join(", "))]
    UnknownStage {
        kind: String,
        stage: String,
        order: Vec<String>,
    },
    #[error("{entry}@{version} cannot move from `{from}` to `{to}`; {}", allowed_moves(.allowed))]
    IllegalTransition {
        entry: String,
        version: String,
        from: String,
        to: String,
        allowed: Vec<String>,
    },
    #[error("{entry}@{version} is already {state}")]
    Unchanged {
        entry: String,
        version: String,
        state: String,
    },
    #[error(
        "an entry `{kind}:{id}` already exists at {path}; change it with `regctl set` or `regctl patch`"
    )]
    Exists {
        kind: String,
        id: String,
        path: String,
    },
    #[error("`{id}` is not a valid id: {reason}")]
    BadId { id: String, reason: String },
    #[error("`{id}` is already the id of {entry}; give `rename` a new one")]
    SameId { entry: String, id: String },
    #[error("cannot tell which kind {path} is; pass `--kind` ({})", .candidates.join(", "))]
    UnknownKindOf {
        path: String,
        candidates: Vec<String>,
    },
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
}

fn allowed_moves(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "it is in a final stage".to_owned()
    } else {
        format!("allowed: {}", allowed.join(", "))
    }
}

/// What a plan did, for the command's report.
#[derive(Debug)]
pub struct Outcome {
    pub plan: Plan,
    /// The entry's file after the edit (its new path, for a rename).
    pub path: String,
    /// A one-line summary: `finetuning 0.2.0 → 0.3.0`.
    pub summary: String,
}

/// Applies `ops` to `entry`'s file.
pub fn edit_entry(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    ops: &[Op],
) -> Result<String, OpError> {
    let kind = &config.kinds[entry.kind];
    let mut editor = Editor::open(entry.format, &entry.text, config.limits.max_depth)
        .map_err(|err| err.in_file(&entry.path))?
        .with_order(key_order(snapshot, kind));
    for op in ops {
        editor.apply(op)?;
    }
    Ok(editor.finish()?)
}

fn single_file(entry: &Entry, text: String, summary: String) -> Outcome {
    let mut plan = Plan::default();
    plan.write(&entry.path, Some(&entry.text), text);
    Outcome {
        plan,
        path: entry.path.clone(),
        summary,
    }
}

fn entry_name(config: &Config, entry: &Entry) -> String {
    format!("{}:{}", config.kinds[entry.kind].name, entry.id)
}

/// `POINTER=VALUE` from the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub path: Vec<String>,
    /// Written without a leading `/`: relative to the release record for `bump`, to the
    /// document otherwise.
    pub relative: bool,
    pub value: Value,
    /// The value as written, used as a string where the schema wants one (`3.10`).
    pub raw: Option<String>,
}

impl Assignment {
    /// The value to write at `path`: the text as written when the schema wants a string
    /// there and the text read as something else (`3.10`, `true`, `2026-01-01`).
    pub fn value_for(&self, order: &KeyOrder, path: &[String]) -> Value {
        match &self.raw {
            Some(raw) if !self.value.is_string() && order.expects_string(path) => {
                Value::String(raw.clone())
            }
            _ => self.value.clone(),
        }
    }
}

/// `regctl set`: each pointer gets its value.
pub fn set(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    assignments: &[Assignment],
) -> Result<Outcome, OpError> {
    let order = key_order(snapshot, &config.kinds[entry.kind]);
    let ops: Vec<Op> = assignments
        .iter()
        .map(|a| Op::Set(a.path.clone(), a.value_for(&order, &a.path)))
        .collect();
    let text = edit_entry(config, snapshot, entry, &ops)?;
    let fields: Vec<String> = assignments.iter().map(|a| pointer(&a.path)).collect();
    Ok(single_file(
        entry,
        text,
        format!("{} {}", entry_name(config, entry), fields.join(", ")),
    ))
}

/// `regctl patch`: an RFC 7396 merge patch.
pub fn patch(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    merge_patch: &Value,
) -> Result<Outcome, OpError> {
    let current = parse(config, entry)?;
    let mut ops = Vec::new();
    merge_ops(&current, merge_patch, &mut Vec::new(), &mut ops)?;
    let text = edit_entry(config, snapshot, entry, &ops)?;
    Ok(single_file(
        entry,
        text,
        format!("{} patched", entry_name(config, entry)),
    ))
}

/// The operations of a merge patch (RFC 7396 §2): `null` removes, objects merge into objects,
/// anything else replaces.
fn merge_ops(
    target: &Value,
    patch: &Value,
    at: &mut Vec<String>,
    ops: &mut Vec<Op>,
) -> Result<(), OpError> {
    let Value::Object(members) = patch else {
        if at.is_empty() {
            return Err(EditError::Root.into());
        }
        ops.push(Op::Set(at.clone(), patch.clone()));
        return Ok(());
    };
    if at.is_empty() && !target.is_object() {
        return Err(EditError::Root.into());
    }
    for (key, value) in members {
        at.push(key.clone());
        let existing = target.get(key);
        match value {
            Value::Null => {
                if existing.is_some() {
                    ops.push(Op::Remove(at.clone()));
                }
            }
            Value::Object(_) if existing.is_some_and(Value::is_object) => {
                merge_ops(existing.unwrap_or(&Value::Null), value, at, ops)?;
            }
            Value::Object(_) => {
                // A new object: the patch without its nulls (§2: they remove nothing here).
                ops.push(Op::Set(at.clone(), without_nulls(value)));
            }
            _ => ops.push(Op::Set(at.clone(), value.clone())),
        }
        at.pop();
    }
    Ok(())
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn parse(config: &Config, entry: &Entry) -> Result<Value, OpError> {
    Document::parse(entry.format, &entry.text, config.limits.max_depth)
        .map(|doc| doc.value)
        .map_err(|err| OpError::Unreadable {
            path: entry.path.clone(),
            reason: err.message,
        })
}

/// Where a kind keeps its versions: the current record, the version key inside records, and
/// the history array.
struct Releases {
    record: Vec<String>,
    version_key: Vec<String>,
    history: Option<Vec<String>>,
    scheme: VersionScheme,
}

impl Releases {
    fn of(kind: &Kind, what: &'static str) -> Result<Releases, OpError> {
        let version = kind
            .version
            .as_ref()
            .ok_or_else(|| OpError::NotConfigured {
                kind: kind.name.clone(),
                field: "version",
                what,
            })?;
        let keys = version.keys();
        let (last, record) = keys.split_last().ok_or_else(|| OpError::NotConfigured {
            kind: kind.name.clone(),
            field: "version",
            what,
        })?;
        Ok(Releases {
            record: record.to_vec(),
            version_key: vec![last.clone()],
            history: kind.history.as_ref().map(Pattern::keys),
            scheme: kind.scheme,
        })
    }

    fn current(&self, value: &Value) -> Option<String> {
        lookup(
            value,
            &[self.record.clone(), self.version_key.clone()].concat(),
        )
        .and_then(Value::as_str)
        .map(str::to_owned)
    }

    /// Every released version with the path of its record, oldest first.
    fn all(&self, value: &Value) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        if let Some(history) = &self.history
            && let Some(Value::Array(records)) = lookup(value, history)
        {
            for (i, record) in records.iter().enumerate() {
                if let Some(version) = lookup(record, &self.version_key).and_then(Value::as_str) {
                    let mut path = history.clone();
                    path.push(i.to_string());
                    out.push((version.to_owned(), path));
                }
            }
        }
        if let Some(current) = self.current(value) {
            out.push((current, self.record.clone()));
        }
        out
    }

    /// The record path of `version`.
    fn find(&self, value: &Value, version: &str, entry: &str) -> Result<Vec<String>, OpError> {
        let all = self.all(value);
        // The current record wins over a history record of the same version.
        all.iter()
            .rev()
            .find(|(v, _)| v == version)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| OpError::NoSuchVersion {
                entry: entry.to_owned(),
                version: version.to_owned(),
                known: all.into_iter().map(|(v, _)| v).collect(),
            })
    }

    fn parse(&self, text: &str) -> Result<Version, OpError> {
        self.scheme.parse(text).map_err(OpError::BadVersion)
    }
}

fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    regctl_core::pointer::lookup(value, path)
}

/// What `regctl bump` moves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bump {
    Major,
    Minor,
    Patch,
    To(String),
}

impl Bump {
    pub fn parse(text: &str) -> Bump {
        match text {
            "major" => Bump::Major,
            "minor" => Bump::Minor,
            "patch" => Bump::Patch,
            other => Bump::To(other.to_owned()),
        }
    }
}

/// `regctl bump`: the current release record moves to the history unchanged, and the current
/// record gets the new version (and the other fields given).
pub fn bump(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    to: &Bump,
    assignments: &[Assignment],
) -> Result<Outcome, OpError> {
    let kind = &config.kinds[entry.kind];
    let releases = Releases::of(kind, "it has no versions to bump")?;
    let value = parse(config, entry)?;
    let name = entry_name(config, entry);
    let current_text = releases
        .current(&value)
        .ok_or_else(|| OpError::NoCurrentVersion {
            entry: name.clone(),
            pointer: pointer(&[releases.record.clone(), releases.version_key.clone()].concat()),
        })?;
    let current = releases.parse(&current_text)?;
    let new_text = next_version(&current, to, releases.scheme)?;
    let new = releases.parse(&new_text)?;
    if new <= current {
        return Err(OpError::NotGreater {
            current: current_text,
            new: new_text,
        });
    }
    let version_path = [releases.record.clone(), releases.version_key.clone()].concat();
    let mut ops = Vec::new();
    if let Some(history) = &releases.history {
        if releases.record.is_empty() {
            // The whole document is the record: the history keeps the fields its records have.
            ops.push(Op::Set(
                [history.clone(), vec!["-".to_owned()]].concat(),
                root_record(&value, kind, snapshot, history, &releases.version_key),
            ));
        } else {
            ops.push(Op::CopyAppend {
                from: releases.record.clone(),
                to: history.clone(),
            });
        }
    }
    ops.push(Op::Set(version_path, Value::String(new_text.clone())));
    // The new release is not yanked, and starts at the first stage.
    let yanked = [releases.record.clone(), kind.yanked.keys()].concat();
    if lookup(&value, &yanked).is_some() {
        ops.push(Op::Remove(yanked));
    }
    if let Some(stages) = &kind.stages
        && let Some(first) = stages.order.first()
    {
        let stage = [releases.record.clone(), stages.field.keys()].concat();
        if lookup(&value, &stage).is_some() {
            ops.push(Op::Set(stage, Value::String(first.clone())));
        }
    }
    let order = key_order(snapshot, kind);
    for assignment in assignments {
        let path = if assignment.relative {
            [releases.record.as_slice(), &assignment.path].concat()
        } else {
            assignment.path.clone()
        };
        let value = assignment.value_for(&order, &path);
        ops.push(Op::Set(path, value));
    }
    let text = edit_entry(config, snapshot, entry, &ops)?;
    Ok(single_file(
        entry,
        text,
        format!("{name} {current_text} → {new_text}"),
    ))
}

/// The history record of a kind whose current record is the whole document: the fields the
/// schema lists for history records, or just the version.
fn root_record(
    value: &Value,
    kind: &Kind,
    snapshot: &dyn Snapshot,
    history: &[String],
    version_key: &[String],
) -> Value {
    let order = key_order(snapshot, kind);
    let mut item_path = history.to_vec();
    item_path.push("0".to_owned());
    let mut fields = order.keys(&item_path);
    if fields.is_empty() {
        fields = version_key.to_vec();
    }
    let mut record = serde_json::Map::new();
    if let Value::Object(map) = value {
        for field in fields {
            if let Some(v) = map.get(&field)
                && Some(&field) != history.first()
            {
                record.insert(field, v.clone());
            }
        }
    }
    Value::Object(record)
}

fn next_version(current: &Version, to: &Bump, scheme: VersionScheme) -> Result<String, OpError> {
    let level = match to {
        Bump::To(text) => return Ok(text.clone()),
        Bump::Major => "major",
        Bump::Minor => "minor",
        Bump::Patch => "patch",
    };
    let Version::Semver(v) = current else {
        return Err(OpError::LevelNeedsSemver {
            level: level.to_owned(),
            scheme: scheme.as_str(),
        });
    };
    // A pre-release bumps to its release (`1.2.0-rc.1` → `1.2.0` for minor), like cargo-release.
    let released = v.pre.is_empty();
    let next = match to {
        Bump::Major if !released && v.minor == 0 && v.patch == 0 => {
            semver::Version::new(v.major, 0, 0)
        }
        Bump::Major => semver::Version::new(v.major + 1, 0, 0),
        Bump::Minor if !released && v.patch == 0 => semver::Version::new(v.major, v.minor, 0),
        Bump::Minor => semver::Version::new(v.major, v.minor + 1, 0),
        Bump::Patch if !released => semver::Version::new(v.major, v.minor, v.patch),
        _ => semver::Version::new(v.major, v.minor, v.patch + 1),
    };
    Ok(match scheme {
        VersionScheme::SemverV => format!("v{next}"),
        _ => next.to_string(),
    })
}

/// `regctl promote`: a release's stage moves along the declared transitions.
pub fn promote(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    version: Option<&str>,
    stage: &str,
) -> Result<Outcome, OpError> {
    let kind = &config.kinds[entry.kind];
    let stages = kind.stages.as_ref().ok_or_else(|| OpError::NotConfigured {
        kind: kind.name.clone(),
        field: "stages",
        what: "its releases have no stages to promote through",
    })?;
    if !stages.order.iter().any(|s| s == stage) {
        return Err(OpError::UnknownStage {
            kind: kind.name.clone(),
            stage: stage.to_owned(),
            order: stages.order.clone(),
        });
    }
    let releases = Releases::of(kind, "it has no versions to promote")?;
    let value = parse(config, entry)?;
    let name = entry_name(config, entry);
    let version = match version {
        Some(version) => version.to_owned(),
        None => releases
            .current(&value)
            .ok_or_else(|| OpError::NoCurrentVersion {
                entry: name.clone(),
                pointer: pointer(&releases.record),
            })?,
    };
    let record = releases.find(&value, &version, &name)?;
    let field = [record, stages.field.keys()].concat();
    let from = lookup(&value, &field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if from == stage {
        return Err(OpError::Unchanged {
            entry: name,
            version,
            state: format!("in `{stage}`"),
        });
    }
    if !from.is_empty() && !stages.allows(&from, stage) {
        return Err(OpError::IllegalTransition {
            entry: name,
            version,
            allowed: stages
                .moves_from(&from)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            from,
            to: stage.to_owned(),
        });
    }
    let text = edit_entry(
        config,
        snapshot,
        entry,
        &[Op::Set(field, Value::String(stage.to_owned()))],
    )?;
    let from = if from.is_empty() { "(none)" } else { &from };
    Ok(single_file(
        entry,
        text,
        format!("{name}@{version} {from} → {stage}"),
    ))
}

/// `regctl yank` (and `--undo`).
pub fn yank(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    version: &str,
    undo: bool,
) -> Result<Outcome, OpError> {
    let kind = &config.kinds[entry.kind];
    let releases = Releases::of(kind, "it has no versions to yank")?;
    let value = parse(config, entry)?;
    let name = entry_name(config, entry);
    let record = releases.find(&value, version, &name)?;
    let field = [record, kind.yanked.keys()].concat();
    let yanked = lookup(&value, &field).and_then(Value::as_bool) == Some(true);
    if yanked != undo {
        return Err(OpError::Unchanged {
            entry: name,
            version: version.to_owned(),
            state: if undo { "not yanked" } else { "yanked" }.to_owned(),
        });
    }
    let op = if undo {
        Op::Remove(field)
    } else {
        Op::Set(field, Value::Bool(true))
    };
    let text = edit_entry(config, snapshot, entry, &[op])?;
    let did = if undo { "un-yanked" } else { "yanked" };
    Ok(single_file(entry, text, format!("{name}@{version} {did}")))
}

/// `regctl alias`: a named pointer to a released version, or its removal.
pub fn alias(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    alias: &str,
    version: Option<&str>,
) -> Result<Outcome, OpError> {
    let kind = &config.kinds[entry.kind];
    let aliases = kind
        .aliases
        .as_ref()
        .ok_or_else(|| OpError::NotConfigured {
            kind: kind.name.clone(),
            field: "aliases",
            what: "it has no aliases",
        })?;
    let value = parse(config, entry)?;
    let name = entry_name(config, entry);
    let mut field = aliases.keys();
    field.push(alias.to_owned());
    let (op, summary) = match version {
        Some(version) => {
            let releases = Releases::of(kind, "its aliases cannot name versions")?;
            releases.find(&value, version, &name)?;
            (
                Op::Set(field, Value::String(version.to_owned())),
                format!("{name} {alias} → {version}"),
            )
        }
        None => {
            if lookup(&value, &field).is_none() {
                return Err(EditError::Missing {
                    pointer: pointer(&field),
                }
                .into());
            }
            (Op::Remove(field), format!("{name} {alias} removed"))
        }
    };
    let text = edit_entry(config, snapshot, entry, &[op])?;
    Ok(single_file(entry, text, summary))
}

/// Checks that `id` can name a file and an entry.
pub fn check_id(id: &str) -> Result<(), OpError> {
    let bad = |reason: &str| {
        Err(OpError::BadId {
            id: id.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if id.is_empty() {
        return bad("it is empty");
    }
    if id.starts_with('.') {
        return bad("it starts with `.`");
    }
    if id.chars().any(|c| {
        c == '/' || c == '\\' || c == ':' || c == '@' || c.is_control() || c.is_whitespace()
    }) {
        return bad("ids cannot hold `/`, `\\`, `:`, `@`, spaces or control characters");
    }
    Ok(())
}

/// `regctl add`: a descriptor written elsewhere, registered at its canonical path.
pub fn add(
    config: &Config,
    snapshot: &dyn Snapshot,
    source: &str,
    text: String,
    kind: Option<usize>,
) -> Result<(Outcome, Entry), OpError> {
    let format = Format::from_path(source).ok_or_else(|| OpError::Unreadable {
        path: source.to_owned(),
        reason: "the file name must end in .toml, .json, .yaml or .yml".to_owned(),
    })?;
    let value = Document::parse(format, &text, config.limits.max_depth)
        .map(|doc| doc.value)
        .ok();
    let kind = match kind {
        Some(kind) => kind,
        None => guess_kind(config, source, value.as_ref())?,
    };
    let kind_def = &config.kinds[kind];
    let stem = regctl_core::discover::file_stem(source);
    let id = kind_def
        .id
        .as_ref()
        .and_then(|id| id.get(value.as_ref()?))
        .and_then(Value::as_str)
        .unwrap_or(stem)
        .to_owned();
    check_id(&id)?;
    if let Some(path) = registry::exists(config, snapshot, kind, &id)? {
        return Err(OpError::Exists {
            kind: kind_def.name.clone(),
            id,
            path,
        });
    }
    let path = registry::canonical_path(kind_def, &id, format);
    let mut plan = Plan::default();
    plan.write(&path, None, text.clone());
    let entry = Entry {
        kind,
        id: id.clone(),
        path: path.clone(),
        format,
        text,
    };
    Ok((
        Outcome {
            plan,
            path,
            summary: format!("{}:{id}", kind_def.name),
        },
        entry,
    ))
}

/// The kind whose schema `value` fits best: the only valid one, or the one with the fewest
/// errors when that is clear.
fn guess_kind(config: &Config, source: &str, value: Option<&Value>) -> Result<usize, OpError> {
    let unknown = || OpError::UnknownKindOf {
        path: source.to_owned(),
        candidates: config.kinds.iter().map(|k| k.name.clone()).collect(),
    };
    let value = value.ok_or_else(unknown)?;
    let mut scored: Vec<(usize, usize)> = config
        .kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| (kind.validator.iter_errors(value).count(), i))
        .collect();
    scored.sort();
    match scored.as_slice() {
        [(best, i), (next, _), ..] if best < next => Ok(*i),
        [(_, i)] => Ok(*i),
        _ => Err(unknown()),
    }
}

/// `regctl rename`: the file moves, its id changes, every reference to it in the registry
/// follows, and the old id is recorded in `renames.toml` so indexes can redirect it.
pub fn rename(
    config: &Config,
    snapshot: &dyn Snapshot,
    entry: &Entry,
    new_id: &str,
) -> Result<Outcome, OpError> {
    check_id(new_id)?;
    let kind = &config.kinds[entry.kind];
    if new_id == entry.id {
        return Err(OpError::SameId {
            entry: format!("{}:{}", kind.name, entry.id),
            id: new_id.to_owned(),
        });
    }
    if let Some(path) = registry::exists(config, snapshot, entry.kind, new_id)? {
        return Err(OpError::Exists {
            kind: kind.name.clone(),
            id: new_id.to_owned(),
            path,
        });
    }
    let old_id = entry.id.as_str();
    let new_path = match entry.path.rsplit_once('/') {
        Some((dir, file)) => {
            let ext = file.rsplit_once('.').map_or("", |(_, ext)| ext);
            format!("{dir}/{new_id}.{ext}")
        }
        None => return Err(EditError::Root.into()),
    };
    let mut plan = Plan::default();
    let mut own_ops = Vec::new();
    if let Some(id) = &kind.id {
        own_ops.push(Op::Set(id.keys(), Value::String(new_id.to_owned())));
    }
    // Every reference to the entry, in any file (its own included).
    let referring: Vec<usize> = config
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| k.refs.iter().any(|rule| rule.target == entry.kind))
        .map(|(i, _)| i)
        .collect();
    let mut n_refs = 0;
    let discovered =
        regctl_core::discover::discover(config, snapshot).map_err(RegistryError::from)?;
    for file in discovered.descriptors {
        if !referring.contains(&file.kind) {
            continue;
        }
        let other = if file.path == entry.path {
            entry.clone()
        } else {
            match registry::find_file(snapshot, file.kind, &file.path, file.format) {
                Ok(other) => other,
                // Unreadable files are the validator's business; they cannot refer to anything.
                Err(_) => continue,
            }
        };
        let Ok(value) = parse(config, &other) else {
            continue;
        };
        let mut ops = Vec::new();
        for rule in config.kinds[file.kind]
            .refs
            .iter()
            .filter(|rule| rule.target == entry.kind)
        {
            for found in rule.path.matches(&value) {
                if rule.keys {
                    if found.path.last().is_some_and(|key| key == old_id) {
                        ops.push(Op::RenameKey(found.path.clone(), new_id.to_owned()));
                    }
                } else if found.value.as_str() == Some(old_id) {
                    ops.push(Op::Set(
                        found.path.clone(),
                        Value::String(new_id.to_owned()),
                    ));
                }
            }
        }
        n_refs += ops.len();
        if file.path == entry.path {
            own_ops.extend(ops);
        } else if !ops.is_empty() {
            let text = edit_entry(config, snapshot, &other, &ops)?;
            plan.write(&other.path, Some(&other.text), text);
        }
    }
    let text = edit_entry(config, snapshot, entry, &own_ops)?;
    plan.remove(&entry.path, &entry.text);
    plan.write(&new_path, None, text);
    record_rename(config, snapshot, &mut plan, &kind.name, old_id, new_id)?;
    Ok(Outcome {
        plan,
        path: new_path,
        summary: format!(
            "{}:{old_id} → {new_id} ({n_refs} reference{} updated)",
            kind.name,
            if n_refs == 1 { "" } else { "s" }
        ),
    })
}

/// Appends `from → to` to `renames.toml`, creating it when needed.
fn record_rename(
    config: &Config,
    snapshot: &dyn Snapshot,
    plan: &mut Plan,
    kind: &str,
    from: &str,
    to: &str,
) -> Result<(), OpError> {
    use regctl_core::config::RENAMES_FILE;
    let before = snapshot
        .read(RENAMES_FILE)
        .map_err(RegistryError::from)?
        .map(|bytes| {
            String::from_utf8(bytes).map_err(|_| RegistryError::NotUtf8 {
                path: RENAMES_FILE.to_owned(),
            })
        })
        .transpose()?;
    let order = KeyOrder::from_schema(
        Format::Json,
        r#"{"properties": {"renamed": {"items": {"properties": {"kind": {}, "from": {}, "to": {}}}}}}"#,
    );
    let mut editor = Editor::open(
        Format::Toml,
        before.as_deref().unwrap_or(""),
        config.limits.max_depth,
    )?
    .with_order(order);
    let mut record = serde_json::Map::new();
    record.insert("kind".to_owned(), Value::String(kind.to_owned()));
    record.insert("from".to_owned(), Value::String(from.to_owned()));
    record.insert("to".to_owned(), Value::String(to.to_owned()));
    editor.apply(&Op::Set(
        vec!["renamed".to_owned(), "-".to_owned()],
        Value::Object(record),
    ))?;
    let mut text = editor.finish()?;
    if before.is_none() {
        text.insert_str(
            0,
            "# Entries renamed with `regctl rename`, oldest first. Indexes redirect the old ids.\n",
        );
    }
    plan.write(RENAMES_FILE, before.as_deref(), text);
    Ok(())
}
