//! The container engines `--verify` builds with: one trait, one
//! implementation per engine's command line. Commands are argument lists
//! (`std::process::Command`), never a shell string; nothing else in the
//! crate knows which engine runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::running::{self, Container};
use super::watch::{self, Ran, Watch};

/// One build: a Dockerfile, its context, and what the user passes through.
pub struct BuildRequest<'a> {
    pub dockerfile: &'a Path,
    pub context: &'a Path,
    pub tag: &'a str,
    /// `--build-arg` values (`KEY=VALUE`), given to both builds.
    pub build_args: &'a [String],
    /// `--secret` values (`id=…,src=…`), given to both builds.
    pub secrets: &'a [String],
}

/// What `inspect` tells of an image: its size and the configuration a
/// container starts with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    pub size: u64,
    /// `Entrypoint`, `Cmd`, `ExposedPorts`, `Env`, `User`, `WorkingDir`,
    /// `Labels`, `Healthcheck`, `Volumes`, `StopSignal`, as the engine wrote
    /// them (absent where unset).
    pub config: BTreeMap<String, Value>,
}

/// A container engine's command line.
pub trait Engine {
    /// `buildah`, `podman`, `docker`.
    fn name(&self) -> &'static str;
    /// Builds an image in the Docker format (which keeps `HEALTHCHECK`).
    fn build(&self, request: &BuildRequest, watch: &Watch) -> std::io::Result<Ran>;
    /// The image's size and configuration.
    fn inspect(&self, image: &str) -> Result<Image, String>;
    /// Removes an image this run made.
    fn remove_image(&self, image: &str);
    /// Starts a container named `name` from the image tagged `tag`, its
    /// `port` reachable from the host's loopback (`--verify-run`).
    fn start_container(
        &self,
        tag: &str,
        image: &Image,
        name: &str,
        port: Option<u16>,
        watch: &Watch,
    ) -> Result<Container, String>;
    /// Stops and removes a container this run started.
    fn remove_container(&self, name: &str);
    /// Whether a line of a running container's output is the engine's own
    /// report on it rather than the application's, and so is left out of
    /// the lines shown side by side.
    fn own_line(&self, _line: &str) -> bool {
        false
    }
}

/// The engines, in the order they are looked for.
pub const NAMES: [&str; 3] = ["docker", "podman", "buildah"];

/// The engine asked for, or the first found on `PATH`; the error says what
/// to install.
pub fn find(asked: Option<&str>) -> Result<Box<dyn Engine>, String> {
    let names: Vec<&str> = match asked {
        Some(name) => vec![name],
        None => NAMES.to_vec(),
    };
    for name in &names {
        if let Some(program) = on_path(name) {
            return Ok(match *name {
                "docker" => Box::new(DockerStyle {
                    name: "docker",
                    program,
                }),
                "podman" => Box::new(DockerStyle {
                    name: "podman",
                    program,
                }),
                _ => Box::new(Buildah { program }),
            });
        }
    }
    Err(match asked {
        Some(name) => format!("--engine {name}: `{name}` is not on PATH; install it, or choose another engine"),
        None => "--verify needs a container engine and none of docker, podman or buildah is on PATH: install one (Debian: apt-get install buildah)".to_string(),
    })
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The configuration keys the comparison reads.
pub const FIELDS: [&str; 10] = [
    "Entrypoint",
    "Cmd",
    "ExposedPorts",
    "Env",
    "User",
    "WorkingDir",
    "Labels",
    "Healthcheck",
    "Volumes",
    "StopSignal",
];

/// The compared fields of an image configuration, empty values dropped
/// (engines write an unset `Entrypoint` as `null` or `[]`, alike).
fn config_of(config: Option<&Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Some(Value::Object(config)) = config else {
        return out;
    };
    for field in FIELDS {
        let Some(value) = config.get(field) else {
            continue;
        };
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            out.insert(field.to_string(), value.clone());
        }
    }
    out
}

/// The build arguments both builds get.
fn pass_through(cmd: &mut Command, request: &BuildRequest) {
    for arg in request.build_args {
        cmd.arg("--build-arg").arg(arg);
    }
    for secret in request.secrets {
        cmd.arg("--secret").arg(secret);
    }
    cmd.arg("-f")
        .arg(request.dockerfile)
        .arg("-t")
        .arg(request.tag)
        .arg(request.context);
}

fn output(program: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `docker image inspect` and `podman image inspect`: an array of one image
/// with `Size` and `Config`.
fn inspect_docker_style(program: &Path, image: &str) -> Result<Image, String> {
    let text = output(program, &["image", "inspect", image])?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("inspect {image}: {e}"))?;
    let first = doc
        .get(0)
        .ok_or_else(|| format!("inspect {image}: no image"))?;
    Ok(Image {
        size: first.get("Size").and_then(Value::as_u64).unwrap_or(0),
        config: config_of(first.get("Config")),
    })
}

/// `docker run` and `podman run` in the foreground, so that the process
/// attached is the container's output and exit; the port is published on
/// a loopback port free a moment before.
fn start_docker_style(
    program: &Path,
    tag: &str,
    name: &str,
    port: Option<u16>,
) -> Result<Container, String> {
    let mut cmd = Command::new(program);
    cmd.args(["run", "--rm", "--name", name]);
    let mut address = None;
    if let Some(port) = port {
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?;
        cmd.arg("-p")
            .arg(format!("127.0.0.1:{}:{port}", free.port()));
        address = Some(free);
    }
    cmd.arg(tag);
    let child =
        watch::spawn(&mut cmd).map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    Ok(Container { child, address })
}

/// Docker's or Podman's CLI: the same commands, except that Podman builds in
/// the OCI format unless told otherwise and Docker (BuildKit) takes
/// `--progress=plain` for a readable log.
pub struct DockerStyle {
    name: &'static str,
    program: PathBuf,
}

impl Engine for DockerStyle {
    fn name(&self) -> &'static str {
        self.name
    }
    fn build(&self, request: &BuildRequest, watch: &Watch) -> std::io::Result<Ran> {
        let mut cmd = Command::new(&self.program);
        cmd.arg("build");
        match self.name {
            "podman" => cmd.args(["--format", "docker"]),
            _ => cmd.arg("--progress=plain"),
        };
        pass_through(&mut cmd, request);
        watch::run(cmd, watch, &format!("{} build", self.name))
    }
    fn inspect(&self, image: &str) -> Result<Image, String> {
        inspect_docker_style(&self.program, image)
    }
    fn remove_image(&self, image: &str) {
        let _ = output(&self.program, &["image", "rm", "--force", image]);
    }
    fn start_container(
        &self,
        tag: &str,
        _image: &Image,
        name: &str,
        port: Option<u16>,
        _watch: &Watch,
    ) -> Result<Container, String> {
        start_docker_style(&self.program, tag, name, port)
    }
    fn remove_container(&self, name: &str) {
        let _ = output(&self.program, &["rm", "--force", name]);
    }
}

/// Buildah's CLI. Its isolation and storage come from the user's settings
/// (`BUILDAH_ISOLATION`, `CONTAINERS_STORAGE_CONF`), as for any build.
pub struct Buildah {
    program: PathBuf,
}

impl Buildah {
    /// The working containers buildah holds (`node-working-container`).
    fn working_containers(&self) -> Vec<String> {
        output(
            &self.program,
            &["containers", "--format", "{{.ContainerName}}"],
        )
        .map(|o| {
            o.lines()
                .map(str::trim)
                .filter(|n| n.ends_with("-working-container"))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
    }
}

impl Engine for Buildah {
    fn name(&self) -> &'static str {
        "buildah"
    }
    fn build(&self, request: &BuildRequest, watch: &Watch) -> std::io::Result<Ran> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["build", "--format", "docker"]);
        pass_through(&mut cmd, request);
        let before = self.working_containers();
        let ran = watch::run(cmd, watch, "buildah build");
        // A build stopped mid-way (Ctrl-C, a timeout) leaves the working
        // container of the step it was in: buildah removes it only when the
        // step ends. Those that appeared during this build are its own.
        for name in self.working_containers() {
            if !before.contains(&name) {
                self.remove_container(&name);
            }
        }
        ran
    }
    fn inspect(&self, image: &str) -> Result<Image, String> {
        let text = output(&self.program, &["inspect", "--type", "image", image])?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("inspect {image}: {e}"))?;
        // buildah's own listing gives sizes in words ("233 MB"); the sum of
        // the stored layers, from the manifest, is the size in bytes.
        let size = doc
            .get("Manifest")
            .and_then(Value::as_str)
            .and_then(|m| serde_json::from_str::<Value>(m).ok())
            .and_then(|m| {
                m.get("layers")?
                    .as_array()?
                    .iter()
                    .map(|l| l.get("size").and_then(Value::as_u64))
                    .sum::<Option<u64>>()
            })
            .unwrap_or(0);
        let config = doc
            .pointer("/Docker/config")
            .or_else(|| doc.pointer("/OCIv1/config"));
        Ok(Image {
            size,
            config: config_of(config),
        })
    }
    fn remove_image(&self, image: &str) {
        let _ = output(&self.program, &["rmi", "--force", image]);
    }
    /// `buildah from`, then `buildah run` of the image's `Entrypoint` and
    /// `Cmd` (buildah runs no start command of its own). Under chroot
    /// isolation the container shares the host's network, so the port is
    /// the host's own, and must be free.
    fn start_container(
        &self,
        tag: &str,
        image: &Image,
        name: &str,
        port: Option<u16>,
        watch: &Watch,
    ) -> Result<Container, String> {
        let argv = running::start_command(image);
        if argv.is_empty() {
            return Err("the image has neither ENTRYPOINT nor CMD: there is nothing to run".into());
        }
        let address = port.map(|p| std::net::SocketAddr::from(([127, 0, 0, 1], p)));
        if let Some(address) = address.filter(|a| running::in_use(*a)) {
            return Err(format!(
                "port {} is already in use on this machine, and buildah's containers share its network: stop what listens there, or probe another port with --verify-port",
                address.port()
            ));
        }
        let mut from = Command::new(&self.program);
        from.args(["from", "--pull=never", "--name", name, tag]);
        let ran = watch::run(from, watch, "buildah from")
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        if !ran.success {
            return Err(format!(
                "buildah from {tag} failed: {}",
                ran.log.last().map(String::as_str).unwrap_or("no output")
            ));
        }
        let mut cmd = Command::new(&self.program);
        cmd.args(["run", name, "--"]).args(&argv);
        let child = watch::spawn(&mut cmd)
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        Ok(Container { child, address })
    }
    fn remove_container(&self, name: &str) {
        let _ = output(&self.program, &["rm", name]);
    }
    /// `buildah run` reports a non-zero exit or a kill itself, on stderr
    /// (`subprocess exited with status 3`, `subprocess exited on killed`).
    fn own_line(&self, line: &str) -> bool {
        line.starts_with("subprocess exited ") || line.starts_with("Error: exit status ")
    }
}
