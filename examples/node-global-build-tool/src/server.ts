import express from "express";

type Product = { id: string; name: string; priceCents: number };

const products: Product[] = [
  { id: "p-100", name: "Espresso beans 1kg", priceCents: 2490 },
  { id: "p-101", name: "Pour-over kettle", priceCents: 5900 },
];

const app = express();
const port = Number(process.env.PORT ?? 4000);

app.get("/health", (_req, res) => res.send("ok"));
app.get("/products", (_req, res) => res.json(products));
app.get("/products/:id", (req, res) => {
  const product = products.find((p) => p.id === req.params.id);
  if (!product) return res.status(404).json({ error: "not found" });
  res.json(product);
});

app.listen(port, () => console.log(`catalog api on ${port}`));
