//! Syntax tree to model: declarations are collected across every file of the
//! program, names are looked up in their namespace, values are typed.
//!
//! Reports `duplicate-definition`, `unknown-name` (with the nearest declared
//! name) and `invalid-value`. It never judges whether the program keeps its
//! promises; that is `check`'s job. A reference that fails to resolve is
//! dropped from the model, so later stages see only valid names.

use crate::ast::{self, DeclKind, ItemKind, NodeKind, Transform};
use crate::diagnostic::{Diagnostic, Name, closest};
use crate::model::*;
use crate::source::Span;
use crate::time::{Date, Duration};
use std::collections::BTreeMap;

mod exceptions;

/// Resolves the files of one program (in the order given, which should be
/// the sorted order of their paths) into a model.
pub fn resolve(files: &[ast::File]) -> (Program, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let names = collect_declarations(files, &mut diagnostics);
    let mut resolver = Resolver {
        program: Program::new(names),
        diagnostics,
    };
    resolver.durations(files);
    for file in files {
        for item in &file.items {
            resolver.item(item);
        }
    }
    resolver.finish_nodes(files);
    let mut program = resolver.program;
    // The lists grew one push at a time, with up to half their room unused;
    // they live to the end of the run.
    program.rules.shrink_to_fit();
    program.nodes.shrink_to_fit();
    program.flows.shrink_to_fit();
    let mut diagnostics = resolver.diagnostics;
    program.rule_index = RuleIndex::build(&program.rules, program.categories().leaf_count());
    program.audience_classes = AudienceClasses::build(program.audiences(), &program.rules);
    let (outline, outline_diagnostics) = crate::outline::resolve(files);
    program.outline = outline;
    diagnostics.extend(outline_diagnostics);
    (program, diagnostics)
}

/// The namespace an item declares a name in, with the declared name.
fn declared_name(item: &ast::Item) -> Option<(Namespace, &ast::Ident)> {
    Some(match &item.kind {
        ItemKind::Declaration(d) => (
            match d.kind {
                DeclKind::Category => Namespace::Category,
                DeclKind::Purpose => Namespace::Purpose,
                DeclKind::Basis | DeclKind::Exemption => Namespace::Basis,
                DeclKind::Region => Namespace::Region,
                DeclKind::Safeguard => Namespace::Safeguard,
                DeclKind::State => Namespace::State,
                DeclKind::Event => Namespace::Event,
                DeclKind::Principle => Namespace::Principle,
                DeclKind::Right => Namespace::Right,
                DeclKind::Audience => Namespace::Audience,
            },
            &d.name,
        ),
        ItemKind::Duration(d) => (Namespace::Duration, &d.name),
        ItemKind::Technology(t) => (Namespace::Technology, &t.name),
        ItemKind::OptOut(o) => (Namespace::OptOut, &o.name),
        ItemKind::Obligation(o) => (Namespace::Obligation, &o.name),
        ItemKind::Node(n) => (Namespace::Node, &n.name),
        _ => return None,
    })
}

fn meta(item: &ast::Item, cite: &Option<ast::Text>) -> Meta {
    Meta {
        span: item.span,
        keyword: item.keyword,
        head: item.head,
        cite: cite.clone(),
        doc: item.doc_text(),
    }
}

fn item_cite(item: &ast::Item) -> &Option<ast::Text> {
    match &item.kind {
        ItemKind::Policy(x) => &x.cite,
        ItemKind::Declaration(x) => &x.cite,
        ItemKind::Duration(x) => &x.cite,
        ItemKind::Technology(x) => &x.cite,
        ItemKind::OptOut(x) => &x.cite,
        ItemKind::Obligation(x) => &x.cite,
        ItemKind::Allow(x) => &x.cite,
        ItemKind::Deny(x) => &x.cite,
        ItemKind::Restrict(x) => &x.cite,
        ItemKind::Confine(x) => &x.cite,
        ItemKind::Retain(x) => &x.cite,
        ItemKind::Floor(x) => &x.cite,
        ItemKind::LegalHold(x) => &x.cite,
        ItemKind::Require(x) => &x.cite,
        ItemKind::Honour(x) => &x.cite,
        ItemKind::Node(x) => &x.cite,
        ItemKind::Flow(x) => &x.cite,
        ItemKind::Section(_) => &None,
    }
}

/// First pass: every declared name of every namespace, with duplicates
/// reported (the first declaration wins).
fn collect_declarations(files: &[ast::File], diagnostics: &mut Vec<Diagnostic>) -> Vocabularies {
    let mut declared: BTreeMap<Namespace, Vec<(String, Declared)>> = BTreeMap::new();
    let mut first: BTreeMap<(Namespace, String), Span> = BTreeMap::new();
    let mut first_policy: Option<Span> = None;
    for file in files {
        for item in &file.items {
            if let ItemKind::Policy(policy) = &item.kind {
                match first_policy {
                    Some(earlier) => diagnostics.push(
                        Diagnostic::new(
                            Name::DuplicateDefinition,
                            policy.name.span,
                            "a program has one policy header, and this is a second",
                        )
                        .primary_message("second policy header")
                        .label(earlier, "the first policy header")
                        .help("keep one `policy` item for the whole program"),
                    ),
                    None => first_policy = Some(policy.name.span),
                }
                continue;
            }
            let Some((namespace, name)) = declared_name(item) else {
                continue;
            };
            if let Some(too_deep) = too_deep(namespace, name) {
                diagnostics.push(too_deep);
                continue;
            }
            if let Some(earlier) = first.get(&(namespace, name.text.clone())) {
                diagnostics.push(duplicate(namespace.noun(), &name.text, name.span, *earlier));
                continue;
            }
            first.insert((namespace, name.text.clone()), name.span);
            let (label, exemption, flags) = match &item.kind {
                ItemKind::Declaration(d) => (
                    d.label.as_ref().map(|l| l.value.clone()),
                    d.kind == DeclKind::Exemption,
                    d.flags.iter().map(|f| f.flag).collect(),
                ),
                ItemKind::Duration(d) => (d.label.as_ref().map(|l| l.value.clone()), false, vec![]),
                ItemKind::Technology(t) => {
                    (t.label.as_ref().map(|l| l.value.clone()), false, vec![])
                }
                ItemKind::OptOut(o) => (o.label.as_ref().map(|l| l.value.clone()), false, vec![]),
                ItemKind::Obligation(o) => (Some(o.label.value.clone()), false, vec![]),
                ItemKind::Node(n) => (n.label.as_ref().map(|l| l.value.clone()), false, vec![]),
                _ => (None, false, vec![]),
            };
            declared.entry(namespace).or_default().push((
                name.text.clone(),
                Declared {
                    name_span: name.span,
                    label,
                    meta: meta(item, item_cite(item)),
                    exemption,
                    flags,
                    recovered: item.recovered,
                },
            ));
        }
    }
    let mut take = |namespace: Namespace| {
        Vocabulary::build(namespace, declared.remove(&namespace).unwrap_or_default())
    };
    Vocabularies {
        category: take(Namespace::Category),
        purpose: take(Namespace::Purpose),
        basis: take(Namespace::Basis),
        region: take(Namespace::Region),
        safeguard: take(Namespace::Safeguard),
        state: take(Namespace::State),
        event: take(Namespace::Event),
        duration: take(Namespace::Duration),
        technology: take(Namespace::Technology),
        obligation: take(Namespace::Obligation),
        principle: take(Namespace::Principle),
        right: take(Namespace::Right),
        audience: take(Namespace::Audience),
        opt_out: take(Namespace::OptOut),
        node: take(Namespace::Node),
    }
}

/// An `invalid-value` for a declared name longer than [`MAX_NAME_BYTES`] or,
/// in a hierarchy, of more than [`MAX_NAME_DEPTH`] segments; the name is then
/// not declared. Every prefix of a dotted name is an entry of its
/// vocabulary, so these bound the work and memory one name costs.
fn too_deep(namespace: Namespace, name: &ast::Ident) -> Option<Diagnostic> {
    let depth = name.text.split('.').count();
    if namespace.is_hierarchical() && depth > MAX_NAME_DEPTH {
        return Some(
            Diagnostic::new(
                Name::InvalidValue,
                name.span,
                format!(
                    "this {} name has {depth} dotted segments; a name may have at most {MAX_NAME_DEPTH}",
                    namespace.noun()
                ),
            )
            .primary_message("too deep")
            .help("use a shallower hierarchy"),
        );
    }
    (name.text.len() > MAX_NAME_BYTES).then(|| {
        Diagnostic::new(
            Name::InvalidValue,
            name.span,
            format!(
                "this {} name is {} bytes long; a name may be at most {MAX_NAME_BYTES}",
                namespace.noun(),
                name.text.len()
            ),
        )
        .primary_message("too long")
        .help("use a shorter name, and say more in its label")
    })
}

fn duplicate(noun: &str, name: &str, span: Span, earlier: Span) -> Diagnostic {
    Diagnostic::new(
        Name::DuplicateDefinition,
        span,
        format!("{noun} `{name}` is declared twice"),
    )
    .primary_message("declared again here")
    .label(earlier, "first declared here")
    .help("remove one of the declarations, or rename one")
}

struct Resolver {
    program: Program,
    diagnostics: Vec<Diagnostic>,
}

impl Resolver {
    /// Looks a name up in a namespace, recording the reference or reporting
    /// `unknown-name`.
    fn lookup(&mut self, namespace: Namespace, ident: &ast::Ident) -> Option<NameId> {
        if let Some(id) = self.program.vocabulary(namespace).lookup(&ident.text) {
            self.program.references.push(Reference {
                namespace,
                id,
                span: ident.span,
            });
            return Some(id);
        }
        let mut diagnostic = Diagnostic::new(
            Name::UnknownName,
            ident.span,
            format!("unknown {} `{}`", namespace.noun(), ident.text),
        )
        .primary_message(format!("no {} has this name", namespace.noun()));
        let vocabulary = self.program.vocabulary(namespace);
        let mut suggested = None;
        if let Some(suggestion) = closest(&ident.text, vocabulary.names()) {
            suggested = vocabulary.lookup(suggestion);
            diagnostic = diagnostic.did_you_mean(ident.span, suggestion);
            if let Some(span) = suggested
                .and_then(|id| vocabulary.get(id))
                .and_then(|entry| entry.declared.as_ref())
                .map(|declared| declared.name_span)
            {
                diagnostic = diagnostic.label(span, format!("`{suggestion}` is declared here"));
            }
        } else if vocabulary.is_empty() {
            diagnostic = diagnostic.help(format!(
                "declare it with `{} {}`",
                keyword_declaring(namespace),
                ident.text
            ));
        }
        if let Some(id) = suggested {
            self.program.suggested.push((namespace, id));
        }
        for other in Namespace::ALL {
            if other != namespace && self.program.vocabulary(other).lookup(&ident.text).is_some() {
                diagnostic = diagnostic.note(format!(
                    "`{}` is {}, not {}",
                    ident.text,
                    other.with_article(),
                    namespace.with_article()
                ));
            }
        }
        self.diagnostics.push(diagnostic);
        None
    }

    fn lookup_all(&mut self, namespace: Namespace, idents: &[ast::Ident]) -> Vec<NameId> {
        idents
            .iter()
            .filter_map(|ident| self.lookup(namespace, ident))
            .collect()
    }

    fn lookup_spanned(
        &mut self,
        namespace: Namespace,
        idents: &[ast::Ident],
    ) -> Vec<(NameId, Span)> {
        idents
            .iter()
            .filter_map(|ident| self.lookup(namespace, ident).map(|id| (id, ident.span)))
            .collect()
    }

    fn scope(
        &mut self,
        namespace: Namespace,
        idents: &[ast::Ident],
        filter: Option<ast::CategoryFlag>,
    ) -> Scope {
        let names = self.lookup_all(namespace, idents);
        let leaves = self.program.vocabulary(namespace).leaf_set(&names, filter);
        Scope {
            names,
            filter,
            leaves,
        }
    }

    /// The purposes of an `allow`, a `deny` or an `except`: with
    /// `commercial`, only the commercial purposes among those named (of every
    /// purpose, when none is named).
    fn rule_purpose_scope(
        &mut self,
        idents: &[ast::Ident],
        filter: Option<ast::Flag>,
    ) -> Option<Scope> {
        let Some(filter) = filter else {
            return self.purpose_scope(idents);
        };
        let names = self.lookup_all(Namespace::Purpose, idents);
        let purposes = self.program.purposes();
        let leaves = if idents.is_empty() {
            let roots: Vec<NameId> = purposes
                .iter()
                .filter(|(_, entry)| entry.parent.is_none())
                .map(|(id, _)| id)
                .collect();
            purposes.leaf_set(&roots, Some(filter.flag))
        } else {
            purposes.leaf_set(&names, Some(filter.flag))
        };
        Some(Scope {
            names,
            filter: Some(filter.flag),
            leaves,
        })
    }

    /// A purpose scope, or `None` (any purpose) when no purposes are given.
    fn purpose_scope(&mut self, idents: &[ast::Ident]) -> Option<Scope> {
        if idents.is_empty() {
            None
        } else {
            Some(self.scope(Namespace::Purpose, idents, None))
        }
    }

    /// An `about` clause's audience scope, or `None` (every audience) when
    /// it names none.
    fn audience_scope(&mut self, idents: &[ast::Ident]) -> Option<Scope> {
        if idents.is_empty() {
            None
        } else {
            Some(self.scope(Namespace::Audience, idents, None))
        }
    }

    fn actions(&mut self, idents: &[ast::Ident]) -> ActionSet {
        let mut set = ActionSet::default();
        for ident in idents {
            if ident.text == "process" {
                set = ActionSet::ALL;
                continue;
            }
            match Action::from_name(&ident.text) {
                Some(action) => set.insert(action),
                None => {
                    let known = Action::ALL
                        .iter()
                        .map(|a| a.as_str())
                        .chain(std::iter::once("process"));
                    let mut diagnostic = Diagnostic::new(
                        Name::UnknownName,
                        ident.span,
                        format!("unknown action `{}`", ident.text),
                    )
                    .primary_message("not an action")
                    .note(
                        "the actions are `collect`, `use`, `store`, `share`, `transfer` and \
                         `disclose`; `process` stands for all of them",
                    );
                    if let Some(suggestion) = closest(&ident.text, known) {
                        diagnostic = diagnostic.did_you_mean(ident.span, suggestion);
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        set
    }

    fn party(&mut self, ident: &ast::Ident) -> Option<PartyKind> {
        if let Some(kind) = PartyKind::from_name(&ident.text) {
            return Some(kind);
        }
        let known = PartyKind::ALL.iter().map(|p| p.as_str());
        let mut diagnostic = Diagnostic::new(
            Name::UnknownName,
            ident.span,
            format!("unknown kind of party `{}`", ident.text),
        )
        .primary_message("not a kind of party")
        .note(
            "the kinds are `first_party`, `processor`, `third_party`, `authority`, \
             `acquirer` and `public`",
        );
        if let Some(suggestion) = closest(&ident.text, known) {
            diagnostic = diagnostic.did_you_mean(ident.span, suggestion);
        }
        self.diagnostics.push(diagnostic);
        None
    }

    fn recipients(&mut self, idents: &[ast::Ident]) -> Option<PartySet> {
        if idents.is_empty() {
            return None;
        }
        let mut set = PartySet::default();
        for ident in idents {
            if let Some(kind) = self.party(ident) {
                set.insert(kind);
            }
        }
        Some(set)
    }

    fn duration_literal(&mut self, literal: &ast::DurationLiteral) -> Option<Duration> {
        match Duration::parse(&literal.amount.value, &literal.unit.value) {
            Ok(duration) => Some(duration),
            Err(error) => {
                let span = if error.in_unit {
                    literal.unit.span
                } else {
                    literal.span
                };
                let mut diagnostic = Diagnostic::new(Name::InvalidValue, span, error.message)
                    .primary_message("invalid duration");
                if let Some(help) = error.help {
                    diagnostic = diagnostic.help(help);
                }
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    fn duration(&mut self, duration: &ast::DurationRef) -> Option<DurationValue> {
        match duration {
            ast::DurationRef::Literal(literal) => {
                self.duration_literal(literal).map(|value| DurationValue {
                    value,
                    name: None,
                    span: literal.span,
                })
            }
            ast::DurationRef::Named(ident) => {
                let id = self.lookup(Namespace::Duration, ident)?;
                // A named duration whose own value is invalid was reported
                // at its declaration.
                let value = self.program.duration(id)?;
                Some(DurationValue {
                    value,
                    name: Some(id),
                    span: ident.span,
                })
            }
        }
    }

    /// Resolves every part of a floor, reporting all problems before giving
    /// up on it.
    fn minimum(&mut self, floor: &ast::Floor) -> Option<Minimum> {
        let (while_state, hold) = self.phases(floor.while_state.as_ref(), floor.hold.as_deref())?;
        Some(Minimum::Kept {
            while_state,
            hold,
            span: floor.span,
        })
    }

    /// Resolves every part of a lifecycle, reporting all problems before
    /// giving up on it.
    fn lifecycle(&mut self, lifecycle: &ast::Lifecycle) -> Option<Lifecycle> {
        let ast::LifecycleKind::Phased {
            while_state,
            hold,
            end,
            end_span,
        } = &lifecycle.kind
        else {
            return Some(Lifecycle::Forever {
                span: lifecycle.span,
            });
        };
        let (while_state, hold) = self.phases(while_state.as_ref(), hold.as_deref())?;
        Some(Lifecycle::Phased {
            while_state,
            hold,
            end: *end,
            end_span: *end_span,
            span: lifecycle.span,
        })
    }

    /// The `while` and hold phases of a lifecycle or a floor.
    fn phases(
        &mut self,
        while_state: Option<&ast::Ident>,
        hold: Option<&ast::HoldPhase>,
    ) -> Option<(Option<NameId>, Option<HoldPhase>)> {
        let state = while_state.map(|state| self.lookup(Namespace::State, state));
        let hold = hold.map(|hold| {
            let after = hold
                .after
                .as_ref()
                .map(|event| self.lookup(Namespace::Event, event));
            let duration = self.duration(&hold.duration);
            (hold, after, duration)
        });
        let while_state = match state {
            Some(state) => Some(state?),
            None => None,
        };
        let hold = match hold {
            Some((hold, after, duration)) => Some(HoldPhase {
                after: match after {
                    Some(after) => Some(after?),
                    None => None,
                },
                hold: hold.hold,
                duration: duration?,
                without_commercial_use: hold.without_commercial_use,
                span: hold.span,
            }),
            None => None,
        };
        Some((while_state, hold))
    }

    /// Resolves one item. A rule with a name that does not resolve is left
    /// out of the model: what remained of it would permit or forbid the
    /// wrong acts, and its error already says what to fix.
    fn item(&mut self, item: &ast::Item) {
        let errors_before = self.diagnostics.len();
        let counts = (
            self.program.rules.len(),
            self.program.retentions.len(),
            self.program.requirements.len(),
            self.program.compatibilities.len(),
            self.program.floors.len(),
            self.program.legal_holds.len(),
        );
        self.item_inner(item);
        if self.diagnostics.len() > errors_before {
            self.program.rules.truncate(counts.0);
            self.program.retentions.truncate(counts.1);
            self.program.requirements.truncate(counts.2);
            self.program.compatibilities.truncate(counts.3);
            self.program.floors.truncate(counts.4);
            self.program.legal_holds.truncate(counts.5);
        }
    }

    fn item_inner(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Policy(policy) => self.policy(item, policy),
            ItemKind::Declaration(declaration) => self.declaration(item, declaration),
            ItemKind::Duration(_) => {}
            ItemKind::Technology(technology) => {
                let Some(id) = self.own_id(Namespace::Technology, &technology.name) else {
                    return;
                };
                let purposes = self.lookup_all(Namespace::Purpose, &technology.purposes);
                let opt_out_name = technology
                    .opt_out_name
                    .as_ref()
                    .and_then(|name| self.lookup(Namespace::OptOut, name));
                self.program.technologies.push(Technology {
                    id,
                    purposes,
                    opt_out: technology.opt_out.as_ref().map(|o| o.value.clone()),
                    opt_out_name,
                    meta: meta(item, &technology.cite),
                });
            }
            ItemKind::OptOut(opt_out) => self.opt_out(item, opt_out),
            ItemKind::Obligation(obligation) => {
                let Some(id) = self.own_id(Namespace::Obligation, &obligation.name) else {
                    return;
                };
                let trigger = obligation.trigger.as_ref().and_then(|t| self.trigger(t));
                self.program.obligations.push(Obligation {
                    id,
                    text: obligation.label.value.clone(),
                    trigger,
                });
            }
            ItemKind::Allow(rule) => {
                let mut resolved = self.act_rule(
                    RuleKind::Allow,
                    item,
                    &rule.cite,
                    (&rule.actions, &rule.categories),
                    (&rule.purposes, &rule.recipients, &rule.regions),
                    &rule.audiences,
                );
                resolved.purposes = self.rule_purpose_scope(&rule.purposes, rule.purpose_filter);
                resolved.after = self.lookup_all(Namespace::Event, &rule.after);
                resolved.bases = rule
                    .bases
                    .as_ref()
                    .map(|b| self.lookup_all(Namespace::Basis, &b.bases))
                    .unwrap_or_default();
                self.program.rules.push(resolved);
            }
            ItemKind::Deny(rule) => {
                let mut resolved = self.act_rule(
                    RuleKind::Deny,
                    item,
                    &rule.cite,
                    (&rule.actions, &rule.categories),
                    (&rule.purposes, &rule.recipients, &rule.regions),
                    &rule.audiences,
                );
                resolved.purposes = self.rule_purpose_scope(&rule.purposes, rule.purpose_filter);
                resolved.after = self.lookup_all(Namespace::Event, &rule.after);
                self.push_with_exceptions(resolved, &rule.exceptions);
            }
            ItemKind::Restrict(rule) => {
                let resolved = Rule {
                    kind: RuleKind::Restrict,
                    actions: ActionSet::ALL,
                    categories: self.scope(Namespace::Category, &rule.categories, None),
                    purposes: Some(self.scope(Namespace::Purpose, &rule.purposes, None)),
                    recipients: None,
                    bases: Vec::new(),
                    regions: Vec::new(),
                    audiences: self.audience_scope(&rule.audiences),
                    after: Vec::new(),
                    exceptions: Vec::new(),
                    exception_of: None,
                    meta: meta(item, &rule.cite),
                };
                self.push_with_exceptions(resolved, &rule.exceptions);
            }
            ItemKind::Confine(rule) => {
                let resolved = Rule {
                    kind: RuleKind::Confine,
                    actions: ActionSet::ALL,
                    categories: self.scope(Namespace::Category, &rule.categories, None),
                    purposes: None,
                    recipients: None,
                    bases: Vec::new(),
                    regions: self.lookup_all(Namespace::Region, &rule.regions),
                    audiences: self.audience_scope(&rule.audiences),
                    after: Vec::new(),
                    exceptions: Vec::new(),
                    exception_of: None,
                    meta: meta(item, &rule.cite),
                };
                self.push_with_exceptions(resolved, &rule.exceptions);
            }
            ItemKind::Honour(rule) => {
                let resolved = choice_rule(
                    RuleKind::HonourDnt,
                    (ActionSet::ALL, self.every_category()),
                    Some(self.scope(Namespace::Purpose, &rule.purposes, None)),
                    meta(item, &rule.cite),
                );
                self.program.rules.push(resolved);
            }
            ItemKind::Retain(rule) => {
                let categories = self.scope(Namespace::Category, &rule.categories, None);
                let purposes = self.purpose_scope(&rule.purposes);
                let Some(lifecycle) = self.lifecycle(&rule.lifecycle) else {
                    return;
                };
                self.program.retentions.push(Retention {
                    categories,
                    purposes,
                    lifecycle,
                    meta: meta(item, &rule.cite),
                });
            }
            ItemKind::Floor(rule) => {
                let categories = self.scope(Namespace::Category, &rule.categories, None);
                let purposes = self.purpose_scope(&rule.purposes);
                let Some(minimum) = self.minimum(&rule.floor) else {
                    return;
                };
                self.program.floors.push(Floor {
                    categories,
                    purposes,
                    minimum,
                    meta: meta(item, &rule.cite),
                });
            }
            ItemKind::LegalHold(rule) => {
                let categories = self.scope(Namespace::Category, &rule.categories, None);
                let purposes = self.purpose_scope(&rule.purposes);
                let Some(state) = self.lookup(Namespace::State, &rule.state) else {
                    return;
                };
                self.program.legal_holds.push(LegalHold {
                    categories,
                    purposes,
                    state,
                    meta: meta(item, &rule.cite),
                });
            }
            ItemKind::Require(rule) => {
                let safeguards = self.lookup_all(Namespace::Safeguard, &rule.safeguards);
                let categories = self.scope(
                    Namespace::Category,
                    &rule.categories.names,
                    rule.categories.filter.map(|f| f.flag),
                );
                self.program.requirements.push(Requirement {
                    safeguards,
                    target: rule.target,
                    categories,
                    meta: meta(item, &rule.cite),
                });
            }
            // Nodes are resolved together at the end, one per vocabulary
            // entry, so that `Program::nodes` is indexed by node id.
            ItemKind::Node(_) => {}
            ItemKind::Flow(flow) => self.flow(item, flow),
            // The outline is resolved on its own (`outline::resolve`).
            ItemKind::Section(_) => {}
        }
    }

    /// What `allow` and `deny` share: the actions, categories, purposes,
    /// recipients, regions and audiences of the acts they are about.
    fn act_rule(
        &mut self,
        kind: RuleKind,
        item: &ast::Item,
        cite: &Option<ast::Text>,
        (actions, categories): (&[ast::Ident], &ast::CategorySelector),
        (purposes, recipients, regions): (&[ast::Ident], &[ast::Ident], &[ast::Ident]),
        audiences: &[ast::Ident],
    ) -> Rule {
        Rule {
            kind,
            actions: self.actions(actions),
            categories: self.scope(
                Namespace::Category,
                &categories.names,
                categories.filter.map(|f| f.flag),
            ),
            purposes: self.purpose_scope(purposes),
            recipients: self.recipients(recipients),
            bases: Vec::new(),
            regions: self.lookup_all(Namespace::Region, regions),
            audiences: self.audience_scope(audiences),
            after: Vec::new(),
            exceptions: Vec::new(),
            exception_of: None,
            meta: meta(item, cite),
        }
    }

    /// `under age N` of an audience: a whole number of years, from 1 to
    /// [`MAX_AGE`]; anything else is an `invalid-value`, and the bound is
    /// then not kept.
    fn age_bound(&mut self, declaration: &ast::Declaration, age: &ast::Text) {
        let Some(id) = self.own_id(Namespace::Audience, &declaration.name) else {
            return;
        };
        match age.value.parse::<u32>() {
            Ok(years) if (1..=MAX_AGE).contains(&years) => {
                self.program.audience_ages.insert(id, years);
            }
            _ => self.diagnostics.push(
                Diagnostic::new(
                    Name::InvalidValue,
                    age.span,
                    format!("`{}` is not an age this bound can name", age.value),
                )
                .primary_message(format!("an age from 1 to {MAX_AGE} years is needed here"))
                .help("write the age in whole years, as in `under age 14`"),
            ),
        }
    }

    /// Types the value of every `duration` declaration, before any use.
    fn durations(&mut self, files: &[ast::File]) {
        for item in files.iter().flat_map(|file| file.items.iter()) {
            if let ItemKind::Duration(duration) = &item.kind {
                let Some(id) = self.own_id(Namespace::Duration, &duration.name) else {
                    continue;
                };
                if let Some(value) = self.duration_literal(&duration.value) {
                    self.program.durations.push(DurationDef { id, value });
                }
            }
        }
    }

    /// The id of a name this item declares: `None` for a duplicate, which
    /// was reported in the first pass.
    /// What a declaration says beyond its name: the purposes a purpose is
    /// `compatible with`, and whether a basis is accepted `for new purpose`.
    fn declaration(&mut self, item: &ast::Item, declaration: &ast::Declaration) {
        if let Some(age) = &declaration.under_age {
            self.age_bound(declaration, age);
        }
        if let Some(notice) = &declaration.notice
            && let Some(basis) = self.own_id(Namespace::Basis, &declaration.name)
            && let Some(obligation) = self.lookup(Namespace::Obligation, notice)
        {
            self.program.basis_notices.insert(basis, obligation);
        }
        match declaration.kind {
            DeclKind::Purpose if !declaration.compatible.is_empty() => {
                let Some(purpose) = self.own_id(Namespace::Purpose, &declaration.name) else {
                    return;
                };
                let with = self.lookup_all(Namespace::Purpose, &declaration.compatible);
                self.program.compatibilities.push(Compatibility {
                    purpose,
                    with,
                    meta: meta(item, &declaration.cite),
                });
            }
            DeclKind::Basis | DeclKind::Exemption if declaration.new_purpose.is_some() => {
                if let Some(basis) = self.own_id(Namespace::Basis, &declaration.name)
                    && let Err(at) = self.program.new_purpose_bases.binary_search(&basis)
                {
                    self.program.new_purpose_bases.insert(at, basis);
                }
            }
            DeclKind::Exemption if !declaration.purposes.is_empty() => {
                let Some(id) = self.own_id(Namespace::Basis, &declaration.name) else {
                    return;
                };
                let purposes = self.scope(Namespace::Purpose, &declaration.purposes, None);
                self.program.exemption_purposes.insert(id, purposes);
            }
            _ => {}
        }
    }

    /// Every category, as a scope naming none.
    fn every_category(&self) -> Scope {
        Scope {
            names: Vec::new(),
            filter: None,
            leaves: self.program.categories().all_leaves(),
        }
    }

    /// The names that resolve, sorted and without repeats.
    fn sorted_ids(&mut self, namespace: Namespace, names: &[ast::Ident]) -> Vec<NameId> {
        let mut ids = self.lookup_all(namespace, names);
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn own_id(&self, namespace: Namespace, name: &ast::Ident) -> Option<NameId> {
        let vocabulary = self.program.vocabulary(namespace);
        let id = vocabulary.lookup(&name.text)?;
        let declared = vocabulary.get(id)?.declared.as_ref()?;
        (declared.name_span == name.span).then_some(id)
    }

    fn policy(&mut self, item: &ast::Item, policy: &ast::PolicyDecl) {
        if self.program.policy.is_some() {
            return;
        }
        let updated = policy
            .updated
            .as_ref()
            .and_then(|date| match Date::parse(&date.value) {
                Ok(parsed) => Some(parsed),
                Err(error) => {
                    let mut diagnostic =
                        Diagnostic::new(Name::InvalidValue, date.span, error.message)
                            .primary_message("invalid date");
                    if let Some(help) = error.help {
                        diagnostic = diagnostic.help(help);
                    }
                    self.diagnostics.push(diagnostic);
                    None
                }
            });
        self.program.policy = Some(PolicyInfo {
            name: policy.name.text.clone(),
            title: policy.label.as_ref().map(|l| l.value.clone()),
            updated,
            meta: meta(item, &policy.cite),
        });
    }

    /// `opt out NAME ... stops ...`: the opt-out, and its decision rule
    /// (every action of every category when it names purposes only).
    fn opt_out(&mut self, item: &ast::Item, opt_out: &ast::OptOutDecl) {
        let Some(id) = self.own_id(Namespace::OptOut, &opt_out.name) else {
            return;
        };
        let errors_before = self.diagnostics.len();
        let (actions, categories) = match &opt_out.categories {
            Some(categories) => (
                self.actions(&opt_out.actions),
                self.scope(
                    Namespace::Category,
                    &categories.names,
                    categories.filter.map(|f| f.flag),
                ),
            ),
            None => (ActionSet::ALL, self.every_category()),
        };
        let rule = choice_rule(
            RuleKind::OptOut(id),
            (actions, categories),
            self.purpose_scope(&opt_out.purposes),
            meta(item, &opt_out.cite),
        );
        if self.diagnostics.len() > errors_before {
            return;
        }
        self.program.opt_outs.push(OptOut {
            id,
            label: opt_out.label.as_ref().map(|l| l.value.clone()),
            rule: RuleId(crate::source::offset_u32(self.program.rules.len())),
        });
        self.program.rules.push(rule);
    }

    fn trigger(&mut self, trigger: &ast::Trigger) -> Option<Trigger> {
        Some(match trigger {
            ast::Trigger::When(event) => Trigger::When(self.lookup(Namespace::Event, event)?),
            ast::Trigger::After { event, within } => {
                let event = self.lookup(Namespace::Event, event)?;
                let within = match within {
                    Some(within) => Some(self.duration(within)?),
                    None => None,
                };
                Trigger::After { event, within }
            }
            ast::Trigger::AtLeastBefore { lead, event } => {
                let lead = self.duration(lead);
                let event = self.lookup(Namespace::Event, event)?;
                Trigger::AtLeastBefore { lead: lead?, event }
            }
            ast::Trigger::Before(event) => Trigger::Before(self.lookup(Namespace::Event, event)?),
            ast::Trigger::BeforeNewPurpose(_) => Trigger::BeforeNewPurpose,
        })
    }

    fn flow(&mut self, item: &ast::Item, flow: &ast::FlowDecl) {
        let from = self.lookup(Namespace::Node, &flow.from);
        let to = self.lookup(Namespace::Node, &flow.to);
        let categories = self.lookup_spanned(Namespace::Category, &flow.categories);
        let purposes = self.lookup_spanned(Namespace::Purpose, &flow.purposes);
        let basis_spans = flow
            .bases
            .as_ref()
            .map(|b| self.lookup_spanned(Namespace::Basis, &b.bases))
            .unwrap_or_default();
        let bases = basis_spans.iter().map(|(id, _)| *id).collect();
        let protection = self.lookup_all(Namespace::Safeguard, &flow.protection);
        let phase = flow.phase.as_ref().map(|phase| FlowPhase {
            state: phase
                .state
                .as_ref()
                .and_then(|state| self.lookup(Namespace::State, state)),
            events: self.lookup_all(Namespace::Event, &phase.events),
            span: phase.span,
        });
        let honours_opt_outs = self.sorted_ids(Namespace::OptOut, &flow.honours_opt_outs);
        let notified = self.sorted_ids(Namespace::Obligation, &flow.notified);
        let (Some(from), Some(to)) = (from, to) else {
            return;
        };
        let transform = match flow.transform {
            Some((Transform::Anonymized, span))
                if self.anonymized_identifier(span, &categories) =>
            {
                None
            }
            transform => transform.map(|(t, _)| t),
        };
        self.program.flows.push(Flow {
            from,
            to,
            from_span: flow.from.span,
            to_span: flow.to.span,
            transform,
            categories,
            purposes,
            bases,
            protection,
            honours_dnt: flow.honours_dnt.is_some(),
            phase,
            honours_opt_outs,
            notified,
            basis_spans,
            meta: meta(item, &flow.cite),
        });
    }

    /// An `invalid-value` when a flow declared `anonymized` carries an
    /// identifier (a category flagged `identifier`, or one with such a leaf
    /// below it): an identifier names a person, so it cannot be anonymous.
    /// The flow is then judged as carrying personal data, as if `anonymized`
    /// were not written, so the refusal never hides a violation.
    fn anonymized_identifier(&mut self, keyword: Span, categories: &[(NameId, Span)]) -> bool {
        let vocabulary = self.program.categories();
        let identifying = |id: NameId| {
            vocabulary.leaves_of(id).find(|leaf| {
                vocabulary
                    .leaf(*leaf)
                    .and_then(|leaf| vocabulary.get(leaf))
                    .is_some_and(|entry| entry.identifier)
            })
        };
        let found: Vec<(Span, String)> = categories
            .iter()
            .filter_map(|(id, span)| {
                let leaf = vocabulary.leaf(identifying(*id)?)?;
                let name = vocabulary.name(*id);
                let text = if leaf == *id {
                    format!("`{name}` is an identifier")
                } else {
                    format!(
                        "`{name}` includes the identifier `{}`",
                        vocabulary.name(leaf)
                    )
                };
                Some((*span, text))
            })
            .collect();
        let Some((_, first)) = found.first() else {
            return false;
        };
        let mut diagnostic = Diagnostic::new(
            Name::InvalidValue,
            keyword,
            format!("{first}, so this flow cannot carry it anonymized"),
        )
        .primary_message("an identifier cannot be anonymized");
        for (span, text) in &found {
            diagnostic = diagnostic.label(*span, text.clone());
        }
        self.diagnostics.push(
            diagnostic
                .note("a category flagged `identifier` names a person; data that carries it is personal data")
                .note("privet checks this flow as carrying personal data")
                .help("remove the identifiers from this flow, or drop `anonymized`"),
        );
        true
    }

    /// Resolves the node declarations, one per entry of the node vocabulary.
    fn finish_nodes(&mut self, files: &[ast::File]) {
        let mut by_span: BTreeMap<Span, (&ast::NodeDecl, bool)> = BTreeMap::new();
        for file in files {
            for item in &file.items {
                if let ItemKind::Node(node) = &item.kind {
                    by_span.insert(node.name.span, (node, item.recovered));
                }
            }
        }
        let entries: Vec<(NameId, Option<Span>)> = self.program.node_names_with_spans().collect();
        let mut nodes = Vec::with_capacity(entries.len());
        for (id, span) in entries {
            let declaration = span.and_then(|span| by_span.get(&span).copied());
            nodes.push(match declaration {
                Some((node, recovered)) => {
                    let mut node = self.node(id, node);
                    // Only the name of a declaration that did not parse is
                    // known: its clauses are not, so it cannot be judged.
                    node.complete &= !recovered;
                    node
                }
                None => Node {
                    id,
                    kind: NodeKind::System,
                    party: PartyKind::FirstParty,
                    regions: Vec::new(),
                    protection: Vec::new(),
                    backing: None,
                    retentions: Vec::new(),
                    technologies: Vec::new(),
                    honours_dnt: false,
                    honours_opt_outs: Vec::new(),
                    audiences: Vec::new(),
                    complete: true,
                },
            });
        }
        self.program.nodes = nodes;
    }

    fn node(&mut self, id: NameId, node: &ast::NodeDecl) -> Node {
        let errors_before = self.diagnostics.len();
        let party = match node.kind {
            NodeKind::Vendor => match node.party.as_ref().and_then(|p| self.party(p)) {
                Some(PartyKind::FirstParty) => {
                    if let Some(ident) = &node.party {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Name::InvalidValue,
                                ident.span,
                                "a vendor cannot be the first party",
                            )
                            .primary_message("a vendor is someone else")
                            .help("declare our own services with `system` or `store`"),
                        );
                    }
                    PartyKind::ThirdParty
                }
                Some(kind) => kind,
                None => PartyKind::ThirdParty,
            },
            NodeKind::Authority => PartyKind::Authority,
            NodeKind::Subject | NodeKind::System | NodeKind::Store | NodeKind::Tracker => {
                PartyKind::FirstParty
            }
        };
        let audiences = self.lookup_all(Namespace::Audience, &node.audiences);
        let regions = self.lookup_all(Namespace::Region, &node.regions);
        let protection = self.lookup_all(Namespace::Safeguard, &node.protection);
        let technologies = self.lookup_all(Namespace::Technology, &node.technologies);
        let honours_opt_outs = self.sorted_ids(Namespace::OptOut, &node.honours_opt_outs);
        let backing = node.backing.as_ref().and_then(|b| self.backing(b));
        let mut retentions = Vec::new();
        for retain in &node.retains {
            let categories = self.scope(Namespace::Category, &retain.categories, None);
            if let Some(lifecycle) = self.lifecycle(&retain.lifecycle) {
                retentions.push(StoreRetention {
                    categories,
                    lifecycle,
                    span: retain.span,
                });
            }
        }
        Node {
            id,
            kind: node.kind,
            party,
            regions,
            protection,
            backing,
            retentions,
            technologies,
            honours_dnt: node.honours_dnt.is_some(),
            honours_opt_outs,
            audiences,
            complete: self.diagnostics.len() == errors_before,
        }
    }

    fn backing(&mut self, backing: &ast::Backing) -> Option<Backing> {
        let name = &backing.technology.text;
        let Some(technology) = StoreTechnology::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
        else {
            let known = StoreTechnology::ALL.iter().map(|t| t.as_str());
            let mut diagnostic = Diagnostic::new(
                Name::InvalidValue,
                backing.technology.span,
                format!("unknown storage technology `{name}`"),
            )
            .primary_message("not a technology privet generates retention jobs for")
            .note("the technologies are `postgres`, `s3` and `kafka`");
            if let Some(suggestion) = closest(name, known) {
                diagnostic = diagnostic.did_you_mean(backing.technology.span, suggestion);
            }
            self.diagnostics.push(diagnostic);
            return None;
        };
        let (required, optional) = technology.settings();
        let mut settings = BTreeMap::new();
        let mut valid = true;
        for (key, value) in &backing.settings {
            if !required.contains(&key.text.as_str()) && !optional.contains(&key.text.as_str()) {
                let allowed: Vec<String> = required
                    .iter()
                    .chain(optional)
                    .map(|k| format!("`{k}`"))
                    .collect();
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        key.span,
                        format!("`{}` does not apply to `{name}` stores", key.text),
                    )
                    .primary_message("not a setting of this technology")
                    .note(format!("a `{name}` store takes {}", allowed.join(", "))),
                );
                valid = false;
            } else if settings.contains_key(&key.text) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        key.span,
                        format!("`{}` is given twice", key.text),
                    )
                    .primary_message("given again here")
                    .help("keep one of the two"),
                );
                valid = false;
            } else if value.value.trim().is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        value.span,
                        format!("`{}` is empty", key.text),
                    )
                    .primary_message("a name is needed here"),
                );
                valid = false;
            } else if let Some(SettingProblem {
                problem,
                rule,
                part,
                label,
            }) = setting_problem(technology, &key.text, &value.value)
            {
                // The name at fault, where the string is written without
                // escapes (so that its text is the value).
                let within = |offset: usize| {
                    u32::try_from(offset)
                        .ok()
                        .and_then(|offset| value.span.start.checked_add(1)?.checked_add(offset))
                };
                let written_as_is = value.span.range().len() == value.value.len().saturating_add(2);
                let span = match part {
                    Some(range) if written_as_is => {
                        match (within(range.start), within(range.end)) {
                            (Some(start), Some(end)) => Span::new(value.span.file, start, end),
                            _ => value.span,
                        }
                    }
                    _ => value.span,
                };
                let label = label.unwrap_or_else(|| format!("invalid `{}`", key.text));
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        span,
                        format!("`{}` is not a valid `{}`: {problem}", value.value, key.text),
                    )
                    .primary_message(label)
                    .note(rule),
                );
                valid = false;
            } else {
                settings.insert(key.text.clone(), value.value.clone());
            }
        }
        for key in required {
            if !settings.contains_key(*key) && !backing.settings.iter().any(|(k, _)| k.text == *key)
            {
                self.diagnostics.push(
                    Diagnostic::new(
                        Name::InvalidValue,
                        backing.span,
                        format!("`{name}` stores need a `{key}`"),
                    )
                    .primary_message(format!("no `{key}` given"))
                    .help(format!("add `{key} \"...\"` to the `backed by` clause")),
                );
                valid = false;
            }
        }
        valid.then_some(Backing {
            technology,
            settings,
            span: backing.span,
        })
    }
}

/// What is wrong with a setting of a `backed by` clause.
struct SettingProblem {
    problem: String,
    /// The naming rule of the service that it breaks.
    rule: &'static str,
    /// The bytes of the value at fault, when they are one name of several.
    part: Option<std::ops::Range<usize>>,
    /// What to say under them; `invalid `KEY`` when None.
    label: Option<String>,
}

/// What is wrong with a setting of a `backed by` clause by the naming rules
/// of its service; None when it is valid. The retention jobs splice these
/// names into SQL, S3 configurations and Kafka configs.
fn setting_problem(technology: StoreTechnology, key: &str, value: &str) -> Option<SettingProblem> {
    let problem = match (technology, key) {
        (StoreTechnology::Postgres, _) => return postgres_setting_problem(key, value),
        (StoreTechnology::S3, "bucket") => {
            const RULE: &str = "S3 bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, begin and end with a letter or digit, have no two dots in a row, are not IP addresses, and do not begin with `xn--`, `sthree-` or `amzn-s3-demo-` or end with `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3`";
            let alphanumeric =
                |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if !(3..=63).contains(&value.len()) {
                ("it is not 3 to 63 characters long", RULE)
            } else if !value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            {
                (
                    "it has a character other than a lowercase letter, a digit, `.` or `-`",
                    RULE,
                )
            } else if !alphanumeric(value.chars().next()) || !alphanumeric(value.chars().last()) {
                ("it does not begin and end with a letter or digit", RULE)
            } else if value.contains("..") {
                ("it has two dots in a row", RULE)
            } else if value.parse::<std::net::Ipv4Addr>().is_ok() {
                ("it is an IP address", RULE)
            } else if ["xn--", "sthree-", "amzn-s3-demo-"]
                .iter()
                .any(|reserved| value.starts_with(reserved))
                || ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
                    .iter()
                    .any(|reserved| value.ends_with(reserved))
            {
                ("it begins or ends with a name S3 reserves", RULE)
            } else {
                return None;
            }
        }
        (StoreTechnology::S3, "prefix") if value.len() > 1024 => (
            "it is longer than 1024 bytes",
            "an S3 object key, and so a prefix, is at most 1024 bytes of UTF-8",
        ),
        (StoreTechnology::Kafka, "topic") => {
            const RULE: &str = "Kafka topic names are 1 to 249 ASCII letters, digits, `.`, `_` and `-`, other than `.` and `..`";
            if value.len() > 249 {
                ("it is longer than 249 characters", RULE)
            } else if !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                (
                    "it has a character other than a letter, a digit, `.`, `_` or `-`",
                    RULE,
                )
            } else if value == "." || value == ".." {
                ("Kafka reserves it", RULE)
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(SettingProblem {
        problem: problem.0.to_string(),
        rule: problem.1,
        part: None,
        label: None,
    })
}

/// What is wrong with a setting of a `backed by postgres` clause: the
/// table (`table` or `schema.table`), the `timestamp` column, the
/// comma-separated `columns`. Each name is at most
/// [`POSTGRES_NAME_BYTES`] bytes of UTF-8: PostgreSQL would cut a longer
/// one, and two names that differ only after the cut would be one.
fn postgres_setting_problem(key: &str, value: &str) -> Option<SettingProblem> {
    const LENGTH_RULE: &str = "PostgreSQL cuts a name longer than 63 bytes (NAMEDATALEN - 1) to its first 63, so names that differ only after byte 63 would name the same table or column; privet counts the bytes of UTF-8";
    let problem = |problem: &str, rule| {
        Some(SettingProblem {
            problem: problem.to_string(),
            rule,
            part: None,
            label: None,
        })
    };
    // `name` is the bytes of `value` from `start` on.
    let too_long = |what: Option<&str>, start: usize, name: &str| {
        let bytes = name.len();
        Some(SettingProblem {
            problem: match what {
                Some(what) => format!("{what} `{name}` is {bytes} bytes long"),
                None => format!("it is {bytes} bytes long"),
            },
            rule: LENGTH_RULE,
            part: what.map(|_| start..start + bytes),
            label: Some(format!(
                "{} {bytes} bytes; PostgreSQL keeps {POSTGRES_NAME_BYTES}",
                what.map_or("it is".to_string(), |what| format!("{what} is"))
            )),
        })
    };
    if value.contains('\0') {
        return problem(
            "it contains a NUL character",
            "PostgreSQL names cannot contain NUL",
        );
    }
    match key {
        "table" => {
            const RULE: &str = "a table is `table` or `schema.table`: one or two names joined by a dot, none of them empty";
            let parts: Vec<&str> = value.split('.').collect();
            if parts.len() > 2 {
                problem("it has more than two dot-separated parts", RULE)
            } else if parts.iter().any(|part| part.is_empty()) {
                problem("it has an empty part", RULE)
            } else {
                let long = |part: &&str| part.len() > POSTGRES_NAME_BYTES;
                match parts.as_slice() {
                    [schema, _] if long(schema) => too_long(Some("the schema"), 0, schema),
                    [schema, table] if long(table) => {
                        too_long(Some("the table name"), schema.len() + 1, table)
                    }
                    [table] if long(table) => too_long(None, 0, table),
                    _ => None,
                }
            }
        }
        "columns" => {
            let mut start = 0;
            for written in value.split(',') {
                let column = written.trim();
                if column.len() > POSTGRES_NAME_BYTES {
                    let leading = written.len() - written.trim_start().len();
                    return too_long(Some("the column"), start + leading, column);
                }
                start += written.len() + 1;
            }
            None
        }
        _ if value.len() > POSTGRES_NAME_BYTES => too_long(None, 0, value),
        _ => None,
    }
}

/// The forbidding rule of a choice the person makes (`honour do not track`,
/// an opt-out): no recipients, bases, regions, audiences or exceptions.
fn choice_rule(
    kind: RuleKind,
    (actions, categories): (ActionSet, Scope),
    purposes: Option<Scope>,
    meta: Meta,
) -> Rule {
    Rule {
        kind,
        actions,
        categories,
        purposes,
        recipients: None,
        bases: Vec::new(),
        regions: Vec::new(),
        audiences: None,
        after: Vec::new(),
        exceptions: Vec::new(),
        exception_of: None,
        meta,
    }
}

fn keyword_declaring(namespace: Namespace) -> &'static str {
    match namespace {
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
        Namespace::OptOut => "opt out",
        Namespace::Node => "system",
    }
}

impl Program {
    /// Node ids with the span of their declaration's name.
    fn node_names_with_spans(&self) -> impl Iterator<Item = (NameId, Option<Span>)> + '_ {
        self.names
            .node
            .iter()
            .map(|(id, entry)| (id, entry.declared.as_ref().map(|d| d.name_span)))
    }
}
