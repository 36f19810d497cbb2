import fs from "node:fs";
import path from "node:path";
import express from "express";

const app = express();
const port = Number(process.env.PORT ?? 3000);
const cacheDir = process.env.CACHE_DIR ?? "/tmp/app-cache";
const access = fs.createWriteStream(path.join("logs", "access.log"), { flags: "a" });

app.use((req, _res, next) => {
  access.write(`${new Date().toISOString()} ${req.method} ${req.url}\n`);
  next();
});

app.get("/health", (_req, res) => res.send("ok"));

app.get("/pages/:slug", (req, res) => {
  const cached = path.join(cacheDir, `${req.params.slug}.html`);
  if (!fs.existsSync(cached)) {
    fs.writeFileSync(cached, `<h1>${req.params.slug}</h1>`);
  }
  res.sendFile(cached);
});

app.use(express.static("public"));

app.listen(port, () => console.log(`docs portal on ${port}`));
