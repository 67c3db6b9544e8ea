//! Edits on a lossless YAML syntax tree (`yaml-edit`): comments, blank lines, key order and
//! the quoting of untouched scalars are kept. New values are written by regctl's own YAML
//! emitter (block style, strings quoted whenever a plain scalar could be misread) and grafted in.

use std::str::FromStr;

use regctl_core::document::to_yaml_ordered;
use serde_json::Value as Json;
use yaml_edit::{Document, Mapping, Scalar, Sequence, YamlNode};

use crate::EditError;
use crate::doc::{Op, Path, index, nest, pointer};
use crate::order::KeyOrder;

pub(crate) fn apply(doc: &Document, op: &Op, order: &KeyOrder) -> Result<(), EditError> {
    let top = match (doc.as_mapping(), doc.as_sequence()) {
        (Some(mapping), _) => YamlNode::Mapping(mapping),
        (None, Some(sequence)) => YamlNode::Sequence(sequence),
        (None, None) => return Err(EditError::Root),
    };
    match op {
        Op::Set(path, value) => set(&top, path, value, order),
        Op::Remove(path) => {
            let Some((last, parents)) = path.split_last() else {
                return Err(EditError::Root);
            };
            match node_at(&top, parents) {
                Some(YamlNode::Mapping(mapping)) => {
                    mapping.remove(last.as_str());
                }
                Some(YamlNode::Sequence(sequence)) => {
                    if let Some(i) = index(last, sequence.len()) {
                        sequence.remove(i);
                    }
                }
                _ => {}
            }
            Ok(())
        }
        Op::CopyAppend { from, to } => {
            let copy = node_at(&top, from).ok_or_else(|| EditError::Missing {
                pointer: pointer(from),
            })?;
            match node_at(&top, to) {
                Some(YamlNode::Sequence(sequence)) => {
                    sequence.push(&copy);
                    Ok(())
                }
                Some(_) => Err(EditError::NotContainer {
                    pointer: pointer(to),
                    found: "not a sequence",
                }),
                None => {
                    // A new history: a one-element sequence holding the copy.
                    let (last, parents) = to.split_last().ok_or(EditError::Root)?;
                    let Some(YamlNode::Mapping(parent)) = node_at(&top, parents) else {
                        return Err(EditError::Missing {
                            pointer: pointer(parents),
                        });
                    };
                    parent.set(
                        last.as_str(),
                        built(&Json::Array(vec![Json::Null]), to, order)?.node(),
                    );
                    if let Some(YamlNode::Sequence(sequence)) = parent.get(last.as_str()) {
                        sequence.set(0, &copy);
                    }
                    Ok(())
                }
            }
        }
        Op::RenameKey(path, new_key) => {
            let (last, parents) = path.split_last().ok_or(EditError::Root)?;
            match node_at(&top, parents) {
                Some(YamlNode::Mapping(mapping))
                    if mapping.rename_key(last.as_str(), new_key.as_str()) =>
                {
                    Ok(())
                }
                _ => Err(EditError::Missing {
                    pointer: pointer(path),
                }),
            }
        }
    }
}

fn child(node: &YamlNode, segment: &str) -> Option<YamlNode> {
    match node {
        YamlNode::Mapping(mapping) => mapping.get(segment),
        YamlNode::Sequence(sequence) => sequence.get(index(segment, sequence.len())?),
        _ => None,
    }
}

fn node_at(top: &YamlNode, path: &Path) -> Option<YamlNode> {
    path.iter()
        .try_fold(top.clone(), |node, segment| child(&node, segment))
}

fn set(top: &YamlNode, path: &Path, value: &Json, order: &KeyOrder) -> Result<(), EditError> {
    let (last, parents) = path.split_last().ok_or(EditError::Root)?;
    let mut node = top.clone();
    for (depth, segment) in parents.iter().enumerate() {
        match child(&node, segment) {
            Some(YamlNode::Alias(_)) => {
                return Err(EditError::Unsupported {
                    pointer: pointer(&path[..=depth]),
                    reason: "it is a YAML alias; edit the anchored value instead".to_owned(),
                });
            }
            Some(next) => node = next,
            None => {
                let YamlNode::Mapping(mapping) = &node else {
                    return Err(EditError::NotContainer {
                        pointer: pointer(&path[..depth]),
                        found: "not a mapping",
                    });
                };
                let rest = nest(&path[depth + 1..], value.clone());
                mapping.set(
                    segment.as_str(),
                    built(&rest, &path[..=depth], order)?.node(),
                );
                return Ok(());
            }
        }
    }
    // A value written in flow style (`[a, b]`) is replaced in flow style.
    let flow = match child(&node, last) {
        Some(YamlNode::Sequence(sequence)) => sequence.is_flow_style(),
        Some(YamlNode::Mapping(mapping)) => mapping.is_flow_style(),
        _ => false,
    };
    let new = if flow && (value.is_array() || value.is_object()) {
        built_text(&regctl_core::document::to_yaml_flow(value), value)?
    } else {
        built(value, path, order)?
    };
    match &node {
        YamlNode::Mapping(mapping) => {
            mapping.set(last.as_str(), new.node());
            Ok(())
        }
        YamlNode::Sequence(sequence) if last == "-" => {
            sequence.push(new.node());
            Ok(())
        }
        YamlNode::Sequence(sequence) => {
            let i = index(last, sequence.len()).ok_or_else(|| EditError::BadIndex {
                pointer: pointer(path),
                len: sequence.len(),
            })?;
            sequence.set(i, new.node());
            Ok(())
        }
        _ => Err(EditError::NotContainer {
            pointer: pointer(parents),
            found: "not a mapping or sequence",
        }),
    }
}

/// A value written by regctl's emitter and parsed back as a tree to graft.
struct Built {
    // Kept alive: the nodes below point into its tree.
    _doc: Document,
    root: Root,
}

enum Root {
    Mapping(Mapping),
    Sequence(Sequence),
    Scalar(Scalar),
}

impl Built {
    fn node(&self) -> YamlNode {
        match &self.root {
            Root::Mapping(mapping) => YamlNode::Mapping(mapping.clone()),
            Root::Sequence(sequence) => YamlNode::Sequence(sequence.clone()),
            Root::Scalar(scalar) => YamlNode::Scalar(scalar.clone()),
        }
    }
}

/// `value`, to be placed at `at`, as a YAML tree with keys in the schema's order.
fn built(value: &Json, at: &Path, order: &KeyOrder) -> Result<Built, EditError> {
    let text = to_yaml_ordered(value, &|inner| order.keys(&[at, inner].concat()));
    built_text(&text, value)
}

fn built_text(text: &str, value: &Json) -> Result<Built, EditError> {
    let unsupported = || EditError::Unsupported {
        pointer: String::new(),
        reason: format!("cannot write {value} as YAML"),
    };
    let doc = Document::from_str(text).map_err(|_| unsupported())?;
    let root = match (doc.as_mapping(), doc.as_sequence(), doc.as_scalar()) {
        (Some(mapping), _, _) => Root::Mapping(mapping),
        (None, Some(sequence), _) => Root::Sequence(sequence),
        (None, None, Some(scalar)) => Root::Scalar(scalar),
        _ => return Err(unsupported()),
    };
    Ok(Built { _doc: doc, root })
}
