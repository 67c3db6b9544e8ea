//! Edits of registry descriptors that keep their formatting and never leave the registry
//! invalid: each change is made on the file's syntax tree, checked to mean what was asked,
//! validated with the whole registry, and only then written, atomically.

pub mod doc;
pub mod fmt;
pub mod init;
mod json;
pub mod ops;
pub mod order;
pub mod registry;
pub mod skeleton;
mod toml;
mod yaml;

pub use doc::{Editor, Op};
pub use order::KeyOrder;

use regctl_core::document::Format;

impl EditError {
    /// A file's text does not read as `format`, for `message`.
    pub(crate) fn unreadable(format: Format, message: String) -> EditError {
        EditError::Parse {
            format,
            message,
            file: None,
            at: None,
        }
    }

    /// The file's text does not parse: where, and why.
    pub(crate) fn unparsable(
        format: Format,
        text: &str,
        err: regctl_core::document::ParseError,
    ) -> EditError {
        let message = match err.kind {
            regctl_core::document::ParseErrorKind::Conflict => {
                format!(
                    "{}; {}",
                    err.message,
                    regctl_core::document::RESOLVE_CONFLICT
                )
            }
            _ => err.message,
        };
        EditError::Parse {
            format,
            message,
            file: None,
            at: Some(regctl_core::span::line_col(text, err.span.start)),
        }
    }

    /// The same error, naming the file it is about.
    pub fn in_file(self, path: &str) -> EditError {
        match self {
            EditError::Parse {
                format,
                message,
                at,
                ..
            } => EditError::Parse {
                format,
                message,
                file: Some(path.to_owned()),
                at,
            },
            other => other,
        }
    }
}

/// ` registry/x.toml at line 3, column 7`, or as much of it as is known.
fn located(file: &Option<String>, at: &Option<regctl_core::span::LineCol>) -> String {
    let mut out = String::new();
    if let Some(file) = file {
        out.push(' ');
        out.push_str(file);
    }
    if let Some(at) = at {
        out.push_str(&format!(" at line {}, column {}", at.line, at.column));
    }
    out
}

/// Why an edit could not be made. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot read the {format} file{}: {message}", located(.file, .at))]
    Parse {
        format: Format,
        message: String,
        /// The file, when the caller knows it.
        file: Option<String>,
        /// Where in the file it stops parsing, when known.
        at: Option<regctl_core::span::LineCol>,
    },
    #[error("`{pointer}` does not exist")]
    Missing { pointer: String },
    #[error("`{pointer}` already exists")]
    Exists { pointer: String },
    #[error("`{pointer}` is {found}, so it has no fields to set")]
    NotContainer {
        pointer: String,
        found: &'static str,
    },
    #[error("`{pointer}` is not an index of the array (it has {len} elements; `-` appends)")]
    BadIndex { pointer: String, len: usize },
    #[error("`{pointer}` would be null, which TOML cannot write; remove the field instead")]
    TomlNull { pointer: String },
    #[error("cannot edit `{pointer}`: {reason}")]
    Unsupported { pointer: String, reason: String },
    #[error("the whole document cannot be replaced; name a field")]
    Root,
    #[error(
        "the edited {format} file would not read back as intended ({detail}); nothing was written. This is a bug in regctl; please report it with the file"
    )]
    Unfaithful { format: Format, detail: String },
}
