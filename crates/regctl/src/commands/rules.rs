//! `regctl rules`: every rule, one per line.

use std::io;

use regctl_core::code::RULES;

use crate::ExitStatus;
use crate::args::{OutputFormat, RulesArgs};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::json::{RuleOut, RulesOutput};

pub(crate) fn rules(args: &RulesArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    match args.output {
        OutputFormat::Json => printer.json(&RulesOutput {
            format_version: FORMAT_VERSION,
            rules: RULES.iter().map(RuleOut::new).collect(),
        })?,
        OutputFormat::Human => {
            let width = RULES
                .iter()
                .map(|rule| rule.code.as_str().len())
                .max()
                .unwrap_or(0);
            printer.outln(&format!(
                "{:width$}  {:5}  {:8}  SUMMARY",
                "CODE", "LEVEL", "SCOPE"
            ))?;
            for rule in RULES {
                printer.outln(&format!(
                    "{:width$}  {:5}  {:8}  {}",
                    rule.code.as_str(),
                    rule.default_level.as_str(),
                    rule.scope.as_str(),
                    rule.summary
                ))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
