//! Integration tests of deltawall-sigma (one binary; modules by topic).

mod alerts;
mod conformance;
mod corpus;
mod correlation;
mod detection;
mod differential;
mod parse;
mod prefilter;
mod support;
