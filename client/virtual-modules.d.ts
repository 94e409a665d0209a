/** The URL of the passkey sign-in chunk (scripts/passkey-chunk-url.ts). */
declare module 'virtual:passkey-sign-in-url' {
  export const signInUrl: string;
}
