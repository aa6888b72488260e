//! Retention of the data map's stores against the policy: every category a
//! store holds is covered by one of its `retain` clauses, and that clause is
//! held to the one policy rule that governs the category for each purpose it
//! is kept for (see docs/language.md, "Retention against the policy").

use crate::ast::{EndAction, Hold, Transform};
use crate::describe::join_and;
use crate::diagnostic::{Diagnostic, Name};
use crate::graph::{DataGraph, PathFinder};
use crate::model::*;
use fixedbitset::FixedBitSet;
use std::collections::{BTreeMap, BTreeSet};

use super::flows::{leaf_name, leaf_names};

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
    let name_span = program
        .node_names()
        .get(node.id)
        .and_then(|entry| entry.declared.as_ref())
        .map(|declared| declared.name_span)
        .unwrap_or_default();
    // Retention declared for everything held.
    let mut uncovered = held.clone();
    for retention in &node.retentions {
        uncovered.difference_with(&retention.categories.leaves);
    }
    if !uncovered.is_clear() {
        let shown = leaf_names(program, uncovered.ones());
        let first = uncovered.ones().next();
        let mut diagnostic = Diagnostic::new(
            Name::RetentionMissing,
            name_span,
            format!(
                "store `{name}` keeps {} with no retention declared",
                join_and(&shown)
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
        let shown = join_and(&leaf_names(program, leaves.iter().copied().take(4)));
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
                );
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

/// The policy retentions (indices into [`Program::retentions`]) that govern
/// a store, as (store clause, leaf, policy retention): the same pairing
/// that holds the store to the policy in `check`. The enforcement config
/// records it beside each retention job.
pub fn governing_retentions(
    program: &Program,
    graph: &DataGraph,
    node: &Node,
) -> BTreeSet<(usize, usize, usize)> {
    let Some(held) = graph.arrived.get(node.id.index()) else {
        return BTreeSet::new();
    };
    let flows = program
        .flows
        .iter()
        .enumerate()
        .filter(|(_, flow)| flow.to == node.id);
    let purposes = purposes_held(program, graph, flows);
    governing_pairs(program, node, held, &purposes)
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
    let events = program.vocabulary(Namespace::Event);
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
                let event = |e: Option<NameId>| match e {
                    Some(e) => format!("`{}`", events.name(e)),
                    None => "collection".to_string(),
                };
                return Some(RetentionProblem::Counted(format!(
                    "counts from {}; the policy counts from {}",
                    event(store_hold.after),
                    event(policy_hold.after)
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
