//! GitHub Actions output: workflow commands that become annotations on the pull request diff,
//! and a Markdown summary for `$GITHUB_STEP_SUMMARY`.

use regctl_core::{Diagnostic, Severity};
use regctl_validate::Report;
pub(crate) use regctl_validate::report::repo_path;

use crate::render::human::plural;
use crate::render::printable;

/// One `::error …::message` line per diagnostic.
pub(crate) fn annotations(diagnostics: &[&Diagnostic], prefix: &str) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(file) = &d.file {
            properties.push(format!(
                "file={}",
                escape_property(&repo_path(prefix, file))
            ));
        }
        if let Some(position) = d.position {
            properties.push(format!("line={}", position.start.line));
            properties.push(format!("col={}", position.start.column));
            properties.push(format!("endLine={}", position.end.line));
            properties.push(format!("endColumn={}", position.end.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("regctl ({})", d.code))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\n\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}

/// A Markdown summary: counts, then a table of the diagnostics.
pub(crate) fn summary(
    report: &Report,
    diagnostics: &[&Diagnostic],
    prefix: &str,
    against: Option<&str>,
) -> String {
    const MAX_ROWS: usize = 200;
    let mut out = String::from("## regctl validate\n\n");
    let (errors, warnings) = (report.errors(), report.warnings());
    let verdict = if errors > 0 { "❌" } else { "✅" };
    out.push_str(&format!(
        "{verdict} {}, {} in {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(report.n_files, "file")
    ));
    if let Some(against) = against {
        out.push_str(&format!(
            " (changes against `{}`)",
            escape_markdown(against)
        ));
    }
    out.push_str(".\n");
    if diagnostics.is_empty() {
        return out;
    }
    out.push_str("\n| | Code | Location | Message |\n| --- | --- | --- | --- |\n");
    for d in diagnostics.iter().take(MAX_ROWS) {
        let icon = match d.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
        };
        let location = match (&d.file, d.position) {
            (Some(file), Some(p)) => format!(
                "`{}:{}:{}`",
                escape_markdown(&repo_path(prefix, file)),
                p.start.line,
                p.start.column
            ),
            (Some(file), None) => format!("`{}`", escape_markdown(&repo_path(prefix, file))),
            (None, _) => String::new(),
        };
        out.push_str(&format!(
            "| {icon} | `{}` | {location} | {} |\n",
            d.code,
            escape_markdown(&d.message)
        ));
    }
    if diagnostics.len() > MAX_ROWS {
        out.push_str(&format!("\n… and {} more.\n", diagnostics.len() - MAX_ROWS));
    }
    out
}

/// Escapes a workflow command's message (actions/toolkit `escapeData`), after showing
/// control characters as `?`: the log viewer would act on an escape sequence from a file.
fn escape_data(text: &str) -> String {
    printable(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (actions/toolkit `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn escape_markdown(text: &str) -> String {
    printable(text)
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(
            repo_path("sub/reg", "registry/a.toml"),
            "sub/reg/registry/a.toml"
        );
        assert_eq!(repo_path("", "registry/a.toml"), "registry/a.toml");
    }

    #[test]
    fn control_characters_from_a_file_do_not_reach_the_log() {
        // An escape sequence that would recolour the log, and a bidi override.
        assert_eq!(
            escape_data("\u{1b}[31mred\u{202e}\nnext"),
            "?[31mred?%0Anext"
        );
        assert_eq!(escape_property("a\u{7}:b"), "a?%3Ab");
        assert_eq!(escape_markdown("a|b\r\nc\u{1b}]0;x\u{7}"), "a\\|b  c?]0;x?");
    }
}
