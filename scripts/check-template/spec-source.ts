/**
 * The narrow view of AWS's resource specification the checker needs, and the adapter
 * that builds it from @aws-cdk/aws-service-spec's database.
 */
import { loadAwsServiceSpec } from "@aws-cdk/aws-service-spec";

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

export const isCustomResource = (type: string): boolean =>
  type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";

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
