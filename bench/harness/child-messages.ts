/**
 * The line protocol between the orchestrator and its children: a child prints one JSON object per
 * line on stdout (`{"event": "ready", ...}`, `{"event": "result", ...}`) and reads commands, one
 * per line, on stdin. Pino log lines of `yard start` are JSON objects too and pass through as is.
 */
import { createInterface } from 'node:readline';

/** One JSON line a child printed. */
export type ChildMessage = Readonly<Record<string, unknown>> & { readonly event?: string; readonly msg?: string };

/** Prints one event line. */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** The child's parameters: one JSON object in argv[2]. */
export function childParams<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error(`usage: ${process.argv[1]} '<json parameters>'`);
  return JSON.parse(raw) as T;
}

/**
 * Calls `onCommand` for each line the orchestrator writes to stdin, and exits when stdin closes
 * (the orchestrator went away), so an orphaned child never lingers. SIGTERM exits normally too,
 * so a child run with `--cpu-prof` writes its profile.
 */
export function listenToParent(onCommand: (line: string) => void = () => {}): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => onCommand(line.trim()));
  lines.on('close', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
