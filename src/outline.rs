//! The outline of the notice: the sections a policy declares with
//! `section "ID" "TITLE"`, and what each citation names.
//!
//! Without an outline a citation is free text. With one, every citation of
//! the program must name declared sections: each `;`-separated part of it is
//! a section's id, or begins with one at a word boundary ("1(2) 1 a" begins
//! with "1(2) 1"); the longest such id is the section the part names. Where
//! the outline declares the subsections of a section, a part must name the
//! section itself or one of them: the text after a section's id is free (an
//! item, a paragraph) only below the deepest sections declared. A part that
//! names no section is `unknown-section`. Sections nest by their ids: a
//! section is inside the longest other id its own begins with.

use crate::ast::{self, ItemKind};
use crate::diagnostic::{Diagnostic, Name};
use crate::model::{MAX_NAME_BYTES, Meta};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One section of the notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The id citations name it by, its runs of white space made one space.
    pub id: String,
    pub title: String,
    /// The section it is inside: the longest other id its own begins with.
    pub parent: Option<usize>,
    /// Whether the outline declares sections inside it.
    pub divided: bool,
    pub id_span: Span,
    pub meta: Meta,
}

/// What kind of item a citation belongs to, for the document's table of
/// contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Citer {
    /// A rule of the policy, or an exception of one.
    Rule,
    /// A declaration: the policy header, a name, an obligation.
    Declaration,
    /// A node or a flow of the data map.
    DataMap,
}

/// A citation of the program, with the sections it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// The string, quotes included.
    pub span: Span,
    /// Indices into [`Outline::sections`], each once, in the order named.
    pub sections: Vec<usize>,
    pub by: Citer,
}

/// The sections of the notice in the order declared (files in path order),
/// and, when there are any, every citation of the program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outline {
    pub sections: Vec<Section>,
    pub citations: Vec<Citation>,
    /// Section ids to their index.
    ids: Ids,
    /// The byte lengths of the ids: the only places a part can end a
    /// section's id, so that matching a long citation costs little.
    lengths: BTreeSet<usize>,
}

/// Section ids to their index: hashed, so that looking up a prefix of a
/// citation costs its length; shown as a sorted map, so that the program's
/// debug text is the same on every run.
#[derive(Clone, Default, PartialEq, Eq)]
struct Ids(HashMap<String, usize>);

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().collect::<BTreeMap<_, _>>())
            .finish()
    }
}

/// What a part of a citation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// The section.
    Section(usize),
    /// Text after the id of a section whose subsections the outline
    /// declares, naming none of them.
    NotASubsection(usize),
    /// No section.
    Nothing,
}

/// Runs of white space as one space, none at either end.
fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a section id may end at byte `at` of `text`: at its end, or
/// where the characters either side are not both letters or digits.
fn boundary(text: &str, at: usize) -> bool {
    let (Some(before), Some(after)) = (text.get(..at), text.get(at..)) else {
        return false;
    };
    match (before.chars().next_back(), after.chars().next()) {
        (Some(_), None) => true,
        (Some(a), Some(b)) => !(a.is_alphanumeric() && b.is_alphanumeric()),
        (None, _) => false,
    }
}

/// The `;`-separated parts of a citation, each trimmed, with its byte range
/// in the citation; empty parts left out.
pub fn parts(cite: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in cite.split(';') {
        let leading = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            let from = start + leading;
            out.push((from..from + trimmed.len(), trimmed));
        }
        start += piece.len() + 1;
    }
    out
}

impl Outline {
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    pub fn section(&self, index: usize) -> Option<&Section> {
        self.sections.get(index)
    }

    /// The section whose id is the longest that `text` (normalized) is or
    /// begins with at a word boundary; with `proper`, a shorter id only.
    fn deepest(&self, text: &str, proper: bool) -> Option<usize> {
        self.lengths
            .range(..=text.len())
            .rev()
            .filter(|length| !(proper && **length == text.len()))
            .filter(|length| boundary(text, **length))
            .find_map(|length| self.ids.0.get(text.get(..*length)?).copied())
    }

    /// What one part of a citation names.
    pub fn name_of(&self, part: &str) -> Named {
        let part = normalized(part);
        let Some(index) = self.deepest(&part, false) else {
            return Named::Nothing;
        };
        match self.sections.get(index) {
            Some(section) if section.divided && section.id.len() < part.len() => {
                Named::NotASubsection(index)
            }
            _ => Named::Section(index),
        }
    }

    /// The sections a citation names, each once, in order.
    pub fn named_by(&self, cite: &str) -> Vec<usize> {
        let mut found = Vec::new();
        for (_, part) in parts(cite) {
            if let Named::Section(index) = self.name_of(part)
                && !found.contains(&index)
            {
                found.push(index);
            }
        }
        found
    }

    /// The sections inside a section, in the order declared.
    pub fn subsections(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.sections
            .iter()
            .enumerate()
            .filter(move |(_, section)| section.parent == Some(index))
            .map(|(index, _)| index)
    }

    /// How deep a section is: 0 for a section inside no other.
    pub fn depth(&self, index: usize) -> usize {
        let mut depth = 0;
        let mut at = self.sections.get(index).and_then(|s| s.parent);
        // Parents are strictly shorter ids, so this ends; the bound is a
        // second guarantee.
        while let Some(parent) = at {
            depth += 1;
            if depth > self.sections.len() {
                break;
            }
            at = self.sections.get(parent).and_then(|s| s.parent);
        }
        depth
    }

    /// The citation whose string holds the offset, for the editor.
    pub fn citation_at(&self, file: crate::source::FileId, at: u32) -> Option<&Citation> {
        self.citations
            .iter()
            .find(|c| c.span.file == file && c.span.start <= at && at <= c.span.end)
    }

    /// The section a "did you mean" proposes for a part: one whose id is
    /// close to the part's words of the same number, followed by the rest
    /// of the part, when that names a section. The closest wins, then the
    /// id of more words (the more specific section). Comparing costs the
    /// product of the lengths compared, taken from `budget`; once it is
    /// spent, nothing is proposed (see [`SUGGESTION_BUDGET`]).
    fn suggestion(&self, part: &str, budget: &mut usize) -> Option<String> {
        let part = normalized(part);
        let words: Vec<&str> = part.split(' ').collect();
        let mut best: Option<((usize, std::cmp::Reverse<usize>), String)> = None;
        for section in &self.sections {
            let count = section.id.split(' ').count();
            let Some(head) = words.get(..count) else {
                continue;
            };
            let head = head.join(" ");
            let length = head.chars().count();
            let limit = (length / 3).clamp(1, 4);
            if section.id.chars().count().abs_diff(length) > limit {
                continue;
            }
            let cost = head.len().max(1) * section.id.len().max(1);
            if cost > *budget {
                *budget = 0;
                return None;
            }
            *budget -= cost;
            let distance = strsim::damerau_levenshtein(&head, &section.id);
            if distance == 0 || distance > limit {
                continue;
            }
            let mut proposed = section.id.clone();
            for word in words.get(count..).unwrap_or(&[]) {
                proposed.push(' ');
                proposed.push_str(word);
            }
            if !matches!(self.name_of(&proposed), Named::Section(_)) {
                continue;
            }
            let rank = (distance, std::cmp::Reverse(count));
            if best
                .as_ref()
                .is_none_or(|(r, text)| (rank, &proposed) < (*r, text))
            {
                best = Some((rank, proposed));
            }
        }
        best.map(|(_, text)| text)
    }
}

/// How much comparing the "did you mean" of all the `unknown-section`
/// errors of a program may cost, in characters compared with characters
/// (about a tenth of a second): an outline of many long ids and many
/// citations naming none would otherwise cost their product. Beyond it the
/// errors are reported without a suggestion.
pub const SUGGESTION_BUDGET: usize = 100_000_000;

/// Every citation an item carries: its own and its exceptions'.
fn citations(item: &ast::Item) -> Vec<(&ast::Text, Citer)> {
    let (own, exceptions, by): (&Option<ast::Text>, &[ast::Exception], Citer) = match &item.kind {
        ItemKind::Policy(x) => (&x.cite, &[], Citer::Declaration),
        ItemKind::Declaration(x) => (&x.cite, &[], Citer::Declaration),
        ItemKind::Duration(x) => (&x.cite, &[], Citer::Declaration),
        ItemKind::Technology(x) => (&x.cite, &[], Citer::Declaration),
        ItemKind::OptOut(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Obligation(x) => (&x.cite, &[], Citer::Declaration),
        ItemKind::Allow(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Deny(x) => (&x.cite, &x.exceptions, Citer::Rule),
        ItemKind::Restrict(x) => (&x.cite, &x.exceptions, Citer::Rule),
        ItemKind::Confine(x) => (&x.cite, &x.exceptions, Citer::Rule),
        ItemKind::Retain(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Floor(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::LegalHold(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Require(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Honour(x) => (&x.cite, &[], Citer::Rule),
        ItemKind::Node(x) => (&x.cite, &[], Citer::DataMap),
        ItemKind::Flow(x) => (&x.cite, &[], Citer::DataMap),
        ItemKind::Section(_) => (&None, &[], Citer::Declaration),
    };
    own.iter()
        .chain(exceptions.iter().filter_map(|e| e.cite.as_ref()))
        .map(|cite| (cite, by))
        .collect()
}

/// The outline the files declare, with `duplicate-definition` and
/// `invalid-value` for its sections and `unknown-section` for each part of
/// a citation that names none.
pub fn resolve(files: &[ast::File]) -> (Outline, Vec<Diagnostic>) {
    let mut outline = Outline::default();
    let mut diagnostics = Vec::new();
    for item in files.iter().flat_map(|file| &file.items) {
        let ItemKind::Section(section) = &item.kind else {
            continue;
        };
        if let Some(problem) = invalid_id(&section.id) {
            diagnostics.push(problem);
            continue;
        }
        let id = normalized(&section.id.value);
        if let Some(earlier) = outline
            .ids
            .0
            .get(&id)
            .and_then(|i| outline.sections.get(*i))
        {
            diagnostics.push(
                Diagnostic::new(
                    Name::DuplicateDefinition,
                    section.id.span,
                    format!("section `{id}` is declared twice"),
                )
                .primary_message("declared again here")
                .label(earlier.id_span, "first declared here")
                .help("remove one of the declarations, or give the sections different ids"),
            );
            continue;
        }
        outline.ids.0.insert(id.clone(), outline.sections.len());
        outline.lengths.insert(id.len());
        outline.sections.push(Section {
            id,
            title: section.title.value.clone(),
            parent: None,
            divided: false,
            id_span: section.id.span,
            meta: Meta {
                span: item.span,
                keyword: item.keyword,
                head: item.head,
                cite: None,
                doc: item.doc_text(),
            },
        });
    }
    if outline.is_empty() {
        return (outline, diagnostics);
    }
    for index in 0..outline.sections.len() {
        let parent = outline
            .sections
            .get(index)
            .and_then(|section| outline.deepest(&section.id, true));
        if let Some(section) = outline.sections.get_mut(index) {
            section.parent = parent;
        }
        if let Some(parent) = parent.and_then(|p| outline.sections.get_mut(p)) {
            parent.divided = true;
        }
    }
    let mut budget = SUGGESTION_BUDGET;
    for item in files.iter().flat_map(|file| &file.items) {
        for (cite, by) in citations(item) {
            let mut named = Vec::new();
            let found = parts(&cite.value);
            if found.is_empty() {
                diagnostics.push(unknown_section(
                    &outline,
                    cite,
                    None,
                    Named::Nothing,
                    &mut budget,
                ));
            }
            for (range, part) in found {
                match outline.name_of(part) {
                    Named::Section(index) => {
                        if !named.contains(&index) {
                            named.push(index);
                        }
                    }
                    miss => diagnostics.push(unknown_section(
                        &outline,
                        cite,
                        Some((range, part)),
                        miss,
                        &mut budget,
                    )),
                }
            }
            outline.citations.push(Citation {
                span: cite.span,
                sections: named,
                by,
            });
        }
    }
    (outline, diagnostics)
}

/// `invalid-value` for a section id that cannot be cited: empty, holding
/// the `;` that separates the parts of a citation, or too long.
fn invalid_id(id: &ast::Text) -> Option<Diagnostic> {
    let normalized = normalized(&id.value);
    let (message, primary, help) = if normalized.is_empty() {
        (
            "a section's id cannot be empty".to_string(),
            "empty",
            "give the id citations name the section by, such as \"1(2)\"",
        )
    } else if normalized.contains(';') {
        (
            format!(
                "section id `{normalized}` holds a `;`, which separates the parts of a citation"
            ),
            "holds a `;`",
            "write the id without `;`",
        )
    } else if normalized.len() > MAX_NAME_BYTES {
        (
            format!(
                "this section id is {} bytes long; an id may be at most {MAX_NAME_BYTES}",
                normalized.len()
            ),
            "too long",
            "use a shorter id, and say more in the section's title",
        )
    } else {
        return None;
    };
    Some(
        Diagnostic::new(Name::InvalidValue, id.span, message)
            .primary_message(primary)
            .help(help),
    )
}

/// The span of a part inside its string, when the string's source is its
/// value between quotes (no escapes, which make the source longer).
fn part_span(cite: &ast::Text, range: &std::ops::Range<usize>) -> Option<Span> {
    let span = cite.span;
    let exact = (span.end - span.start) as usize == cite.value.len() + 2;
    exact.then(|| {
        Span::new(
            span.file,
            span.start + 1 + crate::source::offset_u32(range.start),
            span.start + 1 + crate::source::offset_u32(range.end),
        )
    })
}

fn code_list(outline: &Outline, indices: &[usize]) -> String {
    let shown: Vec<String> = indices
        .iter()
        .take(8)
        .filter_map(|index| outline.section(*index))
        .map(|section| format!("`{}`", section.id))
        .collect();
    let more = indices.len().saturating_sub(shown.len());
    match (shown.split_last(), more) {
        (Some((last, rest)), 0) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        (_, 0) => shown.join(""),
        _ => format!("{} and {more} more", shown.join(", ")),
    }
}

fn unknown_section(
    outline: &Outline,
    cite: &ast::Text,
    part: Option<(std::ops::Range<usize>, &str)>,
    miss: Named,
    budget: &mut usize,
) -> Diagnostic {
    let Some((range, part)) = part else {
        return Diagnostic::new(
            Name::UnknownSection,
            cite.span,
            "this citation names no section of the notice",
        )
        .primary_message("empty")
        .help("name the section of the notice the item encodes, as the outline declares it");
    };
    let span = part_span(cite, &range).unwrap_or(cite.span);
    let shown = normalized(part);
    let mut diagnostic = Diagnostic::new(
        Name::UnknownSection,
        span,
        format!("`{shown}` names no section of the notice"),
    )
    .primary_message("not in the outline");
    match miss {
        Named::NotASubsection(index) => {
            if let Some(section) = outline.section(index) {
                let inside: Vec<usize> = outline.subsections(index).collect();
                diagnostic = diagnostic
                    .label(
                        section.id_span,
                        format!("section `{}` is divided into subsections", section.id),
                    )
                    .note(format!(
                        "the outline divides `{}` into {}: a citation names the section itself or one of them",
                        section.id,
                        code_list(outline, &inside)
                    ));
            }
        }
        Named::Nothing | Named::Section(_) => {
            let top: Vec<usize> = (0..outline.sections.len())
                .filter(|index| {
                    outline
                        .section(*index)
                        .is_some_and(|section| section.parent.is_none())
                })
                .collect();
            diagnostic = diagnostic.note(format!(
                "the outline's top-level sections are {}",
                code_list(outline, &top)
            ));
        }
    }
    match (outline.suggestion(part, budget), part_span(cite, &range)) {
        (Some(suggestion), Some(span)) => diagnostic.did_you_mean(span, &suggestion),
        (Some(suggestion), None) => diagnostic.help(format!("did you mean `{suggestion}`?")),
        (None, _) => diagnostic
            .help("cite a section the outline declares, or declare the section with `section`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::compile;
    use crate::source::SourceMap;

    fn outline_of(text: &str) -> (Outline, Vec<String>) {
        let mut sources = SourceMap::new();
        sources.add("a.privet", text);
        let compilation = compile(&sources);
        let names = compilation
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.name, d.message))
            .collect();
        (compilation.program.outline, names)
    }

    const OUTLINE: &str = "\
section \"preamble\" \"the principles\"
section \"1\" \"how we collect\"
section \"1(1)\" \"what we collect\"
section \"1(2)\" \"how long we keep it\"
section \"1(2) 1\" \"retention\"
section \"1(2) stop operation\" \"stop operation\"
section \"10\" \"contact\"
";

    #[test]
    fn sections_nest_by_their_ids_at_a_word_boundary() {
        let (outline, problems) = outline_of(OUTLINE);
        assert_eq!(problems, Vec::<String>::new());
        let parent = |id: &str| {
            let section = outline.sections.iter().find(|s| s.id == id).unwrap();
            section.parent.map(|p| outline.sections[p].id.clone())
        };
        assert_eq!(parent("1(1)").as_deref(), Some("1"));
        assert_eq!(parent("1(2) 1").as_deref(), Some("1(2)"));
        assert_eq!(parent("1(2) stop operation").as_deref(), Some("1(2)"));
        // "10" begins with "1", but not at a word boundary.
        assert_eq!(parent("10"), None);
        assert_eq!(parent("preamble"), None);
        assert_eq!(outline.depth(4), 2);
    }

    #[test]
    fn a_part_names_the_deepest_section_it_begins_with() {
        let (outline, _) = outline_of(OUTLINE);
        let id = |named: Named| match named {
            Named::Section(index) => outline.sections[index].id.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(id(outline.name_of("1(2) 1 a")), "1(2) 1");
        assert_eq!(
            id(outline.name_of("1(2)  stop   operation")),
            "1(2) stop operation"
        );
        assert_eq!(id(outline.name_of("1(1) special note")), "1(1)");
        assert_eq!(id(outline.name_of("1(2)")), "1(2)");
        assert_eq!(id(outline.name_of("10 a")), "10");
        // `1(2)` is divided: text after it must name a subsection.
        assert_eq!(outline.name_of("1(2) 7"), Named::NotASubsection(3));
        // `1` is divided too, and "1(3)" is none of its subsections.
        assert_eq!(outline.name_of("1(3)"), Named::NotASubsection(1));
        assert_eq!(outline.name_of("2(1)"), Named::Nothing);
        assert_eq!(outline.name_of("preambles"), Named::Nothing);
        assert_eq!(outline.named_by("preamble; 1(1) a;; 1(1)"), vec![0, 2]);
    }

    #[test]
    fn a_citation_naming_no_section_is_reported_only_with_an_outline() {
        let rule =
            "category user\npurpose p\nallow use of user for p\n    cite \"1(2) stop operaton\"\n";
        let (_, free) = outline_of(rule);
        assert_eq!(free, Vec::<String>::new());
        let (outline, problems) = outline_of(&format!("{OUTLINE}{rule}"));
        assert_eq!(
            problems,
            ["unknown-section `1(2) stop operaton` names no section of the notice"]
        );
        let mut budget = SUGGESTION_BUDGET;
        assert_eq!(
            outline
                .suggestion("1(2) stop operaton", &mut budget)
                .as_deref(),
            Some("1(2) stop operation")
        );
        assert_eq!(
            outline.suggestion("1(2) 7 a", &mut budget).as_deref(),
            Some("1(2) 1 a")
        );
        // Once the budget is spent, nothing is proposed.
        let mut spent = 10;
        assert_eq!(outline.suggestion("1(2) 7 a", &mut spent), None);
        assert_eq!(spent, 0);
    }

    #[test]
    fn bad_section_ids_are_reported() {
        let (outline, problems) = outline_of(
            "section \"\" \"nothing\"\nsection \"a;b\" \"two\"\nsection \"1\" \"one\"\nsection \" 1 \" \"again\"\n",
        );
        assert_eq!(outline.sections.len(), 1);
        assert_eq!(
            problems,
            [
                "invalid-value a section's id cannot be empty",
                "invalid-value section id `a;b` holds a `;`, which separates the parts of a citation",
                "duplicate-definition section `1` is declared twice",
            ]
        );
    }

    #[test]
    fn parts_keep_their_place_in_the_citation() {
        assert_eq!(
            parts(" 1(1) ; 2(2);"),
            vec![(1..5, "1(1)"), (8..12, "2(2)")]
        );
        assert!(parts(" ; ").is_empty());
    }
}
