//! Running one engine command under watch: its output kept (and streamed
//! with `--verbose`, or shown behind a spinner), a deadline, and Ctrl-C.
//! The command runs in a process group of its own, so that a stop reaches
//! every process it started and the terminal's Ctrl-C reaches only us.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set by the Ctrl-C handler [`catch_interrupt`] installs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler of a verification run (once).
pub fn catch_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Without a handler Ctrl-C kills slimfile and leaves the engine's
        // build and its images behind; with one, the run stops them itself.
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// How a command's output is shown while it runs.
#[derive(Clone)]
pub struct Watch {
    /// Stream every line to stderr.
    pub verbose: bool,
    /// Show the latest line behind this spinner (hidden when not a terminal).
    pub spinner: indicatif::ProgressBar,
    /// The longest any one command may take.
    pub timeout: Duration,
}

/// How a watched command ended.
#[derive(Debug, Clone, Default)]
pub struct Ran {
    /// Exited with status 0.
    pub success: bool,
    /// Its exit code, when it exited on its own.
    pub code: Option<i32>,
    /// Stopped at the deadline.
    pub timed_out: bool,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Its output (stdout and stderr interleaved), the last lines only.
    pub log: Vec<String>,
    pub seconds: f64,
}

/// Lines of a command's output kept for messages.
const KEPT_LINES: usize = 400;

/// Runs `cmd` to its end, its deadline or Ctrl-C.
pub fn run(mut cmd: Command, watch: &Watch, what: &str) -> std::io::Result<Ran> {
    let started = Instant::now();
    let mut child = spawn(&mut cmd)?;
    let lines = read_lines(&mut child);
    let mut ran = Ran::default();
    loop {
        while let Ok(line) = lines.try_recv() {
            keep(&mut ran.log, line, watch, what);
        }
        if let Some(status) = child.try_wait()? {
            // The pipes close when the process group's last writer ends.
            while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
                keep(&mut ran.log, line, watch, what);
            }
            ran.success = status.success();
            ran.code = status.code();
            break;
        }
        if interrupted() || started.elapsed() > watch.timeout {
            ran.interrupted = interrupted();
            ran.timed_out = !ran.interrupted;
            stop(&mut child);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    ran.seconds = started.elapsed().as_secs_f64();
    Ok(ran)
}

/// Starts `cmd` in its own process group with its output piped.
pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

/// The child's stdout and stderr, line by line, as one stream.
pub fn read_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    let out = child
        .stdout
        .take()
        .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>);
    let err = child
        .stderr
        .take()
        .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>);
    for pipe in [out, err].into_iter().flatten() {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
    }
    receive
}

/// Stops the child's whole process group: SIGTERM, then SIGKILL after a
/// grace period.
pub fn stop(child: &mut Child) {
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    let group = Pid::from_raw(child.id() as i32);
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            // What the leader started may outlive it.
            let _ = killpg(group, Signal::SIGKILL);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
}

fn keep(log: &mut Vec<String>, line: String, watch: &Watch, what: &str) {
    if watch.verbose {
        eprintln!("{line}");
    } else {
        let short: String = line.chars().take(100).collect();
        watch.spinner.set_message(format!("{what}: {short}"));
    }
    if log.len() == KEPT_LINES {
        log.remove(0);
    }
    log.push(line);
}
