//! The scripts a stage copied from the build context, found by the path they
//! have in the image: what lets the shell reader follow `RUN ./build.sh`
//! into the script instead of calling it unknown. Nothing is run.

use crate::context::Context;
use crate::paths::{is_within, normalize};
use crate::shell::Scripts;

/// The context copies made before a `RUN`, latest last.
pub struct CopiedScripts<'c> {
    ctx: &'c Context,
    copies: Vec<(Vec<String>, String)>,
    package_scripts: bool,
    /// File names whose scripts are not read (`mvnw`): a language's own
    /// tools, modelled as the programs they stand for.
    opaque: Vec<String>,
}

impl<'c> CopiedScripts<'c> {
    /// The copies from the context among `copies`, each its sources and its
    /// absolute destination (copies from stages, heredocs and URLs left out).
    pub fn new<'a>(
        ctx: &'c Context,
        copies: impl IntoIterator<Item = (&'a [String], &'a str)>,
    ) -> CopiedScripts<'c> {
        let copies = copies
            .into_iter()
            .map(|(sources, dest)| {
                let sources = sources
                    .iter()
                    .filter(|s| !s.starts_with("<<") && !s.contains("://"))
                    .cloned()
                    .collect();
                (sources, dest.to_string())
            })
            .collect();
        CopiedScripts {
            ctx,
            copies,
            package_scripts: false,
            opaque: Vec::new(),
        }
    }

    /// The same, not reading the scripts with these file names.
    pub fn without(mut self, names: &[String]) -> CopiedScripts<'c> {
        self.opaque = names.to_vec();
        self
    }

    /// The same, walking the `package.json` scripts package managers run
    /// (for the `RUN`s of a build).
    pub fn with_package_scripts(mut self) -> CopiedScripts<'c> {
        self.package_scripts = true;
        self
    }

    /// The context file that ended up at `path`, if one did.
    fn source_of(&self, path: &str) -> Option<String> {
        let path = normalize(path);
        for (sources, dest) in self.copies.iter().rev() {
            let into_dir = dest.ends_with('/') || sources.len() > 1;
            let dest_dir = normalize(dest);
            for s in sources {
                if s.contains(['*', '?', '[']) {
                    continue;
                }
                let src = s.trim_start_matches("./").trim_end_matches('/');
                let is_dir = src.is_empty()
                    || src == "."
                    || self.ctx.dir().is_some_and(|d| d.join(src).is_dir());
                let candidate = if is_dir {
                    // A folder's contents land in the destination.
                    if !is_within(&path, &dest_dir) || path == dest_dir {
                        continue;
                    }
                    let rest = path[dest_dir.len()..].trim_start_matches('/');
                    if src.is_empty() || src == "." {
                        rest.to_string()
                    } else {
                        format!("{src}/{rest}")
                    }
                } else {
                    let base = src.rsplit('/').next().unwrap_or(src);
                    let lands = if into_dir {
                        normalize(&format!("{dest_dir}/{base}"))
                    } else {
                        dest_dir.clone()
                    };
                    // `COPY x.sh /usr/local/bin` names a folder that exists.
                    let also = normalize(&format!("{dest_dir}/{base}"));
                    if lands != path && also != path {
                        continue;
                    }
                    src.to_string()
                };
                if self.ctx.has(&candidate) {
                    return Some(candidate);
                }
            }
        }
        None
    }
}

impl Scripts for CopiedScripts<'_> {
    fn script(&self, path: &str) -> Option<String> {
        if self.stands_for_a_tool(path) {
            return None;
        }
        self.ctx.read(&self.source_of(path)?)
    }
    fn package_scripts(&self) -> bool {
        self.package_scripts
    }
    fn stands_for_a_tool(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.opaque.iter().any(|o| o == name)
    }
}
