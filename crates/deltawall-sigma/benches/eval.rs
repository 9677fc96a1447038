//! Evaluation throughput.
fn main() {}
