//! The shell builtins that change the shell: `cd`, `pushd`, `popd`,
//! `export` and friends, `unset`, `read`, `eval`, `source`.

use super::*;

/// The folder `dir` names, read from the shell's folder.
fn folder(dir: Option<&Arg>, st: &State) -> Option<String> {
    match (dir.and_then(|a| a.value.as_deref()), &st.dir) {
        (Some(v), _) if v.starts_with('/') => Some(resolve("/", v)),
        (Some(v), Some(d)) => Some(resolve(d, v)),
        _ => None,
    }
}

/// `…/bin/activate` of a virtual environment.
fn is_venv_activate(path: &Arg) -> bool {
    let p = path.text();
    p == "bin/activate" || p.ends_with("/bin/activate")
}

impl Walker<'_> {
    /// The shell builtins that change the shell (`cd`, `export`, `eval`, …):
    /// `Some(true)` when `argv` was one and is done with, `None` otherwise.
    pub(super) fn builtin(
        &mut self,
        argv: &[Arg],
        st: &mut State,
        text: &str,
        writes: &[Write],
    ) -> Option<bool> {
        let name = argv[0].value.as_deref()?;
        let args = &argv[1..];
        match name {
            "eval" => self.eval(args, st, text),
            // A virtual environment's `activate` (`. /venv/bin/activate`),
            // which `python -m venv` writes: it sets VIRTUAL_ENV and puts the
            // environment's bin first on PATH, and nothing else that stays.
            "source" | "." if args.first().is_some_and(is_venv_activate) => {
                self.emit(name.to_string(), args.to_vec(), writes.to_vec(), st);
                let dir = folder(Some(&args[0]), st)
                    .and_then(|p| p.strip_suffix("/bin/activate").map(String::from));
                st.vars.insert("VIRTUAL_ENV".into(), dir);
                st.vars.insert("PATH".into(), None);
            }
            "source" | "." if !args.is_empty() => self.source(name, &args[0], st, text),
            "cd" | "pushd" | "popd" | "export" | "readonly" | "declare" | "typeset" | "local"
            | "unset" | "read" | "getopts" | "mapfile" | "readarray" | "source" | "." => {
                self.emit(name.to_string(), args.to_vec(), writes.to_vec(), st);
                self.change_shell(name, args, st);
            }
            _ => return None,
        }
        Some(true)
    }

    /// What `cd`, `pushd`, `popd`, the assignments, `unset` and `read` change.
    fn change_shell(&mut self, name: &str, args: &[Arg], st: &mut State) {
        match name {
            "cd" => {
                let target = args
                    .iter()
                    .find(|a| !matches!(a.text(), "-L" | "-P" | "-e" | "-@" | "--"));
                st.dir = match target {
                    None => st.vars.get("HOME").cloned().flatten(),
                    Some(a) if a.text() == "-" => None,
                    Some(a) => folder(Some(a), st),
                };
            }
            "pushd" => {
                let target = args.iter().find(|a| !a.text().starts_with('-'));
                let before = st.dir.clone();
                st.dir = folder(target, st);
                st.stack.push(before);
            }
            "popd" => st.dir = st.stack.pop().flatten(),
            "unset" => {
                for a in args {
                    st.vars.remove(a.text());
                    st.env.retain(|(k, _)| k != a.text());
                    self.functions.remove(a.text());
                }
            }
            "read" | "getopts" | "mapfile" | "readarray" => {
                for a in args.iter().filter(|a| syntax::is_name(a.text())) {
                    st.set_var(a.text(), None);
                }
            }
            "export" | "readonly" | "declare" | "typeset" | "local" => {
                let exported = name == "export" || args.iter().any(|a| a.text() == "-x");
                for a in args.iter().filter(|a| !a.text().starts_with('-')) {
                    let t = a.text();
                    let (k, v) = match t.split_once('=') {
                        Some((k, v)) => (k, a.value.as_ref().map(|_| v.to_string())),
                        None => (t, st.vars.get(t).cloned().flatten()),
                    };
                    if !syntax::is_name(k) {
                        continue;
                    }
                    if exported {
                        st.export(k, v);
                    } else {
                        st.set_var(k, v);
                    }
                }
            }
            _ => {}
        }
    }

    /// `eval` of known words is a script like any other; of anything else,
    /// unknown.
    fn eval(&mut self, args: &[Arg], st: &mut State, text: &str) {
        let words: Option<Vec<String>> = args.iter().map(|a| a.value.clone()).collect();
        match words {
            Some(words)
                if !words.is_empty()
                    && !words.iter().any(|w| w.contains("$(") || w.contains('`')) =>
            {
                self.script(&words.join(" "), st);
            }
            _ => self.unknown(
                st,
                text,
                "`eval` runs text that is only known when the build runs",
                None,
            ),
        }
    }

    /// `source FILE` runs the file in this shell where slimfile can see it;
    /// otherwise it may change anything.
    fn source(&mut self, name: &str, path: &Arg, st: &mut State, text: &str) {
        match self.script_text(path, st) {
            Some(script) => {
                let before = st.via.len();
                st.via.push(path.text().to_string());
                self.script(&script, st);
                st.via.truncate(before);
            }
            None => {
                self.unknown(
                    st,
                    text,
                    format!(
                        "`{name} {}` reads a script slimfile cannot see, which may change anything",
                        path.text()
                    ),
                    None,
                );
                // What it sets is unknown from here on.
                for v in st.vars.values_mut() {
                    *v = None;
                }
            }
        }
    }
}
