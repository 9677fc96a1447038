//! Integration tests of deltawall-sigma.
