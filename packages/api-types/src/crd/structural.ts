/** A JSON-schema node as produced by `z.toJSONSchema` (OpenAPI 3.0 target). */
export type JsonSchema = { [key: string]: unknown };

const DROPPED_KEYS = ['$schema', '$id', 'propertyNames', 'id'];

/**
 * Turns a JSON schema from `z.toJSONSchema` into a Kubernetes *structural* OpenAPI v3 schema:
 * no `$ref`, no `additionalProperties: false` (the API server prunes unknown fields instead),
 * `additionalProperties: {}` (zod's loose objects) becomes `x-kubernetes-preserve-unknown-fields`,
 * no `propertyNames`, and no regex on date-time strings (`format: date-time` says it).
 */
export function toStructural(schema: JsonSchema, where = '#'): JsonSchema {
  if ('$ref' in schema || '$defs' in schema || 'definitions' in schema) {
    throw new Error(`${where}: $ref/$defs cannot appear in a CRD schema; inline the sub-schema`);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYS.includes(key)) continue;
    if (key === 'pattern' && schema.format === 'date-time') continue;
    if (key === 'additionalProperties') {
      if (value === false) continue;
      if (isObject(value) && Object.keys(value).length === 0) {
        out['x-kubernetes-preserve-unknown-fields'] = true;
        continue;
      }
      out[key] = toStructural(value as JsonSchema, `${where}/additionalProperties`);
      continue;
    }
    if (key === 'properties' && isObject(value)) {
      const properties: JsonSchema = {};
      for (const [name, sub] of Object.entries(value)) {
        properties[name] = toStructural(sub as JsonSchema, `${where}/properties/${name}`);
      }
      out[key] = properties;
      continue;
    }
    if (key === 'items' && isObject(value)) {
      out[key] = toStructural(value as JsonSchema, `${where}/items`);
      continue;
    }
    if (['anyOf', 'oneOf', 'allOf'].includes(key)) {
      throw new Error(`${where}: ${key} is not supported in the generated CRDs; use one type per field`);
    }
    out[key] = value;
  }
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${where}: every node of a structural schema needs a type`);
  }
  // A loose object with no declared properties is an opaque map.
  if (out.type === 'object' && isObject(out.properties) && Object.keys(out.properties).length === 0) {
    delete out.properties;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
