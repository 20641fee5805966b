/**
 * A random idempotency key for an outgoing message (≤ 64 chars, docs/api.md). crypto.randomUUID
 * exists only in secure contexts, and the app may be opened over plain http on a LAN address,
 * so fall back to getRandomValues, which is available everywhere.
 */
export function newClientId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
