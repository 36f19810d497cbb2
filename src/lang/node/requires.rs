//! The packages the files a start command runs `require` or `import`,
//! followed through their relative requires in the build context: a dev
//! dependency one of them loads (`require('dotenv')` with dotenv in
//! devDependencies, a common slip) must not be pruned. Read as text, with
//! no JavaScript parser: a specifier is the string literal after `require(`,
//! `import(`, `from` or a bare `import`; `import type` is left out (types
//! are gone at run time). A file that is not in the context (a build's
//! output) is not read.

use crate::paths::resolve;
use crate::shell::Scripts;

/// How many files are followed from the start's files at most.
const FILE_LIMIT: usize = 300;

/// The extensions and index files node (and TypeScript runners) try for a
/// relative specifier.
const CANDIDATES: &[&str] = &[
    "",
    ".js",
    ".cjs",
    ".mjs",
    ".ts",
    ".cts",
    ".mts",
    ".jsx",
    ".tsx",
    "/index.js",
    "/index.cjs",
    "/index.mjs",
    "/index.ts",
];

/// The packages (`dotenv`, `@scope/name`) the files, and the files of the
/// context they reach through relative specifiers, load; node's own
/// modules left out.
pub(super) fn required_packages(scripts: &dyn Scripts, files: &[String]) -> Vec<String> {
    let mut packages: Vec<String> = Vec::new();
    let mut queue: Vec<String> = files.to_vec();
    let mut seen: Vec<String> = Vec::new();
    while let Some(file) = queue.pop() {
        if seen.len() >= FILE_LIMIT {
            break;
        }
        let Some((path, text)) = CANDIDATES.iter().find_map(|ext| {
            let p = format!("{file}{ext}");
            scripts.script(&p).map(|t| (p, t))
        }) else {
            continue;
        };
        if seen.contains(&path) {
            continue;
        }
        seen.push(path.clone());
        let dir = path
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        for spec in specifiers(&text) {
            if spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/') {
                queue.push(resolve(dir, &spec));
            } else if let Some(name) = package_of(&spec) {
                if !packages.contains(&name) {
                    packages.push(name);
                }
            }
        }
    }
    packages
}

/// The package a bare specifier names (`lodash/fp` → `lodash`,
/// `@nestjs/core/x` → `@nestjs/core`); `None` for node's own modules.
fn package_of(spec: &str) -> Option<String> {
    if spec.starts_with("node:") || spec.is_empty() {
        return None;
    }
    let mut parts = spec.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    (!NODE_BUILTINS.contains(&name.as_str())).then_some(name)
}

/// Node's own modules, which no package provides.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// The string literals a file loads: after `require(`, `import(`, `from`,
/// and a bare `import '…'`. Lines of comments and `import type` are skipped.
fn specifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with("//") || l.starts_with('*') || l.starts_with("import type ") {
            continue;
        }
        for key in ["require(", "import(", "from ", "import "] {
            let mut rest = l;
            while let Some(at) = rest.find(key) {
                // `require(` must start a word (`myrequire(` is not it).
                let before = rest[..at].chars().last();
                rest = &rest[at + key.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
                    continue;
                }
                let r = rest.trim_start();
                let Some(quote) = r.chars().next().filter(|c| matches!(c, '\'' | '"' | '`')) else {
                    continue;
                };
                if let Some(end) = r[1..].find(quote) {
                    let spec = &r[1..1 + end];
                    if !spec.contains("${") && !out.iter().any(|s| s == spec) {
                        out.push(spec.to_string());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(Vec<(&'static str, &'static str)>);

    impl Scripts for Files {
        fn script(&self, path: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.to_string())
        }
    }

    #[test]
    fn requires_and_imports_are_followed_through_relative_files() {
        let files = Files(vec![
            (
                "/app/server.js",
                "const express = require('express');\nrequire(\"./lib/config\");\n// require('commented')\n",
            ),
            (
                "/app/lib/config.js",
                "import dotenv from 'dotenv-flow';\nimport type { X } from 'types-only';\nimport '@scope/pkg/register';\nconst fs = require('node:fs');\nconst path = require('path');\nmyrequire('nope');\n",
            ),
        ]);
        let got = required_packages(&files, &["/app/server.js".to_string()]);
        assert_eq!(got, vec!["express", "dotenv-flow", "@scope/pkg"]);
        assert!(required_packages(&files, &["/app/dist/main.js".to_string()]).is_empty());
    }
}
