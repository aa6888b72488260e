//! The owned syntax tree of one file, as written: names are still text, values
//! are still unchecked. Nothing here borrows the source; every node carries a
//! [`Span`]. Resolution (`resolve`) turns it into the checked model.

use crate::source::{FileId, Span};

/// A name as written, possibly dotted: `user.device.imei`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// A string literal with its escapes already undone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A comment in the source, kept for the formatter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment's text after `//`.
    pub text: String,
    pub span: Span,
}

/// Everything parsed from one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

/// One top-level item: a declaration, a rule or a part of the data map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// `///` lines before the item, without the slashes.
    pub docs: Vec<Text>,
    pub kind: ItemKind,
    /// From the item's keyword to its last token (doc comments excluded).
    pub span: Span,
    /// The keyword that starts the item.
    pub keyword: Span,
    /// The item's first line, from the keyword, without a trailing comment:
    /// what a label pointing at the item underlines.
    pub head: Span,
    /// Whether the item did not parse and only its declared name was
    /// recovered (see `syntax::recover`).
    pub recovered: bool,
}

impl Item {
    /// The doc comment as one paragraph, or `None` when there is none.
    pub fn doc_text(&self) -> Option<String> {
        if self.docs.is_empty() {
            return None;
        }
        let lines: Vec<&str> = self.docs.iter().map(|doc| doc.value.trim()).collect();
        Some(lines.join("\n"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Policy(PolicyDecl),
    Declaration(Declaration),
    Duration(DurationDecl),
    Technology(TechnologyDecl),
    OptOut(OptOutDecl),
    Obligation(ObligationDecl),
    Allow(AllowRule),
    Deny(DenyRule),
    Restrict(RestrictRule),
    Confine(ConfineRule),
    Retain(RetainRule),
    Floor(FloorRule),
    LegalHold(LegalHoldRule),
    Require(RequireRule),
    Honour(HonourRule),
    Node(NodeDecl),
    Flow(FlowDecl),
    Section(SectionDecl),
}

/// `policy one_touch "One Touch privacy policy" updated 2024-10-24`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDecl {
    pub name: Ident,
    pub label: Option<Text>,
    /// The date as written; the resolver checks it.
    pub updated: Option<Text>,
    pub cite: Option<Text>,
}

/// `section "1(2)" "preservation of personal information"`: a section of
/// the notice, as its table of contents lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionDecl {
    /// What citations name it by.
    pub id: Text,
    pub title: Text,
}

/// The kinds of simple declarations: a name, a label, a citation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeclKind {
    Category,
    Purpose,
    Basis,
    Exemption,
    Region,
    Safeguard,
    State,
    Event,
    Principle,
    Right,
    /// A kind of data subject.
    Audience,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Category => "category",
            DeclKind::Purpose => "purpose",
            DeclKind::Basis => "basis",
            DeclKind::Exemption => "exemption",
            DeclKind::Region => "region",
            DeclKind::Safeguard => "safeguard",
            DeclKind::State => "state",
            DeclKind::Event => "event",
            DeclKind::Principle => "principle",
            DeclKind::Right => "right",
            DeclKind::Audience => "audience",
        }
    }
}

/// `category user.device.imei "IMEI" sensitive identifier cite "1(1)"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub kind: DeclKind,
    pub name: Ident,
    pub label: Option<Text>,
    /// Categories (`sensitive`, `identifier`) and purposes (`commercial`)
    /// have flags.
    pub flags: Vec<Flag>,
    /// Only exemptions have purposes: those the exemption holds for.
    pub purposes: Vec<Ident>,
    /// For purposes: `compatible with PURPOSES`, the purposes data may have
    /// been collected for and still be used for this one.
    pub compatible: Vec<Ident>,
    /// For bases and exemptions: `for new purpose`, the words' span, when
    /// the policy accepts the basis for using data for a purpose it was not
    /// collected for.
    pub new_purpose: Option<Span>,
    /// Only audiences have an age bound: `under age 14`, the number as
    /// written (the resolver checks it).
    pub under_age: Option<Text>,
    /// Only bases have it: `after notice OBLIGATION`, the notice an act
    /// must have given for the basis to count.
    pub notice: Option<Ident>,
    pub cite: Option<Text>,
}

impl Declaration {
    /// A declaration with its kind, name and label and no clause: what a
    /// parser fills in, and what error recovery keeps of a broken one.
    pub fn bare(kind: DeclKind, name: Ident, label: Option<Text>) -> Declaration {
        Declaration {
            kind,
            name,
            label,
            flags: Vec::new(),
            purposes: Vec::new(),
            compatible: Vec::new(),
            new_purpose: None,
            under_age: None,
            notice: None,
            cite: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CategoryFlag {
    Sensitive,
    Identifier,
    /// On purposes: a commercial use of data (`for commercial` names them).
    Commercial,
}

impl CategoryFlag {
    pub fn keyword(self) -> &'static str {
        match self {
            CategoryFlag::Sensitive => "sensitive",
            CategoryFlag::Identifier => "identifier",
            CategoryFlag::Commercial => "commercial",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub flag: CategoryFlag,
    pub span: Span,
}

/// `3 years` as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationLiteral {
    pub amount: Text,
    pub unit: Text,
    pub span: Span,
}

/// A duration: written out, or the name of a `duration` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationRef {
    Literal(DurationLiteral),
    Named(Ident),
}

impl DurationRef {
    pub fn span(&self) -> Span {
        match self {
            DurationRef::Literal(literal) => literal.span,
            DurationRef::Named(name) => name.span,
        }
    }
}

/// `duration legal_minimum = 3 years "the shortest period the law requires"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationDecl {
    pub name: Ident,
    pub value: DurationLiteral,
    pub label: Option<Text>,
    pub cite: Option<Text>,
}

/// `technology cookie "cookies" for tracking.preferences opt out by "..."`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TechnologyDecl {
    pub name: Ident,
    pub label: Option<Text>,
    pub purposes: Vec<Ident>,
    /// `opt out by "..."`: how to opt out, in words only.
    pub opt_out: Option<Text>,
    /// `opt out by NAME`: the declared opt-out that stops it.
    pub opt_out_name: Option<Ident>,
    pub cite: Option<Text>,
}

/// `opt out unsubscribe "unsubscribe from our mailing list" stops
/// tracking.clicks`, or `... stops collect, use of user.tracking.cookie`: a
/// choice the person can make, and the acts it stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOutDecl {
    pub name: Ident,
    pub label: Option<Text>,
    /// The actions it stops, when it names categories (every action when
    /// it names purposes only).
    pub actions: Vec<Ident>,
    /// `of CATEGORIES`; `None` when it stops purposes of every category.
    pub categories: Option<CategorySelector>,
    /// The purposes it stops (every purpose of its categories if empty).
    pub purposes: Vec<Ident>,
    pub cite: Option<Text>,
}

/// `obligation notify.incident "inform you promptly" after security.incident`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligationDecl {
    pub name: Ident,
    pub label: Text,
    pub trigger: Option<Trigger>,
    pub cite: Option<Text>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// `when EVENT`
    When(Ident),
    /// `after EVENT [within DURATION]`
    After {
        event: Ident,
        within: Option<DurationRef>,
    },
    /// `at least DURATION before EVENT`
    AtLeastBefore { lead: DurationRef, event: Ident },
    /// `before EVENT`
    Before(Ident),
    /// `before new purpose`: the policy's own rule for changing its purposes.
    BeforeNewPurpose(Span),
}

/// Whether bases were introduced with `under` or `with`; both mean the same,
/// the formatter keeps the word the author chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasisWord {
    Under,
    With,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasisClause {
    pub word: BasisWord,
    pub bases: Vec<Ident>,
}

/// `of [sensitive|identifier] user, device`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategorySelector {
    pub filter: Option<Flag>,
    pub names: Vec<Ident>,
}

/// `allow collect, use of user for service under consent to processor in site`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowRule {
    pub actions: Vec<Ident>,
    pub categories: CategorySelector,
    pub purposes: Vec<Ident>,
    /// `for commercial [PURPOSES]`: only the commercial purposes (of all
    /// purposes when no names follow).
    pub purpose_filter: Option<Flag>,
    pub recipients: Vec<Ident>,
    pub bases: Option<BasisClause>,
    pub regions: Vec<Ident>,
    /// `about customer.child`: the kinds of data subject it is about.
    pub audiences: Vec<Ident>,
    /// `after account.closed`: the events after which the data it is
    /// about is (any phase of the data when empty).
    pub after: Vec<Ident>,
    pub cite: Option<Text>,
}

/// What an `except` clause does where it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptEffect {
    /// `except`: the rule does not apply there.
    Lift,
    /// `except allow`: the rule does not apply there, and the clause permits it.
    Allow,
    /// `except deny`: takes what it names out of the exception before it.
    Deny,
}

/// `except allow for legal.compliance under legal_requirement cite "3(1) 2"`:
/// one clause as written; which exception an `except deny` narrows is
/// decided by order when resolving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub effect: ExceptEffect,
    /// The `except` keyword, through `allow` or `deny` when written.
    pub keyword: Span,
    pub categories: CategorySelector,
    pub purposes: Vec<Ident>,
    pub purpose_filter: Option<Flag>,
    pub recipients: Vec<Ident>,
    pub bases: Option<BasisClause>,
    pub regions: Vec<Ident>,
    pub audiences: Vec<Ident>,
    pub cite: Option<Text>,
    pub span: Span,
    /// Its first line.
    pub head: Span,
}

impl Exception {
    /// Whether the clause names anything: an exception that names nothing
    /// would cover the whole rule.
    pub fn is_empty(&self) -> bool {
        self.categories.names.is_empty()
            && self.purposes.is_empty()
            && self.purpose_filter.is_none()
            && self.recipients.is_empty()
            && self.bases.as_ref().is_none_or(|b| b.bases.is_empty())
            && self.regions.is_empty()
            && self.audiences.is_empty()
    }
}

/// `deny share of user to third_party cite "3(1)" except with consent.explicit`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyRule {
    pub actions: Vec<Ident>,
    pub categories: CategorySelector,
    pub purposes: Vec<Ident>,
    pub purpose_filter: Option<Flag>,
    pub recipients: Vec<Ident>,
    pub regions: Vec<Ident>,
    pub audiences: Vec<Ident>,
    /// `after account.closed`, as in [`AllowRule::after`].
    pub after: Vec<Ident>,
    pub cite: Option<Text>,
    pub exceptions: Vec<Exception>,
}

/// `restrict user.device.imei to security.login, security.identification`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictRule {
    pub categories: Vec<Ident>,
    pub purposes: Vec<Ident>,
    pub audiences: Vec<Ident>,
    pub cite: Option<Text>,
    pub exceptions: Vec<Exception>,
}

/// `confine user to site except with consent.separate`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfineRule {
    pub categories: Vec<Ident>,
    pub regions: Vec<Ident>,
    pub audiences: Vec<Ident>,
    pub cite: Option<Text>,
    pub exceptions: Vec<Exception>,
}

/// How a record is held during a phase of its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    Keep,
    Archive { encrypted: bool, isolated: bool },
}

/// `after account.closed keep for legal_minimum without commercial use`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldPhase {
    pub after: Option<Ident>,
    pub hold: Hold,
    pub duration: DurationRef,
    pub without_commercial_use: bool,
    pub span: Span,
}

/// What happens to a record at the end of its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndAction {
    Delete,
    Anonymize,
    Archive { encrypted: bool, isolated: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleKind {
    /// Kept for good.
    Forever,
    Phased {
        while_state: Option<Ident>,
        hold: Option<Box<HoldPhase>>,
        end: EndAction,
        end_span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub kind: LifecycleKind,
    pub span: Span,
}

/// `retain user while account.active then ... then anonymize`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainRule {
    pub categories: Vec<Ident>,
    pub purposes: Vec<Ident>,
    pub lifecycle: Lifecycle,
    pub cite: Option<Text>,
}

/// `at least while account.active then after account.closed keep for
/// legal_minimum`: how long the data map keeps data at least. The hold has
/// no `without commercial use` (the grammar allows none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floor {
    pub while_state: Option<Ident>,
    pub hold: Option<Box<HoldPhase>>,
    pub span: Span,
}

/// `retain user.contact at least while account.active`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloorRule {
    pub categories: Vec<Ident>,
    pub purposes: Vec<Ident>,
    pub floor: Floor,
    pub cite: Option<Text>,
}

/// `hold user for legal.criminal_investigation while investigation.pending`:
/// a legal hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHoldRule {
    pub categories: Vec<Ident>,
    pub purposes: Vec<Ident>,
    pub state: Ident,
    pub cite: Option<Text>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequireTarget {
    Stores,
    Flows,
}

/// `require encryption.at_rest for stores of user`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequireRule {
    pub safeguards: Vec<Ident>,
    pub target: RequireTarget,
    pub categories: CategorySelector,
    pub cite: Option<Text>,
}

/// `honour do not track for tracking`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HonourRule {
    pub purposes: Vec<Ident>,
    pub cite: Option<Text>,
}

/// The kinds of node in the data map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Subject,
    System,
    Store,
    Vendor,
    Authority,
    Tracker,
}

impl NodeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            NodeKind::Subject => "subject",
            NodeKind::System => "system",
            NodeKind::Store => "store",
            NodeKind::Vendor => "vendor",
            NodeKind::Authority => "authority",
            NodeKind::Tracker => "tracker",
        }
    }
}

/// `backed by postgres table "orders" timestamp "closed_at"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backing {
    pub technology: Ident,
    /// `table "orders"`: the key as written and its value.
    pub settings: Vec<(Ident, Text)>,
    pub span: Span,
}

/// `retain user.order after account.closed keep for 3 years then delete`,
/// inside a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreRetain {
    pub categories: Vec<Ident>,
    pub lifecycle: Lifecycle,
    pub span: Span,
}

/// A subject, system, store, vendor, authority or tracker of the data map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeDecl {
    pub kind: NodeKind,
    pub name: Ident,
    pub label: Option<Text>,
    /// `is processor`, for vendors.
    pub party: Option<Ident>,
    /// `is customer.adult, customer.child`, for subjects: the kinds of data
    /// subject they are.
    pub audiences: Vec<Ident>,
    pub regions: Vec<Ident>,
    /// `protected by ...`, for stores.
    pub protection: Vec<Ident>,
    pub backing: Option<Backing>,
    pub retains: Vec<StoreRetain>,
    /// `using cookie, beacon`, for trackers.
    pub technologies: Vec<Ident>,
    pub honours_dnt: Option<Span>,
    /// `honours opt out unsubscribe`, for trackers.
    pub honours_opt_outs: Vec<Ident>,
    pub cite: Option<Text>,
}

impl NodeDecl {
    /// A node with its kind and name and no clause: what a parser fills in,
    /// and what error recovery keeps of a broken one.
    pub fn bare(kind: NodeKind, name: Ident) -> NodeDecl {
        NodeDecl {
            kind,
            name,
            label: None,
            party: None,
            audiences: Vec::new(),
            regions: Vec::new(),
            protection: Vec::new(),
            backing: None,
            retains: Vec::new(),
            technologies: Vec::new(),
            honours_dnt: None,
            honours_opt_outs: Vec::new(),
            cite: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transform {
    Anonymized,
    Pseudonymized,
}

/// `flow app -> auth carries user.device.imei for security.login`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowDecl {
    pub from: Ident,
    pub to: Ident,
    pub transform: Option<(Transform, Span)>,
    pub categories: Vec<Ident>,
    pub purposes: Vec<Ident>,
    pub bases: Option<BasisClause>,
    pub protection: Vec<Ident>,
    pub honours_dnt: Option<Span>,
    /// `while account.active` or `after account.closed`: the phases of the
    /// data the flow carries, narrowed.
    pub phase: Option<FlowPhase>,
    /// `honours opt out unsubscribe`
    pub honours_opt_outs: Vec<Ident>,
    /// `notified by notice.cross_border`: the notices the flow gave.
    pub notified: Vec<Ident>,
    pub cite: Option<Text>,
}

/// `while STATE` (live data) or `after EVENTS` on a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowPhase {
    pub state: Option<Ident>,
    pub events: Vec<Ident>,
    pub span: Span,
}
