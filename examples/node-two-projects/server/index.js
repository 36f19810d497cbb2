const path = require("node:path");
const express = require("express");

const app = express();
const port = Number(process.env.PORT ?? 3000);

const services = [
  { name: "api", up: true },
  { name: "worker", up: true },
  { name: "mailer", up: false },
];

app.get("/api/services", (_req, res) => res.json(services));
app.use(express.static(path.join(__dirname, "../client/dist")));

app.listen(port, () => console.log(`status board on ${port}`));
