//! The closed vocabularies of a service item's elements (GB/T 39046 Appendix A and the
//! province's own lists). Each is an enum serialised as the Chinese label used in the catalogue
//! files, so an unknown value is rejected when the file is read, not discovered later.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares an enum whose serde form and `Display` are its Chinese label.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $label)] $variant),+
        }

        impl $name {
            /// Every value, in the catalogue's canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The Chinese label, as written in catalogue files and shown on pages.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a Chinese label.
            pub fn from_label(label: &str) -> Option<Self> {
                match label.trim() { $($label => Some($name::$variant),)+ _ => None }
            }

            /// The accepted labels joined for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.label()).collect::<Vec<_>>().join("、")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

labelled_enum!(
    /// 事项类型 (GB/T 39046 A.1).
    ItemType {
        Licensing => "行政许可",
        Penalty => "行政处罚",
        Enforcement => "行政强制",
        Levy => "行政征收",
        Benefit => "行政给付",
        Inspection => "行政检查",
        Confirmation => "行政确认",
        Reward => "行政奖励",
        Adjudication => "行政裁决",
        OtherPower => "其他行政权力",
        PublicService => "公共服务",
    }
);

impl ItemType {
    /// The two-digit type code used in basic codes.
    pub fn code(self) -> &'static str {
        match self {
            ItemType::Licensing => "01",
            ItemType::Penalty => "02",
            ItemType::Enforcement => "03",
            ItemType::Levy => "04",
            ItemType::Benefit => "05",
            ItemType::Inspection => "06",
            ItemType::Confirmation => "07",
            ItemType::Reward => "08",
            ItemType::Adjudication => "09",
            ItemType::OtherPower => "10",
            ItemType::PublicService => "20",
        }
    }

    /// Parses a two-digit type code, or the bare number used by some exports (`1` for `01`).
    pub fn from_code(code: &str) -> Option<Self> {
        let number: u8 = code.trim().parse().ok()?;
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.code().parse::<u8>() == Ok(number))
    }

    /// The tag used in the province's item codes (`HN-XK-00001`).
    pub fn tag(self) -> &'static str {
        match self {
            ItemType::Licensing => "XK",
            ItemType::Penalty => "CF",
            ItemType::Enforcement => "QZ",
            ItemType::Levy => "ZS",
            ItemType::Benefit => "JF",
            ItemType::Inspection => "JC",
            ItemType::Confirmation => "QR",
            ItemType::Reward => "JL",
            ItemType::Adjudication => "CJ",
            ItemType::OtherPower => "QT",
            ItemType::PublicService => "GG",
        }
    }
}

labelled_enum!(
    /// The administrative levels at which the province standard is implemented.
    ServiceLevel {
        Province => "省级",
        CityCounty => "市县级",
        Township => "乡镇（街道）",
    }
);

labelled_enum!(
    /// 服务对象.
    Target {
        NaturalPerson => "自然人",
        LegalPerson => "法人",
    }
);

labelled_enum!(
    /// 办理形式 / channels an item is offered through.
    Mode {
        FullyOnline => "全流程网上办",
        Mobile => "掌上办",
        Kiosk => "自助办",
        Proactive => "主动办",
        Assisted => "帮办代办",
        Window => "窗口办",
        Courier => "快递办",
    }
);

labelled_enum!(
    /// 来源渠道 of a material.
    MaterialSource {
        Applicant => "申请人自备",
        Government => "政府部门核发",
        Intermediary => "中介机构出具",
    }
);

labelled_enum!(
    /// 材料形式.
    MaterialForm {
        Original => "原件",
        Copy => "复印件",
        Electronic => "电子",
    }
);

labelled_enum!(
    /// 结果类型.
    ResultType {
        Licence => "证照",
        Approval => "批文",
        Filing => "备案凭证",
        Payment => "资金发放",
        Other => "其他",
    }
);

labelled_enum!(
    /// 通办范围.
    CrossRegion {
        Province => "全省通办",
        CrossProvince => "跨省通办",
    }
);

labelled_enum!(
    /// Life-event themes (法人/自然人服务主题), a fixed list.
    Theme {
        School => "上学",
        Talent => "人才",
        MilitaryService => "兵役",
        Elderly => "养老",
        Travel => "出入境",
        Birth => "出生",
        Transport => "出行",
        Startup => "创业",
        Change => "变更",
        Unemployment => "失业",
        Honours => "奖励表彰",
        Employment => "就业",
        Medical => "就医",
        Construction => "工程建设",
        OpenBusiness => "开办企业",
        Household => "户籍",
        Relief => "救助",
        Disability => "残疾人",
        CloseBusiness => "注销企业",
        Childbirth => "生育",
        Tax => "纳税",
        Operation => "经营",
        Marriage => "结婚",
        Housing => "置业",
        Certificates => "证照办理",
        Bereavement => "身后",
        Retirement => "退休",
        Veterans => "退役",
    }
);

/// 网上办理深度, from Ⅰ (information only) to Ⅳ (fully online).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum OnlineDepth {
    Information = 1,
    Appointment = 2,
    PreReview = 3,
    FullyOnline = 4,
}

impl OnlineDepth {
    pub const ALL: &'static [OnlineDepth] = &[
        OnlineDepth::Information,
        OnlineDepth::Appointment,
        OnlineDepth::PreReview,
        OnlineDepth::FullyOnline,
    ];

    pub fn level(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            OnlineDepth::Information => "Ⅰ级 信息公开",
            OnlineDepth::Appointment => "Ⅱ级 在线预约、表格下载",
            OnlineDepth::PreReview => "Ⅲ级 在线预审",
            OnlineDepth::FullyOnline => "Ⅳ级 全程网办",
        }
    }
}

impl TryFrom<u8> for OnlineDepth {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(OnlineDepth::Information),
            2 => Ok(OnlineDepth::Appointment),
            3 => Ok(OnlineDepth::PreReview),
            4 => Ok(OnlineDepth::FullyOnline),
            other => Err(format!("网上办理深度应为 1–4，实际为 {other}")),
        }
    }
}

impl From<OnlineDepth> for u8 {
    fn from(value: OnlineDepth) -> Self {
        value.level()
    }
}

impl fmt::Display for OnlineDepth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_serde() {
        for theme in Theme::ALL {
            let json = serde_json::to_string(theme).unwrap();
            assert_eq!(serde_json::from_str::<Theme>(&json).unwrap(), *theme);
            assert_eq!(Theme::from_label(theme.label()), Some(*theme));
        }
        assert_eq!(Theme::ALL.len(), 28);
    }

    #[test]
    fn unknown_label_is_rejected() {
        assert!(serde_json::from_str::<ItemType>("\"行政许可证\"").is_err());
        assert!(ItemType::from_label("不存在").is_none());
    }

    #[test]
    fn type_codes_follow_appendix_a() {
        assert_eq!(ItemType::Licensing.code(), "01");
        assert_eq!(ItemType::PublicService.code(), "20");
        assert_eq!(ItemType::from_code("1"), Some(ItemType::Licensing));
        assert_eq!(ItemType::from_code("20"), Some(ItemType::PublicService));
        assert_eq!(ItemType::from_code("11"), None);
    }

    #[test]
    fn online_depth_is_bounded() {
        assert!(serde_json::from_str::<OnlineDepth>("5").is_err());
        assert_eq!(
            serde_json::from_str::<OnlineDepth>("4").unwrap(),
            OnlineDepth::FullyOnline
        );
    }
}
