import { readConfig, type Config } from "../common/config.js";
import type { Env } from "../common/env.js";

const cache = new WeakMap<object, Config>();

/** The parsed config of an env object, parsed once per isolate. */
export function configOf(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = readConfig(env as unknown as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
