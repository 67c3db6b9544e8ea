//! The one way output leaves the process: stdout and stderr, quiet mode, and colors.

use std::io::{self, IsTerminal, Write};

use crate::args::{ColorChoice, GlobalArgs};

/// Writes command output; every command prints through it, never with `println!`.
///
/// Each write takes the stream's lock only while it writes: a lock held for the whole process
/// would make any write from another thread (a worker's log line) wait forever.
pub(crate) struct Printer {
    stdout: io::Stdout,
    stderr: io::Stderr,
    pub(crate) quiet: bool,
    pub(crate) color: bool,
    /// Width to wrap human output at.
    pub(crate) width: usize,
    /// The reader of stdout (or stderr) went away, as `regctl validate | head` does: later
    /// output to it is dropped, and the command still ends with the status its work earned,
    /// so that a pipeline under `set -o pipefail` fails on an invalid registry.
    stdout_closed: bool,
    /// Likewise for stderr (`regctl validate 2>&1 | head`).
    stderr_closed: bool,
}

/// Runs `write` unless the stream is `closed`; a closed pipe marks it so and is not an error.
fn unless_closed(closed: &mut bool, write: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    if *closed {
        return Ok(());
    }
    match write() {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
            *closed = true;
            Ok(())
        }
        other => other,
    }
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
            stdout,
            stderr: io::stderr(),
            quiet: global.quiet,
            color,
            width,
            stdout_closed: false,
            stderr_closed: false,
        }
    }

    /// Writes `text` to stdout as is.
    pub(crate) fn out(&mut self, text: &str) -> io::Result<()> {
        let stdout = &self.stdout;
        unless_closed(&mut self.stdout_closed, || {
            stdout.lock().write_all(text.as_bytes())
        })
    }

    /// Writes `text` and a newline to stdout.
    pub(crate) fn outln(&mut self, text: &str) -> io::Result<()> {
        let stdout = &self.stdout;
        unless_closed(&mut self.stdout_closed, || line(&mut stdout.lock(), text))
    }

    /// Writes `text` and a newline to stderr.
    pub(crate) fn errln(&mut self, text: &str) -> io::Result<()> {
        let (stdout, stderr) = (&self.stdout, &self.stderr);
        unless_closed(&mut self.stdout_closed, || stdout.lock().flush())?;
        unless_closed(&mut self.stderr_closed, || line(&mut stderr.lock(), text))
    }

    /// Writes a value as pretty JSON and a newline to stdout.
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        let stdout = &self.stdout;
        unless_closed(&mut self.stdout_closed, || {
            // Buffered: pretty JSON is many short lines, and stdout would write each on its own.
            let mut stdout = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            serde_json::to_writer_pretty(&mut stdout, value)?;
            stdout.write_all(b"\n")?;
            stdout.flush()
        })
    }
}

/// Writes `text` and a newline.
fn line(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")
}

impl Drop for Printer {
    fn drop(&mut self) {
        let _ = self.stdout.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::ColorChoice;

    #[test]
    fn other_threads_can_write_while_a_printer_exists() {
        let printer = Printer::new(&GlobalArgs {
            color: ColorChoice::Never,
            quiet: true,
        });
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = io::stderr().write_all(b"");
            let _ = io::stdout().write_all(b"");
            let _ = done.send(());
        });
        assert!(
            finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok(),
            "a write from another thread waits for the printer's lock"
        );
        drop(printer);
    }
}
