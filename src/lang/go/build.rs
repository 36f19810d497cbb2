//! The binaries the builder's `go build` and `go install` write, as `go help
//! build` and `go help install` define them: `-o PATH` relative to the
//! folder the command runs in (inside PATH when it ends in `/`); without it,
//! the package's default name (the last element of its import path, before
//! a `/vN` suffix; the first file's name for `go build main.go`) in that
//! folder; `go install` into `$GOBIN`, else `$GOPATH/bin`.

use super::*;

/// A `go build` or `go install` and the binary it writes.
#[derive(Debug, Clone)]
pub(super) struct GoBuild<'a> {
    pub(super) run: &'a Instruction,
    /// `build` or `install`.
    pub(super) sub: String,
    /// The binary, absolute; `None` where the command writes none or it
    /// cannot be told (`go build ./...`).
    pub(super) binary: Option<String>,
    /// Why the binary cannot be told, where it cannot.
    pub(super) unknown: Option<String>,
    /// `CGO_ENABLED` as the command sets it on its own line.
    pub(super) cgo_inline: Option<String>,
    /// The build's flags that need cgo (`-race`, `-linkmode external`).
    pub(super) needs_cgo: Option<String>,
    /// Where later commands copied the binary (`cp app /usr/local/bin/`).
    pub(super) copies: Vec<String>,
    /// The words of the commands that moved or copied it, which the Go
    /// rules model.
    pub(super) moved_by: Vec<Vec<String>>,
}

impl GoBuild<'_> {
    /// Every path the binary is at once the stage is done: where it was
    /// written (or moved to), and its copies.
    pub(super) fn paths(&self) -> impl Iterator<Item = &String> {
        self.binary.iter().chain(self.copies.iter())
    }

    /// Whether the binary is at `path` once the stage is done.
    pub(super) fn writes(&self, path: &str) -> bool {
        self.paths().any(|p| p == path)
    }
}

/// `go build` flags that take a value (from `go help build`).
pub(super) const BUILD_FLAGS_WITH_VALUE: &[&str] = VALUED;
const VALUED: &[&str] = &[
    "-o",
    "-p",
    "-C",
    "-asmflags",
    "-buildmode",
    "-buildvcs",
    "-compiler",
    "-gccgoflags",
    "-gcflags",
    "-installsuffix",
    "-ldflags",
    "-mod",
    "-modfile",
    "-overlay",
    "-pgo",
    "-pkgdir",
    "-tags",
    "-toolexec",
    "-covermode",
    "-coverpkg",
    "-exec",
];

/// The stage's `go build`s and `go install`s, in order.
pub(super) fn go_builds<'a>(
    facts: &StageFacts<'a>,
    ctx: &Context,
    t: &GoTemplate,
) -> Vec<GoBuild<'a>> {
    let mut out = Vec::new();
    let commands: Vec<_> = facts.run_commands().collect();
    for (at, (run, c)) in commands.iter().copied().enumerate() {
        let words = c.words();
        if c.name() != "go" {
            continue;
        }
        let Some(sub) = words.get(1).filter(|s| *s == "build" || *s == "install") else {
            continue;
        };
        let mut output: Option<String> = None;
        let mut chdir: Option<String> = None;
        let mut args: Vec<String> = Vec::new();
        let mut needs_cgo = None;
        // Flags (`-o x`, `-o=x`, `--o x`) and their values; the other words
        // are the packages or files.
        let mut rest = words[2..].iter();
        while let Some(w) = rest.next() {
            if !w.starts_with('-') || w == "-" {
                args.push(w.clone());
                continue;
            }
            let name = w.trim_start_matches('-');
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            let flag = format!("-{name}");
            let value = if VALUED.contains(&flag.as_str()) {
                inline.or_else(|| rest.next().cloned())
            } else {
                None
            };
            match flag.as_str() {
                "-o" => output = value,
                "-C" => chdir = value,
                "-race" | "-msan" | "-asan" => needs_cgo = Some(flag.clone()),
                "-ldflags" => {
                    let v = value.unwrap_or_default();
                    if v.contains("-linkmode external") || v.contains("-linkmode=external") {
                        needs_cgo = Some(format!("-ldflags {v}"));
                    }
                }
                "-buildmode" => {
                    let v = value.unwrap_or_default();
                    if matches!(v.as_str(), "c-shared" | "c-archive" | "plugin") {
                        needs_cgo = Some(format!("-buildmode={v}"));
                    }
                }
                _ => {}
            }
        }
        let cwd = match (&c.dir, &chdir) {
            (Some(d), Some(ch)) => Some(crate::paths::resolve(d, ch)),
            (Some(d), None) => Some(d.clone()),
            _ => None,
        };
        let cgo_inline = c
            .env
            .iter()
            .find(|(k, _)| k == "CGO_ENABLED")
            .map(|(_, v)| v.clone().unwrap_or_default());
        let (mut binary, mut unknown) =
            match binary_of(facts, ctx, t, sub, cwd.as_deref(), output, &args, c) {
                Ok(b) => (b, None),
                Err(why) => (None, Some(why)),
            };
        let mut copies = Vec::new();
        let mut moved_by = Vec::new();
        if let Some(bin) = binary.take() {
            match follow_moves(facts, &commands[at + 1..], bin) {
                Ok((moved, copied, by)) => {
                    binary = Some(moved);
                    copies = copied;
                    moved_by = by;
                }
                Err(why) => unknown = Some(why),
            }
        }
        out.push(GoBuild {
            run,
            sub: sub.clone(),
            binary,
            unknown,
            cgo_inline,
            needs_cgo,
            copies,
            moved_by,
        });
    }
    out
}

/// Where a binary is once the stage is done: its path, its copies, and the
/// words of the commands that moved or copied it.
type Followed = (String, Vec<String>, Vec<Vec<String>>);

/// Where the binary at `bin` ends up after the `commands` that follow its
/// build: moved by `mv` (into a folder, or renamed), copied by `cp` or
/// `install`; or why that cannot be told.
fn follow_moves(
    facts: &StageFacts,
    commands: &[(&Instruction, &crate::shell::Command)],
    mut bin: String,
) -> Result<Followed, String> {
    let mut copies: Vec<String> = Vec::new();
    let mut by = Vec::new();
    for (run, c) in commands {
        let name = c.name();
        if !matches!(name, "mv" | "cp" | "install") {
            continue;
        }
        let words = c.words();
        if name == "install" && words.iter().any(|w| w == "-d" || w == "--directory") {
            continue;
        }
        // The operands, without the options and their values.
        let valued: &[&str] = &[
            "-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix",
        ];
        let mut ops: Vec<&String> = Vec::new();
        let mut target: Option<&String> = None;
        let mut rest = words[1..].iter();
        while let Some(w) = rest.next() {
            if w == "-t" || w == "--target-directory" {
                target = rest.next();
            } else if let Some(t) = w.strip_prefix("--target-directory=") {
                target = words.iter().find(|x| x.as_str() == t).or(Some(w));
            } else if valued.contains(&w.as_str()) {
                rest.next();
            } else if !w.starts_with('-') {
                ops.push(w);
            }
        }
        let Some(dir) = c.dir.as_deref() else {
            continue;
        };
        let (sources, dest, into) = match target {
            Some(t) => (&ops[..], t, true),
            None if ops.len() >= 2 => {
                let dest = ops[ops.len() - 1];
                (&ops[..ops.len() - 1], dest, ops.len() > 2)
            }
            None => continue,
        };
        if !sources.iter().any(|s| crate::paths::resolve(dir, s) == bin) {
            continue;
        }
        if dest.contains('$') {
            return Err(format!(
                "the RUN at line {} moves or copies it to `{dest}`, a path slimfile cannot tell",
                run.start_line
            ));
        }
        let dest_path = crate::paths::resolve(dir, dest);
        let into = into || dest.ends_with('/') || is_folder(facts, &dest_path);
        let file = bin.rsplit('/').next().unwrap_or(&bin).to_string();
        let new = if into {
            format!("{}/{file}", dest_path.trim_end_matches('/'))
        } else {
            dest_path
        };
        by.push(words.clone());
        if name == "mv" {
            bin = new;
        } else if !copies.contains(&new) && new != bin {
            copies.push(new);
        }
    }
    Ok((bin, copies, by))
}

/// Whether `path` is a folder in the builder, as far as the stage shows:
/// one of the image's program folders, a WORKDIR, a folder a RUN made, or
/// a folder above a path the stage wrote or copied.
fn is_folder(facts: &StageFacts, path: &str) -> bool {
    // Where the golang images keep their programs, besides the system's.
    const GO_FOLDERS: &[&str] = &["/usr/local/go/bin", "/go/bin"];
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    let above = |p: &str| p.len() > path.len() && crate::paths::is_within(p, path);
    crate::paths::is_system_folder(path)
        || GO_FOLDERS.contains(&path)
        || facts
            .workdirs
            .iter()
            .flatten()
            .any(|w| w == path || above(w))
        || facts.run_commands().any(|(_, c)| {
            c.writes.iter().any(|w| {
                w.path.as_deref().is_some_and(|p| {
                    (p == path && w.kind == crate::shell::WriteKind::Folder) || above(p)
                })
            })
        })
        || facts.copies.iter().any(|c| {
            let dest = crate::paths::normalize(&c.dest);
            dest == path && (c.dest.ends_with('/') || c.sources.len() > 1) || above(&dest)
        })
}

/// The binary one command writes: `Ok(None)` where it writes none.
#[allow(clippy::too_many_arguments)]
fn binary_of(
    facts: &StageFacts,
    ctx: &Context,
    t: &GoTemplate,
    sub: &str,
    cwd: Option<&str>,
    output: Option<String>,
    args: &[String],
    c: &crate::shell::Command,
) -> Result<Option<String>, String> {
    let cwd = cwd.ok_or("the folder it runs in cannot be told")?;
    let var = |name: &str| facts.variable(&c.env, name);
    let several = args.len() > 1 && !args.iter().all(|a| a.ends_with(".go"));
    let wildcard = args.iter().any(|a| a.contains("..."));
    if sub == "build" {
        if let Some(o) = output {
            if o.contains('$') {
                return Err(format!("-o {o} names a path slimfile cannot tell"));
            }
            let path = crate::paths::resolve(cwd, &o);
            if !o.ends_with('/') {
                return Ok(Some(path));
            }
            if several || wildcard {
                return Err("it writes several binaries into a folder".into());
            }
            let name = default_name(facts, ctx, cwd, args)?;
            return Ok(Some(format!("{}/{name}", path.trim_end_matches('/'))));
        }
        if several || wildcard {
            // `go build ./...` and several packages only check that they build.
            return Ok(None);
        }
        let name = default_name(facts, ctx, cwd, args)?;
        return Ok(Some(crate::paths::resolve(cwd, &name)));
    }
    // go install
    if wildcard && !several {
        // `go install ./...` of a project with one main package installs
        // that one.
        let pattern = &args[0];
        let base = crate::paths::resolve(cwd, pattern.trim_end_matches("..."));
        match only_main_package(facts, ctx, &base) {
            Some(dir) => {
                let name = default_name(facts, ctx, &dir, &[])?;
                return Ok(Some(format!("{}/{name}", install_dir(facts, t, c)?)));
            }
            None => {
                return Err(format!(
                    "`{pattern}` may name several main packages, and slimfile cannot tell that it names one"
                ))
            }
        }
    }
    if several || wildcard {
        return Err("it installs several binaries".into());
    }
    if var("GOOS").is_some() || var("GOARCH").is_some() {
        return Err("go install while GOOS or GOARCH is set writes to a folder of that platform, which slimfile does not follow yet".into());
    }
    let bin = install_dir(facts, t, c)?;
    // `go install example.com/tool@v1`: the path's last element.
    let name = match args.first() {
        Some(a) if a.contains('@') => last_element(a.split('@').next().unwrap_or(a)),
        _ => default_name(facts, ctx, cwd, args)?,
    };
    Ok(Some(format!("{bin}/{name}")))
}

/// Where `go install` writes: `$GOBIN`, else `$GOPATH/bin`.
fn install_dir(
    facts: &StageFacts,
    t: &GoTemplate,
    c: &crate::shell::Command,
) -> Result<String, String> {
    let var = |name: &str| facts.variable(&c.env, name);
    let bin = match var("GOBIN") {
        Some(b) if b.contains('$') => {
            return Err("GOBIN names a folder slimfile cannot tell".into())
        }
        Some(b) => b,
        None => {
            let gopath = var("GOPATH").unwrap_or_else(|| t.rules.gopath.clone());
            if gopath.contains('$') || gopath.contains(':') {
                return Err("GOPATH names folders slimfile cannot tell".into());
            }
            format!("{}/bin", gopath.trim_end_matches('/'))
        }
    };
    Ok(bin.trim_end_matches('/').to_string())
}

/// The one folder under `base` (in the image) that holds a main package,
/// where the build context's root was copied to `base` or above it and
/// exactly one folder has `package main` sources.
fn only_main_package(facts: &StageFacts, ctx: &Context, base: &str) -> Option<String> {
    let root = ctx.dir()?;
    let copied_to = facts.copies.iter().rev().find_map(|c| {
        let whole = c.from.is_none()
            && c.sources
                .iter()
                .any(|s| matches!(s.trim_end_matches('/'), "." | "./" | ""));
        whole.then(|| crate::paths::normalize(&c.dest))
    })?;
    if !crate::paths::is_within(base, &copied_to) {
        return None;
    }
    let start = root.join(base[copied_to.len()..].trim_start_matches('/'));
    let mut mains: Vec<std::path::PathBuf> = Vec::new();
    // `go` skips these folders in a `...` pattern.
    let skip = |name: &str| {
        name.starts_with('.') || name.starts_with('_') || name == "testdata" || name == "vendor"
    };
    let whole = go_sources(&start, skip, |path, text| {
        let main = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("package "))
            .is_some_and(|l| l.split_whitespace().nth(1) == Some("main"));
        let dir = path.parent().unwrap_or(path).to_path_buf();
        if main && !mains.contains(&dir) {
            mains.push(dir);
        }
        false
    });
    if !whole {
        return None;
    }
    match mains.as_slice() {
        [one] => {
            let rel = one.strip_prefix(root).ok()?.to_string_lossy().into_owned();
            Some(crate::paths::normalize(&format!("{copied_to}/{rel}")))
        }
        _ => None,
    }
}

/// The last element of an import path, before a `/vN` major-version suffix.
fn last_element(path: &str) -> String {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let last = parts.last().copied().unwrap_or("");
    let is_major =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    if is_major && parts.len() > 1 {
        parts[parts.len() - 2].to_string()
    } else {
        last.to_string()
    }
}

/// The default binary name of the package a build names (`.` where none).
pub(super) fn default_name(
    facts: &StageFacts,
    ctx: &Context,
    cwd: &str,
    args: &[String],
) -> Result<String, String> {
    // `go build main.go server.go`: the first file's name.
    if let Some(first) = args.first().filter(|a| a.ends_with(".go")) {
        let file = first.rsplit('/').next().unwrap_or(first);
        return Ok(file.trim_end_matches(".go").to_string());
    }
    let package = args.first().map(String::as_str).unwrap_or(".");
    if !(package.starts_with('.') || package.starts_with('/')) {
        // An import path.
        return Ok(last_element(package));
    }
    let dir = crate::paths::resolve(cwd, package);
    // The module the folder belongs to: the nearest go.mod above it that
    // the stage copied from the context.
    let copied = facts.context_files(ctx);
    let mut up = dir.clone();
    loop {
        let go_mod = if up == "/" {
            "/go.mod".to_string()
        } else {
            format!("{up}/go.mod")
        };
        if let Some(text) = crate::shell::Scripts::script(&copied, &go_mod) {
            let module = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("module "))
                .map(|m| m.trim().trim_matches('"').to_string())
                .ok_or_else(|| format!("{go_mod} names no module"))?;
            let rel = dir[up.len()..].trim_start_matches('/');
            let path = if rel.is_empty() {
                module
            } else {
                format!("{module}/{rel}")
            };
            return Ok(last_element(&path));
        }
        if up == "/" {
            break;
        }
        up = up
            .rsplit_once('/')
            .map(|(p, _)| {
                if p.is_empty() {
                    "/".to_string()
                } else {
                    p.to_string()
                }
            })
            .unwrap_or_else(|| "/".into());
    }
    // GOPATH mode (no go.mod in the context): the folder's name.
    if ctx.dir().is_some() && !ctx.has("go.mod") && dir != "/" {
        return Ok(last_element(&dir));
    }
    Err(format!(
        "no go.mod copied into {dir} or above it names the module, so the binary's default name cannot be told"
    ))
}

/// How many entries a search of the sources goes through before it gives up.
const SOURCE_LIMIT: usize = 20_000;

/// Calls `visit` with each Go source under `start` (not `_test.go` files)
/// and its text, skipping the folders `skip` names, until `visit` returns
/// true. Whether the whole tree was searched (false past [`SOURCE_LIMIT`]
/// entries or where a folder cannot be read).
pub(super) fn go_sources(
    start: &std::path::Path,
    skip: impl Fn(&str) -> bool,
    mut visit: impl FnMut(&std::path::Path, &str) -> bool,
) -> bool {
    let mut stack = vec![start.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return false;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > SOURCE_LIMIT {
                return false;
            }
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !skip(&name) {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".go") || name.ends_with("_test.go") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if visit(&path, &text) {
                return true;
            }
        }
    }
    true
}
