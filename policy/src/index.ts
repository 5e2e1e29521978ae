import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

/**
 * `pulumi preview/up --policy-pack <this folder>`: guards on every Grafana key a stack mints with
 * pulumi-azure-grafana-keys, from TypeScript or the plugin. Each policy's limits and enforcement level are set with
 * `--policy-pack-config` (see the README's "Guards").
 */
new PolicyPack("azure-grafana-keys", { policies });
