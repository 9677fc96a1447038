//! Page models of the ATT&CK pages; the matrix partial is shared with TLPT engagements.

use crate::layout::Layout;
use askama::Template;
use deltawall_app::attack::ReleaseView;
use deltawall_app::attack::layers::{LayerKind, LayerView};
use deltawall_attack::TechniqueChange;

/// `GET /attack`.
#[derive(Template)]
#[template(path = "attack/home.html")]
pub struct AttackHome {
    /// Layout.
    pub l: Layout,
    /// Releases, newest first.
    pub releases: Vec<ReleaseView>,
    /// The layers this reader may open, as (code, message key).
    pub layers: Vec<(&'static str, &'static str)>,
    /// May upload a bundle.
    pub can_import: bool,
    /// May record mappings.
    pub can_map: bool,
}

impl AttackHome {
    /// One change as a line of text.
    pub fn change(&self, c: &TechniqueChange) -> String {
        match c {
            TechniqueChange::Deprecated { id } => {
                format!("{id}: {}", self.l.t("attack-deprecated"))
            }
            TechniqueChange::Revoked { id, replaced_by } => format!(
                "{id}: {} → {}",
                self.l.t("attack-revoked"),
                replaced_by
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "—".into())
            ),
            TechniqueChange::Removed { id } => format!("{id}: {}", self.l.t("attack-removed")),
            TechniqueChange::TacticsChanged { id, removed, added } => format!(
                "{id}: {} {} → {}",
                self.l.t("attack-moved"),
                removed.join(", "),
                added.join(", ")
            ),
        }
    }
}

/// The message key of a layer's title.
pub fn layer_title(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::Detection => "attack-layer-detection",
        LayerKind::Incidents => "attack-layer-incidents",
        LayerKind::Sector => "attack-layer-sector",
    }
}

/// A layer page: the matrix, the table and the download.
#[derive(Template)]
#[template(path = "attack/layer.html")]
pub struct LayerPage {
    /// Layout.
    pub l: Layout,
    /// The heading (a message key or a title already in the page language).
    pub heading: String,
    /// The layer with its matrix.
    pub v: LayerView,
    /// Where the JSON is downloaded.
    pub download: String,
    /// Where to go back to.
    pub back: String,
}
