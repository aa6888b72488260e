//! Cases against the real One Touch privacy policy: each adds one data-map
//! file to `policies/one-touch/` and asserts the exact diagnostics. The
//! snapshot shows the added file and the rendered diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use privet::pipeline::{Compilation, compile};
use privet::render::human::render_all_plain;
use privet::source::SourceMap;

const CASE_FILE: &str = "policies/one-touch/systems/case.privet";

/// The One Touch policy and its data map, with one more file.
fn with_case(text: &str) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    for file in support::privet_files(&support::root().join("policies/one-touch")) {
        sources.add(
            support::relative(&file),
            std::fs::read_to_string(&file).unwrap(),
        );
    }
    sources.add(CASE_FILE, text);
    let compilation = compile(&sources);
    (sources, compilation)
}

/// The added file, then the rendered diagnostics.
fn case_and_diagnostics(text: &str, sources: &SourceMap, compilation: &Compilation) -> String {
    format!(
        "----- SOURCE {CASE_FILE}\n{text}\n----- DIAGNOSTICS\n{}",
        render_all_plain(sources, &compilation.diagnostics)
    )
}

/// (name, message) of each diagnostic, in report order.
fn found(compilation: &Compilation) -> Vec<(&'static str, String)> {
    compilation
        .diagnostics
        .iter()
        .map(|d| (d.name.as_str(), d.message.clone()))
        .collect()
}

fn owned(expected: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    expected
        .iter()
        .map(|(name, message)| (*name, (*message).to_string()))
        .collect()
}

#[test]
fn the_one_touch_policy_itself_checks_clean() {
    let (_, compilation) = with_case("");
    assert_eq!(found(&compilation), Vec::new());
}

const BACKUP_WITHOUT_REGION: &str = "\
/// An off-site copy of the account database; where it runs is not said.
store backup \"the off-site backup of the account database\"
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit
    retain user.contact, user.account
        while account.active
        then after account.closed keep for 3 years without commercial use
        then anonymize

flow accounts_db -> backup
    carries user.contact, user.account
    for service.provide
    protected by encryption.in_transit
";

/// 1(2) information storage area: a node that declares no region is judged
/// as outside the site, never as unconstrained.
#[test]
fn a_store_without_a_region_breaks_the_storage_area() {
    let (sources, compilation) = with_case(BACKUP_WITHOUT_REGION);
    assert_eq!(
        found(&compilation),
        owned(&[
            (
                "region-not-allowed",
                "`user.contact` must stay in `site`, but `backup` declares no region"
            ),
            (
                "region-not-allowed",
                "`user.account` must stay in `site`, but `backup` declares no region"
            ),
        ])
    );
    insta::assert_snapshot!(case_and_diagnostics(
        BACKUP_WITHOUT_REGION,
        &sources,
        &compilation
    ));
}

#[test]
fn the_same_store_in_the_site_keeps_the_storage_area() {
    let text = BACKUP_WITHOUT_REGION.replace(
        "store backup \"the off-site backup of the account database\"",
        "store backup \"the off-site backup of the account database\" in site",
    );
    let (_, compilation) = with_case(&text);
    assert_eq!(found(&compilation), Vec::new());
}

#[test]
fn a_store_without_a_region_is_allowed_with_separate_consent() {
    let text = BACKUP_WITHOUT_REGION.replace(
        "    for service.provide\n",
        "    for service.provide\n    with consent.separate\n",
    );
    let (_, compilation) = with_case(&text);
    assert_eq!(found(&compilation), Vec::new());
}

const ANONYMIZED_IDENTIFIERS: &str = "\
/// An advertising network gets phone numbers and IMEIs, said to be
/// anonymized, for marketing.
vendor ad_network \"an advertising network\" is third_party in site

flow accounts_db -> ad_network
    carries anonymized user.contact.phone, user.device.imei
    for marketing.mailing
";

/// 1(1) special note and 3(1): an identifier cannot be declared anonymous,
/// and the flow is judged as the personal data it is.
#[test]
fn anonymized_identifiers_to_an_ad_network_are_refused() {
    let (sources, compilation) = with_case(ANONYMIZED_IDENTIFIERS);
    assert_eq!(
        found(&compilation),
        owned(&[
            (
                "missing-safeguard",
                "this flow lacks `encryption.in_transit`"
            ),
            (
                "invalid-value",
                "`user.contact.phone` is an identifier, so this flow cannot carry it anonymized"
            ),
            (
                "sharing-without-basis",
                "`user.contact.phone` is shared with `ad_network` (third_party) without a basis the policy accepts"
            ),
            (
                "purpose-restricted",
                "`user.device.imei` may only be used for `security.login` and `security.identification`"
            ),
            (
                "sharing-without-basis",
                "`user.device.imei` is shared with `ad_network` (third_party) without a basis the policy accepts"
            ),
        ])
    );
    insta::assert_snapshot!(case_and_diagnostics(
        ANONYMIZED_IDENTIFIERS,
        &sources,
        &compilation
    ));
}

#[test]
fn an_anonymized_broad_category_with_an_identifier_below_is_refused() {
    let text = "\
flow orders_db -> analytics carries anonymized user.contact for service.provide
";
    let (_, compilation) = with_case(text);
    let found = found(&compilation);
    assert!(
        found.contains(&(
            "invalid-value",
            "`user.contact` includes the identifier `user.contact.email`, so this flow cannot carry it anonymized"
                .to_string()
        )),
        "{found:?}"
    );
}

const ADDRESS_BOOK: &str = "\
/// The app uploads the phone's address book, which the notice never lists.
category user.address_book \"the contacts in your phone's address book\"

flow customer -> app
    carries user.address_book
    for service.provide
    under consent
    protected by encryption.in_transit

flow app -> order_service
    carries user.address_book
    for service.provide
    protected by encryption.in_transit
";

/// The collection is undisclosed; its use by the order service is not
/// allowed either.
const ADDRESS_BOOK_FOUND: &[(&str, &str)] = &[
    (
        "undisclosed-collection",
        "the policy does not disclose collecting `user.address_book`",
    ),
    (
        "purpose-not-allowed",
        "no rule allows `user.address_book` to be used for `service.provide`",
    ),
];

/// 1(1): the exemptions of 1(3) lift the need for consent; they never
/// disclose what is collected.
#[test]
fn an_address_book_is_an_undisclosed_collection() {
    let (sources, compilation) = with_case(ADDRESS_BOOK);
    assert_eq!(found(&compilation), owned(ADDRESS_BOOK_FOUND));
    insta::assert_snapshot!(case_and_diagnostics(ADDRESS_BOOK, &sources, &compilation));
}

#[test]
fn claiming_an_exemption_does_not_disclose_an_address_book() {
    let text = ADDRESS_BOOK.replace("under consent", "under contract_necessity");
    let (_, compilation) = with_case(&text);
    assert_eq!(found(&compilation), owned(ADDRESS_BOOK_FOUND));
}

const IMEI_FOR_ORDERS: &str = "\
/// The app sends the IMEI to the order service, to tell a customer's
/// devices apart when it delivers orders.
flow app -> order_service
    carries user.device.imei
    for service.provide
    protected by encryption.in_transit
";

/// 1(1) special note: the diagnostic shows the section of the notice the
/// broken rule encodes, in every output.
#[test]
fn a_broken_rule_shows_the_section_of_the_notice() {
    let (sources, compilation) = with_case(IMEI_FOR_ORDERS);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "purpose-restricted",
            "`user.device.imei` may only be used for `security.login` and `security.identification`"
        )])
    );
    let diagnostic = &compilation.diagnostics[0];
    assert_eq!(diagnostic.cites(), ["1(1) special note"]);
    // The section is declared in the notice's outline.
    let outline = &compilation.program.outline;
    let named: Vec<&str> = outline
        .named_by("1(1) special note")
        .into_iter()
        .map(|index| outline.sections[index].title.as_str())
        .collect();
    assert_eq!(
        named,
        ["the information we collect and use during your use of our products or services"]
    );
    let json: serde_json::Value = serde_json::from_str(&privet::render::json::render(
        &sources,
        &compilation.diagnostics,
    ))
    .unwrap();
    assert_eq!(
        json["diagnostics"][0]["cites"],
        serde_json::json!(["1(1) special note"])
    );
    insta::assert_snapshot!(case_and_diagnostics(
        IMEI_FOR_ORDERS,
        &sources,
        &compilation
    ));
}

const CITES_NAMING_NO_SECTION: &str = "\
/// A duty the notice does not state, cited from a section it does not have.
obligation dpo.appoint \"appoint a data protection officer\"
    cite \"10\"

/// Access to personal information is audited; the heading is misspelt.
principle access_audit \"access to personal information is audited\"
    cite \"1(2) security protection measure d\"

/// 1(2) is divided into its headings, and has no fifth one.
principle retention_review \"retention periods are reviewed every year\"
    cite \"1(2) 5; 1(2) 1\"
";

/// The outline of the notice: a policy file added with citations that
/// name no section of it is reported, part by part.
#[test]
fn a_citation_naming_no_section_of_the_notice_is_reported() {
    let (sources, compilation) = with_case(CITES_NAMING_NO_SECTION);
    assert_eq!(
        found(&compilation),
        owned(&[
            ("unknown-section", "`10` names no section of the notice"),
            (
                "unknown-section",
                "`1(2) security protection measure d` names no section of the notice"
            ),
            ("unknown-section", "`1(2) 5` names no section of the notice"),
        ])
    );
    insta::assert_snapshot!(case_and_diagnostics(
        CITES_NAMING_NO_SECTION,
        &sources,
        &compilation
    ));
}
