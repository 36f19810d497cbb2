//! Node image tags: reading them, and the runtime image of each flavour.

use super::*;

/// The C library and release a node tag stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Variant {
    /// `node:20`, `node:20-bookworm`: the full Debian image.
    Full { codename: Option<String> },
    /// `node:20-slim`, `node:20-bookworm-slim`.
    Slim,
    /// `node:20-alpine`, `node:20-alpine3.20` (musl).
    Alpine,
}

/// A node image reference read for the rewrite.
#[derive(Debug, Clone)]
pub(super) struct NodeTag {
    /// Everything before the tag (`docker.io/library/node`).
    pub(super) name: String,
    /// The tag as written (`20`, `${NODE_VERSION}`), `None` for no tag.
    pub(super) tag: Option<String>,
    /// The tag with an `ARG` default substituted, for reading.
    pub(super) known_tag: String,
    /// `20`, `lts`, `latest`: the part before the variant.
    pub(super) version: String,
    pub(super) variant: Variant,
    pub(super) major: Option<u32>,
    /// Whether the tag comes from an `ARG`.
    pub(super) from_arg: bool,
    /// The `ARG`'s default names the variant too (`ARG V=16.3.0-alpine`):
    /// the runtime can only be that same image, `FROM node:${V}` again.
    pub(super) variant_from_arg: bool,
}

pub(super) fn read_tag(
    image: &ImageRef,
    facts: &StageFacts,
    t: &NodeTemplate,
) -> Result<NodeTag, String> {
    let tag = image.tag.clone();
    let raw_tag = tag.clone().unwrap_or_else(|| "latest".into());
    let from_arg = raw_tag.contains('$');
    let mut variant_from_arg = false;
    let known_tag = if from_arg {
        let names = variables(&raw_tag);
        let mut known = raw_tag.clone();
        for name in &names {
            let Some(Some(default)) = facts.global_args.get(name) else {
                return Err(format!(
                    "the image tag uses ${name}, which has no default before the first FROM; \
                     give `ARG {name}=<version>` a default"
                ));
            };
            let lean = default
                .split_once('-')
                .is_some_and(|(_, v)| v.starts_with("alpine") || v.ends_with("slim"));
            variant_from_arg |= default.contains('-');
            if default.contains('-') && !lean {
                return Err(format!(
                    "the image tag comes from ARG {name}={default}, which names a Debian variant; \
                     slimfile composes a runtime tag only from a plain version such as `20`, or \
                     repeats an alpine or slim one"
                ));
            }
            known = known
                .replace(&format!("${{{name}}}"), default)
                .replace(&format!("${name}"), default);
        }
        if known.contains('$') {
            return Err(format!("cannot read the image tag `{raw_tag}`"));
        }
        known
    } else {
        raw_tag
    };
    let parts: Vec<&str> = known_tag.split('-').collect();
    let (version, rest) = match parts[0] {
        "alpine" | "slim" => ("latest".to_string(), &parts[..]),
        // `node:alpine3.19`: the newest node on that alpine release.
        p if p.starts_with("alpine") => ("latest".to_string(), &parts[..]),
        p if t.rules.images.debian_codenames.iter().any(|c| c == p) => {
            ("latest".to_string(), &parts[..])
        }
        p => (p.to_string(), &parts[1..]),
    };
    let variant = if rest.iter().any(|p| p.starts_with("alpine")) {
        Variant::Alpine
    } else if rest.contains(&"slim") {
        Variant::Slim
    } else {
        match rest {
            [] => Variant::Full { codename: None },
            [c] if t.rules.images.debian_codenames.iter().any(|k| k == c) => Variant::Full {
                codename: Some(c.to_string()),
            },
            _ => return Err(format!("unknown node image variant `{known_tag}`")),
        }
    };
    let major = version.split('.').next().and_then(|m| m.parse().ok());
    let name = match image.raw.find('@') {
        Some(at) => &image.raw[..at],
        None => &image.raw[..],
    };
    let name = match &tag {
        Some(t) => name[..name.len() - t.len() - 1].to_string(),
        None => name.to_string(),
    };
    Ok(NodeTag {
        name,
        tag,
        known_tag,
        version,
        variant,
        major,
        from_arg,
        variant_from_arg,
    })
}

impl NodeTag {
    /// The written tag with a suffix added (`20` → `20-slim`,
    /// `${V}` → `${V}-slim`), or a floating name mapped.
    pub(super) fn with_suffix(
        &self,
        suffix: &str,
        floating: &std::collections::BTreeMap<String, String>,
    ) -> String {
        let written = self.tag.clone().unwrap_or_else(|| "latest".into());
        if !self.from_arg {
            if let Some(mapped) = floating.get(&self.known_tag) {
                return mapped.clone();
            }
            if self.version == "latest" {
                // `node:bookworm` → `node:bookworm-slim`.
                return format!("{written}-{suffix}");
            }
        }
        format!("{written}-{suffix}")
    }

    pub(super) fn image(&self, tag: &str) -> String {
        format!("{}:{tag}", self.name)
    }
}

/// The runtime image for the flavour, or why there is none.
pub(super) fn runtime_image(
    tag: &NodeTag,
    flavor: Flavor,
    native: &Native,
    t: &NodeTemplate,
    line: usize,
) -> Result<String, Stop> {
    // The template's table first: a flavour it refuses for the language.
    crate::lang::flavor_refusal(&t.flavors, flavor, line)?;
    match (flavor, &tag.variant) {
        (Flavor::Slim, Variant::Slim) | (Flavor::Alpine, Variant::Alpine) if tag.variant_from_arg => {
            Ok(tag.image(tag.tag.as_deref().unwrap_or_default()))
        }
        (Flavor::Slim | Flavor::Alpine, _) if tag.variant_from_arg => Err(refused(
            Code::UnknownTag,
            line,
            format!(
                "the image tag comes from an ARG whose default `{}` names a variant, which the {} flavour would have to replace",
                tag.known_tag,
                flavor.name()
            ),
        )
        .hint(format!("use --flavor {}", if tag.variant == Variant::Alpine { "alpine" } else { "slim" }))),
        (Flavor::Slim, Variant::Alpine) => Err(refused(
            Code::MuslToGlibc,
            line,
            "the builder is alpine (musl): dependencies built there do not run on a glibc slim image",
        )
        .hint("use the default alpine flavour")),
        (Flavor::Slim, Variant::Slim) => Ok(tag.image(tag.tag.as_deref().unwrap_or("slim"))),
        (Flavor::Slim, Variant::Full { .. }) => Ok(tag.image(&tag.with_suffix("slim", &t.rules.images.floating_slim))),
        (Flavor::Alpine, Variant::Alpine) => Ok(tag.image(tag.tag.as_deref().unwrap_or("alpine"))),
        (Flavor::Alpine, _) if native.any() => Err(refused(
            Code::NativeOnMusl,
            line,
            format!(
                "--flavor alpine from a glibc builder: {}, and modules built on glibc fail on musl",
                native.describe()
            ),
        )
        .hint("use the slim flavour")),
        (Flavor::Alpine, variant) => {
            // The plain version tag, without the Debian release or `-slim`.
            let mut plain = tag.clone();
            if let Some(written) = &tag.tag {
                let mut stripped = written.replace("-slim", "");
                if let Variant::Full { codename: Some(c) } = variant {
                    stripped = stripped.replace(&format!("-{c}"), "");
                }
                if stripped == "slim" {
                    stripped = "latest".into();
                }
                plain.tag = Some(stripped.clone());
                plain.known_tag = stripped;
            }
            Ok(tag.image(&plain.with_suffix("alpine", &t.rules.images.floating_alpine)))
        }
        (Flavor::Distroless, Variant::Alpine) => Err(refused(Code::MuslToGlibc, line, "the builder is alpine (musl) and distroless is glibc").hint("use the alpine flavour")),
        (Flavor::Scratch, _) => Err(refused(
            Code::NoRuntimeImage,
            line,
            "the template has no scratch image for Node.js",
        )),
        (Flavor::Distroless, variant) => {
            let Some(major) = tag.major.filter(|m| t.rules.images.distroless.majors.contains(m)) else {
                return Err(refused(
                    Code::UnsupportedDistroless,
                    line,
                    format!(
                        "no supported distroless image for node `{}`: {} is published for majors {:?} only",
                        tag.known_tag,
                        t.flavors.distroless.image.split("{major}").next().unwrap_or_default(),
                        t.rules.images.distroless.majors
                    ),
                ));
            };
            if matches!(variant, Variant::Full { codename: Some(c) } if c == "forky") {
                return Err(refused(Code::UnsupportedDistroless, line, "the builder's Debian (forky) is newer than distroless debian13"));
            }
            Ok(t.flavors.distroless.image.replace("{major}", &major.to_string()))
        }
    }
}

/// On the builder's own lean image, with no dev dependency pruned and no
/// build tool left behind (`nothing_dropped`), the final stage drops only
/// what the build left outside the application: the package manager's
/// cache, say. The rewrite says so.
pub(super) fn small_gain(
    facts: &StageFacts,
    t: &NodeTemplate,
    tag: &NodeTag,
    nothing_dropped: bool,
    runtime_image: &str,
    app_dir: &str,
) -> Option<Warning> {
    (matches!(tag.variant, Variant::Slim | Variant::Alpine)
        && nothing_dropped
        && !carry::installs_build_tools(facts, t))
    .then(|| {
        Warning::new(
            Code::SmallGain,
            Some(facts.from.start_line),
            format!(
                "the final stage is on the builder's own image `{runtime_image}` and no dev dependency or build tool is dropped: the rewrite saves only what the build leaves outside {app_dir} (the package manager's cache, say)"
            ),
        )
    })
}

/// A slim final stage that installs packages (or a health check's tool)
/// with apt on a release Debian has archived is refused.
pub(super) fn check_archived_release(
    t: &NodeTemplate,
    flavor: Flavor,
    runtime_image: &str,
    tag: &NodeTag,
    packages: &[String],
    tools: &[String],
    line: usize,
) -> Result<(), Stop> {
    // The release is in the tag (`-buster-slim`) or, for a bare end-of-life
    // major (`node:14-slim`), the one its tag is frozen on.
    let images = &t.rules.images;
    let named = images
        .debian_codenames
        .iter()
        .chain(&images.archived_codenames)
        .find(|c| runtime_image.contains(&format!("-{c}")));
    let frozen = tag
        .major
        .and_then(|m| images.frozen_codenames.get(&m.to_string()));
    crate::runtime::check_archived_release(
        &crate::runtime::Release {
            flavor,
            runtime_image,
            codename: named.or(frozen).map(String::as_str),
            frozen: named.is_none(),
            archived: &images.archived_codenames,
        },
        packages,
        tools,
        line,
        "build on a supported release (node:<v>-bookworm), or write the final stage by hand",
    )
}
