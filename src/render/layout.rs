//! A layered drawing of a directed graph, for the data map in `privet doc`:
//! privet lays it out itself, with no external tool.
//!
//! Strongly connected components are condensed (petgraph's iterative
//! Kosaraju); each component gets the layer of the longest path reaching it
//! over the condensed graph (Kahn's order), so every edge between components
//! points to a later layer. An edge that skips layers passes through a dummy
//! point in each layer between, so it bends around the boxes instead of
//! crossing them. Within a layer, nodes are ordered by the barycentre of
//! their neighbours, sweeping forward and back a few times. Nothing
//! recurses, so a long chain is drawn like a short one.

use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::VecDeque;

/// Sizes of the drawing, in SVG user units.
pub const NODE_HEIGHT: f64 = 44.0;
const ROW_GAP: f64 = 28.0;
const LAYER_GAP: f64 = 90.0;
const MARGIN: f64 = 20.0;
const SWEEPS: usize = 8;

/// Where a node is drawn: its box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub layer: usize,
}

/// The drawing of a graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub nodes: Vec<Placed>,
    /// For each edge, the points of its polyline, from the source box to
    /// the target box. An edge that does not go forward (inside a cycle, or
    /// from a node to itself) has `backward` set and is drawn as a curve.
    pub edges: Vec<EdgePath>,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EdgePath {
    pub points: Vec<(f64, f64)>,
    pub backward: bool,
}

/// What sits in a layer: a node, or a dummy point of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Node(usize),
    Dummy { edge: usize, step: usize },
}

/// The neighbours of a slot in the layer before and in the layer after.
type Links = (Vec<Slot>, Vec<Slot>);

/// The layer of each node: the longest path to it over the condensed graph.
fn layers(count: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(count, edges.len());
    for _ in 0..count {
        graph.add_node(());
    }
    for &(from, to) in edges {
        if from < count && to < count {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    let components = petgraph::algo::kosaraju_scc(&graph);
    let mut component_of = vec![0usize; count];
    for (component, members) in components.iter().enumerate() {
        for member in members {
            if let Some(slot) = component_of.get_mut(member.index()) {
                *slot = component;
            }
        }
    }
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
    let mut indegree = vec![0usize; components.len()];
    for &(from, to) in edges {
        let (Some(&a), Some(&b)) = (component_of.get(from), component_of.get(to)) else {
            continue;
        };
        if a != b {
            if let Some(list) = successors.get_mut(a) {
                list.push(b);
            }
            if let Some(d) = indegree.get_mut(b) {
                *d += 1;
            }
        }
    }
    let mut layer_of = vec![0usize; components.len()];
    let mut ready: VecDeque<usize> = (0..components.len())
        .filter(|c| indegree.get(*c) == Some(&0))
        .collect();
    while let Some(component) = ready.pop_front() {
        let here = layer_of.get(component).copied().unwrap_or(0);
        for &next in successors.get(component).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(layer) = layer_of.get_mut(next) {
                *layer = (*layer).max(here + 1);
            }
            if let Some(d) = indegree.get_mut(next) {
                *d -= 1;
                if *d == 0 {
                    ready.push_back(next);
                }
            }
        }
    }
    component_of
        .iter()
        .map(|c| layer_of.get(*c).copied().unwrap_or(0))
        .collect()
}

/// Lays out `count` nodes of the given widths joined by `edges`.
pub fn layout(widths: &[f64], edges: &[(usize, usize)]) -> Layout {
    let count = widths.len();
    let layer = layers(count, edges);
    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<Slot>> = vec![Vec::new(); depth];
    for (node, l) in layer.iter().enumerate() {
        if let Some(row) = rows.get_mut(*l) {
            row.push(Slot::Node(node));
        }
    }
    // Dummy points for edges that skip layers.
    for (index, &(from, to)) in edges.iter().enumerate() {
        let (Some(&a), Some(&b)) = (layer.get(from), layer.get(to)) else {
            continue;
        };
        for (step, l) in (a + 1..b).enumerate() {
            if let Some(row) = rows.get_mut(l) {
                row.push(Slot::Dummy { edge: index, step });
            }
        }
    }

    // The neighbours of each slot in the layer before and after.
    let chain = |slot: Slot| -> Links {
        let mut before = Vec::new();
        let mut after = Vec::new();
        match slot {
            Slot::Node(node) => {
                for (index, &(from, to)) in edges.iter().enumerate() {
                    let (Some(&a), Some(&b)) = (layer.get(from), layer.get(to)) else {
                        continue;
                    };
                    if from == node && b > a {
                        after.push(if b == a + 1 {
                            Slot::Node(to)
                        } else {
                            Slot::Dummy {
                                edge: index,
                                step: 0,
                            }
                        });
                    }
                    if to == node && b > a {
                        before.push(if b == a + 1 {
                            Slot::Node(from)
                        } else {
                            Slot::Dummy {
                                edge: index,
                                step: b - a - 2,
                            }
                        });
                    }
                }
            }
            Slot::Dummy { edge, step } => {
                if let Some(&(from, to)) = edges.get(edge) {
                    let a = layer.get(from).copied().unwrap_or(0);
                    let b = layer.get(to).copied().unwrap_or(0);
                    before.push(if step == 0 {
                        Slot::Node(from)
                    } else {
                        Slot::Dummy {
                            edge,
                            step: step - 1,
                        }
                    });
                    after.push(if a + step + 2 == b {
                        Slot::Node(to)
                    } else {
                        Slot::Dummy {
                            edge,
                            step: step + 1,
                        }
                    });
                }
            }
        }
        (before, after)
    };
    let mut neighbours: Vec<Vec<Links>> = rows
        .iter()
        .map(|row| row.iter().map(|slot| chain(*slot)).collect())
        .collect();

    // Barycentre sweeps: each layer is sorted by the mean position of its
    // neighbours in the layer just placed.
    for sweep in 0..SWEEPS {
        let forward = sweep % 2 == 0;
        let sequence: Vec<usize> = if forward {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in sequence {
            let reference = if forward { l.wrapping_sub(1) } else { l + 1 };
            let positions: std::collections::BTreeMap<Slot, usize> = rows
                .get(reference)
                .map(|row| row.iter().enumerate().map(|(p, s)| (*s, p)).collect())
                .unwrap_or_default();
            let (Some(row), Some(links)) = (rows.get_mut(l), neighbours.get_mut(l)) else {
                continue;
            };
            let mut keyed: Vec<(f64, usize, Slot, Links)> = row
                .iter()
                .zip(links.iter())
                .enumerate()
                .map(|(at, (slot, link))| {
                    let linked = if forward { &link.0 } else { &link.1 };
                    let found: Vec<f64> = linked
                        .iter()
                        .filter_map(|s| positions.get(s).map(|p| *p as f64))
                        .collect();
                    let centre = if found.is_empty() {
                        at as f64
                    } else {
                        found.iter().sum::<f64>() / found.len() as f64
                    };
                    (centre, at, *slot, link.clone())
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *row = keyed.iter().map(|k| k.2).collect();
            *links = keyed.into_iter().map(|k| k.3).collect();
        }
    }

    // Coordinates: layers left to right, each as wide as its widest box,
    // rows centred on the tallest layer.
    let slot_width = |slot: &Slot| match slot {
        Slot::Node(node) => widths.get(*node).copied().unwrap_or(100.0),
        Slot::Dummy { .. } => 10.0,
    };
    let tallest = rows.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let full_height = tallest * NODE_HEIGHT + (tallest - 1.0).max(0.0) * ROW_GAP;
    let mut nodes = vec![
        Placed {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            layer: 0,
        };
        count
    ];
    let mut dummies: std::collections::BTreeMap<(usize, usize), (f64, f64)> =
        std::collections::BTreeMap::new();
    let mut x = MARGIN;
    for (l, row) in rows.iter().enumerate() {
        let column = row.iter().map(slot_width).fold(0.0_f64, f64::max);
        let height = row.len() as f64 * NODE_HEIGHT + (row.len() as f64 - 1.0).max(0.0) * ROW_GAP;
        let mut y = MARGIN + (full_height - height) / 2.0;
        for slot in row {
            match *slot {
                Slot::Node(node) => {
                    let width = widths.get(node).copied().unwrap_or(100.0);
                    if let Some(placed) = nodes.get_mut(node) {
                        *placed = Placed {
                            x: x + (column - width) / 2.0,
                            y,
                            width,
                            layer: l,
                        };
                    }
                }
                Slot::Dummy { edge, step } => {
                    dummies.insert((edge, step), (x + column / 2.0, y + NODE_HEIGHT / 2.0));
                }
            }
            y += NODE_HEIGHT + ROW_GAP;
        }
        x += column + LAYER_GAP;
    }
    let width = (x - LAYER_GAP + MARGIN).max(2.0 * MARGIN);
    let height = full_height + 2.0 * MARGIN;

    let edges = edges
        .iter()
        .enumerate()
        .map(|(index, &(from, to))| {
            let (Some(a), Some(b)) = (nodes.get(from), nodes.get(to)) else {
                return EdgePath {
                    points: Vec::new(),
                    backward: false,
                };
            };
            let middle = |p: &Placed| p.y + NODE_HEIGHT / 2.0;
            if b.layer > a.layer {
                let mut points = vec![(a.x + a.width, middle(a))];
                for step in 0..(b.layer - a.layer - 1) {
                    if let Some(point) = dummies.get(&(index, step)) {
                        points.push(*point);
                    }
                }
                points.push((b.x, middle(b)));
                EdgePath {
                    points,
                    backward: false,
                }
            } else {
                // Inside a cycle: leave from the bottom of the source, arrive
                // at the bottom of the target.
                EdgePath {
                    points: vec![
                        (a.x + a.width / 2.0, a.y + NODE_HEIGHT),
                        (b.x + b.width / 2.0 + 8.0, b.y + NODE_HEIGHT),
                    ],
                    backward: true,
                }
            }
        })
        .collect();
    Layout {
        nodes,
        edges,
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: &Placed, b: &Placed) -> bool {
        a.x < b.x + b.width
            && b.x < a.x + a.width
            && a.y < b.y + NODE_HEIGHT
            && b.y < a.y + NODE_HEIGHT
    }

    #[test]
    fn forward_edges_go_to_later_layers_and_boxes_do_not_overlap() {
        // 0 -> 1 -> 2, 0 -> 2 (skips a layer), 3 <-> 4 (a cycle) after 2.
        let edges = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 3)];
        let drawn = layout(&[100.0; 5], &edges);
        let layer = |n: usize| drawn.nodes[n].layer;
        assert_eq!((layer(0), layer(1), layer(2), layer(3)), (0, 1, 2, 3));
        assert_eq!(layer(3), layer(4), "a cycle shares a layer");
        for (i, a) in drawn.nodes.iter().enumerate() {
            for b in drawn.nodes.iter().skip(i + 1) {
                assert!(!overlaps(a, b), "{a:?} {b:?}");
            }
        }
        // The skipping edge bends through one dummy point.
        assert_eq!(drawn.edges[2].points.len(), 3);
        assert!(drawn.edges[4].backward || drawn.edges[5].backward);
        assert!(drawn.width > 0.0 && drawn.height > 0.0);
        assert_eq!(layout(&[100.0; 5], &edges), drawn, "deterministic");
    }

    #[test]
    fn barycentres_untangle_two_chains() {
        // Two chains whose second layers start in crossed order.
        let edges = [(0, 3), (1, 2), (2, 5), (3, 4)];
        let drawn = layout(&[80.0; 6], &edges);
        let y = |n: usize| drawn.nodes[n].y;
        assert_eq!(y(0) < y(1), y(3) < y(2), "no crossing");
        assert_eq!(y(3) < y(2), y(4) < y(5), "no crossing");
    }

    #[test]
    fn a_long_chain_does_not_recurse() {
        let count = 3000;
        let edges: Vec<(usize, usize)> = (1..count).map(|i| (i - 1, i)).collect();
        let drawn = layout(&vec![50.0; count], &edges);
        assert_eq!(drawn.nodes[count - 1].layer, count - 1);
    }
}
