import type { FeedItem } from "../feeds/model.js";
import { mapLimit } from "./map-limit.js";

/**
 * The items of archived posts while a build writes archive pages: each read once however many
 * feeds' pages hold it, and let go after the last page that uses it. `uses` counts, per post, the
 * pages that will ask for it. Written in order of their newest post, each feed has about one page
 * under way at a time, so what is held is bounded by those pages, not by the site.
 */
export interface ItemPool {
  /** The items of `keys`, in order, read where not held; a post that cannot be read is left out. */
  items(keys: string[]): Promise<FeedItem[]>;
  /** One page that used `keys` is written: a post no page needs any more is let go. */
  release(keys: string[]): void;
}

export function openItemPool(uses: Map<string, number>, load: (key: string) => Promise<FeedItem | undefined>, concurrency: number): ItemPool {
  const held = new Map<string, Promise<FeedItem | undefined>>();
  return {
    async items(keys) {
      const got = await mapLimit(keys, concurrency, (key) => {
        let item = held.get(key);
        if (!item) held.set(key, (item = load(key)));
        return item;
      });
      return got.filter((item): item is FeedItem => item !== undefined);
    },
    release(keys) {
      for (const key of keys) {
        const left = (uses.get(key) ?? 1) - 1;
        if (left > 0) uses.set(key, left);
        else {
          uses.delete(key);
          held.delete(key);
        }
      }
    },
  };
}
