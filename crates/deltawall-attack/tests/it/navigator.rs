//! The built layers, checked by an independent loader: mitreattack-python's `navlayers`
//! (MITRE's own library), which checks a layer field by field as the Navigator reads it.
//! How the loader is found or built: `navloader.rs`, shared with the web service's tests of
//! the layers it serves.

use serde_json::json;

use crate::layer::sample_layers;
use crate::navloader::{load, python};

#[test]
fn built_layers_pass_the_navlayers_loader_and_broken_ones_do_not() {
    let Some(py) = python() else { return };
    let good: Vec<(String, String)> = sample_layers()
        .into_iter()
        .map(|(n, l)| (n.to_owned(), l.to_json()))
        .collect();
    for verdict in load(&py, &good) {
        assert!(verdict.starts_with("ok "), "{verdict}");
    }
    // the loader is not a rubber stamp: the same layers, broken, fail
    let mut broken = Vec::new();
    for (name, text) in &good {
        let mut doc: serde_json::Value = serde_json::from_str(text).expect("json");
        doc["techniques"][0]["score"] = json!("high");
        broken.push((format!("{name}-bad-score"), doc.to_string()));
        let mut doc: serde_json::Value = serde_json::from_str(text).expect("json");
        doc["techniques"][0]
            .as_object_mut()
            .expect("object")
            .remove("techniqueID");
        broken.push((format!("{name}-no-id"), doc.to_string()));
    }
    for verdict in load(&py, &broken) {
        assert!(verdict.starts_with("FAIL "), "{verdict}");
    }
}
