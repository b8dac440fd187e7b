/**
 * CEL functions spelled with a namespace (ip.isCanonical, strings.quote, format.named)
 * are, to cel-js, methods on a value: each namespace is a constant of its own type.
 */
export class CelNamespace {
  constructor(readonly name: string) {}
}

export class IpNamespace extends CelNamespace {
  static readonly celTypeName = 'kapi.ns.ip';
}
export class StringsNamespace extends CelNamespace {
  static readonly celTypeName = 'kapi.ns.strings';
}
export class FormatNamespace extends CelNamespace {
  static readonly celTypeName = 'kapi.ns.format';
}
