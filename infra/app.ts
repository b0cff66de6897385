import { isJitError } from "#functions/domain/errors.js";
import { createJitAccessApp } from "./jit-access-app.js";

// CDK app entry (cdk.json "app"). A configuration problem is printed as the loader's message alone, not as
// a stack trace, and fails synth with exit code 1.
try {
  createJitAccessApp().app.synth();
} catch (err) {
  if (isJitError(err) && err.code === "configuration") {
    console.error(`jit-access: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
