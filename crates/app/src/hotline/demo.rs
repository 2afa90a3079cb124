//! The 12345 body of the demo: one province-level hotline centre whose staff take calls and
//! dispatch work orders.

use zerotrip_core::ids::CreditCode;
use zerotrip_store::departments::{self, NewDepartment};

use super::HOTLINE_DEPARTMENT_KIND;
use crate::App;
use crate::error::{AppError, AppResult};

pub const HOTLINE_DEPARTMENT_NAME: &str = "海南省12345政务服务便民热线";
/// A made-up but valid code of a 事业单位 (category 12) registered at the province.
pub const HOTLINE_DEPARTMENT_CREDIT_CODE: &str = "12460000MB1234511H";

/// Creates the province's 12345 body unless it exists; returns its id.
pub async fn ensure_hotline_body(app: &App) -> AppResult<i64> {
    let existing = departments::departments_in_region(&app.db, "460000").await?;
    if let Some(found) = existing.iter().find(|d| d.kind == HOTLINE_DEPARTMENT_KIND) {
        return Ok(found.id);
    }
    let credit_code =
        CreditCode::parse(HOTLINE_DEPARTMENT_CREDIT_CODE).map_err(AppError::internal)?;
    let mut tx = app.db.begin().await?;
    let id = departments::insert_department(
        &mut tx,
        &NewDepartment {
            credit_code: credit_code.as_str().to_owned(),
            name: HOTLINE_DEPARTMENT_NAME.to_owned(),
            short_name: "12345热线".to_owned(),
            kind: HOTLINE_DEPARTMENT_KIND.to_owned(),
            region_code: "460000".to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
