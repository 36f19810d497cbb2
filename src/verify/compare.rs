//! The comparison of the original image with the rewrite's: each field of
//! the configuration a container starts with is the same, or its
//! difference is one the plan announced, or the verification fails.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::engine::{Image, FIELDS};

/// Differences the plan made on purpose, each with its reason: a field
/// (`User`), or one `Env` key as `Env.NAME`.
pub type Announced = BTreeMap<String, String>;

/// One compared field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compared {
    /// `Cmd`, `Env.PATH`, `Labels.version`.
    pub field: String,
    pub original: String,
    pub rewrite: String,
    pub verdict: Verdict,
    /// Why a difference is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Same,
    /// Different, as the plan or the runtime image says it would be.
    Announced,
    Differs,
}

/// The base images of the two builds, where they could be inspected: a
/// value the original only inherited from its base may become the runtime
/// image's own.
pub struct Bases<'a> {
    pub builder: Option<&'a Image>,
    pub runtime: Option<&'a Image>,
}

/// Compares every field; map-valued ones (`Env`, `Labels`) key by key.
pub fn compare(
    original: &Image,
    rewrite: &Image,
    bases: &Bases,
    announced: &Announced,
) -> Vec<Compared> {
    let mut out = Vec::new();
    for field in FIELDS {
        let get = |image: Option<&Image>| image.and_then(|i| i.config.get(field)).cloned();
        let (o, r) = (get(Some(original)), get(Some(rewrite)));
        let (bo, br) = (get(bases.builder), get(bases.runtime));
        match field {
            "Env" | "Labels" => {
                let (o, r, bo, br) = (entries(&o), entries(&r), entries(&bo), entries(&br));
                let mut keys: Vec<&String> = o.keys().chain(r.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let name = format!("{field}.{key}");
                    let pick = |m: &BTreeMap<String, String>| m.get(key).cloned();
                    out.push(judge(
                        &name,
                        pick(&o),
                        pick(&r),
                        (pick(&bo), pick(&br)),
                        bases.builder.is_some() && bases.runtime.is_some(),
                        announced.get(&name).or(announced.get(field)),
                    ));
                }
            }
            _ => out.push(judge(
                field,
                o.map(|v| text(&v)),
                r.map(|v| text(&v)),
                (bo.map(|v| text(&v)), br.map(|v| text(&v))),
                bases.builder.is_some() && bases.runtime.is_some(),
                announced.get(field),
            )),
        }
    }
    out
}

fn judge(
    field: &str,
    original: Option<String>,
    rewrite: Option<String>,
    (builder, runtime): (Option<String>, Option<String>),
    bases_known: bool,
    announced: Option<&String>,
) -> Compared {
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
    let mut c = Compared {
        field: field.to_string(),
        original: shown(&original),
        rewrite: shown(&rewrite),
        verdict: Verdict::Same,
        why: None,
    };
    if original == rewrite {
        return c;
    }
    if let Some(why) = announced {
        c.verdict = Verdict::Announced;
        c.why = Some(why.clone());
        return c;
    }
    // The original only inherited this from its base, and the rewrite has
    // what its runtime image sets: a difference of the images, not of the
    // Dockerfile. `PATH` is compared whatever its source: a program not
    // found is a broken image.
    if bases_known && field != "Env.PATH" && original == builder && rewrite == runtime {
        c.verdict = Verdict::Announced;
        c.why = Some("inherited from the base image, and the runtime image has its own".into());
        return c;
    }
    c.verdict = Verdict::Differs;
    c
}

/// `Env` (`["K=V"]`) and `Labels` (`{"k": "v"}`) as one map.
fn entries(value: &Option<Value>) -> BTreeMap<String, String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv.to_string(), String::new()),
            })
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => BTreeMap::new(),
    }
}

/// A value as one line: strings bare, the rest as compact JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(config: Value) -> Image {
        let config = config
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Image { size: 1, config }
    }

    fn verdicts(c: &[Compared]) -> Vec<(String, Verdict)> {
        c.iter()
            .filter(|c| c.verdict != Verdict::Same)
            .map(|c| (c.field.clone(), c.verdict))
            .collect()
    }

    #[test]
    fn a_lost_healthcheck_differs() {
        let o = image(
            json!({"Cmd": ["node", "server.js"], "Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"]}}),
        );
        let r = image(json!({"Cmd": ["node", "server.js"]}));
        let none = Bases {
            builder: None,
            runtime: None,
        };
        let c = compare(&o, &r, &none, &Announced::new());
        assert_eq!(
            verdicts(&c),
            [("Healthcheck".to_string(), Verdict::Differs)]
        );
        let h = c.iter().find(|c| c.field == "Healthcheck").unwrap();
        assert_eq!(h.rewrite, "(none)");
        assert!(h.original.contains("curl -f localhost"), "{h:?}");
    }

    #[test]
    fn what_the_base_images_set_may_differ_but_path_and_the_files_own_may_not() {
        let builder = image(
            json!({"Env": ["PATH=/usr/bin", "YARN_VERSION=1.22"], "Labels": {"maintainer": "a"}}),
        );
        let runtime = image(json!({"Env": ["PATH=/usr/bin"]}));
        let o = image(
            json!({"Env": ["PATH=/usr/bin", "YARN_VERSION=1.22", "NODE_ENV=production"], "Labels": {"maintainer": "a", "app": "x"}}),
        );
        let r =
            image(json!({"Env": ["PATH=/usr/bin", "NODE_ENV=production"], "Labels": {"app": "x"}}));
        let bases = Bases {
            builder: Some(&builder),
            runtime: Some(&runtime),
        };
        let c = compare(&o, &r, &bases, &Announced::new());
        assert_eq!(
            verdicts(&c),
            [
                ("Env.YARN_VERSION".to_string(), Verdict::Announced),
                ("Labels.maintainer".to_string(), Verdict::Announced)
            ]
        );
        // The rewrite loses the file's own ENV: a difference nobody announced.
        let r = image(json!({"Env": ["PATH=/usr/bin"], "Labels": {"app": "x"}}));
        let c = compare(&o, &r, &bases, &Announced::new());
        assert!(verdicts(&c).contains(&("Env.NODE_ENV".to_string(), Verdict::Differs)));
        // A changed PATH fails even where the images explain it.
        let runtime = image(json!({"Env": ["PATH=/bin"]}));
        let r = image(json!({"Env": ["PATH=/bin", "NODE_ENV=production"], "Labels": {"app": "x"}}));
        let bases = Bases {
            builder: Some(&builder),
            runtime: Some(&runtime),
        };
        let c = compare(&o, &r, &bases, &Announced::new());
        assert!(verdicts(&c).contains(&("Env.PATH".to_string(), Verdict::Differs)));
    }

    #[test]
    fn an_announced_difference_passes_with_its_reason() {
        let o = image(json!({"User": "node"}));
        let r = image(json!({"User": "1000"}));
        let none = Bases {
            builder: None,
            runtime: None,
        };
        let announced = Announced::from([("User".to_string(), "given by its id".to_string())]);
        let c = compare(&o, &r, &none, &announced);
        let u = c.iter().find(|c| c.field == "User").unwrap();
        assert_eq!(
            (u.verdict, u.why.as_deref()),
            (Verdict::Announced, Some("given by its id"))
        );
    }
}
