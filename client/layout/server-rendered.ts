/**
 * Parts of a page that never change once the server rendered them and need no script (links,
 * plain posts, fixed text) are left to the server: the pages' production scripts, which only
 * ever hydrate the server's markup, carry none of their code.
 *
 * Such a part is a component picked once, where it is used:
 *
 * @example
 * const Links = RENDERS_STATIC_PARTS ? FormLinks : ServerRendered;
 *
 * In a production script the condition is a constant `false`, so the bundler drops the real
 * component. `ServerRendered` takes its place in the tree: one component for one, so the
 * hydration keys of what follows still match the server's, and it renders nothing, where
 * hydration keeps the markup it finds (as Solid's `NoHydration` does).
 */
import { isServer } from 'solid-js/web';

/**
 * True where this code renders the page itself: on the server, and in development and the
 * component tests (Vite's hot updates and `render` draw components afresh).
 */
export const RENDERS_STATIC_PARTS = isServer || import.meta.env.DEV;

/** A part the server rendered: nothing here, so hydration keeps the server's markup. */
export const ServerRendered = (): undefined => undefined;
