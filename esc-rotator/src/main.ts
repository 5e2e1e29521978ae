import { rotationHandler } from "./handler";
import { rotationServer } from "./server";

/** `npm start`: the adapter on a plain HTTP server, at PORT (default 8080), behind your own TLS. */
const port = Number(process.env.PORT ?? 8080);
rotationServer(rotationHandler()).listen(port, () => console.log(`ESC rotator for Grafana keys listening on port ${port}`));
