"""An independent check of slimfile's rewrites.

It judges a rewrite from outside: it parses with BuildKit's own parser (the PyPI
package `dockerfile`, which wraps moby/buildkit's Go parser), keeps its own small table
of base-image defaults, and never uses slimfile's parser, templates, --dump-syntax or
--explain. What may differ between an original and its rewrite is the closed list
ALLOWED below; nothing slimfile prints can widen it.
"""

import fnmatch
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
    # docker-library/tomcat (10.1/jre17/temurin-noble/Dockerfile and its jdk17 twin): FROM
    # eclipse-temurin:<N>-jre|jdk-<ubuntu>; ENV CATALINA_HOME=/usr/local/tomcat and PATH with
    # $CATALINA_HOME/bin first; WORKDIR $CATALINA_HOME; ENTRYPOINT [] resetting temurin's
    # (tomcat#302); CMD ["catalina.sh", "run"]; webapps/ empty (the default apps are in
    # webapps.dist); root.
    (r"^(.*/)?(library/)?tomcat(:[^@]*)?(@.*)?$", {
        "entrypoint": [], "cmd": ["catalina.sh", "run"], "workdir": "/usr/local/tomcat",
        "user": "", "shell": True, "programs": {"catalina.sh", "java", "sh", "bash"},
        "users": {"root", "0", "nobody", "65534"},
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
    # The Java images. Each row holds what every tag of its family shares; java_base()
    # completes it from the tag (JDK or JRE, the major, Ubuntu, Debian or alpine) with
    # jdk_facts(), whose facts these comments' sources give. "env" is what the image's own
    # ENVs set (None: a value that changes with each release, or that the tag does not tell);
    # effective() never counts it as the Dockerfile's, and jre-env judges a final stage that
    # sets one again.
    #
    # GoogleContainerTools/distroless java/java.bzl (every java<major> image, temurin's or
    # Debian's JRE: `entrypoint = ["/usr/bin/java", "-jar"]`, "We expect users to use:
    # cmd = ["/path/to/deploy.jar", "--option1", ...]", env JAVA_VERSION, the /usr/bin/java
    # symlink; java_base_image: env LANG C.UTF-8) and java/README.md; base/base.bzl: PATH
    # and SSL_CERT_FILE, user 0 in / (the nonroot tags 65532 in /home/nonroot);
    # common/variables.bzl: root, nonroot (65532), nobody (65534). No shell, no JAVA_HOME:
    # java is /usr/bin/java, on the default PATH.
    (r"^(.*/)?gcr\.io/distroless/java\d+-debian\d+(:[^@]*)?(@.*)?$", {
        "entrypoint": ["/usr/bin/java", "-jar"], "cmd": [], "workdir": "/", "user": "",
        "shell": False, "programs": {"/usr/bin/java"},
        "users": {"root", "0", "nonroot", "65532", "nobody", "65534"},
        "env": {"JAVA_VERSION": None, "LANG": "C.UTF-8",
                "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", "PATH": None},
        "locales": {"C.UTF-8"}, "java": "distroless",
    }),
    # carlossg/docker-maven eclipse-temurin-21-noble/Dockerfile (and -alpine): FROM
    # eclipse-temurin:<N>-jdk-<os>; apt-get install ca-certificates curl git openssh-client
    # (alpine: apk add bash procps curl tar openssh-client); ENV MAVEN_HOME
    # /usr/share/maven, MAVEN_CONFIG "$USER_HOME_DIR/.m2" (/root/.m2); ENTRYPOINT
    # ["/usr/local/bin/mvn-entrypoint.sh"] (eclipse-temurin-17/mvn-entrypoint.sh: copies
    # /usr/share/maven/ref into $MAVEN_CONFIG, unsets it, `exec "$@"`), CMD ["mvn"]. The
    # JDK under it is the tag's vendor's (maven:3-amazoncorretto-21 stands on corretto).
    (r"^(.*/)?(library/)?maven(:[^@]*)?(@.*)?$", {
        "entrypoint": ["/usr/local/bin/mvn-entrypoint.sh"], "cmd": ["mvn"], "java": "maven",
    }),
    # gradle/docker-gradle jdk21-noble/Dockerfile: FROM eclipse-temurin:21-jdk-noble, no
    # ENTRYPOINT of its own (the JDK image's stays), CMD ["gradle"], ENV GRADLE_HOME
    # /opt/gradle and GRADLE_VERSION; the `ubuntu` user (uid 1000) renamed gradle, with
    # its group; VOLUME /home/gradle/.gradle; WORKDIR
    # /home/gradle; apt-get install make curl wget tar unzip brz git git-lfs mercurial
    # openssh-client subversion; the last instruction USER root.
    (r"^(.*/)?(library/)?gradle(:[^@]*)?(@.*)?$", {"cmd": ["gradle"], "java": "gradle"}),
    # adoptium/containers docker_templates/ubuntu.Dockerfile.j2 and alpine-linux.Dockerfile.j2
    # with partials/nix-env.j2 (ENV JAVA_HOME=/opt/java/openjdk, PATH=$JAVA_HOME/bin:$PATH,
    # LANG='en_US.UTF-8' LANGUAGE='en_US:en' LC_ALL='en_US.UTF-8'), partials/java-version.j2
    # (JAVA_VERSION), partials/entrypoint.j2 (ENTRYPOINT ["/__cacert_entrypoint.sh"]:
    # entrypoint.sh.j2 imports certificates only where USE_SYSTEM_CA_CERTS is set, then
    # `exec "$@"`) and partials/jshell.j2 (CMD ["jshell"] where image_type is jdk and the
    # version 11 or more; the ENTRYPOINT has cleared the base's CMD on the others). No
    # WORKDIR, no USER. Ubuntu: `curl` where version < 22, wget, locales with en_US.UTF-8
    # generated; alpine: busybox (wget, no curl), no bash, musl-locales.
    (r"^(.*/)?(library/)?eclipse-temurin(:[^@]*)?(@.*)?$", {"java": "eclipse-temurin"}),
    # docker-library/openjdk (deprecated, no updates since 2022): Debian images ENV
    # JAVA_HOME /usr/local/openjdk-<N> (alpine /opt/openjdk-<N>, Oracle Linux
    # /usr/java/openjdk-<N>), PATH $JAVA_HOME/bin:$PATH, LANG C.UTF-8, JAVA_VERSION; no
    # ENTRYPOINT; CMD ["jshell"] on the JDKs of 11 and later, else the base's (Debian's
    # ["bash"]).
    (r"^(.*/)?(library/)?openjdk(:[^@]*)?(@.*)?$", {"java": "openjdk"}),
    # corretto/corretto-docker 21/jdk/al2023/Dockerfile (FROM amazonlinux:2023, ENV LANG
    # C.UTF-8, JAVA_HOME=/usr/lib/jvm/java-21-amazon-corretto) and 21/jdk/alpine/*/Dockerfile
    # (FROM alpine, JAVA_HOME=/usr/lib/jvm/default-jvm, PATH=$PATH:/usr/lib/jvm/default-jvm/bin):
    # no ENTRYPOINT and no CMD of their own (amazonlinux's ["/bin/bash"], alpine's
    # ["/bin/sh"] stay).
    (r"^(.*/)?(library/)?amazoncorretto(:[^@]*)?(@.*)?$", {"java": "amazoncorretto"}),
    # ibmruntimes/semeru-containers, as its fork ymanton/semeru-containers holds it
    # (17/jdk/ubuntu/jammy and 17/jre/ubuntu/jammy Dockerfile.open.releases.full): FROM
    # ubuntu, ENV LANG/LANGUAGE/LC_ALL en_US (locale-gen), apt-get install tzdata curl
    # ca-certificates fontconfig locales, JAVA_VERSION, JAVA_HOME=/opt/java/openjdk with its
    # bin first on PATH, and JAVA_TOOL_OPTIONS (OpenJ9's shared class cache). No ENTRYPOINT
    # or CMD in those files (so Ubuntu's CMD ["/bin/bash"]): unconfirmed against the
    # upstream repository itself.
    (r"^(.*/)?(library/)?ibm-semeru-runtimes(:[^@]*)?(@.*)?$", {"java": "ibm-semeru-runtimes"}),
    # SAP/SapMachine-infrastructure dockerfiles/21/ubuntu/24_04/jre/Dockerfile (FROM ubuntu,
    # apt-get install sapmachine-21-jre, ENV JAVA_HOME=/usr/lib/jvm/sapmachine-21, CMD
    # ["bash"]) and dockerfiles/21/alpine/3_22/jre/Dockerfile (apk add sapmachine-21-jre,
    # JAVA_HOME=/usr/lib/jvm/java-21-sapmachine-jre, CMD ["sh"]): no ENTRYPOINT, no PATH
    # (java is the package's /usr/bin/java), no locale.
    (r"^(.*/)?(library/)?sapmachine(:[^@]*)?(@.*)?$", {"java": "sapmachine"}),
]

# What the Java images' tags hold, for java_base().
UBUNTU_CODENAMES = ("focal", "jammy", "noble", "resolute")

# Ubuntu's and Debian's base-passwd (passwd.master): the users every release has. noble
# and later also have `ubuntu` (uid 1000), which the gradle images rename gradle.
BASE_PASSWD_USERS = {"root", "0", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail",
                     "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "nobody",
                     "65534"}
# alpine's baselayout and Amazon Linux's setup package: the users both have.
SMALL_USERS = {"root", "0", "bin", "daemon", "nobody", "65534"}

# The programs of a JRE's bin, and what a JDK adds (the JDK's bin/: jshell from 9).
JRE_PROGRAMS = {"java", "keytool"}
JDK_PROGRAMS = {"javac", "jar", "jarsigner", "javadoc", "javap", "jcmd", "jdb", "jdeps", "jinfo",
                "jlink", "jmap", "jmod", "jps", "jstack", "jstat", "jshell"}

# The PATH of Debian, Ubuntu, alpine and distroless when an image sets none.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The entrypoint scripts of the JDK and maven images, both ending in `exec "$@"`.
CACERT_ENTRYPOINT = "/__cacert_entrypoint.sh"
JAVA_WRAPPERS = {"/usr/local/bin/mvn-entrypoint.sh", CACERT_ENTRYPOINT}

# The base-image variables of the Java families: a final stage may set them again (jre-env).
JRE_ENV_KEYS = {"JAVA_HOME", "JAVA_VERSION", "PATH", "LANG", "LANGUAGE", "LC_ALL", "MAVEN_HOME",
                "MAVEN_CONFIG", "GRADLE_HOME", "GRADLE_VERSION", "SSL_CERT_FILE"}

# The users the gradle images create (docker-gradle: uid and gid 1000), by id, for a JRE
# image that lacks the name.
JAVA_USER_IDS = {"gradle": {"1000", "1000:1000"}, "gradle:gradle": {"1000:1000"}}

# Options JAVA_TOOL_OPTIONS can carry: the JVM reads that variable itself (JNI invocation
# API, JVM TI docs "JAVA_TOOL_OPTIONS"), so the launcher's own options (-cp, -jar, -server,
# -version, --add-opens with a separate value…) cannot be there, and it splits on spaces.
JVM_OPTION = re.compile(
    r"^-(D\S+|X\S+|javaagent:\S+|agentlib:\S+|agentpath:\S+|verbose(:\S+)?"
    r"|(ea|da|esa|dsa|enableassertions|disableassertions|enablesystemassertions"
    r"|disablesystemassertions)(:\S+)?"
    r"|-(add-opens|add-exports|add-reads|add-modules|enable-native-access)=\S+|-enable-preview)$")

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
    "boot-run-built": "`mvn spring-boot:run` or `gradle bootRun` at start, as `java JVM_ARGS "
                      "-jar JAR ARGS` where the builder packages the jar (`mvn package`, "
                      "`gradle bootJar`) and the final stage copies it: the Spring Boot "
                      "plugins fork that java with spring-boot.run.jvmArguments, "
                      "--spring.profiles.active from spring-boot.run.profiles, and "
                      "spring-boot.run.arguments / --args (their documentation)",
    "python-venv": "a virtual environment the builder makes before its pip installs of the "
                   "application's packages, copied whole to the same path, with VIRTUAL_ENV and "
                   "its bin first on PATH: the programs pip installed are there, not in "
                   "/usr/local/bin",
    "java-entrypoint": "the JDK and maven images' entrypoint scripts (mvn-entrypoint.sh, "
                       "/__cacert_entrypoint.sh) end in `exec \"$@\"`: an argv under one of "
                       "them (in the final stage only eclipse-temurin's: the JRE images have no "
                       "maven) runs the same process as the argv alone",
    "distroless-java": "distroless java's entrypoint is `/usr/bin/java -jar` (java is "
                       "/usr/bin/java there): `java OPTIONS -jar JAR ARGS` becomes CMD [JAR, "
                       "ARGS] with exactly OPTIONS, which the JVM reads itself, in the final "
                       "stage's JAVA_TOOL_OPTIONS",
    "jre-env": "a Java image's own variable (JAVA_HOME, PATH, the locale, maven's and gradle's, "
               "JAVA_VERSION, SSL_CERT_FILE) set again in the final stage where the image "
               "family changed: JAVA_HOME and PATH as the final image has them, the others as "
               "either image had them; the Dockerfile's own ENVs are compared as they are",
    "java-user-as-id": "the gradle images' user gradle given by its numeric id (1000, "
                       "1000:1000) on a JRE image that lacks the name: the same uid and gid",
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
    "DL3006": "distroless images are versioned by name (nodejs22-debian13, java21-debian13); "
              "their tags (latest, nonroot, debug) say nothing more",
    "DL3007": "the same: `latest` is distroless's only versionless tag",
}


def base_of(image):
    """The defaults of a base image, or None when the checker does not know it."""
    for pattern, base in BASES:
        if re.match(pattern, image):
            base = {k: (set(v) if isinstance(v, set) else dict(v) if isinstance(v, dict) else v)
                    for k, v in base.items()}
            if "java" in base:
                return java_base(base, image)
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


def image_tag(image):
    """The tag of an image reference, without its digest ('' where there is none)."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def java_tag(family, tag):
    """What a Java image's tag names: (vendor of the JDK, major or None, JRE?, OS, Ubuntu
    codename or None). maven's tags name the JDK after maven's version
    (3.9-eclipse-temurin-21-noble; older 3-jdk-11, 3-openjdk-17), gradle's as jdk<major>
    (8.10-jdk17-alpine), the JDK images' first (21-jre-jammy, 8u432-b06-jdk, open-17-jre)."""
    t = tag.lower() or "latest"
    codename = next((c for c in UBUNTU_CODENAMES if c in t), None)
    vendor, jre = family, False
    if family == "maven":
        vendor = next((v for word, v in (("semeru", "ibm-semeru-runtimes"),
                                         ("corretto", "amazoncorretto"),
                                         ("sapmachine", "sapmachine"), ("openjdk", "openjdk"),
                                         ("-jdk-", "openjdk")) if word in t), "eclipse-temurin")
        major = re.search(r"(?:temurin|semeru|corretto|sapmachine|openjdk|jdk)-(\d+)", t)
    elif family == "gradle":
        vendor = "amazoncorretto" if "corretto" in t else "graalvm" if "graal" in t else "eclipse-temurin"
        major = re.search(r"jdk(\d+)", t)
    else:
        jre = "jre" in t
        major = re.search(r"(\d+)", t)
    major = int(major.group(1)) if major else None
    if "alpine" in t:
        os_ = "alpine"
    elif "ubi" in t:
        os_ = "ubi"
    elif vendor == "amazoncorretto":
        os_ = "amazonlinux"
    elif vendor == "openjdk":
        debian = re.search(r"slim|buster|bullseye|bookworm|stretch|jessie", t) \
            or (major is not None and major <= 11 and "oracle" not in t)
        os_ = "debian" if debian else "oraclelinux" if "oracle" in t else "unknown"
    else:
        os_ = "ubuntu"
    return vendor, major, jre, os_, codename


def jdk_facts(vendor, major, jre, os_, codename):
    """A JDK or JRE image's defaults (the BASES rows' comments give the sources), or None
    for a vendor the checker does not know."""
    n = str(major) if major is not None else None
    jdk = not jre
    programs = set(JRE_PROGRAMS) | (set(JDK_PROGRAMS) if jdk else set()) | {"sh"} | OS_UTILITIES
    if major is not None and major < 9:
        programs.discard("jshell")
    locales = {"C.UTF-8"}
    if os_ == "alpine":
        programs |= ALPINE_ONLY_UTILITIES
        users = set(SMALL_USERS)
        locales.add("*")  # musl reads every UTF-8 locale name as C.UTF-8
    elif os_ in ("ubuntu", "debian"):
        programs.add("bash")
        users = set(BASE_PASSWD_USERS)
        if os_ == "ubuntu" and codename in ("noble", "resolute"):
            users |= {"ubuntu", "1000"}
    else:
        programs.add("bash")
        users = set(SMALL_USERS)
    jshell = jdk and (major is None or major >= 11)
    if vendor == "eclipse-temurin":
        entry, cmd = [CACERT_ENTRYPOINT], (["jshell"] if jshell else [])
        programs.add(CACERT_ENTRYPOINT)
        env = {"JAVA_HOME": "/opt/java/openjdk", "PATH": "/opt/java/openjdk/bin:" + DEFAULT_PATH,
               "LANG": "en_US.UTF-8", "LANGUAGE": "en_US:en", "LC_ALL": "en_US.UTF-8",
               "JAVA_VERSION": None}
        if os_ == "ubuntu":
            locales.add("en_US.UTF-8")
            # Only where the major is known: the newest have neither.
            if major is not None and major < 22:
                programs.add("curl")
            if major is not None and major < 25:
                programs.add("wget")
    elif vendor == "openjdk":
        entry = []
        cmd = ["jshell"] if jshell else (["/bin/sh"] if os_ == "alpine" else ["bash"])
        home = {"debian": "/usr/local/openjdk-{}", "alpine": "/opt/openjdk-{}",
                "oraclelinux": "/usr/java/openjdk-{}"}.get(os_)
        home = home.format(n) if home and n else None
        env = {"JAVA_HOME": home, "PATH": home + "/bin:" + DEFAULT_PATH if home else None,
               "LANG": "C.UTF-8", "JAVA_VERSION": None}
    elif vendor == "amazoncorretto":
        entry, cmd = [], (["/bin/sh"] if os_ == "alpine" else ["/bin/bash"])
        if os_ == "alpine":
            env = {"JAVA_HOME": "/usr/lib/jvm/default-jvm",
                   "PATH": DEFAULT_PATH + ":/usr/lib/jvm/default-jvm/bin"}
        else:
            env = {"JAVA_HOME": f"/usr/lib/jvm/java-{n}-amazon-corretto" if n and major >= 11 else None}
        env["LANG"] = "C.UTF-8"
    elif vendor == "ibm-semeru-runtimes":
        entry, cmd = [], ["/bin/bash"]
        env = {"JAVA_HOME": "/opt/java/openjdk", "PATH": "/opt/java/openjdk/bin:" + DEFAULT_PATH,
               "LANG": "en_US.UTF-8", "LANGUAGE": "en_US:en", "LC_ALL": "en_US.UTF-8",
               "JAVA_VERSION": None, "JAVA_TOOL_OPTIONS": None}
        if os_ == "ubuntu":
            programs.add("curl")
            locales.add("en_US.UTF-8")
    elif vendor == "sapmachine":
        entry, cmd = [], (["sh"] if os_ == "alpine" else ["bash"])
        if os_ == "alpine":
            home = f"/usr/lib/jvm/java-{n}-sapmachine-jre" if n and jre else None
        else:
            home = f"/usr/lib/jvm/sapmachine-{n}" if n else None
        env = {"JAVA_HOME": home}
    else:
        return None
    return {"entrypoint": entry, "cmd": cmd, "workdir": "/", "user": "", "shell": True,
            "programs": programs, "users": users, "env": env, "locales": locales, "jre": jre}


def java_base(row, image):
    """A Java image's defaults: its BASES row completed from the tag."""
    family, tag = row["java"], image_tag(image)
    if family == "distroless":
        row["env"]["PATH"] = DEFAULT_PATH
        if "nonroot" in tag:
            row["user"], row["workdir"] = "65532", "/home/nonroot"
        return row
    vendor, major, jre, os_, codename = java_tag(family, tag)
    base = jdk_facts(vendor, major, jre, os_, codename)
    if base is None:
        return None
    base["java"] = family
    if family == "maven":
        base["entrypoint"], base["cmd"] = list(row["entrypoint"]), list(row["cmd"])
        base["env"].update({"MAVEN_HOME": "/usr/share/maven", "MAVEN_CONFIG": "/root/.m2"})
        base["programs"] |= {"mvn", "/usr/local/bin/mvn-entrypoint.sh"}
        if vendor == "eclipse-temurin":
            base["programs"] |= {"curl", "git", "ssh"} if os_ != "alpine" else {"bash", "ps", "curl", "tar", "ssh"}
    elif family == "gradle":
        base["cmd"], base["workdir"] = list(row["cmd"]), "/home/gradle"
        base["env"].update({"GRADLE_HOME": "/opt/gradle", "GRADLE_VERSION": None})
        base["programs"].add("gradle")
        if vendor == "eclipse-temurin" and os_ == "ubuntu":
            base["programs"] |= {"make", "curl", "wget", "tar", "unzip", "brz", "git", "git-lfs",
                                 "hg", "ssh", "svn"}
        base["users"] = (base["users"] - {"ubuntu"}) | {"gradle", "1000"}
    return base


def java_entrypoint(argv_a, argv_b):
    """Both argvs after the JDK and maven images' entrypoint scripts (java-entrypoint):
    mvn-entrypoint.sh and /__cacert_entrypoint.sh each end in `exec "$@"`, so the process is
    the argv after them (an openjdk or corretto original has none, its eclipse-temurin
    rewrite the latter). The final's may only be eclipse-temurin's (the JRE images have no
    maven) or none. None where neither runs under one, or both under the same."""
    if argv_a[:1] == argv_b[:1]:
        return None
    a_wrapped = bool(argv_a) and argv_a[0] in JAVA_WRAPPERS
    b_wrapped = argv_b[:1] == [CACERT_ENTRYPOINT]
    if (argv_b and argv_b[0] in JAVA_WRAPPERS and not b_wrapped) or not (a_wrapped or b_wrapped):
        return None
    return (argv_a[1:] if a_wrapped else argv_a), (argv_b[1:] if b_wrapped else argv_b)


def distroless_java(argv_a, argv_b, final_env, options_elsewhere):
    """The original's `java OPTIONS -jar JAR ARGS` as distroless java runs it
    (distroless-java): its entrypoint `/usr/bin/java -jar` (java is /usr/bin/java there),
    the CMD the jar and its arguments, the OPTIONS in the final stage's JAVA_TOOL_OPTIONS,
    which the JVM reads, exactly (space-separated, each one the JVM takes from there).
    Returns (argv, whether options moved) or None where it does not apply."""
    if not argv_a or argv_a[0] not in ("java", "/usr/bin/java") or argv_b[:1] != ["/usr/bin/java"]:
        return None
    argv, moved = ["/usr/bin/java"] + argv_a[1:], False
    if argv_b[1:2] == ["-jar"] and "-jar" in argv[1:]:
        at = argv.index("-jar", 1)
        options = argv[1:at]
        if options:
            held = final_env.get("JAVA_TOOL_OPTIONS")
            if options_elsewhere or held is None or held.split() != options \
                    or not all(JVM_OPTION.match(o) for o in options):
                return None
            argv, moved = ["/usr/bin/java"] + argv[at:], True
    if argv == argv_a:
        return None
    return argv, moved


def expand(value, env):
    """`value` with $NAME and ${NAME} replaced by the values `env` knows."""
    return re.sub(r"\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))",
                  lambda m: env.get(m.group(2) or m.group(3)) or m.group(0), value)


def path_dirs(value):
    """A PATH's folders in lookup order, each once."""
    dirs = []
    for d in value.split(":"):
        d = d.rstrip("/") or "/"
        if d not in dirs:
            dirs.append(d)
    return dirs


def jre_env_allowed(key, value, before, after):
    """Whether a final stage's `ENV key=value`, which the original's Dockerfile does not set,
    is only one of the Java images' own variables set again (jre-env): JAVA_HOME and PATH as
    the final image has them (the original image's folders are not there); the locale as
    either image has it, where the final image has that locale; maven's and gradle's as the
    original's image had them; JAVA_VERSION and GRADLE_VERSION, release labels, at any value."""
    env_before, env_after = before.get("env", {}), after.get("env", {})
    if key not in JRE_ENV_KEYS or value is None or (key not in env_before and key not in env_after):
        return False
    value = expand(value, env_after)
    if key in ("JAVA_VERSION", "GRADLE_VERSION"):
        return True
    if key == "JAVA_HOME":
        return env_after.get(key) is not None and value.rstrip("/") == env_after[key]
    if key == "PATH":
        return env_after.get(key) is not None and path_dirs(value) == path_dirs(env_after[key])
    if value not in (env_before.get(key), env_after.get(key)):
        return False
    if key in ("LANG", "LC_ALL"):
        return "*" in after.get("locales", set()) or value in after.get("locales", set())
    return True


def copy_provides(path, stage, workdir, wildcards_only=False):
    """Whether a COPY or ADD of the stage puts the file `path` (absolute; its name may be a
    wildcard, `target/*.jar` in a shell-form command) in place: copied to that name, into its
    folder by name or by a wildcard that matches it, or inside a folder copied whole. `workdir`
    is the stage's folder before its own WORKDIRs; `wildcards_only` counts only the copies
    whose sources have a wildcard."""
    name = path.rsplit("/", 1)[-1]
    for c in stage.commands:
        kind, value = c.cmd.upper(), list(c.value)
        if kind == "WORKDIR" and value:
            workdir = normpath(value[0] if value[0].startswith("/") else workdir + "/" + value[0])
        if kind not in ("COPY", "ADD") or len(value) < 2 or c.heredocs:
            continue
        sources, dest = value[:-1], value[-1]
        wild = [s for s in sources if re.search(r"[*?\[]", s.rstrip("/").rsplit("/", 1)[-1])]
        if wildcards_only and not wild:
            continue
        if "$" in dest:
            if wildcards_only:
                continue
            return True  # a folder the checker cannot resolve
        folder = normpath(dest if dest.startswith("/") else workdir + "/" + dest)
        if folder == path:
            return True
        if not path.startswith(folder.rstrip("/") + "/"):
            continue
        rest = path[len(folder.rstrip("/")) + 1:]
        for src in (wild if wildcards_only else sources):
            base = src.rstrip("/").rsplit("/", 1)[-1]
            if re.search(r"[*?\[]", base):
                if "/" not in rest and (fnmatch.fnmatchcase(name, base) or fnmatch.fnmatchcase(base, name)):
                    return True
            elif base == rest or not re.search(r"\.(jar|war|ear)$", base):
                # That file by its name, or a folder whose contents the COPY puts there.
                return True
    return False


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
            env.update(pairs(value))
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


def boot_run_built(words, argv, builder, final):
    """`mvn … spring-boot:run -Dspring-boot.run.…` or `gradle bootRun --args=…` at start
    (the Spring Boot Maven and Gradle plugins' documented properties), as the java command
    the plugin forks: True where `argv` is that command, its jar is copied into the final
    stage from a builder that packages it."""
    tool = words[0].rsplit("/", 1)[-1]
    maven = tool in ("mvn", "mvnw")
    if not (maven or tool in ("gradle", "gradlew")):
        return False
    goal = "spring-boot:run" if maven else "bootRun"
    if goal not in words:
        return False
    jvm, args = [], []
    for w in words[1:]:
        if w == goal or w in ("-B", "--batch-mode", "-q", "--no-daemon", "clean"):
            continue
        if w.startswith("-Dspring-boot.run.jvmArguments="):
            jvm += w.split("=", 1)[1].strip("'\"").split()
        elif w.startswith("-Dspring-boot.run.profiles="):
            args.append("--spring.profiles.active=" + w.split("=", 1)[1])
        elif w.startswith("-Dspring-boot.run.arguments=") or w.startswith("--args="):
            args += w.split("=", 1)[1].strip("'\"").split()
        else:
            return False
    if len(argv) < 3 + len(jvm) or argv[0] != "java" or argv[1:1 + len(jvm)] != jvm \
            or argv[1 + len(jvm)] != "-jar" or argv[2 + len(jvm) + 1:] != args:
        return False
    jar = argv[2 + len(jvm)]
    packaged = any(re.search(r"(mvnw?\s[^&;|]*\b(package|install|verify)\b)|"
                             r"(gradlew?\s[^&;|]*\b(bootJar|build|assemble)\b)",
                             " ".join(c.value)) for c in builder.all("RUN"))
    copied = any(c.cmd.upper() == "COPY" and any(f.startswith("--from=") for f in c.flags)
                 and list(c.value)[-1:] == [jar] for c in final.commands)
    return packaged and copied


def pairs(value):
    """The (name, value) pairs of an ENV or LABEL: BuildKit's parser gives them flat,
    name, value, name, value (`ENV A=1 B=2` is ('A', '1', 'B', '2'))."""
    return list(zip(value[0::2], value[1::2]))


def env_values(stage):
    """The values a stage's own ENV instructions set, unquoted (later ones win)."""
    env = {}
    for c in stage.commands:
        if c.cmd.upper() == "ENV":
            value = list(c.value)
            for k, v in pairs(value):
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
    return {k: v.strip("'\"") for k, v in pairs(value)}


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
            for k, v in pairs(value):
                env[k] = v
        elif kind == "LABEL":
            labels.update(value[0::2])
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


def check(original, rewritten, package_json=None, used=None):
    """The problems with a rewrite, as a list of messages (empty when it passes). Where
    `used` is a set, the ALLOWED normalisations the judgement took are added to it."""
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
    final_env = env_values(final)
    if base_before.get("java") and base_after.get("java"):
        unwrapped = java_entrypoint(argv_a, argv_b)
        if unwrapped is not None:
            used_b.add("java-entrypoint")
            argv_a, argv_b = unwrapped
    if argv_a and argv_b and ALPINE_PATHS.get(argv_a[0]) == argv_b[0] and "alpine" in final.image:
        used_b.add("alpine-path")
        argv_a = [argv_b[0]] + argv_a[1:]
    if base_before.get("java") and base_after.get("java") == "distroless":
        # JAVA_TOOL_OPTIONS set elsewhere than the final stage's own ENV: the original's
        # Dockerfile or its image (semeru's) — the final's value would replace it.
        elsewhere = "JAVA_TOOL_OPTIONS" in a["env"] or "JAVA_TOOL_OPTIONS" in base_before.get("env", {})
        moved = distroless_java(argv_a, argv_b, final_env, elsewhere)
        if moved is not None:
            used_b.add("distroless-java")
            argv_a, options_moved = moved
            if options_moved:
                b["env"] = b["env"] - {"JAVA_TOOL_OPTIONS"}
    same_user_by_id = (a["user"] != b["user"] and "distroless" in final.image
                       and b["user"] in NODE_USER_IDS.get(a["user"], set())) \
        or (a["user"] != b["user"] and final.image == "scratch" and "golang" in orig.image
            and b["user"] in GO_USER_IDS.get(a["user"], set()))
    if same_user_by_id:
        used_b.add("user-as-id")
    java_user_by_id = (a["user"] != b["user"] and base_before.get("java") == "gradle"
                       and base_after.get("java") is not None
                       and a["user"].split(":")[0] not in base_after["users"]
                       and b["user"] in JAVA_USER_IDS.get(a["user"], set()))
    if java_user_by_id:
        used_b.add("java-user-as-id")
        same_user_by_id = True
    if argv_a and argv_b and boot_run_built(argv_a, argv_b, after[0], final):
        used_b.add("boot-run-built")
        argv_a = argv_b
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
                                       for k, v in pairs(list(c.value)))
        for c in final.commands)
    user_base = copied_user_base(after)
    user_on_path = user_base is not None and any(
        c.cmd.upper() == "ENV" and any(k == "PATH" and user_base + "/bin" in v.strip("'\"").split(":")
                                       for k, v in pairs(list(c.value)))
        for c in final.commands)
    if venv is not None and on_path:
        added = b["env"] - a["env"]
        if added and added <= {"VIRTUAL_ENV", "PATH"}:
            used_b.add("python-venv")
            b["env"] = b["env"] - added
    if base_before.get("java") and base_after.get("java"):
        for key in sorted(b["env"] - a["env"]):
            if jre_env_allowed(key, final_env.get(key), base_before, base_after):
                used_b.add("jre-env")
                b["env"] = b["env"] - {key}
    if "golang" in orig.image:
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
    # The JDK images' entrypoint script, where the image has it, runs what follows it.
    if len(argv_run) > 1 and argv_run[0] in JAVA_WRAPPERS and argv_run[0] in have:
        argv_run = argv_run[1:]
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
            # `exec PROGRAM …` (the usual `sh -c "exec java $JAVA_OPTS -jar …"`) runs PROGRAM.
            while len(argv) > 1 and argv[0] == "exec":
                argv = argv[1:]
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
        # A name the image's PATH finds (java is /usr/bin/java on distroless java).
        on_path = "/" not in program and any(d + "/" + program in have for d in DEFAULT_PATH.split(":"))
        # A file a COPY's wildcard (`/app/target/*.jar` into `/app/target/`) puts in place.
        by_wildcard = program.startswith("/") and copy_provides(
            normpath(program), final, base_after["workdir"], wildcards_only=True)
        if not (program in have or short in have or inside_app or from_venv or in_copied_folder
                or on_path or by_wildcard):
            problems.append(f"{name} runs {program}, which the final image does not have")
        # The jar `java -jar` runs is an argument, not a program: on a Java image it must be
        # in the final stage, which a COPY puts there.
        if name == "the command" and base_after.get("java") and short == "java" and "-jar" in argv[1:]:
            at = argv.index("-jar", 1)
            jar = argv[at + 1] if at + 1 < len(argv) else ""
            if jar and "$" not in jar and not copy_provides(
                    normpath(jar if jar.startswith("/") else workdir + "/" + jar), final,
                    base_after["workdir"]):
                problems.append(f"the command runs the jar {jar}, which no COPY of the final stage puts there")
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
            declared.update(value[0::2])
    if used is not None:
        used |= used_b
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
    """Environment variables the base images set (usable as $VAR in instructions). The Java
    images' are their own ENVs' and the OS's: distroless java has no JAVA_HOME."""
    base = base_of(image)
    if base is not None and base.get("java"):
        return {"PATH", "HOME", "HOSTNAME"} | set(base["env"])
    return {"PATH", "NODE_VERSION", "YARN_VERSION", "HOME", "HOSTNAME", "PYTHON_VERSION", "LANG",
            "GPG_KEY", "PYTHON_SHA256"}
