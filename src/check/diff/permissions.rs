//! Permissions of two versions decided over the union domain, and the
//! changed acts written as few rectangles (products of sets of actions,
//! recipients, bases, regions, Do Not Track, categories, purposes and
//! audiences), each named by its broadest covered names.
//!
//! The acts decided are given as contexts, each standing for a set of the
//! domain's contexts that decide alike (its members per dimension), and
//! category rows: every context and every row for the exhaustive reference
//! ([`all_contexts`]), or what a change can affect (`affected`). A context
//! standing for several is merged into rectangles as its members would
//! have been one by one: merging only compares and unites sets of members,
//! so the rectangles are the same.

use super::*;

/// A name that stands for nothing in a version: no rule covers it and no
/// region is under it.
pub(super) const NOTHING: NameId = NameId(u32::MAX);

/// The names of a hierarchy across both versions that have no descendant
/// in either: the finest leaves, sorted.
pub(super) fn union_leaves(old: &Vocabulary, new: &Vocabulary) -> Vec<String> {
    let all: BTreeSet<&str> = old.names().chain(new.names()).collect();
    // The first name from `a.` on starts with `a.` when any name does.
    let has_descendant = |name: &str| {
        let prefix = format!("{name}.");
        all.range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .next()
        .is_some_and(|next| next.starts_with(&prefix))
    };
    let mut leaves = BTreeSet::new();
    for vocabulary in [old, new] {
        for (_, entry) in vocabulary.iter() {
            if entry.is_leaf() && !has_descendant(&entry.name) {
                leaves.insert(entry.name.as_str());
            }
        }
    }
    leaves.into_iter().map(str::to_string).collect()
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
    pub(super) action: usize,
    pub(super) recipient: usize,
    /// 0: no basis; i + 1: the i-th basis of the union.
    pub(super) basis: usize,
    /// 0: no region; i + 1: the i-th region of the union.
    pub(super) region: usize,
    pub(super) dnt: usize,
    /// The i-th group of audience leaves that neither version tells apart
    /// (0 alone when neither version declares audiences).
    pub(super) audience: usize,
}

/// A context decided, and the contexts of the domain it stands for: its
/// members in each context dimension of a [`Rect`] (the category and
/// purpose dimensions empty).
pub(super) type Decided = (Context, Rect);

/// The leaves of a hierarchy in the domain, sorted, with what naming a set
/// of them needs: every prefix of a leaf at a dot (the names that stand for
/// the leaves below them), with how many leaves it holds.
pub(super) struct Names {
    pub(super) leaves: Vec<String>,
    /// Each prefix: the number of leaves under it and the first of them.
    prefixes: BTreeMap<String, (usize, usize)>,
}

impl Names {
    pub(super) fn new(leaves: Vec<String>) -> Names {
        let mut prefixes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (index, leaf) in leaves.iter().enumerate() {
            for prefix in prefixes_of(leaf) {
                prefixes
                    .entry(prefix.to_string())
                    .and_modify(|(count, _)| *count += 1)
                    .or_insert((1, index));
            }
        }
        Names { leaves, prefixes }
    }

    pub(super) fn len(&self) -> usize {
        self.leaves.len()
    }

    /// The index of a leaf.
    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.leaves
            .binary_search_by(|leaf| leaf.as_str().cmp(name))
            .ok()
    }

    /// The names standing for a set of leaves: the broadest names all of
    /// whose leaves are in the set. In time linear in the set (and the depth
    /// of its names).
    pub(super) fn compress(&self, chosen: &[usize]) -> Vec<String> {
        let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for leaf in chosen.iter().filter_map(|i| self.leaves.get(*i)) {
            for prefix in prefixes_of(leaf) {
                *counts.entry(prefix).or_default() += 1;
            }
        }
        let covered = |prefix: &str| {
            self.prefixes
                .get(prefix)
                .is_some_and(|(total, _)| counts.get(prefix) == Some(total))
        };
        let mut names = BTreeSet::new();
        for prefix in counts.keys() {
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
            // A name with a single leaf below it is shown as that leaf:
            // the declared name says more than an implied ancestor.
            match self.prefixes.get(*prefix) {
                Some((1, first)) => {
                    if let Some(leaf) = self.leaves.get(*first) {
                        names.insert(leaf.clone());
                    }
                }
                _ => {
                    names.insert(prefix.to_string());
                }
            }
        }
        names.into_iter().collect()
    }
}

/// A name and its prefixes at each dot: `a.b.c`, `a.b`, `a`.
fn prefixes_of(name: &str) -> impl Iterator<Item = &str> {
    std::iter::once(name).chain(
        name.char_indices()
            .filter(|(_, c)| *c == '.')
            .filter_map(|(index, _)| name.get(..index)),
    )
}

/// The names standing for a set of leaves (see [`Names::compress`]).
#[cfg(test)]
pub(super) fn compress(leaves: &[String], chosen: &[usize]) -> Vec<String> {
    Names::new(leaves.to_vec()).compress(chosen)
}

/// The domain and each version's view of it.
pub(super) struct Domain {
    pub(super) categories: Names,
    pub(super) purposes: Names,
    pub(super) bases: Vec<String>,
    pub(super) regions: Vec<String>,
    pub(super) audiences: Names,
    /// The audience leaves (indices into `audiences`) in groups that are
    /// one audience class in each version: every act is decided alike for
    /// the leaves of a group, so the domain has one context per group.
    pub(super) audience_groups: Vec<Vec<usize>>,
}

impl Domain {
    pub(super) fn new(old: &Program, new: &Program) -> Domain {
        let audiences = union_leaves(old.audiences(), new.audiences());
        let audience_groups = audience_groups(old, new, &audiences);
        Domain {
            categories: Names::new(union_leaves(old.categories(), new.categories())),
            purposes: Names::new(union_leaves(old.purposes(), new.purposes())),
            bases: union_names(old.bases(), new.bases()),
            regions: union_names(old.regions(), new.regions()),
            audiences: Names::new(audiences),
            audience_groups,
        }
    }

    fn pairs(&self) -> usize {
        self.categories.len() * self.purposes.len()
    }

    /// The number of contexts: the product of the context dimensions.
    fn contexts(&self) -> usize {
        Action::ALL.len()
            * PartyKind::ALL.len()
            * (self.bases.len() + 1)
            * (self.regions.len() + 1)
            * 2
            * self.audience_groups.len().max(1)
    }

    /// Every context of the domain, each standing for itself, in order.
    pub(super) fn all_contexts(&self) -> Vec<Decided> {
        let mut contexts = Vec::new();
        for action in 0..Action::ALL.len() {
            for recipient in 0..PartyKind::ALL.len() {
                for basis in 0..=self.bases.len() {
                    for region in 0..=self.regions.len() {
                        for dnt in 0..2 {
                            for audience in 0..self.audience_groups.len().max(1) {
                                let context = Context {
                                    action,
                                    recipient,
                                    basis,
                                    region,
                                    dnt,
                                    audience,
                                };
                                contexts.push((context, singleton(context)));
                            }
                        }
                    }
                }
            }
        }
        contexts
    }
}

/// The rectangle of one context alone.
pub(super) fn singleton(context: Context) -> Rect {
    let mut rect: Rect = Default::default();
    rect[ACTION] = vec![context.action];
    rect[RECIPIENT] = vec![context.recipient];
    rect[BASIS] = vec![context.basis];
    rect[REGION] = vec![context.region];
    rect[DNT] = vec![context.dnt];
    rect[AUDIENCE] = vec![context.audience];
    rect
}

/// One version's decisions over some rows of the domain's categories.
struct Version<'p> {
    program: &'p Program,
    /// The version's id of each row's category.
    categories: Vec<NameId>,
    purposes: Vec<NameId>,
    bases: Vec<Option<NameId>>,
    regions: Vec<NameId>,
    audiences: Vec<NameId>,
    /// The rules a signature looks at: `None` for every rule.
    rules: Option<Vec<RuleId>>,
    /// The (row, purpose) table of each distinct set of engaged rules.
    tables: BTreeMap<Vec<u32>, FixedBitSet>,
}

impl<'p> Version<'p> {
    fn new(
        program: &'p Program,
        domain: &Domain,
        rows: &[usize],
        rules: Option<Vec<RuleId>>,
    ) -> Version<'p> {
        Version {
            program,
            categories: rows
                .iter()
                .map(|row| {
                    domain
                        .categories
                        .leaves
                        .get(*row)
                        .map_or(NOTHING, |n| id_of(program.categories(), n))
                })
                .collect(),
            purposes: domain
                .purposes
                .leaves
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
                        .and_then(|leaf| domain.audiences.leaves.get(*leaf))
                        .map_or(NOTHING, |n| id_of(program.audiences(), n))
                })
                .collect(),
            rules,
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

    /// The permitted (row, purpose) pairs of a context, as a bitset
    /// indexed `row * purposes + purpose`.
    fn table(&mut self, context: Context) -> FixedBitSet {
        let probe = self.act(context, NOTHING, NOTHING);
        let engaged = match &self.rules {
            None => signature(self.program, &probe),
            Some(rules) => signature_over(self.program, &probe, rules.iter().copied()),
        };
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

/// The rectangle of one (category, purpose) pair, numbered row by row in a
/// table `width` purposes wide; every other dimension left empty.
fn pair_rect(point: usize, width: usize) -> Rect {
    let mut rect: Rect = Default::default();
    if let Some(category) = point.checked_div(width) {
        rect[CATEGORY] = vec![category];
        rect[PURPOSE] = vec![point % width];
    }
    rect
}

pub(super) fn merge_all(mut rects: Vec<Rect>, order: &[usize]) -> Vec<Rect> {
    for _ in 0..2 {
        for &dim in order {
            rects = merge(rects, dim);
        }
    }
    rects
}

/// The permission changes, new purposes and the figures of a comparison.
pub(super) struct Permissions {
    pub(super) changes: Vec<PermissionChange>,
    pub(super) new_purposes: Vec<NewPurpose>,
    pub(super) acts: u64,
    pub(super) tables: usize,
}

/// What to decide: some category rows (domain indices, sorted), contexts
/// each standing for a set of the domain's contexts, and for each version
/// the rules that can decide those rows (`None`: every rule).
pub(super) struct Plan {
    pub(super) rows: Vec<usize>,
    pub(super) contexts: Vec<Decided>,
    pub(super) rules: [Option<Vec<RuleId>>; 2],
}

impl Permissions {
    /// Nothing that decides changed: no permission changes, no table.
    pub(super) fn unchanged(domain: &Domain) -> Permissions {
        Permissions {
            changes: Vec::new(),
            new_purposes: Vec::new(),
            acts: (domain.contexts() * domain.pairs()) as u64,
            tables: 0,
        }
    }

    /// Every act of the domain decided in each version: the reference.
    pub(super) fn exhaustive(old: &Program, new: &Program) -> Permissions {
        let domain = Domain::new(old, new);
        let plan = Plan {
            rows: (0..domain.categories.len()).collect(),
            contexts: domain.all_contexts(),
            rules: [None, None],
        };
        Permissions::compute(old, new, &domain, plan)
    }

    pub(super) fn compute(
        old: &Program,
        new: &Program,
        domain: &Domain,
        plan: Plan,
    ) -> Permissions {
        let Plan {
            rows,
            contexts,
            rules: [old_rules, new_rules],
        } = plan;
        let mut before = Version::new(old, domain, &rows, old_rules);
        let mut after = Version::new(new, domain, &rows, new_rules);
        let pairs = domain.pairs();
        let width = domain.purposes.len().max(1);
        // A point of a version's table, as a point of the domain.
        let point = |index: usize| {
            rows.get(index / width)
                .map_or(0, |row| row * width + index % width)
        };
        // Contexts (as rectangles of the contexts they stand for) grouped
        // by what they gain and what they lose.
        let mut gained: BTreeMap<Vec<usize>, Vec<Rect>> = BTreeMap::new();
        let mut lost: BTreeMap<Vec<usize>, Vec<Rect>> = BTreeMap::new();
        // (category, purpose) pairs permitted in some context without an
        // exemption, in each version.
        let mut ordinary_before = FixedBitSet::with_capacity(rows.len() * width);
        let mut ordinary_after = FixedBitSet::with_capacity(rows.len() * width);
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
        for (context, members) in contexts {
            let was = before.table(context);
            let is = after.table(context);
            // The purposes data may be collected, used and kept for under
            // the ordinary rules: not under an exemption, and not handed on
            // (a purpose a share names is the recipient's). A context
            // stands for bases that are all exemptions or all not.
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
                    .entry(plus.ones().map(point).collect())
                    .or_default()
                    .push(members.clone());
            }
            if !minus.is_clear() {
                lost.entry(minus.ones().map(point).collect())
                    .or_default()
                    .push(members);
            }
        }

        let rectangles = |groups: BTreeMap<Vec<usize>, Vec<Rect>>| -> Vec<Rect> {
            let mut all = Vec::new();
            for (points, contexts) in groups {
                let context_rects =
                    merge_all(contexts, &[AUDIENCE, DNT, REGION, BASIS, RECIPIENT, ACTION]);
                let pair_rects = merge_all(
                    points
                        .iter()
                        .map(|point| pair_rect(*point, width))
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
            .map(|rect| describe_rect(domain, true, &rect))
            .chain(
                rectangles(lost)
                    .into_iter()
                    .map(|rect| describe_rect(domain, false, &rect)),
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
                .map(point)
                .map(|point| pair_rect(point, width))
                .collect(),
            &[CATEGORY, PURPOSE],
        )
        .into_iter()
        .map(|rect| NewPurpose {
            categories: domain.categories.compress(&rect[CATEGORY]),
            purposes: domain.purposes.compress(&rect[PURPOSE]),
            purposes_excluded: domain
                .purposes
                .compress(&complement(domain.purposes.len(), &rect[PURPOSE])),
        })
        .collect();

        Permissions {
            changes,
            new_purposes,
            acts: (domain.contexts() * pairs) as u64,
            tables: before.tables.len().max(after.tables.len()),
        }
    }
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
        categories: domain.categories.compress(&rect[CATEGORY]),
        categories_excluded: domain
            .categories
            .compress(&complement(domain.categories.len(), &rect[CATEGORY])),
        purposes: domain.purposes.compress(&rect[PURPOSE]),
        purposes_excluded: domain
            .purposes
            .compress(&complement(domain.purposes.len(), &rect[PURPOSE])),
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
            domain.audiences.compress(&leaves)
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
