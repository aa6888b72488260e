//! Lowering pest pairs of one item into the owned syntax tree.
//!
//! The grammar fixes the shape of every pair, so the lowering walks the
//! children of each rule and picks what it needs by rule. A shape the grammar
//! cannot produce yields a default value rather than a panic. The recursion
//! here follows the grammar, which has no recursive rules, so its depth is
//! bounded whatever the input.

use super::Rule;
use crate::ast::*;
use crate::diagnostic::{Diagnostic, Name};
use crate::source::{FileId, Span, offset_u32};
use pest::iterators::Pair;

pub(super) struct Lowerer {
    file: FileId,
    /// Where the chunk starts in the file: pest positions are chunk-relative.
    base: usize,
}

type P<'i> = Pair<'i, Rule>;

fn children<'i>(pair: &P<'i>) -> impl Iterator<Item = P<'i>> {
    pair.clone().into_inner()
}

fn child<'i>(pair: &P<'i>, rule: Rule) -> Option<P<'i>> {
    children(pair).find(|c| c.as_rule() == rule)
}

fn has(pair: &P<'_>, rule: Rule) -> bool {
    children(pair).any(|c| c.as_rule() == rule)
}

/// Undoes the escapes a string literal allows: `\"`, `\\`, `\n`, `\t`.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Lowerer {
    pub(super) fn new(file: FileId, base: usize) -> Self {
        Lowerer { file, base }
    }

    /// The pair's span in the file. pest counts the whitespace an optional
    /// repetition skipped before giving up as part of the pair; no token
    /// ends in whitespace, so it is trimmed off.
    fn span(&self, pair: &P<'_>) -> Span {
        let span = pair.as_span();
        let text = pair.as_str();
        let trailing = text.len() - text.trim_end().len();
        Span::new(
            self.file,
            offset_u32(self.base + span.start()),
            offset_u32(self.base + span.end() - trailing),
        )
    }

    fn ident(&self, pair: &P<'_>) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The names of a `name_list` pair.
    fn names(&self, pair: &P<'_>) -> Vec<Ident> {
        children(pair)
            .filter(|c| c.as_rule() == Rule::name)
            .map(|c| self.ident(&c))
            .collect()
    }

    /// The names of the `name_list` inside a clause such as `purposes`.
    fn clause_names(&self, pair: Option<P<'_>>) -> Vec<Ident> {
        pair.and_then(|clause| child(&clause, Rule::name_list))
            .map(|list| self.names(&list))
            .unwrap_or_default()
    }

    /// A string, found as the pair itself or as its first `string` child.
    fn text(&self, pair: &P<'_>) -> Text {
        let string = if pair.as_rule() == Rule::string {
            Some(pair.clone())
        } else {
            child(pair, Rule::string)
        };
        match string {
            Some(string) => {
                let body = child(&string, Rule::string_body)
                    .map(|b| b.as_str().to_string())
                    .unwrap_or_default();
                Text {
                    value: unescape(&body),
                    span: self.span(&string),
                }
            }
            None => Text {
                value: String::new(),
                span: self.span(pair),
            },
        }
    }

    fn opt_text(&self, pair: &P<'_>, rule: Rule) -> Option<Text> {
        child(pair, rule).map(|c| self.text(&c))
    }

    fn first_name(&self, pair: &P<'_>) -> Ident {
        child(pair, Rule::name)
            .map(|c| self.ident(&c))
            .unwrap_or_default()
    }

    fn nth_name(&self, pair: &P<'_>, n: usize) -> Ident {
        children(pair)
            .filter(|c| c.as_rule() == Rule::name)
            .nth(n)
            .map(|c| self.ident(&c))
            .unwrap_or_default()
    }

    /// Clauses that may come in any order but only once: the second of a
    /// kind is a `syntax-error` (the first is kept).
    pub(super) fn repeated_clauses(&self, pair: &P<'_>) -> Vec<Diagnostic> {
        let Some(body) = children(pair).find(|c| !matches!(c.as_rule(), Rule::doc | Rule::EOI))
        else {
            return Vec::new();
        };
        let once = [
            Rule::purposes,
            Rule::rule_purposes,
            Rule::after_clause,
            Rule::flow_phase,
            Rule::recipients,
            Rule::bases,
            Rule::regions,
            Rule::audiences,
            Rule::protection,
            Rule::backing,
            Rule::honours_dnt,
            Rule::honours_opt_out,
            Rule::notified,
        ];
        let mut problems = Vec::new();
        // The item's own clauses, then each `except` clause's.
        let groups = std::iter::once(body.clone())
            .chain(children(&body).filter(|c| c.as_rule() == Rule::except_clause));
        for group in groups {
            let owner = if group.as_rule() == Rule::except_clause {
                "exception"
            } else {
                "item"
            };
            self.repeated_in(&group, owner, &once, &mut problems);
        }
        problems
    }

    fn repeated_in(
        &self,
        group: &P<'_>,
        owner: &str,
        once: &[Rule],
        problems: &mut Vec<Diagnostic>,
    ) {
        let mut first: Vec<(Rule, Span)> = Vec::new();
        for clause in children(group).filter(|c| once.contains(&c.as_rule())) {
            let keyword = children(&clause)
                .next()
                .map(|k| self.span(&k))
                .unwrap_or_else(|| self.span(&clause));
            let (what, example) = match clause.as_rule() {
                Rule::purposes | Rule::rule_purposes => ("`for` clause", "for a, b"),
                Rule::after_clause => ("`after` clause", "after a, b"),
                Rule::flow_phase => ("`while` or `after` clause", "after a, b"),
                Rule::recipients => ("`to` clause", "to a, b"),
                Rule::bases => ("`under` or `with` clause", "under a, b"),
                Rule::regions => ("`in` clause", "in a, b"),
                Rule::audiences => ("`about` clause", "about a, b"),
                Rule::protection => ("`protected by` clause", "protected by a, b"),
                Rule::backing => (
                    "`backed by` clause",
                    "backed by postgres table \"t\" timestamp \"c\"",
                ),
                _ => ("`honours do not track` clause", "honours do not track"),
            };
            match first.iter().find(|(rule, _)| *rule == clause.as_rule()) {
                Some((_, earlier)) => problems.push(
                    Diagnostic::new(
                        Name::SyntaxError,
                        keyword,
                        format!("this {owner} has a second {what}"),
                    )
                    .primary_message("second clause")
                    .label(*earlier, "first clause")
                    .help(format!("write one clause: `{example}`")),
                ),
                None => first.push((clause.as_rule(), keyword)),
            }
        }
    }

    pub(super) fn item(&self, pair: P<'_>) -> Option<Item> {
        let mut docs = Vec::new();
        let mut body = None;
        for c in children(&pair) {
            match c.as_rule() {
                Rule::doc => {
                    let text = c.as_str().get(3..).unwrap_or("");
                    let text = text.strip_suffix('\r').unwrap_or(text);
                    docs.push(Text {
                        value: text.strip_prefix(' ').unwrap_or(text).to_string(),
                        span: self.span(&c),
                    });
                }
                Rule::EOI => {}
                _ => body = Some(c),
            }
        }
        let body = body?;
        let keyword = children(&body)
            .next()
            .map(|k| self.span(&k))
            .unwrap_or_else(|| self.span(&body));
        let kind = self.item_kind(&body)?;
        let span = self.span(&body);
        let head = self.head(&body);
        Some(Item {
            docs,
            kind,
            span,
            keyword,
            head,
            recovered: false,
        })
    }

    /// The first line of a pair, without a trailing comment: what a label
    /// pointing at an item or a clause underlines.
    fn head(&self, pair: &P<'_>) -> Span {
        let span = self.span(pair);
        let text = pair.as_str();
        let first_line = text.split('\n').next().unwrap_or(text);
        let first_line = match super::split::comment_start(first_line) {
            Some(comment) => first_line.get(..comment).unwrap_or(first_line),
            None => first_line,
        };
        Span::new(
            span.file,
            span.start,
            span.start + offset_u32(first_line.trim_end().len()),
        )
    }

    fn item_kind(&self, pair: &P<'_>) -> Option<ItemKind> {
        let declaration = |kind| ItemKind::Declaration(self.declaration(pair, kind));
        Some(match pair.as_rule() {
            Rule::policy_decl => ItemKind::Policy(PolicyDecl {
                name: self.first_name(pair),
                label: self.opt_text(pair, Rule::label),
                updated: child(pair, Rule::updated).and_then(|u| {
                    child(&u, Rule::date).map(|d| Text {
                        value: d.as_str().to_string(),
                        span: self.span(&d),
                    })
                }),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::category_decl => declaration(DeclKind::Category),
            Rule::purpose_decl => declaration(DeclKind::Purpose),
            Rule::basis_decl => declaration(DeclKind::Basis),
            Rule::exemption_decl => declaration(DeclKind::Exemption),
            Rule::region_decl => declaration(DeclKind::Region),
            Rule::safeguard_decl => declaration(DeclKind::Safeguard),
            Rule::state_decl => declaration(DeclKind::State),
            Rule::event_decl => declaration(DeclKind::Event),
            Rule::principle_decl => declaration(DeclKind::Principle),
            Rule::right_decl => declaration(DeclKind::Right),
            Rule::audience_decl => declaration(DeclKind::Audience),
            Rule::duration_decl => ItemKind::Duration(DurationDecl {
                name: self.first_name(pair),
                value: child(pair, Rule::duration_literal)
                    .map(|d| self.duration_literal(&d))
                    .unwrap_or_else(|| self.empty_duration(pair)),
                label: self.opt_text(pair, Rule::label),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::section_decl => ItemKind::Section(SectionDecl {
                id: self.opt_text(pair, Rule::string).unwrap_or_default(),
                title: self.opt_text(pair, Rule::label).unwrap_or_default(),
            }),
            Rule::technology_decl => ItemKind::Technology(TechnologyDecl {
                name: self.first_name(pair),
                label: self.opt_text(pair, Rule::label),
                purposes: self.clause_names(child(pair, Rule::purposes)),
                opt_out: child(pair, Rule::opt_out)
                    .filter(|o| has(o, Rule::string))
                    .map(|o| self.text(&o)),
                opt_out_name: child(pair, Rule::opt_out)
                    .and_then(|o| child(&o, Rule::name))
                    .map(|n| self.ident(&n)),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::opt_out_decl => ItemKind::OptOut(OptOutDecl {
                name: self.first_name(pair),
                label: self.opt_text(pair, Rule::label),
                actions: self.actions(pair),
                categories: child(pair, Rule::categories).map(|_| self.categories(pair)),
                purposes: match child(pair, Rule::stopped_purposes) {
                    Some(stopped) => self.clause_names(Some(stopped)),
                    None => self.clause_names(child(pair, Rule::purposes)),
                },
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::obligation_decl => ItemKind::Obligation(ObligationDecl {
                name: self.first_name(pair),
                label: self.opt_text(pair, Rule::label).unwrap_or_default(),
                trigger: child(pair, Rule::trigger).and_then(|t| self.trigger(&t)),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::allow_rule => ItemKind::Allow(AllowRule {
                actions: self.actions(pair),
                categories: self.categories(pair),
                purposes: self.clause_names(child(pair, Rule::rule_purposes)),
                purpose_filter: self.purpose_filter(pair),
                recipients: self.clause_names(child(pair, Rule::recipients)),
                bases: child(pair, Rule::bases).map(|b| self.basis_clause(&b)),
                regions: self.clause_names(child(pair, Rule::regions)),
                audiences: self.clause_names(child(pair, Rule::audiences)),
                after: self.clause_names(child(pair, Rule::after_clause)),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::deny_rule => ItemKind::Deny(DenyRule {
                actions: self.actions(pair),
                categories: self.categories(pair),
                purposes: self.clause_names(child(pair, Rule::rule_purposes)),
                purpose_filter: self.purpose_filter(pair),
                recipients: self.clause_names(child(pair, Rule::recipients)),
                regions: self.clause_names(child(pair, Rule::regions)),
                audiences: self.clause_names(child(pair, Rule::audiences)),
                after: self.clause_names(child(pair, Rule::after_clause)),
                cite: self.opt_text(pair, Rule::cite),
                exceptions: self.exceptions(pair),
            }),
            Rule::restrict_rule => ItemKind::Restrict(RestrictRule {
                categories: self.list(pair, 0),
                purposes: self.list(pair, 1),
                audiences: self.clause_names(child(pair, Rule::audiences)),
                cite: self.opt_text(pair, Rule::cite),
                exceptions: self.exceptions(pair),
            }),
            Rule::confine_rule => ItemKind::Confine(ConfineRule {
                categories: self.list(pair, 0),
                regions: self.list(pair, 1),
                audiences: self.clause_names(child(pair, Rule::audiences)),
                cite: self.opt_text(pair, Rule::cite),
                exceptions: self.exceptions(pair),
            }),
            Rule::retain_rule if has(pair, Rule::floor) => ItemKind::Floor(FloorRule {
                categories: self.list(pair, 0),
                purposes: self.clause_names(child(pair, Rule::purposes)),
                floor: self.floor(pair),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::hold_rule => ItemKind::LegalHold(LegalHoldRule {
                categories: self.list(pair, 0),
                purposes: self.clause_names(child(pair, Rule::purposes)),
                state: child(pair, Rule::while_phase)
                    .map(|w| self.first_name(&w))
                    .unwrap_or_default(),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::retain_rule => ItemKind::Retain(RetainRule {
                categories: self.list(pair, 0),
                purposes: self.clause_names(child(pair, Rule::purposes)),
                lifecycle: self.lifecycle_of(pair),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::require_rule => ItemKind::Require(RequireRule {
                safeguards: self.list(pair, 0),
                target: if child(pair, Rule::require_target)
                    .is_some_and(|t| has(&t, Rule::kw_flows))
                {
                    RequireTarget::Flows
                } else {
                    RequireTarget::Stores
                },
                categories: self.categories(pair),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::honour_rule => ItemKind::Honour(HonourRule {
                purposes: self.clause_names(child(pair, Rule::purposes)),
                cite: self.opt_text(pair, Rule::cite),
            }),
            Rule::subject_decl => ItemKind::Node(self.node(pair, NodeKind::Subject)),
            Rule::system_decl => ItemKind::Node(self.node(pair, NodeKind::System)),
            Rule::store_decl => ItemKind::Node(self.node(pair, NodeKind::Store)),
            Rule::vendor_decl => ItemKind::Node(self.node(pair, NodeKind::Vendor)),
            Rule::authority_decl => ItemKind::Node(self.node(pair, NodeKind::Authority)),
            Rule::tracker_decl => ItemKind::Node(self.node(pair, NodeKind::Tracker)),
            Rule::flow_decl => ItemKind::Flow(FlowDecl {
                from: self.nth_name(pair, 0),
                to: self.nth_name(pair, 1),
                transform: child(pair, Rule::transform).map(|t| {
                    let kind = if has(&t, Rule::kw_pseudonymized) {
                        Transform::Pseudonymized
                    } else {
                        Transform::Anonymized
                    };
                    (kind, self.span(&t))
                }),
                categories: self.list(pair, 0),
                purposes: self.clause_names(child(pair, Rule::purposes)),
                bases: child(pair, Rule::bases).map(|b| self.basis_clause(&b)),
                protection: self.clause_names(child(pair, Rule::protection)),
                honours_dnt: child(pair, Rule::honours_dnt).map(|h| self.span(&h)),
                phase: child(pair, Rule::flow_phase).map(|phase| FlowPhase {
                    state: child(&phase, Rule::name).map(|state| self.ident(&state)),
                    events: self.clause_names(child(&phase, Rule::after_clause)),
                    span: self.span(&phase),
                }),
                honours_opt_outs: self.clause_names(child(pair, Rule::honours_opt_out)),
                notified: self.clause_names(child(pair, Rule::notified)),
                cite: self.opt_text(pair, Rule::cite),
            }),
            _ => return None,
        })
    }

    fn declaration(&self, pair: &P<'_>, kind: DeclKind) -> Declaration {
        Declaration {
            kind,
            name: self.first_name(pair),
            label: self.opt_text(pair, Rule::label),
            flags: children(pair)
                .filter(|c| matches!(c.as_rule(), Rule::category_flag | Rule::purpose_flag))
                .map(|c| self.flag(&c))
                .collect(),
            purposes: self.clause_names(child(pair, Rule::purposes)),
            compatible: self.clause_names(child(pair, Rule::compatible)),
            new_purpose: child(pair, Rule::for_new_purpose).map(|f| self.span(&f)),
            under_age: child(pair, Rule::age_bound)
                .and_then(|bound| child(&bound, Rule::age))
                .map(|age| Text {
                    value: age.as_str().to_string(),
                    span: self.span(&age),
                }),
            notice: child(pair, Rule::after_notice).map(|n| self.first_name(&n)),
            cite: self.opt_text(pair, Rule::cite),
        }
    }

    fn flag(&self, pair: &P<'_>) -> Flag {
        Flag {
            flag: if has(pair, Rule::kw_identifier) {
                CategoryFlag::Identifier
            } else if has(pair, Rule::kw_commercial) {
                CategoryFlag::Commercial
            } else {
                CategoryFlag::Sensitive
            },
            span: self.span(pair),
        }
    }

    /// The n-th direct `name_list` child of a rule.
    fn list(&self, pair: &P<'_>, n: usize) -> Vec<Ident> {
        children(pair)
            .filter(|c| c.as_rule() == Rule::name_list)
            .nth(n)
            .map(|list| self.names(&list))
            .unwrap_or_default()
    }

    fn actions(&self, pair: &P<'_>) -> Vec<Ident> {
        child(pair, Rule::actions)
            .map(|actions| {
                children(&actions)
                    .filter(|c| c.as_rule() == Rule::action)
                    .map(|a| self.first_name(&a))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn categories(&self, pair: &P<'_>) -> CategorySelector {
        match child(pair, Rule::categories) {
            Some(categories) => CategorySelector {
                filter: child(&categories, Rule::category_filter).map(|f| self.flag(&f)),
                names: child(&categories, Rule::name_list)
                    .map(|list| self.names(&list))
                    .unwrap_or_default(),
            },
            None => CategorySelector {
                filter: None,
                names: Vec::new(),
            },
        }
    }

    /// `commercial` after the `for` of a rule or an exception.
    fn purpose_filter(&self, pair: &P<'_>) -> Option<Flag> {
        child(pair, Rule::rule_purposes)
            .and_then(|purposes| child(&purposes, Rule::purpose_filter))
            .map(|filter| self.flag(&filter))
    }

    fn basis_clause(&self, pair: &P<'_>) -> BasisClause {
        BasisClause {
            word: if has(pair, Rule::kw_with) {
                BasisWord::With
            } else {
                BasisWord::Under
            },
            bases: child(pair, Rule::name_list)
                .map(|list| self.names(&list))
                .unwrap_or_default(),
        }
    }

    fn exceptions(&self, pair: &P<'_>) -> Vec<Exception> {
        children(pair)
            .filter(|c| c.as_rule() == Rule::except_clause)
            .map(|e| {
                let effect = child(&e, Rule::except_effect);
                let keyword = match (children(&e).next(), &effect) {
                    (Some(except), Some(effect)) => self.span(&except).to(self.span(effect)),
                    (Some(except), None) => self.span(&except),
                    _ => self.span(&e),
                };
                Exception {
                    effect: match effect {
                        Some(effect) if has(&effect, Rule::kw_allow) => ExceptEffect::Allow,
                        Some(_) => ExceptEffect::Deny,
                        None => ExceptEffect::Lift,
                    },
                    keyword,
                    categories: self.categories(&e),
                    purposes: self.clause_names(child(&e, Rule::rule_purposes)),
                    purpose_filter: self.purpose_filter(&e),
                    recipients: self.clause_names(child(&e, Rule::recipients)),
                    bases: child(&e, Rule::bases).map(|b| self.basis_clause(&b)),
                    regions: self.clause_names(child(&e, Rule::regions)),
                    audiences: self.clause_names(child(&e, Rule::audiences)),
                    cite: self.opt_text(&e, Rule::cite),
                    span: self.span(&e),
                    head: self.head(&e),
                }
            })
            .collect()
    }

    fn duration_literal(&self, pair: &P<'_>) -> DurationLiteral {
        let piece = |rule| {
            child(pair, rule)
                .map(|c| Text {
                    value: c.as_str().to_string(),
                    span: self.span(&c),
                })
                .unwrap_or_default()
        };
        DurationLiteral {
            amount: piece(Rule::number),
            unit: piece(Rule::unit),
            span: self.span(pair),
        }
    }

    fn empty_duration(&self, pair: &P<'_>) -> DurationLiteral {
        DurationLiteral {
            amount: Text::default(),
            unit: Text::default(),
            span: self.span(pair),
        }
    }

    fn duration(&self, pair: &P<'_>) -> DurationRef {
        match child(pair, Rule::duration_literal) {
            Some(literal) => DurationRef::Literal(self.duration_literal(&literal)),
            None => DurationRef::Named(self.first_name(pair)),
        }
    }

    fn duration_child(&self, pair: &P<'_>) -> Option<DurationRef> {
        child(pair, Rule::duration).map(|d| self.duration(&d))
    }

    fn trigger(&self, pair: &P<'_>) -> Option<Trigger> {
        let inner = children(pair).next()?;
        Some(match inner.as_rule() {
            Rule::trigger_when => Trigger::When(self.first_name(&inner)),
            Rule::trigger_after => Trigger::After {
                event: self.first_name(&inner),
                within: self.duration_child(&inner),
            },
            Rule::trigger_at_least => Trigger::AtLeastBefore {
                lead: self.duration_child(&inner)?,
                event: self.first_name(&inner),
            },
            Rule::trigger_before => match child(&inner, Rule::new_purpose) {
                Some(new) => Trigger::BeforeNewPurpose(self.span(&new)),
                None => Trigger::Before(self.first_name(&inner)),
            },
            _ => return None,
        })
    }

    fn lifecycle_of(&self, pair: &P<'_>) -> Lifecycle {
        match child(pair, Rule::lifecycle) {
            Some(lifecycle) => self.lifecycle(&lifecycle),
            None => Lifecycle {
                kind: LifecycleKind::Forever,
                span: self.span(pair),
            },
        }
    }

    fn lifecycle(&self, pair: &P<'_>) -> Lifecycle {
        let span = self.span(pair);
        if has(pair, Rule::kw_forever) {
            return Lifecycle {
                kind: LifecycleKind::Forever,
                span,
            };
        }
        let while_state = child(pair, Rule::while_phase).map(|w| self.first_name(&w));
        let hold = child(pair, Rule::hold_phase).map(|h| Box::new(self.hold_phase(&h)));
        let end_pair = child(pair, Rule::end_action);
        let end = end_pair
            .as_ref()
            .map(|e| self.end_action(e))
            .unwrap_or(EndAction::Delete);
        let end_span = end_pair.map(|e| self.span(&e)).unwrap_or(span);
        Lifecycle {
            kind: LifecycleKind::Phased {
                while_state,
                hold,
                end,
                end_span,
            },
            span,
        }
    }

    /// The `at least ...` of a `retain` rule.
    fn floor(&self, pair: &P<'_>) -> Floor {
        match child(pair, Rule::floor) {
            Some(floor) => Floor {
                while_state: child(&floor, Rule::while_phase).map(|w| self.first_name(&w)),
                hold: child(&floor, Rule::floor_hold).map(|h| Box::new(self.hold_phase(&h))),
                span: self.span(&floor),
            },
            None => Floor {
                while_state: None,
                hold: None,
                span: self.span(pair),
            },
        }
    }

    fn archive_flags(&self, pair: &P<'_>) -> (bool, bool) {
        let flags: Vec<P<'_>> = children(pair)
            .filter(|c| c.as_rule() == Rule::archive_flag)
            .collect();
        (
            flags.iter().any(|f| has(f, Rule::kw_encrypted)),
            flags.iter().any(|f| has(f, Rule::kw_isolated)),
        )
    }

    fn hold_phase(&self, pair: &P<'_>) -> HoldPhase {
        let hold = match child(pair, Rule::hold).and_then(|h| child(&h, Rule::archive)) {
            Some(archive) => {
                let (encrypted, isolated) = self.archive_flags(&archive);
                Hold::Archive {
                    encrypted,
                    isolated,
                }
            }
            None => Hold::Keep,
        };
        HoldPhase {
            after: child(pair, Rule::name).map(|n| self.ident(&n)),
            hold,
            duration: self
                .duration_child(pair)
                .unwrap_or_else(|| DurationRef::Literal(self.empty_duration(pair))),
            without_commercial_use: has(pair, Rule::commercial_ban),
            span: self.span(pair),
        }
    }

    fn end_action(&self, pair: &P<'_>) -> EndAction {
        if has(pair, Rule::kw_anonymize) {
            EndAction::Anonymize
        } else if let Some(archive) = child(pair, Rule::archive) {
            let (encrypted, isolated) = self.archive_flags(&archive);
            EndAction::Archive {
                encrypted,
                isolated,
            }
        } else {
            EndAction::Delete
        }
    }

    fn node(&self, pair: &P<'_>, kind: NodeKind) -> NodeDecl {
        NodeDecl {
            kind,
            name: self.nth_name(pair, 0),
            label: self.opt_text(pair, Rule::label),
            party: if kind == NodeKind::Vendor {
                Some(self.nth_name(pair, 1))
            } else {
                None
            },
            audiences: self.clause_names(child(pair, Rule::subject_kinds)),
            regions: self.clause_names(child(pair, Rule::regions)),
            protection: self.clause_names(child(pair, Rule::protection)),
            backing: child(pair, Rule::backing).map(|b| Backing {
                technology: self.first_name(&b),
                settings: children(&b)
                    .filter(|c| c.as_rule() == Rule::backing_target)
                    .map(|t| {
                        let key = child(&t, Rule::backing_key)
                            .map(|k| self.ident(&k))
                            .unwrap_or_default();
                        (key, self.text(&t))
                    })
                    .collect(),
                span: self.span(&b),
            }),
            retains: children(pair)
                .filter(|c| c.as_rule() == Rule::store_retain)
                .map(|r| StoreRetain {
                    categories: self.list(&r, 0),
                    lifecycle: self.lifecycle_of(&r),
                    span: self.span(&r),
                })
                .collect(),
            technologies: self.list(pair, 0),
            honours_dnt: child(pair, Rule::honours_dnt).map(|h| self.span(&h)),
            honours_opt_outs: self.clause_names(child(pair, Rule::honours_opt_out)),
            cite: self.opt_text(pair, Rule::cite),
        }
    }
}
