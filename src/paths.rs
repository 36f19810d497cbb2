//! Paths inside an image: absolute, normalised, and compared by folder.

/// `path` as an absolute, normalised path, read from the folder `cwd`.
pub fn resolve(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{cwd}/{path}"))
    }
}

/// Normalises an absolute path: no `.`, no `..`, no repeated or trailing `/`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` is a folder every Linux image has, where `cp x DIR` or
/// `mv x DIR` puts `x` inside rather than replacing the folder.
pub fn is_system_folder(path: &str) -> bool {
    const FOLDERS: &[&str] = &[
        "/",
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/tmp",
        "/opt",
        "/srv",
    ];
    let path = path.trim_end_matches('/');
    FOLDERS.contains(&if path.is_empty() { "/" } else { path })
}

/// Whether `path` is `dir` or inside it.
pub fn is_within(path: &str, dir: &str) -> bool {
    let path = normalize(path);
    let dir = normalize(dir);
    dir == "/" || path == dir || path.starts_with(&format!("{dir}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize("/app/./src/../dist/"), "/app/dist");
        assert_eq!(resolve("/app", "../etc/x"), "/etc/x");
        assert!(is_within("/app/dist", "/app"));
        assert!(!is_within("/application", "/app"));
    }
}
