import { exportJWK, generateKeyPair, type JWK } from "jose";
import { createServer, type Server } from "node:http";
import type { TestProject } from "vitest/node";

/** The private keys the JWKS test signs with, by kid; the server publishes their public halves. */
export interface JwksTestKeys {
  rs: JWK;
  es: JWK;
}

declare module "vitest" {
  export interface ProvidedContext {
    jwksUrl: string;
    jwksKeys: JwksTestKeys;
  }
}

/**
 * A local identity provider's key set for the worker-jwks project: a real HTTP server in Node that
 * serves `GET /jwks.json` with one RS256 and one ES256 public key. The private keys reach the
 * tests through `provide`, so they can sign tokens as the identity provider would.
 */
export default async function setup(project: TestProject) {
  const rs = await generateKeyPair("RS256", { extractable: true });
  const es = await generateKeyPair("ES256", { extractable: true });
  const publicKeys = [
    { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256", use: "sig" },
  ];
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/jwks.json") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: publicKeys }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the JWKS test server has no port");
  project.provide("jwksUrl", `http://127.0.0.1:${address.port}/jwks.json`);
  project.provide("jwksKeys", {
    rs: { ...(await exportJWK(rs.privateKey)), kid: "rs-1", alg: "RS256" },
    es: { ...(await exportJWK(es.privateKey)), kid: "es-1", alg: "ES256" },
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
