//! The assembler, shared by every language: it turns a language's plan and
//! the stage facts into the final stage, as typed instructions (never text:
//! `render` alone writes text). Users, the order of `USER` and `WORKDIR`,
//! ownership, what the builder put outside the application, the `ARG`s the
//! carried instructions use, health-check tools, system packages and the
//! runtime configuration are decided here the same way for all languages.

use crate::carry;
use crate::codes::{Code, Reason, Warning};
use crate::context::Context;
use crate::facts::StageFacts;
use crate::parse::{Dockerfile, Instruction, Keyword};
use crate::paths::is_within;
use crate::plan::{BuilderEdit, Final, Flavor, Plan};

mod checks;
use checks::ExecForm;
mod outside;
mod stage;
mod unmodelled;
use outside::outside_paths;
pub use outside::written_outside;
use stage::{Application, Stage};

/// Why planning stopped before a rewrite: the early return of the rules.
#[derive(Debug)]
pub enum Stop {
    Unchanged(Reason),
    Refused(Reason),
}

impl Stop {
    /// The same stop with what to do.
    pub fn hint(self, hint: impl Into<String>) -> Stop {
        match self {
            Stop::Unchanged(r) => Stop::Unchanged(r.hint(hint)),
            Stop::Refused(r) => Stop::Refused(r.hint(hint)),
        }
    }
}

/// A refusal at a line.
pub fn refused(code: Code, line: usize, message: impl Into<String>) -> Stop {
    Stop::Refused(Reason::at(code, line, message))
}

/// What a language's rules decided, in terms every language shares.
#[derive(Debug)]
pub struct LanguagePlan<'a> {
    /// The language's id.
    pub language: String,
    pub flavor: Flavor,
    pub runtime_image: String,
    /// Whether the runtime image has a shell (the template's flavour table).
    pub shell: bool,
    /// The users the runtime image knows, where it knows only some.
    pub known_users: Option<Vec<String>>,
    /// The numeric ids of the users the language's images create.
    pub user_ids: std::collections::BTreeMap<String, String>,
    /// Programs whose path differs on the runtime image (glibc to alpine).
    pub program_paths: std::collections::BTreeMap<String, String>,
    /// The builder's image as written.
    pub builder_image: String,
    /// A constant `--platform` of the builder, repeated on the final `FROM`.
    pub platform: Option<String>,
    /// The builder is glibc and the runtime musl.
    pub glibc_to_musl: bool,
    /// The language's edits inside the builder (a prune, `CGO_ENABLED=0`).
    pub builder_edits: Vec<BuilderEdit>,
    /// What the final stage receives from the builder, and in words what it
    /// holds (`the application, with production dependencies only`).
    pub payload: Payload,
    pub payload_why: String,
    /// System packages the final stage installs.
    pub packages: Vec<String>,
    /// Install commands for the programs the `HEALTHCHECK` runs.
    pub tools: Vec<String>,
    /// Commands that install again what lives outside the application
    /// (global packages), with the `RUN`s they come from.
    pub reinstall: Vec<(String, &'a Instruction)>,
    /// Caches the language's tools write, which the final stage does not need.
    pub cache_dirs: Vec<String>,
    /// Steps the shell reader cannot follow that the language knows install
    /// only a build tool, by their `RUN`'s line and text: what they write
    /// stays in the builder.
    pub builder_only: Vec<(usize, String)>,
    /// The commands whose writes the language's rules model (its package
    /// managers, its installs), by their `RUN`'s line and their words: the
    /// shared judgement of other programs passes them by.
    pub own_commands: Vec<(usize, Vec<String>)>,
    /// Prefixes of the variables that configure the language's tools
    /// (`PIP_`, `PNPM_`): not folders another program writes its output to.
    pub tool_variables: Vec<String>,
    /// Copies (by their line) of a build tool the final stage does not run
    /// (`COPY --from=ghcr.io/astral-sh/uv /uv /bin/`): not made there.
    pub tool_copies: Vec<usize>,
    /// Folders outside the application the language's tools filled in the
    /// builder (a virtual environment), copied to the same paths.
    pub builder_paths: Vec<String>,
    /// Other files copied from the builder to the same paths, each with
    /// why: what the runtime image lacks and the program may use (the CA
    /// bundle, the zone database, the files it reads from its folder).
    pub builder_files: Vec<(String, String)>,
    /// Variables the language sets for the final stage, after the original's
    /// configuration (`PATH=/opt/venv/bin:$PATH` for a virtual environment).
    pub env: Vec<(String, String)>,
    /// Where the builder sets `env` itself (a builder edit's `ENV`s before
    /// this line): the final stage sets it at the same place among the
    /// original's configuration, so both see the same variables in the same
    /// order. `None`: before the original's configuration.
    pub env_line: Option<usize>,
    /// The `CMD` the final stage runs instead of the original's, and why.
    pub cmd: Option<(Vec<String>, String)>,
    /// The `ENTRYPOINT` the final stage runs instead of the original's, and why.
    pub entrypoint: Option<(Vec<String>, String)>,
    pub warnings: Vec<Warning>,
}

/// What the final stage receives from the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// The application directory, whole (interpreted languages).
    AppDir(String),
    /// Built files, each copied to the path it had in the builder.
    Artifacts(Vec<String>),
    /// No application directory (no `WORKDIR`: it would be `/`, the whole
    /// builder): the original's context `COPY`/`ADD` are replayed, then these
    /// paths its `RUN` steps wrote are copied from the builder.
    Replay(Vec<String>),
}

/// Builds the final stage of `lp`, and the plan.
pub fn assemble(
    file: &Dockerfile,
    facts: &StageFacts,
    ctx: &Context,
    mut lp: LanguagePlan,
) -> Result<Plan, Stop> {
    let mut warnings = std::mem::take(&mut lp.warnings);
    let no_shell = !lp.shell;
    let app_dir = match &lp.payload {
        Payload::AppDir(d) => d.clone(),
        // Built artifacts: the folder the project was copied to, where the
        // program runs or above it.
        Payload::Artifacts(_) => facts
            .app_dir()
            .or_else(|| facts.workdir.clone())
            .unwrap_or_else(|| "/".into()),
        Payload::Replay(_) => "/".into(),
    };
    let replay = matches!(lp.payload, Payload::Replay(_));
    checks::check_package_sources(facts, &lp)?;
    // The shared rules every language's plan meets. A replay brings the
    // context's files as copied; what a RUN changed after is taken from the
    // builder, so every write counts.
    let copied = if replay {
        Vec::new()
    } else {
        carry::copied_files(facts)
    };
    let outside_of = (!replay).then_some(app_dir.as_str());
    let written = written_outside(
        facts,
        outside_of,
        &copied,
        &lp.cache_dirs,
        &lp.builder_only,
        lp.glibc_to_musl,
    )?;
    let outside = outside_paths(file, facts, ctx, outside_of, written, &lp.tool_copies)?;
    let mut kept_paths: Vec<String> = outside.iter().map(|o| o.path.clone()).collect();
    kept_paths.extend(lp.builder_paths.iter().cloned());
    kept_paths.extend(lp.builder_files.iter().map(|(p, _)| p.clone()));
    if let Payload::Replay(paths) = &lp.payload {
        kept_paths.extend(paths.iter().cloned());
    }
    let kept = unmodelled::Kept {
        app_dir: outside_of,
        copied: &kept_paths,
        cache_dirs: &lp.cache_dirs,
    };
    let assumptions = unmodelled::check(facts, &kept, &lp.own_commands, &lp.tool_variables)?;
    checks::check_installs(facts, &lp, no_shell)?;
    warn_root(facts, &mut warnings);
    let user_id = final_user(facts, &lp, &mut warnings)?;
    let (builder_name, mut builder_edits) = name_builder(facts);
    builder_edits.extend(std::mem::take(&mut lp.builder_edits));
    let mut order = Order::read(facts, &app_dir);
    checks::check_shell(&order.carried, lp.flavor, no_shell, lp.glibc_to_musl)?;

    let mut stage = Stage::default();
    stage.add(
        Final::From {
            platform: lp.platform.clone(),
            image: lp.runtime_image.clone(),
        },
        "the runtime image",
    );
    let digest = facts.from.from_args().and_then(|a| a.image.digest);
    if let Some(d) = digest.filter(|d| !lp.runtime_image.ends_with(&format!("@{d}"))) {
        warnings.push(Warning::new(
            Code::DigestDropped,
            Some(facts.from.start_line),
            format!(
                "the builder's digest @{d} pins the builder only: pin {} with its own digest",
                lp.runtime_image
            ),
        ));
    }
    // Copies from an image whose files cannot be told by name are made
    // again as written, from that image.
    let image_copies: Vec<&Instruction> = facts
        .copies
        .iter()
        .filter(|c| {
            (replay || !is_within(&c.dest, &app_dir)) && carry::copy_from_image_again(c, ctx)
        })
        .filter(|c| !lp.tool_copies.contains(&c.instruction.start_line))
        .map(|c| c.instruction)
        .collect();
    // The ARGs the carried instructions and the repeated installs use.
    let mut arg_users = order.carried.clone();
    arg_users.extend(image_copies.iter().copied());
    arg_users.extend(lp.reinstall.iter().map(|(_, run)| *run));
    if lp.shell {
        arg_users.extend(carry::user_runs(facts));
    }
    if replay {
        arg_users.extend(replayed(facts));
    }
    for (name, default) in carry::args_used(file, facts, &arg_users) {
        stage.add(
            Final::Arg { name, default },
            "an ARG a carried instruction uses (ARGs do not cross FROM)",
        );
    }
    let how = carry::system_install(facts, &lp.packages);
    // The build arguments the original's install saw as variables
    // (ACCEPT_EULA, DEBIAN_FRONTEND), declared for the final one.
    let before = how.last_line.filter(|_| !lp.packages.is_empty());
    for i in facts
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Arg && before.is_some_and(|l| i.start_line < l))
    {
        for a in i.arg_decls() {
            if !stage.arg_names().contains(&a.name) {
                let default = facts.arg_text.get(&a.name).cloned().flatten();
                stage.add(
                    Final::Arg {
                        name: a.name,
                        default,
                    },
                    "an ARG the original's system install saw, for the final one",
                );
            }
        }
    }
    let language_env: Vec<Final> = lp
        .env
        .iter()
        .map(|(name, value)| Final::Env {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    let mut env_pending = Some(language_env);
    let env_why = "a variable the language's runtime needs, where the builder sets it";
    if !lp.packages.is_empty() {
        stage.envs_before_install(&mut order, &lp, &how, &mut env_pending, env_why);
    }
    // What the original put outside the application before its install
    // (a key, a repository list) comes before the final install too.
    let (before_install, after_install): (Vec<_>, Vec<_>) = outside
        .into_iter()
        .filter(|o| !how.sources.iter().any(|s| is_within(&o.path, s)))
        .partition(|o| {
            let earlier = how.last_line.is_some_and(|l| o.line < l)
                || how.written_before.iter().any(|w| is_within(w, &o.path));
            !lp.packages.is_empty() && earlier
        });
    // A built file inside a folder copied whole (`mkdir -p /out && go build
    // -o /out/`) comes with that folder.
    if let Payload::Artifacts(paths) = &mut lp.payload {
        let folders: Vec<&String> = before_install
            .iter()
            .chain(after_install.iter())
            .map(|o| &o.path)
            .chain(lp.builder_paths.iter())
            .collect();
        paths.retain(|p| !folders.iter().any(|f| is_within(p, f)));
    }
    stage.installs(&lp, &how, &builder_name, before_install);
    stage.users(facts, &builder_name, no_shell);
    let app = Application {
        payload: &lp.payload,
        why: &lp.payload_why,
        dir: &app_dir,
        builder: &builder_name,
        no_shell,
        flavor: lp.flavor,
    };
    stage.application(facts, &order, &app, user_id.as_deref(), &mut warnings);
    let built = match &lp.payload {
        Payload::Replay(paths) => paths.clone(),
        _ => Vec::new(),
    };
    for o in after_install {
        if built.iter().any(|b| is_within(&o.path, b)) {
            continue;
        }
        stage.add(
            Final::CopyFrom {
                from: builder_name.clone(),
                chown: None,
                src: o.path.clone(),
                dest: o.path,
            },
            &o.why,
        );
    }
    for i in &image_copies {
        stage.add(
            Final::Original(i.text_span.clone()),
            "a copy from an image, made again as written",
        );
    }
    let tools_why = "what the language's tools installed outside the application";
    let same_path = lp
        .builder_paths
        .iter()
        .map(|p| (p, tools_why))
        .chain(lp.builder_files.iter().map(|(p, why)| (p, why.as_str())));
    for (p, why) in same_path {
        stage.add(
            Final::CopyFrom {
                from: builder_name.clone(),
                chown: None,
                src: p.clone(),
                dest: p.clone(),
            },
            why,
        );
    }
    if lp.env_line.is_none() {
        for e in env_pending.take().unwrap_or_default() {
            stage.add(e, env_why);
        }
    }
    for i in &order.carried {
        if lp.env_line.is_some_and(|l| i.start_line >= l) {
            for e in env_pending.take().unwrap_or_default() {
                stage.add(e, env_why);
            }
        }
        if lp.glibc_to_musl {
            checks::check_alpine_path(i, &lp.program_paths)?;
        }
        let is_cmd = facts.cmd.is_some_and(|c| std::ptr::eq(c, *i));
        let is_user = facts.user.is_some_and(|u| std::ptr::eq(u, *i));
        let is_entry = facts.entrypoint.is_some_and(|e| std::ptr::eq(e, *i));
        if let (true, Some((args, why))) = (is_entry, &lp.entrypoint) {
            stage.add(Final::Entrypoint(args.clone()), why);
            continue;
        }
        let replaced = is_cmd && lp.cmd.is_some();
        if no_shell && !replaced {
            match checks::exec_form(file, facts, i, lp.flavor)? {
                Some(ExecForm::Dropped) => continue,
                Some(ExecForm::Instead(f, why)) => {
                    stage.add(f, &why);
                    continue;
                }
                None => {}
            }
        }
        if let Some(moved) = moved_program(i, &lp.program_paths).filter(|_| !replaced) {
            stage.add(
                moved,
                "the original's command, with the program where the runtime image has it",
            );
            continue;
        }
        match (&lp.cmd, is_cmd, &user_id) {
            (Some((args, why)), true, _) => {
                // An ENTRYPOINT of the language's where the original had none.
                if let (Some((entry, why)), None) = (&lp.entrypoint, facts.entrypoint) {
                    stage.add(Final::Entrypoint(entry.clone()), why);
                }
                stage.add(Final::Cmd(args.clone()), why)
            }
            (_, _, Some(id)) if is_user => stage.add(
                Final::User(id.clone()),
                "the original's USER, by its numeric id: the runtime image has no such name",
            ),
            _ => stage.add(
                Final::Original(i.text_span.clone()),
                "the original's runtime configuration",
            ),
        }
    }
    for e in env_pending.take().unwrap_or_default() {
        stage.add(e, env_why);
    }
    Ok(Plan {
        language: lp.language,
        flavor: lp.flavor,
        builder_name,
        builder_image: lp.builder_image,
        runtime_image: lp.runtime_image,
        builder_edits,
        final_stage: stage.items,
        warnings,
        assumptions,
    })
}

/// The final `USER` by its numeric id where the runtime image knows only
/// some users (distroless: `root`, `nonroot`, `nobody`) and the original's
/// is a name of the language's images (`node` → `1000:1000`); a refusal where
/// the id is not known. A user the builder created comes with `/etc/passwd`.
fn final_user(
    facts: &StageFacts,
    lp: &LanguagePlan,
    warnings: &mut Vec<Warning>,
) -> Result<Option<String>, Stop> {
    let (Some(known), Some(u), Some(name)) = (&lp.known_users, facts.user, facts.user_name())
    else {
        return Ok(None);
    };
    let numeric = !name.is_empty() && name.chars().all(|c| c.is_ascii_digit());
    if numeric || known.contains(&name) || carry::created_users(facts).contains(&name) {
        return Ok(None);
    }
    match lp.user_ids.get(&name) {
        Some(id) => {
            warnings.push(Warning::new(
                Code::UserAsId,
                Some(u.start_line),
                format!(
                    "{} has no user `{name}`: the final stage runs as {id}, its id in the builder",
                    lp.flavor.name()
                ),
            ));
            Ok(Some(id.clone()))
        }
        None => Err(refused(
            Code::UserNotOnImage,
            u.start_line,
            format!(
                "USER {name}: the {} image has no such user, and its id is not known",
                lp.flavor.name()
            ),
        )
        .hint("use the slim flavour, or give USER as a numeric id")),
    }
}

/// An exec-form `ENTRYPOINT` or `CMD` whose program lives elsewhere on the
/// runtime image (`/usr/bin/tini` is `/sbin/tini` on alpine), with its path.
fn moved_program(
    i: &Instruction,
    paths: &std::collections::BTreeMap<String, String>,
) -> Option<Final> {
    let Some(crate::parse::Form::Exec(argv)) = &i.form else {
        return None;
    };
    let to = paths.get(argv.first()?).filter(|to| *to != &argv[0])?;
    let mut moved = argv.clone();
    moved[0] = to.clone();
    match i.keyword {
        Keyword::Entrypoint => Some(Final::Entrypoint(moved)),
        Keyword::Cmd => Some(Final::Cmd(moved)),
        _ => None,
    }
}

/// The original's copies from the build context (not from a stage), which a
/// final stage with no application directory replays as written.
fn replayed<'a>(facts: &StageFacts<'a>) -> Vec<&'a Instruction> {
    facts
        .copies
        .iter()
        .filter(|c| c.from.is_none())
        .map(|c| c.instruction)
        .collect()
}

/// The builder's name: its own alias, or `builder` added to its `FROM`.
fn name_builder(facts: &StageFacts) -> (String, Vec<BuilderEdit>) {
    let from = facts.from;
    match from.from_args().and_then(|a| a.alias) {
        Some(alias) => (alias, Vec::new()),
        None => {
            let at = from
                .from_args()
                .map_or(from.text_span.end, |a| a.image_span.end);
            let edit = BuilderEdit {
                range: at..at,
                text: " AS builder".into(),
                why: "the original steps become the builder stage".into(),
            };
            ("builder".into(), vec![edit])
        }
    }
}

/// Which configuration the final stage carries, and where `USER` goes.
struct Order<'a> {
    /// The runtime configuration, in order, less a `USER` placed early.
    carried: Vec<&'a Instruction>,
    /// A `USER` that goes before `WORKDIR`.
    user_early: Option<&'a Instruction>,
    /// Who owns the application folder in the builder, when not root.
    folder_owner: Option<String>,
}

impl<'a> Order<'a> {
    /// USER goes before WORKDIR where the original set it first, or where the
    /// application folder belongs to that user: WORKDIR then creates the
    /// folder owned by it, as the builder had it.
    fn read(facts: &StageFacts<'a>, app_dir: &str) -> Order<'a> {
        let folder_owner = carry::dir_owner(facts, app_dir);
        let owner_is_user = folder_owner.as_ref().is_some_and(|o| {
            let user = |s: &str| s.split(':').next().unwrap_or("").to_string();
            facts.user_name().is_some_and(|u| u == user(o))
        });
        let user_early =
            carry::user_before_workdir(facts).or(if owner_is_user { facts.user } else { None });
        let carried = carry::runtime_configuration(facts)
            .into_iter()
            .filter(|i| !user_early.is_some_and(|u| std::ptr::eq(u, *i)))
            .collect();
        Order {
            carried,
            user_early,
            folder_owner,
        }
    }
}

/// Debian packages the builder installed, by their alpine names (the
/// template's `package_names`, where a name alpine shares has an entry too:
/// a package not listed may not exist there), or a refusal naming the first
/// without one.
pub fn alpine_packages(
    packages: &[String],
    names: &std::collections::BTreeMap<String, String>,
    line: usize,
) -> Result<Vec<String>, Stop> {
    packages
        .iter()
        .map(|p| {
            names.get(p).cloned().ok_or_else(|| {
                refused(
                    Code::PackageNotOnAlpine,
                    line,
                    format!("the Debian package `{p}` has no alpine name slimfile knows"),
                )
                .hint("use the slim flavour, or name its alpine package in the template's package_names")
            })
        })
        .collect()
}

/// The warning for an image that runs as root, as the original did.
pub fn warn_root(facts: &StageFacts, warnings: &mut Vec<Warning>) {
    if facts
        .user_name()
        .as_deref()
        .is_none_or(crate::facts::is_root)
    {
        warnings.push(Warning::new(
            Code::RunsAsRoot,
            facts.user.map(|u| u.start_line),
            "the image runs as root, as the original did; consider a USER",
        ));
    }
}
