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
                format!("{place}: {} is not a valid {format}", err.instance()),
            )
            .at(located.span())
            .with_label(format!("not a valid {format}"));
            vec![match help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            }]
        }
        kind => vec![
            Diagnostic::new(Code::Schema, format!("{place}: {err}"))
                .at(located.span())
                .with_label(format!("fails `{}`", kind.keyword())),
        ],
    }
}
