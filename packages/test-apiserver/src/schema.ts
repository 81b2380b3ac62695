import { isIPv4, isIPv6 } from 'node:net';
import type { JsonSchema } from './types.js';

/**
 * What kube-apiserver does with a custom resource's structural schema (apiextensions):
 * prune unknown fields (and nulls where the schema is not nullable), apply `default`s, then
 * validate types, enums, bounds, patterns, the common formats and required fields. CEL rules
 * (`x-kubernetes-validations`) are not evaluated.
 */

export interface FieldError {
  field: string;
  reason: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const ROOT_KEEP = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes what the schema does not declare; returns the dotted paths of removed fields. */
export function prune(value: unknown, schema: JsonSchema | undefined, path = '', root = true): string[] {
  const pruned: string[] = [];
  walkPrune(value, schema, path, root, pruned);
  return pruned;
}

function walkPrune(
  value: unknown,
  schema: JsonSchema | undefined,
  path: string,
  root: boolean,
  pruned: string[],
): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        walkPrune(item, schema.items, `${path}[${i}]`, false, pruned);
      });
    }
    return;
  }
  if (!isObj(value)) return;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    if ((root || embedded) && ROOT_KEEP.has(key)) continue;
    const child = props?.[key] ?? (typeof additional === 'object' ? additional : undefined);
    const childPath = join(path, key);
    if (child === undefined) {
      if (!preserve && additional !== true) {
        delete value[key];
        pruned.push(childPath);
      }
      continue;
    }
    if (value[key] === null && child.nullable !== true) {
      delete value[key];
      continue;
    }
    walkPrune(value[key], child, childPath, false, pruned);
  }
}

/** Fills in `default` values of absent fields, recursively, as the apiserver does on read and write. */
export function applyDefaults(value: unknown, schema: JsonSchema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObj(value)) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && child.default !== undefined) value[key] = structuredClone(child.default);
    if (value[key] !== undefined) applyDefaults(value[key], child);
  }
  const additional = schema.additionalProperties;
  if (typeof additional === 'object') {
    for (const key of Object.keys(value)) {
      if (schema.properties?.[key] === undefined) applyDefaults(value[key], additional);
    }
  }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** kube-openapi's format checks for the formats CRDs commonly use; returns the format on failure. */
function checkFormat(value: unknown, format: unknown): string | undefined {
  if (typeof format !== 'string') return undefined;
  if (typeof value === 'number') {
    if (format === 'int32' && Number.isInteger(value) && (value < -2147483648 || value > 2147483647))
      return format;
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  let ok = true;
  switch (format) {
    case 'date-time':
      ok = DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')));
      break;
    case 'date':
      ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
      break;
    case 'ipv4':
      ok = isIPv4(value);
      break;
    case 'ipv6':
      ok = isIPv6(value);
      break;
    case 'cidr': {
      const [ip, bits, extra] = value.split('/');
      const max = isIPv4(ip ?? '') ? 32 : isIPv6(ip ?? '') ? 128 : -1;
      ok = extra === undefined && max > 0 && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= max;
      break;
    }
    case 'uuid':
      ok = UUID.test(value);
      break;
    case 'byte':
      ok = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;
      break;
  }
  return ok ? undefined : format;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

function typeOk(v: unknown, schema: JsonSchema): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof v === 'string' || Number.isInteger(v);
  switch (schema.type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    default:
      return true;
  }
}

/** Validates against the schema; returns every error, in kube-apiserver's field/message form. */
export function validateSchema(
  value: unknown,
  schema: JsonSchema | undefined,
  path = '',
  root = true,
): FieldError[] {
  const errors: FieldError[] = [];
  walkValidate(value, schema, path, root, errors);
  return errors;
}

function walkValidate(
  value: unknown,
  schema: JsonSchema | undefined,
  path: string,
  root: boolean,
  errors: FieldError[],
): void {
  if (schema === undefined) return;
  const field = path;
  if (value === null) {
    if (schema.nullable !== true && schema.type !== undefined) {
      errors.push({
        field,
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "null": ${field} in body must be of type ${schema.type}: "null"`,
      });
    }
    return;
  }
  if (!typeOk(value, schema)) {
    const type = schema['x-kubernetes-int-or-string'] === true ? 'integer,string' : String(schema.type);
    const got = Array.isArray(value)
      ? 'array'
      : value === null
        ? 'null'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value === 'number'
            ? 'number'
            : typeof value;
    errors.push({
      field,
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: "${got}": ${field} in body must be of type ${type}: "${got}"`,
    });
    return;
  }
  combinators(value, schema, path, errors);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push({
      field,
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(', ')}`,
    });
  }
  if (typeof value === 'number') {
    const min = schema.minimum;
    const max = schema.maximum;
    if (typeof min === 'number' && (schema.exclusiveMinimum === true ? value <= min : value < min)) {
      errors.push({
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${min}`,
      });
    }
    if (typeof max === 'number' && (schema.exclusiveMaximum === true ? value >= max : value > max)) {
      errors.push({
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${max}`,
      });
    }
  }
  const formatError = checkFormat(value, schema.format);
  if (formatError !== undefined) {
    errors.push({
      field,
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${show(value)}: ${field} in body must be of type ${formatError}: ${show(value)}`,
    });
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      errors.push({
        field,
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    }
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      errors.push({
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(value)}: ${field} in body should be at least ${schema.minLength} chars long`,
      });
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      errors.push({
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(value)}: ${field} in body should match '${schema.pattern}'`,
      });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errors.push({
        field,
        reason: 'FieldValueTooMany',
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errors.push({
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value.length}: ${field} in body should have at least ${schema.minItems} items`,
      });
    }
    value.forEach((item, i) => {
      walkValidate(item, schema.items, `${path}[${i}]`, false, errors);
    });
    return;
  }
  if (isObj(value)) {
    for (const req of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (value[req] === undefined)
        errors.push({ field: join(path, req), reason: 'FieldValueRequired', message: 'Required value' });
    }
    const additional = schema.additionalProperties;
    for (const [key, v] of Object.entries(value)) {
      if (root && ROOT_KEEP.has(key)) continue;
      const child = schema.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
      walkValidate(v, child, join(path, key), false, errors);
    }
  }
}

/** allOf / anyOf / oneOf / not, with the messages of kube-openapi's validator. */
function combinators(value: unknown, schema: JsonSchema, path: string, errors: FieldError[]): void {
  const sub = (s: unknown): FieldError[] =>
    isObj(s) ? validateSchema(value, s as JsonSchema, path, false) : [];
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) errors.push(...sub(s));
  if (
    Array.isArray(schema.anyOf) &&
    schema.anyOf.length > 0 &&
    !schema.anyOf.some((s) => sub(s).length === 0)
  ) {
    errors.push({
      field: path,
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${show(value)}: ${path} in body must be valid against at least one of the schemas (anyOf)`,
    });
  }
  if (
    Array.isArray(schema.oneOf) &&
    schema.oneOf.length > 0 &&
    schema.oneOf.filter((s) => sub(s).length === 0).length !== 1
  ) {
    errors.push({
      field: path,
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${show(value)}: ${path} in body must validate one and only one schema (oneOf)`,
    });
  }
  if (isObj(schema.not) && sub(schema.not).length === 0) {
    errors.push({
      field: path,
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${show(value)}: ${path} in body must not validate the schema (not)`,
    });
  }
}
