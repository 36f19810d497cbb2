//! JDK image tags: the JDK major, its vendor, the Ubuntu release or alpine,
//! whether the image is a JRE already, and the runtime image of each
//! flavour. maven tags name the JDK after the maven version
//! (`3.9-eclipse-temurin-21-noble`), gradle tags as `jdk<major>`
//! (`8.5-jdk17-alpine`), the JDK images themselves first (`21-jdk-jammy`,
//! `17.0.9_9-jre-alpine`, `open-17-jdk-noble`).

use super::*;

/// A JDK image's tag, read.
#[derive(Debug, Clone)]
pub(super) struct JavaTag {
    /// The tag with `ARG` defaults substituted.
    pub(super) known_tag: String,
    /// The JDK's major version (`21`).
    pub(super) major: String,
    /// The vendor whose JRE images the runtime is (a `[rules.runtimes]` key).
    pub(super) runtime: String,
    /// Why the runtime's vendor is not the builder's (`openjdk` images
    /// have had no updates since 2022).
    pub(super) vendor_note: Option<String>,
    /// The Ubuntu release the tag names.
    pub(super) codename: Option<String>,
    /// An alpine builder (musl).
    pub(super) alpine: bool,
    /// The image is a JRE already: there is no JDK to drop.
    pub(super) jre: bool,
    /// The tag that names the JDK a floating tag follows now (`maven:3` →
    /// `3-eclipse-temurin-26`).
    pub(super) pin: Option<String>,
    /// The tag as written has no variable and no digest (it can be edited).
    pub(super) literal: bool,
}

/// The image families slimfile reads tags of.
const FAMILIES: &[&str] = &[
    "maven",
    "gradle",
    "eclipse-temurin",
    "openjdk",
    "amazoncorretto",
    "ibm-semeru-runtimes",
    "sapmachine",
];

/// Reads the tag of an official JDK, maven or gradle image; or why it
/// cannot be read.
pub(super) fn read_tag(
    image: &ImageRef,
    facts: &StageFacts,
    t: &JavaTemplate,
) -> Result<JavaTag, String> {
    let family = image.official_name();
    if !FAMILIES.contains(&family) {
        return Err(format!(
            "`{}` is not an image slimfile reads JDK tags of",
            image.raw
        ));
    }
    let raw = image.tag.clone().unwrap_or_else(|| "latest".into());
    let known = crate::lang::stage::known_tag(image, facts)?;
    let parts: Vec<&str> = known.split('-').collect();
    let is_major = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    // The major at the front of a version (`17.0.9_9`, `8u392`, `21`).
    let leading_major = |p: &str| {
        let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
        (!digits.is_empty()).then_some(digits)
    };
    let mut pin = None;
    let mut vendor = "eclipse-temurin";
    let (major, rest): (String, Vec<&str>) = match family {
        "maven" => {
            // <maven>-<vendor>-<major>[-<os>]; older: <maven>-jdk-<major>,
            // <maven>-openjdk-<major>[-slim].
            let vendors: &[(&[&str], &str)] = &[
                (&["eclipse", "temurin"], "eclipse-temurin"),
                (&["ibm", "semeru"], "ibm-semeru-runtimes"),
                (&["amazoncorretto"], "amazoncorretto"),
                (&["sapmachine"], "sapmachine"),
                (&["openjdk"], "openjdk"),
                (&["jdk"], "openjdk"),
                (&["adoptopenjdk"], "eclipse-temurin"),
                (&["ibmjava"], "ibmjava"),
            ];
            let found = vendors.iter().find_map(|(words, v)| {
                (1..parts.len()).find_map(|at| {
                    let end = at + words.len();
                    (end < parts.len() && parts[at..end] == **words && is_major(parts[end]))
                        .then(|| (*v, parts[end].to_string(), parts[end + 1..].to_vec()))
                })
            });
            match found {
                Some((v, m, rest)) => {
                    vendor = v;
                    (m, rest)
                }
                None => {
                    let p = floating(t, "maven", &known)?;
                    pin = Some(p.tag.clone());
                    (p.major.clone(), Vec::new())
                }
            }
        }
        "gradle" => {
            // [<gradle>-]jdk<major>[-<os|variant>]; `jdk` alone is the line's default.
            match parts.iter().position(|p| p.starts_with("jdk")) {
                Some(at) if is_major(&parts[at][3..]) => {
                    (parts[at][3..].to_string(), parts[at + 1..].to_vec())
                }
                _ => {
                    let p = floating(t, "gradle", &known)?;
                    pin = Some(p.tag.clone());
                    (p.major.clone(), Vec::new())
                }
            }
        }
        "ibm-semeru-runtimes" => {
            // open-<major>-jdk[-<codename>], open-17.0.9_9-jdk, certified-…
            vendor = "ibm-semeru-runtimes";
            match parts.get(1).and_then(|p| leading_major(p)) {
                Some(m) => (m, parts[2..].to_vec()),
                None => return Err(format!("cannot read the JDK of `{}`", image.raw)),
            }
        }
        _ => {
            vendor = family;
            match leading_major(parts[0]) {
                Some(m) => (m, parts[1..].to_vec()),
                None => {
                    return Err(format!(
                        "the tag `{known}` does not name the JDK's major version; name it (`{family}:21-jdk`)"
                    ))
                }
            }
        }
    };
    let mut codename = None;
    let mut alpine = false;
    let mut jre = false;
    let mut other: Vec<&str> = Vec::new();
    for p in rest {
        match p {
            "jdk" | "slim" | "headless" | "headful" | "full" => {}
            // Other glibc systems (Debian, Oracle Linux, Amazon Linux,
            // UBI): the jar does not care which.
            "debian" | "stretch" | "buster" | "bullseye" | "bookworm" | "trixie" | "oracle"
            | "al2" | "al2023" | "ubi" | "minimal" | "native" => {}
            p if p.starts_with("oraclelinux") || p.starts_with("ubi") => {}
            "jre" => jre = true,
            // sapmachine's -ubuntu-<codename>, gradle's -corretto, -graal.
            "ubuntu" => {}
            "corretto" => vendor = "amazoncorretto",
            "graal" => vendor = "graalvm",
            p if p.starts_with("alpine") => alpine = true,
            p if t.rules.ubuntu_codenames.iter().any(|c| c == p) => codename = Some(p.to_string()),
            p => other.push(p),
        }
    }
    if let Some(p) = other.first() {
        return Err(format!(
            "the tag `{known}` names a variant (`{p}`) slimfile has no JRE image for"
        ));
    }
    // amazoncorretto's `8-alpine-jre`, `8-al2023-jre`: a JRE.
    let (runtime, vendor_note) = match vendor {
        "eclipse-temurin" => ("eclipse-temurin".to_string(), None),
        v if t.rules.runtimes.contains_key(v) => (v.to_string(), None),
        "openjdk" => (
            "eclipse-temurin".to_string(),
            Some("the openjdk images have had no updates since 2022: the runtime is eclipse-temurin's JRE of the same major".to_string()),
        ),
        "amazoncorretto" => (
            "eclipse-temurin".to_string(),
            Some("amazoncorretto publishes no JRE image after 8: the runtime is eclipse-temurin's JRE of the same major".to_string()),
        ),
        "graalvm" => (
            "eclipse-temurin".to_string(),
            Some("the builder's JDK is GraalVM: the jar runs on eclipse-temurin's JRE of the same major".to_string()),
        ),
        other => {
            return Err(format!(
                "the builder's JDK is {other}'s, whose JVM slimfile has no JRE image for"
            ))
        }
    };
    Ok(JavaTag {
        literal: !raw.contains('$') && image.digest.is_none(),
        known_tag: known,
        major,
        runtime,
        vendor_note,
        codename,
        alpine,
        jre,
        pin,
    })
}

/// What a tag that names no JDK follows now, or why it cannot be told.
fn floating<'t>(t: &'t JavaTemplate, family: &str, tag: &str) -> Result<&'t Pin, String> {
    t.rules
        .floating
        .get(family)
        .and_then(|tags| tags.get(tag))
        .ok_or_else(|| {
            format!(
                "the tag `{tag}` does not name the JDK, and slimfile does not know which one it has: name it (`{family}:{}`)",
                if family == "maven" { "3.9-eclipse-temurin-21" } else { "8-jdk21" }
            )
        })
}

/// The runtime image of a flavour, or why there is none.
pub(super) fn runtime_image(
    tag: &JavaTag,
    flavor: Flavor,
    t: &JavaTemplate,
    line: usize,
) -> Result<String, Stop> {
    let major = &tag.major;
    let none = |what: String| {
        refused(Code::NoRuntimeImage, line, what)
            .hint("move the build to a major the runtime images publish, or use another flavour")
    };
    let r = t
        .rules
        .runtimes
        .get(&tag.runtime)
        .expect("read_tag names a runtime of the template");
    match flavor {
        Flavor::Scratch => {
            crate::lang::flavor_refusal(&t.flavors, flavor, line)?;
            Err(none("scratch has no Java runtime".into()))
        }
        Flavor::Distroless => {
            if tag.alpine {
                return Err(refused(
                    Code::MuslToGlibc,
                    line,
                    "the builder is alpine, and distroless java is Debian: what the build fetched for musl may not run there",
                )
                .hint("use --flavor alpine"));
            }
            if !t.rules.distroless_majors.contains(major) {
                return Err(refused(
                    Code::UnsupportedDistroless,
                    line,
                    format!(
                        "distroless publishes java{} only; the build's JDK is {major}",
                        t.rules.distroless_majors.join(", java")
                    ),
                )
                .hint("use --flavor slim"));
            }
            Ok(t.rules.distroless_image.replace("{major}", major))
        }
        Flavor::Alpine => {
            if r.alpine.is_empty() || !r.alpine_majors.contains(major) {
                return Err(none(format!(
                    "{} publishes no alpine JRE image of Java {major}",
                    tag.runtime
                )));
            }
            Ok(r.alpine.replace("{major}", major))
        }
        Flavor::Slim => {
            if tag.alpine {
                return Err(refused(
                    Code::MuslToGlibc,
                    line,
                    "the builder is alpine, and the slim JRE images are glibc: what the build fetched for musl may not run there",
                )
                .hint("use --flavor alpine"));
            }
            if !r.majors.contains(major) {
                return Err(none(format!(
                    "{} publishes no maintained JRE image of Java {major}",
                    tag.runtime
                )));
            }
            let named = tag
                .codename
                .as_ref()
                .filter(|c| r.codenames.contains(c) && !r.slim_codename.is_empty());
            Ok(match named {
                Some(c) => r
                    .slim_codename
                    .replace("{major}", major)
                    .replace("{codename}", c),
                None => r.slim.replace("{major}", major),
            })
        }
    }
}

/// The builder edit that pins a floating tag to the one naming the JDK it
/// follows now (`maven:3` → `maven:3-eclipse-temurin-26`).
pub(super) fn pin_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    image: &ImageRef,
    pinned_tag: &str,
) -> Option<BuilderEdit> {
    let span = facts.from.text_span.clone();
    let text = file.text(span.clone());
    let at = span.start + text.find(&image.raw)?;
    let name = match &image.tag {
        Some(tag) => image.raw.strip_suffix(&format!(":{tag}"))?,
        None => image.raw.as_str(),
    };
    Some(BuilderEdit {
        range: at..at + image.raw.len(),
        text: format!("{name}:{pinned_tag}"),
        why: format!(
            "`{}` follows the newest JDK, which changes: pinned to the tag that names the JDK it has now, whose JRE the final stage runs",
            image.raw
        ),
    })
}
