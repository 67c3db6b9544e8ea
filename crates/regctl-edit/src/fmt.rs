//! `regctl fmt`: the canonical layout of a descriptor. Keys follow the schema's `properties`
//! order in every format. TOML strings use basic quotes (multi-line strings are left alone),
//! keys and headers lose their indentation, and tables follow the same order; comments travel
//! with the key or header they sit on. JSON is written with two-space indentation. YAML keeps
//! its scalars, quoting and indentation as written (only the key order changes), since
//! rewriting YAML scalars risks changing what they mean.

use regctl_core::document::{Document, Format};
use toml_edit::{Decor, DocumentMut, Item, RawString, Table, Value};
use yaml_edit::YamlNode;

use crate::EditError;
use crate::order::KeyOrder;

/// `text` in canonical layout; it must read back as the same value.
pub fn format_text(
    format: Format,
    text: &str,
    order: &KeyOrder,
    max_depth: usize,
) -> Result<String, EditError> {
    let original = Document::parse(format, text, max_depth)
        .map_err(|err| EditError::unparsable(format, text, err))?
        .value;
    let formatted = match format {
        Format::Toml => {
            let mut doc: DocumentMut = text.parse().map_err(|err: toml_edit::TomlError| {
                EditError::unreadable(format, err.to_string())
            })?;
            let mut position = 1;
            canonical_table(doc.as_table_mut(), &mut Vec::new(), order, &mut position);
            // Tables are separated by one blank line; the file starts with its first line.
            let text = doc.to_string();
            let text = text.trim_start_matches('\n');
            if text.is_empty() {
                String::new()
            } else {
                format!("{}\n", text.trim_end_matches('\n'))
            }
        }
        Format::Json => crate::json::canonical(text, order)
            .map_err(|message| EditError::unreadable(format, message))?,
        Format::Yaml => {
            let doc: yaml_edit::Document = text.parse().map_err(|err: yaml_edit::YamlError| {
                EditError::unreadable(format, err.to_string())
            })?;
            if let Some(mapping) = doc.as_mapping() {
                reorder_yaml(&YamlNode::Mapping(mapping), &mut Vec::new(), order);
            } else if let Some(sequence) = doc.as_sequence() {
                reorder_yaml(&YamlNode::Sequence(sequence), &mut Vec::new(), order);
            }
            doc.to_string()
        }
    };
    let reread =
        Document::parse(format, &formatted, max_depth).map_err(|err| EditError::Unfaithful {
            format,
            detail: format!("the formatted text does not parse: {}", err.message),
        })?;
    if reread.value != original {
        return Err(EditError::Unfaithful {
            format,
            detail: "the formatted text means something else".to_owned(),
        });
    }
    Ok(formatted)
}

fn rank(order: &[String], key: &str) -> usize {
    order.iter().position(|k| k == key).unwrap_or(usize::MAX)
}

fn canonical_table(
    table: &mut Table,
    at: &mut Vec<String>,
    order: &KeyOrder,
    position: &mut isize,
) {
    let preferred = order.keys(at);
    table.sort_values_by(|a, _, b, _| rank(&preferred, a.get()).cmp(&rank(&preferred, b.get())));
    strip_indent(table.decor_mut());
    let keys: Vec<String> = table.iter().map(|(key, _)| key.to_owned()).collect();
    for key in keys {
        if let Some(mut key_mut) = table.key_mut(&key) {
            strip_indent(key_mut.leaf_decor_mut());
        }
        let Some(item) = table.get_mut(&key) else {
            continue;
        };
        at.push(key);
        match item {
            Item::Value(value) => canonical_value(value),
            Item::Table(child) => {
                if !child.is_dotted() {
                    child.set_position(Some(*position));
                    *position += 1;
                    separate(child.decor_mut());
                }
                canonical_table(child, at, order, position);
            }
            Item::ArrayOfTables(tables) => {
                for (i, child) in tables.iter_mut().enumerate() {
                    child.set_position(Some(*position));
                    *position += 1;
                    separate(child.decor_mut());
                    at.push(i.to_string());
                    canonical_table(child, at, order, position);
                    at.pop();
                }
            }
            Item::None => {}
        }
        at.pop();
    }
}

/// Single-line strings are written with basic quotes, in arrays and inline tables too.
fn canonical_value(value: &mut Value) {
    match value {
        Value::String(string) if !string.value().contains('\n') => {
            let decor = string.decor().clone();
            let mut fresh = Value::from(string.value().as_str());
            *fresh.decor_mut() = decor;
            *value = fresh;
        }
        Value::Array(array) => {
            for item in array.iter_mut() {
                canonical_value(item);
            }
        }
        Value::InlineTable(table) => {
            for (_, item) in table.iter_mut() {
                canonical_value(item);
            }
        }
        _ => {}
    }
}

/// One blank line before a table header (and its comment lines), however many there were.
fn separate(decor: &mut Decor) {
    let prefix = decor
        .prefix()
        .and_then(RawString::as_str)
        .unwrap_or_default();
    let kept = prefix.trim_start_matches(|c: char| c.is_whitespace());
    // Only whole lines of whitespace go: keep a comment's own indentation.
    let start = prefix.len() - kept.len();
    let line_start = prefix[..start].rfind('\n').map_or(0, |i| i + 1);
    let kept = format!("\n{}", &prefix[line_start..]);
    decor.set_prefix(kept);
}

/// Removes the indentation of a key or header and of the comment lines above it.
fn strip_indent(decor: &mut Decor) {
    let Some(prefix) = decor.prefix().and_then(RawString::as_str) else {
        return;
    };
    let mut kept: String = prefix
        .split_inclusive('\n')
        .map(|line| line.trim_start_matches([' ', '\t']))
        .collect();
    // What follows the last newline is the key's own indentation, gone above.
    if !kept.ends_with('\n') {
        kept.truncate(kept.rfind('\n').map_or(0, |i| i + 1));
    }
    if kept != prefix {
        decor.set_prefix(kept);
    }
}

fn reorder_yaml(node: &YamlNode, at: &mut Vec<String>, order: &KeyOrder) {
    match node {
        YamlNode::Mapping(mapping) => {
            let preferred = order.keys(at);
            if !preferred.is_empty() {
                mapping.reorder_fields(preferred.iter().map(String::as_str));
            }
            for (key, value) in mapping.iter() {
                let Some(key) = key.as_scalar().map(|scalar| scalar.as_string()) else {
                    continue;
                };
                at.push(key);
                reorder_yaml(&value, at, order);
                at.pop();
            }
        }
        YamlNode::Sequence(sequence) => {
            for (i, value) in sequence.values().enumerate() {
                at.push(i.to_string());
                reorder_yaml(&value, at, order);
                at.pop();
            }
        }
        _ => {}
    }
}

/// What `regctl fmt` would change.
pub struct FmtChanges {
    pub plan: crate::registry::Plan,
    /// Descriptors looked at.
    pub checked: usize,
    /// Descriptors left alone, with why (they do not parse, say).
    pub unformattable: Vec<(String, String)>,
}

/// Formats every descriptor of the registry under one of `wanted` (paths relative to the
/// root; all of them when empty).
pub fn format_registry(
    config: &regctl_core::config::Config,
    snapshot: &dyn regctl_core::snapshot::Snapshot,
    wanted: &[String],
) -> Result<FmtChanges, crate::registry::RegistryError> {
    use regctl_core::config::is_within;
    let discovered = regctl_core::discover::discover(config, snapshot)?;
    let orders: Vec<KeyOrder> = config
        .kinds
        .iter()
        .map(|kind| crate::registry::key_order(snapshot, kind))
        .collect();
    let mut changes = FmtChanges {
        plan: crate::registry::Plan::default(),
        checked: 0,
        unformattable: Vec::new(),
    };
    for file in discovered.descriptors {
        if !wanted.is_empty()
            && !wanted
                .iter()
                .any(|w| is_within(&file.path, w.trim_end_matches('/')))
        {
            continue;
        }
        changes.checked += 1;
        let Some(bytes) = snapshot.read(&file.path)? else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            changes
                .unformattable
                .push((file.path.clone(), "not valid UTF-8".to_owned()));
            continue;
        };
        match format_text(
            file.format,
            &text,
            &orders[file.kind],
            config.limits.max_depth,
        ) {
            Ok(formatted) if formatted != text => {
                changes.plan.write(&file.path, Some(&text), formatted);
            }
            Ok(_) => {}
            Err(err) => changes
                .unformattable
                .push((file.path.clone(), err.to_string())),
        }
    }
    Ok(changes)
}
