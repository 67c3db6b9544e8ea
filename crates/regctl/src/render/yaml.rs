//! YAML output of JSON values (YAML 1.2): block style, strings quoted whenever a plain scalar
//! could be read as something else.

use serde_json::Value;

/// `value` as a YAML document.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string(key));
        out.push(':');
        write_value(value, indent, out);
    }
}

fn write_seq(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key goes on the dash's line; the rest align under it.
                let mut nested = String::new();
                write_map(map, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            other => write_value(other, indent, out),
        }
    }
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
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

/// A plain scalar when it cannot be misread (by YAML 1.2 or 1.1 readers: `on`, `y` are quoted),
/// else a JSON-style double-quoted string, which is valid YAML.
fn string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '@' | '+'))
        && !s.starts_with(['-', '.', '@', '+'])
        && !matches!(
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
                | "n"
                | "yes"
                | "no"
                | "on"
                | "off"
        )
        && s.parse::<f64>().is_err()
        && !s.starts_with("0x")
        && !s.starts_with("0o");
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
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
            "deps:\n  - id: a\n    req: \"^1\"\nempty: []\nid: finetuning\n\"n\": 1.5\nnone: null\n\"on\": true\ntags:\n  - llm\n  - \"yes\"\ntext: \"a: b\"\nversion: 0.2.0\n"
        );
        let parsed =
            regctl_core::document::Document::parse(regctl_core::document::Format::Yaml, &yaml, 64)
                .expect("valid YAML");
        assert_eq!(parsed.value, value);
    }
}
