//! Recovery from a broken declaration: when an item that declares a name
//! fails to parse, its keyword and name are usually intact. Declaring the
//! name anyway (with nothing else) keeps every use of it from becoming an
//! `unknown-name` on top of the one `syntax-error`.

use crate::ast::*;
use crate::source::{FileId, Span, offset_u32};

/// The declaration a broken item was meant to be, reduced to its name; or
/// `None` when it is not a declaration or its name is not readable.
/// Durations are not recovered: a duration without its value would make the
/// rules that use it vanish without a word.
pub(super) fn declaration(file: FileId, base: usize, text: &str) -> Option<Item> {
    let Head {
        keyword_at: start,
        keyword,
        name_at,
        name,
    } = head(text)?;
    let keyword_len = keyword.len();
    let name_len = name.len();
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || name.ends_with('.')
        || name.contains("..")
    {
        return None;
    }
    let at = |offset: usize| offset_u32(base + start + offset);
    let keyword_span = Span::new(file, at(0), at(keyword_len));
    let name_start = name_at - start;
    let ident = Ident {
        text: name.to_string(),
        span: Span::new(file, at(name_start), at(name_start + name_len)),
    };
    let declaration = |kind| ItemKind::Declaration(Declaration::bare(kind, ident.clone(), None));
    let node = |kind| ItemKind::Node(NodeDecl::bare(kind, ident.clone()));
    let kind = match keyword {
        "category" => declaration(DeclKind::Category),
        "purpose" => declaration(DeclKind::Purpose),
        "basis" => declaration(DeclKind::Basis),
        "exemption" => declaration(DeclKind::Exemption),
        "region" => declaration(DeclKind::Region),
        "safeguard" => declaration(DeclKind::Safeguard),
        "state" => declaration(DeclKind::State),
        "event" => declaration(DeclKind::Event),
        "principle" => declaration(DeclKind::Principle),
        "right" => declaration(DeclKind::Right),
        "audience" => declaration(DeclKind::Audience),
        "technology" => ItemKind::Technology(TechnologyDecl {
            name: ident.clone(),
            label: None,
            purposes: Vec::new(),
            opt_out: None,
            opt_out_name: None,
            cite: None,
        }),
        "obligation" => ItemKind::Obligation(ObligationDecl {
            name: ident.clone(),
            label: Text::default(),
            trigger: None,
            cite: None,
        }),
        "subject" => node(NodeKind::Subject),
        "system" => node(NodeKind::System),
        "store" => node(NodeKind::Store),
        "authority" => node(NodeKind::Authority),
        "tracker" => node(NodeKind::Tracker),
        _ => return None,
    };
    let head = Span::new(file, keyword_span.start, ident.span.end);
    Some(Item {
        docs: Vec::new(),
        kind,
        span: head,
        keyword: keyword_span,
        head,
        recovered: true,
    })
}

/// An item's keyword and the dotted name written after it (empty when
/// none is), each with where it starts in the item's text.
pub(super) struct Head<'a> {
    pub keyword_at: usize,
    pub keyword: &'a str,
    pub name_at: usize,
    pub name: &'a str,
}

/// The [`Head`] of an item's text, read without parsing: what recovery
/// needs of a broken item, and what the layout check needs of two
/// neighbours.
pub(super) fn head(text: &str) -> Option<Head<'_>> {
    let keyword_at = keyword_start(text)?;
    let rest = text.get(keyword_at..)?;
    let keyword_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let keyword = rest.get(..keyword_len)?;
    let after = rest.get(keyword_len..)?;
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    let name_text = after.get(gap..)?;
    let name_len = name_text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(name_text.len());
    Some(Head {
        keyword_at,
        keyword,
        name_at: keyword_at + keyword_len + gap,
        name: name_text.get(..name_len)?,
    })
}

/// Where the item keyword starts, after doc comments, comments and blank
/// lines.
fn keyword_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            offset += line.len();
            continue;
        }
        return super::split::starts_item(line).then_some(offset);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_declarations_keep_their_names() {
        let item = declaration(
            FileId(0),
            10,
            "/// doc\ncategory user.email \"x\" sensitiv\n",
        )
        .unwrap();
        match item.kind {
            ItemKind::Declaration(d) => {
                assert_eq!(d.name.text, "user.email");
                assert_eq!(d.name.span, Span::new(FileId(0), 27, 37));
            }
            other => panic!("{other:?}"),
        }
        assert!(declaration(FileId(0), 0, "allow use of x fro y\n").is_none());
        assert!(declaration(FileId(0), 0, "duration d = 3 yeers\n").is_none());
        assert!(declaration(FileId(0), 0, "category \"no name\"\n").is_none());
    }
}
