//! The `regctl` command-line interface: parses arguments, calls the libraries, renders their
//! results and decides the exit code. All the work happens in the library crates.

#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod commands;
mod printer;
mod render;
mod snapshots;

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::args::{Cli, Command};
use crate::printer::Printer;

/// How a command ended, and the exit code that goes with it (see DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, and the data is valid (warnings allowed).
    Success,
    /// 2: done, and the data is invalid.
    Invalid,
    /// 1: the tool could not do its job.
    Failure,
    /// 64: the command line was wrong.
    Usage,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Invalid => 2,
            ExitStatus::Usage => 64,
        })
    }
}

/// Runs regctl with `args` (including the program name) and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let status = match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitStatus::Success,
                _ => ExitStatus::Usage,
            };
            // Help goes to stdout, errors to stderr; a closed pipe is not worth reporting.
            let _ = err.print();
            return status.into();
        }
    };
    let mut printer = Printer::new(&cli.global);
    match run(cli.command, &mut printer) {
        Ok(status) => status.into(),
        // A closed pipe is a normal way for a reader to stop; the printer already takes it so
        // (and keeps the command's status), so only a write outside the printer ends here.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitStatus::Failure.into()
        }
    }
}

fn run(command: Command, printer: &mut Printer) -> io::Result<ExitStatus> {
    match command {
        Command::Validate(args) => commands::validate::validate(&args, printer),
        Command::Compose(args) => commands::compose::compose(&args, printer),
        Command::Publish(args) => commands::compose::publish(&args, printer),
        Command::Federation(args) => commands::federation::federation(&args, printer),
        Command::Codeowners(args) => commands::codeowners::codeowners(&args, printer),
        Command::Get(args) => commands::query::get(&args, printer),
        Command::Ls(args) => commands::query::ls(&args, printer),
        Command::Search(args) => commands::query::search(&args, printer),
        Command::Graph(args) => commands::query::graph(&args, printer),
        Command::Which(args) => commands::query::which(&args, printer),
        Command::History(args) => commands::query::history(&args, printer),
        Command::Stats(args) => commands::query::stats(&args, printer),
        Command::Explain(args) => commands::explain::explain(&args, printer),
        Command::Rules(args) => commands::rules::rules(&args, printer),
        Command::Init(args) => commands::init::init(&args, printer),
        Command::New(args) => commands::edit::new(&args, printer),
        Command::Add(args) => commands::edit::add(&args, printer),
        Command::Set(args) => commands::edit::set(&args, printer),
        Command::Patch(args) => commands::edit::patch(&args, printer),
        Command::Bump(args) => commands::edit::bump(&args, printer),
        Command::Promote(args) => commands::edit::promote(&args, printer),
        Command::Alias(args) => commands::edit::alias(&args, printer),
        Command::Yank(args) => commands::edit::yank(&args, printer),
        Command::Rename(args) => commands::edit::rename(&args, printer),
        Command::Fmt(args) => commands::edit::fmt(&args, printer),
    }
}
