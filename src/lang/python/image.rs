//! Python image tags: reading them, and the runtime image of each flavour.
//! python's slim tags put `slim` before the Debian codename
//! (`3.12-slim-bookworm`), unlike node's `20-bookworm-slim`.

use super::*;

/// The C library and release a python tag stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Variant {
    /// `python:3.12`, `python:3.12-bookworm`: the full Debian image.
    Full { codename: Option<String> },
    /// `python:3.12-slim`, `python:3.12-slim-bookworm`.
    Slim { codename: Option<String> },
    /// `python:3.12-alpine`, `python:3.12-alpine3.20` (musl).
    Alpine,
}

/// A python image reference read for the rewrite.
#[derive(Debug, Clone)]
pub(super) struct PythonTag {
    /// Everything before the tag (`docker.io/library/python`).
    pub(super) name: String,
    /// The tag as written (`3.12`, `${PYTHON_VERSION}`), `None` for no tag.
    pub(super) tag: Option<String>,
    /// The tag with `ARG` defaults substituted, for reading.
    pub(super) known_tag: String,
    pub(super) variant: Variant,
    /// An `ARG`'s default names the variant (`ARG V=3.12-bookworm`): no
    /// runtime tag can be composed from the written one.
    pub(super) variant_from_arg: bool,
}

impl PythonTag {
    /// The Debian release the tag names, if it names one.
    pub(super) fn codename(&self) -> Option<&str> {
        match &self.variant {
            Variant::Full { codename } | Variant::Slim { codename } => codename.as_deref(),
            Variant::Alpine => None,
        }
    }
}

/// Reads the tag of an official python image, with the `ARG` defaults
/// before the first `FROM`; or why it cannot be read.
pub(super) fn read_tag(
    image: &ImageRef,
    facts: &StageFacts,
    t: &PythonTemplate,
) -> Result<PythonTag, String> {
    let tag = image.tag.clone();
    let raw_tag = tag.clone().unwrap_or_else(|| "latest".into());
    let mut variant_from_arg = false;
    let mut known_tag = raw_tag.clone();
    for name in variables(&raw_tag) {
        let Some(Some(default)) = facts.global_args.get(&name) else {
            return Err(format!(
                "the image tag uses ${name}, which has no default before the first FROM; \
                 give `ARG {name}=<version>` a default"
            ));
        };
        variant_from_arg |= default.contains('-');
        known_tag = known_tag
            .replace(&format!("${{{name}}}"), default)
            .replace(&format!("${name}"), default);
    }
    if known_tag.contains('$') {
        return Err(format!("cannot read the image tag `{raw_tag}`"));
    }
    let codenames = &t.rules.images.debian_codenames;
    let is_codename = |p: &str| codenames.iter().any(|c| c == p);
    let parts: Vec<&str> = known_tag.split('-').collect();
    // The version comes first, unless the tag is only a variant
    // (`python:slim`, `python:alpine3.20`, `python:bookworm`); a release
    // candidate's `rc` belongs to it (`3.14-rc-slim`).
    let first = parts[0];
    let mut rest: &[&str] = if first == "slim" || first.starts_with("alpine") || is_codename(first)
    {
        &parts[..]
    } else {
        &parts[1..]
    };
    if rest.first() == Some(&"rc") {
        rest = &rest[1..];
    }
    let codename = rest.iter().find(|p| is_codename(p)).map(|c| c.to_string());
    let variant = if rest.iter().any(|p| p.starts_with("alpine")) && rest.len() == 1 {
        Variant::Alpine
    } else {
        match rest {
            [] => Variant::Full { codename: None },
            [c] if is_codename(c) => Variant::Full { codename },
            ["slim"] => Variant::Slim { codename: None },
            ["slim", c] if is_codename(c) => Variant::Slim { codename },
            _ => return Err(format!("unknown python image variant `{known_tag}`")),
        }
    };
    let name = image.raw.split('@').next().unwrap_or(&image.raw);
    let name = match &tag {
        Some(t) => name[..name.len() - t.len() - 1].to_string(),
        None => name.to_string(),
    };
    Ok(PythonTag {
        name,
        tag,
        known_tag,
        variant,
        variant_from_arg,
    })
}

/// The runtime image for the flavour, or why there is none: slim is the
/// same version's slim tag on the same release; alpine only from an alpine
/// builder, since wheels are built for one C library.
pub(super) fn runtime_image(
    tag: &PythonTag,
    image: &ImageRef,
    flavor: Flavor,
    t: &PythonTemplate,
    line: usize,
) -> Result<String, Stop> {
    crate::lang::flavor_refusal(&t.flavors, flavor, line)?;
    let written = tag.tag.clone().unwrap_or_else(|| "latest".into());
    let same = || image.raw.clone();
    match (flavor, &tag.variant) {
        (Flavor::Slim, Variant::Slim { .. }) | (Flavor::Alpine, Variant::Alpine) => Ok(same()),
        (Flavor::Slim, Variant::Full { .. }) if tag.variant_from_arg => Err(refused(
            Code::UnknownTag,
            line,
            format!(
                "the image tag `{written}` comes from an ARG whose default names a Debian release (`{}`); slimfile composes a slim tag only from a plain version such as `3.12`",
                tag.known_tag
            ),
        )
        .hint("give the ARG a plain version and name the release in the FROM (python:${V}-bookworm)")),
        (Flavor::Slim, Variant::Full { codename: None }) => Ok(if written == "latest" {
            format!("{}:slim", tag.name)
        } else {
            format!("{}:{written}-slim", tag.name)
        }),
        (Flavor::Slim, Variant::Full { codename: Some(c) }) => {
            let version = written
                .strip_suffix(&format!("-{c}"))
                .filter(|v| !v.is_empty() && *v != c);
            Ok(match version {
                Some(v) => format!("{}:{v}-slim-{c}", tag.name),
                None => format!("{}:slim-{c}", tag.name),
            })
        }
        (Flavor::Slim, Variant::Alpine) => Err(refused(
            Code::MuslToGlibc,
            line,
            format!(
                "the builder `{}` is alpine (musl): the packages it installed are built for musl and fail on a glibc slim image",
                image.raw
            ),
        )
        .hint("use --flavor alpine")),
        (Flavor::Alpine, _) => Err(refused(
            Code::NativeOnMusl,
            line,
            format!(
                "the builder `{}` is Debian (glibc): the wheels pip installed there are built for glibc and fail on musl",
                image.raw
            ),
        )
        .hint("use --flavor slim, or build FROM python:<v>-alpine")),
        (Flavor::Distroless | Flavor::Scratch, _) => Err(refused(
            Code::NoRuntimeImage,
            line,
            format!("no {} image for python", flavor.name()),
        )),
    }
}
