//! The resolved program: every name looked up, every value typed, every
//! hierarchy numbered. This is what the checker, the query, the code
//! generators and the renderers read; none of them sees the syntax tree.
//!
//! Vocabularies number their entries in depth-first order (sorted by
//! segment), so the descendants of an entry are exactly the ids in
//! `id..entry.end`, and the leaves below an entry are a range of leaf
//! indices. "`a` is under `b`" is a comparison, and the set of leaves a rule
//! covers is a bitset.

use crate::ast::{CategoryFlag, EndAction, Hold, NodeKind, RequireTarget, Text, Transform};
use crate::source::Span;
use crate::time::{Date, Duration};
use fixedbitset::FixedBitSet;
use std::collections::BTreeMap;
use std::fmt;

/// An entry of one [`Vocabulary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NameId(pub u32);

impl NameId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The kinds of declared names. Each has its own vocabulary, so a purpose
/// and a category may share a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Namespace {
    Category,
    Purpose,
    /// Bases and exemptions share one namespace: an exemption is a basis.
    Basis,
    Region,
    Safeguard,
    State,
    Event,
    Duration,
    Technology,
    Obligation,
    Principle,
    Right,
    /// Kinds of data subject (`audience`): whose data it is.
    Audience,
    /// Choices the person can make (`opt out`).
    OptOut,
    /// Subjects, systems, stores, vendors, authorities and trackers.
    Node,
}

impl Namespace {
    pub const ALL: [Namespace; 15] = [
        Namespace::Category,
        Namespace::Purpose,
        Namespace::Basis,
        Namespace::Region,
        Namespace::Safeguard,
        Namespace::State,
        Namespace::Event,
        Namespace::Duration,
        Namespace::Technology,
        Namespace::Obligation,
        Namespace::Principle,
        Namespace::Right,
        Namespace::Audience,
        Namespace::OptOut,
        Namespace::Node,
    ];

    /// Whether a dotted name implies its ancestors (`user.contact.email`
    /// implies `user.contact` and `user`) and a rule on an ancestor covers
    /// its descendants.
    pub fn is_hierarchical(self) -> bool {
        matches!(
            self,
            Namespace::Category
                | Namespace::Purpose
                | Namespace::Basis
                | Namespace::Region
                | Namespace::Safeguard
                | Namespace::Audience
        )
    }

    /// The word used for it in messages: "category", "purpose", ...
    pub fn noun(self) -> &'static str {
        match self {
            Namespace::Category => "category",
            Namespace::Purpose => "purpose",
            Namespace::Basis => "basis",
            Namespace::Region => "region",
            Namespace::Safeguard => "safeguard",
            Namespace::State => "state",
            Namespace::Event => "event",
            Namespace::Duration => "duration",
            Namespace::Technology => "technology",
            Namespace::Obligation => "obligation",
            Namespace::Principle => "principle",
            Namespace::Right => "right",
            Namespace::Audience => "audience",
            Namespace::OptOut => "opt-out",
            Namespace::Node => "node of the data map",
        }
    }

    /// The word with its article: "a category", "an event".
    pub fn with_article(self) -> String {
        let noun = self.noun();
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {noun}")
    }
}

/// What every declaration and rule carries for people: where it is, its
/// citation of the notice, its doc comment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Meta {
    /// The whole item.
    pub span: Span,
    /// The keyword that starts it.
    pub keyword: Span,
    /// Its first line: what a label pointing at it underlines.
    pub head: Span,
    pub cite: Option<Text>,
    pub doc: Option<String>,
}

impl Meta {
    pub fn cite_text(&self) -> Option<&str> {
        self.cite.as_ref().map(|cite| cite.value.as_str())
    }
}

/// How an entry came to exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The name in its declaration.
    pub name_span: Span,
    pub label: Option<String>,
    pub meta: Meta,
    /// For bases: declared with `exemption` rather than `basis`.
    pub exemption: bool,
    /// For categories: the flags written on this declaration.
    pub flags: Vec<CategoryFlag>,
    /// Recovered from an item that did not parse: only the name is known.
    pub recovered: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub parent: Option<NameId>,
    pub children: Vec<NameId>,
    /// `None` when the entry is only implied by a dotted descendant.
    pub declared: Option<Declared>,
    /// One past the last descendant: the subtree is `id..end`.
    pub end: u32,
    /// The leaf indices below (or at) this entry: `leaf_start..leaf_end`.
    pub leaf_start: u32,
    pub leaf_end: u32,
    /// Flagged sensitive here or on an ancestor.
    pub sensitive: bool,
    /// Flagged identifier here or on an ancestor.
    pub identifier: bool,
    /// A purpose flagged commercial here or on an ancestor.
    pub commercial: bool,
}

impl Entry {
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    pub fn label(&self) -> Option<&str> {
        self.declared.as_ref().and_then(|d| d.label.as_deref())
    }

    pub fn meta(&self) -> Option<&Meta> {
        self.declared.as_ref().map(|d| &d.meta)
    }
}

/// The most dotted segments a hierarchical name may have (`a.b.c` has
/// three). Every prefix of a name is an entry of its vocabulary, so a deeper
/// name would cost work and memory quadratic in its depth; the resolver
/// reports a deeper declaration as `invalid-value` and leaves it out.
pub const MAX_NAME_DEPTH: usize = 64;

/// The highest age an audience's `under age` bound may name, in years.
pub const MAX_AGE: u32 = 150;

/// The longest a declared name may be, in bytes. With the depth limit it
/// bounds what the prefixes of one name cost.
pub const MAX_NAME_BYTES: usize = 256;

/// The names of one namespace, numbered depth-first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    pub namespace: Namespace,
    entries: Vec<Entry>,
    by_name: BTreeMap<String, NameId>,
    /// Leaf index to entry.
    leaves: Vec<NameId>,
}

impl Vocabulary {
    /// Builds a vocabulary from its declarations, adding the implied
    /// ancestors of dotted names in hierarchical namespaces. Names must be
    /// unique (the resolver reports duplicates and passes the first) and at
    /// most [`MAX_NAME_DEPTH`] segments deep (the resolver reports deeper
    /// ones and leaves them out).
    pub fn build(namespace: Namespace, declared: Vec<(String, Declared)>) -> Vocabulary {
        let mut all: BTreeMap<Vec<String>, Option<Declared>> = BTreeMap::new();
        for (name, declaration) in declared {
            let segments: Vec<String> = if namespace.is_hierarchical() {
                name.split('.').map(str::to_string).collect()
            } else {
                vec![name]
            };
            if namespace.is_hierarchical() {
                for depth in 1..segments.len() {
                    if let Some(prefix) = segments.get(..depth) {
                        all.entry(prefix.to_vec()).or_insert(None);
                    }
                }
            }
            all.insert(segments, Some(declaration));
        }

        // BTreeMap order over segment lists is a depth-first preorder.
        let mut entries: Vec<Entry> = Vec::with_capacity(all.len());
        let mut by_name = BTreeMap::new();
        let mut open: Vec<(Vec<String>, NameId)> = Vec::new();
        for (segments, declared) in all {
            while open
                .last()
                .is_some_and(|(prefix, _)| !segments.starts_with(prefix))
            {
                open.pop();
            }
            let id = NameId(crate::source::offset_u32(entries.len()));
            let parent = open.last().map(|(_, parent)| *parent);
            if let Some(parent) = parent
                && let Some(entry) = entries.get_mut(parent.index())
            {
                entry.children.push(id);
            }
            let name = segments.join(".");
            by_name.insert(name.clone(), id);
            entries.push(Entry {
                name,
                parent,
                children: Vec::new(),
                declared,
                end: 0,
                leaf_start: 0,
                leaf_end: 0,
                sensitive: false,
                identifier: false,
                commercial: false,
            });
            if namespace.is_hierarchical() {
                open.push((segments, id));
            }
        }

        // Subtree ends, leaf ranges and inherited flags, in one backward and
        // one forward pass (no recursion).
        let count = entries.len();
        for index in (0..count).rev() {
            let end = entries
                .get(index)
                .and_then(|entry| entry.children.last())
                .and_then(|last| entries.get(last.index()))
                .map_or(crate::source::offset_u32(index + 1), |last| last.end);
            if let Some(entry) = entries.get_mut(index) {
                entry.end = end;
            }
        }
        let mut leaves = Vec::new();
        for index in 0..count {
            let (parent_sensitive, parent_identifier, parent_commercial) = entries
                .get(index)
                .and_then(|entry| entry.parent)
                .and_then(|parent| entries.get(parent.index()))
                .map_or((false, false, false), |parent| {
                    (parent.sensitive, parent.identifier, parent.commercial)
                });
            if let Some(entry) = entries.get_mut(index) {
                let own = entry
                    .declared
                    .as_ref()
                    .map(|d| d.flags.as_slice())
                    .unwrap_or(&[]);
                entry.sensitive = parent_sensitive || own.contains(&CategoryFlag::Sensitive);
                entry.identifier = parent_identifier || own.contains(&CategoryFlag::Identifier);
                entry.commercial = parent_commercial || own.contains(&CategoryFlag::Commercial);
                if entry.children.is_empty() {
                    entry.leaf_start = crate::source::offset_u32(leaves.len());
                    leaves.push(NameId(crate::source::offset_u32(index)));
                }
            }
        }
        for index in (0..count).rev() {
            let (start, end) = match entries.get(index) {
                Some(entry) if entry.children.is_empty() => {
                    (entry.leaf_start, entry.leaf_start + 1)
                }
                Some(entry) => {
                    let first = entry.children.first().and_then(|c| entries.get(c.index()));
                    let last = entry.children.last().and_then(|c| entries.get(c.index()));
                    (
                        first.map_or(0, |c| c.leaf_start),
                        last.map_or(0, |c| c.leaf_end),
                    )
                }
                None => (0, 0),
            };
            if let Some(entry) = entries.get_mut(index) {
                entry.leaf_start = start;
                entry.leaf_end = end;
            }
        }

        Vocabulary {
            namespace,
            entries,
            by_name,
            leaves,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: NameId) -> Option<&Entry> {
        self.entries.get(id.index())
    }

    /// The name of an entry ("" for an id from another vocabulary).
    pub fn name(&self, id: NameId) -> &str {
        self.get(id).map_or("", |entry| entry.name.as_str())
    }

    pub fn lookup(&self, name: &str) -> Option<NameId> {
        self.by_name.get(name).copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = NameId> + '_ {
        (0..self.entries.len()).map(|index| NameId(crate::source::offset_u32(index)))
    }

    pub fn iter(&self) -> impl Iterator<Item = (NameId, &Entry)> {
        self.ids().zip(self.entries.iter())
    }

    /// The names, in depth-first order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.name.as_str())
    }

    /// Whether `id` is `ancestor` or one of its descendants.
    pub fn is_under(&self, id: NameId, ancestor: NameId) -> bool {
        self.get(ancestor)
            .is_some_and(|entry| ancestor.0 <= id.0 && id.0 < entry.end)
    }

    /// Whether any of `ids` is under `ancestor`: a store protected by
    /// `encryption.at_rest` meets a requirement of `encryption`.
    pub fn any_under(&self, ids: &[NameId], ancestor: NameId) -> bool {
        ids.iter().any(|id| self.is_under(*id, ancestor))
    }

    /// Whether `id` is under any of `ancestors`.
    pub fn is_under_any(&self, id: NameId, ancestors: &[NameId]) -> bool {
        ancestors
            .iter()
            .any(|ancestor| self.is_under(id, *ancestor))
    }

    pub fn leaf_count(&self) -> usize {
        self.leaves.len()
    }

    /// The entry of a leaf index.
    pub fn leaf(&self, index: usize) -> Option<NameId> {
        self.leaves.get(index).copied()
    }

    /// The entries of every leaf, in leaf order.
    pub fn leaf_ids(&self) -> impl Iterator<Item = NameId> + '_ {
        self.leaves.iter().copied()
    }

    /// The leaves below (or at) an entry, as leaf indices.
    pub fn leaves_of(&self, id: NameId) -> std::ops::Range<usize> {
        self.get(id).map_or(0..0, |entry| {
            entry.leaf_start as usize..entry.leaf_end as usize
        })
    }

    /// The leaf indices below any of `ids`, optionally only those flagged.
    pub fn leaf_set(&self, ids: &[NameId], filter: Option<CategoryFlag>) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(self.leaf_count());
        for id in ids {
            for leaf in self.leaves_of(*id) {
                let keep = match filter {
                    None => true,
                    Some(flag) => self
                        .leaf(leaf)
                        .and_then(|leaf_id| self.get(leaf_id))
                        .is_some_and(|entry| match flag {
                            CategoryFlag::Sensitive => entry.sensitive,
                            CategoryFlag::Identifier => entry.identifier,
                            CategoryFlag::Commercial => entry.commercial,
                        }),
                };
                if keep {
                    set.insert(leaf);
                }
            }
        }
        set
    }

    /// Every leaf.
    pub fn all_leaves(&self) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(self.leaf_count());
        set.insert_range(..);
        set
    }
}

/// What a rule does to data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Collect,
    Use,
    Store,
    Share,
    Transfer,
    Disclose,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Collect,
        Action::Use,
        Action::Store,
        Action::Share,
        Action::Transfer,
        Action::Disclose,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Collect => "collect",
            Action::Use => "use",
            Action::Store => "store",
            Action::Share => "share",
            Action::Transfer => "transfer",
            Action::Disclose => "disclose",
        }
    }

    pub fn from_name(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// Whether the action hands data to someone else.
    pub fn is_onward(self) -> bool {
        matches!(self, Action::Share | Action::Transfer | Action::Disclose)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of actions. `process` in the source stands for all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ActionSet(u8);

impl ActionSet {
    pub const ALL: ActionSet = ActionSet(0b11_1111);

    pub fn insert(&mut self, action: Action) {
        self.0 |= action.bit();
    }

    pub fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    pub fn is_superset(self, other: ActionSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

/// Who receives data. The first party is us; the others are kinds of
/// recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartyKind {
    FirstParty,
    Processor,
    ThirdParty,
    Authority,
    Acquirer,
    Public,
}

impl PartyKind {
    pub const ALL: [PartyKind; 6] = [
        PartyKind::FirstParty,
        PartyKind::Processor,
        PartyKind::ThirdParty,
        PartyKind::Authority,
        PartyKind::Acquirer,
        PartyKind::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::FirstParty => "first_party",
            PartyKind::Processor => "processor",
            PartyKind::ThirdParty => "third_party",
            PartyKind::Authority => "authority",
            PartyKind::Acquirer => "acquirer",
            PartyKind::Public => "public",
        }
    }

    pub fn from_name(text: &str) -> Option<PartyKind> {
        PartyKind::ALL.into_iter().find(|p| p.as_str() == text)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PartySet(u8);

impl PartySet {
    pub const ALL: PartySet = PartySet(0b11_1111);

    pub fn intersection(self, other: PartySet) -> PartySet {
        PartySet(self.0 & other.0)
    }

    pub fn insert(&mut self, party: PartyKind) {
        self.0 |= party.bit();
    }

    pub fn contains(self, party: PartyKind) -> bool {
        self.0 & party.bit() != 0
    }

    pub fn is_superset(self, other: PartySet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn iter(self) -> impl Iterator<Item = PartyKind> {
        PartyKind::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

/// The names a rule was written with and the leaves they cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub names: Vec<NameId>,
    /// `sensitive` or `identifier` before the names: only flagged leaves.
    pub filter: Option<CategoryFlag>,
    pub leaves: FixedBitSet,
}

/// What an `except` clause names: each part that is given must hold for an
/// atom of an act (`check::decision`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Condition {
    /// `None`: any category of the rule.
    pub categories: Option<Scope>,
    /// `None`: any purpose of the rule.
    pub purposes: Option<Scope>,
    /// `None`: any recipient.
    pub recipients: Option<PartySet>,
    /// The act's region must be known and under one of these (any region,
    /// known or not, if empty).
    pub regions: Vec<NameId>,
    /// One of the act's bases must be under one of these, for the atom's
    /// purpose (an exemption holds for its own purposes only); none needed if
    /// empty.
    pub bases: Vec<NameId>,
    /// `None`: any audience of the rule.
    pub audiences: Option<Scope>,
}

/// `except with consent.explicit`, `except allow for legal.compliance under
/// legal_requirement`: where the condition holds for an atom, and no carve-out
/// does, the rule does not apply to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionRule {
    pub condition: Condition,
    /// `except allow`: the rule, later in `Program::rules`, that permits what
    /// this exception covers.
    pub permits: Option<RuleId>,
    /// The `except deny` clauses that narrow this exception.
    pub carve_outs: Vec<CarveOut>,
    pub cite: Option<Text>,
    pub span: Span,
}

/// `except deny of user.device.imei`: where it holds, the exception before
/// it does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarveOut {
    pub condition: Condition,
    pub cite: Option<Text>,
    pub span: Span,
}

/// Where a rule that no item declares comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionOf {
    /// The rule whose `except allow` clause this is.
    pub rule: RuleId,
    /// The clause's position among that rule's exceptions.
    pub exception: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleKind {
    /// `allow`: permits acts in its scope (under its bases, if any).
    Allow,
    /// `deny`: forbids acts in its scope unless an exception holds.
    Deny,
    /// `restrict`: forbids its categories for every purpose not listed.
    Restrict,
    /// `confine`: forbids its categories outside the listed regions.
    Confine,
    /// `honour do not track`: forbids its purposes when Do Not Track is on.
    HonourDnt,
    /// `opt out NAME ... stops ...`: forbids what it stops when the person
    /// has opted out (the act names the opt-out).
    OptOut(NameId),
}

impl RuleKind {
    pub fn keyword(self) -> &'static str {
        match self {
            RuleKind::Allow => "allow",
            RuleKind::Deny => "deny",
            RuleKind::Restrict => "restrict",
            RuleKind::Confine => "confine",
            RuleKind::HonourDnt => "honour",
            RuleKind::OptOut(_) => "opt out",
        }
    }

    /// Whether the rule forbids (and so overrides allows).
    pub fn forbids(self) -> bool {
        self != RuleKind::Allow
    }
}

/// Index of a decision rule in [`Program::rules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub u32);

impl RuleId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A rule the decision function reads: allow, deny, restrict, confine and
/// honour-do-not-track, in one shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub kind: RuleKind,
    pub actions: ActionSet,
    pub categories: Scope,
    /// `None`: any purpose. For `restrict`, the purposes it permits.
    pub purposes: Option<Scope>,
    /// `None`: any recipient.
    pub recipients: Option<PartySet>,
    /// For `allow`: the act needs one of these bases (none needed if empty).
    pub bases: Vec<NameId>,
    /// For `allow` and `deny`: the act's region must be under one of these
    /// (any region if empty). For `confine`: the permitted regions.
    pub regions: Vec<NameId>,
    /// `about ...`: the audience leaves it covers; `None`, every audience.
    pub audiences: Option<Scope>,
    /// For `allow` and `deny`: `after EVENTS`, the phases of the data it is
    /// about (see [`Program::phase_count`]); any phase when empty.
    pub after: Vec<NameId>,
    /// For an `allow` made from an `except allow` clause: its `except deny`
    /// clauses, which take what they name out of it (never `permits`).
    pub exceptions: Vec<ExceptionRule>,
    /// For an `allow` made from an `except allow` clause: that clause. Its
    /// `meta` is the clause's (span, citation); it has no item of its own.
    pub exception_of: Option<ExceptionOf>,
    pub meta: Meta,
}

/// Which rules name which leaf category: the decision function and the
/// lints look at the rules of an act's leaves only, not at every rule.
/// Derived from `Program::rules` when resolution ends.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RuleIndex {
    /// For each category leaf, the rules whose categories hold it, in order.
    by_category_leaf: Vec<Vec<RuleId>>,
    /// Rules that apply to every category (`honour do not track`).
    pub any_category: Vec<RuleId>,
}

impl RuleIndex {
    pub fn build(rules: &[Rule], category_leaves: usize) -> RuleIndex {
        let mut index = RuleIndex {
            by_category_leaf: vec![Vec::new(); category_leaves],
            any_category: Vec::new(),
        };
        for (position, rule) in rules.iter().enumerate() {
            let id = RuleId(crate::source::offset_u32(position));
            // `honour do not track`, and an opt-out that stops purposes
            // only, hold every category.
            let every_category = match rule.kind {
                RuleKind::HonourDnt => true,
                RuleKind::OptOut(_) => rule.categories.names.is_empty(),
                _ => false,
            };
            if every_category {
                index.any_category.push(id);
                continue;
            }
            for leaf in rule.categories.leaves.ones() {
                if let Some(list) = index.by_category_leaf.get_mut(leaf) {
                    list.push(id);
                }
            }
        }
        index
    }

    /// The rules whose categories hold a leaf (not those of every category).
    pub fn rules_of_leaf(&self, leaf: usize) -> &[RuleId] {
        self.by_category_leaf
            .get(leaf)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The audience leaves in classes that no rule, exception or carve-out
/// tells apart: runs of consecutive leaves (in depth-first order) between
/// the bounds of the audience names an `about` clause writes. Every leaf of
/// a class is under the same names of every `about` clause, so an atom is
/// decided alike for all of them: the decision function decides one atom
/// per class, not per leaf, and the generated Rego names classes, not
/// leaves. A program that declares no audience has one class with no
/// leaves, which every rule covers. Classes are not the fewest possible,
/// only exact: there are at most twice as many as the names written in
/// `about` clauses, plus one.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AudienceClasses {
    /// The first leaf of each class, increasing; empty when there are no
    /// audience leaves.
    starts: Vec<u32>,
    /// The number of audience leaves.
    leaves: u32,
}

impl AudienceClasses {
    /// The classes of a program's audience leaves, cut at the bounds of the
    /// names of every `about` clause of its rules, exceptions and carve-outs.
    pub fn build(audiences: &Vocabulary, rules: &[Rule]) -> AudienceClasses {
        let leaves = crate::source::offset_u32(audiences.leaf_count());
        if leaves == 0 {
            return AudienceClasses::default();
        }
        let mut bounds = std::collections::BTreeSet::from([0u32]);
        let scopes = rules.iter().flat_map(|rule| {
            rule.audiences
                .iter()
                .chain(rule.exceptions.iter().flat_map(|exception| {
                    exception.condition.audiences.iter().chain(
                        exception
                            .carve_outs
                            .iter()
                            .filter_map(|carve_out| carve_out.condition.audiences.as_ref()),
                    )
                }))
        });
        for scope in scopes {
            for name in &scope.names {
                let range = audiences.leaves_of(*name);
                bounds.insert(crate::source::offset_u32(range.start));
                bounds.insert(crate::source::offset_u32(range.end));
            }
        }
        bounds.remove(&leaves);
        AudienceClasses {
            starts: bounds.into_iter().collect(),
            leaves,
        }
    }

    /// The number of classes: at least one.
    pub fn count(&self) -> usize {
        self.starts.len().max(1)
    }

    /// The class of an audience leaf.
    pub fn of_leaf(&self, leaf: usize) -> usize {
        self.starts
            .partition_point(|start| *start as usize <= leaf)
            .saturating_sub(1)
    }

    /// The leaves of a class, as leaf indices (none in a program without
    /// audiences).
    pub fn leaves(&self, class: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(class).map_or(0, |start| *start as usize);
        let end = self
            .starts
            .get(class + 1)
            .map_or(self.leaves as usize, |end| *end as usize);
        start..end.max(start)
    }

    /// A leaf that stands for its class: its first; `None` when the program
    /// declares no audience.
    pub fn representative(&self, class: usize) -> Option<usize> {
        self.starts.get(class).map(|start| *start as usize)
    }

    /// Whether a scope covers a class (every leaf of it, or none, by
    /// construction): `None` covers every class.
    pub fn covered_by(&self, class: usize, scope: Option<&Scope>) -> bool {
        match (scope, self.representative(class)) {
            (None, _) | (Some(_), None) => true,
            (Some(scope), Some(leaf)) => scope.leaves.contains(leaf),
        }
    }

    /// The classes that hold some leaf of a set of audience leaves, in
    /// order; every class when the set is `None` (not known).
    pub fn of_leaves(&self, leaves: Option<&FixedBitSet>) -> Vec<usize> {
        let Some(leaves) = leaves.filter(|_| !self.starts.is_empty()) else {
            return (0..self.count()).collect();
        };
        let mut classes: Vec<usize> = Vec::new();
        for leaf in leaves.ones() {
            let class = self.of_leaf(leaf);
            if classes.last() != Some(&class) {
                classes.push(class);
            }
        }
        if classes.is_empty() {
            // No leaf at all: whose data it is is not known.
            return (0..self.count()).collect();
        }
        classes
    }

    /// The classes of the leaves below some audience names; every class
    /// when there are none.
    pub fn of_names(&self, audiences: &Vocabulary, names: &[NameId]) -> Vec<usize> {
        if names.is_empty() {
            return (0..self.count()).collect();
        }
        let leaves = audiences.leaf_set(names, None);
        self.of_leaves(Some(&leaves))
    }
}

/// A typed duration and, when it was written as a name, that name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationValue {
    pub value: Duration,
    pub name: Option<NameId>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldPhase {
    pub after: Option<NameId>,
    pub hold: Hold,
    pub duration: DurationValue,
    pub without_commercial_use: bool,
    pub span: Span,
}

/// A retention lifecycle: kept while a state holds, then for a time after
/// an event, then ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Forever {
        span: Span,
    },
    Phased {
        while_state: Option<NameId>,
        hold: Option<HoldPhase>,
        end: EndAction,
        end_span: Span,
        span: Span,
    },
}

impl Lifecycle {
    pub fn span(&self) -> Span {
        match self {
            Lifecycle::Forever { span } | Lifecycle::Phased { span, .. } => *span,
        }
    }
}

/// `retain ...` in the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    pub categories: Scope,
    /// `None`: for every purpose.
    pub purposes: Option<Scope>,
    pub lifecycle: Lifecycle,
    pub meta: Meta,
}

/// How long the data map keeps data at least: a policy `retain ... at least`,
/// or `forever` (a `retain ... forever` rule is a floor as well as a
/// ceiling).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Minimum {
    Forever,
    /// `while STATE [then HOLD]` or `HOLD`; the hold's
    /// `without_commercial_use` is always false.
    Kept {
        while_state: Option<NameId>,
        hold: Option<HoldPhase>,
        span: Span,
    },
}

/// `retain CATEGORIES [for PURPOSES] at least ...` in the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floor {
    pub categories: Scope,
    /// `None`: for every purpose.
    pub purposes: Option<Scope>,
    pub minimum: Minimum,
    pub meta: Meta,
}

/// `hold CATEGORIES [for PURPOSES] while STATE` in the policy: no store may
/// erase the data while the state holds for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHold {
    pub categories: Scope,
    /// `None`: for every purpose.
    pub purposes: Option<Scope>,
    pub state: NameId,
    pub meta: Meta,
}

/// `require SAFEGUARDS for stores|flows of CATEGORIES`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub safeguards: Vec<NameId>,
    pub target: RequireTarget,
    pub categories: Scope,
    pub meta: Meta,
}

/// `duration legal_minimum = 3 years`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationDef {
    pub id: NameId,
    pub value: Duration,
}

/// `technology cookie "cookies" for tracking.preferences opt out by "..."`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Technology {
    pub id: NameId,
    pub purposes: Vec<NameId>,
    pub opt_out: Option<String>,
    /// `opt out by NAME`: the declared opt-out.
    pub opt_out_name: Option<NameId>,
    /// The technology's declaration.
    pub meta: Meta,
}

/// `opt out unsubscribe "..." stops ...`: a choice the person can make. Its
/// decision rule is the `RuleKind::OptOut` rule at `rule`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOut {
    pub id: NameId,
    pub label: Option<String>,
    pub rule: RuleId,
}

/// When an obligation applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    When(NameId),
    After {
        event: NameId,
        within: Option<DurationValue>,
    },
    AtLeastBefore {
        lead: DurationValue,
        event: NameId,
    },
    Before(NameId),
    BeforeNewPurpose,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub id: NameId,
    pub text: String,
    pub trigger: Option<Trigger>,
}

/// `purpose security.login "login verification" compatible with
/// service.provide`: data collected for one of `with` (or a purpose below
/// one) may also be used for `purpose` (or a purpose below it). One step,
/// not transitive, not symmetric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compatibility {
    pub purpose: NameId,
    pub with: Vec<NameId>,
    /// The purpose's declaration.
    pub meta: Meta,
}

/// The policy header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyInfo {
    pub name: String,
    pub title: Option<String>,
    pub updated: Option<Date>,
    pub meta: Meta,
}

/// The longest name PostgreSQL keeps, in bytes (`NAMEDATALEN` - 1). It cuts
/// a longer identifier to this length with a notice only, so two names that
/// differ after it would name one table or column, and a longer pg_cron job
/// name would be one job: `backed by postgres` names longer than this are
/// `invalid-value`, and the generated job names fit in it.
pub const POSTGRES_NAME_BYTES: usize = 63;

/// Where a store's records live, for the retention jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreTechnology {
    Postgres,
    S3,
    Kafka,
}

impl StoreTechnology {
    pub const ALL: [StoreTechnology; 3] = [
        StoreTechnology::Postgres,
        StoreTechnology::S3,
        StoreTechnology::Kafka,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreTechnology::Postgres => "postgres",
            StoreTechnology::S3 => "s3",
            StoreTechnology::Kafka => "kafka",
        }
    }

    /// The settings a `backed by` clause of this technology must give, and
    /// those it may give.
    pub fn settings(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            StoreTechnology::Postgres => (&["table", "timestamp"], &["columns", "hold"]),
            StoreTechnology::S3 => (&["bucket"], &["prefix"]),
            StoreTechnology::Kafka => (&["topic"], &[]),
        }
    }
}

/// `backed by postgres table "orders" timestamp "closed_at"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backing {
    pub technology: StoreTechnology,
    /// Setting name to value, for the settings given.
    pub settings: BTreeMap<String, String>,
    pub span: Span,
}

/// A `retain` clause inside a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreRetention {
    pub categories: Scope,
    pub lifecycle: Lifecycle,
    pub span: Span,
}

/// A node of the data map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: NameId,
    pub kind: NodeKind,
    /// Who the node belongs to: subjects, systems, stores and trackers are
    /// the first party; vendors say; authorities are authorities.
    pub party: PartyKind,
    pub regions: Vec<NameId>,
    pub protection: Vec<NameId>,
    pub backing: Option<Backing>,
    pub retentions: Vec<StoreRetention>,
    pub technologies: Vec<NameId>,
    pub honours_dnt: bool,
    /// The opt-outs a tracker honours, sorted.
    pub honours_opt_outs: Vec<NameId>,
    /// For a subject: the kinds of data subject it is (`is ...`); empty
    /// when it names none, and then it is of every audience.
    pub audiences: Vec<NameId>,
    /// Whether its declaration parsed and resolved without error; an
    /// incomplete node is not judged, nor are the flows that touch it (its
    /// error comes first).
    pub complete: bool,
}

/// Index of a flow in [`Program::flows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

impl FlowId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// `flow app -> auth carries ... for ...`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub from: NameId,
    pub to: NameId,
    pub from_span: Span,
    pub to_span: Span,
    pub transform: Option<Transform>,
    /// As written, with their spans.
    pub categories: Vec<(NameId, Span)>,
    pub purposes: Vec<(NameId, Span)>,
    pub bases: Vec<NameId>,
    pub protection: Vec<NameId>,
    pub honours_dnt: bool,
    /// `while STATE` or `after EVENTS`: the phases it narrows itself to.
    pub phase: Option<FlowPhase>,
    /// The opt-outs it honours, sorted.
    pub honours_opt_outs: Vec<NameId>,
    /// `notified by ...`: the obligations whose notice it gave, sorted.
    pub notified: Vec<NameId>,
    /// Its bases as written, with their spans.
    pub basis_spans: Vec<(NameId, Span)>,
    pub meta: Meta,
}

/// The phases a flow narrows itself to: live data (`while STATE`), or data
/// after one of some events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowPhase {
    /// `while STATE`: the state as written; the phase is live.
    pub state: Option<NameId>,
    pub events: Vec<NameId>,
    pub span: Span,
}

/// The phase of data no event of the person's lifecycle has happened to
/// yet; phase `1 + e` is the data after event `e` (by event id).
pub const LIVE_PHASE: usize = 0;

/// The phase of the data after an event.
pub fn event_phase(event: NameId) -> usize {
    1 + event.index()
}

/// A use of a declared name, for go-to-definition, find-references and the
/// unused-declaration lint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    pub namespace: Namespace,
    pub id: NameId,
    pub span: Span,
}

/// One vocabulary per namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabularies {
    pub category: Vocabulary,
    pub purpose: Vocabulary,
    pub basis: Vocabulary,
    pub region: Vocabulary,
    pub safeguard: Vocabulary,
    pub state: Vocabulary,
    pub event: Vocabulary,
    pub duration: Vocabulary,
    pub technology: Vocabulary,
    pub obligation: Vocabulary,
    pub principle: Vocabulary,
    pub right: Vocabulary,
    pub audience: Vocabulary,
    pub opt_out: Vocabulary,
    pub node: Vocabulary,
}

impl Vocabularies {
    pub fn get(&self, namespace: Namespace) -> &Vocabulary {
        match namespace {
            Namespace::Category => &self.category,
            Namespace::Purpose => &self.purpose,
            Namespace::Basis => &self.basis,
            Namespace::Region => &self.region,
            Namespace::Safeguard => &self.safeguard,
            Namespace::State => &self.state,
            Namespace::Event => &self.event,
            Namespace::Duration => &self.duration,
            Namespace::Technology => &self.technology,
            Namespace::Obligation => &self.obligation,
            Namespace::Principle => &self.principle,
            Namespace::Right => &self.right,
            Namespace::Audience => &self.audience,
            Namespace::OptOut => &self.opt_out,
            Namespace::Node => &self.node,
        }
    }
}

/// The resolved program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub policy: Option<PolicyInfo>,
    pub names: Vocabularies,
    pub durations: Vec<DurationDef>,
    pub technologies: Vec<Technology>,
    pub obligations: Vec<Obligation>,
    /// Purposes declared `compatible with` others, in source order.
    pub compatibilities: Vec<Compatibility>,
    /// Bases (and exemptions) declared `for new purpose`: the policy accepts
    /// them for using data for a purpose it was not collected for. Sorted.
    pub new_purpose_bases: Vec<NameId>,
    /// `basis B after notice O`: the obligation each such basis needs the
    /// notice of, by the basis's id.
    pub basis_notices: BTreeMap<NameId, NameId>,
    /// The opt-outs, in source order.
    pub opt_outs: Vec<OptOut>,
    /// The decision rules, in source order.
    pub rules: Vec<Rule>,
    /// Which rules name which leaf category.
    pub rule_index: RuleIndex,
    pub retentions: Vec<Retention>,
    /// The `retain ... at least` rules, in source order.
    pub floors: Vec<Floor>,
    /// The `hold` rules, in source order.
    pub legal_holds: Vec<LegalHold>,
    pub requirements: Vec<Requirement>,
    /// One per entry of the node vocabulary, in its order.
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
    pub references: Vec<Reference>,
    /// The purposes an exemption holds for, by the exemption's id, when its
    /// declaration has a `for` clause (see [`Program::basis_purposes`]).
    pub exemption_purposes: BTreeMap<NameId, Scope>,
    /// `under age N` of an audience declaration, by the audience's id.
    pub audience_ages: BTreeMap<NameId, u32>,
    /// The audience leaves grouped into classes no rule tells apart.
    pub audience_classes: AudienceClasses,
    /// Names offered as "did you mean" for a misspelling: presumably meant,
    /// so not reported unused on top of the misspelling.
    pub suggested: Vec<(Namespace, NameId)>,
    /// The sections of the notice, and what each citation names.
    pub outline: crate::outline::Outline,
}

impl Program {
    pub(crate) fn new(names: Vocabularies) -> Program {
        Program {
            policy: None,
            names,
            durations: Vec::new(),
            technologies: Vec::new(),
            obligations: Vec::new(),
            compatibilities: Vec::new(),
            new_purpose_bases: Vec::new(),
            basis_notices: BTreeMap::new(),
            opt_outs: Vec::new(),
            rules: Vec::new(),
            rule_index: RuleIndex::default(),
            retentions: Vec::new(),
            floors: Vec::new(),
            legal_holds: Vec::new(),
            requirements: Vec::new(),
            nodes: Vec::new(),
            flows: Vec::new(),
            references: Vec::new(),
            exemption_purposes: BTreeMap::new(),
            audience_ages: BTreeMap::new(),
            audience_classes: AudienceClasses::default(),
            suggested: Vec::new(),
            outline: crate::outline::Outline::default(),
        }
    }

    /// The notices a basis needs (`after notice`): those of it and of its
    /// ancestors, nearest first.
    pub fn basis_notices(&self, basis: NameId) -> Vec<NameId> {
        let mut notices = Vec::new();
        if self.basis_notices.is_empty() {
            return notices;
        }
        let bases = self.bases();
        let mut current = Some(basis);
        // Each step goes to a parent, which has a smaller id: bounded.
        while let Some(id) = current {
            if let Some(notice) = self.basis_notices.get(&id) {
                notices.push(*notice);
            }
            current = bases
                .get(id)
                .and_then(|entry| entry.parent)
                .filter(|parent| parent.0 < id.0);
        }
        notices
    }

    /// The bases of an act that count: those whose notices (`after
    /// notice`) are all among `notified`.
    pub fn noticed_bases(&self, bases: &[NameId], notified: &[NameId]) -> Vec<NameId> {
        bases
            .iter()
            .copied()
            .filter(|basis| {
                self.basis_notices(*basis)
                    .iter()
                    .all(|notice| notified.contains(notice))
            })
            .collect()
    }

    /// The purpose leaves a basis holds for: those of the nearest
    /// exemption at or above it that declares purposes; `None` (every
    /// purpose) when there is none.
    pub fn basis_purposes(&self, basis: NameId) -> Option<&FixedBitSet> {
        self.basis_scope(basis).map(|scope| &scope.leaves)
    }

    /// The `for` clause of the nearest exemption at or above a basis that
    /// declares one, as written and as leaves.
    pub fn basis_scope(&self, basis: NameId) -> Option<&Scope> {
        if self.exemption_purposes.is_empty() {
            return None;
        }
        let bases = self.bases();
        let mut current = Some(basis);
        let mut steps = 0;
        while let Some(id) = current {
            if let Some(scope) = self.exemption_purposes.get(&id) {
                return Some(scope);
            }
            steps += 1;
            if steps > MAX_NAME_DEPTH {
                break;
            }
            current = bases.get(id).and_then(|entry| entry.parent);
        }
        None
    }

    /// The vocabulary of a namespace.
    pub fn vocabulary(&self, namespace: Namespace) -> &Vocabulary {
        self.names.get(namespace)
    }

    pub fn categories(&self) -> &Vocabulary {
        &self.names.category
    }

    pub fn purposes(&self) -> &Vocabulary {
        &self.names.purpose
    }

    pub fn bases(&self) -> &Vocabulary {
        &self.names.basis
    }

    pub fn regions(&self) -> &Vocabulary {
        &self.names.region
    }

    pub fn safeguards(&self) -> &Vocabulary {
        &self.names.safeguard
    }

    pub fn audiences(&self) -> &Vocabulary {
        &self.names.audience
    }

    /// Where a node's name is declared (the default span if nowhere).
    pub fn node_name_span(&self, id: NameId) -> Span {
        self.node_names()
            .get(id)
            .and_then(|entry| entry.declared.as_ref())
            .map(|declared| declared.name_span)
            .unwrap_or_default()
    }

    pub fn node_names(&self) -> &Vocabulary {
        &self.names.node
    }

    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.index())
    }

    pub fn rule_ids(&self) -> impl Iterator<Item = RuleId> {
        (0..self.rules.len()).map(|index| RuleId(crate::source::offset_u32(index)))
    }

    pub fn node(&self, id: NameId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// Whether a node is a data subject: the source of what it hands on.
    pub fn is_subject(&self, id: NameId) -> bool {
        self.node(id)
            .is_some_and(|node| node.kind == NodeKind::Subject)
    }

    /// The purposes a purpose is declared `compatible with`, in the order
    /// written.
    pub fn compatible_with(&self, purpose: NameId) -> Vec<NameId> {
        self.compatibilities
            .iter()
            .filter(|c| c.purpose == purpose)
            .flat_map(|c| c.with.iter().copied())
            .collect()
    }

    /// Whether one of `bases` is under a basis the policy accepts for using
    /// data for a purpose it was not collected for (`for new purpose`).
    pub fn accepts_new_purpose(&self, bases: &[NameId]) -> bool {
        bases
            .iter()
            .any(|basis| self.bases().is_under_any(*basis, &self.new_purpose_bases))
    }

    /// The leaf purposes some of `bases` let data be used for whatever it
    /// was collected for: every purpose for a basis accepted `for new
    /// purpose`; an exemption's own purposes for an exemption declared `for`
    /// them (the law waives consent in its situation, for its purposes);
    /// `None` when there are none.
    pub fn new_purpose_leaves(&self, bases: &[NameId]) -> Option<FixedBitSet> {
        let purposes = self.purposes();
        if self.accepts_new_purpose(bases) {
            let mut all = FixedBitSet::with_capacity(purposes.leaf_count());
            all.insert_range(..);
            return Some(all);
        }
        let mut leaves: Option<FixedBitSet> = None;
        for basis in bases {
            if let Some(scope) = self.basis_purposes(*basis) {
                match &mut leaves {
                    Some(union) => union.union_with(scope),
                    None => leaves = Some(scope.clone()),
                }
            }
        }
        leaves.filter(|leaves| !leaves.is_clear())
    }

    pub fn flow(&self, id: FlowId) -> Option<&Flow> {
        self.flows.get(id.index())
    }

    /// How many phases data can be in: live, and after each event.
    pub fn phase_count(&self) -> usize {
        1 + self.names.event.len()
    }

    /// Every phase: the phases of data whose phase is not known.
    pub fn all_phases(&self) -> FixedBitSet {
        let mut all = FixedBitSet::with_capacity(self.phase_count());
        all.insert_range(..);
        all
    }

    /// One phase.
    pub fn phase_set(&self, phase: usize) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(self.phase_count());
        if phase < set.len() {
            set.insert(phase);
        }
        set
    }

    /// A phase in words: `live` or `after `account.closed``.
    pub fn phase_name(&self, phase: usize) -> String {
        match phase.checked_sub(1) {
            None => "live".to_string(),
            Some(event) => format!(
                "after `{}`",
                self.names
                    .event
                    .name(NameId(crate::source::offset_u32(event)))
            ),
        }
    }

    /// The phases of the data a store keeps under a lifecycle: `while S
    /// then END`, live data only; a hold after an event, live data and data
    /// after that event; a hold counted from collection, `forever`, or an
    /// end that archives, every phase.
    pub fn lifecycle_phases(&self, lifecycle: &Lifecycle) -> FixedBitSet {
        match lifecycle {
            Lifecycle::Phased { hold, end, .. } if !matches!(end, EndAction::Archive { .. }) => {
                let mut phases = self.phase_set(LIVE_PHASE);
                match hold.as_ref().map(|hold| hold.after) {
                    None => {}
                    Some(None) => return self.all_phases(),
                    Some(Some(event)) => {
                        phases.grow(event_phase(event) + 1);
                        phases.insert(event_phase(event));
                    }
                }
                phases
            }
            _ => self.all_phases(),
        }
    }

    /// The typed value of a named duration.
    pub fn duration(&self, id: NameId) -> Option<Duration> {
        self.durations.iter().find(|d| d.id == id).map(|d| d.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(flags: Vec<CategoryFlag>) -> Declared {
        Declared {
            name_span: Span::default(),
            label: None,
            meta: Meta::default(),
            exemption: false,
            flags,
            recovered: false,
        }
    }

    fn vocabulary(names: &[&str]) -> Vocabulary {
        Vocabulary::build(
            Namespace::Category,
            names
                .iter()
                .map(|n| (n.to_string(), declared(Vec::new())))
                .collect(),
        )
    }

    #[test]
    fn dotted_names_imply_ancestors_in_depth_first_order() {
        let v = vocabulary(&["user.contact.phone", "user.contact.email", "user.device"]);
        let names: Vec<&str> = v.names().collect();
        assert_eq!(
            names,
            vec![
                "user",
                "user.contact",
                "user.contact.email",
                "user.contact.phone",
                "user.device"
            ]
        );
        let user = v.lookup("user").unwrap();
        let contact = v.lookup("user.contact").unwrap();
        let email = v.lookup("user.contact.email").unwrap();
        let device = v.lookup("user.device").unwrap();
        assert!(v.is_under(email, user));
        assert!(v.is_under(email, contact));
        assert!(!v.is_under(device, contact));
        assert!(!v.is_under(user, email));
        assert!(v.get(user).unwrap().declared.is_none());
        assert_eq!(v.leaves_of(user), 0..3);
        assert_eq!(v.leaves_of(contact), 0..2);
        assert_eq!(v.leaves_of(device), 2..3);
    }

    #[test]
    fn subtrees_hold_only_dotted_descendants() {
        let v = vocabulary(&["a.z", "a0", "a.b"]);
        let a = v.lookup("a").unwrap();
        assert!(v.is_under(v.lookup("a.z").unwrap(), a));
        assert!(!v.is_under(v.lookup("a0").unwrap(), a));
    }

    #[test]
    fn flags_are_inherited_and_filter_leaves() {
        let v = Vocabulary::build(
            Namespace::Category,
            vec![
                (
                    "user.device".to_string(),
                    declared(vec![CategoryFlag::Sensitive]),
                ),
                ("user.device.imei".to_string(), declared(Vec::new())),
                ("user.name".to_string(), declared(Vec::new())),
            ],
        );
        let imei = v.lookup("user.device.imei").unwrap();
        assert!(v.get(imei).unwrap().sensitive);
        let user = v.lookup("user").unwrap();
        let sensitive = v.leaf_set(&[user], Some(CategoryFlag::Sensitive));
        assert_eq!(sensitive.ones().collect::<Vec<_>>(), vec![0]);
    }
}
