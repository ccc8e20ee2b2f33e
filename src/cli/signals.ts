/**
 * Resolves on the first SIGTERM or SIGINT, for a long-running command to shut down gracefully;
 * a second signal while it is shutting down exits at once with 1.
 * @example
 * await untilSignal();
 * await server.close();
 */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
