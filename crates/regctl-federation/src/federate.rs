//! The federated index: every usable source's entries, each marked with its source.

use std::collections::{BTreeMap, BTreeSet};

use regctl_compose::shard::encode;
use serde::Serialize;
use serde_json::Value;

use crate::fetch::{Fetched, ProblemKind};

/// The same `kind:id` in more than one source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Collision {
    pub kind: String,
    pub id: String,
    pub sources: Vec<String>,
}

#[derive(Serialize)]
struct FederationFile<'a> {
    collisions: &'a [Collision],
    format_version: u32,
    local: &'a str,
    sources: Vec<SourceRow<'a>>,
}

#[derive(Serialize)]
struct SourceRow<'a> {
    domain: Option<&'a str>,
    entries: usize,
    from_cache: bool,
    manifest_sha256: Option<&'a str>,
    name: &'a str,
    problem: Option<ProblemRow<'a>>,
    required: bool,
    status: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct ProblemRow<'a> {
    kind: &'static str,
    message: &'a str,
}

/// Builds `federation.json` and the `federated/` tree from the local index (`local_files`,
/// under the registry's `local` name) and the fetched sources; returns the files and the
/// collisions between sources.
pub fn federate(
    local: &str,
    local_files: &BTreeMap<String, Vec<u8>>,
    fetched: &[Fetched],
) -> (BTreeMap<String, Vec<u8>>, Vec<Collision>) {
    let mut participants: Vec<(&str, &BTreeMap<String, Vec<u8>>)> = vec![(local, local_files)];
    participants.extend(
        fetched
            .iter()
            .filter(|f| f.problem.is_none())
            .map(|f| (f.spec.name.as_str(), &f.files)),
    );
    let mut files = BTreeMap::new();
    let mut rows: Vec<(String, String, String, Value)> = Vec::new();
    for (source, source_files) in &participants {
        let Some(catalog) = source_files
            .get("catalog.json")
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            continue;
        };
        for row in catalog["entries"].as_array().into_iter().flatten() {
            let (Some(kind), Some(id), Some(path)) = (
                row["kind"].as_str(),
                row["id"].as_str(),
                row["path"].as_str(),
            ) else {
                continue;
            };
            let Some(mut entry) = source_files
                .get(path)
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            else {
                continue;
            };
            let federated_path = format!(
                "federated/entries/{}/{}",
                encode(source),
                path.strip_prefix("entries/").unwrap_or(path)
            );
            if let Value::Object(map) = &mut entry {
                map.insert("source".to_owned(), Value::String((*source).to_owned()));
            }
            files.insert(federated_path.clone(), to_bytes(&entry));
            let mut row = row.clone();
            if let Value::Object(map) = &mut row {
                map.insert("source".to_owned(), Value::String((*source).to_owned()));
                map.insert(
                    "qualified".to_owned(),
                    Value::String(format!("{source}/{kind}:{id}")),
                );
                map.insert("path".to_owned(), Value::String(federated_path));
            }
            rows.push((kind.to_owned(), id.to_owned(), (*source).to_owned(), row));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));

    let mut by_entry: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for (kind, id, source, _) in &rows {
        by_entry.entry((kind, id)).or_default().insert(source);
    }
    let collisions: Vec<Collision> = by_entry
        .into_iter()
        .filter(|(_, sources)| sources.len() > 1)
        .map(|((kind, id), sources)| Collision {
            kind: kind.to_owned(),
            id: id.to_owned(),
            sources: sources.into_iter().map(str::to_owned).collect(),
        })
        .collect();

    let catalog = serde_json::json!({
        "format_version": 1,
        "entries": rows.into_iter().map(|(_, _, _, row)| row).collect::<Vec<_>>(),
    });
    files.insert("federated/catalog.json".to_owned(), to_bytes(&catalog));
    let mut sources: Vec<SourceRow<'_>> = fetched
        .iter()
        .map(|f| SourceRow {
            domain: f.spec.domain.as_deref(),
            entries: f.entries(),
            from_cache: f.from_cache,
            manifest_sha256: f.manifest_sha256.as_deref(),
            name: &f.spec.name,
            problem: f.problem.as_ref().map(|p| ProblemRow {
                kind: match p.kind {
                    ProblemKind::Unreachable => "unreachable",
                    ProblemKind::Invalid => "invalid",
                    ProblemKind::Disabled => "disabled",
                },
                message: &p.message,
            }),
            required: f.spec.required,
            status: f.status.as_str(),
            url: &f.spec.url,
        })
        .collect();
    sources.sort_by(|a, b| a.name.cmp(b.name));
    let federation = FederationFile {
        collisions: &collisions,
        format_version: 1,
        local,
        sources,
    };
    files.insert("federation.json".to_owned(), to_bytes(&federation));
    (files, collisions)
}

fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).expect("federated records always serialize");
    bytes.push(b'\n');
    bytes
}
