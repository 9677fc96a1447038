//! Generates the benchmark's synthetic sector into the database at the URL given as the
//! first argument and leaves it there, to look at the sector figures' query plans
//! (`EXPLAIN ANALYZE`) on data shaped like the benchmark's. The database must exist.
//!
//! `cargo run -p deltawall-store --example gen_sector -- postgres://postgres@127.0.0.1:5432/dw_figs 2000`

use deltawall_store::Store;
use deltawall_store::bench_sector::{SectorSpec, generate};
use jiff::civil::Date;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("a database URL");
    let institutions = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let store = Store::open(&url).await.expect("open the store");
    let spec = SectorSpec {
        institutions,
        years: 5,
        today: Date::constant(2026, 3, 31),
        seed: 2020,
    };
    let sector = generate(&store, &spec).await.expect("generate the sector");
    println!("{:?}", sector.rows);
}
