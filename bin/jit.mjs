#!/usr/bin/env node
// Launcher of the `jit` CLI: registers tsx's ESM loader, then runs the TypeScript entry point.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/main.ts", import.meta.url).href);
