// Exit 0 when the service answers /healthz with 200, 1 otherwise.
const http = require("node:http");

const port = Number(process.env.PORT) || 3000;
const req = http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 2000 }, (res) => {
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy());
req.on("error", () => process.exit(1));
