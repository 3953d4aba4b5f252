/** One thing wrong with an input: where (a JSON pointer, `/data/email`) and what. */
export interface InputProblem {
  path: string;
  message: string;
}

/**
 * Input that can never be applied as it is: a lead on a cadence that does not exist, a CRM
 * record without an email. Thrown by code the API and the worker share, which knows nothing
 * of HTTP: the API answers it with 422, an activity fails for good (retrying cannot fix it).
 */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
  constructor(
    message: string,
    readonly details: InputProblem[],
  ) {
    super(message);
  }
}
