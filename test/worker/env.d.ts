import type { Env as NerveEnv } from "../../src/env.js";

// `env` from "cloudflare:test" is typed as Cloudflare.Env: give it the Worker's bindings.
declare global {
  namespace Cloudflare {
    interface Env extends NerveEnv {}
  }
}
