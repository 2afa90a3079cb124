//! Running the platform: `demo` and `serve`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use zerotrip_app::delivery::{DeliverySubscriber, DeliveryTracker, LocalCourier};
use zerotrip_app::events::{EventMetrics, OutboxWorker};
use zerotrip_app::hotline::{BadReviewSubscriber, HotlineJobs};
use zerotrip_app::notify::{LocalSmsProvider, NotificationSubscriber, SmsDispatcher};
use zerotrip_app::payments::{
    LocalPaymentProvider, PaymentJobs, PaymentProvider, PaymentSubscriber,
};
use zerotrip_app::search::SearchSubscriber;
use zerotrip_app::{App, Clock};
use zerotrip_store::{ConnectOptions, Db};
use zerotrip_web::{AppState, WebConfig};

use crate::options::{DemoArgs, ServeArgs, StoreArgs};

/// Connects, migrates and opens the platform.
pub async fn open_app(store: &StoreArgs, max_connections: u32) -> anyhow::Result<App> {
    std::fs::create_dir_all(&store.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", store.data_dir.display()))?;
    let url = store.url();
    let db = Db::connect(
        &url,
        &ConnectOptions {
            max_connections,
            schema: None,
        },
    )
    .await?;
    db.migrate().await?;
    let files = store.data_dir.join("files");
    std::fs::create_dir_all(&files)
        .with_context(|| format!("无法创建文件目录 {}", files.display()))?;
    Ok(App::open(db, files, Clock::system()).await?)
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let store = StoreArgs {
        database_url: None,
        data_dir: args.data_dir.clone(),
    };
    let app = open_app(&store, 8).await?;
    let first_start = !zerotrip_app::seed::demo_loaded(&app).await?;
    if first_start {
        eprintln!("首次启动：正在载入演示数据（事项目录、实施清单、零跑动清单）……");
    }
    let accounts = zerotrip_app::seed::load_demo(&app).await?;
    run(app, args.listen, false, Some(&args.data_dir), |url| {
        println!("listening on {url}");
        println!("零跑动政务服务平台（演示）已启动：{url}");
        println!("工作人员登录：{url}admin/login");
        println!(
            "演示账号（密码均为 {}）：",
            zerotrip_app::seed::DEMO_PASSWORD
        );
        for account in &accounts {
            println!(
                "  {:<10} {}（{}，{}）",
                account.username, account.display_name, account.role_label, account.scope
            );
        }
    })
    .await
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(&args.store, args.max_connections).await?;
    if args.demo_data {
        zerotrip_app::seed::load_demo(&app).await?;
    }
    run(app, args.listen, args.secure_cookies, None, |url| {
        println!("listening on {url}")
    })
    .await
}

async fn run(
    app: App,
    listen: SocketAddr,
    secure_cookies: bool,
    data_dir: Option<&Path>,
    announce: impl FnOnce(&str),
) -> anyhow::Result<ExitCode> {
    let csrf_key = app.installation_secret("csrf").await?;
    let config = WebConfig {
        secure_cookies,
        max_body_bytes: 32 * 1024 * 1024,
        csrf_key,
    };
    let state = AppState::new(app.clone(), config, zerotrip_web::install_metrics());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("无法监听 {listen}"))?;
    let address = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    // The local SMS gateway, payment provider and courier: persisted, retried, observable.
    let sms = Arc::new(LocalSmsProvider::new(&app));
    let payments: Arc<dyn PaymentProvider> = Arc::new(LocalPaymentProvider::new(app.clone()));
    let courier = Arc::new(LocalCourier::new(&app));
    let worker = OutboxWorker::new(
        app.clone(),
        vec![
            Arc::new(EventMetrics),
            Arc::new(NotificationSubscriber::new(app.clone())),
            Arc::new(PaymentSubscriber::new(app.clone(), payments.clone())),
            Arc::new(DeliverySubscriber::new(app.clone())),
            // Content changes reach every process's search index (crate::search of the app).
            Arc::new(SearchSubscriber::new(app.clone())),
            // 差评 (evaluation.bad) become 12345 差评整改 work orders.
            Arc::new(BadReviewSubscriber::new(app.clone())),
        ],
    );
    let mut worker_stop = stopped.clone();
    let worker_task = tokio::spawn(worker.run(Duration::from_millis(500), async move {
        let _ = worker_stop.wait_for(|stop| *stop).await;
    }));
    let until_stopped = |mut stop: watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    let jobs = [
        tokio::spawn(
            SmsDispatcher::new(app.clone(), sms)
                .run(Duration::from_secs(1), until_stopped(stopped.clone())),
        ),
        tokio::spawn(
            PaymentJobs::new(app.clone(), payments)
                .run(Duration::from_secs(5), until_stopped(stopped.clone())),
        ),
        tokio::spawn(
            LocalPaymentProvider::new(app.clone())
                .run_notifier(Duration::from_secs(2), until_stopped(stopped.clone())),
        ),
        tokio::spawn(
            DeliveryTracker::new(app.clone(), courier)
                .run(Duration::from_secs(5), until_stopped(stopped.clone())),
        ),
        // 12345 催办 and 通报 fall due by the working day: once a minute is plenty.
        tokio::spawn(
            HotlineJobs::new(app.clone())
                .run(Duration::from_secs(60), until_stopped(stopped.clone())),
        ),
    ];
    // The search index is built now rather than by the first visitor's search (jieba's
    // dictionary, the pinyin tables and every published document); searches arriving meanwhile
    // wait for it.
    let warm = app.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match warm.sync_search().await {
            Ok(()) => tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "search index ready"
            ),
            Err(error) => {
                tracing::warn!(%error, "search index not built at start-up; the first search builds it")
            }
        }
    });
    if let Some(dir) = data_dir {
        tracing::info!(data_dir = %dir.display(), "demo data directory");
    }
    announce(&format!("http://{address}/"));
    let router = zerotrip_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal(stop))
        .await
        .context("服务异常退出")?;
    let _ = worker_task.await;
    for job in jobs {
        let _ = job.await;
    }
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM and tells the background jobs to stop.
async fn shutdown_signal(stop: watch::Sender<bool>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    eprintln!("正在停止服务……");
    let _ = stop.send(true);
}
