//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use zerotrip_app::App;

use crate::security::LoginThrottle;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS in production).
    pub secure_cookies: bool,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Key that signs CSRF tokens; shared by every process of one installation.
    pub csrf_key: Vec<u8>,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Option<PrometheusHandle>,
    pub(crate) login_throttle: Arc<LoginThrottle>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig, metrics: Option<PrometheusHandle>) -> Self {
        AppState {
            app,
            config: Arc::new(config),
            metrics,
            login_throttle: Arc::new(LoginThrottle::default()),
        }
    }
}
