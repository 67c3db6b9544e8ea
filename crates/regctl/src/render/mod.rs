//! Renderers: each turns library results into one output format. They return strings; the
//! [`crate::printer::Printer`] writes them.

pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod sarif;

/// The version of every JSON document regctl prints; bumped only on incompatible changes.
pub(crate) const FORMAT_VERSION: u32 = 1;
