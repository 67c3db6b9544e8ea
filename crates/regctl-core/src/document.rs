//! Parsing descriptor text (TOML, JSON or YAML) into a JSON value plus a tree of source spans.
//!
//! Schema validation and rules work on a `serde_json::Value`; diagnostics need to point back at
//! the bytes a value came from. A [`Document`] holds both: the value, and a format-specific
//! tree that maps a path (as in a JSON pointer) to the span of the key and the value.

use std::fmt;

use serde_json::{Map, Value};
use toml_edit::{Item, TableLike};

use crate::pointer::parse_index;
use crate::span::Span;

mod emit_yaml;
mod json;
mod yaml;

pub use emit_yaml::{ordered_members, to_yaml, to_yaml_flow, to_yaml_ordered};

/// How deep `toml_edit` lets TOML nest before it gives up.
const TOML_NESTING_LIMIT: usize = 80;

/// The file formats descriptors can be written in, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Toml,
    Json,
    Yaml,
}

impl Format {
    /// The format for a file extension, or `None` for files that are not descriptors.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// The format of a `/`-separated path, from its extension.
    pub fn from_path(path: &str) -> Option<Format> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (_, ext) = name.rsplit_once('.')?;
        Format::from_extension(ext)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How git opens and closes each side of a conflict it leaves in a file.
const CONFLICT_OPENS: &str = "<<<<<<<";
const CONFLICT_CLOSES: &str = ">>>>>>>";

/// How to mend a file that does not parse for a merge conflict ([`ParseErrorKind::Conflict`]).
pub const RESOLVE_CONFLICT: &str =
    "keep one side or combine both, and remove the `<<<<<<<`, `=======` and `>>>>>>>` lines";

/// Where the first unresolved merge conflict in `text` starts: a line opening one, with a
/// line closing it further down.
fn conflict_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut opened = None;
    for line in text.split_inclusive('\n') {
        if opened.is_none() && line.starts_with(CONFLICT_OPENS) {
            opened = Some(offset);
        } else if opened.is_some() && line.starts_with(CONFLICT_CLOSES) {
            return opened;
        }
        offset += line.len();
    }
    None
}

/// Why a text could not be turned into a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text is not valid in its format.
    Syntax,
    /// Objects and arrays nest deeper than the configured limit.
    TooDeep,
    /// The text does not parse because it holds an unresolved merge conflict: git's markers,
    /// the first of which the error's span covers.
    Conflict,
}

impl ParseError {
    pub(crate) fn syntax(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            kind: ParseErrorKind::Syntax,
            message: message.into(),
            span,
        }
    }

    /// The conflict opening at `start`.
    fn conflict(start: usize) -> ParseError {
        ParseError {
            kind: ParseErrorKind::Conflict,
            message: "the file has an unresolved merge conflict".to_owned(),
            span: Span::new(start, start + CONFLICT_OPENS.len()),
        }
    }

    pub(crate) fn too_deep(max_depth: usize, span: Span) -> ParseError {
        ParseError {
            kind: ParseErrorKind::TooDeep,
            message: format!("values are nested more than {max_depth} levels deep"),
            span,
        }
    }
}

/// Where a path leads in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Located {
    /// The span of the last key on the path, if the path ends at an object member.
    pub key: Option<Span>,
    /// The span of the value (for a TOML `[table]`, its header).
    pub value: Option<Span>,
    /// Whether the whole path exists; if not, the spans are those of the deepest part found.
    pub complete: bool,
}

impl Located {
    /// The best span to label: the value, else its key, else the start of the file.
    pub fn span(&self) -> Span {
        self.value.or(self.key).unwrap_or_default()
    }
}

/// A parsed descriptor: its value and how to find each part of it in the source.
pub struct Document<'t> {
    pub value: Value,
    tree: Tree<'t>,
}

enum Tree<'t> {
    Toml(toml_edit::Document<&'t str>),
    Nodes(Node),
}

/// The span skeleton of a JSON or YAML document, mirroring its value.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    span: Span,
    children: Children,
}

#[derive(Clone, Debug)]
enum Children {
    None,
    Array(Vec<Node>),
    /// Members in source order: key, key span, value.
    Object(Vec<(String, Span, Node)>),
}

impl<'t> Document<'t> {
    /// Parses `text` as `format`, refusing nesting deeper than `max_depth`.
    pub fn parse(
        format: Format,
        text: &'t str,
        max_depth: usize,
    ) -> Result<Document<'t>, ParseError> {
        // A file edited on two branches and merged: the markers are the cause, not what the
        // parser says about them.
        Document::parse_format(format, text, max_depth).map_err(|err| match conflict_start(text) {
            Some(start) if err.kind == ParseErrorKind::Syntax => ParseError::conflict(start),
            _ => err,
        })
    }

    fn parse_format(
        format: Format,
        text: &'t str,
        max_depth: usize,
    ) -> Result<Document<'t>, ParseError> {
        match format {
            Format::Toml => {
                let doc = toml_edit::Document::parse(text).map_err(|err| {
                    let span = err.span().map(Span::from).unwrap_or_default();
                    let message = err.message().trim_end();
                    // toml_edit stops at its own nesting limit (80) before we can count.
                    if message.contains("recursion") {
                        ParseError::too_deep(max_depth.min(TOML_NESTING_LIMIT), span)
                    } else {
                        ParseError::syntax(message.to_owned(), span)
                    }
                })?;
                let value = toml_to_json(doc.as_item(), None, 1, max_depth)?;
                Ok(Document {
                    value,
                    tree: Tree::Toml(doc),
                })
            }
            Format::Json => {
                let (value, node) = json::parse(text, max_depth)?;
                Ok(Document {
                    value,
                    tree: Tree::Nodes(node),
                })
            }
            Format::Yaml => {
                let (value, node) = yaml::parse(text, max_depth)?;
                Ok(Document {
                    value,
                    tree: Tree::Nodes(node),
                })
            }
        }
    }

    /// Finds the source of the value at `path` (unescaped pointer segments).
    ///
    /// Array indices may arrive as keys (`"0"`), as they do in JSON pointers.
    pub fn locate<S: AsRef<str>>(&self, path: &[S]) -> Located {
        match &self.tree {
            Tree::Toml(doc) => locate_toml(doc.as_item(), path),
            Tree::Nodes(root) => locate_node(root, path),
        }
    }
}

fn locate_node<S: AsRef<str>>(root: &Node, path: &[S]) -> Located {
    let mut node = root;
    let mut key = None;
    for segment in path {
        let segment = segment.as_ref();
        let next = match &node.children {
            Children::Object(members) => members
                .iter()
                .rev() // the last duplicate wins, as in the value
                .find(|(name, _, _)| name == segment)
                .map(|(_, key_span, child)| (Some(*key_span), child)),
            Children::Array(items) => parse_index(segment)
                .and_then(|i| items.get(i))
                .map(|child| (None, child)),
            Children::None => None,
        };
        let Some((next_key, child)) = next else {
            return Located {
                key,
                value: Some(node.span),
                complete: false,
            };
        };
        key = next_key;
        node = child;
    }
    Located {
        key,
        value: Some(node.span),
        complete: true,
    }
}

fn locate_toml<S: AsRef<str>>(root: &Item, path: &[S]) -> Located {
    let mut item = root;
    let mut key = None;
    // Values inside inline tables and arrays are `toml_edit::Value`s, not `Item`s.
    let mut segments = path.iter().map(AsRef::as_ref);
    while let Some(segment) = segments.next() {
        let (next_key, next) = match item {
            Item::ArrayOfTables(tables) => {
                let Some(table) = parse_index(segment).and_then(|i| tables.get(i)) else {
                    return partial(key, item.span());
                };
                (None, TomlNode::Table(table))
            }
            Item::Value(toml_edit::Value::Array(array)) => {
                let Some(value) = parse_index(segment).and_then(|i| array.get(i)) else {
                    return partial(key, item.span());
                };
                (None, TomlNode::Value(value))
            }
            _ => {
                let Some((k, v)) = item.as_table_like().and_then(|t| t.get_key_value(segment))
                else {
                    return partial(key, item.span());
                };
                (k.span().map(Span::from), TomlNode::Item(v))
            }
        };
        key = next_key.or(key);
        match next {
            TomlNode::Item(next) => item = next,
            TomlNode::Table(table) => {
                // An element of `[[array]]`: continue inside the table.
                let rest: Vec<&str> = segments.collect();
                return locate_table_like(table, table.span(), &rest, key);
            }
            TomlNode::Value(value) => {
                let rest: Vec<&str> = segments.collect();
                return locate_toml_value(value, &rest, key);
            }
        }
    }
    Located {
        key,
        value: item.span().map(Span::from),
        complete: true,
    }
}

enum TomlNode<'a> {
    Item(&'a Item),
    Table(&'a toml_edit::Table),
    Value(&'a toml_edit::Value),
}

fn partial(key: Option<Span>, value: Option<std::ops::Range<usize>>) -> Located {
    Located {
        key,
        value: value.map(Span::from),
        complete: false,
    }
}

fn locate_table_like(
    table: &dyn TableLike,
    span: Option<std::ops::Range<usize>>,
    path: &[&str],
    key: Option<Span>,
) -> Located {
    let Some((first, rest)) = path.split_first() else {
        return Located {
            key,
            value: span.map(Span::from),
            complete: true,
        };
    };
    let Some((k, v)) = table.get_key_value(first) else {
        return partial(key, span);
    };
    let key = k.span().map(Span::from).or(key);
    match v {
        Item::Value(value) => locate_toml_value(value, rest, key),
        other => {
            let found = locate_toml(other, rest);
            Located {
                key: found.key.or(key),
                ..found
            }
        }
    }
}

fn locate_toml_value(value: &toml_edit::Value, path: &[&str], key: Option<Span>) -> Located {
    let Some((first, rest)) = path.split_first() else {
        return Located {
            key,
            value: value.span().map(Span::from),
            complete: true,
        };
    };
    match value {
        toml_edit::Value::Array(array) => match parse_index(first).and_then(|i| array.get(i)) {
            Some(element) => locate_toml_value(element, rest, None),
            None => partial(key, value.span()),
        },
        toml_edit::Value::InlineTable(table) => locate_table_like(table, value.span(), path, key),
        _ => partial(key, value.span()),
    }
}

/// Converts a TOML item to JSON; datetimes become their RFC 3339 text.
fn toml_to_json(
    item: &Item,
    span: Option<Span>,
    depth: usize,
    max_depth: usize,
) -> Result<Value, ParseError> {
    let here = item.span().map(Span::from).or(span).unwrap_or_default();
    match item {
        Item::None => Ok(Value::Null),
        Item::Value(value) => toml_value_to_json(value, depth, max_depth),
        Item::Table(table) => {
            check_depth(depth, max_depth, here)?;
            table_to_json(table, depth, max_depth)
        }
        Item::ArrayOfTables(tables) => {
            check_depth(depth, max_depth, here)?;
            tables
                .iter()
                .map(|table| {
                    check_depth(
                        depth + 1,
                        max_depth,
                        table.span().map(Span::from).unwrap_or(here),
                    )?;
                    table_to_json(table, depth + 1, max_depth)
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

fn table_to_json(
    table: &dyn TableLike,
    depth: usize,
    max_depth: usize,
) -> Result<Value, ParseError> {
    let mut map = Map::new();
    for (key, item) in table.iter() {
        let key_span = table
            .get_key_value(key)
            .and_then(|(k, _)| k.span())
            .map(Span::from);
        map.insert(
            key.to_owned(),
            toml_to_json(item, key_span, depth + 1, max_depth)?,
        );
    }
    Ok(Value::Object(map))
}

fn toml_value_to_json(
    value: &toml_edit::Value,
    depth: usize,
    max_depth: usize,
) -> Result<Value, ParseError> {
    use toml_edit::Value as V;
    let span = value.span().map(Span::from).unwrap_or_default();
    Ok(match value {
        V::String(s) => Value::String(s.value().clone()),
        V::Integer(i) => Value::from(*i.value()),
        V::Float(f) => {
            let f = *f.value();
            Value::from(serde_json::Number::from_f64(f).ok_or_else(|| {
                ParseError::syntax(
                    format!("`{f}` cannot be represented in JSON, so it cannot be validated"),
                    span,
                )
            })?)
        }
        V::Boolean(b) => Value::Bool(*b.value()),
        V::Datetime(d) => Value::String(d.value().to_string()),
        V::Array(array) => {
            check_depth(depth, max_depth, span)?;
            array
                .iter()
                .map(|element| toml_value_to_json(element, depth + 1, max_depth))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)?
        }
        V::InlineTable(table) => {
            check_depth(depth, max_depth, span)?;
            table_to_json(table, depth, max_depth)?
        }
    })
}

pub(crate) fn check_depth(depth: usize, max_depth: usize, span: Span) -> Result<(), ParseError> {
    if depth > max_depth {
        Err(ParseError::too_deep(max_depth, span))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(format: Format, text: &str) -> Document<'_> {
        Document::parse(format, text, 64).expect("parses")
    }

    fn snippet(text: &str, span: Option<Span>) -> &str {
        let span = span.expect("span");
        &text[span.start..span.end]
    }

    const TOML: &str = r#"
[component]
name = "finetuning"
when = 1979-05-27T07:32:00Z

[versions.latest]
version = "0.1.0"
deps = { tokenizer = "^0.3" }
tags = ["a", "b"]

[[versions.history]]
version = "0.0.1"
"#;

    #[test]
    fn toml_converts_datetimes_to_strings() {
        let doc = parse(Format::Toml, TOML);
        assert_eq!(
            doc.value["component"]["when"],
            json!("1979-05-27T07:32:00Z")
        );
        assert_eq!(
            doc.value["versions"]["history"][0]["version"],
            json!("0.0.1")
        );
    }

    #[test]
    fn toml_locates_values_keys_tables_and_array_elements() {
        let doc = parse(Format::Toml, TOML);
        let found = doc.locate(&["versions", "latest", "version"]);
        assert_eq!(snippet(TOML, found.value), "\"0.1.0\"");
        assert_eq!(snippet(TOML, found.key), "version");
        let inline = doc.locate(&["versions", "latest", "deps", "tokenizer"]);
        assert_eq!(snippet(TOML, inline.value), "\"^0.3\"");
        assert_eq!(snippet(TOML, inline.key), "tokenizer");
        let element = doc.locate(&["versions", "latest", "tags", "1"]);
        assert_eq!(snippet(TOML, element.value), "\"b\"");
        let history = doc.locate(&["versions", "history", "0", "version"]);
        assert_eq!(snippet(TOML, history.value), "\"0.0.1\"");
        let table = doc.locate(&["component"]);
        assert_eq!(snippet(TOML, table.value), "[component]");
        let missing = doc.locate(&["component", "nope"]);
        assert!(!missing.complete);
        assert_eq!(snippet(TOML, missing.value), "[component]");
    }

    #[test]
    fn toml_syntax_errors_have_spans() {
        let err = Document::parse(Format::Toml, "a = \"x\nb = 1\n", 64)
            .err()
            .expect("error");
        assert_eq!(err.kind, ParseErrorKind::Syntax);
        assert!(err.span.start <= 6, "{err:?}");
    }

    #[test]
    fn a_merge_conflict_is_the_error_where_the_text_does_not_parse() {
        let sides = |ours: &str, theirs: &str, close: &str| {
            format!("<<<<<<< HEAD\n{ours}\n=======\n{theirs}\n>>>>>>> other\n{close}")
        };
        for (format, text) in [
            (
                Format::Toml,
                format!("a = 1\n{}", sides("b = 1", "b = 2", "")),
            ),
            (
                Format::Json,
                format!("{{\n\"a\": 1,\n{}", sides("\"b\": 1", "\"b\": 2", "}\n")),
            ),
            (Format::Yaml, format!("a: 1\n{}", sides("b: 1", "b: 2", ""))),
        ] {
            let err = Document::parse(format, &text, 64).err().expect("no parse");
            assert_eq!(err.kind, ParseErrorKind::Conflict, "{format}");
            assert_eq!(&text[err.span.start..err.span.end], "<<<<<<<", "{format}");
        }
        // An opening marker that nothing closes is only a syntax error.
        let err = Document::parse(Format::Toml, "a = 1\n<<<<<<< HEAD\nb = 1\n", 64)
            .err()
            .expect("no parse");
        assert_eq!(err.kind, ParseErrorKind::Syntax);
        // Marker lines inside a string that parses are content.
        let text = "a = \"\"\"\n<<<<<<< x\n>>>>>>> y\n\"\"\"\n";
        assert!(Document::parse(Format::Toml, text, 64).is_ok());
    }

    #[test]
    fn toml_nesting_is_limited() {
        let text = format!("a = {}1{}", "[".repeat(10), "]".repeat(10));
        let err = Document::parse(Format::Toml, &text, 5)
            .err()
            .expect("too deep");
        assert_eq!(err.kind, ParseErrorKind::TooDeep);
        // Deeper than the parser's own recursion limit is refused the same way, not a crash.
        let text = format!("a = {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = Document::parse(Format::Toml, &text, 64)
            .err()
            .expect("too deep");
        assert_eq!(err.kind, ParseErrorKind::TooDeep);
    }
}
