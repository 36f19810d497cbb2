//! Every syntax case round-trips byte for byte and reads as BuildKit reads it:
//! the same instructions, keywords, first and last lines, forms, flags, heredoc
//! counts and values (`tests/fixtures/syntax-cases/buildkit-expected.json`).

use std::fs;
use std::path::Path;

use serde_json::Value;
use slimfile::parse::{Dockerfile, Form, HealthcheckArgs, Instruction, Keyword};

const DIR: &str = "tests/fixtures/syntax-cases";

fn expected() -> serde_json::Map<String, Value> {
    let text = fs::read_to_string(Path::new(DIR).join("buildkit-expected.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 49, "the syntax cases are missing");
    out
}

/// BuildKit's `value` list for an instruction, rebuilt from our typed views.
fn value_of(i: &Instruction) -> Vec<String> {
    let exec_or = |shell: Vec<String>| match &i.form {
        Some(Form::Exec(items)) => items.clone(),
        _ => shell,
    };
    match i.keyword {
        Keyword::From | Keyword::Expose => i.args.split_whitespace().map(String::from).collect(),
        Keyword::Copy | Keyword::Add | Keyword::Volume => i.list_args(),
        Keyword::Arg => i
            .arg_decls()
            .into_iter()
            .map(|a| match a.default {
                Some(d) => format!("{}={d}", a.name),
                None => a.name,
            })
            .collect(),
        Keyword::Env | Keyword::Label => i
            .key_values()
            .into_iter()
            .flat_map(|kv| [kv.key, kv.value])
            .collect(),
        Keyword::Healthcheck => match i.healthcheck() {
            Some(HealthcheckArgs::None) => vec!["NONE".into()],
            Some(HealthcheckArgs::Cmd(Form::Shell(s))) => vec!["CMD".into(), s],
            Some(HealthcheckArgs::Cmd(Form::Exec(mut items))) => {
                items.insert(0, "CMD".into());
                items
            }
            _ => Vec::new(),
        },
        Keyword::Onbuild => value_of(i.onbuild.as_deref().unwrap()),
        _ if i.args.is_empty() => Vec::new(),
        _ => exec_or(vec![i.args.clone()]),
    }
}

#[test]
fn every_case_round_trips_byte_for_byte() {
    for (name, bytes) in fixtures() {
        let file = Dockerfile::parse_bytes(&bytes).unwrap();
        assert_eq!(file.to_text().as_bytes(), bytes.as_slice(), "{name}");
        // The nodes tile the file: each starts where the previous ended.
        let mut at = 0;
        for node in file.nodes() {
            assert_eq!(node.span().start, at, "{name}: gap or overlap at byte {at}");
            at = node.span().end;
        }
        assert_eq!(at, bytes.len(), "{name}");
    }
}

#[test]
fn every_case_reads_as_buildkit_reads_it() {
    let expected = expected();
    let mut checked = 0;
    for (name, bytes) in fixtures() {
        let want = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} has no entry in buildkit-expected.json"));
        assert_eq!(want["accepted_by_buildkit"], true, "{name}");
        let file = Dockerfile::parse_bytes(&bytes).unwrap();
        assert!(file.problems().is_empty(), "{name}: {:?}", file.problems());
        let got: Vec<&Instruction> = file.instructions().collect();
        let want = want["instructions"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: instruction count");
        for (g, w) in got.iter().zip(want) {
            let at = format!("{name} line {}", g.start_line);
            assert_eq!(g.keyword.as_str(), w["kind"], "{at}: keyword");
            assert_eq!(g.start_line as u64, w["start_line"], "{at}: first line");
            assert_eq!(g.end_line as u64, w["end_line"], "{at}: last line");
            assert_eq!(g.is_exec_form(), w["json"], "{at}: form");
            let flags: Vec<&str> = g.flags.iter().map(|f| f.text.as_str()).collect();
            let want_flags: Vec<&str> = w["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            assert_eq!(flags, want_flags, "{at}: flags");
            let heredocs = match &g.onbuild {
                Some(inner) => inner.heredocs.len(),
                None => g.heredocs.len(),
            };
            assert_eq!(heredocs as u64, w["heredocs"], "{at}: heredocs");
            let want_values: Vec<&str> = w["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            assert_eq!(value_of(g), want_values, "{at}: values");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} instructions checked");
}

/// The parser accepts every case; `docker build` then rejects only a bare
/// `HEALTHCHECK` (BuildKit's `parseHealthcheck` wants a `CMD` or `NONE`).
#[test]
fn every_case_but_a_bare_healthcheck_is_buildable() {
    for (name, bytes) in fixtures() {
        let file = Dockerfile::parse_bytes(&bytes).unwrap();
        let messages: Vec<String> = file
            .build_problems()
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        if name == "healthcheck-bare.Dockerfile" {
            assert_eq!(messages, ["2: HEALTHCHECK requires at least one argument"]);
        } else {
            assert!(messages.is_empty(), "{name}: {messages:?}");
        }
    }
}
