const Fastify = require("fastify");

const app = Fastify({ logger: true });

const flags = {
  "new-checkout": { enabled: true, rollout: 25 },
  "dark-mode": { enabled: false, rollout: 0 },
};

app.get("/health", async () => ({ status: "ok" }));
app.get("/flags", async () => flags);
app.get("/flags/:name", async (req, reply) => {
  const flag = flags[req.params.name];
  if (!flag) return reply.code(404).send({ error: "unknown flag" });
  return flag;
});

app.listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 3000) }).catch((err) => {
  app.log.error(err);
  process.exit(1);
});
