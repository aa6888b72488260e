//! The data-map picture as SVG: boxes and arrows, names and tooltips
//! escaped with [`markup::xml`].

use super::model::{Block, Document, Picture};
use crate::render::layout;
use crate::render::markup;
use std::fmt::Write as _;

fn number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

impl Document {
    /// The data-map picture as SVG, when the document has one.
    pub fn picture_svg(&self) -> Option<String> {
        self.blocks.iter().find_map(|block| match block {
            Block::Picture(picture) => Some(svg(picture)),
            _ => None,
        })
    }
}

/// Where an arrow's label goes: the middle of its longest segment (of a
/// curve, between its ends, below them).
fn label_point(path: &layout::EdgePath) -> Option<(f64, f64)> {
    if path.backward {
        let ((x0, y0), (x1, y1)) = (path.points.first()?, path.points.last()?);
        return Some(((x0 + x1) / 2.0, y0.max(*y1) + layout::LOOP_DIP * 0.75));
    }
    path.points
        .windows(2)
        .filter_map(|pair| match pair {
            [(x0, y0), (x1, y1)] => {
                Some(((x1 - x0).hypot(y1 - y0), (x0 + x1) / 2.0, (y0 + y1) / 2.0))
            }
            _ => None,
        })
        .fold(None, |best: Option<(f64, f64, f64)>, this| match best {
            Some(b) if b.0 >= this.0 => Some(b),
            _ => Some(this),
        })
        .map(|(_, x, y)| (x, y))
}

/// The data map as a standalone SVG element.
pub fn svg(picture: &Picture) -> String {
    let layout = &picture.layout;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"data-map\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\">\n<title>the data map</title>\n",
        w = number(layout.width),
        h = number(layout.height)
    );
    out.push_str("<defs>");
    for (id, colour) in [
        ("arrow", "#555"),
        ("arrow-error", "#c00"),
        ("arrow-warning", "#d80"),
    ] {
        let _ = write!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let mut labels = String::new();
    for ((path, (tip, broken)), label) in layout.edges.iter().zip(&picture.flows).zip(
        picture
            .labels
            .iter()
            .map(Some)
            .chain(std::iter::repeat(None)),
    ) {
        let Some(((x0, y0), rest)) = path.points.split_first() else {
            continue;
        };
        let mut d = format!("M{},{}", number(*x0), number(*y0));
        if path.backward {
            if let Some((x1, y1)) = rest.last() {
                let dip = y0.max(*y1) + layout::LOOP_DIP;
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    number(*x0),
                    number(dip),
                    number(*x1),
                    number(dip),
                    number(*x1),
                    number(*y1)
                );
            }
        } else {
            for (x, y) in rest {
                let _ = write!(d, " L{},{}", number(*x), number(*y));
            }
        }
        let (class, marker, colour) = match broken {
            Some(true) => ("flow error", "arrow-error", "#c00"),
            Some(false) => ("flow warning", "arrow-warning", "#d80"),
            None => ("flow", "arrow", "#555"),
        };
        let width = if broken.is_some() { "2.5" } else { "1.2" };
        // The label sits at the middle of the arrow's longest straight
        // part, over a white halo, drawn after every arrow and box so none hides it.
        if let (Some((what, why)), Some((x, y))) = (label, label_point(path)) {
            let _ = writeln!(
                labels,
                "<text class=\"flow-label\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"><tspan x=\"{x}\">{}</tspan><tspan x=\"{x}\" dy=\"10\">{}</tspan></text>",
                number(y - 7.0),
                markup::xml(what),
                markup::xml(why),
                x = number(x),
            );
        }
        let _ = writeln!(
            out,
            "<path class=\"{class}\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" marker-end=\"url(#{marker})\"><title>{}</title></path>",
            markup::xml(tip)
        );
    }
    for (placed, node) in layout.nodes.iter().zip(&picture.nodes) {
        let kind = node.kind;
        let fill = match kind {
            "subject" => "#e8f0fe",
            "store" => "#fef7e0",
            "vendor" | "authority" => "#fce8e6",
            _ => "#e6f4ea",
        };
        let _ = writeln!(
            out,
            "<g class=\"node {kind}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"#555\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">{}</text></g>",
            markup::xml(&node.tooltip),
            number(placed.x),
            number(placed.y),
            number(placed.width),
            number(layout::NODE_HEIGHT),
            number(placed.x + placed.width / 2.0),
            number(placed.y + 19.0),
            markup::xml(&node.name),
            number(placed.x + placed.width / 2.0),
            number(placed.y + 34.0),
            markup::xml(&node.caption),
        );
    }
    out.push_str(&labels);
    out.push_str("</svg>\n");
    out
}
