//! Properties of the parser over generated input: it never panics, any UTF-8
//! text round-trips byte for byte, the nodes tile the input, and every span it
//! reports is a valid range of the source.

use proptest::prelude::*;
use slimfile::dump::dump_syntax;
use slimfile::parse::{Dockerfile, Node};

/// Checks everything that must hold of any parse of `text`.
fn check_invariants(text: &str) {
    let file = Dockerfile::parse(text);
    assert_eq!(file.to_text(), text);
    let mut at = 0;
    let mut last_line = 0;
    for node in file.nodes() {
        let span = node.span();
        assert_eq!(span.start, at, "nodes must tile the input");
        assert!(span.end >= span.start);
        at = span.end;
        if let Node::Instruction(i) = node {
            assert!(i.start_line > last_line, "lines go forward");
            assert!(i.end_line >= i.start_line);
            last_line = i.end_line;
            let mut ranges = vec![
                i.text_span.clone(),
                i.keyword_span.clone(),
                i.args_span.clone(),
            ];
            ranges.extend(i.flags.iter().map(|f| f.span.clone()));
            ranges.extend(i.heredocs.iter().map(|h| h.body.clone()));
            for r in ranges {
                assert!(
                    r.start <= r.end && r.end <= text.len(),
                    "{r:?} out of bounds"
                );
                assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                assert!(
                    r.start >= i.span.start && r.end <= i.span.end,
                    "{r:?} outside its instruction {:?}",
                    i.span
                );
            }
        }
    }
    assert_eq!(at, text.len());
    // The debugging dump and the typed views work on anything.
    let _ = dump_syntax(&file);
    let _ = file.stages();
    let _ = file.build_problems();
    for i in file.instructions() {
        let _ = (i.from_args(), i.arg_decls(), i.key_values(), i.copy_args());
        let _ = (i.healthcheck(), i.list_args(), i.value());
    }
}

/// Lines that look like Dockerfile lines, with the constructs that are easy
/// to get wrong: escapes at line ends, quotes, JSON, heredocs, comments,
/// directives, CR, tabs, non-ASCII.
fn line() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "FROM",
        "from",
        "RUN",
        "COPY",
        "ADD",
        "CMD",
        "ENTRYPOINT",
        "ENV",
        "ARG",
        "LABEL",
        "HEALTHCHECK",
        "ONBUILD",
        "ONBUILD RUN",
        "SHELL",
        "VOLUME",
        "EXPOSE",
        "USER",
        "WORKDIR",
        "STOPSIGNAL",
        "MAINTAINER",
        "FOO",
        "",
    ]);
    let piece = prop::sample::select(vec![
        "--from=build",
        "--mount=type=cache,target=/x",
        "--link",
        "--",
        "-x",
        "\"a b\"",
        "'q'",
        "[\"a\", \"b\"]",
        "['a']",
        "[1]",
        "[\"x\"",
        "<<EOF",
        "<<-'EOT'",
        "3<<X",
        "\"<<EOF\"",
        "${A:-b}",
        "$HOME",
        "${",
        "a=b",
        "K=",
        "\\",
        "\\\\",
        "`",
        "é",
        "日本",
        "\t",
        "  ",
        "AS",
        "node:20@sha256:ab",
        "CMD",
        "NONE",
        "#",
    ]);
    let ending = prop::sample::select(vec![
        "\n", "\r\n", "\\\n", "\\  \n", "`\n", "\\\\\n", "\r", "",
    ]);
    prop_oneof![
        4 => (keyword, prop::collection::vec(piece, 0..5), ending)
            .prop_map(|(k, p, e)| format!("{k} {}{e}", p.join(" "))),
        1 => prop::sample::select(vec![
            "# comment\n", "# escape=`\n", "# escape=\\\n", "# syntax=x\n", "# check=a\n",
            "\n", "  \n", "EOF\n", "\tEOT\n", "X\n", "  # indented \\\n", "\u{FEFF}FROM x\n",
        ])
        .prop_map(String::from),
    ]
}

/// 3000 cases a property by default; `PROPTEST_CASES=N` for a longer run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(file) = Dockerfile::parse_bytes(&bytes) {
            let text = file.to_text();
            prop_assert_eq!(text.as_bytes(), bytes.as_slice());
        }
    }

    #[test]
    fn any_utf8_text_round_trips(text in any::<String>()) {
        check_invariants(&text);
    }

    #[test]
    fn instruction_like_lines_round_trip(lines in prop::collection::vec(line(), 0..30)) {
        check_invariants(&lines.concat());
    }
}

#[test]
fn a_long_line_and_deep_nesting_do_not_panic() {
    check_invariants(&format!("FROM x\nRUN {}\n", "a".repeat(200_000)));
    check_invariants(&format!("FROM x\nCMD {}\n", "[".repeat(10_000)));
    check_invariants(&format!("FROM x\nRUN <<{}\n", "${a:-".repeat(2_000)));
    check_invariants(&"\\\n".repeat(10_000));
}
