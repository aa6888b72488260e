//! The document as Markdown: every user string inert on GitHub
//! ([`markup::markdown_inert`], [`markup::markdown_code`]), the picture as
//! an image beside it.

use super::model::{Block, Document, Inline};
use crate::render::markup;
use std::fmt::Write as _;

fn md_inlines(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) => markup::markdown_inert(t),
            Inline::Code(c) => markup::markdown_code(c),
            Inline::Strong(s) => format!("**{}**", markup::markdown_inert(s)),
            // Ids are privet's own (`flow-3`), never user text.
            Inline::Link(words, id) => format!("[{}](#{id})", markup::markdown_inert(words)),
            Inline::Anchor(id) => format!("<a id=\"{id}\"></a>"),
        })
        .collect()
}

fn md_cite(cite: &Option<String>) -> String {
    match cite {
        Some(cite) => format!(" *(cite \"{}\")*", markup::markdown_inert(cite)),
        None => String::new(),
    }
}

/// The document as Markdown. `picture` names the SVG file written beside
/// it.
pub fn markdown(document: &Document, picture: &str) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        match block {
            Block::Heading(level, title) => {
                let _ = writeln!(
                    out,
                    "{} {}\n",
                    "#".repeat(usize::from(*level)),
                    markup::markdown_inert(title)
                );
            }
            Block::Paragraph(inlines) => {
                let _ = writeln!(out, "{}\n", md_inlines(inlines));
            }
            Block::Entries(entries) => {
                if entries.is_empty() {
                    continue;
                }
                for entry in entries {
                    let _ = writeln!(out, "- {}{}", md_inlines(&entry.text), md_cite(&entry.cite));
                    for (words, cite) in &entry.exceptions {
                        let _ = writeln!(out, "  - {}{}", md_inlines(words), md_cite(cite));
                    }
                    if let Some(doc) = &entry.doc {
                        for line in doc.lines() {
                            let _ = writeln!(out, "  > {}", markup::markdown_inert(line));
                        }
                    }
                }
                out.push('\n');
            }
            Block::Table { head, rows } => {
                if rows.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "| {} |", head.join(" | "));
                let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|cell| md_inlines(cell)).collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out.push('\n');
            }
            Block::Picture(_) => {
                let _ = writeln!(out, "![the data map]({picture})\n");
            }
        }
    }
    out
}
