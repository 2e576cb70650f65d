/** The JSON a template is made of, and how to tell a computed value from a literal one. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `{ Ref }`, `{ Condition }` or `{ "Fn::…" }`: a value CloudFormation computes. */
export function intrinsicName(value: Json): string | null {
  if (!isObject(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const [key] = keys as [string];
  return key === "Ref" || key === "Condition" || key.startsWith("Fn::") ? key : null;
}
