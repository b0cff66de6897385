import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

// zod/mini registers no locale: without this, zod's own messages (a missing field, a wrong type, a bad
// URL) would all read "Invalid input". Imported for its side effect by every module that formats zod
// issues for people (environment, policy and request-body validation).
z.config(en());
