//! JSON pointers (RFC 6901) and the wildcard patterns `regctl.toml` uses to name fields.
//!
//! A pattern is a pointer in which a segment that is exactly `*` matches every element of an
//! array or every key of an object, e.g. `/versions/latest/dependencies/*`. Matching records
//! what each `*` bound to, so a second pattern (a `req` beside a `path`) can be read at the
//! same positions.

use std::fmt;

use serde_json::Value;

/// Why a pointer in the configuration is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("a JSON pointer must be empty or start with `/`")]
    MissingSlash,
    #[error("`~` must be followed by `0` or `1` in a JSON pointer")]
    BadEscape,
}

/// One segment of a [`Pattern`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Any,
}

/// A JSON pointer that may contain `*` segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    segments: Vec<Segment>,
    text: String,
}

/// One place a [`Pattern`] matched.
#[derive(Clone, Debug)]
pub struct Match<'v> {
    /// The concrete path to the value, one unescaped key or index per segment.
    pub path: Vec<String>,
    /// What each `*` bound to, in order.
    pub bindings: Vec<String>,
    pub value: &'v Value,
}

impl Pattern {
    /// Parses a pointer such as `/versions/history/*/version`.
    pub fn parse(text: &str) -> Result<Pattern, PointerError> {
        if text.is_empty() {
            return Ok(Pattern {
                segments: Vec::new(),
                text: String::new(),
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(PointerError::MissingSlash);
        };
        let segments = rest
            .split('/')
            .map(|raw| {
                if raw == "*" {
                    Ok(Segment::Any)
                } else {
                    unescape(raw).map(Segment::Key)
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Pattern {
            segments,
            text: text.to_owned(),
        })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The number of `*` segments.
    pub fn wildcards(&self) -> usize {
        self.segments
            .iter()
            .filter(|segment| matches!(segment, Segment::Any))
            .count()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The unescaped segments, `*` for a wildcard: the path of a pointer without wildcards.
    pub fn keys(&self) -> Vec<String> {
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => key.clone(),
                Segment::Any => "*".to_owned(),
            })
            .collect()
    }

    /// Every value the pattern matches in `root`, in document order.
    pub fn matches<'v>(&self, root: &'v Value) -> Vec<Match<'v>> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        let mut bindings = Vec::new();
        collect(&self.segments, root, &mut path, &mut bindings, &mut out);
        out
    }

    /// The value at this pattern with its `*` segments replaced by `bindings`, in order.
    ///
    /// Returns `None` when the value is absent or there are fewer bindings than wildcards.
    pub fn resolve<'v>(&self, root: &'v Value, bindings: &[String]) -> Option<Match<'v>> {
        let mut bound = bindings.iter();
        let mut path = Vec::with_capacity(self.segments.len());
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => path.push(key.clone()),
                Segment::Any => path.push(bound.next()?.clone()),
            }
        }
        let value = lookup(root, &path)?;
        Some(Match {
            path,
            bindings: bindings.to_vec(),
            value,
        })
    }

    /// The value at this pattern when it has no wildcards (`None` when it has one). Walks the
    /// segments in place: the per-file rules call it several times per file.
    pub fn get<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.segments
            .iter()
            .try_fold(root, |value, segment| match segment {
                Segment::Key(key) => child(value, key),
                Segment::Any => None,
            })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Follows an unescaped path through objects and arrays.
pub fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(root, |value, key| child(value, key))
}

/// The member `key` of an object, or the element at index `key` of an array.
fn child<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(key),
        Value::Array(items) => items.get(parse_index(key)?),
        _ => None,
    }
}

/// Formats an unescaped path as a JSON pointer.
pub fn format_path(path: &[String]) -> String {
    let mut out = String::new();
    for key in path {
        out.push('/');
        out.push_str(&key.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// Parses an array index as RFC 6901 spells it: digits, no leading zeros.
pub(crate) fn parse_index(key: &str) -> Option<usize> {
    let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
    if canonical && key.bytes().all(|b| b.is_ascii_digit()) {
        key.parse().ok()
    } else {
        None
    }
}

fn unescape(raw: &str) -> Result<String, PointerError> {
    if !raw.contains('~') {
        return Ok(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err(PointerError::BadEscape),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn collect<'v>(
    segments: &[Segment],
    value: &'v Value,
    path: &mut Vec<String>,
    bindings: &mut Vec<String>,
    out: &mut Vec<Match<'v>>,
) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(Match {
            path: path.clone(),
            bindings: bindings.clone(),
            value,
        });
        return;
    };
    match first {
        Segment::Key(key) => {
            if let Some(next) = child(value, key) {
                path.push(key.clone());
                collect(rest, next, path, bindings, out);
                path.pop();
            }
        }
        Segment::Any => {
            let children: Vec<(String, &Value)> = match value {
                Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
                _ => Vec::new(),
            };
            for (key, child) in children {
                path.push(key.clone());
                bindings.push(key);
                collect(rest, child, path, bindings, out);
                bindings.pop();
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_escapes_and_wildcards() {
        let pattern = Pattern::parse("/a~1b/*/c~0d").expect("valid");
        assert_eq!(
            pattern.segments(),
            &[
                Segment::Key("a/b".into()),
                Segment::Any,
                Segment::Key("c~d".into())
            ]
        );
        assert_eq!(pattern.wildcards(), 1);
        assert_eq!(Pattern::parse("a/b"), Err(PointerError::MissingSlash));
        assert_eq!(Pattern::parse("/a~2"), Err(PointerError::BadEscape));
    }

    #[test]
    fn matches_bind_wildcards_and_resolve_pairs_them() {
        let doc = json!({"deps": {"a": "^1", "b": "^2"}, "list": [{"v": 1}, {"v": 2}]});
        let found = Pattern::parse("/deps/*").expect("valid").matches(&doc);
        let bound: Vec<_> = found.iter().map(|m| m.bindings[0].as_str()).collect();
        assert_eq!(bound, ["a", "b"]);
        let values = Pattern::parse("/list/*/v").expect("valid").matches(&doc);
        assert_eq!(values[1].path, ["list", "1", "v"]);
        let req = Pattern::parse("/deps/*").expect("valid");
        let resolved = req.resolve(&doc, &["b".to_owned()]).expect("present");
        assert_eq!(resolved.value, &json!("^2"));
        assert!(req.resolve(&doc, &[]).is_none());
    }

    #[test]
    fn indices_follow_rfc_6901() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("12"), Some(12));
        assert_eq!(parse_index("01"), None);
        assert_eq!(parse_index("-1"), None);
        assert_eq!(format_path(&["a/b".into(), "0".into()]), "/a~1b/0");
    }

    #[test]
    fn get_follows_keys_and_indices_and_refuses_wildcards() {
        let doc = json!({"a/b": [{"c~d": 1}, {"c~d": 2}], "n": null});
        let at = |pattern: &str| Pattern::parse(pattern).expect("valid").get(&doc).cloned();
        assert_eq!(at("/a~1b/1/c~0d"), Some(json!(2)));
        assert_eq!(at("/n"), Some(Value::Null));
        assert_eq!(at("/a~1b/01/c~0d"), None, "not an RFC 6901 index");
        assert_eq!(at("/a~1b/*/c~0d"), None, "a wildcard needs a binding");
        assert_eq!(at("/missing"), None);
    }
}
