//! privet: a privacy-policy-as-code compiler and checker.
//!
//! Data flows one way: source text → [`syntax`] → [`ast`] → [`resolve`] →
//! [`model`] → [`check`] → [`diagnostic`]s, rendered by [`render`]; the
//! enforcement config comes from [`codegen`], single acts from [`query`].
//! Only [`files`] (finding and reading the program's files), the [`cli`]
//! and the language server ([`lsp`]) touch files and processes. `docs/ARCHITECTURE.md` has the map.

pub mod ast;
pub mod check;
pub mod cli;
pub mod codegen;
pub mod describe;
pub mod diagnostic;
pub mod explain;
pub mod files;
pub mod format;
pub mod generate;
pub mod graph;
pub mod lsp;
pub mod model;
pub mod outline;
pub mod pipeline;
pub mod query;
pub mod render;
pub mod resolve;
pub mod source;
pub mod syntax;
pub mod time;
