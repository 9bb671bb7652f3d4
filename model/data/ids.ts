/** Dense 0-based index of string ids, in first-seen order. */
export class IdIndex {
  readonly ids: string[] = [];
  private readonly positions = new Map<string, number>();

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Index of id, adding it when new. */
  add(id: string): number {
    let position = this.positions.get(id);
    if (position === undefined) {
      position = this.ids.length;
      this.positions.set(id, position);
      this.ids.push(id);
    }
    return position;
  }

  /** Index of id, or -1. */
  get(id: string): number {
    return this.positions.get(id) ?? -1;
  }
}
