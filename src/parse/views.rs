//! Typed views of instructions, read on demand from an [`Instruction`]'s
//! arguments as far as the rewrite needs them, and the file's stages.
//!
//! Values are kept as written (quotes, `$VAR`s): the rewrite carries them over,
//! it does not evaluate them.

use std::ops::Range;

use super::instruction::{Form, Instruction, Keyword};
use super::lines::is_split_space;
use super::words::{parse_words, split_whitespace_delimited};
use super::{Dockerfile, Problem};

/// An image reference split into its parts, variables kept raw
/// (`${REGISTRY}/node:${NODE_VERSION}@sha256:…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// As written.
    pub raw: String,
    /// `registry.example.com:5000` when the first path component looks like
    /// a host (has `.` or `:`, or is `localhost`), as Docker decides.
    pub registry: Option<String>,
    /// The path after the registry (`library/node`, `node`, `org/app`).
    pub repository: String,
    /// After `:` in the last path component.
    pub tag: Option<String>,
    /// After `@`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Splits a reference. `:`, `/` and `@` inside `${…}` do not count.
    pub fn parse(raw: &str) -> ImageRef {
        let at = find_outside_braces(raw, |c| c == '@', false);
        let (name, digest) = match at {
            Some(i) => (&raw[..i], Some(raw[i + 1..].to_string())),
            None => (raw, None),
        };
        let last_slash = find_outside_braces(name, |c| c == '/', true);
        let last_start = last_slash.map_or(0, |i| i + 1);
        let colon = find_outside_braces(&name[last_start..], |c| c == ':', false);
        let (path, tag) = match colon {
            Some(i) => (
                &name[..last_start + i],
                Some(name[last_start + i + 1..].to_string()),
            ),
            None => (name, None),
        };
        let first_slash = find_outside_braces(path, |c| c == '/', false);
        let (registry, repository) = match first_slash {
            Some(i) if looks_like_host(&path[..i]) => {
                (Some(path[..i].to_string()), path[i + 1..].to_string())
            }
            _ => (None, path.to_string()),
        };
        ImageRef {
            raw: raw.to_string(),
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The repository without a registry and its `library/` namespace, as
    /// mirrors spell official images too (`public.ecr.aws/docker/library/node`
    /// → `node`); other namespaced names are returned whole (`oven/bun`).
    pub fn official_name(&self) -> &str {
        match self.repository.rsplit_once("library/") {
            Some((ns, name)) if (ns.is_empty() || ns.ends_with('/')) && !name.contains('/') => name,
            _ => &self.repository,
        }
    }

    /// Whether any part is given through a variable.
    pub fn has_variables(&self) -> bool {
        self.raw.contains('$')
    }
}

fn looks_like_host(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

/// The first (or last) index of a character matching `pred` outside `${…}`.
fn find_outside_braces(s: &str, pred: impl Fn(char) -> bool, last: bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut found = None;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 && pred(c) => {
                found = Some(i);
                if !last {
                    return found;
                }
            }
            _ => {}
        }
        prev = c;
    }
    found
}

/// `FROM [--platform=…] image [AS name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromArgs {
    pub image: ImageRef,
    /// Where the image reference is written.
    pub image_span: Range<usize>,
    /// The stage name after `AS`.
    pub alias: Option<String>,
    /// Where the stage name is written.
    pub alias_span: Option<Range<usize>>,
    /// The value of `--platform`, if given.
    pub platform: Option<String>,
}

/// One name declared by `ARG`, with its default as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    pub default: Option<String>,
}

/// One `key=value` of `ENV` or `LABEL`; `legacy` for the old `KEY value` form,
/// where the value is the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    pub legacy: bool,
}

/// `COPY`/`ADD` sources and destination (heredoc sources appear as `<<EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyArgs {
    pub sources: Vec<String>,
    pub dest: String,
}

/// What a `HEALTHCHECK` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthcheckArgs {
    /// `HEALTHCHECK NONE`: the base image's check is turned off.
    None,
    /// `HEALTHCHECK [options] CMD command`.
    Cmd(Form),
    /// No arguments, or a type other than `CMD`/`NONE`: `docker build` rejects it.
    Invalid,
}

impl Instruction {
    /// `FROM`'s parts, or `None` if this is not a well-formed `FROM`.
    pub fn from_args(&self) -> Option<FromArgs> {
        if self.keyword != Keyword::From {
            return None;
        }
        let words: Vec<_> = split_whitespace_delimited(&self.args)
            .into_iter()
            .filter(|w| !w.text.is_empty())
            .collect();
        let alias = match words.as_slice() {
            [_] => None,
            [_, as_, name] if as_.text.eq_ignore_ascii_case("as") => Some(name),
            _ => return None,
        };
        let image_word = &words[0];
        let in_file = |r: &Range<usize>| self.args_range_in_file(r.clone());
        Some(FromArgs {
            image: ImageRef::parse(&image_word.text),
            image_span: in_file(&image_word.span),
            alias: alias.map(|w| w.text.clone()),
            alias_span: alias.map(|w| in_file(&w.span)),
            platform: self
                .flag("platform")
                .and_then(|f| f.value())
                .map(str::to_string),
        })
    }

    /// The names `ARG` declares, with their defaults.
    pub fn arg_decls(&self) -> Vec<ArgDecl> {
        if self.keyword != Keyword::Arg {
            return Vec::new();
        }
        parse_words(&self.args, '\\')
            .into_iter()
            .map(|w| match w.text.split_once('=') {
                Some((name, default)) => ArgDecl {
                    name: name.to_string(),
                    default: Some(default.to_string()),
                },
                None => ArgDecl {
                    name: w.text,
                    default: None,
                },
            })
            .collect()
    }

    /// `ENV` or `LABEL` pairs, in order.
    pub fn key_values(&self) -> Vec<KeyValue> {
        if !matches!(self.keyword, Keyword::Env | Keyword::Label) {
            return Vec::new();
        }
        let words = parse_words(&self.args, '\\');
        match words.first() {
            None => Vec::new(),
            Some(first) if !first.text.contains('=') => {
                match self.args.split_once(is_split_space) {
                    Some((key, value)) => vec![KeyValue {
                        key: key.to_string(),
                        value: value.trim_start_matches(is_split_space).to_string(),
                        legacy: true,
                    }],
                    None => Vec::new(),
                }
            }
            Some(_) => words
                .into_iter()
                .filter_map(|w| {
                    let (key, value) = w.text.split_once('=')?;
                    Some(KeyValue {
                        key: key.to_string(),
                        value: value.to_string(),
                        legacy: false,
                    })
                })
                .collect(),
        }
    }

    /// `COPY`/`ADD` sources and destination, or `None` when there are fewer
    /// than two arguments.
    pub fn copy_args(&self) -> Option<CopyArgs> {
        if !matches!(self.keyword, Keyword::Copy | Keyword::Add) {
            return None;
        }
        let mut items = self.list_args();
        let dest = items.pop()?;
        if items.is_empty() {
            return None;
        }
        Some(CopyArgs {
            sources: items,
            dest,
        })
    }

    /// The command of `RUN`, `CMD`, `ENTRYPOINT` or `SHELL`.
    pub fn command(&self) -> Option<&Form> {
        match self.keyword {
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
                self.form.as_ref()
            }
            _ => None,
        }
    }

    /// What a `HEALTHCHECK` says; its options are [`Instruction::flags`].
    pub fn healthcheck(&self) -> Option<HealthcheckArgs> {
        if self.keyword != Keyword::Healthcheck {
            return None;
        }
        let kind = self.args.split(char::is_whitespace).next().unwrap_or("");
        Some(if kind.eq_ignore_ascii_case("none") {
            HealthcheckArgs::None
        } else if kind.eq_ignore_ascii_case("cmd") {
            match &self.form {
                Some(form) => HealthcheckArgs::Cmd(form.clone()),
                None => HealthcheckArgs::Invalid,
            }
        } else {
            HealthcheckArgs::Invalid
        })
    }

    /// `EXPOSE` ports or `VOLUME` paths.
    pub fn list_args(&self) -> Vec<String> {
        match &self.form {
            Some(Form::Exec(items)) => items.clone(),
            _ => split_whitespace_delimited(&self.args)
                .into_iter()
                .map(|w| w.text)
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }

    /// The single value of `USER`, `WORKDIR`, `STOPSIGNAL` or `MAINTAINER`.
    pub fn value(&self) -> Option<&str> {
        match self.keyword {
            Keyword::User | Keyword::Workdir | Keyword::Stopsignal | Keyword::Maintainer
                if !self.args.is_empty() =>
            {
                Some(&self.args)
            }
            _ => None,
        }
    }
}

/// A build stage: a `FROM` and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// The `AS` name, if any.
    pub name: Option<String>,
    /// The image after `FROM` (`None` if the `FROM` is malformed).
    pub base: Option<ImageRef>,
    /// Index of the `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// Indices in [`Dockerfile::instructions`] of the instructions after the
    /// `FROM` and up to the next one.
    pub instructions: Range<usize>,
}

impl Dockerfile {
    /// The build stages, in order.
    pub fn stages(&self) -> Vec<Stage> {
        let instructions: Vec<&Instruction> = self.instructions().collect();
        let froms: Vec<usize> = instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.keyword == Keyword::From)
            .map(|(n, _)| n)
            .collect();
        froms
            .iter()
            .enumerate()
            .map(|(index, &from)| {
                let end = froms.get(index + 1).copied().unwrap_or(instructions.len());
                let args = instructions[from].from_args();
                Stage {
                    index,
                    name: args.as_ref().and_then(|a| a.alias.clone()),
                    base: args.map(|a| a.image),
                    from,
                    instructions: from + 1..end,
                }
            })
            .collect()
    }

    /// The `ARG` instructions before the first `FROM` (the global ones).
    pub fn global_args(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions()
            .take_while(|i| i.keyword != Keyword::From)
            .filter(|i| i.keyword == Keyword::Arg)
    }

    /// The instructions `docker build` would reject although the parser
    /// accepts them: unknown keywords, a malformed `FROM`, missing arguments,
    /// an instruction before the first `FROM`.
    pub fn build_problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut seen_from = false;
        for i in self.instructions() {
            let mut say = |message: String| {
                out.push(Problem {
                    line: i.start_line,
                    message,
                })
            };
            let name = i.keyword.as_str();
            match i.keyword {
                Keyword::Unknown => say(format!("unknown instruction: {}", i.keyword_text)),
                Keyword::From => {
                    seen_from = true;
                    if i.from_args().is_none() {
                        say("FROM requires either one or three arguments".into());
                    }
                }
                Keyword::Arg => {}
                _ if !seen_from => say(format!("{name} comes before the first FROM")),
                _ => {}
            }
            let empty = i.args.is_empty();
            match i.keyword {
                Keyword::Env
                | Keyword::Label
                | Keyword::Expose
                | Keyword::Volume
                | Keyword::Onbuild
                | Keyword::Healthcheck
                | Keyword::Shell
                    if empty =>
                {
                    say(format!("{name} requires at least one argument"))
                }
                Keyword::Workdir | Keyword::User | Keyword::Stopsignal | Keyword::Maintainer
                    if empty =>
                {
                    say(format!("{name} requires exactly one argument"))
                }
                Keyword::Copy | Keyword::Add if i.copy_args().is_none() => say(format!(
                    "{name} requires at least two arguments: sources and a destination"
                )),
                _ => {}
            }
        }
        if !seen_from
            && !self
                .problems()
                .iter()
                .any(|p| p.message.contains("no instructions"))
        {
            out.push(Problem {
                line: 1,
                message: "no FROM instruction: not a Dockerfile slimfile can read".into(),
            });
        }
        out
    }
}
