const http = require("node:http");

http.createServer((_req, res) => res.end("ok\n")).listen(process.env.PORT || 3000);
