//! Alerts (注意喚起): compose with a population preview, send, track acknowledgements; an
//! institution reads and acknowledges its alerts.

pub mod api;
pub mod pages;
pub(crate) mod views;
