//! The compose crate: builds regctl's static index from a validated registry and writes it.
//!
//! Validation shows each document to [`prepare`]; [`build()`] turns the validated registry into
//! an in-memory [`Index`] (file path → bytes); [`write`](write::write) puts it into a directory incrementally and atomically;
//! [`check`](write::check) compares a directory with it. The format is documented in
//! `docs/index-format.md`, with a JSON Schema per file kind under `schemas/index/`.

pub mod build;
pub mod shard;
pub mod stamp;
pub mod write;

pub use build::{
    FORMAT_VERSION, Index, MANIFEST, Prepared, Rename, Source, build, prepare, read_renames,
};
