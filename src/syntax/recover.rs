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
    let start = keyword_start(text)?;
    let rest = text.get(start..)?;
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
    let name = name_text.get(..name_len)?;
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || name.ends_with('.')
        || name.contains("..")
    {
        return None;
    }
    let at = |offset: usize| offset_u32(base + start + offset);
    let keyword_span = Span::new(file, at(0), at(keyword_len));
    let name_start = keyword_len + gap;
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

/// Where the item keyword starts, after doc comments, comments and blank
/// lines.
pub(super) fn keyword_start(text: &str) -> Option<usize> {
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
