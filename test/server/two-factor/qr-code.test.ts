import { describe, expect, it } from 'vitest';
import { qrCodeSvg } from '../../../server/two-factor/qr-code.ts';

describe('qrCodeSvg', () => {
  it('draws an SVG of numbers only: nothing of the text it encodes', () => {
    const text = 'otpauth://totp/Baton:a%40x.test?secret=JBSWY3DPEHPK3PXP&issuer=Baton';
    const svg = qrCodeSvg(text, 'QR code');

    expect(svg).toMatch(
      /^<svg role="img" aria-label="QR code" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"><rect fill="white" width="\1" height="\1"\/><path fill="black" d="[-Mhvz0-9,]+"\/><\/svg>$/,
    );
    expect(svg).not.toContain('JBSWY3DP');
  });

  it('escapes the label', () => {
    const svg = qrCodeSvg('x', '"><script>alert(1)</script>&');

    expect(svg).toContain('aria-label="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"');
    expect(svg).not.toContain('<script');
  });
});
