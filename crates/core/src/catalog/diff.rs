//! Readable differences between two versions of an item, element by element, in Chinese.
//!
//! Used for version history ("what changed in this release") and, through
//! [`check_implementation`](super::check_implementation), to name how a region's list departs
//! from the province standard.

use super::item::{Faq, Fee, Figures, ItemResult, Material, Optimization, ServiceItem};
use super::labels::{FEE_FIELDS, FIGURE_FIELDS, MATERIAL_FIELDS, RESULT_FIELDS, element_label};
use serde::{Deserialize, Serialize};
use std::fmt::Display;

/// How an element changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A value or list entry that was not there before.
    Added,
    /// A value or list entry that is gone.
    Removed,
    /// A value replaced by another (or a list reordered).
    Changed,
}

/// One change to one element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementChange {
    /// The element's Chinese label, e.g. `承诺办结时限` or `申请材料“居民户口簿”的来源渠道`.
    pub element: String,
    pub change: ChangeKind,
    /// The old value or the removed entry, as shown to people.
    pub before: Option<String>,
    /// The new value or the added entry, as shown to people.
    pub after: Option<String>,
}

impl ElementChange {
    /// One sentence for a change log, e.g. `承诺办结时限由“5 个工作日”改为“3 个工作日”`.
    pub fn describe(&self) -> String {
        let show = |value: &Option<String>| value.clone().unwrap_or_default();
        match self.change {
            ChangeKind::Added => format!("{}新增“{}”", self.element, show(&self.after)),
            ChangeKind::Removed => format!("{}删除“{}”", self.element, show(&self.before)),
            ChangeKind::Changed => format!(
                "{}由“{}”改为“{}”",
                self.element,
                show(&self.before),
                show(&self.after)
            ),
        }
    }
}

/// A change together with the exchange-format key of the top-level element it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyedChange {
    pub key: &'static str,
    pub change: ElementChange,
}

/// Every difference between two versions of an item; empty exactly when nothing shown differs.
pub fn diff_items(old: &ServiceItem, new: &ServiceItem) -> Vec<ElementChange> {
    keyed_diff(old, new).into_iter().map(|c| c.change).collect()
}

/// Collects changes under the key of the element being compared.
struct Changes {
    key: &'static str,
    out: Vec<KeyedChange>,
}

impl Changes {
    fn at(&mut self, key: &'static str) -> &mut Self {
        self.key = key;
        self
    }

    fn label(&self) -> String {
        element_label(self.key).unwrap_or(self.key).to_string()
    }

    fn push(
        &mut self,
        element: String,
        change: ChangeKind,
        before: Option<String>,
        after: Option<String>,
    ) {
        self.out.push(KeyedChange {
            key: self.key,
            change: ElementChange {
                element,
                change,
                before,
                after,
            },
        });
    }

    /// An optional value: appearing is Added, disappearing Removed, differing Changed.
    fn value(&mut self, element: String, before: Option<String>, after: Option<String>) {
        match (before, after) {
            (None, Some(after)) => self.push(element, ChangeKind::Added, None, Some(after)),
            (Some(before), None) => self.push(element, ChangeKind::Removed, Some(before), None),
            (Some(before), Some(after)) if before != after => {
                self.push(element, ChangeKind::Changed, Some(before), Some(after))
            }
            _ => {}
        }
    }

    /// The element's own value.
    fn scalar(&mut self, before: impl Display, after: impl Display) {
        let element = self.label();
        self.value(element, Some(before.to_string()), Some(after.to_string()));
    }

    fn optional<T>(&mut self, before: &Option<T>, after: &Option<T>, show: impl Fn(&T) -> String) {
        let element = self.label();
        self.value(
            element,
            before.as_ref().map(&show),
            after.as_ref().map(&show),
        );
    }

    /// A list: entries added and removed (as multisets), or a reordering.
    fn list<T: Display>(&mut self, before: &[T], after: &[T]) {
        let element = self.label();
        let before: Vec<String> = before.iter().map(ToString::to_string).collect();
        let after: Vec<String> = after.iter().map(ToString::to_string).collect();
        self.entries(&element, &before, &after);
    }

    fn entries(&mut self, element: &str, before: &[String], after: &[String]) {
        let (removed, added) = unmatched(before, after, |a, b| a == b);
        for entry in &removed {
            self.push(
                element.to_string(),
                ChangeKind::Removed,
                Some((*entry).clone()),
                None,
            );
        }
        for entry in &added {
            self.push(
                element.to_string(),
                ChangeKind::Added,
                None,
                Some((*entry).clone()),
            );
        }
        if removed.is_empty() && added.is_empty() && before != after {
            self.push(
                format!("{element}顺序"),
                ChangeKind::Changed,
                Some(before.join("、")),
                Some(after.join("、")),
            );
        }
    }
}

/// Entries of `before` with no partner in `after` and entries of `after` with none in `before`,
/// pairing each entry at most once.
fn unmatched<'a, T>(
    before: &'a [T],
    after: &'a [T],
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let mut taken = vec![false; after.len()];
    let mut removed = Vec::new();
    for old in before {
        let partner = after
            .iter()
            .enumerate()
            .position(|(i, new)| !taken[i] && same(old, new));
        match partner {
            Some(i) => taken[i] = true,
            None => removed.push(old),
        }
    }
    let added = after
        .iter()
        .zip(&taken)
        .filter(|(_, taken)| !**taken)
        .map(|(new, _)| new)
        .collect();
    (removed, added)
}

pub(crate) fn keyed_diff(old: &ServiceItem, new: &ServiceItem) -> Vec<KeyedChange> {
    // Destructured without `..`, so a new element cannot be added without being compared here.
    let ServiceItem {
        code,
        basic_code,
        name,
        item_type,
        aliases,
        department,
        main_item,
        levels,
        targets,
        basis,
        conditions,
        materials,
        legal_days,
        promised_days,
        on_site_visits,
        on_site_reason,
        modes,
        online_depth,
        fee,
        result,
        high_frequency,
        yearly_volume,
        cross_region,
        optimization,
        auto_approvable,
        faqs,
        themes,
        process,
        source_code,
    } = old;
    let mut c = Changes {
        key: "code",
        out: Vec::new(),
    };
    c.at("code").scalar(code, &new.code);
    c.at("basic_code").scalar(basic_code, &new.basic_code);
    c.at("name").scalar(name, &new.name);
    c.at("item_type").scalar(item_type, new.item_type);
    c.at("aliases").list(aliases, &new.aliases);
    c.at("department").scalar(department, &new.department);
    c.at("main_item")
        .optional(main_item, &new.main_item, Clone::clone);
    c.at("levels").list(levels, &new.levels);
    c.at("targets").list(targets, &new.targets);
    c.at("basis").scalar(basis, &new.basis);
    c.at("conditions").list(conditions, &new.conditions);
    c.at("materials");
    diff_materials(&mut c, materials, &new.materials);
    c.at("legal_days")
        .optional(legal_days, &new.legal_days, |d| show_days(*d));
    c.at("promised_days")
        .optional(promised_days, &new.promised_days, |d| show_days(*d));
    c.at("on_site_visits")
        .optional(on_site_visits, &new.on_site_visits, |v| show_visits(*v));
    c.at("on_site_reason")
        .optional(on_site_reason, &new.on_site_reason, Clone::clone);
    c.at("modes").list(modes, &new.modes);
    c.at("online_depth")
        .optional(online_depth, &new.online_depth, ToString::to_string);
    c.at("fee");
    diff_fee(&mut c, fee, &new.fee);
    c.at("result");
    diff_result(&mut c, result, &new.result);
    c.at("high_frequency")
        .scalar(yes_no(*high_frequency), yes_no(new.high_frequency));
    c.at("yearly_volume").scalar(
        format!("{yearly_volume} 件"),
        format!("{} 件", new.yearly_volume),
    );
    c.at("cross_region").list(cross_region, &new.cross_region);
    c.at("optimization");
    diff_optimization(&mut c, optimization, &new.optimization);
    c.at("auto_approvable")
        .scalar(yes_no(*auto_approvable), yes_no(new.auto_approvable));
    c.at("faqs");
    diff_faqs(&mut c, faqs, &new.faqs);
    c.at("themes").list(themes, &new.themes);
    c.at("process")
        .scalar(show_process(process), show_process(&new.process));
    c.at("source_code")
        .optional(source_code, &new.source_code, Clone::clone);
    c.out
}

/// `None` means the standard process for the item's type; say so rather than show nothing.
fn show_process(process: &Option<Vec<String>>) -> String {
    match process {
        Some(steps) => steps.join("→"),
        None => "按事项类型的标准流程".to_string(),
    }
}

fn show_days(days: u32) -> String {
    if days == 0 {
        "即办（0 个工作日）".to_string()
    } else {
        format!("{days} 个工作日")
    }
}

fn show_visits(visits: u32) -> String {
    format!("{visits} 次")
}

fn yes_no(value: bool) -> &'static str {
    if value { "是" } else { "否" }
}

fn field_label(table: &[(&str, &'static str)], key: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, label)| *label)
}

fn diff_materials(c: &mut Changes, before: &[Material], after: &[Material]) {
    let element = c.label();
    let (removed, added) = unmatched(before, after, |a, b| a.name == b.name);
    for material in &removed {
        c.push(
            element.clone(),
            ChangeKind::Removed,
            Some(material.name.clone()),
            None,
        );
    }
    for material in &added {
        c.push(
            element.clone(),
            ChangeKind::Added,
            None,
            Some(material.name.clone()),
        );
    }
    let mut taken = vec![false; after.len()];
    for old in before {
        let Some(index) = after
            .iter()
            .enumerate()
            .position(|(i, new)| !taken[i] && new.name == old.name)
        else {
            continue;
        };
        taken[index] = true;
        diff_material_fields(c, &element, old, &after[index]);
    }
    let names = |list: &[Material]| list.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    let (old_names, new_names) = (names(before), names(after));
    if removed.is_empty() && added.is_empty() && old_names != new_names {
        c.push(
            format!("{element}顺序"),
            ChangeKind::Changed,
            Some(old_names.join("、")),
            Some(new_names.join("、")),
        );
    }
}

fn diff_material_fields(c: &mut Changes, element: &str, old: &Material, new: &Material) {
    let Material {
        name,
        source,
        licence_type,
        required,
        form,
        note,
        original_count,
        copy_count,
    } = old;
    let field = |key: &str| format!("{element}“{name}”的{}", field_label(MATERIAL_FIELDS, key));
    c.value(
        field("source"),
        Some(source.to_string()),
        Some(new.source.to_string()),
    );
    c.value(
        field("licence_type"),
        licence_type.clone(),
        new.licence_type.clone(),
    );
    c.value(
        field("required"),
        Some(yes_no(*required).to_string()),
        Some(yes_no(new.required).to_string()),
    );
    c.value(
        field("form"),
        Some(form.to_string()),
        Some(new.form.to_string()),
    );
    c.value(field("note"), note.clone(), new.note.clone());
    c.value(
        field("original_count"),
        Some(format!("{original_count} 份")),
        Some(format!("{} 份", new.original_count)),
    );
    c.value(
        field("copy_count"),
        Some(format!("{copy_count} 份")),
        Some(format!("{} 份", new.copy_count)),
    );
}

fn show_fee(fee: &Fee) -> String {
    match (&fee.amount_note, fee.charged) {
        (_, false) => "不收费".to_string(),
        (Some(amount), true) => format!("收费（{amount}）"),
        (None, true) => "收费".to_string(),
    }
}

fn diff_fee(c: &mut Changes, before: &Option<Fee>, after: &Option<Fee>) {
    let (Some(old), Some(new)) = (before, after) else {
        c.optional(before, after, show_fee);
        return;
    };
    let label = |key| field_label(FEE_FIELDS, key).to_string();
    c.value(
        label("charged"),
        Some(yes_no(old.charged).to_string()),
        Some(yes_no(new.charged).to_string()),
    );
    c.value(label("basis"), old.basis.clone(), new.basis.clone());
    c.value(
        label("amount_note"),
        old.amount_note.clone(),
        new.amount_note.clone(),
    );
    c.value(
        label("online_payment"),
        Some(yes_no(old.online_payment).to_string()),
        Some(yes_no(new.online_payment).to_string()),
    );
}

fn show_result(result: &ItemResult) -> String {
    format!("{}：{}", result.kind, result.name)
}

fn diff_result(c: &mut Changes, before: &Option<ItemResult>, after: &Option<ItemResult>) {
    let (Some(old), Some(new)) = (before, after) else {
        c.optional(before, after, show_result);
        return;
    };
    let label = |key| field_label(RESULT_FIELDS, key).to_string();
    c.value(
        label("type"),
        Some(old.kind.to_string()),
        Some(new.kind.to_string()),
    );
    c.value(
        label("name"),
        Some(old.name.clone()),
        Some(new.name.clone()),
    );
    c.value(
        label("licence_type"),
        old.licence_type.clone(),
        new.licence_type.clone(),
    );
}

fn show_figures(figures: &Figures) -> String {
    format!(
        "材料 {} 件、时限 {} 个工作日、环节 {} 个、跑动 {} 次",
        figures.materials, figures.days, figures.steps, figures.visits
    )
}

fn show_optimization(record: &Optimization) -> String {
    format!(
        "改革前：{}；改革后：{}",
        show_figures(&record.before),
        show_figures(&record.after)
    )
}

fn diff_optimization(c: &mut Changes, before: &Option<Optimization>, after: &Option<Optimization>) {
    let (Some(old), Some(new)) = (before, after) else {
        c.optional(before, after, show_optimization);
        return;
    };
    let element = c.label();
    for (side, was, now) in [
        ("改革前", old.before, new.before),
        ("改革后", old.after, new.after),
    ] {
        let pairs = [
            ("materials", was.materials, now.materials),
            ("days", was.days, now.days),
            ("steps", was.steps, now.steps),
            ("visits", was.visits, now.visits),
        ];
        for (key, was, now) in pairs {
            let label = format!("{element}（{side}{}）", field_label(FIGURE_FIELDS, key));
            c.value(label, Some(was.to_string()), Some(now.to_string()));
        }
    }
}

fn diff_faqs(c: &mut Changes, before: &[Faq], after: &[Faq]) {
    let element = c.label();
    let (removed, added) = unmatched(before, after, |a, b| a.q == b.q);
    for faq in &removed {
        c.push(
            element.clone(),
            ChangeKind::Removed,
            Some(faq.q.clone()),
            None,
        );
    }
    for faq in &added {
        c.push(
            element.clone(),
            ChangeKind::Added,
            None,
            Some(faq.q.clone()),
        );
    }
    let mut taken = vec![false; after.len()];
    for old in before {
        let Some(index) = after
            .iter()
            .enumerate()
            .position(|(i, new)| !taken[i] && new.q == old.q)
        else {
            continue;
        };
        taken[index] = true;
        c.value(
            format!("{element}“{}”的答复", old.q),
            Some(old.a.clone()),
            Some(after[index].a.clone()),
        );
    }
    let questions = |list: &[Faq]| list.iter().map(|f| f.q.clone()).collect::<Vec<_>>();
    let (old_q, new_q) = (questions(before), questions(after));
    if removed.is_empty() && added.is_empty() && old_q != new_q {
        c.push(
            format!("{element}顺序"),
            ChangeKind::Changed,
            Some(old_q.join("、")),
            Some(new_q.join("、")),
        );
    }
}
