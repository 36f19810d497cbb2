//! The crate's layout stays as design.md draws it: the modules under `src/`
//! import each other without a circle (the command line → the pipeline →
//! the languages → the shared layer → the stage's reading → the shell
//! reader → the parser), so a module can be read knowing only those below.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The top-level module of each source file, and the modules its code
/// (not its tests or comments) names as `crate::…`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![Path::new("src").to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix("src")
                .unwrap()
                .to_string_lossy()
                .to_string();
            // A module's `tests.rs` is its tests, compiled under `#[cfg(test)]`.
            let is_tests = path.file_name().is_some_and(|n| n == "tests.rs");
            if !rel.ends_with(".rs") || rel == "lib.rs" || rel == "main.rs" || is_tests {
                continue;
            }
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let names = out.entry(module.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let name: String = line[at + "crate::".len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != module {
                        names.insert(name);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn modules_import_each_other_without_a_circle() {
    let deps = imports();
    assert!(deps.len() > 20, "{deps:?}");
    // Depth-first search for a path back to the start.
    fn back_to(
        start: &str,
        at: &str,
        deps: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in deps.get(at).into_iter().flatten() {
            path.push(next.clone());
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) && back_to(start, next, deps, path, seen) {
                return true;
            }
            path.pop();
        }
        false
    }
    for module in deps.keys() {
        let mut path = vec![module.clone()];
        let found = back_to(module, module, &deps, &mut path, &mut BTreeSet::new());
        assert!(!found, "an import circle: {}", path.join(" -> "));
    }
}

#[test]
fn the_parser_and_the_shell_reader_stand_alone() {
    let deps = imports();
    assert!(
        deps["parse"].is_empty(),
        "parse imports {:?}",
        deps["parse"]
    );
    let allowed: BTreeSet<String> = ["parse", "paths"].map(String::from).into();
    assert!(
        deps["shell"].is_subset(&allowed),
        "shell imports {:?}",
        deps["shell"]
    );
}
