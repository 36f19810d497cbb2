import os
import time

import psycopg2
import redis


def main() -> None:
    queue = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379"))
    db = psycopg2.connect(os.environ.get("DATABASE_URL", ""))
    while True:
        job = queue.blpop("jobs", timeout=5)
        if job:
            with db, db.cursor() as cur:
                cur.execute("INSERT INTO done (payload) VALUES (%s)", (job[1].decode(),))
        time.sleep(0.1)
