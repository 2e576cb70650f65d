/**
 * Text for a node the `feed` package writes through xml-js. Its text writer first turns every
 * "&amp;" back into "&" (to avoid escaping twice) and then escapes, so a title that really says
 * "&amp;" would come out as "&". Doubling each "&amp;" here is undone by exactly that step.
 */
export function xmlJsText(text: string): string {
  return text.replace(/&amp;/g, "&amp;amp;");
}

/**
 * Whether a value can go in an attribute the package writes: it escapes "&" there but not "<"
 * or '"', so a value holding them would make the document ill-formed.
 */
export function isSafeXmlJsAttribute(value: string): boolean {
  return !/[<>"]/.test(value);
}
