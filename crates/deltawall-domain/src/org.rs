//! Organisations: the tenants of the service.

use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary with stable codes (stored in the database and used in the
/// API) and Japanese and English labels.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $ja:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code used in storage and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Parses a stable code.
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The label in the given language (`ja` or anything else for English).
            pub fn label(self, lang: &str) -> &'static str {
                match (self, lang == "ja") { $(($name::$variant, true) => $ja, ($name::$variant, false) => $en,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

vocabulary! {
    /// What kind of body a tenant is; it decides which permissions its roles carry.
    OrgKind {
        /// The FSA or a local finance bureau (金融庁・財務局).
        Supervisor = "supervisor", "監督当局", "Supervisor";
        /// A bank, insurer, securities firm or other supervised institution.
        Institution = "institution", "金融機関", "Financial institution";
        /// An information sharing body such as the Financial ISAC.
        SharingBody = "sharing_body", "情報共有機関", "Information sharing body";
        /// An industry association.
        IndustryAssociation = "industry_association", "業界団体", "Industry association";
    }
}

vocabulary! {
    /// Business type (業態) of a financial institution, covering those the FSA report names.
    BusinessType {
        /// 主要行等 / major banking group.
        MajorBank = "major_bank", "主要行等", "Major bank group";
        /// 地方銀行 / regional bank.
        RegionalBank = "regional_bank", "地方銀行", "Regional bank";
        /// 第二地方銀行 / second-tier regional bank.
        SecondRegionalBank = "second_regional_bank", "第二地方銀行", "Second-tier regional bank";
        /// 信用金庫 / shinkin bank.
        ShinkinBank = "shinkin_bank", "信用金庫", "Shinkin bank";
        /// 信用組合 / credit cooperative.
        CreditCooperative = "credit_cooperative", "信用組合", "Credit cooperative";
        /// 労働金庫 / labour bank.
        LabourBank = "labour_bank", "労働金庫", "Labour bank";
        /// 信託銀行 / trust bank.
        TrustBank = "trust_bank", "信託銀行", "Trust bank";
        /// ネット銀行 / internet bank.
        InternetBank = "internet_bank", "インターネット専業銀行", "Internet bank";
        /// 証券会社 / securities firm.
        SecuritiesFirm = "securities_firm", "証券会社", "Securities firm";
        /// FX業者 / retail FX dealer.
        FxDealer = "fx_dealer", "FX業者", "FX dealer";
        /// PTS運営業者 / proprietary trading system operator.
        PtsOperator = "pts_operator", "PTS運営業者", "PTS operator";
        /// 生命保険会社 / life insurer.
        LifeInsurer = "life_insurer", "生命保険会社", "Life insurer";
        /// 損害保険会社 / non-life insurer.
        NonLifeInsurer = "non_life_insurer", "損害保険会社", "Non-life insurer";
        /// 資金移動業者 / funds transfer service provider.
        FundsTransfer = "funds_transfer", "資金移動業者", "Funds transfer provider";
        /// 前払式支払手段発行者 / prepaid payment instrument issuer.
        PrepaidIssuer = "prepaid_issuer", "前払式支払手段発行者", "Prepaid payment instrument issuer";
        /// 暗号資産交換業者 / crypto-asset exchange.
        CryptoExchange = "crypto_exchange", "暗号資産交換業者", "Crypto-asset exchange";
        /// 貸金業者 / money lender.
        MoneyLender = "money_lender", "貸金業者", "Money lender";
        /// 監査法人 / audit firm.
        AuditFirm = "audit_firm", "監査法人", "Audit firm";
        /// その他 / other.
        Other = "other", "その他", "Other";
    }
}

vocabulary! {
    /// Jurisdiction of a local finance bureau; an institution belongs to one.
    Region {
        /// 北海道財務局.
        Hokkaido = "hokkaido", "北海道", "Hokkaido";
        /// 東北財務局.
        Tohoku = "tohoku", "東北", "Tohoku";
        /// 関東財務局.
        Kanto = "kanto", "関東", "Kanto";
        /// 北陸財務局.
        Hokuriku = "hokuriku", "北陸", "Hokuriku";
        /// 東海財務局.
        Tokai = "tokai", "東海", "Tokai";
        /// 近畿財務局.
        Kinki = "kinki", "近畿", "Kinki";
        /// 中国財務局.
        Chugoku = "chugoku", "中国", "Chugoku";
        /// 四国財務局.
        Shikoku = "shikoku", "四国", "Shikoku";
        /// 九州財務局.
        Kyushu = "kyushu", "九州", "Kyushu";
        /// 福岡財務支局.
        Fukuoka = "fukuoka", "福岡", "Fukuoka";
        /// 沖縄総合事務局.
        Okinawa = "okinawa", "沖縄", "Okinawa";
        /// Outside Japan (overseas group companies).
        Overseas = "overseas", "海外", "Overseas";
    }
}

vocabulary! {
    /// Attributes of an institution that change over time and are kept with their validity.
    AttributeKind {
        /// Size band, e.g. by total assets: `small`, `medium`, `large`.
        SizeBand = "size_band", "規模区分", "Size band";
        /// Systemic importance: `gsib`, `dsib` or `none`.
        SystemicImportance = "systemic_importance", "システム上の重要性", "Systemic importance";
    }
}

impl AttributeKind {
    /// The values an attribute may take.
    pub fn allowed_values(self) -> &'static [&'static str] {
        match self {
            AttributeKind::SizeBand => &["small", "medium", "large"],
            AttributeKind::SystemicImportance => &["gsib", "dsib", "none"],
        }
    }
}

/// Whether a supervisor tenant is the national authority or a local bureau.
///
/// A local bureau follows up the institutions of its own region; the FSA sees the whole
/// sector. Both share one history of each institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisorReach {
    /// The FSA: every institution.
    National,
    /// A local finance bureau: institutions of one region.
    Regional(Region),
}

/// Lets other modules declare vocabularies the same way.
pub(crate) use vocabulary;
