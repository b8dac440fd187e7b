import type { KubeObject } from '../api/object';

/**
 * The fields a resource's watch cache indexes, as upstream's IndexerFuncs: a
 * field selector's field name (e.g. 'spec.nodeName') to the object's value of
 * it. The value must be what the resource's field selector matches against, so
 * that an index lookup finds every object the selector would.
 */
export type CacheIndexers = Readonly<Record<string, (obj: KubeObject) => string>>;

/** What a read or watch requires, as index terms. */
export interface RequiredTerms {
  labels: string[];
  fields: string[];
}

/*
 * A term names one index bucket: `key=value` for a label, `\0name=value` for an
 * indexed field. A label key never holds '\0', so the two never meet.
 */
const labelTerm = (k: string, v: string): string => `${k}=${v}`;
const fieldTerm = (name: string, value: string): string => `\0${name}=${value}`;
export const isFieldTerm = (term: string): boolean => term.startsWith('\0');

/** Turns objects and selections into index terms for one resource's indexers. */
export class IndexTerms {
  private readonly fields: [string, (obj: KubeObject) => string][];

  constructor(indexers: CacheIndexers = {}) {
    this.fields = Object.entries(indexers);
  }

  get indexedFields(): string[] {
    return this.fields.map(([name]) => name);
  }

  /** Adds indexers (a resource registered again with more); returns whether any was new. */
  add(indexers: CacheIndexers): boolean {
    let added = false;
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.fields.some(([n]) => n === name)) continue;
      this.fields.push([name, fn]);
      added = true;
    }
    return added;
  }

  /** Every term of obj: its labels and its value of each indexed field. */
  of(obj: KubeObject | undefined): string[] {
    if (!obj) return [];
    const terms: string[] = [];
    const labels = obj.metadata?.labels;
    if (labels) for (const [k, v] of Object.entries(labels)) terms.push(labelTerm(k, v));
    for (const [name, fn] of this.fields) terms.push(fieldTerm(name, fn(obj)));
    return terms;
  }

  /** The field terms alone, for dispatching an event to watchers pinned to a value. */
  fieldTermsOf(obj: KubeObject | undefined): string[] {
    if (!obj) return [];
    return this.fields.map(([name, fn]) => fieldTerm(name, fn(obj)));
  }

  /** What a selection's equalities require, limited to what is indexed (every label is). */
  required(
    labels: Readonly<Record<string, string>> | undefined,
    fields: Readonly<Record<string, string>> | undefined,
  ): RequiredTerms {
    const out: RequiredTerms = { labels: [], fields: [] };
    if (labels) for (const [k, v] of Object.entries(labels)) out.labels.push(labelTerm(k, v));
    if (fields) {
      for (const [name] of this.fields) {
        const v = fields[name];
        if (v !== undefined) out.fields.push(fieldTerm(name, v));
      }
    }
    return out;
  }

  /** The one field term a watcher is filed under (upstream's trigger), if its selection pins one. */
  watcherTerm(fields: Readonly<Record<string, string>> | undefined): string | undefined {
    return this.required(undefined, fields).fields[0];
  }
}
