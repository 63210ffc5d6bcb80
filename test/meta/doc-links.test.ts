/**
 * Every relative Markdown link in README.md and docs/**\/*.md (docs/api, typedoc's output,
 * excepted) points at a file that exists — not a directory, which typedoc cannot publish — and
 * every `#anchor` on a link to a Markdown file (or within the same file) names one of its
 * headings, as GitHub slugs them and as typedoc does, since `npm run docs` publishes the same
 * files. Links inside code blocks and code spans are not links and are ignored.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return path === join(root, 'docs', 'api') ? [] : markdownFiles(path);
    return path.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks. */
function withoutFences(text: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = line.match(/^\s*(`{3,}|~{3,})/)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker[0]!.repeat(marker.length);
      lines.push('');
    } else if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      lines.push('');
    } else {
      lines.push(line);
    }
  }
  return lines.join('\n');
}

/** Link targets of `[text](target)` and `![alt](target)` outside code. */
export function linkTargets(text: string): string[] {
  // Code spans are blanked, so a link whose text is a code span keeps its `](target)`.
  const source = withoutFences(text).replace(/`[^`\n]*`/g, (span) => 'x'.repeat(span.length));
  return [...source.matchAll(/!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
}

/** A heading's anchor as GitHub makes it. */
export function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/**
 * A heading's anchor as typedoc makes it in the published documents (`npm run docs`, which
 * fails on a link to a missing anchor): code spans are left out of the text, its punctuation
 * dropped, whitespace turned into `-` and the first run of several `-` shortened to one.
 */
export function typedocSlugOf(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`[^`]*`/g, '');
  const slug = text
    .trim()
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '')
    .replace(/\s/g, '-')
    .replace(/--+/, '-');
  return (slug || '_').toLowerCase();
}

/** The anchors of a Markdown file's headings under `slug` (duplicates get -1, -2…). */
export function anchorsOf(text: string, slug: (heading: string) => string = slugOf): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences(text).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
const anchorCache = new Map<string, { github: Set<string>; typedoc: Set<string> }>();
const anchorsOfFile = (path: string): { github: Set<string>; typedoc: Set<string> } => {
  let anchors = anchorCache.get(path);
  if (anchors === undefined) {
    const text = readFileSync(path, 'utf8');
    anchorCache.set(path, (anchors = { github: anchorsOf(text), typedoc: anchorsOf(text, typedocSlugOf) }));
  }
  return anchors;
};

describe('the link checker', () => {
  it('finds links outside code, including links whose text is code, and slugs headings as GitHub does', () => {
    const text = ['See [a](a.md) and [`b`](b.md#x).', '`[not](c.md)`', '```', '[not](d.md)', '```', '![img](e.png "title")'].join('\n');
    expect(linkTargets(text)).toEqual(['a.md', 'b.md#x', 'e.png']);
    expect(slugOf('Checkpoint (`checkpoint`)')).toBe('checkpoint-checkpoint');
    expect(slugOf('`GET /v1/{project_id}/plans`')).toBe('get-v1project_idplans');
    expect(slugOf('The `karbor-ts` command')).toBe('the-karbor-ts-command');
    expect([...anchorsOf('# A\n## B\n## B\n```\n# C\n```')]).toEqual(['a', 'b', 'b-1']);
    expect(typedocSlugOf('Checkpoint (`checkpoint`)')).toBe('checkpoint-');
    expect(typedocSlugOf('The `karbor-ts` command')).toBe('the-command');
    expect(typedocSlugOf('GET /v1/{project_id}/plans')).toBe(slugOf('GET /v1/{project_id}/plans'));
  });
});

describe('relative links in README.md and docs/', () => {
  it('finds the documents', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    it(`${relative(root, file)}: every relative link resolves, and its anchor exists`, () => {
      const broken: string[] = [];
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
        const path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
        if (!existsSync(path)) {
          broken.push(`${target}: no such file ${relative(root, path)}`);
          continue;
        }
        // typedoc copies linked files into the published docs, and warns (an error with
        // treatWarningsAsErrors) on a link to a directory: link to a file in it instead.
        if (statSync(path).isDirectory()) {
          broken.push(`${target}: ${relative(root, path)} is a directory, which \`npm run docs\` cannot publish; link to a file in it`);
          continue;
        }
        if (anchor === undefined || anchor === '' || !path.endsWith('.md')) continue;
        const wanted = decodeURIComponent(anchor).toLowerCase();
        const { github, typedoc } = anchorsOfFile(path);
        if (!github.has(wanted)) broken.push(`${target}: ${relative(root, path)} has no heading with anchor #${anchor} (on GitHub)`);
        // docs/ is also published by typedoc; README.md is its front page.
        else if (!typedoc.has(wanted)) broken.push(`${target}: typedoc's anchors for the headings of ${relative(root, path)} differ (a heading with a code span?); link to a heading both give #${anchor}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
