/**
 * Random bytes from the CSPRNG for the hot paths (handoff ids, sealed-box nonces, session
 * ids), drawn from a pool filled 4 KB at a time. `crypto.randomBytes` pays a fixed cost per
 * call whatever the size (a job per call), which small draws feel most (bench/cases/seal.ts);
 * node's own `randomUUID` pools its entropy the same way.
 *
 * Each result is a view of a pool that is never refilled in place (a new pool replaces it),
 * so no byte is ever handed out twice or changed after being handed out.
 */
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
/** Larger requests are not worth pooling. */
const MAX_POOLED = 256;

let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** `n` cryptographically random bytes (a view of a pool: copy it if you keep it long). */
export function randomBytesFast(n: number): Buffer {
  if (n > MAX_POOLED) return randomBytes(n);
  if (offset + n > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + n);
  offset += n;
  return bytes;
}
