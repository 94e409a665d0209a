/**
 * The bundle budget: the JavaScript a page loads, gzipped, all included (Solid, the socket
 * client, the forms), stays within 8 KB. Measured on the production build that
 * test/global-setup.ts makes into dist/client, the same files `npm start` serves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { builtClient } from '../helpers/build-client.ts';

/** 8 KB, gzipped. */
const BUNDLE_BUDGET_BYTES = 8 * 1024;

/** The JavaScript files an HTML page loads: module scripts and modulepreload links. */
function scriptsOf(html: string): string[] {
  const sources: string[] = [];
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const isScript = tag.startsWith('<script');
    if (!isScript && !/\brel=["']?modulepreload\b/.test(tag)) continue;
    const src = /\b(?:src|href)=["']?([^"'\s>]+)/.exec(tag)?.[1];
    if (src) sources.push(src);
  }
  return sources;
}

const client = builtClient();
const files = scriptsOf(client.template).map((src) => {
  const bytes = readFileSync(path.join(client.dir, src.replace(/^\//, '')));
  return { src, raw: bytes.length, gzipped: gzipSync(bytes).length };
});
const total = files.reduce((sum, file) => sum + file.gzipped, 0);
const detail = files.map((file) => `${file.src}: ${file.raw} B, ${file.gzipped} B gzipped`);

describe('the page script', () => {
  it(`loads ${total} bytes of JavaScript gzipped, within the ${BUNDLE_BUDGET_BYTES}-byte budget`, () => {
    console.log(
      `Page JavaScript: ${total} of ${BUNDLE_BUDGET_BYTES} bytes gzipped\n  ${detail.join('\n  ')}`,
    );
    expect(files.length).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });

  it('finds module scripts and modulepreload links, and nothing else', () => {
    expect(
      scriptsOf(`<script type="module" crossorigin src="/assets/a.js"></script>
        <link rel="modulepreload" crossorigin href="/assets/b.js">
        <link rel="stylesheet" href="/assets/c.css">
        <link rel=icon href=/favicon.svg>
        <script type="application/json" id="baton-page">{}</script>`),
    ).toEqual(['/assets/a.js', '/assets/b.js']);
  });
});
