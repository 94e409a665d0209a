import type { Component } from 'solid-js';
import type { PageData } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';
import type { LiveSocket } from '../live/socket.ts';

/**
 * What every page component is given, on the server and in the browser alike. `S`: the
 * page's socket, a `LiveSocket` unless the page needs more (see entries/sessions.tsx).
 */
export interface PageProps<D extends PageData = PageData, S extends LiveSocket = LiveSocket> {
  data: D;
  socket: S;
  /** What the person typed into the page before its script ran (never on the server). */
  initialValues?: Partial<Fields>;
  /** Called with the sealed handoff of an accepted form. */
  onAccepted?: (handoff: string) => void;
  /** Leaves the page for `path` (a full-page navigation unless a test says otherwise). */
  navigate?: (path: string) => void;
}

/** A page: one component tree, rendered by the server and hydrated by its entry. */
export type PageComponent<
  D extends PageData = PageData,
  S extends LiveSocket = LiveSocket,
> = Component<PageProps<D, S>>;
