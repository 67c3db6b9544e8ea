//! `regctl.toml`: the registry configuration, parsed with spans and compiled into [`Config`].
//!
//! Loading never stops at the first problem: every unknown key, bad pointer, missing or invalid
//! schema is collected and reported together, each at its line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_spanned::Spanned;

use crate::code::{Code, Level};
use crate::error::{Error, ProblemSink};
use crate::pointer::{Pattern, Segment};
use crate::schema::{self, SchemaRequest};
use crate::snapshot::Snapshot;
use crate::span::Span;
use crate::version::VersionScheme;

/// The configuration file's name, at the registry root.
pub const CONFIG_FILE: &str = "regctl.toml";

/// Ids changed by `regctl rename`, at the registry root, so indexes can redirect old ids.
pub const RENAMES_FILE: &str = "renames.toml";

/// Default `[limits] max_file_bytes`: 1 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Default `[limits] max_depth`.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// The deepest `max_depth` accepted; the JSON parser refuses more than 512 levels anyway.
const MAX_MAX_DEPTH: usize = 512;

/// A compiled registry configuration.
pub struct Config {
    pub name: String,
    pub description: Option<String>,
    /// The directory scanned for descriptor-looking files that no kind claims, if any.
    pub dir: Option<String>,
    /// Kinds, sorted by name.
    pub kinds: Vec<Kind>,
    /// Every graph named by a reference, with its settings.
    pub graphs: BTreeMap<String, GraphConfig>,
    pub limits: Limits,
    /// Which kind holds teams, and where their members are listed.
    pub ownership: Option<Ownership>,
    pub compose: ComposeConfig,
    pub federation: FederationConfig,
    levels: BTreeMap<Code, Level>,
    /// The text of `regctl.toml`, for rendering.
    pub source: Arc<str>,
}

/// A class of entries: where they live, their schema, and where their fields are.
pub struct Kind {
    pub name: String,
    /// Directory holding the descriptors, recursively; relative and `/`-separated.
    pub dir: String,
    pub schema_path: String,
    pub validator: Arc<jsonschema::Validator>,
    /// Pointer to the id; without it the file stem is the id.
    pub id: Option<Pattern>,
    /// Pointer to the current version; its parent object is the current release record.
    pub version: Option<Pattern>,
    pub scheme: VersionScheme,
    /// Pointer to an array of released version records, oldest first.
    pub history: Option<Pattern>,
    /// Pointer, inside a release record, to its yanked flag.
    pub yanked: Pattern,
    pub owner: Option<Pattern>,
    pub lifecycle: Option<Pattern>,
    /// Pointer to a one-line description, shown in the catalog.
    pub description: Option<Pattern>,
    /// Pointer to a list of tags, shown in the catalog.
    pub tags: Option<Pattern>,
    /// Values other entries look this kind's entries up by (`regctl which`).
    pub provides: Vec<ProvidesRule>,
    pub refs: Vec<RefRule>,
    pub ranges: Vec<RangeRule>,
    pub unique: Vec<UniqueRule>,
    /// Fields of a release record that may change after release (relative to the record).
    pub mutable: Vec<Pattern>,
    /// What counts as release content (relative to the document); `None` means the current
    /// release record minus its mutable fields.
    pub release_content: Option<Vec<Pattern>>,
    /// Lifecycle values in which an entry may be deleted.
    pub retirable: Vec<String>,
    pub contract: Vec<ContractRule>,
    /// The stages a release moves through with `regctl promote`.
    pub stages: Option<Stages>,
    /// Pointer to an object of named versions (`champion = "1.2.0"`), set with `regctl alias`.
    pub aliases: Option<Pattern>,
}

/// The stages of a release record and the moves between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stages {
    /// The stage field, relative to a release record.
    pub field: Pattern,
    /// Stages in order; a release moves to the next one.
    pub order: Vec<String>,
    /// Moves allowed besides the next stage (`staging = ["archived"]`).
    pub also: BTreeMap<String, Vec<String>>,
}

impl Stages {
    /// Whether a release may move from stage `from` to stage `to`.
    pub fn allows(&self, from: &str, to: &str) -> bool {
        let next = self
            .order
            .iter()
            .position(|stage| stage == from)
            .and_then(|i| self.order.get(i + 1));
        next.is_some_and(|next| next == to)
            || self
                .also
                .get(from)
                .is_some_and(|moves| moves.iter().any(|m| m == to))
    }

    /// The stages a release in `from` may move to.
    pub fn moves_from(&self, from: &str) -> Vec<&str> {
        self.order
            .iter()
            .map(String::as_str)
            .chain(self.also.values().flatten().map(String::as_str))
            .filter(|to| self.allows(from, to))
            .fold(Vec::new(), |mut seen, to| {
                if !seen.contains(&to) {
                    seen.push(to);
                }
                seen
            })
    }
}

/// Where owners are: the kind whose entries are teams, and the pointer to their member handles.
pub struct Ownership {
    /// Index of the team kind in [`Config::kinds`].
    pub team_kind: usize,
    pub members: Pattern,
    /// How `regctl codeowners` names a team, e.g. `@acme/{team}`; without it, the team's
    /// members are listed as `@handle`.
    pub codeowners: Option<String>,
}

/// A field whose change is breaking for consumers unless the major version is bumped.
pub enum ContractRule {
    /// Values (or keys, with `keys`) that must not disappear.
    Kept { path: Pattern, keys: bool },
    /// A lower bound that must not rise (compared as versions).
    Min {
        path: Pattern,
        scheme: VersionScheme,
    },
    /// An upper bound that must not fall.
    Max {
        path: Pattern,
        scheme: VersionScheme,
    },
}

/// Values an entry provides, such as the component classes an executor node runs; the index
/// has a reverse lookup from each value to its providers.
pub struct ProvidesRule {
    /// The name of what is provided (`component_class`).
    pub name: String,
    pub path: Pattern,
    /// The provided value is the map key matched by the last `*`; the map value is its target
    /// (a module path, say).
    pub keys: bool,
}

/// Where `regctl compose` writes, and how the index is served.
#[derive(Clone, Debug, Default)]
pub struct ComposeConfig {
    /// Output directory, relative to the registry root.
    pub out: Option<String>,
    /// The URL the index is served from, recorded in `config.json`.
    pub base_url: Option<String>,
}

/// How federation sources are fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FederationConfig {
    /// Connect and request timeout, in seconds.
    pub timeout_seconds: u64,
    /// The largest file accepted from a source.
    pub max_file_bytes: u64,
}

impl Default for FederationConfig {
    fn default() -> FederationConfig {
        FederationConfig {
            timeout_seconds: 30,
            max_file_bytes: 256 * 1024 * 1024,
        }
    }
}

/// The name of the kind built into every registry for federation sources.
pub const SOURCE_KIND: &str = "source";

/// The built-in `source` kind, as if declared in `regctl.toml`; `[federation] dir` moves it.
const SOURCE_KIND_TOML: &str = r#"
dir = "registry/sources"
schema = "source.schema.json"
id = "/name"
owner = "/owner"
description = "/description"
"#;

/// The JSON Schema of the built-in `source` kind.
pub const SOURCE_SCHEMA: &str = include_str!("builtin/source.schema.json");

/// A field that names other entries.
pub struct RefRule {
    pub path: Pattern,
    /// The referenced id is the map key matched by the last `*`, not the value.
    pub keys: bool,
    /// Index of the target kind in [`Config::kinds`].
    pub target: usize,
    /// Pointer to a semver requirement, its `*`s bound as in `path`.
    pub req: Option<Pattern>,
    pub graph: Option<String>,
}

/// Two fields whose values must be ordered: `min <= max`.
pub struct RangeRule {
    pub min: Pattern,
    pub max: Pattern,
    pub scheme: VersionScheme,
}

/// A field whose values must be unique across every entry of the kind.
pub struct UniqueRule {
    /// Rules of a kind with the same name share one set of values (e.g. a hash that may sit
    /// in the current record or in the history). Defaults to the path.
    pub name: String,
    pub path: Pattern,
    /// Compare the map keys matched by the last `*` instead of the values.
    pub keys: bool,
}

/// Settings of a named graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphConfig {
    pub acyclic: bool,
}

/// Resource limits applied to every descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl Config {
    /// Reads and compiles `regctl.toml` and the schemas it names, from `snapshot`.
    pub fn load(snapshot: &dyn Snapshot) -> Result<Config, Error> {
        let Some(bytes) = snapshot.read(CONFIG_FILE)? else {
            return Err(Error::NoConfig {
                start: snapshot.describe(),
            });
        };
        let text: Arc<str> = match String::from_utf8(bytes) {
            Ok(text) => text.into(),
            Err(err) => {
                let text: Arc<str> = String::from_utf8_lossy(err.as_bytes()).into();
                let mut sink = ProblemSink::new(CONFIG_FILE, text);
                let at = err.utf8_error().valid_up_to();
                sink.push(
                    "the file is not valid UTF-8",
                    Some(Span::new(at, at + 1)),
                    None,
                );
                return Err(sink.finish().expect_err("a problem was pushed"));
            }
        };
        let mut sink = ProblemSink::new(CONFIG_FILE, text.clone());
        let raw: RawConfig = match toml_edit::de::from_str(&text) {
            Ok(raw) => raw,
            Err(err) => {
                sink.push(err.message().trim_end(), err.span().map(Span::from), None);
                return Err(sink.finish().expect_err("a problem was pushed"));
            }
        };
        let config = compile(raw, text, snapshot, &mut sink);
        sink.finish()?;
        Ok(config.expect("compile returns a config when no problem was found"))
    }

    /// The level a code is reported at, after `[rules]` overrides.
    pub fn level(&self, code: Code) -> Level {
        self.levels
            .get(&code)
            .copied()
            .unwrap_or_else(|| code.default_level())
    }

    /// Restricts checking to `codes` (`regctl validate --select`): every other rule is set to
    /// `allow`, except the [prerequisite](Code::is_prerequisite) checks, which always run.
    pub fn select(&mut self, codes: &[Code]) {
        for &code in Code::ALL {
            if !codes.contains(&code) && !code.is_prerequisite() {
                self.levels.insert(code, Level::Allow);
            }
        }
    }

    /// Whether any rule of `scope` is reported at all; a run skips the work of a scope that
    /// is entirely `allow`.
    pub fn any_enabled(&self, scope: crate::code::Scope) -> bool {
        Code::ALL
            .iter()
            .any(|&code| code.info().scope == scope && self.level(code) != Level::Allow)
    }

    /// The kind named `name`, with its index.
    pub fn kind(&self, name: &str) -> Option<(usize, &Kind)> {
        self.kinds
            .iter()
            .enumerate()
            .find(|(_, kind)| kind.name == name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    registry: RawRegistry,
    #[serde(default)]
    kinds: BTreeMap<Spanned<String>, RawKind>,
    #[serde(default)]
    graphs: BTreeMap<Spanned<String>, RawGraph>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    limits: RawLimits,
    ownership: Option<RawOwnership>,
    compose: Option<RawCompose>,
    federation: Option<RawFederation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFederation {
    dir: Option<Spanned<String>>,
    timeout_seconds: Option<Spanned<u64>>,
    max_file_bytes: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompose {
    out: Option<Spanned<String>>,
    base_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvides {
    name: Spanned<String>,
    path: Spanned<String>,
    keys: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwnership {
    team_kind: Spanned<String>,
    members: Spanned<String>,
    codeowners: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    path: Option<Spanned<String>>,
    keys: Option<Spanned<bool>>,
    min: Option<Spanned<String>>,
    max: Option<Spanned<String>>,
    scheme: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    name: Spanned<String>,
    description: Option<String>,
    dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    dir: Spanned<String>,
    schema: Spanned<String>,
    id: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    version_scheme: Option<Spanned<String>>,
    history: Option<Spanned<String>>,
    yanked: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    lifecycle: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    tags: Option<Spanned<String>>,
    #[serde(default)]
    provides: Vec<RawProvides>,
    #[serde(default)]
    refs: Vec<RawRef>,
    #[serde(default)]
    ranges: Vec<RawRange>,
    #[serde(default)]
    unique: Vec<RawUnique>,
    mutable: Option<Vec<Spanned<String>>>,
    release_content: Option<Vec<Spanned<String>>>,
    retirable: Option<Vec<String>>,
    #[serde(default)]
    contract: Vec<RawContract>,
    stages: Option<RawStages>,
    aliases: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStages {
    field: Option<Spanned<String>>,
    order: Spanned<Vec<String>>,
    #[serde(default)]
    also: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    path: Spanned<String>,
    kind: Spanned<String>,
    keys: Option<Spanned<bool>>,
    req: Option<Spanned<String>>,
    graph: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    min: Spanned<String>,
    max: Spanned<String>,
    scheme: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnique {
    path: Spanned<String>,
    name: Option<String>,
    keys: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGraph {
    acyclic: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_file_bytes: Option<Spanned<u64>>,
    max_depth: Option<Spanned<usize>>,
}

fn span_of<T>(spanned: &Spanned<T>) -> Option<Span> {
    Some(Span::from(spanned.span()))
}

/// Turns the raw config into a [`Config`], pushing every problem into `sink`.
///
/// Returns `None` only when a problem was pushed.
fn compile(
    mut raw: RawConfig,
    source: Arc<str>,
    snapshot: &dyn Snapshot,
    sink: &mut ProblemSink,
) -> Option<Config> {
    if raw.registry.name.get_ref().trim().is_empty() {
        sink.push(
            "`registry.name` must not be empty",
            span_of(&raw.registry.name),
            None,
        );
    }
    let limits = compile_limits(&raw.limits, sink);
    let levels = compile_levels(&raw.rules, sink);

    // The `source` kind is built in: its schema ships with regctl, only its directory moves.
    if let Some((name, _)) = raw
        .kinds
        .iter()
        .find(|(name, _)| name.get_ref() == SOURCE_KIND)
    {
        sink.push(
            "`source` is a kind built into regctl",
            span_of(name),
            Some(
                "remove `[kinds.source]`; set where sources live with `[federation] dir`"
                    .to_owned(),
            ),
        );
    }
    let mut builtin: RawKind =
        toml_edit::de::from_str(SOURCE_KIND_TOML).expect("the built-in source kind parses");
    if let Some(dir) = raw.federation.as_ref().and_then(|f| f.dir.clone()) {
        builtin.dir = dir;
    }
    raw.kinds
        .insert(Spanned::new(0..0, SOURCE_KIND.to_owned()), builtin);
    let federation = compile_federation(raw.federation.as_ref(), sink);

    let kind_names: Vec<&str> = raw
        .kinds
        .keys()
        .map(|name| name.get_ref().as_str())
        .collect();
    let mut kinds = Vec::new();
    let mut schema_requests = Vec::new();
    let mut dirs: BTreeMap<String, &str> = BTreeMap::new();
    for (name, raw_kind) in &raw.kinds {
        if !valid_kind_name(name.get_ref()) {
            sink.push(
                format!("kind name `{}` must be lowercase letters, digits, `-` or `_`, starting with a letter", name.get_ref()),
                span_of(name),
                None,
            );
        }
        let dir = relative_path(&raw_kind.dir, "dir", sink);
        if let Some(dir) = &dir
            && let Some(other) = dirs.insert(dir.clone(), name.get_ref())
        {
            sink.push(
                format!(
                    "kinds `{other}` and `{}` share the directory `{dir}`",
                    name.get_ref()
                ),
                span_of(&raw_kind.dir),
                Some("each kind needs its own directory".to_owned()),
            );
        }
        let schema_path = relative_path(&raw_kind.schema, "schema", sink);
        let embedded = (name.get_ref() == SOURCE_KIND).then_some(SOURCE_SCHEMA);
        let schema_path = match embedded {
            Some(_) => Some("regctl-builtin/source.schema.json".to_owned()),
            None => schema_path,
        };
        if let Some(path) = &schema_path {
            schema_requests.push(SchemaRequest {
                path: path.clone(),
                span: span_of(&raw_kind.schema),
                embedded,
            });
        }
        let parts = compile_kind(raw_kind, &kind_names, sink);
        kinds.push((name.get_ref().clone(), dir, schema_path, parts));
    }

    let mut graphs: BTreeMap<String, GraphConfig> = BTreeMap::new();
    for (_, _, _, parts) in &kinds {
        for graph in parts
            .iter()
            .flat_map(|k| k.refs.iter().filter_map(|r| r.graph.clone()))
        {
            graphs.insert(graph, GraphConfig { acyclic: true });
        }
    }
    for (name, graph) in &raw.graphs {
        match graphs.get_mut(name.get_ref()) {
            Some(config) => config.acyclic = graph.acyclic.unwrap_or(true),
            None => sink.push(
                format!("graph `{}` is not used by any reference", name.get_ref()),
                span_of(name),
                Some(
                    "name it in a `[[kinds.<kind>.refs]]` entry's `graph`, or remove this table"
                        .to_owned(),
                ),
            ),
        }
    }

    let dir = match &raw.registry.dir {
        Some(dir) => relative_path_allow_root(dir, sink),
        None => common_parent(kinds.iter().filter_map(|(_, dir, _, _)| dir.as_deref())),
    };

    let ownership = raw.ownership.as_ref().and_then(|raw| {
        let team_kind = kind_names.iter().position(|k| k == raw.team_kind.get_ref());
        if team_kind.is_none() {
            sink.push(
                format!("unknown kind `{}`", raw.team_kind.get_ref()),
                span_of(&raw.team_kind),
                Some(format!("declared kinds: {}", kind_names.join(", "))),
            );
        }
        let members = pattern(&raw.members, sink);
        if let Some(template) = &raw.codeowners
            && !template.get_ref().contains("{team}")
        {
            sink.push(
                "`codeowners` must contain `{team}`",
                span_of(template),
                Some(
                    "for example `@acme/{team}`, which names a GitHub team per registry team"
                        .to_owned(),
                ),
            );
        }
        Some(Ownership {
            team_kind: team_kind?,
            members: members?,
            codeowners: raw.codeowners.as_ref().map(|t| t.get_ref().clone()),
        })
    });

    // A source's `owner` names a team, like every owned entry.
    if let Some(ownership) = &ownership
        && let Some((_, _, _, Some(parts))) =
            kinds.iter_mut().find(|(name, _, _, _)| name == SOURCE_KIND)
    {
        parts.refs.push(RefRule {
            path: Pattern::parse("/owner").expect("a valid pointer"),
            keys: false,
            target: ownership.team_kind,
            req: None,
            graph: None,
        });
    }

    let compose = match &raw.compose {
        Some(raw) => ComposeConfig {
            out: raw
                .out
                .as_ref()
                .and_then(|out| relative_path(out, "out", sink)),
            base_url: raw.base_url.clone(),
        },
        None => ComposeConfig::default(),
    };

    let validators = schema::compile(snapshot, &schema_requests, sink);
    if !sink.is_empty() {
        return None;
    }
    let mut validators = validators.into_iter();
    let kinds = kinds
        .into_iter()
        .map(|(name, dir, schema_path, parts)| {
            let parts = parts.expect("no problems, so every kind compiled");
            let validator = validators
                .next()
                .flatten()
                .expect("no problems, so every schema compiled");
            Kind {
                name,
                dir: dir.expect("no problems, so the dir is valid"),
                schema_path: schema_path.expect("no problems, so the schema path is valid"),
                validator,
                id: parts.id,
                version: parts.version,
                scheme: parts.scheme,
                history: parts.history,
                yanked: parts.yanked,
                owner: parts.owner,
                lifecycle: parts.lifecycle,
                description: parts.description,
                tags: parts.tags,
                provides: parts.provides,
                refs: parts.refs,
                ranges: parts.ranges,
                unique: parts.unique,
                mutable: parts.mutable,
                release_content: parts.release_content,
                retirable: parts.retirable,
                contract: parts.contract,
                stages: parts.stages,
                aliases: parts.aliases,
            }
        })
        .collect();
    Some(Config {
        name: raw.registry.name.into_inner(),
        description: raw.registry.description,
        dir,
        kinds,
        graphs,
        limits,
        ownership,
        compose,
        federation,
        levels,
        source,
    })
}

fn compile_federation(raw: Option<&RawFederation>, sink: &mut ProblemSink) -> FederationConfig {
    let mut federation = FederationConfig::default();
    let Some(raw) = raw else {
        return federation;
    };
    if let Some(timeout) = &raw.timeout_seconds {
        if *timeout.get_ref() == 0 {
            sink.push(
                "`timeout_seconds` must be at least 1",
                span_of(timeout),
                None,
            );
        }
        federation.timeout_seconds = *timeout.get_ref();
    }
    if let Some(bytes) = &raw.max_file_bytes {
        if *bytes.get_ref() == 0 {
            sink.push("`max_file_bytes` must be at least 1", span_of(bytes), None);
        }
        federation.max_file_bytes = *bytes.get_ref();
    }
    federation
}

fn compile_limits(raw: &RawLimits, sink: &mut ProblemSink) -> Limits {
    let mut limits = Limits::default();
    if let Some(bytes) = &raw.max_file_bytes {
        if *bytes.get_ref() == 0 {
            sink.push("`max_file_bytes` must be at least 1", span_of(bytes), None);
        }
        limits.max_file_bytes = *bytes.get_ref();
    }
    if let Some(depth) = &raw.max_depth {
        if !(1..=MAX_MAX_DEPTH).contains(depth.get_ref()) {
            sink.push(
                format!("`max_depth` must be between 1 and {MAX_MAX_DEPTH}"),
                span_of(depth),
                None,
            );
        }
        limits.max_depth = *depth.get_ref();
    }
    limits
}

fn compile_levels(
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
    sink: &mut ProblemSink,
) -> BTreeMap<Code, Level> {
    let mut levels = BTreeMap::new();
    for (code, level) in raw {
        let Ok(parsed_code) = code.get_ref().parse::<Code>() else {
            sink.push(
                format!("unknown rule `{}`", code.get_ref()),
                span_of(code),
                Some("`regctl rules` lists every rule code".to_owned()),
            );
            continue;
        };
        match level.get_ref().parse::<Level>() {
            Ok(level) => {
                levels.insert(parsed_code, level);
            }
            Err(()) => sink.push(
                format!("unknown level `{}`", level.get_ref()),
                span_of(level),
                Some("levels are `deny`, `warn` and `allow`".to_owned()),
            ),
        }
    }
    levels
}

/// A kind's pointers and rules, before its schema is compiled.
struct KindParts {
    id: Option<Pattern>,
    version: Option<Pattern>,
    scheme: VersionScheme,
    history: Option<Pattern>,
    yanked: Pattern,
    owner: Option<Pattern>,
    lifecycle: Option<Pattern>,
    description: Option<Pattern>,
    tags: Option<Pattern>,
    provides: Vec<ProvidesRule>,
    refs: Vec<RefRule>,
    ranges: Vec<RangeRule>,
    unique: Vec<UniqueRule>,
    mutable: Vec<Pattern>,
    release_content: Option<Vec<Pattern>>,
    retirable: Vec<String>,
    contract: Vec<ContractRule>,
    stages: Option<Stages>,
    aliases: Option<Pattern>,
}

/// Lifecycle values in which an entry may be deleted, unless `retirable` says otherwise.
const DEFAULT_RETIRABLE: &[&str] = &["deprecated", "archived", "retired"];

/// Compiles a kind's pointers and rules; `None` when a problem was pushed.
fn compile_kind(raw: &RawKind, kind_names: &[&str], sink: &mut ProblemSink) -> Option<KindParts> {
    let before = sink.len();
    let plain = |field: &Option<Spanned<String>>, what: &str, sink: &mut ProblemSink| {
        field.as_ref().and_then(|p| plain_pointer(p, what, sink))
    };
    let id = plain(&raw.id, "id", sink);
    let version = plain(&raw.version, "version", sink);
    if let Some(version) = &version
        && version.segments().is_empty()
    {
        sink.push(
            "`version` must point inside an object (its parent is the current release record)",
            raw.version.as_ref().and_then(span_of),
            None,
        );
    }
    let history = plain(&raw.history, "history", sink);
    let owner = plain(&raw.owner, "owner", sink);
    let lifecycle = plain(&raw.lifecycle, "lifecycle", sink);
    let description = plain(&raw.description, "description", sink);
    let tags = plain(&raw.tags, "tags", sink);
    let mut provides = Vec::new();
    for raw_provides in &raw.provides {
        if !valid_kind_name(raw_provides.name.get_ref()) {
            sink.push(
                "provides names are lowercase letters, digits, `-` or `_`",
                span_of(&raw_provides.name),
                None,
            );
        }
        if let Some(path) = pattern(&raw_provides.path, sink) {
            check_keys(&path, raw_provides.keys.as_ref(), sink);
            provides.push(ProvidesRule {
                name: raw_provides.name.get_ref().clone(),
                path,
                keys: raw_provides
                    .keys
                    .as_ref()
                    .is_some_and(|keys| *keys.get_ref()),
            });
        }
    }
    let yanked = match &raw.yanked {
        Some(pointer) => plain_pointer(pointer, "yanked", sink),
        None => Pattern::parse("/yanked").ok(),
    };
    let scheme = scheme(raw.version_scheme.as_ref(), sink);

    let mut refs = Vec::new();
    for raw_ref in &raw.refs {
        let path = pattern(&raw_ref.path, sink);
        let target = kind_names.iter().position(|k| k == raw_ref.kind.get_ref());
        if target.is_none() {
            sink.push(
                format!("unknown kind `{}`", raw_ref.kind.get_ref()),
                span_of(&raw_ref.kind),
                Some(format!("declared kinds: {}", kind_names.join(", "))),
            );
        }
        let req = raw_ref.req.as_ref().and_then(|req| pattern(req, sink));
        if let (Some(path), Some(req), Some(raw_req)) = (&path, &req, &raw_ref.req)
            && req.wildcards() > path.wildcards()
        {
            sink.push(
                format!(
                    "`req` has {} `*` but `path` has only {}",
                    req.wildcards(),
                    path.wildcards()
                ),
                span_of(raw_req),
                Some(
                    "each `*` in `req` is bound to the `*` at the same position in `path`"
                        .to_owned(),
                ),
            );
        }
        if let Some(path) = &path {
            check_keys(path, raw_ref.keys.as_ref(), sink);
        }
        let graph = raw_ref.graph.as_ref().map(|graph| graph.get_ref().clone());
        if let Some(raw_graph) = &raw_ref.graph
            && !valid_kind_name(raw_graph.get_ref())
        {
            sink.push(
                "graph names are lowercase letters, digits, `-` or `_`",
                span_of(raw_graph),
                None,
            );
        }
        if let (Some(path), Some(target)) = (path, target) {
            refs.push(RefRule {
                path,
                keys: raw_ref.keys.as_ref().is_some_and(|keys| *keys.get_ref()),
                target,
                req,
                graph,
            });
        }
    }

    let mut ranges = Vec::new();
    for raw_range in &raw.ranges {
        let min = pattern(&raw_range.min, sink);
        let max = pattern(&raw_range.max, sink);
        let range_scheme = match &raw_range.scheme {
            Some(_) => scheme_of(raw_range.scheme.as_ref(), VersionScheme::Loose, sink),
            None => VersionScheme::Loose,
        };
        if let (Some(min), Some(max)) = (min, max) {
            if min.wildcards() != max.wildcards() {
                sink.push(
                    "`min` and `max` must have the same number of `*`",
                    span_of(&raw_range.max),
                    None,
                );
            }
            ranges.push(RangeRule {
                min,
                max,
                scheme: range_scheme,
            });
        }
    }

    let mut unique = Vec::new();
    for raw_unique in &raw.unique {
        if let Some(path) = pattern(&raw_unique.path, sink) {
            check_keys(&path, raw_unique.keys.as_ref(), sink);
            unique.push(UniqueRule {
                name: raw_unique
                    .name
                    .clone()
                    .unwrap_or_else(|| path.as_str().to_owned()),
                path,
                keys: raw_unique.keys.as_ref().is_some_and(|keys| *keys.get_ref()),
            });
        }
    }

    let mutable = compile_mutable(
        raw,
        version.as_ref(),
        yanked.as_ref(),
        lifecycle.as_ref(),
        sink,
    );
    let release_content = raw.release_content.as_ref().map(|pointers| {
        pointers
            .iter()
            .filter_map(|pointer| plain_pointer(pointer, "release_content", sink))
            .collect()
    });
    let retirable = raw
        .retirable
        .clone()
        .unwrap_or_else(|| DEFAULT_RETIRABLE.iter().map(|s| (*s).to_owned()).collect());
    let contract = raw
        .contract
        .iter()
        .filter_map(|rule| compile_contract(rule, sink))
        .collect();

    let stages = raw.stages.as_ref().and_then(|raw_stages| {
        compile_stages(raw_stages, version.as_ref(), lifecycle.as_ref(), sink)
    });
    let aliases = plain(&raw.aliases, "aliases", sink);

    if sink.len() != before {
        return None;
    }
    Some(KindParts {
        stages,
        aliases,
        mutable,
        release_content,
        retirable,
        contract,
        id,
        version,
        scheme,
        history,
        yanked: yanked?,
        owner,
        lifecycle,
        description,
        tags,
        provides,
        refs,
        ranges,
        unique,
    })
}

/// Mutable fields of a release record: as configured, or `yanked` plus the lifecycle field when
/// it lives inside the current release record (a model version's `stage`).
fn compile_mutable(
    raw: &RawKind,
    version: Option<&Pattern>,
    yanked: Option<&Pattern>,
    lifecycle: Option<&Pattern>,
    sink: &mut ProblemSink,
) -> Vec<Pattern> {
    if let Some(pointers) = &raw.mutable {
        return pointers
            .iter()
            .filter_map(|pointer| plain_pointer(pointer, "mutable", sink))
            .collect();
    }
    let mut mutable: Vec<Pattern> = yanked.into_iter().cloned().collect();
    mutable.extend(lifecycle_in_record(version, lifecycle));
    mutable
}

/// The lifecycle pointer relative to the current release record, when it lies inside it
/// (`/current/stage` with `version = "/current/version"` is `/stage`).
fn lifecycle_in_record(version: Option<&Pattern>, lifecycle: Option<&Pattern>) -> Option<Pattern> {
    let (version, lifecycle) = version.zip(lifecycle)?;
    let record = &version.keys()[..version.segments().len().saturating_sub(1)];
    let inside = lifecycle.keys().strip_prefix(record)?.to_vec();
    if inside.is_empty() {
        return None;
    }
    Pattern::parse(&crate::pointer::format_path(&inside)).ok()
}

/// The stage field defaults to the lifecycle field when it lies inside the current release
/// record (a model version's `stage`).
fn compile_stages(
    raw: &RawStages,
    version: Option<&Pattern>,
    lifecycle: Option<&Pattern>,
    sink: &mut ProblemSink,
) -> Option<Stages> {
    let order = raw.order.get_ref();
    if order.len() < 2 {
        sink.push(
            "`stages.order` lists at least two stages",
            span_of(&raw.order),
            None,
        );
        return None;
    }
    for (from, moves) in &raw.also {
        for stage in std::iter::once(from).chain(moves) {
            if !order.contains(stage) {
                sink.push(
                    format!("`stages.also` names `{stage}`, which is not in `stages.order`"),
                    span_of(&raw.order),
                    None,
                );
                return None;
            }
        }
    }
    let field = match &raw.field {
        Some(field) => plain_pointer(field, "stages.field", sink)?,
        None => {
            let Some(field) = lifecycle_in_record(version, lifecycle) else {
                sink.push(
                    "`stages` needs `field`: the stage's pointer inside a release record",
                    span_of(&raw.order),
                    Some("without it, `lifecycle` is used when it lies inside the current release record".to_owned()),
                );
                return None;
            };
            field
        }
    };
    Some(Stages {
        field,
        order: order.clone(),
        also: raw.also.clone(),
    })
}

fn compile_contract(raw: &RawContract, sink: &mut ProblemSink) -> Option<ContractRule> {
    let scheme = scheme_of(raw.scheme.as_ref(), VersionScheme::Loose, sink);
    match (&raw.path, &raw.min, &raw.max) {
        (Some(path), None, None) => {
            let path = pattern(path, sink)?;
            check_keys(&path, raw.keys.as_ref(), sink);
            Some(ContractRule::Kept {
                path,
                keys: raw.keys.as_ref().is_some_and(|keys| *keys.get_ref()),
            })
        }
        (None, Some(min), None) => Some(ContractRule::Min {
            path: pattern(min, sink)?,
            scheme,
        }),
        (None, None, Some(max)) => Some(ContractRule::Max {
            path: pattern(max, sink)?,
            scheme,
        }),
        _ => {
            let span = raw
                .path
                .as_ref()
                .or(raw.min.as_ref())
                .or(raw.max.as_ref())
                .and_then(span_of);
            sink.push(
                "a contract entry needs exactly one of `path`, `min` or `max`",
                span,
                Some("`path` values must not disappear, a `min` must not rise, a `max` must not fall".to_owned()),
            );
            None
        }
    }
}

fn check_keys(path: &Pattern, keys: Option<&Spanned<bool>>, sink: &mut ProblemSink) {
    let Some(keys) = keys else {
        return;
    };
    if *keys.get_ref() && !matches!(path.segments().last(), Some(Segment::Any)) {
        sink.push(
            "`keys = true` needs a `path` that ends in `/*`",
            span_of(keys),
            Some("the keys compared are those the last `*` matches".to_owned()),
        );
    }
}

fn scheme(raw: Option<&Spanned<String>>, sink: &mut ProblemSink) -> VersionScheme {
    scheme_of(raw, VersionScheme::Semver, sink)
}

fn scheme_of(
    raw: Option<&Spanned<String>>,
    default: VersionScheme,
    sink: &mut ProblemSink,
) -> VersionScheme {
    let Some(raw) = raw else {
        return default;
    };
    raw.get_ref().parse().unwrap_or_else(|()| {
        sink.push(
            format!("unknown version scheme `{}`", raw.get_ref()),
            span_of(raw),
            Some("schemes are `semver`, `semver-v` and `loose`".to_owned()),
        );
        default
    })
}

fn pattern(raw: &Spanned<String>, sink: &mut ProblemSink) -> Option<Pattern> {
    match Pattern::parse(raw.get_ref()) {
        Ok(pattern) => Some(pattern),
        Err(err) => {
            sink.push(
                format!("`{}` is not a JSON pointer: {err}", raw.get_ref()),
                span_of(raw),
                Some("pointers look like `/versions/latest/version`; `*` matches every array element or map key".to_owned()),
            );
            None
        }
    }
}

fn plain_pointer(raw: &Spanned<String>, what: &str, sink: &mut ProblemSink) -> Option<Pattern> {
    let pattern = pattern(raw, sink)?;
    if pattern.wildcards() > 0 {
        sink.push(
            format!("`{what}` must point at one value; `*` is not allowed here"),
            span_of(raw),
            None,
        );
        return None;
    }
    Some(pattern)
}

fn valid_kind_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Normalizes a relative path from the config: `/`-separated, no `.`/`..`, not absolute.
fn relative_path(raw: &Spanned<String>, what: &str, sink: &mut ProblemSink) -> Option<String> {
    match normalize(raw.get_ref()) {
        Some(path) if !path.is_empty() => Some(path),
        _ => {
            sink.push(
                format!("`{what}` must be a relative path inside the registry, without `..`"),
                span_of(raw),
                None,
            );
            None
        }
    }
}

fn relative_path_allow_root(raw: &Spanned<String>, sink: &mut ProblemSink) -> Option<String> {
    match normalize(raw.get_ref()) {
        Some(path) => Some(path),
        None => {
            sink.push(
                "`dir` must be a relative path inside the registry, without `..`",
                span_of(raw),
                None,
            );
            None
        }
    }
}

fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return None;
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The deepest directory containing every kind dir, unless that is the root.
fn common_parent<'a>(dirs: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut common: Option<Vec<&str>> = None;
    for dir in dirs {
        let parts: Vec<&str> = dir.split('/').collect();
        common = Some(match common {
            None => parts[..parts.len().saturating_sub(1)].to_vec(),
            Some(prev) => prev
                .iter()
                .zip(&parts)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common
        .filter(|parts| !parts.is_empty())
        .map(|parts| parts.join("/"))
}

/// The registry root for `start`: the nearest directory, from `start` up, holding `regctl.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(start).map_err(|source| Error::Io {
        path: start.display().to_string(),
        source,
    })?;
    absolute
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::NoConfig {
            start: start.display().to_string(),
        })
}

/// The set of directories to walk so that every kind dir and the registry dir are covered once.
pub fn walk_roots(config: &Config) -> Vec<String> {
    let mut dirs: BTreeSet<&str> = config.kinds.iter().map(|kind| kind.dir.as_str()).collect();
    if let Some(dir) = &config.dir {
        dirs.insert(dir);
    }
    let mut roots: Vec<String> = Vec::new();
    for dir in dirs {
        if !roots.iter().any(|root| is_within(dir, root)) {
            roots.push(dir.to_owned());
        }
    }
    roots
}

/// Whether `path` is `dir` or inside it.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_relative_paths() {
        assert_eq!(
            normalize("./registry//components/"),
            Some("registry/components".into())
        );
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("/etc"), None);
        assert_eq!(normalize("C:/x"), None);
    }

    #[test]
    fn common_parent_of_kind_dirs() {
        let dirs = ["registry/components", "registry/models"];
        assert_eq!(common_parent(dirs.into_iter()), Some("registry".into()));
        assert_eq!(
            common_parent(["registry/components"].into_iter()),
            Some("registry".into())
        );
        assert_eq!(common_parent(["components", "models"].into_iter()), None);
    }

    #[test]
    fn within_matches_whole_segments() {
        assert!(is_within("registry/a.toml", "registry"));
        assert!(!is_within("registry2/a.toml", "registry"));
        assert!(is_within("anything", ""));
    }
}
