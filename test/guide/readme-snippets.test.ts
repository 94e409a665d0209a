/**
 * README's "Adding a form" quotes the guide's code (test/guide/), and the guide's tests run
 * that code: this holds the quotes to the files, word for word. A README code block marked
 * `<!-- guide: <file>#<name> -->` must equal the lines of <file> between
 * `// guide:start <name>` and `// guide:end <name>` (both read with their common
 * indentation removed).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Lines without the indentation they all share (blank lines aside). */
function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)?.[0].length);
  const common = Math.min(...indents.map((indent) => indent ?? 0));
  return lines.map((line) => line.slice(common)).join('\n');
}

/** The region `name` of a source file. */
function region(source: string, name: string): string {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line.trim() === `// guide:start ${name}`);
  const end = lines.findIndex((line) => line.trim() === `// guide:end ${name}`);
  if (start < 0 || end < start) throw new Error(`no region "${name}"`);
  return dedent(lines.slice(start + 1, end));
}

/** Every README code block marked as a quote of the guide's code. */
function quotes(readme: string): { file: string; name: string; code: string }[] {
  const found = [];
  const marked = /^( *)<!-- guide: (\S+)#(\S+) -->\n *```\w*\n([\s\S]*?)\n *```$/gm;
  for (const [, , file, name, code] of readme.matchAll(marked)) {
    found.push({
      file: file as string,
      name: name as string,
      code: dedent(code?.split('\n') ?? []),
    });
  }
  return found;
}

const readme = read('README.md');

describe('README’s guide', () => {
  it('quotes the description, the handler and the component test the guide’s tests run', () => {
    expect(quotes(readme).map((quote) => `${quote.file}#${quote.name}`)).toEqual([
      'test/guide/sign-out-everywhere.ts#description',
      'test/guide/sign-out-everywhere.ts#handler',
      'test/guide/sign-out-everywhere-component.test.tsx#component-test',
    ]);
  });

  it.each(quotes(readme))('quotes $file#$name word for word', (quote) => {
    expect(quote.code).toBe(region(read(quote.file), quote.name));
  });

  it('names the files it quotes and the test that runs them', () => {
    expect(readme).toContain('test/guide/sign-out-everywhere.test.ts');
  });
});
