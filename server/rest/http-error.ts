import type { ApiErrorBody } from '../protocol.js';

/** A REST failure: becomes `{error: {code, message}}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorBody['error']['code'],
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
