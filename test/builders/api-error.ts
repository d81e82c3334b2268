import assert from 'node:assert/strict';
import { APIError } from 'openai';

/** Awaits an SDK call that must be refused and returns the SDK's APIError (status, code, message). */
export async function apiError(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof APIError, `expected an APIError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to be refused');
}
