//! The `zerotrip` binary's sub-commands, on both backends.

use std::process::{Command, Output};

use zerotrip_app::{App, Clock};
use zerotrip_store::testing::TestDatabase;

fn zerotrip(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zerotrip"))
        .args(args)
        .env("ZEROTRIP_LOG", "warn")
        .output()
        .expect("run the zerotrip binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `args` against the test database, with a throw-away data directory.
fn run_on(test: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    let dir = dir.to_str().expect("utf-8 path");
    all.extend(["--database-url", &test.url, "--data-dir", dir]);
    zerotrip(&all)
}

async fn with_demo(test: &TestDatabase) {
    let app = App::open(test.db.clone(), std::env::temp_dir(), Clock::system())
        .await
        .unwrap();
    zerotrip_app::seed::load_demo(&app).await.unwrap();
}

macro_rules! cli_test {
    ($name:ident, |$test:ident, $dir:ident| $body:expr) => {
        mod $name {
            use super::*;

            async fn run($test: &TestDatabase, $dir: &std::path::Path) {
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test = TestDatabase::sqlite().await;
                let dir = tempfile::tempdir().unwrap();
                run(&test, dir.path()).await;
                test.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = TestDatabase::postgres().await;
                let dir = tempfile::tempdir().unwrap();
                run(&test, dir.path()).await;
                test.cleanup().await;
            }
        }
    };
}

cli_test!(imports_the_real_sichuan_list_and_checks_it, |test, dir| {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/samples/service-items-sichuan-guangan.csv"
    );
    let output = run_on(test, dir, &["import", "catalog", file]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("导入完成：共 1135 项，新增 1135"),
        "{}",
        stdout(&output)
    );
    // The list lacks most elements, so the check fails and says what is missing.
    let check = run_on(test, dir, &["catalog", "check"]);
    assert_eq!(check.status.code(), Some(1));
    let text = stdout(&check);
    assert!(text.contains("检查了 1135 个事项"), "{text}");
    assert!(text.contains("法定办结时限未填写"), "{text}");
});

cli_test!(
    a_malformed_file_names_line_and_field_and_writes_nothing,
    |test, dir| {
        let file = dir.join("bad.csv");
        let csv = "name,department,main_item,task_type_code,task_type,item_code,area_code,source_url\n\
               出生登记,区公安分局,,7,行政确认,511A0001,511602000000,http://x\n\
               坏的一行,区公安分局,,99,不存在,511A0002,511602000000,http://x\n";
        std::fs::write(&file, csv).unwrap();
        let output = run_on(test, dir, &["import", "catalog", file.to_str().unwrap()]);
        assert!(!output.status.success());
        let message = stderr(&output);
        assert!(message.contains("第 3 行"), "{message}");
        assert!(message.contains("未写入任何数据"), "{message}");
        let export = run_on(test, dir, &["export", "catalog"]);
        assert!(export.status.success(), "{}", stderr(&export));
        assert_eq!(stdout(&export).trim(), "[]", "nothing was imported");
    }
);

cli_test!(checks_verifies_and_exports_the_demo, |test, dir| {
    with_demo(test).await;
    let check = run_on(test, dir, &["catalog", "check"]);
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    assert!(
        stdout(&check).contains("错误 0 处，提示 0 处，偏离省级标准 0 处"),
        "{}",
        stdout(&check)
    );

    let verify = run_on(test, dir, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("哈希链校验通过"),
        "{}",
        stdout(&verify)
    );

    let path = dir.join("catalog.json");
    let export = run_on(
        test,
        dir,
        &["export", "catalog", "--output", path.to_str().unwrap()],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(items.len(), 227);

    let csv = run_on(test, dir, &["export", "zero-trip", "--region", "460106"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    assert!(text.starts_with('\u{feff}'), "CSV opens in Excel as UTF-8");
    assert!(text.lines().count() > 100);

    // Nothing changed since the demo's first period.
    let publish = run_on(test, dir, &["zero-trip", "publish"]);
    assert_eq!(publish.status.code(), Some(1));
    assert!(
        stderr(&publish).contains("没有变化"),
        "{}",
        stderr(&publish)
    );

    // Tampering with a record is detected (after removing the append-only trigger).
    let drop_trigger = match test.db.backend() {
        zerotrip_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        zerotrip_store::Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    test.db
        .execute(zerotrip_store::sql_assembled(drop_trigger.to_owned()))
        .await
        .unwrap();
    test.db
        .execute(zerotrip_store::sql(
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = 5",
        ))
        .await
        .unwrap();
    let verify = run_on(test, dir, &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        stdout(&verify).contains("第 5 条审计记录的内容与其哈希不符"),
        "{}",
        stdout(&verify)
    );
});

cli_test!(imports_a_later_years_calendar, |test, dir| {
    let file = dir.join("2027.csv");
    std::fs::write(&file, "date,name,is_off_day\n2027-01-01,元旦,true\n").unwrap();
    let output = run_on(test, dir, &["import", "calendar", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("节假日导入完成：1 条，涉及年份 2027"),
        "{}",
        stdout(&output)
    );
    std::fs::write(&file, "date,name,is_off_day\n2027-02-30,春节,true\n").unwrap();
    let output = run_on(test, dir, &["import", "calendar", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("第 2 行"), "{}", stderr(&output));
});
