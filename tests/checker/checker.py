"""An independent check of slimfile's rewrites.

It judges a rewrite from outside: it parses with BuildKit's own parser (the PyPI
package `dockerfile`, which wraps moby/buildkit's Go parser), keeps its own small table
of base-image defaults, and never uses slimfile's parser, templates, --dump-syntax or
--explain. What may differ between an original and its rewrite is the closed list
ALLOWED below; nothing slimfile prints can widen it.
"""

import json
import re
import shlex

import dockerfile

# What the base images set before a Dockerfile's own instructions, and what they hold.
# Keyed by the image name's pattern; first match wins. Each row says where its facts
# come from: the images' own documentation and build files, never slimfile's templates.
BASES = [
    # GoogleContainerTools/distroless: nodejs/README.md ("The entrypoint of this image is
    # set to node"; the image has no shell and no package manager), nodejs/BUILD, whose
    # entrypoint is the absolute /nodejs/bin/node: node is not on PATH, so an argv that
    # names `node` (a HEALTHCHECK, say) fails. Users from base/README.md and
    # common/variables.bzl: root, nonroot (65532), nobody (65534).
    (r"^(.*/)?gcr\.io/distroless/nodejs\d+-debian\d+(:.*)?$", {
        "entrypoint": ["/nodejs/bin/node"], "cmd": [], "workdir": "/", "user": "",
        "shell": False, "programs": {"/nodejs/bin/node"},
        "users": {"root", "0", "nonroot", "65532", "nobody", "65534"},
    }),
    # docker-library/docs node/content.md and nodejs/docker-node's Dockerfiles:
    # ENTRYPOINT docker-entrypoint.sh, CMD node, the user `node` (uid 1000), npm, npx and
    # yarn classic installed globally.
    (r"^(.*/)?(library/)?node(:[^@]*)?(@.*)?$", {
        "entrypoint": ["docker-entrypoint.sh"], "cmd": ["node"], "workdir": "/", "user": "",
        "shell": True, "programs": {"node", "npm", "npx", "sh", "docker-entrypoint.sh"},
        "users": {"root", "0", "node", "1000"},
    }),
    # docker-library/python's Dockerfile templates and docker-library/repo-info
    # (repos/python): no ENTRYPOINT, CMD ["python3"], PATH with /usr/local/bin first, ENV
    # LANG, GPG_KEY and PYTHON_VERSION; the interpreter, pip and their unversioned
    # links (`for src in idle3 pip3 pydoc3 python3 python3-config; do ... ln -svT`) in
    # /usr/local/bin; Debian's and alpine's users (root, nobody).
    (r"^(.*/)?(library/)?python(:[^@]*)?(@.*)?$", {
        "entrypoint": [], "cmd": ["python3"], "workdir": "/", "user": "", "shell": True,
        "programs": {"python", "python3", "pip", "pip3", "pydoc", "pydoc3", "idle", "idle3",
                     "python-config", "python3-config", "sh"},
        "users": {"root", "0", "nobody"},
    }),
    (r"^(.*/)?(library/)?nginx(:.*)?$", {
        "entrypoint": ["/docker-entrypoint.sh"], "cmd": ["nginx", "-g", "daemon off;"],
        "workdir": "/", "user": "", "shell": True, "programs": {"nginx", "sh"},
        "users": {"root", "0", "nginx"},
    }),
    # docker-library/golang's Dockerfile templates and repo-info (repos/golang): ENV
    # PATH=/go/bin:/usr/local/go/bin:..., GOPATH=/go, GOLANG_VERSION, GOTOOLCHAIN=local;
    # WORKDIR /go; no ENTRYPOINT, and the CMD of its base (Debian's ["bash"], alpine's
    # ["/bin/sh"]); Debian's base-passwd and alpine's baselayout users (nobody 65534).
    (r"^(.*/)?(library/)?golang(:[^@]*)?(@.*)?$", {
        "entrypoint": [], "cmd": ["bash"], "workdir": "/go", "user": "", "shell": True,
        "programs": {"go", "gofmt", "sh", "bash"},
        "users": {"root", "0", "nobody", "65534"},
    }),
    # docker-library/repo-info repos/debian (the slim variants): CMD ["bash"], no
    # ENTRYPOINT, no ca-certificates; base-passwd's users.
    (r"^(.*/)?(library/)?debian:[a-z]+-slim(@.*)?$", {
        "entrypoint": [], "cmd": ["bash"], "workdir": "/", "user": "", "shell": True,
        "programs": {"sh", "bash"},
        "users": {"root", "0", "nobody", "65534"},
    }),
    # alpinelinux/docker-alpine: CMD ["/bin/sh"]; busybox; baselayout's users.
    (r"^(.*/)?(library/)?alpine:[\d.]+(@.*)?$", {
        "entrypoint": [], "cmd": ["/bin/sh"], "workdir": "/", "user": "", "shell": True,
        "programs": {"sh"},
        "users": {"root", "0", "nobody", "65534"},
    }),
    # GoogleContainerTools/distroless base/README.md: static and base have no shell, no
    # ENTRYPOINT and no CMD, CA certificates and tzdata; users root, nonroot (65532) and
    # nobody (65534); static has no C library, base has glibc.
    (r"^(.*/)?gcr\.io/distroless/(static|base|base-nossl)-debian\d+(:.*)?$", {
        "entrypoint": [], "cmd": [], "workdir": "/", "user": "", "shell": False,
        "programs": set(), "users": {"root", "0", "nonroot", "65532", "nobody", "65534"},
    }),
    (r"^scratch$", {
        "entrypoint": [], "cmd": [], "workdir": "/", "user": "", "shell": False,
        "programs": set(), "users": {"root", "0"},
    }),
]

# The utilities of the operating systems under the node images, which a start command
# may call (`sh -c "rm -rf …; mkdir -p …"`): the common ones only. Debian: coreutils,
# findutils, grep, sed and the other Essential packages that debian:<release>-slim holds
# (docker-library/repo-info, repos/debian/local/*-slim.md, and `dpkg -L coreutils`).
# Alpine: the busybox applets of the alpine image (alpinelinux/docker-alpine rootfs).
OS_UTILITIES = {
    "cat", "cp", "mv", "rm", "mkdir", "rmdir", "ln", "ls", "chmod", "chown", "touch", "echo",
    "printf", "env", "sleep", "test", "[", "true", "false", "head", "tail", "sort", "cut",
    "tr", "tee", "date", "id", "dirname", "basename", "find", "xargs", "grep", "sed", "awk",
    "tar", "gzip", "sh",
}
ALPINE_ONLY_UTILITIES = {"wget", "nc", "ps", "kill", "ping", "vi", "unzip"}

# Where alpine's packages put programs that Debian's put elsewhere (Alpine's package
# contents, pkgs.alpinelinux.org: tini installs /sbin/tini; Debian's tini /usr/bin/tini).
ALPINE_PATHS = {"/usr/bin/tini": "/sbin/tini"}

# The users the node images create, by id (docker-library/docs node/content.md:
# "the node user", uid 1000; nodejs/docker-node: groupadd --gid 1000 node, useradd --uid
# 1000), for a runtime image that does not have the name.
NODE_USER_IDS = {"node": {"1000", "1000:1000"}}

# The users every golang image has by id (Debian's base-passwd, alpine's baselayout),
# for scratch, which has no /etc/passwd.
GO_USER_IDS = {"nobody": {"65534", "65534:65534"}, "root": {"0", "0:0"}}

# The PATH the golang images set (docker-library/golang: ENV PATH /usr/local/go/bin:$PATH,
# then GOPATH /go and PATH $GOPATH/bin:$PATH, on Debian's and alpine's default PATH).
GO_IMAGE_PATH = "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Variants of node images and what else they carry.
NODE_EXTRA = [
    (r"-alpine", {"wget"}),
    (r"-slim", {"bash"}),
    (r"", {"bash", "curl", "wget", "git"}),  # the full Debian image
]

# Variants of python images and what else they carry: the full Debian image stands on
# buildpack-deps (curl, wget, git, gcc, make and the -dev headers); slim on debian:*-slim.
PYTHON_EXTRA = [
    (r"-alpine", set()),
    (r"slim", {"bash"}),
    (r"", {"bash", "curl", "wget", "git", "gcc", "make"}),  # the full Debian image
]

# Arguments Docker predefines in every stage.
PREDEFINED_ARGS = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
}

# The closed list of differences a rewrite may have from its original, each with its
# reason. The checker allows nothing else.
ALLOWED = {
    "node-entrypoint": "docker-entrypoint.sh passes its arguments on, and runs `node` first "
                       "when the first argument is an option or not a program: the same process",
    "distroless-node": "distroless node's entrypoint is node itself, so CMD [\"node\", \"x.js\"] "
                       "becomes CMD [\"x.js\"]: the same argv",
    "script-to-node": "`npm start` (or yarn, pnpm) resolved through package.json to the "
                      "`node …` command its script runs, where the image lacks the package manager",
    "shell-to-exec": "a shell-form command with no shell syntax, written as the JSON array of "
                     "its words, where the image has no shell",
    "alpine-path": "the same program at the path alpine's package installs it "
                   "(/usr/bin/tini on Debian is /sbin/tini on alpine)",
    "user-as-id": "a node image user given by its numeric id on a runtime image that lacks the "
                  "name (distroless): the same uid and gid",
    "tool-run": "`poetry run X`, `pipenv run X`, `uv run X`: X itself, from the environment "
                "the tool would run it in, that environment's bin first on PATH; the final "
                "stage has no tool",
    "python-user-base": "a user's ~/.local, where the builder's pip --user (or pip as that "
                        "user) installed the packages, copied whole to the same path",
    "go-image-path": "the PATH the golang image set, set again where the runtime image has "
                     "none of its own that finds the binary: the same command lookup",
    "go-zoneinfo": "ZONEINFO naming Go's own zone database (time package docs), copied from "
                   "the builder, where the builder's image has no tzdata (golang alpine)",
    "go-static": "CGO_ENABLED=0 on the build of a binary for an image without a C library",
    "go-run-built": "`go run FLAGS PACKAGE ARGS` at start, as `BINARY ARGS` where the builder "
                    "has `go build FLAGS -o BINARY PACKAGE`: the same program, compiled once",
    "python-venv": "a virtual environment the builder makes before its pip installs of the "
                   "application's packages, copied whole to the same path, with VIRTUAL_ENV and "
                   "its bin first on PATH: the programs pip installed are there, not in "
                   "/usr/local/bin",
}

# Linter findings a rewrite may add, each with its reason.
REVIEWED_LINT = {
    "DL3008": "apt-get install without pinned versions: the final stage installs the same "
              "package (curl, or one the builder installed) for the builder's Debian release, "
              "whose versions slimfile cannot know",
    "DL3018": "apk add without pinned versions: the same, for alpine",
    "DL3016": "npm install -g without a pinned version, where the original did the same",
    "DL3059": "a second RUN after another: the prune step, or the virtual environment's "
              "`python -m venv`, kept separate so the original lines stay as they were",
    "DL3006": "distroless images are versioned by name (nodejs22-debian13); their tags "
              "(latest, nonroot, debug) say nothing more",
    "DL3007": "the same: `latest` is distroless's only versionless tag",
}


def base_of(image):
    """The defaults of a base image, or None when the checker does not know it."""
    for pattern, base in BASES:
        if re.match(pattern, image):
            base = {k: (set(v) if isinstance(v, set) else v) for k, v in base.items()}
            if base["entrypoint"] == ["docker-entrypoint.sh"]:
                tag = image.split(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
                for suffix, extra in NODE_EXTRA:
                    if suffix in tag:
                        base["programs"] |= extra
                        break
                major = re.match(r"(\d+)", tag or "")
                if not major or int(major.group(1)) < 26:
                    base["programs"].add("yarn")
                base["programs"] |= OS_UTILITIES
                if "alpine" in tag:
                    base["programs"] |= ALPINE_ONLY_UTILITIES
            if base["cmd"] in (["bash"], ["/bin/sh"]):
                base["programs"] |= OS_UTILITIES
                if base["cmd"] == ["/bin/sh"] or "alpine" in image:
                    base["programs"] |= ALPINE_ONLY_UTILITIES
            if base["cmd"] == ["python3"]:
                tag = image.split(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
                for suffix, extra in PYTHON_EXTRA:
                    if re.search(suffix, tag):
                        base["programs"] |= extra
                        break
                base["programs"] |= OS_UTILITIES
                if "alpine" in tag:
                    base["programs"] |= ALPINE_ONLY_UTILITIES
            return base
    return None


def copied_venv(stages):
    """The virtual environment the final stage copies whole from a stage that made it
    (`python -m venv P` there, then `COPY --from=<it> P P`), or None."""
    final, names = stages[-1], {s.name: s for s in stages[:-1] if s.name}
    for c in final.all("COPY"):
        value, source = list(c.value), None
        for flag in c.flags:
            if flag.startswith("--from="):
                source = names.get(flag[len("--from="):])
        if source is None or len(value) != 2 or value[0] != value[1]:
            continue
        made = [r for r in source.all("RUN")
                if re.search(r"(^|[\s;&|/])python[\d.]*\s+-m\s+venv\s+" + re.escape(value[0]) + r"(\s|$)",
                             " ".join(r.value))]
        if not made:
            continue
        # Made before every pip install of the application's own packages: a
        # requirements file, the project itself, or an editable checkout.
        installs = [r for r in source.all("RUN")
                    if re.search(r"pip[\d.]*\s+install\s[^&;|]*(-r\s|\s\.(\s|$)|-e\s)",
                                 " ".join(r.value))]
        if all(made[0].start_line <= r.start_line for r in installs):
            return value[0]
    return None


def makes_project_env(source):
    """Whether a stage's installs make the project's own `.venv` in the folder they run in:
    `uv sync` always (uv's docs, "Project environment"); `poetry install` where
    `virtualenvs.in-project` is on (poetry's docs, "Configuration": the setting, or the
    POETRY_VIRTUALENVS_IN_PROJECT variable); `pipenv install` without --system where
    PIPENV_VENV_IN_PROJECT is set (pipenv's docs, "Configuration"). Neither poetry nor pipenv
    makes one where a VIRTUAL_ENV is active."""
    env, runs = {}, []
    for c in source.commands:
        kind, value = c.cmd.upper(), list(c.value)
        if kind == "ENV":
            env.update(zip(value[0::3], value[1::3]))
        if kind == "RUN":
            runs.append(" ".join(value))
    text = "\n".join(runs)
    truthy = re.compile(r"^['\"]?(1|true|yes|on)['\"]?$", re.I)
    if re.search(r"(^|[\s;&|])uv\s+sync(\s|$)", text):
        return True
    if "VIRTUAL_ENV" in env:
        return False
    poetry = re.search(r"(^|[\s;&|])poetry\s+(install|sync)(\s|$)", text)
    poetry_in_project = truthy.match(env.get("POETRY_VIRTUALENVS_IN_PROJECT", "")) \
        or re.search(r"poetry\s+config\s+virtualenvs\.in-project\s+true", text) \
        or re.search(r"POETRY_VIRTUALENVS_IN_PROJECT=(1|true)\s+poetry\s+install", text)
    pipenv = re.search(r"(^|[\s;&|])pipenv\s+(install|sync)(?![^\n&;|]*--system)", text)
    pipenv_in_project = truthy.match(env.get("PIPENV_VENV_IN_PROJECT", "")) \
        or re.search(r"PIPENV_VENV_IN_PROJECT=1\s+pipenv\s+(install|sync)", text)
    return bool((poetry and poetry_in_project) or (pipenv and pipenv_in_project))


def copied_project_env(stages, workdir):
    """The project's own environment (`<workdir>/.venv`, which `uv sync`, and poetry or pipenv
    set to, make in the folder they run in) where the final stage copies that folder whole
    from the stage that ran it."""
    final, names = stages[-1], {s.name: s for s in stages[:-1] if s.name}
    for c in final.all("COPY"):
        value, source = list(c.value), None
        for flag in c.flags:
            if flag.startswith("--from="):
                source = names.get(flag[len("--from="):])
        if source is None or len(value) != 2 or value[0] != value[1] or value[0] != workdir:
            continue
        if makes_project_env(source):
            return workdir.rstrip("/") + "/.venv"
    return None


# `go help build`: the build flags that take a value (`go run` takes the same).
GO_VALUED_FLAGS = {"-o", "-p", "-C", "-asmflags", "-buildmode", "-buildvcs", "-compiler",
                   "-gccgoflags", "-gcflags", "-installsuffix", "-ldflags", "-mod", "-modfile",
                   "-overlay", "-pgo", "-pkgdir", "-tags", "-toolexec", "-exec"}


def go_run_built(words, binary, builder):
    """`go run [build flags] PACKAGE [ARGS]` (`go help run`) run as `binary ARGS`, where the
    builder has a `go build` with the same flags and package writing `-o binary`: the
    program's ARGS, or None where no such build is there."""
    flags, rest = [], list(words)
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        flags.append(flag)
        if flag.split("=")[0] in GO_VALUED_FLAGS and "=" not in flag and rest:
            flags.append(rest.pop(0))
    package = []
    while rest and rest[0].endswith(".go"):
        package.append(rest.pop(0))
    if not package and rest:
        package.append(rest.pop(0))
    wanted = flags + ["-o", binary] + package
    for c in builder.all("RUN"):
        for m in re.finditer(r"go\s+build\s+([^&;|\n]*)", " ".join(c.value)):
            if shlex.split(m.group(1)) == wanted:
                return rest
    return None


def env_values(stage):
    """The values a stage's own ENV instructions set, unquoted (later ones win)."""
    env = {}
    for c in stage.commands:
        if c.cmd.upper() == "ENV":
            value = list(c.value)
            for k, v in zip(value[0::3], value[1::3]):
                env[k] = v.strip("'\"")
    return env


def static_problems(builder, final):
    """A Go binary on an image with no C library (scratch, distroless static) must be built
    with cgo off (`go help environment`: CGO_ENABLED; cmd/cgo: with cgo on, net and os/user
    link the C library): every go build or go install of the builder sets CGO_ENABLED=0 on
    its line, or an ENV does before it."""
    if not (final.image == "scratch" or re.search(r"distroless/static", final.image)):
        return []
    problems, env_off = [], False
    for c in builder.commands:
        kind, text = c.cmd.upper(), " ".join(c.value)
        if kind == "ENV" and env_values_of(c).get("CGO_ENABLED") == "0":
            env_off = True
        if kind == "RUN":
            for m in re.finditer(r"((?:\S+=\S*\s+)*)go\s+(build|install)\b", text):
                if not env_off and "CGO_ENABLED=0" not in m.group(1):
                    problems.append(f"line {c.start_line}: `go {m.group(2)}` may link the C "
                                    f"library (no CGO_ENABLED=0), and {final.image} has none")
    return problems


def env_values_of(c):
    value = list(c.value)
    return {k: v.strip("'\"") for k, v in zip(value[0::3], value[1::3])}


def copied_user_base(stages):
    """A user's ~/.local (pip --user's place) the final stage copies whole from a stage
    whose pip installed there (`pip install --user`, or pip after a USER other than root,
    which falls back to a user install), or None."""
    final, names = stages[-1], {s.name: s for s in stages[:-1] if s.name}
    for c in final.all("COPY"):
        value, source = list(c.value), None
        for flag in c.flags:
            if flag.startswith("--from="):
                source = names.get(flag[len("--from="):])
        if source is None or len(value) != 2 or value[0] != value[1] or not value[0].endswith("/.local"):
            continue
        user = "root"
        for r in source.commands:
            if r.cmd.upper() == "USER":
                user = (list(r.value) or ["root"])[0].split(":")[0]
            if r.cmd.upper() == "RUN":
                text = " ".join(r.value)
                if re.search(r"pip[\d.]*\s+install\s", text) and ("--user" in text or user not in ("root", "0")):
                    return value[0]
    return None


class Stage:
    """One stage of a Dockerfile, as BuildKit's parser reads it."""

    def __init__(self, index, from_cmd, commands):
        self.index = index
        value = list(from_cmd.value)
        self.image = value[0] if value else ""
        self.name = value[2] if len(value) == 3 and value[1].lower() == "as" else None
        self.platform = next((f for f in from_cmd.flags if f.startswith("--platform=")), None)
        self.commands = commands
        self.line = from_cmd.start_line

    def all(self, kind):
        return [c for c in self.commands if c.cmd.upper() == kind]

    def last(self, kind):
        found = self.all(kind)
        return found[-1] if found else None


def read(text):
    """(global commands, stages), or raises ValueError with BuildKit's message."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        raise ValueError(f"BuildKit cannot parse it: {e}")
    known = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
             "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
             "WORKDIR"}
    stages, current, globals_ = [], None, []
    for c in commands:
        kind = c.cmd.upper()
        if kind not in known:
            raise ValueError(f"line {c.start_line}: unknown instruction {c.cmd}")
        if kind == "FROM":
            if len(c.value) not in (1, 3):
                raise ValueError(f"line {c.start_line}: FROM needs an image")
            current = Stage(len(stages), c, [])
            stages.append(current)
        elif current is None:
            globals_.append(c)
        else:
            current.commands.append(c)
    if not stages:
        raise ValueError("no FROM")
    return globals_, stages


def command_words(c):
    """A CMD/ENTRYPOINT/HEALTHCHECK command as argv: exec form as is, shell form under sh."""
    values = list(c.value)
    if c.cmd.upper() == "HEALTHCHECK":
        values = values[1:] if values and values[0].upper() == "CMD" else []
    if c.json:
        return values
    return ["/bin/sh", "-c", " ".join(values)] if values else []


def effective(stage, base):
    """The image configuration a stage ends with, its base's defaults overlaid."""
    entry, cmd = list(base["entrypoint"]), list(base["cmd"])
    cmd_set = False
    workdir, user = base["workdir"], base["user"]
    env, labels, expose, volumes = {}, set(), set(), set()
    healthcheck, stopsignal = None, None
    for c in stage.commands:
        kind, value = c.cmd.upper(), list(c.value)
        if kind == "ENTRYPOINT":
            entry = command_words(c)
            if not cmd_set:
                cmd = []
        elif kind == "CMD":
            cmd, cmd_set = command_words(c), True
        elif kind == "WORKDIR":
            path = value[0] if value else "/"
            workdir = path if path.startswith("/") else workdir.rstrip("/") + "/" + path
        elif kind == "USER":
            user = value[0] if value else ""
        elif kind == "ENV":
            for k, v in zip(value[0::3], value[1::3]):
                env[k] = v
        elif kind == "LABEL":
            labels.update(value[0::3])
        elif kind == "EXPOSE":
            expose.update(v if "/" in v else v + "/tcp" for v in value)
        elif kind == "VOLUME":
            volumes.update(value)
        elif kind == "HEALTHCHECK":
            healthcheck = (tuple(c.flags), tuple(value))
        elif kind == "STOPSIGNAL":
            stopsignal = value[0] if value else None
    return {
        "argv": entry + cmd, "workdir": normpath(workdir), "user": user or "root",
        "env": set(env), "labels": labels, "expose": expose, "volumes": volumes,
        "healthcheck": healthcheck, "stopsignal": stopsignal,
    }


def normpath(path):
    parts = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            parts and parts.pop()
        else:
            parts.append(p)
    return "/" + "/".join(parts)


def process_argv(argv, package_json):
    """The argv as the process that runs sees it, with the allowed normalisations applied:
    docker-entrypoint.sh and distroless paths stripped to node, scripts resolved, shell
    forms without shell syntax split. Returns (argv, set of ALLOWED keys used)."""
    used = set()
    argv = list(argv)
    if argv[:1] == ["docker-entrypoint.sh"]:
        used.add("node-entrypoint")
        argv = argv[1:]
        if not argv or argv[0].startswith("-"):
            argv = ["node"] + argv
    if argv[:1] == ["/nodejs/bin/node"]:
        used.add("distroless-node")
        argv = ["node"] + argv[1:]
    if argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3 and not re.search(r"[$`'\"\\|&;<>()*?\[\]{}~#\n]", argv[2]):
        used.add("shell-to-exec")
        argv = argv[2].split()
    if len(argv) >= 3 and argv[0] in ("poetry", "pipenv", "uv") and argv[1] == "run":
        rest = argv[2:]
        while rest and rest[0] in ("--frozen", "--locked", "--no-sync", "--offline", "--no-dev", "--"):
            rest = rest[1:]
        if rest:
            used.add("tool-run")
            argv = rest
    if len(argv) >= 2 and argv[0] in ("npm", "yarn", "pnpm") and package_json is not None:
        script = argv[1] if argv[1] != "run" else (argv[2] if len(argv) > 2 else "")
        body = package_json.get("scripts", {}).get(script if argv[1] != "start" else "start")
        if body and not re.search(r"[$`'\"\\|&;<>()*?\[\]{}~#\n]", body):
            words = body.split()
            if words[:1] == ["node"]:
                used.add("script-to-node")
                argv = words
    return argv, used


def lint_hadolint(hadolint, text):
    """hadolint's warning and error codes for a Dockerfile."""
    import subprocess
    out = subprocess.run([hadolint, "--no-fail", "-f", "json", "-"], input=text,
                         capture_output=True, text=True, check=True).stdout
    return {f["code"] for f in json.loads(out or "[]") if f["level"] in ("warning", "error")}


def lint_dockerfile_utils(binary, path):
    """dockerfile-utils' messages (it has no codes) for a Dockerfile."""
    import subprocess
    out = subprocess.run([binary, "lint", "-j", path], capture_output=True, text=True).stdout
    return {re.sub(r"\d+", "N", d["message"]) for d in json.loads(out or "[]")
            if d.get("severity") in ("error", "warning")}


def check(original, rewritten, package_json=None):
    """The problems with a rewrite, as a list of messages (empty when it passes)."""
    problems = []
    try:
        globals_before, before = read(original)
    except ValueError as e:
        return [f"the original does not parse: {e}"]
    try:
        globals_after, after = read(rewritten)
    except ValueError as e:
        return [f"the rewrite does not parse: {e}"]
    # An image named by a global ARG is judged by the ARG's default, as Docker builds it.
    for stage in before:
        stage.image = with_arg_defaults(stage.image, globals_before)
    for stage in after:
        stage.image = with_arg_defaults(stage.image, globals_after)
    if rewritten == original:
        return []
    if len(before) != 1:
        return ["a multi-stage original was rewritten"]
    orig, final = before[0], after[-1]

    # Stage wiring.
    names = []
    for s in after:
        for c in s.commands:
            for flag in c.flags:
                ref = None
                if flag.startswith("--from="):
                    ref = flag[len("--from="):]
                elif flag.startswith("--mount=") and "from=" in flag:
                    ref = re.search(r"from=([^,]+)", flag).group(1)
                if ref is not None and ref not in names and not ref.isdigit() and ":" not in ref and "/" not in ref:
                    problems.append(f"line {c.start_line}: {flag} names no earlier stage")
                if ref is not None and ref.isdigit() and int(ref) >= s.index:
                    problems.append(f"line {c.start_line}: {flag} names a later stage")
        if s.name:
            names.append(s.name)
    if final.image in names or final.image == "builder":
        problems.append("the final stage is FROM the builder")
    lean = re.search(r"[:-](alpine|slim)([\d.-]|$)|distroless|^scratch$", final.image)
    if final.image == orig.image and not lean:
        problems.append(f"the final stage stands on the builder's own image {final.image}")

    base_before, base_after = base_of(orig.image), base_of(final.image)
    if base_before is None or base_after is None:
        return problems + [f"unknown base image {orig.image if base_before is None else final.image}"]
    a, b = effective(orig, base_before), effective(final, base_after)

    # The runtime contract.
    argv_a, _ = process_argv(a["argv"], package_json)
    argv_b, used_b = process_argv(b["argv"], package_json)
    if argv_a and argv_b and ALPINE_PATHS.get(argv_a[0]) == argv_b[0] and "alpine" in final.image:
        used_b.add("alpine-path")
        argv_a = [argv_b[0]] + argv_a[1:]
    same_user_by_id = (a["user"] != b["user"] and "distroless" in final.image
                       and b["user"] in NODE_USER_IDS.get(a["user"], set())) \
        or (a["user"] != b["user"] and final.image == "scratch" and "golang" in orig.image
            and b["user"] in GO_USER_IDS.get(a["user"], set()))
    if same_user_by_id:
        used_b.add("user-as-id")
    if argv_a[:2] == ["go", "run"] and argv_b:
        built = go_run_built(argv_a[2:], argv_b[0], after[0])
        if built is not None:
            used_b.add("go-run-built")
            argv_a = [argv_b[0]] + built
    if argv_a != argv_b:
        problems.append(f"the command differs: {a['argv']} runs {argv_a}, the rewrite {b['argv']} runs {argv_b}")
    venv = copied_venv(after) or copied_project_env(after, b["workdir"])
    on_path = venv is not None and any(
        c.cmd.upper() == "ENV" and any(k == "PATH" and v.strip("'\"").split(":")[0] == venv + "/bin"
                                       for k, v in zip(list(c.value)[0::3], list(c.value)[1::3]))
        for c in final.commands)
    user_base = copied_user_base(after)
    user_on_path = user_base is not None and any(
        c.cmd.upper() == "ENV" and any(k == "PATH" and user_base + "/bin" in v.strip("'\"").split(":")
                                       for k, v in zip(list(c.value)[0::3], list(c.value)[1::3]))
        for c in final.commands)
    if venv is not None and on_path:
        added = b["env"] - a["env"]
        if added and added <= {"VIRTUAL_ENV", "PATH"}:
            used_b.add("python-venv")
            b["env"] = b["env"] - added
    if "golang" in orig.image:
        final_env = env_values(final)
        if final_env.get("PATH") == GO_IMAGE_PATH and "PATH" not in a["env"]:
            used_b.add("go-image-path")
            b["env"] = b["env"] - {"PATH"}
        zoneinfo = final_env.get("ZONEINFO")
        if zoneinfo and zoneinfo.endswith("zoneinfo.zip") and any(
                c.cmd.upper() == "COPY" and list(c.value)[-1:] == [zoneinfo] for c in final.commands):
            used_b.add("go-zoneinfo")
            b["env"] = b["env"] - {"ZONEINFO"}
        problems += static_problems(after[0], final)
    for key in ("expose", "user", "workdir", "env", "labels", "healthcheck", "volumes", "stopsignal"):
        if key == "user" and same_user_by_id:
            continue
        if a[key] != b[key]:
            problems.append(f"{key.upper()} differs: {a[key]} before, {b[key]} after")

    # No shell where there is none.
    if not base_after["shell"]:
        for c in final.commands:
            kind = c.cmd.upper()
            if kind in ("CMD", "ENTRYPOINT", "RUN") and not c.json and c.value:
                problems.append(f"line {c.start_line}: shell-form {kind} on an image with no shell")
            if kind == "HEALTHCHECK" and list(c.value)[:1] == ["CMD"] and not c.json:
                problems.append(f"line {c.start_line}: shell-form HEALTHCHECK on an image with no shell")

    # What runs exists.
    have = set(base_after["programs"])
    users = set(base_after["users"])
    for c in final.commands:
        kind, value = c.cmd.upper(), list(c.value)
        if kind == "RUN":
            text = " ".join(value)
            for m in re.finditer(r"(?:apt-get|apt) install ([^&;|]*)|apk add ([^&;|]*)", text):
                have.update(w for w in (m.group(1) or m.group(2)).split() if not w.startswith("-"))
            for m in re.finditer(r"npm (?:install|i) ([^&;|]*)", text):
                if re.search(r"(^|\s)(-g|--global)(\s|$)", m.group(1)):
                    for w in m.group(1).split():
                        if not w.startswith("-"):
                            name = w.rsplit("@", 1)[0] if w.rfind("@") > 0 else w
                            have.update({name, name + "-runtime", name + "-dev", name + "-docker"})
            # corepack's shims (nodejs/corepack README: `corepack enable` installs the
            # yarn and pnpm shims; `corepack prepare <name>@<version> --activate`).
            if "corepack enable" in text:
                have.update(m.group(1) for m in re.finditer(r"corepack prepare (yarn|pnpm)@", text))
            for m in re.finditer(r"(?:useradd|adduser)\s[^&;|]*?(\S+)\s*(?:$|&&|;)", text):
                users.add(m.group(1))
            for m in re.finditer(r"(?:groupadd|addgroup)\s", text):
                pass
        if kind == "COPY":
            dest = value[-1] if value else ""
            if dest in ("/etc/passwd",):
                users.add("*")
            for src in value[:-1]:
                have.add(dest.rstrip("/").rsplit("/", 1)[-1] if not dest.endswith("/") else src.rsplit("/", 1)[-1])
                have.add(dest)
    workdir = b["workdir"]
    # What runs is judged on the argv as written: `node` from the distroless-node
    # normalisation is only a name for comparing, not a program on that image's PATH.
    argv_run = ["/nodejs/bin/node"] + argv_b[1:] if "distroless-node" in used_b else argv_b
    for name, argv in (("the command", argv_run), ("HEALTHCHECK", list(b["healthcheck"][1]) if b["healthcheck"] else [])):
        if name == "HEALTHCHECK" and argv:
            argv = argv[1:] if argv[0].upper() == "CMD" else []
            if argv and not healthcheck_is_exec(final):
                argv = shlex.split(" ".join(argv), posix=True)
        if not argv:
            continue
        program = argv[0]
        # `sh -c "…"`, perhaps inside another: the script's first program.
        while program in ("/bin/sh", "sh", "bash", "/bin/bash") and len(argv) > 2 and argv[1] == "-c":
            argv = shlex.split(argv[2]) if argv[2].strip() else ["sh"]
            program = argv[0]
        short = program.rsplit("/", 1)[-1]
        inside_app = not program.startswith("/") and "/" in program or program.startswith(workdir + "/")
        # A program pip installed into the copied environment (gunicorn, a
        # project's console script): not one the original's image itself had.
        from_venv = ((venv is not None and on_path) or user_on_path) and "/" not in program \
            and program not in base_before["programs"]
        if from_venv and user_on_path and not (venv is not None and on_path):
            used_b.add("python-user-base")
        # A program inside a folder the final stage copies whole from the builder, whose
        # RUN wrote into that folder (`go build -o /out/`).
        in_copied_folder = program.startswith("/") and any(
            c.cmd.upper() == "COPY" and any(f.startswith("--from=") for f in c.flags)
            and len(list(c.value)) == 2 and program.startswith(list(c.value)[1].rstrip("/") + "/")
            and any(list(c.value)[1].rstrip("/") in " ".join(r.value) for r in after[0].all("RUN"))
            for c in final.commands)
        if not (program in have or short in have or inside_app or from_venv or in_copied_folder):
            problems.append(f"{name} runs {program}, which the final image does not have")
    user = b["user"].split(":")[0]
    if user not in users and "*" not in users and not user.isdigit():
        problems.append(f"USER {user} does not exist in the final image")

    # ARG scope: variables Docker substitutes in the final stage must be declared there.
    declared = set(PREDEFINED_ARGS)
    for c in final.commands:
        kind, value = c.cmd.upper(), list(c.value)
        if kind == "ARG":
            declared.update(v.split("=", 1)[0] for v in value)
        if kind in ("ENV", "LABEL", "EXPOSE", "WORKDIR", "USER", "COPY", "ADD", "VOLUME", "STOPSIGNAL"):
            for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", " ".join(value + list(c.flags))):
                if var not in declared and var not in base_env(final.image):
                    problems.append(f"line {c.start_line}: ${var} is not declared in the final stage")
        if kind == "ENV":
            declared.update(value[0::3])
    return problems


def with_arg_defaults(image, globals_):
    """`image` with `$NAME`/`${NAME}` replaced by the defaults of the ARGs before FROM."""
    defaults = {}
    for c in globals_:
        if c.cmd.upper() == "ARG":
            for v in c.value:
                if "=" in v:
                    name, default = v.split("=", 1)
                    defaults[name] = default
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                  lambda m: defaults.get(m.group(1), m.group(0)), image)


def healthcheck_is_exec(stage):
    h = stage.last("HEALTHCHECK")
    return bool(h and h.json)


def base_env(image):
    """Environment variables the base images set (usable as $VAR in instructions)."""
    return {"PATH", "NODE_VERSION", "YARN_VERSION", "HOME", "HOSTNAME", "PYTHON_VERSION", "LANG",
            "GPG_KEY", "PYTHON_SHA256"}
