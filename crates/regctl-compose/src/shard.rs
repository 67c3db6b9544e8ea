//! Where each file of the index lives: sharded paths like the cargo sparse index.

/// `entries/<kind>/<shard>/<id>.json` for an entry.
pub fn entry_path(kind: &str, id: &str) -> String {
    format!("entries/{}/{}", encode(kind), sharded(id))
}

/// `provides/<kind>/<shard>/<key>.json` for a provided value (keys are lower-cased values).
pub fn provides_path(kind: &str, value: &str) -> String {
    format!("provides/{}/{}", encode(kind), sharded(value))
}

/// `keys/<kind>/<shard>/<value>.json` for a value declared unique (keys are lower-cased values).
pub fn keys_path(kind: &str, value: &str) -> String {
    format!("keys/{}/{}", encode(kind), sharded(value))
}

/// The lower-case key a provided value is looked up by.
pub fn provides_key(value: &str) -> String {
    value.to_lowercase()
}

/// `<shard>/<name>.json` as cargo shards crate names: `1/`, `2/`, `3/<c>/`, `<ab>/<cd>/`,
/// after lower-casing and percent-encoding the name so it is a safe URL path segment.
fn sharded(name: &str) -> String {
    let chars: Vec<char> = name.to_lowercase().chars().collect();
    let piece = |range: std::ops::Range<usize>| encode(&chars[range].iter().collect::<String>());
    let shard = match chars.len() {
        0 | 1 => "1".to_owned(),
        2 => "2".to_owned(),
        3 => format!("3/{}", piece(0..1)),
        n => format!("{}/{}", piece(0..2), piece(2..4.min(n))),
    };
    format!("{shard}/{}.json", piece(0..chars.len()))
}

/// Percent-encodes everything but ASCII letters, digits, `.`, `_` and `-`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    // `.` and `..` are not usable as file names.
    if out.trim_matches('.').is_empty() {
        out = out.replace('.', "%2E");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_like_the_cargo_index() {
        assert_eq!(
            entry_path("component", "finetuning"),
            "entries/component/fi/ne/finetuning.json"
        );
        assert_eq!(entry_path("component", "a"), "entries/component/1/a.json");
        assert_eq!(entry_path("component", "ab"), "entries/component/2/ab.json");
        assert_eq!(
            entry_path("component", "abc"),
            "entries/component/3/a/abc.json"
        );
        assert_eq!(
            entry_path("tool", "Yaml-Parser"),
            "entries/tool/ya/ml/yaml-parser.json"
        );
    }

    #[test]
    fn encodes_unsafe_characters() {
        assert_eq!(
            provides_path("node", "TextInputComponent"),
            "provides/node/te/xt/textinputcomponent.json"
        );
        assert_eq!(entry_path("k", "a b"), "entries/k/3/a/a%20b.json");
        assert_eq!(
            entry_path("k", "größe"),
            "entries/k/gr/%C3%B6%C3%9F/gr%C3%B6%C3%9Fe.json"
        );
        assert_eq!(entry_path("k", ".."), "entries/k/2/%2E%2E.json");
    }
}
