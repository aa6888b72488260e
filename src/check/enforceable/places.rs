//! Which earlier store shares a store's place (its PostgreSQL table, its
//! Kafka topic, or an S3 prefix nested with its own in the same bucket)
//! while ending its data at another time: found through an index of the
//! stores by place, so the cost follows the number of stores and the bytes
//! of their prefixes, not the number of pairs of stores.
//!
//! For each store the answer is the earliest such store, in the order the
//! stores are given, which is what a comparison of every store with every
//! earlier one would find. The index keeps, for a set of stores, only the
//! earliest of them and the earliest whose end differs from that one's
//! ([`Earliest`]): from these two the earliest store of the set before a
//! given one whose end differs from a given end follows, and two such
//! summaries merge into the summary of the union. Tables and topics are
//! keys of a map; the S3 prefixes of a bucket are the paths of a byte trie,
//! whose nodes above a store's prefix are the stores whose prefix contains
//! it, and whose subtree below it the stores whose prefix it contains.

use super::End;
use crate::model::{Backing, StoreTechnology};
use std::collections::BTreeMap;

/// The earliest store of a set (by its index in the order given) and the
/// earliest whose end differs from that store's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Earliest {
    first: usize,
    differing: Option<usize>,
}

impl Earliest {
    fn one(index: usize) -> Earliest {
        Earliest {
            first: index,
            differing: None,
        }
    }

    /// The summary of the union of two sets.
    fn merge(self, other: Earliest, ends: &[End]) -> Earliest {
        let (early, late) = if self.first <= other.first {
            (self, other)
        } else {
            (other, self)
        };
        let end = ends.get(early.first);
        // The earliest of `late` whose end differs from `early.first`'s:
        // its first, or else the one differing from its first (whose end is
        // then `early.first`'s).
        let from_late = if ends.get(late.first) != end {
            Some(late.first)
        } else {
            late.differing
        };
        let differing = match (early.differing, from_late) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Earliest {
            first: early.first,
            differing,
        }
    }

    /// The earliest store of the set before `later` whose end is not `end`.
    fn before(self, later: usize, end: End, ends: &[End]) -> Option<usize> {
        if self.first >= later {
            return None;
        }
        if ends.get(self.first) != Some(&end) {
            return Some(self.first);
        }
        // `first` ends at `end`: every store ending otherwise differs from
        // it, and the earliest of those is `differing`.
        self.differing.filter(|index| *index < later)
    }
}

fn merge_into(slot: &mut Option<Earliest>, summary: Earliest, ends: &[End]) {
    *slot = Some(match *slot {
        Some(existing) => existing.merge(summary, ends),
        None => summary,
    });
}

/// The S3 prefixes of one bucket, byte by byte.
struct Trie {
    /// Per node, its children by the next byte.
    children: Vec<BTreeMap<u8, usize>>,
    /// Per node but the root, its parent.
    parent: Vec<usize>,
    /// Per node, the stores whose prefix ends exactly there.
    here: Vec<Option<Earliest>>,
    /// Per node, the stores whose prefix ends there or below (filled by
    /// [`Trie::summarize`]).
    below: Vec<Option<Earliest>>,
}

impl Trie {
    fn new() -> Trie {
        Trie {
            children: vec![BTreeMap::new()],
            parent: vec![0],
            here: vec![None],
            below: Vec::new(),
        }
    }

    /// The node of `prefix`, made if missing.
    fn insert(&mut self, prefix: &[u8]) -> usize {
        let mut node = 0;
        for byte in prefix {
            let next = self.children.len();
            let Some(children) = self.children.get_mut(node) else {
                return node;
            };
            let child = *children.entry(*byte).or_insert(next);
            if child == next {
                self.children.push(BTreeMap::new());
                self.parent.push(node);
                self.here.push(None);
            }
            node = child;
        }
        node
    }

    /// The nodes on the way to `prefix`, the root first, `prefix`'s own
    /// last (every one exists once the prefix is inserted).
    fn path(&self, prefix: &[u8]) -> Vec<usize> {
        let mut nodes = Vec::with_capacity(prefix.len() + 1);
        let mut node = 0;
        nodes.push(node);
        for byte in prefix {
            let Some(child) = self.children.get(node).and_then(|c| c.get(byte)) else {
                break;
            };
            node = *child;
            nodes.push(node);
        }
        nodes
    }

    /// Fills `below`. A child is made after its parent, so it has a larger
    /// number: one pass from the last node to the first, no recursion.
    fn summarize(&mut self, ends: &[End]) {
        self.below = self.here.clone();
        for node in (1..self.children.len()).rev() {
            let (Some(summary), Some(parent)) = (
                self.below.get(node).copied().flatten(),
                self.parent.get(node).copied(),
            ) else {
                continue;
            };
            if let Some(slot) = self.below.get_mut(parent) {
                merge_into(slot, summary, ends);
            }
        }
    }
}

/// Where a store's job acts, as an index key; S3 stores are keyed by
/// bucket, their prefixes go into the bucket's trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    /// A PostgreSQL table; an unqualified name is in the default schema,
    /// `public`.
    Table(&'a str),
    Topic(&'a str),
    Bucket(&'a str),
}

fn setting<'a>(backing: &'a Backing, key: &str) -> &'a str {
    backing.settings.get(key).map_or("", String::as_str)
}

fn key(backing: &Backing) -> Key<'_> {
    match backing.technology {
        StoreTechnology::Postgres => {
            let table = setting(backing, "table");
            Key::Table(table.strip_prefix("public.").unwrap_or(table))
        }
        StoreTechnology::Kafka => Key::Topic(setting(backing, "topic")),
        StoreTechnology::S3 => Key::Bucket(setting(backing, "bucket")),
    }
}

/// For each store (its backing and the end of its data, in the order that
/// decides which is reported), the earliest store before it that one job
/// would act on together with it while their data ends at another time.
pub(super) fn earliest_conflicts(stores: &[(&Backing, End)]) -> Vec<Option<usize>> {
    let ends: Vec<End> = stores.iter().map(|(_, end)| *end).collect();
    // Every store by its key; S3 stores in their bucket's trie too.
    let mut groups: BTreeMap<Key<'_>, Option<Earliest>> = BTreeMap::new();
    let mut tries: BTreeMap<&str, Trie> = BTreeMap::new();
    for (index, (backing, _)) in stores.iter().enumerate() {
        let key = key(backing);
        if let Key::Bucket(bucket) = key {
            let trie = tries.entry(bucket).or_insert_with(Trie::new);
            let node = trie.insert(setting(backing, "prefix").as_bytes());
            if let Some(slot) = trie.here.get_mut(node) {
                merge_into(slot, Earliest::one(index), &ends);
            }
        } else {
            merge_into(groups.entry(key).or_default(), Earliest::one(index), &ends);
        }
    }
    for trie in tries.values_mut() {
        trie.summarize(&ends);
    }
    stores
        .iter()
        .enumerate()
        .map(|(index, (backing, end))| {
            let summary = match key(backing) {
                Key::Bucket(bucket) => {
                    let trie = tries.get(bucket)?;
                    let path = trie.path(setting(backing, "prefix").as_bytes());
                    let (own, above) = path.split_last()?;
                    // The stores whose prefix contains this one's (above
                    // it), and those whose prefix it contains (its subtree,
                    // itself included).
                    let mut summary = trie.below.get(*own).copied().flatten();
                    for node in above {
                        if let Some(here) = trie.here.get(*node).copied().flatten() {
                            merge_into(&mut summary, here, &ends);
                        }
                    }
                    summary
                }
                key => groups.get(&key).copied().flatten(),
            };
            summary?.before(index, *end, &ends)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SplitMix64;
    use crate::source::{FileId, Span};
    use crate::time::Duration;

    /// Whether one job would act on both stores' data: the definition the
    /// index must agree with, pair by pair.
    fn overlaps(a: &Backing, b: &Backing) -> bool {
        let table = |backing: &Backing| {
            let name = setting(backing, "table");
            name.strip_prefix("public.").unwrap_or(name).to_string()
        };
        a.technology == b.technology
            && match a.technology {
                StoreTechnology::Postgres => table(a) == table(b),
                StoreTechnology::Kafka => setting(a, "topic") == setting(b, "topic"),
                StoreTechnology::S3 => {
                    let (pa, pb) = (setting(a, "prefix"), setting(b, "prefix"));
                    setting(a, "bucket") == setting(b, "bucket")
                        && (pa.starts_with(pb) || pb.starts_with(pa))
                }
            }
    }

    /// Every store compared with every earlier one.
    fn pairwise(stores: &[(&Backing, End)]) -> Vec<Option<usize>> {
        stores
            .iter()
            .enumerate()
            .map(|(later, (backing, end))| {
                stores
                    .iter()
                    .take(later)
                    .position(|(other, other_end)| overlaps(backing, other) && other_end != end)
            })
            .collect()
    }

    fn backing(technology: StoreTechnology, settings: &[(&str, &str)], at: u32) -> Backing {
        Backing {
            technology,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            span: Span::new(FileId(0), at, at + 1),
        }
    }

    fn random_stores(rng: &mut SplitMix64, count: usize) -> Vec<(Backing, End)> {
        // Few names, so that places are shared; prefixes that nest, and
        // one with a character of several bytes.
        let names = ["a", "b", "public.a", "c"];
        let prefixes = ["", "x", "x/", "x/y", "x/y/z", "xy", "y/", "é", "é/"];
        let ends = [
            End::Kept,
            End::Destroyed {
                start: super::super::Start::Collection,
                duration: Duration::from_days(30),
            },
            End::Destroyed {
                start: super::super::Start::Collection,
                duration: Duration::from_days(365),
            },
        ];
        (0..count)
            .map(|at| {
                let name = names[rng.below(names.len())];
                let backing = match rng.below(3) {
                    0 => backing(StoreTechnology::Postgres, &[("table", name)], at as u32),
                    1 => backing(StoreTechnology::Kafka, &[("topic", name)], at as u32),
                    _ if rng.chance(10) => {
                        backing(StoreTechnology::S3, &[("bucket", name)], at as u32)
                    }
                    _ => backing(
                        StoreTechnology::S3,
                        &[
                            ("bucket", name),
                            ("prefix", prefixes[rng.below(prefixes.len())]),
                        ],
                        at as u32,
                    ),
                };
                (backing, ends[rng.below(ends.len())])
            })
            .collect()
    }

    #[test]
    fn the_index_finds_what_comparing_every_pair_finds() {
        let mut rng = SplitMix64::new(13);
        let mut conflicts = 0;
        for round in 0..400 {
            let stores = random_stores(&mut rng, 1 + round % 40);
            let view: Vec<(&Backing, End)> = stores.iter().map(|(b, e)| (b, *e)).collect();
            let expected = pairwise(&view);
            conflicts += expected.iter().flatten().count();
            assert_eq!(earliest_conflicts(&view), expected, "round {round}");
        }
        // The cases are not all trivially clean.
        assert!(conflicts > 1_000, "{conflicts}");
    }

    #[test]
    fn nested_prefixes_are_found_in_both_directions() {
        let kept = End::Kept;
        let gone = End::Destroyed {
            start: super::super::Start::Collection,
            duration: Duration::from_days(1),
        };
        let outer = backing(StoreTechnology::S3, &[("bucket", "b"), ("prefix", "d/")], 0);
        let inner = backing(
            StoreTechnology::S3,
            &[("bucket", "b"), ("prefix", "d/legal/")],
            1,
        );
        let sibling = backing(StoreTechnology::S3, &[("bucket", "b"), ("prefix", "e/")], 2);
        let other_bucket = backing(StoreTechnology::S3, &[("bucket", "c"), ("prefix", "d/")], 3);
        // The inner prefix after the outer one, and the other way round.
        assert_eq!(
            earliest_conflicts(&[(&outer, gone), (&inner, kept)]),
            [None, Some(0)]
        );
        assert_eq!(
            earliest_conflicts(&[(&inner, kept), (&outer, gone)]),
            [None, Some(0)]
        );
        // The same end, a prefix beside it, another bucket: no conflict.
        assert_eq!(
            earliest_conflicts(&[
                (&outer, gone),
                (&inner, gone),
                (&sibling, kept),
                (&other_bucket, kept)
            ]),
            [None, None, None, None]
        );
        // The earliest conflicting store is named, past one that agrees.
        let table = |at| backing(StoreTechnology::Postgres, &[("table", "public.t")], at);
        let (t0, t1, t2) = (table(0), table(1), table(2));
        let bare = backing(StoreTechnology::Postgres, &[("table", "t")], 3);
        assert_eq!(
            earliest_conflicts(&[(&t0, kept), (&t1, gone), (&t2, gone), (&bare, kept)]),
            [None, Some(0), Some(0), Some(1)]
        );
    }
}
