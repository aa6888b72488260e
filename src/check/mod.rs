//! The privacy rules: the decision function, the lints on the policy, and
//! the checks of the data map against the policy. This is the only module
//! that decides whether something is permitted; `query` and the generated
//! enforcement config go through [`decision::decide`].

pub mod decision;
pub mod diff;
pub mod enforceable;
pub mod flows;
mod lints;
pub mod permissions;
mod phases;
pub mod purpose_binding;
pub mod retention;

use crate::diagnostic::Diagnostic;
use crate::graph::DataGraph;
use crate::model::Program;
use std::collections::BTreeSet;

pub use decision::{Act, Decision, decide};
pub use flows::FlowFinding;

/// Everything the checker found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    /// (flow, name) for each diagnostic about a flow.
    pub findings: BTreeSet<FlowFinding>,
}

/// Every finding about a resolved program, given its data-flow graph.
pub fn check(program: &Program, graph: &DataGraph) -> CheckReport {
    let mut diagnostics = lints::unused_declarations(program);
    diagnostics.extend(lints::dead_rules(program));
    let flows = flows::check_data_map(program, graph);
    diagnostics.extend(flows.diagnostics);
    diagnostics.extend(enforceable::overlapping_stores(program));
    diagnostics.extend(retention::floors_and_holds(program, graph));
    CheckReport {
        diagnostics,
        findings: flows.findings,
    }
}
