/**
 * Keeps docs/statuses.md and the transition tables of src/core/status.ts in step: every
 * ```mermaid block of the guide names its machine (`%% machine: <name>`) and must draw exactly
 * the transitions of that machine's table, in both directions. The diagram grammar is strict,
 * so a line the parser does not understand fails the test instead of being skipped:
 *
 *   stateDiagram-v2                      first line
 *   %% machine: checkpoint               which table the block documents (once)
 *   %% any other comment
 *   state "error-deleting" as error_deleting   alias for a status mermaid cannot spell as an id
 *   [*] --> protecting                   a status records are created in
 *   protecting --> available             one transition
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATUS_MACHINES } from '../../src/core/status.js';

interface Diagram {
  readonly machine: string;
  /** Statuses drawn, by their real (un-aliased) names. */
  readonly states: ReadonlySet<string>;
  /** Targets of `[*] -->` lines. */
  readonly initial: ReadonlySet<string>;
  /** `from -> to` pairs, by real names. */
  readonly transitions: readonly string[];
}

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const MACHINE = /^%%\s*machine:\s*(\S+)\s*$/;
const COMMENT = /^%%/;
const ALIAS = new RegExp(`^state\\s+"([^"]+)"\\s+as\\s+(${ID})$`);
const INITIAL = new RegExp(`^\\[\\*\\]\\s*-->\\s*(${ID})$`);
const TRANSITION = new RegExp(`^(${ID})\\s*-->\\s*(${ID})$`);

/** Parses one mermaid block (its lines between the fences). Throws on anything unexpected. */
function parseDiagram(source: string): Diagram {
  const lines = source.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (lines[0] !== 'stateDiagram-v2') throw new Error(`a status diagram starts with "stateDiagram-v2", not ${JSON.stringify(lines[0])}`);
  let machine: string | undefined;
  const aliases = new Map<string, string>();
  const states = new Set<string>();
  const initial = new Set<string>();
  const transitions: string[] = [];
  const real = (id: string): string => aliases.get(id) ?? id;
  for (const line of lines.slice(1)) {
    let match: RegExpMatchArray | null;
    if ((match = line.match(MACHINE))) {
      if (machine !== undefined) throw new Error(`a diagram names its machine twice (${machine}, ${match[1]})`);
      machine = match[1]!;
    } else if (COMMENT.test(line)) {
      continue;
    } else if ((match = line.match(ALIAS))) {
      if (aliases.has(match[2]!)) throw new Error(`alias ${match[2]} is defined twice`);
      aliases.set(match[2]!, match[1]!);
    } else if ((match = line.match(INITIAL))) {
      initial.add(real(match[1]!));
      states.add(real(match[1]!));
    } else if ((match = line.match(TRANSITION))) {
      const [from, to] = [real(match[1]!), real(match[2]!)];
      states.add(from).add(to);
      transitions.push(`${from} -> ${to}`);
    } else {
      throw new Error(`unrecognised diagram line: ${JSON.stringify(line)}`);
    }
  }
  if (machine === undefined) throw new Error('a status diagram must name its machine with "%% machine: <name>"');
  return { machine, states, initial, transitions };
}

/** Every ```mermaid block of a markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((match) => match[1]!);
}

/** The transitions of a code table as `from -> to` strings. */
function codeTransitions(table: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(table).flatMap(([from, targets]) => targets.map((to) => `${from} -> ${to}`));
}

const doc = readFileSync(new URL('../../docs/statuses.md', import.meta.url), 'utf8');
const parsed = mermaidBlocks(doc).map((block): Diagram | Error => {
  try {
    return parseDiagram(block);
  } catch (error) {
    return error as Error;
  }
});
const diagrams = parsed.filter((entry): entry is Diagram => !(entry instanceof Error));
const machines = Object.keys(STATUS_MACHINES) as (keyof typeof STATUS_MACHINES)[];

describe('the status diagram parser', () => {
  it('reads aliases, initial states and transitions', () => {
    const diagram = parseDiagram(['stateDiagram-v2', '    %% machine: demo', '    state "a-b" as a_b', '    [*] --> x', '    x --> a_b', '    a_b --> y', ''].join('\n'));
    expect(diagram).toEqual({ machine: 'demo', states: new Set(['x', 'a-b', 'y']), initial: new Set(['x']), transitions: ['x -> a-b', 'a-b -> y'] });
  });

  it('refuses what it does not understand rather than skipping it', () => {
    const parse = (...lines: string[]) => () => parseDiagram(['stateDiagram-v2', '%% machine: demo', ...lines].join('\n'));
    expect(parse('error-deleting --> deleting')).toThrow('unrecognised');
    expect(parse('a --> b : label')).toThrow('unrecognised');
    expect(parse('a -> b')).toThrow('unrecognised');
    expect(parse('a --> [*]')).toThrow('unrecognised');
    expect(() => parseDiagram('stateDiagram-v2\na --> b')).toThrow('name its machine');
    expect(() => parseDiagram('flowchart LR\n%% machine: demo')).toThrow('starts with');
  });
});

describe('docs/statuses.md and STATUS_MACHINES', () => {
  it('has diagrams in the strict form this test reads', () => {
    expect(parsed.filter((entry) => entry instanceof Error).map((error) => (error as Error).message)).toEqual([]);
  });

  it('has one diagram per status machine, and none for a machine the code lacks', () => {
    expect(diagrams.map((diagram) => diagram.machine).sort()).toEqual([...machines].sort());
  });

  for (const machine of machines) {
    const table = STATUS_MACHINES[machine] as Readonly<Record<string, readonly string[]>>;
    const diagram = (): Diagram => {
      const found = diagrams.find((candidate) => candidate.machine === machine);
      if (!found) throw new Error(`docs/statuses.md has no diagram for ${machine}`);
      return found;
    };

    it(`${machine}: every transition of the code is drawn`, () => {
      const drawn = new Set(diagram().transitions);
      expect(codeTransitions(table).filter((transition) => !drawn.has(transition))).toEqual([]);
    });

    it(`${machine}: every drawn transition exists in the code, once`, () => {
      const allowed = new Set(codeTransitions(table));
      const { transitions } = diagram();
      expect(transitions.filter((transition) => !allowed.has(transition))).toEqual([]);
      expect(transitions.filter((transition, at) => transitions.indexOf(transition) !== at)).toEqual([]);
    });

    it(`${machine}: draws every status and names no other`, () => {
      const statuses = Object.keys(table).sort();
      expect([...diagram().states].sort()).toEqual(statuses);
      expect([...diagram().initial].filter((status) => !statuses.includes(status))).toEqual([]);
    });
  }
});
