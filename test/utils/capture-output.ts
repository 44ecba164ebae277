/** Captures what the process writes to stdout and stderr (log lines), to check that no secret is among them. */
export function captureOutput(): { logs: string[]; restore: () => void } {
  const logs: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return { logs, restore: () => spies.forEach((s) => s.mockRestore()) };
}
