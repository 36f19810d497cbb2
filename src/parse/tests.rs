//! The parser's line rules and typed views, one behaviour a test.

use super::*;

fn parse(text: &str) -> Dockerfile {
    let file = Dockerfile::parse(text);
    assert_eq!(file.to_text(), text, "round trip");
    file
}

fn keywords(file: &Dockerfile) -> Vec<(&'static str, usize, usize)> {
    file.instructions()
        .map(|i| (i.keyword.as_str(), i.start_line, i.end_line))
        .collect()
}

fn only(file: &Dockerfile, keyword: Keyword) -> &Instruction {
    file.instructions()
        .find(|i| i.keyword == keyword)
        .unwrap_or_else(|| panic!("no {keyword:?}"))
}

#[test]
fn bom_crlf_and_missing_final_newline_round_trip() {
    let text = "\u{FEFF}FROM alpine\r\nRUN a \\\r\n  b\r\nCMD x";
    let file = parse(text);
    assert!(file.has_bom());
    assert!(matches!(file.nodes()[0], Node::Bom(_)));
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("RUN", 2, 3), ("CMD", 4, 4)]
    );
    assert_eq!(only(&file, Keyword::Run).args, "a   b");
    assert_eq!(file.line_ending(), "\r\n");
}

#[test]
fn escape_directive_sets_the_continuation_character() {
    let file = parse("# escape=`\nFROM x\nRUN a `\n  b\nCOPY C:\\a\\ C:\\b\\\n");
    assert_eq!(file.escape(), '`');
    assert_eq!(
        keywords(&file),
        [("FROM", 2, 2), ("RUN", 3, 4), ("COPY", 5, 5)]
    );
    assert_eq!(file.directives().count(), 1);
}

#[test]
fn directives_end_at_the_first_other_line() {
    let file = parse("# a comment\n# escape=`\nFROM x\nRUN a \\\n b\n");
    assert_eq!(file.escape(), '\\');
    assert_eq!(file.directives().count(), 0);
    assert_eq!(keywords(&file), [("FROM", 3, 3), ("RUN", 4, 5)]);
}

#[test]
fn check_is_a_directive_so_escape_after_it_applies() {
    let file = parse("# check=skip=all\n# escape=`\nFROM x\n");
    assert_eq!(file.escape(), '`');
    assert_eq!(file.directives().count(), 2);
}

#[test]
fn bad_directives_are_problems() {
    let file = parse("# escape=x\nFROM x\n");
    assert_eq!(file.problems()[0].line, 1);
    assert!(file.problems()[0].message.contains("invalid escape"));
    let file = parse("# syntax=a\n# syntax=b\nFROM x\n");
    assert!(file.problems()[0].message.contains("only one syntax"));
}

#[test]
fn comments_and_empty_lines_inside_a_continuation_belong_to_it() {
    let text = "FROM x\nRUN a \\\n  # note \\\n\n    b \\\n# last\n    c\nCMD y\n";
    let file = parse(text);
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("RUN", 2, 7), ("CMD", 8, 8)]
    );
    assert_eq!(only(&file, Keyword::Run).args, "a     b     c");
}

#[test]
fn a_double_escape_does_not_continue() {
    let file = parse("FROM x\nENV A=b\\\\\nENV C=d\n");
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("ENV", 2, 2), ("ENV", 3, 3)]
    );
}

#[test]
fn a_line_of_only_an_escape_starts_an_instruction() {
    let file = parse("FROM x\n\\\nRUN y\n");
    assert_eq!(keywords(&file), [("FROM", 1, 1), ("RUN", 2, 3)]);
}

#[test]
fn a_continuation_may_run_to_the_end_of_the_file() {
    let file = parse("FROM x\nRUN a \\\n");
    assert_eq!(keywords(&file), [("FROM", 1, 1), ("RUN", 2, 2)]);
    assert!(file.problems().is_empty());
}

#[test]
fn indentation_and_lowercase_keywords() {
    let file = parse("  from x as b\n\trun y\n");
    let from = only(&file, Keyword::From);
    assert_eq!(from.keyword_text, "from");
    assert_eq!(&file.source()[from.keyword_span.clone()], "from");
    assert_eq!(from.from_args().unwrap().alias.as_deref(), Some("b"));
    assert_eq!(from.span, 0..14);
}

#[test]
fn heredoc_bodies_are_not_instructions() {
    let text = "FROM x\nCOPY <<EOF /etc/motd\nUSER nobody\nEOF\nUSER app\n";
    let file = parse(text);
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("COPY", 2, 4), ("USER", 5, 5)]
    );
    let copy = only(&file, Keyword::Copy);
    let heredoc = &copy.heredocs[0];
    assert_eq!(&text[heredoc.body.clone()], "USER nobody\n");
    assert_eq!(&text[heredoc.terminator.clone().unwrap()], "EOF\n");
    assert_eq!(copy.copy_args().unwrap().sources, ["<<EOF"]);
}

#[test]
fn chomped_heredoc_terminator_may_be_indented_with_tabs() {
    let file = parse("FROM x\nRUN <<-EOT\n\techo hi\n\tEOT\nRUN <<EOT\n\tEOT\nEOT\n");
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("RUN", 2, 4), ("RUN", 5, 7)]
    );
}

#[test]
fn several_heredocs_are_read_in_order() {
    let text = "FROM x\nRUN <<A cat - <<B\na\nA\nb\nB\nCMD z\n";
    let file = parse(text);
    let run = only(&file, Keyword::Run);
    let names: Vec<&str> = run.heredocs.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!((run.start_line, run.end_line), (2, 6));
}

#[test]
fn heredoc_with_crlf_endings() {
    let file = parse("FROM x\r\nRUN <<EOF\r\necho\r\nEOF\r\nCMD y\r\n");
    assert_eq!(
        keywords(&file),
        [("FROM", 1, 1), ("RUN", 2, 4), ("CMD", 5, 5)]
    );
}

#[test]
fn heredocs_only_on_run_copy_add_in_shell_form() {
    let file = parse("FROM x\nCMD <<EOF\nRUN [\"<<EOF\"]\nENV A=<<EOF\n");
    assert_eq!(file.instructions().count(), 4);
    assert!(file.instructions().all(|i| i.heredocs.is_empty()));
}

#[test]
fn onbuild_heredocs_belong_to_the_wrapped_instruction() {
    let file = parse("FROM x\nONBUILD RUN <<EOF\necho\nEOF\nCMD y\n");
    let onbuild = only(&file, Keyword::Onbuild);
    assert_eq!((onbuild.start_line, onbuild.end_line), (2, 4));
    assert_eq!(onbuild.onbuild.as_ref().unwrap().heredocs.len(), 1);
}

#[test]
fn unterminated_heredoc_is_a_problem_and_still_round_trips() {
    let file = parse("FROM x\nRUN <<EOF\necho\n");
    assert_eq!(file.problems().len(), 1);
    assert_eq!(file.problems()[0].line, 2);
    assert!(file.problems()[0].message.contains("unterminated heredoc"));
    let run = only(&file, Keyword::Run);
    assert_eq!(run.heredocs[0].terminator, None);
}

#[test]
fn flags_have_spans_across_continuations() {
    let text = "FROM x\nRUN --mount=type=cache,target=/c \\\n    --network=none \\\n    make\n";
    let file = parse(text);
    let run = only(&file, Keyword::Run);
    let written: Vec<&str> = run.flags.iter().map(|f| &text[f.span.clone()]).collect();
    assert_eq!(written, ["--mount=type=cache,target=/c", "--network=none"]);
    assert_eq!(run.flag("network").and_then(Flag::value), Some("none"));
    assert_eq!(&text[run.args_span.clone()], "make");
}

#[test]
fn bare_and_quoted_flags() {
    let file = parse("FROM x\nCOPY --link --chown=\"app:app\" a /b\n");
    let copy = only(&file, Keyword::Copy);
    assert_eq!(copy.flags[0].name(), "link");
    assert_eq!(copy.flags[0].value(), None);
    assert_eq!(copy.flags[1].text, "--chown=app:app");
    assert_eq!(copy.copy_args().unwrap().dest, "/b");
}

#[test]
fn args_range_maps_back_across_lines() {
    let text = "FROM x\nCMD [\"a\", \\\n     \"b\"]\n";
    let file = parse(text);
    let cmd = only(&file, Keyword::Cmd);
    assert_eq!(cmd.form, Some(Form::Exec(vec!["a".into(), "b".into()])));
    let last = cmd.args.len();
    assert_eq!(&text[cmd.args_range_in_file(last - 4..last - 1)], "\"b\"");
}

#[test]
fn image_references() {
    let r = ImageRef::parse("mirror.corp:5000/library/node:20-slim@sha256:abc");
    assert_eq!(r.registry.as_deref(), Some("mirror.corp:5000"));
    assert_eq!(r.repository, "library/node");
    assert_eq!(r.tag.as_deref(), Some("20-slim"));
    assert_eq!(r.digest.as_deref(), Some("sha256:abc"));

    let r = ImageRef::parse("node");
    assert_eq!(
        (r.registry, r.repository.as_str(), r.tag),
        (None, "node", None)
    );

    let r = ImageRef::parse("localhost/app:1");
    assert_eq!(r.registry.as_deref(), Some("localhost"));

    let r = ImageRef::parse("alpine:${TAG:-3.20}");
    assert_eq!(r.repository, "alpine");
    assert_eq!(r.tag.as_deref(), Some("${TAG:-3.20}"));
    assert!(r.has_variables());

    let r = ImageRef::parse("${REGISTRY}/node:${V}@${DIGEST}");
    assert_eq!(r.repository, "${REGISTRY}/node");
    assert_eq!(r.tag.as_deref(), Some("${V}"));
    assert_eq!(r.digest.as_deref(), Some("${DIGEST}"));
}

#[test]
fn from_with_platform_and_alias() {
    let text = "FROM --platform=linux/amd64 node:20 AS build\n";
    let file = parse(text);
    let from = only(&file, Keyword::From).from_args().unwrap();
    assert_eq!(from.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(&text[from.image_span], "node:20");
    assert_eq!(&text[from.alias_span.unwrap()], "build");
}

#[test]
fn arg_env_label_values() {
    let file = parse("ARG A B=2 C=\nFROM x\nENV K=v L=\"a b\"\nENV OLD some value\nLABEL a.b=c\n");
    let args = file.global_args().next().unwrap().arg_decls();
    assert_eq!(
        args[0],
        ArgDecl {
            name: "A".into(),
            default: None
        }
    );
    assert_eq!(args[1].default.as_deref(), Some("2"));
    assert_eq!(args[2].default.as_deref(), Some(""));
    let envs: Vec<Vec<KeyValue>> = file
        .instructions()
        .filter(|i| i.keyword == Keyword::Env)
        .map(Instruction::key_values)
        .collect();
    assert_eq!(envs[0][1].value, "\"a b\"");
    assert_eq!(
        envs[1][0],
        KeyValue {
            key: "OLD".into(),
            value: "some value".into(),
            legacy: true
        }
    );
    assert_eq!(only(&file, Keyword::Label).key_values()[0].key, "a.b");
}

#[test]
fn runtime_configuration_views() {
    let file = parse(
        "FROM x\nEXPOSE 80/tcp 443\nVOLUME /a /b\nUSER app:app\nWORKDIR /srv\n\
         HEALTHCHECK --interval=5s CMD curl -f localhost\nSTOPSIGNAL SIGINT\n\
         ENTRYPOINT [\"tini\", \"--\"]\nSHELL [\"/bin/bash\", \"-c\"]\n",
    );
    assert_eq!(only(&file, Keyword::Expose).list_args(), ["80/tcp", "443"]);
    assert_eq!(only(&file, Keyword::Volume).list_args(), ["/a", "/b"]);
    assert_eq!(only(&file, Keyword::User).value(), Some("app:app"));
    assert_eq!(only(&file, Keyword::Workdir).value(), Some("/srv"));
    assert_eq!(only(&file, Keyword::Stopsignal).value(), Some("SIGINT"));
    assert_eq!(
        only(&file, Keyword::Healthcheck).healthcheck(),
        Some(HealthcheckArgs::Cmd(Form::Shell(
            "curl -f localhost".into()
        )))
    );
    assert_eq!(
        only(&file, Keyword::Entrypoint).command(),
        Some(&Form::Exec(vec!["tini".into(), "--".into()]))
    );
    assert!(only(&file, Keyword::Shell).is_exec_form());
}

#[test]
fn stages_and_global_args() {
    let file =
        parse("ARG V=20\nFROM node:${V} AS build\nRUN a\nFROM nginx\nCOPY --from=build /a /b\n");
    let stages = file.stages();
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].name.as_deref(), Some("build"));
    assert_eq!(stages[0].instructions, 2..3);
    assert_eq!(stages[1].base.as_ref().unwrap().repository, "nginx");
    assert_eq!(stages[1].from, 3);
    assert_eq!(file.global_args().count(), 1);
}

#[test]
fn unknown_instructions_are_kept_and_reported() {
    let text = "FROM x\nFOO bar baz\n";
    let file = parse(text);
    let unknown = file.instructions().nth(1).unwrap();
    assert_eq!(unknown.keyword, Keyword::Unknown);
    assert_eq!(&text[unknown.text_span.clone()], "FOO bar baz");
    assert!(file.problems().is_empty());
    assert_eq!(file.build_problems()[0].message, "unknown instruction: FOO");
}

#[test]
fn build_problems_name_the_line() {
    let file = parse("RUN x\nFROM\nFROM a b\n");
    let problems = file.build_problems();
    let lines: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .map(|(l, m)| (l, &m[..m.find(' ').unwrap_or(m.len())]))
        .collect();
    assert_eq!(lines, [(1, "RUN"), (2, "FROM"), (3, "FROM")]);
}

#[test]
fn empty_and_comment_only_files_have_no_instructions() {
    for text in ["", "\n\n", "# only a comment\n", "\u{FEFF}"] {
        let file = parse(text);
        assert_eq!(file.instructions().count(), 0);
        assert!(
            file.problems()[0].message.contains("no instructions"),
            "{text:?}"
        );
    }
}

#[test]
fn non_utf8_is_an_error_with_its_offset() {
    let err = Dockerfile::parse_bytes(b"FROM x\nRUN \xff\n").unwrap_err();
    assert_eq!((err.offset, err.line), (11, 2));
}

#[test]
fn readings_that_depend_on_the_buildkit_release_are_noted() {
    let file = parse(
        "# check=skip=all\n# escape=\\\nFROM x\nCMD [\"a\"] more\nRUN cat << EOF\nhi\nEOF\nCMD [\"ok\"]\n",
    );
    let lines: Vec<usize> = file.version_dependent().iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 4, 5]);
    // Current BuildKit's reading is the one the parser gives.
    let cmd = file.instructions().nth(1).unwrap();
    assert_eq!(cmd.form, Some(Form::Shell("[\"a\"] more".into())));
    assert_eq!(file.instructions().nth(2).unwrap().heredocs.len(), 1);
    assert!(file.problems().is_empty());
}
