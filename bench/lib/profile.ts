/**
 * Reads a V8 CPU profile (what `node --cpu-prof` and the inspector's Profiler write) and
 * says where the time went: self time grouped by package or source file, and the functions
 * with the most time including what they call.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface TimeShare {
  name: string;
  /** Milliseconds. */
  ms: number;
  /** Of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** Self time by package, Node internals, GC or Baton source file. */
  byGroup: TimeShare[];
  /** Self time by function. */
  bySelf: TimeShare[];
  /** Time including callees, for Baton's own functions (and the libraries they call into). */
  byTotal: TimeShare[];
}

const ROOT = path.resolve(import.meta.dirname, '../..');

function where(url: string): string {
  if (url === '') return '';
  let file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  if (file.startsWith(`${ROOT}/`)) file = file.slice(ROOT.length + 1);
  return file;
}

/** The bucket a function's self time goes to. */
function groupOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName;
  if (frame.url === '') {
    if (name === '(garbage collector)') return 'V8: garbage collection';
    if (name === '(program)') return 'V8/native: (program)';
    if (name === '(idle)') return '(idle)';
    return `native: ${name || '(anonymous)'}`;
  }
  const file = where(frame.url);
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = file.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? file);
  }
  if (file.startsWith('node:')) {
    const module = file.slice(5).split('/');
    return module[0] === 'internal' ? `node:internal/${module[1] ?? ''}` : `node:${module[0]}`;
  }
  return file;
}

function label(frame: ProfileNode['callFrame']): string {
  const file = where(frame.url);
  const name = frame.functionName || '(anonymous)';
  if (!file) return name;
  const short = file.includes('node_modules/')
    ? file.slice(file.lastIndexOf('node_modules/') + 13)
    : file;
  return `${name} (${short}:${frame.lineNumber + 1})`;
}

function top(map: Map<string, number>, busy: number, n: number): TimeShare[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
}

/**
 * Summarizes a profile. `ownCode` picks the functions whose inclusive time is worth
 * listing (by default Baton's sources and the packages on its request path).
 */
export function summarizeProfile(
  file: string,
  options: { top?: number; ownCode?: (file: string) => boolean } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const n = options.top ?? 12;
  const ownCode =
    options.ownCode ??
    ((f: string) => /^(server|shared)\//.test(f) || f.includes('node_modules/koa'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }

  const inspectorMemo = new Map<number, boolean>();
  const underInspector = (id: number): boolean => {
    const known = inspectorMemo.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result =
      node?.callFrame.url === 'node:inspector' || (up !== undefined && underInspector(up));
    inspectorMemo.set(id, result);
    return result;
  };

  const groups = new Map<string, number>();
  const selfByName = new Map<string, number>();
  const totalByName = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    // The profiler answering its own stop request (serializing the profile) is sampled too;
    // it is the measurement, not the server, so it counts as neither busy nor idle.
    if (underInspector(id)) continue;
    busy += us;
    const group = groupOf(node.callFrame);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const name = label(node.callFrame);
    selfByName.set(name, (selfByName.get(name) ?? 0) + us);
    // Inclusive time: charge every distinct function on the stack once (recursion counts once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !ownCode(where(frame.url))) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      totalByName.set(key, (totalByName.get(key) ?? 0) + us);
    }
  }
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    byGroup: top(groups, busy, n),
    bySelf: top(selfByName, busy, n),
    byTotal: top(totalByName, busy, n),
  };
}

/** A Markdown table of time shares; with `perRequest`, also the time per request. */
export function sharesTable(
  title: string,
  shares: readonly TimeShare[],
  perRequest?: number,
): string {
  const lines = perRequest
    ? [`| ${title} | µs per request | share of busy time |`, '|---|---:|---:|']
    : [`| ${title} | ms | share of busy time |`, '|---|---:|---:|'];
  for (const s of shares) {
    const time = perRequest ? ((s.ms * 1000) / perRequest).toFixed(1) : s.ms.toFixed(0);
    lines.push(
      `| \`${s.name.replaceAll('|', '\\|')}\` | ${time} | ${(s.share * 100).toFixed(1)}% |`,
    );
  }
  return lines.join('\n');
}

/** Self time of one group (see byGroup), in ms; 0 when absent from the top. */
export function groupMs(summary: ProfileSummary, name: string): number {
  return summary.byGroup.find((g) => g.name === name)?.ms ?? 0;
}
