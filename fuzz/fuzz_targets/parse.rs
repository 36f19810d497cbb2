//! The parser on arbitrary bytes: never panics, and UTF-8 input round-trips
//! with nodes that tile it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slimfile::parse::Dockerfile;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = Dockerfile::parse_bytes(data) else {
        return;
    };
    assert_eq!(file.to_text().as_bytes(), data);
    let mut at = 0;
    for node in file.nodes() {
        assert_eq!(node.span().start, at);
        at = node.span().end;
    }
    assert_eq!(at, data.len());
    let _ = slimfile::dump::dump_syntax(&file);
    let _ = file.stages();
    let _ = file.build_problems();
});
