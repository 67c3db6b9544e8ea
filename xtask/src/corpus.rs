//! `cargo xtask gen`: a deterministic, realistic registry for benchmarks, built on the example
//! registry's `regctl.toml` and schemas.
//!
//! The same arguments always give the same bytes. Entries reference each other the way real
//! ones do (components depend on earlier components, models descend from earlier models, teams
//! own everything), so cross-file rules have real work. `--invalid-rate` breaks a known set of
//! component files in known ways and writes what a validator must report to
//! `expected-diagnostics.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;
use regctl_core::document::Format;
use regctl_edit::order::KeyOrder;
use serde::Serialize;
use serde_json::{Value, json};

/// What to generate.
#[derive(Clone, Debug)]
pub(crate) struct GenOptions {
    pub(crate) entries: usize,
    pub(crate) out: PathBuf,
    pub(crate) seed: u64,
    pub(crate) format: Format,
    /// Fraction of component files to break, 0..=1.
    pub(crate) invalid_rate: f64,
    /// Make `out` a git repository whose last K commits each change one entry.
    pub(crate) git_commits: usize,
}

/// The file listing what a correct validator reports on a generated registry.
pub(crate) const EXPECTED_FILE: &str = "expected-diagnostics.json";

/// One way a generated file was broken, and what a validator must say about it.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Expected {
    /// Path of the broken file, relative to the registry root.
    pub(crate) path: String,
    /// The diagnostic code regctl must report for it.
    pub(crate) code: String,
    /// How the file was broken.
    pub(crate) breakage: String,
    /// Whether a pure JSON Schema checker can see it, given only standard formats (`semver` is
    /// a regctl format; a missing reference needs the other files).
    pub(crate) schema_visible: bool,
}

/// A small, fast, well-mixed deterministic generator (SplitMix64); no crate needed for this.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(digits);
        out
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][self.below(4)],
            &h[17..20],
            &h[20..32]
        )
    }

    fn date(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}",
            2023 + self.below(4),
            1 + self.below(12),
            1 + self.below(28)
        )
    }
}

const WORDS: &[&str] = &[
    "tokenizer",
    "loader",
    "trainer",
    "eval",
    "metrics",
    "export",
    "sampler",
    "cache",
    "embed",
    "rerank",
    "shard",
    "router",
    "filter",
    "dedup",
    "augment",
    "distill",
    "quantize",
    "serve",
    "probe",
    "align",
];
const TAGS: &[&str] = &[
    "training", "llm", "data", "vision", "audio", "eval", "serving", "etl", "nlp", "gpu",
];
const LIFECYCLES: &[&str] = &["experimental", "active", "active", "active", "deprecated"];
const HANDLES: &[&str] = &[
    "kamil", "mira", "jonas", "ana", "li", "sam", "noor", "eli", "ravi", "ola",
];

/// One generated entry before it is written.
struct Entry {
    kind: &'static str,
    id: String,
    value: Value,
}

/// A version `major.minor.patch`.
#[derive(Clone, Copy)]
struct Version(u64, u64, u64);

impl Version {
    fn text(self) -> String {
        format!("{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Generates the registry described by `options`; returns how many files were written.
pub(crate) fn generate(options: &GenOptions) -> Result<usize, String> {
    let root = crate::repo_root();
    if options.out.exists()
        && std::fs::read_dir(&options.out)
            .map_err(|e| format!("cannot read {}: {e}", options.out.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} exists and is not empty; pick a new directory",
            options.out.display()
        ));
    }
    if !(0.0..=1.0).contains(&options.invalid_rate) {
        return Err("--invalid-rate must be between 0 and 1".to_owned());
    }
    let mut entries = build(options);
    let expected = break_components(&mut entries, options);

    std::fs::create_dir_all(options.out.join("schemas"))
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let config_text = std::fs::read_to_string(root.join("regctl.toml"))
        .map_err(|e| format!("cannot read regctl.toml: {e}"))?;
    write(&options.out.join("regctl.toml"), config_text.as_bytes())?;
    let mut schemas: BTreeMap<String, String> = BTreeMap::new();
    for item in std::fs::read_dir(root.join("schemas")).map_err(|e| e.to_string())? {
        let path = item.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            write(&options.out.join("schemas").join(&name), text.as_bytes())?;
            schemas.insert(name, text);
        }
    }
    let orders: BTreeMap<&str, KeyOrder> = ["component", "model", "node", "tool", "team"]
        .into_iter()
        .map(|kind| {
            let mut order =
                KeyOrder::from_schema(Format::Json, &schemas[&format!("{kind}.schema.json")]);
            order.add(
                "common.schema.json",
                Format::Json,
                &schemas["common.schema.json"],
            );
            (kind, order)
        })
        .collect();

    let paths: Vec<(String, String)> = entries
        .par_iter()
        .map(|entry| {
            let path = entry_path(entry.kind, &entry.id, options.format);
            let text = regctl_edit::skeleton::render(
                options.format,
                &entry.value,
                &orders[entry.kind],
                64,
            )
            .map_err(|e| format!("cannot render {path}: {e}"))?;
            let text = match options.format {
                Format::Toml => {
                    format!("# Generated by `cargo xtask gen` ({}).\n{text}", entry.kind)
                }
                _ => text,
            };
            write(&options.out.join(&path), text.as_bytes())?;
            Ok((path, text))
        })
        .collect::<Result<_, String>>()?;

    let expected_text = serde_json::to_string_pretty(&expected).map_err(|e| e.to_string())?;
    write(
        &options.out.join(EXPECTED_FILE),
        format!("{expected_text}\n").as_bytes(),
    )?;
    // The expectations file is not a descriptor; keep it out of git so `unclaimed-file` and
    // change runs do not see it.
    write(
        &options.out.join(".gitignore"),
        format!("/{EXPECTED_FILE}\n/dist/\n/.regctl/\n").as_bytes(),
    )?;
    if options.git_commits > 0 {
        make_history(options, &paths)?;
    }
    Ok(paths.len())
}

/// Where an entry of `kind` lives (the example registry's directories).
pub(crate) fn entry_path(kind: &str, id: &str, format: Format) -> String {
    let ext = match format {
        Format::Toml => "toml",
        Format::Json => "json",
        Format::Yaml => "yaml",
    };
    format!("registry/{kind}s/{id}.{ext}")
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Every entry, in a fixed order: teams, nodes, tools, models, components.
fn build(options: &GenOptions) -> Vec<Entry> {
    let n = options.entries.max(10);
    let mut rng = Rng(options.seed);
    let n_teams = (n / 250).max(3);
    let n_nodes = (n / 1000).max(2);
    let n_tools = (n * 4 / 100).max(1);
    let n_models = (n / 10).max(1);
    let n_components = n - n_teams - n_nodes - n_tools - n_models;
    let mut entries = Vec::with_capacity(n);

    let teams: Vec<(String, String)> = (0..n_teams)
        .map(|i| (format!("team-{i:04}"), rng.uuid()))
        .collect();
    for (name, team_id) in &teams {
        let members: Vec<&str> = (0..2 + rng.below(4)).map(|_| *rng.pick(HANDLES)).collect();
        let mut members: Vec<&str> = members;
        members.sort_unstable();
        members.dedup();
        entries.push(Entry {
            kind: "team",
            id: name.clone(),
            value: json!({"team": {
                "name": name,
                "display_name": format!("Team {name}"),
                "description": format!("Owns the {} pipelines.", rng.pick(WORDS)),
                "email": format!("{name}@example.org"),
                "team_id": team_id,
                "members": members,
            }}),
        });
    }

    let mut class = 0usize;
    for i in 0..n_nodes {
        let id = format!("executor-node-{i:04}");
        let mut components = serde_json::Map::new();
        for _ in 0..5 + rng.below(11) {
            let word = rng.pick(WORDS);
            components.insert(
                format!("{}{class}Component", capitalised(word)),
                Value::String(format!("nodes.n{i}.{word}_{class}")),
            );
            class += 1;
        }
        entries.push(Entry {
            kind: "node",
            id: id.clone(),
            value: json!({
                "node_id": id,
                "name": format!("Executor node {i}"),
                "description": "Runs pipeline components in containers",
                "docker_image": format!("registry.io/nodes/{id}:1.{}", rng.below(20)),
                "deployment_location": rng.pick(&["local", "cloud", "k8s"]),
                "api_url": format!("http://{id}.nodes.internal:8000"),
                "status": rng.pick(&["active", "active", "inactive", "deploying"]),
                "owner": teams[rng.below(n_teams)].0,
                "components": components,
            }),
        });
    }

    let mut tool_versions: Vec<Version> = Vec::with_capacity(n_tools);
    for i in 0..n_tools {
        let id = format!("{}-tool-{i:05}", rng.pick(WORDS));
        let version = Version(
            rng.below(3) as u64,
            rng.below(10) as u64,
            rng.below(10) as u64,
        );
        let mut deps = Vec::new();
        if i > 0 {
            for _ in 0..rng.below(3) {
                let target = rng.below(i);
                let dep_id = entries[n_teams + n_nodes + target].id.clone();
                if deps.iter().any(|d: &Value| d["name"] == dep_id) {
                    continue;
                }
                let v = tool_versions[target];
                deps.push(
                    json!({"name": dep_id, "version": format!(">={}.{}, <{}", v.0, v.1, v.0 + 1)}),
                );
            }
        }
        let mut value = json!({
            "uuid": rng.uuid(),
            "name": id,
            "version": version.text(),
            "type": rng.pick(&["validator", "tool", "test"]),
            "description": format!("Checks {} output before release", rng.pick(WORDS)),
            "lifecycle": rng.pick(LIFECYCLES),
            "owner": teams[rng.below(n_teams)].0,
            "tags": [rng.pick(TAGS)],
        });
        if !deps.is_empty() {
            value["dependencies"] = Value::Array(deps);
        }
        tool_versions.push(version);
        entries.push(Entry {
            kind: "tool",
            id,
            value,
        });
    }

    // Models come in lineage chains: each descends from the previous one of its chain.
    let mut previous: Option<(String, Version)> = None;
    for i in 0..n_models {
        let id = format!("model-{i:06}");
        let version = Version(1 + rng.below(3) as u64, rng.below(5) as u64, 0);
        let starts_chain = previous.is_none() || rng.chance(0.3);
        let mut current = json!({
            "version": version.text(),
            "stage": rng.pick(&["development", "staging", "production"]),
            "registered": format!("{}T10:30:00Z", rng.date()),
            "training_config_hash": format!("sha256:{}", rng.hex(64)),
            "training_config": {"lr": 0.0001, "epochs": 1 + rng.below(5), "batch_size": 64},
            "metrics": {"accuracy": 0.9, "loss": 0.2},
            "artifacts": [{
                "type": "checkpoint",
                "storage_backend": "s3",
                "storage_path": format!("s3://models/{id}/{}/", version.text()),
                "sha256": rng.hex(64),
                "size_bytes": 1_000_000 + rng.below(1_000_000_000),
            }],
        });
        if let (false, Some((parent, parent_version))) = (starts_chain, &previous) {
            current["lineage_type"] = json!(rng.pick(&["fine_tune", "distillation", "merge"]));
            current["parent"] =
                json!({"model": parent, "version": format!("={}", parent_version.text())});
        }
        let mut value = json!({
            "model_name": id,
            "description": format!("A {} model", rng.pick(WORDS)),
            "recipe": "sl_basic",
            "base_model": "meta-llama/Llama-3.1-8B",
            "owner": teams[rng.below(n_teams)].0,
            "tags": [rng.pick(TAGS)],
            "current": current,
        });
        if version.1 > 0 {
            value["history"] = json!([{
                "version": Version(version.0, version.1 - 1, 0).text(),
                "stage": "archived",
                "training_config_hash": format!("sha256:{}", rng.hex(64)),
                "artifacts": [{
                    "type": "checkpoint",
                    "storage_backend": "s3",
                    "storage_path": format!("s3://models/{id}/old/"),
                    "sha256": rng.hex(64),
                }],
            }]);
        }
        previous = Some((id.clone(), version));
        entries.push(Entry {
            kind: "model",
            id,
            value,
        });
    }

    let first_component = entries.len();
    let mut component_versions: Vec<Version> = Vec::with_capacity(n_components);
    for i in 0..n_components {
        let id = format!("{}-{}-{i:06}", rng.pick(WORDS), rng.pick(WORDS));
        let latest = Version(
            rng.below(3) as u64,
            1 + rng.below(9) as u64,
            rng.below(10) as u64,
        );
        // Dependencies point at earlier components, mostly nearby ones: an acyclic graph.
        let mut dependencies = serde_json::Map::new();
        if i > 0 {
            for _ in 0..rng.below(6) {
                let target = i - 1 - rng.below(i.min(500));
                let v = component_versions[target];
                let req = if rng.chance(0.5) {
                    format!("^{}.{}", v.0, v.1)
                } else {
                    format!(">={}.{}, <{}", v.0, v.1, v.0 + 1)
                };
                dependencies.insert(
                    entries[first_component + target].id.clone(),
                    Value::String(req),
                );
            }
        }
        let (team, team_id) = &teams[rng.below(n_teams)];
        let handle = rng.pick(HANDLES);
        let tags: Vec<&str> = {
            let mut tags = vec![*rng.pick(TAGS), *rng.pick(TAGS)];
            tags.sort_unstable();
            tags.dedup();
            tags
        };
        let mut release = json!({
            "version": latest.text(),
            "image": format!("registry.io/flux/{id}:{}", latest.text()),
            "digest": format!("sha256:{}", rng.hex(64)),
            "min_python": "3.10",
            "max_python": format!("3.{}", 11 + rng.below(3)),
            "released": rng.date(),
        });
        if !dependencies.is_empty() {
            release["dependencies"] = Value::Object(dependencies);
        }
        let old = Version(latest.0, latest.1 - 1, 0);
        let value = json!({
            "component": {
                "name": id,
                "description": format!("The {} step of the {} pipeline", rng.pick(WORDS), rng.pick(WORDS)),
                "repository": format!("https://git.example.org/flux/{team}"),
                "path": format!("components/{id}"),
                "lifecycle": rng.pick(LIFECYCLES),
                "tags": tags,
            },
            "versions": {
                "latest": release,
                "history": [{
                    "version": old.text(),
                    "image": format!("registry.io/flux/{id}:{}", old.text()),
                    "min_python": "3.9",
                    "max_python": "3.12",
                    "released": rng.date(),
                }],
            },
            "owner": {"handle": handle, "email": format!("{handle}@example.org"), "team": team, "team_id": team_id},
            "quality": {
                "has_tests": rng.chance(0.7),
                "has_docs": rng.chance(0.6),
                "max_venv_size_mb": 200 + rng.below(800),
                "max_image_size_mb": 1024 + rng.below(4096),
            },
        });
        component_versions.push(latest);
        entries.push(Entry {
            kind: "component",
            id,
            value,
        });
    }
    entries
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The ways `break_components` breaks a file, each with the code regctl reports and whether a
/// plain schema checker can see it.
const BREAKAGES: &[(&str, &str, bool)] = &[
    ("bad-semver", "schema", false),
    ("bad-enum", "schema", true),
    ("extra-property", "schema", true),
    ("bad-email", "schema", true),
    ("bad-uuid", "schema", true),
    ("missing-reference", "ref-missing", false),
];

/// Breaks about `invalid_rate` of the components that no other entry depends on (so one break
/// gives exactly one diagnostic), cycling through [`BREAKAGES`].
fn break_components(entries: &mut [Entry], options: &GenOptions) -> Vec<Expected> {
    if options.invalid_rate <= 0.0 {
        return Vec::new();
    }
    let mut depended: std::collections::HashSet<String> = std::collections::HashSet::new();
    for entry in entries.iter().filter(|e| e.kind == "component") {
        if let Some(deps) = entry.value["versions"]["latest"]["dependencies"].as_object() {
            depended.extend(deps.keys().cloned());
        }
    }
    let n_components = entries.iter().filter(|e| e.kind == "component").count();
    let wanted = (n_components as f64 * options.invalid_rate).round() as usize;
    let candidates: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "component" && !depended.contains(&e.id))
        .map(|(i, _)| i)
        .collect();
    let step = (candidates.len() / wanted.max(1)).max(1);
    let mut expected = Vec::new();
    for (n, &index) in candidates.iter().step_by(step).take(wanted).enumerate() {
        let (breakage, code, schema_visible) = BREAKAGES[n % BREAKAGES.len()];
        let entry = &mut entries[index];
        let value = &mut entry.value;
        match breakage {
            "bad-semver" => value["versions"]["latest"]["version"] = json!("1.2"),
            "bad-enum" => value["component"]["lifecycle"] = json!("retired"),
            "extra-property" => value["component"]["maintainer"] = json!("someone"),
            "bad-email" => value["owner"]["email"] = json!("not-an-email"),
            "bad-uuid" => value["owner"]["team_id"] = json!("1234-not-a-uuid"),
            _ => {
                value["versions"]["latest"]["dependencies"]["no-such-component"] = json!("^1.0");
            }
        }
        expected.push(Expected {
            path: entry_path("component", &entry.id, options.format),
            code: code.to_owned(),
            breakage: breakage.to_owned(),
            schema_visible,
        });
    }
    expected.sort();
    expected
}

/// Commits the registry, then makes `git_commits` more commits that each change one component.
fn make_history(options: &GenOptions, paths: &[(String, String)]) -> Result<(), String> {
    let git = |args: &[&str]| -> Result<(), String> {
        let output = Command::new("git")
            .args(args)
            .current_dir(&options.out)
            .env("GIT_AUTHOR_NAME", "regctl-bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.org")
            .env("GIT_COMMITTER_NAME", "regctl-bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.org")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    git(&["init", "--quiet", "--initial-branch=main"])?;
    git(&["add", "--all"])?;
    git(&[
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        "generated registry",
    ])?;
    let components: Vec<&(String, String)> = paths
        .iter()
        .filter(|(path, _)| path.starts_with("registry/components/"))
        .collect();
    let mut rng = Rng(options.seed ^ 0x5EED);
    for k in 0..options.git_commits {
        let (path, text) = components[rng.below(components.len())];
        let current =
            std::fs::read_to_string(options.out.join(path)).unwrap_or_else(|_| text.clone());
        let changed = change_description(&current, options.format, k);
        write(&options.out.join(path), changed.as_bytes())?;
        git(&["add", path])?;
        git(&[
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            &format!("change {path}"),
        ])?;
    }
    Ok(())
}

/// `text` with the component's description replaced, keeping it valid in any format.
pub(crate) fn change_description(text: &str, format: Format, n: usize) -> String {
    let key = match format {
        Format::Json => "\"description\": \"",
        Format::Toml => "description = \"",
        Format::Yaml => "description: ",
    };
    let Some(start) = text.find(key) else {
        return text.to_owned();
    };
    let from = start + key.len();
    let end = text[from..]
        .find(['"', '\n'])
        .map_or(text.len(), |i| from + i);
    format!(
        "{}Changed description number {n}{}",
        &text[..from],
        &text[end..]
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn options(out: &Path, seed: u64, format: Format) -> GenOptions {
        GenOptions {
            entries: 400,
            out: out.to_path_buf(),
            seed,
            format,
            invalid_rate: 0.05,
            git_commits: 0,
        }
    }

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        regctl_compose::write::files_in(dir)
            .expect("test setup")
            .into_iter()
            .filter(|path| !path.starts_with(".git/"))
            .map(|path| {
                let bytes = std::fs::read(dir.join(&path)).expect("test setup");
                (path, bytes)
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let [a, b, c] = ["a", "b", "c"].map(|name| temp.path().join(name));
        generate(&options(&a, 7, Format::Toml)).expect("test setup");
        generate(&options(&b, 7, Format::Toml)).expect("test setup");
        generate(&options(&c, 8, Format::Toml)).expect("test setup");
        assert_eq!(files(&a), files(&b));
        assert_ne!(files(&a), files(&c));
        assert!(
            generate(&options(&a, 7, Format::Toml)).is_err(),
            "refuses a non-empty directory"
        );
    }

    /// What regctl reports on a generated registry is exactly what the generator broke, in
    /// every format.
    #[test]
    fn regctl_reports_exactly_the_breakages() {
        for format in [Format::Toml, Format::Json, Format::Yaml] {
            let temp = tempfile::tempdir().expect("a temporary directory");
            let out = temp.path().join("registry");
            let n = generate(&options(&out, 3, format)).expect("test setup");
            assert_eq!(n, 400);
            let expected: Vec<Expected> = serde_json::from_str(
                &std::fs::read_to_string(out.join(EXPECTED_FILE)).expect("test setup"),
            )
            .expect("test setup");
            let breakages: BTreeSet<&str> = expected.iter().map(|e| e.breakage.as_str()).collect();
            assert_eq!(breakages.len(), BREAKAGES.len(), "{breakages:?}");

            let snapshot = regctl_core::Worktree::new(&out).expect("test setup");
            let config = regctl_core::Config::load(&snapshot).expect("test setup");
            let report = regctl_validate::validate(&config, &snapshot).expect("test setup");
            let reported: BTreeSet<(String, String)> = report
                .diagnostics
                .iter()
                .map(|d| {
                    (
                        d.file.clone().unwrap_or_default(),
                        d.code.as_str().to_owned(),
                    )
                })
                .collect();
            let wanted: BTreeSet<(String, String)> = expected
                .iter()
                .map(|e| (e.path.clone(), e.code.clone()))
                .collect();
            assert_eq!(reported, wanted, "{format:?}");
        }
    }

    #[test]
    fn git_history_changes_one_entry_per_commit() {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let out = temp.path().join("registry");
        let mut options = options(&out, 5, Format::Toml);
        options.invalid_rate = 0.0;
        options.git_commits = 2;
        generate(&options).expect("test setup");
        let git = |args: &[&str]| {
            let output = Command::new("git")
                .args(args)
                .current_dir(&out)
                .output()
                .expect("test setup");
            assert!(output.status.success());
            String::from_utf8(output.stdout).expect("test setup")
        };
        assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "3");
        let changed = git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
        assert_eq!(changed.lines().count(), 1, "{changed}");
        assert!(
            git(&["status", "--porcelain"]).is_empty(),
            "the work tree is clean"
        );

        let snapshot = regctl_core::Worktree::new(&out).expect("test setup");
        let config = regctl_core::Config::load(&snapshot).expect("test setup");
        let report = regctl_validate::validate(&config, &snapshot).expect("test setup");
        assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    }
}
