// Entry of the worker thread that hosts the Lambda handlers of one local stack. Node 20 does not apply
// loader hooks registered with `--import` to worker threads, so the TypeScript loader (tsx) is registered
// here, in the worker, before the runtime (TypeScript) is imported.
import { register } from "tsx/esm/api";

register();
await import("./lambda-worker-runtime.ts");
