"""Background worker: hashes pending signup passwords with argon2.

Rows land in `pending_signups` with a plaintext password from the signup
form; this worker claims them one at a time, writes the hash into `users`
and deletes the pending row.
"""

import logging
import os
import signal
import time

import psycopg2
from argon2 import PasswordHasher

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("worker")

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:app@db:5432/app")
POLL_SECONDS = float(os.environ.get("POLL_SECONDS", "2"))

hasher = PasswordHasher()
running = True


def stop(signum, frame):
    global running
    log.info("received signal %s, finishing current job", signum)
    running = False


def process_one(conn) -> bool:
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT id, email, password
              FROM pending_signups
             ORDER BY id
             LIMIT 1
               FOR UPDATE SKIP LOCKED
            """
        )
        row = cur.fetchone()
        if row is None:
            return False
        signup_id, email, password = row
        cur.execute(
            "INSERT INTO users (email, password_hash) VALUES (%s, %s)",
            (email, hasher.hash(password)),
        )
        cur.execute("DELETE FROM pending_signups WHERE id = %s", (signup_id,))
        log.info("created user %s", email)
        return True


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    conn = psycopg2.connect(DATABASE_URL)
    log.info("worker started")
    try:
        while running:
            if not process_one(conn):
                time.sleep(POLL_SECONDS)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
