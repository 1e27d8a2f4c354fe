/**
 * A request field that breaks the contract. Handlers throw it; the call
 * outcome mapping turns it into INVALID_ARGUMENT with this message.
 */
export class InvalidFieldError extends Error {
  override readonly name = 'InvalidFieldError';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
