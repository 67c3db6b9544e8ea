//! One descriptor opened for editing: changes are made on the file's own syntax tree (so
//! comments, key order, quoting and layout survive) and, in parallel, on its JSON value (what
//! the change means). [`Editor::finish`] re-reads the edited text and refuses it unless it means
//! exactly that value, so a formatting library's mistake can never reach the disk.

use regctl_core::document::{Document, Format};
use serde_json::Value;

use crate::EditError;
use crate::order::KeyOrder;
use crate::{json, toml, yaml};

/// A path to a field: unescaped JSON pointer segments. `-` as the last segment of a
/// [`Op::Set`] appends to an array.
pub type Path = [String];

/// A change to one document.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Sets the value at a path, creating missing objects on the way.
    Set(Vec<String>, Value),
    /// Removes the field or element at a path; nothing happens when it is absent.
    Remove(Vec<String>),
    /// Appends a copy of the value at `from` to the array at `to` (created when missing),
    /// copied in the file's own syntax: a release record moves to the history unchanged.
    CopyAppend { from: Vec<String>, to: Vec<String> },
    /// Renames the key at a path, keeping its place and its value.
    RenameKey(Vec<String>, String),
}

/// A descriptor being edited.
pub struct Editor {
    format: Format,
    tree: Tree,
    value: Value,
    max_depth: usize,
    order: KeyOrder,
}

enum Tree {
    Toml(toml_edit::DocumentMut),
    Json(jsonc_parser::cst::CstRootNode),
    Yaml(yaml_edit::Document),
}

impl Editor {
    /// Opens `text` for editing. `text` must already be a valid descriptor of `format`.
    pub fn open(format: Format, text: &str, max_depth: usize) -> Result<Editor, EditError> {
        let parsed = Document::parse(format, text, max_depth)
            .map_err(|err| EditError::unparsable(format, text, err))?;
        let unreadable = |message: String| EditError::unreadable(format, message);
        let tree = match format {
            Format::Toml => Tree::Toml(
                text.parse::<toml_edit::DocumentMut>()
                    .map_err(|err| unreadable(err.to_string()))?,
            ),
            Format::Json => Tree::Json(
                jsonc_parser::cst::CstRootNode::parse(text, &Default::default())
                    .map_err(|err| unreadable(err.to_string()))?,
            ),
            Format::Yaml => Tree::Yaml(
                text.parse::<yaml_edit::Document>()
                    .map_err(|err| unreadable(err.to_string()))?,
            ),
        };
        Ok(Editor {
            format,
            tree,
            value: parsed.value,
            max_depth,
            order: KeyOrder::none(),
        })
    }

    /// New objects get their keys in `order` (the kind's schema order).
    pub fn with_order(mut self, order: KeyOrder) -> Editor {
        self.order = order;
        self
    }

    /// The document's value with the changes made so far.
    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Applies `op` to the value and to the syntax tree.
    pub fn apply(&mut self, op: &Op) -> Result<(), EditError> {
        // The value first: it decides whether the change makes sense at all, with messages
        // that do not depend on the format.
        apply_to_value(&mut self.value, op)?;
        match &mut self.tree {
            Tree::Toml(doc) => toml::apply(doc, op, &self.order),
            Tree::Json(root) => json::apply(root, op, &self.order),
            Tree::Yaml(doc) => yaml::apply(doc, op, &self.order),
        }
    }

    /// Replaces a JSON document as a whole, written with the schema's key order and two-space
    /// indentation (for new files and `regctl fmt`).
    pub(crate) fn replace_root(&mut self, value: &Value) -> Result<(), EditError> {
        let Tree::Json(root) = &self.tree else {
            return Err(EditError::Root);
        };
        root.set_value(json::to_input(value, &[], &self.order));
        self.value = value.clone();
        Ok(())
    }

    /// The edited text, checked to read back as the edited value.
    pub fn finish(&self) -> Result<String, EditError> {
        let text = match &self.tree {
            Tree::Toml(doc) => doc.to_string(),
            Tree::Json(root) => root.to_string(),
            Tree::Yaml(doc) => doc.to_string(),
        };
        let reread = Document::parse(self.format, &text, self.max_depth).map_err(|err| {
            EditError::Unfaithful {
                format: self.format,
                detail: format!("the edited text does not parse: {}", err.message),
            }
        })?;
        if reread.value != self.value {
            return Err(EditError::Unfaithful {
                format: self.format,
                detail: first_difference(&self.value, &reread.value, &mut Vec::new())
                    .unwrap_or_default(),
            });
        }
        Ok(text)
    }
}

/// Where two values first differ, for the report of an unfaithful edit.
fn first_difference(want: &Value, got: &Value, at: &mut Vec<String>) -> Option<String> {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                at.push(key.clone());
                let found = match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(x, y, at),
                    _ => Some(format!("`{}` is missing on one side", pointer(at))),
                };
                at.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
                at.push(i.to_string());
                let found = first_difference(x, y, at);
                at.pop();
                found
            })
        }
        _ if want == got => None,
        _ => Some(format!(
            "`{}` should be {want} but reads back as {got}",
            pointer(at)
        )),
    }
}

/// `path` as a JSON pointer, for messages.
pub fn pointer(path: &Path) -> String {
    regctl_core::pointer::format_path(path)
}

/// What a value is, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An array index segment, or `None` when `segment` is not one.
pub(crate) fn index(segment: &str, len: usize) -> Option<usize> {
    let index: usize = segment.parse().ok()?;
    (index < len && (segment == "0" || !segment.starts_with('0'))).then_some(index)
}

/// The meaning of `op`: the same change made on a JSON value.
pub(crate) fn apply_to_value(root: &mut Value, op: &Op) -> Result<(), EditError> {
    match op {
        Op::Set(path, new) => set_value(root, path, new.clone()),
        Op::Remove(path) => {
            let Some((last, parent)) = path.split_last() else {
                return Err(EditError::Root);
            };
            match lookup_mut(root, parent) {
                Some(Value::Object(map)) => {
                    map.remove(last);
                }
                Some(Value::Array(items)) => {
                    if let Some(i) = index(last, items.len()) {
                        items.remove(i);
                    }
                }
                _ => {}
            }
            Ok(())
        }
        Op::CopyAppend { from, to } => {
            let copy = lookup_mut(root, from)
                .ok_or_else(|| EditError::Missing {
                    pointer: pointer(from),
                })?
                .clone();
            let mut target = to.clone();
            target.push("-".to_owned());
            set_value(root, &target, copy)
        }
        Op::RenameKey(path, new_key) => {
            let Some((last, parent)) = path.split_last() else {
                return Err(EditError::Root);
            };
            let Some(Value::Object(map)) = lookup_mut(root, parent) else {
                return Err(EditError::Missing {
                    pointer: pointer(path),
                });
            };
            if map.contains_key(new_key) {
                return Err(EditError::Exists {
                    pointer: pointer(&[parent, std::slice::from_ref(new_key)].concat()),
                });
            }
            let value = map.remove(last).ok_or_else(|| EditError::Missing {
                pointer: pointer(path),
            })?;
            map.insert(new_key.clone(), value);
            Ok(())
        }
    }
}

fn lookup_mut<'v>(root: &'v mut Value, path: &Path) -> Option<&'v mut Value> {
    path.iter().try_fold(root, |value, segment| match value {
        Value::Object(map) => map.get_mut(segment),
        Value::Array(items) => {
            let i = index(segment, items.len())?;
            items.get_mut(i)
        }
        _ => None,
    })
}

fn set_value(root: &mut Value, path: &Path, new: Value) -> Result<(), EditError> {
    let Some((last, parents)) = path.split_last() else {
        return Err(EditError::Root);
    };
    let mut current = root;
    for (depth, segment) in parents.iter().enumerate() {
        let here = &path[..depth];
        current = match current {
            Value::Object(map) => map.entry(segment.clone()).or_insert_with(|| {
                if path[depth + 1] == "-" {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Default::default())
                }
            }),
            Value::Array(items) => {
                let len = items.len();
                let i = index(segment, len).ok_or_else(|| EditError::BadIndex {
                    pointer: pointer(&path[..=depth]),
                    len,
                })?;
                &mut items[i]
            }
            other => {
                return Err(EditError::NotContainer {
                    pointer: pointer(here),
                    found: type_name(other),
                });
            }
        };
    }
    match current {
        Value::Object(map) => {
            map.insert(last.clone(), new);
        }
        Value::Array(items) => {
            if last == "-" {
                items.push(new);
            } else {
                let len = items.len();
                let i = index(last, len).ok_or_else(|| EditError::BadIndex {
                    pointer: pointer(path),
                    len,
                })?;
                items[i] = new;
            }
        }
        other => {
            return Err(EditError::NotContainer {
                pointer: pointer(parents),
                found: type_name(other),
            });
        }
    }
    Ok(())
}

/// The value to write where a path stops existing: the rest of the path as nested objects
/// around `leaf` (`-` makes an array).
pub(crate) fn nest(rest: &Path, leaf: Value) -> Value {
    rest.iter().rev().fold(leaf, |inner, key| {
        if key == "-" {
            return Value::Array(vec![inner]);
        }
        let mut map = serde_json::Map::new();
        map.insert(key.clone(), inner);
        Value::Object(map)
    })
}
