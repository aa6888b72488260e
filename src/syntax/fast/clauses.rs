//! The grammar's rules below the item: name lists, the clauses of rules
//! and of the data map, exceptions, lifecycles, durations and triggers.
//!
//! Each function parses one rule at an offset and returns what
//! [`lower`](super::super::lower) makes of it, with the offset where pest's
//! match of it ends (see the module above on the whitespace a rule can end
//! with). Clauses that may come in any order but once each are gathered in
//! [`Clauses`]; one written twice makes the item pest's (lowering reports
//! it).

use super::{Parsed, Parser};
use crate::ast::*;
use crate::source::Span;

/// `clause_keyword`: after `for commercial`, a word that starts the next
/// clause rather than a list of purposes.
const CLAUSE_KEYWORDS: [&str; 11] = [
    "after", "while", "to", "under", "with", "in", "about", "cite", "except", "for", "of",
];

/// The keys of a store's `backed by` settings (`backing_key`).
const BACKING_KEYS: [&str; 7] = [
    "table",
    "bucket",
    "topic",
    "prefix",
    "timestamp",
    "columns",
    "hold",
];

/// Whose clauses a loop reads: each owner takes its own alternatives of
/// the grammar's `( ... | ... )*`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// `allow_rule`: `rule_purposes | recipients | bases | regions | audiences | after_clause`
    Allow,
    /// `deny_rule`: the same but `bases`.
    Deny,
    /// `except_part`: `rule_purposes | recipients | bases | regions | audiences`
    Except,
    /// `store_decl`: `regions | protection | backing | store_retain`
    Store,
    /// `tracker_decl`: `honours_dnt | honours_opt_out | regions`
    Tracker,
    /// `flow_decl`: `bases | protection | honours_dnt | honours_opt_out | notified | flow_phase`
    Flow,
}

/// One clause of a loop.
enum Clause {
    Purposes(Vec<Ident>, Option<Flag>),
    Recipients(Vec<Ident>),
    Bases(BasisClause),
    Regions(Vec<Ident>),
    Audiences(Vec<Ident>),
    After(Vec<Ident>),
    Protection(Vec<Ident>),
    Backing(Backing),
    Retain(StoreRetain),
    HonoursDnt(Span),
    HonoursOptOut(Vec<Ident>),
    Notified(Vec<Ident>),
    Phase(FlowPhase),
}

/// The clauses of one loop, each at most once (a store's `retain` clauses
/// excepted).
#[derive(Default)]
pub(super) struct Clauses {
    pub purposes: Option<(Vec<Ident>, Option<Flag>)>,
    pub recipients: Option<Vec<Ident>>,
    pub bases: Option<BasisClause>,
    pub regions: Option<Vec<Ident>>,
    pub audiences: Option<Vec<Ident>>,
    pub after: Option<Vec<Ident>>,
    pub protection: Option<Vec<Ident>>,
    pub backing: Option<Backing>,
    pub retains: Vec<StoreRetain>,
    pub honours_dnt: Option<Span>,
    pub honours_opt_outs: Option<Vec<Ident>>,
    pub notified: Option<Vec<Ident>>,
    pub phase: Option<FlowPhase>,
}

/// Fills a clause's slot; `None` when it is taken (a clause written twice).
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

impl Clauses {
    fn add(&mut self, clause: Clause) -> Option<()> {
        match clause {
            Clause::Purposes(names, filter) => once(&mut self.purposes, (names, filter)),
            Clause::Recipients(names) => once(&mut self.recipients, names),
            Clause::Bases(bases) => once(&mut self.bases, bases),
            Clause::Regions(names) => once(&mut self.regions, names),
            Clause::Audiences(names) => once(&mut self.audiences, names),
            Clause::After(names) => once(&mut self.after, names),
            Clause::Protection(names) => once(&mut self.protection, names),
            Clause::Backing(backing) => once(&mut self.backing, backing),
            Clause::Retain(retain) => {
                self.retains.push(retain);
                Some(())
            }
            Clause::HonoursDnt(span) => once(&mut self.honours_dnt, span),
            Clause::HonoursOptOut(names) => once(&mut self.honours_opt_outs, names),
            Clause::Notified(names) => once(&mut self.notified, names),
            Clause::Phase(phase) => once(&mut self.phase, phase),
        }
    }

    /// The names of a `for` clause.
    pub fn purpose_names(&mut self) -> Vec<Ident> {
        self.purposes
            .as_mut()
            .map(|(names, _)| std::mem::take(names))
            .unwrap_or_default()
    }

    /// The `commercial` of a `for` clause.
    pub fn purpose_filter(&self) -> Option<Flag> {
        self.purposes.as_ref().and_then(|(_, filter)| *filter)
    }
}

impl Parser<'_> {
    /// `label` and `cite`'s string: `string`.
    pub(super) fn label(&self, at: usize) -> Parsed<Text> {
        self.string(at)
    }

    /// `cite = { kw_cite ~ string }`
    pub(super) fn cite(&self, at: usize) -> Parsed<Text> {
        let end = self.keyword(at, "cite")?;
        self.string(self.skip(end))
    }

    /// `e?` after pest's whitespace: the value, or nothing and the offset
    /// after the whitespace.
    pub(super) fn then_opt<T>(
        &self,
        end: usize,
        element: impl FnOnce(usize) -> Parsed<T>,
    ) -> (Option<T>, usize) {
        let at = self.skip(end);
        self.opt(at, element(at))
    }

    /// `cite?` after pest's whitespace.
    pub(super) fn then_cite(&self, end: usize) -> (Option<Text>, usize) {
        self.then_opt(end, |at| self.cite(at))
    }

    /// `name_list = { name ~ ("," ~ name)* }` (and `actions`, whose
    /// `action` is a name).
    pub(super) fn name_list(&self, at: usize) -> Parsed<Vec<Ident>> {
        let (first, end) = self.name(at)?;
        let mut names = vec![first];
        let mut list_end = self.skip(end);
        let mut next = list_end;
        while let Some((name, end)) = self
            .lexer
            .punct(next, ",")
            .and_then(|comma| self.name(self.skip(comma)))
        {
            names.push(name);
            list_end = end;
            next = self.skip(end);
        }
        Some((names, list_end))
    }

    /// Keywords then a `name_list`: `purposes`, `recipients`, `regions`,
    /// `audiences`, `after_clause`, `protection`, `notified`,
    /// `compatible`, `subject_kinds`, `honours_opt_out`.
    pub(super) fn keyword_names(&self, at: usize, keywords: &[&str]) -> Parsed<Vec<Ident>> {
        let end = self.keywords(at, keywords)?;
        self.name_list(self.skip(end))
    }

    /// `category_flag` and `category_filter`: `sensitive | identifier`.
    pub(super) fn category_flag(&self, at: usize) -> Parsed<Flag> {
        let flag = match self.lexer.word(at) {
            "sensitive" => CategoryFlag::Sensitive,
            "identifier" => CategoryFlag::Identifier,
            _ => return None,
        };
        let end = at + flag.keyword().len();
        Some((
            Flag {
                flag,
                span: self.exact(at, end),
            },
            end,
        ))
    }

    /// `categories = { kw_of ~ category_filter? ~ name_list }`
    pub(super) fn categories(&self, at: usize) -> Parsed<CategorySelector> {
        let end = self.keyword(at, "of")?;
        let (filter, end) = self.then_opt(end, |at| self.category_flag(at));
        let (names, end) = self.name_list(self.skip(end))?;
        Some((CategorySelector { filter, names }, end))
    }

    /// `rule_purposes = { kw_for ~ (purpose_filter ~ (!clause_keyword ~
    /// name_list)? | name_list) }`
    fn rule_purposes(&self, at: usize) -> Parsed<(Vec<Ident>, Option<Flag>)> {
        let start = self.skip(self.keyword(at, "for")?);
        if let Some(filter_end) = self.purpose_filter(start) {
            let filter = Flag {
                flag: CategoryFlag::Commercial,
                span: self.span(start, filter_end),
            };
            let names_at = self.skip(filter_end);
            if !CLAUSE_KEYWORDS.contains(&self.lexer.word(names_at))
                && let Some((names, end)) = self.name_list(self.skip(names_at))
            {
                return Some(((names, Some(filter)), end));
            }
            return Some(((Vec::new(), Some(filter)), names_at));
        }
        let (names, end) = self.name_list(start)?;
        Some(((names, None), end))
    }

    /// `purpose_filter = { kw_commercial ~ !"." }`: pest's whitespace
    /// before the lookahead is part of it.
    fn purpose_filter(&self, at: usize) -> Option<usize> {
        let end = self.skip(self.keyword(at, "commercial")?);
        self.lexer.punct(end, ".").is_none().then_some(end)
    }

    /// `bases = { (kw_under | kw_with) ~ name_list }`
    fn bases(&self, at: usize) -> Parsed<BasisClause> {
        let word = match self.lexer.word(at) {
            "under" => BasisWord::Under,
            "with" => BasisWord::With,
            _ => return None,
        };
        let end = at + self.lexer.word(at).len();
        let (bases, end) = self.name_list(self.skip(end))?;
        Some((BasisClause { word, bases }, end))
    }

    /// One clause of `owner`'s loop.
    fn clause(&self, at: usize, owner: Owner) -> Parsed<Clause> {
        use Owner::*;
        let word = self.lexer.word(at);
        let names = |keywords: &[&str], make: fn(Vec<Ident>) -> Clause| {
            self.keyword_names(at, keywords)
                .map(|(names, end)| (make(names), end))
        };
        match (word, owner) {
            ("for", Allow | Deny | Except) => self
                .rule_purposes(at)
                .map(|((names, filter), end)| (Clause::Purposes(names, filter), end)),
            ("to", Allow | Deny | Except) => names(&["to"], Clause::Recipients),
            ("under" | "with", Allow | Except | Flow) => self
                .bases(at)
                .map(|(bases, end)| (Clause::Bases(bases), end)),
            ("in", Allow | Deny | Except | Store | Tracker) => names(&["in"], Clause::Regions),
            ("about", Allow | Deny | Except) => names(&["about"], Clause::Audiences),
            ("after", Allow | Deny) => names(&["after"], Clause::After),
            ("after" | "while", Flow) => self
                .flow_phase(at)
                .map(|(phase, end)| (Clause::Phase(phase), end)),
            ("protected", Store | Flow) => names(&["protected", "by"], Clause::Protection),
            ("backed", Store) => self
                .backing(at)
                .map(|(backing, end)| (Clause::Backing(backing), end)),
            ("retain", Store) => self
                .store_retain(at)
                .map(|(retain, end)| (Clause::Retain(retain), end)),
            ("honours", Tracker | Flow) => {
                match self.keywords(at, &["honours", "do", "not", "track"]) {
                    Some(end) => Some((Clause::HonoursDnt(self.exact(at, end)), end)),
                    None => names(&["honours", "opt", "out"], Clause::HonoursOptOut),
                }
            }
            ("notified", Flow) => names(&["notified", "by"], Clause::Notified),
            _ => None,
        }
    }

    /// `( ... | ... )*` of `owner` at `at`: the clauses and where the loop
    /// ends; `None` when a clause is written twice.
    pub(super) fn clauses(&self, at: usize, owner: Owner, clauses: &mut Clauses) -> Option<usize> {
        let mut duplicate = false;
        let (_, end) = self.rep(at, |at| {
            let (clause, end) = self.clause(at, owner)?;
            duplicate |= clauses.add(clause).is_none();
            Some(((), end))
        })?;
        (!duplicate).then_some(end)
    }

    /// `flow_phase = { kw_while ~ name | after_clause }`
    fn flow_phase(&self, at: usize) -> Parsed<FlowPhase> {
        if let Some(end) = self.keyword(at, "while") {
            let (state, end) = self.name(self.skip(end))?;
            return Some((
                FlowPhase {
                    state: Some(state),
                    events: Vec::new(),
                    span: self.span(at, end),
                },
                end,
            ));
        }
        let (events, end) = self.keyword_names(at, &["after"])?;
        Some((
            FlowPhase {
                state: None,
                events,
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `backing = { kw_backed ~ kw_by ~ name ~ backing_target* }`
    fn backing(&self, at: usize) -> Parsed<Backing> {
        let end = self.keywords(at, &["backed", "by"])?;
        let (technology, end) = self.name(self.skip(end))?;
        let (settings, end) = self.rep(self.skip(end), |at| self.backing_target(at))?;
        Some((
            Backing {
                technology,
                settings,
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `backing_target = { backing_key ~ string }`
    fn backing_target(&self, at: usize) -> Parsed<(Ident, Text)> {
        let word = self.lexer.word(at);
        if !BACKING_KEYS.contains(&word) {
            return None;
        }
        let key_end = at + word.len();
        let key = Ident {
            text: word.to_string(),
            span: self.exact(at, key_end),
        };
        let (value, end) = self.string(self.skip(key_end))?;
        Some(((key, value), end))
    }

    /// `store_retain = { kw_retain ~ name_list ~ lifecycle }`
    fn store_retain(&self, at: usize) -> Parsed<StoreRetain> {
        let (categories, end) = self.keyword_names(at, &["retain"])?;
        let (lifecycle, end) = self.lifecycle(self.skip(end))?;
        Some((
            StoreRetain {
                categories,
                lifecycle,
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `except_clause = { kw_except ~ except_effect? ~ (categories ~
    /// except_part* | except_part+) ~ cite? }`; `None` also when a clause
    /// is written twice in it.
    pub(super) fn except_clause(&self, at: usize) -> Parsed<Exception> {
        let except_end = self.keyword(at, "except")?;
        let mut keyword = self.exact(at, except_end);
        let effect_at = self.skip(except_end);
        let (effect, end) = match self.lexer.word(effect_at) {
            "allow" => (ExceptEffect::Allow, effect_at + 5),
            "deny" => (ExceptEffect::Deny, effect_at + 4),
            _ => (ExceptEffect::Lift, effect_at),
        };
        if effect != ExceptEffect::Lift {
            keyword = keyword.to(self.exact(effect_at, end));
        }
        let start = self.skip(end);
        let mut clauses = Clauses::default();
        // `except_part+` is `except_part ~ except_part*` to pest: whitespace
        // after the first part is the clause's even when no part follows.
        let (categories, end) = match self.categories(start) {
            Some((categories, end)) => (Some(categories), end),
            None => {
                let (clause, end) = self.clause(start, Owner::Except)?;
                clauses.add(clause)?;
                (None, end)
            }
        };
        let end = self.clauses(self.skip(end), Owner::Except, &mut clauses)?;
        let (cite, end) = self.then_cite(end);
        Some((
            Exception {
                effect,
                keyword,
                categories: categories.unwrap_or(CategorySelector {
                    filter: None,
                    names: Vec::new(),
                }),
                purpose_filter: clauses.purpose_filter(),
                purposes: clauses.purpose_names(),
                recipients: clauses.recipients.unwrap_or_default(),
                bases: clauses.bases,
                regions: clauses.regions.unwrap_or_default(),
                audiences: clauses.audiences.unwrap_or_default(),
                cite,
                span: self.span(at, end),
                head: self.head(at, end),
            },
            end,
        ))
    }

    /// `duration_literal = ${ number ~ (" " | "\t")+ ~ unit }`
    pub(super) fn duration_literal(&self, at: usize) -> Parsed<DurationLiteral> {
        let (number_end, unit_start, end) = self.lexer.duration_literal(at)?;
        Some((
            DurationLiteral {
                amount: self.token_text(at, number_end),
                unit: self.token_text(unit_start, end),
                span: self.exact(at, end),
            },
            end,
        ))
    }

    /// `duration = { duration_literal | name }`
    fn duration(&self, at: usize) -> Parsed<DurationRef> {
        if let Some((literal, end)) = self.duration_literal(at) {
            return Some((DurationRef::Literal(literal), end));
        }
        let (name, end) = self.name(at)?;
        Some((DurationRef::Named(name), end))
    }

    /// `while_phase = { kw_while ~ name }`
    pub(super) fn while_phase(&self, at: usize) -> Parsed<Ident> {
        let end = self.keyword(at, "while")?;
        self.name(self.skip(end))
    }

    /// `archive = { kw_archive ~ archive_flag* }`: encrypted, isolated.
    fn archive(&self, at: usize) -> Parsed<(bool, bool)> {
        let end = self.keyword(at, "archive")?;
        let (flags, end) = self.rep(self.skip(end), |at| match self.lexer.word(at) {
            "encrypted" => Some(((true, false), at + 9)),
            "isolated" => Some(((false, true), at + 8)),
            _ => None,
        })?;
        let encrypted = flags.iter().any(|(encrypted, _)| *encrypted);
        let isolated = flags.iter().any(|(_, isolated)| *isolated);
        Some(((encrypted, isolated), end))
    }

    /// `hold = { kw_keep | archive }`
    fn hold(&self, at: usize) -> Parsed<Hold> {
        if let Some(end) = self.keyword(at, "keep") {
            return Some((Hold::Keep, end));
        }
        let ((encrypted, isolated), end) = self.archive(at)?;
        Some((
            Hold::Archive {
                encrypted,
                isolated,
            },
            end,
        ))
    }

    /// `hold_phase = { (kw_after ~ name)? ~ hold ~ kw_for ~ duration ~
    /// commercial_ban? }`, and without the ban `floor_hold`.
    fn hold_phase(&self, at: usize, ban: bool) -> Parsed<HoldPhase> {
        let after_event = self
            .keyword(at, "after")
            .and_then(|end| self.name(self.skip(end)));
        let (after, end) = self.opt(at, after_event);
        let (hold, end) = self.hold(self.skip(end))?;
        let end = self.keyword(self.skip(end), "for")?;
        let (duration, end) = self.duration(self.skip(end))?;
        let (without_commercial_use, end) = if ban {
            let (found, end) = self.then_opt(end, |at| {
                self.keywords(at, &["without", "commercial", "use"])
                    .map(|end| ((), end))
            });
            (found.is_some(), end)
        } else {
            (false, end)
        };
        Some((
            HoldPhase {
                after,
                hold,
                duration,
                without_commercial_use,
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `end_action = { kw_delete | kw_anonymize | archive }`
    fn end_action(&self, at: usize) -> Parsed<EndAction> {
        if let Some(end) = self.keyword(at, "delete") {
            return Some((EndAction::Delete, end));
        }
        if let Some(end) = self.keyword(at, "anonymize") {
            return Some((EndAction::Anonymize, end));
        }
        let ((encrypted, isolated), end) = self.archive(at)?;
        Some((
            EndAction::Archive {
                encrypted,
                isolated,
            },
            end,
        ))
    }

    /// `lifecycle = { kw_forever | while_phase ~ kw_then ~ (hold_phase ~
    /// kw_then)? ~ end_action | hold_phase ~ kw_then ~ end_action }`
    pub(super) fn lifecycle(&self, at: usize) -> Parsed<Lifecycle> {
        if let Some(end) = self.keyword(at, "forever") {
            return Some((
                Lifecycle {
                    kind: LifecycleKind::Forever,
                    span: self.span(at, end),
                },
                end,
            ));
        }
        let phased = self.while_then(at).or_else(|| {
            self.hold_then(at)
                .map(|(hold, end)| ((None, Some(hold)), end))
        });
        let ((while_state, hold), end) = phased?;
        let end_at = self.skip(end);
        let (end_action, end) = self.end_action(end_at)?;
        Some((
            Lifecycle {
                kind: LifecycleKind::Phased {
                    while_state,
                    hold: hold.map(Box::new),
                    end: end_action,
                    end_span: self.span(end_at, end),
                },
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `while_phase ~ kw_then ~ (hold_phase ~ kw_then)?`, up to the end
    /// action.
    #[allow(clippy::type_complexity)]
    fn while_then(&self, at: usize) -> Parsed<(Option<Ident>, Option<HoldPhase>)> {
        let (state, end) = self.while_phase(at)?;
        let end = self.keyword(self.skip(end), "then")?;
        let (hold, end) = self.then_opt(end, |at| self.hold_then(at));
        Some(((Some(state), hold), end))
    }

    /// `hold_phase ~ kw_then`
    fn hold_then(&self, at: usize) -> Parsed<HoldPhase> {
        let (hold, end) = self.hold_phase(at, true)?;
        let end = self.keyword(self.skip(end), "then")?;
        Some((hold, end))
    }

    /// `floor = { kw_at ~ kw_least ~ (while_phase ~ (kw_then ~ floor_hold)?
    /// | floor_hold) }`
    pub(super) fn floor(&self, at: usize) -> Parsed<Floor> {
        let start = self.skip(self.keywords(at, &["at", "least"])?);
        let ((while_state, hold), end) = match self.while_phase(start) {
            Some((state, end)) => {
                let (hold, end) = self.then_opt(end, |at| {
                    let end = self.keyword(at, "then")?;
                    self.hold_phase(self.skip(end), false)
                });
                ((Some(state), hold), end)
            }
            None => {
                let (hold, end) = self.hold_phase(start, false)?;
                ((None, Some(hold)), end)
            }
        };
        Some((
            Floor {
                while_state,
                hold: hold.map(Box::new),
                span: self.span(at, end),
            },
            end,
        ))
    }

    /// `trigger = { trigger_when | trigger_after | trigger_at_least |
    /// trigger_before }`
    pub(super) fn trigger(&self, at: usize) -> Parsed<Trigger> {
        match self.lexer.word(at) {
            "when" => {
                let (event, end) = self.name(self.skip(at + 4))?;
                Some((Trigger::When(event), end))
            }
            "after" => {
                let (event, end) = self.name(self.skip(at + 5))?;
                let (within, end) = self.then_opt(end, |at| {
                    let end = self.keyword(at, "within")?;
                    self.duration(self.skip(end))
                });
                Some((Trigger::After { event, within }, end))
            }
            "at" => {
                let end = self.keywords(at, &["at", "least"])?;
                let (lead, end) = self.duration(self.skip(end))?;
                let end = self.keyword(self.skip(end), "before")?;
                let (event, end) = self.name(self.skip(end))?;
                Some((Trigger::AtLeastBefore { lead, event }, end))
            }
            "before" => {
                let start = self.skip(at + 6);
                if let Some(end) = self.keywords(start, &["new", "purpose"]) {
                    return Some((Trigger::BeforeNewPurpose(self.exact(start, end)), end));
                }
                let (event, end) = self.name(start)?;
                Some((Trigger::Before(event), end))
            }
            _ => None,
        }
    }
}
