/** The secret worker tests sign tokens with; set as JWT_SECRET in vitest.config.ts. Never used outside tests. */
export const TEST_JWT_SECRET = "nerve-test-secret-0123456789abcdef0123456789abcdef";
