//! Permissions of two versions decided exhaustively over the union domain,
//! and the changed acts written as few rectangles (products of sets of
//! actions, recipients, bases, regions, Do Not Track, categories, purposes
//! and audiences), each named by its broadest covered names. The exhaustive
//! decision is the reference the targeted one (`affected`) must equal, and
//! its fallback.

use super::*;

/// A name that stands for nothing in a version: no rule covers it and no
/// region is under it.
pub(super) const NOTHING: NameId = NameId(u32::MAX);

/// The names of a hierarchy across both versions that have no descendant
/// in either: the finest leaves.
pub(super) fn union_leaves(old: &Vocabulary, new: &Vocabulary) -> Vec<String> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for vocabulary in [old, new] {
        for (_, entry) in vocabulary.iter() {
            if entry.is_leaf() {
                names.insert(entry.name.as_str());
            }
        }
    }
    let has_descendant = |name: &str| {
        let prefix = format!("{name}.");
        [old, new]
            .iter()
            .any(|v| v.names().any(|other| other.starts_with(&prefix)))
    };
    names
        .into_iter()
        .filter(|name| !has_descendant(name))
        .map(str::to_string)
        .collect()
}

/// Every name of both versions, sorted.
pub(super) fn union_names(old: &Vocabulary, new: &Vocabulary) -> Vec<String> {
    let names: BTreeSet<&str> = old.names().chain(new.names()).collect();
    names.into_iter().map(str::to_string).collect()
}

/// The leaves of the union (indices into `leaves`) grouped by their
/// audience class in each version, in the order of their first leaf.
pub(super) fn audience_groups(old: &Program, new: &Program, leaves: &[String]) -> Vec<Vec<usize>> {
    let class = |program: &Program, name: &String| {
        let vocabulary = program.audiences();
        vocabulary
            .lookup(name)
            .map(|id| vocabulary.leaves_of(id).start)
            .map(|leaf| program.audience_classes.of_leaf(leaf))
    };
    let mut position: BTreeMap<(Option<usize>, Option<usize>), usize> = BTreeMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, name) in leaves.iter().enumerate() {
        let key = (class(old, name), class(new, name));
        let at = *position.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(members) = groups.get_mut(at) {
            members.push(index);
        }
    }
    groups
}

/// The id of a name in a version, or [`NOTHING`]: every name of the domain
/// is in both versions' decided programs, so only a basis or region of
/// neither is nothing.
pub(super) fn id_of(vocabulary: &Vocabulary, name: &str) -> NameId {
    vocabulary.lookup(name).unwrap_or(NOTHING)
}

/// One context of an act: everything but its category and purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Context {
    action: usize,
    recipient: usize,
    /// 0: no basis; i + 1: the i-th basis of the union.
    basis: usize,
    /// 0: no region; i + 1: the i-th region of the union.
    region: usize,
    dnt: usize,
    /// The i-th group of audience leaves that neither version tells apart
    /// (0 alone when neither version declares audiences).
    audience: usize,
}

/// The domain and each version's view of it.
pub(super) struct Domain {
    categories: Vec<String>,
    purposes: Vec<String>,
    bases: Vec<String>,
    regions: Vec<String>,
    audiences: Vec<String>,
    /// The audience leaves (indices into `audiences`) in groups that are
    /// one audience class in each version: every act is decided alike for
    /// the leaves of a group, so the domain has one context per group.
    audience_groups: Vec<Vec<usize>>,
    contexts: Vec<Context>,
}

impl Domain {
    fn new(old: &Program, new: &Program) -> Domain {
        let bases = union_names(old.bases(), new.bases());
        let regions = union_names(old.regions(), new.regions());
        let audiences = union_leaves(old.audiences(), new.audiences());
        let audience_groups = audience_groups(old, new, &audiences);
        let mut contexts = Vec::new();
        for action in 0..Action::ALL.len() {
            for recipient in 0..PartyKind::ALL.len() {
                for basis in 0..=bases.len() {
                    for region in 0..=regions.len() {
                        for dnt in 0..2 {
                            for audience in 0..audience_groups.len().max(1) {
                                contexts.push(Context {
                                    action,
                                    recipient,
                                    basis,
                                    region,
                                    dnt,
                                    audience,
                                });
                            }
                        }
                    }
                }
            }
        }
        Domain {
            categories: union_leaves(old.categories(), new.categories()),
            purposes: union_leaves(old.purposes(), new.purposes()),
            bases,
            regions,
            audiences,
            audience_groups,
            contexts,
        }
    }

    fn pairs(&self) -> usize {
        self.categories.len() * self.purposes.len()
    }
}

/// One version's decisions over the domain.
pub(super) struct Version<'p> {
    program: &'p Program,
    categories: Vec<NameId>,
    purposes: Vec<NameId>,
    bases: Vec<Option<NameId>>,
    regions: Vec<NameId>,
    audiences: Vec<NameId>,
    /// The (category, purpose) table of each distinct set of engaged rules.
    tables: BTreeMap<Vec<u32>, FixedBitSet>,
}

impl<'p> Version<'p> {
    fn new(program: &'p Program, domain: &Domain) -> Version<'p> {
        Version {
            program,
            categories: domain
                .categories
                .iter()
                .map(|n| id_of(program.categories(), n))
                .collect(),
            purposes: domain
                .purposes
                .iter()
                .map(|n| id_of(program.purposes(), n))
                .collect(),
            bases: domain
                .bases
                .iter()
                .map(|n| program.bases().lookup(n))
                .collect(),
            regions: domain
                .regions
                .iter()
                .map(|n| id_of(program.regions(), n))
                .collect(),
            audiences: domain
                .audience_groups
                .iter()
                .map(|group| {
                    group
                        .first()
                        .and_then(|leaf| domain.audiences.get(*leaf))
                        .map_or(NOTHING, |n| id_of(program.audiences(), n))
                })
                .collect(),
            tables: BTreeMap::new(),
        }
    }

    fn act(&self, context: Context, category: NameId, purpose: NameId) -> Act {
        let basis = context
            .basis
            .checked_sub(1)
            .and_then(|i| self.bases.get(i).copied().flatten());
        Act {
            action: Action::ALL
                .get(context.action)
                .copied()
                .unwrap_or(Action::Use),
            category,
            purpose,
            recipient: PartyKind::ALL
                .get(context.recipient)
                .copied()
                .unwrap_or(PartyKind::FirstParty),
            bases: basis.into_iter().collect(),
            region: context
                .region
                .checked_sub(1)
                .map(|i| self.regions.get(i).copied().unwrap_or(NOTHING)),
            do_not_track: context.dnt == 1,
            // Permissions are compared for live data; a rule's `after`
            // clause is part of its text, compared with the rules.
            phases: self.program.phase_set(crate::model::LIVE_PHASE),
            // Opt-outs are compared as declarations (a new one narrows);
            // notices are taken as given, so that what a basis `after
            // notice` permits is compared too.
            opt_outs: Vec::new(),
            notified: self.program.basis_notices.values().copied().collect(),
            audiences: self
                .audiences
                .get(context.audience)
                .copied()
                .into_iter()
                .collect(),
        }
    }

    /// The permitted (category, purpose) pairs of a context, as a bitset
    /// indexed `category * purposes + purpose`.
    fn table(&mut self, context: Context) -> FixedBitSet {
        let probe = self.act(context, NOTHING, NOTHING);
        let engaged = signature(self.program, &probe);
        if let Some(table) = self.tables.get(&engaged) {
            return table.clone();
        }
        let width = self.purposes.len();
        let mut table = FixedBitSet::with_capacity(self.categories.len() * width);
        for (c, category) in self.categories.iter().enumerate() {
            for (p, purpose) in self.purposes.iter().enumerate() {
                if decide(self.program, &self.act(context, *category, *purpose)).allowed {
                    table.insert(c * width + p);
                }
            }
        }
        self.tables.insert(engaged, table.clone());
        table
    }
}

/// A product of sets of indices, one set per dimension: action, recipient,
/// basis, region, dnt, category, purpose, audience.
pub(super) type Rect = [Vec<usize>; 8];

pub(super) const ACTION: usize = 0;
pub(super) const RECIPIENT: usize = 1;
pub(super) const BASIS: usize = 2;
pub(super) const REGION: usize = 3;
pub(super) const DNT: usize = 4;
pub(super) const CATEGORY: usize = 5;
pub(super) const PURPOSE: usize = 6;
pub(super) const AUDIENCE: usize = 7;

/// Merges rectangles that differ only in dimension `dim`. The result covers
/// exactly the same points.
pub(super) fn merge(rects: Vec<Rect>, dim: usize) -> Vec<Rect> {
    let mut groups: BTreeMap<Vec<Vec<usize>>, BTreeSet<usize>> = BTreeMap::new();
    for rect in rects {
        let key: Vec<Vec<usize>> = rect
            .iter()
            .enumerate()
            .map(|(d, values)| if d == dim { Vec::new() } else { values.clone() })
            .collect();
        let values = rect.get(dim).cloned().unwrap_or_default();
        groups.entry(key).or_default().extend(values);
    }
    groups
        .into_iter()
        .map(|(key, values)| {
            let mut rect: Rect = Default::default();
            for (d, slot) in rect.iter_mut().enumerate() {
                *slot = if d == dim {
                    values.iter().copied().collect()
                } else {
                    key.get(d).cloned().unwrap_or_default()
                };
            }
            rect
        })
        .collect()
}

pub(super) fn merge_all(mut rects: Vec<Rect>, order: &[usize]) -> Vec<Rect> {
    for _ in 0..2 {
        for &dim in order {
            rects = merge(rects, dim);
        }
    }
    rects
}

pub(super) struct Permissions {
    changes: Vec<PermissionChange>,
    new_purposes: Vec<NewPurpose>,
    acts: u64,
    tables: usize,
}

impl Permissions {
    fn compute(old: &Program, new: &Program) -> Permissions {
        let domain = Domain::new(old, new);
        let mut before = Version::new(old, &domain);
        let mut after = Version::new(new, &domain);
        let pairs = domain.pairs();
        // Contexts grouped by what they gain and what they lose.
        let mut gained: BTreeMap<Vec<usize>, Vec<Context>> = BTreeMap::new();
        let mut lost: BTreeMap<Vec<usize>, Vec<Context>> = BTreeMap::new();
        // (category, purpose) pairs permitted in some context without an
        // exemption, in each version.
        let mut ordinary_before = FixedBitSet::with_capacity(pairs);
        let mut ordinary_after = FixedBitSet::with_capacity(pairs);
        let is_exemption = |name: &String| {
            [old, new].iter().any(|p| {
                p.bases()
                    .lookup(name)
                    .and_then(|id| p.bases().get(id))
                    .and_then(|e| e.declared.as_ref())
                    .is_some_and(|d| d.exemption)
            })
        };
        let exemption: Vec<bool> = domain.bases.iter().map(is_exemption).collect();
        for &context in &domain.contexts {
            let was = before.table(context);
            let is = after.table(context);
            // The purposes data may be collected, used and kept for under
            // the ordinary rules: not under an exemption, and not handed on
            // (a purpose a share names is the recipient's).
            let onward = Action::ALL
                .get(context.action)
                .is_some_and(|action| action.is_onward());
            let ordinary = !onward
                && match context.basis.checked_sub(1) {
                    Some(index) => !exemption.get(index).copied().unwrap_or(false),
                    None => true,
                };
            if ordinary {
                ordinary_before.union_with(&was);
                ordinary_after.union_with(&is);
            }
            if was == is {
                continue;
            }
            let mut plus = is.clone();
            plus.difference_with(&was);
            let mut minus = was;
            minus.difference_with(&is);
            if !plus.is_clear() {
                gained
                    .entry(plus.ones().collect())
                    .or_default()
                    .push(context);
            }
            if !minus.is_clear() {
                lost.entry(minus.ones().collect())
                    .or_default()
                    .push(context);
            }
        }

        let width = domain.purposes.len().max(1);
        let rectangles = |groups: BTreeMap<Vec<usize>, Vec<Context>>| -> Vec<Rect> {
            let mut all = Vec::new();
            for (points, contexts) in groups {
                let context_rects = merge_all(
                    contexts
                        .iter()
                        .map(|c| {
                            [
                                vec![c.action],
                                vec![c.recipient],
                                vec![c.basis],
                                vec![c.region],
                                vec![c.dnt],
                                Vec::new(),
                                Vec::new(),
                                vec![c.audience],
                            ]
                        })
                        .collect(),
                    &[AUDIENCE, DNT, REGION, BASIS, RECIPIENT, ACTION],
                );
                let pair_rects = merge_all(
                    points
                        .iter()
                        .map(|point| {
                            let mut rect: Rect = Default::default();
                            rect[CATEGORY] = vec![point / width];
                            rect[PURPOSE] = vec![point % width];
                            rect
                        })
                        .collect(),
                    &[PURPOSE, CATEGORY],
                );
                for context in &context_rects {
                    for pair in &pair_rects {
                        let mut rect = context.clone();
                        rect[CATEGORY] = pair[CATEGORY].clone();
                        rect[PURPOSE] = pair[PURPOSE].clone();
                        all.push(rect);
                    }
                }
            }
            merge_all(
                all,
                &[
                    AUDIENCE, DNT, REGION, BASIS, PURPOSE, CATEGORY, RECIPIENT, ACTION,
                ],
            )
        };
        let mut changes: Vec<PermissionChange> = rectangles(gained)
            .into_iter()
            .map(|rect| describe_rect(&domain, true, &rect))
            .chain(
                rectangles(lost)
                    .into_iter()
                    .map(|rect| describe_rect(&domain, false, &rect)),
            )
            .collect();
        changes.sort_by(|a, b| {
            (!a.gained, &a.categories, &a.purposes, &a.actions).cmp(&(
                !b.gained,
                &b.categories,
                &b.purposes,
                &b.actions,
            ))
        });

        let mut fresh = ordinary_after;
        fresh.difference_with(&ordinary_before);
        let new_purposes = merge_all(
            fresh
                .ones()
                .map(|point| {
                    let mut rect: Rect = Default::default();
                    rect[CATEGORY] = vec![point / width];
                    rect[PURPOSE] = vec![point % width];
                    rect
                })
                .collect(),
            &[CATEGORY, PURPOSE],
        )
        .into_iter()
        .map(|rect| NewPurpose {
            categories: compress(&domain.categories, &rect[CATEGORY]),
            purposes: compress(&domain.purposes, &rect[PURPOSE]),
            purposes_excluded: compress(
                &domain.purposes,
                &complement(domain.purposes.len(), &rect[PURPOSE]),
            ),
        })
        .collect();

        Permissions {
            changes,
            new_purposes,
            acts: (domain.contexts.len() * pairs) as u64,
            tables: before.tables.len().max(after.tables.len()),
        }
    }
}

/// The names standing for a set of leaves: the broadest names all of whose
/// leaves are in the set.
pub(super) fn compress(leaves: &[String], chosen: &[usize]) -> Vec<String> {
    let chosen: BTreeSet<&str> = chosen
        .iter()
        .filter_map(|i| leaves.get(*i).map(String::as_str))
        .collect();
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for leaf in leaves {
        let mut end = 0;
        for (index, c) in leaf.char_indices() {
            if c == '.' {
                prefixes.insert(leaf.get(..index).unwrap_or("").to_string());
            }
            end = index + c.len_utf8();
        }
        prefixes.insert(leaf.get(..end).unwrap_or("").to_string());
    }
    let under = |prefix: &str, leaf: &str| {
        leaf == prefix
            || leaf
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    let covered = |prefix: &str| {
        leaves
            .iter()
            .filter(|leaf| under(prefix, leaf))
            .all(|leaf| chosen.contains(leaf.as_str()))
    };
    // A name with a single leaf below it is shown as that leaf: the
    // declared name says more than an implied ancestor.
    let single = |prefix: &str| leaves.iter().filter(|leaf| under(prefix, leaf)).count() == 1;
    let mut names = BTreeSet::new();
    for prefix in &prefixes {
        if !covered(prefix) {
            continue;
        }
        let parent_covered = prefix
            .rfind('.')
            .and_then(|dot| prefix.get(..dot))
            .is_some_and(covered);
        if parent_covered {
            continue;
        }
        match leaves
            .iter()
            .find(|leaf| single(prefix) && under(prefix, leaf))
        {
            Some(leaf) => names.insert(leaf.clone()),
            None => names.insert(prefix.clone()),
        };
    }
    names.into_iter().collect()
}

/// The indices below `len` not in `chosen`.
pub(super) fn complement(len: usize, chosen: &[usize]) -> Vec<usize> {
    let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
    (0..len).filter(|i| !chosen.contains(i)).collect()
}

pub(super) fn describe_rect(domain: &Domain, gained: bool, rect: &Rect) -> PermissionChange {
    let bases_all = rect[BASIS].len() == domain.bases.len() + 1;
    let chosen_bases: BTreeSet<usize> = rect[BASIS].iter().copied().collect();
    let regions_all = rect[REGION].len() == domain.regions.len() + 1;
    PermissionChange {
        gained,
        actions: rect[ACTION]
            .iter()
            .filter_map(|i| Action::ALL.get(*i).copied())
            .collect(),
        categories: compress(&domain.categories, &rect[CATEGORY]),
        categories_excluded: compress(
            &domain.categories,
            &complement(domain.categories.len(), &rect[CATEGORY]),
        ),
        purposes: compress(&domain.purposes, &rect[PURPOSE]),
        purposes_excluded: compress(
            &domain.purposes,
            &complement(domain.purposes.len(), &rect[PURPOSE]),
        ),
        recipients: rect[RECIPIENT]
            .iter()
            .filter_map(|i| PartyKind::ALL.get(*i).copied())
            .collect(),
        bases: (!bases_all).then(|| {
            rect[BASIS]
                .iter()
                .map(|i| i.checked_sub(1).and_then(|i| domain.bases.get(i)).cloned())
                .collect()
        }),
        bases_excluded: domain
            .bases
            .iter()
            .enumerate()
            .filter(|(i, _)| !chosen_bases.contains(&(i + 1)))
            .map(|(_, name)| name.clone())
            .collect(),
        regions: (!regions_all).then(|| {
            rect[REGION]
                .iter()
                .map(|i| {
                    i.checked_sub(1)
                        .and_then(|i| domain.regions.get(i))
                        .cloned()
                })
                .collect()
        }),
        do_not_track: match rect[DNT].as_slice() {
            [only] => Some(*only == 1),
            _ => None,
        },
        audiences: (rect[AUDIENCE].len() < domain.audience_groups.len()).then(|| {
            let leaves: Vec<usize> = rect[AUDIENCE]
                .iter()
                .filter_map(|group| domain.audience_groups.get(*group))
                .flatten()
                .copied()
                .collect();
            compress(&domain.audiences, &leaves)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compress_names_the_broadest_covered_subtrees() {
        let leaves: Vec<String> = ["a.x", "a.y", "b.z", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(compress(&leaves, &[0, 1, 2]), vec!["a", "b.z"]);
        assert_eq!(compress(&leaves, &[0, 3]), vec!["a.x", "c"]);
        // `b` has one leaf: the leaf is named.
        assert_eq!(compress(&leaves, &[2]), vec!["b.z"]);
        assert_eq!(compress(&leaves, &[0, 1, 2, 3]), vec!["a", "b.z", "c"]);
    }

    #[test]
    fn merging_keeps_exactly_the_points() {
        let points: Vec<Rect> = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]
            .iter()
            .map(|(c, p)| {
                let mut rect: Rect = Default::default();
                rect[CATEGORY] = vec![*c];
                rect[PURPOSE] = vec![*p];
                rect
            })
            .collect();
        let merged = merge_all(points, &[PURPOSE, CATEGORY]);
        let mut covered = Vec::new();
        for rect in &merged {
            for c in &rect[CATEGORY] {
                for p in &rect[PURPOSE] {
                    covered.push((*c, *p));
                }
            }
        }
        covered.sort();
        assert_eq!(covered, vec![(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]);
        assert_eq!(merged.len(), 2);
    }
}
