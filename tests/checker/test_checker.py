"""The checker's own tests: it passes a good rewrite and fails each kind of broken one."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checker  # noqa: E402

ORIGINAL = """FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
EXPOSE 3000
HEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1
USER node
CMD ["node", "server.js"]
"""

GOOD = ORIGINAL.replace("FROM node:20\n", "FROM node:20 AS builder\n") + """
FROM node:20-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /app /app
EXPOSE 3000
HEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1
USER node
CMD ["node", "server.js"]
"""


class Checker(unittest.TestCase):
    def assert_fails(self, rewritten, words, original=ORIGINAL):
        problems = checker.check(original, rewritten)
        self.assertTrue(any(words in p for p in problems), f"expected {words!r} in {problems}")

    def test_a_good_rewrite_passes(self):
        self.assertEqual(checker.check(ORIGINAL, GOOD), [])

    def test_a_lost_expose_fails(self):
        self.assert_fails(GOOD.replace("EXPOSE 3000\nHEALTHCHECK", "HEALTHCHECK", 1).rsplit("EXPOSE 3000\n", 1)[0]
                          + GOOD.rsplit("EXPOSE 3000\n", 1)[1], "EXPOSE differs")

    def test_shell_form_cmd_on_scratch_fails(self):
        original = "FROM node:20\nWORKDIR /app\nCMD node server.js\n"
        broken = "FROM node:20 AS builder\nWORKDIR /app\nCMD node server.js\n\nFROM scratch\nWORKDIR /app\nCOPY --from=builder /app /app\nCMD node server.js\n"
        self.assert_fails(broken, "shell-form CMD on an image with no shell", original)

    def test_copy_from_a_missing_stage_fails(self):
        self.assert_fails(GOOD.replace("COPY --from=builder /app /app", "COPY --from=build /app /app"),
                          "names no earlier stage")

    def test_a_user_that_does_not_exist_fails(self):
        original = "FROM node:20\nRUN useradd app\nWORKDIR /app\nUSER app\nCMD [\"node\", \"x.js\"]\n"
        final = "\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=builder /app /app\nUSER app\nCMD [\"node\", \"x.js\"]\n"
        broken = original.replace("FROM node:20\n", "FROM node:20 AS builder\n") + final
        self.assert_fails(broken, "USER app does not exist", original)
        fixed = broken.replace("FROM node:20-slim\n", "FROM node:20-slim\nRUN useradd app\n")
        self.assertEqual(checker.check(original, fixed), [])

    def test_healthcheck_curl_without_curl_fails(self):
        broken = GOOD.replace("RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n", "")
        self.assert_fails(broken, "HEALTHCHECK runs curl")

    def test_a_changed_command_fails(self):
        self.assert_fails(GOOD.rsplit('CMD ["node", "server.js"]', 1)[0] + 'CMD ["node", "other.js"]\n',
                          "the command differs")

    def test_a_variable_not_declared_in_the_final_stage_fails(self):
        original = "FROM node:20\nARG PORT=3000\nWORKDIR /app\nEXPOSE ${PORT}\nCMD [\"node\", \"x.js\"]\n"
        broken = original.replace("FROM node:20\n", "FROM node:20 AS builder\n") + (
            "\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=builder /app /app\nEXPOSE ${PORT}\nCMD [\"node\", \"x.js\"]\n")
        self.assert_fails(broken, "$PORT is not declared")

    def test_distroless_cmd_without_node_passes(self):
        original = "FROM node:22\nWORKDIR /app\nCMD [\"node\", \"x.js\"]\n"
        rewritten = original.replace("FROM node:22\n", "FROM node:22 AS builder\n") + (
            "\nFROM gcr.io/distroless/nodejs22-debian13\nWORKDIR /app\nCOPY --from=builder /app /app\nCMD [\"x.js\"]\n")
        self.assertEqual(checker.check(original, rewritten), [])

    def test_distroless_healthcheck_with_node_fails(self):
        # distroless nodejs has node at /nodejs/bin/node, not on PATH.
        original = ("FROM node:22\nWORKDIR /app\nHEALTHCHECK CMD [\"node\", \"health.js\"]\n"
                    "CMD [\"node\", \"x.js\"]\n")
        rewritten = original.replace("FROM node:22\n", "FROM node:22 AS builder\n") + (
            "\nFROM gcr.io/distroless/nodejs22-debian13\nWORKDIR /app\nCOPY --from=builder /app /app\n"
            "HEALTHCHECK CMD [\"node\", \"health.js\"]\nCMD [\"x.js\"]\n")
        self.assert_fails(rewritten, "HEALTHCHECK runs node", original)
        fixed = rewritten.replace('CMD ["node", "health.js"]', 'CMD ["/nodejs/bin/node", "health.js"]')
        self.assertNotIn("HEALTHCHECK runs", " ".join(checker.check(original, fixed)))

    def test_alpine_paths_and_user_ids_are_allowed_only_where_they_apply(self):
        original = ("FROM node:20\nWORKDIR /app\nUSER node\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\n"
                    "CMD [\"node\", \"x.js\"]\n")
        builder = original.replace("FROM node:20\n", "FROM node:20 AS builder\n")
        alpine = builder + ("\nFROM node:20-alpine\nRUN apk add --no-cache tini\nWORKDIR /app\n"
                            "COPY --from=builder /app /app\nUSER node\n"
                            "ENTRYPOINT [\"/sbin/tini\", \"--\"]\nCMD [\"node\", \"x.js\"]\n")
        self.assertEqual(checker.check(original, alpine), [])
        # On a Debian runtime the path must stay.
        self.assert_fails(alpine.replace("node:20-alpine", "node:20-slim").replace(
            "RUN apk add --no-cache tini", "RUN apt-get install -y tini"), "the command differs", original)
        plain = original.replace('ENTRYPOINT ["/usr/bin/tini", "--"]\n', "").replace("node:20", "node:22")
        distroless = plain.replace("FROM node:22\n", "FROM node:22 AS builder\n") + (
            "\nFROM gcr.io/distroless/nodejs22-debian13\nWORKDIR /app\nCOPY --from=builder /app /app\n"
            "USER 1000:1000\nCMD [\"x.js\"]\n")
        self.assertEqual(checker.check(plain, distroless), [])
        self.assert_fails(distroless.replace("USER 1000:1000", "USER 1001"), "USER differs", plain)

    def test_os_utilities_and_arg_images(self):
        original = ("ARG V=20-alpine\nFROM node:${V}\nWORKDIR /app\nRUN npm ci\n"
                    "CMD sh -c \"rm -rf /tmp/x && node x.js\"\n")
        rewritten = original.replace("FROM node:${V}\n", "FROM node:${V} AS builder\n") + (
            "\nFROM node:${V}\nWORKDIR /app\nCOPY --from=builder /app /app\n"
            "CMD sh -c \"rm -rf /tmp/x && node x.js\"\n")
        self.assertEqual(checker.check(original, rewritten), [])
        self.assert_fails(rewritten.replace("rm -rf /tmp/x", "gosu node true"),
                          "runs gosu", original.replace("rm -rf /tmp/x", "gosu node true"))

    def test_the_final_stage_from_the_builder_fails(self):
        self.assert_fails(GOOD.replace("FROM node:20-slim", "FROM builder"), "FROM the builder")

    def test_alpine_to_the_same_alpine_passes(self):
        original = "FROM node:alpine\nWORKDIR /app\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n"
        rewritten = original.replace("FROM node:alpine\n", "FROM node:alpine AS builder\n") + (
            "\nFROM node:alpine\nWORKDIR /app\nCOPY --from=builder /app /app\nCMD [\"node\", \"x.js\"]\n")
        self.assertEqual(checker.check(original, rewritten), [])
        full = rewritten.replace("node:alpine", "node:20")
        self.assert_fails(full, "stands on the builder's own image", original.replace("node:alpine", "node:20"))

    def test_an_unparsable_rewrite_fails(self):
        self.assert_fails(GOOD + "FROBNICATE\n", "does not parse")



PY_ORIGINAL = """FROM python:3.12
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "app:app"]
"""

PY_GOOD = """FROM python:3.12 AS builder
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "app:app"]

FROM python:3.12-slim
WORKDIR /app
COPY --from=builder /app /app
COPY --from=builder /opt/venv /opt/venv
ENV PYTHONUNBUFFERED=1
ENV VIRTUAL_ENV=/opt/venv
ENV PATH=/opt/venv/bin:$PATH
EXPOSE 8000
CMD ["gunicorn", "app:app"]
"""


class PythonChecker(unittest.TestCase):
    def assert_fails(self, rewritten, words):
        problems = checker.check(PY_ORIGINAL, rewritten)
        self.assertTrue(any(words in p for p in problems), f"expected {words!r} in {problems}")

    def test_a_virtual_environment_copied_whole_passes(self):
        self.assertEqual(checker.check(PY_ORIGINAL, PY_GOOD), [])

    def test_an_environment_left_in_the_builder_fails(self):
        broken = PY_GOOD.replace("COPY --from=builder /opt/venv /opt/venv\n", "")
        self.assert_fails(broken, "runs gunicorn, which the final image does not have")
        self.assert_fails(broken, "ENV differs")

    def test_an_environment_made_after_the_install_fails(self):
        broken = PY_GOOD.replace(
            "RUN python -m venv /opt/venv\nENV VIRTUAL_ENV=/opt/venv\nENV PATH=/opt/venv/bin:$PATH\nRUN pip install -r requirements.txt\n",
            "RUN pip install -r requirements.txt\nRUN python -m venv /opt/venv\nENV VIRTUAL_ENV=/opt/venv\nENV PATH=/opt/venv/bin:$PATH\n")
        self.assert_fails(broken, "which the final image does not have")

    def test_a_program_of_the_full_image_only_fails(self):
        broken = PY_GOOD.replace('CMD ["gunicorn", "app:app"]\n', 'CMD ["git", "log"]\n')
        original = PY_ORIGINAL.replace('CMD ["gunicorn", "app:app"]\n', 'CMD ["git", "log"]\n')
        problems = checker.check(original, broken)
        self.assertTrue(any("runs git" in p for p in problems), problems)

    def test_a_lost_env_of_the_file_fails(self):
        self.assert_fails(PY_GOOD.replace("ENV PYTHONUNBUFFERED=1\nENV VIRTUAL_ENV", "ENV VIRTUAL_ENV"),
                          "ENV differs")

    def test_a_user_base_copied_whole_passes_and_one_left_behind_fails(self):
        original = """FROM python:3.11
RUN useradd -m worker
USER worker
WORKDIR /home/worker/app
COPY requirements.txt .
RUN pip install --user -r requirements.txt
ENV PATH="/home/worker/.local/bin:$PATH"
CMD ["celery", "-A", "tasks", "worker"]
"""
        good = original.replace("FROM python:3.11\n", "FROM python:3.11 AS builder\n") + """
FROM python:3.11-slim
RUN useradd -m worker
USER worker
WORKDIR /home/worker/app
COPY --from=builder /home/worker/app /home/worker/app
COPY --from=builder /home/worker/.local /home/worker/.local
ENV PATH="/home/worker/.local/bin:$PATH"
CMD ["celery", "-A", "tasks", "worker"]
"""
        self.assertEqual(checker.check(original, good), [])
        broken = good.replace("COPY --from=builder /home/worker/.local /home/worker/.local\n", "")
        problems = checker.check(original, broken)
        self.assertTrue(any("runs celery" in p for p in problems), problems)

    def test_poetry_in_project_runs_from_the_project_environment_and_not_otherwise(self):
        original = """FROM python:3.12
ENV POETRY_VIRTUALENVS_IN_PROJECT=1
WORKDIR /app
COPY . .
RUN pip install poetry && poetry install
CMD ["poetry", "run", "gunicorn", "app:app"]
"""
        final = """
FROM python:3.12-slim
WORKDIR /app
COPY --from=builder /app /app
ENV VIRTUAL_ENV=/app/.venv
ENV PATH=/app/.venv/bin:$PATH
ENV POETRY_VIRTUALENVS_IN_PROJECT=1
CMD ["gunicorn", "app:app"]
"""
        good = original.replace("FROM python:3.12\n", "FROM python:3.12 AS builder\n") + final
        self.assertEqual(checker.check(original, good), [])
        # Without the setting, poetry's environment is in ~/.cache, not in /app.
        plain = original.replace("ENV POETRY_VIRTUALENVS_IN_PROJECT=1\n", "")
        broken = plain.replace("FROM python:3.12\n", "FROM python:3.12 AS builder\n") \
            + final.replace("ENV POETRY_VIRTUALENVS_IN_PROJECT=1\n", "")
        problems = checker.check(plain, broken)
        self.assertTrue(any("runs gunicorn" in p for p in problems), problems)

    def test_a_command_through_uv_runs_from_the_project_environment(self):
        original = """FROM python:3.12
WORKDIR /app
COPY . .
RUN uv sync --frozen
CMD ["uv", "run", "fastapi", "run", "main.py"]
"""
        good = original.replace("FROM python:3.12\n", "FROM python:3.12 AS builder\n") + """
FROM python:3.12-slim
WORKDIR /app
COPY --from=builder /app /app
ENV VIRTUAL_ENV=/app/.venv
ENV PATH=/app/.venv/bin:$PATH
CMD ["fastapi", "run", "main.py"]
"""
        self.assertEqual(checker.check(original, good), [])
        # Without the environment on PATH, fastapi is nowhere.
        broken = good.replace("ENV VIRTUAL_ENV=/app/.venv\nENV PATH=/app/.venv/bin:$PATH\n", "")
        problems = checker.check(original, broken)
        self.assertTrue(any("runs fastapi" in p for p in problems), problems)
        # Another command than the tool ran fails.
        problems = checker.check(original, good.replace('CMD ["fastapi", "run", "main.py"]', 'CMD ["fastapi", "dev", "main.py"]'))
        self.assertTrue(any("command differs" in p for p in problems), problems)


class GoTest(unittest.TestCase):
    ORIGINAL = """FROM golang:1.22
WORKDIR /app
COPY . .
RUN go build -o server .
USER nobody
CMD ["/app/server"]
"""
    GOOD = """FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o server .
USER nobody
CMD ["/app/server"]

FROM scratch
WORKDIR /app
COPY --from=builder /app/server /app/server
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65534:65534
CMD ["/app/server"]
"""

    def test_a_static_binary_on_scratch_with_the_users_id_passes(self):
        self.assertEqual(checker.check(self.ORIGINAL, self.GOOD), [])

    def test_a_build_that_may_use_cgo_fails_on_scratch(self):
        problems = checker.check(self.ORIGINAL, self.GOOD.replace("CGO_ENABLED=0 go build", "go build"))
        self.assertTrue(any("may link the C library" in p for p in problems), problems)

    def test_another_user_id_or_another_path_fails(self):
        problems = checker.check(self.ORIGINAL, self.GOOD.replace("USER 65534:65534", "USER 1000"))
        self.assertTrue(any("USER differs" in p for p in problems), problems)
        problems = checker.check(self.ORIGINAL, self.GOOD.replace("ENV PATH=/go/bin:", "ENV PATH=/opt/bin:"))
        self.assertTrue(any("ENV differs" in p for p in problems), problems)

    def test_go_run_at_start_passes_only_as_the_binary_its_build_writes(self):
        original = "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nCMD [\"go\", \"run\", \"-tags\", \"prod\", \".\", \"--port\", \"80\"]\n"
        good = original.replace("FROM golang:1.22\n", "FROM golang:1.22 AS builder\n").replace(
            "COPY . .\n", "COPY . .\nRUN CGO_ENABLED=0 go build -tags prod -o /usr/local/bin/api .\n") + """
FROM scratch
WORKDIR /app
COPY --from=builder /usr/local/bin/api /usr/local/bin/api
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/usr/local/bin/api", "--port", "80"]
"""
        self.assertEqual(checker.check(original, good), [])
        problems = checker.check(original, good.replace("go build -tags prod", "go build"))
        self.assertTrue(any("command differs" in p for p in problems), problems)


class JavaChecker(unittest.TestCase):
    def test_a_boot_run_at_start_passes_only_as_the_jar_its_package_step_builds(self):
        original = """FROM maven:3.9-eclipse-temurin-17
WORKDIR /app
COPY . .
RUN mvn -B package -DskipTests
CMD ["mvn", "spring-boot:run", "-Dspring-boot.run.profiles=prod", "-Dspring-boot.run.jvmArguments=-Xmx256m"]
"""
        builder = original.replace("eclipse-temurin-17\n", "eclipse-temurin-17 AS builder\n", 1)
        final = """
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=builder /app/target/shop-1.0.jar /app/target/shop-1.0.jar
CMD ["java", "-Xmx256m", "-jar", "/app/target/shop-1.0.jar", "--spring.profiles.active=prod"]
"""
        used = set()
        self.assertEqual(checker.check(original, builder + final, used=used), [])
        self.assertIn("boot-run-built", used)
        # The profile lost, the jar not copied, or no package step: not the same.
        for broken in (
            builder + final.replace(', "--spring.profiles.active=prod"', ""),
            builder + final.replace("COPY --from=builder /app/target/shop-1.0.jar /app/target/shop-1.0.jar\n", ""),
            builder.replace("RUN mvn -B package -DskipTests\n", "") + final,
        ):
            self.assertNotEqual(checker.check(original, broken), [], broken)

    MAVEN = """FROM maven:3.9-eclipse-temurin-21
WORKDIR /app
COPY pom.xml .
COPY src ./src
RUN mvn -B package
EXPOSE 8080
CMD ["java", "-Xmx512m", "-Dspring.profiles.active=prod", "-jar", "target/app.jar", "--port", "8080"]
"""
    BUILDER = MAVEN.replace("FROM maven:3.9-eclipse-temurin-21\n", "FROM maven:3.9-eclipse-temurin-21 AS builder\n")
    JRE = BUILDER + """
FROM eclipse-temurin:21-jre
WORKDIR /app
COPY --from=builder /app/target/app.jar /app/target/app.jar
EXPOSE 8080
CMD ["java", "-Xmx512m", "-Dspring.profiles.active=prod", "-jar", "target/app.jar", "--port", "8080"]
"""
    DISTROLESS = BUILDER + """
FROM gcr.io/distroless/java21-debian13
WORKDIR /app
COPY --from=builder /app/target/app.jar /app/target/app.jar
ENV JAVA_TOOL_OPTIONS="-Xmx512m -Dspring.profiles.active=prod"
EXPOSE 8080
CMD ["target/app.jar", "--port", "8080"]
"""
    GRADLE = """FROM gradle:8.10-jdk17
COPY --chown=gradle:gradle . src
WORKDIR src
RUN gradle bootJar --no-daemon
USER gradle
CMD ["java", "-jar", "build/libs/app.jar"]
"""
    GRADLE_JRE = GRADLE.replace("FROM gradle:8.10-jdk17\n", "FROM gradle:8.10-jdk17 AS builder\n") + """
FROM eclipse-temurin:17-jre
WORKDIR /home/gradle/src
COPY --from=builder /home/gradle/src/build/libs/app.jar /home/gradle/src/build/libs/app.jar
USER 1000:1000
CMD ["java", "-jar", "build/libs/app.jar"]
"""

    def judge(self, original, rewritten):
        used = set()
        return checker.check(original, rewritten, None, used), used

    def assert_fails(self, original, rewritten, words):
        problems, _ = self.judge(original, rewritten)
        self.assertTrue(any(words in p for p in problems), f"expected {words!r} in {problems}")

    # The rows: facts from the images' own Dockerfiles.

    def test_the_java_rows(self):
        b = checker.base_of
        self.assertEqual(b("eclipse-temurin:21-jdk")["entrypoint"], ["/__cacert_entrypoint.sh"])
        self.assertEqual(b("eclipse-temurin:21-jdk")["cmd"], ["jshell"])
        self.assertEqual(b("eclipse-temurin:8-jdk-jammy")["cmd"], [])
        self.assertEqual(b("eclipse-temurin:21-jre-noble")["cmd"], [])
        self.assertIn("curl", b("eclipse-temurin:17-jre-jammy")["programs"])
        self.assertNotIn("curl", b("eclipse-temurin:22-jre")["programs"])
        self.assertIn("wget", b("eclipse-temurin:21-jre")["programs"])
        self.assertNotIn("wget", b("eclipse-temurin:25-jre")["programs"])
        alpine = b("eclipse-temurin:21-jre-alpine")
        self.assertIn("wget", alpine["programs"])
        self.assertFalse({"curl", "bash"} & alpine["programs"])
        self.assertIn("ubuntu", b("eclipse-temurin:21-jre-noble")["users"])
        self.assertNotIn("ubuntu", b("eclipse-temurin:21-jre-jammy")["users"])
        maven = b("maven:3.9.9-eclipse-temurin-21-alpine")
        self.assertEqual((maven["entrypoint"], maven["cmd"]), (["/usr/local/bin/mvn-entrypoint.sh"], ["mvn"]))
        self.assertEqual(maven["env"]["MAVEN_CONFIG"], "/root/.m2")
        gradle = b("gradle:jdk21-noble")
        self.assertEqual((gradle["entrypoint"], gradle["cmd"], gradle["workdir"], gradle["user"]),
                         (["/__cacert_entrypoint.sh"], ["gradle"], "/home/gradle", ""))
        self.assertTrue({"gradle", "1000"} <= gradle["users"] and "ubuntu" not in gradle["users"])
        self.assertEqual(b("openjdk:17-jdk-slim")["env"]["JAVA_HOME"], "/usr/local/openjdk-17")
        self.assertEqual(b("amazoncorretto:21")["entrypoint"], [])
        self.assertEqual(b("amazoncorretto:21-alpine")["env"]["JAVA_HOME"], "/usr/lib/jvm/default-jvm")
        self.assertEqual(b("sapmachine:21-jre-ubuntu-noble")["cmd"], ["bash"])
        self.assertEqual(b("ibm-semeru-runtimes:open-17-jre-jammy")["env"]["JAVA_HOME"], "/opt/java/openjdk")
        distroless = b("gcr.io/distroless/java21-debian13")
        self.assertEqual((distroless["entrypoint"], distroless["cmd"], distroless["shell"]),
                         (["/usr/bin/java", "-jar"], [], False))
        self.assertNotIn("JAVA_HOME", distroless["env"])
        nonroot = b("gcr.io/distroless/java21-debian13:nonroot")
        self.assertEqual((nonroot["user"], nonroot["workdir"]), ("65532", "/home/nonroot"))
        self.assertIsNone(b("gradle:jdk21-graal"))  # a vendor the checker does not know

    # java-entrypoint

    def test_maven_to_a_jre_runs_the_same_argv_after_the_entrypoint_scripts(self):
        problems, used = self.judge(self.MAVEN, self.JRE)
        self.assertEqual(problems, [])
        self.assertEqual(used, {"java-entrypoint"})
        # The same images' script on both sides: nothing to strip.
        jdk = self.MAVEN.replace("FROM maven:3.9-eclipse-temurin-21", "FROM eclipse-temurin:21-jdk")
        problems, used = self.judge(jdk, self.JRE.replace("FROM maven:3.9-eclipse-temurin-21 AS", "FROM eclipse-temurin:21-jdk AS"))
        self.assertEqual(problems, [])
        self.assertNotIn("java-entrypoint", used)

    def test_another_argv_after_the_entrypoint_script_fails(self):
        head, tail = self.JRE.rsplit('"--port", "8080"]', 1)
        self.assert_fails(self.MAVEN, head + '"--port", "9090"]' + tail, "the command differs")
        # maven's script is not on a JRE image, and is not stripped there.
        head, tail = self.JRE.rsplit("CMD", 1)
        problems, _ = self.judge(self.MAVEN, head + 'ENTRYPOINT ["/usr/local/bin/mvn-entrypoint.sh"]\nCMD' + tail)
        self.assertTrue(any("runs /usr/local/bin/mvn-entrypoint.sh, which the final image does not have" in p
                            for p in problems), problems)

    # distroless-java

    def test_distroless_java_with_the_options_in_java_tool_options_passes(self):
        problems, used = self.judge(self.MAVEN, self.DISTROLESS)
        self.assertEqual(problems, [])
        self.assertTrue({"distroless-java", "java-entrypoint"} <= used, used)

    def test_distroless_java_without_the_options_fails(self):
        lost = self.DISTROLESS.replace('ENV JAVA_TOOL_OPTIONS="-Xmx512m -Dspring.profiles.active=prod"',
                                       'ENV JAVA_TOOL_OPTIONS="-Xmx512m"')
        self.assert_fails(self.MAVEN, lost, "the command differs")
        none = self.DISTROLESS.replace('ENV JAVA_TOOL_OPTIONS="-Xmx512m -Dspring.profiles.active=prod"\n', "")
        self.assert_fails(self.MAVEN, none, "the command differs")
        # An option the JVM does not read from JAVA_TOOL_OPTIONS (the launcher's -cp).
        original = self.MAVEN.replace('"-Xmx512m", "-Dspring.profiles.active=prod"', '"-cp", "lib"')
        moved = self.DISTROLESS.replace("-Xmx512m -Dspring.profiles.active=prod", "-cp lib")
        self.assert_fails(original, moved, "the command differs")

    def test_the_original_cmd_unchanged_on_distroless_java_fails(self):
        original = "FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY app.jar .\nCMD [\"java\", \"-jar\", \"app.jar\"]\n"
        rewritten = original.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n") + (
            "\nFROM gcr.io/distroless/java21-debian13\nWORKDIR /app\nCOPY --from=builder /app/app.jar /app/app.jar\n{}")
        # It would run `java -jar java -jar app.jar`.
        self.assert_fails(original, rewritten.format('CMD ["java", "-jar", "app.jar"]\n'), "the command differs")
        problems, used = self.judge(original, rewritten.format('CMD ["app.jar"]\n'))
        self.assertEqual(problems, [])
        self.assertTrue({"distroless-java", "java-entrypoint"} <= used, used)
        # JAVA_TOOL_OPTIONS with no options to hold is an ENV of its own.
        self.assert_fails(original, rewritten.format('ENV JAVA_TOOL_OPTIONS=-Xmx1g\nCMD ["app.jar"]\n'), "ENV differs")

    def test_shell_form_cmd_on_distroless_java_fails(self):
        original = "FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY app.jar .\nCMD java -jar app.jar\n"
        rewritten = original.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n") + (
            "\nFROM gcr.io/distroless/java21-debian13\nWORKDIR /app\nCOPY --from=builder /app/app.jar /app/app.jar\n"
            "CMD java -jar app.jar\n")
        self.assert_fails(original, rewritten, "shell-form CMD on an image with no shell")
        self.assert_fails(original, rewritten, "the command differs")

    def test_java_by_path_on_distroless_java(self):
        original = ("FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY app.jar .\n"
                    "ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"app.jar\"]\n")
        rewritten = original.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n") + (
            "\nFROM gcr.io/distroless/java21-debian13\nWORKDIR /app\nCOPY --from=builder /app/app.jar /app/app.jar\n"
            "ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"app.jar\"]\n")
        # Its own ENTRYPOINT: java is /usr/bin/java, on PATH.
        self.assertEqual(self.judge(original, rewritten)[0], [])
        # Not the JDK image's path, which distroless does not have.
        self.assert_fails(original.replace('["java"', '["/opt/java/openjdk/bin/java"'),
                          rewritten.replace('["java"', '["/opt/java/openjdk/bin/java"'),
                          "runs /opt/java/openjdk/bin/java, which the final image does not have")

    # jre-env

    def test_the_final_images_own_java_home_set_again_passes(self):
        restated = self.JRE.rsplit("EXPOSE 8080\n", 1)[0] + \
            "ENV JAVA_HOME=/opt/java/openjdk PATH=$JAVA_HOME/bin:$PATH\nEXPOSE 8080\n" + self.JRE.rsplit("EXPOSE 8080\n", 1)[1]
        problems, used = self.judge(self.MAVEN, restated)
        self.assertEqual(problems, [])
        self.assertIn("jre-env", used)
        self.assertNotIn("jre-env", self.judge(self.MAVEN, self.JRE)[1])
        # maven's MAVEN_CONFIG, as the original's image had it.
        carried = self.JRE.rsplit("EXPOSE 8080\n", 1)[0] + "ENV MAVEN_CONFIG=/root/.m2\nEXPOSE 8080\n" \
            + self.JRE.rsplit("EXPOSE 8080\n", 1)[1]
        self.assertEqual(self.judge(self.MAVEN, carried)[0], [])

    def test_a_java_home_the_final_image_does_not_have_fails(self):
        original = "FROM openjdk:17-jdk-slim\nWORKDIR /app\nCOPY app.jar .\nCMD [\"java\", \"-jar\", \"app.jar\"]\n"
        final = "\nFROM eclipse-temurin:17-jre\nWORKDIR /app\nCOPY --from=builder /app/app.jar /app/app.jar\n{}CMD [\"java\", \"-jar\", \"app.jar\"]\n"
        builder = original.replace("FROM openjdk:17-jdk-slim\n", "FROM openjdk:17-jdk-slim AS builder\n")
        # openjdk's JAVA_HOME on the temurin JRE: a folder that is not there.
        self.assert_fails(original, builder + final.format("ENV JAVA_HOME=/usr/local/openjdk-17\n"), "ENV differs")
        # openjdk's C.UTF-8 kept: the same locale.
        problems, used = self.judge(original, builder + final.format("ENV LANG=C.UTF-8\n"))
        self.assertEqual(problems, [])
        self.assertTrue({"jre-env", "java-entrypoint"} <= used, used)
        # On distroless java there is no JAVA_HOME at all, nor en_US.UTF-8.
        distroless = builder + final.replace("eclipse-temurin:17-jre", "gcr.io/distroless/java17-debian13").replace(
            'CMD ["java", "-jar", "app.jar"]', 'CMD ["app.jar"]')
        self.assert_fails(original, distroless.format("ENV JAVA_HOME=/opt/java/openjdk\n"), "ENV differs")
        temurin = self.MAVEN.replace("FROM maven:3.9-eclipse-temurin-21", "FROM eclipse-temurin:21-jdk")
        on_distroless = temurin.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n") \
            + self.DISTROLESS.split("\n\n", 1)[1].replace("EXPOSE", "ENV LANG=en_US.UTF-8\nEXPOSE")
        self.assert_fails(temurin, on_distroless, "ENV differs")

    def test_the_dockerfiles_own_env_is_compared_as_it_is(self):
        original = self.MAVEN.replace("EXPOSE 8080\n", "ENV JAVA_HOME=/opt/java/openjdk APP_MODE=prod\nEXPOSE 8080\n")
        builder = original.replace("FROM maven:3.9-eclipse-temurin-21\n", "FROM maven:3.9-eclipse-temurin-21 AS builder\n")
        final = self.JRE.split("\n\n", 1)[1]
        # Both of one ENV line lost: the second pair of a line is read too.
        self.assert_fails(original, builder + "\n" + final.replace("EXPOSE", "ENV JAVA_HOME=/opt/java/openjdk\nEXPOSE"),
                          "ENV differs")
        self.assertEqual(self.judge(original, builder + "\n" + final.replace(
            "EXPOSE", "ENV JAVA_HOME=/opt/java/openjdk APP_MODE=prod\nEXPOSE"))[0], [])

    def test_a_variable_of_the_jdk_image_in_the_final_stage(self):
        final = self.JRE.rsplit("EXPOSE 8080\n", 1)
        self.assertNotIn("not declared", " ".join(self.judge(self.MAVEN, final[0] + "COPY --from=builder /app/conf $JAVA_HOME/conf\nEXPOSE 8080\n" + final[1])[0]))
        distroless = self.DISTROLESS.rsplit("EXPOSE 8080\n", 1)
        self.assert_fails(self.MAVEN, distroless[0] + "COPY --from=builder /app/conf $JAVA_HOME/conf\nEXPOSE 8080\n" + distroless[1],
                          "$JAVA_HOME is not declared")

    # java-user-as-id, and gradle's WORKDIR

    def test_the_gradle_user_by_id_on_a_jre_passes(self):
        problems, used = self.judge(self.GRADLE, self.GRADLE_JRE)
        self.assertEqual(problems, [])
        self.assertIn("java-user-as-id", used)

    def test_the_gradle_user_by_name_or_another_id_fails(self):
        self.assert_fails(self.GRADLE, self.GRADLE_JRE.replace("USER 1000:1000", "USER gradle"),
                          "USER gradle does not exist")
        self.assert_fails(self.GRADLE, self.GRADLE_JRE.replace("USER 1000:1000", "USER 1001"), "USER differs")

    def test_gradles_workdir_is_where_a_relative_workdir_starts(self):
        # WORKDIR src on gradle is /home/gradle/src: the final stage must say so.
        self.assert_fails(self.GRADLE, self.GRADLE_JRE.replace("WORKDIR /home/gradle/src", "WORKDIR /src"),
                          "WORKDIR differs")
        original = "FROM gradle:8.10-jdk17\nCOPY . .\nRUN gradle bootJar\nCMD [\"java\", \"-jar\", \"build/libs/app.jar\"]\n"
        final = ("\nFROM eclipse-temurin:17-jre\n{}COPY --from=builder /home/gradle/build/libs/app.jar "
                 "/home/gradle/build/libs/app.jar\nCMD [\"java\", \"-jar\", \"build/libs/app.jar\"]\n")
        builder = original.replace("FROM gradle:8.10-jdk17\n", "FROM gradle:8.10-jdk17 AS builder\n")
        self.assertEqual(self.judge(original, builder + final.format("WORKDIR /home/gradle\n"))[0], [])
        self.assert_fails(original, builder + final.format(""), "WORKDIR differs")

    # What runs exists: the jar, and a wildcard's copies

    def test_a_jar_a_wildcard_copies_into_its_folder(self):
        original = ("FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\n"
                    "CMD java -jar target/*.jar\n")
        builder = original.replace("FROM maven:3.9-eclipse-temurin-21\n", "FROM maven:3.9-eclipse-temurin-21 AS builder\n")
        good = builder + ("\nFROM eclipse-temurin:21-jre\nWORKDIR /app\n"
                          "COPY --from=builder /app/target/*.jar /app/target/\nCMD java -jar target/*.jar\n")
        self.assertEqual(self.judge(original, good)[0], [])
        self.assert_fails(original, good.replace("COPY --from=builder /app/target/*.jar /app/target/\n", ""),
                          "runs the jar target/*.jar, which no COPY")
        self.assert_fails(original, good.replace("/app/target/*.jar /app/target/", "/app/target/*.war /app/target/"),
                          "runs the jar target/*.jar, which no COPY")

    def test_a_shell_that_execs_java(self):
        original = ("FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY app.jar .\nENV JAVA_OPTS=-Xmx1g\n"
                    "ENTRYPOINT [\"sh\", \"-c\", \"exec java $JAVA_OPTS -jar app.jar\"]\n")
        builder = original.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n")
        final = ("\nFROM eclipse-temurin:21-jre\nWORKDIR /app\n{}ENV JAVA_OPTS=-Xmx1g\n"
                 "ENTRYPOINT [\"sh\", \"-c\", \"exec java $JAVA_OPTS -jar app.jar\"]\n")
        self.assertEqual(self.judge(original, builder + final.format("COPY --from=builder /app/app.jar /app/app.jar\n"))[0], [])
        self.assert_fails(original, builder + final.format(""), "runs the jar app.jar")

    def test_a_jar_left_in_the_builder_fails(self):
        # Under the same entrypoint script on both sides, the jar is still looked for.
        jdk = self.MAVEN.replace("FROM maven:3.9-eclipse-temurin-21", "FROM eclipse-temurin:21-jdk")
        rewritten = self.JRE.replace("FROM maven:3.9-eclipse-temurin-21 AS", "FROM eclipse-temurin:21-jdk AS")
        self.assert_fails(jdk, rewritten.replace("COPY --from=builder /app/target/app.jar /app/target/app.jar\n",
                                                 "COPY --from=builder /app/target/app.jar /app/\n"),
                          "runs the jar target/app.jar")
        self.assert_fails(self.MAVEN, self.JRE.replace("COPY --from=builder /app/target/app.jar /app/target/app.jar\n", ""),
                          "runs the jar target/app.jar")
        self.assert_fails(self.MAVEN, self.DISTROLESS.replace("COPY --from=builder /app/target/app.jar /app/target/app.jar\n",
                                                              "COPY --from=builder /app/target/other.jar /app/target/\n"),
                          "runs the jar target/app.jar")

    def test_a_program_a_wildcard_copies_into_its_folder(self):
        original = "FROM eclipse-temurin:21-jdk\nWORKDIR /src\nCOPY . .\nRUN ./build.sh\nCMD [\"/opt/app/start-app.sh\"]\n"
        builder = original.replace("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jdk AS builder\n")
        good = builder + ("\nFROM eclipse-temurin:21-jre\nWORKDIR /src\nCOPY --from=builder /src/out/start-*.sh /opt/app/\n"
                          "CMD [\"/opt/app/start-app.sh\"]\n")
        self.assertEqual(self.judge(original, good)[0], [])
        self.assert_fails(original, good.replace("start-*.sh", "run-*.sh"), "runs /opt/app/start-app.sh")

    def test_a_healthcheck_with_curl_on_a_jre_without_it_fails(self):
        original = self.MAVEN.replace("FROM maven:3.9-eclipse-temurin-21", "FROM maven:3.9-eclipse-temurin-25").replace(
            "EXPOSE 8080\n", "EXPOSE 8080\nHEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\n")
        final = self.JRE.split("\n\n", 1)[1].replace("eclipse-temurin:21-jre", "eclipse-temurin:25-jre").replace(
            "EXPOSE 8080\n", "EXPOSE 8080\nHEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\n")
        builder = original.replace("FROM maven:3.9-eclipse-temurin-25\n", "FROM maven:3.9-eclipse-temurin-25 AS builder\n")
        self.assert_fails(original, builder + "\n" + final, "HEALTHCHECK runs curl")
        with_curl = final.replace("WORKDIR /app\n", "RUN apt-get update && apt-get install -y --no-install-recommends curl\nWORKDIR /app\n")
        self.assertEqual(self.judge(original, builder + "\n" + with_curl)[0], [])
        # eclipse-temurin 21's Ubuntu JRE has curl.
        self.assertEqual(self.judge(original.replace("temurin-25", "temurin-21"),
                                    (builder + "\n" + final).replace("temurin-25", "temurin-21").replace("25-jre", "21-jre"))[0], [])


if __name__ == "__main__":
    unittest.main()
