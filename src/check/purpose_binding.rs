//! Purpose binding: data collected for some purposes may not be used for
//! another (a secondary use) unless the policy declares that purpose
//! `compatible with` one it was collected for, or the act relies on a basis
//! the policy accepts `for new purpose` (for the One Touch policy, consent
//! after notice of the new purpose).
//!
//! [`secondary_purposes`] judges one act, given the purposes its data was
//! collected for; [`secondary_uses`] judges every flow of the data map, with
//! the purposes `graph` propagated from the collections. The decision
//! function is not involved: a secondary use is reported whatever the rules
//! permit, and a compatibility or a new-purpose basis never lifts a rule.

use super::flows::{flow_actions, past_tense, path_note};
use crate::describe::{join_and, join_or};
use crate::diagnostic::{Diagnostic, Name};
use crate::graph::{DataGraph, PathFinder};
use crate::model::*;
use crate::source::Span;
use fixedbitset::FixedBitSet;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// The declared compatibilities as leaf purposes: a leaf purpose in
/// `purpose` may be used for data collected for a leaf purpose in `with`.
struct Compatibilities {
    pairs: Vec<(Range<usize>, FixedBitSet)>,
}

impl Compatibilities {
    fn of(program: &Program) -> Compatibilities {
        let purposes = program.purposes();
        Compatibilities {
            pairs: program
                .compatibilities
                .iter()
                .map(|c| {
                    (
                        purposes.leaves_of(c.purpose),
                        purposes.leaf_set(&c.with, None),
                    )
                })
                .collect(),
        }
    }

    /// The leaf purposes data collected for `collected` may be used for:
    /// those, and the purposes declared compatible with one of them.
    fn permitted(&self, collected: &FixedBitSet) -> FixedBitSet {
        let mut permitted = collected.clone();
        for (purpose, with) in &self.pairs {
            if !with.is_disjoint(collected) {
                permitted.grow(purpose.end);
                permitted.insert_range(purpose.clone());
            }
        }
        permitted
    }
}

/// The leaf purposes under `purpose` that data collected for
/// `collected_for` (purpose names, broad or leaf) may not be used for by an
/// act relying on `bases`: empty when the act is no secondary use. An empty
/// `collected_for` means the purposes are not known, and binds nothing; an
/// act relying on a basis under one declared `for new purpose` may use the
/// data for any purpose. This is the judgement a query or an enforcement
/// point makes for one act; [`secondary_uses`] makes it for the data map.
pub fn secondary_purposes(
    program: &Program,
    purpose: NameId,
    collected_for: &[NameId],
    bases: &[NameId],
) -> Vec<NameId> {
    if collected_for.is_empty() || program.accepts_new_purpose(bases) {
        return Vec::new();
    }
    let purposes = program.purposes();
    let mut permitted =
        Compatibilities::of(program).permitted(&purposes.leaf_set(collected_for, None));
    if let Some(waived) = program.new_purpose_leaves(bases) {
        permitted.union_with(&waived);
    }
    purposes
        .leaves_of(purpose)
        .filter(|leaf| !permitted.contains(*leaf))
        .filter_map(|leaf| purposes.leaf(leaf))
        .collect()
}

/// Whether an act is a secondary use: see [`secondary_purposes`].
pub fn is_secondary_use(
    program: &Program,
    purpose: NameId,
    collected_for: &[NameId],
    bases: &[NameId],
) -> bool {
    !secondary_purposes(program, purpose, collected_for, bases).is_empty()
}

/// One leaf of a category, used for a purpose it was not collected for.
struct Breach {
    leaf: usize,
    /// The purpose as written in the flow, and its span.
    purpose: (NameId, Span),
}

/// `secondary-use` for every flow out of a node other than a data subject
/// that uses data for a purpose outside those it was collected for: one
/// diagnostic per flow and category as written, with the collection that
/// fixed the purposes and the path from it. Data that never came from a
/// collection is not bound.
pub(super) fn secondary_uses(
    program: &Program,
    graph: &DataGraph,
    paths: &PathFinder<'_>,
) -> Vec<(FlowId, Diagnostic)> {
    let compatibilities = Compatibilities::of(program);
    // What each distinct collected set permits, by the set's index.
    let mut permitted: BTreeMap<u32, FixedBitSet> = BTreeMap::new();
    let incomplete = |node: NameId| program.node(node).is_some_and(|n| !n.complete);
    let mut found = Vec::new();
    for (index, flow) in program.flows.iter().enumerate() {
        let id = FlowId(crate::source::offset_u32(index));
        if program.is_subject(flow.from)
            || program.is_subject(flow.to)
            || incomplete(flow.from)
            || incomplete(flow.to)
            || program.accepts_new_purpose(&flow.bases)
        {
            continue;
        }
        // The purposes an exemption of the flow waives consent for.
        let waived = program.new_purpose_leaves(&flow.bases);
        let personal = graph.personal(program, id);
        let used_for: Vec<(FixedBitSet, NameId, Span)> = flow
            .purposes
            .iter()
            .map(|(purpose, span)| {
                (
                    program.purposes().leaf_set(&[*purpose], None),
                    *purpose,
                    *span,
                )
            })
            .collect();
        for (category, category_span) in &flow.categories {
            let mut leaves = program.categories().leaf_set(&[*category], None);
            leaves.intersect_with(&personal);
            let mut breaches = Vec::new();
            for leaf in leaves.ones() {
                let Some(set) = graph.collected.set_of(flow.from, leaf) else {
                    continue;
                };
                let permits = permitted.entry(set).or_insert_with(|| {
                    graph
                        .collected
                        .set(set)
                        .map(|collected| compatibilities.permitted(collected))
                        .unwrap_or_default()
                });
                for (wanted, purpose, purpose_span) in &used_for {
                    let mut wanted = wanted.clone();
                    if let Some(waived) = &waived {
                        wanted.difference_with(waived);
                    }
                    if !wanted.is_subset(permits) {
                        breaches.push(Breach {
                            leaf,
                            purpose: (*purpose, *purpose_span),
                        });
                    }
                }
            }
            if !breaches.is_empty() {
                let diagnostic = diagnostic(
                    program,
                    graph,
                    paths,
                    flow,
                    (*category, *category_span),
                    &leaves,
                    &breaches,
                );
                found.push((id, diagnostic));
            }
        }
    }
    found
}

fn quoted(vocabulary: &Vocabulary, ids: impl IntoIterator<Item = NameId>) -> Vec<String> {
    ids.into_iter()
        .map(|id| format!("`{}`", vocabulary.name(id)))
        .collect()
}

/// At most `shown` items, then "N more".
fn abbreviated(mut items: Vec<String>, shown: usize) -> Vec<String> {
    if items.len() > shown {
        let more = items.len() - shown;
        items.truncate(shown);
        items.push(format!("{more} more"));
    }
    items
}

fn leaf_purposes(program: &Program, set: &FixedBitSet) -> Vec<String> {
    quoted(
        program.purposes(),
        set.ones().filter_map(|leaf| program.purposes().leaf(leaf)),
    )
}

fn diagnostic(
    program: &Program,
    graph: &DataGraph,
    paths: &PathFinder<'_>,
    flow: &Flow,
    (category, category_span): (NameId, Span),
    personal: &FixedBitSet,
    breaches: &[Breach],
) -> Diagnostic {
    let categories = program.categories();
    let leaves: BTreeSet<usize> = breaches.iter().map(|b| b.leaf).collect();
    let purposes: BTreeSet<(NameId, Span)> = breaches.iter().map(|b| b.purpose).collect();
    let first = breaches.first().map_or(0, |b| b.leaf);

    // The leaves at fault: the category as written when all its leaves
    // are, else the leaves, which the primary label says it includes.
    let whole = leaves.len() == personal.count_ones(..)
        && leaves.len() == categories.leaves_of(category).len();
    let subject = if whole {
        format!("`{}`", categories.name(category))
    } else {
        join_and(&abbreviated(
            quoted(
                categories,
                leaves.iter().filter_map(|leaf| categories.leaf(*leaf)),
            ),
            3,
        ))
    };
    let mut collected = FixedBitSet::with_capacity(program.purposes().leaf_count());
    for leaf in &leaves {
        if let Some(set) = graph.collected.get(flow.from, *leaf) {
            collected.union_with(set);
        }
    }
    let collected_text = join_and(&abbreviated(leaf_purposes(program, &collected), 4));
    let used_for = join_or(&quoted(program.purposes(), purposes.iter().map(|p| p.0)));
    let action = flow_actions(program, flow)
        .first()
        .map_or(Action::Use, |(action, _)| *action);
    let purpose_names = quoted(program.purposes(), purposes.iter().map(|p| p.0));

    let mut diagnostic = Diagnostic::new(
        Name::SecondaryUse,
        category_span,
        format!("{subject} was collected for {collected_text}, not for {used_for}"),
    )
    .primary_message(if whole {
        format!("{} for {used_for} here", past_tense(action))
    } else {
        format!(
            "`{}` includes {subject}, {} for {used_for} here",
            categories.name(category),
            past_tense(action)
        )
    });
    for (_, span) in &purposes {
        diagnostic = diagnostic.label(*span, "not a purpose it was collected for");
    }
    // The collection that fixed the purposes of the first leaf at fault.
    if let Some(collection) = paths
        .path_flows(flow.from, first)
        .and_then(|flows| flows.first().copied())
        .and_then(|id| program.flow(id))
    {
        let span = collection
            .categories
            .iter()
            .find(|(category, _)| categories.leaves_of(*category).contains(&first))
            .map_or(collection.meta.head, |(_, span)| *span);
        let purposes = quoted(
            program.purposes(),
            collection.purposes.iter().map(|(id, _)| *id),
        );
        diagnostic = diagnostic.label(span, format!("collected here for {}", join_and(&purposes)));
    }
    // The notice's own rule for a new purpose, when the policy declares it.
    if let Some(declared) = program
        .obligations
        .iter()
        .find(|o| o.trigger == Some(Trigger::BeforeNewPurpose))
        .and_then(|o| program.vocabulary(Namespace::Obligation).get(o.id))
        .and_then(|entry| entry.declared.as_ref())
    {
        diagnostic = diagnostic.label(declared.name_span, "required before a new purpose");
    }
    if let Some(path) = path_note(program, paths, flow, first) {
        diagnostic = diagnostic.note(path);
    }
    let first_purpose = purpose_names.first().cloned().unwrap_or_default();
    let accepted = quoted(program.bases(), program.new_purpose_bases.iter().copied());
    let help = if accepted.is_empty() {
        format!(
            "declare {first_purpose} `compatible with` a purpose it was collected for, declare a basis `for new purpose` and rely on it after notice, or collect it for {first_purpose}"
        )
    } else {
        format!(
            "rely on {} (accepted for a new purpose) after notice, declare {first_purpose} `compatible with` a purpose it was collected for, or collect it for {first_purpose}",
            join_or(&accepted)
        )
    };
    diagnostic.help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::compile;
    use crate::source::SourceMap;

    const POLICY: &str = "\
purpose service.provide
purpose service.support compatible with service.provide
purpose security compatible with service
purpose audit compatible with security
basis consent
basis consent.new_purpose for new purpose
basis law
";

    fn program(text: &str) -> Program {
        let mut sources = SourceMap::new();
        sources.add("policy.privet", text);
        compile(&sources).program
    }

    fn ids(vocabulary: &Vocabulary, names: &[&str]) -> Vec<NameId> {
        names
            .iter()
            .map(|name| vocabulary.lookup(name).unwrap())
            .collect()
    }

    /// The leaf purposes of `purpose` that data collected for `collected`
    /// may not be used for under `bases`.
    fn outside(
        program: &Program,
        purpose: &str,
        collected: &[&str],
        bases: &[&str],
    ) -> Vec<String> {
        let purposes = program.purposes();
        let purpose = purposes.lookup(purpose).unwrap();
        let collected = ids(purposes, collected);
        let bases = ids(program.bases(), bases);
        let found = secondary_purposes(program, purpose, &collected, &bases);
        assert_eq!(
            is_secondary_use(program, purpose, &collected, &bases),
            !found.is_empty()
        );
        found
            .into_iter()
            .map(|id| purposes.name(id).to_string())
            .collect()
    }

    #[test]
    fn an_act_for_a_purpose_its_data_was_collected_for_is_no_secondary_use() {
        let program = program(POLICY);
        assert!(outside(&program, "service.provide", &["service.provide"], &[]).is_empty());
        // A broad collection purpose covers its leaves.
        assert!(outside(&program, "service.provide", &["service"], &[]).is_empty());
        // A broad act purpose needs every leaf.
        assert_eq!(
            outside(&program, "service", &["service.provide"], &[]),
            Vec::<String>::new(),
            "`service.support` is compatible with `service.provide`"
        );
        assert_eq!(
            outside(&program, "service", &["service.support"], &[]),
            vec!["service.provide"]
        );
    }

    #[test]
    fn compatibility_is_one_step_and_one_way() {
        let program = program(POLICY);
        // Declared on a broad purpose, for a broad one: both cover leaves.
        assert!(outside(&program, "security", &["service.support"], &[]).is_empty());
        // Not transitive: `audit` is compatible with `security`, which is
        // compatible with `service`; data collected for `service` is not
        // usable for `audit`.
        assert_eq!(
            outside(&program, "audit", &["service.provide"], &[]),
            vec!["audit"]
        );
        assert!(outside(&program, "audit", &["security"], &[]).is_empty());
        // Not symmetric.
        assert_eq!(
            outside(&program, "service.provide", &["security"], &[]),
            vec!["service.provide"]
        );
    }

    #[test]
    fn a_basis_accepted_for_a_new_purpose_lifts_the_binding() {
        let program = program(&format!("{POLICY}basis consent.new_purpose.written\n"));
        assert!(
            outside(
                &program,
                "audit",
                &["service.provide"],
                &["consent.new_purpose"]
            )
            .is_empty()
        );
        // A basis below one accepted for a new purpose is accepted too;
        // one above it, or beside it, is not.
        assert!(
            outside(
                &program,
                "audit",
                &["service.provide"],
                &["consent.new_purpose.written"]
            )
            .is_empty()
        );
        assert_eq!(
            outside(&program, "audit", &["service.provide"], &["consent", "law"]),
            vec!["audit"]
        );
    }

    #[test]
    fn unknown_collection_purposes_bind_nothing() {
        let program = program(POLICY);
        assert!(outside(&program, "audit", &[], &[]).is_empty());
    }

    #[test]
    fn a_compatibility_with_an_unknown_name_permits_nothing() {
        let mut sources = SourceMap::new();
        sources.add(
            "policy.privet",
            "purpose a\npurpose b compatible with a, nope\n",
        );
        let compilation = compile(&sources);
        assert!(
            compilation
                .diagnostics
                .iter()
                .any(|d| d.name == Name::UnknownName && d.message == "unknown purpose `nope`")
        );
        assert!(compilation.program.compatibilities.is_empty());
        let b = compilation.program.purposes().lookup("b").unwrap();
        let a = compilation.program.purposes().lookup("a").unwrap();
        assert!(is_secondary_use(&compilation.program, b, &[a], &[]));
    }
}
