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

// ---------------------------------------------------------------- 1(3), 3: exceptions and exemptions

/// Asserts the exact diagnostics of a case, and snapshots it (under the
/// test's name) when there are any.
fn assert_case(name: &str, text: &str, expected: &[(&'static str, &str)]) {
    let (sources, compilation) = with_case(text);
    assert_eq!(found(&compilation), owned(expected));
    if !expected.is_empty() {
        insta::assert_snapshot!(name, case_and_diagnostics(text, &sources, &compilation));
    }
}

/// 1(3) 7: the contract exemption covers providing the service the person
/// asked for, not marketing.
#[test]
fn location_for_marketing_under_contract_necessity_is_refused() {
    assert_case(
        "location_for_marketing_under_contract_necessity_is_refused",
        "\
/// The app collects location for marketing, claiming the contract needs it.
flow customer -> app
    carries user.location
    for marketing.mailing
    under contract_necessity
    protected by encryption.in_transit
",
        &[(
            "purpose-not-allowed",
            "no rule allows `user.location` to be collected for `marketing.mailing`",
        )],
    );
}

/// 1(3) 7: what the contract needs may be collected without consent.
#[test]
fn contact_for_the_service_under_contract_necessity_is_collected() {
    assert_case(
        "contact_for_the_service_under_contract_necessity_is_collected",
        "\
flow customer -> app
    carries user.contact
    for service.provide
    under contract_necessity
    protected by encryption.in_transit
",
        &[],
    );
}

/// 3(4) 3: the criminal-justice exemption covers investigation and
/// prosecution, not marketing.
#[test]
fn order_data_to_investigators_for_marketing_is_refused() {
    assert_case(
        "order_data_to_investigators_for_marketing_is_refused",
        "\
/// Order data handed to investigators for marketing, claiming the criminal
/// investigation exemption.
flow orders_db -> investigators
    carries user.order
    for marketing.mailing
    under criminal_justice
    protected by encryption.in_transit
",
        &[(
            "sharing-without-basis",
            "`user.order` is shared with `investigators` (authority) without a basis the policy accepts",
        )],
    );
}

/// 3(4) 3: shared for prosecution under the exemption, no consent needed.
#[test]
fn order_data_to_investigators_for_prosecution_is_shared() {
    assert_case(
        "order_data_to_investigators_for_prosecution_is_shared",
        "\
flow orders_db -> investigators
    carries user.order
    for legal.prosecution
    under criminal_justice
    protected by encryption.in_transit
",
        &[],
    );
}

/// 3(1) 1: explicit consent lifts the ban on sharing and permits it, with no
/// second rule.
#[test]
fn sharing_with_explicit_consent_is_permitted_by_the_exception() {
    assert_case(
        "sharing_with_explicit_consent_is_permitted_by_the_exception",
        "\
vendor partner \"a partner shop\" is third_party in site

flow orders_db -> partner
    carries user.order
    for service.provide
    with consent.explicit
    protected by encryption.in_transit
",
        &[],
    );
}

/// 3(2) 2: a successor bound by the policy may receive the information; a
/// third party claiming the same basis may not.
#[test]
fn a_third_party_cannot_claim_the_successor_exception() {
    assert_case(
        "a_third_party_cannot_claim_the_successor_exception",
        "\
/// A company buying a product line, which is not the successor.
vendor buyer \"a company buying a product line\" is third_party in site

flow accounts_db -> buyer
    carries user.contact, user.account
    for service.provide
    under successor_bound
    protected by encryption.in_transit
",
        &[
            (
                "sharing-without-basis",
                "`user.contact` is shared with `buyer` (third_party) without a basis the policy accepts",
            ),
            (
                "sharing-without-basis",
                "`user.account` is shared with `buyer` (third_party) without a basis the policy accepts",
            ),
        ],
    );
}

#[test]
fn the_acquirer_bound_by_the_policy_receives_the_information() {
    assert_case(
        "the_acquirer_bound_by_the_policy_receives_the_information",
        "\
vendor acquirer_co \"the company acquiring One Touch\" is acquirer in site

flow accounts_db -> acquirer_co
    carries user.contact, user.account
    for service.provide
    under successor_bound
    protected by encryption.in_transit
",
        &[],
    );
}

/// 3(4) 2: public health needs no consent, for public-interest purposes.
#[test]
fn location_to_the_health_authority_for_public_safety_is_shared() {
    assert_case(
        "location_to_the_health_authority_for_public_safety_is_shared",
        "\
authority health_bureau \"the public health authority\" in site

flow orders_db -> health_bureau
    carries user.location
    for public_safety
    under public_interest
    protected by encryption.in_transit
",
        &[],
    );
}

/// 3(4) 2: the public-interest exemption does not cover customer support.
#[test]
fn location_to_the_health_authority_for_support_is_refused() {
    assert_case(
        "location_to_the_health_authority_for_support_is_refused",
        "\
/// The health authority is sent location data to answer support tickets.
authority health_bureau \"the public health authority\" in site

flow orders_db -> health_bureau
    carries user.location
    for service.support
    under public_interest
    protected by encryption.in_transit
",
        &[(
            "sharing-without-basis",
            "`user.location` is shared with `health_bureau` (authority) without a basis the policy accepts",
        )],
    );
}

// ---- 6: children's personal information. The notice's section 6 has no
// text, so the policy states no rule about children; these cases write one,
// as section 6 might, in the case file.

/// A rule of section 6, as a case supposes it: children's information goes
/// to a processor only with the consent of a parent or guardian.
const CHILDREN_TO_PROCESSORS: &str = "\
/// The consent of a parent or guardian.
basis consent.guardian \"the consent of a parent or guardian\"

/// Children's information goes to a processor only with the consent of a
/// parent or guardian.
deny share of user about customer.child to processor
    except allow with consent.guardian
";

/// The rule applies to every flow that carries children's data, however far
/// from where it was collected: the customer is of every kind of customer,
/// so the SMS and e-mail vendors, two and three hops from the customer,
/// receive children's data with only explicit consent.
#[test]
fn a_rule_about_children_applies_to_every_flow_carrying_their_data() {
    assert_case(
        "a_rule_about_children_applies_to_every_flow_carrying_their_data",
        CHILDREN_TO_PROCESSORS,
        &[
            (
                "sharing-without-basis",
                "`user.contact.phone` is shared with `sms_gateway` (processor) without a basis the policy accepts",
            ),
            (
                "sharing-without-basis",
                "`user.contact.email` is shared with `mail_vendor` (processor) without a basis the policy accepts",
            ),
        ],
    );
}

/// A rule of section 6 about third parties, and a survey company.
const CHILDREN_TO_THIRD_PARTIES: &str = "\
basis consent.guardian \"the consent of a parent or guardian\"

deny share of user about customer.child to third_party
    except allow with consent.guardian

vendor survey \"a survey company\" is third_party in site

system survey_app \"the satisfaction survey\" in site

flow survey_app -> survey
    carries user.contact.email
    for service.support
    with consent.explicit
    protected by encryption.in_transit
";

/// A subject, and the survey asking for their e-mail address.
fn surveyed(subject: &str) -> String {
    let name = subject.split_whitespace().next().unwrap_or("");
    format!(
        "
subject {subject}

flow {name} -> survey_app
    carries user.contact.email
    for service.support
    under consent
    protected by encryption.in_transit
"
    )
}

/// Customers aged 14 or over.
const GROWN_UP: &str = "grown_up \"a customer aged 14 or over\" is customer.general";

/// What the rule about children finds when it applies to the survey.
const SHARED_WITH_THE_SURVEY: (&str, &str) = (
    "sharing-without-basis",
    "`user.contact.email` is shared with `survey` (third_party) without a basis the policy accepts",
);

/// A subject that names no kind of data subject is judged as every
/// audience: the rule about children applies to its data.
#[test]
fn a_subject_naming_no_kind_is_judged_as_every_audience() {
    assert_case(
        "a_subject_naming_no_kind_is_judged_as_every_audience",
        // Whether visitors are children is not said.
        &format!(
            "{CHILDREN_TO_THIRD_PARTIES}{}",
            surveyed("visitor \"a visitor of the web site\"")
        ),
        &[SHARED_WITH_THE_SURVEY],
    );
}

/// The data of customers aged 14 or over only is not caught by the rule
/// about children, through the same systems.
#[test]
fn adults_data_is_not_caught_by_the_rule_about_children() {
    assert_case(
        "adults_data_is_not_caught_by_the_rule_about_children",
        &format!("{CHILDREN_TO_THIRD_PARTIES}{}", surveyed(GROWN_UP)),
        &[],
    );
}

/// Children's data that reaches a system with adults' data is children's
/// data in everything that system sends on (kept per node).
#[test]
fn childrens_data_reaching_a_system_is_caught_downstream() {
    assert_case(
        "childrens_data_reaching_a_system_is_caught_downstream",
        &format!(
            "{CHILDREN_TO_THIRD_PARTIES}{}{}",
            surveyed(GROWN_UP),
            surveyed("pupil \"a child customer\" is customer.child")
        ),
        &[SHARED_WITH_THE_SURVEY],
    );
}

/// An `allow` about some kinds of data subject only permits nothing about
/// the others: location used for mailing is allowed about customers aged
/// 14 or over, and the customers' data includes children's.
#[test]
fn an_allow_about_adults_does_not_permit_childrens_data() {
    assert_case(
        "an_allow_about_adults_does_not_permit_childrens_data",
        "\
allow use of user.location for marketing.mailing about customer.general

system campaigns \"location-based mailing campaigns\" in site

flow order_service -> campaigns
    carries user.location
    for marketing.mailing
    protected by encryption.in_transit
",
        &[(
            "purpose-not-allowed",
            "no rule allows `user.location` to be used for `marketing.mailing`",
        )],
    );
}
