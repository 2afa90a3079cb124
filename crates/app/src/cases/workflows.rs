//! Which workflow a case follows: the item's own definition if it has one, else the default for
//! its type; always the latest version at filing time, pinned on the case from then on.

use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::ServiceItem;
use zerotrip_core::workflow::{WorkflowDefinition, all_defaults};
use zerotrip_store::Tx;
use zerotrip_store::cases as store;

use super::definition_of;
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

impl App {
    /// Stores the built-in default definitions as version 1 where they are missing.
    pub(crate) async fn ensure_default_workflows(&self) -> AppResult<()> {
        let mut tx = self.db.begin().await?;
        for definition in all_defaults() {
            if store::latest_workflow(&mut tx, &definition.code)
                .await?
                .is_none()
            {
                let content = serde_json::to_value(&definition).map_err(AppError::internal)?;
                store::insert_workflow(
                    &mut tx,
                    &definition.code,
                    1,
                    content,
                    self.clock.now(),
                    crate::audit::SYSTEM_ACTOR,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The definition (and its version) a new case of `item` follows.
    pub(crate) async fn workflow_for_item(
        &self,
        tx: &mut Tx,
        item: &ServiceItem,
    ) -> AppResult<(WorkflowDefinition, i64)> {
        let code = match store::item_workflow(tx, item.code.as_str()).await? {
            Some(code) => code,
            None => WorkflowDefinition::default_for_item(item).code,
        };
        let row = store::latest_workflow(tx, &code)
            .await?
            .ok_or_else(|| AppError::internal(format!("流程 {code} 不存在")))?;
        Ok((definition_of(&row)?, row.version))
    }

    /// The pinned definition of a running case.
    pub(crate) async fn workflow_version(
        &self,
        code: &str,
        version: i64,
    ) -> AppResult<WorkflowDefinition> {
        let row = store::workflow(&self.db, code, version)
            .await?
            .ok_or_else(|| AppError::internal(format!("流程 {code} 第 {version} 版不存在")))?;
        definition_of(&row)
    }

    /// Publishes a new version of a workflow definition (province administrators). Running
    /// cases keep the version they started with.
    pub async fn publish_workflow(
        &self,
        principal: &Principal,
        definition_json: &str,
    ) -> AppResult<i64> {
        principal.require(Role::ProvinceAdmin)?;
        let definition = WorkflowDefinition::from_json(definition_json).map_err(|invalid| {
            let fields = invalid
                .messages()
                .into_iter()
                .map(|m| crate::FieldError::new("definition", m))
                .collect();
            AppError::invalid("流程定义有误", fields)
        })?;
        let mut tx = self.db.begin().await?;
        let version = store::latest_workflow(&mut tx, &definition.code)
            .await?
            .map(|row| row.version + 1)
            .unwrap_or(1);
        let mut stored = definition.clone();
        stored.version = u32::try_from(version).map_err(AppError::internal)?;
        let content = serde_json::to_value(&stored).map_err(AppError::internal)?;
        store::insert_workflow(
            &mut tx,
            &definition.code,
            version,
            content.clone(),
            self.clock.now(),
            &principal.username,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "workflow.publish",
            &format!("workflow:{}", definition.code),
            None,
            Some(&content),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Makes an item follow a workflow other than its type's default.
    pub async fn assign_workflow(
        &self,
        principal: &Principal,
        item_code: &str,
        workflow_code: &str,
    ) -> AppResult<()> {
        principal.require(Role::ProvinceAdmin)?;
        let mut tx = self.db.begin().await?;
        if store::latest_workflow(&mut tx, workflow_code)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "workflow",
                format!("流程 {workflow_code} 不存在"),
            ));
        }
        store::set_item_workflow(&mut tx, item_code, workflow_code)
            .await
            .map_err(|error| match error {
                zerotrip_store::StoreError::Conflict(_) => {
                    AppError::field("item", format!("事项 {item_code} 不存在"))
                }
                other => other.into(),
            })?;
        let after = json!({"item": item_code, "workflow": workflow_code});
        self.audit(
            &mut tx,
            &principal.username,
            "workflow.assign",
            &format!("item:{item_code}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
