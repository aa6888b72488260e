//! The one diagnostic model every stage produces and every renderer reads.
//!
//! A diagnostic has a stable kebab-case [`Name`] (users and CI rely on it; a
//! released name never changes meaning), a severity, a message, a primary
//! span, secondary labels, notes and an optional help line. Renderers live in
//! `render`; nothing here knows about terminals, JSON or the LSP.

use crate::source::Span;
use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

macro_rules! diagnostic_names {
    ($( $variant:ident => $text:literal, $severity:ident, $summary:literal; )*) => {
        /// The stable name of a diagnostic. `docs/diagnostics/NAME.md` explains each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Name {
            $( $variant, )*
        }

        impl Name {
            /// Every name, in the order of the documentation.
            pub const ALL: &'static [Name] = &[ $( Name::$variant, )* ];

            /// The kebab-case name shown to users.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Name::$variant => $text, )*
                }
            }

            /// The severity a diagnostic of this name has.
            pub fn severity(self) -> Severity {
                match self {
                    $( Name::$variant => Severity::$severity, )*
                }
            }

            /// One line saying when the diagnostic is reported.
            pub fn summary(self) -> &'static str {
                match self {
                    $( Name::$variant => $summary, )*
                }
            }

            pub fn from_name(text: &str) -> Option<Name> {
                match text {
                    $( $text => Some(Name::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

diagnostic_names! {
    SyntaxError => "syntax-error", Error,
        "the input cannot be parsed; parsing resumes at the next item";
    ControlCharacter => "control-character", Error,
        "a string or comment holds a control character or a bidirectional control";
    UnknownName => "unknown-name", Error,
        "a name that is not declared";
    UnknownSection => "unknown-section", Error,
        "a citation names no section of the notice's outline";
    DuplicateDefinition => "duplicate-definition", Error,
        "a name declared twice";
    InvalidValue => "invalid-value", Error,
        "a malformed duration, date, party kind or other value";
    UndisclosedCollection => "undisclosed-collection", Error,
        "the systems collect a category the policy does not disclose";
    PurposeNotAllowed => "purpose-not-allowed", Error,
        "a flow uses a category for a purpose that no rule allows";
    PurposeRestricted => "purpose-restricted", Error,
        "a flow uses a category outside its \"only for\" purposes";
    SharingWithoutBasis => "sharing-without-basis", Error,
        "a share, transfer or disclosure to a recipient without a basis the policy accepts";
    RetentionExceeded => "retention-exceeded", Error,
        "a store keeps a category longer than the policy allows, or ends it more weakly";
    RetentionTooShort => "retention-too-short", Error,
        "no store keeps a category as long as the policy promises, or a store may erase data under a legal hold";
    RetentionMissing => "retention-missing", Error,
        "a store holds personal data with no retention declared";
    RetentionUnenforceable => "retention-unenforceable", Error,
        "a store's retention cannot be carried out by the technology it is backed by";
    RegionNotAllowed => "region-not-allowed", Error,
        "data stored or sent outside the allowed regions without what the policy requires";
    MissingSafeguard => "missing-safeguard", Error,
        "a store or flow lacks a required safeguard";
    TrackingIgnoresDnt => "tracking-ignores-dnt", Error,
        "a tracking flow does not honour Do Not Track where the policy says it must";
    IgnoresOptOut => "ignores-opt-out", Error,
        "a flow does not honour an opt-out that stops what it carries";
    TechnologyPurposeUndeclared => "technology-purpose-undeclared", Error,
        "a tracker serves a purpose none of its technologies is declared for";
    NoticeMissing => "notice-missing", Error,
        "a flow relies on a basis that needs a notice, without showing the notice";
    SecondaryUse => "secondary-use", Error,
        "data used for a purpose it was not collected for, with no basis the policy accepts for a new purpose";
    Reidentification => "reidentification", Warning,
        "anonymized data combined with identifiers";
    InconsistentFlow => "inconsistent-flow", Warning,
        "a flow carries categories that never reach its source";
    UnnecessaryCollection => "unnecessary-collection", Warning,
        "a category is collected but no flow ever uses it for a purpose";
    UnusedDeclaration => "unused-declaration", Warning,
        "declared, never used";
    DeadRule => "dead-rule", Warning,
        "a rule that can never decide anything";
}

impl Name {
    /// Whether the name is of an error of loading: the files do not make
    /// one well-formed program (a syntax error, an unknown or duplicate
    /// name, a value out of range). Commands that render or compare a
    /// program refuse only these; the other errors are checks of the data
    /// map, which they show.
    pub fn is_loading(self) -> bool {
        matches!(
            self,
            Name::SyntaxError | Name::UnknownName | Name::DuplicateDefinition | Name::InvalidValue
        )
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with a message, pointing at the thing the diagnostic is about or
/// at a declaration or rule involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// When the label points at a rule (or an exception of one) that cites
    /// the notice: its citation, so the reader sees which section of the
    /// notice is at stake.
    pub cite: Option<String>,
}

impl Label {
    /// The message as people read it: with the citation, when there is one,
    /// as it is written in the source (`confined here (cite "1(2)")`).
    pub fn text(&self) -> String {
        match &self.cite {
            Some(cite) if self.message.is_empty() => format!("cite {}", crate::format::quote(cite)),
            Some(cite) => format!("{} (cite {})", self.message, crate::format::quote(cite)),
            None => self.message.clone(),
        }
    }
}

/// A replacement that fixes a diagnostic: the "did you mean" of a misspelt
/// name, in a form an editor can apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
}

/// One finding, in the shape every renderer reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub name: Name,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is; its message is printed under the source line.
    pub primary: Label,
    /// The rule that forbids it, the declaration of a name, the other span of
    /// a duplicate.
    pub labels: Vec<Label>,
    /// Facts worth knowing, such as the data path.
    pub notes: Vec<String>,
    /// What to do about it, such as "did you mean".
    pub help: Option<String>,
    /// The edit the help suggests, when it is one replacement.
    pub suggestion: Option<Suggestion>,
}

impl Diagnostic {
    /// A diagnostic with the name's default severity and an unlabelled
    /// primary span.
    pub fn new(name: Name, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            name,
            severity: name.severity(),
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
                cite: None,
            },
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestion: None,
        }
    }

    pub fn primary_message(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            cite: None,
        });
        self
    }

    /// A label pointing at a rule, or at an exception of one, with its
    /// citation of the notice (none when it cites nothing).
    pub fn cited_label(
        mut self,
        span: Span,
        message: impl Into<String>,
        cite: Option<&str>,
    ) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            cite: cite.map(str::to_string),
        });
        self
    }

    /// The citation of the rule the primary span points at.
    pub fn primary_cite(mut self, cite: Option<&str>) -> Self {
        self.primary.cite = cite.map(str::to_string);
        self
    }

    /// The citations of the rules the diagnostic points at (its primary
    /// span first, then its labels), each once, in that order.
    pub fn cites(&self) -> Vec<&str> {
        let mut cites: Vec<&str> = Vec::new();
        for label in std::iter::once(&self.primary).chain(&self.labels) {
            if let Some(cite) = label.cite.as_deref()
                && !cites.contains(&cite)
            {
                cites.push(cite);
            }
        }
        cites
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Suggests replacing the text at `span` with `replacement`.
    pub fn suggest(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.suggestion = Some(Suggestion {
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// "did you mean `replacement`?", as help and as a suggestion.
    pub fn did_you_mean(self, span: Span, replacement: &str) -> Self {
        self.help(format!("did you mean `{replacement}`?"))
            .suggest(span, replacement)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The order diagnostics are reported in: by file and position, then name
    /// and message, so output never depends on the order work was done in.
    pub fn sort_key(&self) -> (Span, Name, &str) {
        (self.primary.span, self.name, &self.message)
    }
}

/// Sorts diagnostics into report order and drops exact repeats.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.labels.len().cmp(&b.labels.len()))
    });
    diagnostics.dedup();
}

/// Counts of what a run found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let mut summary = Summary::default();
        for diagnostic in diagnostics {
            match diagnostic.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => {}
            }
        }
        summary
    }
}

/// "did you mean" for a misspelt name: the closest candidate within a
/// distance that scales with the length of the name.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = wanted.chars().count();
    let limit = (length / 3).clamp(1, 4);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        // The distance is at least the difference in length; skipping the
        // others keeps a very long name from costing length × length.
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .map(|candidate| (strsim::damerau_levenshtein(wanted, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Name::ALL {
            assert_eq!(Name::from_name(name.as_str()), Some(*name));
        }
        assert_eq!(Name::from_name("no-such-name"), None);
    }

    #[test]
    fn a_label_shows_its_citation_and_a_diagnostic_lists_each_once() {
        let span = Span::default();
        let diagnostic = Diagnostic::new(Name::DeadRule, span, "message")
            .primary_message("never decides")
            .primary_cite(Some("1(1)"))
            .cited_label(span, "forbidden here", Some("3(1) \"a\""))
            .cited_label(span, "also here", Some("1(1)"))
            .label(span, "a declaration");
        assert_eq!(diagnostic.primary.text(), "never decides (cite \"1(1)\")");
        let texts: Vec<String> = diagnostic.labels.iter().map(Label::text).collect();
        assert_eq!(
            texts,
            [
                "forbidden here (cite \"3(1) \\\"a\\\"\")",
                "also here (cite \"1(1)\")",
                "a declaration"
            ]
        );
        assert_eq!(diagnostic.cites(), ["1(1)", "3(1) \"a\""]);
    }

    #[test]
    fn closest_finds_typos_and_rejects_strangers() {
        let names = ["user.contact.email", "user.contact.phone", "security.login"];
        assert_eq!(
            closest("user.contact.emial", names),
            Some("user.contact.email")
        );
        assert_eq!(closest("security.logn", names), Some("security.login"));
        assert_eq!(closest("marketing", names), None);
    }
}
