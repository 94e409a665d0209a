/**
 * Collects a pino logger's output in memory: pino writes each line to any object with a
 * `write(string)` method.
 */
export interface LogCapture {
  /** Pass as `createLogger({ destination })`. */
  destination: { write(line: string): void };
  /** Everything written so far, as written. */
  text(): string;
  /** Every line parsed as JSON (pino writes one object per line). */
  records(): Array<Record<string, unknown>>;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const text = () => chunks.join('');
  return {
    destination: { write: (line: string) => void chunks.push(line) },
    text,
    records: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * Which of `secrets` (what each is, mapped to its value) `text` holds, whole or as any
 * 16-character piece: a piece of a random value is as telling as all of it (a logged
 * prefix, a truncated line). test/security/logs.test.ts keeps a copy of its own.
 */
export function leaksOf(secrets: ReadonlyMap<string, string>, text: string): string[] {
  const leaks: string[] = [];
  for (const [what, value] of secrets) {
    if (text.includes(value)) {
      leaks.push(`${what} (whole)`);
      continue;
    }
    if (value.length >= 24) {
      for (let at = 0; at + 16 <= value.length; at++) {
        if (text.includes(value.slice(at, at + 16))) {
          leaks.push(`${what} (16 characters from ${at})`);
          break;
        }
      }
    }
  }
  return leaks;
}
