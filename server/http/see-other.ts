import type Koa from 'koa';

/** 303 See Other: after a POST the browser follows with a GET, and a reload never re-posts. */
export function seeOther(ctx: Koa.Context, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}
