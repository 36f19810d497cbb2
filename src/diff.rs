//! The unified diff a dry run shows, coloured on a terminal.
//!
//! A rewrite is the original with a few edits and a final stage appended. A
//! plain line diff may pair the original's `CMD` with the copy of it in the
//! final stage and show the builder's as new; so the builder part is diffed
//! on its own and the appended stage is shown as one insertion at the end.

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp};

/// A unified diff of `old` to `new` with `a/` and `b/` headers, where
/// `new[tail_start..]` was appended after the end of `old`.
pub fn unified(path: &str, old: &str, new: &str, tail_start: usize, color: bool) -> String {
    let mut tail_start = tail_start.min(new.len());
    // Without a final newline, the old last line gains one before the
    // appended stage: that line changes (`\ No newline at end of file` on
    // its old side), and the stage starts on the line after.
    if !old.is_empty() && !old.ends_with('\n') {
        if let Some(nl) = new[tail_start..].find('\n') {
            tail_start += nl + 1;
        }
    }
    let old_lines = split_lines(old);
    let head_lines = split_lines(&new[..tail_start]);
    let tail_lines = split_lines(&new[tail_start..]);
    let mut ops = capture_diff_slices(Algorithm::Myers, &old_lines, &head_lines);
    if !tail_lines.is_empty() {
        ops.push(DiffOp::Insert {
            old_index: old_lines.len(),
            new_index: head_lines.len(),
            new_len: tail_lines.len(),
        });
    }
    let new_lines: Vec<&str> = head_lines
        .iter()
        .chain(tail_lines.iter())
        .copied()
        .collect();
    let (red, green, cyan, bold, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "", "")
    };
    let (old_name, new_name) = header_paths(path);
    let mut out = format!("{bold}--- {old_name}{reset}\n{bold}+++ {new_name}{reset}\n");
    for group in group_diff_ops(ops, 3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let new_start = first.new_range().start;
        let old_len = last.old_range().end - old_start;
        let new_len = last.new_range().end - new_start;
        let at = |start: usize, len: usize| if len == 0 { start } else { start + 1 };
        out.push_str(&format!(
            "{cyan}@@ -{},{old_len} +{},{new_len} @@{reset}\n",
            at(old_start, old_len),
            at(new_start, new_len)
        ));
        for op in &group {
            for i in op.old_range() {
                if !matches!(op, DiffOp::Equal { .. }) {
                    push_line(&mut out, '-', old_lines[i], red, reset);
                }
            }
            for i in op.new_range() {
                let sign = if matches!(op, DiffOp::Equal { .. }) {
                    ' '
                } else {
                    '+'
                };
                push_line(
                    &mut out,
                    sign,
                    new_lines[i],
                    if sign == '+' { green } else { "" },
                    reset,
                );
            }
        }
    }
    out
}

fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The header paths, as `git apply` and `patch -p1` read them: `a/` and
/// `b/` before a path inside the current folder, written without `./`
/// (`a/express/Dockerfile`); a path outside it (absolute, or above it) as
/// given, for `patch -p0`.
pub fn header_paths(path: &str) -> (String, String) {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if path.starts_with('/') || parts.first() == Some(&"..") {
        return (path.to_string(), path.to_string());
    }
    let clean = parts.join("/");
    (format!("a/{clean}"), format!("b/{clean}"))
}

fn push_line(out: &mut String, sign: char, line: &str, colour: &str, reset: &str) {
    // A CRLF line keeps its CR, so that the patch gives back the same bytes.
    let body = line.strip_suffix('\n').unwrap_or(line);
    let (body, cr) = match body.strip_suffix('\r') {
        Some(b) => (b, "\r"),
        None => (body, ""),
    };
    let end = if colour.is_empty() { "" } else { reset };
    out.push_str(&format!("{colour}{sign}{body}{end}{cr}\n"));
    if !line.ends_with('\n') {
        out.push_str("\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_paths_apply_with_p1_or_p0() {
        use super::header_paths;
        assert_eq!(
            header_paths("./express/Dockerfile"),
            ("a/express/Dockerfile".into(), "b/express/Dockerfile".into())
        );
        assert_eq!(
            header_paths("Dockerfile"),
            ("a/Dockerfile".into(), "b/Dockerfile".into())
        );
        assert_eq!(header_paths("/srv/Dockerfile").0, "/srv/Dockerfile");
        assert_eq!(header_paths("../x/Dockerfile").0, "../x/Dockerfile");
    }

    #[test]
    fn the_appended_stage_is_one_insertion_at_the_end() {
        let old = "FROM a\nCMD x\n";
        let new = "FROM a AS b\nCMD x\n\nFROM c\nCMD x\n";
        let d = super::unified("Dockerfile", old, new, 18, false);
        assert_eq!(
            d,
            "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,5 @@\n-FROM a\n+FROM a AS b\n CMD x\n+\n+FROM c\n+CMD x\n"
        );
    }
}
