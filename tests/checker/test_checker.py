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


if __name__ == "__main__":
    unittest.main()


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
