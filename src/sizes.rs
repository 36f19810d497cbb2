//! Published base-image sizes, for the estimated saving. The table
//! (`data/image-sizes.json`) cites a source for every figure; rows match in
//! order, first match wins, against the normalised `NAME:TAG`.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Table {
    rows: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Row {
    pattern: String,
    uncompressed_mb: Option<f64>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../data/image-sizes.json"))
            .expect("data/image-sizes.json is checked by the sizes tests")
    })
}

/// `docker.io/` and `library/` stripped, the digest dropped, `latest` for a
/// missing tag. A bare variant tag (`node:slim`) reads as `latest-slim` so
/// that the `*-slim*` rows match it.
pub fn normalize(image: &str) -> String {
    let image = image.split('@').next().unwrap_or(image);
    let image = image.strip_prefix("docker.io/").unwrap_or(image);
    let image = image.strip_prefix("library/").unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match image[last_slash..].find(':') {
        Some(i) => (&image[..last_slash + i], &image[last_slash + i + 1..]),
        None => (image, "latest"),
    };
    let tag = match tag {
        "slim" | "alpine" => format!("latest-{tag}"),
        t => t.to_string(),
    };
    format!("{name}:{tag}")
}

/// The uncompressed size in MB of an image, if a row matches.
pub fn size_mb(image: &str) -> Option<f64> {
    if image.contains('$') {
        return None;
    }
    let name = normalize(image);
    let bare = name.trim_end_matches(":latest");
    table()
        .rows
        .iter()
        .find(|r| glob(&r.pattern, &name) || glob(&r.pattern, bare))
        .and_then(|r| r.uncompressed_mb)
}

/// The estimated saving in bytes from `builder` to `runtime`.
pub fn saving_bytes(builder: &str, runtime: &str) -> Option<i64> {
    let from = size_mb(builder)?;
    let to = size_mb(runtime)?;
    Some(((from - to) * 1_000_000.0) as i64)
}

/// Shell-style glob with `*` and `?`.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `850 MB`, `1.2 GB`, `5.8 TB`.
pub fn human_bytes(bytes: i64) -> String {
    let mb = bytes as f64 / 1e6;
    if mb.abs() >= 1_000_000.0 {
        format!("{:.1} TB", mb / 1_000_000.0)
    } else if mb.abs() >= 1000.0 {
        format!("{:.1} GB", mb / 1000.0)
    } else {
        format!("{mb:.0} MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_in_order() {
        assert_eq!(size_mb("node:20"), Some(1100.0));
        assert_eq!(
            size_mb("docker.io/library/node:20-slim@sha256:ab"),
            Some(250.0)
        );
        assert_eq!(size_mb("node:20-alpine3.20"), Some(170.0));
        assert_eq!(size_mb("node:slim"), Some(250.0));
        assert_eq!(size_mb("gcr.io/distroless/nodejs22-debian13"), Some(100.0));
        assert_eq!(size_mb("nginx:1.27"), None);
        assert_eq!(size_mb("node:${V}-slim"), None);
        assert_eq!(saving_bytes("node:20", "node:20-slim"), Some(850_000_000));
    }
}
