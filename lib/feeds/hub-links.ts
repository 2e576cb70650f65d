import { escapeHtml } from "../posts/text.js";

/**
 * Writes a feed's WebSub hub links (one per hub) on the lines after its self link, at the same
 * indent: the `feed` package takes a single hub, and a subscriber looks for every hub beside the
 * self link it subscribes to. The first self link of the document is the feed's own, since the
 * feed's head comes before its items. Pure; without hubs the document is returned as it was.
 */
export function addHubLinks(xml: string, selfLink: RegExp, hubs: string[] | undefined, link: (href: string) => string): string {
  if (!hubs?.length) return xml;
  let found = false;
  const out = xml.replace(new RegExp(`^([ \\t]*)(?:${selfLink.source})[^\\n]*$`, "m"), (line, indent: string) => {
    found = true;
    return [line, ...hubs.map((hub) => `${indent}${link(escapeHtml(hub))}`)].join("\n");
  });
  // The package always writes the self link it is given; a document without one is our bug.
  if (!found) throw new Error("addHubLinks: the feed has no self link to put its hubs beside");
  return out;
}
