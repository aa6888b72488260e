//! Why a rule about the data after an event (`deny ... after
//! account.closed`) applies to a flow: which phases of the data it forbids,
//! and where the data in that phase comes from (a store's `retain` clause,
//! or a phase privet cannot tell).

use crate::ast::NodeKind;
use crate::check::decision::Act;
use crate::describe::join_or;
use crate::diagnostic::Diagnostic;
use crate::graph::DataGraph;
use crate::model::{Flow, NameId, Program, Rule, event_phase};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The origins of each phase (see [`DataGraph::phase_origins`]), one
/// search per phase, remembered.
pub(super) struct PhaseOrigins<'a> {
    program: &'a Program,
    graph: &'a DataGraph,
    origins: RefCell<BTreeMap<usize, Vec<Option<NameId>>>>,
}

impl<'a> PhaseOrigins<'a> {
    pub(super) fn new(program: &'a Program, graph: &'a DataGraph) -> Self {
        PhaseOrigins {
            program,
            graph,
            origins: RefCell::new(BTreeMap::new()),
        }
    }

    fn origin(&self, phase: usize, node: NameId) -> Option<NameId> {
        let mut origins = self.origins.borrow_mut();
        let of_phase = origins
            .entry(phase)
            .or_insert_with(|| self.graph.phase_origins(self.program, phase));
        of_phase.get(node.index()).copied().flatten()
    }

    /// The notes and label for a rule with an `after` clause that forbade
    /// an act of a flow.
    pub(super) fn explain(
        &self,
        flow: &Flow,
        act: &Act,
        rule: &Rule,
        mut diagnostic: Diagnostic,
    ) -> Diagnostic {
        let program = self.program;
        let Some(event) = forbidden_events(rule, act).into_iter().next() else {
            return diagnostic;
        };
        let phase = event_phase(event);
        let after = program.phase_name(phase);
        let source = program.node_names().name(flow.from);
        let mut help =
            "narrow the flow to the phases it reads, with a `while` or `after` clause".to_string();
        // A collection the flow itself places after the event.
        if let Some(phase) = flow
            .phase
            .as_ref()
            .filter(|phase| program.is_subject(flow.from) && phase.events.contains(&event))
        {
            return diagnostic
                .label(phase.span, format!("collected {after} here"))
                .note(format!(
                    "the rule forbids the data {after}, and this flow collects it then"
                ))
                .help(format!(
                    "stop this collection {after}; the policy forbids it then"
                ));
        }
        let origin = self
            .origin(phase, flow.from)
            .and_then(|origin| program.node(origin));
        // Data a collection upstream placed after the event.
        if let Some(subject) = origin.filter(|node| node.kind == NodeKind::Subject) {
            return diagnostic
                .note(format!(
                    "the rule forbids the data {after}, and `{source}` has data collected from \
                     `{}` {after}",
                    program.node_names().name(subject.id)
                ))
                .help(help);
        }
        let store = origin.filter(|node| node.kind == NodeKind::Store);
        match store {
            Some(store) => {
                let name = program.node_names().name(store.id);
                if let Some(retention) = store.retentions.iter().find(|retention| {
                    program
                        .lifecycle_phases(&retention.lifecycle)
                        .contains(phase)
                }) {
                    if let crate::model::Lifecycle::Phased {
                        while_state: Some(state),
                        ..
                    } = &retention.lifecycle
                    {
                        help = format!(
                            "narrow the flow to live data, as in `while {}`, if it reads no other",
                            program
                                .vocabulary(crate::model::Namespace::State)
                                .name(*state)
                        );
                    }
                    let span = match &retention.lifecycle {
                        crate::model::Lifecycle::Phased {
                            hold: Some(hold), ..
                        } if hold.after == Some(event) => hold.span,
                        lifecycle => lifecycle.span(),
                    };
                    diagnostic =
                        diagnostic.label(span, format!("`{name}` keeps data {after} here"));
                }
                diagnostic = diagnostic.note(if store.id == flow.from {
                    format!(
                        "the rule forbids the data {after}, and `{name}` keeps data in that \
                         phase, by its `retain` clause"
                    )
                } else {
                    format!(
                        "the rule forbids the data {after}, and `{source}` has data in that \
                         phase from `{name}`, which keeps it by its `retain` clause"
                    )
                });
            }
            None => {
                diagnostic = diagnostic.note(format!(
                    "the rule forbids the data {after}, and privet cannot tell that the data \
                     `{source}` has is never in that phase, so it takes it to be in every phase"
                ));
            }
        }
        diagnostic.help(help)
    }
}

/// The events of a rule's `after` clause whose phase the act's data may be
/// in.
pub(super) fn forbidden_events(rule: &Rule, act: &Act) -> Vec<NameId> {
    let every = act.phases.is_clear();
    rule.after
        .iter()
        .copied()
        .filter(|event| every || act.phases.contains(event_phase(*event)))
        .collect()
}

/// ` after `account.closed``: the phases a rule forbids an act in, for its
/// message; empty for a rule about every phase.
pub(super) fn forbidden_suffix(program: &Program, rule: &Rule, act: &Act) -> String {
    let events = forbidden_events(rule, act);
    if events.is_empty() {
        return String::new();
    }
    let names: Vec<String> = events
        .iter()
        .map(|event| {
            format!(
                "`{}`",
                program
                    .vocabulary(crate::model::Namespace::Event)
                    .name(*event)
            )
        })
        .collect();
    format!(" after {}", join_or(&names))
}
