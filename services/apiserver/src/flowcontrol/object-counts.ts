/** How many objects of each resource are stored, as last counted; keyed "resource.group". */
export class ObjectCounts {
  private counts = new Map<string, number>();

  static key(group: string, resource: string): string {
    return group ? `${resource}.${group}` : resource;
  }

  set(group: string, resource: string, n: number): void {
    this.counts.set(ObjectCounts.key(group, resource), n);
  }

  get(group: string, resource: string): number | undefined {
    return this.counts.get(ObjectCounts.key(group, resource));
  }
}
