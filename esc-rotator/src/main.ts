import { AddressInfo } from "node:net";
import { rotationHandler } from "./handler";
import { rotationServer } from "./server";

/** `npm start`: the adapter on a plain HTTP server at HOST:PORT (default all interfaces, 8080), behind your own TLS. */
const port = Number(process.env.PORT ?? 8080);
const server = rotationServer(rotationHandler());
server.listen(port, process.env.HOST, () =>
    console.log(`ESC rotator for Grafana keys listening on port ${(server.address() as AddressInfo).port}`),
);
