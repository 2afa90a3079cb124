//! Departments of each region: plausible names and valid unified social credit codes.
//!
//! The catalogue names each item's competent department by **kind** (公安机关, 税务部门 …); this
//! module turns a kind and a region into the concrete body that acts there, e.g. 公安机关 in
//! 龙华区 is 海口市公安局龙华分局. The names follow Hainan's real naming patterns; the credit
//! codes are made up, but deterministic and valid (GB 32100 and GB 11714 check characters).
//!
//! Which body acts depends on the region:
//! - the province, and the pseudo-prefecture 469000 (it has no government of its own);
//! - a city with districts (海口, 三亚, 三沙); 三沙's NBS statistical units are served by the city;
//! - a 市县 the province administers directly, and 儋州 (a city with no districts);
//! - a district of a city, where some kinds act city-wide (住房公积金, 供电 …);
//! - a township, whose government implements 乡镇（街道） items whatever the kind.

use serde::Serialize;

use crate::ids::{CreditCode, DivisionCode, DivisionLevel};
use crate::regions::{Division, DivisionTree};

/// A concrete department: who acts for `kind` in `region`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DepartmentSpec {
    /// The catalogue's department kind this body was chosen for.
    pub kind: String,
    /// Full name, e.g. `海口市市场监督管理局龙华分局`.
    pub name: String,
    /// The everyday abbreviation, e.g. `海口市市场监管局龙华分局`.
    pub short_name: String,
    /// The region the body belongs to; a city-wide body serving a district belongs to the city.
    pub region: DivisionCode,
    pub credit_code: CreditCode,
}

/// The 36 department kinds the demo catalogue uses, in its sort order.
pub const KINDS: [&str; 36] = [
    "不动产登记机构",
    "乡镇人民政府（街道办事处）",
    "交通运输部门",
    "人力资源和社会保障部门",
    "人才发展部门",
    "住房公积金管理中心",
    "住房和城乡建设部门",
    "供水企业",
    "供电企业",
    "公安机关",
    "公安机关交通管理部门",
    "兵役机关",
    "农业农村部门",
    "出入境管理部门",
    "医疗保障部门",
    "卫生健康部门",
    "发展和改革部门",
    "司法行政部门",
    "城市管理部门",
    "市场监督管理部门",
    "教育部门",
    "旅游和文化广电体育部门",
    "残疾人联合会",
    "民政部门",
    "水务部门",
    "海关",
    "消防救援机构",
    "烟草专卖行政主管部门",
    "燃气企业",
    "生态环境部门",
    "科学技术部门",
    "税务部门",
    "自然资源和规划部门",
    "药品监督管理部门",
    "退役军人事务部门",
    "通信运营企业",
];

/// The concrete department of `kind` that acts in `region`.
///
/// Deterministic: the same kind and region always give the same department, and the credit code
/// depends only on the department (two kinds served by one body share its code). A kind outside
/// [`KINDS`] gets a generic government body named after the kind.
pub fn department_for(kind: &str, region: &Division, tree: &DivisionTree) -> DepartmentSpec {
    let (name, body_region, category) = match Scope::of(region, tree) {
        Scope::Township { township, unit } => township_body(township, unit, tree),
        scope => {
            let rule = rule_for(kind);
            let (template, owner) = scope.resolve(rule, tree);
            let name = owner
                .fill(template, tree.province())
                .replace("{类}", generic_word(kind));
            (name, owner.code(), rule.category)
        }
    };
    DepartmentSpec {
        kind: kind.to_owned(),
        short_name: abbreviate(&name, &body_region, tree),
        credit_code: credit_code_for(&name, category, &body_region),
        name,
        region: body_region,
    }
}

/// What a body is, which fixes the first two characters of its credit code (GB 32100 表 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    /// `11`: 机构编制 / 机关.
    Organ,
    /// `12`: 机构编制 / 事业单位.
    Institution,
    /// `13`: 机构编制 / 群众团体. 残联 is a 人民团体 whose staffing the 编办 sets, like 工会
    /// and 妇联, so the 编办 registers it, in the 群团 category rather than 民政's 社会团体 (`51`).
    MassOrganisation,
    /// `91`: 工商 / 企业.
    Enterprise,
}

impl Category {
    fn prefix(self) -> (char, char) {
        match self {
            Category::Organ => ('1', '1'),
            Category::Institution => ('1', '2'),
            Category::MassOrganisation => ('1', '3'),
            Category::Enterprise => ('9', '1'),
        }
    }
}

/// How one kind is named at each level. Templates use `{省}` `{市}` `{市简}` `{县}` `{县简}`;
/// `None` means the body one level up acts (a district is served by the city, a 市县 or city by
/// the province).
struct KindRule {
    kind: &'static str,
    category: Category,
    province: &'static str,
    city: Option<&'static str>,
    county: Option<&'static str>,
    district: Option<&'static str>,
}

const fn rule(
    kind: &'static str,
    category: Category,
    province: &'static str,
    city: Option<&'static str>,
    county: Option<&'static str>,
    district: Option<&'static str>,
) -> KindRule {
    KindRule {
        kind,
        category,
        province,
        city,
        county,
        district,
    }
}

use Category::{Enterprise, Institution, MassOrganisation, Organ};

const RULES: [KindRule; 36] = [
    rule(
        "不动产登记机构",
        Institution,
        "{省}不动产登记中心",
        Some("{市}不动产登记中心"),
        Some("{县}不动产登记中心"),
        None,
    ),
    // Above the township this kind falls to the people's government of the level itself.
    rule(
        "乡镇人民政府（街道办事处）",
        Organ,
        "{省}人民政府",
        Some("{市}人民政府"),
        Some("{县}人民政府"),
        Some("{市}{县}人民政府"),
    ),
    rule(
        "交通运输部门",
        Organ,
        "{省}交通运输厅",
        Some("{市}交通运输局"),
        Some("{县}交通运输局"),
        None,
    ),
    rule(
        "人力资源和社会保障部门",
        Organ,
        "{省}人力资源和社会保障厅",
        Some("{市}人力资源和社会保障局"),
        Some("{县}人力资源和社会保障局"),
        Some("{市}{县}人力资源和社会保障局"),
    ),
    rule(
        "人才发展部门",
        Organ,
        "{省}人才发展局",
        Some("{市}人才发展局"),
        Some("{县}人才发展局"),
        None,
    ),
    rule(
        "住房公积金管理中心",
        Institution,
        "{省}住房公积金管理局",
        Some("{市}住房公积金管理局"),
        Some("{县}住房公积金管理局"),
        None,
    ),
    rule(
        "住房和城乡建设部门",
        Organ,
        "{省}住房和城乡建设厅",
        Some("{市}住房和城乡建设局"),
        Some("{县}住房和城乡建设局"),
        Some("{市}{县}住房和城乡建设局"),
    ),
    rule(
        "供水企业",
        Enterprise,
        "{省简}水务集团有限公司",
        Some("{市}供水有限公司"),
        Some("{县}供水有限公司"),
        None,
    ),
    rule(
        "供电企业",
        Enterprise,
        "{省简}电网有限责任公司",
        Some("{省简}电网有限责任公司{市简}供电局"),
        Some("{省简}电网有限责任公司{县简}供电局"),
        None,
    ),
    rule(
        "公安机关",
        Organ,
        "{省}公安厅",
        Some("{市}公安局"),
        Some("{县}公安局"),
        Some("{市}公安局{县简}分局"),
    ),
    rule(
        "公安机关交通管理部门",
        Organ,
        "{省}公安厅交通警察总队",
        Some("{市}公安局交通警察支队"),
        Some("{县}公安局交通警察大队"),
        Some("{市}公安局交通警察支队{县简}大队"),
    ),
    rule(
        "兵役机关",
        Organ,
        "{省}人民政府征兵办公室",
        Some("{市}人民政府征兵办公室"),
        Some("{县}人民武装部"),
        Some("{市}{县}人民武装部"),
    ),
    rule(
        "农业农村部门",
        Organ,
        "{省}农业农村厅",
        Some("{市}农业农村局"),
        Some("{县}农业农村局"),
        Some("{市}{县}农业农村局"),
    ),
    rule(
        "出入境管理部门",
        Organ,
        "{省}公安厅出入境管理局",
        Some("{市}公安局出入境管理支队"),
        Some("{县}公安局出入境管理大队"),
        None,
    ),
    rule(
        "医疗保障部门",
        Organ,
        "{省}医疗保障局",
        Some("{市}医疗保障局"),
        Some("{县}医疗保障局"),
        Some("{市}{县}医疗保障局"),
    ),
    rule(
        "卫生健康部门",
        Organ,
        "{省}卫生健康委员会",
        Some("{市}卫生健康委员会"),
        Some("{县}卫生健康委员会"),
        Some("{市}{县}卫生健康委员会"),
    ),
    rule(
        "发展和改革部门",
        Organ,
        "{省}发展和改革委员会",
        Some("{市}发展和改革委员会"),
        Some("{县}发展和改革委员会"),
        Some("{市}{县}发展和改革委员会"),
    ),
    rule(
        "司法行政部门",
        Organ,
        "{省}司法厅",
        Some("{市}司法局"),
        Some("{县}司法局"),
        Some("{市}{县}司法局"),
    ),
    // The province has no 城管 department of its own: the 住建厅 guides 城市管理.
    rule(
        "城市管理部门",
        Organ,
        "{省}住房和城乡建设厅",
        Some("{市}综合行政执法局"),
        Some("{县}综合行政执法局"),
        Some("{市}{县}综合行政执法局"),
    ),
    rule(
        "市场监督管理部门",
        Organ,
        "{省}市场监督管理局",
        Some("{市}市场监督管理局"),
        Some("{县}市场监督管理局"),
        Some("{市}市场监督管理局{县简}分局"),
    ),
    rule(
        "教育部门",
        Organ,
        "{省}教育厅",
        Some("{市}教育局"),
        Some("{县}教育局"),
        Some("{市}{县}教育局"),
    ),
    rule(
        "旅游和文化广电体育部门",
        Organ,
        "{省}旅游和文化广电体育厅",
        Some("{市}旅游和文化广电体育局"),
        Some("{县}旅游和文化广电体育局"),
        Some("{市}{县}旅游和文化广电体育局"),
    ),
    rule(
        "残疾人联合会",
        MassOrganisation,
        "{省}残疾人联合会",
        Some("{市}残疾人联合会"),
        Some("{县}残疾人联合会"),
        Some("{市}{县}残疾人联合会"),
    ),
    rule(
        "民政部门",
        Organ,
        "{省}民政厅",
        Some("{市}民政局"),
        Some("{县}民政局"),
        Some("{市}{县}民政局"),
    ),
    rule(
        "水务部门",
        Organ,
        "{省}水务厅",
        Some("{市}水务局"),
        Some("{县}水务局"),
        None,
    ),
    // A central body: 海口海关 covers the whole province; its subordinate customs houses are
    // by port, not by region.
    rule("海关", Organ, "海口海关", None, None, None),
    rule(
        "消防救援机构",
        Organ,
        "{省}消防救援总队",
        Some("{市}消防救援支队"),
        Some("{县}消防救援支队"),
        Some("{市}消防救援支队{县简}大队"),
    ),
    rule(
        "烟草专卖行政主管部门",
        Organ,
        "{省}烟草专卖局",
        Some("{市}烟草专卖局"),
        Some("{县}烟草专卖局"),
        None,
    ),
    rule(
        "燃气企业",
        Enterprise,
        "{省简}燃气集团有限公司",
        Some("{市}燃气有限公司"),
        Some("{县}燃气有限公司"),
        None,
    ),
    // Since the vertical-management reform a district's bureau is a branch of the city's.
    rule(
        "生态环境部门",
        Organ,
        "{省}生态环境厅",
        Some("{市}生态环境局"),
        Some("{县}生态环境局"),
        Some("{市}生态环境局{县简}分局"),
    ),
    rule(
        "科学技术部门",
        Organ,
        "{省}科学技术厅",
        Some("{市}科学技术和工业信息化局"),
        Some("{县}科学技术和工业信息化局"),
        None,
    ),
    rule(
        "税务部门",
        Organ,
        "国家税务总局{省}税务局",
        Some("国家税务总局{市}税务局"),
        Some("国家税务总局{县}税务局"),
        Some("国家税务总局{市}{县}税务局"),
    ),
    rule(
        "自然资源和规划部门",
        Organ,
        "{省}自然资源和规划厅",
        Some("{市}自然资源和规划局"),
        Some("{县}自然资源和规划局"),
        Some("{市}自然资源和规划局{县简}分局"),
    ),
    // Below the province, drug regulation is part of the 市场监督管理局 (综合执法改革), so the
    // same body, with the same code, acts for both kinds.
    rule(
        "药品监督管理部门",
        Organ,
        "{省}药品监督管理局",
        Some("{市}市场监督管理局"),
        Some("{县}市场监督管理局"),
        Some("{市}市场监督管理局{县简}分局"),
    ),
    rule(
        "退役军人事务部门",
        Organ,
        "{省}退役军人事务厅",
        Some("{市}退役军人事务局"),
        Some("{县}退役军人事务局"),
        Some("{市}{县}退役军人事务局"),
    ),
    rule(
        "通信运营企业",
        Enterprise,
        "中国电信股份有限公司{省简}分公司",
        Some("中国电信股份有限公司{市简}分公司"),
        Some("中国电信股份有限公司{县简}分公司"),
        None,
    ),
];

/// A kind outside the table: a generic bureau named after it (`统计部门` → `…统计局`).
const GENERIC: KindRule = rule(
    "",
    Organ,
    "{省}{类}厅",
    Some("{市}{类}局"),
    Some("{县}{类}局"),
    None,
);

/// `统计部门` → `统计`, for [`GENERIC`].
fn generic_word(kind: &str) -> &str {
    ["部门", "机关", "机构"]
        .iter()
        .find_map(|suffix| kind.strip_suffix(suffix))
        .filter(|word| !word.is_empty())
        .unwrap_or(kind)
}

fn rule_for(kind: &str) -> &'static KindRule {
    RULES
        .iter()
        .find(|rule| rule.kind == kind)
        .unwrap_or(&GENERIC)
}

/// Where a region sits, as far as naming its bodies goes.
enum Scope<'a> {
    Province,
    City(&'a Division),
    /// A 市县 under the province (directly or through 469000), or 儋州.
    County(&'a Division),
    District {
        city: &'a Division,
        district: &'a Division,
    },
    /// `unit` is the county-level unit the township lies in, if the tree knows it.
    Township {
        township: &'a Division,
        unit: Option<&'a Division>,
    },
}

impl<'a> Scope<'a> {
    fn of(region: &'a Division, tree: &'a DivisionTree) -> Scope<'a> {
        let parent = region.parent.as_ref().and_then(|code| tree.get(code));
        match region.level {
            DivisionLevel::Province => Scope::Province,
            DivisionLevel::City if region.is_pseudo_prefecture() => Scope::Province,
            DivisionLevel::City if tree.is_county_level_unit(region) => Scope::County(region),
            DivisionLevel::City => Scope::City(region),
            DivisionLevel::County => match parent {
                Some(city) if city.is_pseudo_prefecture() => Scope::County(region),
                // 三沙's children are NBS statistical units, not governments.
                Some(city) if city.code.as_str() == SANSHA => Scope::City(city),
                Some(city) if city.level == DivisionLevel::City => Scope::District {
                    city,
                    district: region,
                },
                _ => Scope::County(region),
            },
            DivisionLevel::Township | DivisionLevel::Village => Scope::Township {
                township: region,
                unit: tree.county_level_unit_of(&region.code),
            },
        }
    }

    /// The template for this scope and the region whose names fill it, walking up while the
    /// rule says the level above acts.
    fn resolve(self, rule: &KindRule, tree: &'a DivisionTree) -> (&'static str, Owner<'a>) {
        let province = Owner::Province(tree.province());
        match self {
            Scope::District { city, district } => match rule.district {
                Some(template) => (template, Owner::District { city, district }),
                None => Scope::City(city).resolve(rule, tree),
            },
            Scope::City(city) => match rule.city {
                Some(template) => (template, Owner::Unit(city)),
                None => (rule.province, province),
            },
            Scope::County(county) => match rule.county {
                Some(template) => (template, Owner::Unit(county)),
                None => (rule.province, province),
            },
            Scope::Province | Scope::Township { .. } => (rule.province, province),
        }
    }
}

const SANSHA: &str = "460300";

/// The region a body belongs to, and the names its templates draw on.
enum Owner<'a> {
    Province(&'a Division),
    /// A city or a 市县: both `{市}` and `{县}` are its own name.
    Unit(&'a Division),
    District {
        city: &'a Division,
        district: &'a Division,
    },
}

impl Owner<'_> {
    fn code(&self) -> DivisionCode {
        match self {
            Owner::Province(division) | Owner::Unit(division) => division.code.clone(),
            Owner::District { district, .. } => district.code.clone(),
        }
    }

    fn fill(&self, template: &str, province: &Division) -> String {
        let (city, county) = match self {
            Owner::Province(province) => (*province, *province),
            Owner::Unit(unit) => (*unit, *unit),
            Owner::District { city, district } => (*city, *district),
        };
        template
            .replace("{省简}", short_region_name(&province.name))
            .replace("{省}", &province.name)
            .replace("{市简}", short_region_name(&city.name))
            .replace("{市}", &city.name)
            .replace("{县简}", short_region_name(&county.name))
            .replace("{县}", &county.name)
    }
}

/// `海南省` → `海南`, `龙华区` → `龙华`, `白沙黎族自治县` → `白沙`.
fn short_region_name(name: &str) -> &str {
    const SUFFIXES: [&str; 7] = [
        "黎族苗族自治县",
        "黎族自治县",
        "自治县",
        "省",
        "市",
        "县",
        "区",
    ];
    SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|short| !short.is_empty())
        .unwrap_or(name)
}

/// The body acting for every kind in a township: its 人民政府 (镇、乡) or 办事处 (街道); for the
/// NBS pseudo-units, the body that actually governs them.
fn township_body(
    township: &Division,
    unit: Option<&Division>,
    tree: &DivisionTree,
) -> (String, DivisionCode, Category) {
    let unit_prefix = unit
        .map(|unit| county_prefix(unit, tree))
        .unwrap_or_default();
    let name = &township.name;
    let own = |suffix: &str| {
        (
            format!("{unit_prefix}{name}{suffix}"),
            township.code.clone(),
            Organ,
        )
    };
    if name.ends_with("直辖村级区划") {
        // Villages the district or county runs itself: its own government acts.
        return match unit {
            Some(unit) => (format!("{unit_prefix}人民政府"), unit.code.clone(), Organ),
            None => own("人民政府"),
        };
    }
    if name.ends_with("街道") {
        own("办事处")
    } else if name.ends_with('镇') || name.ends_with('乡') {
        own("人民政府")
    } else if name.ends_with('局') {
        // Already a body, e.g. 海南热带雨林国家公园管理局黎母山分局.
        (name.clone(), township.code.clone(), Organ)
    } else if let Some(zone) = development_zone(name) {
        // 洋浦经济开发区 and the like are known by their own name province-wide.
        (format!("{zone}管理委员会"), township.code.clone(), Organ)
    } else if unit
        .is_some_and(|unit| unit.parent.as_ref().map(DivisionCode::as_str) == Some(SANSHA))
    {
        // 永兴, 七连屿 … are run by 工委、管委会.
        own("管理委员会")
    } else {
        // State farms, forest farms and the like: their social affairs went to a 社区管理委员会.
        own("社区管理委员会")
    }
}

/// `海口桂林洋经济开发区（农场）` → `海口桂林洋经济开发区`.
fn development_zone(name: &str) -> Option<&str> {
    let end = name.find("开发区")? + "开发区".len();
    name.get(..end)
}

/// The name prefix of a county-level unit in body names: `海口市龙华区`, `琼海市`, `儋州市`,
/// and for 三沙's statistical units the city `三沙市`.
fn county_prefix(unit: &Division, tree: &DivisionTree) -> String {
    let city = unit.parent.as_ref().and_then(|code| tree.get(code));
    match city {
        Some(city) if city.code.as_str() == SANSHA => city.name.clone(),
        Some(city) if unit.level == DivisionLevel::County && !city.is_pseudo_prefecture() => {
            format!("{}{}", city.name, unit.name)
        }
        _ => unit.name.clone(),
    }
}

/// Everyday abbreviations, applied in order.
const ABBREVIATIONS: [(&str, &str); 24] = [
    ("国家税务总局", ""),
    ("人力资源和社会保障", "人社"),
    ("市场监督管理", "市场监管"),
    ("住房和城乡建设", "住建"),
    ("卫生健康委员会", "卫健委"),
    ("发展和改革委员会", "发改委"),
    ("旅游和文化广电体育", "旅文"),
    ("自然资源和规划", "资规"),
    ("残疾人联合会", "残联"),
    ("医疗保障", "医保"),
    ("综合行政执法", "综合执法"),
    ("科学技术和工业信息化局", "科工信局"),
    ("科学技术厅", "科技厅"),
    ("退役军人事务", "退役军人"),
    ("住房公积金管理局", "公积金管理局"),
    ("交通警察", "交警"),
    ("出入境管理", "出入境"),
    ("人民政府", "政府"),
    ("街道办事处", "街道办"),
    ("黎族苗族自治县", "县"),
    ("黎族自治县", "县"),
    ("有限责任公司", ""),
    ("股份有限公司", ""),
    ("有限公司", "公司"),
];

/// The everyday name: abbreviated, and a district body drops its city (`海口市龙华区人社局` →
/// `龙华区人社局`) unless the city is part of the body's own name (`海口市公安局龙华分局`).
fn abbreviate(name: &str, region: &DivisionCode, tree: &DivisionTree) -> String {
    let mut short = ABBREVIATIONS
        .iter()
        .fold(name.to_owned(), |text, (long, short)| {
            text.replace(long, short)
        });
    // For a township body, its county-level unit decides the prefix.
    let district = tree
        .county_level_unit_of(region)
        .filter(|unit| unit.level == DivisionLevel::County);
    let city = district
        .and_then(|d| d.parent.as_ref())
        .and_then(|code| tree.get(code));
    if let (Some(district), Some(city)) = (district, city) {
        let city_and_district = format!("{}{}", city.name, district.name);
        if let Some(rest) = short.strip_prefix(&city_and_district) {
            short = format!("{}{rest}", district.name);
        }
    }
    short
}

/// A deterministic code: 登记管理部门 and 机构类别 from the category, the region's 6-digit code
/// (for a township, its county-level unit's), and an organisation-code body hashed from the
/// name, so one body always has one code. Government bodies get `MB…` bodies like those the
/// 编办 issues, enterprises `MA…` like 市场监管's.
fn credit_code_for(name: &str, category: Category, region: &DivisionCode) -> CreditCode {
    let region6 = region.as_str().get(..6).unwrap_or("460000");
    let (authority, kind) = category.prefix();
    let prefix = if category == Enterprise { "MA" } else { "MB" };
    let body = format!("{prefix}{}", base31(fnv1a(name), 6));
    // `region6` is six ASCII digits (a DivisionCode is at least six) and the body uses only
    // GB 32100 characters, so no input can make this fail.
    CreditCode::from_parts(authority, kind, region6, &body)
        .expect("six digits and GB 32100 characters always form a valid credit code")
}

/// GB 32100's 31 characters, used for the hashed organisation-code body.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn base31(mut value: u64, digits: usize) -> String {
    let mut text = vec![b'0'; digits];
    for slot in text.iter_mut().rev() {
        *slot = ALPHABET[(value % 31) as usize];
        value /= 31;
    }
    text.into_iter().map(char::from).collect()
}

/// FNV-1a: a stable hash (std's hasher may change between releases and would change codes).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn tree() -> &'static DivisionTree {
        DivisionTree::hainan()
    }

    fn at(kind: &str, code: &str) -> DepartmentSpec {
        department_for(kind, tree().find(code).unwrap(), tree())
    }

    fn name(kind: &str, code: &str) -> String {
        at(kind, code).name
    }

    #[test]
    fn kinds_match_the_rules() {
        let mut sorted = KINDS;
        sorted.sort();
        assert_eq!(sorted, KINDS);
        for (kind, rule) in KINDS.iter().zip(&RULES) {
            assert_eq!(*kind, rule.kind);
        }
    }

    #[test]
    fn province_level_names() {
        for (kind, expected) in [
            ("公安机关", "海南省公安厅"),
            ("市场监督管理部门", "海南省市场监督管理局"),
            ("人力资源和社会保障部门", "海南省人力资源和社会保障厅"),
            ("税务部门", "国家税务总局海南省税务局"),
            ("住房公积金管理中心", "海南省住房公积金管理局"),
            ("医疗保障部门", "海南省医疗保障局"),
            ("海关", "海口海关"),
            ("出入境管理部门", "海南省公安厅出入境管理局"),
            ("公安机关交通管理部门", "海南省公安厅交通警察总队"),
            ("供电企业", "海南电网有限责任公司"),
        ] {
            assert_eq!(name(kind, "460000"), expected);
        }
        // The pseudo-prefecture has no government: the province acts.
        assert_eq!(at("公安机关", "469000"), at("公安机关", "460000"));
    }

    #[test]
    fn city_district_and_county_names() {
        assert_eq!(name("公安机关", "460100"), "海口市公安局");
        assert_eq!(name("公安机关", "460106"), "海口市公安局龙华分局");
        assert_eq!(name("公安机关", "469002"), "琼海市公安局");
        assert_eq!(name("公安机关", "460400"), "儋州市公安局");
        assert_eq!(name("税务部门", "460106"), "国家税务总局海口市龙华区税务局");
        assert_eq!(
            name("市场监督管理部门", "460106"),
            "海口市市场监督管理局龙华分局"
        );
        assert_eq!(
            name("人力资源和社会保障部门", "460106"),
            "海口市龙华区人力资源和社会保障局"
        );
        assert_eq!(
            name("人力资源和社会保障部门", "469025"),
            "白沙黎族自治县人力资源和社会保障局"
        );
        assert_eq!(name("供电企业", "469025"), "海南电网有限责任公司白沙供电局");
        assert_eq!(name("供水企业", "460100"), "海口市供水有限公司");

        // City-wide bodies serve the districts and belong to the city.
        let fund = at("住房公积金管理中心", "460106");
        assert_eq!(fund.name, "海口市住房公积金管理局");
        assert_eq!(fund.region.as_str(), "460100");
        assert_eq!(fund, at("住房公积金管理中心", "460100"));
        assert_eq!(name("供电企业", "460203"), "海南电网有限责任公司三亚供电局");

        // 三沙's statistical units are served by the city.
        assert_eq!(name("公安机关", "460321"), "三沙市公安局");
        assert_eq!(name("海关", "469002"), "海口海关");
    }

    #[test]
    fn township_governments_act_for_every_kind() {
        for kind in KINDS {
            assert_eq!(name(kind, "460105002"), "海口市秀英区海秀街道办事处");
        }
        assert_eq!(name("民政部门", "469002100"), "琼海市嘉积镇人民政府");
        assert_eq!(name("民政部门", "460400100"), "儋州市那大镇人民政府");
        let spec = at("民政部门", "460105002");
        assert_eq!(spec.short_name, "秀英区海秀街道办");
        assert_eq!(spec.region.as_str(), "460105002");
        assert_eq!(spec.credit_code.region_code(), "460105");
    }

    #[test]
    fn pseudo_units_get_the_body_that_governs_them() {
        let by_name = |township: &str| {
            tree()
                .townships()
                .into_iter()
                .find(|t| t.name == township)
                .map(|t| department_for("民政部门", t, tree()))
                .unwrap()
        };
        let direct = by_name("海棠区直辖村级区划");
        assert_eq!(direct.name, "三亚市海棠区人民政府");
        assert_eq!(direct.region.as_str(), "460202");
        assert_eq!(by_name("洋浦经济开发区").name, "洋浦经济开发区管理委员会");
        assert_eq!(
            by_name("海口桂林洋经济开发区（农场）").name,
            "海口桂林洋经济开发区管理委员会"
        );
        assert_eq!(by_name("永兴").name, "三沙市永兴管理委员会");
        assert_eq!(
            by_name("兴隆华侨农场").name,
            "万宁市兴隆华侨农场社区管理委员会"
        );
        assert_eq!(
            by_name("海南热带雨林国家公园管理局黎母山分局").name,
            "海南热带雨林国家公园管理局黎母山分局"
        );
    }

    #[test]
    fn short_names() {
        assert_eq!(
            at("人力资源和社会保障部门", "460000").short_name,
            "海南省人社厅"
        );
        assert_eq!(
            at("人力资源和社会保障部门", "460106").short_name,
            "龙华区人社局"
        );
        assert_eq!(
            at("市场监督管理部门", "460106").short_name,
            "海口市市场监管局龙华分局"
        );
        assert_eq!(at("税务部门", "460106").short_name, "龙华区税务局");
        assert_eq!(at("供电企业", "460100").short_name, "海南电网海口供电局");
        assert_eq!(
            at("通信运营企业", "460100").short_name,
            "中国电信海口分公司"
        );
        assert_eq!(at("供水企业", "469002").short_name, "琼海市供水公司");
        assert_eq!(at("民政部门", "469025").short_name, "白沙县民政局");
    }

    #[test]
    fn credit_code_prefixes_follow_the_body() {
        let prefix = |kind: &str, code: &str| at(kind, code).credit_code.as_str()[..2].to_owned();
        assert_eq!(prefix("公安机关", "460106"), "11");
        assert_eq!(prefix("住房公积金管理中心", "460100"), "12");
        assert_eq!(prefix("残疾人联合会", "469002"), "13");
        assert_eq!(prefix("供水企业", "469002"), "91");
        assert_eq!(at("公安机关", "460106").credit_code.region_code(), "460106");
        assert_eq!(at("税务部门", "460000").credit_code.region_code(), "460000");
    }

    #[test]
    fn an_unknown_kind_gets_a_generic_bureau() {
        assert_eq!(name("统计部门", "460000"), "海南省统计厅");
        assert_eq!(name("统计部门", "469002"), "琼海市统计局");
        assert_eq!(name("统计部门", "460106"), "海口市统计局");
    }

    /// Every kind in every region: valid codes, one code per department and one department per
    /// code, and the region in positions 3–8.
    #[test]
    fn codes_are_valid_deterministic_and_unique_per_department() {
        let mut by_code: HashMap<String, (String, DivisionCode)> = HashMap::new();
        let mut by_name: HashMap<String, String> = HashMap::new();
        for region in tree().iter() {
            for kind in KINDS {
                let spec = department_for(kind, region, tree());
                assert_eq!(spec, department_for(kind, region, tree()));
                let code = CreditCode::parse(spec.credit_code.as_str()).unwrap();
                assert_eq!(code.org_code_warning(), None, "{}", spec.name);
                assert_eq!(
                    code.region_code(),
                    &spec.region.as_str()[..6],
                    "{}",
                    spec.name
                );
                let owner = (spec.name.clone(), spec.region.clone());
                let previous = by_code.entry(code.to_string()).or_insert(owner.clone());
                assert_eq!(*previous, owner, "two departments share {code}");
                let previous = by_name.entry(spec.name.clone()).or_insert(code.to_string());
                assert_eq!(*previous, code.to_string(), "{} has two codes", spec.name);
            }
        }
        // Each city and 市县 has a body for every kind but 海关 (province-wide) and 药品监管
        // (part of 市场监管); the province shares 住建厅 for 城管; a district has its own body
        // for 22 kinds; townships have one each, except the 6 直辖村级区划 pseudo-units, which
        // are run by the district or county government.
        let province = 35;
        let cities = 3 * 34;
        let counties = 16 * 34;
        let districts = 8 * 22;
        let townships = 243 - 6;
        assert_eq!(by_code.len(), by_name.len());
        assert_eq!(
            by_code.len(),
            province + cities + counties + districts + townships
        );
    }
}
