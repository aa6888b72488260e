//! Parsing a file again after an edit without parsing its unchanged items:
//! the language server's fast path.
//!
//! A file is cut into items by [`split`](super::split) as usual. The cache
//! keeps the file's last text and where its items were; the bytes the edit
//! left alone are the longest common prefix and suffix of the two texts. An
//! item whose whole text lies in the common prefix (at the same place) or in
//! the common suffix (moved by the change in length) is the same text as
//! before, so its tree is taken from the previous parse: moved out of the
//! previous [`File`] (never cloned), its spans shifted only when it moved or
//! its file's id changed. Every other item goes through the parser again.
//! The result is exactly what [`parse_file`](super::parse_file) gives, since
//! an item's tree depends on its text alone (the spans aside).

use super::split::{self, Chunk};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use std::collections::HashMap;

/// One item of the last parse of a file: where its text was, the index of
/// its tree among the file's items (`None` when it gave none), and whether
/// its parse gave a diagnostic (such an item is parsed again: it is rare,
/// and its diagnostic may hold spans of any shape).
#[derive(Debug)]
struct CachedChunk {
    chunk: Chunk,
    item: Option<usize>,
    had_diagnostics: bool,
}

/// The last parse of one file.
#[derive(Debug)]
struct CachedFile {
    id: FileId,
    text: String,
    chunks: Vec<CachedChunk>,
    /// How many items the parse gave: a previous [`File`] is this parse's
    /// only when it has as many (and the same id).
    items: usize,
}

/// The last parse of each file, by file name.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<String, CachedFile>,
}

/// How many items the last [`ParseCache::parse_file`] took from the
/// previous parse and how many it parsed: for tests and the bench.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reuse {
    pub reused: usize,
    pub parsed: usize,
}

impl ParseCache {
    pub fn new() -> Self {
        ParseCache::default()
    }

    /// The id a file had in the last parse of it.
    pub fn file_id(&self, name: &str) -> Option<FileId> {
        self.files.get(name).map(|file| file.id)
    }

    /// Forgets the files not named.
    pub fn retain_files(&mut self, names: &[&str]) {
        self.files.retain(|name, _| names.contains(&name.as_str()));
    }

    /// Parses a file, taking from `previous` (the [`File`] this cache's last
    /// parse of the file with this name gave, moved back in by the caller)
    /// the items whose text the edit left alone. A `previous` that is not
    /// that parse's (another id or another number of items) is dropped and
    /// the file is parsed whole.
    pub fn parse_file(
        &mut self,
        name: &str,
        file: FileId,
        text: &str,
        previous: Option<File>,
    ) -> (File, Vec<Diagnostic>, Reuse) {
        let old = self.files.remove(name);
        let old = match (old, previous) {
            (Some(old), Some(previous))
                if previous.id == old.id && previous.items.len() == old.items =>
            {
                Some((old, previous.items))
            }
            _ => None,
        };
        let chunks = split::split(text);
        let mut items = Vec::with_capacity(chunks.len());
        let mut diagnostics = Vec::new();
        let mut cached = Vec::with_capacity(chunks.len());
        let mut reuse = Reuse::default();
        let mut taker = old.as_ref().map(|(old, _)| Unchanged::new(&old.text, text));
        let (old_chunks, mut old_items) = match old {
            Some((old, previous)) => (old.chunks, previous.into_iter().enumerate()),
            None => (Vec::new(), Vec::new().into_iter().enumerate()),
        };
        let mut old_chunks: Vec<Option<CachedChunk>> = old_chunks.into_iter().map(Some).collect();
        let mut previous_chunk = None;
        for chunk in chunks {
            let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
                continue;
            };
            let found = taker
                .as_mut()
                .and_then(|unchanged| unchanged.old_chunk(chunk, &old_chunks))
                .and_then(|(index, shift)| {
                    let old = old_chunks.get_mut(index)?.take()?;
                    if old.had_diagnostics {
                        return None;
                    }
                    let item = match old.item {
                        Some(wanted) => Some(take_item(&mut old_items, wanted)?),
                        None => None,
                    };
                    Some((item, shift))
                });
            let (item, found) = match found {
                Some((mut item, shift)) => {
                    reuse.reused += 1;
                    let mut place = |span: &mut Span| {
                        // Left as the parser leaves it: the empty span of a
                        // part the text lacks (a real span at offset 0 of a
                        // file is never empty: an item starts with a word).
                        if *span == Span::default() {
                            return;
                        }
                        span.file = file;
                        span.start = span.start.wrapping_add_signed(shift);
                        span.end = span.end.wrapping_add_signed(shift);
                    };
                    if shift != 0 || item.as_ref().is_some_and(|item| item.span.file != file) {
                        item.each_span(&mut place);
                    }
                    (item, Vec::new())
                }
                None => {
                    reuse.parsed += 1;
                    super::parse_item(file, chunk, chunk_text)
                }
            };
            cached.push(CachedChunk {
                chunk,
                item: item.is_some().then_some(items.len()),
                had_diagnostics: !found.is_empty(),
            });
            items.extend(item);
            diagnostics.extend(found);
            // Not cached with the chunk: it depends on the chunk before.
            diagnostics.extend(super::layout::retain_after_store(
                file,
                text,
                previous_chunk,
                chunk,
            ));
            previous_chunk = Some(chunk);
        }
        self.files.insert(
            name.to_string(),
            CachedFile {
                id: file,
                text: text.to_string(),
                chunks: cached,
                items: items.len(),
            },
        );
        diagnostics.extend(super::controls::diagnostics(file, text));
        let comments = split::comments(file, text);
        (
            File {
                id: file,
                items,
                comments,
            },
            diagnostics,
            reuse,
        )
    }
}

/// Moves the item at index `wanted` out of the previous items; the items
/// before it that were not taken are dropped. `None` when it was passed.
fn take_item(
    items: &mut std::iter::Enumerate<std::vec::IntoIter<Item>>,
    wanted: usize,
) -> Option<Item> {
    for (index, item) in items.by_ref() {
        if index == wanted {
            return Some(item);
        }
        if index > wanted {
            return None;
        }
    }
    None
}

/// What two texts share: the longest common prefix and, in what is left,
/// the longest common suffix.
struct Unchanged {
    prefix: usize,
    /// Where the common suffix starts in the new text.
    suffix_start: usize,
    /// New length minus old length.
    shift: i64,
    /// The old chunks are searched from here on (they are met in order).
    next: usize,
}

impl Unchanged {
    fn new(old: &str, new: &str) -> Unchanged {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(old, new);
        let rest = old.len().min(new.len()) - prefix;
        let suffix = common_suffix(
            old.get(old.len() - rest..).unwrap_or(&[]),
            new.get(new.len() - rest..).unwrap_or(&[]),
        );
        Unchanged {
            prefix,
            suffix_start: new.len() - suffix,
            shift: new.len() as i64 - old.len() as i64,
            next: 0,
        }
    }

    /// The old chunk with the same text as a new chunk, by index, with how
    /// far it moved.
    fn old_chunk(
        &mut self,
        chunk: Chunk,
        old_chunks: &[Option<CachedChunk>],
    ) -> Option<(usize, i32)> {
        let (start, end, shift) = if chunk.end <= self.prefix {
            (chunk.start, chunk.end, 0)
        } else if chunk.start >= self.suffix_start {
            let start = usize::try_from(chunk.start as i64 - self.shift).ok()?;
            let end = usize::try_from(chunk.end as i64 - self.shift).ok()?;
            (start, end, i32::try_from(self.shift).ok()?)
        } else {
            return None;
        };
        let rest = old_chunks.get(self.next..)?;
        let offset =
            rest.partition_point(|old| old.as_ref().is_none_or(|old| old.chunk.start < start));
        let index = self.next + offset;
        let old = old_chunks.get(index)?.as_ref()?;
        if old.chunk.start != start || old.chunk.end != end {
            return None;
        }
        self.next = index + 1;
        Some((index, shift))
    }
}

/// The length of the longest common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let mut at = 0;
    while let (Some(x), Some(y)) = (a.get(at..at + BLOCK), b.get(at..at + BLOCK)) {
        if x != y {
            break;
        }
        at += BLOCK;
    }
    at + a
        .get(at..)
        .unwrap_or(&[])
        .iter()
        .zip(b.get(at..).unwrap_or(&[]))
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of two byte strings of equal
/// length.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let mut at = a.len().min(b.len());
    while at >= BLOCK {
        if a.get(at - BLOCK..at) != b.get(at - BLOCK..at) {
            break;
        }
        at -= BLOCK;
    }
    let rest = a
        .get(..at)
        .unwrap_or(&[])
        .iter()
        .rev()
        .zip(b.get(..at).unwrap_or(&[]).iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    a.len().min(b.len()) - at + rest
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
        let mut previous = None;
        for (round, text) in edits.iter().enumerate() {
            // The file's id changes once, as when a file is added before it.
            let file = FileId(if round < 3 { 3 } else { 4 });
            let (mut fresh, fresh_diagnostics) = super::super::parse_file(file, text);
            let (mut cached, cached_diagnostics, reuse) =
                cache.parse_file("a.privet", file, text, previous.take());
            if round == 2 {
                // One item changed: every other one was taken as it was.
                assert_eq!(reuse.parsed, 1, "{reuse:?}");
                assert!(reuse.reused > 10, "{reuse:?}");
            }
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
            previous = Some(cached);
        }
        assert!(!cache.files.is_empty());
        cache.retain_files(&[]);
        assert!(cache.files.is_empty());
    }
}
