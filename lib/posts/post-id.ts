import { createHash } from "node:crypto";

// RFC 4122 namespace for URLs.
const URL_NAMESPACE = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");

/**
 * The stable id of a post: a name-based (v5) UUID of the site URL and the post's path under
 * content/, so it survives edits to the title, date, categories and permalink. A front-matter
 * `id` that is already an absolute URI is used as is (for sites moving from another generator).
 */
export function postId(siteUrl: string, key: string, override?: string): string {
  if (override && /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(override)) return override;
  const name = override ? `${siteUrl}#${override}` : `${siteUrl}/${key}`;
  return `urn:uuid:${uuidV5(name)}`;
}

function uuidV5(name: string): string {
  const bytes = createHash("sha1").update(URL_NAMESPACE).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
