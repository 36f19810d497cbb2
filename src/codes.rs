//! Reasons and warnings, and the stable codes of every reason a file is left as it was and of every
//! warning (design.md, "Statuses and exit codes"). Messages may name paths
//! and packages and may change wording; codes never do, so summaries group
//! by them and tools match on them. The README lists them all (a test
//! checks it).

use serde::Serialize;

/// Declares the codes with their kebab-case names and one-line descriptions.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $description:literal;)*) => {
        /// A stable reason or warning code: one the core knows, or one a
        /// language defines for what is its own (listed by its registration).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
            /// A language's own code.
            Language {
                name: &'static str,
                description: &'static str,
            },
        }

        impl Code {
            /// Every code the core knows, in the order of the README's table
            /// (the languages' own follow, from their registrations).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The core code with this name.
            pub fn from_name(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }

            /// The code as written in reports (`no-workdir`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                    Code::Language { name, .. } => name,
                }
            }

            /// What the code means, in one line (the summary's text for a group).
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                    Code::Language { description, .. } => description,
                }
            }
        }
    };
}

codes! {
    // Errors: the file could not be read, parsed or written.
    ReadFailed = "read-failed", "the file could not be read";
    NotUtf8 = "not-utf8", "the file is not UTF-8 text";
    TooLarge = "too-large", "the file is too large to be a Dockerfile";
    BinaryFile = "binary-file", "a binary file, not a Dockerfile";
    NotADockerfile = "not-a-dockerfile", "empty or only comments: not a Dockerfile";
    ParseError = "parse-error", "BuildKit's parser would reject the file";
    BuildError = "build-error", "docker build would reject the file";
    WriteFailed = "write-failed", "the rewrite could not be written";

    // Skipped by discovery.
    Symlink = "symlink", "a symlink, not followed in a walk";
    TemplateFile = "template-file", "a template or backup, not a Dockerfile to rewrite";
    NotADockerfileName = "not-a-dockerfile-name", "a name that says it is not a Dockerfile (notes, a script, an editor's file)";

    // Unchanged: nothing to do.
    NoStage = "no-stage", "no FROM instruction";
    AlreadyMultiStage = "already-multi-stage", "already a multi-stage build";
    UnknownLanguage = "unknown-language", "the base image is not a language slimfile knows";
    LanguageNotYet = "language-not-yet", "a language slimfile does not rewrite yet";
    BaseImage = "base-image", "no CMD and no ENTRYPOINT: a base image other Dockerfiles build from";
    NothingToGain = "nothing-to-gain", "the base is already lean and there is nothing to drop";

    // Refused: slimfile could rewrite this kind of file, but not this one safely.
    VersionDependent = "version-dependent", "BuildKit releases read a line differently";
    OpenContinuation = "open-continuation", "the last line continues to the end of the file";
    ReadBackFailed = "read-back-failed", "the rewrite did not read back as planned (a bug: please report it)";
    RenderFailed = "render-failed", "the plan could not be rendered (a bug: please report it)";
    UnreadableFrom = "unreadable-from", "the FROM instruction cannot be read";
    UnofficialImage = "unofficial-image", "the base image is not the official one for its language";
    BuildPlatform = "build-platform", "FROM --platform=$BUILDPLATFORM: dependencies for the wrong platform";
    UnknownTag = "unknown-tag", "the image tag cannot be mapped to a runtime tag";
    VariableWorkdir = "variable-workdir", "a WORKDIR uses a variable with no known value";
    NoWorkdir = "no-workdir", "no WORKDIR: the application directory would be /";
    NoRuntimeImage = "no-runtime-image", "the flavour has no runtime image for this language";
    MuslToGlibc = "musl-to-glibc", "an alpine (musl) builder cannot feed a glibc runtime";
    PackageNotOnAlpine = "package-not-on-alpine", "a Debian package has no known alpine name";
    NativeOnMusl = "native-on-musl", "native code built on glibc would fail on musl";
    UnsupportedDistroless = "unsupported-distroless", "no supported distroless image for this version";
    GlobalInstallImpossible = "global-install-impossible", "a global install cannot be made again on the runtime image";
    DownloadOutsideApp = "download-outside-app", "a dependency's install downloads files outside the application";
    PackageSourceOption = "package-source-option", "system packages are installed from a repository or release the final stage would not use";
    LocalPackageFile = "local-package-file", "a system package is installed from a file the final stage cannot install again";
    ProgramPathOnAlpine = "program-path-on-alpine", "a program's Debian path has no alpine path slimfile knows";
    PackageManagerMissing = "package-manager-missing", "the start command needs a package manager the runtime image lacks";
    EntrypointOnDistroless = "entrypoint-on-distroless", "an ENTRYPOINT on distroless, whose entrypoint is the runtime itself";
    ShellFormNoShell = "shell-form-no-shell", "a shell-form command or SHELL on an image without a shell";
    UserNotOnImage = "user-not-on-image", "the USER is a name the runtime image does not know";
    BashOnAlpine = "bash-on-alpine", "SHELL uses bash, which alpine images lack";
    HealthcheckToolMissing = "healthcheck-tool-missing", "the HEALTHCHECK runs a program the runtime image lacks";
    SystemPackagesImpossible = "system-packages-impossible", "system packages the runtime image cannot install";
    ArchivedRelease = "archived-release", "the final stage would install packages on a Debian release whose packages have moved to archive.debian.org";
    UnknownProgram = "unknown-program", "the start command runs a program of unknown origin";
    UnknownCommand = "unknown-command", "a command whose programs cannot be told";
    WriteOutsideApp = "write-outside-app", "a RUN writes outside the application what cannot be carried";
    GlibcFilesOnMusl = "glibc-files-on-musl", "files a glibc builder put outside the application may fail on musl";
    RunNotFollowed = "run-not-followed", "a RUN step slimfile cannot follow, which may write anything";
    CopyOutsideUnknown = "copy-outside-unknown", "a COPY puts files outside the application that cannot be told";
    UnknownPackageManager = "unknown-package-manager", "which package manager installed the dependencies cannot be told";
    UnknownScript = "unknown-script", "which package.json script runs cannot be told";
    MissingScript = "missing-script", "package.json has no such script";
    DevServer = "dev-server", "the start command is a development server";
    NetworkAtStart = "network-at-start", "the start command downloads a package at every start";

    // Refused under --verify --write: the verification did not pass.
    VerifyFailed = "verify-failed", "the rewrite did not build, or its image differs from the original's";
    VerifyTimeout = "verify-timeout", "a build took longer than --verify-timeout";
    VerifyInconclusive = "verify-inconclusive", "both containers of --verify-run exited the same way, or could not be probed, before they could be compared";
    VerifyOriginalFails = "verify-original-fails", "the original does not build, so the rewrite cannot be verified";

    // Warnings.
    RunsAsRoot = "runs-as-root", "the image runs as root, as the original did";
    DigestDropped = "digest-dropped", "the builder's digest does not pin the runtime image";
    DevDependenciesKept = "dev-dependencies-kept", "dev dependencies are kept";
    RuntimePackageAdded = "runtime-package-added", "a run-time package a dependency needs is installed";
    SystemPackagesCarried = "system-packages-carried", "system packages are installed again in the final stage";
    HealthcheckToolInstalled = "healthcheck-tool-installed", "a program the HEALTHCHECK runs is installed";
    HealthcheckToolAbsent = "healthcheck-tool-absent", "a program the HEALTHCHECK runs is on neither the original's image nor the rewrite's, and is not added";
    OwnerNamed = "owner-named", "the application is copied naming its owner";
    FolderOwnerLost = "folder-owner-lost", "the application folder's owner cannot be kept";
    NoCmd = "no-cmd", "no CMD: the runtime starts with its default";
    UserAsId = "user-as-id", "the USER is given by its numeric id, as the runtime image has no such name";
    NoManifest = "no-manifest", "the project's manifest is not in the build context";
    DevPackageDropped = "dev-package-dropped", "a -dev package is not installed again, and its run-time library may be missing";
    SmallGain = "small-gain", "the final stage is on the builder's own image and saves only what the build leaves outside the application";
    GlobalOnlyForBuild = "global-only-for-build", "a global install only the build uses is not made again in the final stage";
}

/// A warning attached to a plan, with its code and the line it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: Code,
    pub line: Option<usize>,
    pub message: String,
}

impl Warning {
    /// The message with its code, as messages show it.
    pub fn display(&self) -> String {
        format!("{} [{}]", self.message, self.code)
    }

    /// A warning about `line` (or the whole file).
    pub fn new(code: Code, line: Option<usize>, message: impl Into<String>) -> Warning {
        Warning {
            code,
            line,
            message: message.into(),
        }
    }
}

/// Why a file is left as it is: a stable code, what is wrong (which may
/// name paths and packages) and, where there is one, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: Code,
    pub line: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Reason {
    /// A reason at a line.
    pub fn at(code: Code, line: usize, message: impl Into<String>) -> Reason {
        Reason {
            code,
            line: Some(line),
            message: message.into(),
            hint: None,
        }
    }

    /// A reason about the whole file.
    pub fn file(code: Code, message: impl Into<String>) -> Reason {
        Reason {
            code,
            line: None,
            message: message.into(),
            hint: None,
        }
    }

    /// The same reason with what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Reason {
        self.hint = Some(hint.into());
        self
    }

    /// The message and the hint, as one sentence for people.
    pub fn text(&self) -> String {
        match &self.hint {
            Some(h) => format!("{}; {h}", self.message),
            None => self.message.clone(),
        }
    }

    /// The text with its code, as messages show it (`…; add a WORKDIR [no-workdir]`).
    pub fn display(&self) -> String {
        format!("{} [{}]", self.text(), self.code)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let name = c.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{name}"
            );
            assert!(!c.description().is_empty());
        }
    }
}
