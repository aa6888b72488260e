//! The names written in items that did not parse. Such an item uses names
//! nothing else records: without it, the declarations it names would look
//! unused, and one syntax error would bring a cascade of warnings (as rustc,
//! privet says nothing of what a broken item may have used).

use super::split;
use std::collections::BTreeSet;

/// The dotted names (`user.contact.email`, `order_service`) in the items
/// of `text` holding one of `offsets` (the positions of syntax errors),
/// outside strings and comments.
pub fn names_in_broken_items(text: &str, offsets: &[u32]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for chunk in split::split(text) {
        let holds_error = offsets.iter().any(|&offset| {
            let offset = offset as usize;
            chunk.start <= offset && offset <= chunk.end
        });
        if let (true, Some(item)) = (holds_error, text.get(chunk.start..chunk.end)) {
            collect_names(item, &mut names);
        }
    }
    names
}

fn collect_names(item: &str, names: &mut BTreeSet<String>) {
    for line in item.lines() {
        let code = match split::comment_start(line) {
            Some(at) => line.get(..at).unwrap_or(line),
            None => line,
        };
        let mut in_string = false;
        let mut escaped = false;
        let mut name = String::new();
        for c in code.chars() {
            if in_string {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => escaped = false,
                }
                continue;
            }
            if c.is_ascii_alphanumeric() || c == '_' || (c == '.' && !name.is_empty()) {
                name.push(c);
                continue;
            }
            take(&mut name, names);
            in_string = c == '"';
        }
        take(&mut name, names);
    }
}

fn take(name: &mut String, names: &mut BTreeSet<String>) {
    let word = name.trim_end_matches('.');
    if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        names.insert(word.to_string());
    }
    name.clear();
}

/// Whether a declared name is one a broken item may have used: the name
/// itself, an ancestor of a name it wrote, or a descendant of one (a rule
/// on `user` uses `user.contact.email`).
pub fn mentioned(names: &BTreeSet<String>, declared: &str) -> bool {
    if names.contains(declared) {
        return true;
    }
    // An ancestor of `declared` written in the item.
    let mut ancestor = declared;
    while let Some((parent, _)) = ancestor.rsplit_once('.') {
        if names.contains(parent) {
            return true;
        }
        ancestor = parent;
    }
    // A descendant of `declared`: the names sort right after `declared.`.
    let prefix = format!("{declared}.");
    names
        .range(prefix.clone()..)
        .next()
        .is_some_and(|name| name.starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_broken_item_only_outside_strings_and_comments() {
        let text = "category user.contact.email \"e-mail\"\n\nflow a_b -> sms\n    carries user.contact.phone // not.this\n    \"not.that\" x.\n\nsystem other \"other\"\n";
        let broken_at = text.find("carries").unwrap() as u32;
        let names = names_in_broken_items(text, &[broken_at]);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            names,
            ["a_b", "carries", "flow", "sms", "user.contact.phone", "x"]
        );
    }

    #[test]
    fn a_name_is_mentioned_through_its_ancestors_and_descendants() {
        let names: BTreeSet<String> = ["user.contact.phone", "sms"]
            .into_iter()
            .map(String::from)
            .collect();
        for used in [
            "user",
            "user.contact",
            "user.contact.phone",
            "user.contact.phone.mobile",
            "sms",
        ] {
            assert!(mentioned(&names, used), "{used}");
        }
        for unused in ["user.contact.email", "us", "sms_gateway", "smsx"] {
            assert!(!mentioned(&names, unused), "{unused}");
        }
    }
}
