//! `privet graph`: the data-flow graph as DOT, Mermaid or JSON, with the
//! flows that break the policy marked.
//!
//! The DOT and Mermaid text is written here rather than by a library so that
//! it is stable under golden tests: nodes in the order of their names, flows
//! in source order, every user string escaped.

use super::markup;
use crate::ast::{NodeKind, Transform};
use crate::check::FlowFinding;
use crate::diagnostic::{Name, Severity};
use crate::graph::DataGraph;
use crate::model::{FlowId, Program};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The violations of each flow, by flow.
pub(crate) fn violations(findings: &BTreeSet<FlowFinding>) -> BTreeMap<FlowId, Vec<Name>> {
    let mut by_flow: BTreeMap<FlowId, Vec<Name>> = BTreeMap::new();
    for (flow, name) in findings {
        by_flow.entry(*flow).or_default().push(*name);
    }
    by_flow
}

pub(crate) fn is_error(names: &[Name]) -> bool {
    names.iter().any(|name| name.severity() == Severity::Error)
}

pub(crate) fn flow_label(program: &Program, flow: FlowId) -> (String, String) {
    let Some(model) = program.flow(flow) else {
        return (String::new(), String::new());
    };
    let categories: Vec<&str> = model
        .categories
        .iter()
        .map(|(id, _)| program.categories().name(*id))
        .collect();
    let purposes: Vec<&str> = model
        .purposes
        .iter()
        .map(|(id, _)| program.purposes().name(*id))
        .collect();
    let mut what = categories.join(", ");
    match model.transform {
        Some(Transform::Anonymized) => what = format!("anonymized {what}"),
        Some(Transform::Pseudonymized) => what = format!("pseudonymized {what}"),
        None => {}
    }
    (what, format!("for {}", purposes.join(", ")))
}

/// The most characters of user text one line of a node's or an arrow's label
/// shows (a node's label, the categories or the purposes of a flow); longer
/// text is abbreviated with an ellipsis, and the tooltip keeps more of it.
pub(crate) const LABEL_CHARS: usize = 100;

/// The most characters of a tooltip. Graphviz refuses a quoted string with
/// a run of 16,381 bytes or more between escapes ("scanning a quoted string
/// (missing endquote? longer than 16384?)", measured with Graphviz 2.43);
/// at four bytes a character at most, a tooltip stays under half of that,
/// and a label (a name of at most `model::MAX_NAME_BYTES` and a line of
/// `LABEL_CHARS`) far under it.
pub(crate) const TOOLTIP_CHARS: usize = 2_000;

/// A label's user text on one line, abbreviated to [`LABEL_CHARS`]; true
/// when something was cut.
pub(crate) fn label_line(text: &str) -> (std::borrow::Cow<'_, str>, bool) {
    let line = markup::abbreviate(text, LABEL_CHARS);
    let cut = matches!(line, std::borrow::Cow::Owned(_));
    (line, cut)
}

/// A string as a DOT quoted string.
fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in super::markup::visible(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Subject => "ellipse",
        NodeKind::System => "box",
        NodeKind::Store => "cylinder",
        NodeKind::Vendor => "hexagon",
        NodeKind::Authority => "house",
        NodeKind::Tracker => "diamond",
    }
}

/// The graph in Graphviz's DOT language.
pub fn dot(program: &Program, findings: &BTreeSet<FlowFinding>) -> String {
    let by_flow = violations(findings);
    let names = program.node_names();
    let mut out = String::new();
    out.push_str("digraph privet {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for node in &program.nodes {
        let name = names.name(node.id);
        let mut label = format!("{name}\n({})", node.kind.keyword());
        let mut tooltip = String::new();
        if let Some(text) = names.get(node.id).and_then(|entry| entry.label()) {
            let (line, cut) = label_line(text);
            label = format!("{name}\n{line}");
            if cut {
                let full = markup::abbreviate(text, TOOLTIP_CHARS);
                tooltip = format!(", tooltip={}", dot_quote(&format!("{name}\n{full}")));
            }
        }
        let _ = writeln!(
            out,
            "  {} [label={}, shape={}{tooltip}];",
            dot_quote(name),
            dot_quote(&label),
            dot_shape(node.kind)
        );
    }
    for (index, flow) in program.flows.iter().enumerate() {
        let id = FlowId(crate::source::offset_u32(index));
        let (what, why) = flow_label(program, id);
        let (what_line, what_cut) = label_line(&what);
        let (why_line, why_cut) = label_line(&why);
        let mut attributes = vec![format!(
            "label={}",
            dot_quote(&format!("{what_line}\n{why_line}"))
        )];
        // An abbreviated label is shown whole, as far as it fits, in the
        // tooltip, before the violations.
        let mut tooltip = Vec::new();
        if what_cut || why_cut {
            tooltip.push(markup::abbreviate(&format!("{what}\n{why}"), TOOLTIP_CHARS).into_owned());
        }
        if let Some(found) = by_flow.get(&id) {
            let list: Vec<&str> = found.iter().map(|name| name.as_str()).collect();
            let colour = if is_error(found) { "red" } else { "orange" };
            attributes.push(format!("color={colour}"));
            attributes.push(format!("fontcolor={colour}"));
            attributes.push("penwidth=2".to_string());
            tooltip.push(list.join(", "));
        }
        if !tooltip.is_empty() {
            attributes.push(format!("tooltip={}", dot_quote(&tooltip.join("\n"))));
        }
        if flow.transform == Some(Transform::Anonymized) {
            attributes.push("style=dashed".to_string());
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            dot_quote(names.name(flow.from)),
            dot_quote(names.name(flow.to)),
            attributes.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

/// A string made safe inside a quoted Mermaid label.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::markup::visible(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The graph as a Mermaid flowchart.
pub fn mermaid(program: &Program, findings: &BTreeSet<FlowFinding>) -> String {
    let by_flow = violations(findings);
    let names = program.node_names();
    let mut out = String::from("flowchart LR\n");
    for node in &program.nodes {
        let label = mermaid_text(names.name(node.id));
        let (open, close) = match node.kind {
            NodeKind::Subject => ("([", "])"),
            NodeKind::System => ("[", "]"),
            NodeKind::Store => ("[(", ")]"),
            NodeKind::Vendor => ("{{", "}}"),
            NodeKind::Authority => ("[/", "/]"),
            NodeKind::Tracker => ("{", "}"),
        };
        let _ = writeln!(out, "  n{}{open}\"{label}\"{close}", node.id.0);
    }
    let mut styles = Vec::new();
    for (index, flow) in program.flows.iter().enumerate() {
        let id = FlowId(crate::source::offset_u32(index));
        let (what, why) = flow_label(program, id);
        let arrow = if flow.transform == Some(Transform::Anonymized) {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|\"{}\"| n{}",
            flow.from.0,
            mermaid_text(&format!("{} {}", label_line(&what).0, label_line(&why).0)),
            flow.to.0
        );
        if let Some(found) = by_flow.get(&id) {
            let colour = if is_error(found) { "#d00" } else { "#e80" };
            styles.push(format!(
                "  linkStyle {index} stroke:{colour},stroke-width:3px,color:{colour};"
            ));
        }
    }
    for style in styles {
        out.push_str(&style);
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonNode<'a> {
    name: &'a str,
    kind: &'static str,
    party: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    regions: Vec<&'a str>,
    /// Personal categories (leaves) that reach the node.
    receives: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    id: u32,
    from: &'a str,
    to: &'a str,
    categories: Vec<&'a str>,
    purposes: Vec<&'a str>,
    bases: Vec<&'a str>,
    anonymized: bool,
    /// The category leaves the flow really carries.
    carries: Vec<&'a str>,
    violations: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    format_version: u32,
    nodes: Vec<JsonNode<'a>>,
    flows: Vec<JsonFlow<'a>>,
}

/// The graph as JSON: nodes, flows, what each carries, and violations.
pub fn json(program: &Program, graph: &DataGraph, findings: &BTreeSet<FlowFinding>) -> String {
    let by_flow = violations(findings);
    let names = program.node_names();
    let categories = program.categories();
    let leaves = |set: Option<&fixedbitset::FixedBitSet>| -> Vec<&str> {
        set.map(|set| {
            set.ones()
                .filter_map(|leaf| categories.leaf(leaf))
                .map(|id| categories.name(id))
                .collect()
        })
        .unwrap_or_default()
    };
    let nodes = program
        .nodes
        .iter()
        .map(|node| JsonNode {
            name: names.name(node.id),
            kind: node.kind.keyword(),
            party: node.party.as_str(),
            label: names.get(node.id).and_then(|entry| entry.label()),
            regions: node
                .regions
                .iter()
                .map(|r| program.regions().name(*r))
                .collect(),
            receives: leaves(graph.arrived.get(node.id.index())),
        })
        .collect();
    let flows = program
        .flows
        .iter()
        .enumerate()
        .map(|(index, flow)| {
            let id = FlowId(crate::source::offset_u32(index));
            JsonFlow {
                id: id.0,
                from: names.name(flow.from),
                to: names.name(flow.to),
                categories: flow
                    .categories
                    .iter()
                    .map(|(c, _)| categories.name(*c))
                    .collect(),
                purposes: flow
                    .purposes
                    .iter()
                    .map(|(p, _)| program.purposes().name(*p))
                    .collect(),
                bases: flow
                    .bases
                    .iter()
                    .map(|b| program.bases().name(*b))
                    .collect(),
                anonymized: flow.transform == Some(Transform::Anonymized),
                carries: leaves(graph.carried.get(index)),
                violations: by_flow
                    .get(&id)
                    .map(|found| found.iter().map(|name| name.as_str()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let report = JsonGraph {
        format_version: 1,
        nodes,
        flows,
    };
    super::json::text(&report)
}
