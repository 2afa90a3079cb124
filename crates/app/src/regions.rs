//! Regions as the API and pages present them.

use serde::Serialize;
use zerotrip_core::ids::DivisionCode;
use zerotrip_store::reference::{self, DivisionRow};

use crate::App;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub full_name: String,
    pub level: String,
    pub level_label: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionView,
    pub ancestors: Vec<RegionView>,
    pub children: Vec<RegionView>,
}

impl From<DivisionRow> for RegionView {
    fn from(row: DivisionRow) -> Self {
        let level_label = match row.level.as_str() {
            "province" => "省级",
            "city" => "地市级",
            "county" => "县级",
            "township" => "乡镇级",
            _ => "村级",
        }
        .to_owned();
        RegionView {
            code: row.code,
            name: row.name,
            full_name: row.full_name,
            level: row.level,
            level_label,
            parent_code: row.parent_code,
        }
    }
}

impl App {
    /// Every division down to townships, in code order.
    pub async fn regions_list(&self) -> AppResult<Vec<RegionView>> {
        Ok(reference::all_divisions(&self.db)
            .await?
            .into_iter()
            .map(RegionView::from)
            .collect())
    }

    /// One division with its ancestors and children (villages for a township).
    pub async fn region(&self, code: &str) -> AppResult<RegionDetail> {
        let parsed = DivisionCode::parse(code).map_err(|error| AppError::field("code", error))?;
        let row = reference::division(&self.db, parsed.as_str())
            .await?
            .ok_or_else(|| AppError::not_found(format!("行政区划 {parsed} 不存在")))?;
        let mut ancestors = Vec::new();
        let mut parent = row.parent_code.clone();
        while let Some(code) = parent {
            let Some(ancestor) = reference::division(&self.db, &code).await? else {
                break;
            };
            parent = ancestor.parent_code.clone();
            ancestors.push(RegionView::from(ancestor));
        }
        let mut children: Vec<RegionView> = reference::child_divisions(&self.db, parsed.as_str())
            .await?
            .into_iter()
            .map(RegionView::from)
            .collect();
        if children.is_empty() && row.level == "township" {
            children = reference::villages_of(&self.db, parsed.as_str())
                .await?
                .into_iter()
                .map(|village| RegionView {
                    full_name: format!("{}{}", row.full_name, village.name),
                    code: village.code,
                    name: village.name,
                    level: "village".to_owned(),
                    level_label: "村级".to_owned(),
                    parent_code: Some(village.parent_code),
                })
                .collect();
        }
        Ok(RegionDetail {
            region: row.into(),
            ancestors,
            children,
        })
    }
}

impl App {
    /// The full name of a division code (the code itself when unknown).
    pub fn region_name(&self, code: &str) -> String {
        let tree = self.regions();
        match tree.find(code) {
            Some(division) => tree.full_name(&division.code),
            None => code.to_owned(),
        }
    }
}
