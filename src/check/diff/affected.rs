//! What a change can affect: the permissions are decided only for the acts
//! whose decision can differ between the two versions, found from what
//! differs between them rather than by deciding every act of the union
//! domain.
//!
//! The decision of an act about a leaf category reads only the rules that
//! cover that leaf (or every category), the leaf's flags through their
//! selections, the hierarchies of the names, the purposes each exemption
//! holds for, and the act's audience classes (`check::decision`). So:
//! - the rules of each version are matched by normalized text; a rule whose
//!   text is not matched one for one in the other version has changed, and
//!   the leaves it covers are the affected rows, with the leaves whose
//!   `sensitive` or `identifier` flag changed;
//! - only those rows are decided, with the rules that can decide them;
//! - the contexts are cut into classes those rules cannot tell apart: a
//!   basis or region none of them names (nor an ancestor of it) decides as
//!   any other such does, so the bases and regions named stand alone and the
//!   rest share a context (bases apart by whether they are exemptions, which
//!   the new purposes ask).
//!
//! Fail closed: when the versions differ in a way not bounded here (a name
//! in one only, a purpose's `commercial` flag, a rule for every category, an
//! exemption's purposes where a rule can accept it), the exhaustive
//! comparison decides instead.

use super::*;

/// What to decide.
pub(super) enum Affected {
    /// Nothing that decides differs: no permission changes.
    Nothing,
    /// These rows and contexts only.
    Part(Plan),
    /// Not bounded: every act of the domain.
    Everything,
}

/// What the two decided versions' differences can affect. Both must share
/// one vocabulary of decided names (see [`super::missing_names`]).
pub(super) fn affected(old: &Program, new: &Program, domain: &Domain) -> Affected {
    let versions = [old, new];
    // One vocabulary: the same names, so the same ids, hierarchies and
    // leaf indices in both.
    let same_names = DECIDED.iter().all(|&namespace| {
        old.vocabulary(namespace)
            .names()
            .eq(new.vocabulary(namespace).names())
    });
    if !same_names {
        return Affected::Everything;
    }
    let commercial = |p: &Program| -> Vec<bool> {
        p.purposes()
            .iter()
            .map(|(_, entry)| entry.commercial)
            .collect()
    };
    if commercial(old) != commercial(new) {
        return Affected::Everything;
    }

    // The rules whose text is not matched one for one.
    let mut texts: BTreeMap<String, [Vec<RuleId>; 2]> = BTreeMap::new();
    for (side, program) in versions.iter().enumerate() {
        for (id, rule) in program.rule_ids().zip(&program.rules) {
            if let Some(ids) = texts
                .entry(describe::rule_text(program, rule))
                .or_default()
                .get_mut(side)
            {
                ids.push(id);
            }
        }
    }
    let mut rows = FixedBitSet::with_capacity(old.categories().leaf_count());
    for [before, after] in texts.values() {
        if before.len() == after.len() {
            continue;
        }
        for (program, ids) in [(old, before), (new, after)] {
            for id in ids {
                if program.rule_index.any_category.contains(id) {
                    return Affected::Everything;
                }
                if let Some(rule) = program.rule(*id) {
                    rows.union_with(&rule.categories.leaves);
                }
            }
        }
    }
    // Leaves whose flags changed: a selection (`sensitive user`) takes them
    // in one version only.
    for leaf in 0..old.categories().leaf_count() {
        let flags = |p: &Program| {
            p.categories()
                .leaf(leaf)
                .and_then(|id| p.categories().get(id))
                .map(|entry| (entry.sensitive, entry.identifier))
        };
        if flags(old) != flags(new) {
            rows.insert(leaf);
        }
    }

    // An exemption whose purposes changed decides differently wherever a
    // rule accepts it, or a basis under it: not bounded here.
    let bases = old.bases();
    for (id, _) in bases.iter() {
        let purposes = |p: &Program| p.basis_purposes(id).cloned();
        if purposes(old) != purposes(new)
            && versions.iter().any(|p| {
                named_bases(p.rules.iter())
                    .iter()
                    .any(|named| bases.is_under(*named, id) || bases.is_under(id, *named))
            })
        {
            return Affected::Everything;
        }
    }

    if rows.is_clear() {
        return Affected::Nothing;
    }

    // The rules that can decide the rows, in each version, in order.
    let deciding = |p: &Program| -> Vec<RuleId> {
        let mut ids = FixedBitSet::with_capacity(p.rules.len());
        for id in &p.rule_index.any_category {
            ids.insert(id.index());
        }
        for leaf in rows.ones() {
            for id in p.rule_index.rules_of_leaf(leaf) {
                ids.insert(id.index());
            }
        }
        ids.ones()
            .map(|index| RuleId(crate::source::offset_u32(index)))
            .collect()
    };
    let rules = [deciding(old), deciding(new)];

    // The bases and regions those rules name, in either version.
    let mut named_basis: BTreeSet<NameId> = BTreeSet::new();
    let mut named_region: BTreeSet<NameId> = BTreeSet::new();
    for (program, ids) in versions.iter().zip(&rules) {
        let chosen = || ids.iter().filter_map(|id| program.rule(*id));
        named_basis.extend(named_bases(chosen()));
        named_region.extend(named_regions(chosen()));
    }
    let named: Vec<NameId> = named_basis.into_iter().collect();
    let basis_classes = classes(&domain.bases, |name| {
        let id = bases.lookup(name)?;
        let exemption = versions.iter().any(|p| {
            p.bases()
                .get(id)
                .and_then(|e| e.declared.as_ref())
                .is_some_and(|d| d.exemption)
        });
        (!bases.is_under_any(id, &named)).then_some(usize::from(exemption))
    });
    let regions = old.regions();
    let named: Vec<NameId> = named_region.into_iter().collect();
    let region_classes = classes(&domain.regions, |name| {
        let id = regions.lookup(name)?;
        (!regions.is_under_any(id, &named)).then_some(0)
    });

    let row_list: Vec<usize> = rows
        .ones()
        .filter_map(|leaf| {
            let name = old
                .categories()
                .leaf(leaf)
                .map(|id| old.categories().name(id))?;
            domain.categories.index(name)
        })
        .collect();
    let mut sorted_rows = row_list;
    sorted_rows.sort_unstable();
    let mut contexts = Vec::new();
    for action in 0..Action::ALL.len() {
        for recipient in 0..PartyKind::ALL.len() {
            for basis in &basis_classes {
                for region in &region_classes {
                    for dnt in 0..2 {
                        for audience in 0..domain.audience_groups.len().max(1) {
                            let (Some(&first_basis), Some(&first_region)) =
                                (basis.first(), region.first())
                            else {
                                continue;
                            };
                            let context = Context {
                                action,
                                recipient,
                                basis: first_basis,
                                region: first_region,
                                dnt,
                                audience,
                            };
                            let mut members = singleton(context);
                            members[BASIS] = basis.clone();
                            members[REGION] = region.clone();
                            contexts.push((context, members));
                        }
                    }
                }
            }
        }
    }
    Affected::Part(Plan {
        rows: sorted_rows,
        contexts,
        rules: rules.map(Some),
    })
}

/// The bases some rules name: what their `allow` accepts, and what their
/// exceptions and carve-outs ask.
fn named_bases<'r>(rules: impl Iterator<Item = &'r Rule>) -> Vec<NameId> {
    let mut named = Vec::new();
    for rule in rules {
        named.extend(rule.bases.iter().copied());
        for exception in &rule.exceptions {
            named.extend(exception.condition.bases.iter().copied());
            for carve_out in &exception.carve_outs {
                named.extend(carve_out.condition.bases.iter().copied());
            }
        }
    }
    named
}

/// The regions some rules name: an `allow`'s, a `deny`'s or a `confine`'s,
/// and their exceptions' and carve-outs'.
fn named_regions<'r>(rules: impl Iterator<Item = &'r Rule>) -> Vec<NameId> {
    let mut named = Vec::new();
    for rule in rules {
        named.extend(rule.regions.iter().copied());
        for exception in &rule.exceptions {
            named.extend(exception.condition.regions.iter().copied());
            for carve_out in &exception.carve_outs {
                named.extend(carve_out.condition.regions.iter().copied());
            }
        }
    }
    named
}

/// The values of a context dimension (0: none; i + 1: the i-th name) in
/// classes: none alone, each name `shared` gives no class of alone, and the
/// others by the class `shared` gives them. Sorted members; classes in the
/// order of their first member.
fn classes(names: &[String], shared: impl Fn(&str) -> Option<usize>) -> Vec<Vec<usize>> {
    let mut alone = vec![vec![0]];
    let mut together: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, name) in names.iter().enumerate() {
        match shared(name) {
            Some(class) => together.entry(class).or_default().push(index + 1),
            None => alone.push(vec![index + 1]),
        }
    }
    alone.extend(together.into_values());
    alone.sort_by_key(|members| members.first().copied());
    alone
}
