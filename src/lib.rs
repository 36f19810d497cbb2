//! slimfile rewrites single-stage Dockerfiles into multi-stage builds.
//!
//! The pipeline (see `design.md`): discover → read → parse → detect → plan →
//! render → diff / write / report. This version has the first steps: reading
//! ([`read`]), the lossless parser ([`parse`]), and the edit list ([`edit`])
//! that rendering will apply.
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

pub mod cli;
pub mod dump;
pub mod edit;
pub mod parse;
pub mod read;
