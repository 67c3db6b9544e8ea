//! Edits on a TOML syntax tree (`toml_edit`): replaced values keep their comments and
//! spacing, replaced tables are updated field by field so untouched fields keep theirs, and new
//! objects become `[tables]` (or `[[arrays of tables]]`) placed after their siblings.

use serde_json::Value as Json;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Key, Table, Value};

use regctl_core::document::ordered_members;

use crate::EditError;
use crate::doc::{Op, Path, index, nest, pointer};
use crate::order::KeyOrder;

pub(crate) fn apply(doc: &mut DocumentMut, op: &Op, order: &KeyOrder) -> Result<(), EditError> {
    let root = doc.as_item_mut();
    match op {
        Op::Set(path, value) => {
            if let Some(at) = null_in(value, path) {
                return Err(EditError::TomlNull { pointer: at });
            }
            set(root, path, value, order)
        }
        Op::Remove(path) => {
            remove(root, path);
            Ok(())
        }
        Op::CopyAppend { from, to } => {
            let mut copy = child_at(root, from)
                .ok_or_else(|| EditError::Missing {
                    pointer: pointer(from),
                })?
                .clone();
            forget_positions(&mut copy);
            // Comments above the original header describe the original, not the copy.
            if let Item::Table(table) = &mut copy {
                table.decor_mut().clear();
            }
            append(root, to, copy)
        }
        Op::RenameKey(path, new_key) => rename(root, path, new_key),
    }
}

/// The first null inside `value`, as a pointer: TOML cannot write one.
fn null_in(value: &Json, path: &Path) -> Option<String> {
    match value {
        Json::Null => Some(pointer(path)),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| null_in(item, &[path, &[i.to_string()]].concat())),
        Json::Object(map) => map
            .iter()
            .find_map(|(key, item)| null_in(item, &[path, std::slice::from_ref(key)].concat())),
        _ => None,
    }
}

fn child<'a>(item: &'a Item, segment: &str) -> Option<&'a Item> {
    match item {
        Item::ArrayOfTables(tables) => item.get(index(segment, tables.len())?),
        Item::Value(Value::Array(array)) => item.get(index(segment, array.len())?),
        _ => item.get(segment),
    }
}

fn child_mut<'a>(item: &'a mut Item, segment: &str) -> Option<&'a mut Item> {
    let len = match &*item {
        Item::ArrayOfTables(tables) => Some(tables.len()),
        Item::Value(Value::Array(array)) => Some(array.len()),
        _ => None,
    };
    if let Some(len) = len {
        return item.get_mut(index(segment, len)?);
    }
    // `Item::get_mut` inserts missing keys; look first.
    item.get(segment)?;
    item.get_mut(segment)
}

fn child_at<'a>(root: &'a Item, path: &Path) -> Option<&'a Item> {
    path.iter()
        .try_fold(root, |item, segment| child(item, segment))
}

fn set(root: &mut Item, path: &Path, value: &Json, order: &KeyOrder) -> Result<(), EditError> {
    let Some((last, parents)) = path.split_last() else {
        return Err(EditError::Root);
    };
    let mut item = root;
    for (depth, segment) in parents.iter().enumerate() {
        if child(item, segment).is_none() {
            // The rest of the path does not exist: write it as one new value here.
            let rest = nest(&path[depth + 1..], value.clone());
            return set_child(item, segment, &rest, &path[..=depth], order);
        }
        item = child_mut(item, segment).ok_or_else(|| EditError::Missing {
            pointer: pointer(&path[..=depth]),
        })?;
    }
    set_child(item, last, value, path, order)
}

/// Sets `key` of `parent` to `value`; `at` is the path of the value.
fn set_child(
    parent: &mut Item,
    key: &str,
    value: &Json,
    at: &Path,
    order: &KeyOrder,
) -> Result<(), EditError> {
    if let Some(existing) = child_mut(parent, key) {
        return replace(existing, value, at, order);
    }
    match parent {
        Item::Table(table) => {
            table.insert(key, new_item(value, at, order));
        }
        Item::Value(Value::InlineTable(table)) => {
            table.insert(key, to_value(value, None, at, order));
        }
        Item::Value(Value::Array(array)) if key == "-" => {
            array.push(to_value(value, None, at, order));
        }
        Item::ArrayOfTables(tables) if key == "-" => match value {
            Json::Object(map) => tables.push(to_table(map, at, order)),
            // An array of tables only holds tables; anything else turns it into an array.
            _ => {
                let mut array = toml_edit::Array::new();
                for table in tables.iter() {
                    array.push(Value::InlineTable(table.clone().into_inline_table()));
                }
                array.push(to_value(value, None, at, order));
                *parent = Item::Value(Value::Array(array));
            }
        },
        // The value model has already refused everything else; keep the trees in step.
        _ => {}
    }
    Ok(())
}

/// Replaces `existing` with `value`, keeping as much of its formatting as the new value allows.
fn replace(
    existing: &mut Item,
    value: &Json,
    at: &Path,
    order: &KeyOrder,
) -> Result<(), EditError> {
    match (existing, value) {
        (Item::Table(table), Json::Object(map)) => {
            sync_table(table, map, at, order)?;
        }
        (Item::Value(Value::InlineTable(table)), Json::Object(map)) => {
            sync_inline(table, map, at, order);
        }
        (Item::ArrayOfTables(tables), Json::Array(items))
            if items.len() == tables.len() && items.iter().all(Json::is_object) =>
        {
            for (i, (table, item)) in tables.iter_mut().zip(items).enumerate() {
                if let Json::Object(map) = item {
                    sync_table(table, map, &child_path(at, &i.to_string()), order)?;
                }
            }
        }
        (Item::Value(old), value) => {
            let mut new = to_value(value, Some(old), at, order);
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        (existing, value) => {
            let decor = match &*existing {
                Item::Table(table) => Some(table.decor().clone()),
                _ => None,
            };
            *existing = new_item(value, at, order);
            if let (Some(decor), Item::Table(table)) = (decor, existing) {
                *table.decor_mut() = decor;
            }
        }
    }
    Ok(())
}

/// Makes `table` hold exactly `map`, touching only the fields that differ.
fn sync_table(
    table: &mut Table,
    map: &serde_json::Map<String, Json>,
    at: &Path,
    order: &KeyOrder,
) -> Result<(), EditError> {
    let stale: Vec<String> = table
        .iter()
        .map(|(key, _)| key.to_owned())
        .filter(|key| !map.contains_key(key))
        .collect();
    for key in stale {
        table.remove(&key);
    }
    for (key, value) in ordered_members(map, &order.keys(at)) {
        let here = child_path(at, key);
        match table.get_mut(key) {
            Some(existing) => replace(existing, value, &here, order)?,
            None => {
                table.insert(key, new_item(value, &here, order));
            }
        }
    }
    Ok(())
}

fn sync_inline(
    table: &mut InlineTable,
    map: &serde_json::Map<String, Json>,
    at: &Path,
    order: &KeyOrder,
) {
    let stale: Vec<String> = table
        .iter()
        .map(|(key, _)| key.to_owned())
        .filter(|key| !map.contains_key(key))
        .collect();
    for key in stale {
        table.remove(&key);
    }
    for (key, value) in ordered_members(map, &order.keys(at)) {
        let here = child_path(at, key);
        match table.get_mut(key) {
            Some(old) => {
                let mut new = to_value(value, Some(old), &here, order);
                *new.decor_mut() = old.decor().clone();
                *old = new;
            }
            None => {
                table.insert(key, to_value(value, None, &here, order));
            }
        }
    }
}

/// A new field of a `[table]`: objects become sub-tables, arrays of objects arrays of tables.
fn new_item(value: &Json, at: &Path, order: &KeyOrder) -> Item {
    match value {
        Json::Object(map) => Item::Table(to_table(map, at, order)),
        Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object) => {
            let mut tables = ArrayOfTables::new();
            for (i, item) in items.iter().enumerate() {
                if let Json::Object(map) = item {
                    tables.push(to_table(map, &child_path(at, &i.to_string()), order));
                }
            }
            Item::ArrayOfTables(tables)
        }
        _ => Item::Value(to_value(value, None, at, order)),
    }
}

fn child_path(at: &Path, key: &str) -> Vec<String> {
    let mut path = at.to_vec();
    path.push(key.to_owned());
    path
}

fn to_table(map: &serde_json::Map<String, Json>, at: &Path, order: &KeyOrder) -> Table {
    let mut table = Table::new();
    for (key, value) in ordered_members(map, &order.keys(at)) {
        table.insert(key, new_item(value, &child_path(at, key), order));
    }
    // A table holding only sub-tables needs no header of its own.
    let only_tables = table.iter().all(|(_, item)| !item.is_value());
    table.set_implicit(only_tables && !table.is_empty());
    table
}

/// `value` as an inline TOML value. A string that reads as a TOML date or date-time becomes one
/// (both read back as the same string), unless it replaces a string.
fn to_value(value: &Json, old: Option<&Value>, at: &Path, order: &KeyOrder) -> Value {
    match value {
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => {
            let keep_string = matches!(old, Some(Value::String(_)));
            match s.parse::<toml_edit::Datetime>() {
                Ok(datetime) if !keep_string && datetime.to_string() == *s => Value::from(datetime),
                _ => Value::from(s.as_str()),
            }
        }
        Json::Array(items) => {
            let mut array = toml_edit::Array::new();
            for (i, item) in items.iter().enumerate() {
                array.push(to_value(item, None, &child_path(at, &i.to_string()), order));
            }
            Value::Array(array)
        }
        Json::Object(map) => {
            let mut table = InlineTable::new();
            for (key, item) in ordered_members(map, &order.keys(at)) {
                table.insert(key, to_value(item, None, &child_path(at, key), order));
            }
            Value::InlineTable(table)
        }
        // Refused before any edit (`null_in`); an empty string keeps the tree well-formed.
        Json::Null => Value::from(""),
    }
}

fn remove(root: &mut Item, path: &Path) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let Some(parent) = parents
        .iter()
        .try_fold(root, |item, segment| child_mut(item, segment))
    else {
        return;
    };
    match parent {
        Item::Table(table) => {
            table.remove(last);
        }
        Item::Value(Value::InlineTable(table)) => {
            table.remove(last);
        }
        Item::Value(Value::Array(array)) => {
            if let Some(i) = index(last, array.len()) {
                array.remove(i);
            }
        }
        Item::ArrayOfTables(tables) => {
            if let Some(i) = index(last, tables.len()) {
                tables.remove(i);
            }
            // An empty array of tables would vanish from the file; write `[]` instead.
            if tables.is_empty() {
                *parent = Item::Value(Value::Array(toml_edit::Array::new()));
            }
        }
        _ => {}
    }
}

fn append(root: &mut Item, to: &Path, item: Item) -> Result<(), EditError> {
    let Some(target) = child_at_mut(root, to) else {
        // No array yet: create it holding the item.
        let (last, parents) = to.split_last().ok_or(EditError::Root)?;
        let parent = child_at_mut(root, parents).ok_or_else(|| EditError::Missing {
            pointer: pointer(parents),
        })?;
        let new = match item {
            Item::Table(table) => {
                let mut tables = ArrayOfTables::new();
                tables.push(table);
                Item::ArrayOfTables(tables)
            }
            Item::Value(value) => {
                let mut array = toml_edit::Array::new();
                array.push(value);
                Item::Value(Value::Array(array))
            }
            _ => {
                return Err(EditError::Missing {
                    pointer: pointer(to),
                });
            }
        };
        match parent {
            Item::Table(table) => {
                table.insert(last, new);
            }
            Item::Value(Value::InlineTable(table)) => {
                if let Item::Value(value) = new {
                    table.insert(last, value);
                }
            }
            _ => {
                return Err(EditError::NotContainer {
                    pointer: pointer(parents),
                    found: "not a table",
                });
            }
        }
        return Ok(());
    };
    match (target, item) {
        (Item::ArrayOfTables(tables), Item::Table(table)) => tables.push(table),
        (Item::Value(Value::Array(array)), Item::Value(value)) => array.push(value),
        (Item::Value(Value::Array(array)), Item::Table(table)) => {
            array.push(Value::InlineTable(table.into_inline_table()));
        }
        (Item::ArrayOfTables(tables), Item::Value(Value::InlineTable(table))) => {
            tables.push(table.into_table());
        }
        _ => {
            return Err(EditError::NotContainer {
                pointer: pointer(to),
                found: "not an array of records",
            });
        }
    }
    Ok(())
}

fn child_at_mut<'a>(root: &'a mut Item, path: &Path) -> Option<&'a mut Item> {
    path.iter()
        .try_fold(root, |item, segment| child_mut(item, segment))
}

/// A copied table goes where its new parent is, not where the original was.
fn forget_positions(item: &mut Item) {
    match item {
        Item::Table(table) => {
            table.set_position(None);
            for (_, child) in table.iter_mut() {
                forget_positions(child);
            }
        }
        Item::ArrayOfTables(tables) => {
            for table in tables.iter_mut() {
                table.set_position(None);
                for (_, child) in table.iter_mut() {
                    forget_positions(child);
                }
            }
        }
        _ => {}
    }
}

fn rename(root: &mut Item, path: &Path, new_key: &str) -> Result<(), EditError> {
    let missing = || EditError::Missing {
        pointer: pointer(path),
    };
    let (last, parents) = path.split_last().ok_or(EditError::Root)?;
    let parent = child_at_mut(root, parents).ok_or_else(missing)?;
    match parent {
        Item::Table(table) => {
            let order: Vec<String> = table
                .iter()
                .map(|(key, _)| if key == last { new_key } else { key }.to_owned())
                .collect();
            let (old, item) = table.remove_entry(last).ok_or_else(missing)?;
            let key = Key::new(new_key).with_leaf_decor(old.leaf_decor().clone());
            table.insert_formatted(&key, item);
            table.sort_values_by(|a, _, b, _| rank(&order, a).cmp(&rank(&order, b)));
        }
        Item::Value(Value::InlineTable(table)) => {
            let order: Vec<String> = table
                .iter()
                .map(|(key, _)| if key == last { new_key } else { key }.to_owned())
                .collect();
            let (old, value) = table.remove_entry(last).ok_or_else(missing)?;
            let key = Key::new(new_key).with_leaf_decor(old.leaf_decor().clone());
            table.insert_formatted(&key, value);
            table.sort_values_by(|a, _, b, _| rank(&order, a).cmp(&rank(&order, b)));
        }
        _ => return Err(missing()),
    }
    Ok(())
}

fn rank(order: &[String], key: &Key) -> usize {
    order
        .iter()
        .position(|k| k == key.get())
        .unwrap_or(usize::MAX)
}
