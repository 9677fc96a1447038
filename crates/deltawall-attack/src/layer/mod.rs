//! ATT&CK Navigator layer files, format 4.5: typed values written with `serde_json`, and a
//! reader that refuses a malformed layer with the JSON pointer of the value at fault.

pub mod build;

use serde::{Deserialize, Serialize};

use crate::model::TechniqueId;
use crate::pointer;

/// The layer format version this crate writes and reads.
pub const LAYER_FORMAT: &str = "4.5";
/// The Navigator version the layers are written for.
pub const NAVIGATOR_VERSION: &str = "5.1.0";

/// A Navigator layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// The layer's name, shown on its tab.
    pub name: String,
    /// Versions of ATT&CK, the Navigator and the layer format.
    pub versions: Versions,
    /// The ATT&CK domain, `enterprise-attack`.
    pub domain: String,
    /// A free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Annotated techniques.
    #[serde(default)]
    pub techniques: Vec<LayerTechnique>,
    /// How scores map to colours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient: Option<Gradient>,
    /// The legend.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legend_items: Vec<LegendItem>,
    /// Metadata of the whole layer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
    /// Whether techniques without annotations are hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_disabled: Option<bool>,
}

/// The `versions` object of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// The ATT&CK version the layer's technique ids come from, e.g. `18`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack: Option<String>,
    /// The Navigator version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigator: Option<String>,
    /// The layer format version; this crate reads `4.x`.
    pub layer: String,
}

/// One annotated technique, optionally scoped to one tactic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerTechnique {
    /// The technique.
    #[serde(rename = "techniqueID")]
    pub technique_id: TechniqueId,
    /// The tactic short name the annotation applies to; all of the technique's tactics
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactic: Option<String>,
    /// A score, coloured through the gradient. Whole numbers only: the Navigator accepts
    /// any number, but mitreattack-python's loader refuses fractions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    /// An explicit colour (`#rrggbb`), which wins over the gradient; the Navigator writes
    /// an empty string for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// A comment shown on hover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the cell is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Name–value pairs shown on hover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
    /// Whether sub-techniques are shown expanded under this technique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_subtechniques: Option<bool>,
}

impl LayerTechnique {
    /// A technique with nothing but its id.
    pub fn new(technique_id: TechniqueId) -> LayerTechnique {
        LayerTechnique {
            technique_id,
            tactic: None,
            score: None,
            color: None,
            comment: None,
            enabled: None,
            metadata: Vec::new(),
            show_subtechniques: None,
        }
    }
}

/// A name–value pair, or a divider line between groups of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Metadata {
    /// A name and its value.
    Pair {
        /// The name.
        name: String,
        /// The value.
        value: String,
    },
    /// A divider.
    Divider {
        /// Always `true`.
        divider: bool,
    },
}

impl Metadata {
    /// A name–value pair.
    pub fn pair(name: impl Into<String>, value: impl Into<String>) -> Metadata {
        Metadata::Pair {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Colours that scores between `min_value` and `max_value` are spread over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    /// At least two colours, `#rrggbb` or `#rrggbbaa`, from the lowest score to the highest.
    pub colors: Vec<String>,
    /// The score of the first colour (whole, like scores).
    pub min_value: i64,
    /// The score of the last colour.
    pub max_value: i64,
}

/// One entry of the legend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegendItem {
    /// What the colour means.
    pub label: String,
    /// The colour, `#rrggbb`.
    pub color: String,
}

/// A layer that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerError {
    /// The text is not JSON.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// A value is missing, of the wrong type, or out of its range.
    #[error("{pointer}: {message}")]
    Invalid {
        /// JSON pointer of the offending value (empty for the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

fn invalid(pointer: String, message: impl Into<String>) -> LayerError {
    LayerError::Invalid {
        pointer,
        message: message.into(),
    }
}

/// Reads a layer: JSON of the 4.x format whose values are all in range.
pub fn read_layer(text: &str) -> Result<Layer, LayerError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| LayerError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let layer: Layer = serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        invalid(pointer::from_path(e.path()), message)
    })?;
    layer.check()?;
    Ok(layer)
}

impl Layer {
    /// Checks what the types alone do not: the format version, the colours, the gradient,
    /// tactic names and scores. A layer built by this crate's builders passes.
    pub fn check(&self) -> Result<(), LayerError> {
        if !self.versions.layer.starts_with("4.") {
            return Err(invalid(
                "/versions/layer".into(),
                "only layer format 4.x is read",
            ));
        }
        if self.domain.is_empty() {
            return Err(invalid("/domain".into(), "empty domain"));
        }
        for (i, t) in self.techniques.iter().enumerate() {
            let at = |f: &str| format!("/techniques/{i}/{f}");
            // the Navigator writes an empty colour for "none"
            if let Some(c) = t.color.as_deref().filter(|c| !c.is_empty()) {
                check_color(c, at("color"))?;
            }
            if let Some(tactic) = &t.tactic
                && !is_shortname(tactic)
            {
                return Err(invalid(
                    at("tactic"),
                    format!("not a tactic short name: {tactic:?}"),
                ));
            }
        }
        if let Some(g) = &self.gradient {
            if g.colors.len() < 2 {
                return Err(invalid(
                    "/gradient/colors".into(),
                    "a gradient needs two colours",
                ));
            }
            for (i, c) in g.colors.iter().enumerate() {
                check_color(c, format!("/gradient/colors/{i}"))?;
            }
            if g.min_value >= g.max_value {
                return Err(invalid(
                    "/gradient/maxValue".into(),
                    "maxValue must exceed minValue",
                ));
            }
        }
        for (i, item) in self.legend_items.iter().enumerate() {
            check_color(&item.color, format!("/legendItems/{i}/color"))?;
        }
        Ok(())
    }

    /// The layer as pretty-printed JSON, as the Navigator's own export writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a layer serialises")
    }
}

fn check_color(color: &str, pointer: String) -> Result<(), LayerError> {
    // `#rrggbb`, or `#rrggbbaa` as the Navigator writes its gradients
    let b = color.as_bytes();
    if matches!(b.len(), 7 | 9) && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit) {
        Ok(())
    } else {
        Err(invalid(pointer, format!("not a #rrggbb colour: {color:?}")))
    }
}

fn is_shortname(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}
