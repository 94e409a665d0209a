import { describe, expect, it } from 'vitest';
import { assetsFromManifest } from '../../../server/pages/pages.ts';

describe('assetsFromManifest', () => {
  it('gives an entry its script, every chunk it imports to preload, and all their styles', () => {
    const manifest = {
      'entries/form.tsx': {
        file: 'assets/form-1.js',
        imports: ['_solid-2.js', '_shell-3.js'],
        css: ['assets/form-1.css'],
      },
      '_solid-2.js': { file: 'assets/solid-2.js' },
      '_shell-3.js': {
        file: 'assets/shell-3.js',
        imports: ['_solid-2.js', '_icons-4.js'],
        css: ['assets/shell-3.css', 'assets/form-1.css'],
      },
      '_icons-4.js': { file: 'assets/icons-4.js' },
      'entries/account.tsx': { file: 'assets/account-5.js', imports: ['_solid-2.js'] },
    };
    expect(assetsFromManifest(manifest, 'entries/form.tsx')).toEqual({
      scripts: ['/assets/form-1.js'],
      preloads: ['/assets/solid-2.js', '/assets/shell-3.js', '/assets/icons-4.js'],
      styles: ['/assets/form-1.css', '/assets/shell-3.css'],
    });
    expect(assetsFromManifest(manifest, 'entries/account.tsx')).toEqual({
      scripts: ['/assets/account-5.js'],
      preloads: ['/assets/solid-2.js'],
      styles: [],
    });
  });

  it('names the entry the manifest lacks', () => {
    expect(() => assetsFromManifest({}, 'entries/form.tsx')).toThrow(
      'The client manifest has no entry "entries/form.tsx"',
    );
  });
});
