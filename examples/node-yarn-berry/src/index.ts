import Fastify from "fastify";

const app = Fastify({ logger: true });

app.get("/healthz", async () => ({ status: "ok" }));
app.get("/", async () => ({ service: "berry-web", yarn: "4" }));

app.listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 3000) });
