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

/// Why an edit could not be made. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot read the {format} file: {message}")]
    Parse { format: Format, message: String },
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
