//! The models users pick from: configuration, not code. The `demo` model is always there; the
//! environment adds OpenAI and SD WebUI models, and an optional TOML file adds any others.

use std::{collections::HashMap, path::Path, sync::Arc, time::Duration};

use serde::Deserialize;

use super::{SharedProvider, demo::Demo, http_client, openai::OpenAi, sdwebui::SdWebUi};
use crate::{Error, Result, config::Config};

/// A model as configured.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub provider: String,
    /// The provider's own name for the model (defaults to `id`).
    #[serde(default)]
    pub upstream_model: Option<String>,
}

impl Model {
    pub fn upstream(&self) -> &str {
        self.upstream_model.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    models: Vec<Model>,
}

/// The configured models and the providers that run them.
#[derive(Clone)]
pub struct Models {
    models: Arc<Vec<Model>>,
    providers: Arc<HashMap<String, SharedProvider>>,
}

impl Models {
    pub fn from_config(config: &Config) -> Result<Self> {
        let client = http_client(Duration::from_secs(config.provider_timeout_secs))?;
        let mut providers: HashMap<String, SharedProvider> = HashMap::new();
        let mut models = vec![Model {
            id: app::types::ModelView::DEMO.into(),
            name: "Demo effects (built in)".into(),
            provider: "demo".into(),
            upstream_model: None,
        }];
        providers.insert(
            "demo".into(),
            Arc::new(Demo::new(Duration::from_millis(config.demo_delay_ms))),
        );

        if let Some(base) = &config.openai_base_url {
            providers.insert(
                "openai".into(),
                Arc::new(OpenAi::new(
                    client.clone(),
                    base,
                    config.openai_api_key.clone(),
                    config.openai_size.clone(),
                )),
            );
            if config.openai_api_key.is_some() {
                models.push(Model {
                    id: config.openai_model.clone(),
                    name: format!("OpenAI {}", config.openai_model),
                    provider: "openai".into(),
                    upstream_model: None,
                });
            }
        }
        if let Some(base) = &config.sdwebui_base_url {
            providers.insert(
                "sdwebui".into(),
                Arc::new(SdWebUi::new(client.clone(), base)),
            );
            models.push(Model {
                id: "sd-webui".into(),
                name: "Stable Diffusion (WebUI)".into(),
                provider: "sdwebui".into(),
                upstream_model: None,
            });
        }
        if let Some(path) = &config.config_file {
            for model in read_file(path)? {
                if !providers.contains_key(&model.provider) {
                    return Err(Error::Internal(format!(
                        "model '{}' in {} names provider '{}', which is not configured",
                        model.id,
                        path.display(),
                        model.provider
                    )));
                }
                models.retain(|m| m.id != model.id);
                models.push(model);
            }
        }
        Ok(Self {
            models: Arc::new(models),
            providers: Arc::new(providers),
        })
    }

    pub fn list(&self) -> &[Model] {
        &self.models
    }

    pub fn get(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The models as users see them; `own_keys` are the providers the user has a key for.
    pub fn views(&self, own_keys: &[String]) -> Vec<app::types::ModelView> {
        self.models
            .iter()
            .map(|model| app::types::ModelView {
                free_with_own_key: own_keys.contains(&model.provider)
                    && self
                        .provider(&model.provider)
                        .is_some_and(|p| p.accepts_user_keys()),
                id: model.id.clone(),
                name: model.name.clone(),
                provider: model.provider.clone(),
            })
            .collect()
    }

    pub fn provider(&self, id: &str) -> Option<SharedProvider> {
        self.providers.get(id).cloned()
    }

    /// Providers that take a user's own API key.
    pub fn key_providers(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .providers
            .iter()
            .filter(|(_, p)| p.accepts_user_keys())
            .map(|(id, _)| id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }
}

fn read_file(path: &Path) -> Result<Vec<Model>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| Error::Internal(format!("{} is not valid: {e}", path.display())))?;
    Ok(file.models)
}
