//! Sub-commands and flags. Every flag can also come from a `ZEROTRIP_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "zerotrip", version, about = "零跑动政务服务平台", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 以内置 SQLite 和演示数据启动平台（首次启动时载入演示数据）
    Demo(DemoArgs),
    /// 生产入口：连接 PostgreSQL（或 SQLite）数据库提供服务
    Serve(ServeArgs),
    /// 执行数据库迁移
    Migrate(StoreArgs),
    /// 导入事项目录或节假日数据
    Import(ImportArgs),
    /// 导出事项目录或零跑动清单
    Export(ExportArgs),
    /// 事项目录维护：无差别受理检查
    Catalog(CatalogArgs),
    /// 审计日志：校验哈希链
    Audit(AuditArgs),
    /// 零跑动清单：发布新一期
    #[command(name = "zero-trip")]
    ZeroTrip(ZeroTripArgs),
    /// 性能测量
    Bench(BenchArgs),
    /// 搜索：重建索引、评测检索质量
    Search(crate::search::SearchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// 经 HTTP 提交办件的吞吐量（持久化提交），与同库裸 INSERT 对比
    Submissions(SubmissionBenchArgs),
}

#[derive(Debug, Args)]
pub struct SubmissionBenchArgs {
    /// 数据库地址；省略时使用临时 SQLite 文件。PostgreSQL 会使用一个临时模式并在结束后删除
    #[arg(long)]
    pub database_url: Option<String>,
    /// 提交次数
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    /// 并发数
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// 日志格式
    #[arg(long, global = true, env = "ZEROTRIP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 监听地址
    #[arg(long, env = "ZEROTRIP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// 数据目录（SQLite 数据库与文件）
    #[arg(long, env = "ZEROTRIP_DATA_DIR", default_value = "demo-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, env = "ZEROTRIP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// 为 Cookie 加上 Secure 标记（经 HTTPS 提供服务时开启）
    #[arg(long, env = "ZEROTRIP_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// 首次启动时载入演示数据
    #[arg(long, env = "ZEROTRIP_DEMO_DATA", default_value_t = false)]
    pub demo_data: bool,
    /// 数据库连接池大小
    #[arg(long, env = "ZEROTRIP_MAX_CONNECTIONS", default_value_t = 16)]
    pub max_connections: u32,
}

/// Where the platform's data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// 数据库地址：postgres://… 或 sqlite://…；省略时使用数据目录中的 SQLite 数据库
    #[arg(long, env = "ZEROTRIP_DATABASE_URL")]
    pub database_url: Option<String>,
    /// 数据目录（文件存储；未给出数据库地址时也存放 SQLite 数据库）
    #[arg(long, env = "ZEROTRIP_DATA_DIR", default_value = "zerotrip-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportWhat,
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// 导入事项目录（JSON 交换格式，或 CSV）；任何一行有误则不写入任何数据
    Catalog {
        /// 文件路径
        file: PathBuf,
        /// 文件格式；省略时按扩展名判断
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// 导入后直接发布为新版本（有要素质量问题时整体拒绝）；否则保存为草稿
        #[arg(long)]
        publish: bool,
        /// 发布说明
        #[arg(long, default_value = "批量导入")]
        note: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// 导入节假日安排（CSV：date,name,is_off_day），用于新的年份
    Calendar {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportWhat,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// 导出已发布的事项目录
    Catalog {
        #[arg(long, value_enum, default_value_t = FileFormat::Json)]
        format: FileFormat,
        /// 输出文件；省略时写到标准输出
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// 导出最新一期零跑动清单
    #[command(name = "zero-trip")]
    ZeroTrip {
        /// 行政区划代码；省略时为全省
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
        format: FileFormat,
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub what: CatalogWhat,
}

#[derive(Debug, Subcommand)]
pub enum CatalogWhat {
    /// 列出偏离省级标准的实施清单和不符合要素质量规则的事项（按地区统计）；有问题时退出码为 1
    Check {
        /// 以 JSON 输出完整报告
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub what: AuditWhat,
}

#[derive(Debug, Subcommand)]
pub enum AuditWhat {
    /// 校验审计日志哈希链；发现篡改时退出码为 1
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct ZeroTripArgs {
    #[command(subcommand)]
    pub what: ZeroTripWhat,
}

#[derive(Debug, Subcommand)]
pub enum ZeroTripWhat {
    /// 按当前事项目录与实施清单发布新一期零跑动清单
    Publish {
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

impl StoreArgs {
    /// The database URL: as given, or the SQLite file in the data directory.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("zerotrip.db").display()),
        }
    }
}

pub fn init_logging(args: &LogArgs) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZEROTRIP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
