/**
 * The figures behind design choices the code comments explain. The comments say what the
 * code does and why; the figures, which drift with every release of Node and every machine,
 * live here and are printed in BENCHMARKS.md. Each names the benchmark that measures it
 * today, so a reader can check it against the current run's tables.
 */

export interface DesignNote {
  /** The file whose comment explains the choice. */
  file: string;
  /** The choice, and the figure that motivated it when it was made. */
  text: string;
  /** The benchmark (section of BENCHMARKS.md) that measures it in every full run. */
  measuredBy: string;
}

export const DESIGN_NOTES: readonly DesignNote[] = [
  {
    file: 'server/session/session.ts',
    text: 'A sign-in saves a fresh session under the id koa-session drew in the same request instead of regenerating it: regenerating cost about a tenth of a redeem (a delete of a row never written, an expired cookie then overwritten).',
    measuredBy: 'redeem',
  },
  {
    file: 'server/session/session-id.ts',
    text: 'Session ids (and so refs) begin with the time they were drawn: on a store of tens of thousands of sessions, a random session insert was the largest single cost of a redeem, about 60 µs of 260 µs.',
    measuredBy: 'redeem (the SQLite writes alone)',
  },
  {
    file: 'server/store/migrations.ts',
    text: 'Migration 2 keys sessions and the ledger by their ids (WITHOUT ROWID) and drops the ledger expiry index: a ledger write cost about half as much.',
    measuredBy: 'redeem (the SQLite writes alone)',
  },
  {
    file: 'server/store/group-commit.ts',
    text: "Group commit: the writes of one event-loop turn share one transaction, so a burst of redeems writes the b-tree pages they share once; it was the largest of the store's savings under load.",
    measuredBy: 'redeem (the SQLite writes alone)',
  },
  {
    file: 'server/handoff/seal.ts',
    text: 'Handoff ids begin with the time they were sealed: about a fifth less write time per redeem than a random id, on a ledger of 20,000 rows beside 100,000 sessions.',
    measuredBy: 'redeem (the SQLite writes alone)',
  },
  {
    file: 'server/keys/random.ts',
    text: '`crypto.randomBytes` costs about 2 to 3 µs a call whatever the size, a third of a seal+open; random bytes for the hot paths come from a pooled buffer.',
    measuredBy: 'seal',
  },
  {
    file: 'server/live/door.ts',
    text: 'permessage-deflate is off: about 240 KB per active connection (ws README) for frames of a few hundred bytes.',
    measuredBy: 'memory',
  },
  {
    file: 'server/live/door.ts',
    text: "A socket's id is 16 random bytes in base64url, not `randomUUID()`: the unflattened rope an idle socket kept cost about 450 bytes.",
    measuredBy: 'memory',
  },
  {
    file: 'server/live/connection.ts',
    text: "A connection's handlers are module-level functions: under tsx, each named inner function became a dictionary-mode object of about 250 bytes per socket.",
    measuredBy: 'memory',
  },
  {
    file: 'server/live/live-socket.ts',
    text: "Each open socket is one record in the door's map, served by listeners shared by every socket, with `ws`'s client tracking off: a closure and state object for the conversation, three WeakMap entries and `ws`'s own close listener had made a signed-out socket about 1.7x a bare one (heap snapshots, 2,000 sockets); about 1.2x after this round's changes together.",
    measuredBy: 'memory, crowd',
  },
  {
    file: 'server/live/live-socket.ts',
    text: 'The binding and the session ref are kept as flat copies: the binding cut out of the Cookie header was a slice keeping the whole header alive (about 180 bytes with a session cookie), and the ref a rope of its two parts.',
    measuredBy: 'memory',
  },
  {
    file: 'server/live/deadlines.ts',
    text: 'Session deadlines of signed-in sockets sit in one heap on one timer: a `setTimeout` per socket cost about 450 bytes (a Timeout, its closure, a `once` close listener and, every deadline being a different number of milliseconds, often a timer list of its own).',
    measuredBy: 'memory (signed-in sockets)',
  },
  {
    file: 'server/live/open-sockets.ts',
    text: "The open-socket cap keeps its slots in a WeakMap with one shared close listener: a give-back closure per socket behind `once` cost about 500 bytes under tsx (esbuild's keep-names helper makes each such function a dictionary-mode object).",
    measuredBy: 'memory',
  },
  {
    file: 'server/http/drain.ts',
    text: 'Connections are tracked with one shared close listener, taken off at the upgrade: the per-connection `once` closure stayed on every live socket, about 300 bytes each.',
    measuredBy: 'memory',
  },
  {
    file: 'server/live/registry.ts',
    text: 'A registry key holds its one socket itself and makes a Set only for a second: a Set per key cost about 150 bytes, twice per signed-in socket (by session, by browser).',
    measuredBy: 'memory (signed-in sockets)',
  },
  {
    file: 'shared/protocol-guard.ts',
    text: 'The client checks server frames with a hand-written guard: valibot cost the page script about 2 KB gzipped (1.8 KB for even a minimal schema), a quarter of its 8 KB budget.',
    measuredBy: 'bundle',
  },
  {
    file: 'client/live/form.ts',
    text: 'A lost submit waits for the connection in a render effect, already in the bundle, not a createEffect: that would have added about 200 bytes gzipped.',
    measuredBy: 'bundle',
  },
  {
    file: 'client/live/form.ts',
    text: 'Pressing submit does not send a validate for the field it leaves: in Chromium, that reply landed in the middle of the submit every time.',
    measuredBy: 'browser',
  },
];

/** The notes as a Markdown section body. */
export function designNotesMarkdown(): string {
  return [
    'Figures that once decided how the code is written, as last measured; the code comments ' +
      'explain the choices without them. The benchmark named measures the same thing in every full ' +
      'run, so a figure here that the run no longer bears out is worth a second look.',
    '',
    '| file | choice and the figure behind it | measured by |',
    '|---|---|---|',
    ...DESIGN_NOTES.map(
      (n) => `| \`${n.file}\` | ${n.text.replaceAll('|', '\\|')} | ${n.measuredBy} |`,
    ),
  ].join('\n');
}
