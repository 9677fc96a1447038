//! Typed access to the fields of one JSON object, each refusal naming its pointer.

use serde_json::{Map, Value};

use super::BundleError;
use crate::pointer::push;

/// A JSON object and its pointer in the document.
pub(crate) struct Obj<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) pointer: String,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(value: &'a Value, pointer: &str) -> Result<Obj<'a>, BundleError> {
        let map = value
            .as_object()
            .ok_or_else(|| BundleError::at(pointer, "expected an object"))?;
        Ok(Obj {
            map,
            pointer: pointer.to_owned(),
        })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    fn at(&self, key: &str) -> String {
        push(&self.pointer, key)
    }
}

pub(crate) fn req_str<'a>(o: &Obj<'a>, key: &str) -> Result<&'a str, BundleError> {
    match o.get(key) {
        None => Err(BundleError::at(
            &o.pointer,
            format!("missing field {key:?}"),
        )),
        Some(v) => v
            .as_str()
            .ok_or_else(|| BundleError::at(o.at(key), "expected a string")),
    }
}

pub(crate) fn opt_str<'a>(o: &Obj<'a>, key: &str) -> Result<Option<&'a str>, BundleError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| BundleError::at(o.at(key), "expected a string")),
    }
}

pub(crate) fn bool_field(o: &Obj<'_>, key: &str) -> Result<bool, BundleError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| BundleError::at(o.at(key), "expected true or false")),
    }
}

pub(crate) fn req_array<'a>(o: &Obj<'a>, key: &str) -> Result<&'a Vec<Value>, BundleError> {
    match o.get(key) {
        None => Err(BundleError::at(
            &o.pointer,
            format!("missing field {key:?}"),
        )),
        Some(v) => v
            .as_array()
            .ok_or_else(|| BundleError::at(o.at(key), "expected an array")),
    }
}

/// The `mitre-attack` external id of an object, with its pointer.
pub(crate) fn attack_id(o: &Obj<'_>) -> Result<(String, String), BundleError> {
    let refs = req_array(o, "external_references")?;
    for (i, r) in refs.iter().enumerate() {
        let r = Obj::new(r, &format!("{}/external_references/{i}", o.pointer))?;
        if req_str(&r, "source_name")? == "mitre-attack" {
            let id = req_str(&r, "external_id")?;
            return Ok((r.at("external_id"), id.to_owned()));
        }
    }
    Err(BundleError::at(
        o.at("external_references"),
        "no mitre-attack external reference",
    ))
}

/// The `mitre-attack` kill-chain phases of an attack pattern: `(index, phase name)`.
pub(crate) fn kill_chain_phases(o: &Obj<'_>) -> Result<Vec<(String, String)>, BundleError> {
    let Some(v) = o.get("kill_chain_phases") else {
        return Ok(Vec::new());
    };
    let list = v
        .as_array()
        .ok_or_else(|| BundleError::at(o.at("kill_chain_phases"), "expected an array"))?;
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let p = Obj::new(p, &format!("{}/kill_chain_phases/{i}", o.pointer))?;
        if req_str(&p, "kill_chain_name")? == "mitre-attack" {
            out.push((i.to_string(), req_str(&p, "phase_name")?.to_owned()));
        }
    }
    Ok(out)
}
