//! Tomcat: a war (or an exploded app) the stage puts in Tomcat's folder,
//! run by `catalina.sh run` on the same Tomcat with a JRE in place of the
//! JDK (`tomcat:10.1-jdk17` → `tomcat:10.1-jre17`, as docker-library/tomcat
//! publishes both). There is no distroless, alpine or scratch Tomcat.

use super::*;

/// Plans the rewrite of a stage on an official tomcat image.
pub(super) fn plan_tomcat<'a>(
    image: &ImageRef,
    platform: Option<String>,
    facts: &'a StageFacts<'a>,
    ctx: &Context,
    t: &JavaTemplate,
    asked: Option<Flavor>,
) -> Result<LanguagePlan<'a>, Stop> {
    let line = facts.from.start_line;
    let mut warnings = Vec::new();
    let known = crate::lang::stage::known_tag(image, facts)
        .map_err(|e| refused(Code::UnknownTag, line, e))?;
    let parts: Vec<&str> = known.split('-').collect();
    let java = parts
        .iter()
        .position(|p| p.starts_with("jdk") || p.starts_with("jre"));
    let Some(at) = java.filter(|&at| {
        at > 0 && parts[at][3..].chars().all(|c| c.is_ascii_digit()) && parts[at].len() > 3
    }) else {
        return Err(refused(
            Code::UnknownTag,
            line,
            format!("the tag `{known}` does not name Tomcat's JDK, which moves with each release"),
        )
        .hint("name it (tomcat:10.1-jdk17)"));
    };
    if parts[at].starts_with("jre") {
        return Err(Stop::Unchanged(Reason::at(
            Code::NothingToGain,
            line,
            format!(
                "the base `{}` runs Tomcat on a JRE already: there is no JDK to drop",
                image.raw
            ),
        )));
    }
    let major = &parts[at][3..];
    let flavor = asked.unwrap_or(Flavor::Slim);
    if flavor != Flavor::Slim {
        return Err(refused(
            Code::NoRuntimeImage,
            line,
            format!(
                "Tomcat has no {} image: its JRE images are Ubuntu's",
                flavor.name()
            ),
        )
        .hint("use --flavor slim"));
    }
    if !t.rules.tomcat.jre_majors.iter().any(|m| m == major) {
        return Err(refused(
            Code::NoRuntimeImage,
            line,
            format!("Tomcat publishes no JRE image of Java {major}"),
        ));
    }
    // The vendor and release after the JDK: temurin's are kept; others'
    // JRE tags are no longer published, and temurin's stand in.
    let rest = &parts[at + 1..];
    let suffix = match rest.first() {
        None => String::new(),
        Some(&"temurin") => format!("-{}", rest.join("-")),
        Some(v) => {
            warnings.push(Warning::new(
                VENDOR_MAPPED,
                Some(line),
                format!("Tomcat's {v} JRE images are no longer published: the runtime is its eclipse-temurin JRE of the same major"),
            ));
            String::new()
        }
    };
    let name = match &image.tag {
        Some(tag) => image
            .raw
            .strip_suffix(&format!(":{tag}"))
            .unwrap_or(&image.raw),
        None => &image.raw,
    };
    let runtime_image = format!(
        "{}:{}-jre{major}{suffix}",
        name.split('@').next().unwrap_or(name),
        parts[..at].join("-")
    );

    // What the stage put in Tomcat's folder: its copies from the context
    // and what its RUNs wrote there; the rest of the folder is the image's.
    let home = t.rules.tomcat.home.as_str();
    let mut payload: Vec<String> = Vec::new();
    let mut add = |p: String| {
        if crate::paths::is_within(&p, home)
            && p != home
            && !payload.iter().any(|q| crate::paths::is_within(&p, q))
        {
            payload.retain(|q| !crate::paths::is_within(q, &p));
            payload.push(p);
        }
    };
    for c in facts.copies.iter().filter(|c| c.from.is_none()) {
        let dest = crate::paths::normalize(&c.dest);
        let into = c.dest.ends_with('/') || c.sources.len() > 1;
        if into {
            for s in &c.sources {
                let name = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
                // A pattern or a folder's contents: the folder they land in.
                let many = name.contains(['*', '?', '['])
                    || name == "."
                    || name.is_empty()
                    || ctx
                        .dir()
                        .is_some_and(|d| d.join(s.trim_start_matches("./")).is_dir());
                if many {
                    add(dest.clone());
                } else {
                    add(format!("{}/{name}", dest.trim_end_matches('/')));
                }
            }
        } else {
            add(dest);
        }
    }
    for (_, c) in facts.run_commands() {
        for w in &c.writes {
            if let (Some(p), crate::shell::WriteKind::Content | crate::shell::WriteKind::Folder) =
                (&w.path, w.kind)
            {
                add(p.clone());
            }
        }
    }
    if payload.is_empty() {
        return Err(Stop::Unchanged(Reason::at(
            Code::NothingToGain,
            line,
            "the stage puts nothing in Tomcat's folder: there is no application to run",
        )));
    }
    payload.sort();
    if !facts
        .runs()
        .any(|r| r.args.contains("mvn") || r.args.contains("gradle"))
    {
        warnings.push(Warning::new(
            PREBUILT_JAR,
            None,
            "no RUN builds the application, which comes from the build context: the final stage gains only the JRE in place of the JDK",
        ));
    }
    let tools = crate::runtime::healthcheck_tools(
        facts,
        ctx,
        flavor,
        t,
        &["java", "catalina.sh"],
        &crate::carry::copied_files(facts),
        false,
        &mut warnings,
    )?;
    Ok(LanguagePlan {
        language: t.language.clone(),
        flavor,
        runtime_image,
        shell: true,
        known_users: t.flavors.get(flavor).users.clone(),
        user_ids: t.base_config.user_ids.clone(),
        program_paths: Default::default(),
        builder_image: image.raw.clone(),
        platform,
        glibc_to_musl: false,
        builder_edits: Vec::new(),
        payload: Payload::Artifacts(payload),
        payload_why:
            "what the stage put in Tomcat's folder: the rest of it is the runtime image's own"
                .into(),
        packages: Vec::new(),
        tools,
        reinstall: Vec::new(),
        cache_dirs: t.cache_dirs.clone(),
        builder_only: Vec::new(),
        own_commands: crate::lang::stage::own_commands(facts, t, |_| false),
        tool_variables: t.tool_variables.clone(),
        tool_copies: Vec::new(),
        builder_paths: Vec::new(),
        builder_files: Vec::new(),
        env_line: None,
        env: Vec::new(),
        cmd: None,
        entrypoint: None,
        warnings,
    })
}
