//! Expansions: parameters with the known values, command substitutions
//! (walked, their value unknown), field splitting, `~`, patterns.

use super::*;

impl Walker<'_> {
    /// A word expanded to one value (an assignment's, a case word's).
    pub(super) fn expand_one(&mut self, w: &Word, st: &mut State) -> Option<String> {
        let mut value = Some(String::new());
        // Every part is read, so that each command substitution is walked.
        for p in &w.parts {
            match (self.part_value(p, st), &mut value) {
                (Some(v), Some(acc)) => acc.push_str(&v),
                _ => value = None,
            }
        }
        value
    }

    /// The value of one part; `None` where unknown. Command substitutions
    /// are walked, since their commands run.
    pub(super) fn part_value(&mut self, p: &Part, st: &mut State) -> Option<String> {
        match p {
            Part::Lit { text, .. } => Some(text.clone()),
            Part::Param { name, op, .. } => self.param(name, op, st),
            Part::Subst { script, .. } => {
                self.in_subshell(st, |w, sub| w.script(script, sub));
                None
            }
            Part::Arith { .. } => None,
        }
    }

    pub(super) fn param(&mut self, name: &str, op: &ParamOp, st: &mut State) -> Option<String> {
        // `None`: not known; `Some(None)`: known to be set, value unknown.
        let current: Option<Option<String>> = if syntax::is_name(name) {
            st.vars.get(name).cloned()
        } else {
            None
        };
        let known = current.clone().flatten();
        match op {
            ParamOp::Value | ParamOp::Error => known,
            ParamOp::Default { colon, word } | ParamOp::Assign { colon, word } => {
                let Some(v) = known else {
                    // The default may run: its command substitutions too.
                    let _ = self.expand_one(word, st);
                    return None;
                };
                if v.is_empty() && *colon {
                    let d = self.expand_one(word, st);
                    if matches!(op, ParamOp::Assign { .. }) {
                        st.set_var(name, d.clone());
                    }
                    d
                } else {
                    Some(v)
                }
            }
            ParamOp::Alternative { colon, word } => {
                let Some(v) = known else {
                    let _ = self.expand_one(word, st);
                    return None;
                };
                if v.is_empty() && *colon {
                    Some(String::new())
                } else {
                    self.expand_one(word, st)
                }
            }
            ParamOp::Other => None,
        }
    }

    /// A word expanded to its fields: unquoted expansions of known values
    /// split at blanks; an unquoted empty expansion disappears; a leading
    /// `~` is `$HOME`.
    pub(super) fn expand(&mut self, w: &Word, st: &mut State) -> Vec<Arg> {
        let mut fields: Vec<Arg> = Vec::new();
        let mut current = String::new();
        let mut known = true;
        let mut started = false;
        for (i, p) in w.parts.iter().enumerate() {
            match p {
                Part::Lit { text, quoted } => {
                    let tilde = i == 0 && !quoted && (text == "~" || text.starts_with("~/"));
                    if tilde {
                        match st.vars.get("HOME").cloned().flatten() {
                            Some(home) => current.push_str(&home),
                            None => known = false,
                        }
                        current.push_str(&text[1..]);
                    } else {
                        current.push_str(text);
                    }
                    // A pattern (`packages/*`, bash's `{a,b}`) names files
                    // only the build knows.
                    if !quoted && is_pattern(text) {
                        known = false;
                    }
                    started = true;
                }
                Part::Param { quoted: false, .. } => match self.part_value(p, st) {
                    Some(v) => {
                        for (j, piece) in v.split([' ', '\t', '\n']).enumerate() {
                            if j > 0 && started {
                                fields.push(Arg {
                                    value: known.then(|| std::mem::take(&mut current)),
                                    raw: w.raw.clone(),
                                });
                                current.clear();
                                known = true;
                                started = false;
                            }
                            if !piece.is_empty() {
                                current.push_str(piece);
                                started = true;
                            }
                        }
                    }
                    None => {
                        known = false;
                        started = true;
                    }
                },
                _ => {
                    match self.part_value(p, st) {
                        Some(v) => current.push_str(&v),
                        None => known = false,
                    }
                    started = true;
                }
            }
        }
        if started {
            fields.push(Arg {
                value: known.then_some(current),
                raw: w.raw.clone(),
            });
        }
        fields
    }
}

/// Whether unquoted text is a file pattern or a brace expansion.
pub(super) fn is_pattern(text: &str) -> bool {
    // A URL's `?` matches no file in a build, and the shell keeps it.
    if text.contains("://") {
        return false;
    }
    text.contains(['*', '?'])
        || text
            .find('[')
            .is_some_and(|open| text[open + 1..].contains(']'))
        || text
            .find('{')
            .is_some_and(|open| text[open..].contains(',') && text[open..].contains('}'))
}
