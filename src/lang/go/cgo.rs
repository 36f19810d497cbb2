//! Whether the build uses cgo: the variable, the build's flags, the modules
//! that need it (go.mod, go.sum, vendor/modules.txt), `import "C"` in the
//! sources, or a C library's headers installed for it.

use super::*;

/// Why the build uses cgo, if it does: `CGO_ENABLED=1`, a build flag that
/// needs it, a module that needs it, `import "C"` in the sources, or the
/// headers of a C library installed for it.
pub(super) fn cgo_reason(
    facts: &StageFacts,
    ctx: &Context,
    t: &GoTemplate,
    build: Option<&GoBuild>,
) -> Option<String> {
    let inline = build.and_then(|b| b.cgo_inline.clone());
    let set = inline.or_else(|| facts.lookup("CGO_ENABLED"));
    match set.as_deref().map(str::trim) {
        Some("0") => return None,
        Some("1") => return Some("the build sets CGO_ENABLED=1".into()),
        _ => {}
    }
    if let Some(flag) = build.and_then(|b| b.needs_cgo.clone()) {
        return Some(format!("the build's `{flag}` needs cgo"));
    }
    // go.sum and vendor/modules.txt name the modules a go.mod reaches only
    // through another (go-sqlite3 through gorm's sqlite dialect). go.sum
    // also lists modules whose go.mod alone was read (`v1.9.0/go.mod h1:`)
    // and the tests' dependencies of dependencies, so there only the
    // modules that fail silently without cgo count, by their code's hash.
    for (file, modules) in [
        ("go.mod", &t.rules.cgo_modules),
        ("go.sum", &t.rules.silent_cgo_modules),
        ("vendor/modules.txt", &t.rules.cgo_modules),
    ] {
        let Some(text) = ctx.read(file) else {
            continue;
        };
        let names = |m: &str| {
            text.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                let code =
                    file != "go.sum" || words.get(1).is_some_and(|v| !v.ends_with("/go.mod"));
                code && words
                    .iter()
                    .any(|w| *w == m || w.strip_prefix(m).is_some_and(|r| r.starts_with('/')))
            })
        };
        if let Some(m) = modules.iter().find(|m| names(m)) {
            return Some(format!("{file} names {m}, which needs cgo"));
        }
    }
    if let Some((file, what)) = imports_c(ctx, &t.rules.cgo_modules) {
        return Some(format!("{file} imports {what}, which needs cgo"));
    }
    let libs: Vec<String> = crate::carry::runtime_packages(facts, |_| false)
        .into_iter()
        .filter(|p| {
            (p.ends_with("-dev") || p.ends_with("-devel"))
                && !matches!(
                    p.as_str(),
                    "musl-dev" | "libc-dev" | "libc6-dev" | "linux-headers"
                )
        })
        .collect();
    if let Some(lib) = libs.first() {
        return Some(format!(
            "the builder installs {lib}, a C library's headers for cgo"
        ));
    }
    None
}

/// The first Go source of the context that imports "C", or a package of a
/// module that needs cgo, searched through a bounded number of files.
pub(super) fn imports_c(ctx: &Context, cgo_modules: &[String]) -> Option<(String, String)> {
    let root = ctx.dir()?;
    let mut found = None;
    let skip = |name: &str| matches!(name, ".git" | "node_modules" | "testdata");
    go_sources(root, skip, |path, text| {
        let imported = text
            .lines()
            .take_while(|l| !l.starts_with("func "))
            .find_map(|l| {
                let l = l.trim();
                if l == "import \"C\"" || l == "\"C\"" {
                    return Some("\"C\"".to_string());
                }
                cgo_modules
                    .iter()
                    .find(|m| l.contains(&format!("\"{m}\"")) || l.contains(&format!("\"{m}/")))
                    .cloned()
            });
        if let Some(what) = imported {
            found = Some((
                path.strip_prefix(root)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                what,
            ));
            return true;
        }
        false
    });
    found
}
