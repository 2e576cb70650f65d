/**
 * The key filter of the EventBridge rule in infra/queue.yml that routes S3 events to the publish
 * queue: only these reach the function, so local runs must drop the rest as the rule does
 * (test/infra/template.test.ts holds the template to the same list).
 */
import { CONTENT_PREFIX } from "../../../lib/layout.js";

export const CONTENT_RULE_KEY_WILDCARDS = [`${CONTENT_PREFIX}*.md`, `${CONTENT_PREFIX}*.markdown`, `${CONTENT_PREFIX}*.html`];

// EventBridge's `*` matches any run of characters, "/" included, so nested folders count.
const patterns = CONTENT_RULE_KEY_WILDCARDS.map(
  (wildcard) => new RegExp(`^${wildcard.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`),
);

/** Whether the rule routes an event for this raw (EventBridge, not URL-encoded) key. */
export function routedByContentRule(key: string): boolean {
  return patterns.some((pattern) => pattern.test(key));
}
