//! `--verify` within a run: the engine found once, each rewrite built and
//! compared before it is written, and what the user sees meanwhile.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{Format, Settings};
use crate::codes::{Code, Reason};
use crate::report::{FileReport, Status};

/// A rewrite `--verify` builds before it may be written.
pub(super) struct Pending {
    pub path: PathBuf,
    pub root: PathBuf,
    pub context: PathBuf,
    pub original: Vec<u8>,
    pub rewritten: String,
    pub plan: crate::plan::Plan,
}

/// The engine of a `--verify` run, and how its builds are shown.
pub(super) struct Verifier {
    engine: Box<dyn crate::verify::engine::Engine>,
    opts: crate::verify::VerifyOptions,
    pub spinner: indicatif::ProgressBar,
}

impl Verifier {
    pub fn new(
        opts: &crate::verify::VerifyOptions,
        settings: &Settings,
    ) -> Result<Verifier, String> {
        let engine = crate::verify::engine::find(opts.engine.as_deref())?;
        crate::verify::watch::catch_interrupt();
        let shown = !opts.verbose
            && !settings.quiet
            && settings.format == Format::Text
            && std::io::stderr().is_terminal();
        let spinner = if shown {
            let s = indicatif::ProgressBar::new_spinner();
            s.enable_steady_tick(std::time::Duration::from_millis(120));
            s
        } else {
            indicatif::ProgressBar::hidden()
        };
        Ok(Verifier {
            engine,
            opts: opts.clone(),
            spinner,
        })
    }

    /// Verifies one rewrite, says how it went, and writes it under
    /// `--write` only if it passed.
    pub fn verify(&mut self, settings: &Settings, p: Pending, report: &mut FileReport) {
        let watch = crate::verify::watch::Watch {
            verbose: self.opts.verbose,
            spinner: self.spinner.clone(),
            timeout: self.opts.timeout,
        };
        let job = crate::verify::Job {
            dockerfile: &p.path,
            context: &p.context,
            rewritten: &p.rewritten,
            plan: &p.plan,
        };
        let v = crate::verify::verify(self.engine.as_ref(), &job, &self.opts, &watch);
        self.spinner.set_message("");
        if settings.format == Format::Text && !settings.quiet {
            self.spinner.suspend(|| {
                eprintln!("slimfile: {}: {}", report.path, v.text());
                for image in &v.kept_images {
                    eprintln!("slimfile: {}: kept image {image}", report.path);
                }
            });
        }
        if settings.write {
            match v.code() {
                None => {
                    match crate::write::write_atomic(&p.path, &p.original, &p.rewritten, &p.root) {
                        Ok(()) => report.status = Status::Rewritten,
                        Err(e) => {
                            report.status = Status::Error;
                            report.reason = Some(Reason::file(Code::WriteFailed, e.to_string()));
                        }
                    }
                }
                Some(_) => {
                    report.status = Status::Refused;
                    report.reason = v.reason.clone();
                }
            }
        }
        report.verification = Some(v);
    }
}
