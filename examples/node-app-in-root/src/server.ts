import express from "express";

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get("/health", (_req, res) => res.send("ok"));
app.listen(port, () => console.log(`listening on ${port}`));
