//! Edits on a JSON concrete syntax tree (`jsonc-parser`'s CST): key order, indentation and the
//! spelling of untouched numbers and strings are kept; new members follow the file's indent.

use jsonc_parser::cst::{CstArray, CstInputValue, CstNode, CstObject, CstRootNode};
use serde_json::Value as Json;

use regctl_core::document::ordered_members;

use crate::EditError;
use crate::doc::{Op, Path, index, pointer};
use crate::order::KeyOrder;

pub(crate) fn apply(root: &CstRootNode, op: &Op, order: &KeyOrder) -> Result<(), EditError> {
    let top = root.value().ok_or(EditError::Root)?;
    match op {
        Op::Set(path, value) => set_input(&top, path, to_input(value, path, order)),
        Op::Remove(path) => {
            if let Some(node) = node_at(&top, path) {
                remove(node);
            }
            Ok(())
        }
        Op::CopyAppend { from, to } => {
            let copy = node_at(&top, from)
                .and_then(|node| input_of(&node))
                .ok_or_else(|| EditError::Missing {
                    pointer: pointer(from),
                })?;
            match node_at(&top, to) {
                Some(node) => {
                    let array = node.as_array().ok_or_else(|| EditError::NotContainer {
                        pointer: pointer(to),
                        found: "not an array",
                    })?;
                    array.append(copy);
                    Ok(())
                }
                None => {
                    let mut path = to.clone();
                    path.push("-".to_owned());
                    set_input(&top, &path, copy)
                }
            }
        }
        Op::RenameKey(path, new_key) => {
            let missing = || EditError::Missing {
                pointer: pointer(path),
            };
            let (last, parents) = path.split_last().ok_or(EditError::Root)?;
            let object = node_at(&top, parents)
                .and_then(|node| node.as_object())
                .ok_or_else(missing)?;
            let name = object
                .get(last)
                .and_then(|prop| prop.name())
                .ok_or_else(missing)?;
            let quoted = serde_json::to_string(new_key).unwrap_or_default();
            match (name.as_string_lit(), name.as_word_lit()) {
                (Some(lit), _) => lit.set_raw_value(quoted),
                (None, Some(word)) => word.set_raw_value(quoted),
                (None, None) => return Err(missing()),
            }
            Ok(())
        }
    }
}

fn child(node: &CstNode, segment: &str) -> Option<CstNode> {
    if let Some(object) = node.as_object() {
        return object.get(segment)?.value();
    }
    let elements = node.as_array()?.elements();
    elements.get(index(segment, elements.len())?).cloned()
}

fn node_at(top: &CstNode, path: &Path) -> Option<CstNode> {
    path.iter()
        .try_fold(top.clone(), |node, segment| child(&node, segment))
}

/// Sets `input` at `path`; where the path stops existing, the rest is created as objects.
fn set_input(top: &CstNode, path: &Path, input: CstInputValue) -> Result<(), EditError> {
    let (last, parents) = path.split_last().ok_or(EditError::Root)?;
    let mut node = top.clone();
    for (depth, segment) in parents.iter().enumerate() {
        match child(&node, segment) {
            Some(next) => node = next,
            None => {
                let object = node.as_object().ok_or_else(|| EditError::NotContainer {
                    pointer: pointer(&path[..depth]),
                    found: "not an object",
                })?;
                let rest = nest_input(&path[depth + 1..], input);
                object.append(segment, rest);
                return Ok(());
            }
        }
    }
    if let Some(object) = node.as_object() {
        set_member(&object, last, input);
        return Ok(());
    }
    if let Some(array) = node.as_array() {
        return set_element(&array, last, input, path);
    }
    Err(EditError::NotContainer {
        pointer: pointer(parents),
        found: "not an object or array",
    })
}

fn set_member(object: &CstObject, key: &str, input: CstInputValue) {
    match object.get(key) {
        Some(prop) => prop.set_value(input),
        None => {
            object.append(key, input);
        }
    }
}

fn set_element(
    array: &CstArray,
    segment: &str,
    input: CstInputValue,
    path: &Path,
) -> Result<(), EditError> {
    let elements = array.elements();
    if segment == "-" {
        array.append(input);
        return Ok(());
    }
    let i = index(segment, elements.len()).ok_or_else(|| EditError::BadIndex {
        pointer: pointer(path),
        len: elements.len(),
    })?;
    array.insert(i, input);
    remove(elements[i].clone());
    Ok(())
}

fn remove(node: CstNode) {
    match node.parent() {
        // An object member goes with its key.
        Some(parent) if parent.is_object_prop() => {
            if let Some(prop) = parent.as_object_prop() {
                prop.remove();
            }
        }
        _ => node.remove(),
    }
}

/// The rest of a path around `leaf`, in CST input form.
fn nest_input(rest: &Path, leaf: CstInputValue) -> CstInputValue {
    rest.iter().rev().fold(leaf, |inner, key| {
        if key == "-" {
            CstInputValue::Array(vec![inner])
        } else {
            CstInputValue::Object(vec![(key.clone(), inner)])
        }
    })
}

/// `value` as CST input; objects list their keys in the schema's order (`at` is the path).
pub(crate) fn to_input(value: &Json, at: &Path, order: &KeyOrder) -> CstInputValue {
    let child = |key: &str| {
        let mut path = at.to_vec();
        path.push(key.to_owned());
        path
    };
    match value {
        Json::Null => CstInputValue::Null,
        Json::Bool(b) => CstInputValue::Bool(*b),
        Json::Number(n) => CstInputValue::Number(n.to_string()),
        Json::String(s) => CstInputValue::String(s.clone()),
        Json::Array(items) => CstInputValue::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_input(item, &child(&i.to_string()), order))
                .collect(),
        ),
        Json::Object(map) => CstInputValue::Object(
            ordered_members(map, &order.keys(at))
                .into_iter()
                .map(|(key, item)| (key.clone(), to_input(item, &child(key), order)))
                .collect(),
        ),
    }
}

/// A node as input, keeping its key order and the spelling of its numbers.
fn input_of(node: &CstNode) -> Option<CstInputValue> {
    if let Some(object) = node.as_object() {
        return object
            .properties()
            .iter()
            .map(|prop| {
                let key = prop.name()?.decoded_value().ok()?;
                Some((key, input_of(&prop.value()?)?))
            })
            .collect::<Option<Vec<_>>>()
            .map(CstInputValue::Object);
    }
    if let Some(array) = node.as_array() {
        return array
            .elements()
            .iter()
            .map(input_of)
            .collect::<Option<Vec<_>>>()
            .map(CstInputValue::Array);
    }
    if let Some(string) = node.as_string_lit() {
        return string.decoded_value().ok().map(CstInputValue::String);
    }
    if let Some(number) = node.as_number_lit() {
        return Some(CstInputValue::Number(number.to_string()));
    }
    if let Some(boolean) = node.as_boolean_lit() {
        return Some(CstInputValue::Bool(boolean.value()));
    }
    node.as_null_keyword().map(|_| CstInputValue::Null)
}

/// `text` with every object's members in the schema's order (members the schema does not list
/// keep their order, after the listed ones), written with two-space indentation.
pub(crate) fn canonical(text: &str, order: &KeyOrder) -> Result<String, String> {
    let root = CstRootNode::parse(text, &Default::default()).map_err(|err| err.to_string())?;
    let top = root.value().ok_or("the file holds no value")?;
    sort_members(&top, &mut Vec::new(), order);
    let input = input_of(&top).ok_or("the file holds an unsupported value")?;
    let fresh = CstRootNode::parse("", &Default::default()).map_err(|err| err.to_string())?;
    fresh.set_value(input);
    Ok(fresh.to_string())
}

fn sort_members(node: &CstNode, at: &mut Vec<String>, order: &KeyOrder) {
    if let Some(object) = node.as_object() {
        let preferred = order.keys(at);
        if !preferred.is_empty() {
            object.sort_properties().by_key(|prop| {
                let name = prop.name().and_then(|n| n.decoded_value().ok());
                name.and_then(|name| preferred.iter().position(|k| *k == name))
                    .unwrap_or(usize::MAX)
            });
        }
        for prop in object.properties() {
            let (Some(name), Some(value)) = (
                prop.name().and_then(|n| n.decoded_value().ok()),
                prop.value(),
            ) else {
                continue;
            };
            at.push(name);
            sort_members(&value, at, order);
            at.pop();
        }
    } else if let Some(array) = node.as_array() {
        for (i, element) in array.elements().iter().enumerate() {
            at.push(i.to_string());
            sort_members(element, at, order);
            at.pop();
        }
    }
}
