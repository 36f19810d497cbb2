// Writes the runtime configuration from the build's environment.
const fs = require("node:fs");
const path = require("node:path");

const config = { region: process.env.REGION || "eu-west-1", builtAt: new Date().toISOString() };
fs.writeFileSync(path.join(__dirname, "..", "config.json"), JSON.stringify(config, null, 2));
