//! The compose crate: builds regctl's static index from a validated registry and writes it.
//!
//! Validation shows each document to [`prepare`]; [`build_into`] turns the validated registry
//! into the index's files, handing each to a [`Sink`] as it is rendered: a
//! [`DirWriter`](write::DirWriter) writes them into a directory incrementally and atomically,
//! while [`build()`] collects them into an in-memory [`Index`] (file path → bytes), which
//! [`check`](write::check) compares with a directory and [`write`](write::write) writes. The
//! format is documented in `docs/index-format.md`, with a JSON Schema per file kind under
//! `schemas/index/`.

pub mod build;
pub mod shard;
pub mod stamp;
pub mod write;

pub use build::{
    Built, FORMAT_VERSION, Index, MANIFEST, Prepared, Rename, Sink, Source, build, build_into,
    prepare, read_renames,
};
