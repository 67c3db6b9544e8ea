//! One module per subcommand, each exposing a function from its arguments to an exit status.

pub(crate) mod codeowners;
pub(crate) mod compose;
pub(crate) mod edit;
pub(crate) mod explain;
pub(crate) mod federation;
pub(crate) mod init;
pub(crate) mod query;
pub(crate) mod rules;
pub(crate) mod validate;
