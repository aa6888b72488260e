//! Renderers: one diagnostic model, several outputs. Each renderer returns
//! text (or writes to a writer it is given); none opens a file.

pub mod diff;
pub mod doc;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod layout;
pub mod markup;
pub mod sarif;
