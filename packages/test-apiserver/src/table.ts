import { DEFAULT_TABLE } from './builtins.js';
import { ageOf } from './duration.js';
import { evalJsonPath } from './jsonpath.js';
import type { ResourceDef, TableColumn } from './resources.js';
import type { KubeObject, PrinterColumn } from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN: TableColumn = DEFAULT_TABLE.columns[0]!;

function stringCell(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** cellForJSONValue from apiextensions-apiserver's tableconvertor. */
function cell(col: PrinterColumn, obj: KubeObject, now: number): unknown {
  let results: unknown[];
  try {
    results = evalJsonPath(obj, col.jsonPath);
  } catch {
    return null;
  }
  const v = results[0];
  if (v === undefined || v === null) return null;
  switch (col.type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      // The server renders dates as ages (metatable.ConvertToHumanReadableDateType).
      return typeof v === 'string' ? ageOf(v, now) : null;
    default:
      return stringCell(v);
  }
}

function customColumns(def: ResourceDef, version: string): PrinterColumn[] {
  const cols = def.printerColumns.get(version) ?? [];
  if (cols.length > 0) return cols;
  return [
    {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description: 'CreationTimestamp of the object.',
    },
  ];
}

export function tableColumns(def: ResourceDef, version: string): TableColumn[] {
  if (!def.custom) return (def.table ?? DEFAULT_TABLE).columns;
  return [
    NAME_COLUMN,
    ...customColumns(def, version).map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
}

export function tableRow(
  def: ResourceDef,
  version: string,
  obj: KubeObject,
  include: IncludeObject,
  now = Date.now(),
): Record<string, unknown> {
  const cells = def.custom
    ? [obj.metadata.name, ...customColumns(def, version).map((c) => cell(c, obj, now))]
    : (def.table ?? DEFAULT_TABLE).cells(obj, now);
  const row: Record<string, unknown> = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata')
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  return row;
}

/** A meta.k8s.io/v1 Table of objects, as `kubectl get` asks for it. */
export function toTable(
  def: ResourceDef,
  version: string,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  withColumns = true,
): Record<string, unknown> {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? tableColumns(def, version) : null,
    rows: objects.map((o) => tableRow(def, version, o, include, now)),
  };
}
