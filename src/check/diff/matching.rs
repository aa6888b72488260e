//! Matching the items of two versions that have no name (rules,
//! retentions, floors, legal holds, requirements, flows) by their
//! normalized text, and reporting what was added, removed or changed.
//! Linear in the items: groups by key in a map, and within a key items of
//! equal content matched through a map too.

use super::*;

/// An item of one version, ready to be matched with the other's.
pub(super) struct Keyed<'p, T> {
    /// What identifies it across versions.
    pub(super) key: String,
    /// What pairs it with an item of another key when both would otherwise
    /// be added and removed: a rule whose categories changed is one changed
    /// rule.
    pub(super) coarse: String,
    /// Its whole meaning: equal content, equal item.
    pub(super) content: String,
    pub(super) item: &'p T,
    pub(super) meta: &'p Meta,
}

/// Items of the old and the new version under one key.
pub(super) type Groups<'p, T> = BTreeMap<String, (Vec<Keyed<'p, T>>, Vec<Keyed<'p, T>>)>;

/// Items of the old and the new version matched: both, or one alone.
pub(super) type Pairs<'p, T> = Vec<(Option<Keyed<'p, T>>, Option<Keyed<'p, T>>)>;

/// Pairs the items of two versions: by key, first those of equal content,
/// then the rest in order; what is left was added or removed.
pub(super) fn pair<'p, T>(old: Vec<Keyed<'p, T>>, new: Vec<Keyed<'p, T>>) -> Pairs<'p, T> {
    let mut groups: Groups<'p, T> = BTreeMap::new();
    for item in old {
        groups.entry(item.key.clone()).or_default().0.push(item);
    }
    for item in new {
        groups.entry(item.key.clone()).or_default().1.push(item);
    }
    let mut pairs = Vec::new();
    let mut singles: Groups<'p, T> = BTreeMap::new();
    for (_, (olds, news)) in groups {
        // The positions of the old items of each content, first first: an
        // item is matched with the first unmatched old item of its content.
        let mut by_content: BTreeMap<String, std::collections::VecDeque<usize>> = BTreeMap::new();
        for (index, old) in olds.iter().enumerate() {
            by_content
                .entry(old.content.clone())
                .or_default()
                .push_back(index);
        }
        let mut olds: Vec<Option<Keyed<'p, T>>> = olds.into_iter().map(Some).collect();
        let mut unmatched = Vec::new();
        for item in news {
            let found = by_content
                .get_mut(&item.content)
                .and_then(|positions| positions.pop_front())
                .and_then(|index| olds.get_mut(index))
                .and_then(Option::take);
            match found {
                Some(old) => pairs.push((Some(old), Some(item))),
                None => unmatched.push(item),
            }
        }
        let mut olds = olds.into_iter().flatten();
        let mut news = unmatched.into_iter();
        loop {
            match (olds.next(), news.next()) {
                (None, None) => break,
                (Some(o), Some(n)) => pairs.push((Some(o), Some(n))),
                (Some(o), None) => singles.entry(o.coarse.clone()).or_default().0.push(o),
                (None, Some(n)) => singles.entry(n.coarse.clone()).or_default().1.push(n),
            }
        }
    }
    for (_, (olds, news)) in singles {
        let mut olds = olds.into_iter();
        let mut news = news.into_iter();
        loop {
            match (olds.next(), news.next()) {
                (None, None) => break,
                (o, n) => pairs.push((o, n)),
            }
        }
    }
    pairs
}

/// The changes of a pairing: added and removed items with their classes,
/// changed ones through `compare`, citations and doc comments throughout.
pub(super) fn report_pairs<T>(
    subject: &str,
    pairs: Pairs<'_, T>,
    added: Class,
    removed: Class,
    mut compare: impl FnMut(&T, &T, &mut Vec<String>, &mut Vec<Class>),
    out: &mut Vec<Change>,
) {
    for (before, after) in pairs {
        match (before, after) {
            (Some(before), Some(after)) => {
                if before.content != after.content {
                    let mut details = Vec::new();
                    let mut classes = Vec::new();
                    compare(before.item, after.item, &mut details, &mut classes);
                    details.push(format!("was: `{}`", before.content));
                    out.push(Change {
                        class: join(&classes),
                        kind: ChangeKind::Changed,
                        subject: subject.to_string(),
                        name: after.content.clone(),
                        details,
                        semantic: true,
                        old: Some(before.meta.head),
                        new: Some(after.meta.head),
                    });
                }
                meta_changes(
                    subject,
                    &after.content,
                    (
                        before.meta.cite_text(),
                        before.meta.doc.as_deref(),
                        before.meta.head,
                    ),
                    (
                        after.meta.cite_text(),
                        after.meta.doc.as_deref(),
                        after.meta.head,
                    ),
                    out,
                );
            }
            (Some(before), None) => out.push(Change {
                class: removed,
                kind: ChangeKind::Removed,
                subject: subject.to_string(),
                name: before.content,
                details: Vec::new(),
                semantic: true,
                old: Some(before.meta.head),
                new: None,
            }),
            (None, Some(after)) => out.push(Change {
                class: added,
                kind: ChangeKind::Added,
                subject: subject.to_string(),
                name: after.content,
                details: Vec::new(),
                semantic: true,
                old: None,
                new: Some(after.meta.head),
            }),
            (None, None) => {}
        }
    }
}
