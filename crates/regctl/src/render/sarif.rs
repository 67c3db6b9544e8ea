//! SARIF 2.1.0 output, for code-scanning tools (GitHub code scanning, IDEs).

use regctl_core::code::RULES;
use regctl_core::{Diagnostic, Level, Severity};
use serde_json::{Value, json};

use crate::render::github::repo_path;

/// A SARIF log with one run: every rule as a `reportingDescriptor`, every diagnostic a result.
pub(crate) fn log(diagnostics: &[&Diagnostic], prefix: &str) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let level = match rule.default_level {
                Level::Deny => "error",
                Level::Warn => "warning",
                Level::Allow => "none",
            };
            json!({
                "id": rule.code.as_str(),
                "name": rule.code.as_str(),
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": rule.explanation },
                "help": {
                    "text": format!("{}\n\nFails:\n{}\nPasses:\n{}", rule.explanation, rule.bad, rule.good),
                    "markdown": format!("{}\n\nFails:\n\n```\n{}```\n\nPasses:\n\n```\n{}```", rule.explanation, rule.bad, rule.good),
                },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = RULES.iter().position(|rule| rule.code == d.code).unwrap_or_default();
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": message },
            });
            if let Some(file) = &d.file {
                result["locations"] = json!([location(prefix, file, d.position)]);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut related = location(prefix, &r.file, r.position);
                    related["id"] = json!(i);
                    related["message"] = json!({ "text": r.message });
                    related
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if let Some(entry) = &d.entry {
                result["properties"] = json!({ "entry": entry });
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "regctl",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/regctl/regctl",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn location(prefix: &str, file: &str, position: Option<regctl_core::span::Position>) -> Value {
    let mut physical = json!({
        "artifactLocation": { "uri": repo_path(prefix, file) },
    });
    if let Some(p) = position {
        physical["region"] = json!({
            "startLine": p.start.line,
            "startColumn": p.start.column,
            "endLine": p.end.line,
            "endColumn": p.end.column,
        });
    }
    json!({ "physicalLocation": physical })
}
