//! The one way output leaves the process: locked stdout and stderr, quiet mode, and colors.

use std::io::{self, IsTerminal, Write};

use crate::args::{ColorChoice, GlobalArgs};

/// Writes command output; every command prints through it, never with `println!`.
pub(crate) struct Printer {
    stdout: io::StdoutLock<'static>,
    stderr: io::StderrLock<'static>,
    pub(crate) quiet: bool,
    pub(crate) color: bool,
    /// Width to wrap human output at.
    pub(crate) width: usize,
}

impl Printer {
    pub(crate) fn new(global: &GlobalArgs) -> Printer {
        let stdout = io::stdout();
        let is_terminal = stdout.is_terminal();
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let width = terminal_size::terminal_size()
            .filter(|_| is_terminal)
            .map_or(100, |(width, _)| usize::from(width.0).clamp(60, 160));
        Printer {
            stdout: stdout.lock(),
            stderr: io::stderr().lock(),
            quiet: global.quiet,
            color,
            width,
        }
    }

    /// Writes `text` to stdout as is.
    pub(crate) fn out(&mut self, text: &str) -> io::Result<()> {
        self.stdout.write_all(text.as_bytes())
    }

    /// Writes `text` and a newline to stdout.
    pub(crate) fn outln(&mut self, text: &str) -> io::Result<()> {
        self.stdout.write_all(text.as_bytes())?;
        self.stdout.write_all(b"\n")
    }

    /// Writes `text` and a newline to stderr.
    pub(crate) fn errln(&mut self, text: &str) -> io::Result<()> {
        self.stdout.flush()?;
        self.stderr.write_all(text.as_bytes())?;
        self.stderr.write_all(b"\n")
    }

    /// Writes a value as pretty JSON and a newline to stdout.
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.stdout, value)?;
        self.stdout.write_all(b"\n")
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        let _ = self.stdout.flush();
    }
}
