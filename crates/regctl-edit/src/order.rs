//! The order of keys in objects regctl writes: the order in which the kind's schema lists
//! `properties`, so a new record or skeleton reads like the schema (and like `regctl fmt`).

use std::collections::HashMap;

use regctl_core::document::{Document, Format};
use serde_json::Value;

/// Preferred key order for the object at each document path, read from a JSON Schema.
#[derive(Clone, Debug, Default)]
pub struct KeyOrder {
    schema: Value,
    /// Schema path of a `properties` object → its keys in source order.
    listed: HashMap<Vec<String>, Vec<String>>,
}

impl KeyOrder {
    /// No preference: keys are written sorted.
    pub fn none() -> KeyOrder {
        KeyOrder::default()
    }

    /// The order of a schema written in `format`. An unreadable schema gives no preference
    /// (the registry's validation reports it).
    pub fn from_schema(format: Format, text: &str) -> KeyOrder {
        let Ok(doc) = Document::parse(format, text, 256) else {
            return KeyOrder::none();
        };
        let mut listed = HashMap::new();
        collect(&doc, &doc.value, &mut Vec::new(), &mut listed);
        KeyOrder {
            schema: doc.value,
            listed,
        }
    }

    /// The keys of the object at `path` in the document, in the schema's order.
    pub fn keys(&self, path: &[String]) -> Vec<String> {
        self.schema_path(path)
            .and_then(|mut at| {
                at.push("properties".to_owned());
                self.listed.get(&at).cloned()
            })
            .unwrap_or_default()
    }

    /// The schema path describing the document value at `path`.
    fn schema_path(&self, path: &[String]) -> Option<Vec<String>> {
        let mut at = self.resolve(Vec::new())?;
        for segment in path {
            let node = lookup(&self.schema, &at)?;
            let next = if node["properties"].get(segment).is_some() {
                ["properties", segment.as_str()].as_slice().to_vec()
            } else if node.get("items").is_some_and(Value::is_object) {
                vec!["items"]
            } else if node
                .get("additionalProperties")
                .is_some_and(Value::is_object)
            {
                vec!["additionalProperties"]
            } else {
                return None;
            };
            at.extend(next.into_iter().map(str::to_owned));
            at = self.resolve(at)?;
        }
        Some(at)
    }

    /// Follows local `$ref`s (`#/$defs/x`) from the schema node at `at`.
    fn resolve(&self, mut at: Vec<String>) -> Option<Vec<String>> {
        for _ in 0..32 {
            let node = lookup(&self.schema, &at)?;
            let Some(target) = node.get("$ref").and_then(Value::as_str) else {
                return Some(at);
            };
            let local = target.strip_prefix('#')?;
            at = local
                .split('/')
                .skip(1)
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect();
        }
        None
    }
}

fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    regctl_core::pointer::lookup(root, path)
}

/// Records, for every `properties` object in the schema, its keys in source order.
fn collect(
    doc: &Document<'_>,
    value: &Value,
    path: &mut Vec<String>,
    listed: &mut HashMap<Vec<String>, Vec<String>>,
) {
    match value {
        Value::Object(map) => {
            if path.last().is_some_and(|last| last == "properties") {
                let mut keys: Vec<(usize, String)> = map
                    .keys()
                    .map(|key| {
                        path.push(key.clone());
                        let at = doc.locate(path).span().start;
                        path.pop();
                        (at, key.clone())
                    })
                    .collect();
                keys.sort();
                listed.insert(path.clone(), keys.into_iter().map(|(_, key)| key).collect());
            }
            for (key, child) in map {
                path.push(key.clone());
                collect(doc, child, path, listed);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                collect(doc, child, path, listed);
                path.pop();
            }
        }
        _ => {}
    }
}
