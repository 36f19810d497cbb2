//! `--verify-run`: a container from each image, one after the other, for
//! the same number of seconds, probed over HTTP on one port; then the two
//! runs are judged alike or not (design.md, "Statuses and exit codes").

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::engine::{Engine, Image};
use super::watch::{self, Watch};
use super::Outcome;

/// Lines of a container's output kept for the report.
const FIRST_LINES: usize = 5;

/// How one container ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunResult {
    /// Still running when its time was up.
    pub running: bool,
    /// Its exit code, when it exited on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The status line the HTTP probe got at the end (`HTTP/1.1 200 OK`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The first lines of its output (stdout and stderr interleaved).
    pub first_lines: Vec<String>,
    pub seconds: f64,
    /// Why it could not be run or probed, when that is the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Both runs, as the report shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runs {
    /// How long each container was given.
    pub seconds: u64,
    /// The port probed over HTTP, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub original: RunResult,
    pub rewrite: RunResult,
}

/// What a run of both images comes to: the outcome and, unless it passed,
/// why.
pub fn judge(runs: &Runs) -> (Outcome, String) {
    let (o, r) = (&runs.original, &runs.rewrite);
    let within = format!("within {} s", runs.seconds);
    let exited = |x: &RunResult| match x.exit_code {
        Some(code) => format!("exited with code {code} {within}"),
        None => format!("stopped {within}"),
    };
    if let Some(problem) = o.problem.as_ref().or(r.problem.as_ref()) {
        return (Outcome::Inconclusive, problem.clone());
    }
    match (o.running, r.running) {
        (true, true) => {
            let Some(port) = runs.port else {
                return (
                    Outcome::Passed,
                    format!("both still running after {} s (no EXPOSE, so no port was probed: give one with --verify-port)", runs.seconds),
                );
            };
            match (&o.answer, &r.answer) {
                (Some(a), Some(b)) if status_code(a) == status_code(b) => (
                    Outcome::Passed,
                    format!(
                        "both still running after {} s and answering `{a}` on port {port}",
                        runs.seconds
                    ),
                ),
                (Some(a), Some(b)) => (
                    Outcome::Failed,
                    format!("on port {port} the original answers `{a}`, the rewrite `{b}`"),
                ),
                (Some(a), None) => (
                    Outcome::Failed,
                    format!("the original answers `{a}` on port {port}, the rewrite does not answer"),
                ),
                (None, Some(b)) => (
                    Outcome::Failed,
                    format!("the rewrite answers `{b}` on port {port}, the original does not answer"),
                ),
                (None, None) => (
                    Outcome::Inconclusive,
                    format!("both still running after {} s, but neither answers HTTP on port {port}: give the port the app listens on with --verify-port", runs.seconds),
                ),
            }
        }
        (true, false) => (
            Outcome::Failed,
            format!("the rewrite {}, the original kept running", exited(r)),
        ),
        (false, true) => (
            Outcome::Failed,
            format!("the original {}, the rewrite kept running", exited(o)),
        ),
        (false, false) if o.exit_code != r.exit_code => (
            Outcome::Failed,
            format!("the original {}, the rewrite {}", exited(o), exited(r)),
        ),
        (false, false) if o.exit_code == Some(0) && o.first_lines == r.first_lines => (
            Outcome::Passed,
            format!("both ran to completion {within}, with the same output"),
        ),
        (false, false) => (
            Outcome::Inconclusive,
            format!(
                "both {} before they could be compared (an app that needs a database or a service, say)",
                exited(o)
            ),
        ),
    }
}

/// The status code of an HTTP status line.
fn status_code(line: &str) -> Option<&str> {
    line.split_whitespace().nth(1)
}

/// Runs a container from `image` (tagged `tag`) for `seconds`, probing
/// `port` at the end; removes the container whatever happens.
pub fn run_one(
    engine: &dyn Engine,
    (tag, image): (&str, &Image),
    name: &str,
    seconds: u64,
    port: Option<u16>,
    watch: &Watch,
) -> RunResult {
    let mut result = RunResult::default();
    let started = Instant::now();
    let mut container = match engine.start_container(tag, image, name, port, watch) {
        Ok(c) => c,
        Err(problem) => {
            result.problem = Some(problem);
            // A start that failed half-way may have made the container.
            engine.remove_container(name);
            return result;
        }
    };
    let lines = watch::read_lines(&mut container.child);
    let keep = |result: &mut RunResult, line: String| {
        if watch.verbose {
            eprintln!("{line}");
        } else {
            let short: String = line.chars().take(100).collect();
            watch
                .spinner
                .set_message(format!("running {name}: {short}"));
        }
        if result.first_lines.len() < FIRST_LINES
            && !line.trim().is_empty()
            && !engine.own_line(&line)
        {
            result.first_lines.push(line);
        }
    };
    let window = Duration::from_secs(seconds);
    let mut exited = None;
    while started.elapsed() < window && !watch::interrupted() {
        while let Ok(line) = lines.try_recv() {
            keep(&mut result, line);
        }
        if let Ok(Some(status)) = container.child.try_wait() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if exited.is_none() && !watch::interrupted() {
        result.running = true;
        if let Some(address) = container.address {
            result.answer = probe(address);
        }
    }
    if exited.is_none() {
        watch::stop(&mut container.child);
    }
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
        keep(&mut result, line);
    }
    result.exit_code = exited.and_then(|s| s.code());
    engine.remove_container(name);
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// A container started: the engine's process attached to it, whose output
/// is the container's and whose exit is the container's, and where its
/// port can be reached.
pub struct Container {
    pub child: std::process::Child,
    pub address: Option<SocketAddr>,
}

/// Whether something already answers at `address` (another program on the
/// port would make the probe meaningless).
pub fn in_use(address: SocketAddr) -> bool {
    TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
}

/// `GET /` over HTTP/1.0, a few tries over two seconds: the status line, or
/// `None` when nothing answers.
pub fn probe(address: SocketAddr) -> Option<String> {
    for _ in 0..4 {
        if let Some(line) = probe_once(address) {
            return Some(line);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    None
}

fn probe_once(address: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(3)))
        .ok()?;
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < 200 {
        match stream.read(&mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let line = String::from_utf8_lossy(&head).trim().to_string();
    line.starts_with("HTTP/").then_some(line)
}

/// The command a container of `image` starts with: `Entrypoint` then `Cmd`.
pub fn start_command(image: &Image) -> Vec<String> {
    ["Entrypoint", "Cmd"]
        .iter()
        .filter_map(|f| image.config.get(*f))
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The two outputs' first lines side by side, for a reader to compare.
pub fn side_by_side(runs: &Runs) -> Vec<String> {
    let (o, r) = (&runs.original.first_lines, &runs.rewrite.first_lines);
    let clip = |s: &str| -> String { s.chars().take(48).collect() };
    let width = o
        .iter()
        .map(|l| clip(l).chars().count())
        .chain(["original".len()])
        .max()
        .unwrap_or(8);
    let mut out = vec![format!("{:width$} | rewrite", "original")];
    for n in 0..o.len().max(r.len()) {
        let left = o.get(n).map(|l| clip(l)).unwrap_or_default();
        let right = r.get(n).map(|l| clip(l)).unwrap_or_default();
        out.push(format!("{left:width$} | {right}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(answer: Option<&str>) -> RunResult {
        RunResult {
            running: true,
            answer: answer.map(str::to_string),
            ..RunResult::default()
        }
    }

    fn exited(code: i32, lines: &[&str]) -> RunResult {
        RunResult {
            exit_code: Some(code),
            first_lines: lines.iter().map(|l| l.to_string()).collect(),
            ..RunResult::default()
        }
    }

    fn runs(original: RunResult, rewrite: RunResult, port: Option<u16>) -> Runs {
        Runs {
            seconds: 10,
            port,
            original,
            rewrite,
        }
    }

    #[test]
    fn both_running_and_answering_alike_passes() {
        let r = runs(
            running(Some("HTTP/1.1 404 Not Found")),
            running(Some("HTTP/1.1 404 Not Found")),
            Some(3000),
        );
        assert_eq!(judge(&r).0, Outcome::Passed);
        let r = runs(running(None), running(None), None);
        assert_eq!(judge(&r).0, Outcome::Passed);
    }

    #[test]
    fn a_rewrite_that_stops_answering_or_exits_fails() {
        let r = runs(running(Some("HTTP/1.1 200 OK")), running(None), Some(3000));
        let (outcome, why) = judge(&r);
        assert_eq!(outcome, Outcome::Failed);
        assert!(why.contains("the rewrite does not answer"), "{why}");
        let r = runs(
            running(Some("HTTP/1.1 200 OK")),
            running(Some("HTTP/1.1 500 Internal Server Error")),
            Some(3000),
        );
        assert_eq!(judge(&r).0, Outcome::Failed);
        let r = runs(
            running(Some("HTTP/1.1 200 OK")),
            exited(1, &["Error: Cannot find module 'express'"]),
            Some(3000),
        );
        let (outcome, why) = judge(&r);
        assert_eq!(outcome, Outcome::Failed);
        assert!(why.contains("the rewrite exited with code 1"), "{why}");
    }

    #[test]
    fn both_exiting_the_same_way_is_inconclusive() {
        let r = runs(
            exited(1, &["Error: connect ECONNREFUSED 127.0.0.1:5432"]),
            exited(1, &["Error: connect ECONNREFUSED 127.0.0.1:5432"]),
            Some(3000),
        );
        let (outcome, why) = judge(&r);
        assert_eq!(outcome, Outcome::Inconclusive);
        assert!(why.contains("both exited with code 1"), "{why}");
        let lines = side_by_side(&r);
        assert_eq!(
            lines[0].split(" | ").map(str::trim).collect::<Vec<_>>(),
            ["original", "rewrite"]
        );
        assert!(
            lines[1].contains("ECONNREFUSED 127.0.0.1:5432 | Error"),
            "{lines:?}"
        );
    }

    #[test]
    fn exits_that_differ_fail_and_a_batch_job_that_ends_alike_passes() {
        let r = runs(
            exited(0, &["done"]),
            exited(127, &["node: not found"]),
            None,
        );
        assert_eq!(judge(&r).0, Outcome::Failed);
        let r = runs(exited(0, &["done"]), exited(0, &["done"]), None);
        assert_eq!(judge(&r).0, Outcome::Passed);
        let r = runs(exited(0, &["12 rows"]), exited(0, &["0 rows"]), None);
        assert_eq!(judge(&r).0, Outcome::Inconclusive);
    }

    #[test]
    fn neither_answering_is_inconclusive_and_names_the_flag() {
        let r = runs(running(None), running(None), Some(8080));
        let (outcome, why) = judge(&r);
        assert_eq!(outcome, Outcome::Inconclusive);
        assert!(why.contains("--verify-port"), "{why}");
    }

    #[test]
    fn the_start_command_is_the_entrypoint_then_the_cmd() {
        let mut image = Image::default();
        image.config.insert(
            "Entrypoint".into(),
            serde_json::json!(["docker-entrypoint.sh"]),
        );
        image
            .config
            .insert("Cmd".into(), serde_json::json!(["node", "server.js"]));
        assert_eq!(
            start_command(&image),
            ["docker-entrypoint.sh", "node", "server.js"]
        );
    }

    /// A one-connection server that answers `reply`.
    fn serve(reply: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
        });
        (address, server)
    }

    #[test]
    fn the_probe_reads_a_status_line_and_nothing_else() {
        let (address, server) = serve(b"HTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(
            probe_once(address).as_deref(),
            Some("HTTP/1.1 204 No Content")
        );
        server.join().unwrap();
        let (address, server) = serve(b"SSH-2.0-OpenSSH_9.2\r\n");
        assert_eq!(probe_once(address), None);
        server.join().unwrap();
    }
}
