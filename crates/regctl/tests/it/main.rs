//! End-to-end tests: run the `regctl` binary and check exit code, stdout and stderr.

mod common;
mod compose;
mod edit;
mod explain;
mod federation;
mod fixtures;
mod git;
mod query;
mod server;
mod validate;
