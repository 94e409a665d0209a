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
