/**
 * The resource graph: resources keyed `Type#id`, parent → child dependencies (a server and its
 * volumes), shared children allowed (diamonds), cycles refused the moment they would form.
 *
 * @module
 */
import { ValidationError } from './errors.js';
import { resourceKey, type Resource, type ResourceKey } from './resource.js';

/** The stored form of a graph: resources plus `[parentKey, childKey]` edges. */
export interface ResourceGraphJson {
  /** Every resource once. */
  readonly resources: readonly Resource[];
  /** Parent → child edges by key. */
  readonly edges: readonly (readonly [string, string])[];
}

/** Callbacks of {@link ResourceGraph.walk}. */
export interface GraphVisitor {
  /** Called when the walk reaches a resource; `firstVisit` is false for a shared child seen before. */
  enter?(resource: Resource, parent: Resource | undefined, firstVisit: boolean): void;
  /** Called when the walk leaves a resource (after its children). */
  exit?(resource: Resource, parent: Resource | undefined): void;
}

const EMPTY: ReadonlySet<ResourceKey> = new Set();

/** A directed acyclic graph of resources. */
export class ResourceGraph {
  readonly #nodes = new Map<ResourceKey, Resource>();
  readonly #children = new Map<ResourceKey, Set<ResourceKey>>();
  readonly #parents = new Map<ResourceKey, Set<ResourceKey>>();

  /** Builds a graph from resources and `[parent, child]` pairs (resources or keys). */
  static from(resources: Iterable<Resource>, edges: Iterable<readonly [Resource | string, Resource | string]> = []): ResourceGraph {
    const graph = new ResourceGraph();
    for (const resource of resources) graph.add(resource);
    for (const [parent, child] of edges) graph.link(parent, child);
    return graph;
  }

  /** Rebuilds a graph from its stored form; throws `KTS_ERR_GRAPH_INVALID` on a malformed one. */
  static fromJSON(json: unknown): ResourceGraph {
    const invalid = (why: string): ValidationError =>
      new ValidationError(`Invalid resource graph: ${why}`, { code: 'KTS_ERR_GRAPH_INVALID' });
    if (typeof json !== 'object' || json === null) throw invalid('not an object');
    const { resources, edges } = json as Partial<ResourceGraphJson>;
    if (!Array.isArray(resources) || !Array.isArray(edges)) throw invalid('"resources" and "edges" must be arrays');
    const graph = new ResourceGraph();
    for (const resource of resources) {
      if (typeof resource?.type !== 'string' || typeof resource?.id !== 'string') throw invalid('a resource lacks "type" or "id"');
      graph.add(resource);
    }
    for (const edge of edges) {
      if (!Array.isArray(edge) || typeof edge[0] !== 'string' || typeof edge[1] !== 'string') throw invalid('an edge is not a [parent, child] pair');
      if (!graph.has(edge[0]) || !graph.has(edge[1])) throw invalid(`edge ${edge[0]} → ${edge[1]} names an unknown resource`);
      graph.link(edge[0], edge[1]);
    }
    return graph;
  }

  /** The number of resources. */
  get size(): number {
    return this.#nodes.size;
  }

  /** Adds a resource (a second add of the same key keeps the first) and returns its key. */
  add(resource: Resource): ResourceKey {
    const key = resourceKey(resource);
    if (!this.#nodes.has(key)) this.#nodes.set(key, resource);
    return key;
  }

  /**
   * Records that `child` depends on `parent` (adding either if it is a resource not yet in the
   * graph). Throws `KTS_ERR_GRAPH_CYCLE` if the edge would close a cycle.
   */
  link(parent: Resource | string, child: Resource | string): void {
    const from = this.#keyOf(parent);
    const to = this.#keyOf(child);
    const path = from === to ? [from] : this.#pathBetween(to, from);
    if (path) {
      const cycle = [from, ...path].join(' → ');
      throw new ValidationError(`Resource graph cycle: ${cycle}`, { code: 'KTS_ERR_GRAPH_CYCLE', details: { cycle: [from, ...path] } });
    }
    this.#setOf(this.#children, from).add(to);
    this.#setOf(this.#parents, to).add(from);
  }

  /** Whether the graph holds the resource with `key`. */
  has(key: string): boolean {
    return this.#nodes.has(key as ResourceKey);
  }

  /** The resource with `key`, if present. */
  get(key: string): Resource | undefined {
    return this.#nodes.get(key as ResourceKey);
  }

  /** Every resource, in insertion order. */
  resources(): Resource[] {
    return [...this.#nodes.values()];
  }

  /** Every key, in insertion order. */
  keys(): ResourceKey[] {
    return [...this.#nodes.keys()];
  }

  /** The keys of the direct children of `key`. */
  children(key: string): ReadonlySet<ResourceKey> {
    return this.#children.get(key as ResourceKey) ?? EMPTY;
  }

  /** The keys of the direct parents of `key`. */
  parents(key: string): ReadonlySet<ResourceKey> {
    return this.#parents.get(key as ResourceKey) ?? EMPTY;
  }

  /** The keys of resources that are nobody's child, in insertion order. */
  roots(): ResourceKey[] {
    return this.keys().filter((key) => this.parents(key).size === 0);
  }

  /** Walks depth-first from every root; a shared child is entered once per parent, expanded once. */
  walk(visitor: GraphVisitor): void {
    const visited = new Set<ResourceKey>();
    type Frame = { key: ResourceKey; parent: Resource | undefined; pending: ResourceKey[] | undefined };
    for (const root of this.roots()) {
      const stack: Frame[] = [{ key: root, parent: undefined, pending: undefined }];
      while (stack.length > 0) {
        const frame = stack[stack.length - 1]!;
        const resource = this.#nodes.get(frame.key)!;
        if (frame.pending === undefined) {
          const first = !visited.has(frame.key);
          visitor.enter?.(resource, frame.parent, first);
          visited.add(frame.key);
          frame.pending = first ? [...this.children(frame.key)].reverse() : [];
        }
        const next = frame.pending.pop();
        if (next === undefined) {
          visitor.exit?.(resource, frame.parent);
          stack.pop();
        } else {
          stack.push({ key: next, parent: resource, pending: undefined });
        }
      }
    }
  }

  /** Every key with children before their parents (the order Karbor packs graphs in). */
  postOrder(): ResourceKey[] {
    const order: ResourceKey[] = [];
    const done = new Set<ResourceKey>();
    this.walk({
      exit: (resource) => {
        const key = resourceKey(resource);
        if (!done.has(key)) {
          done.add(key);
          order.push(key);
        }
      },
    });
    return order;
  }

  /** The stored form. */
  toJSON(): ResourceGraphJson {
    const edges: [string, string][] = [];
    for (const [parent, children] of this.#children) for (const child of children) edges.push([parent, child]);
    return { resources: this.resources(), edges };
  }

  #keyOf(ref: Resource | string): ResourceKey {
    if (typeof ref !== 'string') return this.add(ref);
    if (!this.#nodes.has(ref as ResourceKey)) {
      throw new ValidationError(`Unknown resource ${ref} in the graph`, { code: 'KTS_ERR_GRAPH_INVALID', details: { key: ref } });
    }
    return ref as ResourceKey;
  }

  #setOf(map: Map<ResourceKey, Set<ResourceKey>>, key: ResourceKey): Set<ResourceKey> {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    return set;
  }

  /** A path of keys from `start` to `goal` along child edges (excluding `start`), if any. */
  #pathBetween(start: ResourceKey, goal: ResourceKey): ResourceKey[] | undefined {
    const previous = new Map<ResourceKey, ResourceKey>();
    const stack = [start];
    const seen = new Set([start]);
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (key === goal) {
        const path = [key];
        for (let at = key; at !== start; ) path.unshift((at = previous.get(at)!));
        return path;
      }
      for (const child of this.children(key)) {
        if (seen.has(child)) continue;
        seen.add(child);
        previous.set(child, key);
        stack.push(child);
      }
    }
    return undefined;
  }
}
