import http from "node:http";
import { z } from "zod";

const QuoteRequest = z.object({
  items: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().positive(), unitCents: z.number().int().nonnegative() })),
  discountPercent: z.number().min(0).max(50).default(0),
});

const port = Number(process.env.PORT ?? 3000);

http
  .createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/quote") {
      res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
      return res.end(req.url === "/health" ? "ok\n" : "not found\n");
    }
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      let parsed;
      try {
        parsed = QuoteRequest.safeParse(JSON.parse(raw));
      } catch {
        res.writeHead(400).end("invalid json\n");
        return;
      }
      if (!parsed.success) {
        res.writeHead(422, { "content-type": "application/json" });
        res.end(JSON.stringify(parsed.error.issues));
        return;
      }
      const subtotal = parsed.data.items.reduce((sum, i) => sum + i.qty * i.unitCents, 0);
      const total = Math.round(subtotal * (1 - parsed.data.discountPercent / 100));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ subtotal, total }));
    });
  })
  .listen(port, () => console.log(`quote calculator on ${port}`));
