const http = require("node:http");
const { Pool } = require("pg");

const pool = new Pool();
http
  .createServer(async (_req, res) => {
    const { rows } = await pool.query("select now() as now");
    res.end(`${rows[0].now}\n`);
  })
  .listen(process.env.PORT || 3000);
