import { createHmac, timingSafeEqual } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const secret = process.env.WEBHOOK_SECRET ?? "dev-secret";
const app = new Hono();

function validSignature(body: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac("sha256", secret).update(body).digest("hex");
  return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

app.get("/health", (c) => c.text("ok"));

app.post("/webhooks/:partner", async (c) => {
  const body = await c.req.text();
  if (!validSignature(body, c.req.header("x-signature"))) {
    return c.json({ error: "bad signature" }, 401);
  }
  console.log(`webhook from ${c.req.param("partner")}: ${body.length} bytes`);
  return c.body(null, 204);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on ${info.port}`);
});
