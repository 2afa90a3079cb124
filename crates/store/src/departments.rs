//! Departments: the implementing bodies of each region.

use crate::StoreError;
use crate::batch::insert_rows;
use crate::db::{Arg, Db, Tx, sql};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DepartmentRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub region_code: String,
}

/// A department to insert; the id is assigned by the database.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDepartment {
    pub credit_code: String,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub region_code: String,
}

pub async fn insert_departments(tx: &mut Tx, rows: Vec<NewDepartment>) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| {
            vec![
                Arg::from(row.credit_code),
                row.name.into(),
                row.short_name.into(),
                row.kind.into(),
                row.region_code.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO departments (credit_code, name, short_name, kind, region_code) VALUES",
        "ON CONFLICT (credit_code) DO NOTHING",
        args,
    )
    .await
}

pub async fn all_departments(db: &Db) -> Result<Vec<DepartmentRow>, StoreError> {
    db.fetch_all(sql("SELECT id, credit_code, name, short_name, kind, region_code FROM departments ORDER BY region_code, kind")).await
}

pub async fn all_departments_tx(tx: &mut Tx) -> Result<Vec<DepartmentRow>, StoreError> {
    tx.fetch_all(sql("SELECT id, credit_code, name, short_name, kind, region_code FROM departments ORDER BY region_code, kind")).await
}

pub async fn department(db: &Db, id: i64) -> Result<Option<DepartmentRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT id, credit_code, name, short_name, kind, region_code FROM departments WHERE id = $1").bind(id),
    )
    .await
}

pub async fn department_by_credit_code(
    db: &Db,
    code: &str,
) -> Result<Option<DepartmentRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT id, credit_code, name, short_name, kind, region_code FROM departments WHERE credit_code = $1")
            .bind(code),
    )
    .await
}

pub async fn departments_in_region(
    db: &Db,
    region: &str,
) -> Result<Vec<DepartmentRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, credit_code, name, short_name, kind, region_code FROM departments WHERE region_code = $1 ORDER BY kind")
            .bind(region),
    )
    .await
}

/// Inserts one department and returns its id.
pub async fn insert_department(tx: &mut Tx, row: &NewDepartment) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO departments (credit_code, name, short_name, kind, region_code) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&row.credit_code)
            .bind(&row.name)
            .bind(&row.short_name)
            .bind(&row.kind)
            .bind(&row.region_code),
        )
        .await?;
    Ok(id)
}
