//! The data-flow graph: which categories reach each node of the data map,
//! and which each flow really carries.
//!
//! A flow carries the leaves of the categories it declares, narrowed to what
//! reached its source (a subject is the source of everything). What reaches
//! a node is the union of what its incoming flows carry; anonymized flows
//! carry non-personal data, tracked apart, until it meets an identifier at a
//! node: there, and from there on, it is personal data again. Every step
//! only adds, so the result is the least fixpoint, whatever the order. Strongly connected components are
//! condensed (petgraph's iterative Kosaraju), components are visited in
//! topological order (Kahn's algorithm), and inside a component the sets are
//! iterated to a fixpoint, so the work is O((V + E) · C / 64) for C leaf
//! categories on an acyclic map, and no walk recurses.
//!
//! Data also carries its subjects: the audience leaves (kinds of data
//! subject) whose data reaches each node, from the subjects it started at
//! (a subject that names no kind is of every audience), along every flow
//! that carries something. This is kept per node, not per category: an
//! over-approximation, which only makes rules about an audience apply to
//! more flows. It is propagated over the same condensation and order, once
//! the categories are known.
//! The same order then fixes the purposes data was collected for (see
//! [`CollectedFor`]): a flow from a data subject is a collection, and the
//! leaves it carries are bound to its purposes; what reaches a node is bound
//! to the union over the collections it came from, leaf by leaf. Purpose sets
//! are interned, a node keeps one set per leaf that reaches it, and inside a
//! component a worklist revisits a node only when a set at it grew, so on an
//! acyclic map each flow is visited once per leaf it carries.
//!
//! Data is in phases too (live, or after an event of the person's
//! lifecycle: see [`crate::model::LIVE_PHASE`]): data collected from a
//! subject is live, unless the collecting flow says it is made `after` an
//! event, a store keeps data in the phases its `retain` clauses
//! imply ([`Program::lifecycle_phases`]; every phase for a store with none),
//! a node with no incoming flow that is neither is in every phase (not
//! known), and a flow carries the phases of its source, narrowed by its own
//! `while` or `after` clause. Per node and per flow a bitset over the
//! phases, propagated like the audiences.
//!
//! petgraph is an implementation detail: every id that leaves this module is
//! a domain id ([`NameId`] for nodes, [`FlowId`] for flows).

use crate::ast::{NodeKind, Transform};
use crate::model::{FlowId, LIVE_PHASE, NameId, Program, event_phase};
use crate::source::offset_u32;
use fixedbitset::FixedBitSet;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, VecDeque};

/// What the data map carries, per node and per flow.
#[derive(Clone, Debug)]
pub struct DataGraph {
    /// Personal category leaves that reach each node (by node id).
    pub arrived: Vec<FixedBitSet>,
    /// Anonymized category leaves that reach each node.
    pub anonymized: Vec<FixedBitSet>,
    /// Category leaves each flow really carries (by flow id).
    pub carried: Vec<FixedBitSet>,
    /// Audience leaves whose data reaches each node (by node id); for a
    /// subject, the kinds it is.
    pub audiences: Vec<FixedBitSet>,
    /// The purposes the data reaching each node was collected for.
    pub collected: CollectedFor,
    /// The phases of the data at each node (by node id).
    pub phases: Vec<FixedBitSet>,
    /// The phases of the data each flow carries (by flow id); empty when
    /// not known (then every phase).
    pub flow_phases: Vec<FixedBitSet>,
}

/// For each node and each category leaf that reaches it from a collection,
/// the leaf purposes that data was collected for: the purposes of the flows
/// from data subjects that brought it, and of the flows on the way that rely
/// on a basis the policy accepts for a new purpose (fresh consent after
/// notice: from there on the data is bound to those purposes too).
/// Anonymized data keeps its purposes, for when it meets an identifier.
/// A leaf that never came from a collection has no entry: nothing binds it.
#[derive(Clone, Debug, Default)]
pub struct CollectedFor {
    /// The distinct purpose sets (leaf purpose bitsets), each once.
    sets: Vec<FixedBitSet>,
    /// Per node (by node id): category leaf to an index into `sets`.
    at: Vec<BTreeMap<usize, u32>>,
}

impl CollectedFor {
    /// The leaf purposes a category leaf reaching a node was collected for;
    /// `None` when it never came there from a collection.
    pub fn get(&self, node: NameId, leaf: usize) -> Option<&FixedBitSet> {
        self.set(self.set_of(node, leaf)?)
    }

    /// The same, as the index of an interned set: equal sets have equal
    /// indices, so a judgement of a set can be remembered by it.
    pub fn set_of(&self, node: NameId, leaf: usize) -> Option<u32> {
        self.at.get(node.index())?.get(&leaf).copied()
    }

    /// An interned set by its index.
    pub fn set(&self, index: u32) -> Option<&FixedBitSet> {
        self.sets.get(index as usize)
    }

    /// The category leaves reaching a node that are bound to purposes, each
    /// with its purposes.
    pub fn at(&self, node: NameId) -> impl Iterator<Item = (usize, &FixedBitSet)> {
        self.at
            .get(node.index())
            .into_iter()
            .flatten()
            .filter_map(|(leaf, set)| self.sets.get(*set as usize).map(|s| (*leaf, s)))
    }
}

/// Builds [`CollectedFor`]: interned purpose sets and their unions,
/// remembered.
struct Binder {
    purpose_leaves: usize,
    sets: Vec<FixedBitSet>,
    interned: BTreeMap<FixedBitSet, u32>,
    unions: BTreeMap<(u32, u32), u32>,
    at: Vec<BTreeMap<usize, u32>>,
}

impl Binder {
    fn intern(&mut self, set: FixedBitSet) -> u32 {
        if let Some(id) = self.interned.get(&set) {
            return *id;
        }
        let id = offset_u32(self.sets.len());
        self.sets.push(set.clone());
        self.interned.insert(set, id);
        id
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == b {
            return a;
        }
        let key = (a.min(b), a.max(b));
        if let Some(id) = self.unions.get(&key) {
            return *id;
        }
        let mut set = self
            .sets
            .get(a as usize)
            .cloned()
            .unwrap_or_else(|| FixedBitSet::with_capacity(self.purpose_leaves));
        if let Some(other) = self.sets.get(b as usize) {
            set.union_with(other);
        }
        let id = self.intern(set);
        self.unions.insert(key, id);
        id
    }

    /// Carries the bound leaves of one flow to its target: what its source
    /// was bound to (nothing, from a subject), with what the flow itself
    /// binds. Whether a set at the target grew.
    fn transfer(
        &mut self,
        program: &Program,
        flow: usize,
        carried: &FixedBitSet,
        binds: Option<u32>,
    ) -> bool {
        let Some(model) = program.flows.get(flow) else {
            return false;
        };
        if program.is_subject(model.to) {
            return false;
        }
        let from_subject = program.is_subject(model.from);
        let mut grew = false;
        for leaf in carried.ones() {
            let upstream = if from_subject {
                None
            } else {
                self.at
                    .get(model.from.index())
                    .and_then(|at| at.get(&leaf))
                    .copied()
            };
            let out = match (upstream, binds) {
                (Some(a), Some(b)) => self.union(a, b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => continue,
            };
            let before = self
                .at
                .get(model.to.index())
                .and_then(|at| at.get(&leaf))
                .copied();
            let after = match before {
                Some(before) => self.union(before, out),
                None => out,
            };
            if before != Some(after)
                && let Some(at) = self.at.get_mut(model.to.index())
            {
                at.insert(leaf, after);
                grew = true;
            }
        }
        grew
    }
}

impl DataGraph {
    /// Propagates categories through the data map of a program.
    pub fn build(program: &Program) -> DataGraph {
        let leaf_count = program.categories().leaf_count();
        let node_count = program.nodes.len();
        let empty = FixedBitSet::with_capacity(leaf_count);

        // What each flow declares, as leaves.
        let declared: Vec<FixedBitSet> = program
            .flows
            .iter()
            .map(|flow| {
                let ids: Vec<NameId> = flow.categories.iter().map(|(id, _)| *id).collect();
                program.categories().leaf_set(&ids, None)
            })
            .collect();

        let mut graph: DiGraph<NameId, FlowId> =
            DiGraph::with_capacity(node_count, program.flows.len());
        for node in &program.nodes {
            graph.add_node(node.id);
        }
        for (index, flow) in program.flows.iter().enumerate() {
            graph.add_edge(
                NodeIndex::new(flow.from.index()),
                NodeIndex::new(flow.to.index()),
                FlowId(offset_u32(index)),
            );
        }

        let components = petgraph::algo::kosaraju_scc(&graph);
        let mut component_of = vec![0usize; node_count];
        for (component, members) in components.iter().enumerate() {
            for member in members {
                if let Some(slot) = component_of.get_mut(member.index()) {
                    *slot = component;
                }
            }
        }
        let order = topological_components(program, &component_of, components.len());

        let is_subject: Vec<bool> = program
            .nodes
            .iter()
            .map(|node| node.kind == NodeKind::Subject)
            .collect();
        let mut arrived = vec![empty.clone(); node_count];
        let mut anonymized = vec![empty.clone(); node_count];
        let mut carried = vec![empty.clone(); program.flows.len()];

        // Flows grouped by the component of their source.
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
        for (index, flow) in program.flows.iter().enumerate() {
            if let Some(component) = component_of.get(flow.from.index())
                && let Some(list) = outgoing.get_mut(*component)
            {
                list.push(index);
            }
        }

        // Leaves that identify people: anonymized data that meets one of
        // them at a node is personal data again there, and from there on.
        let mut identifiers = empty.clone();
        for leaf in 0..leaf_count {
            let identifies = program
                .categories()
                .leaf(leaf)
                .and_then(|id| program.categories().get(id))
                .is_some_and(|entry| entry.identifier);
            if identifies {
                identifiers.insert(leaf);
            }
        }

        for &component in &order {
            // Iterate the component's flows until nothing changes; outside
            // a cycle this is one pass.
            loop {
                let mut changed = false;
                for member in components.get(component).map(Vec::as_slice).unwrap_or(&[]) {
                    let node = member.index();
                    if is_subject.get(node).copied().unwrap_or(true) {
                        continue;
                    }
                    let (Some(personal), Some(anon)) =
                        (arrived.get_mut(node), anonymized.get(node))
                    else {
                        continue;
                    };
                    if !personal.is_disjoint(&identifiers) && !anon.is_subset(personal) {
                        personal.union_with(anon);
                        changed = true;
                    }
                }
                for &index in outgoing.get(component).map(Vec::as_slice).unwrap_or(&[]) {
                    let (Some(flow), Some(declared)) =
                        (program.flows.get(index), declared.get(index))
                    else {
                        continue;
                    };
                    let from = flow.from.index();
                    let to = flow.to.index();
                    let mut now = declared.clone();
                    if !is_subject.get(from).copied().unwrap_or(false) {
                        // Personal or anonymized, what reached the source.
                        let mut available = arrived.get(from).cloned().unwrap_or_default();
                        if let Some(anon) = anonymized.get(from) {
                            available.union_with(anon);
                        }
                        now.intersect_with(&available);
                    }
                    if let Some(slot) = carried.get_mut(index)
                        && *slot != now
                    {
                        *slot = now.clone();
                    }
                    let personal_at_source = if is_subject.get(from).copied().unwrap_or(false) {
                        now.clone()
                    } else {
                        let mut personal = now.clone();
                        if let Some(source) = arrived.get(from) {
                            personal.intersect_with(source);
                        }
                        personal
                    };
                    let target = if flow.transform == Some(Transform::Anonymized) {
                        anonymized.get_mut(to)
                    } else {
                        arrived.get_mut(to)
                    };
                    let mut delivered = if flow.transform == Some(Transform::Anonymized) {
                        now.clone()
                    } else {
                        personal_at_source
                    };
                    if let Some(target) = target {
                        delivered.difference_with(target);
                        if !delivered.is_clear() {
                            target.union_with(&delivered);
                            changed = true;
                        }
                    }
                    // Anonymized data stays anonymized downstream.
                    if flow.transform != Some(Transform::Anonymized) {
                        let mut anon = now.clone();
                        if let Some(source) = anonymized.get(from) {
                            anon.intersect_with(source);
                        } else {
                            anon.clear();
                        }
                        if let Some(target) = anonymized.get_mut(to) {
                            anon.difference_with(target);
                            if !anon.is_clear() {
                                target.union_with(&anon);
                                changed = true;
                            }
                        }
                    }
                }
                let in_cycle = components.get(component).is_some_and(|members| {
                    members.len() > 1
                        || members.iter().any(|member| {
                            graph
                                .neighbors(*member)
                                .any(|neighbour| neighbour == *member)
                        })
                });
                if !changed || !in_cycle {
                    break;
                }
            }
        }

        let audiences = propagate_audiences(program, &components, &order, &outgoing, &carried);
        let collected = collection_purposes(program, &carried, &components, &order, &component_of);
        let (phases, flow_phases) =
            propagate_phases(program, &components, &order, &outgoing, &carried);
        DataGraph {
            arrived,
            anonymized,
            carried,
            audiences,
            collected,
            phases,
            flow_phases,
        }
    }

    /// The phases of the data a flow carries; every phase when that is not
    /// known.
    pub fn phases_of_flow(&self, program: &Program, flow: FlowId) -> FixedBitSet {
        match self.flow_phases.get(flow.index()) {
            Some(phases) if !phases.is_clear() => phases.clone(),
            _ => program.all_phases(),
        }
    }

    /// For one phase, the node at which the data in that phase reaching each
    /// node (by node id) entered the map: a subject for live data or data
    /// collected in the phase, a store whose `retain` clauses keep data in
    /// it. A breadth-first search along
    /// the flows that carry the phase, from those nodes in node order.
    pub fn phase_origins(&self, program: &Program, phase: usize) -> Vec<Option<NameId>> {
        let node_count = program.nodes.len();
        let mut origin: Vec<Option<NameId>> = vec![None; node_count];
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); node_count];
        for (index, flow) in program.flows.iter().enumerate() {
            if self
                .flow_phases
                .get(index)
                .is_some_and(|phases| phases.contains(phase))
                && let Some(list) = outgoing.get_mut(flow.from.index())
            {
                list.push(index);
            }
        }
        let mut queue = VecDeque::new();
        for node in &program.nodes {
            // A subject is the origin of a phase it is collected in, by a
            // collection's own `after` clause.
            let collected_in = node.kind == NodeKind::Subject
                && outgoing
                    .get(node.id.index())
                    .is_some_and(|flows| !flows.is_empty());
            if (collected_in || own_phases(program, node).contains(phase))
                && let Some(slot) = origin.get_mut(node.id.index())
            {
                *slot = Some(node.id);
                queue.push_back(node.id);
            }
        }
        while let Some(current) = queue.pop_front() {
            let from = origin.get(current.index()).copied().flatten();
            for index in outgoing
                .get(current.index())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let Some(flow) = program.flows.get(*index) else {
                    continue;
                };
                if let Some(slot) = origin.get_mut(flow.to.index())
                    && slot.is_none()
                {
                    *slot = from;
                    queue.push_back(flow.to);
                }
            }
        }
        origin
    }

    /// The audience leaves whose data a flow carries: a subject's kinds, or
    /// what reached its source; `None` when that is not known (the program
    /// declares no audience, a subject names no kind, nothing reached the
    /// source): then the flow is of every audience.
    pub fn flow_audiences(&self, program: &Program, flow: FlowId) -> Option<&FixedBitSet> {
        let from = program.flow(flow)?.from;
        self.audiences
            .get(from.index())
            .filter(|leaves| !leaves.is_clear())
    }

    /// The leaves a flow carries as personal data: none for an anonymized
    /// flow.
    pub fn personal(&self, program: &Program, flow: FlowId) -> FixedBitSet {
        let Some(model) = program.flow(flow) else {
            return FixedBitSet::new();
        };
        let mut carried = self.carried.get(flow.index()).cloned().unwrap_or_default();
        if model.transform == Some(Transform::Anonymized) {
            carried.clear();
            return carried;
        }
        let is_subject = program.is_subject(model.from);
        if !is_subject && let Some(source) = self.arrived.get(model.from.index()) {
            carried.intersect_with(source);
        }
        carried
    }

    /// For one leaf, the flow by which a breadth-first search from the data
    /// subjects first reached each node (by node id): a shortest-path tree.
    pub fn path_tree(&self, program: &Program, leaf: usize) -> Vec<Option<FlowId>> {
        let node_count = program.nodes.len();
        let mut outgoing: Vec<Vec<FlowId>> = vec![Vec::new(); node_count];
        for (index, flow) in program.flows.iter().enumerate() {
            if self
                .carried
                .get(index)
                .is_some_and(|carried| carried.contains(leaf))
                && let Some(list) = outgoing.get_mut(flow.from.index())
            {
                list.push(FlowId(offset_u32(index)));
            }
        }
        let mut via: Vec<Option<FlowId>> = vec![None; node_count];
        let mut seen = FixedBitSet::with_capacity(node_count);
        let mut queue = VecDeque::new();
        for node in &program.nodes {
            if node.kind == NodeKind::Subject {
                seen.insert(node.id.index());
                queue.push_back(node.id);
            }
        }
        while let Some(current) = queue.pop_front() {
            for flow in outgoing
                .get(current.index())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let Some(model) = program.flow(*flow) else {
                    continue;
                };
                if !seen.contains(model.to.index()) {
                    seen.insert(model.to.index());
                    if let Some(slot) = via.get_mut(model.to.index()) {
                        *slot = Some(*flow);
                    }
                    queue.push_back(model.to);
                }
            }
        }
        via
    }
}

/// Finds and prints the paths data took, one breadth-first search per leaf,
/// remembered.
pub struct PathFinder<'a> {
    program: &'a Program,
    graph: &'a DataGraph,
    trees: std::cell::RefCell<std::collections::BTreeMap<usize, Vec<Option<FlowId>>>>,
}

/// Paths longer than this many nodes are shown with their middle elided.
const SHOWN_PATH_NODES: usize = 10;

impl<'a> PathFinder<'a> {
    pub fn new(program: &'a Program, graph: &'a DataGraph) -> Self {
        PathFinder {
            program,
            graph,
            trees: Default::default(),
        }
    }

    /// The flows of a shortest path by which a leaf reached `node` from a
    /// data subject, the collection first; `None` when it never did.
    pub fn path_flows(&self, node: NameId, leaf: usize) -> Option<Vec<FlowId>> {
        let mut trees = self.trees.borrow_mut();
        let tree = trees
            .entry(leaf)
            .or_insert_with(|| self.graph.path_tree(self.program, leaf));
        let mut flows = Vec::new();
        let mut at = node;
        while let Some(flow) = tree.get(at.index()).copied().flatten() {
            let model = self.program.flow(flow)?;
            at = model.from;
            flows.push(flow);
            if flows.len() > self.program.nodes.len() {
                return None;
            }
        }
        if flows.is_empty() || !self.program.is_subject(at) {
            return None;
        }
        flows.reverse();
        Some(flows)
    }

    /// The nodes on a shortest path by which a leaf reached `node` from a
    /// data subject, subject first; `None` when it never did.
    pub fn path(&self, node: NameId, leaf: usize) -> Option<Vec<NameId>> {
        let flows = self.path_flows(node, leaf)?;
        let first = self.program.flow(*flows.first()?)?;
        let mut nodes = vec![first.from];
        for flow in &flows {
            nodes.push(self.program.flow(*flow)?.to);
        }
        Some(nodes)
    }

    /// The path as text, `customer -> app -> orders_db`, with the middle of
    /// a long path elided.
    pub fn path_text(&self, node: NameId, leaf: usize) -> Option<String> {
        let nodes = self.path(node, leaf)?;
        let names = self.program.node_names();
        let shown: Vec<String> = if nodes.len() > SHOWN_PATH_NODES {
            let head = nodes.iter().take(4).map(|n| names.name(*n).to_string());
            let tail = nodes
                .iter()
                .skip(nodes.len() - 5)
                .map(|n| names.name(*n).to_string());
            head.chain(std::iter::once(format!("… ({} more) …", nodes.len() - 9)))
                .chain(tail)
                .collect()
        } else {
            nodes.iter().map(|n| names.name(*n).to_string()).collect()
        };
        Some(shown.join(" -> "))
    }
}

/// Whether a component of the condensation is a cycle: several nodes, or
/// one with a flow to itself (among `flows`, the component's outgoing
/// flows), so its propagation runs to a fixpoint.
fn component_in_cycle(
    program: &Program,
    components: &[Vec<NodeIndex>],
    component: usize,
    flows: &[usize],
) -> bool {
    components
        .get(component)
        .is_some_and(|members| members.len() > 1)
        || flows.iter().any(|index| {
            program
                .flows
                .get(*index)
                .is_some_and(|flow| flow.from == flow.to)
        })
}

/// One propagation over the condensation: component by component in
/// topological order, each flow that carries something into a node other
/// than a subject adds to its target's set what `through` says it passes
/// on (given the sets so far and the flow's index); a fixpoint inside a
/// cycle. Every step only adds, so the result is a least fixpoint.
fn propagate_along_flows(
    program: &Program,
    (components, order, outgoing): (&[Vec<NodeIndex>], &[usize], &[Vec<usize>]),
    carried: &[FixedBitSet],
    sets: &mut [FixedBitSet],
    through: impl Fn(&[FixedBitSet], usize) -> Option<FixedBitSet>,
) {
    for &component in order {
        let flows = outgoing.get(component).map(Vec::as_slice).unwrap_or(&[]);
        let in_cycle = component_in_cycle(program, components, component, flows);
        loop {
            let mut changed = false;
            for &index in flows {
                let (Some(flow), Some(carries)) = (program.flows.get(index), carried.get(index))
                else {
                    continue;
                };
                if carries.is_clear() || program.is_subject(flow.to) {
                    continue;
                }
                let Some(mut reaching) = through(sets, index) else {
                    continue;
                };
                if let Some(target) = sets.get_mut(flow.to.index()) {
                    reaching.difference_with(target);
                    if !reaching.is_clear() {
                        target.union_with(&reaching);
                        changed = true;
                    }
                }
            }
            if !changed || !in_cycle {
                break;
            }
        }
    }
}

/// The audience leaves whose data reaches each node: a subject's own kinds
/// (every leaf when it names none), then, component by component in
/// topological order, the union over the flows into a node that carry
/// something of what reached their sources; a fixpoint inside a cycle.
fn propagate_audiences(
    program: &Program,
    components: &[Vec<NodeIndex>],
    order: &[usize],
    outgoing: &[Vec<usize>],
    carried: &[FixedBitSet],
) -> Vec<FixedBitSet> {
    let leaf_count = program.audiences().leaf_count();
    let mut audiences: Vec<FixedBitSet> = program
        .nodes
        .iter()
        .map(|node| {
            if node.kind != NodeKind::Subject || leaf_count == 0 {
                FixedBitSet::with_capacity(leaf_count)
            } else if node.audiences.is_empty() {
                program.audiences().all_leaves()
            } else {
                program.audiences().leaf_set(&node.audiences, None)
            }
        })
        .collect();
    if leaf_count == 0 {
        return audiences;
    }
    propagate_along_flows(
        program,
        (components, order, outgoing),
        carried,
        &mut audiences,
        |audiences, index| {
            let flow = program.flows.get(index)?;
            audiences.get(flow.from.index()).cloned()
        },
    );
    audiences
}

/// The phases a node holds data in of its own: live for a subject, those
/// its `retain` clauses imply for a store (every phase when it has none).
fn own_phases(program: &Program, node: &crate::model::Node) -> FixedBitSet {
    match node.kind {
        NodeKind::Subject => program.phase_set(LIVE_PHASE),
        NodeKind::Store if node.retentions.is_empty() => program.all_phases(),
        NodeKind::Store => {
            let mut phases = FixedBitSet::with_capacity(program.phase_count());
            for retention in &node.retentions {
                phases.union_with(&program.lifecycle_phases(&retention.lifecycle));
            }
            phases
        }
        _ => FixedBitSet::with_capacity(program.phase_count()),
    }
}

/// The phases a flow narrows itself to; `None` when it does not.
pub fn flow_narrowing(program: &Program, flow: &crate::model::Flow) -> Option<FixedBitSet> {
    let phase = flow.phase.as_ref()?;
    let mut phases = FixedBitSet::with_capacity(program.phase_count());
    if phase.state.is_some() {
        phases.insert(LIVE_PHASE);
    }
    for event in &phase.events {
        phases.grow(event_phase(*event) + 1);
        phases.insert(event_phase(*event));
    }
    Some(phases)
}

/// The phases of the data at each node and on each flow: a node's own
/// (see [`own_phases`]; every phase for a node that is neither a subject
/// nor a store and has no incoming flow), then, component by component in
/// topological order, what the flows into it that carry something bring:
/// the phases at their source, narrowed by their own clause (from a subject,
/// the phases the clause names: a collection is in the phase it is made in);
/// a fixpoint inside a cycle.
fn propagate_phases(
    program: &Program,
    components: &[Vec<NodeIndex>],
    order: &[usize],
    outgoing: &[Vec<usize>],
    carried: &[FixedBitSet],
) -> (Vec<FixedBitSet>, Vec<FixedBitSet>) {
    let mut has_incoming = FixedBitSet::with_capacity(program.nodes.len());
    for flow in &program.flows {
        has_incoming.insert(flow.to.index());
    }
    let mut phases: Vec<FixedBitSet> = program
        .nodes
        .iter()
        .map(|node| {
            let own = own_phases(program, node);
            if own.is_clear() && !has_incoming.contains(node.id.index()) {
                program.all_phases()
            } else {
                own
            }
        })
        .collect();
    let narrowing: Vec<Option<FixedBitSet>> = program
        .flows
        .iter()
        .map(|flow| flow_narrowing(program, flow))
        .collect();
    let through = |phases: &[FixedBitSet], index: usize| -> Option<FixedBitSet> {
        let flow = program.flows.get(index)?;
        let narrow = narrowing.get(index).and_then(Option::as_ref);
        // A collection happens when the flow says: what the person gives
        // after an event is data after that event, not live data narrowed
        // to nothing.
        if let Some(narrow) = narrow
            && program.is_subject(flow.from)
        {
            return Some(narrow.clone());
        }
        let mut out = phases.get(flow.from.index())?.clone();
        if let Some(narrow) = narrow {
            out.intersect_with(narrow);
        }
        Some(out)
    };
    propagate_along_flows(
        program,
        (components, order, outgoing),
        carried,
        &mut phases,
        through,
    );
    let flow_phases = (0..program.flows.len())
        .map(|index| through(&phases, index).unwrap_or_default())
        .collect();
    (phases, flow_phases)
}

/// The purposes the data reaching each node was collected for, in the
/// topological order of the components; inside a component, a worklist of
/// its nodes until no set grows, then the flows that leave it, once.
fn collection_purposes(
    program: &Program,
    carried: &[FixedBitSet],
    components: &[Vec<NodeIndex>],
    order: &[usize],
    component_of: &[usize],
) -> CollectedFor {
    let node_count = program.nodes.len();
    let mut binder = Binder {
        purpose_leaves: program.purposes().leaf_count(),
        sets: Vec::new(),
        interned: BTreeMap::new(),
        unions: BTreeMap::new(),
        at: vec![BTreeMap::new(); node_count],
    };
    // What each flow binds the leaves it carries to: its purposes, for a
    // collection; those its bases accept for a new purpose, for another flow
    // (all of them under a basis accepted `for new purpose`, an exemption's
    // own under an exemption declared `for` them).
    let binds: Vec<Option<u32>> = program
        .flows
        .iter()
        .map(|flow| {
            let ids: Vec<NameId> = flow.purposes.iter().map(|(id, _)| *id).collect();
            let mut set = program.purposes().leaf_set(&ids, None);
            if !program.is_subject(flow.from) {
                // A basis that lets data be used for a new purpose binds it to
                // those of the flow's purposes it allows.
                set.intersect_with(&program.new_purpose_leaves(&flow.bases)?);
            }
            (!set.is_clear()).then(|| binder.intern(set))
        })
        .collect();
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); node_count];
    for (index, flow) in program.flows.iter().enumerate() {
        if let Some(list) = outgoing.get_mut(flow.from.index()) {
            list.push(index);
        }
    }
    let same_component = |flow: usize| {
        program.flows.get(flow).is_some_and(|flow| {
            component_of.get(flow.from.index()) == component_of.get(flow.to.index())
        })
    };
    let empty = FixedBitSet::new();
    let mut queued = FixedBitSet::with_capacity(node_count);
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &component in order {
        let members = components.get(component).map(Vec::as_slice).unwrap_or(&[]);
        for member in members {
            queued.insert(member.index());
            queue.push_back(member.index());
        }
        while let Some(node) = queue.pop_front() {
            queued.set(node, false);
            for &flow in outgoing.get(node).map(Vec::as_slice).unwrap_or(&[]) {
                if !same_component(flow) {
                    continue;
                }
                let leaves = carried.get(flow).unwrap_or(&empty);
                let bind = binds.get(flow).copied().flatten();
                if binder.transfer(program, flow, leaves, bind)
                    && let Some(target) = program.flows.get(flow).map(|f| f.to.index())
                    && !queued.contains(target)
                {
                    queued.insert(target);
                    queue.push_back(target);
                }
            }
        }
        for member in members {
            for &flow in outgoing
                .get(member.index())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if !same_component(flow) {
                    let leaves = carried.get(flow).unwrap_or(&empty);
                    let bind = binds.get(flow).copied().flatten();
                    binder.transfer(program, flow, leaves, bind);
                }
            }
        }
    }
    CollectedFor {
        sets: binder.sets,
        at: binder.at,
    }
}

/// The components in topological order (sources first), by Kahn's
/// algorithm; ties broken by the smallest node id, so the order is stable.
fn topological_components(program: &Program, component_of: &[usize], count: usize) -> Vec<usize> {
    let mut indegree = vec![0usize; count];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); count];
    for flow in &program.flows {
        let (Some(&from), Some(&to)) = (
            component_of.get(flow.from.index()),
            component_of.get(flow.to.index()),
        ) else {
            continue;
        };
        if from != to {
            if let Some(list) = successors.get_mut(from) {
                list.push(to);
            }
            if let Some(degree) = indegree.get_mut(to) {
                *degree += 1;
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..count)
        .filter(|component| indegree.get(*component) == Some(&0))
        .collect();
    let mut order = Vec::with_capacity(count);
    while let Some(component) = ready.pop_first() {
        order.push(component);
        for next in successors.get(component).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(degree) = indegree.get_mut(*next) {
                *degree -= 1;
                if *degree == 0 {
                    ready.insert(*next);
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::source::SourceMap;

    const TEXT: &str = "category user.email\npurpose login\nbasis consent\n\
        state active\nevent closed\nevent deleted\n\
        allow collect, use, store of user for login under consent\n\
        subject person\nsystem app\nsystem orphan\n\
        store live_only retain user while active then delete\n\
        store after_closed retain user while active then after closed keep for 3 years then delete\n\
        store from_collection retain user keep for 30 days then delete\n\
        store no_retain\n\
        flow person -> app carries user.email for login under consent\n\
        flow app -> live_only carries user.email for login\n\
        flow app -> after_closed carries user.email for login\n\
        flow app -> from_collection carries user.email for login\n\
        flow app -> no_retain carries user.email for login\n\
        flow after_closed -> app carries user.email for login\n\
        flow from_collection -> orphan carries user.email for login after deleted\n\
        system late\n\
        flow person -> late carries user.email for login under consent after closed\n";

    fn phases(names: &[&str]) -> Vec<String> {
        let mut sources = SourceMap::new();
        sources.add("g.privet", TEXT);
        let program = crate::pipeline::compile(&sources).program;
        let graph = DataGraph::build(&program);
        names
            .iter()
            .map(|name| {
                let id = program.node_names().lookup(name).unwrap();
                graph.phases[id.index()]
                    .ones()
                    .map(|phase| program.phase_name(phase))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect()
    }

    #[test]
    fn stores_keep_the_phases_their_retain_clauses_imply() {
        assert_eq!(
            phases(&[
                "person",
                "live_only",
                "after_closed",
                "from_collection",
                "no_retain",
                "orphan",
                "late"
            ]),
            [
                "live",
                // What reaches it from the app, which has the closed
                // accounts' data from `after_closed` (a cycle).
                "live, after `closed`",
                "live, after `closed`",
                "live, after `closed`, after `deleted`",
                "live, after `closed`, after `deleted`",
                // Narrowed by the flow's `after deleted`.
                "after `deleted`",
                // Collected after `closed`, as its flow says: not live data
                // narrowed to nothing (which would be every phase).
                "after `closed`",
            ]
        );
    }
}
