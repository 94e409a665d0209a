import { describe, expect, it } from 'vitest';
import { relyingPartyFor } from '../../../server/passkeys/relying-party.ts';

describe('relyingPartyFor', () => {
  it('takes its id from the host of the first origin', () => {
    expect(relyingPartyFor(['https://example.com'], 'Baton')).toEqual({
      id: 'example.com',
      name: 'Baton',
      origins: ['https://example.com'],
    });
  });

  it('accepts the origins on that host or under it, and no others', () => {
    const rp = relyingPartyFor(
      [
        'https://example.com',
        'https://www.example.com',
        'https://example.com:8443',
        'https://notexample.com',
        'https://example.org',
      ],
      'Baton',
    );

    expect(rp?.origins).toEqual([
      'https://example.com',
      'https://www.example.com',
      'https://example.com:8443',
    ]);
  });

  it('on the default PUBLIC_ORIGIN, is localhost and leaves out 127.0.0.1', () => {
    const rp = relyingPartyFor(['http://localhost:3000', 'http://127.0.0.1:3000'], 'Baton');

    expect(rp?.id).toBe('localhost');
    expect(rp?.origins).toEqual(['http://localhost:3000']);
  });

  it('is none when the first origin is an IP address, or there is no origin', () => {
    expect(relyingPartyFor(['http://127.0.0.1:3000', 'http://localhost:3000'], 'Baton')).toBeNull();
    expect(relyingPartyFor(['http://[::1]:3000'], 'Baton')).toBeNull();
    expect(relyingPartyFor([], 'Baton')).toBeNull();
  });
});
