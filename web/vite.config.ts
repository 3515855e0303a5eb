import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The Nerve web app. Built into web/dist and served by the Worker as static assets
 * (wrangler.toml [assets]); it is never part of the Worker bundle.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No source maps in the deployed assets: they would double the upload for no user benefit.
    sourcemap: false,
  },
  server: {
    // `vite --config web/vite.config.ts` for UI work against a running `npm start` on :8787.
    proxy: {
      "/api": "http://127.0.0.1:8787",
      "/ws": { target: "ws://127.0.0.1:8787", ws: true },
    },
  },
});
