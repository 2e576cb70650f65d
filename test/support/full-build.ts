import { buildAll } from "../../lib/publish/build-all.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import type { Storage } from "../../lib/storage/types.js";

/** Every file under feeds/ as text, by key. */
export async function feedFiles(storage: Storage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await storage.list("feeds/")) out[key] = new TextDecoder().decode((await storage.get(key))!);
  return out;
}

/** The feeds a full build of the bucket's content/ into an empty bucket gives: what every path must converge to. */
export async function fullBuildFeeds(bucket: Storage, now: Date): Promise<Record<string, string>> {
  const fresh = createMemoryStorage();
  for (const key of await bucket.list("content/")) await fresh.put(key, (await bucket.get(key))!);
  await buildAll({ content: prefixStorage(fresh, "content/"), output: fresh, now });
  return feedFiles(fresh);
}
