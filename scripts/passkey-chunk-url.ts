/**
 * `virtual:passkey-sign-in-url`: the URL of the passkey sign-in code
 * (client/passkeys/sign-in.ts, with @simplewebauthn/browser), built as a chunk of its own,
 * so the log-in page imports it only when "Sign in with a passkey" is pressed.
 *
 * Why a URL and not `import('../passkeys/sign-in.ts')`: for a dynamic import of a module it
 * knows, Vite wraps the call in its preload helper (about 690 bytes gzipped, whatever
 * `build.modulePreload` says), which the log-in page's budget cannot carry; an `import()` of
 * a value it cannot read is left alone. The URL comes from Rollup's
 * `import.meta.ROLLUP_FILE_URL_<ref>`, which Vite renders as the chunk's built path, so the
 * log-in script's content hash follows the chunk's.
 */
import path from 'node:path';
import type { Plugin } from 'vite';

export const PASSKEY_SIGN_IN_URL = 'virtual:passkey-sign-in-url';
const RESOLVED = `\0${PASSKEY_SIGN_IN_URL}`;

/** The plugin; `source` is sign-in.ts's path, `root` the client root (Vite's `root`). */
export function passkeySignInUrl(options: { source: string; root: string }): Plugin {
  let command: 'build' | 'serve' = 'build';
  return {
    name: 'baton:passkey-sign-in-url',
    configResolved(config) {
      command = config.command;
    },
    resolveId(id) {
      return id === PASSKEY_SIGN_IN_URL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      // The dev server serves the source as it is, from the client root.
      if (command === 'serve') {
        const url = `/${path.relative(options.root, options.source).split(path.sep).join('/')}`;
        return `export const signInUrl = ${JSON.stringify(url)};`;
      }
      // The server's render never presses the button.
      if (this.environment.config.consumer !== 'client') return `export const signInUrl = '';`;
      // Its exports are what the page calls (a client build's entries keep none by default).
      const ref = this.emitFile({
        type: 'chunk',
        id: options.source,
        preserveSignature: 'exports-only',
      });
      return `export const signInUrl = import.meta.ROLLUP_FILE_URL_${ref};`;
    },
  };
}
