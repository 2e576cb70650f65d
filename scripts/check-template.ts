/**
 * Checks a CloudFormation template offline against AWS's resource specification
 * (@aws-cdk/aws-service-spec), catching what `osls package` lets through: unknown
 * resource types and properties, missing required properties, GetAtt to attributes
 * that do not exist, Ref/Sub/DependsOn to nothing, and dependency cycles.
 *
 *   npm run check:infra            package, then check .serverless/cloudformation-template-update-stack.json
 *   tsx scripts/check-template.ts [template.json]
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { loadAwsServiceSpec } from "@aws-cdk/aws-service-spec";

// ---------------------------------------------------------------------------
// The narrow view of the specification the checker needs

export type TypeSpec =
  | { kind: "scalar"; allowedValues?: readonly (string | number)[] }
  | { kind: "json" }
  | { kind: "tag" }
  | { kind: "object"; name: string; properties: Readonly<Record<string, PropertySpec>> }
  | { kind: "array"; element: TypeSpec }
  | { kind: "map"; element: TypeSpec }
  | { kind: "union"; types: readonly TypeSpec[] };

export interface PropertySpec {
  required: boolean;
  type: TypeSpec;
}

export interface ResourceSpec {
  properties: Readonly<Record<string, PropertySpec>>;
  attributes: readonly string[];
}

export interface SpecSource {
  /** The resource type's shape, or null when AWS has no such type. */
  resource(cloudFormationType: string): ResourceSpec | null;
}

// ---------------------------------------------------------------------------
// Adapter from @aws-cdk/aws-service-spec's database

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

type RawType =
  | { type: "string"; allowedValues?: string[] }
  | { type: "integer"; allowedValues?: number[] }
  | { type: "number" | "boolean" | "json" | "date-time" | "null" | "tag" }
  | { type: "ref"; reference: { $ref: string } }
  | { type: "array" | "map"; element: RawType }
  | { type: "union"; types: RawType[] };

interface RawProperty {
  required?: boolean;
  type: RawType;
}

export function createSpecSource(db: SpecDatabase): SpecSource {
  const definitions = new Map<string, Extract<TypeSpec, { kind: "object" }>>();
  const resources = new Map<string, ResourceSpec | null>();

  const toProperties = (raw: Record<string, RawProperty>): Record<string, PropertySpec> =>
    Object.fromEntries(
      Object.entries(raw).map(([name, p]) => [name, { required: p.required === true, type: toType(p.type) }]),
    );

  const toType = (raw: RawType): TypeSpec => {
    switch (raw.type) {
      case "string":
      case "integer":
        return raw.allowedValues ? { kind: "scalar", allowedValues: raw.allowedValues } : { kind: "scalar" };
      case "json":
        return { kind: "json" };
      case "tag":
        return { kind: "tag" };
      case "array":
      case "map":
        return { kind: raw.type, element: toType(raw.element) };
      case "union":
        return { kind: "union", types: raw.types.map(toType) };
      case "ref": {
        const id = raw.reference.$ref;
        const known = definitions.get(id);
        if (known) return known;
        const definition = db.get("typeDefinition", id);
        const properties: Record<string, PropertySpec> = {};
        const spec = { kind: "object" as const, name: definition.name, properties };
        // Cache before filling: type definitions may refer to themselves (e.g. WAF statements).
        definitions.set(id, spec);
        Object.assign(properties, toProperties(definition.properties as Record<string, RawProperty>));
        return spec;
      }
      default:
        return { kind: "scalar" };
    }
  };

  return {
    resource(cloudFormationType) {
      if (!resources.has(cloudFormationType)) {
        const found = db.lookup("resource", "cloudFormationType", "equals", cloudFormationType)[0];
        resources.set(
          cloudFormationType,
          found
            ? {
                properties: toProperties(found.properties as Record<string, RawProperty>),
                attributes: Object.keys(found.attributes),
              }
            : null,
        );
      }
      return resources.get(cloudFormationType) ?? null;
    },
  };
}

export async function loadSpecSource(): Promise<SpecSource> {
  return createSpecSource(await loadAwsServiceSpec());
}

// ---------------------------------------------------------------------------
// The checker

const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

const TEMPLATE_SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);

const RESOURCE_KEYS = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "UpdatePolicy",
  "CreationPolicy",
  "Metadata",
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `{ Ref }`, `{ Condition }` or `{ "Fn::…" }`: a value CloudFormation computes. */
function intrinsicName(value: Json): string | null {
  if (!isObject(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const [key] = keys as [string];
  return key === "Ref" || key === "Condition" || key.startsWith("Fn::") ? key : null;
}

const isCustomResource = (type: string): boolean =>
  type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";

/**
 * Every problem found in `template`, each naming where it is; an empty array means none.
 * Pure: reads only its arguments.
 */
export function checkTemplate(template: unknown, spec: SpecSource): string[] {
  const problems: string[] = [];
  if (!isObject(template)) return ["template: not a JSON object"];

  for (const section of Object.keys(template)) {
    if (!TEMPLATE_SECTIONS.has(section)) problems.push(`${section}: unknown template section`);
  }
  const resources = isObject(template.Resources) ? template.Resources : {};
  if (!isObject(template.Resources) || Object.keys(resources).length === 0) {
    problems.push("Resources: a template needs at least one resource");
  }
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const conditions = isObject(template.Conditions) ? template.Conditions : {};
  const mappings = isObject(template.Mappings) ? template.Mappings : {};

  const typeOf = (logicalId: string): string | null => {
    const resource = resources[logicalId];
    return isObject(resource) && typeof resource.Type === "string" ? resource.Type : null;
  };

  // --- references -----------------------------------------------------------
  const checkGetAtt = (path: string, logicalId: string, attribute: string, found: Set<string>): void => {
    const type = typeOf(logicalId);
    if (type === null) {
      problems.push(`${path}: GetAtt names "${logicalId}", which is not a resource`);
      return;
    }
    found.add(logicalId);
    if (isCustomResource(type) || type === "AWS::CloudFormation::Stack") return;
    const resourceSpec = spec.resource(type);
    if (resourceSpec && !resourceSpec.attributes.includes(attribute)) {
      problems.push(
        `${path}: ${type} has no attribute "${attribute}"${suggest(attribute, resourceSpec.attributes)}`,
      );
    }
  };

  const checkName = (path: string, name: string, how: string, found: Set<string>): void => {
    if (resources[name] !== undefined) found.add(name);
    else if (parameters[name] === undefined && !PSEUDO_PARAMETERS.has(name)) {
      problems.push(`${path}: ${how} "${name}", which is not a resource, parameter or pseudo parameter`);
    }
  };

  const checkCondition = (path: string, name: Json): void => {
    if (typeof name === "string" && conditions[name] === undefined) {
      problems.push(`${path}: condition "${name}" is not defined in Conditions`);
    }
  };

  /** Walks any value, checking every intrinsic; returns the resources it refers to. */
  const walk = (value: Json, path: string, found: Set<string> = new Set()): Set<string> => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, found));
      return found;
    }
    if (!isObject(value)) return found;
    const fn = intrinsicName(value);
    const arg = fn === null ? null : (value[fn] ?? null);
    switch (fn) {
      case "Ref":
        if (typeof arg === "string") checkName(path, arg, "Ref names", found);
        else problems.push(`${path}: Ref takes a logical name`);
        return found;
      case "Fn::GetAtt": {
        const target = typeof arg === "string" ? splitOnce(arg, ".") : Array.isArray(arg) ? arg : null;
        const [logicalId, attribute] = target ?? [];
        if (typeof logicalId !== "string" || attribute === undefined || attribute === null) {
          problems.push(`${path}: Fn::GetAtt takes [logicalName, attribute]`);
        } else if (typeof attribute === "string") {
          checkGetAtt(path, logicalId, attribute, found);
        } else {
          if (typeOf(logicalId) === null) problems.push(`${path}: GetAtt names "${logicalId}", which is not a resource`);
          else found.add(logicalId);
          walk(attribute, `${path}.Fn::GetAtt[1]`, found);
        }
        return found;
      }
      case "Fn::Sub": {
        const noVariables: Json = {};
        const [text, variables]: [Json | undefined, Json] =
          typeof arg === "string" ? [arg, noVariables] : Array.isArray(arg) ? [arg[0], arg[1] ?? noVariables] : [null, noVariables];
        if (typeof text !== "string" || !isObject(variables)) {
          problems.push(`${path}: Fn::Sub takes a string or [string, {variables}]`);
          return found;
        }
        for (const name of subReferences(text)) {
          if (variables[name] !== undefined) continue;
          const [head, attribute] = splitOnce(name, ".");
          if (attribute !== undefined && !head.includes("::")) checkGetAtt(path, head, attribute, found);
          else checkName(path, name, "Fn::Sub refers to", found);
        }
        for (const [name, variable] of Object.entries(variables)) walk(variable, `${path}.Fn::Sub.${name}`, found);
        return found;
      }
      case "Fn::If":
        if (Array.isArray(arg) && arg.length === 3) {
          checkCondition(path, arg[0] ?? null);
          walk(arg[1] ?? null, `${path}.Fn::If[1]`, found);
          walk(arg[2] ?? null, `${path}.Fn::If[2]`, found);
        } else problems.push(`${path}: Fn::If takes [condition, valueIfTrue, valueIfFalse]`);
        return found;
      case "Condition":
        checkCondition(path, arg);
        return found;
      case "Fn::FindInMap":
        if (Array.isArray(arg) && typeof arg[0] === "string" && mappings[arg[0]] === undefined) {
          problems.push(`${path}: mapping "${arg[0]}" is not defined in Mappings`);
        }
        break;
    }
    for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`, found);
    return found;
  };

  // --- property shapes ------------------------------------------------------
  /** The concrete values a property may take: both branches of Fn::If, none for AWS::NoValue. */
  const alternatives = (value: Json): Json[] => {
    if (isObject(value) && intrinsicName(value) === "Fn::If") {
      const arg = value["Fn::If"];
      if (Array.isArray(arg) && arg.length === 3) return [...alternatives(arg[1] ?? null), ...alternatives(arg[2] ?? null)];
    }
    if (isObject(value) && value.Ref === "AWS::NoValue") return [];
    return [value];
  };

  const shapeProblems = (value: Json, type: TypeSpec, path: string): string[] => {
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
  };

  const propertyProblems = (
    value: JsonObject,
    properties: Readonly<Record<string, PropertySpec>>,
    owner: string,
    path: string,
  ): string[] => {
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
  };

  // --- resources ------------------------------------------------------------
  const edges = new Map<string, Set<string>>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = `Resources.${logicalId}`;
    if (!isObject(resource)) {
      problems.push(`${path}: not an object`);
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${path}.${key}: unknown resource attribute${suggest(key, [...RESOURCE_KEYS])}`);
    }
    if (resource.Condition !== undefined) checkCondition(`${path}.Condition`, resource.Condition);

    const type = resource.Type;
    const properties = resource.Properties ?? {};
    if (typeof type !== "string") {
      problems.push(`${path}: Type is missing`);
    } else if (!isObject(properties)) {
      problems.push(`${path}.Properties: expected an object`);
    } else if (!isCustomResource(type)) {
      const resourceSpec = spec.resource(type);
      if (!resourceSpec) problems.push(`${path}.Type: "${type}" is not a CloudFormation resource type`);
      else problems.push(...propertyProblems(properties, resourceSpec.properties, type, `${path}.Properties`));
    }

    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    const targets = new Set<string>();
    for (const target of dependsOn) {
      if (typeof target !== "string" || resources[target] === undefined) {
        problems.push(`${path}.DependsOn: "${String(target)}" is not a resource`);
      } else targets.add(target);
    }
    for (const [key, child] of Object.entries(resource)) {
      if (key !== "Type" && key !== "DependsOn" && key !== "Condition") walk(child, `${path}.${key}`, targets);
    }
    edges.set(logicalId, targets);
  }

  for (const section of ["Conditions", "Outputs", "Rules"] as const) {
    const content = template[section];
    if (content !== undefined) walk(content, section);
  }
  if (isObject(template.Outputs)) {
    for (const [name, output] of Object.entries(template.Outputs)) {
      if (!isObject(output) || output.Value === undefined) problems.push(`Outputs.${name}: Value is missing`);
      else if (output.Condition !== undefined) checkCondition(`Outputs.${name}.Condition`, output.Condition);
    }
  }

  problems.push(...findCycles(edges).map((cycle) => `Resources: dependency cycle ${cycle.join(" -> ")}`));
  return problems;
}

/** `${Name}` and `${Name.Attribute}` in a Fn::Sub string; `${!Literal}` is text. */
function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)]
    .map((m) => (m[1] ?? "").trim())
    .filter((name) => name !== "" && !name.startsWith("!"));
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** One readable cycle per strongly connected component (Tarjan), e.g. [A, B, A]. */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.add(member);
    } while (member !== node);
    if (component.size > 1 || edges.get(node)?.has(node)) cycles.push(cycleThrough(node, component, edges));
  };

  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}

function cycleThrough(start: string, component: ReadonlySet<string>, edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  // Breadth-first inside the component for the shortest way back to start.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** ` (did you mean "X"?)` when a known name is a small edit away. */
function suggest(name: string, known: readonly string[]): string {
  let best: string | null = null;
  // Roughly one typo per three characters; "Url" is not a typo of "Arn".
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === null ? "" : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(next[j - 1]! + 1, row[j]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

// ---------------------------------------------------------------------------
// Command line

export const DEFAULT_TEMPLATE = ".serverless/cloudformation-template-update-stack.json";

async function main(file = DEFAULT_TEMPLATE): Promise<number> {
  const template: unknown = JSON.parse(await readFile(file, "utf8"));
  const problems = checkTemplate(template, await loadSpecSource());
  for (const problem of problems) console.error(`[check-template] ${problem}`);
  const count = isObject(template) && isObject(template.Resources) ? Object.keys(template.Resources).length : 0;
  console.log(
    problems.length === 0
      ? `[check-template] ${file}: ${count} resources, no problems`
      : `[check-template] ${file}: ${problems.length} problem(s)`,
  );
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2]).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`[check-template] ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
