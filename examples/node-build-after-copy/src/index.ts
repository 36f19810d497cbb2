import http from "node:http";
import pino from "pino";

const log = pino({ level: process.env.LOG_LEVEL ?? "info" });
const port = Number(process.env.PORT ?? 8080);

const events: { at: string; body: string }[] = [];

http
  .createServer((req, res) => {
    if (req.method === "POST" && req.url === "/events") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        events.push({ at: new Date().toISOString(), body });
        log.info({ size: body.length }, "event recorded");
        res.writeHead(202).end();
      });
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", events: events.length }));
  })
  .listen(port, () => log.info({ port }, "listening"));
