#!/usr/bin/env node
// The command: a committed, executable file, so npm links it on install even before dist/ is built (npm skips a
// bin whose file is missing); the command itself is dist/main.js, built from src/main.ts.
require("../dist/main.js");
