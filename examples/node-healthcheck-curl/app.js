const Koa = require("koa");

const app = new Koa();
app.use((ctx) => {
  ctx.body = ctx.path === "/health" ? "ok" : "hello";
});
app.listen(8080);
