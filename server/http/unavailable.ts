/**
 * What a person sees while the store is down: 503, `Retry-After`, and a page that says so
 * in plain words. On `/handoff` the page can post the same handoff again: nothing was
 * consumed, so it stays good until it expires.
 */
import type Koa from 'koa';
import { escapeHtml } from '../pages/html.ts';
import { RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../store/unavailable.ts';

function page(body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Briefly unavailable · Baton</title></head>
<body><main><h1>Briefly unavailable</h1><p role="alert">${escapeHtml(UNAVAILABLE_MESSAGE)}</p>${body}</main></body>
</html>`;
}

/** Answers 503 with the retry page; `handoff`, when given, is offered for a second try. */
export function sendUnavailable(ctx: Koa.Context, handoff: string | null = null): void {
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = page(
    handoff
      ? `<form method="post" action="/handoff"><input type="hidden" name="handoff" value="${escapeHtml(handoff)}"><button type="submit">Try again</button></form>`
      : '<p><a href="">Try again</a></p>',
  );
}
