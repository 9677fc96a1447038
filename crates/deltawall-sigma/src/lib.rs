//! Sigma 2.1 rules and correlations for Deltawall.
