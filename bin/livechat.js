#!/usr/bin/env node
// The `livechat` command (package.json "bin"). TypeScript runs through tsx, as in `npm start`.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
