//! STIX 2.1 for Deltawall.
