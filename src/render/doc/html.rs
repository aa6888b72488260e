//! The document as one self-contained HTML file: inline style, the picture
//! as inline SVG, no script and no fetch of any kind (a
//! Content-Security-Policy forbids both); every user string escaped with
//! [`markup::xml`].

use super::model::{Block, Document, Inline};
use super::svg::svg;
use crate::render::markup;
use std::fmt::Write as _;

fn html_inlines(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) => markup::xml(t),
            Inline::Code(c) => format!("<code>{}</code>", markup::xml(c)),
            Inline::Strong(s) => format!("<strong>{}</strong>", markup::xml(s)),
            Inline::Link(words, id) => {
                format!(
                    "<a href=\"#{}\">{}</a>",
                    markup::xml(id),
                    markup::xml(words)
                )
            }
            Inline::Anchor(id) => format!("<a id=\"{}\"></a>", markup::xml(id)),
        })
        .collect()
}

fn html_cite(cite: &Option<String>) -> String {
    match cite {
        Some(cite) => format!(" <span class=\"cite\">cite “{}”</span>", markup::xml(cite)),
        None => String::new(),
    }
}

/// The picture scales down to the page's width (never a scrolling box) and
/// prints on a landscape page of its own, whatever the paper.
const STYLE: &str = "body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}\
h1,h2,h3{font-family:sans-serif}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}\
code{font-size:.9em;background:#f3f3f3;padding:0 .2em;border-radius:3px}\
table{border-collapse:collapse;margin:1rem 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left;overflow-wrap:break-word}\
.cite{color:#666;font-size:.85em;white-space:nowrap}blockquote{margin:.3em 0 .3em 1em;color:#444;font-style:italic}\
li{margin:.4em 0}.picture{margin:1rem 0}.picture svg{display:block;max-width:100%;height:auto}\
@page{margin:12mm}@page map{size:landscape}\
@media print{body{max-width:none;margin:0;padding:0}h2,h3{break-after:avoid}tr,li{break-inside:avoid}\
.picture{page:map;break-before:page;break-after:page;break-inside:avoid}.cite{white-space:normal}}";

/// The document as one self-contained HTML file.
pub fn html(document: &Document) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", markup::xml(&document.title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    for block in &document.blocks {
        match block {
            Block::Heading(level, title) => {
                let id: String = title
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "<h{level} id=\"{}\">{}</h{level}>",
                    markup::xml(&id),
                    markup::xml(title)
                );
            }
            Block::Paragraph(inlines) => {
                let _ = writeln!(out, "<p>{}</p>", html_inlines(inlines));
            }
            Block::Entries(entries) => {
                if entries.is_empty() {
                    continue;
                }
                out.push_str("<ul class=\"rules\">\n");
                for entry in entries {
                    let _ = write!(
                        out,
                        "<li>{}{}",
                        html_inlines(&entry.text),
                        html_cite(&entry.cite)
                    );
                    if !entry.exceptions.is_empty() {
                        out.push_str("<ul>");
                        for (words, cite) in &entry.exceptions {
                            let _ =
                                write!(out, "<li>{}{}</li>", html_inlines(words), html_cite(cite));
                        }
                        out.push_str("</ul>");
                    }
                    if let Some(doc) = &entry.doc {
                        let _ = write!(out, "<blockquote>{}</blockquote>", markup::xml(doc));
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                if rows.is_empty() {
                    continue;
                }
                out.push_str("<table>\n<thead><tr>");
                for cell in head {
                    let _ = write!(out, "<th>{}</th>", markup::xml(cell));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let _ = write!(out, "<td>{}</td>", html_inlines(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Picture(picture) => {
                let _ = write!(out, "<div class=\"picture\">\n{}</div>\n", svg(picture));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
