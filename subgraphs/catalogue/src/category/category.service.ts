import type { CategoryRow } from './category.repository.ts';

/** The category tree of one request, indexed for the lookups resolvers make. */
export class CategoryTree {
  private readonly byId = new Map<string, CategoryRow>();
  private readonly bySlug = new Map<string, CategoryRow>();
  private readonly children = new Map<string, CategoryRow[]>();

  constructor(readonly all: CategoryRow[]) {
    for (const c of all) {
      this.byId.set(c.id, c);
      this.bySlug.set(c.slug, c);
      if (c.parent_id) this.children.set(c.parent_id, [...(this.children.get(c.parent_id) ?? []), c]);
    }
  }
  get(id: string) {
    return this.byId.get(id);
  }
  getBySlug(slug: string) {
    return this.bySlug.get(slug);
  }
  childrenOf(id: string) {
    return this.children.get(id) ?? [];
  }
  /** Root first, ending with the category itself. */
  ancestorsOf(id: string): CategoryRow[] {
    const path: CategoryRow[] = [];
    for (let c = this.byId.get(id); c && path.length < 20; c = c.parent_id ? this.byId.get(c.parent_id) : undefined) path.unshift(c);
    return path;
  }
  /** The category and all its descendants' ids. */
  subtreeIds(id: string): string[] {
    const out = [id];
    for (let i = 0; i < out.length; i++) for (const child of this.childrenOf(out[i]!)) out.push(child.id);
    return out;
  }
}
