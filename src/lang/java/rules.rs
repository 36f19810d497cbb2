//! The Java template's own `[rules]`: the runtime images of each vendor and
//! flavour, the majors they publish, what floating builder tags follow, and
//! the build's own files.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::template::Template;

/// The Java template, with its rules typed.
pub type JavaTemplate = Template<JavaRules>;

/// The `[rules]` of `templates/java.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JavaRules {
    /// The JRE images by vendor (`eclipse-temurin`, `ibm-semeru-runtimes`).
    pub runtimes: BTreeMap<String, Runtime>,
    /// distroless java, `{major}` filled in, and the majors it publishes.
    pub distroless_image: String,
    pub distroless_majors: Vec<String>,
    /// The Ubuntu releases the JDK images have named.
    pub ubuntu_codenames: Vec<String>,
    /// Name patterns of the build's own files (`*.java`, `pom.xml`, `src`).
    pub source_files: Vec<String>,
    /// What builder tags that name no JDK follow, by image and tag.
    pub floating: BTreeMap<String, BTreeMap<String, Pin>>,
    pub tomcat: Tomcat,
}

/// The official tomcat images.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tomcat {
    /// `CATALINA_HOME`, the images' working folder.
    pub home: String,
    /// The majors with `-jre<major>` tags.
    pub jre_majors: Vec<String>,
}

/// One vendor's JRE images: `{major}` and `{codename}` filled in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Runtime {
    pub slim: String,
    /// The same on a named Ubuntu release.
    pub slim_codename: String,
    /// Empty where the vendor has no alpine JRE.
    pub alpine: String,
    /// The majors with a JRE image, and with an alpine one.
    pub majors: Vec<String>,
    pub alpine_majors: Vec<String>,
    /// The Ubuntu releases its JRE images are published on.
    pub codenames: Vec<String>,
    /// What its slim and alpine images have besides java, and the first
    /// major of the slim ones that lacks a program.
    pub programs: Vec<String>,
    pub programs_until: BTreeMap<String, u32>,
    pub alpine_programs: Vec<String>,
}

/// The JDK a floating tag resolves to now, and the tag that names it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pin {
    pub major: String,
    pub tag: String,
}
