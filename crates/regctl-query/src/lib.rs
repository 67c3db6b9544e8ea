//! Queries over a registry or a published index, read the same way.
//!
//! Everything reads index files through an [`IndexSource`]: the registry composed in memory, a
//! composed directory, or a published index over HTTP. A lookup by id reads `config.json` and
//! one sparse file; `ls` and `search` read `catalog.json`; graph questions read one graph file.

mod filter;
mod reference;
mod source;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use regctl_compose::shard;
use regctl_core::suggest::{edit_distance, is_close};
use serde_json::Value;

pub use filter::{Filter, Op, WHERE_SYNTAX, Where};
pub use reference::EntryRef;
pub use source::{DirIndex, IndexSource, MemoryIndex};

/// The index format versions this regctl reads.
pub const FORMAT_VERSION: u64 = 1;

/// Why a question has no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Read(#[from] regctl_core::Error),
    #[error("{0} is not a regctl index (it has no config.json)")]
    NotAnIndex(String),
    #[error(
        "the index has format_version {found}, newer than this regctl reads ({FORMAT_VERSION}); upgrade regctl"
    )]
    NewerFormat { found: u64 },
    #[error("`{file}` of the index is not valid JSON: {reason}")]
    Corrupt { file: String, reason: String },
    /// The question itself is malformed (exit 64).
    #[error("{message}")]
    Usage { message: String, help: String },
    /// Nothing matches (exit 2).
    #[error("{message}")]
    NotFound {
        message: String,
        suggestions: Vec<String>,
    },
}

/// A kind, as `config.json` describes it.
#[derive(Clone, Debug)]
pub struct KindInfo {
    pub name: String,
    pub version_scheme: Option<String>,
    pub version: Option<String>,
    pub history: Option<String>,
    pub yanked: String,
    pub unique: Vec<String>,
    pub provides: Vec<String>,
}

/// An index opened for questions.
pub struct Reader<'s> {
    source: &'s dyn IndexSource,
    pub config: Value,
    pub kinds: Vec<KindInfo>,
}

impl<'s> Reader<'s> {
    /// Opens the index: reads `config.json` and checks its format version.
    pub fn open(source: &'s dyn IndexSource) -> Result<Reader<'s>, QueryError> {
        let config = match source.read("config.json")? {
            Some(bytes) => parse("config.json", &bytes)?,
            None => return Err(QueryError::NotAnIndex(source.describe())),
        };
        let found = config["format_version"].as_u64().unwrap_or(0);
        if found > FORMAT_VERSION {
            return Err(QueryError::NewerFormat { found });
        }
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let kinds = config["kinds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|kind| {
                Some(KindInfo {
                    name: kind["name"].as_str()?.to_owned(),
                    version_scheme: kind["version_scheme"].as_str().map(str::to_owned),
                    version: kind["pointers"]["version"].as_str().map(str::to_owned),
                    history: kind["pointers"]["history"].as_str().map(str::to_owned),
                    yanked: kind["pointers"]["yanked"]
                        .as_str()
                        .unwrap_or("/yanked")
                        .to_owned(),
                    unique: strings(&kind["unique"]),
                    provides: strings(&kind["provides"]),
                })
            })
            .collect();
        Ok(Reader {
            source,
            config,
            kinds,
        })
    }

    pub fn describe(&self) -> String {
        self.source.describe()
    }

    fn json(&self, path: &str) -> Result<Option<Value>, QueryError> {
        match self.source.read(path)? {
            Some(bytes) => parse(path, &bytes).map(Some),
            None => Ok(None),
        }
    }

    pub fn kind(&self, name: &str) -> Result<&KindInfo, QueryError> {
        self.kinds
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| QueryError::Usage {
                message: format!("unknown kind `{name}`"),
                help: format!(
                    "kinds in this index: {}",
                    self.kinds
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }

    /// The sparse file of `kind:id`.
    pub fn entry(&self, kind: &str, id: &str) -> Result<Option<Value>, QueryError> {
        self.json(&shard::entry_path(kind, id))
    }

    /// The catalog rows (of record versions this regctl knows).
    pub fn catalog(&self) -> Result<Vec<Value>, QueryError> {
        let catalog = self.json("catalog.json")?.unwrap_or(Value::Null);
        Ok(catalog["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|row| row["v"] == 1)
            .cloned()
            .collect())
    }

    pub fn graph_file(&self, name: &str) -> Result<Option<Value>, QueryError> {
        self.json(&format!("graphs/{name}.json"))
    }

    /// The graphs the index has.
    pub fn graph_names(&self) -> Vec<String> {
        self.config["graphs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.as_str().map(str::to_owned))
            .collect()
    }

    /// Looks an entry up by `[kind:]id[@req]`, or by a value of a unique key (a uuid).
    pub fn get(&self, reference: &EntryRef) -> Result<Found, QueryError> {
        let kinds: Vec<&KindInfo> = match &reference.kind {
            Some(kind) => vec![self.kind(kind)?],
            None => self.kinds.iter().collect(),
        };
        let mut found = Vec::new();
        for kind in &kinds {
            if let Some(entry) = self.entry(&kind.name, &reference.id)? {
                found.push(((*kind).clone(), entry));
            }
        }
        if found.is_empty() {
            for kind in kinds.iter().filter(|k| !k.unique.is_empty()) {
                let path = shard::keys_path(&kind.name, &shard::provides_key(&reference.id));
                let Some(keys) = self.json(&path)? else {
                    continue;
                };
                for matched in keys["entries"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|m| m["value"] == reference.id.as_str())
                {
                    if let Some(id) = matched["id"].as_str()
                        && let Some(entry) = self.entry(&kind.name, id)?
                    {
                        found.push(((*kind).clone(), entry));
                    }
                }
            }
        }
        // An id that was renamed: `renames.json` says what it is called now.
        let mut renamed_from = None;
        if found.is_empty()
            && let Some(renames) = self.json("renames.json")?
        {
            for kind in &kinds {
                if let Some(to) = renames["renamed"][&kind.name][&reference.id].as_str()
                    && let Some(entry) = self.entry(&kind.name, to)?
                {
                    renamed_from = Some(format!("{}:{}", kind.name, reference.id));
                    found.push(((*kind).clone(), entry));
                }
            }
        }
        match found.len() {
            0 => Err(self.not_found(reference)?),
            1 => {
                let (kind, entry) = found.remove(0);
                let selected = select(&kind, &entry, reference.req.as_ref());
                if reference.req.is_some() && selected.is_none() {
                    // The versions there are, not guesses: listed in the message, yanked marked.
                    let released: Vec<String> = entry["versions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| {
                            let version = v["version"].as_str()?;
                            Some(if v["yanked"].as_bool() == Some(true) {
                                format!("{version} (yanked)")
                            } else {
                                version.to_owned()
                            })
                        })
                        .collect();
                    return Err(QueryError::NotFound {
                        message: format!(
                            "no released, non-yanked version of `{}:{}` satisfies `{}`; released: {}",
                            kind.name,
                            entry["id"].as_str().unwrap_or_default(),
                            reference
                                .req
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default(),
                            if released.is_empty() {
                                "none".to_owned()
                            } else {
                                released.join(", ")
                            }
                        ),
                        suggestions: Vec::new(),
                    });
                }
                Ok(Found {
                    kind,
                    entry,
                    selected,
                    renamed_from,
                })
            }
            _ => Err(QueryError::NotFound {
                message: format!(
                    "`{}` is ambiguous: it names entries of several kinds",
                    reference.id
                ),
                suggestions: found
                    .iter()
                    .map(|(kind, _)| format!("{}:{}", kind.name, reference.id))
                    .collect(),
            }),
        }
    }

    fn not_found(&self, reference: &EntryRef) -> Result<QueryError, QueryError> {
        let rows = self.catalog()?;
        let mut scored: Vec<(usize, String)> = rows
            .iter()
            .filter(|row| reference.kind.as_deref().is_none_or(|k| row["kind"] == k))
            .filter_map(|row| {
                let id = row["id"].as_str()?;
                let distance = edit_distance(&reference.id.to_lowercase(), &id.to_lowercase());
                is_close(&reference.id.to_lowercase(), &id.to_lowercase()).then(|| {
                    (
                        distance,
                        format!("{}:{id}", row["kind"].as_str().unwrap_or_default()),
                    )
                })
            })
            .collect();
        scored.sort();
        let what = match &reference.kind {
            Some(kind) => format!("{kind}:{}", reference.id),
            None => reference.id.clone(),
        };
        Ok(QueryError::NotFound {
            message: format!("no entry `{what}` in {}", self.describe()),
            suggestions: scored.into_iter().take(3).map(|(_, s)| s).collect(),
        })
    }

    /// Visits every current catalog row, borrowed from the catalog's text so that filters
    /// do not build a JSON tree per row (100k rows in tens of milliseconds).
    fn each_row(
        &self,
        mut visit: impl FnMut(&Row<'_>, &serde_json::value::RawValue) -> Result<(), QueryError>,
    ) -> Result<(), QueryError> {
        let Some(bytes) = self.source.read("catalog.json")? else {
            return Ok(());
        };
        let corrupt = |err: serde_json::Error| QueryError::Corrupt {
            file: "catalog.json".to_owned(),
            reason: err.to_string(),
        };
        let catalog: CatalogDoc<'_> = serde_json::from_slice(&bytes).map_err(corrupt)?;
        for raw in catalog.entries {
            let row: Row<'_> = serde_json::from_str(raw.get()).map_err(corrupt)?;
            if row.v == 1 {
                visit(&row, raw)?;
            }
        }
        Ok(())
    }

    /// The catalog rows `keep` says yes to, as JSON, with what it returned.
    fn scan<T>(&self, keep: impl Fn(&Row<'_>) -> Option<T>) -> Result<Vec<(T, Value)>, QueryError> {
        let mut out = Vec::new();
        self.each_row(|row, raw| {
            if let Some(kept) = keep(row) {
                let value = serde_json::from_str(raw.get()).map_err(|err| QueryError::Corrupt {
                    file: "catalog.json".to_owned(),
                    reason: err.to_string(),
                })?;
                out.push((kept, value));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Catalog rows matching `filter`, sorted and limited. `--where` conditions read each
    /// remaining entry's sparse file.
    pub fn ls(&self, filter: &Filter) -> Result<Vec<Value>, QueryError> {
        if let Some(kind) = &filter.kind {
            self.kind(kind)?;
        }
        let mut rows: Vec<Value> = self
            .scan(|row| filter.matches(row).then_some(()))?
            .into_iter()
            .map(|(_, row)| row)
            .collect();
        if !filter.conditions.is_empty() {
            let mut kept = Vec::with_capacity(rows.len());
            // Per ordering condition: `Ok` once it compared with some entry's value, else the
            // first value it could not compare with.
            let mut compared: Vec<Option<Result<(), Value>>> = vec![None; filter.conditions.len()];
            for row in rows {
                let (Some(kind), Some(id)) = (row["kind"].as_str(), row["id"].as_str()) else {
                    continue;
                };
                let Some(entry) = self.entry(kind, id)? else {
                    continue;
                };
                let kind = self.kind(kind)?;
                let record = select(kind, &entry, None)
                    .map(|s| s.record)
                    .unwrap_or(Value::Null);
                let scheme = kind.version_scheme.as_deref();
                for (seen, condition) in compared.iter_mut().zip(&filter.conditions) {
                    match condition.comparable(&record, &entry["entry"], scheme) {
                        Some(Ok(())) => *seen = Some(Ok(())),
                        Some(Err(value)) if seen.is_none() => *seen = Some(Err(value.clone())),
                        _ => {}
                    }
                }
                if filter
                    .conditions
                    .iter()
                    .all(|c| c.holds(&record, &entry["entry"], scheme))
                {
                    kept.push(row);
                }
            }
            let never = filter
                .conditions
                .iter()
                .zip(&compared)
                .find_map(|(condition, seen)| match seen {
                    Some(Err(value)) => Some((condition, value)),
                    _ => None,
                });
            if let Some((condition, value)) = never {
                return Err(QueryError::Usage {
                    message: format!(
                        "`{}` compares with no entry: `{}` holds values such as {value}, which cannot be ordered against `{}`",
                        condition.display(),
                        condition.pointer,
                        condition.value
                    ),
                    help: "compare numbers with numbers, versions with versions (in the kind's version scheme) and dates with `YYYY-MM-DD` dates".to_owned(),
                });
            }
            rows = kept;
        }
        if let Some(field) = &filter.sort {
            rows.sort_by(|a, b| compare_field(&a[field], &b[field]));
        }
        if let Some(limit) = filter.limit {
            rows.truncate(limit);
        }
        Ok(rows)
    }

    /// Catalog rows ranked by how well `text` matches their id, description and tags.
    pub fn search(&self, text: &str) -> Result<Vec<(u32, Value)>, QueryError> {
        check_search_text(text)?;
        let needle = text.trim().to_lowercase();
        let words: Vec<&str> = needle.split_whitespace().collect();
        let mut scored: Vec<(u32, Value)> = self.scan(|row| {
            let id = row.id.to_lowercase();
            let description = row.text(row.description).unwrap_or_default().to_lowercase();
            let tags: Vec<String> = row.tags().iter().map(|t| t.to_lowercase()).collect();
            let mut score = 0;
            if id == needle {
                score += 100;
            } else if id.starts_with(&needle) {
                score += 60;
            } else if id.contains(&needle) {
                score += 40;
            }
            for word in &words {
                if tags.iter().any(|t| t == word) {
                    score += 30;
                }
                if description.contains(word) {
                    score += 10;
                }
                if id.contains(word) && words.len() > 1 {
                    score += 10;
                }
            }
            (score > 0).then_some(score)
        })?;
        scored.sort_by(|(a, x), (b, y)| {
            b.cmp(a).then_with(|| {
                (x["kind"].as_str(), x["id"].as_str()).cmp(&(y["kind"].as_str(), y["id"].as_str()))
            })
        });
        Ok(scored)
    }

    /// Which entries provide `value` (a component class, say).
    pub fn which(&self, value: &str, kind: Option<&str>) -> Result<Vec<Value>, QueryError> {
        let kinds: Vec<&KindInfo> = match kind {
            Some(kind) => vec![self.kind(kind)?],
            None => self
                .kinds
                .iter()
                .filter(|k| !k.provides.is_empty())
                .collect(),
        };
        let mut out = Vec::new();
        for kind in kinds {
            let path = shard::provides_path(&kind.name, &shard::provides_key(value));
            if let Some(file) = self.json(&path)? {
                out.extend(
                    file["providers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|p| p["value"] == value)
                        .map(|p| {
                            let mut p = p.clone();
                            p["kind"] = Value::String(kind.name.clone());
                            p
                        }),
                );
            }
        }
        Ok(out)
    }

    /// The graph around `kind:id`: what it references (or, `reverse`, what references it),
    /// to `depth` levels.
    pub fn graph(
        &self,
        key: &str,
        name: &str,
        reverse: bool,
        depth: Option<usize>,
    ) -> Result<Tree, QueryError> {
        let Some(graph) = self.graph_file(name)? else {
            return Err(QueryError::Usage {
                message: format!("the index has no graph `{name}`"),
                help: format!("graphs: {}", self.graph_names().join(", ")),
            });
        };
        let mut adjacency: BTreeMap<&str, Vec<(&str, Value)>> = BTreeMap::new();
        for edge in graph["edges"].as_array().into_iter().flatten() {
            let (Some(from), Some(to)) = (edge["from"].as_str(), edge["to"].as_str()) else {
                continue;
            };
            let label = serde_json::json!({"req": edge["req"], "from_version": edge["from_version"], "to_version": edge["to_version"]});
            if reverse {
                adjacency.entry(to).or_default().push((from, label));
            } else {
                adjacency.entry(from).or_default().push((to, label));
            }
        }
        for edges in adjacency.values_mut() {
            edges.sort_by(|a, b| a.0.cmp(b.0));
            edges.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        }
        fn expand(
            node: &str,
            adjacency: &BTreeMap<&str, Vec<(&str, Value)>>,
            depth: Option<usize>,
            path: &mut Vec<String>,
        ) -> Tree {
            let mut tree = Tree {
                node: node.to_owned(),
                label: Value::Null,
                children: Vec::new(),
                repeated: false,
            };
            if depth == Some(0) {
                return tree;
            }
            path.push(node.to_owned());
            for (next, label) in adjacency.get(node).into_iter().flatten() {
                if path.iter().any(|p| p == next) {
                    tree.children.push(Tree {
                        node: (*next).to_owned(),
                        label: label.clone(),
                        children: Vec::new(),
                        repeated: true,
                    });
                    continue;
                }
                let mut child = expand(next, adjacency, depth.map(|d| d - 1), path);
                child.label = label.clone();
                tree.children.push(child);
            }
            path.pop();
            tree
        }
        Ok(expand(key, &adjacency, depth, &mut Vec::new()))
    }

    /// Counts for `regctl stats`.
    pub fn stats(&self) -> Result<Value, QueryError> {
        let mut entries = 0usize;
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_lifecycle: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
        self.each_row(|row, _| {
            entries += 1;
            *by_kind.entry(row.kind.to_string()).or_default() += 1;
            if let Some(lifecycle) = row.text(row.lifecycle) {
                *by_lifecycle.entry(lifecycle).or_default() += 1;
            }
            if let Some(owner) = row.text(row.owner) {
                *by_owner.entry(owner).or_default() += 1;
            }
            Ok(())
        })?;
        let manifest: Option<ManifestSizes> = match self.source.read("manifest.json")? {
            Some(bytes) => {
                Some(
                    serde_json::from_slice(&bytes).map_err(|err| QueryError::Corrupt {
                        file: "manifest.json".to_owned(),
                        reason: err.to_string(),
                    })?,
                )
            }
            None => None,
        };
        let files = manifest.as_ref().map(|m| m.files.len() + 1);
        let size = manifest
            .as_ref()
            .map(|m| m.files.values().map(|f| f.size).sum::<u64>());
        Ok(serde_json::json!({
            "entries": entries,
            "by_kind": by_kind,
            "by_lifecycle": by_lifecycle,
            "by_owner": by_owner,
            "versions": self.config["counts"]["versions"],
            "references": self.config["counts"]["references"],
            "files": files,
            "bytes": size,
        }))
    }
}

/// The file sizes `manifest.json` lists; the rest of it is skipped unparsed.
#[derive(serde::Deserialize)]
struct ManifestSizes {
    files: BTreeMap<String, ManifestFile>,
}

#[derive(serde::Deserialize)]
struct ManifestFile {
    #[serde(default)]
    size: u64,
}

/// `catalog.json`, with its rows left as raw text.
#[derive(serde::Deserialize)]
struct CatalogDoc<'a> {
    #[serde(borrow)]
    entries: Vec<&'a serde_json::value::RawValue>,
}

/// The catalog fields filters look at, borrowed from the catalog's text.
#[derive(serde::Deserialize)]
pub(crate) struct Row<'a> {
    #[serde(default)]
    pub(crate) v: u64,
    #[serde(borrow)]
    pub(crate) kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) id: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) owner: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    pub(crate) lifecycle: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    pub(crate) description: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    pub(crate) tags: Option<&'a serde_json::value::RawValue>,
}

impl Row<'_> {
    /// A raw field as a string, if it is one.
    pub(crate) fn text(&self, raw: Option<&serde_json::value::RawValue>) -> Option<String> {
        serde_json::from_str::<String>(raw?.get()).ok()
    }

    pub(crate) fn tags(&self) -> Vec<String> {
        self.tags
            .and_then(|raw| serde_json::from_str::<Vec<String>>(raw.get()).ok())
            .unwrap_or_default()
    }
}

/// An entry found by `get`, with the version record chosen.
#[derive(Debug)]
pub struct Found {
    pub kind: KindInfo,
    /// The sparse file.
    pub entry: Value,
    pub selected: Option<Selected>,
    /// `kind:id` the reference named, when that id was renamed to this entry's.
    pub renamed_from: Option<String>,
}

/// A released version and its record.
#[derive(Debug)]
pub struct Selected {
    pub version: String,
    pub yanked: bool,
    pub record: Value,
}

/// A node of a dependency tree.
#[derive(Debug, Clone)]
pub struct Tree {
    pub node: String,
    /// The edge that led here: `req`, `from_version`, `to_version`.
    pub label: Value,
    pub children: Vec<Tree>,
    /// The node is already on the path from the root (a cycle); not expanded again.
    pub repeated: bool,
}

impl Tree {
    /// Every node below the root, each once, in breadth-first order.
    pub fn descendants(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut queue: VecDeque<&Tree> = self.children.iter().collect();
        while let Some(tree) = queue.pop_front() {
            if seen.insert(tree.node.as_str()) {
                out.push(tree.node.as_str());
            }
            queue.extend(tree.children.iter());
        }
        out
    }
}

/// The version to show: the highest released, non-yanked version matching `req` (any, without
/// one; pre-releases only when `req` names them, as in Cargo).
pub fn select(
    kind: &KindInfo,
    entry: &Value,
    req: Option<&semver::VersionReq>,
) -> Option<Selected> {
    let versions = entry["versions"].as_array()?;
    let parse = |text: &str| -> Option<semver::Version> {
        let text = if kind.version_scheme.as_deref() == Some("semver-v") {
            text.strip_prefix('v')?
        } else {
            text
        };
        semver::Version::parse(text).ok()
    };
    let candidates = versions
        .iter()
        .filter(|v| !v["yanked"].as_bool().unwrap_or(false))
        .filter_map(|v| Some((v["version"].as_str()?, v)));
    let candidates: Vec<(&str, &Value)> = candidates.collect();
    let parsed = || {
        candidates
            .iter()
            .filter_map(|(text, v)| parse(text).map(|version| (version, *text, *v)))
    };
    let chosen = match req {
        Some(req) => highest(parsed().filter(|(version, _, _)| req.matches(version))),
        // Without a requirement: the highest stable version, else the highest pre-release, else
        // (for versions that are not semver) the newest listed.
        None => highest(parsed().filter(|(version, _, _)| version.pre.is_empty()))
            .or_else(|| highest(parsed()))
            .or_else(|| candidates.last().copied()),
    }?;
    let (text, version) = chosen;
    Some(Selected {
        version: text.to_owned(),
        yanked: version["yanked"].as_bool().unwrap_or(false),
        record: record(kind, &entry["entry"], text).unwrap_or(Value::Null),
    })
}

fn highest<'a>(
    pool: impl Iterator<Item = (semver::Version, &'a str, &'a Value)>,
) -> Option<(&'a str, &'a Value)> {
    pool.max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, text, v)| (text, v))
}

/// The release record of `version` in a document: the current record or a history element.
fn record(kind: &KindInfo, document: &Value, version: &str) -> Option<Value> {
    let pointer = kind.version.as_deref()?;
    let (record_pointer, key) = pointer.rsplit_once('/')?;
    let current = document.pointer(record_pointer)?;
    if current.get(key).and_then(Value::as_str) == Some(version) {
        return Some(current.clone());
    }
    let history = document.pointer(kind.history.as_deref()?)?.as_array()?;
    history
        .iter()
        .find(|r| r.get(key).and_then(Value::as_str) == Some(version))
        .cloned()
}

fn compare_field(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Value::String(x), Value::String(y)) => {
            match (semver::Version::parse(x), semver::Version::parse(y)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => x.cmp(y),
            }
        }
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Greater,
        (_, Value::Null) => std::cmp::Ordering::Less,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn parse(file: &str, bytes: &[u8]) -> Result<Value, QueryError> {
    serde_json::from_slice(bytes).map_err(|err| QueryError::Corrupt {
        file: file.to_owned(),
        reason: err.to_string(),
    })
}

/// Refuses a search with nothing to look for: every entry would match an empty text, and
/// none a blank one; `regctl ls` is the way to list everything.
pub fn check_search_text(text: &str) -> Result<(), QueryError> {
    if text.trim().is_empty() {
        return Err(QueryError::Usage {
            message: "search needs a word to look for".to_owned(),
            help: "give an id, part of one, a tag or words from a description; `regctl ls` lists every entry".to_owned(),
        });
    }
    Ok(())
}
