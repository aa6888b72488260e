//! The page for each diagnostic name, from `docs/diagnostics/NAME.md`,
//! compiled into the binary so `privet explain NAME` works anywhere.

use crate::diagnostic::Name;

macro_rules! pages {
    ($( $variant:ident => $file:literal, )*) => {
        /// The documentation page of a diagnostic, in Markdown.
        pub fn page(name: Name) -> &'static str {
            match name {
                $( Name::$variant => include_str!(concat!("../docs/diagnostics/", $file, ".md")), )*
            }
        }
    };
}

pages! {
    SyntaxError => "syntax-error",
    ControlCharacter => "control-character",
    UnknownName => "unknown-name",
    UnknownSection => "unknown-section",
    DuplicateDefinition => "duplicate-definition",
    InvalidValue => "invalid-value",
    UndisclosedCollection => "undisclosed-collection",
    PurposeNotAllowed => "purpose-not-allowed",
    PurposeRestricted => "purpose-restricted",
    SharingWithoutBasis => "sharing-without-basis",
    RetentionExceeded => "retention-exceeded",
    RetentionTooShort => "retention-too-short",
    RetentionMissing => "retention-missing",
    RetentionUnenforceable => "retention-unenforceable",
    RegionNotAllowed => "region-not-allowed",
    MissingSafeguard => "missing-safeguard",
    TrackingIgnoresDnt => "tracking-ignores-dnt",
    IgnoresOptOut => "ignores-opt-out",
    TechnologyPurposeUndeclared => "technology-purpose-undeclared",
    NoticeMissing => "notice-missing",
    SecondaryUse => "secondary-use",
    Reidentification => "reidentification",
    InconsistentFlow => "inconsistent-flow",
    UnnecessaryCollection => "unnecessary-collection",
    UnusedDeclaration => "unused-declaration",
    DeadRule => "dead-rule",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_titled_with_its_name() {
        for name in Name::ALL {
            let page = page(*name);
            assert!(
                page.starts_with(&format!("# {}\n", name.as_str())),
                "docs/diagnostics/{}.md must start with its name",
                name.as_str()
            );
        }
    }
}
