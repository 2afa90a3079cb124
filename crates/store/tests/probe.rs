use zerotrip_store::*;
#[derive(sqlx::FromRow, Debug)]
struct Row { id: i64, name: String, flag: bool, at: chrono::DateTime<chrono::Utc>, doc: Option<sqlx::types::Json<serde_json::Value>> }

async fn run(db: Db) {
    db.migrate().await.unwrap();
    let now = chrono::Utc::now();
    db.execute(sql("INSERT INTO probe (id, name, flag, at, doc) VALUES ($1, $2, $3, $4, $5)").bind(1i64).bind("海口").bind(true).bind(now).bind(serde_json::json!({"a": 1}))).await.unwrap();
    db.execute(sql("INSERT INTO probe (id, name, flag, at, doc) VALUES ($1, $2, $3, $4, $5)").bind(2i64).bind("三亚").bind(false).bind(now).bind(None::<serde_json::Value>)).await.unwrap();
    let rows: Vec<Row> = db.fetch_all(sql("SELECT id, name, flag, at, doc FROM probe WHERE name <> $2 OR id = $1 ORDER BY id").bind(2i64).bind("x")).await.unwrap();
    println!("{rows:?}");
    assert_eq!(rows.len(), 2);
    assert!(rows[0].flag);
}

#[tokio::test]
async fn sqlite_probe() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()), &ConnectOptions::default()).await.unwrap();
    run(db).await;
}
#[tokio::test]
async fn pg_probe() {
    let db = Db::connect("postgres://postgres@127.0.0.1:5432/test", &ConnectOptions { schema: Some(format!("probe_{}", std::process::id())), ..Default::default() }).await.unwrap();
    run(db).await;
}
