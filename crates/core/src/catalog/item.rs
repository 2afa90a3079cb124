//! The province-wide standard of one service item (事项) with its GB/T 39046 elements.
//!
//! The serde shape is the catalogue exchange format (`zerotrip import/export catalog`), so a file
//! that names an unknown element or an unknown value is rejected where it is read. Elements that a
//! source list may not carry (limits, visits, depth, fees, 四减 figures) are `Option`s: "not given"
//! is a finding for the quality check, never a silently invented zero.

use super::elements::{
    CrossRegion, ItemType, MaterialForm, MaterialSource, Mode, OnlineDepth, ResultType,
    ServiceLevel, Target, Theme,
};
use crate::ids::BasicCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The province's code for an item (the demo uses `HN-GG-00001`): ASCII letters, digits and
/// hyphens, at most 40 characters, so it is safe in URLs and file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemCodeError {
    #[error("事项编码不能为空")]
    Empty,
    #[error("事项编码过长：最多 40 个字符，实际 {0} 个")]
    TooLong(usize),
    #[error("事项编码只能包含英文字母、数字和连字符，第 {position} 个字符“{found}”不允许")]
    BadCharacter { position: usize, found: char },
}

impl ItemCode {
    pub fn parse(raw: &str) -> Result<Self, ItemCodeError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(ItemCodeError::Empty);
        }
        let length = code.chars().count();
        if length > 40 {
            return Err(ItemCodeError::TooLong(length));
        }
        if let Some((index, found)) = code
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(ItemCodeError::BadCharacter {
                position: index + 1,
                found,
            });
        }
        Ok(ItemCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trailing sequence number of a `PREFIX-TAG-NNNNN` code, used to allocate new codes.
    pub fn sequence(&self) -> Option<u32> {
        self.0.rsplit('-').next()?.parse().ok()
    }
}

impl TryFrom<String> for ItemCode {
    type Error = ItemCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ItemCode::parse(&value)
    }
}

impl From<ItemCode> for String {
    fn from(value: ItemCode) -> Self {
        value.0
    }
}

impl fmt::Display for ItemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ItemCode {
    type Err = ItemCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ItemCode::parse(s)
    }
}

/// One material (申请材料) the standard asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub name: String,
    pub source: MaterialSource,
    /// The electronic licence type that replaces the paper material, by exact name.
    pub licence_type: Option<String>,
    pub required: bool,
    pub form: MaterialForm,
    #[serde(default)]
    pub note: Option<String>,
    /// 原件份数 (0 when only an electronic copy is needed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub original_count: u32,
    /// 复印件份数.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub copy_count: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Why the applicant need not hand a material in (免提交).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exemption {
    /// An electronic licence of the named type replaces it.
    ELicence,
    /// A government department issued it, so it is fetched by data sharing.
    GovernmentIssued,
}

impl Exemption {
    pub fn label(self) -> &'static str {
        match self {
            Exemption::ELicence => "电子证照免提交",
            Exemption::GovernmentIssued => "部门核发免提交",
        }
    }
}

impl Material {
    /// Whether, and why, the material is 免提交. Every government-issued material is exempt;
    /// those with a licence type are fetched as e-licences, the rest by data sharing.
    pub fn exemption(&self) -> Option<Exemption> {
        match (self.source, &self.licence_type) {
            (_, Some(_)) => Some(Exemption::ELicence),
            (MaterialSource::Government, None) => Some(Exemption::GovernmentIssued),
            _ => None,
        }
    }

    /// Whether the applicant still has to supply it.
    pub fn applicant_supplies(&self) -> bool {
        self.required && self.exemption().is_none()
    }
}

/// 收费 element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub charged: bool,
    pub basis: Option<String>,
    pub amount_note: Option<String>,
    /// 是否支持网上支付.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub online_payment: bool,
}

impl Fee {
    /// The one standard amount of a charged item, in 分, when its note states exactly one
    /// (`"40元/证"`, `"驾驶证工本费10元/本"`). Notes with several amounts, ranges or several
    /// clauses (`"住宅80元/件；非住宅550元/件"`) need a person to decide: `None`.
    pub fn standard_amount_fen(&self) -> Option<i64> {
        if !self.charged {
            return None;
        }
        let note = self.amount_note.as_deref()?.trim();
        if note.contains(['；', ';', '，', ',', '至', '~', '－']) {
            return None;
        }
        let mut amounts = yuan_amounts(note);
        let first = amounts.next()?;
        amounts.next().is_none().then_some(first)
    }
}

/// The amounts written as `<number>元` in a text, in 分.
fn yuan_amounts(text: &str) -> impl Iterator<Item = i64> + '_ {
    text.match_indices('元').filter_map(move |(at, _)| {
        let before = &text[..at];
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
            .last()
            .map(|(i, _)| i)?;
        let number = &before[start..];
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() || fraction.len() > 2 || whole.len() > 9 {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<2}").parse().ok()?
        };
        Some(whole * 100 + fraction)
    })
}

/// 办理结果.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemResult {
    #[serde(rename = "type")]
    pub kind: ResultType,
    pub name: String,
    pub licence_type: Option<String>,
}

/// One of the 四减 figures, before or after the reform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub materials: u32,
    pub days: u32,
    pub steps: u32,
    pub visits: u32,
}

/// The 四减 record: what applying took before the reform and what it takes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Optimization {
    pub before: Figures,
    pub after: Figures,
}

/// A common question and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub q: String,
    pub a: String,
}

/// The province-wide standard of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceItem {
    pub code: ItemCode,
    pub basic_code: BasicCode,
    pub name: String,
    pub item_type: ItemType,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The kind of competent department (公安机关, 市场监督管理部门 …); each region's department
    /// of this kind implements the item.
    pub department: String,
    /// 主项 this item is a sub-item (办理项) of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_item: Option<String>,
    #[serde(default)]
    pub levels: Vec<ServiceLevel>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub materials: Vec<Material>,
    /// 法定办结时限, working days; 0 = 即办.
    #[serde(default)]
    pub legal_days: Option<u32>,
    /// 承诺办结时限, working days; 0 = 即办件.
    #[serde(default)]
    pub promised_days: Option<u32>,
    /// 到办事现场次数.
    #[serde(default)]
    pub on_site_visits: Option<u32>,
    /// Why the applicant must come in person, required when visits > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_site_reason: Option<String>,
    #[serde(default)]
    pub modes: Vec<Mode>,
    #[serde(default)]
    pub online_depth: Option<OnlineDepth>,
    #[serde(default)]
    pub fee: Option<Fee>,
    #[serde(default)]
    pub result: Option<ItemResult>,
    #[serde(default)]
    pub high_frequency: bool,
    #[serde(default)]
    pub yearly_volume: u64,
    #[serde(default)]
    pub cross_region: Vec<CrossRegion>,
    #[serde(default)]
    pub optimization: Option<Optimization>,
    #[serde(default)]
    pub auto_approvable: bool,
    #[serde(default)]
    pub faqs: Vec<Faq>,
    #[serde(default)]
    pub themes: Vec<Theme>,
    /// 办理流程 steps; `None` means the standard process for the item type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Vec<String>>,
    /// The code the item had in the system it was imported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_code: Option<String>,
}

/// Whether an item or an implementation qualifies for the 零跑动 list, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroTripBasis {
    /// 到办事现场次数 = 0.
    NoVisit,
    /// 全程网办 (Ⅳ级): handled online end to end.
    FullyOnline,
}

impl ZeroTripBasis {
    pub fn label(self) -> &'static str {
        match self {
            ZeroTripBasis::NoVisit => "无需到现场",
            ZeroTripBasis::FullyOnline => "全程网办",
        }
    }
}

impl ServiceItem {
    /// 即办件: decided on the spot.
    pub fn is_instant(&self) -> bool {
        self.promised_days == Some(0)
    }

    /// The 办理流程, explicit or the standard one for the item's type.
    pub fn effective_process(&self) -> Vec<String> {
        if let Some(steps) = &self.process {
            return steps.clone();
        }
        let steps: &[&str] = if self.is_instant() {
            &["申请", "受理", "办结"]
        } else if self.item_type == ItemType::Licensing {
            &["申请", "受理", "审核", "审批", "办结", "送达"]
        } else {
            &["申请", "受理", "审核", "办结", "送达"]
        };
        steps.iter().map(|s| s.to_string()).collect()
    }

    /// Why the item is on the 零跑动 list; `None` when the applicant must still come in.
    pub fn zero_trip(&self) -> Option<ZeroTripBasis> {
        if self.online_depth == Some(OnlineDepth::FullyOnline) {
            Some(ZeroTripBasis::FullyOnline)
        } else if self.on_site_visits == Some(0) {
            Some(ZeroTripBasis::NoVisit)
        } else {
            None
        }
    }

    /// Materials the applicant does not hand in, with the reason.
    pub fn exempt_materials(&self) -> impl Iterator<Item = (&Material, Exemption)> {
        self.materials
            .iter()
            .filter_map(|m| m.exemption().map(|e| (m, e)))
    }

    /// All names the item is known by, for matching what people type.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Whether an implementation at this level is expected.
    pub fn is_implemented_at(&self, level: ServiceLevel) -> bool {
        self.levels.contains(&level)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_stated_amount_is_the_standard_fee() {
        let fee = |note: Option<&str>, charged: bool| Fee {
            charged,
            basis: None,
            amount_note: note.map(str::to_owned),
            online_payment: true,
        };
        let cases = [
            ("40元/证", Some(4000)),
            ("驾驶证工本费10元/本", Some(1000)),
            ("签注0.5元/次", Some(50)),
            ("签注1.05元/次", Some(105)),
            ("住宅80元/件；非住宅550元/件", None),
            ("驾驶证工本费10元/本；考试费按本省核定标准收取", None),
            ("按居留期限分档收取，400元至1000元", None),
            ("汽车号牌100元/副、行驶证10元/本", None),
            ("按规定收取", None),
            ("元", None),
        ];
        for (note, expected) in cases {
            assert_eq!(
                fee(Some(note), true).standard_amount_fen(),
                expected,
                "{note}"
            );
        }
        assert_eq!(fee(Some("40元/证"), false).standard_amount_fen(), None);
        assert_eq!(fee(None, true).standard_amount_fen(), None);
    }

    use super::*;

    #[test]
    fn item_codes_are_url_safe() {
        assert!(ItemCode::parse("HN-GG-00001").is_ok());
        assert_eq!(
            ItemCode::parse(" HN-GG-00001 ").unwrap().as_str(),
            "HN-GG-00001"
        );
        assert_eq!(ItemCode::parse("HN-GG-00001").unwrap().sequence(), Some(1));
        assert!(matches!(
            ItemCode::parse("HN/../x"),
            Err(ItemCodeError::BadCharacter { position: 3, .. })
        ));
        assert_eq!(ItemCode::parse(""), Err(ItemCodeError::Empty));
    }

    #[test]
    fn exemption_follows_the_source() {
        let mut material = Material {
            name: "居民户口簿".into(),
            source: MaterialSource::Government,
            licence_type: Some("居民户口簿".into()),
            required: true,
            form: MaterialForm::Electronic,
            note: None,
            original_count: 0,
            copy_count: 0,
        };
        assert_eq!(material.exemption(), Some(Exemption::ELicence));
        material.licence_type = None;
        assert_eq!(material.exemption(), Some(Exemption::GovernmentIssued));
        material.source = MaterialSource::Applicant;
        assert_eq!(material.exemption(), None);
        assert!(material.applicant_supplies());
    }
}
