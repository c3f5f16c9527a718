/** A mistake the user can fix (config, token, plan): exit code 1. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Something went wrong on our side or Intercom's that the user cannot fix by editing the config: exit code 2. */
export class AppError extends Error {
  override name = 'AppError';
}

export function exitCodeFor(err: unknown): 1 | 2 {
  return err instanceof UserError ? 1 : 2;
}
