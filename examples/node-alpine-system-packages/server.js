const http = require("node:http");
const { Pool } = require("pg");

// Connections are opened lazily, on the first query.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL ?? "postgres://postgres@localhost:5432/billing",
  max: 5,
});
const port = Number(process.env.PORT ?? 3000);

const server = http.createServer(async (req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok\n");
  }
  if (req.url === "/reports/monthly") {
    try {
      const { rows } = await pool.query(
        "select date_trunc('month', issued_at) as month, sum(amount_cents) as total from invoices group by 1 order by 1 desc limit 12"
      );
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(rows));
    } catch (err) {
      console.error("query failed:", err.message);
      res.writeHead(503, { "content-type": "text/plain" });
      return res.end("database unavailable\n");
    }
  }
  res.writeHead(404).end();
});

server.listen(port, () => console.log(`listening on ${port}`));

process.on("SIGTERM", () => {
  server.close(() => pool.end().then(() => process.exit(0)));
});
