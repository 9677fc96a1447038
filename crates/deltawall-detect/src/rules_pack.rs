//! The finance rule pack and its test events, compiled into the binary. Keep the lists in
//! step with `rules/finance/` (a test checks that every file there is listed).

/// `(file name, YAML)` of every rule file of the pack.
pub const FINANCE_PACK: &[(&str, &str)] = &[
    (
        "base_login.yml",
        include_str!("../rules/finance/base_login.yml"),
    ),
    (
        "brute_force_account.yml",
        include_str!("../rules/finance/brute_force_account.yml"),
    ),
    (
        "card_testing.yml",
        include_str!("../rules/finance/card_testing.yml"),
    ),
    (
        "credential_stuffing_asn.yml",
        include_str!("../rules/finance/credential_stuffing_asn.yml"),
    ),
    (
        "credential_stuffing_hit.yml",
        include_str!("../rules/finance/credential_stuffing_hit.yml"),
    ),
    (
        "credential_stuffing_ip.yml",
        include_str!("../rules/finance/credential_stuffing_ip.yml"),
    ),
    (
        "crypto_withdrawal.yml",
        include_str!("../rules/finance/crypto_withdrawal.yml"),
    ),
    (
        "http_login_flood.yml",
        include_str!("../rules/finance/http_login_flood.yml"),
    ),
    (
        "impossible_travel.yml",
        include_str!("../rules/finance/impossible_travel.yml"),
    ),
    (
        "new_payee_large_transfer.yml",
        include_str!("../rules/finance/new_payee_large_transfer.yml"),
    ),
    (
        "password_spraying.yml",
        include_str!("../rules/finance/password_spraying.yml"),
    ),
    (
        "request_spike.yml",
        include_str!("../rules/finance/request_spike.yml"),
    ),
    (
        "success_after_failures.yml",
        include_str!("../rules/finance/success_after_failures.yml"),
    ),
];

/// `(file name, YAML)` of every rule test file of the pack.
pub const FINANCE_TESTS: &[(&str, &str)] = &[(
    "crypto_withdrawal.tests.yml",
    include_str!("../rules/finance/crypto_withdrawal.tests.yml"),
)];
