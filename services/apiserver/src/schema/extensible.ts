import type { MessageSchema, SchemaSet } from './model';

/**
 * The built-in schemas plus messages added at run time (one per served custom
 * resource version), so the generic codec, patch and field-management layers
 * handle custom resources as they do built-in kinds.
 */
export class ExtensibleSchemaSet implements SchemaSet {
  private readonly extra = new Map<string, MessageSchema>();

  constructor(private readonly base: SchemaSet) {}

  add(m: MessageSchema): void {
    if (this.base.has(m.fullName)) throw new Error(`message ${m.fullName} is built in`);
    this.extra.set(m.fullName, m);
  }

  remove(fullName: string): void {
    this.extra.delete(fullName);
  }

  message(fullName: string): MessageSchema {
    return this.extra.get(fullName) ?? this.base.message(fullName);
  }

  has(fullName: string): boolean {
    return this.extra.has(fullName) || this.base.has(fullName);
  }

  *all(): Iterable<MessageSchema> {
    yield* this.base.all();
    yield* this.extra.values();
  }
}
