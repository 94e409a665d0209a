/**
 * Where the secrets come from when SECRET_KEYS is not set: a secret generated once into
 * DATA_DIR (mode 0600) and reused on every start, so handoffs and sessions survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SECRET_FILE_NAME = 'secret.key';

export interface SecretSource {
  secrets: string[];
  /** Set when the secret came from (or was just written to) the generated file. */
  generatedFile: string | null;
  created: boolean;
}

/**
 * Returns the configured secrets, or the generated one from `dataDir`.
 * Refuses in production without configured secrets: a key on the instance's disk is not
 * shared by the other instances and is lost with the disk.
 */
export function resolveSecrets(options: {
  configured: readonly string[];
  dataDir: string;
  production: boolean;
}): SecretSource {
  if (options.configured.length > 0) {
    return { secrets: [...options.configured], generatedFile: null, created: false };
  }
  if (options.production) {
    throw new Error(
      'SECRET_KEYS must be set when NODE_ENV=production (received nothing): generate one with `openssl rand -base64 48`',
    );
  }
  const file = path.join(options.dataDir, SECRET_FILE_NAME);
  mkdirSync(options.dataDir, { recursive: true });
  try {
    // 'wx' fails if the file exists, so two instances starting at once cannot overwrite
    // each other's key: the loser reads the winner's.
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    return { secrets: [readSecret(file)], generatedFile: file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secrets: [readSecret(file)], generatedFile: file, created: false };
  }
}

function readSecret(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new Error(
      `${file} must hold a secret of at least 32 bytes (received ${secret.length} bytes)`,
    );
  }
  return secret;
}
