//! The choices the person makes and the notices the policy promises, where
//! the data map shows them:
//! - `ignores-opt-out`: a flow that the person's opt-out stops, and that
//!   does not honour it (mirrors `tracking-ignores-dnt`);
//! - `technology-purpose-undeclared`: a tracker that serves a purpose none
//!   of its technologies is declared `for`;
//! - `notice-missing`: a flow relying on a basis declared `after notice`
//!   that does not say it gave the notice (`notified by`).

use super::{Checker, forbidden_by_choice};
use crate::ast::NodeKind;
use crate::describe::join_and;
use crate::diagnostic::{Diagnostic, Name};
use crate::model::*;
use crate::source::Span;

/// For each opt-out of the program, in order, for each flow: whether some
/// category and some purpose the flow names (or one below them) is stopped
/// by it. The upstream search of `ignores-opt-out` follows these flows.
pub(super) fn opt_out_scopes(program: &Program) -> Vec<Vec<bool>> {
    program
        .opt_outs
        .iter()
        .map(|opt_out| {
            let Some(rule) = program.rule(opt_out.rule) else {
                return vec![false; program.flows.len()];
            };
            program
                .flows
                .iter()
                .map(|flow| {
                    let categories = flow.categories.iter().any(|(category, _)| {
                        meets(
                            &rule.categories.leaves,
                            program.categories().leaves_of(*category),
                        )
                    });
                    let purposes = flow.purposes.iter().any(|(purpose, _)| {
                        rule.purposes.as_ref().is_none_or(|scope| {
                            meets(&scope.leaves, program.purposes().leaves_of(*purpose))
                        })
                    });
                    categories && purposes
                })
                .collect()
        })
        .collect()
}

/// Whether a set holds a leaf of a range (a name's leaves are a range):
/// a count of the bits set in it, a word at a time.
fn meets(set: &fixedbitset::FixedBitSet, leaves: std::ops::Range<usize>) -> bool {
    let end = leaves.end.min(set.len());
    leaves.start < end && set.count_ones(leaves.start..end) > 0
}

/// The notices a flow's acts count as given: those it shows (`notified
/// by`), and those its bases need, which it is reported for on its own
/// when it does not show them (`notice-missing`).
pub(super) fn notices_of(program: &Program, flow: &Flow) -> Vec<NameId> {
    let mut notified = flow.notified.clone();
    if program.basis_notices.is_empty() {
        return notified;
    }
    for basis in &flow.bases {
        notified.extend(program.basis_notices(*basis));
    }
    notified.sort_unstable();
    notified.dedup();
    notified
}

/// The declaration of a name, for a label.
fn declaration(program: &Program, namespace: Namespace, id: NameId) -> Option<&Meta> {
    program
        .vocabulary(namespace)
        .get(id)
        .and_then(|entry| entry.declared.as_ref())
        .map(|declared| &declared.meta)
}

impl Checker<'_> {
    /// `ignores-opt-out`: for each opt-out the flow does not honour, the act
    /// is decided as if the person had taken it; when the opt-out forbids
    /// it, the flow is reported, on the hop where the stopped processing
    /// starts (as `tracking-ignores-dnt`).
    pub(super) fn opt_outs(
        &mut self,
        id: FlowId,
        flow: &Flow,
        (category, category_span): (NameId, Span),
        purpose: NameId,
        audiences: &[NameId],
        atoms: &[usize],
    ) {
        let program = self.program;
        for (index, opt_out) in program.opt_outs.iter().enumerate() {
            let in_scope = self
                .opt_out_scopes
                .get(index)
                .and_then(|scope| scope.get(id.index()))
                .copied()
                .unwrap_or(false);
            if !in_scope || honours(program, flow, opt_out.id) {
                continue;
            }
            let Some(rule) = forbidden_by_choice(
                program,
                flow,
                (category, purpose),
                (audiences, atoms),
                (false, Some(opt_out.id)),
            ) else {
                continue;
            };
            let scope = self.opt_out_scopes.get(index).map(Vec::as_slice);
            if self.tracked_upstream(id, flow, atoms, scope.unwrap_or(&[])) {
                continue;
            }
            let name = program.vocabulary(Namespace::OptOut).name(opt_out.id);
            let mut diagnostic = Diagnostic::new(
                Name::IgnoresOptOut,
                category_span,
                format!(
                    "this flow uses `{}` for `{}` without honouring the opt-out `{name}`",
                    program.categories().name(category),
                    program.purposes().name(purpose)
                ),
            )
            .primary_message(format!("stopped by `{name}`, used here"))
            .cited_label(
                rule.meta.head,
                "the person can stop this here",
                rule.meta.cite_text(),
            )
            .help(format!(
                "add `honours opt out {name}` to the flow, or to the tracker it comes from"
            ));
            if let Some(path) = atoms.first().and_then(|leaf| self.path_note(flow, *leaf)) {
                diagnostic = diagnostic.note(path);
            }
            self.push_flow(id, diagnostic);
        }
    }

    /// `technology-purpose-undeclared`: each purpose of a flow into or out
    /// of a tracker must be one some technology of the tracker is declared
    /// `for` (or below one).
    pub(super) fn technology_purposes(&mut self, id: FlowId, flow: &Flow) {
        let program = self.program;
        // Each end once: a flow from a tracker to itself is judged once.
        let ends = if flow.from == flow.to {
            vec![flow.from]
        } else {
            vec![flow.from, flow.to]
        };
        for end in ends {
            let Some(tracker) = program
                .node(end)
                .filter(|node| node.kind == NodeKind::Tracker)
            else {
                continue;
            };
            let technologies: Vec<&Technology> = tracker
                .technologies
                .iter()
                .filter_map(|t| program.technologies.iter().find(|tech| tech.id == *t))
                .collect();
            for (purpose, purpose_span) in &flow.purposes {
                let declared = technologies.iter().any(|technology| {
                    program
                        .purposes()
                        .is_under_any(*purpose, &technology.purposes)
                });
                if declared {
                    continue;
                }
                let tracker_name = program.node_names().name(end);
                let names: Vec<String> = tracker
                    .technologies
                    .iter()
                    .map(|t| format!("`{}`", program.vocabulary(Namespace::Technology).name(*t)))
                    .collect();
                let purpose_name = program.purposes().name(*purpose);
                let mut diagnostic = Diagnostic::new(
                    Name::TechnologyPurposeUndeclared,
                    *purpose_span,
                    format!(
                        "`{tracker_name}` serves `{purpose_name}`, and none of its technologies is declared for it"
                    ),
                )
                .primary_message(format!("`{purpose_name}` through `{tracker_name}`"));
                if let Some(meta) = declaration(program, Namespace::Node, end) {
                    diagnostic = diagnostic.label(
                        meta.head,
                        format!("`{tracker_name}` uses {}", join_and(&names)),
                    );
                }
                for technology in &technologies {
                    let purposes: Vec<String> = technology
                        .purposes
                        .iter()
                        .map(|p| format!("`{}`", program.purposes().name(*p)))
                        .collect();
                    let text = if purposes.is_empty() {
                        "declared for no purpose".to_string()
                    } else {
                        format!("declared for {} only", join_and(&purposes))
                    };
                    diagnostic = diagnostic.cited_label(
                        technology.meta.head,
                        text,
                        technology.meta.cite_text(),
                    );
                }
                diagnostic = diagnostic.help(format!(
                    "use a technology the policy declares for `{purpose_name}`, or add it to a technology's `for` clause if the notice says so"
                ));
                self.push_flow(id, diagnostic);
            }
        }
    }

    /// `notice-missing`: a flow relying on a basis declared `after notice`
    /// must say it gave the notice (`notified by`).
    pub(super) fn notices(&mut self, id: FlowId, flow: &Flow) {
        let program = self.program;
        if program.basis_notices.is_empty() {
            return;
        }
        for (basis, basis_span) in &flow.basis_spans {
            for notice in program.basis_notices(*basis) {
                if flow.notified.contains(&notice) {
                    continue;
                }
                let basis_name = program.bases().name(*basis);
                let notice_name = program.vocabulary(Namespace::Obligation).name(notice);
                let mut diagnostic = Diagnostic::new(
                    Name::NoticeMissing,
                    *basis_span,
                    format!(
                        "this flow relies on `{basis_name}`, which needs the notice `{notice_name}`, and does not show it"
                    ),
                )
                .primary_message(format!("relied on without `{notice_name}`"));
                if let Some(meta) = declaration(program, Namespace::Basis, *basis) {
                    diagnostic = diagnostic.label(
                        meta.head,
                        format!("`{basis_name}` counts only after `{notice_name}`"),
                    );
                }
                if let Some(meta) = declaration(program, Namespace::Obligation, notice) {
                    diagnostic =
                        diagnostic.cited_label(meta.head, "the notice to give", meta.cite_text());
                }
                diagnostic = diagnostic
                    .note(format!(
                        "privet judges the flow's other rules as if the notice were given; without it `{basis_name}` does not count"
                    ))
                    .help(format!(
                        "give the notice and add `notified by {notice_name}` to the flow"
                    ));
                self.push_flow(id, diagnostic);
            }
        }
    }
}

/// Whether the flow honours an opt-out: it says so, its source is a tracker
/// that does, or its target is (as for Do Not Track).
fn honours(program: &Program, flow: &Flow, opt_out: NameId) -> bool {
    let tracker_honours = |node: NameId| {
        program.node(node).is_some_and(|node| {
            node.kind == NodeKind::Tracker && node.honours_opt_outs.contains(&opt_out)
        })
    };
    flow.honours_opt_outs.contains(&opt_out)
        || tracker_honours(flow.from)
        || tracker_honours(flow.to)
}
