//! Checking a source's files: against its manifest, the optional pin, and the index schemas.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regctl_compose::build::sha256_hex;
use serde_json::Value;

/// The index format's schemas, shipped inside regctl.
const SCHEMAS: &[(&str, &str)] = &[
    (
        "common.schema.json",
        include_str!("../../../schemas/index/common.schema.json"),
    ),
    (
        "config.schema.json",
        include_str!("../../../schemas/index/config.schema.json"),
    ),
    (
        "manifest.schema.json",
        include_str!("../../../schemas/index/manifest.schema.json"),
    ),
    (
        "catalog.schema.json",
        include_str!("../../../schemas/index/catalog.schema.json"),
    ),
    (
        "entry.schema.json",
        include_str!("../../../schemas/index/entry.schema.json"),
    ),
];

/// The index format version this regctl reads.
pub(crate) const FORMAT_VERSION: u64 = 1;

/// A file kind of the index that sources must provide.
#[derive(Clone, Copy)]
pub(crate) enum FileKind {
    Config,
    Manifest,
    Catalog,
    Entry,
}

impl FileKind {
    fn schema(self) -> &'static str {
        match self {
            FileKind::Config => "config.schema.json",
            FileKind::Manifest => "manifest.schema.json",
            FileKind::Catalog => "catalog.schema.json",
            FileKind::Entry => "entry.schema.json",
        }
    }
}

/// Parses `bytes` as JSON and checks it against its schema.
pub(crate) fn document(kind: FileKind, path: &str, bytes: &[u8]) -> Result<Value, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|err| format!("`{path}` is not JSON: {err}"))?;
    if let FileKind::Config | FileKind::Manifest | FileKind::Catalog = kind
        && let Some(version) = value.get("format_version").and_then(Value::as_u64)
        && version > FORMAT_VERSION
    {
        return Err(format!(
            "`{path}` has format_version {version}, newer than this regctl reads ({FORMAT_VERSION}); upgrade regctl"
        ));
    }
    let validator = validator(kind);
    if let Some(error) = validator.iter_errors(&value).next() {
        return Err(format!(
            "`{path}` does not match the index format: {}: {error}",
            error.instance_path()
        ));
    }
    Ok(value)
}

/// The manifest's files: path → (size, sha256).
pub(crate) fn manifest_files(manifest: &Value) -> BTreeMap<String, (u64, String)> {
    manifest["files"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(path, file)| {
            Some((
                path.clone(),
                (file["size"].as_u64()?, file["sha256"].as_str()?.to_owned()),
            ))
        })
        .collect()
}

/// Checks `bytes` against the manifest's entry for `path`.
pub(crate) fn listed(
    manifest: &BTreeMap<String, (u64, String)>,
    path: &str,
    bytes: &[u8],
) -> Result<(), String> {
    let Some((size, sha)) = manifest.get(path) else {
        return Err(format!("`{path}` is not listed in the source's manifest"));
    };
    if *size != bytes.len() as u64 || *sha != sha256_hex(bytes) {
        return Err(format!(
            "`{path}` does not match the sha256 its manifest lists"
        ));
    }
    Ok(())
}

fn validator(kind: FileKind) -> &'static jsonschema::Validator {
    static VALIDATORS: OnceLock<Vec<jsonschema::Validator>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        [
            FileKind::Config,
            FileKind::Manifest,
            FileKind::Catalog,
            FileKind::Entry,
        ]
        .into_iter()
        .map(|kind| {
            let schema: Value =
                serde_json::from_str(text(kind.schema())).expect("shipped schemas are JSON");
            regctl_core::schema::options()
                .with_retriever(Shipped)
                .build(&schema)
                .expect("shipped schemas compile")
        })
        .collect()
    });
    &all[kind as usize]
}

fn text(name: &str) -> &'static str {
    SCHEMAS
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
        .expect("every referenced schema ships")
}

/// Resolves `$ref`s between the shipped schemas.
struct Shipped;

impl jsonschema::Retrieve for Shipped {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let text = SCHEMAS
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| *text)
            .ok_or_else(|| format!("unknown schema `{name}`"))?;
        Ok(serde_json::from_str(text)?)
    }
}
