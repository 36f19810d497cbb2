"""A small report service reading from SQL Server through ODBC."""
import os

import pyodbc
from flask import Flask

app = Flask(__name__)


@app.get("/")
def count():
    conn = pyodbc.connect(
        "DRIVER={ODBC Driver 18 for SQL Server};"
        f"SERVER={os.environ['DB_HOST']};TrustServerCertificate=yes;Trusted_Connection=no"
    )
    rows = conn.execute("SELECT COUNT(*) FROM reports").fetchone()
    return {"reports": rows[0]}
