//! `zerotrip`: serve the platform, or run one of its operations from the command line.

mod bench;
mod commands;
mod options;
mod progress;
mod search;
mod server;

use clap::Parser;

use options::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    options::init_logging(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("无法启动运行时：{error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => server::demo(args).await,
            Command::Serve(args) => server::serve(args).await,
            Command::Migrate(args) => commands::migrate(args).await,
            Command::Import(args) => commands::import(args).await,
            Command::Export(args) => commands::export(args).await,
            Command::Catalog(args) => commands::catalog(args).await,
            Command::Audit(args) => commands::audit(args).await,
            Command::ZeroTrip(args) => commands::zero_trip(args).await,
            Command::Bench(args) => match args.what {
                options::BenchWhat::Submissions(args) => bench::submissions(args).await,
            },
            Command::Search(args) => search::run(args).await,
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("错误：{error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
