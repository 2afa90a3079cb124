//! One-shot operations: migrate, import, export, check, verify, publish.

use std::process::ExitCode;

use anyhow::Context;
use zerotrip_app::AppError;
use zerotrip_app::audit::SYSTEM_ACTOR;
use zerotrip_app::catalog::{CatalogFormat, ImportOptions};
use zerotrip_core::catalog::{Severity, entries_to_csv};
use zerotrip_store::{ConnectOptions, Db};

use crate::options::{
    AuditArgs, AuditWhat, CatalogArgs, CatalogWhat, ExportArgs, ExportWhat, FileFormat, ImportArgs,
    ImportWhat, StoreArgs, ZeroTripArgs, ZeroTripWhat,
};
use crate::progress;
use crate::server::open_app;

pub async fn migrate(store: StoreArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&store.data_dir).ok();
    let db = Db::connect(
        &store.url(),
        &ConnectOptions {
            max_connections: 2,
            schema: None,
        },
    )
    .await?;
    db.migrate().await?;
    println!("数据库迁移完成（{}）", db.backend().label());
    Ok(ExitCode::SUCCESS)
}

/// Prints an import error with every row problem, as staff need to fix the file.
fn report_app_error(error: AppError) -> anyhow::Error {
    let mut text = error.public_message();
    for field in error.fields() {
        text.push_str(&format!("\n  - {}", field.message));
    }
    anyhow::anyhow!(text)
}

pub async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        ImportWhat::Catalog {
            file,
            format,
            publish,
            note,
            store,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取文件 {}", file.display()))?;
            let format = match format {
                Some(FileFormat::Json) => CatalogFormat::Json,
                Some(FileFormat::Csv) => CatalogFormat::Csv,
                None => CatalogFormat::from_path(&file).with_context(|| {
                    format!(
                        "无法从扩展名判断 {} 的格式，请用 --format json|csv 指定",
                        file.display()
                    )
                })?,
            };
            let app = open_app(&store, 4).await?;
            let bar = progress::bar(0, "导入事项");
            let options = ImportOptions {
                format,
                publish,
                note,
            };
            let progress_bar = bar.clone();
            let outcome = app
                .import_catalog(SYSTEM_ACTOR, &text, &options, &move |done, total| {
                    progress_bar.set_length(total as u64);
                    progress_bar.set_position(done as u64);
                })
                .await;
            bar.finish_and_clear();
            let report = outcome.map_err(report_app_error)?;
            println!(
                "导入完成：共 {} 项，新增 {}，更新 {}，未变 {}，发布 {}",
                report.items, report.created, report.updated, report.unchanged, report.published
            );
            if !publish && report.created + report.updated > 0 {
                println!("新增和更新的事项已保存为草稿，审核后在管理页面或以 --publish 发布。");
            }
            Ok(ExitCode::SUCCESS)
        }
        ImportWhat::Calendar { file, store } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取文件 {}", file.display()))?;
            let app = open_app(&store, 2).await?;
            let report = app
                .import_calendar(&text, SYSTEM_ACTOR)
                .await
                .map_err(report_app_error)?;
            let years: Vec<String> = report.years.iter().map(ToString::to_string).collect();
            println!(
                "节假日导入完成：{} 条，涉及年份 {}",
                report.entries,
                years.join("、")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let (text, output) = match args.what {
        ExportWhat::Catalog {
            format,
            output,
            store,
        } => {
            let app = open_app(&store, 2).await?;
            let format = match format {
                FileFormat::Json => CatalogFormat::Json,
                FileFormat::Csv => CatalogFormat::Csv,
            };
            (
                app.export_catalog(format).await.map_err(report_app_error)?,
                output,
            )
        }
        ExportWhat::ZeroTrip {
            region,
            format,
            output,
            store,
        } => {
            let app = open_app(&store, 2).await?;
            let list = app
                .zero_trip_list(region.as_deref(), None, None)
                .await
                .map_err(report_app_error)?;
            let text = match format {
                FileFormat::Csv => entries_to_csv(&list.entries),
                FileFormat::Json => serde_json::to_string_pretty(&list)? + "\n",
            };
            (text, output)
        }
    };
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?;
            eprintln!("已导出到 {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn catalog(args: CatalogArgs) -> anyhow::Result<ExitCode> {
    let CatalogWhat::Check { json, store } = args.what;
    let app = open_app(&store, 2).await?;
    let spinner = progress::spinner("正在检查事项目录与实施清单……");
    let report = app.check_catalog().await.map_err(report_app_error);
    spinner.finish_and_clear();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "检查了 {} 个事项、{} 条实施清单：错误 {} 处，提示 {} 处，偏离省级标准 {} 处",
            report.items_checked,
            report.implementations_checked,
            report.errors,
            report.warnings,
            report.deviation_count()
        );
        for item in &report.items {
            for finding in &item.findings {
                println!(
                    "[{}] 事项 {} {}{}：{}：{}",
                    finding.severity.label(),
                    item.code,
                    item.name,
                    if item.draft { "（草稿）" } else { "" },
                    finding.element,
                    finding.message
                );
            }
        }
        for implementation in &report.implementations {
            for finding in &implementation.findings {
                println!(
                    "[{}·{}] {} {} {}（{}）：{}",
                    finding.severity.label(),
                    finding.kind.label(),
                    implementation.region_name,
                    implementation.department_name,
                    implementation.item_name,
                    implementation.code,
                    finding.message
                );
            }
        }
        let troubled: Vec<_> = report
            .by_region
            .iter()
            .filter(|r| r.deviations + r.local_quality > 0)
            .collect();
        if !troubled.is_empty() {
            println!("\n按地区统计：");
            for region in troubled {
                println!(
                    "  {} {}：实施清单 {} 条，偏离 {} 处（涉及 {} 条），本地信息问题 {} 处",
                    region.region_code,
                    region.region_name,
                    region.implementations,
                    region.deviations,
                    region.deviating,
                    region.local_quality
                );
            }
        }
    }
    let has_errors = report
        .items
        .iter()
        .flat_map(|i| &i.findings)
        .chain(report.implementations.iter().flat_map(|i| &i.findings))
        .any(|f| f.severity == Severity::Error);
    Ok(if has_errors {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let AuditWhat::Verify { store } = args.what;
    let app = open_app(&store, 2).await?;
    let total = app.audit_count().await.map_err(report_app_error)?;
    let bar = progress::bar(total.max(0) as u64, "校验审计日志");
    let progress_bar = bar.clone();
    let report = app
        .verify_audit_chain(move |done| progress_bar.set_position(done))
        .await;
    bar.finish_and_clear();
    let report = report.map_err(report_app_error)?;
    match report.broken {
        None => {
            println!("审计日志完整：{} 条记录，哈希链校验通过", report.verified);
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            println!(
                "审计日志校验失败：{broken}（此前 {} 条记录校验通过）",
                report.verified
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn zero_trip(args: ZeroTripArgs) -> anyhow::Result<ExitCode> {
    let ZeroTripWhat::Publish { note, store } = args.what;
    let app = open_app(&store, 2).await?;
    let outcome = app
        .publish_zero_trip_from_cli(&note)
        .await
        .map_err(report_app_error)?;
    println!(
        "已发布第 {} 期零跑动清单：共 {} 条，新增 {}，移除 {}",
        outcome.publication.id,
        outcome.publication.entry_count,
        outcome.publication.added,
        outcome.publication.removed
    );
    Ok(ExitCode::SUCCESS)
}
