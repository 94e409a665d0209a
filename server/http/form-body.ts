/**
 * Reads a posted HTML form (`application/x-www-form-urlencoded`) into flat string fields,
 * the only kind of body Baton accepts.
 *
 * Why not @koa/bodyparser: it parses forms with `qs`, whose nested syntax (`email[a]=…`,
 * `a.b=…`) turns a field into an object or an array that no Baton form has, and its cost on
 * every redeem showed in the profiles (BENCHMARKS.md, "Redeeming a handoff"). A browser
 * sends exactly what the platform's URLSearchParams parses; raw-body reads the bytes with a
 * size limit and the errors Koa expects.
 */
import type Koa from 'koa';
import getRawBody from 'raw-body';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Form fields by name; a name posted twice keeps its first value. */
export type FormFields = Readonly<Record<string, string>>;

/** Parses a urlencoded body: flat fields, first value wins, nothing on the prototype. */
export function parseForm(body: string): FormFields {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (!(name in fields)) fields[name] = value;
  }
  return fields;
}

function isForm(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
  return type.toLowerCase() === FORM_TYPE;
}

/**
 * Middleware for POSTs: sets `ctx.request.body` to the posted fields (none when the body is
 * not a form). Refuses a compressed body (415) and one over `limitBytes` (413).
 */
export function formBody(options: { limitBytes: number }): Koa.Middleware {
  return async (ctx, next) => {
    const request = ctx.request as { body?: FormFields };
    if (!isForm(ctx.get('Content-Type'))) {
      request.body = {};
      return next();
    }
    const encoding = ctx.get('Content-Encoding');
    if (encoding !== '' && encoding.toLowerCase() !== 'identity') {
      ctx.throw(415, 'A form must be sent uncompressed.');
    }
    let text: string;
    try {
      text = await getRawBody(ctx.req, {
        length: ctx.get('Content-Length') || null,
        limit: options.limitBytes,
        encoding: 'utf-8',
      });
    } catch (error) {
      if ((error as { type?: string }).type === 'entity.too.large') {
        ctx.throw(413, 'That form was too large to read.');
      }
      throw error;
    }
    request.body = parseForm(text);
    return next();
  };
}
