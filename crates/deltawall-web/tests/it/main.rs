//! The web service's tests, in process: a [`util::TestApp`] with two institutions (A and B),
//! the FSA and a local bureau, each with users of every role, drives the router directly.

mod util;

mod access;
mod access_attack;
mod access_detections;
mod access_posture;
mod access_sup_rank;
mod access_sup_requests;
mod access_vuln;
mod access_vuln_tp;
mod attack;
mod attack_navlayers;
mod auth;
mod browser;
mod browser_exercise;
mod browser_home;
mod browser_incident;
mod browser_sup_requests;
mod browser_tlpt;
mod browser_vuln;
mod detections;
mod downloads;
mod exercises;
mod exercises_blind;
mod exercises_live;
mod home;
mod incident_board;
mod incident_patterns;
mod incidents;
mod input;
mod logs;
/// mitreattack-python's navlayers loader, shared with the attack crate's tests.
#[path = "../../../deltawall-attack/tests/it/navloader.rs"]
mod navloader;
mod openapi;
mod oscal_map;
mod pages;
mod paging;
mod paging_config;
mod paging_inbox;
mod paging_late;
mod paging_reach;
mod paging_sup;
mod paging_users;
mod posture;
mod report_xlsx;
mod rooms;
mod security;
mod security2;
mod security3;
mod sharing_ui;
mod sup_benchmarks;
mod sup_figures;
mod sup_rank;
mod sup_requests;
mod taxii;
mod tlpt;
mod tlpt_api;
mod trestle;
mod vuln_pages;
mod vuln_tp;
mod vuln_tp_matrix;
mod vuln_upload;
