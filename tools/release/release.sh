#!/usr/bin/env bash
# Release: builds, tests and packs exactly what gets published, and publishes nothing. Run from a clean checkout of
# the commit to release, tagged v<version> (the plugin is installed from that tag:
# `pulumi package add github.com/<owner>/pulumi-azure-grafana-keys.git/plugin@v<version>`).
# Output: build/release/pulumi-azure-grafana-keys-<version>.tgz and azure-managed-grafana-emulator-<version>.tgz,
# the files `npm publish <tgz>` uploads, and their file lists. Publishing stays a person's step, after reading that list.
set -euo pipefail
cd "$(dirname "$0")/../.."

version="$(node -p 'require("./provider/package.json").version')"
plugin_version="$(node -p 'require("./plugin/package.json").version')"
[ "$version" = "$plugin_version" ] || { echo "provider $version and plugin $plugin_version must have one version" >&2; exit 1; }
[ -z "$(git status --porcelain)" ] || { echo "the checkout has uncommitted changes; release a commit" >&2; exit 1; }
tag="v$version"
[ "$(git rev-parse "$tag^{commit}" 2>/dev/null)" = "$(git rev-parse HEAD)" ] ||
  { echo "HEAD is not tagged $tag: run \`git tag $tag\` on the commit to release" >&2; exit 1; }

npm ci --no-audit --no-fund
npm run lint
npm test
mkdir -p build/release
rm -f "build/release/pulumi-azure-grafana-keys-$version.tgz"
npm pack --workspace provider --pack-destination build/release --json > build/release/pack.json
node -e 'const [p] = require("./build/release/pack.json"); console.log(p.files.map((f) => f.path).join("\n"))' \
  > build/release/files.txt
echo "packed build/release/pulumi-azure-grafana-keys-$version.tgz ($(wc -l < build/release/files.txt) files, list in build/release/files.txt)"
# The emulator ships as its own package (emulator/README.md), released with the provider it is the test double of.
emulator_version="$(node -p 'require("./emulator/package.json").version')"
rm -f "build/release/azure-managed-grafana-emulator-$emulator_version.tgz"
npm pack --workspace emulator --pack-destination build/release --json > build/release/pack-emulator.json
node -e 'const [p] = require("./build/release/pack-emulator.json"); console.log(p.files.map((f) => f.path).join("\n"))' \
  > build/release/files-emulator.txt
echo "packed build/release/azure-managed-grafana-emulator-$emulator_version.tgz ($(wc -l < build/release/files-emulator.txt) files, list in build/release/files-emulator.txt)"
echo "to publish: npm publish build/release/pulumi-azure-grafana-keys-$version.tgz && npm publish build/release/azure-managed-grafana-emulator-$emulator_version.tgz && git push origin $tag"
