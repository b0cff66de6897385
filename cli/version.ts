import packageJson from "../package.json" with { type: "json" };

/** The version of jit-access this CLI belongs to (package.json `version`), shown by `jit --version`. */
export const CLI_VERSION: string = packageJson.version;
