module.exports = {
  apps: [{ name: "app", script: "dist/index.js", instances: 2, exec_mode: "cluster" }],
};
