/** Resolves at the first SIGINT or SIGTERM; installed before a service announces itself. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** Exits if a stop takes longer than the listeners' own deadline plus a margin. */
export function guardShutdown(timeoutMs: number): void {
  const guard = setTimeout(() => {
    process.stderr.write(`agentmeter did not stop within ${timeoutMs} ms; exiting\n`);
    process.exit(1);
  }, timeoutMs);
  guard.unref();
}
