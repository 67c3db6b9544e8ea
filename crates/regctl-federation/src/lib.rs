//! Federation: other registries' published indexes, fetched, verified and merged.
//!
//! A registry's `source` entries name other indexes ([`SourceSpec`]). [`fetch`] gets each one
//! over HTTP(S), from a git repository or from a directory, through a cache with a TTL and
//! `ETag` revalidation, and checks every file against the source's manifest (and the manifest
//! against an optional pin) and against the index format's JSON Schemas: anything that does
//! not match is rejected, never half-used. [`federate`] then writes the federated index beside
//! the local one.

mod cache;
mod federate;
mod fetch;
mod remote;
mod transport;
mod verify;

pub use federate::{Collision, federate};
pub use fetch::{
    DEFAULT_TTL_SECONDS, FetchMode, FetchOptions, Fetched, Problem, ProblemKind, SourceSpec,
    Status, fetch, fetch_all,
};
pub use remote::RemoteIndex;
