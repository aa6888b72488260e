//! The document of `privet doc` as data: blocks of inline runs, rule
//! entries with their citations, tables and the data-map picture, written
//! in each language by its own writer (`markdown`, `html`, `svg`).

use crate::render::layout;

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// A name of the program, shown as code.
    Code(String),
    Strong(String),
    /// A link to a place in the document: its words and the place's id.
    Link(String, String),
    /// A place a link can go to, by its id; shows nothing.
    Anchor(String),
}

/// One rule or statement, with what traces it to the notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub text: Vec<Inline>,
    pub cite: Option<String>,
    pub doc: Option<String>,
    /// Exceptions: their text and citation.
    pub exceptions: Vec<(Vec<Inline>, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(Vec<Inline>),
    Entries(Vec<Entry>),
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// The data-map picture.
    Picture(Picture),
}

/// The data map, laid out: boxes and polylines.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub layout: layout::Layout,
    /// Per box: a node, or, in a summarised picture, a group of nodes.
    pub nodes: Vec<PictureNode>,
    /// Per arrow (the flows between two boxes): its tooltip, a line per
    /// flow (at most [`crate::render::graph::TOOLTIP_CHARS`] characters), and whether one of them
    /// breaks the policy (`Some(true)` an error, `Some(false)` a warning).
    pub flows: Vec<(String, Option<bool>)>,
    /// Per arrow, the label drawn on it, in two lines: what its flows carry,
    /// and for what, each abbreviated to at most
    /// [`super::PICTURE_LABEL_CHARS`] characters.
    pub labels: Vec<(String, String)>,
    /// How the picture was summarised, with the nodes and flows of the
    /// whole map, when it had more than a person can read.
    pub summary: Option<(Summary, usize, usize)>,
}

/// One box of the picture.
#[derive(Clone, Debug, PartialEq)]
pub struct PictureNode {
    /// The name it shows, at most [`super::PICTURE_NAME_CHARS`] characters.
    pub name: String,
    /// The kind of its node (or nodes), for its colour.
    pub kind: &'static str,
    /// The line under the name: the kind, or how many nodes of it the box
    /// holds.
    pub caption: String,
    /// Its label, or its name (with the whole name when the shown one is
    /// abbreviated); the names of a group's nodes; at most
    /// [`crate::render::graph::TOOLTIP_CHARS`] characters.
    pub tooltip: String,
}

/// How a picture too large to read is drawn instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summary {
    /// Not summarised: a box per node.
    None,
    /// A box per chain of nodes of one kind, each the only way into the next.
    ChainsCollapsed,
    /// A box per kind of node.
    GroupedByKind,
}

/// The rendered document.
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
    /// The record of processing activities, a row per activity (see
    /// [`super::RECORD_HEAD`]), for the CSV file.
    pub record: Vec<Vec<Vec<Inline>>>,
}

pub(super) fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub(super) fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}
