//! The data-map picture of `privet doc`: a box per node and an arrow per
//! pair of nodes with flows between them, laid out by
//! [`crate::render::layout`]. Past what a person can read
//! ([`PICTURE_MAX_BOXES`] boxes or [`PICTURE_MAX_ARROWS`] arrows) the
//! picture is summarised: chains collapsed into one box each, or, when that
//! is not enough, one box per kind of node. The document says so; its
//! tables keep every node and flow. Every step is linear in the data map,
//! and every box and arrow carries a bounded text, so the picture's size is
//! proportional to what it draws.

use super::model::{Picture, PictureNode, Summary};
use super::words::label_of;
use crate::ast::NodeKind;
use crate::check::FlowFinding;
use crate::model::*;
use crate::render::graph::{TOOLTIP_CHARS, flow_label, is_error, violations};
use crate::render::layout;
use crate::render::markup;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The most characters of a node's name the data-map picture shows; the
/// tooltip has the whole name. A node is as wide as its name, so this bounds
/// the picture's width.
pub const PICTURE_NAME_CHARS: usize = 40;

/// The most characters of a line of an arrow's label (what it carries; for
/// what), each named by the broadest name its names share, or the first and
/// how many more. The tooltip has every flow.
pub const PICTURE_LABEL_CHARS: usize = 22;

/// Names in a few words: the one name; else the broadest dotted name they
/// all fall under (`user.contact` for `user.contact.email` and
/// `user.contact.phone`), when it says more than the root alone; else their
/// roots, when they differ and fit; else the first and how many more; in at
/// most `chars` characters, the count kept.
fn shortened(names: &BTreeSet<&str>, chars: usize) -> String {
    let short = |name: &str, chars: usize| markup::abbreviate(name, chars).into_owned();
    let mut iter = names.iter();
    let Some(first) = iter.next() else {
        return String::new();
    };
    if names.len() == 1 {
        return short(first, chars);
    }
    let mut shared: Vec<&str> = first.split('.').collect();
    for name in iter {
        let common = shared
            .iter()
            .zip(name.split('.'))
            .take_while(|(a, b)| **a == *b)
            .count();
        shared.truncate(common);
    }
    if shared.len() > 1 {
        return short(&shared.join("."), chars);
    }
    // Names under different roots: the roots, when they fit
    // (`security, service` for `security.login` and `service.provide`).
    let roots: BTreeSet<&str> = names
        .iter()
        .filter_map(|name| name.split('.').next())
        .collect();
    let joined = roots.iter().copied().collect::<Vec<_>>().join(", ");
    if roots.len() > 1 && joined.chars().count() <= chars {
        return joined;
    }
    let more = format!(" +{} more", names.len() - 1);
    let room = chars.saturating_sub(more.chars().count()).max(1);
    format!("{}{more}", short(first, room))
}

/// An arrow's label: what its flows carry, and for what.
fn arrow_label(program: &Program, flows: &[FlowId]) -> (String, String) {
    let mut categories = BTreeSet::new();
    let mut purposes = BTreeSet::new();
    for id in flows {
        if let Some(flow) = program.flow(*id) {
            categories.extend(
                flow.categories
                    .iter()
                    .map(|(c, _)| program.categories().name(*c)),
            );
            purposes.extend(
                flow.purposes
                    .iter()
                    .map(|(p, _)| program.purposes().name(*p)),
            );
        }
    }
    (
        shortened(&categories, PICTURE_LABEL_CHARS),
        format!("for {}", shortened(&purposes, PICTURE_LABEL_CHARS - 4)),
    )
}

/// The most boxes the picture draws one per node. A picture of more is a
/// texture, not a map a reader can follow (the One Touch policy has 16);
/// past this, or past [`PICTURE_MAX_ARROWS`], the picture is summarised.
pub const PICTURE_MAX_BOXES: usize = 200;

/// The most arrows the picture draws one per pair of nodes.
pub const PICTURE_MAX_ARROWS: usize = 400;

/// The flows between two boxes, drawn as one arrow.
struct Arrow {
    flows: Vec<FlowId>,
}

/// The boxes of a summarised picture: the box of each node.
struct Grouping {
    box_of: Vec<usize>,
    /// Per box, its nodes in the order shown (a chain from its start).
    members: Vec<Vec<usize>>,
    how: Summary,
}

/// A box per node.
fn one_box_each(count: usize) -> Grouping {
    Grouping {
        box_of: (0..count).collect(),
        members: (0..count).map(|n| vec![n]).collect(),
        how: Summary::None,
    }
}

/// The distinct pairs of nodes with flows between them, in the order of
/// their first flow, each with its flows; `box_of` maps nodes to boxes.
fn arrows(program: &Program, box_of: &[usize]) -> (Vec<(usize, usize)>, Vec<Arrow>) {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut drawn: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (index, flow) in program.flows.iter().enumerate() {
        let id = FlowId(crate::source::offset_u32(index));
        let at = |node: NameId| box_of.get(node.index()).copied().unwrap_or(node.index());
        let pair = (at(flow.from), at(flow.to));
        match drawn.get(&pair).and_then(|&arrow| arrows.get_mut(arrow)) {
            Some(arrow) => arrow.flows.push(id),
            None => {
                drawn.insert(pair, arrows.len());
                pairs.push(pair);
                arrows.push(Arrow { flows: vec![id] });
            }
        }
    }
    (pairs, arrows)
}

/// Union-find over nodes, the smaller index the root (so the result does
/// not depend on the order of the unions); iterative, path halving.
fn root(parent: &mut [usize], mut node: usize) -> usize {
    while let Some(&up) = parent.get(node) {
        if up == node {
            break;
        }
        let grand = parent.get(up).copied().unwrap_or(up);
        if let Some(slot) = parent.get_mut(node) {
            *slot = grand;
        }
        node = grand;
    }
    node
}

/// Collapses chains: a node whose only arrow in comes from a node of the
/// same kind whose only arrow out goes to it joins that node's box.
fn collapse_chains(program: &Program, pairs: &[(usize, usize)]) -> Grouping {
    let count = program.nodes.len();
    let mut ins = vec![0usize; count];
    let mut outs = vec![0usize; count];
    for &(from, to) in pairs {
        if from != to {
            if let Some(n) = outs.get_mut(from) {
                *n += 1;
            }
            if let Some(n) = ins.get_mut(to) {
                *n += 1;
            }
        }
    }
    let kind = |n: usize| program.nodes.get(n).map(|node| node.kind);
    let mut parent: Vec<usize> = (0..count).collect();
    let mut next: Vec<Option<usize>> = vec![None; count];
    let mut has_previous = vec![false; count];
    for &(from, to) in pairs {
        if from != to
            && outs.get(from) == Some(&1)
            && ins.get(to) == Some(&1)
            && kind(from) == kind(to)
        {
            let (a, b) = (root(&mut parent, from), root(&mut parent, to));
            if a == b {
                // A ring: the chain stops here.
                continue;
            }
            let (low, high) = (a.min(b), a.max(b));
            if let Some(slot) = parent.get_mut(high) {
                *slot = low;
            }
            if let Some(slot) = next.get_mut(from) {
                *slot = Some(to);
            }
            if let Some(flag) = has_previous.get_mut(to) {
                *flag = true;
            }
        }
    }
    // Boxes in the order of their first node; each chain from its start.
    let mut box_of = vec![0usize; count];
    let mut box_of_root: BTreeMap<usize, usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for node in 0..count {
        let r = root(&mut parent, node);
        let index = *box_of_root.entry(r).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        if let Some(slot) = box_of.get_mut(node) {
            *slot = index;
        }
        if has_previous.get(node) == Some(&false) {
            let mut at = Some(node);
            while let Some(n) = at {
                if let Some(list) = members.get_mut(index) {
                    list.push(n);
                }
                at = next.get(n).copied().flatten();
            }
        }
    }
    Grouping {
        box_of,
        members,
        how: Summary::ChainsCollapsed,
    }
}

/// A box per kind of node, in the order the kinds first appear.
fn group_by_kind(program: &Program) -> Grouping {
    let mut box_of_kind: Vec<(NodeKind, usize)> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut box_of = Vec::with_capacity(program.nodes.len());
    for (index, node) in program.nodes.iter().enumerate() {
        let at = match box_of_kind.iter().find(|(kind, _)| *kind == node.kind) {
            Some((_, at)) => *at,
            None => {
                box_of_kind.push((node.kind, members.len()));
                members.push(Vec::new());
                members.len() - 1
            }
        };
        box_of.push(at);
        if let Some(list) = members.get_mut(at) {
            list.push(index);
        }
    }
    Grouping {
        box_of,
        members,
        how: Summary::GroupedByKind,
    }
}

fn plural(kind: &str) -> String {
    match kind {
        "authority" => "authorities".to_string(),
        other => format!("{other}s"),
    }
}

/// Names joined with ", " while they fit in a tooltip; the rest is cut.
fn listed(names: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for name in names {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&name);
        // A character is at most 4 bytes: past this, abbreviating cuts anyway.
        if out.len() > 4 * TOOLTIP_CHARS {
            break;
        }
    }
    out
}

/// The box of a node alone: its name (abbreviated), its kind, and its
/// label, or its name, as the tooltip.
fn single(program: &Program, node: usize) -> PictureNode {
    let node_names = program.node_names();
    let (id, kind) = program
        .nodes
        .get(node)
        .map_or((NameId(0), "system"), |n| (n.id, n.kind.keyword()));
    let name = node_names.name(id);
    let shown = markup::abbreviate(name, PICTURE_NAME_CHARS);
    let tooltip = match (label_of(node_names, id), &shown) {
        (Some(label), std::borrow::Cow::Owned(_)) => format!("{name}: {label}"),
        (Some(label), std::borrow::Cow::Borrowed(_)) => label,
        (None, _) => name.to_string(),
    };
    PictureNode {
        name: shown.into_owned(),
        kind,
        caption: kind.to_string(),
        tooltip: markup::abbreviate(&tooltip, TOOLTIP_CHARS).into_owned(),
    }
}

/// The box of several nodes: a chain ("first … last", "12 systems in a
/// chain") or a kind ("3000 systems").
fn group(program: &Program, members: &[usize], how: Summary) -> PictureNode {
    let node_names = program.node_names();
    let name_of = |n: &usize| {
        program
            .nodes
            .get(*n)
            .map(|node| node_names.name(node.id).to_string())
            .unwrap_or_default()
    };
    let kind = members
        .first()
        .and_then(|n| program.nodes.get(*n))
        .map_or("system", |node| node.kind.keyword());
    let kinds = plural(kind);
    let count = members.len();
    let (name, caption, intro) = match how {
        Summary::GroupedByKind => (
            format!("{count} {kinds}"),
            kind.to_string(),
            format!("{count} {kinds}: "),
        ),
        _ => {
            let first = members.first().map(name_of).unwrap_or_default();
            let last = members.last().map(name_of).unwrap_or_default();
            let ends = format!(
                "{} \u{2026} {}",
                markup::abbreviate(&first, PICTURE_NAME_CHARS / 2),
                markup::abbreviate(&last, PICTURE_NAME_CHARS / 2)
            );
            (
                ends,
                format!("{count} {kinds} in a chain"),
                format!("a chain of {count} {kinds}: "),
            )
        }
    };
    let tooltip = format!("{intro}{}", listed(members.iter().map(name_of)));
    PictureNode {
        name: markup::abbreviate(&name, PICTURE_NAME_CHARS).into_owned(),
        kind,
        caption,
        tooltip: markup::abbreviate(&tooltip, TOOLTIP_CHARS).into_owned(),
    }
}

pub(super) fn picture(program: &Program, findings: &BTreeSet<FlowFinding>) -> Picture {
    let count = program.nodes.len();
    let mut grouping = one_box_each(count);
    let (mut pairs, mut drawn) = arrows(program, &grouping.box_of);
    let too_many =
        |boxes: usize, arrows: usize| boxes > PICTURE_MAX_BOXES || arrows > PICTURE_MAX_ARROWS;
    if too_many(count, pairs.len()) {
        grouping = collapse_chains(program, &pairs);
        (pairs, drawn) = arrows(program, &grouping.box_of);
        if too_many(grouping.members.len(), pairs.len()) {
            grouping = group_by_kind(program);
            (pairs, drawn) = arrows(program, &grouping.box_of);
        }
    }
    let nodes: Vec<PictureNode> = grouping
        .members
        .iter()
        .map(|members| match members.as_slice() {
            [node] => single(program, *node),
            _ => group(program, members, grouping.how),
        })
        .collect();
    let widths: Vec<f64> = nodes
        .iter()
        .map(|node| {
            let chars = node.name.chars().count().max(node.caption.chars().count()) as f64;
            (chars * 7.2 + 24.0).max(90.0)
        })
        .collect();
    // Flows between the same two boxes are drawn as one arrow, so none
    // hides another; its tooltip lists each flow (as many as fit), and its
    // colour is the worst of theirs.
    let by_flow = violations(findings);
    let flows = drawn
        .iter()
        .map(|arrow| {
            let mut tips = String::new();
            if grouping.how != Summary::None {
                let _ = write!(tips, "{} flows", arrow.flows.len());
            }
            let mut worst = None;
            for id in &arrow.flows {
                let found = by_flow.get(id);
                worst = worst.max(found.map(|found| is_error(found)));
                if tips.len() > 4 * TOOLTIP_CHARS {
                    // A character is at most 4 bytes: the rest would be cut.
                    continue;
                }
                if !tips.is_empty() {
                    tips.push('\n');
                }
                let (what, why) = flow_label(program, *id);
                let _ = write!(tips, "{what} {why}");
                if let Some(found) = found {
                    let list: Vec<&str> = found.iter().map(|n| n.as_str()).collect();
                    let _ = write!(tips, " ({})", list.join(", "));
                }
            }
            if let std::borrow::Cow::Owned(short) = markup::abbreviate(&tips, TOOLTIP_CHARS) {
                tips = short;
            }
            (tips, worst)
        })
        .collect();
    let labels = drawn
        .iter()
        .map(|arrow| arrow_label(program, &arrow.flows))
        .collect();
    let summary = match grouping.how {
        Summary::None => None,
        how => Some((how, count, program.flows.len())),
    };
    Picture {
        layout: layout::layout(&widths, &pairs),
        nodes,
        flows,
        labels,
        summary,
    }
}
