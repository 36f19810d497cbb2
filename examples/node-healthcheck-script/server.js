const express = require("express");

const app = express();
app.use(express.json());

const queue = [];

app.get("/health", (_req, res) => res.json({ status: "ok", queued: queue.length }));

app.post("/notify", (req, res) => {
  const { to, message } = req.body ?? {};
  if (!to || !message) return res.status(400).json({ error: "to and message are required" });
  queue.push({ to, message, at: Date.now() });
  res.status(202).json({ queued: queue.length });
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`notifications on ${port}`));
