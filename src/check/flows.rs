//! The checks of the data map against the policy: every flow is an act (or
//! several) put to the decision function, every store is held to the
//! policy's retention and safeguards, and the graph is searched for
//! anonymized data meeting identifiers.
//!
//! Each diagnostic points at the flow or store at fault, labels the rule
//! involved, and notes the path the data took when it came through other
//! nodes.

use super::decision::{Act, Decision, decide_atoms};
use crate::ast::{NodeKind, RequireTarget, Transform};
use crate::describe::{join_and, join_or};
use crate::diagnostic::{Diagnostic, Name};
use crate::graph::{DataGraph, PathFinder};
use crate::model::*;
use crate::source::Span;
use fixedbitset::FixedBitSet;
use std::collections::BTreeSet;

mod choices;

/// A leaf category and a leaf purpose: the unit the decision function
/// decides.
type Atom = (NameId, NameId);

/// A flow-level finding, for `privet graph` and the differential tests.
pub type FlowFinding = (FlowId, Name);

/// Findings of the data-map checks.
#[derive(Clone, Debug, Default)]
pub struct FlowReport {
    pub diagnostics: Vec<Diagnostic>,
    /// (flow, name) for every diagnostic about a flow.
    pub findings: BTreeSet<FlowFinding>,
}

/// What a flow does, given the kinds of its ends: the acts it is judged
/// as, each with the kind of its recipient. A flow from a data subject is a
/// collection; when the recipient is not the first party (a vendor's SDK,
/// a payment form, a public page), the person hands the data to that party,
/// so it is also the share, transfer or disclosure to it.
pub(super) fn flow_actions(program: &Program, flow: &Flow) -> Vec<(Action, PartyKind)> {
    let to = program.node(flow.to);
    let recipient = to.map_or(PartyKind::FirstParty, |node| node.party);
    let onward = match recipient {
        PartyKind::FirstParty => {
            if to.is_some_and(|node| node.kind == NodeKind::Store) {
                Action::Store
            } else {
                Action::Use
            }
        }
        PartyKind::Acquirer => Action::Transfer,
        PartyKind::Public => Action::Disclose,
        PartyKind::Processor | PartyKind::ThirdParty | PartyKind::Authority => Action::Share,
    };
    if program.is_subject(flow.from) {
        if recipient == PartyKind::FirstParty {
            vec![(Action::Collect, recipient)]
        } else {
            vec![(Action::Collect, recipient), (onward, recipient)]
        }
    } else {
        vec![(onward, recipient)]
    }
}

/// The acts one category and purpose of a flow stand for: each of its
/// actions, in each region of its target (unknown when it declares none),
/// about the audiences whose data it carries, in the phases it carries.
/// Under Do Not Track, or an opt-out, the region does not matter, and is
/// left unknown. A basis `after notice` counts as noticed: a flow that does
/// not show the notice is `notice-missing` on its own.
fn flow_acts(
    program: &Program,
    flow: &Flow,
    (category, purpose): (NameId, NameId),
    (audiences, phases): (&[NameId], &FixedBitSet),
    do_not_track: bool,
    opt_out: Option<NameId>,
) -> Vec<Act> {
    let regions: Vec<Option<NameId>> = match program.node(flow.to) {
        Some(node) if !node.regions.is_empty() && !do_not_track && opt_out.is_none() => {
            node.regions.iter().copied().map(Some).collect()
        }
        _ => vec![None],
    };
    let mut acts = Vec::new();
    for (action, recipient) in flow_actions(program, flow) {
        for region in &regions {
            acts.push(Act {
                action,
                category,
                purpose,
                recipient,
                bases: flow.bases.clone(),
                region: *region,
                do_not_track,
                audiences: audiences.to_vec(),
                phases: phases.clone(),
                opt_outs: opt_out.into_iter().collect(),
                notified: choices::notices_of(program, flow),
            });
        }
    }
    acts
}

/// The first rule of a person's choice that forbids an act of a flow, the
/// choice made (`(true, None)`: Do Not Track on; `(false, Some(o))`: the
/// opt-out `o` taken): an `honour do not track` rule, or the opt-out's.
fn forbidden_by_choice<'p>(
    program: &'p Program,
    flow: &Flow,
    pair: (NameId, NameId),
    (audiences, atoms): (&[NameId], &[usize]),
    (do_not_track, opt_out): (bool, Option<NameId>),
) -> Option<&'p Rule> {
    let wanted = match opt_out {
        Some(opt_out) => RuleKind::OptOut(opt_out),
        None => RuleKind::HonourDnt,
    };
    // A person's choice holds in every phase of the data.
    let every_phase = program.all_phases();
    flow_acts(
        program,
        flow,
        pair,
        (audiences, &every_phase),
        do_not_track,
        opt_out,
    )
    .into_iter()
    .find_map(|act| {
        decide_atoms(program, &act, atoms)
            .forbidding
            .iter()
            .filter_map(|rule| program.rule(*rule))
            .find(|rule| rule.kind == wanted)
    })
}

/// Whether the flow returns data to the person it is about; such flows are
/// not processing the policy governs.
fn to_subject(program: &Program, flow: &Flow) -> bool {
    program.is_subject(flow.to)
}

/// The audience leaves of a set, as names; none (every audience) when the
/// set is not known.
fn audience_leaves(program: &Program, leaves: Option<&FixedBitSet>) -> Vec<NameId> {
    leaves
        .map(|leaves| {
            leaves
                .ones()
                .filter_map(|leaf| program.audiences().leaf(leaf))
                .collect()
        })
        .unwrap_or_default()
}

/// The first three names of some ids, in backticks, then "N more".
fn first_names(vocabulary: &Vocabulary, ids: &[NameId]) -> Vec<String> {
    let mut shown = describe_names(vocabulary, ids.get(..3).unwrap_or(ids));
    if ids.len() > 3 {
        shown.push(format!("{} more", ids.len() - 3));
    }
    shown
}

/// The names of some ids, each in backticks.
fn describe_names(vocabulary: &Vocabulary, ids: &[NameId]) -> Vec<String> {
    ids.iter()
        .map(|id| format!("`{}`", vocabulary.name(*id)))
        .collect()
}

fn names_list(vocabulary: &Vocabulary, ids: &[NameId]) -> String {
    join_and(&describe_names(vocabulary, ids))
}

pub(super) fn leaf_names(
    program: &Program,
    leaves: impl IntoIterator<Item = usize>,
) -> Vec<String> {
    leaves
        .into_iter()
        .filter_map(|leaf| program.categories().leaf(leaf))
        .map(|id| format!("`{}`", program.categories().name(id)))
        .collect()
}

/// Some leaves as a message names them: the first four, and how many more
/// there are, so a message never reads as the whole list when it is not,
/// and stays short however many leaves there are.
pub(super) fn shown_leaves(program: &Program, leaves: &[usize]) -> String {
    const SHOWN: usize = 4;
    let names = leaf_names(program, leaves.iter().copied().take(SHOWN));
    crate::describe::join_counted(names, leaves.len(), "and")
}

struct Checker<'p> {
    program: &'p Program,
    graph: &'p DataGraph,
    /// The flows into each node, by node id, in flow order.
    incoming: Vec<Vec<usize>>,
    /// The flows out of each node, by node id, in flow order.
    outgoing: Vec<Vec<usize>>,
    /// For each flow, whether one of its purposes is under `honour do not
    /// track`.
    tracking: Vec<bool>,
    /// For each opt-out of the program, in order, for each flow: whether
    /// some category and purpose it names is stopped by it.
    opt_out_scopes: Vec<Vec<bool>>,
    /// For each category leaf, the requirements that cover it.
    requirements_by_leaf: Vec<Vec<usize>>,
    paths: PathFinder<'p>,
    /// Where the data in each phase comes from, for rules with `after`.
    phase_origins: super::phases::PhaseOrigins<'p>,
    /// The categories of flows (by span) already reported as undisclosed
    /// collections, so a flow with several purposes gets one diagnostic.
    undisclosed_seen: BTreeSet<Span>,
    report: FlowReport,
}

/// For each flow, whether one of its purposes is under an `honour do not
/// track` rule.
fn tracking_flows(program: &Program) -> Vec<bool> {
    let protected: Vec<&Rule> = program
        .rules
        .iter()
        .filter(|rule| rule.kind == RuleKind::HonourDnt)
        .collect();
    let is_tracking = |purpose: NameId| {
        let leaves = program.purposes().leaves_of(purpose);
        protected.iter().any(|rule| {
            rule.purposes
                .as_ref()
                .is_some_and(|scope| leaves.clone().any(|leaf| scope.leaves.contains(leaf)))
        })
    };
    program
        .flows
        .iter()
        .map(|flow| {
            flow.purposes
                .iter()
                .any(|(purpose, _)| is_tracking(*purpose))
        })
        .collect()
}

pub fn check_data_map(program: &Program, graph: &DataGraph) -> FlowReport {
    let mut incoming = vec![Vec::new(); program.nodes.len()];
    let mut outgoing = vec![Vec::new(); program.nodes.len()];
    for (index, flow) in program.flows.iter().enumerate() {
        if let Some(list) = incoming.get_mut(flow.to.index()) {
            list.push(index);
        }
        if let Some(list) = outgoing.get_mut(flow.from.index()) {
            list.push(index);
        }
    }
    let mut requirements_by_leaf = vec![Vec::new(); program.categories().leaf_count()];
    for (index, requirement) in program.requirements.iter().enumerate() {
        for leaf in requirement.categories.leaves.ones() {
            if let Some(list) = requirements_by_leaf.get_mut(leaf) {
                list.push(index);
            }
        }
    }
    let mut checker = Checker {
        program,
        graph,
        incoming,
        outgoing,
        tracking: tracking_flows(program),
        opt_out_scopes: choices::opt_out_scopes(program),
        requirements_by_leaf,
        paths: PathFinder::new(program, graph),
        phase_origins: super::phases::PhaseOrigins::new(program, graph),
        undisclosed_seen: BTreeSet::new(),
        report: FlowReport::default(),
    };
    for (index, flow) in program.flows.iter().enumerate() {
        checker.flow(FlowId(crate::source::offset_u32(index)), flow);
    }
    for (flow, diagnostic) in super::purpose_binding::secondary_uses(program, graph, &checker.paths)
    {
        checker.push_flow(flow, diagnostic);
    }
    checker.unnecessary_collection();
    for node in &program.nodes {
        if node.kind == NodeKind::Store {
            checker.store(node);
        }
        checker.reidentification(node);
    }
    checker.report
}

impl<'p> Checker<'p> {
    /// The safeguards a store or flow lacks: for each requirement of the
    /// target's kind that covers some of `held`, each required safeguard
    /// that nothing in `protection` is under, with the leaves that need it.
    fn unmet_requirements(
        &self,
        target: RequireTarget,
        held: &FixedBitSet,
        protection: &[NameId],
    ) -> Vec<(&'p Requirement, NameId, FixedBitSet)> {
        let program = self.program;
        let mut candidates: Vec<usize> = held
            .ones()
            .flat_map(|leaf| {
                self.requirements_by_leaf
                    .get(leaf)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut unmet = Vec::new();
        for requirement in candidates
            .iter()
            .filter_map(|index| program.requirements.get(*index))
        {
            if requirement.target != target {
                continue;
            }
            let mut needing = FixedBitSet::with_capacity(held.len());
            for leaf in held.ones() {
                if requirement.categories.leaves.contains(leaf) {
                    needing.insert(leaf);
                }
            }
            for safeguard in &requirement.safeguards {
                if !program.safeguards().any_under(protection, *safeguard) {
                    unmet.push((requirement, *safeguard, needing.clone()));
                }
            }
        }
        unmet
    }

    /// The flows into a node, with their indices.
    fn flows_into(&self, node: NameId) -> impl Iterator<Item = (usize, &'p Flow)> + '_ {
        let program = self.program;
        self.incoming
            .get(node.index())
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(move |index| program.flows.get(*index).map(|flow| (*index, flow)))
    }

    fn push_flow(&mut self, flow: FlowId, diagnostic: Diagnostic) {
        self.report.findings.insert((flow, diagnostic.name));
        self.report.diagnostics.push(diagnostic);
    }

    fn path_note(&self, flow: &Flow, leaf: usize) -> Option<String> {
        path_note(self.program, &self.paths, flow, leaf)
    }

    fn flow(&mut self, id: FlowId, flow: &Flow) {
        let program = self.program;
        // A node whose declaration has an error (or did not parse) may have
        // the wrong kind of party, regions or settings: its error comes
        // first, and the flows that touch it are judged once it is right.
        let incomplete = |node: NameId| program.node(node).is_some_and(|n| !n.complete);
        if incomplete(flow.from) || incomplete(flow.to) {
            return;
        }
        self.technology_purposes(id, flow);
        self.notices(id, flow);
        let carried = self
            .graph
            .carried
            .get(id.index())
            .cloned()
            .unwrap_or_default();
        let personal = self.graph.personal(program, id);
        let source_is_subject = program.is_subject(flow.from);
        let anonymized = flow.transform == Some(Transform::Anonymized);
        // What the flow is judged to carry as personal data: what really
        // reaches it, and the categories that never reach its source taken
        // as declared, so that a missing upstream flow (or data bought from
        // elsewhere) never hides a violation.
        let mut judged = personal.clone();

        for (category, category_span) in &flow.categories {
            let declared: FixedBitSet = program.categories().leaf_set(&[*category], None);
            let mut leaves = declared.clone();
            if !source_is_subject && declared.is_disjoint(&carried) {
                let source = program.node_names().name(flow.from);
                self.push_flow(
                    id,
                    Diagnostic::new(
                        Name::InconsistentFlow,
                        *category_span,
                        format!(
                            "`{}` never reaches `{source}`, so this flow cannot carry it",
                            program.categories().name(*category)
                        ),
                    )
                    .primary_message(format!("not received by `{source}`"))
                    .note(self.received_note(flow.from))
                    .note("privet checks the flow as declared, as if the data started here")
                    .help(format!(
                        "add a flow that brings it to `{source}`, or remove it from this flow"
                    )),
                );
                if anonymized {
                    continue;
                }
                judged.union_with(&declared);
            } else {
                leaves.intersect_with(&personal);
            }
            if to_subject(program, flow) || leaves.is_clear() {
                continue;
            }
            let atoms: Vec<usize> = leaves.ones().collect();
            // Whose data: what reached the source, or every audience for a
            // category taken as declared.
            let audiences = if !source_is_subject && declared.is_disjoint(&carried) {
                Vec::new()
            } else {
                audience_leaves(program, self.graph.flow_audiences(program, id))
            };
            // In which phases: those the flow carries, or every phase for a
            // category taken as declared.
            let phases = if !source_is_subject && declared.is_disjoint(&carried) {
                program.all_phases()
            } else {
                self.graph.phases_of_flow(program, id)
            };
            for (purpose, purpose_span) in &flow.purposes {
                self.act(
                    id,
                    flow,
                    (*category, *category_span),
                    (*purpose, *purpose_span),
                    (&audiences, &phases),
                    &atoms,
                );
            }
        }
        if !to_subject(program, flow) {
            self.flow_safeguards(id, flow, &judged);
        }
    }

    fn received_note(&self, node: NameId) -> String {
        let arrived = self
            .graph
            .arrived
            .get(node.index())
            .cloned()
            .unwrap_or_default();
        let name = self.program.node_names().name(node);
        if arrived.is_clear() {
            format!("no personal data reaches `{name}`")
        } else {
            let leaves: Vec<usize> = arrived.ones().collect();
            format!("`{name}` receives {}", shown_leaves(self.program, &leaves))
        }
    }

    /// Puts one (category, purpose) of a flow to the decision function, in
    /// each region of its target, about the audiences whose data it carries.
    fn act(
        &mut self,
        id: FlowId,
        flow: &Flow,
        (category, category_span): (NameId, Span),
        (purpose, purpose_span): (NameId, Span),
        (audiences, phases): (&[NameId], &FixedBitSet),
        atoms: &[usize],
    ) {
        let program = self.program;
        let mut reported: BTreeSet<(Name, Option<RuleId>)> = BTreeSet::new();
        let unplaced = program
            .node(flow.to)
            .is_some_and(|node| node.regions.is_empty());
        for act in flow_acts(
            program,
            flow,
            (category, purpose),
            (audiences, phases),
            false,
            None,
        ) {
            if unplaced {
                for rule_id in super::decision::confining_unknown_region(program, &act, atoms) {
                    if let Some(rule) = program.rule(rule_id)
                        && reported.insert((Name::RegionNotAllowed, Some(rule_id)))
                    {
                        let diagnostic = self.unplaced(flow, &act, rule, category_span, atoms);
                        self.push_flow(id, diagnostic);
                    }
                }
            }
            let decision = decide_atoms(program, &act, atoms);
            self.undisclosed_collection(id, flow, &act, &decision, category_span, atoms);
            if !decision.allowed {
                for (rule, diagnostic) in
                    self.explain_denial(flow, &act, &decision, category_span, purpose_span, atoms)
                {
                    if reported.insert((diagnostic.name, rule)) {
                        self.push_flow(id, diagnostic);
                    }
                }
            }
        }
        let category = (category, category_span);
        self.do_not_track(id, flow, category, purpose, audiences, atoms);
        self.opt_outs(id, flow, category, purpose, audiences, atoms);
    }

    /// `region-not-allowed` for data a `confine` rule governs sent to a
    /// node that declares no region: judged as outside every region (fail
    /// closed), never as unconstrained.
    fn unplaced(
        &self,
        flow: &Flow,
        act: &Act,
        rule: &Rule,
        category_span: Span,
        atoms: &[usize],
    ) -> Diagnostic {
        let program = self.program;
        let target = program.node_names().name(flow.to);
        let (affected, subject, _) = forbidden_part(program, rule, act, atoms);
        let allowed = names_list(program.regions(), &rule.regions);
        let first = rule
            .regions
            .first()
            .map(|region| program.regions().name(*region).to_string())
            .unwrap_or_default();
        let mut diagnostic = Diagnostic::new(
            Name::RegionNotAllowed,
            category_span,
            format!("{subject} must stay in {allowed}, but `{target}` declares no region"),
        )
        .primary_message(format!("sent to `{target}` here, which declares no region"))
        .cited_label(rule.meta.head, "confined here", rule.meta.cite_text());
        if let Some(declared) = program
            .node_names()
            .get(flow.to)
            .and_then(|entry| entry.declared.as_ref())
        {
            diagnostic = diagnostic.label(declared.name_span, "no `in` clause");
        }
        diagnostic = diagnostic
            .note("privet judges a node that declares no region as outside every region")
            .note(accepted_bases_note(program, rule, &act.bases))
            .help(format!(
                "declare where `{target}` runs or keeps the data, as in `in {first}`"
            ));
        for note in exemption_scope_notes(program, act) {
            diagnostic = diagnostic.note(note);
        }
        match affected
            .first()
            .and_then(|leaf| self.path_note(flow, *leaf))
        {
            Some(path) => diagnostic.note(path),
            None => diagnostic,
        }
    }

    /// The diagnostics for a denied act: one per forbidding rule (with the
    /// rule), and one for the atoms no rule permits.
    fn explain_denial(
        &self,
        flow: &Flow,
        act: &Act,
        decision: &Decision,
        category_span: Span,
        purpose_span: Span,
        atoms: &[usize],
    ) -> Vec<(Option<RuleId>, Diagnostic)> {
        let program = self.program;
        let purpose = program.purposes().name(act.purpose);
        let target = program.node_names().name(flow.to);
        // The path of the first leaf the diagnostic is about.
        let with_path = |diagnostic: Diagnostic, leaf: Option<usize>| match leaf
            .and_then(|leaf| self.path_note(flow, leaf))
        {
            Some(path) => diagnostic.note(path),
            None => diagnostic,
        };
        let mut out = Vec::new();
        for rule_id in &decision.forbidding {
            let Some(rule) = program.rule(*rule_id) else {
                continue;
            };
            let (affected, subject, part_of) = forbidden_part(program, rule, act, atoms);
            let primary = |text: String| match &part_of {
                Some(part) => format!("{part}, {text}"),
                None => text,
            };
            let diagnostic = match rule.kind {
                RuleKind::Restrict => {
                    let permitted = rule
                        .purposes
                        .as_ref()
                        .map(|scope| names_list(program.purposes(), &scope.names))
                        .unwrap_or_default();
                    Diagnostic::new(
                        Name::PurposeRestricted,
                        category_span,
                        format!("{subject} may only be used for {permitted}"),
                    )
                    .primary_message(primary(format!("used for `{purpose}` here")))
                    .cited_label(rule.meta.head, "restricted here", rule.meta.cite_text())
                    .label(purpose_span, "this purpose is not among them")
                    .help(format!(
                        "carry it on this flow only for {permitted}; another purpose needs the policy to allow it first"
                    ))
                }
                RuleKind::Deny if act.action.is_onward() && rule.after.is_empty() => {
                    Diagnostic::new(
                        Name::SharingWithoutBasis,
                        category_span,
                        format!(
                            "{subject} is {} `{target}` ({}) without a basis the policy accepts",
                            handed(act.action),
                            act.recipient
                        ),
                    )
                    .primary_message(primary(format!("{} here", past_tense(act.action))))
                    .cited_label(rule.meta.head, "forbidden here", rule.meta.cite_text())
                    .note(accepted_bases_note(program, rule, &act.bases))
                    .help("if the share rests on a basis the policy accepts, name it on the flow (`under BASIS`); otherwise the data must not be handed on")
                }
                RuleKind::Deny => Diagnostic::new(
                    Name::PurposeNotAllowed,
                    category_span,
                    format!(
                        "{subject} may not be {} for `{purpose}`{}",
                        past_tense(act.action),
                        super::phases::forbidden_suffix(program, rule, act)
                    ),
                )
                .primary_message(primary(format!(
                    "{} for `{purpose}` here",
                    past_tense(act.action)
                )))
                .cited_label(
                    rule.meta.head,
                    "forbidden here",
                    rule.meta.cite_text(),
                )
                .help(format!(
                    "the policy forbids this: take `{purpose}` off the flow, or stop the flow"
                )),
                RuleKind::Confine => {
                    let allowed = names_list(program.regions(), &rule.regions);
                    let region = act
                        .region
                        .map(|r| program.regions().name(r).to_string())
                        .unwrap_or_default();
                    Diagnostic::new(
                        Name::RegionNotAllowed,
                        category_span,
                        format!(
                            "{subject} must stay in {allowed}, but `{target}` is in `{region}`"
                        ),
                    )
                    .primary_message(primary(format!("sent to `{region}` here")))
                    .cited_label(rule.meta.head, "confined here", rule.meta.cite_text())
                    .note(accepted_bases_note(program, rule, &act.bases))
                    .help(format!(
                        "keep it in {allowed}, or name on the flow a basis the rule's exception accepts, if it has one"
                    ))
                }
                RuleKind::HonourDnt | RuleKind::OptOut(_) | RuleKind::Allow => continue,
            };
            let diagnostic = if rule.after.is_empty() {
                diagnostic
            } else {
                self.phase_origins.explain(flow, act, rule, diagnostic)
            };
            let diagnostic = exemption_scope_notes(program, act)
                .into_iter()
                .chain(
                    rule.audiences
                        .as_ref()
                        .and_then(|scope| self.audience_note(flow, act, scope)),
                )
                .fold(diagnostic, Diagnostic::note);
            out.push((
                Some(*rule_id),
                with_path(diagnostic, affected.first().copied()),
            ));
        }
        if !decision.unallowed.is_empty() {
            // A collection of a category the policy never discloses is
            // reported as `undisclosed-collection` (see `act`); the rest is
            // a purpose not allowed.
            let rest: Vec<Atom> = decision
                .unallowed
                .iter()
                .copied()
                .filter(|(category, _)| {
                    act.action != Action::Collect || self.collection_disclosed(*category)
                })
                .collect();
            if !rest.is_empty() {
                out.push((
                    None,
                    with_path(
                        self.unallowed(flow, act, decision, &rest, category_span, purpose_span),
                        self.first_atom_leaf(&rest, atoms),
                    ),
                ));
            }
        }
        out
    }

    /// Whether some rule that discloses collections (see [`discloses`])
    /// names this leaf category.
    fn collection_disclosed(&self, category: NameId) -> bool {
        let program = self.program;
        program.rules.iter().any(|rule| {
            discloses(program, rule)
                && program
                    .categories()
                    .leaves_of(category)
                    .all(|leaf| rule.categories.leaves.contains(leaf))
        })
    }

    /// `undisclosed-collection` for the leaves of a collection that no rule
    /// discloses and no forbidding rule already forbids, once per category
    /// of a flow, whether or not the decision permits the act: an exemption
    /// may lift the need for consent, it never discloses.
    fn undisclosed_collection(
        &mut self,
        id: FlowId,
        flow: &Flow,
        act: &Act,
        decision: &Decision,
        category_span: Span,
        atoms: &[usize],
    ) {
        let program = self.program;
        if act.action != Action::Collect || self.undisclosed_seen.contains(&category_span) {
            return;
        }
        let purposes: Vec<usize> = program.purposes().leaves_of(act.purpose).collect();
        let classes = super::decision::act_classes(program, act);
        let hidden: Vec<NameId> = atoms
            .iter()
            .copied()
            .filter(|leaf| {
                // Some atom of the leaf that no forbidding rule forbids.
                purposes.iter().any(|p| {
                    classes.iter().any(|class| {
                        !decision.forbidding.iter().any(|rule| {
                            program.rule(*rule).is_some_and(|rule| {
                                super::decision::rule_covers(rule, *leaf, *p)
                                    && program
                                        .audience_classes
                                        .covered_by(*class, rule.audiences.as_ref())
                            })
                        })
                    })
                })
            })
            .filter_map(|leaf| program.categories().leaf(leaf))
            .filter(|category| !self.collection_disclosed(*category))
            .collect();
        if hidden.is_empty() {
            return;
        }
        self.undisclosed_seen.insert(category_span);
        let diagnostic = self.undisclosed(flow, act, &hidden, category_span, atoms);
        self.push_flow(id, diagnostic);
    }

    /// The leaf index of the first atom's category, when the flow carries it.
    fn first_atom_leaf(&self, unallowed: &[(NameId, NameId)], atoms: &[usize]) -> Option<usize> {
        unallowed.first().and_then(|(category, _)| {
            let leaf = self.program.categories().leaves_of(*category).start;
            atoms.contains(&leaf).then_some(leaf)
        })
    }

    /// "`x`" for the whole declared category, or the leaves when only some
    /// of a broad category are concerned.
    fn part_of(&self, act: &Act, leaves: &[NameId], atoms: &[usize]) -> String {
        let program = self.program;
        let distinct: Vec<NameId> = leaves
            .iter()
            .copied()
            .collect::<BTreeSet<NameId>>()
            .into_iter()
            .collect();
        if distinct.len() == atoms.len() {
            return format!("`{}`", program.categories().name(act.category));
        }
        join_and(&first_names(program.categories(), &distinct))
    }

    /// `undisclosed-collection` for the leaves no rule discloses.
    fn undisclosed(
        &self,
        flow: &Flow,
        act: &Act,
        leaves: &[NameId],
        category_span: Span,
        atoms: &[usize],
    ) -> Diagnostic {
        let program = self.program;
        let target = program.node_names().name(flow.to);
        let subject = self.part_of(act, leaves, atoms);
        let names: BTreeSet<String> = leaves
            .iter()
            .map(|leaf| format!("`{}`", program.categories().name(*leaf)))
            .collect();
        let names: Vec<String> = names.into_iter().collect();
        // Rules that permit collecting it but disclose nothing: they rest
        // only on exemptions.
        let exempt = leaves.iter().any(|leaf| {
            let range = program.categories().leaves_of(*leaf);
            program.rules.iter().any(|rule| {
                rule.kind == RuleKind::Allow
                    && rule.actions.contains(Action::Collect)
                    && range.clone().all(|l| rule.categories.leaves.contains(l))
            })
        });
        let mut diagnostic = Diagnostic::new(
            Name::UndisclosedCollection,
            category_span,
            format!("the policy does not disclose collecting {subject}"),
        )
        .primary_message(format!("collected by `{target}` here"));
        diagnostic = if exempt {
            diagnostic.note(format!(
                "only `allow collect` rules that rest on exemptions cover {}: an exemption lifts the need for consent, it does not disclose what is collected",
                join_and(&names)
            ))
        } else {
            diagnostic.note(format!(
                "no `allow collect` rule covers {}",
                join_and(&names)
            ))
        };
        diagnostic.help("disclose the collection in the policy with an `allow collect` rule, or stop collecting it")
    }

    /// Whose data brings a rule about some audiences to a flow: "this rule is
    /// about `customer.child`; data of `customer.child` reaches `app` from
    /// `kid`". `None` when the program declares no audience.
    fn audience_note(&self, flow: &Flow, act: &Act, scope: &Scope) -> Option<String> {
        let program = self.program;
        let audiences = program.audiences();
        if audiences.leaf_count() == 0 {
            return None;
        }
        let about = names_list(audiences, &scope.names);
        let source = program.node_names().name(flow.from);
        let every = "so privet judges its data as every audience's";
        let unnamed = |subject: NameId| {
            program
                .node(subject)
                .is_some_and(|node| node.audiences.is_empty())
        };
        if act.audiences.is_empty() {
            return Some(if program.is_subject(flow.from) {
                format!(
                    "this rule is about {about}; `{source}` names no kind of data subject (`is ...`), {every}"
                )
            } else {
                format!(
                    "this rule is about {about}; whose data reaches `{source}` is not known, {every}"
                )
            });
        }
        let mut concerned: Vec<NameId> = act
            .audiences
            .iter()
            .copied()
            .filter(|audience| {
                audiences
                    .leaves_of(*audience)
                    .any(|leaf| scope.leaves.contains(leaf))
            })
            .collect();
        concerned.sort_unstable();
        concerned.dedup();
        let kinds = names_list(audiences, &concerned);
        if program.is_subject(flow.from) {
            return Some(if unnamed(flow.from) {
                format!(
                    "this rule is about {about}; `{source}` names no kind of data subject (`is ...`), {every}"
                )
            } else {
                format!("this rule is about {about}; `{source}` is {kinds}")
            });
        }
        let origin = self.audience_origin(flow.from, &scope.leaves);
        Some(match origin {
            Some(subject) if unnamed(subject) => format!(
                "this rule is about {about}; data reaches `{source}` from `{}`, which names no kind of data subject (`is ...`), {every}",
                program.node_names().name(subject)
            ),
            Some(subject) => format!(
                "this rule is about {about}; data of {kinds} reaches `{source}` from `{}`",
                program.node_names().name(subject)
            ),
            None => format!("this rule is about {about}; data of {kinds} reaches `{source}`"),
        })
    }

    /// The nearest subject upstream of a node whose data, about one of the
    /// given audience leaves, reaches it: a breadth-first search back along
    /// the flows that carry something.
    fn audience_origin(&self, node: NameId, leaves: &FixedBitSet) -> Option<NameId> {
        let program = self.program;
        let mut seen = FixedBitSet::with_capacity(program.nodes.len());
        let mut queue = std::collections::VecDeque::from([node]);
        seen.insert(node.index());
        while let Some(current) = queue.pop_front() {
            if program.is_subject(current) {
                let meets = self
                    .graph
                    .audiences
                    .get(current.index())
                    .is_some_and(|own| !own.is_disjoint(leaves));
                if meets {
                    return Some(current);
                }
                continue;
            }
            for (index, flow) in self.flows_into(current) {
                let carries = self
                    .graph
                    .carried
                    .get(index)
                    .is_some_and(|carried| !carried.is_clear());
                if carries && !seen.contains(flow.from.index()) {
                    seen.insert(flow.from.index());
                    queue.push_back(flow.from);
                }
            }
        }
        None
    }

    /// "no rule allows it about `customer.child`", when the atoms no rule
    /// permits are about some of the act's audiences only.
    fn unallowed_audiences_note(
        &self,
        flow: &Flow,
        act: &Act,
        decision: &Decision,
    ) -> Option<String> {
        let program = self.program;
        let classes = &program.audience_classes;
        if program.audiences().leaf_count() == 0
            || decision.unallowed_audiences.len()
                == super::decision::act_classes(program, act).len()
        {
            return None;
        }
        let leaves: Vec<NameId> = decision
            .unallowed_audiences
            .iter()
            .flat_map(|class| classes.leaves(*class))
            .filter(|leaf| {
                act.audiences.is_empty()
                    || act
                        .audiences
                        .iter()
                        .any(|audience| program.audiences().leaves_of(*audience).contains(leaf))
            })
            .filter_map(|leaf| program.audiences().leaf(leaf))
            .collect();
        let shown = first_names(program.audiences(), &leaves);
        let source = program.node_names().name(flow.from);
        Some(format!(
            "allowed for some kinds of data subject only: no rule allows it about {}, whose data `{source}` {}",
            join_and(&shown),
            if program.is_subject(flow.from) {
                "hands on"
            } else {
                "receives"
            }
        ))
    }

    /// The diagnostic for atoms that no rule permits.
    fn unallowed(
        &self,
        flow: &Flow,
        act: &Act,
        decision: &Decision,
        unallowed: &[(NameId, NameId)],
        category_span: Span,
        purpose_span: Span,
    ) -> Diagnostic {
        let program = self.program;
        let category = program.categories().name(act.category);
        let purpose = program.purposes().name(act.purpose);
        let target = program.node_names().name(flow.to);
        let atoms: Vec<String> = unallowed
            .iter()
            .take(8)
            .map(|(c, p)| {
                format!(
                    "`{}` for `{}`",
                    program.categories().name(*c),
                    program.purposes().name(*p)
                )
            })
            .collect();
        let more = unallowed.len().saturating_sub(atoms.len());
        let mut detail = join_and(&atoms);
        if more > 0 {
            detail.push_str(&format!(" and {more} more"));
        }
        let broad = unallowed.len() > 1
            || unallowed
                .first()
                .is_some_and(|(c, p)| *c != act.category || *p != act.purpose);

        let mut diagnostic = if act.action.is_onward() {
            let bases = if act.bases.is_empty() {
                "no basis".to_string()
            } else {
                names_list(program.bases(), &act.bases)
            };
            Diagnostic::new(
                Name::SharingWithoutBasis,
                category_span,
                format!(
                    "no rule allows `{category}` to be {} `{target}` ({}) for `{purpose}` under {bases}",
                    handed(act.action),
                    act.recipient
                ),
            )
            .primary_message(format!("{} here", past_tense(act.action)))
            .label(purpose_span, "for this purpose")
            .note("privet denies what no rule allows")
            .help("name the basis the share rests on (`under BASIS`) if a rule allows the share under it; otherwise the policy must allow the share first")
        } else {
            Diagnostic::new(
                Name::PurposeNotAllowed,
                category_span,
                format!(
                    "no rule allows `{category}` to be {} for `{purpose}`",
                    past_tense(act.action)
                ),
            )
            .primary_message(format!("{} by `{target}` here", past_tense(act.action)))
            .label(purpose_span, "for this purpose")
            .note("privet denies what no rule allows")
            .help(format!(
                "allow it in the policy (`allow {} of {category} for {purpose}`) if the notice says so, or take `{purpose}` off the flow",
                act.action
            ))
        };
        if broad {
            diagnostic = diagnostic.note(format!("not allowed: {detail}"));
        }
        if let Some(note) = self.unallowed_audiences_note(flow, act, decision) {
            diagnostic = diagnostic.note(note);
        }
        for note in exemption_scope_notes(program, act) {
            diagnostic = diagnostic.note(note);
        }
        for (rule, condition, cite) in self
            .near_misses(act, decision, unallowed)
            .into_iter()
            .take(3)
        {
            diagnostic = diagnostic.cited_label(rule, condition, cite);
        }
        diagnostic
    }

    /// `allow` rules that cover some unallowed atom but whose other
    /// conditions the act does not meet, with what they would need.
    fn near_misses(
        &self,
        act: &Act,
        decision: &Decision,
        unallowed: &[(NameId, NameId)],
    ) -> Vec<(Span, String, Option<&'p str>)> {
        let program = self.program;
        let mut found = Vec::new();
        for rule in &program.rules {
            if rule.kind != RuleKind::Allow || !rule.actions.contains(act.action) {
                continue;
            }
            let covers = unallowed.iter().any(|(c, p)| {
                let category = program.categories().leaves_of(*c);
                let purpose = program.purposes().leaves_of(*p);
                category
                    .clone()
                    .all(|leaf| rule.categories.leaves.contains(leaf))
                    && purpose.clone().all(|leaf| {
                        rule.purposes
                            .as_ref()
                            .is_none_or(|scope| scope.leaves.contains(leaf))
                    })
            });
            if !covers {
                continue;
            }
            let mut needs = Vec::new();
            if rule
                .recipients
                .is_some_and(|recipients| !recipients.contains(act.recipient))
            {
                let kinds: Vec<String> = rule
                    .recipients
                    .unwrap_or_default()
                    .iter()
                    .map(|kind| format!("`{kind}`"))
                    .collect();
                needs.push(format!("to {}", join_or(&kinds)));
            }
            if !rule.bases.is_empty()
                && !super::decision::bases_satisfy(program, &act.bases, &rule.bases)
            {
                let bases: Vec<String> = rule
                    .bases
                    .iter()
                    .map(|b| format!("`{}`", program.bases().name(*b)))
                    .collect();
                needs.push(format!("under {}", join_or(&bases)));
            }
            if let Some(scope) = &rule.audiences
                && decision
                    .unallowed_audiences
                    .iter()
                    .any(|class| !program.audience_classes.covered_by(*class, Some(scope)))
            {
                needs.push(format!(
                    "about {}",
                    join_or(&describe_names(program.audiences(), &scope.names))
                ));
            }
            if !rule.regions.is_empty()
                && !act
                    .region
                    .is_some_and(|region| program.regions().is_under_any(region, &rule.regions))
            {
                let regions: Vec<String> = rule
                    .regions
                    .iter()
                    .map(|r| format!("`{}`", program.regions().name(*r)))
                    .collect();
                needs.push(format!("in {}", join_or(&regions)));
            }
            if !needs.is_empty() {
                found.push((
                    rule.meta.head,
                    format!("this rule allows it only {}", join_and(&needs)),
                    rule.meta.cite_text(),
                ));
            }
        }
        found
    }

    /// `tracking-ignores-dnt`: the act is forbidden under Do Not Track and
    /// the flow does not say it honours it.
    fn do_not_track(
        &mut self,
        id: FlowId,
        flow: &Flow,
        (category, category_span): (NameId, Span),
        purpose: NameId,
        audiences: &[NameId],
        atoms: &[usize],
    ) {
        let program = self.program;
        let honoured = flow.honours_dnt
            || program.node(flow.from).is_some_and(|node| node.honours_dnt)
            || program
                .node(flow.to)
                .is_some_and(|node| node.honours_dnt && node.kind == NodeKind::Tracker);
        if honoured {
            return;
        }
        // The first act of the flow that Do Not Track forbids, and the rule.
        let Some(rule) = forbidden_by_choice(
            program,
            flow,
            (category, purpose),
            (audiences, atoms),
            (true, None),
        ) else {
            return;
        };
        // Data that reached the source for a tracking purpose was checked
        // where it entered: report the hop where tracking starts, once.
        if self.tracked_upstream(id, flow, atoms, &self.tracking) {
            return;
        }
        let purpose_name = program.purposes().name(purpose);
        let mut diagnostic = Diagnostic::new(
            Name::TrackingIgnoresDnt,
            category_span,
            format!(
                "this flow uses `{}` for `{purpose_name}` without honouring Do Not Track",
                program.categories().name(category)
            ),
        )
        .primary_message("used for tracking here")
        .cited_label(
            rule.meta.head,
            "Do Not Track must be honoured here",
            rule.meta.cite_text(),
        )
        .help("add `honours do not track` to the flow, or to the tracker it comes from");
        if let Some(path) = atoms.first().and_then(|leaf| self.path_note(flow, *leaf)) {
            diagnostic = diagnostic.note(path);
        }
        self.push_flow(id, diagnostic);
    }

    /// Whether every leaf reached the flow's source from a data subject
    /// along flows that carry it, one of which is in `scope` (for a purpose
    /// the policy protects with Do Not Track, or stopped by an opt-out),
    /// without passing through this flow: tracking started upstream, and
    /// was checked where it did. Nothing is upstream of a data subject.
    fn tracked_upstream(&self, id: FlowId, flow: &Flow, atoms: &[usize], scope: &[bool]) -> bool {
        let program = self.program;
        if program.is_subject(flow.from) {
            return false;
        }
        let node_count = program.nodes.len();
        atoms.iter().all(|leaf| {
            // A search over (node, whether a tracking flow was passed).
            let mut seen = FixedBitSet::with_capacity(2 * node_count);
            let mut pending: Vec<(usize, bool)> = program
                .nodes
                .iter()
                .filter(|node| node.kind == NodeKind::Subject)
                .map(|node| (node.id.index(), false))
                .collect();
            while let Some((node, tracked)) = pending.pop() {
                let state = node * 2 + usize::from(tracked);
                if seen.contains(state) {
                    continue;
                }
                seen.insert(state);
                if tracked && node == flow.from.index() {
                    return true;
                }
                for &index in self.outgoing.get(node).map(Vec::as_slice).unwrap_or(&[]) {
                    let carries = self
                        .graph
                        .carried
                        .get(index)
                        .is_some_and(|carried| carried.contains(*leaf));
                    if index == id.index() || !carries {
                        continue;
                    }
                    if let Some(next) = program.flows.get(index) {
                        let passed = tracked || scope.get(index).copied().unwrap_or(false);
                        pending.push((next.to.index(), passed));
                    }
                }
            }
            false
        })
    }

    fn flow_safeguards(&mut self, id: FlowId, flow: &Flow, personal: &FixedBitSet) {
        let program = self.program;
        let span = flow.from_span.to(flow.to_span);
        for (requirement, safeguard, held) in
            self.unmet_requirements(RequireTarget::Flows, personal, &flow.protection)
        {
            let name = program.safeguards().name(safeguard);
            let mut diagnostic = Diagnostic::new(
                Name::MissingSafeguard,
                span,
                format!("this flow lacks `{name}`"),
            )
            .primary_message(format!(
                "carries {} without `{name}`",
                join_and(&leaf_names(program, held.ones().take(3)))
            ))
            .cited_label(
                requirement.meta.head,
                "required here",
                requirement.meta.cite_text(),
            )
            .help(format!("add `protected by {name}` to the flow"));
            if let Some(path) = held
                .ones()
                .next()
                .and_then(|leaf| self.path_note(flow, leaf))
            {
                diagnostic = diagnostic.note(path);
            }
            self.push_flow(id, diagnostic);
        }
    }

    /// `unnecessary-collection`: collected, then carried by no other flow.
    fn unnecessary_collection(&mut self) {
        let program = self.program;
        let leaf_count = program.categories().leaf_count();
        let mut used = FixedBitSet::with_capacity(leaf_count);
        for (index, flow) in program.flows.iter().enumerate() {
            let from_subject = program.is_subject(flow.from);
            // Data a person hands straight to another party is used there.
            let to_other_party = program
                .node(flow.to)
                .is_some_and(|node| node.party != PartyKind::FirstParty);
            if (!from_subject || to_other_party)
                && let Some(carried) = self.graph.carried.get(index)
            {
                used.union_with(carried);
            }
        }
        let mut reported = FixedBitSet::with_capacity(leaf_count);
        for (index, flow) in program.flows.iter().enumerate() {
            let from_subject = program.is_subject(flow.from);
            if !from_subject || to_subject(program, flow) {
                continue;
            }
            for (category, span) in &flow.categories {
                let mut unused = program.categories().leaf_set(&[*category], None);
                unused.difference_with(&used);
                unused.difference_with(&reported);
                if unused.is_clear() {
                    continue;
                }
                reported.union_with(&unused);
                let target = program.node_names().name(flow.to);
                self.push_flow(
                    FlowId(crate::source::offset_u32(index)),
                    Diagnostic::new(
                        Name::UnnecessaryCollection,
                        *span,
                        format!(
                            "{} {} collected but never used",
                            join_and(&leaf_names(program, unused.ones())),
                            if unused.count_ones(..) == 1 {
                                "is"
                            } else {
                                "are"
                            }
                        ),
                    )
                    .primary_message(format!("collected by `{target}` here"))
                    .help("stop collecting it, or declare the flow that uses it")
                    .note(format!(
                        "no flow carries it beyond `{target}`: collect only what a purpose needs"
                    )),
                );
            }
        }
    }

    fn reidentification(&mut self, node: &Node) {
        let program = self.program;
        if node.kind == NodeKind::Subject {
            return;
        }
        let Some(anonymized) = self.graph.anonymized.get(node.id.index()) else {
            return;
        };
        if anonymized.is_clear() {
            return;
        }
        let arrived = self
            .graph
            .arrived
            .get(node.id.index())
            .cloned()
            .unwrap_or_default();
        let identifiers: Vec<usize> = arrived
            .ones()
            .filter(|leaf| {
                program
                    .categories()
                    .leaf(*leaf)
                    .and_then(|id| program.categories().get(id))
                    .is_some_and(|entry| entry.identifier)
            })
            .collect();
        if identifiers.is_empty() {
            return;
        }
        let name = program.node_names().name(node.id);
        let anonymized_flow = self.flows_into(node.id).find(|(index, flow)| {
            flow.to == node.id
                && self
                    .graph
                    .carried
                    .get(*index)
                    .is_some_and(|carried| !carried.is_disjoint(anonymized))
                && (flow.transform == Some(Transform::Anonymized)
                    || self
                        .graph
                        .anonymized
                        .get(flow.from.index())
                        .is_some_and(|a| !a.is_clear()))
        });
        let identifying_flow =
            self.flows_into(node.id).find(|(index, flow)| {
                flow.to == node.id
                    && flow.transform != Some(Transform::Anonymized)
                    && self.graph.carried.get(*index).is_some_and(|carried| {
                        identifiers.iter().any(|leaf| carried.contains(*leaf))
                    })
            });
        let (Some((anon_index, anon_flow)), Some((_, id_flow))) =
            (anonymized_flow, identifying_flow)
        else {
            return;
        };
        let shown = leaf_names(program, identifiers.iter().copied().take(3));
        self.push_flow(
            FlowId(crate::source::offset_u32(anon_index)),
            Diagnostic::new(
                Name::Reidentification,
                anon_flow.from_span.to(anon_flow.to_span),
                format!("anonymized data meets identifiers at `{name}`"),
            )
            .primary_message("anonymized data arrives here")
            .label(id_flow.from_span.to(id_flow.to_span), "identifiers arrive here")
            .note(format!(
                "`{name}` also receives {}, which {} people; combined, the anonymized data is personal again",
                join_and(&shown),
                if shown.len() == 1 { "identifies" } else { "identify" }
            ))
            .help("keep anonymized data away from identifiers, or treat it as personal data"),
        );
    }

    fn store(&mut self, node: &Node) {
        let program = self.program;
        if !node.complete {
            return;
        }
        // Retention the store's technology can carry out.
        for clause in &node.retentions {
            if let Some(problem) = super::enforceable::unenforceable(node, clause) {
                self.report.diagnostics.push(super::enforceable::diagnostic(
                    program, node, clause, problem,
                ));
            }
        }

        let Some(held) = self.graph.arrived.get(node.id.index()).cloned() else {
            return;
        };
        if held.is_clear() {
            return;
        }
        let name = program.node_names().name(node.id);
        let name_span = program.node_name_span(node.id);

        // Safeguards.
        for (requirement, safeguard, needing) in
            self.unmet_requirements(RequireTarget::Stores, &held, &node.protection)
        {
            let safeguard_name = program.safeguards().name(safeguard);
            let mut diagnostic = Diagnostic::new(
                Name::MissingSafeguard,
                name_span,
                format!("store `{name}` lacks `{safeguard_name}`"),
            )
            .primary_message(format!(
                "holds {} without `{safeguard_name}`",
                join_and(&leaf_names(program, needing.ones().take(3)))
            ))
            .cited_label(
                requirement.meta.head,
                "required here",
                requirement.meta.cite_text(),
            )
            .help(format!(
                "add `{safeguard_name}` to the store's `protected by` clause"
            ));
            let first = needing.ones().next();
            if let Some(path) = first.and_then(|leaf| self.paths.path_text(node.id, leaf)) {
                diagnostic =
                    diagnostic.note(format!("path of `{}`: {path}", leaf_name(program, first)));
            }
            self.report.diagnostics.push(diagnostic);
        }

        let into: Vec<(usize, &'p Flow)> = self.flows_into(node.id).collect();
        super::retention::check_store(
            self.program,
            self.graph,
            &self.paths,
            node,
            &held,
            into.into_iter(),
            &mut self.report.diagnostics,
        );
    }
}

/// "path of `x`: a -> b -> c", for a leaf that came to the flow's source
/// from elsewhere, including the flow itself.
pub(super) fn path_note(
    program: &Program,
    paths: &PathFinder<'_>,
    flow: &Flow,
    leaf: usize,
) -> Option<String> {
    if program.is_subject(flow.from) {
        return None;
    }
    let upstream = paths.path_text(flow.from, leaf)?;
    let category = program.categories().leaf(leaf)?;
    Some(format!(
        "path of `{}`: {} -> {}",
        program.categories().name(category),
        upstream,
        program.node_names().name(flow.to)
    ))
}

pub(super) fn leaf_name(program: &Program, leaf: Option<usize>) -> String {
    leaf.and_then(|leaf| program.categories().leaf(leaf))
        .map(|id| program.categories().name(id).to_string())
        .unwrap_or_default()
}

/// "shared with", "transferred to": the verb and preposition for a
/// recipient.
fn handed(action: Action) -> &'static str {
    match action {
        Action::Share => "shared with",
        Action::Transfer => "transferred to",
        Action::Disclose => "disclosed to",
        Action::Collect => "collected by",
        Action::Use => "used by",
        Action::Store => "stored in",
    }
}

pub(super) fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Collect => "collected",
        Action::Use => "used",
        Action::Store => "stored",
        Action::Share => "shared",
        Action::Transfer => "transferred",
        Action::Disclose => "disclosed",
    }
}

/// For each basis of the act that holds for some purposes only, none of
/// them the act's: "`contract_necessity` holds only for `service.provide`".
fn exemption_scope_notes(program: &Program, act: &Act) -> Vec<String> {
    let purposes = program.purposes().leaves_of(act.purpose);
    let mut notes = Vec::new();
    for basis in &act.bases {
        let Some(scope) = program.basis_scope(*basis) else {
            continue;
        };
        if purposes.clone().any(|leaf| scope.leaves.contains(leaf)) {
            continue;
        }
        notes.push(format!(
            "`{}` holds only for {}: an exemption covers the purposes of its situation",
            program.bases().name(*basis),
            names_list(program.purposes(), &scope.names)
        ));
    }
    notes
}

/// "the rule's exceptions: `except with a`; this flow gives `c`"
fn accepted_bases_note(program: &Program, rule: &Rule, given: &[NameId]) -> String {
    let exceptions: Vec<String> = crate::describe::exception_texts(program, rule)
        .into_iter()
        .map(|text| format!("`{text}`"))
        .collect();
    let exceptions = match exceptions.len() {
        0 => "the rule has no exceptions".to_string(),
        1 => format!("the rule's exception: {}", exceptions.join("")),
        _ => format!("the rule's exceptions: {}", exceptions.join(", ")),
    };
    let given = if given.is_empty() {
        "this flow gives no basis".to_string()
    } else {
        format!("this flow gives {}", names_list(program.bases(), given))
    };
    format!("{exceptions}; {given}")
}

/// The leaves of the atoms a forbidding rule covers, and how a diagnostic
/// names them: the whole category, or the part of a broad category the rule
/// is about (with "`c` includes ..." for the primary label).
fn forbidden_part(
    program: &Program,
    rule: &Rule,
    act: &Act,
    atoms: &[usize],
) -> (Vec<usize>, String, Option<String>) {
    let category = program.categories().name(act.category);
    let purposes: Vec<usize> = program.purposes().leaves_of(act.purpose).collect();
    let affected: Vec<usize> = atoms
        .iter()
        .copied()
        .filter(|leaf| {
            purposes
                .iter()
                .any(|p| super::decision::rule_covers(rule, *leaf, *p))
        })
        .collect();
    if affected.len() == program.categories().leaves_of(act.category).len() {
        return (affected, format!("`{category}`"), None);
    }
    let mut shown = leaf_names(program, affected.iter().copied().take(3));
    if affected.len() > 3 {
        shown.push(format!("{} more", affected.len() - 3));
    }
    let part_of = format!("`{category}` includes {}", join_and(&shown));
    (affected, join_and(&shown), Some(part_of))
}

/// Whether a rule discloses the collections it names: an `allow` whose
/// actions include `collect` and that can permit a collection on something
/// other than an exemption (it names no basis, or one of its bases is not an
/// exemption). A rule that rests only on exemptions says when no consent is
/// needed, not what is collected, so it discloses nothing.
fn discloses(program: &Program, rule: &Rule) -> bool {
    rule.kind == RuleKind::Allow
        && rule.actions.contains(Action::Collect)
        && (rule.bases.is_empty()
            || rule.bases.iter().any(|basis| {
                !program
                    .bases()
                    .get(*basis)
                    .and_then(|entry| entry.declared.as_ref())
                    .is_some_and(|declared| declared.exemption)
            }))
}
