/** Property shapes: unknown and missing required properties, and values of the wrong kind. */
import { intrinsicName, isObject, type Json, type JsonObject } from "./json.js";
import type { PropertySpec, TypeSpec } from "./spec-source.js";
import { suggest } from "./suggest.js";

/** The concrete values a property may take: both branches of Fn::If, none for AWS::NoValue. */
function alternatives(value: Json): Json[] {
  if (isObject(value) && intrinsicName(value) === "Fn::If") {
    const arg = value["Fn::If"];
    if (Array.isArray(arg) && arg.length === 3) return [...alternatives(arg[1] ?? null), ...alternatives(arg[2] ?? null)];
  }
  if (isObject(value) && value.Ref === "AWS::NoValue") return [];
  return [value];
}

function shapeProblems(value: Json, type: TypeSpec, path: string): string[] {
  const found: string[] = [];
  for (const option of alternatives(value)) {
    // A computed value's shape is known only at deploy time.
    if (intrinsicName(option) !== null) continue;
    switch (type.kind) {
      case "json":
        break;
      case "scalar":
        if (Array.isArray(option) || isObject(option)) {
          found.push(`${path}: expected a single value, got ${Array.isArray(option) ? "a list" : "an object"}`);
        } else if (
          type.allowedValues &&
          (typeof option === "string" || typeof option === "number") &&
          !type.allowedValues.includes(option)
        ) {
          found.push(`${path}: "${option}" is not one of ${type.allowedValues.join(", ")}`);
        }
        break;
      case "tag":
        if (!isObject(option) || option.Key === undefined || option.Value === undefined) {
          found.push(`${path}: a tag is {Key, Value}`);
        }
        break;
      case "array":
        if (!Array.isArray(option)) found.push(`${path}: expected a list`);
        else option.forEach((item, i) => found.push(...shapeProblems(item, type.element, `${path}[${i}]`)));
        break;
      case "map":
        if (!isObject(option)) found.push(`${path}: expected an object (map)`);
        else for (const [key, item] of Object.entries(option)) found.push(...shapeProblems(item, type.element, `${path}.${key}`));
        break;
      case "object":
        if (!isObject(option)) found.push(`${path}: expected an object (${type.name})`);
        else found.push(...propertyProblems(option, type.properties, type.name, path));
        break;
      case "union": {
        // Fits if any member fits; otherwise report against the member closest in kind.
        const results = type.types.map((member) => shapeProblems(option, member, path));
        if (results.some((r) => r.length === 0)) break;
        const preferred = type.types.findIndex((m) =>
          Array.isArray(option) ? m.kind === "array" : isObject(option) ? m.kind === "object" || m.kind === "map" : m.kind === "scalar",
        );
        found.push(...(results[preferred] ?? results[0] ?? []));
        break;
      }
    }
  }
  return found;
}

/** Every problem with `value` as an instance of `owner`, whose properties are `properties`. */
export function propertyProblems(
  value: JsonObject,
  properties: Readonly<Record<string, PropertySpec>>,
  owner: string,
  path: string,
): string[] {
  const found: string[] = [];
  for (const [name, child] of Object.entries(value)) {
    const property = properties[name];
    if (!property) found.push(`${path}.${name}: unknown property of ${owner}${suggest(name, Object.keys(properties))}`);
    else found.push(...shapeProblems(child, property.type, `${path}.${name}`));
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && value[name] === undefined) found.push(`${path}: ${owner} requires property "${name}"`);
  }
  return found;
}
