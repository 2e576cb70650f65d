/**
 * The little XML the RSS and Atom renderers need: escaping, CDATA sections and indented elements.
 * Documents are built as lines, each element on its own line, four spaces deeper than its parent.
 */

/** Text content: "&", "<" and ">" escaped; quotes need no escaping outside attributes. */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * An attribute value for double quotes: "&", "<", ">" and '"' escaped. Safe in character data too,
 * so it also escapes text meant as HTML (an RSS description) or written inside an OPML attribute.
 */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, "&quot;");
}

/** A CDATA section holding `text` exactly: every "]]>" in it is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

export type Attributes = Record<string, string | undefined>;

function attributesOf(attributes: Attributes): string {
  let out = "";
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) out += ` ${name}="${escapeAttribute(value)}"`;
  return out;
}

/** `<name a="…">content</name>`, content already escaped (escapeText) or a CDATA section. */
export function element(name: string, content: string, attributes: Attributes = {}): string {
  return `<${name}${attributesOf(attributes)}>${content}</${name}>`;
}

/** `<name a="…"/>`. */
export function empty(name: string, attributes: Attributes): string {
  return `<${name}${attributesOf(attributes)}/>`;
}

/** An element holding other elements: its children's lines indented one level deeper. */
export function parent(name: string, children: string[], attributes: Attributes = {}): string[] {
  return [`<${name}${attributesOf(attributes)}>`, ...children.map(indent), `</${name}>`];
}

/** Lines of an element, one level deeper. A multi-line text (HTML in CDATA) keeps its own lines. */
function indent(line: string): string {
  return `    ${line}`;
}

/** The document: the XML declaration, then the root's lines, ending with a newline. */
export function xmlDocument(root: string[]): string {
  // One join makes one flat string. Adding the declaration and the last newline around a joined
  // string would leave a rope that encoding copies whole again (about 0.2 s over a 10k build).
  return [XML_DECLARATION, ...root, ""].join("\n");
}

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** A URL as the WHATWG URL parser serialises it, as every link in the feeds is written. */
export function normalUrl(url: string): string {
  return new URL(url).href;
}
