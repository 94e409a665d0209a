import { describe, expect, it } from 'vitest';
import { DestinationError } from '../../../server/accounts/outcome.ts';
import {
  hashBinding,
  openHandoff,
  type SealedChange,
  type SealHandoffInput,
  sealedChange,
  sealHandoff,
} from '../../../server/handoff/seal.ts';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealBox } from '../../../server/keys/sealed-box.ts';

const SECRET_A = `${'a'.repeat(32)}-first-secret-for-tests`;
const SECRET_B = `${'b'.repeat(32)}-second-secret-for-tests`;
const ring = createKeyRing([SECRET_A]);
const NOW = 1_800_000_000_000;

const input: SealHandoffInput = {
  binding: 'binding-value-of-the-browser-that-opened-the-socket',
  destination: '/account',
  change: { kind: 'sign-in', accountId: 'acc-1', credentialVersion: 0, remember: false },
  flash: [{ kind: 'info' as const, text: 'Welcome back!' }],
};

/** The claims of a fresh handoff, to re-seal changed by hand. */
function openedClaims(): Record<string, unknown> {
  const opened = openHandoff(ring, seal(), NOW);
  if (!opened.ok) throw new Error(opened.code);
  return { ...opened.claims };
}

function seal(options: { now?: number; ttlSeconds?: number } = {}) {
  return sealHandoff(ring, input, {
    ttlSeconds: options.ttlSeconds ?? 60,
    now: options.now ?? NOW,
  });
}

describe('sealHandoff / openHandoff', () => {
  it('round-trips the claims', () => {
    const result = openHandoff(ring, seal(), NOW + 1000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{12}[A-Za-z0-9_-]{16}$/),
      iat: NOW,
      exp: NOW + 60_000,
      bind: hashBinding(input.binding),
      dest: '/account',
      change: { kind: 'sign-in', accountId: 'acc-1', credentialVersion: 0, remember: false },
      flash: [{ kind: 'info', text: 'Welcome back!' }],
    });
  });

  it('gives every handoff its own id and nonce', () => {
    const a = seal();
    const b = seal();
    expect(a).not.toBe(b);
    const [ca, cb] = [openHandoff(ring, a, NOW), openHandoff(ring, b, NOW)];
    expect(ca.ok && cb.ok && ca.claims.id !== cb.claims.id).toBe(true);
  });

  it('gives ids that sort as bytes in the order they were sealed (the ledger appends them)', () => {
    const times = [NOW, NOW + 1, NOW + 255, NOW + 256, NOW + 60_000, 2 ** 44];
    const ids = times.map((now) => {
      const opened = openHandoff(ring, sealHandoff(ring, input, { ttlSeconds: 60, now }), now);
      if (!opened.ok) throw new Error(opened.code);
      return opened.claims.id;
    });
    expect(ids.map((id) => Number.parseInt(id.slice(0, 12), 16))).toEqual(times);
    expect([...ids].sort()).toEqual(ids);
  });

  it('is opaque: neither the binding, the account nor the flash appear in the token', () => {
    const token = seal();
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    for (const secret of [
      'acc-1',
      'Welcome',
      '/account',
      input.binding,
      hashBinding(input.binding),
    ]) {
      expect(token).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
  });

  it('refuses an expired handoff', () => {
    expect(openHandoff(ring, seal(), NOW + 60_000)).toEqual({ ok: false, code: 'handoff.expired' });
    expect(openHandoff(ring, seal({ ttlSeconds: 1 }), NOW + 999).ok).toBe(true);
  });

  it('refuses a handoff whose key is not on the ring', () => {
    const other = createKeyRing([SECRET_B]);
    expect(openHandoff(other, seal(), NOW)).toEqual({ ok: false, code: 'handoff.unknown-key' });
  });

  it('opens with any key on the ring and seals with the newest', () => {
    const rotated = createKeyRing([SECRET_B, SECRET_A]);
    expect(openHandoff(rotated, seal(), NOW).ok).toBe(true);
    const sealedByNewest = sealHandoff(rotated, input, { ttlSeconds: 60, now: NOW });
    expect(openHandoff(createKeyRing([SECRET_B]), sealedByNewest, NOW).ok).toBe(true);
    expect(openHandoff(ring, sealedByNewest, NOW)).toEqual({
      ok: false,
      code: 'handoff.unknown-key',
    });
  });

  it('refuses a box sealed for another purpose', () => {
    const flashBox = sealBox(ring, 'flash', Buffer.from('[]'));
    expect(openHandoff(ring, flashBox, NOW)).toEqual({ ok: false, code: 'handoff.wrong-purpose' });
  });

  it('refuses a flipped bit at every position', () => {
    const token = seal();
    const bytes = Buffer.from(token, 'base64url');
    const codes = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutated = Buffer.from(bytes);
        mutated[i] = (mutated[i] as number) ^ (1 << bit);
        const result = openHandoff(ring, mutated.toString('base64url'), NOW);
        expect(result.ok, `byte ${i} bit ${bit}`).toBe(false);
        if (!result.ok) codes.add(result.code);
      }
    }
    // Version byte → malformed; purpose byte → wrong purpose; key id → unknown key; the rest → tampered.
    expect([...codes].sort()).toEqual([
      'handoff.malformed',
      'handoff.tampered',
      'handoff.unknown-key',
      'handoff.wrong-purpose',
    ]);
  });

  it('refuses every truncation', () => {
    const token = seal();
    for (let length = 0; length < token.length; length++) {
      const result = openHandoff(ring, token.slice(0, length), NOW);
      expect(result.ok, `length ${length}`).toBe(false);
      if (!result.ok) expect(['handoff.malformed', 'handoff.tampered']).toContain(result.code);
    }
  });

  it('refuses text that is not a handoff at all', () => {
    for (const garbage of ['', 'not base64!', 'a'.repeat(10_000), '....', '\u0000']) {
      expect(openHandoff(ring, garbage, NOW)).toEqual({ ok: false, code: 'handoff.malformed' });
    }
  });

  it("refuses to seal a destination that is not one of Baton's own pages, saying which", () => {
    for (const destination of [
      'https://evil.example/',
      '//evil.example/x',
      'account',
      '/',
      '/nope',
    ]) {
      expect(() =>
        sealHandoff(
          ring,
          { ...input, destination: destination as '/account' },
          { ttlSeconds: 60, now: NOW },
        ),
      ).toThrow(new DestinationError(destination));
    }
    expect(new DestinationError('//evil.example').message).toBe(
      `A form's destination must be one of Baton's own pages (/account, /account/sessions, /login, /signup, /change-password, /confirm-password, /account/delete); got "//evil.example"`,
    );
  });

  it('refuses to open a handoff whose destination is not one of the pages', () => {
    const claims = { ...openedClaims(), dest: '//evil.example' };
    const token = sealBox(ring, 'handoff', Buffer.from(JSON.stringify(claims), 'utf8'));
    expect(openHandoff(ring, token, NOW)).toEqual({ ok: false, code: 'handoff.malformed' });
  });

  it.each([
    { kind: 'sign-in', accountId: 'acc-1', credentialVersion: 3, remember: true },
    { kind: 'confirm', accountId: 'acc-1', credentialVersion: 3, sessionRef: 'ref-1' },
    { kind: 'sign-out', sessionRef: 'ref-1' },
    { kind: 'sign-out', sessionRef: null },
    { kind: 'none' },
  ] satisfies SealedChange[])('round-trips the $kind change', (change) => {
    const token = sealHandoff(ring, { ...input, change }, { ttlSeconds: 60, now: NOW });
    const opened = openHandoff(ring, token, NOW);
    expect(opened.ok && opened.claims.change).toEqual(change);
  });

  it("seals a confirm or a sign-out for the socket's own session, and no confirm without one", () => {
    const confirm = { kind: 'confirm', accountId: 'a', credentialVersion: 1 } as const;
    expect(sealedChange(confirm, 'ref-1')).toEqual({ ...confirm, sessionRef: 'ref-1' });
    expect(sealedChange({ kind: 'sign-out' }, 'ref-1')).toEqual({
      kind: 'sign-out',
      sessionRef: 'ref-1',
    });
    expect(() => sealedChange(confirm, null)).toThrow(
      'A confirm outcome needs a signed-in session',
    );
  });

  it('refuses to seal a flash that opening would refuse', () => {
    const stray = [{ kind: 'info', text: 'Hello', extra: true }] as unknown as typeof input.flash;
    const unknownKind = [{ kind: 'warning', text: 'Hello' }] as unknown as typeof input.flash;
    for (const flash of [stray, unknownKind]) {
      expect(() => sealHandoff(ring, { ...input, flash }, { ttlSeconds: 60, now: NOW })).toThrow();
    }
  });
});
