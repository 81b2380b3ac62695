import type { FieldError } from './schema.js';
import type { KubeObject } from './types.js';

/**
 * The parts of kube-apiserver's ValidateObjectMeta that a controller can get wrong: label keys
 * and values, annotation keys and total size, and owner references.
 */
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS = 256 * 1024;

function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !PREFIX.test(prefix))) {
    return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  }
  return undefined;
}

export function validateObjectMeta(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const m = obj.metadata;
  const labels = m.labels;
  if (labels !== undefined) {
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
      errors.push({
        field: 'metadata.labels',
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: must be a map of strings',
      });
    } else {
      for (const [k, v] of Object.entries(labels)) {
        const keyError = qualifiedNameError(k);
        if (keyError !== undefined)
          errors.push({
            field: 'metadata.labels',
            reason: 'FieldValueInvalid',
            message: `Invalid value: "${k}": ${keyError}`,
          });
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
          errors.push({
            field: 'metadata.labels',
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
          });
        }
      }
    }
  }
  const annotations = m.annotations;
  if (annotations !== undefined && annotations !== null && typeof annotations === 'object') {
    let size = 0;
    for (const [k, v] of Object.entries(annotations)) {
      const keyError = qualifiedNameError(k.toLowerCase());
      if (keyError !== undefined)
        errors.push({
          field: 'metadata.annotations',
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${k}": ${keyError}`,
        });
      if (typeof v !== 'string') {
        errors.push({
          field: `metadata.annotations.${k}`,
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: annotation values must be strings',
        });
      }
      size += k.length + String(v).length;
    }
    if (size > MAX_ANNOTATIONS) {
      errors.push({
        field: 'metadata.annotations',
        reason: 'FieldValueTooLong',
        message: `Too long: must have at most ${MAX_ANNOTATIONS} bytes`,
      });
    }
  }
  const owners = m.ownerReferences;
  if (owners !== undefined) {
    let controllers = 0;
    (Array.isArray(owners) ? owners : []).forEach((o) => {
      const ref = (o ?? {}) as unknown as Record<string, unknown>;
      const at = 'metadata.ownerReferences';
      if (typeof ref.apiVersion !== 'string' || ref.apiVersion === '') {
        errors.push({
          field: `${at}.apiVersion`,
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "": version must not be empty',
        });
      }
      if (typeof ref.kind !== 'string' || ref.kind === '')
        errors.push({
          field: `${at}.kind`,
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "": kind must not be empty',
        });
      if (typeof ref.name !== 'string' || ref.name === '')
        errors.push({
          field: `${at}.name`,
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "": name must not be empty',
        });
      if (typeof ref.uid !== 'string' || ref.uid === '')
        errors.push({
          field: `${at}.uid`,
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "": uid must not be empty',
        });
      if (ref.controller === true) controllers++;
    });
    if (controllers > 1) {
      errors.push({
        field: 'metadata.ownerReferences',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: []v1.OwnerReference: Only one reference can have Controller set to true',
      });
    }
  }
  return errors;
}
