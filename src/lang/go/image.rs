//! golang tags: the version, the Debian release or the alpine one, and the
//! runtime image of each flavour.

use super::*;

/// A golang tag, read.
#[derive(Debug, Clone)]
pub(super) struct GoTag {
    /// The tag with `ARG` defaults substituted.
    pub(super) known_tag: String,
    /// The Debian release the tag names, or its version always named.
    pub(super) codename: Option<String>,
    /// An alpine builder, with the release its tag names (`alpine3.20` → `3.20`).
    pub(super) alpine: Option<Option<String>>,
    /// The release to pin the builder to where its tag names none and its
    /// release moved (`1.24` → `trixie`), and the tag's own text.
    pub(super) pin: Option<String>,
    /// The tag as written has no variable (it can be edited in place).
    pub(super) literal: bool,
}

/// Reads the tag of an official golang image, with the `ARG` defaults
/// before the first `FROM`; or why it cannot be read.
pub(super) fn read_tag(
    image: &ImageRef,
    facts: &StageFacts,
    t: &GoTemplate,
) -> Result<GoTag, String> {
    let raw = image.tag.clone().unwrap_or_else(|| "latest".into());
    let known = crate::lang::stage::known_tag(image, facts)?;
    let codenames = &t.rules.images.debian_codenames;
    let is_codename = |p: &str| codenames.iter().any(|c| c == p);
    let parts: Vec<&str> = known.split('-').collect();
    let is_version = |p: &str| p.chars().next().is_some_and(|c| c.is_ascii_digit());
    let (version, rest) = if is_version(parts[0]) {
        (Some(parts[0]), &parts[1..])
    } else if parts[0] == "latest" {
        (None, &parts[1..])
    } else {
        (None, &parts[..])
    };
    // `1.22rc1` and `1.22.3` both belong to 1.22.
    let minor = version.map(|v| {
        let v: String = v
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        v.split('.').take(2).collect::<Vec<_>>().join(".")
    });
    // `1.24.3` is 1.24's; `1`, `latest` and no tag float.
    let key = minor.clone().unwrap_or_else(|| parts[0].to_string());
    let pin = rest
        .is_empty()
        .then(|| t.rules.images.pin_codenames.get(&key).cloned())
        .flatten();
    let (codename, alpine) = match rest {
        [] => (
            minor
                .as_ref()
                .and_then(|m| t.rules.images.default_codenames.get(m).cloned()),
            None,
        ),
        [c] if is_codename(c) => (Some(c.to_string()), None),
        [a] if a.starts_with("alpine") => {
            let release = a.trim_start_matches("alpine");
            (
                None,
                Some((!release.is_empty()).then(|| release.to_string())),
            )
        }
        _ => return Err(format!("unknown golang image variant `{known}`")),
    };
    Ok(GoTag {
        literal: !raw.contains('$') && image.digest.is_none(),
        known_tag: known,
        codename,
        alpine,
        pin,
    })
}

/// The runtime image of a flavour, or why there is none.
pub(super) fn runtime_image(
    tag: &GoTag,
    flavor: Flavor,
    cgo: bool,
    t: &GoTemplate,
    line: usize,
) -> Result<String, Stop> {
    match flavor {
        Flavor::Scratch if cgo => Err(refused(
            CGO_NEEDS_LIBC,
            line,
            "the build uses cgo, so the binary links the C library, and scratch has none",
        )
        .hint("use --flavor slim, or build without cgo (CGO_ENABLED=0)")),
        Flavor::Scratch => Ok("scratch".into()),
        Flavor::Distroless if cgo && tag.alpine.is_some() => Err(refused(
            CGO_NEEDS_LIBC,
            line,
            "the build uses cgo on alpine, so the binary links musl, and distroless has glibc",
        )
        .hint("use --flavor alpine")),
        Flavor::Distroless if cgo => Ok(t.rules.distroless_cgo.clone()),
        Flavor::Distroless => Ok(t.flavors.distroless.image.clone()),
        Flavor::Slim if cgo && tag.alpine.is_some() => Err(refused(
            Code::MuslToGlibc,
            line,
            "the build uses cgo on alpine, so the binary links musl, and debian slim has glibc",
        )
        .hint("use --flavor alpine")),
        Flavor::Slim => match tag.codename.as_ref().or(tag.pin.as_ref().filter(|_| tag.literal)) {
            Some(c) if tag.alpine.is_none() => Ok(format!("debian:{c}-slim")),
            // A static binary runs on any release.
            _ if !cgo => Ok(format!("debian:{}-slim", t.rules.static_codename)),
            Some(c) => Ok(format!("debian:{c}-slim")),
            None => Err(refused(
                Code::UnknownTag,
                line,
                format!(
                    "the tag `{}` does not say which Debian release the builder is, and the slim runtime must be the same one",
                    tag.known_tag
                ),
            )
            .hint("name the release in the tag (golang:1.22-bookworm)")),
        },
        Flavor::Alpine if cgo && tag.alpine.is_none() => Err(refused(
            Code::NativeOnMusl,
            line,
            "the build uses cgo on a glibc builder, so the binary links glibc, and alpine has musl",
        )
        .hint("use --flavor slim")),
        Flavor::Alpine => match tag.alpine.clone().flatten() {
            Some(release) => Ok(format!("alpine:{release}")),
            // A static binary needs no musl of the builder's.
            None if !cgo => Ok(format!("alpine:{}", t.rules.static_alpine)),
            None => Err(refused(
                Code::UnknownTag,
                line,
                format!(
                    "the tag `{}` does not say which alpine release to run on",
                    tag.known_tag
                ),
            )
            .hint("name the alpine release in the tag (golang:1.22-alpine3.20): a cgo binary needs the musl it was built against")),
        },
    }
}

/// The builder edit that pins a tag whose Debian release moved to the one
/// the slim runtime is made for (`golang:1.24` → `golang:1.24-trixie`): the
/// tag's own text, with the codename added.
pub(super) fn pin_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    image: &ImageRef,
    codename: &str,
) -> Option<BuilderEdit> {
    let span = facts.from.text_span.clone();
    let text = file.text(span.clone());
    let at = span.start + text.find(&image.raw)?;
    // The image's text replaced (not an insertion at its end, where
    // ` AS builder` goes too). No tag or `latest`: the codename is the tag
    // (`golang:trixie`); a digest cannot be pinned by a tag.
    if image.digest.is_some() {
        return None;
    }
    let pinned = match image.tag.as_deref() {
        None => format!("{}:{codename}", image.raw),
        Some("latest") => format!("{}:{codename}", image.raw.strip_suffix(":latest")?),
        Some(_) => format!("{}-{codename}", image.raw),
    };
    Some(BuilderEdit {
        range: at..at + image.raw.len(),
        text: pinned,
        why: format!(
            "`{}` has pointed at more than one Debian release: pinned to {codename}, the release of the slim runtime",
            image.raw
        ),
    })
}

/// A builder on `$BUILDPLATFORM` writes a binary for the target platform
/// only where its build takes the target from `TARGETOS`/`TARGETARCH` (or
/// `TARGETPLATFORM`), on the build's line or in an `ENV`; otherwise the
/// binary is for the build machine, and the file is refused.
pub(super) fn check_cross_build(
    file: &Dockerfile,
    facts: &StageFacts,
    platform: &str,
    line: usize,
) -> Result<(), Stop> {
    let targets = |text: &str| {
        ["TARGETARCH", "TARGETPLATFORM"]
            .iter()
            .any(|v| text.contains(&format!("${v}")) || text.contains(&format!("${{{v}}}")))
    };
    let in_env = facts.env.iter().any(|(k, _, at)| {
        k == "GOARCH"
            && facts
                .instructions
                .iter()
                .find(|i| i.start_line == *at)
                .is_some_and(|i| targets(file.text(i.text_span.clone())))
    });
    let on_build = facts.runs().any(|r| {
        let text = file.text(r.text_span.clone());
        (text.contains("go build") || text.contains("go install"))
            && text.contains("GOARCH")
            && targets(text)
    });
    if in_env || on_build {
        return Ok(());
    }
    Err(refused(
        Code::BuildPlatform,
        line,
        format!("FROM --platform={platform}: the build does not take its target from TARGETARCH, so the binary is for the build machine, not the platform it runs on"),
    )
    .hint("build with GOOS=$TARGETOS GOARCH=$TARGETARCH (ARG TARGETOS TARGETARCH), or drop --platform"))
}
