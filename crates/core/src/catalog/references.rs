//! Cross-references between the catalogue and the lists that point into it: bundles name
//! items, proactive rules name items and licence types. Each check returns findings rather than
//! failing, so an import can show every broken reference at once.

use super::bundle::Bundle;
use super::elements::{Mode, ResultType};
use super::item::{ItemCode, ServiceItem};
use super::licence_type::LicenceType;
use super::proactive::ProactiveRule;
use super::quality::Finding;
use std::collections::{HashMap, HashSet};

/// Items by code, for reference checks.
fn index(items: &[ServiceItem]) -> HashMap<&ItemCode, &ServiceItem> {
    items.iter().map(|item| (&item.code, item)).collect()
}

/// Checks every bundle against the catalogue: its items exist and appear once, its form keys
/// are unique, each field is used by items of the bundle (in the bundle's order), every item
/// uses the form, and the bundle's promise lies between its slowest item and the sum of all.
pub fn check_bundles(bundles: &[Bundle], items: &[ServiceItem]) -> Vec<Finding> {
    let items = index(items);
    let mut out = Vec::new();
    for bundle in bundles {
        check_bundle(bundle, &items, &mut out);
    }
    out
}

fn check_bundle(bundle: &Bundle, items: &HashMap<&ItemCode, &ServiceItem>, out: &mut Vec<Finding>) {
    let who = format!("一件事“{}”（{}）", bundle.name, bundle.code);
    let mut seen = HashSet::new();
    for code in &bundle.item_codes {
        if !seen.insert(code) {
            out.push(Finding::error(
                "bundle-item-duplicate",
                "一件事事项",
                format!("{who}重复列出事项 {code}"),
            ));
        }
        if !items.contains_key(code) {
            out.push(Finding::error(
                "bundle-item-unknown",
                "一件事事项",
                format!("{who}所含事项 {code} 不在事项库中"),
            ));
        }
    }
    let mut keys = HashSet::new();
    for field in &bundle.shared_form_fields {
        if !keys.insert(field.key.as_str()) {
            out.push(Finding::error(
                "bundle-field-key-duplicate",
                "共享表单",
                format!("{who}的共享表单字段键“{}”重复", field.key),
            ));
        }
        let positions: Vec<Option<usize>> = field
            .used_by
            .iter()
            .map(|code| bundle.item_codes.iter().position(|c| c == code))
            .collect();
        for (code, position) in field.used_by.iter().zip(&positions) {
            if position.is_none() {
                out.push(Finding::error(
                    "bundle-field-foreign-item",
                    "共享表单",
                    format!(
                        "{who}的共享表单字段“{}”用于事项 {code}，但该事项不在本一件事中",
                        field.label
                    ),
                ));
            }
        }
        let known: Vec<usize> = positions.into_iter().flatten().collect();
        if known.windows(2).any(|pair| pair[0] >= pair[1]) {
            out.push(Finding::warning(
                "bundle-field-order",
                "共享表单",
                format!(
                    "{who}的共享表单字段“{}”所列事项的顺序与一件事事项顺序不一致",
                    field.label
                ),
            ));
        }
    }
    for code in &bundle.item_codes {
        if !bundle
            .shared_form_fields
            .iter()
            .any(|f| f.used_by.contains(code))
        {
            out.push(Finding::warning(
                "bundle-item-unused",
                "共享表单",
                format!("{who}的事项 {code} 未使用共享表单中的任何字段"),
            ));
        }
    }
    check_bundle_promise(bundle, &who, items, out);
}

fn check_bundle_promise(
    bundle: &Bundle,
    who: &str,
    items: &HashMap<&ItemCode, &ServiceItem>,
    out: &mut Vec<Finding>,
) {
    let days: Vec<u32> = bundle
        .item_codes
        .iter()
        .filter_map(|code| items.get(code).and_then(|item| item.promised_days))
        .collect();
    let (Some(slowest), total) = (days.iter().copied().max(), days.iter().sum::<u32>()) else {
        return;
    };
    if bundle.promised_days < slowest {
        out.push(Finding::error(
            "bundle-promise-too-short",
            "承诺办结时限",
            format!(
                "{who}承诺 {} 个工作日办结，短于其中最慢事项的承诺办结时限 {slowest} 个工作日",
                bundle.promised_days
            ),
        ));
    } else if bundle.promised_days > total {
        out.push(Finding::warning(
            "bundle-promise-too-long",
            "承诺办结时限",
            format!(
                "{who}承诺 {} 个工作日办结，长于各事项承诺办结时限之和 {total} 个工作日",
                bundle.promised_days
            ),
        ));
    }
}

/// Checks every proactive rule: its item exists and offers 主动办, its benefit is what the item
/// results in, and a licence benefit names a registered licence type.
pub fn check_proactive_rules(
    rules: &[ProactiveRule],
    items: &[ServiceItem],
    licence_types: &[LicenceType],
) -> Vec<Finding> {
    let items = index(items);
    let registered: HashSet<&str> = licence_types.iter().map(|t| t.name.as_str()).collect();
    let mut out = Vec::new();
    for rule in rules {
        let who = format!("主动办规则“{}”（{}）", rule.name, rule.code);
        if let Some(licence) = &rule.benefit.licence_type
            && !registered.contains(licence.as_str())
        {
            out.push(Finding::error(
                "rule-licence-unknown",
                "电子证照类型",
                format!("{who}发放的电子证照类型“{licence}”不在证照目录中"),
            ));
        }
        let Some(item) = items.get(&rule.item_code) else {
            out.push(Finding::error(
                "rule-item-unknown",
                "事项编码",
                format!("{who}对应的事项 {} 不在事项库中", rule.item_code),
            ));
            continue;
        };
        if !item.modes.contains(&Mode::Proactive) {
            out.push(Finding::error(
                "rule-item-not-proactive",
                "办理形式",
                format!("{who}对应的事项 {} 的办理形式不含“主动办”", item.code),
            ));
        }
        check_benefit(rule, item, &who, &mut out);
    }
    out
}

fn check_benefit(rule: &ProactiveRule, item: &ServiceItem, who: &str, out: &mut Vec<Finding>) {
    let Some(result) = &item.result else {
        return;
    };
    if rule.benefit.kind != result.kind {
        out.push(Finding::error(
            "rule-benefit-type",
            "结果类型",
            format!(
                "{who}的受益类型为“{}”，而事项 {} 的结果类型为“{}”",
                rule.benefit.kind, item.code, result.kind
            ),
        ));
    }
    if rule.benefit.kind == ResultType::Licence && rule.benefit.licence_type != result.licence_type
    {
        let show = |name: &Option<String>| name.clone().unwrap_or_else(|| "无".to_string());
        out.push(Finding::error(
            "rule-benefit-licence",
            "结果证照类型",
            format!(
                "{who}发放的证照“{}”与事项 {} 的结果证照“{}”不一致",
                show(&rule.benefit.licence_type),
                item.code,
                show(&result.licence_type)
            ),
        ));
    }
}
