import type { PoolClient } from 'pg';

/**
 * Hears a checked-out pool connection's 'error' events until the returned function is called
 * (before `release`). While a connection is checked out, pg-pool listens for none of its errors,
 * and pg emits 'error' when the connection ends without a word from the server (PostgreSQL
 * crashed or was stopped with `-m immediate`, the network was cut): unheard, that is thrown and
 * ends the process. The statements on it fail by themselves (pg fails every query of a lost
 * connection, and the caller releases it with that error, which drops it), so the event only has
 * to be heard.
 */
export function hearConnectionErrors(client: PoolClient): () => void {
  client.on('error', heard);
  return () => client.removeListener('error', heard);
}

function heard(): void {}
