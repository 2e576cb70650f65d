/**
 * Why `name` cannot be a category or tag, or null when it can. Names become path segments
 * (`feeds/<category>/rss.xml`), so anything that could escape the output folder is refused.
 */
export function checkNameSegment(name: string): string | null {
  if (name === "") return "a name must not be empty";
  if (name === "." || name === "..") return `"${name}" cannot be a name: it is a relative path segment`;
  if (/[/\\]/.test(name)) return `"${name}" cannot be a name: it contains a path separator`;
  // Control characters, and the characters that would need escaping in an XML attribute or a URL path.
  if (/[\u0000-\u001F\u007F<>"?#%]/.test(name)) return `${JSON.stringify(name)} cannot be a name: it contains a control or reserved character`;
  return null;
}

/** Why `name` cannot be a category, or null when it can: as a tag name, plus the folder tag feeds use. */
export function checkCategoryName(name: string): string | null {
  if (name === "tags") return `"tags" cannot be a category name: feeds/tags/ holds the tag feeds`;
  return checkNameSegment(name);
}

/**
 * Reads a Jekyll category or tag field: a YAML list, or a string of space-separated names.
 * Returns the names in order, without duplicates.
 */
export function parseNameList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === "") return [];
  let names: string[];
  if (Array.isArray(value)) {
    names = value.map((v) => {
      if (typeof v !== "string" && typeof v !== "number") throw new Error(`${field} must hold names, found ${JSON.stringify(v)}`);
      return String(v).trim();
    });
  } else if (typeof value === "string" || typeof value === "number") {
    names = String(value).split(/\s+/);
  } else {
    throw new Error(`${field} must be a list or a space-separated string of names`);
  }
  return [...new Set(names.filter((n) => n !== ""))];
}
