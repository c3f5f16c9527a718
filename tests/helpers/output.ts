/**
 * What the code under test prints while `fn` runs, captured instead of written: a test asserts on the lines it
 * expects, and none leaks between the reporter's lines.
 */
export async function captureOutput<T>(fn: () => Promise<T> | T): Promise<{ value: T; stdout: string; stderr: string }> {
  const captured = { stdout: '', stderr: '' };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((captured.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((captured.stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const value = await fn();
    return { value, ...captured };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
