const http = require("node:http");
const config = require("./config.json");

http
  .createServer((_req, res) => res.end(`ok ${config.region}\n`))
  .listen(process.env.PORT || 3000);
