//! `regctl init`: a new registry that validates at once.

use std::io;

use crate::ExitStatus;
use crate::args::InitArgs;
use crate::printer::Printer;

pub(crate) fn init(_args: &InitArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    printer.errln("error: not yet")?;
    Ok(ExitStatus::Failure)
}
