//! The province's administrative divisions as a tree: province → city → county → township, with
//! the villages beside it.
//!
//! The data is the NBS 统计用区划代码 (2023 for divisions, 2021 for villages). Three quirks of it
//! matter here: 儋州 `460400` has its townships directly under the city; `469000
//! 省直辖县级行政区划` is a pseudo-prefecture holding the counties the province runs directly;
//! and 三沙's children are NBS statistical units, not its GB/T 2260 districts.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use crate::ids::{DivisionCode, DivisionCodeError, DivisionLevel, DivisionLevelError};

const HAINAN_DIVISIONS_CSV: &str = include_str!("../../../data/reference/hainan-divisions.csv");
const HAINAN_VILLAGES_CSV: &str = include_str!("../../../data/reference/hainan-villages.csv");
const DIVISION_HEADER: &str = "code,name,level,parent_code";
const VILLAGE_HEADER: &str = "code,name,parent_code";

/// One division: province, city, county or township.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub level: DivisionLevel,
    /// `None` only for the province.
    pub parent: Option<DivisionCode>,
}

impl Division {
    /// The NBS/GB 2260 pseudo-prefecture `XX9000` (省直辖县级行政区划): a statistical grouping
    /// with no government of its own.
    pub fn is_pseudo_prefecture(&self) -> bool {
        self.level == DivisionLevel::City && self.code.as_str().get(2..4) == Some("90")
    }
}

/// A village-level unit (村民委员会, 居民委员会 …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Village {
    pub code: DivisionCode,
    pub name: String,
    /// The 9-digit township.
    pub parent: DivisionCode,
}

/// Why division or village data cannot be used. Line numbers count the header as line 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RegionError {
    #[error("区划文件为空，缺少表头“{expected}”")]
    Empty { expected: &'static str },
    #[error("区划文件的表头应为“{expected}”，实际为“{found}”")]
    Header {
        expected: &'static str,
        found: String,
    },
    #[error("第 {line} 行应有 {expected} 个字段，实际为 {found} 个")]
    FieldCount {
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("第 {line} 行无法读取：{detail}")]
    Unreadable { line: u64, detail: String },
    #[error("第 {line} 行“{field}”字段：{source}")]
    Code {
        line: u64,
        field: &'static str,
        source: DivisionCodeError,
    },
    #[error("第 {line} 行“level”字段：{source}")]
    Level {
        line: u64,
        source: DivisionLevelError,
    },
    #[error(
        "第 {line} 行“level”字段：区划层级应为 province、city、county、township 之一，实际为“{found}”"
    )]
    VillageInTree { line: u64, found: String },
    #[error("第 {line} 行：代码 {code} 按结构是{structural}级代码，与层级“{level}”不符")]
    LevelMismatch {
        line: u64,
        code: DivisionCode,
        structural: &'static str,
        level: &'static str,
    },
    #[error("第 {line} 行“name”字段：名称不能为空")]
    EmptyName { line: u64 },
    #[error("第 {line} 行：代码 {code} 与第 {first_line} 行重复")]
    Duplicate {
        line: u64,
        code: DivisionCode,
        first_line: u64,
    },
    #[error("第 {line} 行“parent_code”字段：非省级区划必须填写上级代码")]
    MissingParent { line: u64 },
    #[error("第 {line} 行“parent_code”字段：省级区划不应有上级代码")]
    ProvinceWithParent { line: u64 },
    #[error("第 {line} 行“parent_code”字段：上级代码 {parent} 不在文件中")]
    UnknownParent { line: u64, parent: DivisionCode },
    #[error("第 {line} 行“parent_code”字段：{parent} 不是 {code} 的上级区划")]
    NotAnAncestor {
        line: u64,
        code: DivisionCode,
        parent: DivisionCode,
    },
    #[error("区划文件缺少省级区划")]
    NoProvince,
    #[error("第 {line} 行：省级区划只能有一个，第 {first_line} 行已有")]
    SecondProvince { line: u64, first_line: u64 },
    #[error("第 {line} 行“code”字段：{code} 不是村级代码（应为 12 位，且末三位不全为 0）")]
    NotAVillage { line: u64, code: DivisionCode },
}

/// The division tree of one province, in code order.
#[derive(Debug, Clone)]
pub struct DivisionTree {
    /// Sorted by code, which is also depth-first order: a code sorts right after its parent.
    divisions: Vec<Division>,
    index: HashMap<DivisionCode, usize>,
    /// Children of each division by index, in code order.
    children: Vec<Vec<usize>>,
    province: usize,
}

static HAINAN: LazyLock<DivisionTree> = LazyLock::new(|| {
    // Fixed at compile time; `tests::the_embedded_tree_parses` proves it valid.
    DivisionTree::from_csv(HAINAN_DIVISIONS_CSV)
        .expect("the embedded hainan-divisions.csv is valid")
});

static HAINAN_VILLAGES: LazyLock<Vec<Village>> = LazyLock::new(|| {
    // Fixed at compile time; `tests::the_embedded_villages_parse` proves it valid.
    parse_villages(HAINAN_VILLAGES_CSV).expect("the embedded hainan-villages.csv is valid")
});

/// The village-level units of 海南省 shipped with the product (NBS 2021, 3,292 rows).
pub fn hainan_villages() -> &'static [Village] {
    &HAINAN_VILLAGES
}

/// Reads `code,name,parent_code` CSV; every code must be a 12-digit village code under its
/// parent township. Whether the townships exist is for the caller to check against a tree.
pub fn parse_villages(text: &str) -> Result<Vec<Village>, RegionError> {
    let rows = read_rows(text, VILLAGE_HEADER)?;
    let mut villages = Vec::with_capacity(rows.len());
    let mut lines_by_code = HashMap::new();
    for Row { line, fields } in rows {
        let [code, name, parent] = [0, 1, 2].map(|index| fields[index].as_str());
        let code = parse_code(line, "code", code)?;
        if code.level() != DivisionLevel::Village {
            return Err(RegionError::NotAVillage { line, code });
        }
        if let Some(&first_line) = lines_by_code.get(&code) {
            return Err(RegionError::Duplicate {
                line,
                code,
                first_line,
            });
        }
        lines_by_code.insert(code.clone(), line);
        if name.is_empty() {
            return Err(RegionError::EmptyName { line });
        }
        let parent = parse_code(line, "parent_code", parent)?;
        if code.parent().as_ref() != Some(&parent) {
            return Err(RegionError::NotAnAncestor { line, code, parent });
        }
        villages.push(Village {
            code,
            name: name.to_owned(),
            parent,
        });
    }
    Ok(villages)
}

impl DivisionTree {
    /// 海南省, from the embedded NBS 2023 data (275 divisions).
    pub fn hainan() -> &'static DivisionTree {
        &HAINAN
    }

    /// Reads `code,name,level,parent_code` CSV. Levels are province, city, county or township
    /// and must agree with the code's structure; every parent must exist and be a structural
    /// ancestor; there is exactly one province.
    pub fn from_csv(text: &str) -> Result<DivisionTree, RegionError> {
        let rows = read_rows(text, DIVISION_HEADER)?;
        let mut parsed = Vec::with_capacity(rows.len());
        let mut lines_by_code: HashMap<DivisionCode, u64> = HashMap::new();
        let mut province_line = None;
        for Row { line, fields } in rows {
            let [code, name, level, parent] = [0, 1, 2, 3].map(|index| fields[index].as_str());
            let code = parse_code(line, "code", code)?;
            let level = parse_level(line, level)?;
            if code.level() != level {
                return Err(RegionError::LevelMismatch {
                    line,
                    code: code.clone(),
                    structural: code.level().label(),
                    level: level.as_str(),
                });
            }
            if let Some(&first_line) = lines_by_code.get(&code) {
                return Err(RegionError::Duplicate {
                    line,
                    code,
                    first_line,
                });
            }
            if name.is_empty() {
                return Err(RegionError::EmptyName { line });
            }
            let parent = match (level, parent) {
                (DivisionLevel::Province, "") => None,
                (DivisionLevel::Province, _) => {
                    return Err(RegionError::ProvinceWithParent { line });
                }
                (_, "") => return Err(RegionError::MissingParent { line }),
                (_, parent) => Some(parse_code(line, "parent_code", parent)?),
            };
            if level == DivisionLevel::Province {
                if let Some(first_line) = province_line {
                    return Err(RegionError::SecondProvince { line, first_line });
                }
                province_line = Some(line);
            }
            lines_by_code.insert(code.clone(), line);
            parsed.push((
                line,
                Division {
                    code,
                    name: name.to_owned(),
                    level,
                    parent,
                },
            ));
        }
        if province_line.is_none() {
            return Err(RegionError::NoProvince);
        }
        for (line, division) in &parsed {
            let Some(parent) = &division.parent else {
                continue;
            };
            if !lines_by_code.contains_key(parent) {
                return Err(RegionError::UnknownParent {
                    line: *line,
                    parent: parent.clone(),
                });
            }
            if !parent.is_ancestor_of(&division.code) {
                return Err(RegionError::NotAnAncestor {
                    line: *line,
                    code: division.code.clone(),
                    parent: parent.clone(),
                });
            }
        }
        let mut divisions: Vec<Division> = parsed.into_iter().map(|(_, d)| d).collect();
        divisions.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Self::from_sorted(divisions))
    }

    /// Caller guarantees: sorted, unique codes, one province, every parent present.
    fn from_sorted(divisions: Vec<Division>) -> DivisionTree {
        let index: HashMap<DivisionCode, usize> = divisions
            .iter()
            .enumerate()
            .map(|(position, division)| (division.code.clone(), position))
            .collect();
        let mut children = vec![Vec::new(); divisions.len()];
        let mut province = 0;
        for (position, division) in divisions.iter().enumerate() {
            match division
                .parent
                .as_ref()
                .and_then(|parent| index.get(parent))
            {
                Some(&parent) => children[parent].push(position),
                None => province = position,
            }
        }
        DivisionTree {
            divisions,
            index,
            children,
            province,
        }
    }

    pub fn get(&self, code: &DivisionCode) -> Option<&Division> {
        self.index
            .get(code)
            .and_then(|&position| self.divisions.get(position))
    }

    /// Parses `code` (6, 9 or 12 digits) and looks it up.
    pub fn find(&self, code: &str) -> Option<&Division> {
        DivisionCode::parse(code)
            .ok()
            .and_then(|code| self.get(&code))
    }

    pub fn province(&self) -> &Division {
        &self.divisions[self.province]
    }

    /// Direct children in code order; empty for an unknown code.
    pub fn children(&self, code: &DivisionCode) -> Vec<&Division> {
        self.index
            .get(code)
            .and_then(|&position| self.children.get(position))
            .map(|children| {
                children
                    .iter()
                    .map(|&child| &self.divisions[child])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Parent first, up to and including the province; empty for the province or an unknown
    /// code.
    pub fn ancestors(&self, code: &DivisionCode) -> Vec<&Division> {
        let mut ancestors = Vec::new();
        let mut current = self.get(code);
        while let Some(parent) = current
            .and_then(|d| d.parent.as_ref())
            .and_then(|p| self.get(p))
        {
            ancestors.push(parent);
            current = Some(parent);
        }
        ancestors
    }

    /// The name with its ancestors, e.g. `海南省海口市龙华区`. The pseudo-prefecture is left
    /// out (`海南省琼海市`), as addresses write it. An unknown code gives the code itself.
    pub fn full_name(&self, code: &DivisionCode) -> String {
        let Some(division) = self.get(code) else {
            return code.to_string();
        };
        let mut path = self.ancestors(code);
        path.reverse();
        path.push(division);
        path.into_iter()
            .filter(|division| !division.is_pseudo_prefecture())
            .map(|division| division.name.as_str())
            .collect()
    }

    /// The units that implement 市县级 items: every county-level row, plus any city that has no
    /// county-level children (儋州 `460400`), in code order.
    pub fn county_level_units(&self) -> Vec<&Division> {
        self.iter()
            .filter(|division| self.is_county_level_unit(division))
            .collect()
    }

    pub fn is_county_level_unit(&self, division: &Division) -> bool {
        match division.level {
            DivisionLevel::County => true,
            DivisionLevel::City => !self
                .children(&division.code)
                .iter()
                .any(|child| child.level == DivisionLevel::County),
            _ => false,
        }
    }

    /// All townships in code order.
    pub fn townships(&self) -> Vec<&Division> {
        self.iter()
            .filter(|division| division.level == DivisionLevel::Township)
            .collect()
    }

    /// All divisions in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Division> {
        self.divisions.iter()
    }

    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    /// Never true for a built tree (it always has its province); here for the usual pairing
    /// with `len`.
    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// The county-level unit a code lies in, or the unit itself. A village code not in the tree
    /// is looked up through its township. `None` for the province, a city with counties, and
    /// codes outside the tree.
    pub fn county_level_unit_of(&self, code: &DivisionCode) -> Option<&Division> {
        let known = std::iter::successors(Some(code.clone()), DivisionCode::parent)
            .find_map(|code| self.get(&code))?;
        std::iter::once(known)
            .chain(self.ancestors(&known.code))
            .find(|division| self.is_county_level_unit(division))
    }
}

/// One data line with exactly as many fields as the header.
struct Row {
    line: u64,
    fields: Vec<String>,
}

/// Reads CSV with the given header, skipping blank lines.
fn read_rows(text: &str, expected: &'static str) -> Result<Vec<Row>, RegionError> {
    let field_count = expected.split(',').count();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let unreadable = |error: csv::Error| RegionError::Unreadable {
        line: error.position().map_or(0, csv::Position::line),
        detail: error.to_string(),
    };
    let first = records
        .next()
        .ok_or(RegionError::Empty { expected })?
        .map_err(unreadable)?;
    if !first.iter().eq(expected.split(',')) {
        return Err(RegionError::Header {
            expected,
            found: first.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(unreadable)?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != field_count {
            return Err(RegionError::FieldCount {
                line,
                expected: field_count,
                found: record.len(),
            });
        }
        rows.push(Row {
            line,
            fields: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(rows)
}

fn parse_code(line: u64, field: &'static str, text: &str) -> Result<DivisionCode, RegionError> {
    DivisionCode::parse(text).map_err(|source| RegionError::Code {
        line,
        field,
        source,
    })
}

fn parse_level(line: u64, text: &str) -> Result<DivisionLevel, RegionError> {
    match DivisionLevel::parse(text) {
        Ok(DivisionLevel::Village) => Err(RegionError::VillageInTree {
            line,
            found: text.to_owned(),
        }),
        Ok(level) => Ok(level),
        Err(source) => Err(RegionError::Level { line, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap()
    }

    fn hainan() -> &'static DivisionTree {
        DivisionTree::hainan()
    }

    #[test]
    fn the_embedded_tree_parses() {
        let tree = DivisionTree::from_csv(HAINAN_DIVISIONS_CSV).unwrap();
        assert_eq!(tree.len(), 275);
        let count = |level| tree.iter().filter(|d| d.level == level).count();
        assert_eq!(count(DivisionLevel::Province), 1);
        assert_eq!(count(DivisionLevel::City), 5);
        assert_eq!(count(DivisionLevel::County), 26);
        assert_eq!(count(DivisionLevel::Township), 243);
        assert_eq!(hainan().townships().len(), 243);
        assert_eq!(hainan().province().name, "海南省");
        assert!(!hainan().is_empty());
    }

    #[test]
    fn the_embedded_villages_parse() {
        let villages = parse_villages(HAINAN_VILLAGES_CSV).unwrap();
        assert_eq!(villages.len(), 3292);
        assert_eq!(hainan_villages().len(), 3292);
        for village in hainan_villages() {
            let township = hainan().get(&village.parent).unwrap();
            assert_eq!(township.level, DivisionLevel::Township, "{}", village.code);
        }
        let first = &hainan_villages()[0];
        assert_eq!(first.code, code("460105001001"));
        assert_eq!(first.name, "秀华社区居民委员会");
    }

    #[test]
    fn looks_divisions_up() {
        let tree = hainan();
        let longhua = tree.find("460106").unwrap();
        assert_eq!(longhua.name, "龙华区");
        assert_eq!(longhua.level, DivisionLevel::County);
        assert_eq!(longhua.parent, Some(code("460100")));
        assert_eq!(tree.find("460106000000").unwrap().name, "龙华区");
        assert_eq!(tree.find("460400100").unwrap().name, "那大镇");
        assert!(tree.find("469003").is_none());
        assert!(tree.find("abc").is_none());
    }

    #[test]
    fn walks_children_and_ancestors() {
        fn names(divisions: Vec<&Division>) -> Vec<&str> {
            divisions.into_iter().map(|d| d.name.as_str()).collect()
        }
        let tree = hainan();
        assert_eq!(
            names(tree.children(&code("460100"))),
            ["秀英区", "龙华区", "琼山区", "美兰区"]
        );
        assert_eq!(
            names(tree.children(&code("460000"))),
            ["海口市", "三亚市", "三沙市", "儋州市", "省直辖县级行政区划"]
        );
        assert_eq!(tree.children(&code("469001")).len(), 8);
        assert_eq!(tree.children(&code("460400")).len(), 18);
        assert_eq!(
            names(tree.ancestors(&code("460105002"))),
            ["秀英区", "海口市", "海南省"]
        );
        assert_eq!(tree.find("460105002").unwrap().name, "海秀街道");
        assert!(tree.ancestors(&code("460000")).is_empty());
        assert!(tree.children(&code("469003")).is_empty());
    }

    #[test]
    fn full_names_skip_the_pseudo_prefecture() {
        let tree = hainan();
        assert_eq!(tree.full_name(&code("460106")), "海南省海口市龙华区");
        assert_eq!(tree.full_name(&code("469002")), "海南省琼海市");
        assert_eq!(tree.full_name(&code("460400100")), "海南省儋州市那大镇");
        assert_eq!(tree.full_name(&code("460000")), "海南省");
        assert_eq!(tree.full_name(&code("469000")), "海南省");
        assert_eq!(tree.full_name(&code("469003")), "469003");
        assert!(tree.find("469000").unwrap().is_pseudo_prefecture());
        assert!(!tree.find("460100").unwrap().is_pseudo_prefecture());
    }

    #[test]
    fn county_level_units_are_the_counties_and_danzhou() {
        let units = hainan().county_level_units();
        // 4 海口 districts, 4 三亚 districts, 3 三沙 statistical units, 15 directly
        // administered 市县, plus 儋州.
        assert_eq!(units.len(), 27);
        assert!(units.iter().any(|u| u.code == code("460400")));
        assert!(!units.iter().any(|u| u.code == code("460100")));
        assert!(!units.iter().any(|u| u.code == code("469000")));
    }

    #[test]
    fn finds_the_county_level_unit_of_anything_below_it() {
        let tree = hainan();
        let unit = |text: &str| {
            tree.county_level_unit_of(&code(text))
                .map(|d| d.name.as_str())
        };
        assert_eq!(unit("460106"), Some("龙华区"));
        assert_eq!(unit("460400100"), Some("儋州市"));
        assert_eq!(unit("460400"), Some("儋州市"));
        assert_eq!(unit("460105001001"), Some("秀英区"));
        assert_eq!(unit("469002100"), Some("琼海市"));
        assert_eq!(unit("460100"), None);
        assert_eq!(unit("460000"), None);
        assert_eq!(unit("500101"), None);
        for township in tree.townships() {
            assert!(
                tree.county_level_unit_of(&township.code).is_some(),
                "{}",
                township.name
            );
        }
    }

    #[test]
    fn divisions_serialise_with_plain_codes() {
        let json = serde_json::to_value(hainan().find("460106").unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "460106", "name": "龙华区", "level": "county", "parent": "460100"})
        );
    }

    #[test]
    fn reports_tree_problems_with_line_numbers() {
        let message = |text: &str| DivisionTree::from_csv(text).unwrap_err().to_string();
        let header = "code,name,level,parent_code\n";
        let province = "460000,海南省,province,\n";
        assert_eq!(
            message(""),
            "区划文件为空，缺少表头“code,name,level,parent_code”"
        );
        assert_eq!(
            message("code,name\n"),
            "区划文件的表头应为“code,name,level,parent_code”，实际为“code,name”"
        );
        assert_eq!(message(header), "区划文件缺少省级区划");
        assert_eq!(
            message(&format!("{header}{province}4601,海口市,city,460000\n")),
            "第 3 行“code”字段：行政区划代码应为 6、9 或 12 位数字，实际为 4 位"
        );
        assert_eq!(
            message(&format!("{header}{province}460100,海口市,town,460000\n")),
            "第 3 行“level”字段：区划层级应为 province、city、county、township、village（或 省、市、县、乡镇、村）之一，实际为 \"town\""
        );
        assert_eq!(
            message(&format!(
                "{header}{province}460100001001,某村,village,460100\n"
            )),
            "第 3 行“level”字段：区划层级应为 province、city、county、township 之一，实际为“village”"
        );
        assert_eq!(
            message(&format!("{header}{province}460100,海口市,county,460000\n")),
            "第 3 行：代码 460100 按结构是市级代码，与层级“county”不符"
        );
        assert_eq!(
            message(&format!("{header}{province}460100,,city,460000\n")),
            "第 3 行“name”字段：名称不能为空"
        );
        assert_eq!(
            message(&format!("{header}{province}460100,海口市,city,\n")),
            "第 3 行“parent_code”字段：非省级区划必须填写上级代码"
        );
        assert_eq!(
            message(&format!("{header}460000,海南省,province,460000\n")),
            "第 2 行“parent_code”字段：省级区划不应有上级代码"
        );
        assert_eq!(
            message(&format!("{header}{province}460106,龙华区,county,460100\n")),
            "第 3 行“parent_code”字段：上级代码 460100 不在文件中"
        );
        assert_eq!(
            message(&format!(
                "{header}{province}460100,海口市,city,460000\n460200,三亚市,city,460000\n460106,龙华区,county,460200\n"
            )),
            "第 5 行“parent_code”字段：460200 不是 460106 的上级区划"
        );
        assert_eq!(
            message(&format!("{header}{province}{province}")),
            "第 3 行：代码 460000 与第 2 行重复"
        );
        assert_eq!(
            message(&format!(
                "{header}{province}450000,广西壮族自治区,province,\n"
            )),
            "第 3 行：省级区划只能有一个，第 2 行已有"
        );
        assert_eq!(
            message(&format!("{header}{province}460100,海口市,city\n")),
            "第 3 行应有 4 个字段，实际为 3 个"
        );
    }

    #[test]
    fn reports_village_problems_with_line_numbers() {
        let message = |text: &str| parse_villages(text).unwrap_err().to_string();
        let header = "code,name,parent_code\n";
        assert_eq!(
            message(&format!("{header}460105001,秀华,460105\n")),
            "第 2 行“code”字段：460105001 不是村级代码（应为 12 位，且末三位不全为 0）"
        );
        assert_eq!(
            message(&format!("{header}460105001001,秀华,460105002\n")),
            "第 2 行“parent_code”字段：460105002 不是 460105001001 的上级区划"
        );
        assert_eq!(
            message(&format!("{header}460105001001,,460105001\n")),
            "第 2 行“name”字段：名称不能为空"
        );
        assert_eq!(
            message(&format!(
                "{header}460105001001,秀华,460105001\n460105001001,秀华,460105001\n"
            )),
            "第 3 行：代码 460105001001 与第 2 行重复"
        );
    }
}
