import { publish, type Change, type PublishOptions, type PublishResult } from "../../lib/publish/publish-changes.js";

/**
 * Hands changes to the core and then, as the queue would, the flush it asks for when it held them
 * back (`more`: they came in a full batch) and each continuation it asks for, until a rescan under
 * way is finished. Returns every call's result, in order.
 */
export async function deliver(options: PublishOptions, changes: Change[], request: { rebuild?: boolean; more?: boolean } = {}): Promise<PublishResult[]> {
  const results = [await publish(options, { changes, ...request })];
  if (results[0]!.flush) results.push(await publish(options, { changes: [] }));
  for (let steps = 0; results.at(-1)!.next; steps++) {
    if (steps > 10_000) throw new Error("[deliver] a rescan did not finish in 10,000 steps");
    results.push(await publish(options, { changes: [], rescan: results.at(-1)!.next! }));
  }
  return results;
}
