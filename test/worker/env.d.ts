import type { Env as NerveEnv } from "../../common/env.js";
import type { UserHub } from "../../durable-objects/user-hub.js";

// `env` from "cloudflare:test" is typed as Cloudflare.Env: give it the Worker's bindings, with the
// namespace typed by the hub class so tests can reach its methods (the Worker only sees HubRpc).
declare global {
  namespace Cloudflare {
    interface Env extends Omit<NerveEnv, "USER_HUB"> {
      USER_HUB: DurableObjectNamespace<UserHub>;
    }
  }
}
