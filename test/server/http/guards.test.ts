import { describe, expect, it } from 'vitest';
import { securityHeaderList } from '../../../server/http/guards.ts';

const csp = (options: { devServer?: boolean; hsts?: boolean }) =>
  new Map(securityHeaderList(options)).get('Content-Security-Policy');

describe('securityHeaderList', () => {
  it('relaxes only style-src and connect-src for the dev server', () => {
    expect(csp({ devServer: true })).toBe(
      "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;connect-src 'self' ws: wss:;font-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none';object-src 'none'",
    );
  });

  it('adds HSTS for a year, without subdomains, only when served over HTTPS', () => {
    expect(new Map(securityHeaderList({})).has('Strict-Transport-Security')).toBe(false);
    expect(new Map(securityHeaderList({ hsts: true })).get('Strict-Transport-Security')).toBe(
      'max-age=31536000',
    );
  });
});
