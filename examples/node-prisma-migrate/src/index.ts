import express from "express";
import { PrismaClient } from "@prisma/client";

const prisma = new PrismaClient();
const app = express();

app.get("/orders", async (_req, res) => {
  res.json(await prisma.order.findMany({ take: 50 }));
});

app.listen(Number(process.env.PORT ?? 8080));
