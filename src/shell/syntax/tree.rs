//! The shell's syntax tree: words with their quoting and expansions,
//! redirections, commands, lists.

/// One word as written: literal pieces and expansions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Word {
    pub(crate) parts: Vec<Part>,
    /// The word's text as written (for messages and unknown arguments).
    pub(crate) raw: String,
}

impl Word {
    /// The word's text when it is made of literal pieces only.
    pub(crate) fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit { text, .. } => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Whether the word is one unquoted literal (how reserved words and
    /// function names are written).
    pub(crate) fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit {
                text,
                quoted: false,
            }] => Some(text),
            _ => None,
        }
    }
}

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text; `quoted` text is neither split nor globbed.
    Lit { text: String, quoted: bool },
    /// `$NAME`, `${NAME}`, `${NAME:-word}` and friends.
    Param {
        name: String,
        /// The operator and its word (`:-`, `-`, `:=`, `=`, `:+`, `+`, `:?`,
        /// `?`), or another modifier slimfile does not evaluate (`#`, `%`,
        /// `/`, a length), kept as `Other`.
        op: ParamOp,
        quoted: bool,
    },
    /// `$(…)` or `` `…` ``: its script, run in a subshell; the value is unknown.
    Subst { script: String, quoted: bool },
    /// `$((…))`: its value is not computed.
    Arith { quoted: bool },
}

/// What a parameter expansion does with its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamOp {
    /// The value itself.
    Value,
    /// `${NAME:-word}` (`colon`) or `${NAME-word}`: the word where unset (or empty).
    Default { colon: bool, word: Word },
    /// `${NAME:=word}`: as `Default`, and assigns it.
    Assign { colon: bool, word: Word },
    /// `${NAME:+word}`: the word where set.
    Alternative { colon: bool, word: Word },
    /// `${NAME:?word}`: the value, or the shell stops.
    Error,
    /// `${#NAME}`, `${NAME%x}`, `${NAME/a/b}`…: not evaluated.
    Other,
}

/// A redirection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub(crate) fd: Option<u32>,
    pub(crate) op: RedirOp,
    /// The file (or fd, or heredoc delimiter) it names.
    pub(crate) target: Word,
    /// For a heredoc, its index in [`Script::heredocs`].
    pub(crate) heredoc: Option<usize>,
}

/// The kinds of redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirOp {
    /// `<`
    In,
    /// `>`, `>|`
    Out,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>&`, `<&` (a file descriptor, or with bash a file)
    Dup,
    /// `&>`, `>&file`
    OutErr,
    /// `&>>`
    AppendErr,
    /// `<<`, `<<-`
    Heredoc,
    /// `<<<`
    HereString,
}

/// A heredoc body, read after the line that opened it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HeredocBody {
    pub(crate) text: String,
    /// A quoted delimiter: the body is not expanded.
    pub(crate) quoted: bool,
}

/// A command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cmd {
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    Compound {
        body: Compound,
        redirects: Vec<Redirect>,
    },
    /// `name() { …; }`: the body runs where the function is called.
    Function { name: String, body: Box<Cmd> },
}

/// The compound commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Compound {
    /// `{ …; }`
    Group(List),
    /// `( … )`
    Subshell(List),
    /// `if c; then …; elif c; then …; else …; fi`
    If {
        arms: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    /// `for NAME in words; do …; done` (`items` is `None` for `"$@"`).
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
    },
    /// `while c; do …; done`, `until c; do …; done`
    While { cond: List, body: List },
    /// `case word in pattern) …;; esac`
    Case { word: Word, arms: Vec<List> },
    /// `[[ … ]]`: a test that runs no program, with its words (whose
    /// command substitutions run).
    Test(Vec<Word>),
    /// `(( … ))` and `for ((…))`: arithmetic, as written.
    Arith(String),
}

/// Commands joined by `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub(crate) negated: bool,
    pub(crate) cmds: Vec<Cmd>,
}

/// Pipelines joined by `&&` (`true`) and `||` (`false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AndOr {
    pub(crate) first: Pipeline,
    pub(crate) rest: Vec<(bool, Pipeline)>,
}

/// And-or lists separated by `;`, `&` (background: `true`) or newlines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct List {
    pub(crate) items: Vec<(AndOr, bool)>,
}

/// A parsed script and its heredoc bodies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Script {
    pub(crate) list: List,
    pub(crate) heredocs: Vec<HeredocBody>,
}

/// Why a script could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError(pub(crate) String);
