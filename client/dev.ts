/**
 * Development only (start.tsx calls it under `import.meta.hot`, so the build leaves it out):
 * what a person typed survives a hot update of the components, and a runtime error in the
 * page is shown in Vite's error overlay, as a compile error is.
 */
import type { ViteHotContext } from 'vite/types/hot.js';
import { FIELD_NAMES } from '../shared/protocol.ts';
import { readTypedValues } from './page-data.ts';

export function developPage(root: HTMLElement, hot: ViteHotContext): void {
  // Solid's hot reload renders an edited component afresh, from the page's data: put back
  // the values and the focus it had, through `input` events so the form's state has them too.
  let typed: Partial<Record<string, string>> = {};
  let focused: string | null = null;
  hot.on('vite:beforeUpdate', () => {
    typed = readTypedValues(root);
    focused = document.activeElement?.getAttribute('name') ?? null;
  });
  hot.on('vite:afterUpdate', () => {
    for (const name of FIELD_NAMES) {
      const input = root.querySelector<HTMLInputElement>(`input[name="${name}"]`);
      const value = typed[name];
      if (!input || value === undefined || input.value === value) continue;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (focused) root.querySelector<HTMLElement>(`[name="${focused}"]`)?.focus();
  });

  // scripts/dev.ts answers with Vite's error overlay.
  const report = (error: unknown) => {
    const { message, stack } = error instanceof Error ? error : new Error(String(error));
    hot.send('baton:runtime-error', { message, stack: stack ?? '' });
  };
  addEventListener('error', (event) => report(event.error ?? event.message));
  addEventListener('unhandledrejection', (event) => report(event.reason));
}
