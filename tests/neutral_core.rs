//! The core knows no language by name: a made-up one, its template and rules
//! defined here, is registered, detected, planned and rendered with no
//! change to any core file.

use slimfile::assemble::{LanguagePlan, Payload, Stop};
use slimfile::context::Context;
use slimfile::lang::Registry;
use slimfile::lang::{Input, Registration, Rules};
use slimfile::plan::Flavor;
use slimfile::process::process_bytes;
use slimfile::process::Options;
use slimfile::report::Status;
use slimfile::template::{check_section, typed, Template};

const ZIG_TOML: &str = r#"
language = "zig"
display_name = "Zig"
tool_programs = ["zig"]

[detect]
images = ["ziglang/zig"]
context_files = [{ name = "build.zig", weight = 3 }]

[[detect.programs]]
name = "zig"
weight = 3
subcommands = ["build"]

[rules]
runtime = "debian:bookworm-slim"
binary = "/src/zig-out/bin/app"
"#;

/// The made-up language's own rules section.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ZigRules {
    runtime: String,
    binary: String,
}

struct Zig {
    t: Template<ZigRules>,
}

impl Rules for Zig {
    fn plan<'a>(&self, input: &Input<'a>) -> Result<LanguagePlan<'a>, Stop> {
        let bin = self.t.rules.binary.clone();
        let lp = LanguagePlan {
            language: self.t.language.clone(),
            flavor: input.flavor.unwrap_or(Flavor::Slim),
            runtime_image: self.t.rules.runtime.clone(),
            shell: true,
            known_users: None,
            user_ids: Default::default(),
            program_paths: Default::default(),
            builder_image: input.stage.base.as_ref().unwrap().raw.clone(),
            platform: None,
            glibc_to_musl: false,
            builder_edits: Vec::new(),
            payload: Payload::Artifacts(vec![bin]),
            payload_why: "the program".into(),
            packages: Vec::new(),
            tools: Vec::new(),
            reinstall: Vec::new(),
            cache_dirs: self.t.cache_dirs.clone(),
            builder_only: Vec::new(),
            own_commands: slimfile::lang::stage::own_commands(input.facts, &self.t, |_| false),
            tool_variables: Vec::new(),
            tool_copies: Vec::new(),
            builder_paths: Vec::new(),
            builder_files: Vec::new(),
            env: vec![("ZIG_LOG".into(), "warn only".into())],
            env_line: None,
            cmd: None,
            entrypoint: None,
            warnings: Vec::new(),
        };
        Ok(lp)
    }
}

fn zig() -> Registration {
    Registration {
        id: "zig",
        template: ZIG_TOML,
        load: Some(|table| {
            Ok(Box::new(Zig {
                t: typed::<ZigRules>(table)?,
            }))
        }),
        check: check_section::<Template<ZigRules>>,
        codes: &[],
    }
}

#[test]
fn a_language_registered_by_a_test_is_detected_planned_and_rendered() {
    let mut registrations = slimfile::lang::registrations();
    registrations.push(zig());
    let registry = Registry::build(&registrations, &Default::default()).unwrap();
    let opts = Options {
        templates: registry,
        ..Options::default()
    };
    let dockerfile = "FROM ziglang/zig:0.13\nWORKDIR /src\nCOPY . .\nRUN zig build -Doptimize=ReleaseSmall\nCMD [\"/src/zig-out/bin/app\"]\n";
    let p = process_bytes(dockerfile.as_bytes(), "Dockerfile", &Context::none(), opts);
    assert_eq!(
        p.report.status,
        Status::WouldRewrite,
        "{:?}",
        p.report.reason
    );
    assert_eq!(p.report.language.as_deref(), Some("zig"));
    assert_eq!(
        p.rewritten.unwrap(),
        "FROM ziglang/zig:0.13 AS builder\nWORKDIR /src\nCOPY . .\nRUN zig build -Doptimize=ReleaseSmall\nCMD [\"/src/zig-out/bin/app\"]\n\nFROM debian:bookworm-slim\nWORKDIR /src\nCOPY --from=builder /src/zig-out/bin/app /src/zig-out/bin/app\nENV ZIG_LOG=\"warn only\"\nCMD [\"/src/zig-out/bin/app\"]\n"
    );
}

#[test]
fn a_registered_language_s_overrides_are_checked_with_its_own_types() {
    let mut registrations = slimfile::lang::registrations();
    registrations.push(zig());
    let e = slimfile::config::parse("[templates.zig.rules]\nbinaryy = \"/x\"\n", &registrations)
        .unwrap_err();
    assert!(e.contains("line 2") && e.contains("binaryy"), "{e}");
    let c = slimfile::config::parse(
        "[templates.zig.rules]\nruntime = \"scratch\"\n",
        &registrations,
    )
    .unwrap();
    let t = typed::<ZigRules>(&c.registry.get("zig").unwrap().table).unwrap();
    assert_eq!(t.rules.runtime, "scratch");
    assert_eq!(t.rules.binary, "/src/zig-out/bin/app");
    // Without the registration the language is unknown.
    assert!(
        slimfile::config::parse("[templates.zig]\n", &slimfile::lang::registrations())
            .unwrap_err()
            .contains("no such language")
    );
}
