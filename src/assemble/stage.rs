//! The final stage as it is built: its instructions, each with its reason,
//! and the parts every language's final stage has — the system packages and
//! the sources they come from, the users, the application.

use super::outside::Outside;
use super::{replayed, LanguagePlan, Order, Payload};
use crate::carry;
use crate::codes::{Code, Warning};
use crate::facts::StageFacts;
use crate::parse::{Instruction, Keyword};
use crate::paths::is_within;
use crate::plan::{Final, FinalInstruction, Flavor};

/// What the final stage receives, and where.
pub(super) struct Application<'a> {
    pub(super) payload: &'a Payload,
    pub(super) why: &'a str,
    pub(super) dir: &'a str,
    pub(super) builder: &'a str,
    pub(super) no_shell: bool,
    pub(super) flavor: Flavor,
}

/// The final stage as it is built.
#[derive(Default)]
pub(super) struct Stage {
    pub(super) items: Vec<FinalInstruction>,
}

impl Stage {
    pub(super) fn add(&mut self, instruction: Final, why: &str) {
        self.items.push(FinalInstruction {
            instruction,
            why: why.into(),
        });
    }

    /// The `ARG`s declared so far.
    pub(super) fn arg_names(&self) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|i| match &i.instruction {
                Final::Arg { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// Sets the `ENV`s the original's install saw (`ACCEPT_EULA`, a proxy)
    /// before the final one, in their order, with the language's own among
    /// them where the builder sets those; they leave `order`.
    pub(super) fn envs_before_install(
        &mut self,
        order: &mut Order,
        lp: &LanguagePlan,
        how: &carry::SystemInstall,
        language_env: &mut Option<Vec<Final>>,
        language_why: &str,
    ) {
        let before = how.last_line.unwrap_or(0);
        let early: Vec<&Instruction> = order
            .carried
            .iter()
            .copied()
            .filter(|i| i.keyword == Keyword::Env && i.start_line < before)
            .collect();
        for i in &early {
            if lp.env_line.is_none_or(|l| i.start_line >= l) {
                for e in language_env.take().unwrap_or_default() {
                    self.add(e, language_why);
                }
            }
            self.add(
                Final::Original(i.text_span.clone()),
                "the original's runtime configuration, set before the install as the original's install saw it",
            );
        }
        // The builder set the language's variables before its install too.
        if lp.env_line.is_some_and(|l| l < before) {
            for e in language_env.take().unwrap_or_default() {
                self.add(e, language_why);
            }
        }
        order
            .carried
            .retain(|i| !early.iter().any(|e| std::ptr::eq(*e, *i)));
    }

    /// What the final stage installs: run-time system packages, the
    /// programs the `HEALTHCHECK` runs, global packages again.
    pub(super) fn installs(
        &mut self,
        lp: &LanguagePlan,
        how: &carry::SystemInstall,
        builder: &str,
        before: Vec<Outside>,
    ) {
        if !lp.packages.is_empty() {
            let alpine = lp.flavor == Flavor::Alpine;
            let copy = |path: &str| Final::CopyFrom {
                from: builder.to_string(),
                chown: None,
                src: path.to_string(),
                dest: path.to_string(),
            };
            // An https source needs the certificates apt checks it with,
            // which a slim image may lack: the builder's, of the same release.
            let sourced = !how.sources.is_empty()
                || before
                    .iter()
                    .any(|o| carry::PACKAGE_SOURCES.iter().any(|d| is_within(&o.path, d)));
            if sourced && !alpine {
                self.add(
                    copy("/etc/ssl/certs/ca-certificates.crt"),
                    "the certificates apt checks the original's package sources with",
                );
            }
            for p in &how.sources {
                self.add(
                    copy(p),
                    "a package source the original added, for the install below",
                );
            }
            for o in before {
                self.add(
                    copy(&o.path),
                    &format!("{}, before the install as in the original", o.why),
                );
            }
            let install = carry::install_command(alpine, &lp.packages, how);
            self.add(
                Final::Run(install),
                if how.recommends {
                    "the run-time system packages: the builder's, and those a dependency needs; \
                     with their recommended packages, as the original installed them"
                } else {
                    "the run-time system packages: the builder's, and those a dependency needs"
                },
            );
        }
        for tool in &lp.tools {
            self.add(Final::Run(tool.clone()), "a program the HEALTHCHECK runs");
        }
        for (command, _) in &lp.reinstall {
            let why = if command.starts_with("corepack ") {
                "the package manager release corepack gave the builder, activated again"
            } else {
                "a global package the builder installed, installed again"
            };
            self.add(Final::Run(command.clone()), why);
        }
    }

    /// The users and groups the builder created: created again, or (with no
    /// shell) `/etc/passwd` and `/etc/group` copied.
    pub(super) fn users(&mut self, facts: &StageFacts, builder: &str, no_shell: bool) {
        let users = carry::user_commands(facts);
        if users.is_empty() {
            return;
        }
        if !no_shell {
            self.add(
                Final::Run(users.join(" && ")),
                "the users and groups the builder created, created again",
            );
            return;
        }
        for (file_path, why) in [
            (
                "/etc/passwd",
                "users the builder created (no shell to create them again)",
            ),
            ("/etc/group", "groups the builder created"),
        ] {
            self.add(
                Final::CopyFrom {
                    from: builder.into(),
                    chown: None,
                    src: file_path.into(),
                    dest: file_path.into(),
                },
                why,
            );
        }
    }

    /// `USER` placed early, `WORKDIR`, the application with its owner, and
    /// the folder's own owner.
    pub(super) fn application(
        &mut self,
        facts: &StageFacts,
        order: &Order,
        app: &Application,
        user_id: Option<&str>,
        warnings: &mut Vec<Warning>,
    ) {
        if let Some(u) = order.user_early {
            let why = "the original's USER, set before WORKDIR so that the folder is created owned by it, as there";
            match user_id {
                Some(id) => self.add(Final::User(id.to_string()), why),
                None => self.add(Final::Original(u.text_span.clone()), why),
            }
        }
        if let Payload::Replay(paths) = app.payload {
            for copy in replayed(facts) {
                self.add(
                    Final::Original(copy.text_span.clone()),
                    "the original's copy from the build context, replayed: there is no application directory to copy",
                );
            }
            for p in paths {
                self.add(
                    Final::CopyFrom {
                        from: app.builder.into(),
                        chown: None,
                        src: p.clone(),
                        dest: p.clone(),
                    },
                    app.why,
                );
            }
            return;
        }
        // No WORKDIR in the original: none here either (the application
        // directory is where its project was copied), unless the builder's
        // image started elsewhere than `/` (golang's `/go`).
        if facts.has_workdir || facts.workdir.as_deref().is_some_and(|w| w != "/") {
            self.add(
                Final::Workdir(facts.workdir.clone().unwrap_or_else(|| app.dir.to_string())),
                "the working directory, at the same path",
            );
        }
        // COPY --from keeps the owners the files had in the builder. Where they
        // belong to a user the builder created, its id may differ when it is
        // created again, so the copy names the owner instead.
        let created = carry::created_users(facts);
        let owner = carry::app_owner(facts, app.dir).filter(|o| {
            let user = o.split(':').next().unwrap_or("");
            created.iter().any(|c| c == user)
        });
        if let Some(o) = &owner {
            warnings.push(Warning::new(
                Code::OwnerNamed,
                None,
                format!(
                    "the application directory is copied with --chown={o}: {} is created again in the final stage, perhaps with another id",
                    o.split(':').next().unwrap_or(o)
                ),
            ));
        }
        let paths = match app.payload {
            Payload::AppDir(d) => vec![d.clone()],
            Payload::Artifacts(paths) | Payload::Replay(paths) => paths.clone(),
        };
        let why = app.why;
        for p in paths {
            // A wildcard (`target/*.jar`) copies what it matches into its folder.
            let dest = match p.rsplit_once('/') {
                Some((dir, name)) if name.contains(['*', '?', '[']) => format!("{dir}/"),
                _ => p.clone(),
            };
            self.add(
                Final::CopyFrom {
                    from: app.builder.into(),
                    chown: owner.clone(),
                    src: p,
                    dest,
                },
                why,
            );
        }
        // The folder itself belongs to someone the final USER is not.
        if let (Some(o), None) = (&order.folder_owner, order.user_early) {
            if app.no_shell {
                warnings.push(Warning::new(
                    Code::FolderOwnerLost,
                    None,
                    format!(
                        "{} belonged to {o} in the builder; {} has no shell to chown it, so it belongs to root",
                        app.dir,
                        app.flavor.name()
                    ),
                ));
            } else {
                let chown = format!(
                    "chown {} {}",
                    crate::shell::quote(o),
                    crate::shell::quote(app.dir)
                );
                self.add(
                    Final::Run(chown),
                    "the application folder belonged to this owner in the builder",
                );
            }
        }
    }
}
