//! The order of keys in objects regctl writes: the order in which the kind's schema lists
//! `properties`, so a new record or skeleton reads like the schema (and like `regctl fmt`).

use std::collections::HashMap;

use regctl_core::document::{Document, Format};
use serde_json::Value;

/// Preferred key order for the object at each document path, read from a JSON Schema (and
/// the schema files its `$ref`s name), and what type a field wants.
#[derive(Clone, Debug, Default)]
pub struct KeyOrder {
    /// Schema documents by file name; the kind's own schema is `""`.
    docs: HashMap<String, Value>,
    /// (document, schema path of a `properties` object) → its keys in source order.
    listed: HashMap<(String, Vec<String>), Vec<String>>,
}

/// A place in one of the schema documents.
type At = (String, Vec<String>);

impl KeyOrder {
    /// No preference: keys are written sorted.
    pub fn none() -> KeyOrder {
        KeyOrder::default()
    }

    /// The order of a schema written in `format`. An unreadable schema gives no preference
    /// (the registry's validation reports it).
    pub fn from_schema(format: Format, text: &str) -> KeyOrder {
        let mut order = KeyOrder::none();
        order.add("", format, text);
        order
    }

    /// Adds a schema document that `$ref`s name by `name` (`common.schema.json`).
    pub fn add(&mut self, name: &str, format: Format, text: &str) {
        let Ok(doc) = Document::parse(format, text, 256) else {
            self.docs.insert(name.to_owned(), Value::Null);
            return;
        };
        let mut listed = HashMap::new();
        collect(&doc, &doc.value, &mut Vec::new(), &mut listed);
        self.listed.extend(
            listed
                .into_iter()
                .map(|(path, keys)| ((name.to_owned(), path), keys)),
        );
        self.docs.insert(name.to_owned(), doc.value);
    }

    /// The files other than the kind's schema that `$ref`s name, not yet added.
    pub fn missing_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        for doc in self.docs.values() {
            refs(doc, &mut out);
        }
        out.retain(|file| !self.docs.contains_key(file));
        out.sort();
        out.dedup();
        out
    }

    /// Whether the schema wants a string at `path` (so `3.10` given there means the text).
    pub fn expects_string(&self, path: &[String]) -> bool {
        self.schema_path(path)
            .and_then(|(doc, at)| lookup(self.docs.get(&doc)?, &at))
            .is_some_and(|node| node["type"] == "string")
    }

    /// The keys of the object at `path` in the document, in the schema's order.
    pub fn keys(&self, path: &[String]) -> Vec<String> {
        self.schema_path(path)
            .and_then(|(doc, mut at)| {
                at.push("properties".to_owned());
                self.listed.get(&(doc, at)).cloned()
            })
            .unwrap_or_default()
    }

    /// The schema node describing the document value at `path`.
    fn schema_path(&self, path: &[String]) -> Option<At> {
        let (mut doc, mut at) = self.resolve((String::new(), Vec::new()))?;
        for segment in path {
            let node = lookup(self.docs.get(&doc)?, &at)?;
            let next: &[&str] = if node["properties"].get(segment).is_some() {
                &["properties", segment.as_str()]
            } else if node.get("items").is_some_and(Value::is_object) {
                &["items"]
            } else if node
                .get("additionalProperties")
                .is_some_and(Value::is_object)
            {
                &["additionalProperties"]
            } else {
                return None;
            };
            at.extend(next.iter().map(|s| (*s).to_owned()));
            (doc, at) = self.resolve((doc, at))?;
        }
        Some((doc, at))
    }

    /// Follows `$ref`s (`#/$defs/x`, `common.schema.json#/$defs/x`) from the node at `at`.
    fn resolve(&self, (mut doc, mut at): At) -> Option<At> {
        for _ in 0..32 {
            let node = lookup(self.docs.get(&doc)?, &at)?;
            let Some(target) = node.get("$ref").and_then(Value::as_str) else {
                return Some((doc, at));
            };
            let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
            if !file.is_empty() {
                doc = file.rsplit('/').next().unwrap_or(file).to_owned();
            }
            at = fragment
                .split('/')
                .skip(1)
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect();
        }
        None
    }
}

/// The files named by `$ref`s in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some((file, _)) = target.split_once('#').or(Some((target.as_str(), "")))
                && !file.is_empty()
                && !file.contains(':')
            {
                out.push(file.rsplit('/').next().unwrap_or(file).to_owned());
            }
            map.values().for_each(|child| refs(child, out));
        }
        Value::Array(items) => items.iter().for_each(|child| refs(child, out)),
        _ => {}
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
