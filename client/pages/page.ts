import type { Component } from 'solid-js';
import type { PageData } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';
import type { LiveSocket } from '../live/socket.ts';

/** What every page component is given, on the server and in the browser alike. */
export interface PageProps<D extends PageData = PageData> {
  data: D;
  socket: LiveSocket;
  /** What the person typed into the page before its script ran (never on the server). */
  initialValues?: Partial<Fields>;
  /** Called with the sealed handoff of an accepted form. */
  onAccepted?: (handoff: string) => void;
  /** Leaves the page for `path` (a full-page navigation unless a test says otherwise). */
  navigate?: (path: string) => void;
}

/** A page: one component tree, rendered by the server and hydrated by its entry. */
export type PageComponent<D extends PageData = PageData> = Component<PageProps<D>>;
