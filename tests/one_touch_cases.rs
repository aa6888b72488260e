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

/// The One Touch policy and its data map with one text of one of its files
/// replaced, and one more file: for cases that change what a store of the
/// real data map does.
fn with_replaced_case(file: &str, from: &str, to: &str, text: &str) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    let mut replaced = false;
    for path in support::privet_files(&support::root().join("policies/one-touch")) {
        let relative = support::relative(&path);
        let mut content = std::fs::read_to_string(&path).unwrap();
        if relative.ends_with(file) {
            assert!(content.contains(from), "{file} does not contain {from:?}");
            content = content.replacen(from, to, 1);
            replaced = true;
        }
        sources.add(relative, content);
    }
    assert!(replaced, "no file {file}");
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
    for security.identification
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

/// Separate consent counts once the person was told of the transfer
/// (`notified by`): without it the flow is `notice-missing`.
#[test]
fn a_store_without_a_region_is_allowed_with_separate_consent() {
    let text = BACKUP_WITHOUT_REGION.replace(
        "    for security.identification\n",
        "    for security.identification\n    with consent.separate\n    notified by notice.cross_border\n",
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
                "purpose-not-allowed",
                "`user.contact.phone` may not be shared for `marketing.mailing` after `account.closed`"
            ),
            (
                "sharing-without-basis",
                "`user.contact.phone` is shared with `ad_network` (third_party) without a basis the policy accepts"
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.contact.phone` for `marketing.mailing` without honouring the opt-out `unsubscribe`"
            ),
            (
                "secondary-use",
                "`user.contact.phone` was collected for `security.identification`, `security.login` and `service.provide`, not for `marketing.mailing`"
            ),
            (
                "purpose-not-allowed",
                "`user.device.imei` may not be shared for `marketing.mailing` after `account.closed`"
            ),
            (
                "purpose-restricted",
                "`user.device.imei` may only be used for `security.login` and `security.identification`"
            ),
            (
                "sharing-without-basis",
                "`user.device.imei` is shared with `ad_network` (third_party) without a basis the policy accepts"
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.device.imei` for `marketing.mailing` without honouring the opt-out `unsubscribe`"
            ),
            (
                "secondary-use",
                "`user.device.imei` was collected for `security.identification` and `security.login`, not for `marketing.mailing`"
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

/// Asserts the exact diagnostics of a case, and snapshots it when there are
/// any. A macro, so that the snapshot takes the name of the test it is in.
macro_rules! assert_case {
    ($text:expr, $expected:expr $(,)?) => {{
        let text: &str = $text;
        let expected: &[(&'static str, &str)] = $expected;
        let (sources, compilation) = with_case(text);
        assert_eq!(found(&compilation), owned(expected));
        if !expected.is_empty() {
            insta::assert_snapshot!(case_and_diagnostics(text, &sources, &compilation));
        }
    }};
}

/// 1(3) 7: the contract exemption covers providing the service the person
/// asked for, not marketing.
#[test]
fn location_for_marketing_under_contract_necessity_is_refused() {
    assert_case!(
        "\
/// The app collects location for marketing, claiming the contract needs it.
flow customer -> app
    carries user.location
    for marketing.mailing
    under contract_necessity
    protected by encryption.in_transit
",
        &[
            (
                "purpose-not-allowed",
                "no rule allows `user.location` to be collected for `marketing.mailing`",
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.location` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
            ),
        ],
    );
}

/// 1(3) 7: what the contract needs may be collected without consent.
#[test]
fn contact_for_the_service_under_contract_necessity_is_collected() {
    assert_case!(
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
    assert_case!(
        "\
/// Order data handed to investigators for marketing, claiming the criminal
/// investigation exemption.
flow orders_db -> investigators
    carries user.order
    for marketing.mailing
    under criminal_justice
    protected by encryption.in_transit
",
        &[
            (
                "purpose-not-allowed",
                "`user.order` may not be shared for `marketing.mailing` after `account.closed`",
            ),
            (
                "sharing-without-basis",
                "`user.order` is shared with `investigators` (authority) without a basis the policy accepts",
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.order` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
            ),
            (
                "secondary-use",
                "`user.order` was collected for `service.provide` and `service.support`, not for `marketing.mailing`",
            ),
        ],
    );
}

/// 3(4) 3: shared for prosecution under the exemption, no consent needed.
#[test]
fn order_data_to_investigators_for_prosecution_is_shared() {
    assert_case!(
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
    assert_case!(
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
    assert_case!(
        "\
/// A company buying a product line, which is not the successor.
vendor buyer \"a company buying a product line\" is third_party in site

flow orders_db -> buyer
    carries user.order, user.location
    for service.provide
    under successor_bound
    protected by encryption.in_transit
",
        &[
            (
                "sharing-without-basis",
                "`user.order` is shared with `buyer` (third_party) without a basis the policy accepts",
            ),
            (
                "sharing-without-basis",
                "`user.location` is shared with `buyer` (third_party) without a basis the policy accepts",
            ),
        ],
    );
}

#[test]
fn the_acquirer_bound_by_the_policy_receives_the_information() {
    assert_case!(
        "\
vendor acquirer_co \"the company acquiring One Touch\" is acquirer in site

flow orders_db -> acquirer_co
    carries user.order, user.location
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
    assert_case!(
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
    assert_case!(
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

// ---------------------------------------------------------------- 1(1), 1(2), 2, 3(3): every section

/// 1(1) special note: IMEI serves login and security identification only,
/// even handed on with consent.
#[test]
fn imei_for_marketing_breaks_the_special_note() {
    assert_case!(
        "\
/// The mailing vendor is sent IMEIs to target campaigns.
flow auth_service -> mail_vendor
    carries user.device.imei
    for marketing.mailing
    with consent.explicit
    protected by encryption.in_transit
",
        &[
            (
                "purpose-restricted",
                "`user.device.imei` may only be used for `security.login` and `security.identification`",
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.device.imei` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
            ),
            (
                "secondary-use",
                "`user.device.imei` was collected for `security.identification` and `security.login`, not for `marketing.mailing`",
            ),
        ],
    );
}

/// 1(2) 1: information is kept no longer than the legal minimum after the
/// account closes.
#[test]
fn an_archive_that_keeps_orders_ten_years_exceeds_retention() {
    assert_case!(
        "\
/// An order archive kept ten years after the account closes.
store archive_db \"the order archive\" in site
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit
    retain user.order
        while account.active
        then after account.closed keep for 10 years without commercial use
        then anonymize

flow orders_db -> archive_db
    carries user.order
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "retention-exceeded",
            "store `archive_db` keeps `user.order` longer than the policy allows",
        )],
    );
}

/// 1(2) 1: a store that says nothing of how long it keeps the data fails
/// closed.
#[test]
fn a_store_without_retention_is_reported() {
    assert_case!(
        "\
store scratch_db \"a scratch copy of orders\" in site
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit

flow orders_db -> scratch_db
    carries user.order
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "retention-missing",
            "store `scratch_db` keeps `user.order` with no retention declared",
        )],
    );
}

/// 1(2) security protection measures a: stores of user information are
/// encrypted.
#[test]
fn an_unencrypted_cache_lacks_a_safeguard() {
    assert_case!(
        "\
/// An order cache without encryption at rest.
store cache_db \"an order cache\" in site
    protected by isolation, access.control, audit
    retain user.order
        while account.active
        then after account.closed keep for 3 years without commercial use
        then anonymize

flow orders_db -> cache_db
    carries user.order
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "missing-safeguard",
            "store `cache_db` lacks `encryption.at_rest`",
        )],
    );
}

/// 1(2) security protection measures b: data in transit is encrypted.
#[test]
fn an_unencrypted_flow_lacks_a_safeguard() {
    assert_case!(
        "\
flow order_service -> sms_gateway
    carries user.contact.phone
    for service.provide
    with consent.explicit
",
        &[(
            "missing-safeguard",
            "this flow lacks `encryption.in_transit`",
        )],
    );
}

/// 3(1): even a processor receives user information only with explicit
/// consent or another exception.
#[test]
fn a_processor_without_consent_is_sharing_without_basis() {
    assert_case!(
        "\
flow order_service -> sms_gateway
    carries user.contact.phone
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "sharing-without-basis",
            "`user.contact.phone` is shared with `sms_gateway` (processor) without a basis the policy accepts",
        )],
    );
}

/// 2(1): cookies serve no purpose but those the notice states.
#[test]
fn cookies_for_marketing_break_the_cookie_promise() {
    assert_case!(
        "\
flow web_tracker -> mail_vendor
    carries user.tracking.cookie
    for marketing.mailing
    with consent.explicit
    protected by encryption.in_transit
",
        &[
            (
                "purpose-restricted",
                "`user.tracking.cookie` may only be used for `site.operation` and `tracking.preferences`",
            ),
            (
                "secondary-use",
                "`user.tracking.cookie` was collected for `site.operation` and `tracking.preferences`, not for `marketing.mailing`",
            ),
            (
                "technology-purpose-undeclared",
                "`web_tracker` serves `marketing.mailing`, and none of its technologies is declared for it",
            ),
        ],
    );
}

/// 2(3): every website respects Do Not Track.
#[test]
fn a_pixel_tracker_that_ignores_do_not_track_is_reported() {
    assert_case!(
        "\
/// A second pixel tracker, which does not look at Do Not Track.
tracker pixel_tracker \"a third-party pixel tracker\" using pixel_tag
    honours opt out unsubscribe
    in site

flow customer -> pixel_tracker
    carries user.tracking.email_opens
    for tracking.email_opens
    protected by encryption.in_transit
",
        &[(
            "tracking-ignores-dnt",
            "this flow uses `user.tracking.email_opens` for `tracking.email_opens` without honouring Do Not Track",
        )],
    );
}

/// 2(3): the same tracker, honouring Do Not Track, is clean.
#[test]
fn a_pixel_tracker_that_honours_do_not_track_is_clean() {
    assert_case!(
        "\
tracker pixel_tracker \"a third-party pixel tracker\" using pixel_tag
    honours do not track
    honours opt out unsubscribe
    in site

flow customer -> pixel_tracker
    carries user.tracking.email_opens
    for tracking.email_opens
    protected by encryption.in_transit
",
        &[],
    );
}

/// 2(2): "you can unsubscribe from our mailing list at any time" stops the
/// tracking of e-mail clicks; a click tracker that keeps counting after it
/// is refused.
#[test]
fn a_click_tracker_that_ignores_unsubscribe_is_reported() {
    assert_case!(
        "\
/// A second click tracker, which does not look at the mailing list.
tracker click_tracker \"a third-party click tracker\" using tracked_link
    honours do not track
    in site

flow customer -> click_tracker
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[(
            "ignores-opt-out",
            "this flow uses `user.tracking.clicks` for `tracking.clicks` without honouring the opt-out `unsubscribe`",
        )],
    );
}

/// 2(2): the same tracker, honouring the opt-out, is clean.
#[test]
fn a_click_tracker_that_honours_unsubscribe_is_clean() {
    assert_case!(
        "\
tracker click_tracker \"a third-party click tracker\" using tracked_link
    honours do not track
    honours opt out unsubscribe
    in site

flow customer -> click_tracker
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[],
    );
}

/// 2(2): a mailing that goes on after the person unsubscribed is refused,
/// though no tracker is involved.
#[test]
fn a_newsletter_that_ignores_unsubscribe_is_reported() {
    assert_case!(
        "\
/// A second newsletter, sent without looking at the list's unsubscriptions.
flow web -> mail_vendor
    carries user.contact.email
    for marketing.mailing
    with consent.explicit, consent.new_purpose
    protected by encryption.in_transit
",
        &[(
            "ignores-opt-out",
            "this flow uses `user.contact.email` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
        )],
    );
}

/// 2(1): cookies are for the site's operation and visit preferences only; a
/// tracker that tracks e-mail clicks with cookies alone is refused.
#[test]
fn a_cookie_tracker_tracking_clicks_is_refused() {
    assert_case!(
        "\
/// Tracks the clicks on our e-mails' links with a cookie.
tracker cookie_tracker \"a cookie-based click tracker\" using cookie
    honours do not track
    honours opt out cookies.blocked, unsubscribe
    in site

flow customer -> cookie_tracker
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[(
            "technology-purpose-undeclared",
            "`cookie_tracker` serves `tracking.clicks`, and none of its technologies is declared for it",
        )],
    );
}

/// 2(1), 2(2): the same tracker using the click-tracking links is clean.
#[test]
fn a_link_tracker_tracking_clicks_is_clean() {
    assert_case!(
        "\
tracker link_tracker \"a click tracker\" using cookie, tracked_link
    honours do not track
    honours opt out cookies.blocked, unsubscribe
    in site

flow customer -> link_tracker
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[],
    );
}

/// The backup of the account database, in a region the case file declares,
/// relying on separate consent.
fn overseas_copy() -> String {
    let text = BACKUP_WITHOUT_REGION
        .replace("where it runs is not said", "it runs abroad")
        .replace(
            "store backup \"the off-site backup of the account database\"",
            "store backup \"the off-site backup of the account database\" in abroad",
        )
        .replace(
            "    for security.identification\n",
            "    for security.identification\n    with consent.separate\n",
        );
    format!("region abroad \"a country outside the site's location\"\n\n{text}")
}

/// 1(2) information storage area: a transfer abroad under separate consent
/// must show that the person was told the purpose, the recipient and the
/// security measures first.
#[test]
fn a_transfer_abroad_without_the_notice_is_refused() {
    assert_case!(
        &overseas_copy(),
        &[(
            "notice-missing",
            "this flow relies on `consent.separate`, which needs the notice `notice.cross_border`, and does not show it",
        )],
    );
}

/// 1(2) information storage area: the same transfer, with the notice, is
/// clean.
#[test]
fn a_transfer_abroad_with_the_notice_is_clean() {
    let text = overseas_copy().replace(
        "    with consent.separate\n",
        "    with consent.separate\n    notified by notice.cross_border\n",
    );
    assert!(text.contains("notified by"));
    assert_case!(&text, &[]);
}

/// 3(3): information is disclosed publicly only with explicit consent or
/// under legal process.
#[test]
fn location_on_a_public_board_is_disclosed_without_basis() {
    assert_case!(
        "\
/// A public leaderboard showing where customers shop from.
vendor public_board \"a public leaderboard\" is public in site

flow orders_db -> public_board
    carries user.location
    for marketing.mailing
    protected by encryption.in_transit
",
        &[
            (
                "purpose-not-allowed",
                "`user.location` may not be disclosed for `marketing.mailing` after `account.closed`",
            ),
            (
                "sharing-without-basis",
                "`user.location` is disclosed to `public_board` (public) without a basis the policy accepts",
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.location` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
            ),
            (
                "secondary-use",
                "`user.location` was collected for `service.provide`, not for `marketing.mailing`",
            ),
        ],
    );
}

/// 1(1), de-identification: anonymized data joined again with identifiers
/// is personal information again.
#[test]
fn identifiers_sent_to_the_anonymized_analytics_reidentify_it() {
    assert_case!(
        "\
flow order_service -> analytics
    carries user.contact.phone
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "reidentification",
            "anonymized data meets identifiers at `analytics`",
        )],
    );
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
        owned(&[
            (
                "purpose-restricted",
                "`user.device.imei` may only be used for `security.login` and `security.identification`"
            ),
            (
                "secondary-use",
                "`user.device.imei` was collected for `security.identification` and `security.login`, not for `service.provide`"
            )
        ])
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

const TEXTING_ORDER_CUSTOMERS: &str = "\
/// A newsletter service texts offers to the phone numbers the order service
/// holds. The policy lets contact information be used for the mailing list
/// with consent, but the numbers were given to log in and to order.
system newsletter \"the newsletter service\" in site

flow order_service -> newsletter
    carries user.contact.phone
    for marketing.mailing
    under consent
    protected by encryption.in_transit
    honours opt out unsubscribe
";

/// 1(1): information collected for specific purposes is used for another
/// only after notice and consent. Every rule permits this use; the data
/// map shows the numbers were never collected for it.
#[test]
fn order_phone_numbers_used_for_the_mailing_list_are_a_secondary_use() {
    let (sources, compilation) = with_case(TEXTING_ORDER_CUSTOMERS);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "secondary-use",
            "`user.contact.phone` was collected for `security.identification`, `security.login`, `service.provide` and `service.support`, not for `marketing.mailing`"
        )])
    );
    let diagnostic = &compilation.diagnostics[0];
    assert!(
        diagnostic.notes.contains(
            &"path of `user.contact.phone`: customer -> app -> order_service -> newsletter"
                .to_string()
        ),
        "{:?}",
        diagnostic.notes
    );
    insta::assert_snapshot!(case_and_diagnostics(
        TEXTING_ORDER_CUSTOMERS,
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

/// The same use after notice and consent to the new purpose is no secondary
/// use, and the flows after it may use the numbers for it too.
#[test]
fn order_phone_numbers_for_the_mailing_list_after_notice_and_consent() {
    let text = format!(
        "{}\nflow newsletter -> sms_gateway\n    carries user.contact.phone\n    for marketing.mailing\n    with consent.explicit\n    protected by encryption.in_transit\n    honours opt out unsubscribe\n",
        TEXTING_ORDER_CUSTOMERS.replace("under consent\n", "under consent.new_purpose\n")
    );
    let (_, compilation) = with_case(&text);
    assert_eq!(found(&compilation), Vec::new());
}

/// Without the new-purpose consent, the onward flow is a secondary use as
/// well: consent to share is not consent to a new purpose.
#[test]
fn consent_to_share_is_not_consent_to_a_new_purpose() {
    let text = format!(
        "{TEXTING_ORDER_CUSTOMERS}\nflow newsletter -> sms_gateway\n    carries user.contact.phone\n    for marketing.mailing\n    with consent.explicit\n    protected by encryption.in_transit\n    honours opt out unsubscribe\n"
    );
    let (_, compilation) = with_case(&text);
    let names: Vec<&str> = found(&compilation).iter().map(|(name, _)| *name).collect();
    assert_eq!(names, vec!["secondary-use", "secondary-use"]);
}

const HELPDESK: &str = "\
/// The help desk sees where orders were delivered, to answer questions
/// about them.
system helpdesk \"the help desk\" in site

flow order_service -> helpdesk
    carries user.location
    for service.support
    protected by encryption.in_transit
";

/// 1(1): responding to your problems is declared compatible with providing
/// the service, so location collected to deliver orders serves it.
#[test]
fn a_compatible_purpose_needs_no_new_consent() {
    let (_, compilation) = with_case(HELPDESK);
    assert_eq!(found(&compilation), Vec::new());
}

/// 1(1) special note: what is collected for security "will not be used for
/// any other purposes". Security is compatible with providing the service,
/// not the reverse: account information collected to log in is not used to
/// serve orders, although a rule permits that use.
#[test]
fn compatibility_is_not_symmetric() {
    let text = "\
system helpdesk \"the help desk\" in site

flow auth_service -> helpdesk
    carries user.account
    for service.provide
    protected by encryption.in_transit
";
    let (sources, compilation) = with_case(text);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "secondary-use",
            "`user.account` was collected for `security.identification` and `security.login`, not for `service.provide`"
        )])
    );
    insta::assert_snapshot!(case_and_diagnostics(text, &sources, &compilation));
}

const RECOMMENDER: &str = "\
/// A recommender reads what the app holds: orders and phone numbers, both
/// given to order, and device details, given to log in.
system recommender \"the product recommender\" in site

flow app -> recommender
    carries user.order, user.contact.phone, user.device.details
    for service.provide
    protected by encryption.in_transit
";

/// Two collections meet at the app: the phone number and the device come
/// from the login collection, the orders and the phone number from the
/// order collection. Each leaf keeps its own purposes: the phone number and
/// the orders may serve orders, the device details may not.
#[test]
fn collections_meeting_at_one_node_keep_their_own_purposes() {
    let (sources, compilation) = with_case(RECOMMENDER);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "secondary-use",
            "`user.device.details` was collected for `security.identification` and `security.login`, not for `service.provide`"
        )])
    );
    insta::assert_snapshot!(case_and_diagnostics(RECOMMENDER, &sources, &compilation));
}

/// 1(1): the mailing list uses the e-mail address given to log in. The data
/// map's flow to the e-mail vendor relies on consent to the new purpose; a
/// second flow that does not is a secondary use.
#[test]
fn the_mailing_list_without_consent_to_the_new_purpose_is_a_secondary_use() {
    let text = "\
flow web -> mail_vendor
    carries user.contact.email
    for marketing.mailing
    with consent.explicit
    protected by encryption.in_transit
    honours opt out unsubscribe
";
    let (_, compilation) = with_case(text);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "secondary-use",
            "`user.contact.email` was collected for `security.login`, not for `marketing.mailing`"
        )])
    );
}

/// Data that never came from a collection the map shows is not bound: the
/// flow is judged as declared by the rules, and nothing is known of what it
/// was collected for.
#[test]
fn data_from_no_collection_is_not_bound() {
    let text = "\
flow analytics -> mail_vendor
    carries user.contact.email
    for marketing.mailing
    with consent.explicit
    protected by encryption.in_transit
    honours opt out unsubscribe
";
    let (_, compilation) = with_case(text);
    let names: Vec<&str> = found(&compilation).iter().map(|(name, _)| *name).collect();
    // Its phase is not known either: every phase, so the rules against
    // commercial use after cancellation and after the stop of operation
    // apply to it.
    assert_eq!(
        names,
        vec![
            "purpose-not-allowed",
            "purpose-not-allowed",
            "inconsistent-flow"
        ]
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
    assert_case!(
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
    assert_case!(
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
    assert_case!(
        &format!("{CHILDREN_TO_THIRD_PARTIES}{}", surveyed(GROWN_UP)),
        &[],
    );
}

/// Children's data that reaches a system with adults' data is children's
/// data in everything that system sends on (kept per node).
#[test]
fn childrens_data_reaching_a_system_is_caught_downstream() {
    assert_case!(
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
    assert_case!(
        "\
allow use of user.location for marketing.mailing about customer.general

system campaigns \"location-based mailing campaigns\" in site

flow order_service -> campaigns
    carries user.location
    for marketing.mailing
    protected by encryption.in_transit
",
        &[
            (
                "purpose-not-allowed",
                "no rule allows `user.location` to be used for `marketing.mailing`",
            ),
            (
                "ignores-opt-out",
                "this flow uses `user.location` for `marketing.mailing` without honouring the opt-out `unsubscribe`",
            ),
            (
                "secondary-use",
                "`user.location` was collected for `service.provide`, not for `marketing.mailing`",
            ),
        ],
    );
}

const MAILING_FROM_ACCOUNTS: &str = "\
system crm \"the customer relationship system\" in site

/// The mailing list, fed from the account database.
flow accounts_db -> crm
    carries user.contact.email
    for marketing.mailing
    with consent.explicit, consent.new_purpose
    honours opt out unsubscribe
    protected by encryption.in_transit
";

/// 1(2) 1 s.3: the account database keeps closed accounts' data for three
/// years; a flow out of it for the mailing list, a commercial purpose, reads
/// that data too, and no commercial use is allowed after cancellation.
#[test]
fn closed_accounts_data_for_marketing_is_refused() {
    assert_case!(
        MAILING_FROM_ACCOUNTS,
        &[(
            "purpose-not-allowed",
            "`user.contact.email` may not be used for `marketing.mailing` after `account.closed`",
        )],
    );
}

/// The same flow, narrowed to live data (the accounts in use), is what
/// the policy permits.
#[test]
fn live_accounts_data_for_marketing_is_accepted() {
    let text = MAILING_FROM_ACCOUNTS.replace(
        "    protected by encryption.in_transit\n",
        "    protected by encryption.in_transit\n    while account.active\n",
    );
    assert_case!(&text, &[]);
}

/// Narrowed to the closed accounts only, it is refused all the same.
#[test]
fn data_after_cancellation_for_marketing_is_refused() {
    let text = MAILING_FROM_ACCOUNTS.replace(
        "    protected by encryption.in_transit\n",
        "    protected by encryption.in_transit\n    after account.closed\n",
    );
    let (_, compilation) = with_case(&text);
    assert_eq!(
        found(&compilation),
        owned(&[(
            "purpose-not-allowed",
            "`user.contact.email` may not be used for `marketing.mailing` after `account.closed`",
        )])
    );
}

/// A store that keeps data for a time counted from collection keeps it
/// whatever happens to the person: its data is in every phase, so a
/// commercial use of it meets both rules (cancellation or deletion, and
/// the stop of operation).
#[test]
fn tracking_events_kept_from_collection_for_commercial_use_are_refused() {
    assert_case!(
        "\
system crm \"the customer relationship system\" in site

/// Click statistics per customer, read from the tracking stream.
flow tracking_events -> crm
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[
            (
                "purpose-not-allowed",
                "`user.tracking.clicks` may not be used for `tracking.clicks` after \
                 `account.closed` or `information.deleted`",
            ),
            (
                "purpose-not-allowed",
                "`user.tracking.clicks` may not be used for `tracking.clicks` after \
                 `operation.stopped`",
            ),
        ],
    );
}

/// Data collected from the person is live: a collection for a commercial
/// purpose is still accepted.
#[test]
fn a_collection_for_a_commercial_purpose_is_live_and_accepted() {
    assert_case!(
        "\
/// A second tracker for the links in the e-mails.
tracker mail_tracker \"click tracking of the e-mails\" using tracked_link
    honours do not track
    honours opt out unsubscribe
    in site

flow customer -> mail_tracker
    carries user.tracking.clicks
    for tracking.clicks
    protected by encryption.in_transit
",
        &[],
    );
}

// ---------------------------------------------------------------- 1(2) 1: floors and legal holds

/// Like `assert_case!`, with a text of a One Touch file replaced first; the
/// snapshot shows the replacement.
macro_rules! assert_replaced_case {
    ($file:expr, $from:expr, $to:expr, $text:expr, $expected:expr $(,)?) => {{
        let (file, from, to, text): (&str, &str, &str, &str) = ($file, $from, $to, $text);
        let expected: &[(&'static str, &str)] = $expected;
        let (sources, compilation) = with_replaced_case(file, from, to, text);
        assert_eq!(found(&compilation), owned(expected));
        if !expected.is_empty() {
            insta::assert_snapshot!(format!(
                "----- REPLACED in {file}\n{from}\n----- BY\n{to}\n{}",
                case_and_diagnostics(text, &sources, &compilation)
            ));
        }
    }};
}

const ACCOUNTS_LIFECYCLE: &str = "\
        while account.active
        then after account.closed keep for 3 years without commercial use
        then anonymize";

/// 1(2) 1: "we will continuously store their personal information". The
/// account database deleting contact details a day after collection breaks
/// it: no store holding them keeps them while the account is active (the
/// investigation archive holds them only after it closes).
#[test]
fn contact_details_deleted_after_one_day_are_kept_too_short() {
    assert_replaced_case!(
        "systems/accounts.privet",
        ACCOUNTS_LIFECYCLE,
        "        keep for 1 day without commercial use then delete",
        "",
        &[
            (
                "retention-too-short",
                "store `accounts_db` keeps `user.account`, `user.contact.email`, `user.device.details`, `user.device.imei` and 2 more for less time than the policy promises",
            ),
            (
                "retention-too-short",
                "store `investigation_archive` keeps `user.account`, `user.contact.email`, `user.device.details`, `user.log` and 1 more for less time than the policy promises",
            ),
        ],
    );
}

/// 1(2) 1: a floor is a promise of the company, not of each copy. A login
/// cache that keeps contact details one day is fine: the account database
/// keeps them as long as the notice promises.
#[test]
fn a_short_lived_copy_of_contact_details_is_fine() {
    assert_case!(
        "\
/// A cache of login details, kept one day.
store login_cache \"the login cache\" in site
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit
    retain user.contact, user.account
        keep for 1 day without commercial use then delete

flow auth_service -> login_cache
    carries user.contact, user.account
    for security.login
    protected by encryption.in_transit
",
        &[],
    );
}

/// 1(2) 1 b: violation and credit records are "permanently saved". A store
/// of them that deletes them after a day breaks it: `retain ... forever` is
/// a duty to keep.
#[test]
fn violation_records_kept_one_day_are_kept_too_short() {
    assert_replaced_case!(
        "systems/legal.privet",
        "retain user.records forever",
        "retain user.records keep for 1 day then delete",
        "",
        &[(
            "retention-too-short",
            "store `violation_records` keeps `user.records.credit` and `user.records.violation` for less time than the policy promises",
        )],
    );
}

/// 1(2) 1 a: the archive for criminal investigations applies "when users
/// voluntarily delete personal information" as well as on cancellation; an
/// archive counted from the deletion is within the policy.
#[test]
fn an_archive_counted_from_deletion_is_accepted() {
    assert_case!(
        "\
/// Information a person deletes, archived for criminal investigations.
store deleted_archive \"the archive of deleted information\" in site
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit
    retain user.contact, user.account
        after information.deleted archive encrypted isolated for prosecution_limit
        then anonymize

flow accounts_db -> deleted_archive
    carries user.contact, user.account
    for legal.criminal_investigation
    protected by encryption.in_transit
",
        &[],
    );
}

/// 1(2) 1 a: the archive is kept within the time limit for criminal
/// prosecution; an archive that keeps it one year only breaks the floor.
#[test]
fn an_archive_kept_one_year_is_kept_too_short() {
    assert_replaced_case!(
        "systems/legal.privet",
        "after account.closed archive encrypted isolated for prosecution_limit",
        "after account.closed archive encrypted isolated for 1 year",
        "",
        &[(
            "retention-too-short",
            "store `investigation_archive` keeps `user.account`, `user.contact.email`, `user.contact.phone`, `user.device.details` and 2 more for less time than the policy promises",
        )],
    );
}

/// 1(2) 1: "within the shortest retention period ... we will no longer
/// commercially use your personal information". A store that holds order
/// data after the account closes without saying so ends it more weakly.
#[test]
fn a_store_dropping_without_commercial_use_is_refused() {
    assert_case!(
        "\
/// A copy of the orders for the accounting team.
store accounting_db \"the accounting copy of orders\" in site
    protected by encryption.at_rest, isolation, access.control, access.approval,
        audit
    retain user.order
        while account.active
        then after account.closed keep for legal_minimum
        then anonymize

flow orders_db -> accounting_db
    carries user.order
    for service.provide
    protected by encryption.in_transit
",
        &[(
            "retention-exceeded",
            "store `accounting_db` ends or holds `user.order` more weakly than the policy requires",
        )],
    );
}

const DISPUTE_HOLD: &str = "\
state order.disputed \"an order of the person is disputed before a court\"

/// Nothing about a disputed order is erased while the dispute lasts.
hold user.order while order.disputed
";

/// A legal hold: the order database deletes orders by age, whatever holds.
#[test]
fn a_store_erasing_held_data_is_refused() {
    assert_case!(
        DISPUTE_HOLD,
        &[(
            "retention-too-short",
            "store `orders_db` may erase `user.order` while `order.disputed` holds",
        )],
    );
}

/// With a `hold` column, the order database's job spares held rows.
#[test]
fn a_store_with_a_hold_column_spares_held_data() {
    assert_replaced_case!(
        "systems/orders.privet",
        "timestamp \"account_closed_at\"",
        "timestamp \"account_closed_at\" hold \"disputed\"",
        DISPUTE_HOLD,
        &[],
    );
}

// ---------------------------------------------------------------- the audit of issue 12

/// Orders collected from the person after operation stops.
const ORDERS_AFTER_THE_STOP: &str = "\
/// A last survey of orders, collected after operations stop.
flow customer -> app
    carries user.order
    for service.provide
    under consent
    protected by encryption.in_transit
    after operation.stopped
";

/// 1(2) stop operation: "promptly stop collecting personal information". A
/// collection the data map places after the stop of operation is refused,
/// and the diagnostic shows the flow's own `after` clause.
#[test]
fn a_collection_after_the_stop_of_operation_is_refused() {
    assert_case!(
        ORDERS_AFTER_THE_STOP,
        &[(
            "purpose-not-allowed",
            "`user.order` may not be collected for `service.provide` after `operation.stopped`",
        )],
    );
}

/// The same collection after the person cancels the account is data after
/// the cancellation, not after the stop of operation: no rule of the notice
/// forbids collecting it for the service (it was once taken to be in every
/// phase, and refused as if operation had stopped).
#[test]
fn a_collection_after_cancellation_is_not_after_the_stop_of_operation() {
    let text = ORDERS_AFTER_THE_STOP.replace("after operation.stopped", "after account.closed");
    assert!(text.contains("after account.closed"));
    assert_case!(&text, &[]);
}

/// 1(2) 1 s.3: an address collected again from a person whose account is
/// closed is data after the cancellation, and the mailing list fed from the
/// web site reads it: no commercial use after cancellation. (The collection
/// was once taken to carry nothing, and the mailing list checked clean.)
#[test]
fn an_address_collected_after_cancellation_reaches_the_mailing_list() {
    assert_case!(
        "\
/// The web site asks closed accounts for their e-mail address again.
flow customer -> web
    carries user.contact.email
    for security.login
    under consent
    protected by encryption.in_transit
    after account.closed
",
        &[(
            "purpose-not-allowed",
            "`user.contact.email` may not be shared for `marketing.mailing` after `account.closed`",
        )],
    );
}

/// 2(1): "most web browsers have a feature to block cookies". A tracker of
/// visit preferences that keeps reading cookie data the browser blocks is
/// refused.
#[test]
fn a_cookie_tracker_that_ignores_blocked_cookies_is_reported() {
    assert_case!(
        "\
/// Remembers visit preferences, without looking at blocked cookies.
tracker preference_tracker \"visit preferences\" using cookie
    honours do not track
    in site

flow customer -> preference_tracker
    carries user.tracking.cookie
    for tracking.preferences
    protected by encryption.in_transit
",
        &[(
            "ignores-opt-out",
            "this flow uses `user.tracking.cookie` for `tracking.preferences` without honouring the opt-out `cookies.blocked`",
        )],
    );
}

/// 1(2) information storage area: the notice that counts is the one about
/// the transfer; showing another notice (of the stop of operation) does not
/// make the separate consent valid.
#[test]
fn a_transfer_abroad_notified_by_another_notice_is_refused() {
    let text = overseas_copy().replace(
        "    with consent.separate\n",
        "    with consent.separate\n    notified by notice.stop_operation\n",
    );
    assert!(text.contains("notified by"));
    assert_case!(
        &text,
        &[(
            "notice-missing",
            "this flow relies on `consent.separate`, which needs the notice `notice.cross_border`, and does not show it",
        )],
    );
}

/// A legal hold on the information kept for criminal investigations: the
/// investigation archive is an S3 bucket, which expires objects by age and
/// cannot spare one person's.
#[test]
fn a_legal_hold_on_the_investigation_archive_is_unenforceable() {
    assert_case!(
        "\
state case.open \"a criminal case about the person is open\"

/// Nothing kept for a criminal investigation is erased while its case is open.
hold user.contact for legal.criminal_investigation while case.open
",
        &[(
            "retention-unenforceable",
            "store `investigation_archive` may erase `user.contact.email` and `user.contact.phone` while `case.open` holds",
        )],
    );
}
