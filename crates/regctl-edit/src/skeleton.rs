//! `regctl new`: a descriptor skeleton from a kind's schema. Required fields get their
//! default, their `const`, or what regctl knows (the id, a first version, the first stage);
//! the rest are left out and listed in a comment, so validation fails until they are filled.

use regctl_core::config::{Config, Kind};
use regctl_core::document::{Document, Format, to_yaml_ordered};
use regctl_core::pointer::Segment;
use regctl_core::snapshot::Snapshot;
use regctl_core::version::VersionScheme;
use serde_json::{Map, Value};

use crate::doc::{Op, pointer};
use crate::ops::{Assignment, OpError, Outcome, check_id};
use crate::order::KeyOrder;
use crate::registry::{self, Plan, RegistryError, key_order};
use crate::{EditError, Editor};

/// A new entry's file and the required fields it still lacks.
pub struct Skeleton {
    pub outcome: Outcome,
    /// Pointers of required fields without a value.
    pub to_fill: Vec<String>,
}

/// Writes a skeleton of `kind:id` at its canonical path.
pub fn new_entry(
    config: &Config,
    snapshot: &dyn Snapshot,
    kind: usize,
    id: &str,
    format: Option<Format>,
    assignments: &[Assignment],
) -> Result<Skeleton, OpError> {
    check_id(id)?;
    let kind_def = &config.kinds[kind];
    if let Some(path) = registry::exists(config, snapshot, kind, id)? {
        return Err(OpError::Exists {
            kind: kind_def.name.clone(),
            id: id.to_owned(),
            path,
        });
    }
    let format = match format {
        Some(format) => format,
        None => registry::usual_format(config, snapshot, kind)?,
    };
    let schema = read_schema(snapshot, kind_def)?;
    let order = key_order(snapshot, kind_def);
    let mut to_fill = Vec::new();
    let mut value = skeleton(&schema, &schema, &mut Vec::new(), &order, &mut to_fill);
    let mut known = Vec::new();
    if let Some(pointer) = &kind_def.id {
        known.push((keys(pointer.segments()), Value::String(id.to_owned())));
    }
    if let Some(pointer) = &kind_def.version {
        let first = match kind_def.scheme {
            VersionScheme::Semver => "0.1.0",
            VersionScheme::SemverV => "v0.1.0",
            VersionScheme::Loose => "0.1",
        };
        known.push((keys(pointer.segments()), Value::String(first.to_owned())));
    }
    if let (Some(stages), Some(version)) = (&kind_def.stages, &kind_def.version) {
        let record = &version.segments()[..version.segments().len().saturating_sub(1)];
        let path = [keys(record), keys(stages.field.segments())].concat();
        known.push((path, Value::String(stages.order[0].clone())));
    }
    let mut ops: Vec<Op> = known
        .into_iter()
        .map(|(path, v)| Op::Set(path, v))
        .collect();
    ops.extend(
        assignments
            .iter()
            .map(|a| Op::Set(a.path.clone(), a.value_for(&order, &a.path))),
    );
    for op in &ops {
        crate::doc::apply_to_value(&mut value, op)?;
    }
    to_fill.retain(|field| {
        let path: Vec<String> = field
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        regctl_core::pointer::lookup(&value, &path).is_none()
    });
    let mut text = render(format, &value, &order, config.limits.max_depth)?;
    if !to_fill.is_empty() && format != Format::Json {
        text.push_str(&format!(
            "\n# Still to fill in (required by {}):\n",
            kind_def.schema_path
        ));
        for field in &to_fill {
            text.push_str(&format!("#   {field}\n"));
        }
    }
    let path = registry::canonical_path(kind_def, id, format);
    let mut plan = Plan::default();
    plan.write(&path, None, text);
    Ok(Skeleton {
        outcome: Outcome {
            plan,
            path,
            summary: format!("{}:{id}", kind_def.name),
        },
        to_fill,
    })
}

fn keys(segments: &[Segment]) -> Vec<String> {
    segments
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => key.clone(),
            Segment::Any => "0".to_owned(),
        })
        .collect()
}

fn read_schema(snapshot: &dyn Snapshot, kind: &Kind) -> Result<Value, OpError> {
    let unreadable = |reason: String| OpError::Unreadable {
        path: kind.schema_path.clone(),
        reason,
    };
    let bytes = snapshot
        .read(&kind.schema_path)
        .map_err(RegistryError::from)?
        .ok_or_else(|| unreadable("not found".to_owned()))?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8".to_owned()))?;
    let format = Format::from_path(&kind.schema_path).unwrap_or(Format::Json);
    Document::parse(format, &text, 256)
        .map(|doc| doc.value)
        .map_err(|err| unreadable(err.message))
}

/// The part of a document `schema` requires, with defaults; unknown values go to `to_fill`.
fn skeleton(
    schema: &Value,
    root: &Value,
    at: &mut Vec<String>,
    order: &KeyOrder,
    to_fill: &mut Vec<String>,
) -> Value {
    let schema = resolve(schema, root);
    if let Some(default) = schema.get("default").or_else(|| schema.get("const")) {
        return default.clone();
    }
    let mut out = Map::new();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut names = order.keys(at);
    names.retain(|name| required.contains(&name.as_str()));
    let unlisted: Vec<String> = required
        .iter()
        .filter(|name| !names.iter().any(|n| n == *name))
        .map(|name| (*name).to_owned())
        .collect();
    names.extend(unlisted);
    for name in names {
        at.push(name.clone());
        let property = resolve(&schema["properties"][&name], root);
        if let Some(default) = property.get("default").or_else(|| property.get("const")) {
            out.insert(name, default.clone());
        } else if property["type"] == "object" || property.get("properties").is_some() {
            out.insert(name, skeleton(property, root, at, order, to_fill));
        } else if property["type"] == "array" && property["minItems"].as_u64().unwrap_or(0) == 0 {
            out.insert(name, Value::Array(Vec::new()));
        } else {
            to_fill.push(pointer(at));
        }
        at.pop();
    }
    Value::Object(out)
}

/// Follows a local `$ref`; references into other files are left as they are.
fn resolve<'s>(schema: &'s Value, root: &'s Value) -> &'s Value {
    let mut current = schema;
    for _ in 0..32 {
        let Some(target) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(local) = target.strip_prefix('#') else {
            break;
        };
        match root.pointer(local) {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

/// A whole new document in `format`, keys in the schema's order.
pub fn render(
    format: Format,
    value: &Value,
    order: &KeyOrder,
    max_depth: usize,
) -> Result<String, EditError> {
    let Value::Object(map) = value else {
        return Err(EditError::Root);
    };
    let start = match format {
        Format::Toml => "",
        Format::Json => "{}\n",
        Format::Yaml => return Ok(to_yaml_ordered(value, &|path| order.keys(path))),
    };
    let mut editor = Editor::open(format, start, max_depth)?.with_order(order.clone());
    if format == Format::Json {
        editor.replace_root(value)?;
    } else {
        for (key, member) in regctl_core::document::ordered_members(map, &order.keys(&[])) {
            editor.apply(&Op::Set(vec![key.clone()], member.clone()))?;
        }
    }
    editor.finish()
}
