//! Navigator layers from arbitrary bytes: reading never panics, and what it accepts is
//! written back to a layer that reads as the same value.
#![no_main]

use deltawall_attack::read_layer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(layer) = read_layer(text) {
        let again = read_layer(&layer.to_json()).expect("a read layer writes back readable");
        assert_eq!(again, layer);
    }
});
