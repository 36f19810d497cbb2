//! slimfile rewrites single-stage Dockerfiles into multi-stage builds.
//!
//! The pipeline (see `design.md`), one module a step: [`discover`] → [`read`]
//! → [`parse`] → [`detect`] → [`plan`] (with [`template`] data and the
//! per-language logic in [`lang`]) → [`render`] → [`diff`] / [`write`](mod@write) /
//! [`report`]. [`process`] takes one file through it.
//!
//! ```
//! use slimfile::parse::{Dockerfile, Keyword};
//!
//! let text = "FROM node:20 AS build\r\nRUN npm ci \\\r\n    && npm run build\r\n";
//! let file = Dockerfile::parse(text);
//! assert_eq!(file.to_text(), text); // every byte kept
//! let run = file.instructions().nth(1).unwrap();
//! assert_eq!(run.keyword, Keyword::Run);
//! assert_eq!((run.start_line, run.end_line), (2, 3));
//! ```

pub mod assemble;
pub mod base_images;
pub mod carry;
pub mod cli;
pub mod codes;
pub mod config;
pub mod context;
pub mod detect;
pub mod diff;
pub mod discover;
pub mod dump;
pub mod edit;
pub mod explain;
pub mod facts;
pub mod flavor;
pub mod lang;
pub mod parse;
pub mod paths;
pub mod plan;
pub mod process;
pub mod read;
pub mod render;
pub mod replay;
pub mod report;
pub mod run;
pub mod runtime;
pub mod scripts;
pub mod shell;
pub mod sizes;
pub mod system_programs;
pub mod template;
pub mod verify;
pub mod write;
