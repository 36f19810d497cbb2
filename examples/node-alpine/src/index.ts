import pino from "pino";

const log = pino();
setInterval(() => log.info("working"), 5000);
