/**
 * An application that uses the rotated key: run under `esc run <org>/<project>/<env> -- node app.js`, it reads the key
 * from GRAFANA_KEY (environment.yaml maps `grafanaKey.current.key` to it) each time it starts, so it picks up every
 * rotation on its next start, while the key it holds keeps working until its own expiry.
 */
async function main(): Promise<void> {
    const url = process.env.GRAFANA_URL;
    const key = process.env.GRAFANA_KEY;
    if (!url || !key) throw new Error("GRAFANA_URL and GRAFANA_KEY must be set: run this with `esc run <environment> -- node app.js`");
    const response = await fetch(`${url}/api/search?limit=10`, { headers: { authorization: `Bearer ${key}` } });
    if (!response.ok) throw new Error(`Grafana answered ${response.status}`);
    const dashboards = (await response.json()) as Array<{ title: string }>;
    console.log(`${dashboards.length} dashboards: ${dashboards.map((dashboard) => dashboard.title).join(", ")}`);
}

void main();
