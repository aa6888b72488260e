//! Parsing a file again after an edit without parsing its unchanged items:
//! the language server's fast path.
//!
//! A file is cut into items by [`split`](super::split) as usual; an item
//! whose text was parsed before (in the same file) is taken from the cache
//! and moved to its new place, instead of going through pest again. Items
//! are cached with spans relative to their own start, so an edit above an
//! item does not invalidate it. The result is exactly what
//! [`parse_file`](super::parse_file) gives.

use super::split;
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span, offset_u32};
use std::collections::HashMap;

/// What parsing one item's text gave, with spans relative to the item's
/// start in file 0.
#[derive(Clone, Debug)]
struct Parsed {
    item: Option<Item>,
    diagnostics: Vec<Diagnostic>,
}

/// Parsed items by file name and item text.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<String, HashMap<String, Parsed>>,
}

impl ParseCache {
    pub fn new() -> Self {
        ParseCache::default()
    }

    /// Forgets the files not named.
    pub fn retain_files(&mut self, names: &[&str]) {
        self.files.retain(|name, _| names.contains(&name.as_str()));
    }

    /// Parses a file, reusing the items whose text has not changed since the
    /// last parse of the file with this name. Keeps only this parse's items.
    pub fn parse_file(&mut self, name: &str, file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
        let previous = self.files.remove(name).unwrap_or_default();
        let mut current: HashMap<String, Parsed> = HashMap::with_capacity(previous.len());
        let mut items = Vec::new();
        let mut diagnostics = Vec::new();
        let mut previous_chunk = None;
        for chunk in split::split(text) {
            let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
                continue;
            };
            let parsed = match current.get(chunk_text).or_else(|| previous.get(chunk_text)) {
                Some(parsed) => parsed.clone(),
                None => parse_chunk(chunk_text),
            };
            let mut placed = parsed.clone();
            let offset = offset_u32(chunk.start);
            let mut place = |span: &mut Span| {
                span.file = file;
                span.start = span.start.saturating_add(offset);
                span.end = span.end.saturating_add(offset);
            };
            if let Some(item) = &mut placed.item {
                item.each_span(&mut place);
            }
            for diagnostic in &mut placed.diagnostics {
                diagnostic.each_span(&mut place);
            }
            items.extend(placed.item);
            diagnostics.extend(placed.diagnostics);
            current.insert(chunk_text.to_string(), parsed);
            diagnostics.extend(super::layout::retain_after_store(
                file,
                text,
                previous_chunk,
                chunk,
            ));
            previous_chunk = Some(chunk);
        }
        self.files.insert(name.to_string(), current);
        diagnostics.extend(super::controls::diagnostics(file, text));
        let comments = split::comments(file, text);
        (
            File {
                id: file,
                items,
                comments,
            },
            diagnostics,
        )
    }
}

/// Parses one item's text as if it were a file of its own.
fn parse_chunk(text: &str) -> Parsed {
    let chunk = split::Chunk {
        start: 0,
        end: text.len(),
    };
    let (item, diagnostics) = super::parse_item(FileId(0), chunk, text);
    Parsed { item, diagnostics }
}

/// Visiting every span of a syntax node (or a diagnostic), to move it.
pub(crate) trait Spans {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span));
}

impl Spans for Span {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(self)
    }
}

impl<T: Spans> Spans for Vec<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for value in self {
            value.each_span(f);
        }
    }
}

impl<T: Spans> Spans for Option<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        if let Some(value) = self {
            value.each_span(f);
        }
    }
}

impl<T: Spans> Spans for Box<T> {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.as_mut().each_span(f)
    }
}

impl<A: Spans, B: Spans> Spans for (A, B) {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.0.each_span(f);
        self.1.each_span(f);
    }
}

/// Types without spans.
macro_rules! no_spans {
    ($($ty:ty),*) => {
        $(impl Spans for $ty {
            fn each_span(&mut self, _: &mut dyn FnMut(&mut Span)) {}
        })*
    };
}

no_spans!(
    bool,
    String,
    DeclKind,
    CategoryFlag,
    BasisWord,
    Hold,
    EndAction,
    RequireTarget,
    NodeKind,
    Transform,
    crate::diagnostic::Name,
    crate::diagnostic::Severity
);

/// Structs: every field that holds a span, directly or deeper.
macro_rules! struct_spans {
    ($($ty:ty { $($field:ident),* })*) => {
        $(impl Spans for $ty {
            fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
                $(self.$field.each_span(f);)*
            }
        })*
    };
}

struct_spans! {
    Ident { span }
    Text { span }
    Item { docs, kind, span, keyword, head }
    PolicyDecl { name, label, updated, cite }
    SectionDecl { id, title }
    Declaration { name, label, flags, purposes, compatible, new_purpose, under_age, notice, cite }
    Flag { span }
    DurationLiteral { amount, unit, span }
    DurationDecl { name, value, label, cite }
    TechnologyDecl { name, label, purposes, opt_out, opt_out_name, cite }
    OptOutDecl { name, label, actions, categories, purposes, cite }
    ObligationDecl { name, label, trigger, cite }
    BasisClause { bases }
    CategorySelector { filter, names }
    AllowRule { actions, categories, purposes, purpose_filter, recipients, bases, regions, audiences, after, cite }
    Exception { keyword, categories, purposes, purpose_filter, recipients, bases, regions, audiences, cite, span, head }
    DenyRule { actions, categories, purposes, purpose_filter, recipients, regions, audiences, after, cite, exceptions }
    RestrictRule { categories, purposes, audiences, cite, exceptions }
    ConfineRule { categories, regions, audiences, cite, exceptions }
    HoldPhase { after, duration, span }
    Lifecycle { kind, span }
    RetainRule { categories, purposes, lifecycle, cite }
    Floor { while_state, hold, span }
    FloorRule { categories, purposes, floor, cite }
    LegalHoldRule { categories, purposes, state, cite }
    RequireRule { safeguards, categories, cite }
    HonourRule { purposes, cite }
    Backing { technology, settings, span }
    StoreRetain { categories, lifecycle, span }
    NodeDecl { name, label, party, audiences, regions, protection, backing, retains, technologies, honours_dnt, honours_opt_outs, cite }
    FlowDecl { from, to, transform, categories, purposes, bases, protection, honours_dnt, honours_opt_outs, notified, phase, cite }
    FlowPhase { state, events, span }
    crate::diagnostic::Label { span }
    crate::diagnostic::Suggestion { span }
    Diagnostic { primary, labels, suggestion }
}

impl Spans for DurationRef {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            DurationRef::Literal(literal) => literal.each_span(f),
            DurationRef::Named(name) => name.each_span(f),
        }
    }
}

impl Spans for Trigger {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Trigger::When(event) | Trigger::Before(event) => event.each_span(f),
            Trigger::After { event, within } => {
                event.each_span(f);
                within.each_span(f);
            }
            Trigger::AtLeastBefore { lead, event } => {
                lead.each_span(f);
                event.each_span(f);
            }
            Trigger::BeforeNewPurpose(span) => span.each_span(f),
        }
    }
}

impl Spans for LifecycleKind {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            LifecycleKind::Forever => {}
            LifecycleKind::Phased {
                while_state,
                hold,
                end_span,
                ..
            } => {
                while_state.each_span(f);
                hold.each_span(f);
                end_span.each_span(f);
            }
        }
    }
}

impl Spans for ItemKind {
    fn each_span(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            ItemKind::Policy(x) => x.each_span(f),
            ItemKind::Declaration(x) => x.each_span(f),
            ItemKind::Duration(x) => x.each_span(f),
            ItemKind::Technology(x) => x.each_span(f),
            ItemKind::OptOut(x) => x.each_span(f),
            ItemKind::Obligation(x) => x.each_span(f),
            ItemKind::Allow(x) => x.each_span(f),
            ItemKind::Deny(x) => x.each_span(f),
            ItemKind::Restrict(x) => x.each_span(f),
            ItemKind::Confine(x) => x.each_span(f),
            ItemKind::Retain(x) => x.each_span(f),
            ItemKind::Floor(x) => x.each_span(f),
            ItemKind::LegalHold(x) => x.each_span(f),
            ItemKind::Require(x) => x.each_span(f),
            ItemKind::Honour(x) => x.each_span(f),
            ItemKind::Node(x) => x.each_span(f),
            ItemKind::Flow(x) => x.each_span(f),
            ItemKind::Section(x) => x.each_span(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of a file, in the order the visitor meets them.
    fn spans_of(file: &mut File) -> Vec<Span> {
        let mut found = Vec::new();
        for item in &mut file.items {
            item.each_span(&mut |span| found.push(*span));
        }
        found
    }

    #[test]
    fn cached_parse_equals_a_fresh_parse_after_edits() {
        let one_touch = concat!(
            include_str!("../../policies/one-touch/vocabulary.privet"),
            include_str!("../../policies/one-touch/sharing.privet"),
            include_str!("../../policies/one-touch/retention.privet"),
            include_str!("../../policies/one-touch/systems/accounts.privet"),
            include_str!("../../policies/one-touch/systems/tracking.privet"),
            include_str!("../../policies/one-touch/tracking.privet"),
            include_str!("../../policies/one-touch/collection.privet"),
            include_str!("../../policies/one-touch/policy.privet"),
            include_str!("../../policies/one-touch/security.privet"),
            include_str!("../../policies/one-touch/systems/customer.privet"),
            include_str!("../../policies/one-touch/systems/legal.privet"),
            include_str!("../../policies/one-touch/systems/orders.privet"),
            include_str!("../../policies/one-touch/systems/mailing.privet"),
            "obligation x \"y\" at least 3 days before e\nobligation z \"y\" after e within d\n",
            "obligation n \"y\" before new purpose\nobligation w \"y\" when e\n",
        );
        let edits: Vec<String> = vec![
            one_touch.to_string(),
            format!("// a new first line\n{one_touch}"),
            one_touch.replacen("user information", "user informatio", 1),
            one_touch.replacen("category user.log", "categroy user.log", 1),
            // A broken declaration, recovered as its name alone.
            one_touch.replacen(
                "category user.log \"log information\"",
                "category user.log \"log\" ]]",
                1,
            ),
            one_touch.replacen(
                "flow customer -> app",
                "flow customer -> app for x for y",
                1,
            ),
            String::new(),
            one_touch.to_string(),
        ];
        let mut cache = ParseCache::new();
        for (round, text) in edits.iter().enumerate() {
            let file = FileId(3);
            let (mut fresh, fresh_diagnostics) = super::super::parse_file(file, text);
            let (mut cached, cached_diagnostics) = cache.parse_file("a.privet", file, text);
            assert_eq!(cached, fresh, "round {round}");
            if round == 4 {
                assert_eq!(fresh_diagnostics.len(), 1);
                assert!(fresh.items.iter().any(|item| matches!(
                    &item.kind,
                    ItemKind::Declaration(d) if d.name.text == "user.log"
                )));
            }
            assert_eq!(cached_diagnostics, fresh_diagnostics, "round {round}");
            assert_eq!(spans_of(&mut cached), spans_of(&mut fresh));
            assert!(spans_of(&mut cached).iter().all(|span| span.file == file));
        }
        assert!(!cache.files.is_empty());
        cache.retain_files(&[]);
        assert!(cache.files.is_empty());
    }
}
