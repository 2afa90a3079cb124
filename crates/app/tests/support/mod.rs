//! Shared set-up of the app tests: a platform with the demo data on a throw-away database.
#![allow(dead_code)]

use zerotrip_app::auth::Principal;
use zerotrip_app::{App, Clock};
use zerotrip_store::Db;

pub async fn demo_app(db: Db) -> App {
    let app = App::open(db, std::env::temp_dir(), Clock::system())
        .await
        .expect("open the platform");
    zerotrip_app::seed::load_demo(&app)
        .await
        .expect("load the demo data");
    app
}

pub async fn empty_app(db: Db) -> App {
    App::open(db, std::env::temp_dir(), Clock::system())
        .await
        .expect("open the platform")
}

pub async fn sign_in(app: &App, username: &str) -> Principal {
    app.authenticate(username, zerotrip_app::seed::DEMO_PASSWORD)
        .await
        .expect("demo account signs in")
}
