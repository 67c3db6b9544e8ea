//! Every file of the example registry's index matches its JSON Schema under `schemas/index/`.
//! (The golden copy of the whole index, federation included, is compared end to end in
//! `crates/regctl/tests/it/compose.rs`.)

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example_index() -> regctl_compose::Index {
    let snapshot = regctl_core::Worktree::new(&repo_root()).expect("snapshot");
    let config = regctl_core::Config::load(&snapshot).expect("config");
    let mut validated =
        regctl_validate::validate_visiting(&config, &snapshot, regctl_compose::prepare)
            .expect("validate");
    assert_eq!(
        validated.report.errors(),
        0,
        "the example registry must validate"
    );
    // A rename, so that `renames.json` is written and checked too.
    let source = regctl_compose::Source {
        commit: None,
        renames: vec![regctl_compose::Rename {
            kind: "component".to_owned(),
            from: "tokeniser".to_owned(),
            to: "tokenizer".to_owned(),
        }],
    };
    let index = regctl_compose::build(&config, &mut validated, &source);
    assert!(index.files.contains_key("renames.json"));
    index
}

#[test]
fn every_index_file_matches_its_schema() {
    let schemas = repo_root().join("schemas/index");
    let load = |name: &str| {
        let text = std::fs::read_to_string(schemas.join(name)).expect("schema file");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
        regctl_core::schema::options()
            .with_retriever(SchemaDir(schemas.clone()))
            .build(&schema)
            .expect("schema compiles")
    };
    let kinds = [
        ("config.json", "config.schema.json"),
        ("catalog.json", "catalog.schema.json"),
        ("owners.json", "owners.schema.json"),
        ("renames.json", "renames.schema.json"),
        ("manifest.json", "manifest.schema.json"),
        ("entries/", "entry.schema.json"),
        ("graphs/", "graph.schema.json"),
        ("provides/", "provides.schema.json"),
        ("keys/", "keys.schema.json"),
    ];
    let validators: Vec<_> = kinds
        .iter()
        .map(|(prefix, schema)| (*prefix, load(schema)))
        .collect();
    for (path, bytes) in &example_index().files {
        let (_, validator) = validators
            .iter()
            .find(|(prefix, _)| {
                path == prefix || (prefix.ends_with('/') && path.starts_with(prefix))
            })
            .unwrap_or_else(|| panic!("no schema for {path}"));
        let document: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
}

/// Resolves `https://regctl.dev/schemas/index/<file>` to the file in `schemas/index/`.
struct SchemaDir(PathBuf);

impl jsonschema::Retrieve for SchemaDir {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let text = std::fs::read_to_string(self.0.join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}
