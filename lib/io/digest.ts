/**
 * Content hashes: the hex SHA-256 that HPM's journal, fingerprint and cache
 * names use. WebCrypto only (no `node:` module), so the fast path can load it.
 *
 * @module
 */

// Bytes as lower-case hex.
function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The SHA-256 of bytes, or of a text's UTF-8, as hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}
