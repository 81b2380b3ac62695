/** Reading rendered manifests in tests: the objects of a multi-document YAML text, and lookups. */
import { parseAllDocuments } from 'yaml';

export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  spec?: Record<string, unknown>;
}

/** The objects of a YAML stream, failing on any YAML error; empty documents are dropped. */
export function docs(text: string): Doc[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors.map((e) => e.message).join('\n'));
      return d.toJS() as Doc | null;
    })
    .filter((d): d is Doc => d !== null);
}

export const find = (all: Doc[], kind: string, name: string, namespace?: string) =>
  all.find(
    (d) =>
      d.kind === kind &&
      d.metadata.name === name &&
      (namespace === undefined || d.metadata.namespace === namespace),
  );
