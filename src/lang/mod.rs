//! Per-language logic that template data cannot express; one module a
//! language.

pub mod node;
