//! YAML output of JSON values (YAML 1.2): block style, strings quoted whenever a plain scalar
//! could be read as something else.

use serde_json::Value;

/// `value` as a YAML document, keys in their sorted order.
pub fn to_yaml(value: &Value) -> String {
    to_yaml_ordered(value, &|_| Vec::new())
}

/// `value` as a YAML document; `order(path)` names the keys of the object at `path` that come
/// first, in that order (a schema's `properties` order, say); the rest follow sorted.
pub fn to_yaml_ordered(value: &Value, order: &dyn Fn(&[String]) -> Vec<String>) -> String {
    let mut writer = Writer {
        out: String::new(),
        path: Vec::new(),
        order,
    };
    match value {
        Value::Object(map) if !map.is_empty() => writer.map(map, 0),
        Value::Array(items) if !items.is_empty() => writer.seq(items, 0),
        scalar => {
            writer.out.push_str(&scalar_text(scalar));
            writer.out.push('\n');
        }
    }
    writer.out
}

/// The members of `map` in `preferred` order first, then the rest in map order.
pub fn ordered_members<'m>(
    map: &'m serde_json::Map<String, Value>,
    preferred: &[String],
) -> Vec<(&'m String, &'m Value)> {
    let mut members: Vec<(&String, &Value)> = preferred
        .iter()
        .filter_map(|key| map.get_key_value(key))
        .collect();
    members.extend(map.iter().filter(|(key, _)| !preferred.contains(key)));
    members
}

struct Writer<'o> {
    out: String,
    path: Vec<String>,
    order: &'o dyn Fn(&[String]) -> Vec<String>,
}

impl Writer<'_> {
    fn map(&mut self, map: &serde_json::Map<String, Value>, indent: usize) {
        let preferred = (self.order)(&self.path);
        for (key, value) in ordered_members(map, &preferred) {
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(&string(key));
            self.out.push(':');
            self.path.push(key.clone());
            self.value(value, indent);
            self.path.pop();
        }
    }

    fn seq(&mut self, items: &[Value], indent: usize) {
        for (i, item) in items.iter().enumerate() {
            self.out.push_str(&" ".repeat(indent));
            self.out.push('-');
            self.path.push(i.to_string());
            match item {
                Value::Object(map) if !map.is_empty() => {
                    // The first key goes on the dash's line; the rest align under it.
                    let outer = std::mem::take(&mut self.out);
                    self.map(map, indent + 2);
                    let nested = std::mem::replace(&mut self.out, outer);
                    self.out.push(' ');
                    self.out.push_str(nested.trim_start());
                }
                other => self.value(other, indent),
            }
            self.path.pop();
        }
    }

    fn value(&mut self, value: &Value, indent: usize) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.out.push('\n');
                self.map(map, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                self.out.push('\n');
                self.seq(items, indent + 2);
            }
            scalar => {
                self.out.push(' ');
                self.out.push_str(&scalar_text(scalar));
                self.out.push('\n');
            }
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// `value` in YAML flow style on one line (`[a, b]`, `{k: v}`), for replacing a value that
/// was written that way.
pub fn to_yaml_flow(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(to_yaml_flow)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(key, value)| format!("{}: {}", flow_string(key), to_yaml_flow(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => flow_string(s),
        scalar => scalar_text(scalar),
    }
}

fn flow_string(s: &str) -> String {
    if s.contains([',', '[', ']', '{', '}']) {
        quoted(s)
    } else {
        string(s)
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// A plain scalar when it cannot be misread (by YAML 1.2 or 1.1 readers: `on`, `y` are quoted),
/// else a JSON-style double-quoted string, which is valid YAML.
fn string(s: &str) -> String {
    let reserved = matches!(
        s,
        "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "~"
            | "y"
            | "Y"
            | "n"
            | "N"
            | "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    );
    let numeric = s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || matches!(
            s.to_ascii_lowercase().as_str(),
            ".inf" | "-.inf" | "+.inf" | ".nan"
        );
    let plain = !s.is_empty()
        && !reserved
        && !numeric
        && s.trim() == s
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', '.', '+',
        ])
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control() || c == '\u{feff}');
    if plain { s.to_owned() } else { quoted(s) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn writes_block_yaml_that_reads_back_the_same() {
        let value = json!({"id": "finetuning", "version": "0.2.0", "on": true, "tags": ["llm", "yes"], "n": 1.5, "deps": [{"id": "a", "req": "^1"}], "empty": [], "none": null, "text": "a: b"});
        let yaml = to_yaml(&value);
        assert_eq!(
            yaml,
            "deps:\n  - id: a\n    req: ^1\nempty: []\nid: finetuning\n\"n\": 1.5\nnone: null\n\"on\": true\ntags:\n  - llm\n  - \"yes\"\ntext: \"a: b\"\nversion: 0.2.0\n"
        );
        let parsed = crate::document::Document::parse(crate::document::Format::Yaml, &yaml, 64)
            .expect("valid YAML");
        assert_eq!(parsed.value, value);
    }

    #[test]
    fn quotes_exactly_the_strings_a_reader_would_misread() {
        let tricky = [
            "plain words",
            "- dash",
            "key: value",
            "a #comment",
            "ends:",
            " padded",
            "#hash",
            "[list]",
            "{map}",
            "*alias",
            "&anchor",
            "!tag",
            "|block",
            ">fold",
            "'single'",
            "\"double\"",
            "%directive",
            "@at",
            "`tick`",
            "1e3",
            "0x1F",
            ".inf",
            "Yes",
            "~",
            "",
            "tab\there",
            "line\nbreak",
            "2026-03-01",
            "^2.1",
            "a,b",
            "x]",
        ];
        let value = Value::Array(tricky.iter().map(|s| json!(s)).collect());
        for text in [to_yaml(&value), to_yaml_flow(&value)] {
            let parsed = crate::document::Document::parse(crate::document::Format::Yaml, &text, 64)
                .unwrap_or_else(|err| panic!("{text}: {}", err.message));
            assert_eq!(parsed.value, value, "{text}");
        }
        assert_eq!(to_yaml(&json!("plain words")), "plain words\n");
        assert_eq!(
            to_yaml_flow(&json!(["a", "b c", "d,e"])),
            "[a, b c, \"d,e\"]"
        );
    }
}
