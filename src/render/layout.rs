//! A layered drawing of a directed graph, for the data map in `privet doc`:
//! privet lays it out itself, with no external tool, in time and size
//! linear in the graph (up to sorting each layer and the long edges).
//!
//! Strongly connected components are condensed (petgraph's iterative
//! Kosaraju); each component gets the layer of the longest path reaching it
//! over the condensed graph (Kahn's order), so every edge between components
//! points to a later layer. An edge that skips one or two layers passes
//! through a dummy point in each layer between, so it bends around the boxes
//! instead of crossing them. A longer edge gets no point per layer (a fan-out
//! over a long chain would need a number of points quadratic in the map):
//! it drops, in the gap after its source's layer, to a track below every
//! box, runs along it, and rises in the gap before its target's layer, so it
//! crosses no box, in five segments whatever its length. Edges whose runs do
//! not overlap share a track. Within a layer, nodes and dummy points are
//! ordered by the barycentre of their neighbours, sweeping forward and back
//! a few times. Nothing recurses, so a long chain is drawn like a short one.

use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Sizes of the drawing, in SVG user units.
pub const NODE_HEIGHT: f64 = 44.0;
const ROW_GAP: f64 = 28.0;
/// Wide enough for an arrow's label (two lines of at most 22 characters
/// of 9-unit text) between two layers.
const LAYER_GAP: f64 = 130.0;
const MARGIN: f64 = 20.0;
const SWEEPS: usize = 8;
/// The most layers apart the ends of an edge drawn through a dummy point in
/// each layer between may be: at most two points per edge, so the layers
/// grow by at most twice the edges. A longer edge runs along a track.
pub const MAX_DUMMY_SPAN: usize = 3;
/// The distance between two tracks, and from the lowest box to the first.
const TRACK_GAP: f64 = 10.0;
/// In a gap between layers, the vertical runs of edges on different tracks
/// are spread over this many lanes, this far apart, so that two runs in the
/// same gap are told apart (11 lanes of 6 units fit in the gap).
const RUN_LANES: usize = 11;
const RUN_SPREAD: f64 = 6.0;
/// How far below its boxes the control points of an edge inside a cycle
/// lie (its curve reaches three quarters of the way).
pub const LOOP_DIP: f64 = 36.0;

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
    /// the target box: at most six, whatever the edge skips. An edge that
    /// does not go forward (inside a cycle, or from a node to itself) has
    /// `backward` set and is drawn as a curve.
    pub edges: Vec<EdgePath>,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EdgePath {
    pub points: Vec<(f64, f64)>,
    pub backward: bool,
}

/// What sits in a layer: a node, or a dummy point of an edge. Slots are
/// numbered: the nodes first, then the dummy points in the order of their
/// edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Node(usize),
    Dummy,
}

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

/// The slots of the drawing: nodes and dummy points, each with its layer
/// and its neighbours in the layer before and in the layer after (in the
/// order of the edges, so the ordering is deterministic).
struct Slots {
    kind: Vec<Slot>,
    layer: Vec<usize>,
    before: Vec<Vec<usize>>,
    after: Vec<Vec<usize>>,
    /// Per edge, its dummy points, when it has any.
    dummies: Vec<std::ops::Range<usize>>,
}

impl Slots {
    fn new(layer: &[usize], edges: &[(usize, usize)]) -> Slots {
        let count = layer.len();
        let mut slots = Slots {
            kind: (0..count).map(Slot::Node).collect(),
            layer: layer.to_vec(),
            before: vec![Vec::new(); count],
            after: vec![Vec::new(); count],
            dummies: vec![0..0; edges.len()],
        };
        for (index, &(from, to)) in edges.iter().enumerate() {
            let (Some(&a), Some(&b)) = (layer.get(from), layer.get(to)) else {
                continue;
            };
            if b <= a || b - a > MAX_DUMMY_SPAN {
                continue;
            }
            let first = slots.kind.len();
            let mut previous = from;
            for l in a + 1..b {
                let id = slots.kind.len();
                slots.kind.push(Slot::Dummy);
                slots.layer.push(l);
                slots.before.push(vec![previous]);
                slots.after.push(Vec::new());
                slots.link(previous, id);
                previous = id;
            }
            slots.link(previous, to);
            if let Some(range) = slots.dummies.get_mut(index) {
                *range = first..slots.kind.len();
            }
        }
        slots
    }

    /// Records that `from` leads to `to` in the next layer.
    fn link(&mut self, from: usize, to: usize) {
        if let Some(list) = self.after.get_mut(from) {
            list.push(to);
        }
        if matches!(self.kind.get(to), Some(Slot::Node(_)))
            && let Some(list) = self.before.get_mut(to)
        {
            list.push(from);
        }
    }
}

/// Orders each layer by the barycentre of its slots' neighbours in the
/// layer just placed, sweeping forward and back; returns the rows.
fn order(slots: &Slots, depth: usize) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (id, l) in slots.layer.iter().enumerate() {
        if let Some(row) = rows.get_mut(*l) {
            row.push(id);
        }
    }
    let mut position = vec![0usize; slots.kind.len()];
    let place = |row: &[usize], position: &mut [usize]| {
        for (p, id) in row.iter().enumerate() {
            if let Some(slot) = position.get_mut(*id) {
                *slot = p;
            }
        }
    };
    for row in &rows {
        place(row, &mut position);
    }
    for sweep in 0..SWEEPS {
        let forward = sweep % 2 == 0;
        let sequence: Vec<usize> = if forward {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in sequence {
            let Some(row) = rows.get_mut(l) else {
                continue;
            };
            let mut keyed: Vec<(f64, usize, usize)> = row
                .iter()
                .enumerate()
                .map(|(at, &id)| {
                    let linked = if forward {
                        slots.before.get(id)
                    } else {
                        slots.after.get(id)
                    };
                    let found: Vec<f64> = linked
                        .into_iter()
                        .flatten()
                        .filter_map(|s| position.get(*s).map(|p| *p as f64))
                        .collect();
                    let centre = if found.is_empty() {
                        at as f64
                    } else {
                        found.iter().sum::<f64>() / found.len() as f64
                    };
                    (centre, at, id)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *row = keyed.into_iter().map(|k| k.2).collect();
            place(row, &mut position);
        }
    }
    rows
}

/// The track of each edge too long for dummy points: edges are taken by
/// the layer they start from, and each takes the track freed the earliest
/// if that is before its first gap, else a new one (the fewest tracks for
/// intervals). Returns the tracks and how many there are.
fn tracks(layer: &[usize], edges: &[(usize, usize)]) -> (Vec<Option<usize>>, usize) {
    let mut long: Vec<(usize, usize, usize)> = edges
        .iter()
        .enumerate()
        .filter_map(|(index, &(from, to))| {
            let (a, b) = (*layer.get(from)?, *layer.get(to)?);
            (b > a && b - a > MAX_DUMMY_SPAN).then_some((a, b, index))
        })
        .collect();
    long.sort_unstable();
    let mut track_of = vec![None; edges.len()];
    // (the last gap a track's edge runs in, the track), the earliest first.
    let mut busy: BinaryHeap<Reverse<(usize, usize)>> = BinaryHeap::new();
    let mut count = 0;
    for (a, b, index) in long {
        let track = match busy.peek() {
            Some(Reverse((end, track))) if *end < a => {
                let track = *track;
                busy.pop();
                track
            }
            _ => {
                count += 1;
                count - 1
            }
        };
        // The edge runs in the gaps after layers a to b - 1.
        busy.push(Reverse((b - 1, track)));
        if let Some(slot) = track_of.get_mut(index) {
            *slot = Some(track);
        }
    }
    (track_of, count)
}

/// Lays out `count` nodes of the given widths joined by `edges`.
pub fn layout(widths: &[f64], edges: &[(usize, usize)]) -> Layout {
    let count = widths.len();
    let layer = layers(count, edges);
    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    let slots = Slots::new(&layer, edges);
    let rows = order(&slots, depth);

    // Coordinates: layers left to right, each as wide as its widest box,
    // rows centred on the tallest layer.
    let slot_width = |id: &usize| match slots.kind.get(*id) {
        Some(Slot::Node(node)) => widths.get(*node).copied().unwrap_or(100.0),
        _ => 10.0,
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
    let mut points = vec![(0.0, 0.0); slots.kind.len()];
    // Where each layer's column ends on the right.
    let mut column_end = Vec::with_capacity(rows.len());
    let mut x = MARGIN;
    for (l, row) in rows.iter().enumerate() {
        let column = row.iter().map(slot_width).fold(0.0_f64, f64::max);
        let height = row.len() as f64 * NODE_HEIGHT + (row.len() as f64 - 1.0).max(0.0) * ROW_GAP;
        let mut y = MARGIN + (full_height - height) / 2.0;
        for id in row {
            match slots.kind.get(*id) {
                Some(Slot::Node(node)) => {
                    let width = widths.get(*node).copied().unwrap_or(100.0);
                    if let Some(placed) = nodes.get_mut(*node) {
                        *placed = Placed {
                            x: x + (column - width) / 2.0,
                            y,
                            width,
                            layer: l,
                        };
                    }
                }
                _ => {
                    if let Some(point) = points.get_mut(*id) {
                        *point = (x + column / 2.0, y + NODE_HEIGHT / 2.0);
                    }
                }
            }
            y += NODE_HEIGHT + ROW_GAP;
        }
        x += column;
        column_end.push(x);
        x += LAYER_GAP;
    }
    let width = (x - LAYER_GAP + MARGIN).max(2.0 * MARGIN);
    let (track_of, track_count) = tracks(&layer, edges);
    let below = if track_count > 0 {
        (track_count + 1) as f64 * TRACK_GAP
    } else {
        0.0
    };
    let height = full_height + 2.0 * MARGIN + below;
    // The x of an edge's vertical run in the gap after a layer.
    let run = |l: usize, track: usize| {
        let lane = (track % RUN_LANES) as f64 - (RUN_LANES / 2) as f64;
        column_end.get(l).copied().unwrap_or(MARGIN) + LAYER_GAP / 2.0 + lane * RUN_SPREAD
    };

    let edges: Vec<EdgePath> = edges
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
            let (start, end) = ((a.x + a.width, middle(a)), (b.x, middle(b)));
            if b.layer <= a.layer {
                // Inside a cycle: leave from the bottom of the source, arrive
                // at the bottom of the target.
                return EdgePath {
                    points: vec![
                        (a.x + a.width / 2.0, a.y + NODE_HEIGHT),
                        (b.x + b.width / 2.0 + 8.0, b.y + NODE_HEIGHT),
                    ],
                    backward: true,
                };
            }
            let mut path = vec![start];
            match track_of.get(index).copied().flatten() {
                Some(track) => {
                    let y = MARGIN + full_height + (track + 1) as f64 * TRACK_GAP;
                    let (out, back) = (run(a.layer, track), run(b.layer - 1, track));
                    path.extend([(out, start.1), (out, y), (back, y), (back, end.1)]);
                }
                None => {
                    let dummies = slots.dummies.get(index).cloned().unwrap_or(0..0);
                    path.extend(dummies.filter_map(|id| points.get(id).copied()));
                }
            }
            path.push(end);
            EdgePath {
                points: path,
                backward: false,
            }
        })
        .collect();
    // A curve inside a cycle dips below its boxes: keep it in the picture.
    let lowest = edges
        .iter()
        .filter(|edge| edge.backward)
        .flat_map(|edge| edge.points.iter().map(|p| p.1 + LOOP_DIP))
        .fold(0.0_f64, f64::max);
    Layout {
        nodes,
        edges,
        width,
        height: height.max(lowest),
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

    #[test]
    fn a_fan_out_over_a_long_chain_takes_few_points_and_crosses_no_box() {
        // 0 -> 1 -> ... -> n-1, and 1 -> every later node.
        let count = 400;
        let mut edges = vec![(0, 1)];
        for i in 2..count {
            edges.push((i - 1, i));
            edges.push((1, i));
        }
        let drawn = layout(&vec![60.0; count], &edges);
        let points: usize = drawn.edges.iter().map(|e| e.points.len()).sum();
        assert!(points <= 6 * edges.len(), "{points} points");
        let bottom = drawn
            .nodes
            .iter()
            .map(|n| n.y + NODE_HEIGHT)
            .fold(0.0, f64::max);
        for (edge, &(from, to)) in drawn.edges.iter().zip(&edges) {
            let span = drawn.nodes[to].layer - drawn.nodes[from].layer;
            assert!(span >= 1);
            if span > MAX_DUMMY_SPAN {
                // Out in a gap, along a track below every box, back in a gap.
                assert_eq!(edge.points.len(), 6);
                let (x1, y1) = edge.points[1];
                let (x3, y3) = edge.points[3];
                assert!(y1 < bottom && y3 > bottom);
                assert_eq!(edge.points[2], (x1, y3));
                assert_eq!(edge.points[4].0, x3);
                for node in &drawn.nodes {
                    for x in [x1, x3] {
                        assert!(x < node.x || x > node.x + node.width);
                    }
                }
            } else {
                assert_eq!(edge.points.len(), span + 1);
            }
        }
        assert!(
            drawn.height < (count as f64 + 10.0) * 20.0,
            "{}",
            drawn.height
        );
    }
}
