//! `privet fmt`: the one canonical layout of a privet file, printed from its
//! syntax tree.
//!
//! The layout:
//! - each item starts with its keyword in column 0, its doc comment right
//!   above it; runs of blank lines between items become one blank line, and
//!   items written without a blank line between them stay together;
//! - an item's clauses follow its head on the same line when the whole fits
//!   in [`WIDTH`] columns; otherwise each clause is on its own line, indented
//!   four spaces, in the canonical order (`of`, `for`, `to`, `under`/`with`,
//!   `in` for rules; the order of `docs/language.md` elsewhere);
//! - the citation is always on its own line, after the clauses, and each
//!   `except` clause of a rule is on its own line with its citation under it;
//! - a retention lifecycle that does not fit on one line has one phase per
//!   line; a store's `retain` clauses are always on their own lines;
//! - a list of names too long for its line wraps after a comma; the
//!   continuation is indented 8 columns, or 12 under an `except` clause or a
//!   store's `retain` clause (whose own lines are at 8);
//! - `under` or `with` stays as the author wrote it; strings are re-escaped.
//!
//! Comments are kept. A comment on its own line stays on its own line,
//! before the token that followed it (above the doc comment, when that token
//! is the item's first); a comment at the end of a line stays at the end of
//! the line holding the token before it, and that line ends there. Every
//! comment is anchored to a token whose position the syntax tree knows, so
//! comments travel with their clauses when the clauses are put in order, and
//! formatting twice gives the same text as formatting once.
//!
//! A file with syntax errors is not formatted. The output is parsed again and
//! compared with the input's syntax tree (spans aside) before it is handed
//! back, so a bug here can never change what a file means.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, Name};
use crate::source::{FileId, Span, control_characters, is_control_character, offset_u32};
use crate::syntax;
use std::fmt;

/// The line width the layout aims for. Strings are never broken, so a line
/// holding a long label may be longer.
pub const WIDTH: usize = 80;

/// Why a file was not formatted.
#[derive(Clone, Debug)]
pub enum FormatError {
    /// The file does not parse; it is left as it is.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not read back as the same syntax tree: a bug
    /// in privet. The file is left as it is.
    Unstable(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => write!(
                f,
                "the file has {} syntax error{}",
                diagnostics.len(),
                if diagnostics.len() == 1 { "" } else { "s" }
            ),
            FormatError::Unstable(why) => write!(
                f,
                "the formatted text would not mean the same ({why}); this is a bug in privet"
            ),
        }
    }
}

/// Formats the text of one file (its diagnostics, if any, name `file`).
/// A file whose strings or comments hold control characters
/// (`control-character`) is formatted: they are kept where they are.
pub fn format_file(file: FileId, text: &str) -> Result<String, FormatError> {
    let (tree, diagnostics) = syntax::parse_file(file, text);
    let diagnostics = unformattable(text, diagnostics);
    if !diagnostics.is_empty() {
        return Err(FormatError::Syntax(diagnostics));
    }
    let output = keep_line_endings(text, print_file(&tree, text));
    let (again, problems) = syntax::parse_file(file, &output);
    let problems = syntax_errors(problems);
    if !problems.is_empty() {
        return Err(FormatError::Unstable(format!(
            "it has a syntax error: {}",
            problems
                .first()
                .map(|problem| problem.message.as_str())
                .unwrap_or("")
        )));
    }
    if normalised(&again) != normalised(&tree) {
        return Err(FormatError::Unstable(
            "its syntax tree differs from the original's".to_string(),
        ));
    }
    Ok(output)
}

/// What keeps a file from being formatted: its syntax errors, and a
/// carriage return without a line feed, which the grammar takes for a space
/// between tokens and which, ending a comment, the line end the layout
/// writes after it would turn into a CRLF: the file would no longer say
/// what it said (its `control-character` error gone with it). The error of
/// each string, comment or line holding one is kept.
fn unformattable(text: &str, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let lone_returns: Vec<u32> = control_characters(text)
        .filter(|(_, c)| *c == '\r')
        .map(|(at, _)| offset_u32(at))
        .collect();
    let holds_lone_return = |diagnostic: &Diagnostic| {
        let region = diagnostic
            .suggestion
            .as_ref()
            .map_or(diagnostic.primary.span, |suggestion| suggestion.span);
        let (start, end) = (
            region.start.min(diagnostic.primary.span.start),
            region.end.max(diagnostic.primary.span.end),
        );
        lone_returns.iter().any(|at| start <= *at && *at < end)
    };
    diagnostics
        .into_iter()
        .filter(|diagnostic| {
            diagnostic.name == Name::SyntaxError
                || (diagnostic.name == Name::ControlCharacter && holds_lone_return(diagnostic))
        })
        .collect()
}

/// A comment's text without its trailing whitespace, except whitespace that
/// is a control character (a lone carriage return, a form feed, U+0085):
/// that is reported as `control-character`, and formatting must not drop
/// what a diagnostic is about.
fn trim_layout_end(text: &str) -> &str {
    text.trim_end_matches(|c: char| c.is_whitespace() && !is_control_character(c))
}

fn syntax_errors(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|diagnostic| diagnostic.name == Name::SyntaxError)
        .collect()
}

/// The byte order mark a file may start with.
const BOM: char = '\u{feff}';

/// The layout's text (LF line endings, no byte order mark) with the input's
/// byte order mark and line endings: a file whose first line ends in CRLF
/// keeps CRLF on every line, so a Windows checkout stays as it is and
/// `fmt --check` judges the layout alone.
fn keep_line_endings(input: &str, output: String) -> String {
    let body = output.strip_prefix(BOM).unwrap_or(&output);
    let crlf = input
        .find('\n')
        .is_some_and(|end| input.get(..end).is_some_and(|line| line.ends_with('\r')));
    let mut kept = String::with_capacity(output.len() + output.len() / 16 + 3);
    if input.starts_with(BOM) {
        kept.push(BOM);
    }
    if crlf {
        let mut lines = body.split('\n').peekable();
        while let Some(line) = lines.next() {
            kept.push_str(line.trim_end_matches('\r'));
            if lines.peek().is_some() {
                kept.push_str("\r\n");
            }
        }
    } else {
        kept.push_str(body);
    }
    kept
}

/// Formats the text of one file.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    format_file(FileId(0), text)
}

/// The syntax tree as text without its spans, with the whitespace the
/// formatter trims from doc comments and comments trimmed too: two files
/// that say the same and carry the same comments give the same text.
fn normalised(tree: &File) -> String {
    let mut tree = tree.clone();
    for item in &mut tree.items {
        for doc in &mut item.docs {
            doc.value = trim_layout_end(&doc.value).to_string();
        }
    }
    let mut comments: Vec<&str> = tree
        .comments
        .iter()
        .map(|comment| trim_layout_end(&comment.text))
        .collect();
    // Comments travel with the clauses they belong to, and clauses may be
    // put in their canonical order: the comments are compared as a set.
    comments.sort_unstable();
    crate::source::strip_spans(&format!("{:?}{comments:?}", tree.items))
}

// ------------------------------------------------------------------ layout

/// A run of text that is never broken: a keyword glued to the token after
/// it, or one element of a list with its comma.
#[derive(Debug)]
struct Seg {
    text: String,
    /// Where the seg's first known token is in the source: comments are
    /// placed relative to it.
    anchor: u32,
    /// Whether a line may break before it (list elements after the first).
    breakable: bool,
    /// Comments on their own lines before it.
    before: Vec<usize>,
    /// Comments at the end of its line, after it.
    after: Vec<usize>,
}

/// A clause: its own segs on one line, the clauses under it (on the same
/// line when everything fits), and the lines that always stand on their own
/// (citations and `except` clauses).
#[derive(Debug, Default)]
struct Block {
    segs: Vec<Seg>,
    children: Vec<Block>,
    tail: Vec<Block>,
    /// Always on its own line (a store's `retain` clauses).
    own_line: bool,
}

/// Builds the segs of one line: keywords are held until the next token, so
/// they travel with it.
struct Line {
    segs: Vec<Seg>,
    pending: String,
    last_anchor: u32,
}

impl Line {
    fn new(anchor: u32) -> Self {
        Line {
            segs: Vec::new(),
            pending: String::new(),
            last_anchor: anchor,
        }
    }

    fn keyword(&mut self, word: &str) -> &mut Self {
        if !self.pending.is_empty() {
            self.pending.push(' ');
        }
        self.pending.push_str(word);
        self
    }

    fn token_with(&mut self, text: &str, anchor: u32, breakable: bool) -> &mut Self {
        let mut joined = std::mem::take(&mut self.pending);
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(text);
        self.segs.push(Seg {
            text: joined,
            anchor,
            breakable,
            before: Vec::new(),
            after: Vec::new(),
        });
        self.last_anchor = anchor;
        self
    }

    fn token(&mut self, text: &str, span: Span) -> &mut Self {
        self.token_with(text, span.start, false)
    }

    fn ident(&mut self, ident: &Ident) -> &mut Self {
        self.token(&ident.text, ident.span)
    }

    fn string(&mut self, text: &Text) -> &mut Self {
        self.token(&quote(&text.value), text.span)
    }

    /// A comma-separated list; a line may break after each comma.
    fn list(&mut self, names: &[Ident]) -> &mut Self {
        let count = names.len();
        for (index, name) in names.iter().enumerate() {
            let text = if index + 1 < count {
                format!("{},", name.text)
            } else {
                name.text.clone()
            };
            self.token_with(&text, name.span.start, index > 0);
        }
        self
    }

    fn duration(&mut self, duration: &DurationRef) -> &mut Self {
        match duration {
            DurationRef::Literal(literal) => self.token(
                &format!("{} {}", literal.amount.value, literal.unit.value),
                literal.span,
            ),
            DurationRef::Named(name) => self.ident(name),
        }
    }

    fn finish(mut self) -> Vec<Seg> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let anchor = self.last_anchor;
            self.token_with(&pending, anchor, false);
        }
        self.segs
    }

    fn block(self) -> Block {
        Block {
            segs: self.finish(),
            ..Block::default()
        }
    }
}

/// `"..."` with the escapes the language knows.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

fn cite_block(cite: &Option<Text>) -> Option<Block> {
    cite.as_ref().map(|cite| {
        let mut line = Line::new(cite.span.start);
        line.keyword("cite").string(cite);
        line.block()
    })
}

fn basis_word(word: BasisWord) -> &'static str {
    match word {
        BasisWord::Under => "under",
        BasisWord::With => "with",
    }
}

/// A clause of a keyword and a list, when the list is not empty.
fn list_clause(keyword: &str, names: &[Ident], anchor: u32) -> Option<Block> {
    if names.is_empty() {
        return None;
    }
    let mut line = Line::new(anchor);
    line.keyword(keyword).list(names);
    Some(line.block())
}

/// `archive`, `archive encrypted isolated`, ...
fn archive_words(encrypted: bool, isolated: bool) -> String {
    let mut words = String::from("archive");
    if encrypted {
        words.push_str(" encrypted");
    }
    if isolated {
        words.push_str(" isolated");
    }
    words
}

/// The phases of a lifecycle as clauses; `forever` goes on the head line.
fn lifecycle(head: &mut Line, lifecycle: &Lifecycle) -> Vec<Block> {
    let LifecycleKind::Phased {
        while_state,
        hold,
        end,
        end_span,
    } = &lifecycle.kind
    else {
        head.token("forever", lifecycle.span);
        return Vec::new();
    };
    let mut phases = phase_blocks(None, while_state.as_ref(), hold.as_deref());
    let mut line = Line::new(end_span.start);
    if !phases.is_empty() {
        line.keyword("then");
    }
    let how = match end {
        EndAction::Delete => "delete".to_string(),
        EndAction::Anonymize => "anonymize".to_string(),
        EndAction::Archive {
            encrypted,
            isolated,
        } => archive_words(*encrypted, *isolated),
    };
    line.token(&how, *end_span);
    phases.push(line.block());
    phases
}

/// The `while` and hold phases of a lifecycle or a floor, the first
/// starting with `lead` (`at least`) if given.
fn phase_blocks(
    lead: Option<&str>,
    while_state: Option<&Ident>,
    hold: Option<&HoldPhase>,
) -> Vec<Block> {
    let mut phases = Vec::new();
    if let Some(state) = while_state {
        let mut line = Line::new(state.span.start);
        if let Some(lead) = lead {
            line.keyword(lead);
        }
        line.keyword("while").ident(state);
        phases.push(line.block());
    }
    if let Some(hold) = hold {
        let mut line = Line::new(hold.span.start);
        if !phases.is_empty() {
            line.keyword("then");
        } else if let Some(lead) = lead {
            line.keyword(lead);
        }
        if let Some(event) = &hold.after {
            line.keyword("after").ident(event);
        }
        let how = match hold.hold {
            Hold::Keep => "keep".to_string(),
            Hold::Archive {
                encrypted,
                isolated,
            } => archive_words(encrypted, isolated),
        };
        line.keyword(&how).keyword("for").duration(&hold.duration);
        if hold.without_commercial_use {
            line.keyword("without commercial use");
        }
        phases.push(line.block());
    }
    phases
}

/// The block of one item: its head, clauses, citation and exceptions.
fn item_block(item: &Item) -> Block {
    let start = item.keyword.start;
    let mut head = Line::new(start);
    let mut children: Vec<Option<Block>> = Vec::new();
    let mut tail: Vec<Block> = Vec::new();
    let cite: &Option<Text> = match &item.kind {
        ItemKind::Policy(policy) => {
            head.keyword("policy").ident(&policy.name);
            if let Some(label) = &policy.label {
                head.string(label);
            }
            if let Some(date) = &policy.updated {
                let mut line = Line::new(date.span.start);
                line.keyword("updated").token(&date.value, date.span);
                children.push(Some(line.block()));
            }
            &policy.cite
        }
        ItemKind::Declaration(declaration) => {
            head.keyword(declaration.kind.keyword())
                .ident(&declaration.name);
            if let Some(label) = &declaration.label {
                head.string(label);
            }
            for flag in &declaration.flags {
                head.token(flag.flag.keyword(), flag.span);
            }
            if let Some(age) = &declaration.under_age {
                head.keyword("under age").token(&age.value, age.span);
            }
            children.push(list_clause("for", &declaration.purposes, start));
            children.push(list_clause(
                "compatible with",
                &declaration.compatible,
                start,
            ));
            if let Some(span) = declaration.new_purpose {
                let mut line = Line::new(span.start);
                line.token("for new purpose", span);
                children.push(Some(line.block()));
            }
            if let Some(notice) = &declaration.notice {
                let mut line = Line::new(notice.span.start);
                line.keyword("after notice").ident(notice);
                children.push(Some(line.block()));
            }
            &declaration.cite
        }
        ItemKind::Duration(duration) => {
            head.keyword("duration").ident(&duration.name);
            head.keyword("=");
            head.duration(&DurationRef::Literal(duration.value.clone()));
            if let Some(label) = &duration.label {
                head.string(label);
            }
            &duration.cite
        }
        ItemKind::Technology(technology) => {
            head.keyword("technology").ident(&technology.name);
            if let Some(label) = &technology.label {
                head.string(label);
            }
            children.push(list_clause("for", &technology.purposes, start));
            if let Some(opt_out) = &technology.opt_out {
                let mut line = Line::new(opt_out.span.start);
                line.keyword("opt out by").string(opt_out);
                children.push(Some(line.block()));
            }
            if let Some(opt_out) = &technology.opt_out_name {
                let mut line = Line::new(opt_out.span.start);
                line.keyword("opt out by").ident(opt_out);
                children.push(Some(line.block()));
            }
            &technology.cite
        }
        ItemKind::OptOut(opt_out) => {
            head.keyword("opt out").ident(&opt_out.name);
            if let Some(label) = &opt_out.label {
                head.string(label);
            }
            let mut line = Line::new(start);
            line.keyword("stops");
            match &opt_out.categories {
                Some(categories) => {
                    action_head(&mut line, &opt_out.actions, categories);
                    children.push(Some(line.block()));
                    children.push(list_clause("for", &opt_out.purposes, start));
                }
                None => {
                    line.list(&opt_out.purposes);
                    children.push(Some(line.block()));
                }
            }
            &opt_out.cite
        }
        ItemKind::Obligation(obligation) => {
            head.keyword("obligation").ident(&obligation.name);
            head.string(&obligation.label);
            if let Some(trigger) = &obligation.trigger {
                let mut line = Line::new(start);
                match trigger {
                    Trigger::When(event) => {
                        line.keyword("when").ident(event);
                    }
                    Trigger::After { event, within } => {
                        line.keyword("after").ident(event);
                        if let Some(within) = within {
                            line.keyword("within").duration(within);
                        }
                    }
                    Trigger::AtLeastBefore { lead, event } => {
                        line.keyword("at least").duration(lead);
                        line.keyword("before").ident(event);
                    }
                    Trigger::Before(event) => {
                        line.keyword("before").ident(event);
                    }
                    Trigger::BeforeNewPurpose(span) => {
                        line.keyword("before").token("new purpose", *span);
                    }
                }
                children.push(Some(line.block()));
            }
            &obligation.cite
        }
        ItemKind::Allow(rule) => {
            head.keyword("allow");
            action_head(&mut head, &rule.actions, &rule.categories);
            children.push(list_clause("about", &rule.audiences, start));
            children.push(purposes_clause(rule.purpose_filter, &rule.purposes, start));
            children.push(list_clause("to", &rule.recipients, start));
            if let Some(bases) = &rule.bases {
                children.push(list_clause(basis_word(bases.word), &bases.bases, start));
            }
            children.push(list_clause("in", &rule.regions, start));
            children.push(list_clause("after", &rule.after, start));
            &rule.cite
        }
        ItemKind::Deny(rule) => {
            head.keyword("deny");
            action_head(&mut head, &rule.actions, &rule.categories);
            children.push(list_clause("about", &rule.audiences, start));
            children.push(purposes_clause(rule.purpose_filter, &rule.purposes, start));
            children.push(list_clause("to", &rule.recipients, start));
            children.push(list_clause("in", &rule.regions, start));
            children.push(list_clause("after", &rule.after, start));
            tail.extend(exception_blocks(&rule.exceptions));
            &rule.cite
        }
        ItemKind::Restrict(RestrictRule {
            categories,
            purposes: targets,
            audiences,
            cite,
            exceptions,
        })
        | ItemKind::Confine(ConfineRule {
            categories,
            regions: targets,
            audiences,
            cite,
            exceptions,
        }) => {
            let word = if matches!(item.kind, ItemKind::Restrict(_)) {
                "restrict"
            } else {
                "confine"
            };
            head.keyword(word).list(categories);
            children.push(list_clause("to", targets, start));
            children.push(list_clause("about", audiences, start));
            tail.extend(exception_blocks(exceptions));
            cite
        }
        ItemKind::Retain(rule) => {
            head.keyword("retain");
            head.list(&rule.categories);
            if !rule.purposes.is_empty() {
                head.keyword("for").list(&rule.purposes);
            }
            children.extend(lifecycle(&mut head, &rule.lifecycle).into_iter().map(Some));
            &rule.cite
        }
        ItemKind::Floor(rule) => {
            head.keyword("retain");
            head.list(&rule.categories);
            if !rule.purposes.is_empty() {
                head.keyword("for").list(&rule.purposes);
            }
            let floor = &rule.floor;
            children.extend(
                phase_blocks(
                    Some("at least"),
                    floor.while_state.as_ref(),
                    floor.hold.as_deref(),
                )
                .into_iter()
                .map(Some),
            );
            &rule.cite
        }
        ItemKind::LegalHold(rule) => {
            head.keyword("hold");
            head.list(&rule.categories);
            if !rule.purposes.is_empty() {
                head.keyword("for").list(&rule.purposes);
            }
            let mut line = Line::new(rule.state.span.start);
            line.keyword("while").ident(&rule.state);
            children.push(Some(line.block()));
            &rule.cite
        }
        ItemKind::Require(rule) => {
            head.keyword("require");
            head.list(&rule.safeguards);
            let mut line = Line::new(start);
            line.keyword("for").keyword(match rule.target {
                RequireTarget::Stores => "stores",
                RequireTarget::Flows => "flows",
            });
            line.keyword("of");
            selector(&mut line, &rule.categories);
            children.push(Some(line.block()));
            &rule.cite
        }
        ItemKind::Honour(rule) => {
            head.keyword("honour do not");
            head.token_with("track", start, false);
            children.push(list_clause("for", &rule.purposes, start));
            &rule.cite
        }
        ItemKind::Node(node) => {
            head.keyword(node.kind.keyword()).ident(&node.name);
            if let Some(label) = &node.label {
                head.string(label);
            }
            if let Some(party) = &node.party {
                head.keyword("is").ident(party);
            }
            if !node.audiences.is_empty() {
                head.keyword("is").list(&node.audiences);
            }
            let regions = list_clause("in", &node.regions, start);
            if node.kind == NodeKind::Tracker {
                children.push(list_clause("using", &node.technologies, start));
                children.push(honours_clause(node.honours_dnt));
                children.push(list_clause(
                    "honours opt out",
                    &node.honours_opt_outs,
                    start,
                ));
                children.push(regions);
            } else {
                if !node.regions.is_empty() {
                    head.keyword("in").list(&node.regions);
                }
                children.push(list_clause("protected by", &node.protection, start));
                if let Some(backing) = &node.backing {
                    let mut line = Line::new(backing.span.start);
                    line.keyword("backed by").ident(&backing.technology);
                    for (key, value) in &backing.settings {
                        let setting = format!("{} {}", key.text, quote(&value.value));
                        line.token_with(&setting, key.span.start, true);
                    }
                    children.push(Some(line.block()));
                }
                for retain in &node.retains {
                    let mut line = Line::new(retain.span.start);
                    line.keyword("retain");
                    line.list(&retain.categories);
                    let phases = lifecycle(&mut line, &retain.lifecycle);
                    children.push(Some(Block {
                        segs: line.finish(),
                        children: phases,
                        tail: Vec::new(),
                        own_line: true,
                    }));
                }
            }
            &node.cite
        }
        ItemKind::Flow(flow) => {
            head.keyword("flow").ident(&flow.from);
            head.keyword("->").ident(&flow.to);
            let mut line = Line::new(start);
            line.keyword("carries");
            if let Some((transform, span)) = &flow.transform {
                line.token(
                    match transform {
                        Transform::Anonymized => "anonymized",
                        Transform::Pseudonymized => "pseudonymized",
                    },
                    *span,
                );
            }
            line.list(&flow.categories);
            children.push(Some(line.block()));
            children.push(list_clause("for", &flow.purposes, start));
            if let Some(bases) = &flow.bases {
                children.push(list_clause(basis_word(bases.word), &bases.bases, start));
            }
            children.push(list_clause("protected by", &flow.protection, start));
            children.push(honours_clause(flow.honours_dnt));
            if let Some(phase) = &flow.phase {
                let mut line = Line::new(phase.span.start);
                match &phase.state {
                    Some(state) => {
                        line.keyword("while").ident(state);
                    }
                    None => {
                        line.keyword("after").list(&phase.events);
                    }
                }
                children.push(Some(line.block()));
            }
            children.push(list_clause(
                "honours opt out",
                &flow.honours_opt_outs,
                start,
            ));
            children.push(list_clause("notified by", &flow.notified, start));
            &flow.cite
        }
        ItemKind::Section(section) => {
            head.keyword("section").string(&section.id);
            head.string(&section.title);
            &None
        }
    };
    let mut tail_blocks: Vec<Block> = cite_block(cite).into_iter().collect();
    tail_blocks.extend(tail);
    Block {
        segs: head.finish(),
        children: children.into_iter().flatten().collect(),
        tail: tail_blocks,
        own_line: false,
    }
}

/// `for PURPOSES`, `for commercial` or `for commercial PURPOSES`.
fn purposes_clause(filter: Option<Flag>, names: &[Ident], anchor: u32) -> Option<Block> {
    let Some(filter) = filter else {
        return list_clause("for", names, anchor);
    };
    let mut line = Line::new(anchor);
    line.keyword("for")
        .token(filter.flag.keyword(), filter.span);
    if !names.is_empty() {
        line.list(names);
    }
    Some(line.block())
}

fn honours_clause(span: Option<Span>) -> Option<Block> {
    span.map(|span| {
        let mut line = Line::new(span.start);
        line.token("honours do not track", span);
        line.block()
    })
}

/// `collect, use of [sensitive] user, device`
fn action_head(line: &mut Line, actions: &[Ident], categories: &CategorySelector) {
    line.list(actions);
    line.keyword("of");
    selector(line, categories);
}

fn selector(line: &mut Line, categories: &CategorySelector) {
    if let Some(filter) = &categories.filter {
        line.token(filter.flag.keyword(), filter.span);
    }
    line.list(&categories.names);
}

/// The `except` clauses of a rule; an `except deny` stands under the
/// exception before it, which it narrows.
fn exception_blocks(exceptions: &[Exception]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for exception in exceptions {
        let mut line = Line::new(exception.span.start);
        line.token(
            match exception.effect {
                ExceptEffect::Lift => "except",
                ExceptEffect::Allow => "except allow",
                ExceptEffect::Deny => "except deny",
            },
            exception.keyword,
        );
        let mut clauses: Vec<(&str, Option<Flag>, &[Ident])> = vec![
            ("about", None, &exception.audiences),
            ("for", exception.purpose_filter, &exception.purposes),
            ("to", None, &exception.recipients),
        ];
        if let Some(bases) = &exception.bases {
            clauses.push((basis_word(bases.word), None, &bases.bases));
        }
        clauses.push(("in", None, &exception.regions));
        clauses.retain(|(_, filter, names)| filter.is_some() || !names.is_empty());
        // The first clause stays on the `except` line; the others may go
        // below it.
        let mut rest = clauses.into_iter();
        if !exception.categories.names.is_empty() {
            line.keyword("of");
            selector(&mut line, &exception.categories);
        } else if let Some((keyword, filter, names)) = rest.next() {
            line.keyword(keyword);
            if let Some(filter) = filter {
                line.token(filter.flag.keyword(), filter.span);
            }
            if !names.is_empty() {
                line.list(names);
            }
        }
        let children: Vec<Block> = rest
            .filter_map(|(keyword, filter, names)| match filter {
                Some(_) => purposes_clause(filter, names, exception.span.start),
                None => list_clause(keyword, names, exception.span.start),
            })
            .collect();
        let block = Block {
            segs: line.finish(),
            children,
            tail: cite_block(&exception.cite).into_iter().collect(),
            own_line: false,
        };
        match (exception.effect, blocks.last_mut()) {
            (ExceptEffect::Deny, Some(narrowed)) => narrowed.tail.push(block),
            _ => blocks.push(block),
        }
    }
    blocks
}

// ------------------------------------------------------------------ comments

/// The segs of a block in output order.
fn segs_mut<'a>(block: &'a mut Block, out: &mut Vec<&'a mut Seg>) {
    out.extend(block.segs.iter_mut());
    for child in &mut block.children {
        segs_mut(child, out);
    }
    for line in &mut block.tail {
        segs_mut(line, out);
    }
}

/// Comments that stand on their own lines before an item (and its doc
/// comment) or after it.
struct Outside {
    leading: Vec<usize>,
    trailer: Vec<usize>,
}

/// Attaches the comments of one item (indices into `comments`, with whether
/// each stands on its own line) to its segs.
fn attach(block: &mut Block, comments: &[Comment], mine: &[(usize, bool)]) -> Outside {
    let mut segs = Vec::new();
    segs_mut(block, &mut segs);
    let mut trailer = Vec::new();
    for &(index, own_line) in mine {
        let Some(comment) = comments.get(index) else {
            continue;
        };
        let at = comment.span.start;
        if own_line {
            // Before the seg with the nearest anchor after the comment.
            let next = segs
                .iter()
                .enumerate()
                .filter(|(_, seg)| seg.anchor > at)
                .min_by_key(|(position, seg)| (seg.anchor, *position))
                .map(|(position, _)| position);
            match next.and_then(|position| segs.get_mut(position)) {
                Some(seg) => seg.before.push(index),
                None => trailer.push(index),
            }
        } else {
            // After the seg with the nearest anchor before the comment.
            let previous = segs
                .iter()
                .enumerate()
                .filter(|(_, seg)| seg.anchor < at)
                .max_by_key(|(position, seg)| (seg.anchor, *position))
                .map_or(0, |(position, _)| position);
            if let Some(seg) = segs.get_mut(previous) {
                seg.after.push(index);
            }
        }
    }
    // A line ends with at most one comment; the others go on their own lines
    // before what comes next.
    let count = segs.len();
    for position in 0..count {
        let extra: Vec<usize> = match segs.get_mut(position) {
            Some(seg) if seg.after.len() > 1 => seg.after.split_off(1),
            _ => continue,
        };
        match segs.get_mut(position + 1) {
            Some(next) => {
                next.before.extend(extra);
                next.before.sort_unstable();
            }
            None => trailer.extend(extra),
        }
    }
    // Nothing stands between a doc comment and its item: comments before the
    // first token go above the doc comment.
    let leading = segs
        .first_mut()
        .map(|seg| std::mem::take(&mut seg.before))
        .unwrap_or_default();
    Outside { leading, trailer }
}

// ------------------------------------------------------------------ printing

struct Printer<'a> {
    comments: &'a [Comment],
    lines: Vec<String>,
}

fn width(text: &str) -> usize {
    text.chars().count()
}

impl Printer<'_> {
    fn comment_text(&self, index: usize) -> String {
        let text = self
            .comments
            .get(index)
            .map_or("", |c| trim_layout_end(&c.text));
        format!("//{text}")
    }

    fn push(&mut self, indent: usize, text: &str) {
        self.lines.push(format!("{}{text}", " ".repeat(indent)));
    }

    fn own_line_comments(&mut self, indent: usize, comments: &[usize]) {
        for index in comments {
            let text = self.comment_text(*index);
            self.push(indent, &text);
        }
    }

    /// Whether a block and its children can be one line: no clause that
    /// must stand alone, and no comment inside (one before it or at its end
    /// is fine).
    fn flat_segs<'b>(block: &'b Block, out: &mut Vec<&'b Seg>) -> bool {
        out.extend(block.segs.iter());
        let mut ok = true;
        for child in &block.children {
            ok &= !child.own_line && Self::flat_segs(child, out);
        }
        ok
    }

    fn block(&mut self, block: &Block, indent: usize) {
        let mut flat = Vec::new();
        let mut fits = Self::flat_segs(block, &mut flat);
        let last = flat.len().saturating_sub(1);
        for (position, seg) in flat.iter().enumerate() {
            if (position > 0 && !seg.before.is_empty())
                || (position < last && !seg.after.is_empty())
            {
                fits = false;
            }
        }
        let joined: Vec<&str> = flat.iter().map(|seg| seg.text.as_str()).collect();
        let joined = joined.join(" ");
        if fits && indent + width(&joined) <= WIDTH {
            if let Some(first) = flat.first() {
                self.own_line_comments(indent, &first.before);
            }
            let mut line = joined;
            if let Some(comment) = flat.last().and_then(|seg| seg.after.first()) {
                line.push(' ');
                line.push_str(&self.comment_text(*comment));
            }
            self.push(indent, &line);
        } else {
            let nested = !block.children.is_empty() || !block.tail.is_empty();
            let continuation = if indent > 0 && !nested {
                indent + 4
            } else {
                indent + 8
            };
            self.fill(&block.segs, indent, continuation);
            for child in &block.children {
                self.block(child, indent + 4);
            }
        }
        for line in &block.tail {
            self.block(line, indent + 4);
        }
    }

    /// Prints segs at `indent`, breaking before a breakable seg that would
    /// pass the width, and wherever a comment stands.
    fn fill(&mut self, segs: &[Seg], indent: usize, continuation: usize) {
        let mut line = String::new();
        let mut line_indent = indent;
        for (position, seg) in segs.iter().enumerate() {
            if !seg.before.is_empty() {
                if !line.is_empty() {
                    self.push(line_indent, &line);
                    line.clear();
                    line_indent = continuation;
                }
                let at = if position == 0 { indent } else { continuation };
                self.own_line_comments(at, &seg.before);
            }
            if !line.is_empty()
                && seg.breakable
                && line_indent + width(&line) + 1 + width(&seg.text) > WIDTH
            {
                self.push(line_indent, &line);
                line.clear();
                line_indent = continuation;
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&seg.text);
            if let Some(comment) = seg.after.first() {
                line.push(' ');
                line.push_str(&self.comment_text(*comment));
                self.push(line_indent, &line);
                line.clear();
                line_indent = continuation;
            }
        }
        if !line.is_empty() {
            self.push(line_indent, &line);
        }
    }
}

/// Where a comment stands relative to the items of its file.
enum Place {
    /// Inside or at the end of item `n`; `true` when on its own line.
    Item(usize, bool),
    /// Between items, on its own line.
    Between,
}

/// Prints a parsed file in the canonical layout.
fn print_file(tree: &File, text: &str) -> String {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(index, _)| index + 1),
        )
        .collect();
    let line_of = |offset: u32| -> usize {
        match line_starts.binary_search(&(offset as usize)) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    };
    let own_line = |comment: &Comment| -> bool {
        let start = line_starts
            .get(line_of(comment.span.start))
            .copied()
            .unwrap_or(0);
        text.get(start..comment.span.start as usize)
            .is_none_or(|before| before.trim().is_empty() || before == "\u{feff}")
    };

    // Where each item's last token ends.
    let ends: Vec<u32> = tree
        .items
        .iter()
        .map(|item| {
            let end = crate::syntax::split::content_end(
                text,
                item.keyword.start as usize,
                item.span.end as usize,
            );
            crate::source::offset_u32(end)
        })
        .collect();

    // Which item each comment belongs to.
    let mut per_item: Vec<Vec<(usize, bool)>> = vec![Vec::new(); tree.items.len()];
    let mut between: Vec<usize> = Vec::new();
    for (index, comment) in tree.comments.iter().enumerate() {
        let at = comment.span.start;
        let alone = own_line(comment);
        // The last item starting before the comment.
        let candidate = tree
            .items
            .partition_point(|item| item.keyword.start < at)
            .checked_sub(1);
        let place = match candidate.and_then(|n| ends.get(n).map(|end| (n, *end))) {
            Some((n, end)) if at < end => Place::Item(n, alone),
            Some((n, end)) if !alone && line_of(at) == line_of(end.saturating_sub(1)) => {
                Place::Item(n, false)
            }
            _ => Place::Between,
        };
        match place {
            Place::Item(n, alone) => {
                if let Some(list) = per_item.get_mut(n) {
                    list.push((index, alone));
                }
            }
            Place::Between => between.push(index),
        }
    }

    // The elements of the file in source order: (first line, last line, what).
    enum Element<'a> {
        Item(&'a Item, Vec<(usize, bool)>),
        Comment(usize),
    }
    let mut elements: Vec<(usize, usize, Element<'_>)> = Vec::new();
    for ((item, mine), end) in tree.items.iter().zip(per_item).zip(&ends) {
        let first = item
            .docs
            .first()
            .map_or(item.keyword.start, |d| d.span.start);
        let mut last = line_of(end.saturating_sub(1));
        for (index, _) in &mine {
            if let Some(comment) = tree.comments.get(*index) {
                last = last.max(line_of(comment.span.start));
            }
        }
        elements.push((line_of(first), last, Element::Item(item, mine)));
    }
    for index in between {
        if let Some(comment) = tree.comments.get(index) {
            let line = line_of(comment.span.start);
            elements.push((line, line, Element::Comment(index)));
        }
    }
    elements.sort_by_key(|(first, last, _)| (*first, *last));

    let mut printer = Printer {
        comments: &tree.comments,
        lines: Vec::new(),
    };
    let mut previous_last: Option<usize> = None;
    for (first, last, element) in elements {
        if previous_last.is_some_and(|previous| first > previous + 1) {
            printer.lines.push(String::new());
        }
        previous_last = Some(last);
        match element {
            Element::Comment(index) => printer.own_line_comments(0, &[index]),
            Element::Item(item, mine) => {
                let mut block = item_block(item);
                let outside = attach(&mut block, &tree.comments, &mine);
                printer.own_line_comments(0, &outside.leading);
                for doc in &item.docs {
                    let value = trim_layout_end(&doc.value);
                    if value.is_empty() {
                        printer.lines.push("///".to_string());
                    } else {
                        printer.lines.push(format!("/// {value}"));
                    }
                }
                printer.block(&block, 0);
                printer.own_line_comments(0, &outside.trailer);
            }
        }
    }
    let mut out = printer.lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
