import { createRenderEffect, createSignal, For, onCleanup } from 'solid-js';
import { isServer } from 'solid-js/web';
import { SESSIONS_TITLE } from '../../shared/names.ts';
import { type PageData, SESSIONS_PATH } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { SessionsSocket } from '../live/sessions-socket.ts';
import type { PageProps } from './page.ts';

export type SessionsPageData = Extract<PageData, { page: 'sessions' }>;

/**
 * A time as "2025-01-05 10:00 UTC": the same text on the server and in the browser,
 * whatever either's time zone, so hydration finds what the server rendered.
 */
function when(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The account's sessions: this device first, then the others with a "Sign out" button each,
 * and "Sign out all other sessions". The buttons are plain posts (they work without
 * JavaScript); the list follows the sessions that start or end anywhere, over the page's
 * socket, which asks for it each time it opens.
 */
export function SessionsPage(props: PageProps<SessionsPageData, SessionsSocket>) {
  const [sessions, setSessions] = createSignal(props.data.sessions);
  if (!isServer) {
    onCleanup(props.socket.onSessions(setSessions));
    createRenderEffect(() => {
      if (props.socket.state() === 'open') void props.socket.request({ type: 'watch-sessions' });
    });
  }
  return (
    <Shell
      socket={props.socket}
      title={SESSIONS_TITLE}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
      path={SESSIONS_PATH}
    >
      <ul class="sessions">
        <For each={sessions()}>
          {(session, index) => (
            <li class="session">
              <p class="session-device" id={`session-${index()}`}>
                {session.device}
                {session.current && <span class="session-current">This device</span>}
              </p>
              <p class="session-meta">
                IP {session.ip || 'unknown'}
                <br />
                Signed in{' '}
                <time datetime={new Date(session.signedInAt).toISOString()}>
                  {when(session.signedInAt)}
                </time>
                <br />
                Last active{' '}
                <time datetime={new Date(session.lastActiveAt).toISOString()}>
                  {when(session.lastActiveAt)}
                </time>
              </p>
              {!session.current && session.handle && (
                <form method="post" action={`${SESSIONS_PATH}/sign-out`}>
                  <input type="hidden" name="handle" value={session.handle} />
                  <button
                    class="button button-quiet"
                    type="submit"
                    aria-describedby={`session-${index()}`}
                  >
                    Sign out
                  </button>
                </form>
              )}
            </li>
          )}
        </For>
      </ul>
      {sessions().some((session) => !session.current) && (
        <form class="form" method="post" action={`${SESSIONS_PATH}/sign-out-others`}>
          <button class="button button-danger" type="submit">
            Sign out all other sessions
          </button>
        </form>
      )}
      <p class="alternate">
        <a href="/account">Back to your account</a>
      </p>
    </Shell>
  );
}
