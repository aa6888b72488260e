//! Retention of the data map's stores against the policy: every category a
//! store holds is covered by one of its `retain` clauses, and that clause is
//! held to the one policy rule that governs the category for each purpose it
//! is kept for (see docs/language.md, "Retention against the policy").

use crate::ast::{EndAction, Hold, Transform};
use crate::describe::join_and;
use crate::diagnostic::{Diagnostic, Name};
use crate::graph::{DataGraph, PathFinder};
use crate::model::*;
use crate::source::Span;
use fixedbitset::FixedBitSet;
use std::collections::{BTreeMap, BTreeSet};

use super::flows::{leaf_name, shown_leaves};

/// `retention-missing` and `retention-exceeded` for one store holding `held`,
/// brought by `flows_into`.
pub(super) fn check_store<'p>(
    program: &Program,
    graph: &DataGraph,
    paths: &PathFinder<'_>,
    node: &Node,
    held: &FixedBitSet,
    flows_into: impl Iterator<Item = (usize, &'p Flow)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let name = program.node_names().name(node.id);
    let name_span = program.node_name_span(node.id);
    // Retention declared for everything held.
    let mut uncovered = held.clone();
    for retention in &node.retentions {
        uncovered.difference_with(&retention.categories.leaves);
    }
    if !uncovered.is_clear() {
        let leaves: Vec<usize> = uncovered.ones().collect();
        let first = leaves.first().copied();
        let mut diagnostic = Diagnostic::new(
            Name::RetentionMissing,
            name_span,
            format!(
                "store `{name}` keeps {} with no retention declared",
                shown_leaves(program, &leaves)
            ),
        )
        .primary_message("no `retain` clause covers it")
        .help(format!(
            "add `retain {} after EVENT keep for DURATION then delete` to the store",
            leaf_name(program, first)
        ));
        if let Some(path) = first.and_then(|leaf| paths.path_text(node.id, leaf)) {
            diagnostic =
                diagnostic.note(format!("path of `{}`: {path}", leaf_name(program, first)));
        }
        diagnostics.push(diagnostic);
    }

    // Retention within the policy's.
    let purposes = purposes_held(program, graph, flows_into);
    let mut problems: BTreeMap<(usize, usize, RetentionProblem), Vec<usize>> = BTreeMap::new();
    for (clause_index, leaf, policy_index) in governing_pairs(program, node, held, &purposes) {
        let (Some(clause), Some(policy)) = (
            node.retentions.get(clause_index),
            program.retentions.get(policy_index),
        ) else {
            continue;
        };
        if let Some(problem) = compare_lifecycles(program, &clause.lifecycle, &policy.lifecycle) {
            let entry = problems
                .entry((clause_index, policy_index, problem))
                .or_default();
            if !entry.contains(&leaf) {
                entry.push(leaf);
            }
        }
    }
    for ((clause_index, policy_index, problem), leaves) in problems {
        let (Some(clause), Some(policy)) = (
            node.retentions.get(clause_index),
            program.retentions.get(policy_index),
        ) else {
            continue;
        };
        let shown = shown_leaves(program, &leaves);
        let (message, detail) = match &problem {
            RetentionProblem::Longer(detail) => (
                format!("store `{name}` keeps {shown} longer than the policy allows"),
                detail,
            ),
            RetentionProblem::Counted(detail) => (
                format!(
                    "store `{name}` counts the retention of {shown} from another event than the policy"
                ),
                detail,
            ),
            RetentionProblem::Weaker(detail) => (
                format!(
                    "store `{name}` ends or holds {shown} more weakly than the policy requires"
                ),
                detail,
            ),
        };
        let mut diagnostic =
            Diagnostic::new(Name::RetentionExceeded, clause.lifecycle.span(), message)
                .primary_message(detail.clone())
                .cited_label(
                    policy.meta.head,
                    "the policy's retention",
                    policy.meta.cite_text(),
                )
                .help("make the store's lifecycle end no later and no more weakly than the policy's retention, counted from the same event");
        if let Some(path) = leaves
            .first()
            .and_then(|leaf| paths.path_text(node.id, *leaf))
        {
            diagnostic = diagnostic.note(format!(
                "path of `{}`: {path}",
                leaf_name(program, leaves.first().copied())
            ));
        }
        diagnostics.push(diagnostic);
    }
}

/// For each personal leaf the given flows bring, the purposes of the flows
/// that bring it. Anonymized flows bring no personal data.
fn purposes_held<'p>(
    program: &Program,
    graph: &DataGraph,
    flows: impl Iterator<Item = (usize, &'p Flow)>,
) -> BTreeMap<usize, BTreeSet<NameId>> {
    let mut held: BTreeMap<usize, BTreeSet<NameId>> = BTreeMap::new();
    for (index, flow) in flows {
        if flow.transform == Some(Transform::Anonymized) {
            continue;
        }
        let personal = graph.personal(program, FlowId(crate::source::offset_u32(index)));
        for leaf in personal.ones() {
            let purposes = held.entry(leaf).or_default();
            for (purpose, _) in &flow.purposes {
                purposes.insert(*purpose);
            }
        }
    }
    held
}

/// (store clause, leaf, policy retention) for every leaf a store holds and
/// every purpose it is held for: the store's `retain` clause that names the
/// leaf most specifically, and the policy's `retain` rule that governs it
/// (see [`applicable_retention`]). Sorted, each once.
fn governing_pairs(
    program: &Program,
    node: &Node,
    held: &FixedBitSet,
    purposes: &BTreeMap<usize, BTreeSet<NameId>>,
) -> BTreeSet<(usize, usize, usize)> {
    let mut pairs = BTreeSet::new();
    for leaf in held.ones() {
        let Some(clause_index) = most_specific_clause(program, &node.retentions, leaf) else {
            continue;
        };
        let Some(clause) = node.retentions.get(clause_index) else {
            continue;
        };
        for purpose in purposes.get(&leaf).into_iter().flatten() {
            if let Some(policy_index) =
                applicable_retention(program, leaf, *purpose, &clause.lifecycle)
            {
                pairs.insert((clause_index, leaf, policy_index));
            }
        }
    }
    pairs
}

/// The depth of the deepest name of a scope that covers a leaf.
fn covering_depth(vocabulary: &Vocabulary, scope: &Scope, leaf: usize) -> Option<usize> {
    scope
        .names
        .iter()
        .filter(|name| vocabulary.leaves_of(**name).contains(&leaf))
        .map(|name| vocabulary.name(*name).split('.').count())
        .max()
}

/// The store clause for a leaf: the one naming it most specifically.
fn most_specific_clause(
    program: &Program,
    clauses: &[StoreRetention],
    leaf: usize,
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, clause) in clauses.iter().enumerate() {
        if let Some(depth) = covering_depth(program.categories(), &clause.categories, leaf)
            && best.is_none_or(|(best_depth, _)| depth > best_depth)
        {
            best = Some((depth, index));
        }
    }
    best.map(|(_, index)| index)
}

fn lifecycle_event(lifecycle: &Lifecycle) -> Option<NameId> {
    match lifecycle {
        Lifecycle::Phased {
            hold: Some(hold), ..
        } => hold.after,
        _ => None,
    }
}

/// The policy retention that governs a leaf held for a purpose: one naming
/// the purpose before one for every purpose, then the most specific
/// category, then one counted from the same event as the store's, then the
/// first written.
fn applicable_retention(
    program: &Program,
    leaf: usize,
    purpose: NameId,
    store: &Lifecycle,
) -> Option<usize> {
    let purpose_leaves: Vec<usize> = program.purposes().leaves_of(purpose).collect();
    let store_event = lifecycle_event(store);
    let mut best: Option<((bool, usize, bool), usize)> = None;
    for (index, retention) in program.retentions.iter().enumerate() {
        let Some(depth) = covering_depth(program.categories(), &retention.categories, leaf) else {
            continue;
        };
        let for_purpose = match &retention.purposes {
            None => false,
            Some(scope) => {
                if !purpose_leaves.iter().all(|p| scope.leaves.contains(*p)) {
                    continue;
                }
                true
            }
        };
        let same_event = lifecycle_event(&retention.lifecycle) == store_event;
        let key = (for_purpose, depth, same_event);
        if best.as_ref().is_none_or(|(best_key, _)| key > *best_key) {
            best = Some((key, index));
        }
    }
    best.map(|(_, index)| index)
}

fn end_strength(end: EndAction) -> u8 {
    match end {
        EndAction::Delete => 3,
        EndAction::Anonymize => 2,
        EndAction::Archive { .. } => 1,
    }
}

fn end_text(end: EndAction) -> &'static str {
    match end {
        EndAction::Delete => "deletes",
        EndAction::Anonymize => "anonymizes",
        EndAction::Archive { .. } => "archives",
    }
}

/// What a hold counts from, as messages say it: "`event`" or "collection".
fn counted_from(program: &Program, event: Option<NameId>) -> String {
    match event {
        Some(event) => format!("`{}`", program.vocabulary(Namespace::Event).name(event)),
        None => "collection".to_string(),
    }
}

fn duration_text(program: &Program, value: &DurationValue) -> String {
    match value.name {
        Some(name) => format!(
            "{} (`{}`)",
            value.value,
            program.vocabulary(Namespace::Duration).name(name)
        ),
        None => value.value.to_string(),
    }
}

/// How a store's lifecycle goes beyond the policy's.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetentionProblem {
    /// Kept longer (or in a state the policy does not allow).
    Longer(String),
    /// Counted from another event, so it cannot be shown to end in time.
    Counted(String),
    /// Held or ended more weakly.
    Weaker(String),
}

/// Whether a store's lifecycle stays within the policy's: `None` when it
/// does, else what is wrong. See `docs/diagnostics/retention-exceeded.md`.
pub fn compare_lifecycles(
    program: &Program,
    store: &Lifecycle,
    policy: &Lifecycle,
) -> Option<RetentionProblem> {
    let Lifecycle::Phased {
        while_state: policy_while,
        hold: policy_hold,
        end: policy_end,
        ..
    } = policy
    else {
        return None;
    };
    let Lifecycle::Phased {
        while_state: store_while,
        hold: store_hold,
        end: store_end,
        ..
    } = store
    else {
        return Some(RetentionProblem::Longer(
            "keeps it forever; the policy does not".to_string(),
        ));
    };
    let states = program.vocabulary(Namespace::State);
    if let Some(state) = store_while
        && *policy_while != Some(*state)
    {
        return Some(RetentionProblem::Longer(format!(
            "keeps it while `{}`, which the policy does not allow",
            states.name(*state)
        )));
    }
    match (store_hold, policy_hold) {
        (None, _) => {}
        (Some(store_hold), None) => {
            return Some(RetentionProblem::Longer(format!(
                "keeps it {} more; the policy ends it at once",
                duration_text(program, &store_hold.duration)
            )));
        }
        (Some(store_hold), Some(policy_hold)) => {
            // Every event the policy counts from comes after collection, so
            // a store counting from collection ends no later than one
            // counting the same time from an event.
            if store_hold.after.is_some() && store_hold.after != policy_hold.after {
                return Some(RetentionProblem::Counted(format!(
                    "counts from {}; the policy counts from {}",
                    counted_from(program, store_hold.after),
                    counted_from(program, policy_hold.after)
                )));
            }
            if !store_hold
                .duration
                .value
                .never_longer_than(policy_hold.duration.value)
            {
                return Some(RetentionProblem::Longer(format!(
                    "keeps it {}; the policy allows {}",
                    duration_text(program, &store_hold.duration),
                    duration_text(program, &policy_hold.duration)
                )));
            }
            if let Some(missing) = archive_shortfall(policy_hold.hold, store_hold.hold) {
                return Some(RetentionProblem::Weaker(format!(
                    "holds it without what the policy's archive requires: {missing}"
                )));
            }
            // The restriction is the policy's for the time after its event.
            // A hold counted from collection spans the live data too, which
            // may be used commercially: there the policy's `deny ... for
            // commercial after EVENT` rules judge each flow out of the store
            // by the phases of its data, and the store's words are not asked.
            if policy_hold.without_commercial_use
                && store_hold.after.is_some()
                && !store_hold.without_commercial_use
            {
                return Some(RetentionProblem::Weaker(
                    "holds it without the policy's `without commercial use`".to_string(),
                ));
            }
        }
    }
    if end_strength(*store_end) < end_strength(*policy_end) {
        return Some(RetentionProblem::Weaker(format!(
            "ends it more weakly: it {} where the policy {}",
            end_text(*store_end),
            end_text(*policy_end)
        )));
    }
    if let (
        EndAction::Archive {
            encrypted,
            isolated,
        },
        EndAction::Archive { .. },
    ) = (*policy_end, *store_end)
    {
        let as_hold = |end: EndAction| match end {
            EndAction::Archive {
                encrypted,
                isolated,
            } => Hold::Archive {
                encrypted,
                isolated,
            },
            _ => Hold::Keep,
        };
        if let Some(missing) = archive_shortfall(
            Hold::Archive {
                encrypted,
                isolated,
            },
            as_hold(*store_end),
        ) {
            return Some(RetentionProblem::Weaker(format!(
                "archives it without what the policy's archive requires: {missing}"
            )));
        }
    }
    None
}

/// What a store's way of holding records lacks against an archive the
/// policy requires: "encryption", "isolation", or both; `None` when nothing.
fn archive_shortfall(policy: Hold, store: Hold) -> Option<String> {
    let Hold::Archive {
        encrypted,
        isolated,
    } = policy
    else {
        return None;
    };
    let (has_encrypted, has_isolated) = match store {
        Hold::Archive {
            encrypted,
            isolated,
        } => (encrypted, isolated),
        Hold::Keep => (false, false),
    };
    let mut missing = Vec::new();
    if encrypted && !has_encrypted {
        missing.push("encryption".to_string());
    }
    if isolated && !has_isolated {
        missing.push("isolation".to_string());
    }
    if missing.is_empty() {
        None
    } else {
        Some(join_and(&missing))
    }
}

// ---------------------------------------------------------------- floors

/// A `retain ... forever` rule read as a floor: a duty to keep without end.
static FOREVER: Minimum = Minimum::Forever;

/// A floor as the check sees it: a `retain ... at least` rule, or a
/// `retain ... forever` rule.
pub struct FloorView<'p> {
    pub categories: &'p Scope,
    pub purposes: Option<&'p Scope>,
    pub minimum: &'p Minimum,
    pub meta: &'p Meta,
}

/// The floors of the policy: its `retain ... at least` rules, then its
/// `retain ... forever` rules.
pub fn floor_views(program: &Program) -> Vec<FloorView<'_>> {
    let floors = program.floors.iter().map(|floor| FloorView {
        categories: &floor.categories,
        purposes: floor.purposes.as_ref(),
        minimum: &floor.minimum,
        meta: &floor.meta,
    });
    let forever = program
        .retentions
        .iter()
        .filter(|retention| matches!(retention.lifecycle, Lifecycle::Forever { .. }))
        .map(|retention| FloorView {
            categories: &retention.categories,
            purposes: retention.purposes.as_ref(),
            minimum: &FOREVER,
            meta: &retention.meta,
        });
    floors.chain(forever).collect()
}

/// A store that holds personal data: what arrives, for which purposes.
struct Holder<'p> {
    node: &'p Node,
    held: &'p FixedBitSet,
    purposes: BTreeMap<usize, BTreeSet<NameId>>,
}

/// The flows into each node (by the node's index), in one pass over the
/// flows.
fn incoming(program: &Program) -> Vec<Vec<usize>> {
    let mut incoming = vec![Vec::new(); program.nodes.len()];
    for (index, flow) in program.flows.iter().enumerate() {
        if let Some(list) = incoming.get_mut(flow.to.index()) {
            list.push(index);
        }
    }
    incoming
}

/// The stores of the data map that hold personal data, each with the
/// purposes it holds each leaf for, found once for the program (from the
/// flows into each store, each flow read once), and the stores holding each
/// leaf: what the floors, the legal holds and the enforcement summary ask
/// store by store or leaf by leaf.
pub struct Holdings<'p> {
    holders: Vec<Holder<'p>>,
    /// The holder of each store, by the store's node.
    by_node: BTreeMap<NameId, usize>,
    /// The holders of each indexed leaf, in the order of the data map.
    by_leaf: BTreeMap<usize, Vec<usize>>,
}

impl<'p> Holdings<'p> {
    /// Every store of the data map, every leaf it holds indexed.
    pub fn of_every_store(program: &'p Program, graph: &'p DataGraph) -> Holdings<'p> {
        Holdings::new(program, graph, |_| true, None)
    }

    /// The stores `wanted` keeps; with `covered`, only those holding a leaf
    /// of it, and only its leaves indexed.
    fn new(
        program: &'p Program,
        graph: &'p DataGraph,
        wanted: impl Fn(&Node) -> bool,
        covered: Option<&FixedBitSet>,
    ) -> Holdings<'p> {
        let incoming = incoming(program);
        let mut holdings = Holdings {
            holders: Vec::new(),
            by_node: BTreeMap::new(),
            by_leaf: BTreeMap::new(),
        };
        for node in program
            .nodes
            .iter()
            .filter(|node| node.kind == crate::ast::NodeKind::Store && wanted(node))
        {
            let Some(held) = graph.arrived.get(node.id.index()) else {
                continue;
            };
            if covered.is_some_and(|covered| held.is_disjoint(covered)) {
                continue;
            }
            let flows = incoming
                .get(node.id.index())
                .into_iter()
                .flatten()
                .filter_map(|index| program.flows.get(*index).map(|flow| (*index, flow)));
            let purposes = purposes_held(program, graph, flows);
            let index = holdings.holders.len();
            let leaves: Vec<usize> = match covered {
                Some(covered) => held.intersection(covered).collect(),
                None => held.ones().collect(),
            };
            for leaf in leaves {
                holdings.by_leaf.entry(leaf).or_default().push(index);
            }
            holdings.by_node.insert(node.id, index);
            holdings.holders.push(Holder {
                node,
                held,
                purposes,
            });
        }
        holdings
    }

    /// The holders of any leaf of `leaves`, in the order of the data map,
    /// each once.
    fn holding_any(&self, leaves: &FixedBitSet) -> impl Iterator<Item = &Holder<'p>> {
        let mut found: Vec<usize> = leaves
            .ones()
            .flat_map(|leaf| self.by_leaf.get(&leaf).into_iter().flatten().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|index| self.holders.get(index))
    }

    /// The policy retentions (indices into [`Program::retentions`]) that
    /// govern a store, as (store clause, leaf, policy retention): the same
    /// pairing that holds the store to the policy in `check`. The
    /// enforcement config records it beside each retention job.
    pub fn governing_retentions(
        &self,
        program: &Program,
        node: &Node,
    ) -> BTreeSet<(usize, usize, usize)> {
        self.by_node
            .get(&node.id)
            .and_then(|index| self.holders.get(*index))
            .map(|holder| governing_pairs(program, node, holder.held, &holder.purposes))
            .unwrap_or_default()
    }

    /// The stores that keep data of a floor at least that long: each holds
    /// a leaf of the floor (for one of its purposes, when it has `for`), and
    /// its clause for the leaf meets the floor. For `privet.json`.
    pub fn floor_met_by(&self, program: &Program, floor: &FloorView<'_>) -> Vec<NameId> {
        self.holding_any(&floor.categories.leaves)
            .filter(|holder| {
                holder
                    .held
                    .intersection(&floor.categories.leaves)
                    .filter(|leaf| serves(program, holder.purposes.get(leaf), floor.purposes))
                    .any(|leaf| {
                        most_specific_clause(program, &holder.node.retentions, leaf)
                            .and_then(|index| holder.node.retentions.get(index))
                            .is_some_and(|clause| {
                                meets_floor(program, &clause.lifecycle, floor.minimum)
                            })
                    })
            })
            .map(|holder| holder.node.id)
            .collect()
    }
}

/// Whether data held for `purposes` is held for a purpose of `scope` (any,
/// when the rule has no `for` clause).
fn serves(program: &Program, purposes: Option<&BTreeSet<NameId>>, scope: Option<&Scope>) -> bool {
    let Some(purposes) = purposes else {
        return false;
    };
    match scope {
        None => !purposes.is_empty(),
        Some(scope) => purposes.iter().any(|purpose| {
            program
                .purposes()
                .leaves_of(*purpose)
                .any(|leaf| scope.leaves.contains(leaf))
        }),
    }
}

/// Where a store's clause falls short of a floor: the span to point at
/// (`None`: the whole lifecycle) and what is wrong.
fn floor_shortfall(
    program: &Program,
    store: &Lifecycle,
    floor: &Minimum,
) -> Option<(Option<Span>, String)> {
    let Lifecycle::Phased {
        while_state: store_while,
        hold: store_hold,
        end,
        ..
    } = store
    else {
        return None;
    };
    let Minimum::Kept {
        while_state: floor_while,
        hold: floor_hold,
        ..
    } = floor
    else {
        return Some((
            None,
            format!(
                "{} it in the end; the policy keeps it forever",
                end_text(*end)
            ),
        ));
    };
    let states = program.vocabulary(Namespace::State);
    if let Some(state) = floor_while
        && *store_while != Some(*state)
    {
        return Some((
            None,
            match store_while {
                Some(other) => format!(
                    "keeps it while `{}`; the policy keeps it while `{}`",
                    states.name(*other),
                    states.name(*state)
                ),
                None => format!("does not keep it while `{}`", states.name(*state)),
            },
        ));
    }
    let floor_hold = floor_hold.as_ref()?;
    let from = |event: Option<NameId>| format!("from {}", counted_from(program, event));
    let Some(store_hold) = store_hold else {
        return Some((
            None,
            format!(
                "{} it without keeping it {} {}",
                end_text(*end),
                duration_text(program, &floor_hold.duration),
                from(floor_hold.after)
            ),
        ));
    };
    if store_hold.after != floor_hold.after {
        return Some((
            Some(store_hold.span),
            format!(
                "counts {}; the policy's floor counts {}",
                from(store_hold.after),
                from(floor_hold.after)
            ),
        ));
    }
    if !store_hold
        .duration
        .value
        .never_shorter_than(floor_hold.duration.value)
    {
        return Some((
            Some(store_hold.span),
            format!(
                "keeps it {}; the policy keeps it at least {}",
                duration_text(program, &store_hold.duration),
                duration_text(program, &floor_hold.duration)
            ),
        ));
    }
    archive_shortfall(floor_hold.hold, store_hold.hold).map(|missing| {
        (
            Some(store_hold.span),
            format!("holds it without what the policy's archive requires: {missing}"),
        )
    })
}

/// `retention-too-short` (and `retention-unenforceable` for holds a
/// technology cannot honour): every floor of the policy met by at least one
/// store of the data map that holds the data, and every store holding data
/// under a legal hold able to spare it. See docs/language.md, "Floors and
/// legal holds".
pub fn floors_and_holds(program: &Program, graph: &DataGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let floors = floor_views(program);
    if floors.is_empty() && program.legal_holds.is_empty() {
        return diagnostics;
    }
    let paths = PathFinder::new(program, graph);
    // The leaves some floor or hold covers: only stores holding them count.
    let mut covered = FixedBitSet::new();
    for floor in &floors {
        covered.union_with(&floor.categories.leaves);
    }
    for hold in &program.legal_holds {
        covered.union_with(&hold.categories.leaves);
    }
    // The complete stores holding a covered leaf, and the stores holding
    // each such leaf.
    let Holdings {
        holders, by_leaf, ..
    } = Holdings::new(program, graph, |node| node.complete, Some(&covered));
    // The first flow carrying each leaf of a floor as personal data (for a
    // floor without `for`), and the first carrying it for each leaf purpose
    // a floor names: only what the floors ask about, so the cost follows
    // the floors, not every flow times every purpose.
    let mut first: BTreeMap<usize, usize> = BTreeMap::new();
    let mut first_for: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut floor_leaves = FixedBitSet::new();
    let mut floor_purposes = FixedBitSet::new();
    let mut unscoped = false;
    for floor in &floors {
        floor_leaves.union_with(&floor.categories.leaves);
        match floor.purposes {
            Some(scope) => floor_purposes.union_with(&scope.leaves),
            None => unscoped = true,
        }
    }
    if !floor_leaves.is_clear() {
        for (index, flow) in program.flows.iter().enumerate() {
            let mut personal = graph.personal(program, FlowId(crate::source::offset_u32(index)));
            personal.intersect_with(&floor_leaves);
            for leaf in personal.ones() {
                if unscoped {
                    first.entry(leaf).or_insert(index);
                }
                for (purpose, _) in &flow.purposes {
                    for purpose_leaf in program.purposes().leaves_of(*purpose) {
                        if floor_purposes.contains(purpose_leaf) {
                            first_for.entry((leaf, purpose_leaf)).or_insert(index);
                        }
                    }
                }
            }
        }
    }

    // (holder, clause, floor, span, detail) -> leaves; (flow, floor) -> leaves.
    type Short = (usize, usize, usize, Option<Span>, String);
    let mut short: BTreeMap<Short, Vec<usize>> = BTreeMap::new();
    let mut unkept: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (floor_index, floor) in floors.iter().enumerate() {
        for leaf in floor.categories.leaves.ones() {
            let engaged = match floor.purposes {
                None => first.get(&leaf).copied(),
                Some(scope) => scope
                    .leaves
                    .ones()
                    .filter_map(|purpose| first_for.get(&(leaf, purpose)).copied())
                    .min(),
            };
            let Some(engaged) = engaged else {
                continue;
            };
            let mut shortfalls = Vec::new();
            let mut met = false;
            let mut relevant = 0;
            for holder_index in by_leaf.get(&leaf).into_iter().flatten() {
                let Some(holder) = holders.get(*holder_index) else {
                    continue;
                };
                if !serves(program, holder.purposes.get(&leaf), floor.purposes) {
                    continue;
                }
                relevant += 1;
                // A store with no clause for the leaf is `retention-missing`.
                let Some(clause_index) =
                    most_specific_clause(program, &holder.node.retentions, leaf)
                else {
                    continue;
                };
                let Some(clause) = holder.node.retentions.get(clause_index) else {
                    continue;
                };
                match floor_shortfall(program, &clause.lifecycle, floor.minimum) {
                    None => met = true,
                    Some((span, detail)) => {
                        shortfalls.push((*holder_index, clause_index, floor_index, span, detail));
                    }
                }
            }
            if met {
                continue;
            }
            if relevant == 0 {
                unkept.entry((engaged, floor_index)).or_default().push(leaf);
            }
            for key in shortfalls {
                short.entry(key).or_default().push(leaf);
            }
        }
    }
    for ((holder_index, clause_index, floor_index, span, detail), leaves) in short {
        let (Some(holder), Some(floor)) = (holders.get(holder_index), floors.get(floor_index))
        else {
            continue;
        };
        let Some(clause) = holder.node.retentions.get(clause_index) else {
            continue;
        };
        let name = program.node_names().name(holder.node.id);
        let shown = shown_leaves(program, &leaves);
        let first_leaf = leaves.first().copied();
        let mut diagnostic = Diagnostic::new(
            Name::RetentionTooShort,
            span.unwrap_or(clause.lifecycle.span()),
            format!("store `{name}` keeps {shown} for less time than the policy promises"),
        )
        .primary_message(detail)
        .cited_label(
            floor.meta.head,
            "the policy's floor",
            floor.meta.cite_text(),
        )
        .note("no store of the data map that holds it keeps it that long")
        .help(format!(
            "keep it `{}`{} here, or in another store that holds it",
            crate::describe::minimum_syntax(program, floor.minimum),
            or_longer(floor.minimum)
        ));
        if let Some(path) = first_leaf.and_then(|leaf| paths.path_text(holder.node.id, leaf)) {
            diagnostic = diagnostic.note(format!(
                "path of `{}`: {path}",
                leaf_name(program, first_leaf)
            ));
        }
        diagnostics.push(diagnostic);
    }
    for ((flow_index, floor_index), leaves) in unkept {
        let (Some(flow), Some(floor)) = (program.flows.get(flow_index), floors.get(floor_index))
        else {
            continue;
        };
        let shown = shown_leaves(program, &leaves);
        let first_leaf = leaves.first().copied();
        let (message, primary) = match floor.purposes {
            None => (
                format!("no store of the data map keeps {shown}"),
                "it enters the data map here".to_string(),
            ),
            Some(scope) => {
                let named: Vec<String> = scope
                    .names
                    .iter()
                    .map(|purpose| format!("`{}`", program.purposes().name(*purpose)))
                    .collect();
                let purposes = join_and(&named);
                (
                    format!("no store of the data map keeps {shown} for {purposes}"),
                    format!("it is used for {purposes} here"),
                )
            }
        };
        let mut diagnostic = Diagnostic::new(
            Name::RetentionTooShort,
            flow.from_span.to(flow.to_span),
            message,
        )
        .primary_message(primary)
        .cited_label(
            floor.meta.head,
            "the policy's floor",
            floor.meta.cite_text(),
        )
        .help(format!(
            "keep it in a store whose retention keeps it `{}`{}",
            crate::describe::minimum_syntax(program, floor.minimum),
            or_longer(floor.minimum)
        ));
        if let Some(path) =
            first_leaf.and_then(|leaf| super::flows::path_note(program, &paths, flow, leaf))
        {
            diagnostic = diagnostic.note(path);
        }
        diagnostics.push(diagnostic);
    }
    legal_holds(program, &holders, &by_leaf, &paths, &mut diagnostics);
    diagnostics
}

/// Every store holding data under a legal hold (for one of its purposes,
/// when it has a `for` clause) must be able to spare it: it keeps the data
/// `forever`, or it is a PostgreSQL store with a `hold` column its job
/// honours. A store backed by S3 or Kafka cannot spare one person's records
/// (`retention-unenforceable`); any other store may erase held data
/// (`retention-too-short`).
fn legal_holds(
    program: &Program,
    holders: &[Holder<'_>],
    by_leaf: &BTreeMap<usize, Vec<usize>>,
    paths: &PathFinder<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // (holder, clause, hold) -> leaves.
    let mut erasing: BTreeMap<(usize, usize, usize), Vec<usize>> = BTreeMap::new();
    for (hold_index, hold) in program.legal_holds.iter().enumerate() {
        for leaf in hold.categories.leaves.ones() {
            for holder_index in by_leaf.get(&leaf).into_iter().flatten() {
                let Some(holder) = holders.get(*holder_index) else {
                    continue;
                };
                if !serves(program, holder.purposes.get(&leaf), hold.purposes.as_ref())
                    || can_spare(holder.node)
                {
                    continue;
                }
                let Some(clause_index) =
                    most_specific_clause(program, &holder.node.retentions, leaf)
                else {
                    continue;
                };
                let forever = holder
                    .node
                    .retentions
                    .get(clause_index)
                    .is_some_and(|clause| matches!(clause.lifecycle, Lifecycle::Forever { .. }));
                if !forever {
                    erasing
                        .entry((*holder_index, clause_index, hold_index))
                        .or_default()
                        .push(leaf);
                }
            }
        }
    }
    for ((holder_index, clause_index, hold_index), leaves) in erasing {
        let (Some(holder), Some(hold)) = (
            holders.get(holder_index),
            program.legal_holds.get(hold_index),
        ) else {
            continue;
        };
        let Some(clause) = holder.node.retentions.get(clause_index) else {
            continue;
        };
        let name = program.node_names().name(holder.node.id);
        let shown = shown_leaves(program, &leaves);
        let state = program.vocabulary(Namespace::State).name(hold.state);
        let technology = holder
            .node
            .backing
            .as_ref()
            .map(|backing| backing.technology);
        let (diagnostic_name, primary, help) = match technology {
            Some(technology @ (StoreTechnology::S3 | StoreTechnology::Kafka)) => (
                Name::RetentionUnenforceable,
                if technology == StoreTechnology::S3 {
                    "S3 expires objects by age: it cannot spare the held ones".to_string()
                } else {
                    "Kafka drops records by age: it cannot spare the held ones".to_string()
                },
                "keep held data in a `postgres` store with a `hold` column, or keep it `forever`"
                    .to_string(),
            ),
            Some(StoreTechnology::Postgres) => (
                Name::RetentionTooShort,
                "ends it whatever holds: the store has no `hold` column".to_string(),
                "add `hold \"COLUMN\"` to `backed by`: a boolean column, true while the person's data is under a hold".to_string(),
            ),
            None => (
                Name::RetentionTooShort,
                "ends it whatever holds".to_string(),
                "back the store by `postgres` with a `hold` column, or keep the data `forever`"
                    .to_string(),
            ),
        };
        let mut diagnostic = Diagnostic::new(
            diagnostic_name,
            clause.lifecycle.span(),
            format!("store `{name}` may erase {shown} while `{state}` holds"),
        )
        .primary_message(primary)
        .cited_label(hold.meta.head, "the legal hold", hold.meta.cite_text())
        .help(help);
        let first_leaf = leaves.first().copied();
        if let Some(path) = first_leaf.and_then(|leaf| paths.path_text(holder.node.id, leaf)) {
            diagnostic = diagnostic.note(format!(
                "path of `{}`: {path}",
                leaf_name(program, first_leaf)
            ));
        }
        diagnostics.push(diagnostic);
    }
}

/// Whether a store can spare rows under a legal hold: PostgreSQL with a
/// `hold` column.
pub fn can_spare(node: &Node) -> bool {
    node.backing.as_ref().is_some_and(|backing| {
        backing.technology == StoreTechnology::Postgres && backing.settings.contains_key("hold")
    })
}

fn or_longer(minimum: &Minimum) -> &'static str {
    match minimum {
        Minimum::Forever => "",
        Minimum::Kept { .. } => " (or longer)",
    }
}

/// Whether keeping data at least `kept` keeps it at least `floor`: `None`
/// when it does, else what falls short (for `diff`, which compares a floor
/// with its old version).
pub fn floor_covers(program: &Program, kept: &Minimum, floor: &Minimum) -> Option<String> {
    let lifecycle = match kept {
        Minimum::Forever => return None,
        Minimum::Kept {
            while_state,
            hold,
            span,
        } => Lifecycle::Phased {
            while_state: *while_state,
            hold: hold.clone(),
            end: EndAction::Delete,
            end_span: *span,
            span: *span,
        },
    };
    floor_shortfall(program, &lifecycle, floor).map(|(_, detail)| {
        detail
            .replace("deletes it in the end", "ends")
            .replace("deletes it without", "ends without")
    })
}

/// Whether a store's lifecycle keeps data at least as long as a floor.
pub fn meets_floor(program: &Program, store: &Lifecycle, floor: &Minimum) -> bool {
    floor_shortfall(program, store, floor).is_none()
}
