//! The privacy rules: the decision function, the lints on the policy, and
//! the checks of the data map against the policy. This is the only module
//! that decides whether something is permitted; `query` and the generated
//! enforcement config go through [`decision::decide`].

pub mod decision;
mod lints;

use crate::diagnostic::Diagnostic;
use crate::model::Program;

pub use decision::{Act, Decision, decide};

/// Every finding about a resolved program.
pub fn check(program: &Program) -> Vec<Diagnostic> {
    let mut diagnostics = lints::unused_declarations(program);
    diagnostics.extend(lints::dead_rules(program));
    diagnostics
}
