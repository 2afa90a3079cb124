//! The Chinese label of every catalogue element, keyed by its name in the exchange format.
//!
//! One table serves import errors, CSV headers, version diffs and deviation findings, so an
//! element is called the same thing wherever staff meet it.

/// Elements of a [`ServiceItem`](super::ServiceItem), in exchange-format order.
pub const ITEM_ELEMENTS: &[(&str, &str)] = &[
    ("code", "事项编码"),
    ("basic_code", "基本编码"),
    ("name", "事项名称"),
    ("item_type", "事项类型"),
    ("aliases", "常用称呼"),
    ("department", "实施主体"),
    ("main_item", "主项名称"),
    ("levels", "行使层级"),
    ("targets", "服务对象"),
    ("basis", "设定依据"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("legal_days", "法定办结时限"),
    ("promised_days", "承诺办结时限"),
    ("on_site_visits", "到办事现场次数"),
    ("on_site_reason", "必须到现场原因"),
    ("modes", "办理形式"),
    ("online_depth", "网上办理深度"),
    ("fee", "收费"),
    ("result", "办理结果"),
    ("high_frequency", "高频事项"),
    ("yearly_volume", "年办件量"),
    ("cross_region", "通办范围"),
    ("optimization", "四减两免"),
    ("auto_approvable", "可秒批"),
    ("faqs", "常见问题"),
    ("themes", "服务主题"),
    ("process", "办理流程"),
    ("source_code", "来源编码"),
];

/// Fields of one [`Material`](super::Material).
pub const MATERIAL_FIELDS: &[(&str, &str)] = &[
    ("name", "材料名称"),
    ("source", "来源渠道"),
    ("licence_type", "电子证照类型"),
    ("required", "是否必要"),
    ("form", "材料形式"),
    ("note", "备注"),
    ("original_count", "原件份数"),
    ("copy_count", "复印件份数"),
];

/// Fields of the [`Fee`](super::Fee) element.
pub const FEE_FIELDS: &[(&str, &str)] = &[
    ("charged", "是否收费"),
    ("basis", "收费依据"),
    ("amount_note", "收费标准"),
    ("online_payment", "网上支付"),
];

/// Fields of the [`ItemResult`](super::ItemResult) element.
pub const RESULT_FIELDS: &[(&str, &str)] = &[
    ("type", "结果类型"),
    ("name", "结果名称"),
    ("licence_type", "结果证照类型"),
];

/// The two sides of the 四减 record.
pub const OPTIMIZATION_FIELDS: &[(&str, &str)] = &[("before", "改革前"), ("after", "改革后")];

/// The four 四减 figures.
pub const FIGURE_FIELDS: &[(&str, &str)] = &[
    ("materials", "材料"),
    ("days", "时限"),
    ("steps", "环节"),
    ("visits", "跑动次数"),
];

/// Fields of one [`Faq`](super::Faq).
pub const FAQ_FIELDS: &[(&str, &str)] = &[("q", "问题"), ("a", "答复")];

/// The label of a top-level item element, e.g. `promised_days` → `承诺办结时限`.
pub fn element_label(key: &str) -> Option<&'static str> {
    lookup(ITEM_ELEMENTS, key)
}

/// The label of an item element; unknown keys are returned as they are.
pub(crate) fn item_label(key: &str) -> String {
    element_label(key).map_or_else(|| key.to_string(), str::to_string)
}

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, label)| *label)
}

/// One step of a path into an item as serde reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathStep {
    Key(String),
    Index(usize),
}

/// Which table names the keys at the current depth of a path.
#[derive(Clone, Copy)]
enum Scope {
    Item,
    Material,
    Fee,
    Result,
    Optimization,
    Figures,
    Faq,
    /// Below a leaf (e.g. inside a list of strings): keys are shown as they are.
    Plain,
}

impl Scope {
    fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Scope::Item => ITEM_ELEMENTS,
            Scope::Material => MATERIAL_FIELDS,
            Scope::Fee => FEE_FIELDS,
            Scope::Result => RESULT_FIELDS,
            Scope::Optimization => OPTIMIZATION_FIELDS,
            Scope::Figures => FIGURE_FIELDS,
            Scope::Faq => FAQ_FIELDS,
            Scope::Plain => &[],
        }
    }

    fn enter(self, key: &str) -> Scope {
        match (self, key) {
            (Scope::Item, "materials") => Scope::Material,
            (Scope::Item, "fee") => Scope::Fee,
            (Scope::Item, "result") => Scope::Result,
            (Scope::Item, "optimization") => Scope::Optimization,
            (Scope::Item, "faqs") => Scope::Faq,
            (Scope::Optimization, _) => Scope::Figures,
            _ => Scope::Plain,
        }
    }
}

/// Names a position inside one item in Chinese: `materials`, 2 (0-based), `source` becomes
/// `申请材料[3].来源渠道`. List positions count from 1, as people count.
pub(crate) fn label_path(steps: &[PathStep]) -> String {
    let mut scope = Scope::Item;
    let mut label = String::new();
    for step in steps {
        match step {
            PathStep::Key(key) => {
                if !label.is_empty() {
                    label.push('.');
                }
                label.push_str(lookup(scope.table(), key).unwrap_or(key));
                scope = scope.enter(key);
            }
            PathStep::Index(index) => label.push_str(&format!("[{}]", index + 1)),
        }
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.to_string())
    }

    #[test]
    fn paths_read_in_chinese() {
        assert_eq!(
            label_path(&[key("materials"), PathStep::Index(1), key("source")]),
            "申请材料[2].来源渠道"
        );
        assert_eq!(
            label_path(&[key("optimization"), key("after"), key("days")]),
            "四减两免.改革后.时限"
        );
        assert_eq!(label_path(&[key("fee"), key("basis")]), "收费.收费依据");
        assert_eq!(label_path(&[key("basis")]), "设定依据");
        assert_eq!(label_path(&[key("colour")]), "colour");
        assert_eq!(label_path(&[]), "");
    }

    #[test]
    fn every_label_is_distinct() {
        let mut labels: Vec<&str> = ITEM_ELEMENTS.iter().map(|(_, l)| *l).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), ITEM_ELEMENTS.len());
    }
}
