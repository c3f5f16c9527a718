/**
 * The one logger. Every line passes through redact(), so a secret registered here
 * (the access token) can never reach stdout or stderr, whatever the caller formats.
 */
const secrets = new Set<string>();
let quiet = false;

export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) secrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  // Belt and braces: a bearer credential that was never registered (e.g. from a raw header dump).
  return out.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer ***');
}

/** Sync actions (testConnection) must print nothing but their JSON answer on stdout. */
export function setQuiet(value: boolean): boolean {
  const was = quiet;
  quiet = value;
  return was;
}

export const log = {
  info(message: string): void {
    if (!quiet) process.stdout.write(redact(message) + '\n');
  },
  warn(message: string): void {
    if (!quiet) process.stdout.write(redact(`WARNING: ${message}`) + '\n');
  },
  /** One line on stderr: the platform shows it as the run's error. */
  error(message: string): void {
    process.stderr.write(redact(message.replace(/\s*\n\s*/g, ' ')) + '\n');
  },
  /** Lines on stderr, each one line (testConnection's answer: one line per table the token cannot read). */
  errorLines(messages: string[]): void {
    for (const m of messages) log.error(m);
  },
};

const warned = new Set<string>();

/** One warning per key and run, however often the cause repeats (null items in every page of a list). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(message);
}

/** One info line per key and run. */
export function infoOnce(key: string, message: string): void {
  if (warned.has(`info:${key}`)) return;
  warned.add(`info:${key}`);
  log.info(message);
}

/** A new run warns afresh (tests run many in one process). */
export function resetWarnings(): void {
  warned.clear();
}
