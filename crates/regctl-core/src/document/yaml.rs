//! YAML 1.2 (core schema) with spans, built from `saphyr-parser` events.
//!
//! The event stream lets us build the value without recursion, enforce the nesting limit before
//! going deeper, expand aliases under a budget (against "billion laughs"), and reject what JSON
//! cannot hold: several documents, complex keys, duplicate keys, non-finite numbers.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

use crate::document::{Children, Node, ParseError, check_depth};
use crate::span::{CharToByte, Span};

/// How many value nodes a file may expand to, per byte of input, once aliases are resolved.
const NODES_PER_BYTE: usize = 16;

enum Frame {
    Sequence {
        start: usize,
        anchor: usize,
        size: usize,
        values: Vec<Value>,
        nodes: Vec<Node>,
    },
    Mapping {
        start: usize,
        anchor: usize,
        size: usize,
        map: Map<String, Value>,
        members: Vec<(String, Span, Node)>,
        key: Option<(String, Span)>,
    },
}

struct Anchored {
    value: Value,
    node: Node,
    size: usize,
}

pub(crate) fn parse(text: &str, max_depth: usize) -> Result<(Value, Node), ParseError> {
    let offsets = CharToByte::new(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Anchored> = HashMap::new();
    let mut root: Option<(Value, Node)> = None;
    let mut documents = 0;
    let budget = text.len().saturating_mul(NODES_PER_BYTE).max(10_000);
    let mut expanded = 0usize;

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| {
            let at = Span::at(offsets.byte(err.marker().index()));
            // The scanner has its own nesting limit, which it may reach before we count.
            if err.info().contains("recursion limit") {
                ParseError::too_deep(max_depth, at)
            } else {
                ParseError::syntax(err.info().to_owned(), at)
            }
        })?;
        let span = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        let completed = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(ParseError::syntax(
                        "a descriptor must hold one YAML document, this is the second",
                        span,
                    ));
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame::Mapping {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((text.into_owned(), span));
                    None
                } else {
                    let value = resolve_scalar(&text, style, tag.as_deref(), span)?;
                    expanded += 1;
                    Some((value, leaf(span), anchor, 1))
                }
            }
            Event::Alias(id) => {
                if let Some(Frame::Mapping { key: None, .. }) = stack.last() {
                    return Err(ParseError::syntax(
                        "an alias cannot be used as a mapping key",
                        span,
                    ));
                }
                let Some(target) = anchors.get(&id) else {
                    return Err(ParseError::syntax("alias to an unknown anchor", span));
                };
                expanded += target.size;
                if expanded > budget {
                    return Err(ParseError::syntax(
                        "aliases expand to too many values (possible \"billion laughs\" document)",
                        span,
                    ));
                }
                Some((target.value.clone(), target.node.clone(), 0, target.size))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if let Some(Frame::Mapping { key: None, .. }) = stack.last() {
                    return Err(ParseError::syntax(
                        "complex mapping keys are not supported; keys must be scalars",
                        span,
                    ));
                }
                check_depth(stack.len() + 1, max_depth, span)?;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence {
                        start: span.start,
                        anchor,
                        size: 1,
                        values: Vec::new(),
                        nodes: Vec::new(),
                    }
                } else {
                    Frame::Mapping {
                        start: span.start,
                        anchor,
                        size: 1,
                        map: Map::new(),
                        members: Vec::new(),
                        key: None,
                    }
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack
                    .pop()
                    .expect("the parser balances start and end events");
                expanded += 1;
                Some(close(frame, span.end))
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
        };
        if expanded > budget {
            return Err(ParseError::syntax(
                "the document expands to too many values",
                span,
            ));
        }
        let Some((value, node, anchor, size)) = completed else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    node: node.clone(),
                    size,
                },
            );
        }
        match stack.last_mut() {
            None => root = Some((value, node)),
            Some(Frame::Sequence {
                values,
                nodes,
                size: total,
                ..
            }) => {
                *total += size;
                values.push(value);
                nodes.push(node);
            }
            Some(Frame::Mapping {
                map,
                members,
                key,
                size: total,
                ..
            }) => {
                *total += size;
                let (name, key_span) = key.take().expect("a value in a mapping follows its key");
                if map.contains_key(&name) {
                    return Err(ParseError::syntax(
                        format!("duplicate key `{name}`"),
                        key_span,
                    ));
                }
                map.insert(name.clone(), value);
                members.push((name, key_span, node));
            }
        }
    }
    Ok(root.unwrap_or((Value::Null, leaf(Span::at(0)))))
}

fn leaf(span: Span) -> Node {
    Node {
        span,
        children: Children::None,
    }
}

fn close(frame: Frame, end: usize) -> (Value, Node, usize, usize) {
    match frame {
        Frame::Sequence {
            start,
            anchor,
            size,
            values,
            nodes,
        } => {
            let node = Node {
                span: Span::new(start, end),
                children: Children::Array(nodes),
            };
            (Value::Array(values), node, anchor, size)
        }
        Frame::Mapping {
            start,
            anchor,
            size,
            map,
            members,
            ..
        } => {
            let node = Node {
                span: Span::new(start, end),
                children: Children::Object(members),
            };
            (Value::Object(map), node, anchor, size)
        }
    }
}

/// Resolves a scalar by the YAML 1.2 core schema: only plain scalars are typed.
fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<Value, ParseError> {
    let core_tag = tag
        .filter(|tag| tag.is_yaml_core_schema())
        .map(|tag| tag.suffix.as_str());
    match core_tag {
        Some("str") => return Ok(Value::String(text.to_owned())),
        Some(expected @ ("int" | "float" | "bool" | "null")) => {
            let value = resolve_plain(text, span)?;
            let fits = match (expected, &value) {
                ("int", Value::Number(n)) => !n.is_f64(),
                ("float", Value::Number(_)) => true,
                ("bool", Value::Bool(_)) => true,
                ("null", Value::Null) => true,
                _ => false,
            };
            return if fits {
                Ok(value)
            } else {
                Err(ParseError::syntax(
                    format!("`{text}` is not a valid !!{expected}"),
                    span,
                ))
            };
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    resolve_plain(text, span)
}

fn resolve_plain(text: &str, span: Span) -> Result<Value, ParseError> {
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(ParseError::syntax(
                format!("`{text}` cannot be represented in JSON, so it cannot be validated"),
                span,
            ));
        }
        _ => match number(text) {
            Some(number) => Value::Number(number),
            None => Value::String(text.to_owned()),
        },
    })
}

fn number(text: &str) -> Option<Number> {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(octal) = text.strip_prefix("0o") {
        return digits(octal, 8)
            .then(|| u64::from_str_radix(octal, 8).ok())
            .flatten()
            .map(Number::from);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return digits(hex, 16)
            .then(|| u64::from_str_radix(hex, 16).ok())
            .flatten()
            .map(Number::from);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        let cleaned = text.strip_prefix('+').unwrap_or(text);
        if let Ok(i) = cleaned.parse::<i64>() {
            return Some(Number::from(i));
        }
        if let Ok(u) = cleaned.parse::<u64>() {
            return Some(Number::from(u));
        }
        return cleaned.parse::<f64>().ok().and_then(Number::from_f64);
    }
    if is_core_float(unsigned) {
        let cleaned = text.strip_prefix('+').unwrap_or(text);
        return Cow::Borrowed(cleaned)
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64);
    }
    None
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && all_digits(int)
                && all_digits(frac)
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::document::{Document, Format, ParseErrorKind};

    fn value(text: &str) -> serde_json::Value {
        Document::parse(Format::Yaml, text, 64)
            .expect("valid")
            .value
    }

    fn error(text: &str) -> ParseErrorKind {
        Document::parse(Format::Yaml, text, 64)
            .err()
            .expect("invalid")
            .kind
    }

    #[test]
    fn uses_yaml_1_2_core_schema() {
        let v = value("on: push\nyes: no\nv: 3.10\nn: 0x1F\nq: \"1\"\nnull_: ~\nt: true\ne: 1e3\n");
        assert_eq!(
            v,
            json!({"on": "push", "yes": "no", "v": 3.1, "n": 31, "q": "1", "null_": null, "t": true, "e": 1000.0})
        );
        assert_eq!(value("v: !!str 3.10\n"), json!({"v": "3.10"}));
        assert_eq!(value("v: 1.2.3\n"), json!({"v": "1.2.3"}));
        assert_eq!(value(""), json!(null));
    }

    #[test]
    fn expands_aliases_and_locates_values() {
        let text = "base: &b {a: 1}\ncopy: *b\nlist:\n  - x\n  - y\n";
        let doc = Document::parse(Format::Yaml, text, 64).expect("valid");
        assert_eq!(doc.value["copy"], json!({"a": 1}));
        let found = doc.locate(&["list", "1"]).value.expect("span");
        assert_eq!(&text[found.start..found.end], "y");
        let key = doc.locate(&["copy"]).key.expect("key");
        assert_eq!(&text[key.start..key.end], "copy");
    }

    #[test]
    fn spans_are_bytes_even_after_non_ascii_text() {
        let text = "name: \"größe\"\nversion: 1.x\n";
        let doc = Document::parse(Format::Yaml, text, 64).expect("valid");
        let found = doc.locate(&["version"]).value.expect("span");
        assert_eq!(&text[found.start..found.end], "1.x");
    }

    #[test]
    fn rejects_what_json_cannot_hold() {
        assert_eq!(error("a: 1\na: 2\n"), ParseErrorKind::Syntax);
        assert_eq!(error("? [a]\n: 1\n"), ParseErrorKind::Syntax);
        assert_eq!(error("a: 1\n---\nb: 2\n"), ParseErrorKind::Syntax);
        assert_eq!(error("a: .nan\n"), ParseErrorKind::Syntax);
        assert_eq!(error("a: [1\n"), ParseErrorKind::Syntax);
        assert_eq!(error("a: *nowhere\n"), ParseErrorKind::Syntax);
        assert_eq!(error("a: !!int x\n"), ParseErrorKind::Syntax);
    }

    #[test]
    fn limits_nesting_and_alias_expansion() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(error(&deep), ParseErrorKind::TooDeep);
        let very_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(Document::parse(Format::Yaml, &very_deep, 64).is_err());
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                ["b", "c", "d", "e", "f", "g", "h"][i - 1].to_owned()
            };
            laughs.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert_eq!(error(&laughs), ParseErrorKind::Syntax);
    }
}
