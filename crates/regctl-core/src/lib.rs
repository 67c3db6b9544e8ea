//! regctl's core: the registry configuration, snapshots of its files, descriptor parsing with
//! source spans, version schemes, and the diagnostic type every rule produces.
//!
//! This crate does not print and does not decide exit codes; it returns data and typed errors.

pub mod code;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod document;
pub mod error;
pub mod fsutil;
pub mod git;
pub mod pointer;
pub mod schema;
pub mod snapshot;
pub mod source_url;
pub mod span;
pub mod suggest;
pub mod version;

pub use code::{Code, Level};
pub use config::{Config, Kind};
pub use diagnostic::{Diagnostic, Severity};
pub use error::Error;
pub use snapshot::{Snapshot, Worktree};
pub use span::Span;
