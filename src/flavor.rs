//! The flavours of a final stage: slim (glibc), alpine (musl), distroless
//! and scratch.

use serde::Serialize;

/// The `--flavor` of the final stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Slim,
    Alpine,
    Distroless,
    Scratch,
}

impl Flavor {
    /// Every flavour, in the order `--help` lists them.
    pub const ALL: [Flavor; 4] = [
        Flavor::Slim,
        Flavor::Alpine,
        Flavor::Distroless,
        Flavor::Scratch,
    ];

    /// The flavour with this name.
    pub fn from_name(name: &str) -> Option<Flavor> {
        Flavor::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Slim => "slim",
            Flavor::Alpine => "alpine",
            Flavor::Distroless => "distroless",
            Flavor::Scratch => "scratch",
        }
    }
}
