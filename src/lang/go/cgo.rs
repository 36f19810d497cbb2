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
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if !built_on_linux(&name, text) {
            return false;
        }
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

/// The operating systems and architectures Go knows (`go tool dist list`):
/// a file named `x_<os>.go`, `x_<arch>.go` or `x_<os>_<arch>.go` is built
/// only for them.
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];
const GOARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The architectures a Linux build of the image may be for.
const LINUX_ARCHES: &[&str] = &["amd64", "arm64"];

/// Whether a Go file is compiled in a Linux build with cgo on (where its
/// `import "C"` would count), as `go help buildconstraint` says: by its
/// name's `_<os>`/`_<arch>` suffixes and its `//go:build` line (or the
/// older `// +build` lines), with the tags `linux`, `unix`, `cgo`, `gc`,
/// `go1.N` and the architecture set, every other tag (`ignore`, a custom
/// one) unset.
pub(super) fn built_on_linux(name: &str, text: &str) -> bool {
    let stem = name.trim_end_matches(".go");
    let parts: Vec<&str> = stem.split('_').collect();
    let n = parts.len();
    let arch_ok = |a: &str| !GOARCH.contains(&a) || LINUX_ARCHES.contains(&a);
    let os_ok = |o: &str| !GOOS.contains(&o) || o == "linux";
    if n >= 3 && GOOS.contains(&parts[n - 2]) && GOARCH.contains(&parts[n - 1]) {
        if !(os_ok(parts[n - 2]) && arch_ok(parts[n - 1])) {
            return false;
        }
    } else if n >= 2 && !(os_ok(parts[n - 1]) && arch_ok(parts[n - 1])) {
        return false;
    }
    // The constraints come before the package clause.
    let header: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("package "))
        .collect();
    let on = |tag: &str, arch: &str| {
        matches!(tag, "linux" | "unix" | "cgo" | "gc")
            || tag == arch
            || (tag.starts_with("go1.") && tag[4..].chars().all(|c| c.is_ascii_digit()))
    };
    if let Some(expr) = header.iter().find_map(|l| l.strip_prefix("//go:build ")) {
        return LINUX_ARCHES
            .iter()
            .any(|arch| BuildExpr::new(expr).eval(&|t| on(t, arch)).unwrap_or(true));
    }
    let plus: Vec<&str> = header
        .iter()
        .filter_map(|l| l.strip_prefix("// +build "))
        .collect();
    LINUX_ARCHES.iter().any(|arch| {
        plus.iter().all(|line| {
            line.split_whitespace().any(|term| {
                term.split(',').all(|t| match t.strip_prefix('!') {
                    Some(t) => !on(t, arch),
                    None => on(t, arch),
                })
            })
        })
    })
}

/// A `//go:build` expression (`linux && (amd64 || arm64) && !purego`),
/// read by recursive descent; `None` where it cannot be read, which counts
/// the file as built.
struct BuildExpr<'a> {
    tokens: Vec<&'a str>,
    at: usize,
}

impl<'a> BuildExpr<'a> {
    fn new(text: &'a str) -> BuildExpr<'a> {
        let mut tokens = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let len = if rest.starts_with("&&") || rest.starts_with("||") {
                2
            } else if rest.starts_with(['!', '(', ')']) {
                1
            } else {
                rest.find(|c: char| c.is_whitespace() || "!()&|".contains(c))
                    .unwrap_or(rest.len())
                    .max(1)
            };
            tokens.push(&rest[..len]);
            rest = rest[len..].trim_start();
        }
        BuildExpr { tokens, at: 0 }
    }

    fn eval(mut self, on: &dyn Fn(&str) -> bool) -> Option<bool> {
        let v = self.or(on)?;
        (self.at == self.tokens.len()).then_some(v)
    }

    fn or(&mut self, on: &dyn Fn(&str) -> bool) -> Option<bool> {
        let mut v = self.and(on)?;
        while self.tokens.get(self.at) == Some(&"||") {
            self.at += 1;
            v |= self.and(on)?;
        }
        Some(v)
    }

    fn and(&mut self, on: &dyn Fn(&str) -> bool) -> Option<bool> {
        let mut v = self.not(on)?;
        while self.tokens.get(self.at) == Some(&"&&") {
            self.at += 1;
            v &= self.not(on)?;
        }
        Some(v)
    }

    fn not(&mut self, on: &dyn Fn(&str) -> bool) -> Option<bool> {
        let t = *self.tokens.get(self.at)?;
        self.at += 1;
        match t {
            "!" => self.not(on).map(|v| !v),
            "(" => {
                let v = self.or(on)?;
                (self.tokens.get(self.at) == Some(&")")).then(|| {
                    self.at += 1;
                    v
                })
            }
            ")" | "&&" | "||" => None,
            tag => Some(on(tag)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::built_on_linux;

    #[test]
    fn files_for_other_systems_or_behind_unset_tags_are_not_built() {
        for (name, text, built) in [
            ("main.go", "package main", true),
            ("cgo_windows.go", "package main", false),
            ("zsyscall_aix_ppc.go", "package unix", false),
            ("x_linux_amd64.go", "package x", true),
            ("x_linux_s390x.go", "package x", false),
            ("x_arm64.go", "package x", true),
            ("x_darwin.go", "package x", false),
            ("gen.go", "//go:build ignore\n\npackage main", false),
            ("a.go", "//go:build linux && cgo\n\npackage a", true),
            ("a.go", "//go:build !linux\n\npackage a", false),
            (
                "a.go",
                "//go:build (darwin || freebsd) && cgo\npackage a",
                false,
            ),
            ("a.go", "//go:build amd64 || arm64\npackage a", true),
            ("a.go", "//go:build purego\npackage a", false),
            ("a.go", "// +build linux,cgo\n\npackage a", true),
            ("a.go", "// +build ignore\n\npackage a", false),
            ("a.go", "// +build darwin freebsd\n\npackage a", false),
            ("a.go", "//go:build go1.18 && !windows\npackage a", true),
        ] {
            assert_eq!(built_on_linux(name, text), built, "{name}: {text}");
        }
    }
}
