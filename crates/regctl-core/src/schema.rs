//! Compiling kinds' JSON Schemas, once each, with local `$ref`s and regctl's formats.
//!
//! Schemas are read through the snapshot like every other file, so `--rev` validates with the
//! schemas of that revision. `$ref`s resolve against the schema's location (`file:///<path>`)
//! or against the `$id` of any schema file in the same directories — never over the network.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::document::{Document, Format};
use crate::error::ProblemSink;
use crate::snapshot::{ListedKind, Snapshot};
use crate::span::Span;

/// A schema file a kind asked for, and where in `regctl.toml` it was named.
pub(crate) struct SchemaRequest {
    pub(crate) path: String,
    pub(crate) span: Option<Span>,
    /// The schema's text when it ships inside regctl rather than in the registry.
    pub(crate) embedded: Option<&'static str>,
}

/// The URI a local schema file is known by.
pub fn file_uri(path: &str) -> String {
    format!("file:///{path}")
}

/// Compiles each requested schema; `None` (and a problem in `sink`) where it failed.
pub(crate) fn compile(
    snapshot: &dyn Snapshot,
    requests: &[SchemaRequest],
    sink: &mut ProblemSink,
) -> Vec<Option<Arc<jsonschema::Validator>>> {
    let dirs: BTreeSet<&str> = requests
        .iter()
        .filter(|request| request.embedded.is_none())
        .map(|request| request.path.rsplit_once('/').map_or("", |(dir, _)| dir))
        .collect();
    let mut documents: HashMap<String, Value> = HashMap::new();
    for dir in dirs {
        let Ok(listed) = snapshot.list(dir) else {
            continue;
        };
        for file in listed {
            if !matches!(file.kind, ListedKind::File { .. })
                || !matches!(
                    Format::from_path(&file.path),
                    Some(Format::Json | Format::Yaml)
                )
            {
                continue;
            }
            // Unreadable or broken neighbours only matter if something refers to them; the
            // requested schemas themselves are read (and reported on) below.
            if let Ok(Some(schema)) = read_schema(snapshot, &file.path) {
                if let Some(id) = schema.get("$id").and_then(Value::as_str) {
                    documents.insert(id.trim_end_matches('#').to_owned(), schema.clone());
                }
                documents.insert(file_uri(&file.path), schema);
            }
        }
    }
    let documents = Arc::new(documents);

    requests
        .iter()
        .map(|request| {
            let read = match request.embedded {
                Some(text) => serde_json::from_str(text).map(Some).map_err(|err| err.to_string()),
                None => read_schema(snapshot, &request.path),
            };
            let schema = match read {
                Ok(Some(schema)) => schema,
                Ok(None) => {
                    sink.push(format!("schema file `{}` does not exist", request.path), request.span, None);
                    return None;
                }
                Err(message) => {
                    sink.push(format!("schema file `{}` cannot be read: {message}", request.path), request.span, None);
                    return None;
                }
            };
            let built = options()
                .with_base_uri(file_uri(&request.path))
                .with_retriever(LocalSchemas {
                    documents: documents.clone(),
                })
                .build(&schema);
            match built {
                Ok(validator) => Some(Arc::new(validator)),
                Err(err) => {
                    sink.push(
                        format!("schema `{}` is not a valid JSON Schema: {err}", request.path),
                        request.span,
                        Some("drafts 2020-12, 2019-09, 7, 6 and 4 are supported; `$ref`s must point at local schema files".to_owned()),
                    );
                    None
                }
            }
        })
        .collect()
}

/// The options every regctl schema is compiled with: formats asserted, plus `semver`,
/// `semver-req` and `source-url`.
pub fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("semver", |s: &str| semver::Version::parse(s).is_ok())
        .with_format("semver-req", |s: &str| semver::VersionReq::parse(s).is_ok())
        .with_format("source-url", |s: &str| {
            crate::source_url::SourceLocation::parse(s).is_ok()
        })
}

fn read_schema(snapshot: &dyn Snapshot, path: &str) -> Result<Option<Value>, String> {
    let Some(bytes) = snapshot.read(path).map_err(|err| err.to_string())? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes).map_err(|_| "the file is not valid UTF-8".to_owned())?;
    let format = Format::from_path(path).unwrap_or(Format::Json);
    let doc = Document::parse(format, &text, 512).map_err(|err| {
        let at = crate::span::line_col(&text, err.span.start);
        format!("{}:{}: {}", at.line, at.column, err.message)
    })?;
    Ok(Some(doc.value))
}

/// Resolves `$ref`s to schema files that were read up front.
struct LocalSchemas {
    documents: Arc<HashMap<String, Value>>,
}

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().split('#').next().unwrap_or_default();
        self.documents.get(key).cloned().ok_or_else(|| {
            format!(
                "`{key}` is not a local schema file (regctl never fetches schemas over the network)"
            )
            .into()
        })
    }
}
