//! The whole rewrite (parse → detect → plan → render) on arbitrary text with
//! a fixed build context. Properties: no panic; the output parses; the output
//! rewritten again is unchanged; the builder part rewritten again gives the
//! same output; every instruction of the input is still in the output.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use slimfile::context::Context;
use slimfile::parse::{Dockerfile, Keyword};
use slimfile::process::Options;
use slimfile::process::process_bytes;
use slimfile::report::Status;

/// A build context with a package.json and a lock file, made once.
fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let dir: PathBuf = std::env::temp_dir().join(format!("slimfile-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"scripts":{"build":"tsc","start":"node dist/index.js","dev":"nodemon x"},
               "dependencies":{"express":"4"},"devDependencies":{"typescript":"5","nodemon":"3"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("package-lock.json"), r#"{"lockfileVersion":3,"packages":{"":{}}}"#).unwrap();
        Context::at(&dir)
    })
}

fuzz_target!(|data: &[u8]| {
    let ctx = context();
    let p = process_bytes(data, "Dockerfile", ctx, Options::default());
    let Some(output) = p.rewritten.as_deref() else {
        return;
    };
    let parsed = Dockerfile::parse(output);
    assert!(parsed.problems().is_empty(), "output does not parse: {:?}", parsed.problems());
    assert!(parsed.build_problems().is_empty(), "docker build would reject the output: {:?}", parsed.build_problems());
    let again = process_bytes(output.as_bytes(), "Dockerfile", ctx, Options::default());
    assert_eq!(again.report.status, Status::Unchanged, "{:?}", again.report.reason);
    let redo = process_bytes(output[..p.tail_start].as_bytes(), "Dockerfile", ctx, Options::default());
    assert_eq!(redo.rewritten.as_deref(), Some(output), "not idempotent");
    let input = Dockerfile::parse(std::str::from_utf8(data).unwrap());
    for i in input.instructions().filter(|i| i.keyword != Keyword::From) {
        let text = input.text(i.text_span.clone());
        assert!(output.contains(text), "lost {text:?}");
    }
});
