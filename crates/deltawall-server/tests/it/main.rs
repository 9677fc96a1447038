//! The web service's tests, in process: a [`util::TestApp`] with two institutions (A and B),
//! the FSA and a local bureau, each with users of every role, drives the router directly.

mod util;

mod access;
mod access_posture;
mod access_sup_rank;
mod auth;
mod browser;
mod input;
mod logs;
mod openapi;
mod pages;
mod posture;
mod sharing_ui;
mod sup_rank;
mod taxii;
