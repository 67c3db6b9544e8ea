//! `regctl explain CODE`: the documentation of one rule.

use std::io;

use regctl_core::Code;

use crate::ExitStatus;
use crate::args::{ExplainArgs, OutputFormat, closest_code};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::json::{ExplainOutput, RuleOut};

pub(crate) fn explain(args: &ExplainArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let Ok(code) = args.code.parse::<Code>() else {
        let message = match closest_code(&args.code) {
            Some(near) => format!(
                "error: unknown rule code `{}`\n  help: did you mean `{near}`?",
                args.code
            ),
            None => format!(
                "error: unknown rule code `{}`\n\nknown codes: {}",
                args.code,
                Code::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        printer.errln(&message)?;
        return Ok(ExitStatus::Usage);
    };
    let rule = code.info();
    match args.output {
        OutputFormat::Json => printer.json(&ExplainOutput {
            format_version: FORMAT_VERSION,
            rule: RuleOut::new(rule),
        })?,
        OutputFormat::Human => {
            printer.outln(&format!(
                "{}: {}\n\nDefault level: {}. Scope: {}.\n\n{}\n\nFails:\n\n{}\nPasses:\n\n{}",
                rule.code,
                rule.summary,
                rule.default_level.as_str(),
                rule.scope.as_str(),
                rule.explanation,
                indent(rule.bad),
                indent(rule.good),
            ))?;
        }
    }
    Ok(ExitStatus::Success)
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}
