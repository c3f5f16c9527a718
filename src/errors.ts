/** A mistake the user can fix (config, token, plan): exit code 1. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Something went wrong on our side or Intercom's that the user cannot fix by editing the config: exit code 2. */
export class AppError extends Error {
  override name = 'AppError';
}

/**
 * The run was told to stop (SIGTERM from the platform's job timeout or a cancel, SIGINT): exit code 1, since
 * the remedy is the user's (a longer job timeout, or parameters.max_run_minutes below it).
 */
export class StoppedError extends UserError {
  override name = 'StoppedError';
}

/** The disk or the file system refused a write (ENOSPC, EACCES, EROFS, …): exit code 2, with the path named. */
export class EnvironmentError extends AppError {
  override name = 'EnvironmentError';
}

export function exitCodeFor(err: unknown): 1 | 2 {
  return err instanceof UserError ? 1 : 2;
}
