//! Strict JSON (RFC 8259) with spans, through `jsonc-parser` with every extension turned off.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};
use serde_json::{Map, Value};

use crate::document::{Children, Node, ParseError, check_depth};
use crate::span::Span;

pub(crate) fn parse(text: &str, max_depth: usize) -> Result<(Value, Node), ParseError> {
    if let Some(at) = too_deep_at(text, max_depth) {
        return Err(ParseError::too_deep(max_depth, Span::new(at, at + 1)));
    }
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &strict).map_err(|err| {
        let range = err.range();
        let kind = err.kind().to_string();
        ParseError::syntax(lowercase_first(&kind), Span::new(range.start, range.end))
    })?;
    let Some(root) = parsed.value else {
        return Err(ParseError::syntax(
            "the file holds no JSON value",
            Span::at(0),
        ));
    };
    convert(&root, 1, max_depth)
}

/// The offset of the first `[` or `{` nested deeper than `max_depth`, if any.
///
/// This byte scan runs before parsing so that the position reported is exact and the parser
/// never recurses deeper than the limit.
fn too_deep_at(text: &str, max_depth: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn convert(
    value: &ast::Value<'_>,
    depth: usize,
    max_depth: usize,
) -> Result<(Value, Node), ParseError> {
    let span = range_span(value_range(value));
    let leaf = |value: Value| {
        Ok((
            value,
            Node {
                span,
                children: Children::None,
            },
        ))
    };
    match value {
        ast::Value::StringLit(s) => leaf(Value::String(s.value.to_string())),
        ast::Value::NumberLit(n) => {
            let number: Value = serde_json::from_str(n.value).map_err(|_| {
                ParseError::syntax(format!("`{}` is not a valid JSON number", n.value), span)
            })?;
            leaf(number)
        }
        ast::Value::BooleanLit(b) => leaf(Value::Bool(b.value)),
        ast::Value::NullKeyword(_) => leaf(Value::Null),
        ast::Value::Array(array) => {
            check_depth(depth, max_depth, span)?;
            let mut values = Vec::with_capacity(array.elements.len());
            let mut nodes = Vec::with_capacity(array.elements.len());
            for element in &array.elements {
                let (value, node) = convert(element, depth + 1, max_depth)?;
                values.push(value);
                nodes.push(node);
            }
            Ok((
                Value::Array(values),
                Node {
                    span,
                    children: Children::Array(nodes),
                },
            ))
        }
        ast::Value::Object(object) => {
            check_depth(depth, max_depth, span)?;
            let mut map = Map::new();
            let mut members = Vec::with_capacity(object.properties.len());
            for property in &object.properties {
                let (name, key_range) = match &property.name {
                    ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                    ast::ObjectPropName::Word(w) => (w.value.to_owned(), w.range),
                };
                let key_span = range_span(key_range);
                if map.contains_key(&name) {
                    return Err(ParseError::syntax(
                        format!("duplicate key `{name}`"),
                        key_span,
                    ));
                }
                let (value, node) = convert(&property.value, depth + 1, max_depth)?;
                map.insert(name.clone(), value);
                members.push((name, key_span, node));
            }
            Ok((
                Value::Object(map),
                Node {
                    span,
                    children: Children::Object(members),
                },
            ))
        }
    }
}

fn value_range(value: &ast::Value<'_>) -> jsonc_parser::common::Range {
    match value {
        ast::Value::StringLit(v) => v.range,
        ast::Value::NumberLit(v) => v.range,
        ast::Value::BooleanLit(v) => v.range,
        ast::Value::Object(v) => v.range,
        ast::Value::Array(v) => v.range,
        ast::Value::NullKeyword(v) => v.range,
    }
}

fn range_span(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}

fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::document::{Document, Format, ParseErrorKind};

    const TEXT: &str = r#"{
  "node_id": "langflow-executor-node",
  "components": {"TextInputComponent": "lfx.components.input_output.text"},
  "ports": [8000, 8001]
}"#;

    #[test]
    fn parses_and_locates() {
        let doc = Document::parse(Format::Json, TEXT, 64).expect("valid");
        assert_eq!(doc.value["ports"][1], json!(8001));
        let found = doc.locate(&["components", "TextInputComponent"]);
        let key = found.key.expect("key");
        assert_eq!(&TEXT[key.start..key.end], "\"TextInputComponent\"");
        let port = doc.locate(&["ports", "1"]).value.expect("value");
        assert_eq!(&TEXT[port.start..port.end], "8001");
    }

    #[test]
    fn rejects_json_extensions_and_duplicate_keys() {
        for bad in [
            "{\"a\": 1,}",
            "{a: 1}",
            "// c\n{}",
            "{'a': 1}",
            "{\"a\": 0x10}",
            "{\"a\": 1, \"a\": 2}",
            "",
            "{} {}",
        ] {
            let err = Document::parse(Format::Json, bad, 64).err();
            assert_eq!(err.map(|e| e.kind), Some(ParseErrorKind::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        let err = Document::parse(Format::Json, &deep, 64)
            .err()
            .expect("too deep");
        assert_eq!(err.kind, ParseErrorKind::TooDeep);
        assert_eq!(err.span.start, 64);
        let very_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = Document::parse(Format::Json, &very_deep, 64)
            .err()
            .expect("too deep");
        assert_eq!((err.kind, err.span.start), (ParseErrorKind::TooDeep, 64));
        // Brackets inside strings do not count.
        let in_string = format!("{{\"a\": \"{}\\\"\"}}", "[".repeat(100));
        assert!(
            Document::parse(Format::Json, &in_string, 4).is_ok(),
            "{in_string}"
        );
    }
}
