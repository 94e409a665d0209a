/** Lua scripts on an ioredis client, as typed functions. */
import type { Redis } from 'ioredis';

/** A Lua script's command: keys then arguments, resolving with what the script returns. */
export type ScriptCall<Reply> = (...args: string[]) => Promise<Reply>;

/** Registers a Lua script (sent once, then run by its SHA) and returns a function that runs it. */
export function defineScript<Reply = number>(
  client: Redis,
  name: string,
  lua: string,
  numberOfKeys: number,
): ScriptCall<Reply> {
  client.defineCommand(name, { lua, numberOfKeys });
  const command = (client as unknown as Record<string, ScriptCall<Reply>>)[name];
  if (typeof command !== 'function')
    throw new Error(`ioredis did not define the script command ${name}`);
  return command.bind(client);
}
