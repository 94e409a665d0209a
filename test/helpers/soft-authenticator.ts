/**
 * A software WebAuthn authenticator for tests in Node: an ES256 (P-256) key pair from
 * node:crypto that answers registration options with attestation 'none' and sign-in options
 * with an assertion, building clientDataJSON and authenticator data byte by byte as the
 * WebAuthn spec lays them out. What a browser would add (the origin in clientDataJSON) is
 * passed in, so tests can also answer as a foreign origin would.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** The CBOR values WebAuthn needs: integers, text, bytes and maps (RFC 8949). */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const head = Buffer.alloc(3);
    head[0] = (major << 5) | 25;
    head.writeUInt16BE(length, 1);
    return head;
  }
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

export function encodeCbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  const parts = [cborHead(5, value.size)];
  for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
  return Buffer.concat(parts);
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url');

/** Authenticator data flags (WebAuthn §6.1). */
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL = 0x40;

export interface Answer {
  /** The origin the browser would put in clientDataJSON. */
  origin: string;
  /** Sign over this challenge instead of the one in the options. */
  challenge?: string;
  /** Use this relying party id instead of the one in the options. */
  rpId?: string;
  /** Send this user handle (base64url) instead of the one stored at registration. */
  userHandle?: string;
}

export class SoftAuthenticator {
  readonly credentialId = b64url(randomBytes(32));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private signCount = 0;
  private userId: string | null = null;

  constructor(
    private readonly settings: {
      /** Count signatures (1, 2, ...), or send 0 every time as many synced passkeys do. */
      keepsCounter?: boolean;
      /** Report that the person was verified (PIN, fingerprint). Default true. */
      userVerified?: boolean;
    } = {},
    keys?: { privateKey: KeyObject; publicKey: KeyObject },
  ) {
    const pair = keys ?? generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** A copy with the same key, credential id, counter and user: a cloned authenticator. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator(this.settings, {
      privateKey: this.privateKey,
      publicKey: this.publicKey,
    });
    Object.assign(copy, {
      credentialId: this.credentialId,
      signCount: this.signCount,
      userId: this.userId,
    });
    return copy;
  }

  /** The public key as COSE (what the server should store). */
  coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return encodeCbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
  }

  /**
   * Answers `navigator.credentials.create()`. Throws, as a browser does
   * (InvalidStateError), when the options exclude this authenticator's credential, unless
   * `ignoreExclusions` is set.
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    answer: Answer & { ignoreExclusions?: boolean },
  ): RegistrationResponseJSON {
    const excluded = options.excludeCredentials?.some((c) => c.id === this.credentialId);
    if (excluded && !answer.ignoreExclusions) {
      throw new Error(
        'InvalidStateError: this authenticator already holds a passkey for the account',
      );
    }
    this.userId = options.user.id;
    const clientDataJSON = this.clientData(
      'webauthn.create',
      answer.challenge ?? options.challenge,
      answer.origin,
    );
    const credentialId = Buffer.from(this.credentialId, 'base64url');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.authDataHead(answer.rpId ?? options.rp.id ?? '', ATTESTED_CREDENTIAL, 0),
      Buffer.alloc(16), // AAGUID: zeros, as with attestation 'none'
      length,
      credentialId,
      this.coseKey(),
    ]);
    const attestationObject = encodeCbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Answers `navigator.credentials.get()` with a signed assertion. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    answer: Answer,
  ): AuthenticationResponseJSON {
    if (this.settings.keepsCounter) this.signCount++;
    const clientDataJSON = this.clientData(
      'webauthn.get',
      answer.challenge ?? options.challenge,
      answer.origin,
    );
    const authData = this.authDataHead(answer.rpId ?? options.rpId ?? '', 0, this.signCount);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      this.privateKey,
    );
    const userHandle = answer.userHandle ?? this.userId;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
  private authDataHead(rpId: string, extraFlags: number, count: number): Buffer {
    const verified = this.settings.userVerified ?? true;
    const flags = USER_PRESENT | (verified ? USER_VERIFIED : 0) | extraFlags;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(count);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }
}
