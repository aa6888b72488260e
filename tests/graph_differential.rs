//! The graph checker against a naive reference written here, independently:
//! on random small data maps and policies, both must find the same set of
//! (flow, diagnostic name) violations.
//!
//! The reference does not condense cycles or propagate sets in topological
//! order. It decides, for every leaf category and node, whether a path of
//! flows declaring that leaf leads there from a data subject (with or
//! without an anonymizing flow on the way), by a plain search over
//! (node, anonymized) states; for every leaf category, leaf purpose and
//! node, whether the data reaching the node was collected for the purpose,
//! by a search over (node, bound) states from the collections; and, for
//! every node, which audiences (kinds of data subject) have data reaching
//! it, by a plain search from each subject along flows that carry
//! something. The decision function is shared: it is the contract both
//! sides use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use privet::ast::{NodeKind, RequireTarget, Transform};
use privet::check::decision::{Act, decide_atoms};
use privet::check::purpose_binding::is_secondary_use;
use privet::diagnostic::Name;
use privet::model::{Action, FlowId, NameId, PartyKind, Program, RuleKind};
use privet::pipeline::{Compilation, compile};
use privet::source::SourceMap;
use proptest::prelude::*;
use std::collections::{BTreeSet, VecDeque};

const VOCABULARY: &str = "\
category a.x\ncategory a.y\ncategory b identifier\ncategory c.z sensitive\n\
purpose p.one\npurpose p.two\npurpose q compatible with p.one\npurpose track\n\
basis consent\nbasis consent.explicit\nbasis law for new purpose\nexemption vital for q, track\n\
region home\nregion away\n\
safeguard tls\n\
technology pixel for track\n\
audience kid\naudience adult.staff\naudience adult.other\n\
subject person\n";

const AUDIENCE_NAMES: &[&str] = &["kid", "adult", "adult.staff", "adult.other"];

/// The kinds a subject of the data map names, by its spec's `party`: none
/// (every audience) first.
const SUBJECT_KINDS: &[&str] = &[
    "",
    " is kid",
    " is adult",
    " is adult.staff, kid",
    " is adult.other",
];

const CATEGORY_NAMES: &[&str] = &["a", "a.x", "a.y", "b", "c.z", "c"];
const PURPOSE_NAMES: &[&str] = &["p", "p.one", "p.two", "q", "track"];
const BASIS_NAMES: &[&str] = &["consent", "consent.explicit", "law", "vital"];
const ACTIONS: &[&str] = &["collect", "use", "store", "share", "transfer", "disclose"];
const PARTIES: &[&str] = &[
    "processor",
    "third_party",
    "authority",
    "acquirer",
    "public",
];

fn pick(from: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(from, 1..=from.len().min(3))
}

fn maybe(word: &'static str, from: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => pick(from).prop_map(move |names| format!(" {word} {}", names.join(", "))),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (pick(ACTIONS), pick(CATEGORY_NAMES), maybe("for", PURPOSE_NAMES), maybe("to", PARTIES), maybe("under", BASIS_NAMES), maybe("in", &["home", "away"]), maybe("about", AUDIENCE_NAMES))
            .prop_map(|(a, c, p, t, b, r, s)| format!("allow {} of {}{s}{p}{t}{b}{r}\n", a.join(", "), c.join(", "))),
        1 => (pick(ACTIONS), pick(CATEGORY_NAMES), maybe("for", PURPOSE_NAMES), maybe("except with", BASIS_NAMES), maybe("about", AUDIENCE_NAMES))
            .prop_map(|(a, c, p, e, s)| format!("deny {} of {}{s}{p}{e}\n", a.join(", "), c.join(", "))),
        1 => (pick(CATEGORY_NAMES), pick(PURPOSE_NAMES))
            .prop_map(|(c, p)| format!("restrict {} to {}\n", c.join(", "), p.join(", "))),
        1 => pick(CATEGORY_NAMES).prop_map(|c| format!("confine {} to home\n", c.join(", "))),
        1 => Just("honour do not track for track\n".to_string()),
        1 => pick(CATEGORY_NAMES).prop_map(|c| format!("require tls for flows of {}\n", c.join(", "))),
    ]
}

#[derive(Clone, Debug)]
struct NodeSpec {
    kind: usize,
    party: usize,
    away: bool,
    honours: bool,
}

fn node() -> impl Strategy<Value = NodeSpec> {
    (0usize..6, 0..PARTIES.len(), any::<bool>(), any::<bool>()).prop_map(
        |(kind, party, away, honours)| NodeSpec {
            kind,
            party,
            away,
            honours,
        },
    )
}

#[derive(Clone, Debug)]
struct FlowSpec {
    from: usize,
    to: usize,
    categories: Vec<&'static str>,
    purposes: Vec<&'static str>,
    bases: Vec<&'static str>,
    anonymized: bool,
    protected: bool,
    honours: bool,
}

fn flow(nodes: usize) -> impl Strategy<Value = FlowSpec> {
    (
        0..=nodes,
        0..=nodes,
        pick(CATEGORY_NAMES),
        pick(PURPOSE_NAMES),
        proptest::sample::subsequence(BASIS_NAMES, 0..=2),
        proptest::bool::weighted(0.2),
        any::<bool>(),
        proptest::bool::weighted(0.3),
    )
        .prop_map(
            |(from, to, categories, purposes, bases, anonymized, protected, honours)| FlowSpec {
                from,
                to,
                categories,
                purposes,
                bases,
                anonymized,
                protected,
                honours,
            },
        )
}

/// Node 0 is the subject `person`; the others are `n1`, `n2`, ...
fn node_name(index: usize) -> String {
    if index == 0 {
        "person".to_string()
    } else {
        format!("n{index}")
    }
}

fn render(rules: &[String], nodes: &[NodeSpec], flows: &[FlowSpec]) -> String {
    let mut text = VOCABULARY.to_string();
    for rule in rules {
        text.push_str(rule);
    }
    for (index, spec) in nodes.iter().enumerate() {
        let name = node_name(index + 1);
        let region = if spec.away { "away" } else { "home" };
        let line = match spec.kind {
            0 => format!("system {name} in {region}\n"),
            1 => format!("store {name} in {region}\n"),
            2 => format!("vendor {name} is {} in {region}\n", PARTIES[spec.party]),
            3 => format!("authority {name} in {region}\n"),
            5 => format!(
                "subject {name}{}\n",
                SUBJECT_KINDS[spec.party % SUBJECT_KINDS.len()]
            ),
            _ => format!(
                "tracker {name} using pixel{} in {region}\n",
                if spec.honours {
                    " honours do not track"
                } else {
                    ""
                }
            ),
        };
        text.push_str(&line);
    }
    for spec in flows {
        text.push_str(&format!(
            "flow {} -> {} carries {}{} for {}{}{}{}\n",
            node_name(spec.from),
            node_name(spec.to),
            // `b` is an identifier, which cannot be anonymized.
            if spec.anonymized && !spec.categories.contains(&"b") {
                "anonymized "
            } else {
                ""
            },
            spec.categories.join(", "),
            spec.purposes.join(", "),
            if spec.bases.is_empty() {
                String::new()
            } else {
                format!(" under {}", spec.bases.join(", "))
            },
            if spec.protected {
                " protected by tls"
            } else {
                ""
            },
            if spec.honours {
                " honours do not track"
            } else {
                ""
            },
        ));
    }
    text
}

fn compile_text(text: &str) -> Compilation {
    let mut sources = SourceMap::new();
    sources.add("random.privet", text);
    let compilation = compile(&sources);
    // The generator writes only valid programs: nothing may fail to parse
    // or resolve (the checker's own errors are what is compared).
    let invalid = [
        Name::SyntaxError,
        Name::UnknownName,
        Name::DuplicateDefinition,
        Name::InvalidValue,
    ];
    assert!(
        !compilation
            .diagnostics
            .iter()
            .any(|d| invalid.contains(&d.name)),
        "{text}\n{:?}",
        compilation.diagnostics
    );
    compilation
}

/// The reference: reachability of (node, anonymized) states per leaf.
struct Reference<'p> {
    program: &'p Program,
    /// [leaf][node]: reached as personal data.
    personal: Vec<Vec<bool>>,
    /// [leaf][node]: reached as anonymized data.
    anonymous: Vec<Vec<bool>>,
    /// [node]: the audience leaves whose data reaches it.
    audiences: Vec<BTreeSet<usize>>,
    /// [leaf][node]: the leaf purposes the data reaching the node was
    /// collected for.
    collected: Vec<Vec<BTreeSet<usize>>>,
}

impl<'p> Reference<'p> {
    fn new(program: &'p Program) -> Self {
        let leaves = program.categories().leaf_count();
        let nodes = program.nodes.len();
        let identifies = |leaf: usize| {
            let id = program.categories().leaf(leaf).unwrap();
            program.categories().get(id).unwrap().identifier
        };
        // Anonymized data that meets an identifier at a node is personal
        // there: the searches start again, also from those (node, leaf)
        // pairs, until nothing changes.
        let mut personal = vec![vec![false; nodes]; leaves];
        let mut anonymous = vec![vec![false; nodes]; leaves];
        loop {
            let reidentifying: Vec<bool> = program
                .nodes
                .iter()
                .map(|node| {
                    node.kind != NodeKind::Subject
                        && (0..leaves).any(|l| identifies(l) && personal[l][node.id.index()])
                })
                .collect();
            let mut next_personal = vec![vec![false; nodes]; leaves];
            let mut next_anonymous = vec![vec![false; nodes]; leaves];
            for leaf in 0..leaves {
                let mut seen = BTreeSet::new();
                let mut queue = VecDeque::new();
                for node in &program.nodes {
                    let v = node.id.index();
                    let start =
                        node.kind == NodeKind::Subject || (reidentifying[v] && anonymous[leaf][v]);
                    if start {
                        queue.push_back((node.id, false));
                        seen.insert((node.id, false));
                    }
                }
                while let Some((at, anonymized)) = queue.pop_front() {
                    if anonymized {
                        next_anonymous[leaf][at.index()] = true;
                    } else {
                        next_personal[leaf][at.index()] = true;
                    }
                    for flow in &program.flows {
                        if flow.from != at || !declares(program, flow, leaf) {
                            continue;
                        }
                        let next = (
                            flow.to,
                            anonymized || flow.transform == Some(Transform::Anonymized),
                        );
                        if seen.insert(next) {
                            queue.push_back(next);
                        }
                    }
                }
                // A subject is the source of everything: as a source it
                // holds every leaf as personal data, but it only *receives*
                // what flows bring it, which is what the checker reports.
            }
            if next_personal == personal && next_anonymous == anonymous {
                break;
            }
            personal = next_personal;
            anonymous = next_anonymous;
        }
        let mut reference = Reference {
            program,
            personal,
            anonymous,
            audiences: Vec::new(),
            collected: Vec::new(),
        };
        reference.audiences = reference.audiences_reaching();
        reference.collected = reference.collection_purposes();
        reference
    }

    /// The audience leaves a subject is: those below the kinds it names,
    /// or every one.
    fn kinds(&self, subject: NameId) -> BTreeSet<usize> {
        let audiences = self.program.audiences();
        let named = &self.program.node(subject).unwrap().audiences;
        if named.is_empty() {
            (0..audiences.leaf_count()).collect()
        } else {
            named
                .iter()
                .flat_map(|id| audiences.leaves_of(*id))
                .collect()
        }
    }

    /// The leaf purposes of a flow's purposes.
    fn purpose_leaves(&self, flow: &privet::model::Flow) -> BTreeSet<usize> {
        flow.purposes
            .iter()
            .flat_map(|(purpose, _)| self.program.purposes().leaves_of(*purpose))
            .collect()
    }

    /// Whether a flow may use data for the leaf purpose `purpose`, whatever
    /// it was collected for: it relies on a basis declared `for new
    /// purpose`, or on an exemption (or a name below one) declared `for`
    /// purposes that include it.
    fn waives(&self, flow: &privet::model::Flow, purpose: usize) -> bool {
        let bases = self.program.bases();
        flow.bases.iter().any(|basis| {
            let new_purpose = self
                .program
                .new_purpose_bases
                .iter()
                .any(|accepted| bases.is_under(*basis, *accepted));
            // The nearest exemption at or above the basis with purposes.
            let mut at = Some(*basis);
            let mut scoped = None;
            while let Some(id) = at {
                if let Some(scope) = self.program.exemption_purposes.get(&id) {
                    scoped = Some(scope.leaves.contains(purpose));
                    break;
                }
                at = bases.get(id).unwrap().parent;
            }
            new_purpose || scoped == Some(true)
        })
    }

    /// For each leaf, node and leaf purpose: a search over (node, bound)
    /// states along the flows that carry the leaf, starting at the
    /// collections; a collection, or a flow under a new-purpose basis,
    /// binds the data to its purposes.
    fn collection_purposes(&self) -> Vec<Vec<BTreeSet<usize>>> {
        let program = self.program;
        let nodes = program.nodes.len();
        let leaves = program.categories().leaf_count();
        let mut collected = vec![vec![BTreeSet::new(); nodes]; leaves];
        for (leaf, at_nodes) in collected.iter_mut().enumerate() {
            for purpose in 0..program.purposes().leaf_count() {
                let mut seen = BTreeSet::new();
                let mut queue = VecDeque::new();
                for flow in &program.flows {
                    if self.is_subject(flow.from)
                        && !self.is_subject(flow.to)
                        && declares(program, flow, leaf)
                    {
                        let state = (flow.to, self.purpose_leaves(flow).contains(&purpose));
                        if seen.insert(state) {
                            queue.push_back(state);
                        }
                    }
                }
                while let Some((at, bound)) = queue.pop_front() {
                    if bound {
                        at_nodes[at.index()].insert(purpose);
                    }
                    for flow in &program.flows {
                        if flow.from != at
                            || self.is_subject(flow.to)
                            || !self.carried(flow).contains(&leaf)
                        {
                            continue;
                        }
                        let binds = self.waives(flow, purpose)
                            && self.purpose_leaves(flow).contains(&purpose);
                        let next = (flow.to, bound || binds);
                        if seen.insert(next) {
                            queue.push_back(next);
                        }
                    }
                }
            }
        }
        collected
    }

    /// Whether data collected for `collected` may be used for the leaf
    /// purpose `purpose`: one of them, or declared compatible with one.
    fn may_use(&self, purpose: usize, collected: &BTreeSet<usize>) -> bool {
        let purposes = self.program.purposes();
        collected.contains(&purpose)
            || self.program.compatibilities.iter().any(|c| {
                purposes.leaves_of(c.purpose).contains(&purpose)
                    && c.with
                        .iter()
                        .any(|with| purposes.leaves_of(*with).any(|l| collected.contains(&l)))
            })
    }

    /// `secondary-use`: a flow out of a node other than a subject that uses
    /// a personal leaf it carries for a purpose the leaf was not collected
    /// for. The single-act judgement of `purpose_binding` must agree with
    /// the reference on every (flow, leaf, purpose).
    fn secondary_uses(&self, found: &mut BTreeSet<(FlowId, Name)>) {
        let program = self.program;
        for (index, flow) in program.flows.iter().enumerate() {
            if self.is_subject(flow.from) || self.is_subject(flow.to) {
                continue;
            }
            for leaf in self.personal_of(flow) {
                let collected = &self.collected[leaf][flow.from.index()];
                if collected.is_empty() {
                    continue;
                }
                let collected_for: Vec<NameId> = collected
                    .iter()
                    .map(|p| program.purposes().leaf(*p).unwrap())
                    .collect();
                for (purpose, _) in &flow.purposes {
                    let secondary = program
                        .purposes()
                        .leaves_of(*purpose)
                        .any(|p| !self.waives(flow, p) && !self.may_use(p, collected));
                    assert_eq!(
                        is_secondary_use(program, *purpose, &collected_for, &flow.bases),
                        secondary,
                        "flow {index}, leaf {leaf}"
                    );
                    if secondary {
                        found.insert((FlowId(index as u32), Name::SecondaryUse));
                    }
                }
            }
        }
    }

    /// For each node, the audiences of the subjects from which a path of
    /// flows that carry something leads to it (a subject is its own kinds).
    fn audiences_reaching(&self) -> Vec<BTreeSet<usize>> {
        let program = self.program;
        let mut reaching = vec![BTreeSet::new(); program.nodes.len()];
        for subject in program.nodes.iter().filter(|n| n.kind == NodeKind::Subject) {
            let kinds = self.kinds(subject.id);
            reaching[subject.id.index()].extend(kinds.iter().copied());
            let mut seen = BTreeSet::from([subject.id]);
            let mut queue = VecDeque::from([subject.id]);
            while let Some(at) = queue.pop_front() {
                for flow in &program.flows {
                    if flow.from != at || self.carried(flow).is_empty() || self.is_subject(flow.to)
                    {
                        continue;
                    }
                    if seen.insert(flow.to) {
                        reaching[flow.to.index()].extend(kinds.iter().copied());
                        queue.push_back(flow.to);
                    }
                }
            }
        }
        reaching
    }

    /// The audiences of a flow's acts, as names (empty: every audience).
    fn flow_audiences(&self, flow: &privet::model::Flow) -> Vec<NameId> {
        let audiences = self.program.audiences();
        self.audiences[flow.from.index()]
            .iter()
            .map(|leaf| audiences.leaf(*leaf).unwrap())
            .collect()
    }

    fn is_subject(&self, node: NameId) -> bool {
        self.program.node(node).unwrap().kind == NodeKind::Subject
    }

    /// The leaves a flow carries.
    fn carried(&self, flow: &privet::model::Flow) -> Vec<usize> {
        (0..self.program.categories().leaf_count())
            .filter(|leaf| declares(self.program, flow, *leaf))
            .filter(|leaf| {
                self.is_subject(flow.from)
                    || self.personal[*leaf][flow.from.index()]
                    || self.anonymous[*leaf][flow.from.index()]
            })
            .collect()
    }

    /// The leaves a flow carries as personal data.
    fn personal_of(&self, flow: &privet::model::Flow) -> Vec<usize> {
        if flow.transform == Some(Transform::Anonymized) {
            return Vec::new();
        }
        self.carried(flow)
            .into_iter()
            .filter(|leaf| self.is_subject(flow.from) || self.personal[*leaf][flow.from.index()])
            .collect()
    }

    fn findings(&self) -> BTreeSet<(FlowId, Name)> {
        let program = self.program;
        let mut found = BTreeSet::new();
        for (index, flow) in program.flows.iter().enumerate() {
            let id = FlowId(index as u32);
            // A tracker serves only the purposes its technologies are
            // declared for (or purposes below them).
            let mut ends = vec![flow.from, flow.to];
            ends.dedup();
            for end in ends {
                let node = program.node(end).unwrap();
                if node.kind != NodeKind::Tracker {
                    continue;
                }
                let declared = |purpose: NameId| {
                    node.technologies.iter().any(|t| {
                        program.technologies.iter().any(|tech| {
                            tech.id == *t
                                && tech
                                    .purposes
                                    .iter()
                                    .any(|p| program.purposes().is_under(purpose, *p))
                        })
                    })
                };
                if flow.purposes.iter().any(|(p, _)| !declared(*p)) {
                    found.insert((id, Name::TechnologyPurposeUndeclared));
                }
            }
            let from_subject = self.is_subject(flow.from);
            let to_subject = self.is_subject(flow.to);
            let carried = self.carried(flow);
            let mut personal = self.personal_of(flow);
            for (category, _) in &flow.categories {
                let declared: Vec<usize> = program.categories().leaves_of(*category).collect();
                let mut audiences = self.flow_audiences(flow);
                let atoms: Vec<usize> =
                    if !from_subject && !declared.iter().any(|leaf| carried.contains(leaf)) {
                        // Never reaches the source: judged as declared,
                        // unless anonymized, and about every audience.
                        found.insert((id, Name::InconsistentFlow));
                        if flow.transform == Some(Transform::Anonymized) {
                            continue;
                        }
                        personal.extend(declared.iter().copied());
                        audiences.clear();
                        declared.clone()
                    } else {
                        declared
                            .iter()
                            .copied()
                            .filter(|l| personal.contains(l))
                            .collect()
                    };
                if to_subject {
                    continue;
                }
                if atoms.is_empty() {
                    continue;
                }
                for (purpose, _) in &flow.purposes {
                    self.act_findings(
                        id,
                        flow,
                        (*category, *purpose),
                        &audiences,
                        &atoms,
                        &mut found,
                    );
                }
            }
            if !to_subject {
                for requirement in &program.requirements {
                    if requirement.target != RequireTarget::Flows {
                        continue;
                    }
                    if personal
                        .iter()
                        .any(|leaf| requirement.categories.leaves.contains(*leaf))
                        && requirement.safeguards.iter().any(|s| {
                            !flow
                                .protection
                                .iter()
                                .any(|p| program.safeguards().is_under(*p, *s))
                        })
                    {
                        found.insert((id, Name::MissingSafeguard));
                    }
                }
            }
        }
        self.unnecessary_collection(&mut found);
        self.reidentification(&mut found);
        self.secondary_uses(&mut found);
        found
    }

    /// The acts of a flow: a collection from a subject (and, when the
    /// subject hands the data to another party, the onward act to it), or
    /// the one onward act.
    fn actions(&self, flow: &privet::model::Flow) -> Vec<(Action, PartyKind)> {
        let to = self.program.node(flow.to).unwrap();
        let onward = match to.party {
            PartyKind::FirstParty if to.kind == NodeKind::Store => Action::Store,
            PartyKind::FirstParty => Action::Use,
            PartyKind::Acquirer => Action::Transfer,
            PartyKind::Public => Action::Disclose,
            _ => Action::Share,
        };
        match (self.is_subject(flow.from), to.party) {
            (false, party) => vec![(onward, party)],
            (true, PartyKind::FirstParty) => vec![(Action::Collect, PartyKind::FirstParty)],
            (true, party) => vec![(Action::Collect, party), (onward, party)],
        }
    }

    fn act_findings(
        &self,
        id: FlowId,
        flow: &privet::model::Flow,
        (category, purpose): (NameId, NameId),
        audiences: &[NameId],
        atoms: &[usize],
        found: &mut BTreeSet<(FlowId, Name)>,
    ) {
        let program = self.program;
        let to = program.node(flow.to).unwrap();
        let regions: Vec<Option<NameId>> = if to.regions.is_empty() {
            vec![None]
        } else {
            to.regions.iter().map(|r| Some(*r)).collect()
        };
        let acts = self.actions(flow);
        let act_of = |action, recipient, region, do_not_track| Act {
            action,
            category,
            purpose,
            recipient,
            bases: flow.bases.clone(),
            region,
            do_not_track,
            audiences: audiences.to_vec(),
            // The generated programs have no rule about a phase.
            phases: program.all_phases(),
            opt_outs: Vec::new(),
            notified: flow.notified.clone(),
        };
        for (action, recipient, region) in acts
            .iter()
            .flat_map(|&(a, p)| regions.iter().map(move |&r| (a, p, r)))
        {
            let act = act_of(action, recipient, region, false);
            let decision = decide_atoms(program, &act, atoms);
            // An `allow collect` discloses a collection unless it rests on
            // exemptions only.
            let exemption = |basis: &NameId| {
                program
                    .bases()
                    .get(*basis)
                    .and_then(|entry| entry.declared.as_ref())
                    .is_some_and(|declared| declared.exemption)
            };
            let disclosed = |leaf_category: NameId| {
                program.rules.iter().any(|rule| {
                    rule.kind == RuleKind::Allow
                        && rule.actions.contains(Action::Collect)
                        && (rule.bases.is_empty() || !rule.bases.iter().all(exemption))
                        && program
                            .categories()
                            .leaves_of(leaf_category)
                            .all(|l| rule.categories.leaves.contains(l))
                })
            };
            // A collection of a leaf no rule discloses, where some atom is
            // not forbidden: whether or not the act is permitted.
            if action == Action::Collect {
                for &leaf in atoms {
                    let open = program.purposes().leaves_of(purpose).any(|p| {
                        !decision.forbidding.iter().any(|rule| {
                            privet::check::decision::rule_covers(
                                program.rule(*rule).unwrap(),
                                leaf,
                                p,
                            )
                        })
                    });
                    let category = program.categories().leaf(leaf).unwrap();
                    if open && !disclosed(category) {
                        found.insert((id, Name::UndisclosedCollection));
                    }
                }
            }
            if decision.allowed {
                continue;
            }
            for rule in &decision.forbidding {
                let rule = program.rule(*rule).unwrap();
                let name = match rule.kind {
                    RuleKind::Restrict => Name::PurposeRestricted,
                    RuleKind::Deny if action.is_onward() => Name::SharingWithoutBasis,
                    RuleKind::Deny => Name::PurposeNotAllowed,
                    RuleKind::Confine => Name::RegionNotAllowed,
                    _ => continue,
                };
                found.insert((id, name));
            }
            for (leaf_category, _) in &decision.unallowed {
                let name = if action == Action::Collect && !disclosed(*leaf_category) {
                    Name::UndisclosedCollection
                } else if action.is_onward() {
                    Name::SharingWithoutBasis
                } else {
                    Name::PurposeNotAllowed
                };
                found.insert((id, name));
            }
        }
        // Do Not Track.
        let from = program.node(flow.from).unwrap();
        let honoured = flow.honours_dnt
            || from.honours_dnt
            || (to.kind == NodeKind::Tracker && to.honours_dnt);
        if honoured {
            return;
        }
        let forbidden_by_dnt = acts.iter().any(|&(action, recipient)| {
            decide_atoms(program, &act_of(action, recipient, None, true), atoms)
                .forbidding
                .iter()
                .any(|r| program.rule(*r).unwrap().kind == RuleKind::HonourDnt)
        });
        if !forbidden_by_dnt {
            return;
        }
        let tracking = |p: NameId| {
            program.rules.iter().any(|rule| {
                rule.kind == RuleKind::HonourDnt
                    && program
                        .purposes()
                        .leaves_of(p)
                        .any(|leaf| rule.purposes.as_ref().unwrap().leaves.contains(leaf))
            })
        };
        // Tracking started upstream when some path from a subject to the
        // source, of flows carrying the leaf other than this one, passes a
        // tracking flow: a plain search over (node, passed) states.
        let upstream = !self.is_subject(flow.from)
            && atoms.iter().all(|leaf| {
                let mut seen = BTreeSet::new();
                let mut queue: VecDeque<(NameId, bool)> = program
                    .nodes
                    .iter()
                    .filter(|n| n.kind == NodeKind::Subject)
                    .map(|n| (n.id, false))
                    .collect();
                while let Some((node, passed)) = queue.pop_front() {
                    if !seen.insert((node, passed)) {
                        continue;
                    }
                    if passed && node == flow.from {
                        return true;
                    }
                    for (index, next) in program.flows.iter().enumerate() {
                        if index != id.0 as usize
                            && next.from == node
                            && self.carried(next).contains(leaf)
                        {
                            let tracks = next.purposes.iter().any(|(p, _)| tracking(*p));
                            queue.push_back((next.to, passed || tracks));
                        }
                    }
                }
                false
            });
        if !upstream {
            found.insert((id, Name::TrackingIgnoresDnt));
        }
    }

    fn unnecessary_collection(&self, found: &mut BTreeSet<(FlowId, Name)>) {
        let program = self.program;
        let used: BTreeSet<usize> = program
            .flows
            .iter()
            .filter(|flow| {
                !self.is_subject(flow.from)
                    || self.program.node(flow.to).unwrap().party != PartyKind::FirstParty
            })
            .flat_map(|flow| self.carried(flow))
            .collect();
        let mut reported = BTreeSet::new();
        for (index, flow) in program.flows.iter().enumerate() {
            if !self.is_subject(flow.from) || self.is_subject(flow.to) {
                continue;
            }
            for (category, _) in &flow.categories {
                let unused: Vec<usize> = program
                    .categories()
                    .leaves_of(*category)
                    .filter(|leaf| !used.contains(leaf) && !reported.contains(leaf))
                    .collect();
                if !unused.is_empty() {
                    reported.extend(unused);
                    found.insert((FlowId(index as u32), Name::UnnecessaryCollection));
                }
            }
        }
    }

    fn reidentification(&self, found: &mut BTreeSet<(FlowId, Name)>) {
        let program = self.program;
        let leaves = program.categories().leaf_count();
        for node in &program.nodes {
            if node.kind == NodeKind::Subject {
                continue;
            }
            let v = node.id.index();
            let anonymous: Vec<usize> = (0..leaves).filter(|l| self.anonymous[*l][v]).collect();
            let identifiers: Vec<usize> = (0..leaves)
                .filter(|l| self.personal[*l][v])
                .filter(|l| {
                    let id = program.categories().leaf(*l).unwrap();
                    program.categories().get(id).unwrap().identifier
                })
                .collect();
            if anonymous.is_empty() || identifiers.is_empty() {
                continue;
            }
            let anonymized_flow = program.flows.iter().enumerate().find(|(_, flow)| {
                flow.to == node.id
                    && self.carried(flow).iter().any(|l| anonymous.contains(l))
                    && (flow.transform == Some(Transform::Anonymized)
                        || (0..leaves).any(|l| self.anonymous[l][flow.from.index()]))
            });
            let identifying = program.flows.iter().any(|flow| {
                flow.to == node.id
                    && flow.transform != Some(Transform::Anonymized)
                    && self.carried(flow).iter().any(|l| identifiers.contains(l))
            });
            if let (Some((index, _)), true) = (anonymized_flow, identifying) {
                found.insert((FlowId(index as u32), Name::Reidentification));
            }
        }
    }
}

fn declares(program: &Program, flow: &privet::model::Flow, leaf: usize) -> bool {
    flow.categories
        .iter()
        .any(|(category, _)| program.categories().leaves_of(*category).any(|l| l == leaf))
}

fn program_strategy() -> impl Strategy<Value = (Vec<String>, Vec<NodeSpec>, Vec<FlowSpec>)> {
    (
        proptest::collection::vec(rule(), 0..7),
        proptest::collection::vec(node(), 1..6),
    )
        .prop_flat_map(|(rules, nodes)| {
            let count = nodes.len();
            (
                Just(rules),
                Just(nodes),
                proptest::collection::vec(flow(count), 0..12),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn graph_checker_agrees_with_the_path_reference((rules, nodes, flows) in program_strategy()) {
        let text = render(&rules, &nodes, &flows);
        let compilation = compile_text(&text);
        let reference = Reference::new(&compilation.program);
        let audiences: Vec<BTreeSet<usize>> = compilation
            .graph
            .audiences
            .iter()
            .map(|leaves| leaves.ones().collect())
            .collect();
        prop_assert_eq!(&audiences, &reference.audiences, "{}", text);
        prop_assert_eq!(&compilation.findings, &reference.findings(), "{}", text);
        prop_assert_eq!(collected(&compilation), reference.collected, "{}", text);
    }
}

/// The graph's collection purposes, as the reference keeps them.
fn collected(compilation: &Compilation) -> Vec<Vec<BTreeSet<usize>>> {
    let program = &compilation.program;
    (0..program.categories().leaf_count())
        .map(|leaf| {
            program
                .nodes
                .iter()
                .map(|node| {
                    compilation
                        .graph
                        .collected
                        .get(node.id, leaf)
                        .map(|set| set.ones().collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

/// Collection purposes go around a cycle, stay apart per leaf where two
/// collections meet, and a flow under a basis accepted for a new purpose
/// binds what it carries to its purposes from there on.
#[test]
fn collection_purposes_follow_cycles_and_stay_per_leaf() {
    let text = format!(
        "{VOCABULARY}allow collect, use of a, b for p, q\n\
         system n1\nsystem n2\nsystem n3\nsystem n4\n\
         flow person -> n1 carries a.x for p.one\n\
         flow person -> n1 carries b for p.two\n\
         flow n1 -> n2 carries a.x, b for p.one\n\
         flow n2 -> n3 carries a.x, b for p.one\n\
         flow n3 -> n1 carries a.x for p.one\n\
         flow n3 -> n4 carries a.x, b for q under law\n\
         flow n4 -> n2 carries b for q\n"
    );
    let compilation = compile_text(&text);
    let reference = Reference::new(&compilation.program);
    assert_eq!(collected(&compilation), reference.collected);
    assert_eq!(compilation.findings, reference.findings());
    let program = &compilation.program;
    let leaf = |name: &str| {
        program
            .categories()
            .leaves_of(program.categories().lookup(name).unwrap())
            .start
    };
    let purposes = |node: &str, category: &str| -> Vec<String> {
        let node = program.node_names().lookup(node).unwrap();
        compilation
            .graph
            .collected
            .get(node, leaf(category))
            .map(|set| {
                set.ones()
                    .map(|p| {
                        program
                            .purposes()
                            .name(program.purposes().leaf(p).unwrap())
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // `b` was collected for `p.two` only, and `q` came back round to `n2`.
    assert_eq!(purposes("n1", "a.x"), vec!["p.one"]);
    assert_eq!(purposes("n1", "b"), vec!["p.two"]);
    assert_eq!(purposes("n2", "b"), vec!["p.two", "q"]);
    assert_eq!(purposes("n3", "a.x"), vec!["p.one"]);
    assert_eq!(purposes("n4", "a.x"), vec!["p.one", "q"]);
    // `n1 -> n2` and `n2 -> n3` use `b` for `p.one`: secondary uses.
    for flow in [2, 3] {
        assert!(
            compilation
                .findings
                .contains(&(FlowId(flow), Name::SecondaryUse)),
            "flow {flow}"
        );
    }
    // `a.x` for `p.one` round the cycle is not; `n4 -> n2` uses `b` for
    // `q`, which `n3 -> n4` bound it to.
    for flow in [4, 6] {
        assert!(
            !compilation
                .findings
                .contains(&(FlowId(flow), Name::SecondaryUse)),
            "flow {flow}"
        );
    }
}

#[test]
fn cycles_terminate_and_propagate_around() {
    let text = format!(
        "{VOCABULARY}allow collect, use of a for q\n\
         system n1\nsystem n2\nsystem n3\n\
         flow person -> n1 carries a.x for q\n\
         flow n1 -> n2 carries a for q\n\
         flow n2 -> n3 carries a for q\n\
         flow n3 -> n1 carries a for q\n\
         flow n3 -> n2 carries a.y for q\n"
    );
    let compilation = compile_text(&text);
    let reference = Reference::new(&compilation.program);
    assert_eq!(compilation.findings, reference.findings());
    // `a.y` never enters the cycle: the last flow is inconsistent.
    assert!(
        compilation
            .findings
            .contains(&(FlowId(4), Name::InconsistentFlow))
    );
}

/// A chain of 100,000 flows checks without overflowing the default stack of
/// a spawned thread, and the violation at its end carries the path, elided.
#[test]
fn a_long_chain_checks_without_overflowing_the_stack() {
    const LENGTH: usize = 100_000;
    let handle = std::thread::Builder::new()
        .name("chain".to_string())
        .spawn(|| {
            let mut text = String::from(
                "category a\npurpose q\nallow collect, use of a for q\n\
                 subject person\nvendor broker is third_party\n",
            );
            for index in 0..LENGTH {
                text.push_str(&format!("system s{index}\n"));
            }
            text.push_str("flow person -> s0 carries a for q\n");
            for index in 1..LENGTH {
                text.push_str(&format!(
                    "flow s{} -> s{index} carries a for q\n",
                    index - 1
                ));
            }
            text.push_str(&format!("flow s{} -> broker carries a for q\n", LENGTH - 1));
            let mut sources = SourceMap::new();
            sources.add("chain.privet", text);
            let compilation = compile(&sources);
            let names: Vec<&str> = compilation
                .diagnostics
                .iter()
                .map(|d| d.name.as_str())
                .collect();
            assert_eq!(names, vec!["sharing-without-basis"]);
            let note = compilation.diagnostics[0].notes.last().unwrap().clone();
            assert!(
                note.starts_with("path of `a`: person -> s0 -> s1 -> s2 -> …"),
                "{note}"
            );
            assert!(
                note.ends_with(&format!("s{} -> broker", LENGTH - 1)),
                "{note}"
            );
        })
        .unwrap();
    handle
        .join()
        .expect("the chain check must finish on a default-sized stack");
}
