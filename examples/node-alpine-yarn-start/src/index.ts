import { randomBytes } from "node:crypto";
import Fastify from "fastify";

const app = Fastify({ logger: true });
const links = new Map<string, string>();

app.get("/health", async () => ({ status: "ok" }));

app.post<{ Body: { url: string } }>("/links", async (req, reply) => {
  const url = req.body?.url;
  if (!url || !/^https?:\/\//.test(url)) return reply.code(400).send({ error: "url must be http(s)" });
  const code = randomBytes(4).toString("base64url");
  links.set(code, url);
  return reply.code(201).send({ code });
});

app.get<{ Params: { code: string } }>("/:code", async (req, reply) => {
  const url = links.get(req.params.code);
  if (!url) return reply.code(404).send({ error: "unknown link" });
  return reply.redirect(url);
});

app.listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 3000) }).catch((err) => {
  app.log.error(err);
  process.exit(1);
});
