//! The Go template's own `[rules]`: where `go install` writes, the modules
//! that need cgo, the build's own files, and how golang tags are read.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::template::Template;

/// The Go template, with its rules typed.
pub type GoTemplate = Template<GoRules>;

/// The `[rules]` of `templates/go.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoRules {
    /// `GOPATH` on the official images (`/go`).
    pub gopath: String,
    /// The `PATH` the golang images set.
    pub image_path: String,
    /// Modules that compile without cgo and then fail at run time.
    pub cgo_modules: Vec<String>,
    /// Those that compile without cgo and fail only at run time: looked
    /// for in go.sum too.
    pub silent_cgo_modules: Vec<String>,
    /// Name patterns of the build's own files (`*.go`, `go.mod`, `vendor`).
    pub source_files: Vec<String>,
    /// The CA bundle and the zone database on the builder images.
    pub ca_bundle: String,
    pub zoneinfo: String,
    /// Go's own zone database, for builders without tzdata (alpine).
    pub alpine_zoneinfo: String,
    /// The distroless image for a binary that links glibc.
    pub distroless_cgo: String,
    /// The releases a static binary runs on where the builder's tag names
    /// none (a static binary links no C library of the builder's).
    pub static_codename: String,
    pub static_alpine: String,
    pub images: GoImages,
}

/// How golang tags are read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoImages {
    pub debian_codenames: Vec<String>,
    /// The Debian release a version's tag without a codename names, where
    /// it never moved.
    pub default_codenames: BTreeMap<String, String>,
    /// The release to pin a tag whose release moved to, for a slim runtime.
    pub pin_codenames: BTreeMap<String, String>,
}
