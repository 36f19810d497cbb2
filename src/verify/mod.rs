//! `--verify`: build the original and the rewrite with the user's container
//! engine, one after the other, and compare the two images — their sizes and
//! the configuration a container starts with. The one mode that runs
//! anything (design.md, "What the tool never does"); no other mode and no
//! default `cargo test` reaches this module's engines.

pub mod compare;
pub mod engine;
pub mod running;
pub mod watch;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::codes::{Code, Reason};
use crate::plan::{Final, Plan};
use compare::{Announced, Bases, Compared, Verdict};
use engine::{BuildRequest, Engine, Image};
use watch::{Ran, Watch};

/// What the command line asks of a verification.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// `docker`, `podman` or `buildah`; found on `PATH` when not given.
    pub engine: Option<String>,
    pub build_args: Vec<String>,
    pub secrets: Vec<String>,
    /// The longest one build may take.
    pub timeout: Duration,
    /// Keep the images made instead of removing them.
    pub keep_images: bool,
    /// Stream the engine's output.
    pub verbose: bool,
    /// `--verify-run`: run a container from each image for this many
    /// seconds.
    pub run_seconds: Option<u64>,
    /// `--verify-port`: the port to probe over HTTP (default: the first
    /// `EXPOSE`).
    pub port: Option<u16>,
}

/// One file to verify: the original on disk and the rewrite's text.
pub struct Job<'a> {
    pub dockerfile: &'a Path,
    pub context: &'a Path,
    pub rewritten: &'a str,
    pub plan: &'a Plan,
}

/// How a verification ended (design.md, "Statuses and exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Inconclusive,
    NotRun,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Inconclusive => "inconclusive",
            Outcome::NotRun => "not run",
        }
    }
}

/// A file's verification, as the report and the JSON show it.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub outcome: Outcome,
    pub engine: &'static str,
    /// Why it did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub original: Option<Built>,
    pub rewrite: Option<Built>,
    /// The bytes the rewrite saves (negative: it grew).
    pub saving_bytes: Option<i64>,
    /// Each compared field.
    pub fields: Vec<Compared>,
    /// How a container of each ran (`--verify-run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<running::Runs>,
    /// What the run came to, when it passed.
    #[serde(skip)]
    pub run_summary: Option<String>,
    /// Images left in the engine's storage (`--keep-images`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_images: Vec<String>,
    /// Ctrl-C stopped it: the run ends.
    #[serde(skip)]
    pub interrupted: bool,
}

/// One image built.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub size_bytes: u64,
    pub build_seconds: f64,
}

impl Verification {
    fn new(engine: &'static str) -> Verification {
        Verification {
            outcome: Outcome::NotRun,
            engine,
            reason: None,
            original: None,
            rewrite: None,
            saving_bytes: None,
            fields: Vec::new(),
            run: None,
            run_summary: None,
            kept_images: Vec::new(),
            interrupted: false,
        }
    }

    /// The code a file that did not pass is refused with under `--write`.
    pub fn code(&self) -> Option<Code> {
        match self.outcome {
            Outcome::Passed => None,
            _ => self.reason.as_ref().map(|r| r.code),
        }
    }

    /// One line of prose: the outcome, the sizes and what differs.
    pub fn text(&self) -> String {
        let mut out = format!("verification {} ({})", self.outcome.name(), self.engine);
        if let (Some(o), Some(r)) = (&self.original, &self.rewrite) {
            out.push_str(&format!(
                ": {} → {}",
                crate::sizes::human_bytes(o.size_bytes as i64),
                crate::sizes::human_bytes(r.size_bytes as i64)
            ));
            if let Some(saving) = self.saving_bytes.filter(|s| *s > 0) {
                let percent = saving as f64 * 100.0 / o.size_bytes.max(1) as f64;
                out.push_str(&format!(
                    ", saving {} ({percent:.0}%)",
                    crate::sizes::human_bytes(saving)
                ));
            }
        }
        if !self.fields.is_empty() {
            let count = |v: Verdict| self.fields.iter().filter(|f| f.verdict == v).count();
            let (same, announced) = (count(Verdict::Same), count(Verdict::Announced));
            out.push_str(&format!(
                "; {same} field{} the same, {announced} announced difference{}",
                if same == 1 { "" } else { "s" },
                if announced == 1 { "" } else { "s" }
            ));
        }
        if let Some(summary) = &self.run_summary {
            out.push_str(&format!("; ran both: {summary}"));
        }
        if let Some(reason) = &self.reason {
            out.push_str(&format!(": {}", reason.display()));
        }
        if let Some(runs) = self
            .run
            .as_ref()
            .filter(|_| self.outcome != Outcome::Passed)
        {
            if !runs.original.first_lines.is_empty() || !runs.rewrite.first_lines.is_empty() {
                out.push_str("\n  first lines of each container's output:");
                for line in running::side_by_side(runs) {
                    out.push_str(&format!("\n    {line}"));
                }
            }
        }
        out
    }
}

/// Tags are unique within a run and name the run's process.
static BUILDS: AtomicUsize = AtomicUsize::new(0);

/// Builds both images and compares them; removes what it made unless asked
/// to keep it.
pub fn verify(engine: &dyn Engine, job: &Job, opts: &VerifyOptions, watch: &Watch) -> Verification {
    let n = BUILDS.fetch_add(1, Ordering::SeqCst);
    let tag = |which: &str| {
        format!(
            "localhost/slimfile-verify:{}-{n}-{which}",
            std::process::id()
        )
    };
    let (original_tag, rewrite_tag) = (tag("original"), tag("rewrite"));
    let mut v = Verification::new(engine.name());
    let mut made = Vec::new();
    run_builds(
        engine,
        job,
        opts,
        watch,
        (&original_tag, &rewrite_tag),
        &mut v,
        &mut made,
    );
    if opts.keep_images {
        v.kept_images = made;
    } else {
        for image in &made {
            engine.remove_image(image);
        }
    }
    v
}

fn run_builds(
    engine: &dyn Engine,
    job: &Job,
    opts: &VerifyOptions,
    watch: &Watch,
    (original_tag, rewrite_tag): (&str, &str),
    v: &mut Verification,
    made: &mut Vec<String>,
) {
    let fail = |v: &mut Verification, outcome, code, message: String| {
        v.outcome = outcome;
        v.reason = Some(Reason::file(code, message));
    };
    // The original, as the user builds it.
    let request = BuildRequest {
        dockerfile: job.dockerfile,
        context: job.context,
        tag: original_tag,
        build_args: &opts.build_args,
        secrets: &opts.secrets,
    };
    let original = match built(engine, &request, watch, "the original", made) {
        Ok(built) => built,
        Err(stop) => {
            v.interrupted = stop.interrupted;
            let code = if stop.timed_out {
                Code::VerifyTimeout
            } else {
                Code::VerifyOriginalFails
            };
            let message = format!("the original does not build: {}", stop.message);
            fail(v, Outcome::NotRun, code, message);
            see_the_log(v, opts);
            return;
        }
    };
    // The rewrite, from a temporary folder outside the context; the
    // original's own `<name>.dockerignore` comes along under the new name.
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            return fail(
                v,
                Outcome::NotRun,
                Code::VerifyFailed,
                format!("cannot make a temporary folder: {e}"),
            )
        }
    };
    let dockerfile = dir.path().join("Dockerfile");
    let mut written = std::fs::write(&dockerfile, job.rewritten);
    if let Some(name) = job.dockerfile.file_name() {
        let ignore = job
            .dockerfile
            .with_file_name(format!("{}.dockerignore", name.to_string_lossy()));
        if written.is_ok() && ignore.is_file() {
            written =
                std::fs::copy(&ignore, dir.path().join("Dockerfile.dockerignore")).map(|_| ());
        }
    }
    if let Err(e) = written {
        return fail(
            v,
            Outcome::NotRun,
            Code::VerifyFailed,
            format!("cannot write the rewrite to build it: {e}"),
        );
    }
    let request = BuildRequest {
        dockerfile: &dockerfile,
        tag: rewrite_tag,
        ..request
    };
    let rewrite = match built(engine, &request, watch, "the rewrite", made) {
        Ok(built) => built,
        Err(stop) => {
            v.interrupted = stop.interrupted;
            let code = if stop.timed_out {
                Code::VerifyTimeout
            } else {
                Code::VerifyFailed
            };
            let message = match missing_copy_source(&stop.log, job.plan) {
                Some(path) => format!("the rewrite does not build: COPY --from={} {path}: no such path in the builder stage", job.plan.builder_name),
                None => format!("the rewrite does not build: {}", stop.message),
            };
            fail(v, Outcome::Failed, code, message);
            see_the_log(v, opts);
            return;
        }
    };
    v.original = Some(Built {
        size_bytes: original.0.size,
        build_seconds: original.1,
    });
    v.rewrite = Some(Built {
        size_bytes: rewrite.0.size,
        build_seconds: rewrite.1,
    });
    v.saving_bytes = Some(original.0.size as i64 - rewrite.0.size as i64);
    // The bases were pulled by the builds; what they set explains some
    // differences.
    let base = |name: &str| {
        resolve_image(name, &opts.build_args, job).and_then(|n| engine.inspect(&n).ok())
    };
    // scratch is no image to inspect: it sets nothing.
    let runtime_base = if job.plan.runtime_image == "scratch" {
        Some(engine::Image {
            size: 0,
            config: Default::default(),
        })
    } else {
        base(&job.plan.runtime_image)
    };
    let builder_base = base(&job.plan.builder_image);
    let bases = Bases {
        builder: builder_base.as_ref(),
        runtime: runtime_base.as_ref(),
    };
    v.fields = compare::compare(&original.0, &rewrite.0, &bases, &announced(job.plan));
    let differs: Vec<String> = v
        .fields
        .iter()
        .filter(|f| f.verdict == Verdict::Differs)
        .map(|f| {
            format!(
                "{}: the original has {}, the rewrite has {}",
                f.field, f.original, f.rewrite
            )
        })
        .collect();
    if !differs.is_empty() {
        let message = format!(
            "the images differ where the plan did not say they would: {}",
            differs.join("; ")
        );
        return fail(v, Outcome::Failed, Code::VerifyFailed, message);
    }
    let Some(seconds) = opts.run_seconds else {
        v.outcome = Outcome::Passed;
        return;
    };
    // --verify-timeout bounds each run as it bounds each build.
    let seconds = seconds.min(opts.timeout.as_secs());
    // Both images, run alike, one after the other.
    let port = opts.port.or_else(|| first_exposed_port(job.rewritten));
    let original_run = running::run_one(
        engine,
        (original_tag, &original.0),
        &container_name(original_tag),
        seconds,
        port,
        watch,
    );
    let rewrite_run = if watch::interrupted() {
        running::RunResult::default()
    } else {
        running::run_one(
            engine,
            (rewrite_tag, &rewrite.0),
            &container_name(rewrite_tag),
            seconds,
            port,
            watch,
        )
    };
    let runs = running::Runs {
        seconds,
        port,
        original: original_run,
        rewrite: rewrite_run,
    };
    let (outcome, why) = running::judge(&runs);
    v.run = Some(runs);
    if watch::interrupted() {
        v.interrupted = true;
        return fail(
            v,
            Outcome::NotRun,
            Code::VerifyFailed,
            "stopped by Ctrl-C while running the containers".into(),
        );
    }
    match outcome {
        Outcome::Passed => {
            v.outcome = Outcome::Passed;
            v.run_summary = Some(why);
        }
        Outcome::Inconclusive => fail(v, outcome, Code::VerifyInconclusive, why),
        _ => fail(v, outcome, Code::VerifyFailed, why),
    }
}

/// The container of an image's tag: `slimfile-verify-<pid>-<n>-<which>`.
fn container_name(tag: &str) -> String {
    tag.rsplit('/').next().unwrap_or(tag).replace(':', "-")
}

/// The first TCP port the final stage's `EXPOSE` lists, if it is a number.
fn first_exposed_port(rewritten: &str) -> Option<u16> {
    use crate::parse::{Dockerfile, Keyword};
    let file = Dockerfile::parse(rewritten);
    let stages = file.stages();
    let last = stages.last()?;
    let instructions: Vec<_> = file.instructions().collect();
    instructions[last.instructions.clone()]
        .iter()
        .filter(|i| i.keyword == Keyword::Expose)
        .flat_map(|i| i.list_args())
        .find_map(|port| match port.split_once('/') {
            Some((n, proto)) if proto.eq_ignore_ascii_case("tcp") => n.parse().ok(),
            Some(_) => None,
            None => port.parse().ok(),
        })
}

/// A build that failed names only the engine's last error line: say where
/// the rest is, unless it was already streamed.
fn see_the_log(v: &mut Verification, opts: &VerifyOptions) {
    if !opts.verbose && !v.interrupted {
        v.reason = v
            .reason
            .take()
            .map(|r| r.hint("run again with --verbose to see the engine's whole output"));
    }
}

/// Why a build stopped.
struct Stopped {
    message: String,
    log: Vec<String>,
    timed_out: bool,
    interrupted: bool,
}

/// Builds one image and inspects it; an image made is recorded for removal.
fn built(
    engine: &dyn Engine,
    request: &BuildRequest,
    watch: &Watch,
    what: &str,
    made: &mut Vec<String>,
) -> Result<(Image, f64), Stopped> {
    watch.spinner.set_message(format!("building {what}"));
    let stopped = |message: String, ran: Option<Ran>| {
        let ran = ran.unwrap_or_default();
        Stopped {
            message,
            log: ran.log,
            timed_out: ran.timed_out,
            interrupted: ran.interrupted,
        }
    };
    let ran = match engine.build(request, watch) {
        Ok(ran) => ran,
        Err(e) => return Err(stopped(format!("cannot run {}: {e}", engine.name()), None)),
    };
    made.push(request.tag.to_string());
    if ran.interrupted {
        return Err(stopped("stopped by Ctrl-C".into(), Some(ran)));
    }
    if ran.timed_out {
        let message = format!(
            "{what} took longer than the --verify-timeout of {} s",
            ran.seconds.round()
        );
        return Err(stopped(message, Some(ran)));
    }
    if !ran.success {
        let message = last_error(&ran.log);
        return Err(stopped(message, Some(ran)));
    }
    let seconds = ran.seconds;
    match engine.inspect(request.tag) {
        Ok(image) => Ok((image, seconds)),
        Err(e) => Err(stopped(e, Some(ran))),
    }
}

/// The engine's last error line, or its last line.
fn last_error(log: &[String]) -> String {
    log.iter()
        .rev()
        .find(|l| l.to_ascii_lowercase().contains("error"))
        .or(log.last())
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| "the engine failed without output".into())
}

/// The final stage's `COPY --from` source the engine says is missing.
fn missing_copy_source(log: &[String], plan: &Plan) -> Option<String> {
    let missing = |l: &String| {
        let l = l.to_ascii_lowercase();
        l.contains("no such file") || l.contains("not found") || l.contains("does not exist")
    };
    plan.final_stage.iter().find_map(|f| match &f.instruction {
        Final::CopyFrom { src, .. } => log
            .iter()
            .filter(|l| missing(l))
            .any(|l| {
                l.contains(&format!("\"{src}\""))
                    || l.contains(&format!("{src}:"))
                    || l.ends_with(src.as_str())
            })
            .then(|| src.clone()),
        _ => None,
    })
}

/// The differences the plan makes on purpose, with its reasons.
fn announced(plan: &Plan) -> Announced {
    let mut out = Announced::new();
    for f in &plan.final_stage {
        let field = match &f.instruction {
            Final::User(_) => "User".to_string(),
            Final::Cmd(_) => "Cmd".to_string(),
            Final::Entrypoint(_) => "Entrypoint".to_string(),
            Final::Env { name, .. } => format!("Env.{name}"),
            _ => continue,
        };
        out.insert(field, f.why.clone());
    }
    out
}

/// An image name as written in `FROM`, its variables given by the build
/// arguments or the file's `ARG` defaults, qualified as Docker Hub's when it
/// names no registry (buildah and podman do not guess short names).
fn resolve_image(name: &str, build_args: &[String], job: &Job) -> Option<String> {
    let mut values: Vec<(String, String)> = Vec::new();
    let text = std::fs::read_to_string(job.dockerfile).unwrap_or_default();
    for line in text.lines() {
        let line = line.trim();
        if line.len() > 4 && line[..4].eq_ignore_ascii_case("ARG ") {
            if let Some((k, v)) = line[4..].trim().split_once('=') {
                values.push((k.to_string(), crate::facts::unquote(v)));
            }
        }
    }
    for arg in build_args {
        if let Some((k, v)) = arg.split_once('=') {
            values.push((k.to_string(), v.to_string()));
        }
    }
    let mut name = name.to_string();
    for (k, v) in values.iter().rev() {
        name = name
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    if name.contains('$') {
        return None;
    }
    let first = name.split('/').next().unwrap_or("");
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    Some(match (has_registry, name.contains('/')) {
        (true, _) => name,
        (false, true) => format!("docker.io/{name}"),
        (false, false) => format!("docker.io/library/{name}"),
    })
}
