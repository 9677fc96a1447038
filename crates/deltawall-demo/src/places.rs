//! The demo sector's places and institutions: regional institutions by place, and the
//! national ones.

use deltawall_domain::org::{BusinessType, Region};

/// Prefectures by region, used to name regional institutions.
pub(crate) const PLACES: &[(Region, &[(&str, &str)])] = &[
    (
        Region::Hokkaido,
        &[
            ("北海道", "Hokkaido"),
            ("札幌", "Sapporo"),
            ("旭川", "Asahikawa"),
        ],
    ),
    (
        Region::Tohoku,
        &[
            ("青森", "Aomori"),
            ("岩手", "Iwate"),
            ("宮城", "Miyagi"),
            ("秋田", "Akita"),
            ("山形", "Yamagata"),
            ("福島", "Fukushima"),
        ],
    ),
    (
        Region::Kanto,
        &[
            ("東京", "Tokyo"),
            ("横浜", "Yokohama"),
            ("千葉", "Chiba"),
            ("埼玉", "Saitama"),
            ("群馬", "Gunma"),
            ("栃木", "Tochigi"),
            ("茨城", "Ibaraki"),
            ("山梨", "Yamanashi"),
            ("長野", "Nagano"),
            ("新潟", "Niigata"),
        ],
    ),
    (
        Region::Hokuriku,
        &[("富山", "Toyama"), ("石川", "Ishikawa"), ("福井", "Fukui")],
    ),
    (
        Region::Tokai,
        &[
            ("静岡", "Shizuoka"),
            ("愛知", "Aichi"),
            ("岐阜", "Gifu"),
            ("三重", "Mie"),
        ],
    ),
    (
        Region::Kinki,
        &[
            ("大阪", "Osaka"),
            ("京都", "Kyoto"),
            ("兵庫", "Hyogo"),
            ("奈良", "Nara"),
            ("滋賀", "Shiga"),
            ("和歌山", "Wakayama"),
        ],
    ),
    (
        Region::Chugoku,
        &[
            ("広島", "Hiroshima"),
            ("岡山", "Okayama"),
            ("山口", "Yamaguchi"),
            ("鳥取", "Tottori"),
            ("島根", "Shimane"),
        ],
    ),
    (
        Region::Shikoku,
        &[
            ("香川", "Kagawa"),
            ("徳島", "Tokushima"),
            ("愛媛", "Ehime"),
            ("高知", "Kochi"),
        ],
    ),
    (
        Region::Kyushu,
        &[
            ("熊本", "Kumamoto"),
            ("大分", "Oita"),
            ("宮崎", "Miyazaki"),
            ("鹿児島", "Kagoshima"),
        ],
    ),
    (
        Region::Fukuoka,
        &[("福岡", "Fukuoka"), ("佐賀", "Saga"), ("長崎", "Nagasaki")],
    ),
    (Region::Okinawa, &[("沖縄", "Okinawa"), ("琉球", "Ryukyu")]),
];

/// Regional business types with their Japanese and English name patterns and how many of
/// each to create per place (roughly the sector's shape: many shinkin banks, fewer banks).
pub(crate) const REGIONAL: &[(BusinessType, &str, &str, usize)] = &[
    (BusinessType::RegionalBank, "{}銀行", "Bank of {}", 1),
    (
        BusinessType::SecondRegionalBank,
        "{}第二銀行",
        "{} Second Bank",
        1,
    ),
    (
        BusinessType::ShinkinBank,
        "{}信用金庫",
        "{} Shinkin Bank",
        1,
    ),
    (
        BusinessType::CreditCooperative,
        "{}信用組合",
        "{} Credit Cooperative",
        1,
    ),
];

/// Nationwide institutions: (type, Japanese name, English name, region).
pub(crate) const NATIONAL: &[(BusinessType, &str, &str, Region)] = &[
    (
        BusinessType::TrustBank,
        "さくら信託銀行",
        "Sakura Trust Bank",
        Region::Kanto,
    ),
    (
        BusinessType::TrustBank,
        "みなと信託銀行",
        "Minato Trust Bank",
        Region::Kanto,
    ),
    (
        BusinessType::InternetBank,
        "あおぞらネット銀行",
        "Aozora Net Bank",
        Region::Kanto,
    ),
    (
        BusinessType::InternetBank,
        "ひかりデジタル銀行",
        "Hikari Digital Bank",
        Region::Kanto,
    ),
    (
        BusinessType::LabourBank,
        "中央労働金庫",
        "Chuo Labour Bank",
        Region::Kanto,
    ),
    (
        BusinessType::LabourBank,
        "近畿労働金庫",
        "Kinki Labour Bank",
        Region::Kinki,
    ),
    (
        BusinessType::SecuritiesFirm,
        "大手町証券",
        "Otemachi Securities",
        Region::Kanto,
    ),
    (
        BusinessType::SecuritiesFirm,
        "北浜証券",
        "Kitahama Securities",
        Region::Kinki,
    ),
    (
        BusinessType::SecuritiesFirm,
        "兜町オンライン証券",
        "Kabutocho Online Securities",
        Region::Kanto,
    ),
    (
        BusinessType::FxDealer,
        "ひまわりFX",
        "Himawari FX",
        Region::Kanto,
    ),
    (
        BusinessType::FxDealer,
        "つばさ為替",
        "Tsubasa Forex",
        Region::Kanto,
    ),
    (
        BusinessType::PtsOperator,
        "ジャパン・ネクスト取引システム",
        "Japan Next Trading System",
        Region::Kanto,
    ),
    (
        BusinessType::LifeInsurer,
        "やまと生命保険",
        "Yamato Life Insurance",
        Region::Kanto,
    ),
    (
        BusinessType::LifeInsurer,
        "なにわ生命保険",
        "Naniwa Life Insurance",
        Region::Kinki,
    ),
    (
        BusinessType::NonLifeInsurer,
        "あさひ損害保険",
        "Asahi Non-Life Insurance",
        Region::Kanto,
    ),
    (
        BusinessType::NonLifeInsurer,
        "しおかぜ損害保険",
        "Shiokaze Non-Life Insurance",
        Region::Tokai,
    ),
    (
        BusinessType::FundsTransfer,
        "ペイフロー",
        "PayFlow",
        Region::Kanto,
    ),
    (
        BusinessType::FundsTransfer,
        "まねっと送金",
        "Manet Remit",
        Region::Kinki,
    ),
    (
        BusinessType::PrepaidIssuer,
        "ぽけっとプリペイド",
        "Pocket Prepaid",
        Region::Kanto,
    ),
    (
        BusinessType::PrepaidIssuer,
        "エキナカカード",
        "Ekinaka Card",
        Region::Tokai,
    ),
    (
        BusinessType::CryptoExchange,
        "ビットみらい",
        "Bit Mirai",
        Region::Kanto,
    ),
    (
        BusinessType::CryptoExchange,
        "コインはやぶさ",
        "Coin Hayabusa",
        Region::Kanto,
    ),
    (
        BusinessType::MoneyLender,
        "たすけ合いローン",
        "Tasukeai Loans",
        Region::Kanto,
    ),
    (
        BusinessType::MoneyLender,
        "にこにこファイナンス",
        "Niko Niko Finance",
        Region::Kyushu,
    ),
    (
        BusinessType::AuditFirm,
        "有限責任 明和監査法人",
        "Meiwa Audit LLC",
        Region::Kanto,
    ),
    (
        BusinessType::AuditFirm,
        "すばる監査法人",
        "Subaru Audit",
        Region::Kinki,
    ),
    (
        BusinessType::Other,
        "日本決済インフラ",
        "Japan Settlement Infrastructure",
        Region::Kanto,
    ),
];
