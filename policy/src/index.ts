import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

/**
 * `pulumi preview/up --policy-pack <this folder>`: guards on every Grafana key a stack mints with
 * pulumi-azure-grafana-keys, from TypeScript or the plugin. Each policy's limits and enforcement level are set with
 * `--policy-pack-config` (see docs/policy-pack.md).
 */
new PolicyPack("azure-grafana-keys", { policies });
