//! Turning JSON Schema errors into diagnostics at the exact field.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use regctl_core::document::Document;
use regctl_core::pointer::format_path;
use regctl_core::{Code, Diagnostic};

/// The diagnostics for one schema error: one per unexpected property, else one.
///
/// A wrong value is labelled at the value, a missing property at the table that should hold
/// it, and an unexpected property at its key.
pub(crate) fn diagnostics(doc: &Document<'_>, err: &ValidationError<'_>) -> Vec<Diagnostic> {
    let path: Vec<String> = err
        .instance_path()
        .segments()
        .map(|segment| segment.to_string())
        .collect();
    let pointer = format_path(&path);
    let located = doc.locate(&path);
    let place = if pointer.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{pointer}`")
    };
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let mut key_path = path.clone();
                key_path.push(name.clone());
                let key = doc.locate(&key_path);
                Diagnostic::new(
                    Code::Schema,
                    format!("unexpected property `{name}` in {place}"),
                )
                .at(key.key.unwrap_or_else(|| key.span()))
                .with_label("not allowed by the schema")
                .with_help("remove it, or check its spelling against the schema's properties")
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            vec![
                Diagnostic::new(
                    Code::Schema,
                    format!("missing required property `{name}` in {place}"),
                )
                .at(located.span())
                .with_label(format!("`{name}` is required here")),
            ]
        }
        ValidationErrorKind::Format { format } => {
            let help = match format.as_str() {
                "semver" => Some("semantic versions look like `1.2.3` or `1.0.0-rc.1`"),
                "semver-req" => {
                    Some("requirements look like `^0.3`, `~1.2`, `>=1.0, <2` or `=1.0.0`")
                }
                "date" => Some("dates look like `2026-03-02`"),
                "date-time" => Some("date-times look like `2026-03-02T10:30:00Z` (RFC 3339)"),
                "uuid" => Some("UUIDs look like `3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f`"),
                _ => None,
            };
            let diagnostic = Diagnostic::new(
                Code::Schema,
                format!(
                    "{place}: {} is not a valid {format}",
                    quoted(err.instance())
                ),
            )
            .at(located.span())
            .with_label(format!("not a valid {format}"));
            vec![match help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            }]
        }
        ValidationErrorKind::Enum { options } => {
            // jsonschema names three options and counts the rest; the fix is one of them.
            const LISTED_MAX: usize = 12;
            let all = options.as_array().map_or(&[][..], Vec::as_slice);
            let mut listed: Vec<String> = all.iter().take(LISTED_MAX).map(quoted).collect();
            if all.len() > LISTED_MAX {
                listed.push(format!("{} more", all.len() - LISTED_MAX));
            }
            let listed = match listed.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => quoted(options),
            };
            vec![
                Diagnostic::new(
                    Code::Schema,
                    format!("{place}: {} is not one of {listed}", quoted(err.instance())),
                )
                .at(located.span())
                .with_label(format!("fails `{}`", err.kind().keyword())),
            ]
        }
        kind => vec![
            Diagnostic::new(Code::Schema, format!("{place}: {}", shortened(err)))
                .at(located.span())
                .with_label(format!("fails `{}`", kind.keyword())),
        ],
    }
}

/// The longest value quoted whole in a message, in characters.
const QUOTED_MAX: usize = 60;

/// A value as a message quotes it: whole when short, else its start and an ellipsis. The label
/// points at the value itself, and a long string or a big table would flood the report.
fn quoted(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= QUOTED_MAX {
        return text;
    }
    let start: String = text.chars().take(QUOTED_MAX - 1).collect();
    format!("{start}…")
}

/// The schema error's own message, with the value it quotes shortened.
fn shortened(err: &ValidationError<'_>) -> String {
    let message = err.to_string();
    let whole = err.instance().to_string();
    if whole.chars().count() <= QUOTED_MAX {
        return message;
    }
    message.replacen(&whole, &quoted(err.instance()), 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_values_are_quoted_by_their_start() {
        assert_eq!(quoted(&json!("short")), "\"short\"");
        let long = quoted(&json!("x".repeat(500)));
        assert_eq!(long.chars().count(), QUOTED_MAX);
        assert!(long.starts_with("\"xxx") && long.ends_with("x…"), "{long}");
        // Cut by characters, not bytes.
        let wide = quoted(&json!("é".repeat(100)));
        assert!(wide.ends_with("é…"), "{wide}");
    }

    #[test]
    fn an_enum_error_lists_every_option() {
        let message = |options: serde_json::Value| {
            let schema = json!({"enum": options});
            let validator = jsonschema::validator_for(&schema).expect("schema");
            let doc = Document::parse(regctl_core::document::Format::Json, "\"bogus\"", 64)
                .expect("parses");
            let err = validator.iter_errors(&doc.value).next().expect("an error");
            diagnostics(&doc, &err).remove(0).message
        };
        assert_eq!(
            message(json!(["experimental", "active", "deprecated", "retired"])),
            r#"the document: "bogus" is not one of "experimental", "active", "deprecated" or "retired""#
        );
        assert_eq!(
            message(json!(["only"])),
            r#"the document: "bogus" is not one of "only""#
        );
        let many: Vec<String> = (0..20).map(|i| format!("v{i}")).collect();
        let long = message(json!(many));
        assert!(long.ends_with(r#""v11" or 8 more"#), "{long}");
    }

    #[test]
    fn a_schema_message_quotes_a_big_value_shortened() {
        let schema = json!({"properties": {"a": {"type": "string"}}});
        let instance = json!({"a": {"b": "y".repeat(200), "c": [1, 2, 3]}});
        let validator = jsonschema::validator_for(&schema).expect("schema");
        let err = validator.iter_errors(&instance).next().expect("an error");
        let message = shortened(&err);
        assert!(
            message.contains("…") && message.contains("is not of type"),
            "{message}"
        );
        assert!(message.chars().count() < 100, "{message}");
    }
}
